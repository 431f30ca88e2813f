//! The REST API under `/api/v1`, one module per business area, and its OpenAPI document.

mod adjustments;
pub(crate) mod admin;
mod alerts;
pub(crate) mod catalog;
mod channels;
mod count_schedules;
mod counts;
mod fulfillment;
pub(crate) mod inventory;
mod orders;
mod partners;
mod shipments;
mod trace;
mod transfers;
mod users;
mod warehouses;
mod waves;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jxc_app::auth::CurrentUser;
use jxc_core::paging::PageRequest;
use jxc_store::{Actor, ListFilter, Sort};
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::error::ApiError;
use crate::guard::{Routes, Surface};

/// The signed-in user of an API request (put there by the sign-in middleware).
pub struct Me(pub CurrentUser);

impl Me {
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Me, ApiError> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .map(Me)
            .ok_or(ApiError(jxc_app::Error::Unauthorized))
    }
}

/// An empty API route table (paths relative to `/api/v1`).
fn routes_of() -> Routes {
    Routes::new(Surface::Api, "/api/v1")
}

/// Paging, sorting and the common filters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Code or name contains (case-insensitive for Latin letters).
    pub q: Option<String>,
    /// Only active (`true`) or only inactive (`false`) records.
    pub active: Option<bool>,
    /// Rows per page, 1–1000 (default 50).
    pub limit: Option<u32>,
    /// The `next` cursor returned with the previous page.
    pub after: Option<String>,
    /// `code` (default), `name` or `id`; a leading `-` sorts descending.
    pub sort: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let desc = self.sort.as_deref().is_some_and(|s| s.starts_with('-'));
        Ok(PageRequest::new(self.limit, self.after.as_deref(), desc)?)
    }
    pub fn filter(&self, parent_id: Option<i64>) -> Result<ListFilter, ApiError> {
        Ok(ListFilter {
            q: self.q.clone(),
            active: self.active,
            parent_id,
            sort: Sort::parse(self.sort.as_deref())?,
            ..Default::default()
        })
    }
}

/// Every API route, relative to `/api/v1`.
pub fn routes() -> Routes {
    routes_of()
        .merge(catalog::routes())
        .merge(partners::routes())
        .merge(warehouses::routes())
        .merge(inventory::routes())
        .merge(counts::routes())
        .merge(count_schedules::routes())
        .merge(transfers::routes())
        .merge(adjustments::routes())
        .merge(alerts::routes())
        .merge(trace::routes())
        .merge(orders::routes())
        .merge(channels::routes())
        .merge(fulfillment::routes())
        .merge(waves::routes())
        .merge(shipments::routes())
        .merge(users::routes())
        .merge(admin::routes())
}

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "jxc 进销存 API", description = "REST API of jxc. Money is integer 分 (1/100 yuan). Lists use keyset paging: pass the `next` of a page as `after`. Every request needs `Authorization: Bearer <token>`: make a token on the 我的账号 (My account) page or with `jxc user token NAME`. A token acts with its user's roles; a route a role may not use answers 403."),
    modifiers(&BearerToken),
    security(("token" = [])),
    nest(
        (path = "/api/v1", api = catalog::Doc),
        (path = "/api/v1", api = partners::Doc),
        (path = "/api/v1", api = warehouses::Doc),
        (path = "/api/v1", api = inventory::Doc),
        (path = "/api/v1", api = counts::Doc),
        (path = "/api/v1", api = count_schedules::Doc),
        (path = "/api/v1", api = transfers::Doc),
        (path = "/api/v1", api = adjustments::Doc),
        (path = "/api/v1", api = alerts::Doc),
        (path = "/api/v1", api = trace::Doc),
        (path = "/api/v1", api = orders::Doc),
        (path = "/api/v1", api = channels::Doc),
        (path = "/api/v1", api = fulfillment::Doc),
        (path = "/api/v1", api = waves::Doc),
        (path = "/api/v1", api = shipments::Doc),
        (path = "/api/v1", api = users::Doc),
        (path = "/api/v1", api = admin::Doc),
    ),
    tags(
        (name = "catalog", description = "商品: SKUs, bundles (组合装), listings (平台商品匹配)"),
        (name = "partners", description = "店铺, 供应商, 客户"),
        (name = "warehouses", description = "仓库 and 库位"),
        (name = "inventory", description = "库存: documents, ledger, balances, reservations"),
        (name = "alerts", description = "预警: the inbox, stock levels (安全库存/超储/可售天数), settings, and the DingTalk/Feishu/WeCom robots and email alerts go to"),
        (name = "orders", description = "订单: the queue, holds (异常), approval, address edits, order file import"),
        (name = "channels", description = "平台同步: per-shop sync settings, sync now, the sync log, unreadable payloads. Platforms push to the public `POST /hooks/{shop_id}` (signed by the platform, no token)"),
        (name = "fulfillment", description = "分仓: the routing setup (rules, strategies), allocating approved orders to warehouses with their stock reserved, 缺货"),
        (name = "users", description = "用户与角色, 我的账号: users, passwords, API tokens"),
        (name = "admin", description = "check, audit log, counts, import, export"),
    )
)]
pub struct ApiDoc;

/// `/api/openapi.json` and the browsable page at `/api/docs`.
pub fn docs() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
