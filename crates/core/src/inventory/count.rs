//! 盘点 (stock counts): what is counted, how a count moves from counting to posted, and
//! the arithmetic that keeps a count right while the warehouse keeps working.
//!
//! The rule that makes counts safe during business hours: when a line (location × SKU ×
//! lot) is counted, the store records the ledger position at that moment — the balance's
//! on-hand and its last move id. The variance posted is `counted − expected at that
//! position`, never `counted − on hand now` and never an overwrite. A sale that ships
//! after the shelf was counted is already in the ledger after the position, so it is
//! neither counted twice nor lost.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{SkuId, WarehouseId};
use crate::money::Fen;
use crate::{Error, text};

/// ABC class of a SKU by sales value (A: the SKUs making the first 80% of sales value,
/// B: the next 15%, C: the rest, including SKUs with stock and no sales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AbcClass {
    A,
    B,
    C,
}

impl AbcClass {
    pub fn parse(field: &str, s: &str) -> Result<AbcClass, crate::FieldError> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(AbcClass::A),
            "B" => Ok(AbcClass::B),
            "C" => Ok(AbcClass::C),
            _ => Err(crate::FieldError::new(
                field,
                "只能是 A、B 或 C / must be A, B or C",
            )),
        }
    }
}

/// Classes SKUs by their sales value (分, over whatever period the caller chose).
/// Ties are broken by SKU id so the answer never depends on input order. SKUs in
/// `stocked` that sold nothing are C.
pub fn abc_classes(
    sales: &BTreeMap<SkuId, i64>,
    stocked: impl IntoIterator<Item = SkuId>,
) -> BTreeMap<SkuId, AbcClass> {
    let mut ranked: Vec<(SkuId, i64)> = sales
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(s, v)| (*s, *v))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total: i128 = ranked.iter().map(|(_, v)| *v as i128).sum();
    let mut out = BTreeMap::new();
    let mut before: i128 = 0;
    for (sku, v) in ranked {
        // The class is decided by where the SKU's value starts: the SKU that crosses
        // 80% is still A (its first fen falls inside the first 80%).
        let class = if before * 100 < total * 80 {
            AbcClass::A
        } else if before * 100 < total * 95 {
            AbcClass::B
        } else {
            AbcClass::C
        };
        out.insert(sku, class);
        before += v as i128;
    }
    for sku in stocked {
        out.entry(sku).or_insert(AbcClass::C);
    }
    out
}

/// What a count covers, inside one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CountScope {
    /// 全盘: every location.
    Full,
    /// One zone (库区).
    Zone { zone: String },
    /// Locations whose code sorts between `from` and `to`, both included, where `to`
    /// also covers the codes it starts (`A-01` … `A-03` takes `A-03-02-01`).
    Locations { from: String, to: String },
    /// These SKUs (by 商家编码), wherever they are.
    Skus { codes: Vec<String> },
    /// The SKUs of one ABC class; `skus` are the codes the class held when the count
    /// was created (a count's scope never changes under it).
    Abc { class: AbcClass, codes: Vec<String> },
}

impl CountScope {
    /// A short description for lists: 全盘 / 库区 A / 库位 A-01..A-03 / 3 个商品 / A 类.
    pub fn label(&self) -> String {
        match self {
            CountScope::Full => "全盘".into(),
            CountScope::Zone { zone } => format!("库区 {zone}"),
            CountScope::Locations { from, to } => format!("库位 {from} – {to}"),
            CountScope::Skus { codes } => format!("{} 个商品", codes.len()),
            CountScope::Abc { class, codes } => format!("{class:?} 类 ({} 个商品)", codes.len()),
        }
    }

    /// Whether a location (its code and zone) is inside the scope.
    pub fn has_location(&self, code: &str, zone: &str) -> bool {
        match self {
            CountScope::Zone { zone: z } => zone == z,
            CountScope::Locations { from, to } => {
                code >= from.as_str() && (code <= to.as_str() || code.starts_with(to.as_str()))
            }
            _ => true,
        }
    }

    /// Whether a SKU (by code) is inside the scope.
    pub fn has_sku(&self, code: &str) -> bool {
        match self {
            CountScope::Skus { codes } | CountScope::Abc { codes, .. } => {
                codes.iter().any(|c| c == code)
            }
            _ => true,
        }
    }
}

/// A count as asked for by a person or the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NewCountInput {
    pub warehouse_id: i64,
    /// `full`, `zone`, `locations`, `skus` or `abc`.
    pub scope: String,
    pub zone: String,
    pub location_from: String,
    pub location_to: String,
    /// 商家编码, separated by commas, spaces or new lines.
    pub sku_codes: String,
    /// `A`, `B` or `C`.
    pub abc_class: String,
    /// 盲盘: counters do not see the expected quantity.
    pub blind: bool,
    /// 复盘 when a line's variance is at least this many units (0: never by quantity).
    pub recount_qty: i64,
    /// 复盘 when a line's variance is worth at least this many 分 (0: never by value).
    pub recount_value: i64,
    pub note: String,
}

/// What decides the scope's SKUs of an ABC count; the store fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequest {
    Ready(CountScope),
    /// The store computes the class's SKUs from sales, then builds [`CountScope::Abc`].
    Abc(AbcClass),
}

/// A parsed count request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCount {
    pub warehouse: WarehouseId,
    pub scope: ScopeRequest,
    pub blind: bool,
    pub recount: RecountRule,
    pub note: String,
}

/// When a variance is large enough to be counted a second time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecountRule {
    /// Units (0: off).
    pub qty: i64,
    /// 分 at average cost (0: off).
    pub value: i64,
}

impl RecountRule {
    /// Whether a first count's variance (units, and its worth at average cost) needs a
    /// second count.
    pub fn needs_recount(&self, variance: i64, worth: Fen) -> bool {
        variance != 0
            && ((self.qty > 0 && variance.abs() >= self.qty)
                || (self.value > 0 && worth.0.abs() >= self.value))
    }
}

/// Splits a list of codes typed or pasted by a person.
pub fn split_codes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

impl NewCount {
    pub fn parse(input: &NewCountInput) -> Result<NewCount, Error> {
        let mut e = Errors::default();
        if input.warehouse_id <= 0 {
            e.push("warehouse_id", "请选择仓库 / choose a warehouse");
        }
        let scope = match input.scope.trim() {
            "" | "full" => Some(ScopeRequest::Ready(CountScope::Full)),
            "zone" => e
                .take(text::required("zone", &input.zone, 50))
                .map(|zone| ScopeRequest::Ready(CountScope::Zone { zone })),
            "locations" => {
                let from = e.take(text::required("location_from", &input.location_from, 50));
                let to = e.take(text::required("location_to", &input.location_to, 50));
                match (from, to) {
                    (Some(from), Some(to)) if from > to => {
                        e.push(
                            "location_to",
                            "结束库位要排在开始库位之后 / the range ends before it starts",
                        );
                        None
                    }
                    (Some(from), Some(to)) => {
                        Some(ScopeRequest::Ready(CountScope::Locations { from, to }))
                    }
                    _ => None,
                }
            }
            "skus" => {
                let codes = split_codes(&input.sku_codes);
                if codes.is_empty() {
                    e.push(
                        "sku_codes",
                        "至少填一个商家编码 / name at least one SKU code",
                    );
                    None
                } else {
                    Some(ScopeRequest::Ready(CountScope::Skus { codes }))
                }
            }
            "abc" => e
                .take(AbcClass::parse("abc_class", &input.abc_class))
                .map(ScopeRequest::Abc),
            _ => {
                e.push(
                    "scope",
                    "范围只能是 full、zone、locations、skus 或 abc / unknown scope",
                );
                None
            }
        };
        if input.recount_qty < 0 {
            e.push("recount_qty", "不能为负 / cannot be negative");
        }
        if input.recount_value < 0 {
            e.push("recount_value", "不能为负 / cannot be negative");
        }
        let note = e
            .take(text::optional("note", &input.note, 500))
            .unwrap_or_default();
        e.into_result()?;
        Ok(NewCount {
            warehouse: WarehouseId(input.warehouse_id),
            scope: scope.expect("a scope when there is no error"),
            blind: input.blind,
            recount: RecountRule {
                qty: input.recount_qty,
                value: input.recount_value,
            },
            note,
        })
    }
}

/// Where a count is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CountStatus {
    /// 盘点中: scans and entries are taken.
    Counting,
    /// 复盘中: only the lines with a large variance take a second count.
    Recounting,
    /// 待审核: counting is over; a 仓库主管 approves (posts) or sends it back.
    Submitted,
    /// 已过账: the variances are in the ledger. Final.
    Posted,
    /// 已作废. Final.
    Cancelled,
}

impl CountStatus {
    pub const ALL: [CountStatus; 5] = [
        CountStatus::Counting,
        CountStatus::Recounting,
        CountStatus::Submitted,
        CountStatus::Posted,
        CountStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CountStatus::Counting => "counting",
            CountStatus::Recounting => "recounting",
            CountStatus::Submitted => "submitted",
            CountStatus::Posted => "posted",
            CountStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<CountStatus> {
        CountStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            CountStatus::Counting => "盘点中",
            CountStatus::Recounting => "复盘中",
            CountStatus::Submitted => "待审核",
            CountStatus::Posted => "已过账",
            CountStatus::Cancelled => "已作废",
        }
    }
    /// Whether counts may be entered on a line: any line while counting, only a line
    /// flagged for a second count while recounting.
    pub fn takes_counts(self, needs_recount: bool) -> bool {
        match self {
            CountStatus::Counting => true,
            CountStatus::Recounting => needs_recount,
            _ => false,
        }
    }
}

/// One counted line as the store holds it, for the arithmetic below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountedLine {
    /// On hand at the ledger position recorded when the line was counted.
    pub expected: i64,
    pub counted: i64,
    /// Average cost per unit × 1 at the time of the variance check, as value / on hand
    /// of the balance (0 when none).
    pub value: Fen,
    pub on_hand: i64,
}

impl CountedLine {
    /// `counted − expected at the position`: what the count posts.
    pub fn variance(&self) -> i64 {
        self.counted - self.expected
    }
    /// The variance's worth at the balance's average cost, rounded half away from zero.
    pub fn worth(&self) -> Fen {
        if self.on_hand <= 0 {
            return Fen(0);
        }
        let n = self.variance() as i128 * self.value.0 as i128;
        let d = self.on_hand as i128;
        let q = (2 * n.abs() + d) / (2 * d);
        Fen((if n < 0 { -q } else { q }) as i64)
    }
}

/// 盘点准确率: how a posted (or submitted) count came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accuracy {
    pub lines: i64,
    /// Lines whose count equalled the expectation.
    pub matched: i64,
    /// Matched per ten thousand lines (9950 = 99.50%), so the figure is exact.
    pub accuracy_bp: i64,
    /// Units found (盘盈) and missing (盘亏, as a positive number).
    pub qty_gain: i64,
    pub qty_loss: i64,
    /// Their worth in 分 (盘盈 positive, 盘亏 positive).
    pub value_gain: i64,
    pub value_loss: i64,
}

impl Accuracy {
    /// Sums lines given as (variance, worth in 分).
    pub fn of(lines: impl IntoIterator<Item = (i64, i64)>) -> Accuracy {
        let mut a = Accuracy::default();
        for (variance, worth) in lines {
            a.lines += 1;
            if variance == 0 {
                a.matched += 1;
            } else if variance > 0 {
                a.qty_gain += variance;
            } else {
                a.qty_loss -= variance;
            }
            if worth > 0 {
                a.value_gain += worth;
            } else {
                a.value_loss -= worth;
            }
        }
        a.accuracy_bp = if a.lines == 0 {
            10_000
        } else {
            a.matched * 10_000 / a.lines
        };
        a
    }
    /// `99.50%`.
    pub fn percent(&self) -> String {
        format!("{}.{:02}%", self.accuracy_bp / 100, self.accuracy_bp % 100)
    }
}

/// One scan from the scanning page or a scanner gun, as sent (possibly again, after a
/// network drop: the id makes the second arrival a no-op).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ScanInput {
    /// Made by the page once per scan (e.g. a UUID); unique within the count.
    pub scan_id: String,
    /// The location's code (库位码).
    pub location: String,
    /// A barcode or 商家编码.
    pub code: String,
    /// Units this scan adds (default 1; negative to take back a wrong scan).
    pub qty: Option<i64>,
    /// 批次号, for lot-tracked SKUs with more than one lot on the location.
    pub lot_no: String,
}

/// A parsed scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub scan_id: String,
    pub location: String,
    pub code: String,
    pub qty: i64,
    pub lot_no: String,
}

/// More units in one scan are refused as a typo.
pub const MAX_SCAN_QTY: i64 = 100_000;

impl Scan {
    /// Parses scan `i` of a batch; fields are named `scans[i].…`.
    pub fn parse(i: usize, s: &ScanInput) -> Result<Scan, Error> {
        let mut e = Errors::default();
        let f = |name: &str| format!("scans[{i}].{name}");
        let scan_id = e.take(text::required(&f("scan_id"), &s.scan_id, 64));
        let location = e.take(text::required(&f("location"), &s.location, 50));
        let code = e.take(text::required(&f("code"), &s.code, 64));
        let qty = s.qty.unwrap_or(1);
        if qty == 0 || qty.abs() > MAX_SCAN_QTY {
            e.push(
                f("qty"),
                format!("数量须在 ±1 到 ±{MAX_SCAN_QTY} 之间 / qty out of range"),
            );
        }
        let lot_no = e
            .take(text::optional(&f("lot_no"), &s.lot_no, 50))
            .unwrap_or_default();
        e.into_result()?;
        Ok(Scan {
            scan_id: scan_id.unwrap_or_default(),
            location: location.unwrap_or_default(),
            code: code.unwrap_or_default(),
            qty,
            lot_no,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sales(v: &[(i64, i64)]) -> BTreeMap<SkuId, i64> {
        v.iter().map(|&(s, x)| (SkuId(s), x)).collect()
    }

    #[test]
    fn abc_puts_the_top_80_percent_of_sales_value_in_a() {
        // 700 + 150 + 100 + 30 + 20 = 1000: SKU 1 starts at 0 (A), 2 starts at 700 (A,
        // it crosses 80%), 3 starts at 850 (B), 4 at 950 (C), 5 at 980 (C); 6 has stock
        // and no sales (C).
        let c = abc_classes(
            &sales(&[(1, 700), (2, 150), (3, 100), (4, 30), (5, 20)]),
            [SkuId(6)],
        );
        let got: Vec<AbcClass> = (1..=6).map(|s| c[&SkuId(s)]).collect();
        use AbcClass::*;
        assert_eq!(got, vec![A, A, B, C, C, C]);
    }

    #[test]
    fn abc_ties_are_broken_by_sku_not_input_order() {
        let c = abc_classes(&sales(&[(9, 50), (3, 50)]), []);
        assert_eq!(c[&SkuId(3)], AbcClass::A);
        assert_eq!(c[&SkuId(9)], AbcClass::A); // starts at 50 of 100: still under 80%
    }

    #[test]
    fn a_count_of_ten_with_eight_expected_and_a_sale_after_posts_plus_two() {
        // Counted 10 when the ledger said 8; a sale of 3 shipped later is not our business.
        let l = CountedLine {
            expected: 8,
            counted: 10,
            value: Fen(500),
            on_hand: 5,
        };
        assert_eq!(l.variance(), 2);
        assert_eq!(l.worth(), Fen(200)); // 2 × 500/5
    }

    #[test]
    fn worth_rounds_half_away_from_zero() {
        let l = CountedLine {
            expected: 3,
            counted: 2,
            value: Fen(100),
            on_hand: 3,
        };
        assert_eq!(l.worth(), Fen(-33));
        let l = CountedLine {
            expected: 0,
            counted: 1,
            value: Fen(1),
            on_hand: 2,
        };
        assert_eq!(l.worth(), Fen(1)); // 0.5 → 1
    }

    #[test]
    fn a_recount_is_asked_for_over_either_threshold_and_never_for_a_match() {
        let r = RecountRule {
            qty: 5,
            value: 10_000,
        };
        assert!(!r.needs_recount(0, Fen(0)));
        assert!(!r.needs_recount(-4, Fen(-9_999)));
        assert!(r.needs_recount(-5, Fen(-1)));
        assert!(r.needs_recount(1, Fen(10_000)));
        assert!(!RecountRule::default().needs_recount(1000, Fen(1_000_000)));
    }

    #[test]
    fn accuracy_of_200_lines_with_one_miss_is_99_50_percent() {
        let mut lines = vec![(0, 0); 199];
        lines.push((-2, -1_500));
        let a = Accuracy::of(lines);
        assert_eq!((a.lines, a.matched, a.accuracy_bp), (200, 199, 9950));
        assert_eq!(a.percent(), "99.50%");
        assert_eq!((a.qty_loss, a.value_loss, a.qty_gain), (2, 1_500, 0));
    }

    #[test]
    fn scopes_parse_with_field_errors() {
        let bad = NewCount::parse(&NewCountInput {
            warehouse_id: 1,
            scope: "locations".into(),
            location_from: "B-01".into(),
            location_to: "A-01".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(&bad, Error::Invalid(v) if v[0].field == "location_to"));
        let ok = NewCount::parse(&NewCountInput {
            warehouse_id: 1,
            scope: "skus".into(),
            sku_codes: "B2, A1，A1\nC3".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            ok.scope,
            ScopeRequest::Ready(CountScope::Skus {
                codes: vec!["A1".into(), "B2".into(), "C3".into()]
            })
        );
        assert!(
            CountScope::Locations {
                from: "A-01".into(),
                to: "A-03".into()
            }
            .has_location("A-02-05", "")
        );
        let range = CountScope::Locations {
            from: "A-01".into(),
            to: "A-03".into(),
        };
        assert!(range.has_location("A-03-01", "")); // under A-03, though it sorts after
        assert!(!range.has_location("A-04-01", ""));
        assert!(!range.has_location("A-00-09", ""));
    }

    #[test]
    fn a_scan_of_zero_or_without_an_id_is_refused_by_field() {
        let e = Scan::parse(
            3,
            &ScanInput {
                location: "A-01".into(),
                code: "690".into(),
                qty: Some(0),
                ..Default::default()
            },
        )
        .unwrap_err();
        let Error::Invalid(v) = e else { panic!() };
        let fields: Vec<&str> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, vec!["scans[3].scan_id", "scans[3].qty"]);
    }
}
