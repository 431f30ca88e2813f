//! 其他出入库 (adjustments with a reason): stock written off as damaged, taken as samples
//! or gifts, used inside the company, or found. A request worth at most the merchant's
//! threshold posts at once; one worth more waits for a 仓库主管, who posts or rejects it.
//!
//! Its worth is what it would post: the value of − lines at moving average and of +
//! lines at their stated cost (or at average when none is stated), all as positive 分.

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{LocationId, SkuId, WarehouseId};
use crate::money::Fen;
use crate::{Error, text};

use super::{Document, DocumentKind, Line, LotSpec};

/// Requests worth more than this wait for approval unless the merchant set another
/// threshold: ¥500.
pub const DEFAULT_APPROVAL_THRESHOLD: Fen = Fen(50_000);

/// Lines in one request, at most.
pub const MAX_ADJUSTMENT_LINES: usize = 1000;

/// Why stock goes out or comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentReason {
    /// 报损: damaged or spoilt (out).
    Damage,
    /// 样品: taken as samples (out).
    Sample,
    /// 赠品: given away (out).
    Gift,
    /// 盘盈: found (in).
    Found,
    /// 内部领用: used inside the company (out).
    InternalUse,
    /// 其他: either way; the note says why.
    Other,
}

impl AdjustmentReason {
    pub const ALL: [AdjustmentReason; 6] = [
        AdjustmentReason::Damage,
        AdjustmentReason::Sample,
        AdjustmentReason::Gift,
        AdjustmentReason::Found,
        AdjustmentReason::InternalUse,
        AdjustmentReason::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentReason::Damage => "damage",
            AdjustmentReason::Sample => "sample",
            AdjustmentReason::Gift => "gift",
            AdjustmentReason::Found => "found",
            AdjustmentReason::InternalUse => "internal_use",
            AdjustmentReason::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<AdjustmentReason> {
        AdjustmentReason::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            AdjustmentReason::Damage => "报损",
            AdjustmentReason::Sample => "样品",
            AdjustmentReason::Gift => "赠品",
            AdjustmentReason::Found => "盘盈",
            AdjustmentReason::InternalUse => "内部领用",
            AdjustmentReason::Other => "其他",
        }
    }
    /// +1 if the reason brings stock in, −1 if it takes stock out, 0 if either.
    pub fn direction(self) -> i64 {
        match self {
            AdjustmentReason::Found => 1,
            AdjustmentReason::Other => 0,
            _ => -1,
        }
    }
}

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentStatus {
    /// 待审批: worth more than the threshold.
    Pending,
    /// 已过账: in the ledger (at once, or on approval). Final.
    Posted,
    /// 已驳回: nothing was posted. Final.
    Rejected,
}

impl AdjustmentStatus {
    pub const ALL: [AdjustmentStatus; 3] = [
        AdjustmentStatus::Pending,
        AdjustmentStatus::Posted,
        AdjustmentStatus::Rejected,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentStatus::Pending => "pending",
            AdjustmentStatus::Posted => "posted",
            AdjustmentStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<AdjustmentStatus> {
        AdjustmentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            AdjustmentStatus::Pending => "待审批",
            AdjustmentStatus::Posted => "已过账",
            AdjustmentStatus::Rejected => "已驳回",
        }
    }
}

/// Whether a request worth `value` waits for approval under `threshold`.
pub fn needs_approval(value: Fen, threshold: Fen) -> bool {
    value.0 > threshold.0
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AdjustmentLineInput {
    pub sku_id: i64,
    /// Omitted: the warehouse's default location.
    pub location_id: Option<i64>,
    pub lot_no: String,
    /// + in, − out.
    pub qty: i64,
    /// 单位成本 in 分 for + lines (omitted: the average cost, or the SKU's default cost).
    pub unit_cost: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NewAdjustmentInput {
    pub warehouse_id: i64,
    /// `damage`, `sample`, `gift`, `found`, `internal_use` or `other`.
    pub reason: String,
    /// Required for `other`.
    pub note: String,
    pub lines: Vec<AdjustmentLineInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdjustmentLine {
    pub sku: SkuId,
    pub location: Option<LocationId>,
    pub lot_no: String,
    pub qty: i64,
    /// The stated value of a + line.
    pub value: Option<Fen>,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdjustment {
    pub warehouse: WarehouseId,
    pub reason: AdjustmentReason,
    pub note: String,
    pub lines: Vec<AdjustmentLine>,
}

impl NewAdjustment {
    pub fn parse(input: &NewAdjustmentInput) -> Result<NewAdjustment, Error> {
        let mut e = Errors::default();
        if input.warehouse_id <= 0 {
            e.push("warehouse_id", "请选择仓库 / choose a warehouse");
        }
        let reason = AdjustmentReason::parse(&input.reason);
        if reason.is_none() {
            e.push(
                "reason",
                "原因只能是 damage、sample、gift、found、internal_use 或 other / unknown reason",
            );
        }
        let note = if reason == Some(AdjustmentReason::Other) {
            e.take(text::required("note", &input.note, 500))
        } else {
            e.take(text::optional("note", &input.note, 500))
        }
        .unwrap_or_default();
        if input.lines.is_empty() {
            e.push("lines", "至少要有一行 / a request needs at least one line");
        }
        if input.lines.len() > MAX_ADJUSTMENT_LINES {
            e.push(
                "lines",
                format!("最多 {MAX_ADJUSTMENT_LINES} 行 / at most {MAX_ADJUSTMENT_LINES} lines"),
            );
        }
        let dir = reason.map_or(0, AdjustmentReason::direction);
        let mut lines = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let f = |n: &str| format!("lines[{i}].{n}");
            if l.sku_id <= 0 {
                e.push(f("sku_id"), "请选择商品 / choose a SKU");
            }
            if l.qty == 0 {
                e.push(f("qty"), "数量不能为 0 / must not be zero");
            } else if dir < 0 && l.qty > 0 {
                e.push(
                    f("qty"),
                    "此原因只能出库（负数）/ this reason takes stock out: use −",
                );
            } else if dir > 0 && l.qty < 0 {
                e.push(
                    f("qty"),
                    "盘盈只能入库（正数）/ found stock comes in: use +",
                );
            }
            let value = match l.unit_cost {
                None => None,
                Some(_) if l.qty < 0 => {
                    e.push(
                        f("unit_cost"),
                        "出库按移动平均计价，不能指定成本 / stock out is valued at average cost",
                    );
                    None
                }
                Some(c) if c < 0 => {
                    e.push(f("unit_cost"), "成本不能为负数 / must not be negative");
                    None
                }
                Some(c) => match Fen(c).times(l.qty) {
                    Some(v) => Some(v),
                    None => {
                        e.push(f("unit_cost"), "金额太大 / amount too large");
                        None
                    }
                },
            };
            let lot_no = e
                .take(text::optional(&f("lot_no"), &l.lot_no, 64))
                .unwrap_or_default();
            lines.push(AdjustmentLine {
                sku: SkuId(l.sku_id),
                location: l.location_id.map(LocationId),
                lot_no,
                qty: l.qty,
                value,
            });
        }
        e.into_result()?;
        Ok(NewAdjustment {
            warehouse: WarehouseId(input.warehouse_id),
            reason: reason.expect("a reason when there is no error"),
            note,
            lines,
        })
    }
}

/// The 调整单 a request posts: its number as the reference, its reason in the note.
pub fn document(
    number: &str,
    warehouse: WarehouseId,
    reason: AdjustmentReason,
    note: &str,
    lines: &[AdjustmentLine],
) -> Document {
    let label = reason.label_zh();
    Document {
        kind: DocumentKind::Adjustment,
        warehouse,
        reference: number.to_string(),
        note: if note.is_empty() {
            label.to_string()
        } else {
            format!("{label}：{note}")
        },
        lines: lines
            .iter()
            .map(|l| Line {
                sku: l.sku,
                location: l.location,
                to_location: None,
                lot: LotSpec {
                    no: l.lot_no.clone(),
                    ..Default::default()
                },
                qty: l.qty,
                value: l.value,
                reservation: None,
            })
            .collect(),
    }
}

/// The note a rejection must carry.
pub fn rejection_note(s: &str) -> Result<String, Error> {
    Ok(text::required("note", s, 500)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty: i64, unit_cost: Option<i64>) -> AdjustmentLineInput {
        AdjustmentLineInput {
            sku_id: 1,
            qty,
            unit_cost,
            ..Default::default()
        }
    }

    #[test]
    fn a_reason_decides_the_direction_and_other_needs_a_note() {
        let input = NewAdjustmentInput {
            warehouse_id: 1,
            reason: "damage".into(),
            lines: vec![line(2, None), line(-1, Some(100)), line(0, None)],
            ..Default::default()
        };
        let Error::Invalid(errs) = NewAdjustment::parse(&input).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["lines[0].qty", "lines[1].unit_cost", "lines[2].qty"]
        );
        let other = NewAdjustmentInput {
            warehouse_id: 1,
            reason: "other".into(),
            lines: vec![line(3, Some(250))],
            ..Default::default()
        };
        let Error::Invalid(errs) = NewAdjustment::parse(&other).unwrap_err() else {
            panic!()
        };
        assert_eq!(errs[0].field, "note");
        let ok = NewAdjustment::parse(&NewAdjustmentInput {
            note: "退货入库".into(),
            ..other
        })
        .unwrap();
        assert_eq!(ok.lines[0].value, Some(Fen(750)));
        let d = document("QT00000001", ok.warehouse, ok.reason, &ok.note, &ok.lines);
        assert_eq!(d.kind, DocumentKind::Adjustment);
        assert_eq!(d.note, "其他：退货入库");
    }

    #[test]
    fn the_threshold_itself_posts_at_once() {
        assert!(!needs_approval(Fen(50_000), DEFAULT_APPROVAL_THRESHOLD));
        assert!(needs_approval(Fen(50_001), DEFAULT_APPROVAL_THRESHOLD));
    }
}
