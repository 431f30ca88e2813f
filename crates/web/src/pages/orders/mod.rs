//! 订单: the order list with its tabs, filters, bulk actions and export (`list`), the 异常
//! queue by reason (`exceptions`), one order with its lines, amounts, holds and history
//! (`detail`), the address edit with province → city → district pickers (`address`), and
//! importing order files (`import`).
//!
//! Every page keeps to the shops the user may see: lists are limited in the store query,
//! and opening an order of another shop is refused.

mod address;
mod detail;
mod exceptions;
mod import;
mod list;
mod manual;
mod rules;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use jxc_core::money::Fen;
use jxc_core::orders::{HoldReason, OrderState};
use jxc_core::partners::Platform;
use jxc_core::permissions::Action;
use jxc_store::ListFilter;

use super::Ctx;
use super::forms::all_pages;
use crate::AppState;
use crate::guard::{Routes, Surface};

/// The largest order file an upload takes (the other imports take the same).
const MAX_UPLOAD: usize = 64 * 1024 * 1024;

pub fn routes() -> Routes {
    use Action::{OrdersEdit, OrdersView};
    Routes::new(Surface::Page, "")
        .get("/orders", OrdersView, list::page)
        .get("/orders/export.xlsx", OrdersView, list::export)
        .post("/orders/bulk", OrdersEdit, list::bulk)
        .get("/orders/exceptions", OrdersView, exceptions::page)
        .get("/orders/import", OrdersEdit, import::page)
        .add(
            Method::POST,
            "/orders/import",
            OrdersEdit,
            post(import::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .get("/orders/import/template.csv", OrdersEdit, import::template)
        .get("/orders/new", OrdersEdit, manual::form)
        .post("/orders/new", OrdersEdit, manual::submit)
        .get("/orders/rules", OrdersView, rules::page)
        .post("/orders/rules", OrdersEdit, rules::create)
        .get("/orders/rules/{id}", OrdersEdit, rules::edit)
        .post("/orders/rules/{id}", OrdersEdit, rules::update)
        .get("/orders/{id}", OrdersView, detail::page)
        .post("/orders/{id}/approve", OrdersEdit, detail::approve)
        .post("/orders/{id}/hold", OrdersEdit, detail::hold)
        .post("/orders/{id}/release", OrdersEdit, detail::release)
        .post("/orders/{id}/cancel", OrdersEdit, detail::cancel)
        .post("/orders/{id}/split", OrdersEdit, detail::split)
        .post("/orders/{id}/unsplit", OrdersEdit, detail::unsplit)
        .get("/orders/{id}/address", OrdersEdit, address::form)
        .post("/orders/{id}/address", OrdersEdit, address::save)
}

/// The message key of our state of an order.
pub(super) fn state_key(s: OrderState) -> &'static str {
    match s {
        OrderState::PendingReview => "orders.state.pending_review",
        OrderState::Approved => "orders.state.approved",
        OrderState::Cancelled => "orders.state.cancelled",
    }
}

/// The tag class of a state: approved is good news, cancelled is greyed out.
pub(super) fn state_class(s: OrderState) -> &'static str {
    match s {
        OrderState::PendingReview => "tag",
        OrderState::Approved => "tag ok",
        OrderState::Cancelled => "tag off",
    }
}

/// The message key of a hold reason.
pub(super) fn hold_key(r: HoldReason) -> &'static str {
    match r {
        HoldReason::AddressIncomplete => "orders.hold.address_incomplete",
        HoldReason::AddressInconsistent => "orders.hold.address_inconsistent",
        HoldReason::InvalidMobile => "orders.hold.invalid_mobile",
        HoldReason::UnmappedSku => "orders.hold.unmapped_sku",
        HoldReason::InsufficientStock => "orders.hold.insufficient_stock",
        HoldReason::NotPaid => "orders.hold.not_paid",
        HoldReason::Duplicate => "orders.hold.duplicate",
        HoldReason::MergeCandidate => "orders.hold.merge_candidate",
        HoldReason::AmountMismatch => "orders.hold.amount_mismatch",
        HoldReason::BuyerMessage => "orders.hold.buyer_message",
        HoldReason::PlatformChange => "orders.hold.platform_change",
        HoldReason::Manual => "orders.hold.manual",
    }
}

/// A hold reason as a page shows it: its code (for links and tests), its label, and
/// whether it only informs (the order may be approved with it).
pub(super) struct ReasonTag {
    pub code: &'static str,
    pub label: &'static str,
    pub informational: bool,
}

pub(super) fn reason_tag(ctx: &Ctx, r: HoldReason) -> ReasonTag {
    ReasonTag {
        code: r.as_str(),
        label: ctx.t.get(hold_key(r)),
        informational: r.informational(),
    }
}

/// A platform's name in the page's language (Chinese names are the platforms' own).
pub(super) fn platform_label(code: &str) -> String {
    Platform::ALL
        .iter()
        .find(|p| p.as_str() == code)
        .map(|p| p.label_zh().to_string())
        .unwrap_or_else(|| code.to_string())
}

/// Money on an order page: `¥1,234.56`.
pub(super) fn yuan(f: Fen) -> String {
    format!("¥{}", f.to_yuan_grouped())
}

/// A Unix-milliseconds time in China time, or "" if there is none.
pub(super) fn ms_time(ms: Option<i64>) -> String {
    ms.and_then(DateTime::from_timestamp_millis)
        .map(jxc_app::exports::shanghai_time)
        .unwrap_or_default()
}

/// A China date (UTC+8) as the first instant of that day.
pub(super) fn day_start(field: &str, s: &str) -> Result<DateTime<Utc>, jxc_app::Error> {
    let bad = || jxc_app::Error::invalid(field, "日期格式应为 2026-11-25 / a date is YYYY-MM-DD");
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    let cn = FixedOffset::east_opt(8 * 3600).ok_or_else(bad)?;
    cn.from_local_datetime(&d.and_hms_opt(0, 0, 0).ok_or_else(bad)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad)
}

/// A shop in a select.
pub(super) struct ShopOption {
    pub id: String,
    pub label: String,
}

/// The shops the user may see, for the filter and the import form.
pub(super) async fn visible_shops(
    s: &AppState,
    ctx: &Ctx,
) -> Result<Vec<ShopOption>, jxc_app::Error> {
    let filter = ListFilter::default().within(&ctx.user.fields.shop_ids);
    let shops = all_pages(|p| {
        let (app, filter) = (s.app.clone(), filter.clone());
        async move { app.shops(&filter, &p).await }
    })
    .await?;
    Ok(shops
        .into_iter()
        .map(|x| ShopOption {
            id: x.id.0.to_string(),
            label: format!(
                "{} {} ({})",
                x.fields.code,
                x.fields.name,
                x.fields.platform.label_zh()
            ),
        })
        .collect())
}

/// The name of an order's shop, e.g. `淘宝旗舰店` (its id if it is gone).
pub(super) async fn shop_name(s: &AppState, id: jxc_core::ids::ShopId) -> (String, String) {
    match s.app.store.get_shop(id).await {
        Ok(Some(x)) => (
            x.fields.name.clone(),
            x.fields.platform.label_zh().to_string(),
        ),
        _ => (id.0.to_string(), String::new()),
    }
}
