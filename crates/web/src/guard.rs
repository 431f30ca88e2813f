//! The route table: every route is added with the [`Action`] it performs, through
//! [`Routes`], which both registers the handler and records the rule. There is no other
//! way to add an API route or a page, so there is no route without a rule; the
//! role × route test walks [`Routes::rules`].
//!
//! The rule is checked per route, after the sign-in middleware (see `auth.rs`) has put the
//! [`CurrentUser`] in the request: not signed in → 401 (API) or the login page (pages);
//! signed in without a role that allows the action → 403.

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter};
use jxc_app::auth::CurrentUser;
use jxc_core::permissions::{Action, allowed};

use crate::AppState;

/// Whether a route answers with JSON (the API) or HTML (the pages): it decides how a
/// refusal looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Api,
    Page,
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct Rule {
    pub method: Method,
    /// The full path pattern, e.g. `/api/v1/skus/{id}` or `/skus/{id}/edit`.
    pub path: String,
    pub action: Action,
    pub surface: Surface,
}

/// A router that cannot take a route without its rule.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<Rule>,
    surface: Surface,
    /// Where these routes will be nested, to record full paths.
    prefix: &'static str,
}

impl Routes {
    pub fn new(surface: Surface, prefix: &'static str) -> Routes {
        Routes {
            router: Router::new(),
            rules: Vec::new(),
            surface,
            prefix,
        }
    }

    pub fn get<H, T>(self, path: &str, action: Action, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, action, routing::get(h))
    }

    pub fn post<H, T>(self, path: &str, action: Action, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, action, routing::post(h))
    }

    pub fn put<H, T>(self, path: &str, action: Action, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PUT, path, action, routing::put(h))
    }

    pub fn patch<H, T>(self, path: &str, action: Action, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PATCH, path, action, routing::patch(h))
    }

    pub fn delete<H, T>(self, path: &str, action: Action, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::DELETE, path, action, routing::delete(h))
    }

    /// Adds a route with a method router already built (e.g. with a body-size layer).
    pub fn add(
        mut self,
        method: Method,
        path: &str,
        action: Action,
        mr: MethodRouter<AppState>,
    ) -> Routes {
        let surface = self.surface;
        let mr = mr.route_layer(axum::middleware::from_fn(
            move |req: Request, next: Next| authorize(action, surface, req, next),
        ));
        self.router = self.router.route(path, mr);
        self.rules.push(Rule {
            method,
            path: format!("{}{}", self.prefix, path),
            action,
            surface,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Rule>) {
        (self.router, self.rules)
    }
}

async fn authorize(action: Action, surface: Surface, req: Request, next: Next) -> Response {
    let Some(me) = req.extensions().get::<CurrentUser>() else {
        return refuse(surface, jxc_app::Error::Unauthorized, req.uri());
    };
    if !allowed(&me.user.fields.roles, action) {
        let e = jxc_app::Error::Forbidden(format!("{action:?}"));
        return refuse(surface, e, req.uri());
    }
    next.run(req).await
}

fn refuse(surface: Surface, e: jxc_app::Error, uri: &axum::http::Uri) -> Response {
    match surface {
        Surface::Api => crate::ApiError(e).into_response(),
        Surface::Page => crate::pages::refusal(e, uri),
    }
}
