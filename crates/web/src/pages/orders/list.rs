//! 订单列表: tabs with counts (待审核, 异常, 已审核, 已取消, 全部), filters, keyset paging
//! (newest first), bulk actions on the checked orders, and the Excel export with the same
//! filter.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jxc_core::ids::{OrderId, ShopId};
use jxc_core::orders::address::provinces;
use jxc_core::orders::{HoldReason, OrderState};
use jxc_core::paging::PageRequest;
use jxc_core::partners::Platform;
use jxc_core::permissions::Action;
use jxc_store::{BulkOutcome, OrderFilter, OrderSummary};

use super::super::forms::{actor, all_pages, err, form_status};
use super::super::list::ListUrl;
use super::super::{Ctx, FormErrors, PageError, render};
use super::{
    ReasonTag, ShopOption, day_start, platform_label, reason_tag, state_class, state_key,
    visible_shops, yuan,
};
use crate::AppState;

/// A row of the order list.
pub(super) struct OrderRow {
    pub id: i64,
    pub platform_order_id: String,
    pub shop: String,
    pub platform: String,
    pub buyer: String,
    pub receiver: String,
    pub place: String,
    pub paid: String,
    pub lines: i64,
    pub qty: i64,
    pub state_key: &'static str,
    pub state_class: &'static str,
    pub holds: Vec<ReasonTag>,
    pub tags: Vec<String>,
    /// 合单组, or 0.
    pub merge_group: i64,
    pub created: String,
    pub has_message: bool,
}

pub(super) fn order_row(ctx: &Ctx, o: &OrderSummary) -> OrderRow {
    OrderRow {
        id: o.id.0,
        platform_order_id: o.platform_order_id.clone(),
        shop: o.shop_name.clone(),
        platform: platform_label(&o.platform),
        buyer: o.buyer_nick.clone(),
        receiver: o.receiver_name.clone(),
        place: format!("{} {}", o.province, o.city).trim().to_string(),
        paid: yuan(o.paid_amount),
        lines: o.line_count,
        qty: o.qty,
        state_key: state_key(o.state),
        state_class: state_class(o.state),
        holds: o.holds.iter().map(|r| reason_tag(ctx, *r)).collect(),
        tags: o.tags.clone(),
        merge_group: o.merge_group.map(|g| g.0).unwrap_or(0),
        created: jxc_app::exports::shanghai_time(o.created_at),
        has_message: !o.buyer_message.trim().is_empty(),
    }
}

/// The list filter from the query string, always limited to the user's shops. A SKU is
/// asked for by its 商家编码.
pub(super) async fn filter(
    s: &AppState,
    ctx: &Ctx,
    u: &ListUrl,
) -> Result<OrderFilter, jxc_app::Error> {
    let state = u
        .opt("state")
        .map(|v| {
            OrderState::parse(&v).ok_or_else(|| {
                jxc_app::Error::invalid("state", format!("未知状态 “{v}” / unknown state"))
            })
        })
        .transpose()?;
    let held = match u.get("held") {
        "" => None,
        "true" => Some(true),
        "false" => Some(false),
        other => {
            return Err(jxc_app::Error::invalid(
                "held",
                format!("“{other}” 应为 true 或 false / held is true or false"),
            ));
        }
    };
    let hold_reason = u
        .opt("hold_reason")
        .map(|v| {
            HoldReason::parse(&v).ok_or_else(|| {
                jxc_app::Error::invalid("hold_reason", format!("未知异常 “{v}” / unknown reason"))
            })
        })
        .transpose()?;
    let shop_id = u.id("shop_id")?.map(ShopId);
    if let Some(shop) = shop_id {
        jxc_app::partners::require_shop(&ctx.user, shop)?;
    }
    let platform = u
        .opt("platform")
        .map(|p| Platform::parse("platform", &p).map(|p| p.as_str().to_string()))
        .transpose()?;
    let sku_id = match u.opt("sku") {
        None => None,
        Some(code) => match s.app.store.get_sku_by_code(&code).await? {
            Some(sku) => Some(sku.id),
            None => {
                return Err(jxc_app::Error::invalid(
                    "sku",
                    format!("没有商家编码为 “{code}” 的商品 / no SKU with this code"),
                ));
            }
        },
    };
    Ok(OrderFilter {
        state,
        held,
        hold_reason,
        shop_id,
        shop_ids: ctx.user.fields.shop_ids.clone(),
        platform,
        q: u.opt("q"),
        province: u.opt("province"),
        sku_id,
        tag: u.opt("tag"),
        merge_group: u.id("merge_group")?.map(jxc_core::ids::OrderId),
        created_from: u.opt("from").map(|d| day_start("from", &d)).transpose()?,
        // `to` is inclusive: up to the start of the next day.
        created_to: u
            .opt("to")
            .map(|d| day_start("to", &d).map(|t| t + chrono::Duration::days(1)))
            .transpose()?,
    })
}

/// A page of the list, newest first.
fn page_request(u: &ListUrl) -> Result<PageRequest, jxc_app::Error> {
    let limit = match u.opt("limit") {
        Some(l) => Some(l.parse::<u32>().map_err(|_| {
            jxc_app::Error::invalid("limit", "每页条数应为 1–1000 / limit is 1–1000")
        })?),
        None => Some(50),
    };
    Ok(PageRequest::new(limit, u.opt("after").as_deref(), true)?)
}

/// A tab of the list: which `state` and `held` it sets.
struct TabDef {
    id: &'static str,
    key: &'static str,
    state: &'static str,
    held: &'static str,
}

const TABS: [TabDef; 5] = [
    TabDef {
        id: "pending",
        key: "orders.tab.pending",
        state: "pending_review",
        held: "false",
    },
    TabDef {
        id: "held",
        key: "orders.tab.held",
        state: "",
        held: "true",
    },
    TabDef {
        id: "approved",
        key: "orders.tab.approved",
        state: "approved",
        held: "",
    },
    TabDef {
        id: "cancelled",
        key: "orders.tab.cancelled",
        state: "cancelled",
        held: "",
    },
    TabDef {
        id: "all",
        key: "orders.tab.all",
        state: "",
        held: "",
    },
];

pub(super) struct Tab {
    pub id: &'static str,
    pub key: &'static str,
    pub href: String,
    pub count: i64,
    pub active: bool,
}

/// How many orders are in each tab, over the user's shops. 待审核 counts the pending
/// orders without a live hold: all pending orders less the held ones among them (the
/// held orders that are not pending are few, so they are counted by listing them).
async fn tab_counts(s: &AppState, ctx: &Ctx) -> Result<[i64; 5], jxc_app::Error> {
    let c = s.app.order_counts(&ctx.user).await?;
    let mut held_elsewhere = 0i64;
    for state in [OrderState::Approved, OrderState::Cancelled] {
        let f = OrderFilter {
            state: Some(state),
            held: Some(true),
            shop_ids: ctx.user.fields.shop_ids.clone(),
            ..Default::default()
        };
        let held = all_pages(|p| {
            let (app, f) = (s.app.clone(), f.clone());
            async move { app.orders(&f, &p).await }
        })
        .await?;
        held_elsewhere += held.len() as i64;
    }
    let pending_free = (c.pending_review - (c.held - held_elsewhere)).max(0);
    Ok([
        pending_free,
        c.held,
        c.approved,
        c.cancelled,
        c.pending_review + c.approved + c.cancelled,
    ])
}

fn tabs(u: &ListUrl, counts: [i64; 5]) -> Vec<Tab> {
    TABS.iter()
        .zip(counts)
        .map(|(t, count)| {
            let mut params: Vec<(String, String)> = u
                .params
                .iter()
                .filter(|(k, _)| k != "state" && k != "held" && k != "after" && k != "ok")
                .cloned()
                .collect();
            if !t.state.is_empty() {
                params.push(("state".into(), t.state.into()));
            }
            if !t.held.is_empty() {
                params.push(("held".into(), t.held.into()));
            }
            let href = ListUrl {
                path: u.path.clone(),
                params,
            }
            .first();
            Tab {
                id: t.id,
                key: t.key,
                href,
                count,
                active: u.get("state") == t.state && u.get("held") == t.held,
            }
        })
        .collect()
}

/// An order a bulk action could not act on, and why.
pub(super) struct Failure {
    pub id: i64,
    pub label: String,
    pub reason: String,
}

/// What a bulk action did.
pub(super) struct BulkResult {
    pub action_key: &'static str,
    pub ok: usize,
    pub failed: Vec<Failure>,
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    ctx: Ctx,
    u: ListUrl,
    tabs: Vec<Tab>,
    rows: Vec<OrderRow>,
    next: Option<String>,
    errors: FormErrors,
    shops: Vec<ShopOption>,
    platforms: Vec<(&'static str, &'static str)>,
    provinces: Vec<&'static str>,
    reasons: Vec<ReasonTag>,
    result: Option<BulkResult>,
    /// The list's query string, for the bulk form to come back to.
    back: String,
    note: String,
    tag: String,
}

impl ListPage {
    fn can_edit(&self) -> bool {
        self.ctx.can(Action::OrdersEdit)
    }
}

/// What the bulk form sent, besides the list it came from.
#[derive(Default)]
struct Refill {
    note: String,
    tag: String,
}

async fn show(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    query: Option<&str>,
    result: Option<BulkResult>,
    mut errors: FormErrors,
    refill: Refill,
) -> Result<Response, PageError> {
    let e = err(&ctx, uri);
    let u = ListUrl::new("/orders", query);
    let listed = async {
        let f = filter(s, &ctx, &u).await?;
        s.app.orders(&f, &page_request(&u)?).await
    }
    .await;
    let (rows, next) = match listed {
        Ok(p) => (p.items.iter().map(|o| order_row(&ctx, o)).collect(), p.next),
        Err(x) => {
            errors.0.extend(FormErrors::from_app(x).map_err(&e)?.0);
            (Vec::new(), None)
        }
    };
    let counts = tab_counts(s, &ctx).await.map_err(&e)?;
    let shops = visible_shops(s, &ctx).await.map_err(&e)?;
    let status = if result.is_some() && errors.is_empty() {
        StatusCode::OK
    } else {
        form_status(&errors)
    };
    let back = serde_urlencoded::to_string(&u.params).unwrap_or_default();
    let page = ListPage {
        tabs: tabs(&u, counts),
        rows,
        next,
        errors,
        shops,
        platforms: Platform::ALL
            .iter()
            .map(|p| (p.as_str(), p.label_zh()))
            .collect(),
        provinces: provinces().iter().map(|p| p.name).collect(),
        reasons: HoldReason::ALL
            .iter()
            .map(|r| reason_tag(&ctx, *r))
            .collect(),
        result,
        back,
        note: refill.note,
        tag: refill.tag,
        u,
        ctx,
    };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    show(
        &s,
        ctx,
        &uri,
        uri.query(),
        None,
        FormErrors::default(),
        Refill::default(),
    )
    .await
}

/// The checked orders of a posted form (`ids`, repeated).
pub(super) fn posted_ids(fields: &[(String, String)]) -> Result<Vec<OrderId>, jxc_app::Error> {
    fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| {
            v.trim().parse::<i64>().map(OrderId).map_err(|_| {
                jxc_app::Error::invalid("ids", format!("不是订单编号 “{v}” / not an order id"))
            })
        })
        .collect()
}

/// The outcomes of an action on orders, for the page: how many worked, and each order
/// that did not with its platform id and the reason.
pub(super) async fn summarize(
    s: &AppState,
    action_key: &'static str,
    outcomes: Vec<BulkOutcome>,
) -> BulkResult {
    let ok = outcomes.iter().filter(|o| o.ok).count();
    let mut failed = Vec::new();
    for o in outcomes.into_iter().filter(|o| !o.ok) {
        let label = match s.app.store.get_order(o.order_id).await {
            Ok(Some(x)) => x.order.platform_order_id,
            _ => format!("#{}", o.order_id.0),
        };
        failed.push(Failure {
            id: o.order_id.0,
            label,
            reason: o.reason,
        });
    }
    BulkResult {
        action_key,
        ok,
        failed,
    }
}

/// 批量操作: 审核, 挂起, 解除异常, 打标签, 取消 on the checked orders; the list comes back
/// with what happened to each.
pub(super) async fn bulk(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| {
        fields
            .iter()
            .rev()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let back = get("back");
    let refill = Refill {
        note: get("note"),
        tag: get("tag"),
    };
    let done = async {
        let ids = posted_ids(&fields)?;
        let who = actor(&ctx);
        let user = &ctx.user;
        let note = get("note");
        let app = &s.app;
        Ok::<_, jxc_app::Error>(match get("action").as_str() {
            "approve" => (
                "orders.bulk.approve",
                app.approve_orders(user, &ids, &who).await?,
            ),
            "hold" => (
                "orders.bulk.hold",
                app.hold_orders(user, &ids, &note, &who).await?,
            ),
            "release" => (
                "orders.bulk.release",
                app.release_holds(user, &ids, None, &note, &who).await?,
            ),
            "tag" => (
                "orders.bulk.tag",
                app.tag_orders(user, &ids, &get("tag"), &who).await?,
            ),
            "cancel" => (
                "orders.bulk.cancel",
                app.cancel_orders(user, &ids, &note, &who).await?,
            ),
            "merge" => (
                "orders.bulk.merge",
                app.merge_orders(user, &ids, &who).await?,
            ),
            "unmerge" => (
                "orders.bulk.unmerge",
                app.unmerge_orders(user, &ids, &who).await?,
            ),
            other => {
                return Err(jxc_app::Error::invalid(
                    "action",
                    format!("未知操作 “{other}” / unknown action"),
                ));
            }
        })
    }
    .await;
    let query = Some(back.as_str()).filter(|q| !q.is_empty());
    match done {
        Ok((key, outcomes)) => {
            let result = summarize(&s, key, outcomes).await;
            let refill = if result.failed.is_empty() {
                Refill::default()
            } else {
                refill
            };
            show(
                &s,
                ctx,
                &uri,
                query,
                Some(result),
                FormErrors::default(),
                refill,
            )
            .await
        }
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(err(&ctx, &uri))?;
            show(&s, ctx, &uri, query, None, errors, refill).await
        }
    }
}

/// The list as an Excel workbook: one row per order, every page, the same filter.
pub(super) async fn export(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    use jxc_app::exports::{Cell, workbook};
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/orders", uri.query());
    let f = filter(&s, &ctx, &u).await.map_err(&e)?;
    let items = all_pages(|p| {
        let (app, f) = (s.app.clone(), f.clone());
        async move { app.orders(&f, &p).await }
    })
    .await
    .map_err(&e)?;
    let t = ctx.t;
    let rows = items
        .iter()
        .map(|o| {
            vec![
                Cell::text(&o.platform_order_id),
                Cell::text(&o.shop_name),
                Cell::text(&platform_label(&o.platform)),
                Cell::text(&o.buyer_nick),
                Cell::text(&o.receiver_name),
                Cell::text(&o.province),
                Cell::text(&o.city),
                Cell::Money(o.paid_amount),
                Cell::Int(o.line_count),
                Cell::Int(o.qty),
                Cell::text(t.get(state_key(o.state))),
                Cell::text(
                    &o.holds
                        .iter()
                        .map(|r| t.get(super::hold_key(*r)))
                        .collect::<Vec<_>>()
                        .join("、"),
                ),
                Cell::text(&o.tags.join(",")),
                Cell::text(&o.platform_status),
                Cell::text(&jxc_app::exports::shanghai_time(o.created_at)),
                Cell::text(&o.buyer_message),
            ]
        })
        .collect();
    let bytes = workbook(
        t.get("nav.orders"),
        &[
            (t.get("orders.platform_order_id"), 22),
            (t.get("orders.shop"), 16),
            (t.get("orders.platform"), 8),
            (t.get("orders.buyer"), 14),
            (t.get("orders.receiver"), 10),
            (t.get("orders.province"), 10),
            (t.get("orders.city"), 10),
            (t.get("orders.paid"), 10),
            (t.get("orders.line_count"), 6),
            (t.get("orders.qty"), 6),
            (t.get("orders.state"), 8),
            (t.get("orders.holds"), 20),
            (t.get("orders.tags"), 14),
            (t.get("orders.platform_status"), 18),
            (t.get("orders.created_at"), 20),
            (t.get("orders.buyer_message"), 24),
        ],
        rows,
    )
    .map_err(&e)?;
    Ok(crate::api::admin::xlsx("orders", bytes).into_response())
}
