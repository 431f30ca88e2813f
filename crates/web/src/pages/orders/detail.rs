//! 订单详情: what the platform sent (header, receiver, messages, lines, amounts and
//! whether they add up), our state, the live holds (each released with a note) and the
//! released ones, and the history of who did what. The actions — 审核, 挂起, 取消, 解除
//! 异常 — come back here with a notice, or with the reason they could not be done.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jxc_core::FieldError;
use jxc_core::ids::OrderId;
use jxc_core::orders::address::check;
use jxc_core::orders::{HoldReason, OrderState, Receiver};
use jxc_core::permissions::Action;
use jxc_store::{BulkOutcome, Hold, OrderEvent};

use super::super::forms::{Sent, actor, err, notice};
use super::super::{Ctx, FormErrors, PageError, render, see_other};
use super::{ReasonTag, hold_key, ms_time, reason_tag, shop_name, state_class, state_key, yuan};
use crate::AppState;

struct Header {
    platform_order_id: String,
    shop: String,
    platform: String,
    platform_status: String,
    state_key: &'static str,
    state_class: &'static str,
    tags: Vec<String>,
    /// 合单组 (the group's first order id), or 0.
    merge_group: i64,
    created: String,
    paid_at: String,
    imported_at: String,
    updated_at: String,
    buyer_nick: String,
    buyer_id: String,
    seller_flag: i64,
    buyer_message: String,
    seller_memo: String,
}

struct LineView {
    no: usize,
    title: String,
    spec: String,
    outer_code: String,
    /// The mapped SKU: id and code.
    sku: Option<(i64, String)>,
    qty: i64,
    unit_price: String,
    line_discount: String,
    order_discount_share: String,
    shipping_share: String,
    paid: String,
    refund_status: String,
}

struct Amounts {
    goods: String,
    line_discounts: String,
    shipping: String,
    discount_merchant: String,
    discount_platform: String,
    points: String,
    paid: String,
    lines_paid: String,
    paid_less_shipping: String,
    adds_up: bool,
}

struct HoldView {
    reason: ReasonTag,
    /// The name of its release form, for errors.
    form: String,
    note: String,
    at: String,
    by: String,
    released_at: String,
    released_by: String,
    release_note: String,
}

struct EventView {
    code: String,
    at: String,
    actor: String,
    kind: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "orders/detail.html")]
struct DetailPage {
    ctx: Ctx,
    id: i64,
    h: Header,
    r: Receiver,
    address_ok: bool,
    address_check: String,
    lines: Vec<LineView>,
    amounts: Amounts,
    live: Vec<HoldView>,
    released: Vec<HoldView>,
    events: Vec<EventView>,
    pending: bool,
    cancelled: bool,
    notice: &'static str,
    /// 拆单: each part as text (`第 1 行 × 1、第 2 行 × 1`); empty when it ships whole.
    parts: Vec<String>,
    errors: FormErrors,
    /// Which form the errors belong to: `approve`, `hold`, `cancel` or `release:<reason>`.
    failed: String,
    note: String,
    /// 分仓: where it ships from and why (`None`: not allocated).
    allocation: Option<crate::pages::fulfillment::AllocationView>,
}

impl DetailPage {
    fn can_edit(&self) -> bool {
        self.ctx.can(Action::OrdersEdit)
    }

    /// The field error of `field`, only on the form that was sent.
    fn error_on(&self, form: &str, field: &str) -> String {
        if self.failed == form {
            self.errors.of(field)
        } else {
            String::new()
        }
    }

    fn note_of(&self, form: &str) -> &str {
        if self.failed == form { &self.note } else { "" }
    }
}

fn event_key(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "imported" => "orders.event.imported",
        "changed" => "orders.event.changed",
        "approved" => "orders.event.approved",
        "held" => "orders.event.held",
        "released" => "orders.event.released",
        "cancelled" => "orders.event.cancelled",
        "merged" => "orders.event.merged",
        "unmerged" => "orders.event.unmerged",
        "split" => "orders.event.split",
        "unsplit" => "orders.event.unsplit",
        "tagged" => "orders.event.tagged",
        "address_edited" => "orders.event.address_edited",
        _ => return None,
    })
}

/// Reason codes in an event's detail as their labels (`address_incomplete: 已补全` →
/// `地址不全: 已补全`); `all` stays as it is.
fn event_detail(ctx: &Ctx, e: &OrderEvent) -> String {
    let label = |code: &str| {
        HoldReason::parse(code.trim())
            .map(|r| ctx.t.get(hold_key(r)).to_string())
            .unwrap_or_else(|| code.to_string())
    };
    match e.kind.as_str() {
        "held" => label(&e.detail),
        "released" => match e.detail.split_once(": ") {
            Some((codes, note)) => {
                let names: Vec<String> = if codes == "all" {
                    vec![ctx.t.get("orders.event.all_holds").to_string()]
                } else {
                    codes.split(',').map(label).collect()
                };
                format!("{}: {note}", names.join("、"))
            }
            None => e.detail.clone(),
        },
        _ => e.detail.clone(),
    }
}

fn hold_view(ctx: &Ctx, h: &Hold) -> HoldView {
    HoldView {
        reason: reason_tag(ctx, h.reason),
        form: format!("release:{}", h.reason.as_str()),
        note: h.note.clone(),
        at: jxc_app::exports::shanghai_time(h.created_at),
        by: h.created_by.clone(),
        released_at: h
            .released_at
            .map(jxc_app::exports::shanghai_time)
            .unwrap_or_default(),
        released_by: h.released_by.clone().unwrap_or_default(),
        release_note: h.release_note.clone().unwrap_or_default(),
    }
}

/// The page of order `id`, with a notice, or with errors on the form that failed.
async fn show(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    id: i64,
    errors: FormErrors,
    failed: String,
    note: String,
) -> Result<Response, PageError> {
    let e = err(&ctx, uri);
    let o = s.app.order(&ctx.user, OrderId(id)).await.map_err(&e)?;
    let events = s
        .app
        .order_events(&ctx.user, OrderId(id))
        .await
        .map_err(&e)?;
    let (shop, platform) = shop_name(s, o.order.shop_id).await;
    let mut skus: HashMap<i64, String> = HashMap::new();
    for sku_id in o.order.lines.iter().filter_map(|l| l.sku_id) {
        if let std::collections::hash_map::Entry::Vacant(v) = skus.entry(sku_id.0)
            && let Ok(Some(sku)) = s.app.store.get_sku(sku_id).await
        {
            v.insert(sku.fields.code.clone());
        }
    }
    let n = &o.order;
    let lines = n
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineView {
            no: i + 1,
            title: l.title.clone(),
            spec: l.spec.clone(),
            outer_code: l.outer_code.clone(),
            sku: l.sku_id.map(|sid| {
                (
                    sid.0,
                    skus.get(&sid.0)
                        .cloned()
                        .unwrap_or_else(|| format!("#{}", sid.0)),
                )
            }),
            qty: l.qty,
            unit_price: yuan(l.unit_price),
            line_discount: yuan(l.line_discount),
            order_discount_share: yuan(l.order_discount_share),
            shipping_share: yuan(l.shipping_share),
            paid: yuan(l.paid),
            refund_status: l.refund_status.clone(),
        })
        .collect();
    let lines_paid: i64 = n.lines.iter().map(|l| l.paid.0).sum();
    let line_discounts: i64 = n.lines.iter().map(|l| l.line_discount.0).sum();
    let amounts = Amounts {
        goods: yuan(n.goods_amount),
        line_discounts: yuan(jxc_core::money::Fen(line_discounts)),
        shipping: yuan(n.shipping_fee),
        discount_merchant: yuan(n.discount_merchant),
        discount_platform: yuan(n.discount_platform),
        points: yuan(n.points_value),
        paid: yuan(n.paid_amount),
        lines_paid: yuan(jxc_core::money::Fen(lines_paid)),
        paid_less_shipping: yuan(jxc_core::money::Fen(
            n.paid_amount.0.saturating_sub(n.shipping_fee.0),
        )),
        adds_up: n.amounts_add_up(),
    };
    let r = &n.receiver;
    let address = check(&r.province, &r.city, &r.district);
    let h = Header {
        platform_order_id: n.platform_order_id.clone(),
        shop,
        platform,
        platform_status: n.platform_status.clone(),
        state_key: state_key(o.state),
        state_class: state_class(o.state),
        tags: o.tags.clone(),
        merge_group: o.merge_group.map(|g| g.0).unwrap_or(0),
        created: ms_time(Some(n.created_at)),
        paid_at: ms_time(n.paid_at),
        imported_at: jxc_app::exports::shanghai_time(o.imported_at),
        updated_at: jxc_app::exports::shanghai_time(o.updated_at),
        buyer_nick: n.buyer_nick.clone(),
        buyer_id: n.buyer_id.clone(),
        seller_flag: n.seller_flag,
        buyer_message: n.buyer_message.clone(),
        seller_memo: n.seller_memo.clone(),
    };
    let notice = notice(
        uri.query(),
        &[
            ("approved", ctx.tr("orders.done.approved")),
            ("held", ctx.tr("orders.done.held")),
            ("released", ctx.tr("orders.done.released")),
            ("cancelled", ctx.tr("orders.done.cancelled")),
            ("address", ctx.tr("orders.done.address")),
            ("split", ctx.tr("orders.done.split")),
            ("unsplit", ctx.tr("orders.done.unsplit")),
        ],
    );
    let parts = o
        .parts
        .iter()
        .map(|p| {
            p.iter()
                .map(|l| format!("{} {} × {}", ctx.tr("orders.split.line"), l.line, l.qty))
                .collect::<Vec<_>>()
                .join("、")
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let allocation = match s.app.allocation(&ctx.user, o.id).await {
        Ok(Some(a)) => {
            let names = crate::pages::fulfillment::Names::of(s, &[&a])
                .await
                .map_err(err(&ctx, uri))?;
            Some(crate::pages::fulfillment::allocation_view(&ctx, &names, &a))
        }
        Ok(None) => None,
        Err(x) => return Err(err(&ctx, uri)(x)),
    };
    let page = DetailPage {
        allocation,
        id,
        h,
        r: r.clone(),
        address_ok: address.is_ok(),
        address_check: address.describe(),
        lines,
        amounts,
        live: o
            .holds
            .iter()
            .filter(|h| h.released_at.is_none())
            .map(|h| hold_view(&ctx, h))
            .collect(),
        released: o
            .holds
            .iter()
            .filter(|h| h.released_at.is_some())
            .map(|h| hold_view(&ctx, h))
            .collect(),
        events: events
            .iter()
            .rev()
            .map(|ev| EventView {
                code: ev.kind.clone(),
                at: jxc_app::exports::shanghai_time(ev.at),
                actor: ev.actor.clone(),
                kind: event_key(&ev.kind)
                    .map(|k| ctx.t.get(k).to_string())
                    .unwrap_or_else(|| ev.kind.clone()),
                detail: event_detail(&ctx, ev),
            })
            .collect(),
        pending: o.state == OrderState::PendingReview,
        cancelled: o.state == OrderState::Cancelled,
        notice,
        parts,
        errors,
        failed,
        note,
        ctx,
    };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show(
        &s,
        ctx,
        &uri,
        id,
        FormErrors::default(),
        String::new(),
        String::new(),
    )
    .await
}

/// An action as sent from one of the order page's forms.
struct Attempt {
    /// Which form sent it (for its errors): `approve`, `hold`, `cancel`, `release:<reason>`.
    form: String,
    /// The note typed, shown again if the action fails.
    note: String,
    /// The notice when done (`?ok=`).
    ok: &'static str,
}

/// Runs one action on this order: back to the order with a notice when done; the page
/// with the reason when not.
async fn act<F, Fut>(
    s: AppState,
    ctx: Ctx,
    uri: Uri,
    id: i64,
    a: Attempt,
    run: F,
) -> Result<Response, PageError>
where
    F: FnOnce(AppState, jxc_core::users::User, jxc_store::Actor) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<BulkOutcome>, jxc_app::Error>>,
{
    // Another shop's order, or none: the error page (403 / 404), not a form error.
    s.app
        .order(&ctx.user, OrderId(id))
        .await
        .map_err(err(&ctx, &uri))?;
    let result = run(s.clone(), ctx.user.clone(), actor(&ctx)).await;
    let errors = match result {
        Ok(outcomes) => match outcomes.into_iter().find(|o| o.order_id.0 == id) {
            Some(o) if o.ok => return Ok(see_other(&format!("/orders/{id}?ok={}", a.ok))),
            Some(o) => FormErrors(vec![FieldError::new("", o.reason)]),
            None => FormErrors(vec![FieldError::new("", ctx.tr("orders.not_done"))]),
        },
        Err(x) => FormErrors::from_app(x).map_err(err(&ctx, &uri))?,
    };
    show(&s, ctx, &uri, id, errors, a.form, a.note).await
}

/// 审核.
pub(super) async fn approve(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    act(
        s,
        ctx,
        uri,
        id,
        Attempt {
            form: "approve".into(),
            note: String::new(),
            ok: "approved",
        },
        move |s, u, a| async move { s.app.approve_orders(&u, &[OrderId(id)], &a).await },
    )
    .await
}

/// 挂起 with a note.
pub(super) async fn hold(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let note = Sent(sent).val("note");
    let n = note.clone();
    act(
        s,
        ctx,
        uri,
        id,
        Attempt {
            form: "hold".into(),
            note,
            ok: "held",
        },
        move |s, u, a| async move { s.app.hold_orders(&u, &[OrderId(id)], &n, &a).await },
    )
    .await
}

/// 取消 with a note.
pub(super) async fn cancel(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let note = Sent(sent).val("note");
    let n = note.clone();
    act(
        s,
        ctx,
        uri,
        id,
        Attempt {
            form: "cancel".into(),
            note,
            ok: "cancelled",
        },
        move |s, u, a| async move { s.app.cancel_orders(&u, &[OrderId(id)], &n, &a).await },
    )
    .await
}

/// 解除异常: one reason (`reason`), or every live hold when none is given, with a note.
pub(super) async fn release(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let sent = Sent(sent);
    let note = sent.val("note");
    let code = sent.val("reason");
    let reason = if code.is_empty() {
        None
    } else {
        match HoldReason::parse(&code) {
            Some(r) => Some(r),
            None => {
                let errors = FormErrors(vec![FieldError::new(
                    "reason",
                    format!("未知异常 “{code}” / unknown reason"),
                )]);
                return show(&s, ctx, &uri, id, errors, format!("release:{code}"), note).await;
            }
        }
    };
    let n = note.clone();
    act(
        s,
        ctx,
        uri,
        id,
        Attempt {
            form: format!("release:{code}"),
            note,
            ok: "released",
        },
        move |s, u, a| async move {
            s.app
                .release_holds(&u, &[OrderId(id)], reason, &n, &a)
                .await
        },
    )
    .await
}

/// 拆单 from the order page: the quantity of each line that ships in a second parcel
/// (`second_<line>`); the rest ships first.
pub(super) async fn split(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    use jxc_core::orders::split::PartLine;
    let e = |e| PageError(ctx.lang, e, uri.clone());
    let o = s.app.order(&ctx.user, OrderId(id)).await.map_err(e)?;
    let mut first = Vec::new();
    let mut second = Vec::new();
    for (i, l) in o.order.lines.iter().enumerate() {
        let raw = sent
            .get(&format!("second_{}", i + 1))
            .map(|v| v.trim())
            .unwrap_or("");
        let q: i64 = if raw.is_empty() {
            0
        } else {
            raw.parse().map_err(|_| {
                e(jxc_app::Error::invalid(
                    format!("second_{}", i + 1),
                    format!("不是数量 “{raw}” / not a quantity"),
                ))
            })?
        };
        if q > 0 {
            second.push(PartLine {
                line: i + 1,
                qty: q,
            });
        }
        if l.qty - q != 0 {
            first.push(PartLine {
                line: i + 1,
                qty: l.qty - q,
            });
        }
    }
    s.app
        .split_order(&ctx.user, OrderId(id), &[first, second], &actor(&ctx))
        .await
        .map_err(e)?;
    Ok(see_other(&format!("/orders/{id}?ok=split")))
}

/// Undoes 拆单 from the order page.
pub(super) async fn unsplit(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    s.app
        .unsplit_order(&ctx.user, OrderId(id), &actor(&ctx))
        .await
        .map_err(|e| PageError(ctx.lang, e, uri.clone()))?;
    Ok(see_other(&format!("/orders/{id}?ok=unsplit")))
}
