//! 手工订单: enter an order, see its price worked out (满减, coupon, points, shipping, each
//! split over the lines to the fen), then create it.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_app::orders_manual::{ManualLine, ManualOrderInput};
use jxc_core::money::Fen;
use jxc_core::orders::Receiver;
use jxc_core::orders::pricing::{
    CouponInput, ManjianInput, ManjianTierInput, PointsInput, PricingInput, ShippingInput,
    ShippingRuleInput,
};

use super::super::forms::{actor, err, form_status};
use super::super::{Ctx, FormErrors, PageError, render, see_other};
use super::{ShopOption, visible_shops};
use crate::AppState;

/// How many line rows the form offers.
const ROWS: usize = 5;

struct PricedRow {
    title: String,
    qty: i64,
    gross: String,
    discounts: String,
    paid: String,
    shipping: String,
}

#[derive(Template)]
#[template(path = "orders/manual.html")]
struct ManualPage {
    ctx: Ctx,
    shops: Vec<ShopOption>,
    v: HashMap<String, String>,
    rows: Vec<usize>,
    priced: Vec<PricedRow>,
    totals: Vec<(&'static str, String)>,
    errors: FormErrors,
}

impl ManualPage {
    fn val(&self, k: &str) -> String {
        self.v.get(k).cloned().unwrap_or_default()
    }
    fn line(&self, k: &str, i: &usize) -> String {
        self.val(&format!("{k}_{i}"))
    }
}

fn yuan(e: &mut jxc_core::error::Errors, field: &str, v: Option<&String>) -> Option<i64> {
    let v = v.map(|s| s.trim()).unwrap_or("");
    if v.is_empty() {
        None
    } else {
        e.take(Fen::parse_yuan(field, v)).map(|f| f.0)
    }
}

/// The form as the app's input; bad numbers are field errors.
fn input_of(v: &HashMap<String, String>) -> Result<ManualOrderInput, jxc_app::Error> {
    let mut e = jxc_core::error::Errors::default();
    let get = |k: &str| v.get(k).cloned().unwrap_or_default();
    let mut lines = Vec::new();
    for i in 1..=ROWS {
        let code = get(&format!("code_{i}"));
        if code.trim().is_empty() {
            continue;
        }
        let qty = e
            .take(jxc_core::text::integer(
                &format!("lines[{}].qty", lines.len()),
                &get(&format!("qty_{i}")),
            ))
            .unwrap_or(0);
        let unit_price = yuan(
            &mut e,
            &format!("lines[{}].unit_price", lines.len()),
            v.get(&format!("price_{i}")),
        );
        lines.push(ManualLine {
            code,
            qty,
            unit_price,
            line_discount: 0,
        });
    }
    let mut pricing = PricingInput::default();
    if let (Some(threshold), Some(off)) = (
        yuan(&mut e, "manjian_threshold", v.get("manjian_threshold")),
        yuan(&mut e, "manjian_off", v.get("manjian_off")),
    ) {
        pricing.manjian.push(ManjianInput {
            name: "满减".into(),
            tiers: vec![ManjianTierInput { threshold, off }],
            ..Default::default()
        });
    }
    if let Some(off) = yuan(&mut e, "coupon_off", v.get("coupon_off")) {
        pricing.coupons.push(CouponInput {
            name: "优惠券".into(),
            threshold: yuan(&mut e, "coupon_threshold", v.get("coupon_threshold")).unwrap_or(0),
            off: Some(off),
            ..Default::default()
        });
    }
    let points = get("points");
    if !points.trim().is_empty()
        && let Some(p) = e.take(jxc_core::text::integer("points", &points))
    {
        pricing.points = Some(PointsInput {
            points: p,
            points_per_yuan: 100,
            ..Default::default()
        });
    }
    if let Some(fee) = yuan(&mut e, "shipping", v.get("shipping")) {
        pricing.shipping = Some(ShippingInput {
            default: ShippingRuleInput {
                flat_fee: Some(fee),
                ..Default::default()
            },
            ..Default::default()
        });
    }
    let shop_id = e
        .take(jxc_core::text::integer("shop_id", &get("shop_id")))
        .unwrap_or(0);
    e.into_result()?;
    Ok(ManualOrderInput {
        shop_id,
        buyer_nick: get("buyer_nick"),
        receiver: Receiver {
            name: get("name"),
            mobile: get("mobile"),
            province: get("province"),
            city: get("city"),
            district: get("district"),
            detail: get("detail"),
            ..Default::default()
        },
        buyer_message: get("buyer_message"),
        lines,
        pricing,
    })
}

async fn show(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    v: HashMap<String, String>,
    priced: Option<jxc_app::orders_manual::ManualPrice>,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let shops = visible_shops(s, &ctx).await.map_err(err(&ctx, uri))?;
    let (priced, totals) = match priced {
        Some(p) => {
            let rows = p
                .priced
                .lines
                .iter()
                .zip(&p.titles)
                .map(|(l, t)| PricedRow {
                    title: t.clone(),
                    qty: l.qty,
                    gross: l.gross.to_yuan_grouped(),
                    discounts: Fen(l.line_discount.0 + l.discount_shares().0 + l.points_share.0)
                        .to_yuan_grouped(),
                    paid: l.paid.to_yuan_grouped(),
                    shipping: l.shipping_share.to_yuan_grouped(),
                })
                .collect();
            let o = &p.priced;
            let totals = vec![
                ("orders.goods_amount", o.goods.to_yuan_grouped()),
                (
                    "orders.manual.discounts",
                    o.discounts_total.to_yuan_grouped(),
                ),
                ("orders.points", o.points_value.to_yuan_grouped()),
                ("orders.shipping_fee", o.shipping.to_yuan_grouped()),
                ("orders.paid", o.paid.to_yuan_grouped()),
            ];
            (rows, totals)
        }
        None => (vec![], vec![]),
    };
    let status = form_status(&errors);
    Ok((
        status,
        render(&ManualPage {
            ctx,
            shops,
            v,
            rows: (1..=ROWS).collect(),
            priced,
            totals,
            errors,
        }),
    )
        .into_response())
}

pub(super) async fn form(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let v = HashMap::from([("qty_1".to_string(), "1".to_string())]);
    show(&s, ctx, &uri, v, None, FormErrors::default()).await
}

/// `preview` works the price out; `create` saves the order.
pub(super) async fn submit(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(v): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let creating = v.contains_key("create");
    let result = async {
        let input = input_of(&v)?;
        if creating {
            let id = s
                .app
                .create_manual_order(&ctx.user, &input, &actor(&ctx))
                .await?;
            Ok::<_, jxc_app::Error>((Some(id), None))
        } else {
            Ok((None, Some(s.app.price_manual(&input).await?)))
        }
    }
    .await;
    match result {
        Ok((Some(id), _)) => Ok(see_other(&format!("/orders/{id}"))),
        Ok((None, priced)) => show(&s, ctx, &uri, v, priced, FormErrors::default()).await,
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            show(&s, ctx, &uri, v, None, errors).await
        }
    }
}
