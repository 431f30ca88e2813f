//! 改地址: the receiver of an order, with province → city → district pickers from the
//! GB/T 2260 table. The pickers are rendered on the server: all provinces, the cities of
//! the chosen province, the districts of the chosen city. Choosing another province or
//! city and pressing 更新 sends the form by GET to draw the pickers again, with what was
//! typed kept — no script is needed. Saving checks the address and phone again; their
//! holds clear when the new address passes.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::ids::OrderId;
use jxc_core::orders::Receiver;
use jxc_core::orders::address::divisions::{self, Division};
use jxc_core::orders::address::{check, provinces};

use super::super::forms::{Sent, actor, err, form_status};
use super::super::list::ListUrl;
use super::super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;

/// An option of a picker.
struct Opt {
    value: String,
    selected: bool,
    /// A value the table does not know (shown as it was, so nothing is lost silently).
    unknown: bool,
}

fn opt(d: &Division, chosen: Option<Division>) -> Opt {
    Opt {
        value: d.name.to_string(),
        selected: chosen.is_some_and(|c| c.code == d.code),
        unknown: false,
    }
}

fn raw(value: &str) -> Opt {
    Opt {
        value: value.trim().to_string(),
        selected: true,
        unknown: true,
    }
}

/// The three pickers for `r`. A value the table does not know is kept as an extra,
/// selected option when `keep_unknown` (the stored address, or what was sent); after a
/// picker change it is dropped, since it belonged to the previous choice.
fn pickers(r: &Receiver, keep_unknown: bool) -> (Vec<Opt>, Vec<Opt>, Vec<Opt>) {
    let keep = |v: &str| keep_unknown && !v.trim().is_empty();
    let prov = divisions::province(&r.province);
    let mut ps: Vec<Opt> = provinces().iter().map(|p| opt(p, prov)).collect();
    if prov.is_none() && keep(&r.province) {
        ps.insert(0, raw(&r.province));
    }
    let mut cs = Vec::new();
    let mut ds = Vec::new();
    match prov {
        None => {
            if keep(&r.city) {
                cs.push(raw(&r.city));
            }
            if keep(&r.district) {
                ds.push(raw(&r.district));
            }
        }
        Some(p) if p.is_municipality() => {
            // The city is the municipality itself; its districts hang under grouping lines
            // (市辖区, 县), which mean nothing to people: one list of them all.
            cs.push(opt(&p, Some(p)));
            let chosen = divisions::district_in_province(p, &r.district);
            ds.extend(
                p.children()
                    .iter()
                    .flat_map(|g| g.children().iter())
                    .map(|d| opt(d, chosen)),
            );
            if chosen.is_none() && keep(&r.district) {
                ds.insert(0, raw(&r.district));
            }
        }
        Some(p) => {
            // Cities, and in their place the counties the province administers directly
            // (仙桃市 under 湖北省), which have no districts.
            let cities: Vec<Division> = p
                .children()
                .iter()
                .flat_map(|c| {
                    if c.is_grouping() {
                        c.children().to_vec()
                    } else {
                        vec![*c]
                    }
                })
                .collect();
            let direct = |name: &str| {
                p.children()
                    .iter()
                    .filter(|g| g.is_grouping())
                    .find_map(|g| divisions::district(*g, name))
            };
            let (city, district_taken) = match divisions::city(p, &r.city) {
                // `省直辖县级行政区划` in the city slot: the county is in the district slot.
                Some(g) if g.is_grouping() => (divisions::district(g, &r.district), true),
                Some(c) => (Some(c), false),
                None => (direct(&r.city), false),
            };
            cs.extend(cities.iter().map(|c| opt(c, city)));
            if city.is_none() && keep(&r.city) {
                cs.insert(0, raw(&r.city));
            }
            match city {
                Some(c) => {
                    let chosen = divisions::district(c, &r.district);
                    ds.extend(c.children().iter().map(|d| opt(d, chosen)));
                    if chosen.is_none() && !district_taken && keep(&r.district) {
                        ds.insert(0, raw(&r.district));
                    }
                }
                None => {
                    if keep(&r.district) {
                        ds.push(raw(&r.district));
                    }
                }
            }
        }
    }
    (ps, cs, ds)
}

#[derive(Template)]
#[template(path = "orders/address.html")]
struct AddressPage {
    ctx: Ctx,
    id: i64,
    platform_order_id: String,
    r: Receiver,
    provinces: Vec<Opt>,
    cities: Vec<Opt>,
    districts: Vec<Opt>,
    check_ok: bool,
    check_text: String,
    errors: FormErrors,
}

fn receiver_from(v: impl Fn(&str) -> String) -> Receiver {
    Receiver {
        name: v("name"),
        mobile: v("mobile"),
        phone: v("phone"),
        province: v("province"),
        city: v("city"),
        district: v("district"),
        town: v("town"),
        detail: v("detail"),
        zip: v("zip"),
    }
}

fn show(
    ctx: Ctx,
    id: i64,
    platform_order_id: String,
    r: Receiver,
    keep_unknown: bool,
    errors: FormErrors,
) -> Response {
    let (provinces, cities, districts) = pickers(&r, keep_unknown);
    // What the pickers will send: an unknown value dropped after a change.
    let shown = |opts: &[Opt]| {
        opts.iter()
            .find(|o| o.selected)
            .map(|o| o.value.clone())
            .unwrap_or_default()
    };
    let c = check(&shown(&provinces), &shown(&cities), &shown(&districts));
    let status = form_status(&errors);
    (
        status,
        render(&AddressPage {
            ctx,
            id,
            platform_order_id,
            r,
            provinces,
            cities,
            districts,
            check_ok: c.is_ok(),
            check_text: c.describe(),
            errors,
        }),
    )
        .into_response()
}

/// The form: the stored receiver, or what was typed when a picker was changed (`refresh`).
pub(super) async fn form(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let u = ListUrl::new(uri.path(), uri.query());
    if !u.get("_csrf").is_empty() {
        // The picker update sends the whole form by GET, token included: drop it from
        // the address bar (and the history) at once.
        let kept = ListUrl {
            path: u.path.clone(),
            params: u
                .params
                .iter()
                .filter(|(k, _)| k != "_csrf")
                .cloned()
                .collect(),
        };
        return Ok(see_other(&kept.first()));
    }
    let o = s
        .app
        .order(&ctx.user, OrderId(id))
        .await
        .map_err(err(&ctx, &uri))?;
    let refresh = !u.get("refresh").is_empty();
    let r = if refresh {
        receiver_from(|k| u.get(k).to_string())
    } else {
        o.order.receiver.clone()
    };
    Ok(show(
        ctx,
        id,
        o.order.platform_order_id,
        r,
        !refresh,
        FormErrors::default(),
    ))
}

/// Saves the receiver: back to the order, or the form with each error next to its field.
pub(super) async fn save(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let e = err(&ctx, &uri);
    let o = s.app.order(&ctx.user, OrderId(id)).await.map_err(&e)?;
    let sent = Sent(sent);
    let r = receiver_from(|k| sent.val(k));
    match s
        .app
        .edit_receiver(&ctx.user, OrderId(id), &r, &actor(&ctx))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/orders/{id}?ok=address"))),
        Err(x) => {
            let errors = FormErrors::from_app(x).map_err(&e)?;
            Ok(show(ctx, id, o.order.platform_order_id, r, true, errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receiver(p: &str, c: &str, d: &str) -> Receiver {
        Receiver {
            province: p.into(),
            city: c.into(),
            district: d.into(),
            ..Default::default()
        }
    }

    fn selected(opts: &[Opt]) -> Vec<&str> {
        opts.iter()
            .filter(|o| o.selected)
            .map(|o| o.value.as_str())
            .collect()
    }

    #[test]
    fn the_pickers_offer_the_cities_of_the_province_and_the_districts_of_the_city() {
        let (p, c, d) = pickers(&receiver("浙江", "杭州", "西湖区"), true);
        assert_eq!(selected(&p), ["浙江省"]);
        assert_eq!(selected(&c), ["杭州市"]);
        assert_eq!(selected(&d), ["西湖区"]);
        assert!(c.iter().any(|o| o.value == "宁波市"));
        assert!(d.iter().all(|o| o.value != "鄞州区"));
    }

    #[test]
    fn a_municipality_lists_all_its_districts_and_direct_counties_stand_as_cities() {
        let (_, c, d) = pickers(&receiver("上海", "上海市", "徐汇区"), true);
        assert_eq!(selected(&c), ["上海市"]);
        assert_eq!(selected(&d), ["徐汇区"]);
        assert!(d.iter().any(|o| o.value == "浦东新区"));
        let (_, c, d) = pickers(&receiver("湖北省", "仙桃市", ""), true);
        assert_eq!(selected(&c), ["仙桃市"]);
        assert!(d.is_empty());
    }

    #[test]
    fn an_unknown_value_is_kept_until_a_picker_changes() {
        let (_, c, _) = pickers(&receiver("江苏省", "杭州市", "西湖区"), true);
        assert_eq!(selected(&c), ["杭州市"]);
        assert!(c[0].unknown);
        let (_, c, d) = pickers(&receiver("江苏省", "杭州市", "西湖区"), false);
        assert!(selected(&c).is_empty() && d.is_empty());
    }
}
