//! 异常: the orders waiting for a person, by reason. Each reason shows how many orders
//! it holds and links to the order list filtered by it; below, the held orders of the
//! chosen reason (unless one is chosen: the first with orders, those that block approval
//! before those that only inform), newest first.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jxc_core::orders::HoldReason;
use jxc_core::paging::PageRequest;
use jxc_store::OrderFilter;

use super::super::forms::err;
use super::super::list::ListUrl;
use super::super::{Ctx, FormErrors, PageError, render};
use super::list::{OrderRow, order_row};
use super::{hold_key, reason_tag};
use crate::AppState;

/// A reason of the queue with its count.
struct ReasonCount {
    code: &'static str,
    label: &'static str,
    count: i64,
    /// The order list with this reason.
    list_href: String,
    /// This page with this reason chosen.
    pick_href: String,
    active: bool,
    informational: bool,
}

#[derive(Template)]
#[template(path = "orders/exceptions.html")]
struct ExceptionsPage {
    ctx: Ctx,
    u: ListUrl,
    reasons: Vec<ReasonCount>,
    total_held: i64,
    chosen: Option<&'static str>,
    chosen_code: &'static str,
    rows: Vec<OrderRow>,
    next: Option<String>,
    errors: FormErrors,
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let u = ListUrl::new("/orders/exceptions", uri.query());
    let counts = s.app.order_counts(&ctx.user).await.map_err(&e)?;
    let count_of = |r: HoldReason| {
        counts
            .by_reason
            .iter()
            .find(|(x, _)| *x == r)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let mut errors = FormErrors::default();
    let chosen = match u.opt("reason") {
        Some(code) => match HoldReason::parse(&code) {
            Some(r) => Some(r),
            None => {
                errors.0.extend(
                    FormErrors::from_app(jxc_app::Error::invalid(
                        "reason",
                        format!("未知异常 “{code}” / unknown reason"),
                    ))
                    .map_err(&e)?
                    .0,
                );
                None
            }
        },
        // The first reason that blocks approval, else the first that only informs.
        None => HoldReason::ALL
            .into_iter()
            .filter(|r| count_of(*r) > 0)
            .min_by_key(|r| r.informational()),
    };
    let (rows, next) = match chosen {
        Some(r) => {
            let listed = async {
                let f = OrderFilter {
                    held: Some(true),
                    hold_reason: Some(r),
                    shop_ids: ctx.user.fields.shop_ids.clone(),
                    ..Default::default()
                };
                let page = PageRequest::new(Some(50), u.opt("after").as_deref(), true)?;
                s.app.orders(&f, &page).await
            }
            .await;
            match listed {
                Ok(p) => (p.items.iter().map(|o| order_row(&ctx, o)).collect(), p.next),
                Err(x) => {
                    errors.0.extend(FormErrors::from_app(x).map_err(&e)?.0);
                    (Vec::new(), None)
                }
            }
        }
        None => (Vec::new(), None),
    };
    let reasons = HoldReason::ALL
        .iter()
        .map(|r| {
            let tag = reason_tag(&ctx, *r);
            ReasonCount {
                code: tag.code,
                label: tag.label,
                count: count_of(*r),
                list_href: format!("/orders?held=true&hold_reason={}", r.as_str()),
                pick_href: format!("/orders/exceptions?reason={}", r.as_str()),
                active: chosen == Some(*r),
                informational: tag.informational,
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ExceptionsPage {
        reasons,
        total_held: counts.held,
        chosen: chosen.map(|r| ctx.t.get(hold_key(r))),
        chosen_code: chosen.map(|r| r.as_str()).unwrap_or(""),
        rows,
        next,
        errors,
        u,
        ctx,
    };
    Ok((status, render(&page)).into_response())
}
