//! What every form and list page shares: turning an app error into the error page,
//! the writer of a change, the status of a form page, reading a posted form, reading every
//! page of a list for an export, and the one-time notice after a redirect.

use std::collections::HashMap;
use std::future::Future;

use axum::http::{StatusCode, Uri};
use jxc_core::paging::{MAX_LIMIT, Page, PageRequest};
use jxc_store::Actor;

use super::{Ctx, FormErrors, PageError};

/// Turns an app error into the error page, in the page's language.
pub(crate) fn err(ctx: &Ctx, uri: &Uri) -> impl Fn(jxc_app::Error) -> PageError + use<> {
    let (lang, uri) = (ctx.lang, uri.clone());
    move |e| PageError(lang, e, uri.clone())
}

/// Who writes: the signed-in user.
pub(crate) fn actor(ctx: &Ctx) -> Actor {
    Actor(ctx.user.fields.username.clone())
}

/// 200 for a fresh form, 422 for one sent back with errors.
pub(crate) fn form_status(errors: &FormErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A posted form, field by field (the last value of a repeated field wins).
#[derive(Debug, Default, Clone)]
pub(crate) struct Sent(pub HashMap<String, String>);

impl Sent {
    /// The text sent for `k` ("" if none).
    pub fn val(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_default()
    }

    /// A checkbox: sent means checked.
    pub fn checked(&self, k: &str) -> bool {
        self.0.contains_key(k)
    }
}

/// Every row of a list, read with keyset pages of the largest size (for exports).
pub(crate) async fn all_pages<T, F, Fut>(mut f: F) -> Result<Vec<T>, jxc_app::Error>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, jxc_app::Error>>,
{
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = PageRequest::new(Some(MAX_LIMIT), after.as_deref(), false)?;
        let p = f(page).await?;
        items.extend(p.items);
        match p.next {
            // A cursor that does not move would loop forever: stop instead.
            Some(n) if Some(&n) != after.as_ref() => after = Some(n),
            _ => break,
        }
    }
    Ok(items)
}

/// The notice a page shows once after a redirect (`?ok=…`), looked up in `notices`.
pub(crate) fn notice(query: Option<&str>, notices: &[(&str, &'static str)]) -> &'static str {
    let ok = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|p| p.into_iter().find(|(k, _)| k == "ok").map(|(_, v)| v))
        .unwrap_or_default();
    notices
        .iter()
        .find(|(k, _)| *k == ok)
        .map(|(_, v)| *v)
        .unwrap_or("")
}
