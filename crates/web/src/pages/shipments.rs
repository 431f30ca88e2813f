//! 发货 pages: the shipments (filtered by status, warehouse, wave, tracking number; paged;
//! exported), one shipment, a wave's 100×150 mm labels (取号 then print, in pick order),
//! the Cainiao print command as a download, the scan station (its script is
//! `assets/scan.js`), and the shipping setup form.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use jxc_app::shipments::ShipmentView;
use jxc_core::fulfillment::barcode;
use jxc_core::fulfillment::shipping::{ShippingSetup, WaybillSource};
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::orders::Receiver;
use jxc_core::permissions::Action;
use jxc_store::{Shipment, ShipmentFilter, ShipmentStatus};

use super::forms::{Sent, actor, err};
use super::fulfillment::warehouse_codes;
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{OrdersView, RoutingEdit, ShipmentsShip};
    Routes::new(Surface::Page, "")
        .get("/shipments", OrdersView, list)
        .get("/shipments/export.xlsx", OrdersView, export)
        .get("/shipments/{id}", OrdersView, detail)
        .post("/shipments/{id}/writeback", ShipmentsShip, writeback)
        .post("/shipments/{id}/tracking", ShipmentsShip, refresh_tracking)
        .post("/waves/{id}/labels", ShipmentsShip, take_labels)
        .get("/waves/{id}/labels", OrdersView, labels)
        .get(
            "/waves/{id}/print-command.json",
            ShipmentsShip,
            print_command,
        )
        .get("/scan", ShipmentsShip, scan_page)
        .get("/shipping/setup", OrdersView, setup_page)
        .post("/shipping/setup", RoutingEdit, save_setup)
}

pub(crate) fn status_label(ctx: &Ctx, s: ShipmentStatus) -> &'static str {
    match s {
        ShipmentStatus::Labelled => ctx.tr("shipments.status.labelled"),
        ShipmentStatus::Shipped => ctx.tr("shipments.status.shipped"),
        ShipmentStatus::Signed => ctx.tr("shipments.status.signed"),
        ShipmentStatus::Exception => ctx.tr("shipments.status.exception"),
    }
}

struct Row {
    id: i64,
    status: &'static str,
    status_code: &'static str,
    warehouse: String,
    wave: String,
    orders: Vec<i64>,
    carrier: String,
    tracking_no: String,
    packages: i64,
    weight: String,
    shipped_at: String,
    writeback: String,
    exception: String,
}

fn row(ctx: &Ctx, codes: &HashMap<i64, String>, s: &Shipment) -> Row {
    Row {
        id: s.id,
        status: status_label(ctx, s.status),
        status_code: s.status.as_str(),
        warehouse: codes
            .get(&s.warehouse_id.0)
            .cloned()
            .unwrap_or_else(|| s.warehouse_id.to_string()),
        wave: s.wave_id.map(|w| w.to_string()).unwrap_or_default(),
        orders: s.orders.iter().map(|o| o.0).collect(),
        carrier: s.carrier.clone(),
        tracking_no: s.tracking_no.clone(),
        packages: s.packages,
        weight: s
            .weight_g
            .map(|g| format!("{}.{:03} kg", g / 1000, g % 1000))
            .unwrap_or_default(),
        shipped_at: s
            .shipped_at
            .map(jxc_app::exports::shanghai_time_ms)
            .unwrap_or_default(),
        writeback: s.writeback.clone(),
        exception: s.exception.clone(),
    }
}

fn filter_of(u: &ListUrl) -> Result<ShipmentFilter, jxc_app::Error> {
    let status = match u.opt("status").filter(|x| !x.is_empty()) {
        None => None,
        Some(x) => Some(ShipmentStatus::parse(&x).ok_or_else(|| {
            jxc_app::Error::invalid("status", "labelled / shipped / signed / exception")
        })?),
    };
    Ok(ShipmentFilter {
        status,
        warehouse: u.id("warehouse_id")?.map(WarehouseId),
        wave: u.id("wave_id")?,
        order: u.id("order_id")?.map(OrderId),
        tracking_no: u.opt("tracking_no").filter(|x| !x.trim().is_empty()),
        ..Default::default()
    })
}

#[derive(Template)]
#[template(path = "shipments/list.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<Row>,
    next: Option<String>,
    warehouses: Vec<(i64, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
}

async fn list(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/shipments", uri.query());
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let found = async {
        let f = filter_of(&u)?;
        s.app.shipments(&ctx.user, f, &u.page()?).await
    }
    .await;
    let (rows, next, errors) = match found {
        Ok(p) => (
            p.items.iter().map(|x| row(&ctx, &codes, x)).collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let mut warehouses: Vec<(i64, String)> = codes.into_iter().collect();
    warehouses.sort();
    let statuses = ShipmentStatus::ALL
        .iter()
        .map(|x| (x.as_str(), status_label(&ctx, *x)))
        .collect();
    Ok(render(&ListPage {
        rows,
        next,
        warehouses,
        statuses,
        errors,
        u,
        ctx,
    }))
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook};
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/shipments", uri.query());
    let f = filter_of(&u).map_err(&e)?;
    let user = ctx.user.clone();
    let items = super::forms::all_pages(|p| {
        let app = s.app.clone();
        let f = f.clone();
        let user = user.clone();
        async move { app.shipments(&user, f, &p).await }
    })
    .await
    .map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    let rows = items
        .iter()
        .map(|x| {
            let r = row(&ctx, &codes, x);
            vec![
                Cell::Int(r.id),
                Cell::text(r.status),
                Cell::text(&r.warehouse),
                Cell::text(&r.wave),
                Cell::text(
                    &r.orders
                        .iter()
                        .map(|o| o.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                Cell::text(&r.carrier),
                Cell::text(&r.tracking_no),
                Cell::Int(r.packages),
                Cell::text(&r.weight),
                Cell::text(&r.shipped_at),
                Cell::text(&r.writeback),
                Cell::text(&r.exception),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("shipments.title"),
        &[
            (t.get("shipments.col.id"), 8),
            (t.get("shipments.col.status"), 10),
            (t.get("shipments.col.warehouse"), 16),
            (t.get("shipments.col.wave"), 8),
            (t.get("shipments.col.orders"), 16),
            (t.get("shipments.col.carrier"), 10),
            (t.get("shipments.col.tracking_no"), 20),
            (t.get("shipments.col.packages"), 8),
            (t.get("shipments.col.weight"), 10),
            (t.get("shipments.col.shipped_at"), 20),
            (t.get("shipments.col.writeback"), 24),
            (t.get("shipments.col.exception"), 24),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("shipments", bytes).into_response())
}

/// A receiver's address on one line, as labels and slips print it.
pub(crate) fn address(r: &Receiver) -> String {
    [&r.province, &r.city, &r.district, &r.town, &r.detail]
        .iter()
        .filter(|x| !x.is_empty())
        .map(|x| x.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The mobile, else the landline.
pub(crate) fn phone(r: &Receiver) -> String {
    if r.mobile.is_empty() {
        r.phone.clone()
    } else {
        r.mobile.clone()
    }
}

/// One 100×150 mm label (面单).
struct Label {
    id: i64,
    tracking_no: String,
    barcode_svg: String,
    carrier: String,
    sender: String,
    sender_phone: String,
    sender_address: String,
    receiver: String,
    receiver_phone: String,
    receiver_address: String,
    orders: String,
    items: String,
    units: i64,
    status_code: &'static str,
}

fn label(v: &ShipmentView) -> Label {
    Label {
        id: v.shipment.id,
        tracking_no: v.shipment.tracking_no.clone(),
        barcode_svg: barcode::encode(&v.shipment.tracking_no)
            .map(|b| b.to_svg(2, 70))
            .unwrap_or_default(),
        carrier: v.shipment.carrier.clone(),
        sender: v.sender.name.clone(),
        sender_phone: phone(&v.sender),
        sender_address: address(&v.sender),
        receiver: v.receiver.name.clone(),
        receiver_phone: phone(&v.receiver),
        receiver_address: address(&v.receiver),
        orders: v
            .orders
            .iter()
            .map(|o| o.platform_order_id.clone())
            .collect::<Vec<_>>()
            .join(" / "),
        items: v
            .lines
            .iter()
            .map(|l| format!("{}×{}", l.sku_code, l.qty))
            .collect::<Vec<_>>()
            .join("  "),
        units: v.lines.iter().map(|l| l.qty).sum(),
        status_code: v.shipment.status.as_str(),
    }
}

#[derive(Template)]
#[template(path = "shipments/detail.html")]
struct DetailPage {
    ctx: Ctx,
    r: Row,
    v: ShipmentView,
    l: Label,
    can_ship: bool,
}

async fn detail(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let v = s.app.shipment(&ctx.user, id).await.map_err(&e)?;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    Ok(render(&DetailPage {
        r: row(&ctx, &codes, &v.shipment),
        l: label(&v),
        v,
        can_ship: ctx.can(Action::ShipmentsShip),
        ctx,
    }))
}

async fn writeback(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    s.app.retry_writeback(&ctx.user, id).await.map_err(&e)?;
    Ok(see_other(&format!("/shipments/{id}")))
}

async fn refresh_tracking(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    s.app.refresh_tracking(&ctx.user, id).await.map_err(&e)?;
    Ok(see_other(&format!("/shipments/{id}")))
}

async fn take_labels(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    s.app
        .label_wave(&ctx.user, id, &actor(&ctx))
        .await
        .map_err(&e)?;
    Ok(see_other(&format!("/waves/{id}/labels")))
}

#[derive(Template)]
#[template(path = "shipments/labels.html")]
struct LabelsPage {
    ctx: Ctx,
    id: i64,
    labels: Vec<Label>,
    waiting: usize,
    can_ship: bool,
}

/// The wave's labels, in the wave's order (its slots, i.e. pick order).
async fn labels(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let wave = s.app.wave(&ctx.user, id).await.map_err(&e)?;
    let ships = s.app.wave_shipments(id).await.map_err(&e)?;
    let order_pos: HashMap<OrderId, usize> = wave
        .orders
        .iter()
        .enumerate()
        .map(|(i, (o, _))| (*o, i))
        .collect();
    let mut views = Vec::with_capacity(ships.len());
    for sh in &ships {
        views.push(s.app.shipment(&ctx.user, sh.id).await.map_err(&e)?);
    }
    views.sort_by_key(|v| {
        v.shipment
            .orders
            .iter()
            .filter_map(|o| order_pos.get(o))
            .min()
            .copied()
            .unwrap_or(usize::MAX)
    });
    let labelled: usize = ships.iter().map(|x| x.orders.len()).sum();
    Ok(render(&LabelsPage {
        id,
        labels: views.iter().map(label).collect(),
        waiting: wave.orders.len().saturating_sub(labelled),
        can_ship: ctx.can(Action::ShipmentsShip),
        ctx,
    }))
}

async fn print_command(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("", uri.query());
    let cmd = s
        .app
        .wave_print_command(&ctx.user, id, u.get("printer"))
        .await
        .map_err(&e)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"wave-{id}-print.json\""),
            ),
        ],
        cmd.to_string(),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "shipments/setup.html")]
struct SetupPage {
    ctx: Ctx,
    sent: Sent,
    errors: FormErrors,
    shops: Vec<(i64, String)>,
    can_edit: bool,
    saved: bool,
}

fn sent_of(setup: &ShippingSetup) -> Sent {
    let mut m = HashMap::new();
    match &setup.source {
        WaybillSource::Local { prefix } => {
            m.insert("source".to_string(), "local".to_string());
            m.insert("prefix".to_string(), prefix.clone());
        }
        WaybillSource::Cainiao {
            shop_id,
            cp_code,
            template_url,
        } => {
            m.insert("source".to_string(), "cainiao".to_string());
            m.insert("shop_id".to_string(), shop_id.to_string());
            m.insert("cp_code".to_string(), cp_code.clone());
            m.insert("template_url".to_string(), template_url.clone());
        }
    }
    m.insert("carrier".into(), setup.carrier.clone());
    m.insert("sender_name".into(), setup.sender_name.clone());
    m.insert("sender_phone".into(), setup.sender_phone.clone());
    m.insert("notify_url".into(), setup.notify_url.clone());
    m.insert("stale_days".into(), setup.stale_days.to_string());
    if let Some(t) = &setup.tracking {
        m.insert("tracking".into(), "on".into());
        m.insert("k100_customer".into(), t.customer.clone());
        m.insert("k100_callback_url".into(), t.callback_url.clone());
        m.insert("k100_base_url".into(), t.base_url.clone());
    }
    Sent(m)
}

async fn setup_view(
    s: &AppState,
    ctx: Ctx,
    sent: Sent,
    errors: FormErrors,
    saved: bool,
) -> Result<SetupPage, jxc_app::Error> {
    let shops = s
        .app
        .shops(
            &jxc_store::ListFilter::default(),
            &jxc_core::paging::PageRequest {
                limit: jxc_core::paging::MAX_LIMIT,
                ..Default::default()
            },
        )
        .await?
        .items
        .into_iter()
        .filter(|x| {
            matches!(
                x.fields.platform,
                jxc_core::partners::Platform::Taobao | jxc_core::partners::Platform::Tmall
            )
        })
        .map(|x| (x.id.0, x.fields.name))
        .collect();
    Ok(SetupPage {
        can_edit: ctx.can(Action::RoutingEdit),
        sent,
        errors,
        shops,
        saved,
        ctx,
    })
}

async fn setup_page(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let setup = s.app.shipping_setup().await.map_err(&e)?;
    let saved = uri.query().is_some_and(|q| q.contains("saved=1"));
    Ok(render(
        &setup_view(&s, ctx, sent_of(&setup), FormErrors::default(), saved)
            .await
            .map_err(&e)?,
    ))
}

async fn save_setup(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let done = async {
        let source = match sent.val("source").as_str() {
            "cainiao" => WaybillSource::Cainiao {
                shop_id: sent.val("shop_id").trim().parse().unwrap_or(0),
                cp_code: sent.val("cp_code").trim().to_string(),
                template_url: sent.val("template_url").trim().to_string(),
            },
            _ => WaybillSource::Local {
                prefix: sent.val("prefix").trim().to_string(),
            },
        };
        let old = s.app.shipping_setup().await?;
        let secret = match sent.val("notify_secret").as_str() {
            "" => old.notify_secret,
            x => x.to_string(),
        };
        // Keys left empty keep the saved ones (they are never shown back).
        let tracking = if sent.checked("tracking") {
            let keep = old.tracking.clone();
            let or_kept = |field: &str, kept: Option<String>| match sent.val(field).trim() {
                "" => kept.unwrap_or_default(),
                x => x.to_string(),
            };
            Some(jxc_core::fulfillment::shipping::TrackingSetup {
                customer: sent.val("k100_customer").trim().to_string(),
                key: or_kept("k100_key", keep.as_ref().map(|t| t.key.clone())),
                salt: or_kept("k100_salt", keep.as_ref().map(|t| t.salt.clone())),
                callback_url: sent.val("k100_callback_url").trim().to_string(),
                base_url: sent.val("k100_base_url").trim().to_string(),
            })
        } else {
            None
        };
        let setup = ShippingSetup {
            source,
            carrier: sent.val("carrier").trim().to_string(),
            sender_name: sent.val("sender_name").trim().to_string(),
            sender_phone: sent.val("sender_phone").trim().to_string(),
            notify_url: sent.val("notify_url").trim().to_string(),
            notify_secret: secret,
            stale_days: sent.val("stale_days").trim().parse().unwrap_or(0),
            tracking,
        };
        s.app.set_shipping_setup(setup, &actor(&ctx)).await
    }
    .await;
    match done {
        Ok(_) => Ok(see_other("/shipping/setup?saved=1")),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            let status = super::forms::form_status(&errors);
            Ok((
                status,
                render(&setup_view(&s, ctx, sent, errors, false).await.map_err(&e)?),
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "shipments/scan.html")]
struct ScanPage {
    ctx: Ctx,
}

async fn scan_page(ctx: Ctx) -> Response {
    render(&ScanPage { ctx })
}
