//! 预警: which stock conditions need someone's attention, decided from facts the store
//! gathers. Pure: the store keeps one open alert per cause ([`Cause::key`]), so a
//! condition that persists is told once, and closes when it no longer holds.
//!
//! Condition alerts (low stock, overstock, days of cover, near expiry, expired, slow
//! moving, a ledger mismatch) are re-evaluated; event alerts (a count's variance over
//! the threshold) stay until a person closes them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{SkuId, WarehouseId};
use crate::money::Fen;
use crate::{Error, FieldError};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// 低于安全库存: available under the SKU × warehouse minimum.
    LowStock,
    /// 超储: on hand over the maximum.
    Overstock,
    /// 可售天数不足: available ÷ daily sales (last 30 days) under the days asked for.
    LowCover,
    /// 临期: a lot with stock expires within the near-expiry days.
    NearExpiry,
    /// 过期: a lot with stock has expired.
    Expired,
    /// 滞销: stock and no sale for the slow-moving days.
    SlowMoving,
    /// 负库存: on hand below zero (a SKU allowed to go negative went there).
    NegativeStock,
    /// 账实不符: `jxc check` found the balances differ from the ledger.
    StockMismatch,
    /// 盘点差异过大: a posted count's variance is worth more than the threshold.
    CountVariance,
}

impl AlertKind {
    pub const ALL: [AlertKind; 9] = [
        AlertKind::LowStock,
        AlertKind::Overstock,
        AlertKind::LowCover,
        AlertKind::NearExpiry,
        AlertKind::Expired,
        AlertKind::SlowMoving,
        AlertKind::NegativeStock,
        AlertKind::StockMismatch,
        AlertKind::CountVariance,
    ];
    /// The kinds re-evaluated from stock facts (the others are events or the check's).
    pub const STOCK: [AlertKind; 7] = [
        AlertKind::LowStock,
        AlertKind::Overstock,
        AlertKind::LowCover,
        AlertKind::NearExpiry,
        AlertKind::Expired,
        AlertKind::SlowMoving,
        AlertKind::NegativeStock,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::LowStock => "low_stock",
            AlertKind::Overstock => "overstock",
            AlertKind::LowCover => "low_cover",
            AlertKind::NearExpiry => "near_expiry",
            AlertKind::Expired => "expired",
            AlertKind::SlowMoving => "slow_moving",
            AlertKind::NegativeStock => "negative_stock",
            AlertKind::StockMismatch => "stock_mismatch",
            AlertKind::CountVariance => "count_variance",
        }
    }
    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            AlertKind::LowStock => "低于安全库存",
            AlertKind::Overstock => "超储",
            AlertKind::LowCover => "可售天数不足",
            AlertKind::NearExpiry => "临期",
            AlertKind::Expired => "过期",
            AlertKind::SlowMoving => "滞销",
            AlertKind::NegativeStock => "负库存",
            AlertKind::StockMismatch => "账实不符",
            AlertKind::CountVariance => "盘点差异过大",
        }
    }
    /// Whether the alert stays until a person closes it (it is not re-evaluated).
    pub fn is_event(self) -> bool {
        self == AlertKind::CountVariance
    }
}

/// Where alerts are sent besides the in-app inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// 钉钉群机器人
    Dingtalk,
    /// 飞书群机器人
    Feishu,
    /// 企业微信群机器人
    Wecom,
    /// 邮件 (SMTP)
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 4] = [
        ChannelKind::Dingtalk,
        ChannelKind::Feishu,
        ChannelKind::Wecom,
        ChannelKind::Email,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Feishu => "feishu",
            ChannelKind::Wecom => "wecom",
            ChannelKind::Email => "email",
        }
    }
    pub fn parse(s: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ChannelKind::Dingtalk => "钉钉",
            ChannelKind::Feishu => "飞书",
            ChannelKind::Wecom => "企业微信",
            ChannelKind::Email => "邮件",
        }
    }
}

/// 安全库存 / 超储 / 可售天数 of one SKU in one warehouse, as entered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct StockLevelInput {
    pub sku_id: i64,
    pub warehouse_id: i64,
    /// 安全库存: alert when available falls under this.
    pub min_qty: Option<i64>,
    /// 超储: alert when on hand rises over this.
    pub max_qty: Option<i64>,
    /// 可售天数: alert when available covers fewer days of sales than this.
    pub cover_days: Option<i64>,
}

/// A valid stock level: at least one limit, none negative, min ≤ max.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevel {
    pub sku_id: SkuId,
    pub warehouse_id: WarehouseId,
    pub min_qty: Option<i64>,
    pub max_qty: Option<i64>,
    pub cover_days: Option<i64>,
}

impl StockLevel {
    pub fn parse(i: &StockLevelInput) -> Result<StockLevel, Error> {
        let mut e = Errors::default();
        if i.sku_id <= 0 {
            e.push("sku_id", "请选择商品 / choose a SKU");
        }
        if i.warehouse_id <= 0 {
            e.push("warehouse_id", "请选择仓库 / choose a warehouse");
        }
        for (f, v) in [
            ("min_qty", i.min_qty),
            ("max_qty", i.max_qty),
            ("cover_days", i.cover_days),
        ] {
            if v.is_some_and(|v| v < 0) {
                e.push(f, "不能为负 / cannot be negative");
            }
        }
        if let (Some(lo), Some(hi)) = (i.min_qty, i.max_qty)
            && lo > hi
        {
            e.push(
                "max_qty",
                "超储上限不能低于安全库存 / the maximum is under the minimum",
            );
        }
        if i.min_qty.is_none() && i.max_qty.is_none() && i.cover_days.is_none() {
            e.push(
                "min_qty",
                "至少设一个：安全库存、超储上限或可售天数 / set at least one limit",
            );
        }
        e.into_result()?;
        Ok(StockLevel {
            sku_id: SkuId(i.sku_id),
            warehouse_id: WarehouseId(i.warehouse_id),
            min_qty: i.min_qty,
            max_qty: i.max_qty,
            cover_days: i.cover_days,
        })
    }
}

/// The merchant's alert settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertSettings {
    /// 临期: lots expiring within this many days.
    pub near_expiry_days: i64,
    /// 滞销: no sale for this many days (0: off).
    pub slow_days: i64,
    /// 盘点差异: a posted count whose variance is worth more than this (分; 0: off).
    pub count_variance_value: i64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            near_expiry_days: 30,
            slow_days: 60,
            count_variance_value: 50_000,
        }
    }
}

impl AlertSettings {
    pub const KEY: &'static str = "alerts.settings";

    pub fn validate(&self) -> Result<(), Error> {
        let mut e = Errors::default();
        if !(0..=3650).contains(&self.near_expiry_days) {
            e.push("near_expiry_days", "0 到 3650 天 / 0 to 3650 days");
        }
        if !(0..=3650).contains(&self.slow_days) {
            e.push("slow_days", "0 到 3650 天 / 0 to 3650 days");
        }
        if self.count_variance_value < 0 {
            e.push("count_variance_value", "不能为负 / cannot be negative");
        }
        e.into_result()
    }
}

/// What the store knows about one SKU in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PairFacts {
    pub sku: SkuId,
    pub warehouse: WarehouseId,
    pub sku_code: String,
    pub warehouse_code: String,
    pub on_hand: i64,
    pub available: i64,
    pub min_qty: Option<i64>,
    pub max_qty: Option<i64>,
    pub cover_days: Option<i64>,
    /// Units issued in the last 30 days.
    pub sold_30d: i64,
    /// Unix ms of the last issue, and of the first stock in.
    pub last_sale_at: Option<i64>,
    pub first_in_at: Option<i64>,
}

/// A lot with stock and an expiry date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotFacts {
    pub sku: SkuId,
    pub warehouse: WarehouseId,
    pub sku_code: String,
    pub warehouse_code: String,
    pub lot_no: String,
    pub expiry: NaiveDate,
    pub on_hand: i64,
}

/// A condition that holds now: one open alert per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cause {
    /// `low_stock:12:3` — the same while the condition persists.
    pub key: String,
    pub kind: AlertKind,
    pub sku_id: Option<SkuId>,
    pub warehouse_id: Option<WarehouseId>,
    /// One line, for the inbox and the robot's title.
    pub title: String,
    /// The figures behind it.
    pub detail: String,
    /// The jxc page (a path) where it is fixed.
    pub link: String,
}

const DAY_MS: i64 = 86_400_000;

/// The conditions of SKU × warehouse pairs.
pub fn stock_causes(pairs: &[PairFacts], s: &AlertSettings, now_ms: i64) -> Vec<Cause> {
    let mut out = Vec::new();
    for p in pairs {
        let cause = |kind: AlertKind, title: String, detail: String, link: String| Cause {
            key: format!("{}:{}:{}", kind.as_str(), p.sku.0, p.warehouse.0),
            kind,
            sku_id: Some(p.sku),
            warehouse_id: Some(p.warehouse),
            title,
            detail,
            link,
        };
        let stock_link = format!("/stock?q={}&warehouse_id={}", p.sku_code, p.warehouse.0);
        if let Some(min) = p.min_qty
            && p.available < min
        {
            out.push(cause(
                AlertKind::LowStock,
                format!("{} 在 {} 低于安全库存", p.sku_code, p.warehouse_code),
                format!("可用 {}，安全库存 {min}，在库 {}", p.available, p.on_hand),
                stock_link.clone(),
            ));
        }
        if p.on_hand < 0 {
            out.push(cause(
                AlertKind::NegativeStock,
                format!("{} 在 {} 负库存", p.sku_code, p.warehouse_code),
                format!("在库 {}：先发后补的商品待入库冲抵", p.on_hand),
                stock_link.clone(),
            ));
        }
        if let Some(max) = p.max_qty
            && p.on_hand > max
        {
            out.push(cause(
                AlertKind::Overstock,
                format!("{} 在 {} 超储", p.sku_code, p.warehouse_code),
                format!("在库 {}，上限 {max}", p.on_hand),
                stock_link.clone(),
            ));
        }
        if let Some(days) = p.cover_days
            && p.sold_30d > 0
            && (p.available.max(0) as i128) * 30 < days as i128 * p.sold_30d as i128
        {
            // cover = available ÷ (sold_30d ÷ 30), compared without dividing.
            let cover_tenths = p.available.max(0) as i128 * 300 / p.sold_30d as i128;
            out.push(cause(
                AlertKind::LowCover,
                format!(
                    "{} 在 {} 可售天数不足 {days} 天",
                    p.sku_code, p.warehouse_code
                ),
                format!(
                    "可用 {}，近 30 天出库 {}，约可售 {}.{} 天",
                    p.available,
                    p.sold_30d,
                    cover_tenths / 10,
                    cover_tenths % 10
                ),
                stock_link.clone(),
            ));
        }
        if s.slow_days > 0 && p.on_hand > 0 {
            let since = p.last_sale_at.max(p.first_in_at);
            if since.is_some_and(|t| now_ms - t >= s.slow_days * DAY_MS) {
                let days = (now_ms - since.unwrap_or(now_ms)) / DAY_MS;
                out.push(cause(
                    AlertKind::SlowMoving,
                    format!("{} 在 {} 滞销", p.sku_code, p.warehouse_code),
                    match p.last_sale_at {
                        Some(_) => format!("在库 {}，已 {days} 天没有出库", p.on_hand),
                        None => format!("在库 {}，入库 {days} 天从未出库", p.on_hand),
                    },
                    stock_link,
                ));
            }
        }
    }
    out
}

/// The conditions of lots: expired, or expiring within the near-expiry days.
pub fn lot_causes(lots: &[LotFacts], s: &AlertSettings, today: NaiveDate) -> Vec<Cause> {
    let mut out = Vec::new();
    for l in lots.iter().filter(|l| l.on_hand > 0) {
        let left = (l.expiry - today).num_days();
        let kind = if left < 0 {
            AlertKind::Expired
        } else if left <= s.near_expiry_days {
            AlertKind::NearExpiry
        } else {
            continue;
        };
        out.push(Cause {
            key: format!(
                "{}:{}:{}:{}",
                kind.as_str(),
                l.sku.0,
                l.warehouse.0,
                l.lot_no
            ),
            kind,
            sku_id: Some(l.sku),
            warehouse_id: Some(l.warehouse),
            title: match kind {
                AlertKind::Expired => format!("{} 批次 {} 已过期", l.sku_code, l.lot_no),
                _ => format!("{} 批次 {} 将在 {left} 天后过期", l.sku_code, l.lot_no),
            },
            detail: format!(
                "{}：在库 {}，到期 {}",
                l.warehouse_code, l.on_hand, l.expiry
            ),
            link: format!(
                "/stock/by-location?warehouse_id={}&expires_within={}",
                l.warehouse.0,
                s.near_expiry_days.max(left.max(0))
            ),
        });
    }
    out
}

/// The alert for `jxc check` finding differences (none when clean).
pub fn mismatch_cause(differences: usize, first: &[String]) -> Option<Cause> {
    (differences > 0).then(|| Cause {
        key: AlertKind::StockMismatch.as_str().to_string(),
        kind: AlertKind::StockMismatch,
        sku_id: None,
        warehouse_id: None,
        title: format!("账实不符：jxc check 发现 {differences} 处差异"),
        detail: first.join("\n"),
        link: "/audit".into(),
    })
}

/// The alert for a posted count whose variance is worth more than the threshold.
pub fn count_variance_cause(
    count_id: i64,
    number: &str,
    warehouse: WarehouseId,
    gain: Fen,
    loss: Fen,
    s: &AlertSettings,
) -> Option<Cause> {
    let worth = gain.0 + loss.0;
    (s.count_variance_value > 0 && worth > s.count_variance_value).then(|| Cause {
        key: format!("{}:{count_id}", AlertKind::CountVariance.as_str()),
        kind: AlertKind::CountVariance,
        sku_id: None,
        warehouse_id: Some(warehouse),
        title: format!("盘点 {number} 差异金额 ¥{} 超过阈值", Fen(worth).to_yuan()),
        detail: format!(
            "盘盈 ¥{}，盘亏 ¥{}，阈值 ¥{}",
            gain.to_yuan(),
            loss.to_yuan(),
            Fen(s.count_variance_value).to_yuan()
        ),
        link: format!("/counts/{count_id}"),
    })
}

/// Parses a setting typed on the page.
pub fn days_field(field: &str, s: &str) -> Result<i64, FieldError> {
    s.trim()
        .parse::<i64>()
        .map_err(|_| FieldError::new(field, "请填写天数 / a number of days"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(available: i64) -> PairFacts {
        PairFacts {
            sku: SkuId(7),
            warehouse: WarehouseId(2),
            sku_code: "TEE".into(),
            warehouse_code: "HZ".into(),
            on_hand: available,
            available,
            ..Default::default()
        }
    }

    #[test]
    fn stock_under_the_minimum_is_one_cause_with_a_stable_key() {
        let p = PairFacts {
            min_qty: Some(10),
            ..pair(9)
        };
        let c = stock_causes(std::slice::from_ref(&p), &AlertSettings::default(), 0);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].key, "low_stock:7:2");
        assert_eq!(c[0].kind, AlertKind::LowStock);
        assert!(c[0].detail.contains("可用 9"));
        // At the minimum is not under it.
        assert!(
            stock_causes(
                &[PairFacts {
                    min_qty: Some(9),
                    ..p
                }],
                &AlertSettings::default(),
                0
            )
            .is_empty()
        );
    }

    #[test]
    fn stock_below_zero_is_told() {
        let c = stock_causes(&[pair(-2)], &AlertSettings::default(), 0);
        assert_eq!(c[0].kind, AlertKind::NegativeStock);
        assert_eq!(c[0].key, "negative_stock:7:2");
    }

    #[test]
    fn thirty_units_a_month_with_five_left_cover_five_days() {
        let p = PairFacts {
            cover_days: Some(7),
            sold_30d: 30,
            ..pair(5)
        };
        let c = stock_causes(std::slice::from_ref(&p), &AlertSettings::default(), 0);
        assert_eq!(c[0].kind, AlertKind::LowCover);
        assert!(c[0].detail.contains("约可售 5.0 天"), "{}", c[0].detail);
        // Seven days' worth is enough.
        assert!(
            stock_causes(
                &[PairFacts {
                    cover_days: Some(7),
                    ..pair(7)
                }],
                &AlertSettings::default(),
                0
            )
            .iter()
            .all(|c| c.kind != AlertKind::LowCover)
        );
    }

    #[test]
    fn stock_without_a_sale_for_the_slow_days_is_slow_moving() {
        let s = AlertSettings {
            slow_days: 60,
            ..Default::default()
        };
        let now = 100 * DAY_MS;
        let received_long_ago = PairFacts {
            first_in_at: Some(now - 61 * DAY_MS),
            ..pair(3)
        };
        assert_eq!(
            stock_causes(std::slice::from_ref(&received_long_ago), &s, now)[0].kind,
            AlertKind::SlowMoving
        );
        let sold_lately = PairFacts {
            last_sale_at: Some(now - DAY_MS),
            ..received_long_ago
        };
        assert!(stock_causes(&[sold_lately], &s, now).is_empty());
    }

    #[test]
    fn lots_expire_and_near_expiry_by_the_days_set() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let lot = |no: &str, exp: &str| LotFacts {
            sku: SkuId(1),
            warehouse: WarehouseId(1),
            sku_code: "MILK".into(),
            warehouse_code: "HZ".into(),
            lot_no: no.into(),
            expiry: d(exp),
            on_hand: 5,
        };
        let c = lot_causes(
            &[
                lot("L1", "2026-11-25"),
                lot("L2", "2026-12-20"),
                lot("L3", "2027-03-01"),
            ],
            &AlertSettings::default(),
            d("2026-11-26"),
        );
        let kinds: Vec<_> = c.iter().map(|c| (c.kind, c.key.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (AlertKind::Expired, "expired:1:1:L1"),
                (AlertKind::NearExpiry, "near_expiry:1:1:L2")
            ]
        );
    }

    #[test]
    fn levels_need_a_limit_and_min_under_max() {
        let e = StockLevel::parse(&StockLevelInput {
            sku_id: 1,
            warehouse_id: 1,
            min_qty: Some(10),
            max_qty: Some(5),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(&e, Error::Invalid(v) if v[0].field == "max_qty"));
        let e = StockLevel::parse(&StockLevelInput {
            sku_id: 1,
            warehouse_id: 1,
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(&e, Error::Invalid(v) if v[0].field == "min_qty"));
    }

    #[test]
    fn a_count_variance_over_the_threshold_is_an_event() {
        let s = AlertSettings {
            count_variance_value: 10_000,
            ..Default::default()
        };
        let c = count_variance_cause(3, "PD00000003", WarehouseId(1), Fen(2_000), Fen(9_000), &s)
            .unwrap();
        assert_eq!(c.key, "count_variance:3");
        assert!(c.kind.is_event());
        assert!(count_variance_cause(3, "PD3", WarehouseId(1), Fen(0), Fen(10_000), &s).is_none());
    }
}
