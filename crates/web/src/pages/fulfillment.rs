//! 分仓 pages: the allocations (已分配 / 缺货, filtered, paged, exported) with "allocate
//! the approved orders" and release; the routing setup (strategies in order, splitting,
//! the rules: add and delete).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::fulfillment::routing::{Decision, Effect, RoutingSetup, Rule, Strategy};
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::money::Fen;
use jxc_core::paging::{MAX_LIMIT, PageRequest};
use jxc_core::permissions::Action;
use jxc_store::{Allocation, AllocationStatus, ListFilter};

use super::forms::{Sent, actor, err};
use super::list::ListUrl;
use super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use Action::{FulfillmentAllocate, OrdersView, RoutingEdit};
    Routes::new(Surface::Page, "")
        .get("/fulfillment", OrdersView, allocations)
        .get("/fulfillment/export.xlsx", OrdersView, export)
        .post("/fulfillment/allocate", FulfillmentAllocate, allocate_ready)
        .post(
            "/orders/{id}/allocation/release",
            FulfillmentAllocate,
            release,
        )
        .get("/fulfillment/routing", OrdersView, routing_page)
        .post("/fulfillment/routing", RoutingEdit, save_strategies)
        .post("/fulfillment/routing/what-if", OrdersView, what_if)
        .post("/fulfillment/routing/rules", RoutingEdit, add_rule)
        .post(
            "/fulfillment/routing/rules/{n}/delete",
            RoutingEdit,
            delete_rule,
        )
}

/// Warehouse codes by id.
pub(crate) async fn warehouse_codes(s: &AppState) -> Result<HashMap<i64, String>, jxc_app::Error> {
    let ws = s
        .app
        .warehouses(
            &ListFilter::default(),
            &PageRequest {
                limit: MAX_LIMIT,
                ..Default::default()
            },
        )
        .await?;
    Ok(ws
        .items
        .into_iter()
        .map(|w| (w.id.0, format!("{} {}", w.fields.code, w.fields.name)))
        .collect())
}

/// Warehouse and SKU names for showing decisions.
pub(crate) struct Names {
    pub warehouses: HashMap<i64, String>,
    pub skus: HashMap<i64, String>,
}

impl Names {
    /// The warehouses, and the SKUs these allocations mention.
    pub(crate) async fn of(
        s: &AppState,
        allocations: &[&Allocation],
    ) -> Result<Names, jxc_app::Error> {
        let ids = mentioned_skus(allocations);
        let mut skus = HashMap::new();
        for id in ids {
            let sku = s.app.sku(id).await?;
            skus.insert(id.0, sku.fields.code.clone());
        }
        Ok(Names {
            warehouses: warehouse_codes(s).await?,
            skus,
        })
    }

    fn sku(&self, id: &jxc_core::ids::SkuId) -> String {
        self.skus
            .get(&id.0)
            .cloned()
            .unwrap_or_else(|| format!("SKU {id}"))
    }
}

/// The SKUs the decisions of `allocations` ship or miss, each once.
fn mentioned_skus(allocations: &[&Allocation]) -> Vec<jxc_core::ids::SkuId> {
    let mut ids = std::collections::BTreeSet::new();
    for a in allocations {
        if let Ok(d) = serde_json::from_value::<Decision>(a.decision.clone()) {
            for sh in &d.shipments {
                ids.extend(sh.lines.iter().map(|l| l.0));
            }
            ids.extend(d.missing.iter().map(|m| m.0));
        }
    }
    ids.into_iter().collect()
}

/// An allocation as the pages show it.
pub(crate) struct AllocationView {
    pub order_id: i64,
    pub status: &'static str,
    pub status_code: &'static str,
    /// `仓库: SKU×qty …` per shipment.
    pub shipments: Vec<String>,
    pub missing: String,
    pub carrier: String,
    pub why: Vec<(String, String)>,
    pub at: String,
    pub by: String,
}

pub(crate) fn allocation_view(ctx: &Ctx, names: &Names, a: &Allocation) -> AllocationView {
    let codes = &names.warehouses;
    let d: Option<Decision> = serde_json::from_value(a.decision.clone()).ok();
    let wh = |w: &WarehouseId| codes.get(&w.0).cloned().unwrap_or_else(|| w.to_string());
    let (shipments, missing, carrier, why) = match &d {
        Some(d) => (
            d.shipments
                .iter()
                .map(|s| {
                    let lines: Vec<String> = s
                        .lines
                        .iter()
                        .map(|(k, q)| format!("{} × {q}", names.sku(k)))
                        .collect();
                    format!("{}：{}", wh(&s.warehouse), lines.join("，"))
                })
                .collect(),
            d.missing
                .iter()
                .map(|(k, q)| format!("{} × {q}", names.sku(k)))
                .collect::<Vec<_>>()
                .join("，"),
            d.carrier.clone().unwrap_or_default(),
            d.why
                .iter()
                .map(|s| {
                    let mut kept: Vec<String> = s.kept.iter().map(wh).collect();
                    kept.sort();
                    let dropped: Vec<String> = s
                        .dropped
                        .iter()
                        .map(|(w, r)| format!("{} — {r}", wh(w)))
                        .collect();
                    let mut text = kept.join("，");
                    if !dropped.is_empty() {
                        text.push_str(&format!("（{}）", dropped.join("；")));
                    }
                    (s.by.clone(), text)
                })
                .collect(),
        ),
        None => (vec![], String::new(), String::new(), vec![]),
    };
    let (status, status_code) = match a.status {
        AllocationStatus::Allocated => (ctx.tr("fulfillment.status.allocated"), "allocated"),
        AllocationStatus::Short => (ctx.tr("fulfillment.status.short"), "short"),
    };
    AllocationView {
        order_id: a.order_id.0,
        status,
        status_code,
        shipments,
        missing,
        carrier,
        why,
        at: jxc_app::exports::shanghai_time_ms(a.created_at),
        by: a.created_by.clone(),
    }
}

fn status_filter(u: &ListUrl) -> Result<Option<AllocationStatus>, jxc_app::Error> {
    match u.opt("status") {
        None => Ok(None),
        Some(s) => AllocationStatus::parse(&s).map(Some).ok_or_else(|| {
            jxc_app::Error::invalid("status", format!("未知的状态 “{s}” / unknown status"))
        }),
    }
}

#[derive(Template)]
#[template(path = "fulfillment/allocations.html")]
struct AllocationsPage {
    ctx: Ctx,
    u: ListUrl,
    rows: Vec<AllocationView>,
    next: Option<String>,
    errors: FormErrors,
    notice: String,
    can_allocate: bool,
}

async fn allocations(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new(uri.path(), uri.query());
    let found = async {
        let p = s.app.allocations(status_filter(&u)?, &u.page()?).await?;
        let names = Names::of(&s, &p.items.iter().collect::<Vec<_>>()).await?;
        Ok::<_, jxc_app::Error>((p, names))
    }
    .await;
    let (rows, next, errors) = match found {
        Ok((p, names)) => (
            p.items
                .iter()
                .map(|a| allocation_view(&ctx, &names, a))
                .collect(),
            p.next,
            FormErrors::default(),
        ),
        Err(x) => (vec![], None, FormErrors::from_app(x).map_err(&e)?),
    };
    let notice = match (u.opt("allocated"), u.opt("short"), u.opt("skipped")) {
        (Some(a), Some(sh), Some(sk)) => ctx
            .tr("fulfillment.done")
            .replace("{allocated}", &a)
            .replace("{short}", &sh)
            .replace("{skipped}", &sk),
        _ => String::new(),
    };
    let page = AllocationsPage {
        can_allocate: ctx.can(Action::FulfillmentAllocate),
        rows,
        next,
        errors,
        notice,
        u,
        ctx,
    };
    Ok(render(&page))
}

async fn export(State(s): State<AppState>, ctx: Ctx, uri: Uri) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook};
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/fulfillment", uri.query());
    let status = status_filter(&u).map_err(&e)?;
    let items = super::forms::all_pages(|p| {
        let app = s.app.clone();
        async move { app.allocations(status, &p).await }
    })
    .await
    .map_err(&e)?;
    let names = Names::of(&s, &items.iter().collect::<Vec<_>>())
        .await
        .map_err(&e)?;
    let rows = items
        .iter()
        .map(|a| {
            let v = allocation_view(&ctx, &names, a);
            vec![
                Cell::Int(v.order_id),
                Cell::text(v.status),
                Cell::text(&v.shipments.join("\n")),
                Cell::text(&v.missing),
                Cell::text(&v.carrier),
                Cell::text(&v.at),
                Cell::text(&v.by),
            ]
        })
        .collect();
    let t = ctx.t;
    let bytes = workbook(
        t.get("fulfillment.title"),
        &[
            (t.get("fulfillment.col.order"), 10),
            (t.get("fulfillment.col.status"), 10),
            (t.get("fulfillment.col.shipments"), 50),
            (t.get("fulfillment.col.missing"), 30),
            (t.get("fulfillment.col.carrier"), 10),
            (t.get("fulfillment.col.at"), 20),
            (t.get("fulfillment.col.by"), 14),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("allocations", bytes).into_response())
}

async fn allocate_ready(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let out = s
        .app
        .allocate_ready(&ctx.user, 1000, &actor(&ctx))
        .await
        .map_err(&e)?;
    let count = |st: &str| out.iter().filter(|o| o.status == st).count();
    Ok(see_other(&format!(
        "/fulfillment?allocated={}&short={}&skipped={}",
        count("allocated"),
        count("short"),
        count("skipped")
    )))
}

async fn release(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    s.app
        .release_allocation(&ctx.user, OrderId(id), &actor(&ctx))
        .await
        .map_err(&e)?;
    Ok(see_other(&format!("/orders/{id}")))
}

// ---- 分仓设置 ----

struct RuleView {
    n: usize,
    name: String,
    when: String,
    then: String,
    carrier: String,
}

#[derive(Template)]
#[template(path = "fulfillment/routing.html")]
struct RoutingPage {
    ctx: Ctx,
    /// (position 1.., strategy code, label, on)
    strategies: Vec<(usize, &'static str, &'static str, bool)>,
    allow_split: bool,
    rules: Vec<RuleView>,
    warehouses: Vec<(i64, String)>,
    can_edit: bool,
    errors: FormErrors,
    sent: Sent,
    saved: bool,
    what_if: Option<WhatIfView>,
}

/// 分仓模拟 as the page shows it.
struct WhatIfView {
    days: i64,
    orders: i64,
    moved: i64,
    split: (i64, i64),
    short: (i64, i64),
    /// (warehouse, before, after)
    load: Vec<(String, i64, i64)>,
}

fn yuan(f: Option<i64>) -> String {
    f.map(|v| Fen(v).to_string()).unwrap_or_default()
}

fn rule_view(ctx: &Ctx, codes: &HashMap<i64, String>, n: usize, r: &Rule) -> RuleView {
    let mut when = Vec::new();
    if !r.shops.is_empty() {
        when.push(format!(
            "{} {}",
            ctx.tr("fulfillment.rule.shops"),
            r.shops.join("，")
        ));
    }
    if !r.provinces.is_empty() {
        when.push(format!(
            "{} {}",
            ctx.tr("fulfillment.rule.provinces"),
            r.provinces.join("，")
        ));
    }
    if r.min_amount.is_some() || r.max_amount.is_some() {
        when.push(format!(
            "{} {} – {}",
            ctx.tr("fulfillment.rule.amount"),
            yuan(r.min_amount),
            yuan(r.max_amount)
        ));
    }
    let names = |ws: &[WarehouseId]| {
        ws.iter()
            .map(|w| codes.get(&w.0).cloned().unwrap_or_else(|| w.to_string()))
            .collect::<Vec<_>>()
            .join("，")
    };
    let then = match &r.effect {
        Effect::Allow(ws) => format!("{} {}", ctx.tr("fulfillment.effect.allow"), names(ws)),
        Effect::Prefer(ws) => format!("{} {}", ctx.tr("fulfillment.effect.prefer"), names(ws)),
        Effect::Forbid(ws) => format!("{} {}", ctx.tr("fulfillment.effect.forbid"), names(ws)),
        Effect::None => String::new(),
    };
    RuleView {
        n,
        name: r.name.clone(),
        when: if when.is_empty() {
            ctx.tr("fulfillment.rule.always").to_string()
        } else {
            when.join("；")
        },
        then,
        carrier: r.carrier.clone().unwrap_or_default(),
    }
}

async fn routing_view(
    s: &AppState,
    ctx: Ctx,
    errors: FormErrors,
    sent: Sent,
    saved: bool,
) -> Result<RoutingPage, jxc_app::Error> {
    let setup = s.app.routing_setup().await?;
    let codes = warehouse_codes(s).await?;
    let mut strategies: Vec<(usize, &'static str, &'static str, bool)> = setup
        .strategies
        .iter()
        .enumerate()
        .map(|(i, st)| (i + 1, st.as_str(), st.label(), true))
        .collect();
    for st in Strategy::ALL {
        if !setup.strategies.contains(&st) {
            strategies.push((strategies.len() + 1, st.as_str(), st.label(), false));
        }
    }
    let mut warehouses: Vec<(i64, String)> = codes.clone().into_iter().collect();
    warehouses.sort();
    Ok(RoutingPage {
        strategies,
        allow_split: setup.allow_split,
        rules: setup
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| rule_view(&ctx, &codes, i, r))
            .collect(),
        warehouses,
        can_edit: ctx.can(Action::RoutingEdit),
        errors,
        sent,
        saved,
        what_if: None,
        ctx,
    })
}

async fn routing_page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let saved = uri.query().is_some_and(|q| q.contains("saved=1"));
    let page = routing_view(&s, ctx, FormErrors::default(), Sent::default(), saved)
        .await
        .map_err(&e)?;
    Ok(render(&page))
}

/// Saves the setup, or shows the page again with the errors and what was typed.
async fn save_setup(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    setup: Result<RoutingSetup, jxc_app::Error>,
    sent: Sent,
) -> Result<Response, PageError> {
    let e = err(&ctx, uri);
    let saved = match setup {
        Ok(setup) => s.app.set_routing_setup(setup, &actor(&ctx)).await,
        Err(x) => Err(x),
    };
    match saved {
        Ok(_) => Ok(see_other("/fulfillment/routing?saved=1")),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            let status = super::forms::form_status(&errors);
            let page = routing_view(s, ctx, errors, sent, false)
                .await
                .map_err(&e)?;
            Ok((status, render(&page)).into_response())
        }
    }
}

/// The saved setup with the posted strategies (`order_<code>` = position, `on_<code>` =
/// used) and `allow_split`.
async fn posted_strategies(s: &AppState, sent: &Sent) -> Result<RoutingSetup, jxc_app::Error> {
    let mut setup = s.app.routing_setup().await?;
    let mut order = Vec::new();
    for st in Strategy::ALL {
        if !sent.checked(&format!("on_{}", st.as_str())) {
            continue;
        }
        let field = format!("order_{}", st.as_str());
        let pos: i64 = sent.val(&field).trim().parse().map_err(|_| {
            jxc_app::Error::invalid(field, "顺序应为数字 / the position is a number")
        })?;
        order.push((pos, st));
    }
    order.sort_by_key(|(p, st)| (*p, st.as_str()));
    setup.strategies = order.into_iter().map(|(_, st)| st).collect();
    setup.allow_split = sent.checked("allow_split");
    Ok(setup)
}

async fn save_strategies(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let setup = posted_strategies(&s, &sent).await;
    save_setup(&s, ctx, &uri, setup, sent).await
}

/// 分仓模拟 of the posted strategies and the rules left ticked against the saved setup
/// (nothing is saved).
async fn what_if(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let sent = Sent(sent);
    let run = async {
        let days: i64 = sent
            .val("days")
            .trim()
            .parse()
            .map_err(|_| jxc_app::Error::invalid("days", "天数应为 1–90 / days is 1 to 90"))?;
        let mut changed = posted_strategies(&s, &sent).await?;
        // The saved rules the person left ticked for the simulation (all by default).
        let mut n = 0;
        changed.rules.retain(|_| {
            n += 1;
            sent.checked(&format!("sim_rule_{}", n - 1))
        });
        let r = s.app.routing_what_if(&ctx.user, changed, days).await?;
        Ok::<_, jxc_app::Error>((days, r))
    }
    .await;
    let codes = warehouse_codes(&s).await.map_err(&e)?;
    match run {
        Ok((days, r)) => {
            let mut ids: Vec<WarehouseId> = r
                .before
                .load
                .keys()
                .chain(r.after.load.keys())
                .copied()
                .collect();
            ids.sort();
            ids.dedup();
            let view = WhatIfView {
                days,
                orders: r.orders,
                moved: r.moved,
                split: (r.before.split, r.after.split),
                short: (r.before.short, r.after.short),
                load: ids
                    .iter()
                    .map(|w| {
                        (
                            codes.get(&w.0).cloned().unwrap_or_else(|| w.to_string()),
                            r.before.load.get(w).copied().unwrap_or(0),
                            r.after.load.get(w).copied().unwrap_or(0),
                        )
                    })
                    .collect(),
            };
            let mut page = routing_view(&s, ctx, FormErrors::default(), sent, false)
                .await
                .map_err(&e)?;
            page.what_if = Some(view);
            Ok(render(&page))
        }
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            let status = super::forms::form_status(&errors);
            let page = routing_view(&s, ctx, errors, sent, false)
                .await
                .map_err(&e)?;
            Ok((status, render(&page)).into_response())
        }
    }
}

/// Text of a list field: split on commas (either width) and blanks.
fn list(v: &str) -> Vec<String> {
    v.split([',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn money(field: &str, v: &str) -> Result<Option<i64>, jxc_app::Error> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    Fen::parse_yuan(field, v)
        .map(|f| Some(f.0))
        .map_err(|f| jxc_app::Error::Invalid(vec![f]))
}

async fn add_rule(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(raw): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let warehouses: Vec<WarehouseId> = raw
        .iter()
        .filter(|(k, _)| k == "warehouse")
        .filter_map(|(_, v)| v.parse().ok().map(WarehouseId))
        .collect();
    let sent = Sent(raw.into_iter().filter(|(k, _)| k != "warehouse").collect());
    let setup = async {
        let mut setup = s.app.routing_setup().await?;
        let effect = match sent.val("effect").as_str() {
            "allow" => Effect::Allow(warehouses),
            "prefer" => Effect::Prefer(warehouses),
            "forbid" => Effect::Forbid(warehouses),
            _ => Effect::None,
        };
        let carrier = sent.val("carrier").trim().to_string();
        setup.rules.push(Rule {
            name: sent.val("name").trim().to_string(),
            shops: list(&sent.val("shops")),
            provinces: list(&sent.val("provinces")),
            min_amount: money("min_amount", &sent.val("min_amount"))?,
            max_amount: money("max_amount", &sent.val("max_amount"))?,
            effect,
            carrier: (!carrier.is_empty()).then_some(carrier),
            ..Default::default()
        });
        Ok(setup)
    }
    .await;
    // Errors of the new rule name `rules[N].x`: show them on the form's fields.
    let n = s
        .app
        .routing_setup()
        .await
        .map(|x| x.rules.len())
        .unwrap_or(0);
    let setup = setup.and_then(|x: RoutingSetup| x.validate().map_err(jxc_app::Error::from));
    let setup = setup.map_err(|x| rename_fields(x, &format!("rules[{n}].")));
    save_setup(&s, ctx, &uri, setup, sent).await
}

/// `rules[3].name` → `name`, so the add-rule form shows the error next to its field.
fn rename_fields(e: jxc_app::Error, prefix: &str) -> jxc_app::Error {
    match e {
        jxc_app::Error::Invalid(fs) => jxc_app::Error::Invalid(
            fs.into_iter()
                .map(|mut f| {
                    if let Some(rest) = f.field.strip_prefix(prefix) {
                        f.field = rest.to_string();
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

async fn delete_rule(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(n): Path<usize>,
    uri: Uri,
) -> Result<Response, PageError> {
    let setup = async {
        let mut setup = s.app.routing_setup().await?;
        if n >= setup.rules.len() {
            return Err(jxc_app::Error::not_found("rule", n));
        }
        setup.rules.remove(n);
        Ok(setup)
    }
    .await;
    save_setup(&s, ctx, &uri, setup, Sent::default()).await
}
