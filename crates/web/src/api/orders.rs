//! 订单 endpoints: the queue, one order, its events, bulk actions, address edits and the
//! order file import.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::Method;
use chrono::{DateTime, Utc};
use jxc_app::orders::{OrderFile, OrderImportReport};
use jxc_app::orders_manual::ManualOrderInput;
use jxc_core::ids::{OrderId, ShopId, SkuId};
use jxc_core::orders::pricing::PricedOrder;
use jxc_core::orders::rules::{Rule, RuleInput};
use jxc_core::orders::{HoldReason, OrderState, Receiver};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{BulkOutcome, OrderCounts, OrderEvent, OrderFilter, OrderSummary, StoredOrder};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(
    list_orders,
    order_counts,
    get_order,
    order_events,
    approve,
    hold,
    release,
    tag,
    cancel,
    merge,
    unmerge,
    split,
    unsplit,
    price_manual,
    create_manual,
    list_rules,
    create_rule,
    get_rule,
    update_rule,
    edit_receiver,
    import_orders
))]
pub struct Doc;

/// Order files up to this many bytes.
const MAX_FILE: usize = 64 * 1024 * 1024;

pub fn routes() -> Routes {
    use Action::{OrdersEdit, OrdersView};
    super::routes_of()
        .get("/orders", OrdersView, list_orders)
        .get("/orders/counts", OrdersView, order_counts)
        .get("/orders/{id}", OrdersView, get_order)
        .get("/orders/{id}/events", OrdersView, order_events)
        .post("/orders/approve", OrdersEdit, approve)
        .post("/orders/hold", OrdersEdit, hold)
        .post("/orders/release", OrdersEdit, release)
        .post("/orders/tag", OrdersEdit, tag)
        .post("/orders/cancel", OrdersEdit, cancel)
        .post("/orders/merge", OrdersEdit, merge)
        .post("/orders/unmerge", OrdersEdit, unmerge)
        .post("/orders/price", OrdersView, price_manual)
        .post("/orders/manual", OrdersEdit, create_manual)
        .get("/orders/rules", OrdersView, list_rules)
        .post("/orders/rules", OrdersEdit, create_rule)
        .get("/orders/rules/{id}", OrdersView, get_rule)
        .patch("/orders/rules/{id}", OrdersEdit, update_rule)
        .post("/orders/{id}/split", OrdersEdit, split)
        .post("/orders/{id}/unsplit", OrdersEdit, unsplit)
        .put("/orders/{id}/receiver", OrdersEdit, edit_receiver)
        .add(
            Method::POST,
            "/orders/import",
            OrdersEdit,
            axum::routing::post(import_orders).layer(DefaultBodyLimit::max(MAX_FILE)),
        )
}

/// Order list filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// `pending_review`, `approved` or `cancelled`.
    pub state: Option<String>,
    /// Only held (`true`, 异常) or only not held (`false`) orders.
    pub held: Option<bool>,
    /// e.g. `address_incomplete`, `merge_candidate`.
    pub hold_reason: Option<String>,
    pub shop_id: Option<i64>,
    /// e.g. `taobao`, `jd`.
    pub platform: Option<String>,
    /// Platform order id, buyer nick or receiver name contains.
    pub q: Option<String>,
    pub province: Option<String>,
    pub sku_id: Option<i64>,
    pub tag: Option<String>,
    /// 合单: the orders of this merge group.
    pub merge_group: Option<i64>,
    /// Created at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Created before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

impl OrderQuery {
    fn filter(&self, me: &Me) -> ApiResult<OrderFilter> {
        let state = match self.state.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(OrderState::parse(s).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "state",
                    "应为 pending_review、approved 或 cancelled / unknown state",
                ))
            })?),
            None => None,
        };
        let hold_reason = match self.hold_reason.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(HoldReason::parse(s).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "hold_reason",
                    "未知的异常原因 / unknown hold reason",
                ))
            })?),
            None => None,
        };
        Ok(OrderFilter {
            state,
            held: self.held,
            hold_reason,
            shop_id: self.shop_id.map(ShopId),
            shop_ids: me.0.user.fields.shop_ids.clone(),
            platform: self.platform.clone(),
            q: self.q.clone(),
            province: self.province.clone(),
            sku_id: self.sku_id.map(SkuId),
            tag: self.tag.clone(),
            merge_group: self.merge_group.map(jxc_core::ids::OrderId),
            created_from: self.from,
            created_to: self.to,
        })
    }
}

/// The order queue (订单), newest first (`order=asc` for oldest first), limited to the
/// user's shops.
#[utoipa::path(get, path = "/orders", tag = "orders", params(PageQuery, OrderQuery), responses((status = 200, body = Page<OrderSummary>)))]
async fn list_orders(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<Json<Page<OrderSummary>>> {
    Ok(Json(s.app.orders(&q.filter(&me)?, &p.page()?).await?))
}

/// How many orders wait in each tab, and live holds per reason.
#[utoipa::path(get, path = "/orders/counts", tag = "orders", responses((status = 200, body = OrderCounts)))]
async fn order_counts(State(s): State<AppState>, me: Me) -> ApiResult<Json<OrderCounts>> {
    Ok(Json(s.app.order_counts(&me.0.user).await?))
}

/// One order with its lines, amounts, holds and tags.
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)), responses((status = 200, body = StoredOrder), (status = 404, body = ErrorBody)))]
async fn get_order(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StoredOrder>> {
    Ok(Json(s.app.order(&me.0.user, OrderId(id)).await?))
}

/// The order's history: imports, platform changes, holds, approvals (who, when, what).
#[utoipa::path(get, path = "/orders/{id}/events", tag = "orders", params(("id" = i64, Path)), responses((status = 200, body = Vec<OrderEvent>)))]
async fn order_events(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<OrderEvent>>> {
    Ok(Json(s.app.order_events(&me.0.user, OrderId(id)).await?))
}

/// Orders to act on, with a note where the action needs one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkBody {
    pub ids: Vec<i64>,
    #[serde(default)]
    pub note: String,
    /// For `release`: only this reason (all live holds when absent).
    #[serde(default)]
    pub reason: Option<String>,
    /// For `tag`.
    #[serde(default)]
    pub tag: String,
}

impl BulkBody {
    fn ids(&self) -> Vec<OrderId> {
        self.ids.iter().map(|i| OrderId(*i)).collect()
    }
}

/// 审核: pending orders without a blocking hold become approved. Each order answers for
/// itself.
#[utoipa::path(post, path = "/orders/approve", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>)))]
async fn approve(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(
        s.app
            .approve_orders(&me.0.user, &b.ids(), &me.actor())
            .await?,
    ))
}

/// 挂起 with a note.
#[utoipa::path(post, path = "/orders/hold", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>), (status = 422, body = ErrorBody)))]
async fn hold(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(
        s.app
            .hold_orders(&me.0.user, &b.ids(), &b.note, &me.actor())
            .await?,
    ))
}

/// 解除异常 with a note (all live holds, or one `reason`).
#[utoipa::path(post, path = "/orders/release", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>), (status = 422, body = ErrorBody)))]
async fn release(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    let reason = match b.reason.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(HoldReason::parse(r).ok_or_else(|| {
            ApiError::from(jxc_core::FieldError::new(
                "reason",
                "未知的异常原因 / unknown hold reason",
            ))
        })?),
        None => None,
    };
    Ok(Json(
        s.app
            .release_holds(&me.0.user, &b.ids(), reason, &b.note, &me.actor())
            .await?,
    ))
}

/// 打标签.
#[utoipa::path(post, path = "/orders/tag", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>), (status = 422, body = ErrorBody)))]
async fn tag(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(
        s.app
            .tag_orders(&me.0.user, &b.ids(), &b.tag, &me.actor())
            .await?,
    ))
}

/// 取消 with a note.
#[utoipa::path(post, path = "/orders/cancel", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>), (status = 422, body = ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(
        s.app
            .cancel_orders(&me.0.user, &b.ids(), &b.note, &me.actor())
            .await?,
    ))
}

/// 合单: the orders ship as one. All of them or none: they must share shop, buyer,
/// receiver and address, be paid, and not be in another group.
#[utoipa::path(post, path = "/orders/merge", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>)))]
async fn merge(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(
        s.app
            .merge_orders(&me.0.user, &b.ids(), &me.actor())
            .await?,
    ))
}

/// Undo 合单 for the groups of these orders.
#[utoipa::path(post, path = "/orders/unmerge", tag = "orders", request_body = BulkBody, responses((status = 200, body = Vec<BulkOutcome>)))]
async fn unmerge(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(
        s.app
            .unmerge_orders(&me.0.user, &b.ids(), &me.actor())
            .await?,
    ))
}

/// Price a manual order without saving it: every line with its discounts, points and
/// shipping split to the fen, and the totals.
#[utoipa::path(post, path = "/orders/price", tag = "orders", request_body = ManualOrderInput, responses((status = 200, body = PricedOrder), (status = 422, body = ErrorBody)))]
async fn price_manual(
    State(s): State<AppState>,
    ApiJson(m): ApiJson<ManualOrderInput>,
) -> ApiResult<Json<PricedOrder>> {
    Ok(Json(s.app.price_manual(&m).await?.priced))
}

/// 手工订单: create an order priced by jxc; it goes through the detectors and the review
/// rules like any other. Answers the new order.
#[utoipa::path(post, path = "/orders/manual", tag = "orders", request_body = ManualOrderInput, responses((status = 201, body = StoredOrder), (status = 422, body = ErrorBody)))]
async fn create_manual(
    State(s): State<AppState>,
    me: Me,
    ApiJson(m): ApiJson<ManualOrderInput>,
) -> ApiResult<(axum::http::StatusCode, Json<StoredOrder>)> {
    let id = s
        .app
        .create_manual_order(&me.0.user, &m, &me.actor())
        .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(s.app.order(&me.0.user, id).await?),
    ))
}

/// 审单规则: every review rule (they run on each new order, lowest priority first).
#[utoipa::path(get, path = "/orders/rules", tag = "orders", responses((status = 200, body = Vec<Rule>)))]
async fn list_rules(State(s): State<AppState>) -> ApiResult<Json<Vec<Rule>>> {
    Ok(Json(s.app.review_rules().await?))
}

/// Create a review rule: conditions (`when`) → action (`then`).
#[utoipa::path(post, path = "/orders/rules", tag = "orders", request_body = RuleInput, responses((status = 201, body = Rule), (status = 422, body = ErrorBody)))]
async fn create_rule(
    State(s): State<AppState>,
    me: Me,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult<(axum::http::StatusCode, Json<Rule>)> {
    Ok((
        axum::http::StatusCode::CREATED,
        Json(s.app.create_rule(&input, &me.actor()).await?),
    ))
}

#[utoipa::path(get, path = "/orders/rules/{id}", tag = "orders", params(("id" = i64, Path)), responses((status = 200, body = Rule), (status = 404, body = ErrorBody)))]
async fn get_rule(State(s): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Rule>> {
    Ok(Json(s.app.rule(id).await?))
}

/// Change a review rule (`active: false` switches it off).
#[utoipa::path(patch, path = "/orders/rules/{id}", tag = "orders", params(("id" = i64, Path)), request_body = RuleInput, responses((status = 200, body = Rule), (status = 422, body = ErrorBody)))]
async fn update_rule(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RuleInput>,
) -> ApiResult<Json<Rule>> {
    Ok(Json(s.app.update_rule(id, &input, &me.actor()).await?))
}

/// The parts of a split: each a list of (line, qty), lines counted from 1.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SplitBody {
    pub parts: Vec<Vec<jxc_core::orders::split::PartLine>>,
}

/// 拆单: ship the order in parts (by lines or quantities). Every line's quantities over
/// the parts must add up to the line; replaces an earlier split.
#[utoipa::path(post, path = "/orders/{id}/split", tag = "orders", params(("id" = i64, Path)), request_body = SplitBody, responses((status = 200, body = StoredOrder), (status = 422, body = ErrorBody)))]
async fn split(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SplitBody>,
) -> ApiResult<Json<StoredOrder>> {
    Ok(Json(
        s.app
            .split_order(&me.0.user, OrderId(id), &b.parts, &me.actor())
            .await?,
    ))
}

/// Undo 拆单: the order ships whole.
#[utoipa::path(post, path = "/orders/{id}/unsplit", tag = "orders", params(("id" = i64, Path)), responses((status = 200, body = StoredOrder), (status = 422, body = ErrorBody)))]
async fn unsplit(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<StoredOrder>> {
    Ok(Json(
        s.app
            .unsplit_order(&me.0.user, OrderId(id), &me.actor())
            .await?,
    ))
}

/// 改地址: the corrected receiver. Address and phone checks run again; their holds clear
/// when the new address passes.
#[utoipa::path(put, path = "/orders/{id}/receiver", tag = "orders", params(("id" = i64, Path)), request_body = Receiver, responses((status = 200, body = StoredOrder), (status = 422, body = ErrorBody)))]
async fn edit_receiver(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<Receiver>,
) -> ApiResult<Json<StoredOrder>> {
    Ok(Json(
        s.app
            .edit_receiver(&me.0.user, OrderId(id), &r, &me.actor())
            .await?,
    ))
}

/// Import order files for a shop (multipart: `shop_id`, `format` = `taobao` | `template`,
/// the order file as `file`, and for Taobao the 宝贝报表 as `lines`). Bad rows come back
/// with their row number and reason; the good orders are imported; the same file again
/// changes nothing.
#[utoipa::path(post, path = "/orders/import", tag = "orders",
    request_body(content = String, content_type = "multipart/form-data", description = "fields shop_id, format; files file and (optional) lines"),
    responses((status = 200, body = OrderImportReport), (status = 422, body = ErrorBody)))]
async fn import_orders(
    State(s): State<AppState>,
    me: Me,
    mut form: Multipart,
) -> ApiResult<Json<OrderImportReport>> {
    let bad = |field: &str, why: &str| ApiError::from(jxc_core::FieldError::new(field, why));
    let (mut shop, mut format, mut file, mut lines) = (None, None, None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("multipart: {e}")))?
    {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().unwrap_or("upload.csv").to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("multipart: {e}")))?;
        match name.as_str() {
            "shop_id" => {
                shop = Some(
                    String::from_utf8_lossy(&bytes)
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| bad("shop_id", "不是店铺编号 / not a shop id"))?,
                )
            }
            "format" => format = Some(String::from_utf8_lossy(&bytes).trim().to_string()),
            "file" => file = Some((file_name, bytes)),
            "lines" => lines = Some((file_name, bytes)),
            _ => {}
        }
    }
    let shop = ShopId(shop.ok_or_else(|| bad("shop_id", "请选择店铺 / shop_id is required"))?);
    jxc_app::partners::require_shop(&me.0.user, shop)?;
    let kind = match format.as_deref() {
        Some("taobao") | None => OrderFile::Taobao,
        Some("template") => OrderFile::Template,
        Some(_) => {
            return Err(bad(
                "format",
                "应为 taobao 或 template / taobao or template",
            ));
        }
    };
    let (name, bytes) =
        file.ok_or_else(|| bad("file", "请上传订单文件 / the order file is required"))?;
    let lines = lines.as_ref().map(|(n, b)| (n.as_str(), b.as_ref()));
    Ok(Json(
        s.app
            .import_order_file(shop, kind, (&name, &bytes), lines, &me.actor())
            .await?,
    ))
}
