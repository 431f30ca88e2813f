//! The checked terms of an order to price and their rules: who funds a discount
//! ([`Funder`]), rates in basis points ([`PayRate`]), 满减 tiers ([`Manjian::off_for`]),
//! coupons ([`Coupon::off_for`]) and points ([`Points::redeem`]).

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::money::{Fen, round_div};

/// Who pays for a discount: finance needs "the discounts the merchant funded" for margin,
/// and the platform pays its share back in the settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Funder {
    /// 商家承担
    #[default]
    Merchant,
    /// 平台承担 (平台券, 跨店满减, 平台积分)
    Platform,
}

impl Funder {
    pub const ALL: [Funder; 2] = [Funder::Merchant, Funder::Platform];

    pub fn as_str(self) -> &'static str {
        match self {
            Funder::Merchant => "merchant",
            Funder::Platform => "platform",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Funder::Merchant => "商家承担",
            Funder::Platform => "平台承担",
        }
    }

    /// Accepts the code names and Chinese labels; empty means the merchant.
    pub fn parse(field: &str, s: &str) -> Result<Funder, FieldError> {
        match s.trim() {
            "" | "merchant" | "商家" | "店铺" | "商家承担" => Ok(Funder::Merchant),
            "platform" | "平台" | "平台承担" => Ok(Funder::Platform),
            other => Err(FieldError::new(
                field,
                format!(
                    "未知的出资方 “{other}”，可用：merchant 商家 / platform 平台 / unknown funder"
                ),
            )),
        }
    }
}

/// What the buyer pays, in basis points (万分之) of the amount: 9 折 = 9000, 95 折 = 9500,
/// 8.8 折 = 8800. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PayRate(i64);

impl PayRate {
    pub const FULL: PayRate = PayRate(10_000);

    pub fn parse(field: &str, bp: i64) -> Result<PayRate, FieldError> {
        if (0..=10_000).contains(&bp) {
            Ok(PayRate(bp))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "折扣 {bp} 超出范围：须为 0–10000 (万分之，9 折 = 9000) / out of range: 0–10000 basis points paid"
                ),
            ))
        }
    }

    pub fn bp(self) -> i64 {
        self.0
    }

    /// The discount this rate gives on `base`: `base × (10000 − bp) / 10000`, rounded to the
    /// nearest 分 (half away from zero). Never more than `base` when `base ≥ 0`.
    pub fn discount_on(self, base: Fen) -> Fen {
        let off = round_div(base.0 as i128 * (10_000 - self.0) as i128, 10_000);
        Fen(off as i64)
    }
}

/// A checked line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PricingLine {
    pub unit_price: Fen,
    pub qty: i64,
    /// `unit_price × qty`.
    pub gross: Fen,
    pub line_discount: Fen,
    pub line_discount_funder: Funder,
    /// Grams per unit (0 when not given).
    pub weight_g: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ManjianTier {
    pub threshold: Fen,
    pub off: Fen,
}

/// A checked 满减: tiers sorted by threshold, thresholds distinct and > 0, `off ≤ threshold`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manjian {
    pub name: String,
    pub tiers: Vec<ManjianTier>,
    pub stackable: bool,
    pub cap: Option<Fen>,
    pub funder: Funder,
}

impl Manjian {
    /// What this promotion takes off `subtotal` (before the cap by what is left to pay),
    /// or `None` when no tier is reached. The highest tier reached applies; stackable, it
    /// applies once per whole multiple of its threshold; then the cap.
    pub fn off_for(&self, subtotal: Fen) -> Option<Fen> {
        let tier = self.tiers.iter().rev().find(|t| subtotal >= t.threshold)?;
        let times = if self.stackable {
            subtotal.0 as i128 / tier.threshold.0 as i128
        } else {
            1
        };
        // off ≤ threshold, so off × times ≤ subtotal: it fits.
        let mut off = (tier.off.0 as i128 * times).min(i64::MAX as i128) as i64;
        if let Some(cap) = self.cap {
            off = off.min(cap.0);
        }
        Some(Fen(off))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CouponKind {
    /// 减 X 元.
    Fixed { off: Fen },
    /// 打 Y 折 on what is left to pay when it applies, optionally capped.
    Percent { pay: PayRate, max_off: Option<Fen> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coupon {
    pub name: String,
    /// 满 X 可用, on the goods after line discounts.
    pub threshold: Fen,
    pub kind: CouponKind,
    pub funder: Funder,
}

impl Coupon {
    /// Whether the coupon may be used on an order whose goods after line discounts are
    /// `subtotal`.
    pub fn reached(&self, subtotal: Fen) -> bool {
        subtotal >= self.threshold
    }

    /// What the coupon takes off when `left` is still to pay (before the cap by `left`).
    pub fn off_for(&self, left: Fen) -> Fen {
        match self.kind {
            CouponKind::Fixed { off } => off,
            CouponKind::Percent { pay, max_off } => {
                let off = pay.discount_on(left);
                max_off.map_or(off, |m| off.min(m))
            }
        }
    }
}

/// A checked order-level percentage (会员折扣, 整单折扣).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderPercent {
    pub name: String,
    pub pay: PayRate,
    pub funder: Funder,
}

/// Checked points: `offered` ≥ 0 at `per_yuan` ≥ 1 points per yuan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Points {
    pub offered: i64,
    pub per_yuan: i64,
    pub funder: Funder,
}

impl Points {
    /// Redeems points against `left` (分 still to pay for goods): gives the points used and
    /// the 分 they pay. Points are whole, their value is **rounded down** to the 分, they
    /// never pay more than `left`, and only the fewest points worth that value are used —
    /// points that would pay only part of a 分 are not used and stay with the buyer.
    pub fn redeem(&self, left: Fen) -> (i64, Fen) {
        let p = self.per_yuan.max(1) as i128;
        let left = left.0.max(0) as i128;
        // The most points whose value, rounded down, is still ≤ left: 100k < (left + 1) × p.
        let most = ((left + 1) * p - 1) / 100;
        let k = (self.offered.max(0) as i128).min(most);
        let value = 100 * k / p;
        let used = (value * p + 99) / 100;
        (used as i64, Fen(value as i64))
    }
}
