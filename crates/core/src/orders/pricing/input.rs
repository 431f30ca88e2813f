//! What a person or the API sends to be priced ([`PricingInput`]: plain numbers, amounts
//! in 分), and the checked order it parses into ([`OrderToPrice`], made of the
//! [terms](super::terms)). Every bad field is
//! reported at once, named like `lines[2].qty` or `coupons[0].pay_bp`.

use serde::{Deserialize, Serialize};

use super::shipping::{ShippingInput, ShippingQuote};
use super::terms::{
    Coupon, CouponKind, Funder, Manjian, ManjianTier, OrderPercent, PayRate, Points, PricingLine,
};
use crate::error::Errors;
use crate::money::Fen;
use crate::{Error, FieldError, text};

/// The largest amount anywhere in an order to price (a price × qty, a threshold, a fee,
/// the order's goods): ¥10,000,000,000.00. Larger is refused, so no sum can overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// The largest quantity of one line.
pub const MAX_QTY: i64 = 1_000_000;
/// Orders with more lines are refused.
pub const MAX_LINES: usize = 1_000;
/// At most this many 满减 promotions, coupons, or tiers of one promotion.
pub const MAX_RULES: usize = 20;
/// The most points one order may offer.
pub const MAX_POINTS: i64 = 1_000_000_000_000_000;
/// The largest points-per-yuan rate.
pub const MAX_POINTS_PER_YUAN: i64 = 1_000_000;
/// The heaviest unit: 100 t.
pub const MAX_UNIT_WEIGHT_G: i64 = 100_000_000;

/// One line as sent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PricingLineInput {
    /// 单价, 分.
    pub unit_price: i64,
    pub qty: i64,
    /// 单品优惠 for the whole line (not per unit), 分. At most `unit_price × qty`.
    pub line_discount: i64,
    /// Who funds the line discount: `merchant` (default) or `platform`.
    pub line_discount_funder: String,
    /// Weight of one unit in grams, for shipping by weight. Omitted: 0.
    pub weight_g: Option<i64>,
}

/// One tier of a 满减: `threshold` reached (≥), `off` taken.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ManjianTierInput {
    pub threshold: i64,
    pub off: i64,
}

/// A 满减 promotion, e.g. 满200减30 / 满300减50, or 每满200减30 (`stackable`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ManjianInput {
    pub name: String,
    pub tiers: Vec<ManjianTierInput>,
    /// 每满: the highest tier reached is taken once per whole multiple of its threshold.
    pub stackable: bool,
    /// 封顶: the most this promotion takes off, 分.
    pub cap: Option<i64>,
    pub funder: String,
}

/// A coupon: give `off` (减 X 元) or `pay_bp` (打 Y 折), not both.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CouponInput {
    pub name: String,
    /// 满 X 可用, 分; 0 = 无门槛.
    pub threshold: i64,
    /// A fixed coupon: 分 off.
    pub off: Option<i64>,
    /// A percentage coupon: basis points the buyer pays (9 折 = 9000).
    pub pay_bp: Option<i64>,
    /// A percentage coupon's cap (最多减), 分.
    pub max_off: Option<i64>,
    pub funder: String,
}

/// A percentage off the whole order, e.g. 会员 95 折 (`pay_bp` 9500).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct OrderPercentInput {
    pub name: String,
    pub pay_bp: i64,
    pub funder: String,
}

/// 积分抵扣: `points` offered at `points_per_yuan` (100 = "100 积分抵 1 元").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PointsInput {
    pub points: i64,
    pub points_per_yuan: i64,
    pub funder: String,
}

/// An order to price, as a person or the API sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PricingInput {
    pub lines: Vec<PricingLineInput>,
    pub manjian: Vec<ManjianInput>,
    pub coupons: Vec<CouponInput>,
    pub order_percent: Option<OrderPercentInput>,
    pub points: Option<PointsInput>,
    pub shipping: Option<ShippingInput>,
}

/// An order ready to price: every field checked, every amount within [`MAX_AMOUNT`].
/// Built only by [`OrderToPrice::parse`]; priced by [`OrderToPrice::price`](super::OrderToPrice::price).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderToPrice {
    pub(super) lines: Vec<PricingLine>,
    pub(super) manjian: Vec<Manjian>,
    pub(super) coupons: Vec<Coupon>,
    pub(super) order_percent: Option<OrderPercent>,
    pub(super) points: Option<Points>,
    pub(super) shipping: Option<ShippingQuote>,
}

fn amount(field: &str, v: i64, what: &str) -> Result<Fen, FieldError> {
    if v < 0 {
        Err(FieldError::new(
            field,
            format!("{what}不能为负数 / must not be negative"),
        ))
    } else if v > MAX_AMOUNT {
        Err(FieldError::new(
            field,
            format!(
                "{what}太大，最多 {} 元 / too large",
                Fen(MAX_AMOUNT).to_yuan_grouped()
            ),
        ))
    } else {
        Ok(Fen(v))
    }
}

fn positive_amount(field: &str, v: i64, what: &str) -> Result<Fen, FieldError> {
    match amount(field, v, what)? {
        Fen(0) => Err(FieldError::new(
            field,
            format!("{what}必须大于 0 / must be positive"),
        )),
        f => Ok(f),
    }
}

/// A cap: absent, or > 0 (0 is refused, not read as "none").
fn cap(field: &str, v: Option<i64>) -> Result<Option<Fen>, FieldError> {
    v.map(|c| {
        positive_amount(field, c, "封顶").map_err(|e| {
            FieldError::new(
                e.field,
                format!("{}；不封顶请留空 / leave it out for no cap", e.reason),
            )
        })
    })
    .transpose()
}

fn too_many(e: &mut Errors, field: &str, n: usize, max: usize) -> bool {
    if n > max {
        e.push(field, format!("最多 {max} 项 / at most {max}"));
        true
    } else {
        false
    }
}

impl OrderToPrice {
    /// Checks an input, reporting every bad field at once.
    pub fn parse(input: &PricingInput) -> Result<OrderToPrice, Error> {
        let mut e = Errors::default();
        let lines = parse_lines(&input.lines, &mut e);

        let mut manjian = Vec::new();
        if !too_many(&mut e, "manjian", input.manjian.len(), MAX_RULES) {
            for (n, m) in input.manjian.iter().enumerate() {
                if let Some(m) = parse_manjian(&format!("manjian[{n}]"), m, &mut e) {
                    manjian.push(m);
                }
            }
        }

        let mut coupons = Vec::new();
        if !too_many(&mut e, "coupons", input.coupons.len(), MAX_RULES) {
            for (n, c) in input.coupons.iter().enumerate() {
                if let Some(c) = parse_coupon(&format!("coupons[{n}]"), c, &mut e) {
                    coupons.push(c);
                }
            }
        }

        let order_percent = input.order_percent.as_ref().and_then(|o| {
            let name = e.take(text::optional("order_percent.name", &o.name, 100));
            let pay = e.take(PayRate::parse("order_percent.pay_bp", o.pay_bp));
            let funder = e.take(Funder::parse("order_percent.funder", &o.funder));
            Some(OrderPercent {
                name: name?,
                pay: pay?,
                funder: funder?,
            })
        });

        let points = input.points.as_ref().and_then(|p| {
            let offered = if (0..=MAX_POINTS).contains(&p.points) {
                Some(p.points)
            } else {
                e.push(
                    "points.points",
                    format!("积分须在 0–{MAX_POINTS} 之间 / points out of range"),
                );
                None
            };
            let per_yuan = if (1..=MAX_POINTS_PER_YUAN).contains(&p.points_per_yuan) {
                Some(p.points_per_yuan)
            } else {
                e.push(
                    "points.points_per_yuan",
                    format!(
                        "每元积分须在 1–{MAX_POINTS_PER_YUAN} 之间 (100 = 100 积分抵 1 元) / points per yuan out of range"
                    ),
                );
                None
            };
            let funder = e.take(Funder::parse("points.funder", &p.funder));
            Some(Points {
                offered: offered?,
                per_yuan: per_yuan?,
                funder: funder?,
            })
        });

        // The fee depends on the order's weight, known only when every line parsed.
        let weight_g = lines.as_ref().map(|ls| {
            ls.iter()
                .map(|l| l.weight_g as i128 * l.qty as i128)
                .sum::<i128>()
        });
        let shipping = input
            .shipping
            .as_ref()
            .and_then(|s| ShippingQuote::parse("shipping", s, weight_g, &mut e));

        e.into_result()?;
        match (lines, input.shipping.is_some(), shipping) {
            (Some(lines), has_shipping, shipping) if has_shipping == shipping.is_some() => {
                Ok(OrderToPrice {
                    lines,
                    manjian,
                    coupons,
                    order_percent,
                    points,
                    shipping,
                })
            }
            _ => Err(Error::field("lines", "无法计价 / cannot be priced")),
        }
    }

    pub fn lines(&self) -> &[PricingLine] {
        &self.lines
    }
    pub fn manjian(&self) -> &[Manjian] {
        &self.manjian
    }
    pub fn coupons(&self) -> &[Coupon] {
        &self.coupons
    }
    pub fn order_percent(&self) -> Option<&OrderPercent> {
        self.order_percent.as_ref()
    }
    pub fn points(&self) -> Option<&Points> {
        self.points.as_ref()
    }
    pub fn shipping(&self) -> Option<&ShippingQuote> {
        self.shipping.as_ref()
    }
}

/// The lines, or `None` when any is bad (the errors are in `e`).
fn parse_lines(input: &[PricingLineInput], e: &mut Errors) -> Option<Vec<PricingLine>> {
    if input.is_empty() {
        e.push(
            "lines",
            "订单至少要有一行 / an order needs at least one line",
        );
        return None;
    }
    if too_many(e, "lines", input.len(), MAX_LINES) {
        return None;
    }
    let mut lines = Vec::with_capacity(input.len());
    let mut ok = true;
    let mut goods: i128 = 0;
    for (n, l) in input.iter().enumerate() {
        let f = |name: &str| format!("lines[{n}].{name}");
        let price = e.take(amount(&f("unit_price"), l.unit_price, "单价"));
        let qty = if l.qty <= 0 {
            e.push(f("qty"), "数量必须大于 0 / quantity must be positive");
            None
        } else if l.qty > MAX_QTY {
            e.push(f("qty"), format!("数量最多 {MAX_QTY} / at most {MAX_QTY}"));
            None
        } else {
            Some(l.qty)
        };
        let discount = e.take(amount(&f("line_discount"), l.line_discount, "单品优惠"));
        let funder = e.take(Funder::parse(
            &f("line_discount_funder"),
            &l.line_discount_funder,
        ));
        let weight_g = match l.weight_g.unwrap_or(0) {
            w if (0..=MAX_UNIT_WEIGHT_G).contains(&w) => Some(w),
            _ => {
                e.push(
                    f("weight_g"),
                    format!("重量须在 0–{MAX_UNIT_WEIGHT_G} 克之间 / weight out of range"),
                );
                None
            }
        };
        let gross = match (price, qty) {
            (Some(p), Some(q)) => match p.0 as i128 * q as i128 {
                g if g > MAX_AMOUNT as i128 => {
                    e.push(f("qty"), "单价 × 数量太大 / price × quantity too large");
                    None
                }
                g => Some(Fen(g as i64)),
            },
            _ => None,
        };
        if let (Some(g), Some(d)) = (gross, discount) {
            if d > g {
                e.push(
                    f("line_discount"),
                    format!("单品优惠 {d} 超过单价 × 数量 {g} / more than price × quantity"),
                );
                ok = false;
            }
        }
        match (price, qty, gross, discount, funder, weight_g) {
            (Some(unit_price), Some(qty), Some(gross), Some(line_discount), Some(f), Some(w)) => {
                goods += gross.0 as i128;
                lines.push(PricingLine {
                    unit_price,
                    qty,
                    gross,
                    line_discount,
                    line_discount_funder: f,
                    weight_g: w,
                })
            }
            _ => ok = false,
        }
    }
    if goods > MAX_AMOUNT as i128 {
        e.push(
            "lines",
            format!(
                "订单金额太大，最多 {} 元 / order total too large",
                Fen(MAX_AMOUNT).to_yuan_grouped()
            ),
        );
        ok = false;
    }
    ok.then_some(lines)
}

fn parse_manjian(field: &str, m: &ManjianInput, e: &mut Errors) -> Option<Manjian> {
    let name = e.take(text::optional(&format!("{field}.name"), &m.name, 100));
    let funder = e.take(Funder::parse(&format!("{field}.funder"), &m.funder));
    let cap = e.take(cap(&format!("{field}.cap"), m.cap));
    let mut tiers = Vec::new();
    let mut ok = true;
    if m.tiers.is_empty() {
        e.push(
            format!("{field}.tiers"),
            "满减至少要有一档 / a 满减 needs at least one tier",
        );
        ok = false;
    }
    if too_many(e, &format!("{field}.tiers"), m.tiers.len(), MAX_RULES) {
        return None;
    }
    for (n, t) in m.tiers.iter().enumerate() {
        let f = |name: &str| format!("{field}.tiers[{n}].{name}");
        let threshold = e.take(positive_amount(&f("threshold"), t.threshold, "门槛"));
        let off = e.take(positive_amount(&f("off"), t.off, "优惠"));
        match (threshold, off) {
            (Some(th), Some(off)) if off > th => {
                e.push(
                    f("off"),
                    "减的金额不能超过门槛 / off must not exceed the threshold",
                );
                ok = false;
            }
            (Some(th), Some(_)) if tiers.iter().any(|x: &ManjianTier| x.threshold == th) => {
                e.push(
                    f("threshold"),
                    format!("门槛 {th} 重复 / the same threshold twice"),
                );
                ok = false;
            }
            (Some(threshold), Some(off)) => tiers.push(ManjianTier { threshold, off }),
            _ => ok = false,
        }
    }
    tiers.sort_by_key(|t| t.threshold);
    if !ok {
        return None;
    }
    Some(Manjian {
        name: name?,
        tiers,
        stackable: m.stackable,
        cap: cap?,
        funder: funder?,
    })
}

fn parse_coupon(field: &str, c: &CouponInput, e: &mut Errors) -> Option<Coupon> {
    let f = |name: &str| format!("{field}.{name}");
    let name = e.take(text::optional(&f("name"), &c.name, 100));
    let threshold = e.take(amount(&f("threshold"), c.threshold, "门槛"));
    let funder = e.take(Funder::parse(&f("funder"), &c.funder));
    let kind = match (c.off, c.pay_bp) {
        (Some(_), Some(_)) => {
            e.push(
                f("pay_bp"),
                "off 与 pay_bp 只能填一个 / give off or pay_bp, not both",
            );
            None
        }
        (None, None) => {
            e.push(
                field,
                "须填 off (减 X 分) 或 pay_bp (折扣，万分之) / give off or pay_bp",
            );
            None
        }
        (Some(off), None) => {
            if c.max_off.is_some() {
                e.push(
                    f("max_off"),
                    "只有折扣券可以封顶 / only a percentage coupon has a cap",
                );
            }
            e.take(positive_amount(&f("off"), off, "优惠"))
                .map(|off| CouponKind::Fixed { off })
        }
        (None, Some(bp)) => {
            let pay = e.take(PayRate::parse(&f("pay_bp"), bp));
            let max_off = e.take(cap(&f("max_off"), c.max_off));
            Some(CouponKind::Percent {
                pay: pay?,
                max_off: max_off?,
            })
        }
    };
    Some(Coupon {
        name: name?,
        threshold: threshold?,
        kind: kind?,
        funder: funder?,
    })
}
