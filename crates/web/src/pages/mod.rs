//! The pages: server-rendered HTML (askama templates in `templates/`), one module per
//! business area, the same names as the API. Every page route is added through
//! [`Routes`] with its [`Action`].
//!
//! Shared here: [`Ctx`] (the signed-in user, language, CSRF token and menu every page
//! gets), the page error mapping, sign-in and sign-out, the language switch and the
//! embedded CSS/JS.

mod account;
mod adjustments;
mod alerts;
mod audit;
mod catalog;
pub(crate) mod channels;
mod count_schedules;
mod counts;
mod dashboard;
pub(crate) mod forms;
pub(crate) mod fulfillment;
mod fulfillment_report;
mod imports;
mod in_transit;
mod inventory;
pub(crate) mod list;
mod orders;
mod partners;
mod session;
pub(crate) mod shipments;
mod trace;
mod transfers;
mod users;
mod warehouses;
pub(crate) mod waves;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use jxc_app::auth::{Credential, CurrentUser};
use jxc_core::FieldError;
use jxc_core::permissions::{Action, allowed};
use jxc_core::users::User;

use crate::AppState;
use crate::guard::{Routes, Surface};
use crate::i18n::{Lang, Messages};

/// Every guarded page.
pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .merge(dashboard::routes())
        .merge(account::routes())
        .merge(catalog::routes())
        .merge(partners::routes())
        .merge(warehouses::routes())
        .merge(inventory::routes())
        .merge(counts::routes())
        .merge(count_schedules::routes())
        .merge(transfers::routes())
        .merge(in_transit::routes())
        .merge(adjustments::routes())
        .merge(alerts::routes())
        .merge(trace::routes())
        .merge(imports::routes())
        .merge(orders::routes())
        .merge(channels::routes())
        .merge(fulfillment::routes())
        .merge(waves::routes())
        .merge(shipments::routes())
        .merge(fulfillment_report::routes())
        .merge(users::routes())
        .merge(audit::routes())
}

/// Pages anyone may open: sign-in, the language switch, CSS and JS.
pub fn public() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .route("/lang/{code}", get(set_lang))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
        .route("/assets/scan.js", get(scan_js))
        .route("/assets/count-scan.js", get(count_scan_js))
}

/// A menu entry; shown only to roles allowed its action.
struct NavItem {
    href: &'static str,
    key: &'static str,
    action: Action,
}

/// The menu, in groups.
const NAV: &[(&str, &[NavItem])] = &[
    (
        "nav.group.home",
        &[NavItem {
            href: "/",
            key: "nav.dashboard",
            action: Action::Dashboard,
        }],
    ),
    (
        "nav.group.catalog",
        &[
            NavItem {
                href: "/skus",
                key: "nav.skus",
                action: Action::CatalogView,
            },
            NavItem {
                href: "/listings",
                key: "nav.listings",
                action: Action::CatalogView,
            },
        ],
    ),
    (
        "nav.group.stock",
        &[
            NavItem {
                href: "/stock",
                key: "nav.stock",
                action: Action::StockView,
            },
            NavItem {
                href: "/stock/moves",
                key: "nav.moves",
                action: Action::StockView,
            },
            NavItem {
                href: "/counts",
                key: "nav.counts",
                action: Action::StockView,
            },
            NavItem {
                href: "/transfers",
                key: "nav.transfers",
                action: Action::StockView,
            },
            NavItem {
                href: "/transfers/in-transit",
                key: "nav.in_transit",
                action: Action::StockView,
            },
            NavItem {
                href: "/adjustments",
                key: "nav.adjustments",
                action: Action::StockView,
            },
            NavItem {
                href: "/trace",
                key: "nav.trace",
                action: Action::StockView,
            },
            NavItem {
                href: "/alerts",
                key: "nav.alerts",
                action: Action::AlertsView,
            },
            NavItem {
                href: "/alerts/levels",
                key: "nav.alert_levels",
                action: Action::AlertsView,
            },
            NavItem {
                href: "/warehouses",
                key: "nav.warehouses",
                action: Action::WarehousesView,
            },
            NavItem {
                href: "/imports",
                key: "nav.imports",
                action: Action::Dashboard,
            },
        ],
    ),
    (
        "nav.group.orders",
        &[
            NavItem {
                href: "/orders",
                key: "nav.orders",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/orders/exceptions",
                key: "nav.order_exceptions",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/orders/import",
                key: "nav.order_import",
                action: Action::OrdersEdit,
            },
            NavItem {
                href: "/orders/new",
                key: "nav.order_new",
                action: Action::OrdersEdit,
            },
            NavItem {
                href: "/orders/rules",
                key: "nav.order_rules",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/sync/runs",
                key: "nav.sync_runs",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/fulfillment",
                key: "nav.fulfillment",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/fulfillment/routing",
                key: "nav.routing",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/waves",
                key: "nav.waves",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/scan",
                key: "nav.scan",
                action: Action::ShipmentsShip,
            },
            NavItem {
                href: "/shipments",
                key: "nav.shipments",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/fulfillment/report",
                key: "nav.fulfillment_report",
                action: Action::OrdersView,
            },
            NavItem {
                href: "/shipping/setup",
                key: "nav.shipping_setup",
                action: Action::OrdersView,
            },
        ],
    ),
    (
        "nav.group.partners",
        &[
            NavItem {
                href: "/suppliers",
                key: "nav.suppliers",
                action: Action::PartnersView,
            },
            NavItem {
                href: "/customers",
                key: "nav.customers",
                action: Action::PartnersView,
            },
            NavItem {
                href: "/shops",
                key: "nav.shops",
                action: Action::PartnersView,
            },
        ],
    ),
    (
        "nav.group.system",
        &[
            NavItem {
                href: "/users",
                key: "nav.users",
                action: Action::UsersManage,
            },
            NavItem {
                href: "/audit",
                key: "nav.audit",
                action: Action::AuditView,
            },
        ],
    ),
];

/// A menu group as a page shows it.
pub struct NavGroup {
    pub title: &'static str,
    pub items: Vec<(&'static str, &'static str, bool)>,
}

/// What every page gets: who is signed in, in which language, the CSRF token for its
/// forms, and the menu they may see.
pub struct Ctx {
    pub t: &'static Messages,
    pub lang: Lang,
    pub user: User,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<NavGroup>,
}

impl Ctx {
    /// Whether the signed-in user may perform `a` (to show or hide buttons).
    pub fn can(&self, a: Action) -> bool {
        allowed(&self.user.fields.roles, a)
    }

    pub fn can_allocate(&self) -> bool {
        self.can(Action::FulfillmentAllocate)
    }

    pub fn can_edit_catalog(&self) -> bool {
        self.can(Action::CatalogEdit)
    }
    pub fn can_edit_partners(&self) -> bool {
        self.can(Action::PartnersEdit)
    }
    pub fn can_edit_shops(&self) -> bool {
        self.can(Action::ShopsEdit)
    }
    pub fn can_edit_warehouses(&self) -> bool {
        self.can(Action::WarehousesEdit)
    }
    pub fn can_post_stock(&self) -> bool {
        self.can(Action::StockPost)
    }

    /// A message in the page's language.
    pub fn tr(&self, key: &'static str) -> &'static str {
        self.t.get(key)
    }

    /// The name to greet: the display name, else the login name.
    pub fn who(&self) -> &str {
        if self.user.fields.display_name.is_empty() {
            &self.user.fields.username
        } else {
            &self.user.fields.display_name
        }
    }

    pub fn role_labels(&self) -> String {
        role_labels(self.lang, &self.user.fields.roles)
    }
}

pub fn role_labels(lang: Lang, roles: &[jxc_core::users::Role]) -> String {
    roles
        .iter()
        .map(|r| match lang {
            Lang::Zh => r.label_zh(),
            Lang::En => r.label_en(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_code(crate::auth::cookie(headers, Lang::COOKIE))
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Ctx, Response> {
        let Some(me) = parts.extensions.get::<CurrentUser>() else {
            return Err(refusal(jxc_app::Error::Unauthorized, &parts.uri));
        };
        let Credential::Session { csrf, .. } = &me.credential else {
            return Err(refusal(jxc_app::Error::Unauthorized, &parts.uri));
        };
        let lang = lang_of(&parts.headers);
        let path = parts.uri.path().to_string();
        let roles = &me.user.fields.roles;
        let nav = NAV
            .iter()
            .map(|(title, items)| NavGroup {
                title: lang.messages().get(title),
                items: items
                    .iter()
                    .filter(|i| allowed(roles, i.action))
                    .map(|i| {
                        let active = if i.href == "/" {
                            path == "/"
                        } else {
                            path == i.href
                                || (path.starts_with(i.href)
                                    && path[i.href.len()..].starts_with('/')
                                    && !NAV.iter().flat_map(|(_, is)| is.iter()).any(|o| {
                                        o.href.len() > i.href.len() && path.starts_with(o.href)
                                    }))
                        };
                        (i.href, lang.messages().get(i.key), active)
                    })
                    .collect(),
            })
            .filter(|g| !g.items.is_empty())
            .collect();
        Ok(Ctx {
            t: lang.messages(),
            lang,
            user: me.user.clone(),
            csrf: csrf.clone(),
            path,
            nav,
        })
    }
}

/// Renders a template to a page.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Messages,
    title: &'static str,
    message: String,
    back: String,
}

/// How a page answers an error it cannot show in its own form: not signed in → the
/// login page (coming back afterwards); anything else → an error page with the reason.
pub fn refusal(e: jxc_app::Error, uri: &Uri) -> Response {
    refusal_in(Lang::Zh, e, uri)
}

pub fn refusal_in(lang: Lang, e: jxc_app::Error, uri: &Uri) -> Response {
    use jxc_app::Error as E;
    let t = lang.messages();
    let (status, title) = match &e {
        E::Unauthorized => {
            let next = uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/")
                .to_string();
            let to = format!(
                "/login?next={}",
                serde_urlencoded::to_string([("", next)])
                    .unwrap_or_default()
                    .trim_start_matches('=')
            );
            return Redirect::to(&to).into_response();
        }
        E::Forbidden(_) => (StatusCode::FORBIDDEN, "error.forbidden"),
        E::NotFound { .. } => (StatusCode::NOT_FOUND, "error.not_found"),
        E::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "error.rate_limited"),
        E::Internal(d) => {
            tracing::error!("internal error: {d}");
            (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "error.invalid"),
    };
    let message = match &e {
        E::Internal(_) => t.get("error.internal_detail").to_string(),
        E::Forbidden(_) => t.get("error.forbidden_detail").to_string(),
        other => other.to_string(),
    };
    let page = ErrorPage {
        t,
        title: t.get(title),
        message,
        back: "/".into(),
    };
    (status, render(&page)).into_response()
}

/// An app error on a page: the page's own language.
pub struct PageError(pub Lang, pub jxc_app::Error, pub Uri);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        refusal_in(self.0, self.1, &self.2)
    }
}

/// Field errors by field name, for forms that show each error next to its field.
#[derive(Debug, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// The reason for `field` (or for one of its items, e.g. `barcodes[1]`), or "".
    pub fn of(&self, field: &str) -> String {
        self.0
            .iter()
            .filter(|e| {
                e.field == field
                    || e.field
                        .strip_prefix(field)
                        .is_some_and(|r| r.starts_with('[') || r.starts_with('.'))
            })
            .map(|e| e.reason.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }

    /// Errors not tied to a field the form shows.
    pub fn general<T: AsRef<[&'static str]> + ?Sized>(&self, shown: &T) -> Vec<String> {
        let shown = shown.as_ref();
        self.0
            .iter()
            .filter(|e| {
                !shown
                    .iter()
                    .any(|f| !self.of(f).is_empty() && e.field.starts_with(f))
            })
            .map(|e| {
                if e.field.is_empty() {
                    e.reason.clone()
                } else {
                    format!("{}: {}", e.field, e.reason)
                }
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Turns an app error into form errors when it is about input; other errors stay
    /// errors (they get the error page).
    pub fn from_app(e: jxc_app::Error) -> Result<FormErrors, jxc_app::Error> {
        use jxc_app::Error as E;
        match e {
            E::Invalid(v) => Ok(FormErrors(v)),
            E::Conflict(f) => Ok(FormErrors(vec![f])),
            E::Rule(m) => Ok(FormErrors(vec![FieldError::new("", m)])),
            E::InsufficientStock { .. } => Ok(FormErrors(vec![FieldError::new("", e.to_string())])),
            other => Err(other),
        }
    }
}

/// Back to a page after a POST, with a notice (`?ok=key`) the page shows once.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

async fn set_lang(
    axum::extract::Path(code): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_code(Some(code.as_str()));
    // Back to where the switch was pressed, if that was one of our pages.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.parse::<Uri>().ok())
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_string()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    (
        [(
            header::SET_COOKIE,
            format!(
                "{}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                Lang::COOKIE,
                if lang == Lang::En { "en" } else { "zh" }
            ),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

/// An embedded asset, cached for an hour.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    )
}

async fn scan_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/scan.js"),
    )
}

async fn count_scan_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/count-scan.js"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    )
}
