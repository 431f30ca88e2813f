//! 预警 endpoints: the inbox (list, one alert with its sends, mark seen, close an event
//! alert), evaluate now, the settings, stock levels per SKU × warehouse, and the robot
//! and email channels (secrets go in, never come out; a test send).

use axum::Json;
use axum::extract::{Path, State};
use jxc_app::alerts::{ChannelInput, ChannelView};
use jxc_core::alerts::{AlertKind, AlertSettings, StockLevel, StockLevelInput};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{Alert, AlertFilter, AlertSync, Delivery, StockLevelFilter, StockLevelRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::Me;
use super::inventory::PageQuery;
use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::guard::Routes;

#[derive(OpenApi)]
#[openapi(paths(
    list,
    get,
    ack,
    close,
    evaluate,
    get_settings,
    put_settings,
    levels,
    set_level,
    delete_level,
    channels,
    create_channel,
    update_channel,
    test_channel
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{AlertsAck, AlertsManage, AlertsView};
    super::routes_of()
        .get("/alerts", AlertsView, list)
        .get("/alerts/{id}", AlertsView, get)
        .post("/alerts/{id}/ack", AlertsAck, ack)
        .post("/alerts/{id}/close", AlertsAck, close)
        .post("/alerts/evaluate", AlertsManage, evaluate)
        .get("/alert-settings", AlertsView, get_settings)
        .put("/alert-settings", AlertsManage, put_settings)
        .get("/stock-levels", AlertsView, levels)
        .put("/stock-levels", AlertsManage, set_level)
        .post("/stock-levels/delete", AlertsManage, delete_level)
        .get("/alert-channels", AlertsManage, channels)
        .post("/alert-channels", AlertsManage, create_channel)
        .put("/alert-channels/{id}", AlertsManage, update_channel)
        .post("/alert-channels/{id}/test", AlertsManage, test_channel)
}

/// Alert filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `open` (default), `closed` or `all`.
    pub state: Option<String>,
    /// `low_stock`, `overstock`, `low_cover`, `near_expiry`, `expired`, `slow_moving`,
    /// `negative_stock`, `stock_mismatch`, `count_variance`.
    pub kind: Option<String>,
    pub warehouse_id: Option<i64>,
}

impl AlertQuery {
    pub fn filter(&self) -> ApiResult<AlertFilter> {
        let open = match self.state.as_deref().unwrap_or("open") {
            "" | "open" => Some(true),
            "closed" => Some(false),
            "all" => None,
            x => {
                return Err(ApiError::from(jxc_core::FieldError::new(
                    "state",
                    format!("“{x}” 应为 open、closed 或 all"),
                )));
            }
        };
        let kind = match self.kind.as_deref().filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(AlertKind::parse(k).ok_or_else(|| {
                ApiError::from(jxc_core::FieldError::new(
                    "kind",
                    format!("未知的预警类型 “{k}” / unknown alert kind"),
                ))
            })?),
        };
        Ok(AlertFilter {
            open,
            kind,
            warehouse_id: self.warehouse_id.map(WarehouseId),
            warehouse_ids: Vec::new(),
        })
    }
}

/// 预警: newest first; open ones by default.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(PageQuery, AlertQuery), responses((status = 200, body = Page<Alert>)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Page<Alert>>> {
    Ok(Json(
        s.app.alerts(&me.0.user, q.filter()?, &p.page()?).await?,
    ))
}

/// One alert and where it was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDetail {
    pub alert: Alert,
    pub deliveries: Vec<Delivery>,
}

#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = AlertDetail), (status = 404, body = ErrorBody)))]
async fn get(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertDetail>> {
    let (alert, deliveries) = s.app.alert(&me.0.user, id).await?;
    Ok(Json(AlertDetail { alert, deliveries }))
}

/// 已读: someone is on it. It stays open while its cause holds.
#[utoipa::path(post, path = "/alerts/{id}/ack", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = Alert), (status = 404, body = ErrorBody)))]
async fn ack(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<Alert>> {
    Ok(Json(s.app.ack_alert(&me.0.user, id, &me.actor()).await?))
}

/// Closes an event alert (盘点差异). Condition alerts close by themselves: 409.
#[utoipa::path(post, path = "/alerts/{id}/close", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = Alert), (status = 409, body = ErrorBody)))]
async fn close(State(s): State<AppState>, me: Me, Path(id): Path<i64>) -> ApiResult<Json<Alert>> {
    Ok(Json(s.app.close_alert(&me.0.user, id, &me.actor()).await?))
}

/// Evaluates every stock condition now (the schedule does every five minutes) and sends
/// what opened.
#[utoipa::path(post, path = "/alerts/evaluate", tag = "alerts", responses((status = 200, body = AlertSync)))]
async fn evaluate(State(s): State<AppState>, _me: Me) -> ApiResult<Json<AlertSync>> {
    Ok(Json(s.app.evaluate_alerts(None).await?))
}

/// Alert settings and the address links point to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    #[serde(flatten)]
    pub settings: AlertSettings,
    /// `https://erp.example.cn`: robots and emails link to pages under it ('' = no links).
    #[serde(default)]
    pub base_url: String,
}

#[utoipa::path(get, path = "/alert-settings", tag = "alerts", responses((status = 200, body = Settings)))]
async fn get_settings(State(s): State<AppState>, _me: Me) -> ApiResult<Json<Settings>> {
    Ok(Json(Settings {
        settings: s.app.alert_settings().await?,
        base_url: s.app.alerts_base_url().await?,
    }))
}

#[utoipa::path(put, path = "/alert-settings", tag = "alerts", request_body = Settings, responses((status = 200, body = Settings), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<Settings>,
) -> ApiResult<Json<Settings>> {
    s.app.set_alert_settings(&b.settings, &me.actor()).await?;
    s.app.set_alerts_base_url(&b.base_url, &me.actor()).await?;
    get_settings(State(s), me).await
}

/// Stock level filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    pub warehouse_id: Option<i64>,
    /// SKU code or name contains.
    pub q: Option<String>,
}

/// 安全库存 / 超储 / 可售天数 per SKU × warehouse, by SKU code.
#[utoipa::path(get, path = "/stock-levels", tag = "alerts", params(PageQuery, LevelQuery), responses((status = 200, body = Page<StockLevelRow>)))]
async fn levels(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<LevelQuery>,
) -> ApiResult<Json<Page<StockLevelRow>>> {
    let mut page = p.page()?;
    page.desc = p.order.as_deref() == Some("desc");
    let f = StockLevelFilter {
        warehouse_id: q.warehouse_id.map(WarehouseId),
        warehouse_ids: Vec::new(),
        q: q.q.unwrap_or_default(),
    };
    Ok(Json(s.app.stock_levels(&me.0.user, f, &page).await?))
}

/// Sets the limits of one SKU in one warehouse (replacing what was there); the alerts of
/// that SKU are evaluated at once.
#[utoipa::path(put, path = "/stock-levels", tag = "alerts", request_body = StockLevelInput, responses((status = 200, body = StockLevel), (status = 422, body = ErrorBody)))]
async fn set_level(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<StockLevelInput>,
) -> ApiResult<Json<StockLevel>> {
    Ok(Json(
        s.app.set_stock_level(&me.0.user, &b, &me.actor()).await?,
    ))
}

/// A SKU in a warehouse.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LevelKey {
    pub sku_id: i64,
    pub warehouse_id: i64,
}

/// Whether something was removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Removed {
    pub removed: bool,
}

#[utoipa::path(post, path = "/stock-levels/delete", tag = "alerts", request_body = LevelKey, responses((status = 200, body = Removed)))]
async fn delete_level(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<LevelKey>,
) -> ApiResult<Json<Removed>> {
    let removed = s
        .app
        .delete_stock_level(
            &me.0.user,
            SkuId(b.sku_id),
            WarehouseId(b.warehouse_id),
            &me.actor(),
        )
        .await?;
    Ok(Json(Removed { removed }))
}

/// The robots and mailboxes alerts go to (targets masked, secrets never shown).
#[utoipa::path(get, path = "/alert-channels", tag = "alerts", responses((status = 200, body = Vec<ChannelView>)))]
async fn channels(State(s): State<AppState>, _me: Me) -> ApiResult<Json<Vec<ChannelView>>> {
    Ok(Json(s.app.alert_channels().await?))
}

/// Adds a robot (webhook URL as copied, and its 加签 secret) or a mailbox (SMTP).
#[utoipa::path(post, path = "/alert-channels", tag = "alerts", request_body = ChannelInput, responses((status = 200, body = ChannelView), (status = 422, body = ErrorBody)))]
async fn create_channel(
    State(s): State<AppState>,
    me: Me,
    ApiJson(b): ApiJson<ChannelInput>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(s.app.save_alert_channel(None, &b, &me.actor()).await?))
}

/// Changes a channel; secrets left blank keep the stored ones.
#[utoipa::path(put, path = "/alert-channels/{id}", tag = "alerts", params(("id" = i64, Path)), request_body = ChannelInput, responses((status = 200, body = ChannelView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_channel(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ChannelInput>,
) -> ApiResult<Json<ChannelView>> {
    Ok(Json(
        s.app.save_alert_channel(Some(id), &b, &me.actor()).await?,
    ))
}

/// The answer of a test send.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sent {
    pub sent: bool,
}

/// Sends a test message now; the robot's or mail server's refusal is the error (502).
#[utoipa::path(post, path = "/alert-channels/{id}/test", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = Sent), (status = 502, body = ErrorBody)))]
async fn test_channel(
    State(s): State<AppState>,
    _me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Sent>> {
    s.app.test_alert_channel(id).await?;
    Ok(Json(Sent { sent: true }))
}
