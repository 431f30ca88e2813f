//! 订单计价与分摊: how an order the merchant prices itself (a manual order, or a check of a
//! platform's figures) is priced, and how every order-level amount is split over its lines.
//!
//! All amounts are integer 分 ([`Fen`]); percentages are integer basis points
//! ([`PayRate`]); there is no float anywhere. Every split is
//! [`split_largest_remainder`], so the lines add up to the order exactly, to the 分.
//!
//! # Order of application
//!
//! 1. **Line discounts** (单品优惠), given per line as a total. The line's `subtotal` is
//!    `gross − line discount`; the order's `subtotal` is their sum. Every threshold
//!    (满减 tiers, coupon 门槛) is checked against this order subtotal, so one discount
//!    never makes another one unreachable.
//! 2. **满减** promotions, in the order given. The highest tier reached applies; a
//!    `stackable` one (每满200减30) takes its highest reached tier once per whole multiple
//!    of its threshold; then its cap.
//! 3. **Coupons**: fixed coupons (减 X 元) first, then percentage coupons (打 Y 折), each
//!    kind in the order given. A coupon applies when the order subtotal reaches its
//!    threshold. A percentage coupon takes its rate of what is still to pay at that
//!    point, then its cap (`max_off`). Fixed before percentage means the percentage is
//!    never taken on an amount a fixed coupon has already removed, and the price does
//!    not depend on whether the fixed or the percentage coupon was listed first.
//! 4. **Order percentage** (会员 95 折): its rate of what is still to pay.
//! 5. **Points** (积分): pay for goods only, never more than is left; their value is
//!    rounded **down** to the 分 and only the points needed for that value are used (see
//!    [`Points::redeem`]). Points are a way of paying, not a discount: they are reported
//!    apart (`points_value`), like the platforms do.
//! 6. **Shipping** from the order's weight and the province's rule; free when the goods
//!    amount after discounts (before points) reaches the rule's 包邮门槛.
//!
//! This is the usual merchant order: the shop's own promotions first, then coupons the
//! buyer holds, then membership, then what the buyer pays with (points, cash).
//!
//! Percentages are rounded to the nearest 分, half away from zero ([`round_div`]).
//!
//! # Caps: nothing goes negative
//!
//! Each order-level discount takes `min(what its rule gives, what is still to pay)`:
//! a discount larger than what is left takes only what is left, and the ones after it
//! take nothing. [`AppliedDiscount`] keeps both figures (`nominal` and `amount`). Points
//! are capped the same way. A line discount larger than its line is refused at input.
//!
//! # Splitting over lines
//!
//! Each order-level amount is split over the lines by largest remainder, in the order of
//! application. The weights are each line's amount after its line discount, less the
//! shares it has already taken in the steps before — for the first step exactly its
//! subtotal. Splitting on what is left of each line (rather than always on the subtotal)
//! is what guarantees that no line's share ever exceeds what is left of it, so no line
//! goes below zero even when discounts take the whole order. It costs only rounding:
//! after k steps, a line's total of shares is within k 分 of its exact share of the
//! subtotal (each step adds less than a 分 of error and scales down the error before
//! it; `tests/pricing_properties.rs` checks this). A line whose amount is
//! zero (a free gift) takes no share of anything. Shipping is split on the subtotals
//! (equally if every line is zero, so the fee still adds up).
//!
//! A line's `paid` is what the buyer paid for its goods (as a platform's line amount):
//! `subtotal − its discount shares − its points share`. Shipping is apart:
//! Σ line `paid` = `goods_paid`, and `paid` = `goods_paid + shipping`, which is exactly
//! what [`check_platform_amounts`] checks for a platform order.
//!
//! # Who funds what
//!
//! Every discount source carries a [`Funder`]: the line discount, each 满减, each coupon,
//! the order percentage, and the points. [`PricedOrder::funded_by`] gives what the
//! merchant (for margin) or the platform (for the settlement) bears.
//!
//! # Refunds
//!
//! [`refund_share`] gives back a line's `paid` by quantity, by largest remainder;
//! [`refund_share_after`] does the same for a later return, given the units already
//! returned. Returning every unit, at once, one by one or in any batches, gives back
//! exactly the line's `paid` (shipping is not part of it).

mod input;
mod refund;
mod shipping;
mod terms;

#[cfg(test)]
mod tests;

use serde::Serialize;

pub use input::{
    CouponInput, MAX_AMOUNT, MAX_LINES, MAX_POINTS, MAX_POINTS_PER_YUAN, MAX_QTY, MAX_RULES,
    MAX_UNIT_WEIGHT_G, ManjianInput, ManjianTierInput, OrderPercentInput, OrderToPrice,
    PointsInput, PricingInput, PricingLineInput,
};
pub use refund::{Mismatch, check_platform_amounts, refund_share, refund_share_after};
pub use shipping::{
    ProvinceShippingInput, ShippingFee, ShippingInput, ShippingQuote, ShippingRule,
    ShippingRuleInput, province_key,
};
pub use terms::{
    Coupon, CouponKind, Funder, Manjian, ManjianTier, OrderPercent, PayRate, Points, PricingLine,
};

use crate::Error;
#[cfg(doc)]
use crate::money::round_div;
use crate::money::{Fen, split_largest_remainder};

/// The kinds of order-level discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// 满减
    Manjian,
    /// 优惠券
    Coupon,
    /// 整单折扣 (会员折扣)
    OrderPercent,
}

impl DiscountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscountKind::Manjian => "manjian",
            DiscountKind::Coupon => "coupon",
            DiscountKind::OrderPercent => "order_percent",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            DiscountKind::Manjian => "满减",
            DiscountKind::Coupon => "优惠券",
            DiscountKind::OrderPercent => "整单折扣",
        }
    }
}

/// Which input a discount came from: its kind and its index in that input list
/// (`manjian[i]`, `coupons[i]`; 0 for the order percentage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountSource {
    pub kind: DiscountKind,
    pub index: usize,
}

/// One order-level discount as applied. Every source given appears, in the order of
/// application, with 0 when its threshold was not reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppliedDiscount {
    pub source: DiscountSource,
    pub name: String,
    pub funder: Funder,
    /// Whether its threshold (or a tier) was reached.
    pub reached: bool,
    /// What its rule gives on its own (0 when not reached).
    pub nominal: Fen,
    /// What it took: `nominal` capped by what was still to pay. Σ line shares = this.
    pub amount: Fen,
}

/// A line's share of one order-level discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscountShare {
    pub source: DiscountSource,
    pub funder: Funder,
    pub amount: Fen,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedLine {
    pub unit_price: Fen,
    pub qty: i64,
    /// `unit_price × qty`.
    pub gross: Fen,
    pub line_discount: Fen,
    pub line_discount_funder: Funder,
    /// `gross − line_discount`: the line's weight in every split.
    pub subtotal: Fen,
    /// Its share of each order-level discount, in the order of [`PricedOrder::discounts`].
    pub discounts: Vec<DiscountShare>,
    pub points_share: Fen,
    /// What the buyer paid for the goods of this line (shipping excluded):
    /// `subtotal − Σ discounts − points_share`.
    pub paid: Fen,
    pub shipping_share: Fen,
}

impl PricedLine {
    /// Σ of its order-level discount shares.
    pub fn discount_shares(&self) -> Fen {
        Fen(self.discounts.iter().map(|d| d.amount.0).sum())
    }
}

/// A priced order: its lines and totals. Every total is the sum of the lines' figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    /// Σ `unit_price × qty`.
    pub goods: Fen,
    /// Σ line discounts.
    pub line_discounts: Fen,
    /// `goods − line_discounts`: what every threshold is checked against.
    pub subtotal: Fen,
    /// The order-level discounts, in the order applied.
    pub discounts: Vec<AppliedDiscount>,
    /// Σ `discounts[].amount`.
    pub discounts_total: Fen,
    /// `subtotal − discounts_total`: the goods after discounts, what 包邮 is checked on.
    pub after_discounts: Fen,
    pub points_used: i64,
    pub points_value: Fen,
    pub points_funder: Funder,
    /// `after_discounts − points_value` = Σ line `paid`.
    pub goods_paid: Fen,
    /// Σ unit weight × qty, g.
    pub weight_g: i64,
    /// The shipping rule's fee before 包邮 (0 without a template).
    pub shipping_fee: Fen,
    /// What the buyer pays for shipping: `shipping_fee`, or 0 from the 包邮门槛 on.
    pub shipping: Fen,
    /// What the buyer pays in all: `goods_paid + shipping`.
    pub paid: Fen,
}

impl PricedOrder {
    /// What `funder` bears in this order: its line discounts, its order-level discounts
    /// and, when it funds the points, the points' value.
    pub fn funded_by(&self, funder: Funder) -> Fen {
        Fen((0..self.lines.len())
            .map(|i| self.line_funded_by(i, funder).0)
            .sum())
    }

    /// The same for one line (0 for an index out of range).
    pub fn line_funded_by(&self, line: usize, funder: Funder) -> Fen {
        let Some(l) = self.lines.get(line) else {
            return Fen::ZERO;
        };
        let mut sum = l
            .discounts
            .iter()
            .filter(|d| d.funder == funder)
            .map(|d| d.amount.0)
            .sum::<i64>();
        if l.line_discount_funder == funder {
            sum += l.line_discount.0;
        }
        if self.points_funder == funder {
            sum += l.points_share.0;
        }
        Fen(sum)
    }
}

/// Parses and prices an input in one go.
pub fn price(input: &PricingInput) -> Result<PricedOrder, Error> {
    Ok(OrderToPrice::parse(input)?.price())
}

/// What is left to pay of each line while the steps are applied.
struct Split {
    left: Vec<i64>,
}

impl Split {
    fn total(&self) -> i64 {
        self.left.iter().sum()
    }
    /// Takes `min(amount, what is left)` off the lines, in proportion to what is left of
    /// each, and gives each line's part.
    fn take(&mut self, amount: Fen) -> (Fen, Vec<i64>) {
        let amount = amount.0.clamp(0, self.total());
        let parts = split_largest_remainder(amount, &self.left);
        for (l, p) in self.left.iter_mut().zip(&parts) {
            *l -= p;
        }
        (Fen(amount), parts)
    }
}

impl OrderToPrice {
    /// Prices the order (see the module documentation for the rules). Cannot fail: every
    /// amount was bounded by [`OrderToPrice::parse`].
    pub fn price(&self) -> PricedOrder {
        let subtotals: Vec<i64> = self
            .lines
            .iter()
            .map(|l| l.gross.0 - l.line_discount.0)
            .collect();
        let subtotal = Fen(subtotals.iter().sum());
        let mut split = Split {
            left: subtotals.clone(),
        };
        let mut discounts = Vec::new();
        let mut shares: Vec<Vec<DiscountShare>> = vec![Vec::new(); self.lines.len()];
        let mut apply = |split: &mut Split,
                         kind: DiscountKind,
                         index: usize,
                         name: &str,
                         funder: Funder,
                         nominal: Option<Fen>| {
            let (amount, parts) = split.take(nominal.unwrap_or(Fen::ZERO));
            let source = DiscountSource { kind, index };
            for (line, p) in shares.iter_mut().zip(parts) {
                line.push(DiscountShare {
                    source,
                    funder,
                    amount: Fen(p),
                });
            }
            discounts.push(AppliedDiscount {
                source,
                name: name.to_string(),
                funder,
                reached: nominal.is_some(),
                nominal: nominal.unwrap_or(Fen::ZERO),
                amount,
            });
        };

        for (i, m) in self.manjian.iter().enumerate() {
            let off = m.off_for(subtotal);
            apply(&mut split, DiscountKind::Manjian, i, &m.name, m.funder, off);
        }
        let fixed_first = |fixed: bool| {
            self.coupons
                .iter()
                .enumerate()
                .filter(move |(_, c)| matches!(c.kind, CouponKind::Fixed { .. }) == fixed)
        };
        for (i, c) in fixed_first(true).chain(fixed_first(false)) {
            let off = c.reached(subtotal).then(|| c.off_for(Fen(split.total())));
            apply(&mut split, DiscountKind::Coupon, i, &c.name, c.funder, off);
        }
        if let Some(o) = &self.order_percent {
            let off = o.pay.discount_on(Fen(split.total()));
            apply(
                &mut split,
                DiscountKind::OrderPercent,
                0,
                &o.name,
                o.funder,
                Some(off),
            );
        }

        let after_discounts = Fen(split.total());
        let (points_used, points_value, points_parts, points_funder) = match &self.points {
            Some(p) => {
                let (used, value) = p.redeem(after_discounts);
                let (value, parts) = split.take(value);
                (used, value, parts, p.funder)
            }
            None => (0, Fen::ZERO, vec![0; self.lines.len()], Funder::Merchant),
        };

        let (weight_g, shipping_fee, shipping) = match &self.shipping {
            Some(q) => (q.weight_g, q.fee, q.charge(after_discounts)),
            None => (0, Fen::ZERO, Fen::ZERO),
        };
        let shipping_parts = split_largest_remainder(shipping.0, &subtotals);

        let lines: Vec<PricedLine> = self
            .lines
            .iter()
            .zip(shares)
            .enumerate()
            .map(|(i, (l, discounts))| PricedLine {
                unit_price: l.unit_price,
                qty: l.qty,
                gross: l.gross,
                line_discount: l.line_discount,
                line_discount_funder: l.line_discount_funder,
                subtotal: Fen(subtotals[i]),
                discounts,
                points_share: Fen(points_parts[i]),
                paid: Fen(split.left[i]),
                shipping_share: Fen(shipping_parts[i]),
            })
            .collect();
        let goods = Fen(lines.iter().map(|l| l.gross.0).sum());
        let line_discounts = Fen(lines.iter().map(|l| l.line_discount.0).sum());
        let discounts_total = Fen(discounts.iter().map(|d| d.amount.0).sum());
        let goods_paid = Fen(split.total());
        PricedOrder {
            lines,
            goods,
            line_discounts,
            subtotal,
            discounts,
            discounts_total,
            after_discounts,
            points_used,
            points_value,
            points_funder,
            goods_paid,
            weight_g,
            shipping_fee,
            shipping,
            paid: Fen(goods_paid.0 + shipping.0),
        }
    }
}
