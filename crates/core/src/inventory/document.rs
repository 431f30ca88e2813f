//! Stock documents (库存单据): what a person asks to post, parsed before anything is posted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{LocationId, ReservationId, SkuId, WarehouseId};
use crate::money::Fen;
use crate::{Error, text};

/// The kinds of stock document. Each posts moves of one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 期初: opening stock, valued by the line.
    Opening,
    /// 入库: goods received, valued by the line.
    Receipt,
    /// 出库: goods issued, valued at moving average.
    Issue,
    /// 调整 (盘盈/盘亏/其他出入库): + or −; + valued by the line or at average.
    Adjustment,
    /// 移库: from one location to another in the same warehouse, value travels along.
    Relocation,
    /// 调拨: a transfer's ship, receive or loss (see `inventory::transfer`). Posted only by
    /// a transfer (调拨单), never from a person's document.
    Transfer,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Opening,
        DocumentKind::Receipt,
        DocumentKind::Issue,
        DocumentKind::Adjustment,
        DocumentKind::Relocation,
        DocumentKind::Transfer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Opening => "opening",
            DocumentKind::Receipt => "receipt",
            DocumentKind::Issue => "issue",
            DocumentKind::Adjustment => "adjustment",
            DocumentKind::Relocation => "relocation",
            DocumentKind::Transfer => "transfer",
        }
    }
    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// The prefix of document numbers: 期初 QC, 入库 RK, 出库 CK, 调整 TZ, 移库 YK, 调拨 DC
    /// (the transfer itself is `DB` + its id).
    pub fn number_prefix(self) -> &'static str {
        match self {
            DocumentKind::Opening => "QC",
            DocumentKind::Receipt => "RK",
            DocumentKind::Issue => "CK",
            DocumentKind::Adjustment => "TZ",
            DocumentKind::Relocation => "YK",
            DocumentKind::Transfer => "DC",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentKind::Opening => "期初",
            DocumentKind::Receipt => "入库",
            DocumentKind::Issue => "出库",
            DocumentKind::Adjustment => "调整",
            DocumentKind::Relocation => "移库",
            DocumentKind::Transfer => "调拨",
        }
    }
}

/// One line as given by a person, a file or the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LineInput {
    pub sku_id: i64,
    /// Omitted: the warehouse's default location.
    pub location_id: Option<i64>,
    /// Relocations only: where the stock goes.
    pub to_location_id: Option<i64>,
    /// 批次号, for SKUs that track lots.
    pub lot_no: Option<String>,
    pub production_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
    /// Units; negative only in adjustments (盘亏).
    pub qty: i64,
    /// 单位成本 in 分, for stock coming in.
    pub unit_cost: Option<i64>,
    /// Total value in 分 of the line, for stock coming in (exact; wins over unit_cost).
    pub value: Option<i64>,
    /// Issues only: the reservation this line consumes.
    pub reservation_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DocumentInput {
    pub warehouse_id: i64,
    /// External reference, e.g. a PO or order number.
    pub reference: String,
    pub note: String,
    pub lines: Vec<LineInput>,
}

/// A lot named on a line. An empty `no` means the line is not lot-tracked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotSpec {
    pub no: String,
    pub production_date: Option<NaiveDate>,
    pub expiry_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Line {
    pub sku: SkuId,
    pub location: Option<LocationId>,
    pub to_location: Option<LocationId>,
    pub lot: LotSpec,
    pub qty: i64,
    /// The stated value of an inbound line, if any.
    pub value: Option<Fen>,
    pub reservation: Option<ReservationId>,
}

/// A parsed stock document: every line is well-formed for its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub kind: DocumentKind,
    pub warehouse: WarehouseId,
    pub reference: String,
    pub note: String,
    pub lines: Vec<Line>,
}

/// Documents with more lines are refused: split them.
pub const MAX_LINES: usize = 10_000;

impl Document {
    pub fn parse(kind: DocumentKind, input: &DocumentInput) -> Result<Document, Error> {
        if kind == DocumentKind::Transfer {
            return Err(Error::field(
                "kind",
                "调拨请用调拨单（发货、收货、关闭）/ transfers post through a transfer (调拨单)",
            ));
        }
        let mut e = Errors::default();
        let reference = e
            .take(text::optional("reference", &input.reference, 100))
            .unwrap_or_default();
        let note = e
            .take(text::optional("note", &input.note, 500))
            .unwrap_or_default();
        if input.lines.is_empty() {
            e.push(
                "lines",
                "单据至少要有一行 / a document needs at least one line",
            );
        }
        if input.lines.len() > MAX_LINES {
            e.push(
                "lines",
                format!("单据最多 {MAX_LINES} 行 / at most {MAX_LINES} lines"),
            );
        }
        let mut lines = Vec::with_capacity(input.lines.len());
        for (n, l) in input.lines.iter().enumerate() {
            let f = |name: &str| format!("lines[{n}].{name}");
            match kind {
                DocumentKind::Adjustment if l.qty == 0 => {
                    e.push(f("qty"), "调整数量不能为 0 / must not be zero")
                }
                DocumentKind::Adjustment => {}
                _ if l.qty <= 0 => e.push(f("qty"), "数量必须大于 0 / quantity must be positive"),
                _ => {}
            }
            if kind == DocumentKind::Relocation {
                match l.to_location_id {
                    None => e.push(
                        f("to_location_id"),
                        "移库必须指定目标库位 / a relocation needs a target location",
                    ),
                    Some(to) if Some(to) == l.location_id => e.push(
                        f("to_location_id"),
                        "目标库位与原库位相同 / target is the source location",
                    ),
                    _ => {}
                }
            } else if l.to_location_id.is_some() {
                e.push(
                    f("to_location_id"),
                    "只有移库单有目标库位 / only relocations have a target",
                );
            }
            if l.reservation_id.is_some() && kind != DocumentKind::Issue {
                e.push(
                    f("reservation_id"),
                    "只有出库单可以消耗占用 / only issues consume reservations",
                );
            }
            let inbound = matches!(kind, DocumentKind::Opening | DocumentKind::Receipt)
                || (kind == DocumentKind::Adjustment && l.qty > 0);
            let value = match (l.value, l.unit_cost) {
                (Some(_), _) | (_, Some(_)) if !inbound => {
                    e.push(f("unit_cost"), "出库按移动平均计价，不能指定成本 / outbound stock is valued at average cost");
                    None
                }
                (Some(v), _) if v < 0 => {
                    e.push(f("value"), "金额不能为负数 / must not be negative");
                    None
                }
                (Some(v), _) => Some(Fen(v)),
                (None, Some(c)) if c < 0 => {
                    e.push(f("unit_cost"), "成本不能为负数 / must not be negative");
                    None
                }
                (None, Some(c)) => match Fen(c).times(l.qty) {
                    Some(v) => Some(v),
                    None => {
                        e.push(f("unit_cost"), "金额太大 / amount too large");
                        None
                    }
                },
                (None, None) if matches!(kind, DocumentKind::Opening | DocumentKind::Receipt) => {
                    e.push(
                        f("unit_cost"),
                        "入库必须有成本 (unit_cost 或 value) / a receipt needs a cost",
                    );
                    None
                }
                (None, None) => None,
            };
            let lot_no = e
                .take(text::optional(
                    &f("lot_no"),
                    l.lot_no.as_deref().unwrap_or(""),
                    64,
                ))
                .unwrap_or_default();
            if let (Some(p), Some(x)) = (l.production_date, l.expiry_date) {
                if x < p {
                    e.push(
                        f("expiry_date"),
                        "到期日早于生产日期 / expiry is before production",
                    );
                }
            }
            if lot_no.is_empty() && (l.production_date.is_some() || l.expiry_date.is_some()) {
                e.push(
                    f("lot_no"),
                    "有生产/到期日期时必须填批次号 / dates need a lot number",
                );
            }
            lines.push(Line {
                sku: SkuId(l.sku_id),
                location: l.location_id.map(LocationId),
                to_location: l.to_location_id.map(LocationId),
                lot: LotSpec {
                    no: lot_no,
                    production_date: l.production_date,
                    expiry_date: l.expiry_date,
                },
                qty: l.qty,
                value,
                reservation: l.reservation_id.map(ReservationId),
            });
        }
        e.into_result()?;
        Ok(Document {
            kind,
            warehouse: WarehouseId(input.warehouse_id),
            reference,
            note,
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(qty: i64) -> LineInput {
        LineInput {
            sku_id: 1,
            qty,
            unit_cost: Some(100),
            ..Default::default()
        }
    }

    #[test]
    fn a_receipt_needs_positive_quantities_and_a_cost() {
        let input = DocumentInput {
            warehouse_id: 1,
            lines: vec![
                line(0),
                LineInput {
                    sku_id: 1,
                    qty: 2,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let Error::Invalid(errs) = Document::parse(DocumentKind::Receipt, &input).unwrap_err()
        else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["lines[0].qty", "lines[1].unit_cost"]);
    }

    #[test]
    fn an_issue_cannot_name_a_cost() {
        let input = DocumentInput {
            warehouse_id: 1,
            lines: vec![line(1)],
            ..Default::default()
        };
        assert!(Document::parse(DocumentKind::Issue, &input).is_err());
    }

    #[test]
    fn unit_cost_times_quantity_is_the_line_value() {
        let input = DocumentInput {
            warehouse_id: 1,
            lines: vec![line(3)],
            ..Default::default()
        };
        let d = Document::parse(DocumentKind::Receipt, &input).unwrap();
        assert_eq!(d.lines[0].value, Some(Fen(300)));
    }
}
