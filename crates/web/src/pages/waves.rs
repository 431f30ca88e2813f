//! 波次 pages: the waves (filtered by warehouse, paged) with the form that cuts new ones,
//! and a wave's pick list — an A4 print view in S-shaped walking order with a Code128 of
//! each SKU's barcode, the route against the naive order, and the 播种 slots.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::fulfillment::barcode;
use jxc_core::fulfillment::waves::WaveRules;
use jxc_core::ids::WarehouseId;
use jxc_core::permissions::Action;
use jxc_store::{Wave, WaveKind};

use super::forms::{Sent, actor, err};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{FulfillmentAllocate, OrdersView};
    Routes::new(Surface::Page, "")
        .get("/waves", OrdersView, waves)
        .post("/waves", FulfillmentAllocate, create)
        .get("/waves/{id}", OrdersView, pick_list)
        .get("/waves/{id}/slips", OrdersView, slips)
        .post("/waves/{id}/dissolve", FulfillmentAllocate, dissolve)
}

struct WaveRow {
    id: i64,
    warehouse: String,
    kind: &'static str,
    carrier: String,
    orders: usize,
    at: String,
}

fn row(ctx: &Ctx, codes: &HashMap<i64, String>, w: &Wave) -> WaveRow {
    WaveRow {
        id: w.id,
        warehouse: codes
            .get(&w.warehouse_id.0)
            .cloned()
            .unwrap_or_else(|| w.warehouse_id.to_string()),
        kind: match w.kind {
            WaveKind::SingleUnit => ctx.tr("waves.kind.single_unit"),
            WaveKind::Multi => ctx.tr("waves.kind.multi"),
        },
        carrier: w.carrier.clone(),
        orders: w.orders.len(),
        at: jxc_app::exports::shanghai_time_ms(w.created_at),
    }
}

#[derive(Template)]
#[template(path = "fulfillment/waves.html")]
struct WavesPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<WaveRow>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    errors: FormErrors,
    sent: Sent,
    notice: String,
    can_create: bool,
}

async fn page(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    errors: FormErrors,
    sent: Sent,
) -> Result<WavesPage, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/waves", uri.query());
    let codes = warehouse_codes(s).await.map_err(&e)?;
    let found = async {
        let mut p = u.page()?;
        p.desc = true;
        s.app
            .waves(&ctx.user, u.id("warehouse_id")?.map(WarehouseId), &p)
            .await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|w| row(&ctx, &codes, w)).collect(),
            p.next,
            errors,
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = codes.into_iter().collect();
    warehouses.sort();
    let notice = u
        .opt("created")
        .map(|n| ctx.tr("waves.created").replace("{n}", &n))
        .unwrap_or_default();
    Ok(WavesPage {
        can_create: ctx.can(Action::FulfillmentAllocate),
        rows,
        next,
        warehouses,
        errors,
        sent,
        notice,
        u,
        ctx,
    })
}

async fn waves(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    Ok(render(
        &page(&s, ctx, &uri, FormErrors::default(), Sent::default()).await?,
    ))
}

/// `HH:MM` today in China, as Unix ms.
fn cutoff_today(now_ms: i64, hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(jxc_app::china_day::day_start(now_ms) + (h * 60 + m) * 60_000)
}

async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let made = async {
        let warehouse: i64 = sent.val("warehouse_id").parse().map_err(|_| {
            jxc_app::Error::invalid("warehouse_id", "请选择仓库 / choose a warehouse")
        })?;
        let max: usize = sent.val("max_shipments").trim().parse().map_err(|_| {
            jxc_app::Error::invalid(
                "max_shipments",
                "每个波次 1–500 单 / 1 to 500 shipments a wave",
            )
        })?;
        let cutoff = match sent.val("cutoff").trim() {
            "" => None,
            t => Some(cutoff_today(s.app.now_ms(), t).ok_or_else(|| {
                jxc_app::Error::invalid("cutoff", "截单时间如 16:00 / a cut-off like 16:00")
            })?),
        };
        let rules = WaveRules {
            single_units_apart: sent.checked("single_units_apart"),
            by_carrier: sent.checked("by_carrier"),
            cutoff_ms: cutoff,
            max_shipments: max,
        };
        s.app
            .create_waves(&ctx.user, WarehouseId(warehouse), &rules, &actor(&ctx))
            .await
    }
    .await;
    match made {
        Ok(w) => Ok(see_other(&format!("/waves?created={}", w.len()))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            let status = super::forms::form_status(&errors);
            Ok((status, render(&page(&s, ctx, &uri, errors, sent).await?)).into_response())
        }
    }
}

struct LineView {
    n: usize,
    location: String,
    sku_code: String,
    sku_name: String,
    barcode_text: String,
    /// Inline SVG (ours, from `core::fulfillment::barcode`), or empty if the text cannot
    /// be a Code128.
    barcode_svg: String,
    qty: i64,
}

#[derive(Template)]
#[template(path = "fulfillment/pick_list.html")]
struct PickListPage {
    ctx: Ctx,
    id: i64,
    warehouse: String,
    kind: &'static str,
    carrier: String,
    at: String,
    lines: Vec<LineView>,
    total: i64,
    route: i64,
    naive: i64,
    slots: Vec<(i64, i64, String, i64)>,
    multi: bool,
    can_dissolve: bool,
}

async fn pick_list(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let p = s.app.pick_list(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let r = row(&ctx, &codes, &p.wave);
    let lines: Vec<LineView> = p
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineView {
            n: i + 1,
            location: l.location.clone(),
            sku_code: l.sku_code.clone(),
            sku_name: l.sku_name.clone(),
            barcode_svg: barcode::encode(&l.barcode)
                .map(|b| b.to_svg(2, 60))
                .unwrap_or_default(),
            barcode_text: l.barcode.clone(),
            qty: l.qty,
        })
        .collect();
    let page = PickListPage {
        id,
        warehouse: r.warehouse,
        kind: r.kind,
        carrier: r.carrier,
        at: r.at,
        total: lines.iter().map(|l| l.qty).sum(),
        lines,
        route: p.route_length,
        naive: p.naive_length,
        multi: p.wave.kind == WaveKind::Multi,
        slots: p
            .slots
            .iter()
            .map(|x| (x.slot, x.order_id.0, x.platform_order_id.clone(), x.units))
            .collect(),
        can_dissolve: ctx.can(Action::FulfillmentAllocate),
        ctx,
    };
    Ok(render(&page))
}

async fn dissolve(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    s.app
        .dissolve_wave(&ctx.user, id, &actor(&ctx))
        .await
        .map_err(&e)?;
    Ok(see_other("/waves"))
}

// ---- 装箱单: one packing slip per order of a wave, to print in one go ----

struct SlipLine {
    sku_code: String,
    sku_name: String,
    qty: i64,
}

struct SlipView {
    slot: i64,
    order_id: i64,
    platform_order_id: String,
    /// Code128 of the platform order id, for the scan station.
    barcode_svg: String,
    shop: String,
    receiver: String,
    phone: String,
    address: String,
    buyer_message: String,
    lines: Vec<SlipLine>,
}

#[derive(Template)]
#[template(path = "fulfillment/slips.html")]
struct SlipsPage {
    ctx: Ctx,
    id: i64,
    warehouse: String,
    slips: Vec<SlipView>,
}

async fn slips(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let wave = s.app.wave(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let mut out = Vec::with_capacity(wave.orders.len());
    for (order_id, slot) in &wave.orders {
        let o = s.app.order(&ctx.user, *order_id).await.map_err(&e)?;
        let shop = s.app.shop(o.order.shop_id).await.map_err(&e)?;
        let decision = s
            .app
            .allocation(&ctx.user, *order_id)
            .await
            .map_err(&e)?
            .and_then(|a| {
                serde_json::from_value::<jxc_core::fulfillment::routing::Decision>(a.decision).ok()
            });
        let mut lines = Vec::new();
        for sh in decision
            .iter()
            .flat_map(|d| d.shipments.iter())
            .filter(|sh| sh.warehouse == wave.warehouse_id)
        {
            for (sku_id, qty) in &sh.lines {
                let sku = s.app.sku(*sku_id).await.map_err(&e)?;
                lines.push(SlipLine {
                    sku_code: sku.fields.code,
                    sku_name: sku.fields.name,
                    qty: *qty,
                });
            }
        }
        let r = &o.order.receiver;
        out.push(SlipView {
            slot: *slot,
            order_id: order_id.0,
            barcode_svg: barcode::encode(&o.order.platform_order_id)
                .map(|b| b.to_svg(2, 50))
                .unwrap_or_default(),
            platform_order_id: o.order.platform_order_id.clone(),
            shop: shop.fields.name,
            receiver: r.name.clone(),
            phone: super::shipments::phone(r),
            address: super::shipments::address(r),
            buyer_message: o.order.buyer_message.clone(),
            lines,
        });
    }
    let page = SlipsPage {
        id,
        warehouse: codes.get(&wave.warehouse_id.0).cloned().unwrap_or_default(),
        slips: out,
        ctx,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_off_of_16_00_is_08_00_utc_of_the_china_day() {
        // 2026-11-26 01:00 UTC = 09:00 in China; 16:00 China = 08:00 UTC the same day.
        let now = 1_795_654_800_000;
        assert_eq!(cutoff_today(now, "16:00"), Some(now + 7 * 3_600_000));
        assert_eq!(cutoff_today(now, "24:00"), None);
        assert_eq!(cutoff_today(now, "soon"), None);
    }
}
