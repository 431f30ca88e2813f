//! 发货 endpoints: the shipping setup, taking waybills for a wave (面单), the Cainiao print
//! command, the shipments list, the scan station's lookup, shipping a verified shipment
//! and retrying its write-back to the platform.

use axum::Json;
use axum::extract::{Path, State};
use jxc_app::shipments::ShipmentView;
use jxc_app::shipping::{ShipRequest, Shipped};
use jxc_core::fulfillment::shipping::ShippingSetup;
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::paging::Page;
use jxc_core::permissions::Action;
use jxc_store::{Shipment, ShipmentFilter, ShipmentStatus};
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
    get_setup,
    put_setup,
    label_wave,
    print_command,
    list,
    get_one,
    scan,
    ship,
    writeback,
    refresh_tracking
))]
pub struct Doc;

pub fn routes() -> Routes {
    use Action::{OrdersView, RoutingEdit, ShipmentsShip};
    super::routes_of()
        .get("/shipping/setup", OrdersView, get_setup)
        .put("/shipping/setup", RoutingEdit, put_setup)
        .post("/waves/{id}/labels", ShipmentsShip, label_wave)
        .get("/waves/{id}/print-command", ShipmentsShip, print_command)
        .get("/shipments", OrdersView, list)
        .get("/shipments/{id}", OrdersView, get_one)
        .get("/scan/{code}", ShipmentsShip, scan)
        .post("/shipments/{id}/ship", ShipmentsShip, ship)
        .post("/shipments/{id}/writeback", ShipmentsShip, writeback)
        .post("/shipments/{id}/tracking", ShipmentsShip, refresh_tracking)
}

/// The setup as the API shows it: the keys (`notify_secret`, `tracking.key`,
/// `tracking.salt`) are never sent back, only `***` when set.
fn masked(mut s: ShippingSetup) -> ShippingSetup {
    let mask = |v: &mut String| {
        if !v.is_empty() {
            *v = "***".into();
        }
    };
    mask(&mut s.notify_secret);
    if let Some(t) = &mut s.tracking {
        mask(&mut t.key);
        mask(&mut t.salt);
    }
    s
}

/// 发货设置 (keys shown as `***`).
#[utoipa::path(get, path = "/shipping/setup", tag = "fulfillment", responses((status = 200, body = ShippingSetup)))]
async fn get_setup(State(s): State<AppState>, _me: Me) -> ApiResult<Json<ShippingSetup>> {
    Ok(Json(masked(s.app.shipping_setup().await?)))
}

/// Replaces the shipping setup; a key sent as `***` keeps the saved one.
#[utoipa::path(put, path = "/shipping/setup", tag = "fulfillment", request_body = ShippingSetup, responses((status = 200, body = ShippingSetup), (status = 422, body = ErrorBody)))]
async fn put_setup(
    State(s): State<AppState>,
    me: Me,
    ApiJson(mut b): ApiJson<ShippingSetup>,
) -> ApiResult<Json<ShippingSetup>> {
    let old = s.app.shipping_setup().await?;
    if b.notify_secret == "***" {
        b.notify_secret = old.notify_secret;
    }
    if let (Some(t), Some(kept)) = (&mut b.tracking, &old.tracking) {
        if t.key == "***" {
            t.key = kept.key.clone();
        }
        if t.salt == "***" {
            t.salt = kept.salt.clone();
        }
    }
    Ok(Json(masked(
        s.app.set_shipping_setup(b, &me.actor()).await?,
    )))
}

/// 取号: a waybill for every order of the wave without a shipment (one per 合单 group);
/// answers all the wave's shipments.
#[utoipa::path(post, path = "/waves/{id}/labels", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = Vec<Shipment>), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn label_wave(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Shipment>>> {
    Ok(Json(s.app.label_wave(&me.0.user, id, &me.actor()).await?))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrintQuery {
    /// The printer's name in the Cainiao print component ('' = its default).
    #[serde(default)]
    pub printer: String,
}

/// 菜鸟打印组件 `print` command for the wave's labels (send it over the component's
/// WebSocket).
#[utoipa::path(get, path = "/waves/{id}/print-command", tag = "fulfillment", params(("id" = i64, Path), PrintQuery), responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
async fn print_command(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<PrintQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        s.app.wave_print_command(&me.0.user, id, &q.printer).await?,
    ))
}

/// Shipment filters.
#[derive(Debug, Default, Deserialize, IntoParams, Serialize, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ShipmentQuery {
    /// `labelled`, `shipped`, `signed` or `exception`.
    pub status: Option<String>,
    pub warehouse_id: Option<i64>,
    pub wave_id: Option<i64>,
    pub order_id: Option<i64>,
    pub tracking_no: Option<String>,
}

impl ShipmentQuery {
    pub fn filter(&self) -> Result<ShipmentFilter, jxc_app::Error> {
        let status = match self.status.as_deref().filter(|x| !x.is_empty()) {
            None => None,
            Some(x) => Some(ShipmentStatus::parse(x).ok_or_else(|| {
                jxc_app::Error::invalid("status", "labelled / shipped / signed / exception")
            })?),
        };
        Ok(ShipmentFilter {
            status,
            warehouse: self.warehouse_id.map(WarehouseId),
            wave: self.wave_id,
            order: self.order_id.map(OrderId),
            tracking_no: self.tracking_no.clone().filter(|x| !x.is_empty()),
            ..Default::default()
        })
    }
}

/// 发货单, newest first with `desc=true`.
#[utoipa::path(get, path = "/shipments", tag = "fulfillment", params(PageQuery, ShipmentQuery), responses((status = 200, body = Page<Shipment>), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    me: Me,
    ApiQuery(p): ApiQuery<PageQuery>,
    ApiQuery(q): ApiQuery<ShipmentQuery>,
) -> ApiResult<Json<Page<Shipment>>> {
    let f = q.filter().map_err(ApiError::from)?;
    Ok(Json(s.app.shipments(&me.0.user, f, &p.page()?).await?))
}

/// A shipment with its orders, receiver, sender and contents.
#[utoipa::path(get, path = "/shipments/{id}", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = ShipmentView), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<ShipmentView>> {
    Ok(Json(s.app.shipment(&me.0.user, id).await?))
}

/// 扫描验货: the shipment a scanned label (tracking number) or order number belongs to,
/// with what the scan must count.
#[utoipa::path(get, path = "/scan/{code}", tag = "fulfillment", params(("code" = String, Path)), responses((status = 200, body = ShipmentView), (status = 404, body = ErrorBody)))]
async fn scan(
    State(s): State<AppState>,
    me: Me,
    Path(code): Path<String>,
) -> ApiResult<Json<ShipmentView>> {
    Ok(Json(s.app.shipment_for_scan(&me.0.user, &code).await?))
}

/// 发货: ships a labelled shipment whose scan equals its contents (else 409 and nothing
/// changes): posts the stock issue, then writes the tracking number back to the
/// platforms and calls the buyer hook.
#[utoipa::path(post, path = "/shipments/{id}/ship", tag = "fulfillment", params(("id" = i64, Path)), request_body = ShipRequest, responses((status = 200, body = Shipped), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn ship(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ShipRequest>,
) -> ApiResult<Json<Shipped>> {
    Ok(Json(s.app.ship(&me.0.user, id, &b, &me.actor()).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Writeback {
    /// `ok`, `skipped: …` or the platform's error.
    pub writeback: String,
}

/// 重新回传: writes the tracking number back to the platforms again.
#[utoipa::path(post, path = "/shipments/{id}/writeback", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = Writeback), (status = 404, body = ErrorBody)))]
async fn writeback(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Writeback>> {
    Ok(Json(Writeback {
        writeback: s.app.retry_writeback(&me.0.user, id).await?,
    }))
}

/// 刷新物流: asks 快递100 for the shipment's trace now and records it (已签收 / 物流异常).
#[utoipa::path(post, path = "/shipments/{id}/tracking", tag = "fulfillment", params(("id" = i64, Path)), responses((status = 200, body = Shipment), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn refresh_tracking(
    State(s): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
) -> ApiResult<Json<Shipment>> {
    Ok(Json(s.app.refresh_tracking(&me.0.user, id).await?))
}
