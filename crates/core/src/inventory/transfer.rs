//! 调拨 (transfers between warehouses): what a transfer asks for, how it moves from
//! requested to closed, and the arithmetic that carries its value exactly.
//!
//! A transfer ships all of its lines at once: the stock leaves the source warehouse at
//! moving average (exactly as an issue would) and arrives, with that value, at the
//! destination's in-transit location (在途), where the transfer holds it so no order is
//! promised it. Receiving takes some or all of a line's remaining quantity on to a shelf
//! of the destination, at the value it carried: `round(qty × remaining value / remaining
//! qty)`, the last unit taking what is left, so nothing drifts. Closing with units still
//! in transit writes them off as a loss (损耗) at their remaining value, with a reason.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{LocationId, SkuId, WarehouseId};
use crate::money::Fen;
use crate::{Error, text};

use super::Balance;
use super::valuation::outbound_value;

/// Lines in one transfer, at most.
pub const MAX_TRANSFER_LINES: usize = 1000;

/// Where a transfer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// 待发货: asked for; nothing has moved. May be cancelled.
    Requested,
    /// 在途: shipped; the stock is in the destination's in-transit location.
    Shipped,
    /// 部分收货: some of it has arrived.
    PartlyReceived,
    /// 已完成: everything arrived, or what did not was written off as a loss. Final.
    Closed,
    /// 已取消 before shipping. Final.
    Cancelled,
}

impl TransferStatus {
    pub const ALL: [TransferStatus; 5] = [
        TransferStatus::Requested,
        TransferStatus::Shipped,
        TransferStatus::PartlyReceived,
        TransferStatus::Closed,
        TransferStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Requested => "requested",
            TransferStatus::Shipped => "shipped",
            TransferStatus::PartlyReceived => "partly_received",
            TransferStatus::Closed => "closed",
            TransferStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<TransferStatus> {
        TransferStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            TransferStatus::Requested => "待发货",
            TransferStatus::Shipped => "在途",
            TransferStatus::PartlyReceived => "部分收货",
            TransferStatus::Closed => "已完成",
            TransferStatus::Cancelled => "已取消",
        }
    }
    /// Whether stock of the transfer is on its way (it may be received or closed).
    pub fn in_transit(self) -> bool {
        matches!(
            self,
            TransferStatus::Shipped | TransferStatus::PartlyReceived
        )
    }
}

/// One line as a person or the API gives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TransferLineInput {
    pub sku_id: i64,
    /// Where in the source warehouse it is taken from (omitted: its default location).
    pub from_location_id: Option<i64>,
    /// 批次号, for SKUs that track lots.
    pub lot_no: String,
    pub qty: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NewTransferInput {
    pub from_warehouse_id: i64,
    pub to_warehouse_id: i64,
    pub note: String,
    pub lines: Vec<TransferLineInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransferLine {
    pub sku: SkuId,
    pub from_location: Option<LocationId>,
    pub lot_no: String,
    pub qty: i64,
}

/// A parsed transfer request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer {
    pub from: WarehouseId,
    pub to: WarehouseId,
    pub note: String,
    pub lines: Vec<NewTransferLine>,
}

impl NewTransfer {
    pub fn parse(input: &NewTransferInput) -> Result<NewTransfer, Error> {
        let mut e = Errors::default();
        if input.from_warehouse_id <= 0 {
            e.push(
                "from_warehouse_id",
                "请选择调出仓库 / choose the source warehouse",
            );
        }
        if input.to_warehouse_id <= 0 {
            e.push("to_warehouse_id", "请选择调入仓库 / choose the destination");
        } else if input.to_warehouse_id == input.from_warehouse_id {
            e.push(
                "to_warehouse_id",
                "调入仓库不能与调出仓库相同 / the destination is the source",
            );
        }
        let note = e
            .take(text::optional("note", &input.note, 500))
            .unwrap_or_default();
        if input.lines.is_empty() {
            e.push("lines", "至少要有一行 / a transfer needs at least one line");
        }
        if input.lines.len() > MAX_TRANSFER_LINES {
            e.push(
                "lines",
                format!("最多 {MAX_TRANSFER_LINES} 行 / at most {MAX_TRANSFER_LINES} lines"),
            );
        }
        let mut seen = BTreeSet::new();
        let mut lines = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let f = |n: &str| format!("lines[{i}].{n}");
            if l.sku_id <= 0 {
                e.push(f("sku_id"), "请选择商品 / choose a SKU");
            }
            if l.qty <= 0 {
                e.push(f("qty"), "数量必须大于 0 / quantity must be positive");
            }
            let lot_no = e
                .take(text::optional(&f("lot_no"), &l.lot_no, 64))
                .unwrap_or_default();
            if l.sku_id > 0 && !seen.insert((l.sku_id, l.from_location_id, lot_no.clone())) {
                e.push(
                    f("sku_id"),
                    "同一商品、库位、批次只能一行 / this SKU, location and lot is on another line",
                );
            }
            lines.push(NewTransferLine {
                sku: SkuId(l.sku_id),
                from_location: l.from_location_id.map(LocationId),
                lot_no,
                qty: l.qty,
            });
        }
        e.into_result()?;
        Ok(NewTransfer {
            from: WarehouseId(input.from_warehouse_id),
            to: WarehouseId(input.to_warehouse_id),
            note,
            lines,
        })
    }
}

/// What a shipped line has become: shipped, received and lost, in units and 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineProgress {
    pub shipped_qty: i64,
    pub shipped_value: Fen,
    pub received_qty: i64,
    pub received_value: Fen,
    pub lost_qty: i64,
    pub lost_value: Fen,
}

impl LineProgress {
    /// Units still in transit.
    pub fn remaining_qty(&self) -> i64 {
        self.shipped_qty - self.received_qty - self.lost_qty
    }
    /// Their value: what was shipped less what arrived or was lost.
    pub fn remaining_value(&self) -> Fen {
        Fen(self.shipped_value.0 - self.received_value.0 - self.lost_value.0)
    }
    /// The value `qty` of the remaining units carry: their share, the last unit taking
    /// exactly what is left.
    pub fn carried_value(&self, qty: i64) -> Fen {
        let rest = Balance {
            on_hand: self.remaining_qty(),
            reserved: 0,
            value: self.remaining_value(),
        };
        outbound_value(&rest, qty, Fen::ZERO)
    }
}

/// One line of a receipt as given: which transfer line (its number, from 1), how many
/// units arrived and where they go in the destination (omitted: its default location).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReceiveLineInput {
    pub line_no: u32,
    pub qty: i64,
    pub to_location_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReceiveInput {
    pub lines: Vec<ReceiveLineInput>,
}

/// One line of a checked receipt: the units and the value they carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub line_no: u32,
    pub qty: i64,
    pub value: Fen,
    pub to_location: Option<LocationId>,
}

/// Checks a receipt against what is in transit (`lines`: line number → progress) and
/// values it. Lines with 0 units are skipped; at least one must bring something.
pub fn plan_receipt(
    lines: &[(u32, LineProgress)],
    input: &ReceiveInput,
) -> Result<Vec<Arrival>, Error> {
    let mut e = Errors::default();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, r) in input.lines.iter().enumerate() {
        let f = |n: &str| format!("lines[{i}].{n}");
        let Some((_, p)) = lines.iter().find(|(n, _)| *n == r.line_no) else {
            e.push(
                f("line_no"),
                format!("没有第 {} 行 / no such line", r.line_no),
            );
            continue;
        };
        if !seen.insert(r.line_no) {
            e.push(f("line_no"), "同一行只能出现一次 / the line is given twice");
            continue;
        }
        if r.qty < 0 {
            e.push(f("qty"), "数量不能为负 / must not be negative");
        } else if r.qty > p.remaining_qty() {
            e.push(
                f("qty"),
                format!(
                    "超过在途数量 {} / more than the {} in transit",
                    p.remaining_qty(),
                    p.remaining_qty()
                ),
            );
        } else if r.qty > 0 {
            out.push(Arrival {
                line_no: r.line_no,
                qty: r.qty,
                value: p.carried_value(r.qty),
                to_location: r.to_location_id.map(LocationId),
            });
        }
    }
    if e.0.is_empty() && out.is_empty() {
        e.push("lines", "没有收到任何数量 / nothing received");
    }
    e.into_result()?;
    Ok(out)
}

/// The reason a transfer is closed with units still in transit (损耗原因): required.
pub fn loss_reason(s: &str) -> Result<String, Error> {
    Ok(text::required("reason", s, 200)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(qty: i64, value: i64) -> LineProgress {
        LineProgress {
            shipped_qty: qty,
            shipped_value: Fen(value),
            ..Default::default()
        }
    }

    #[test]
    fn ten_worth_123_45_arrive_as_6_then_3_and_1_is_lost_to_the_fen() {
        let mut p = shipped(10, 12345);
        let first = p.carried_value(6);
        assert_eq!(first, Fen(7407));
        p.received_qty += 6;
        p.received_value.0 += first.0;
        let second = p.carried_value(3);
        assert_eq!(second, Fen(3704));
        p.received_qty += 3;
        p.received_value.0 += second.0;
        assert_eq!((p.remaining_qty(), p.remaining_value()), (1, Fen(1234)));
        assert_eq!(
            p.carried_value(1),
            Fen(1234),
            "the last unit takes the rest"
        );
        assert_eq!(first.0 + second.0 + 1234, 12345);
    }

    #[test]
    fn a_receipt_names_its_lines_once_and_within_what_is_in_transit() {
        let lines = [(1, shipped(10, 1000)), (2, shipped(2, 300))];
        let bad = ReceiveInput {
            lines: vec![
                ReceiveLineInput {
                    line_no: 1,
                    qty: 11,
                    to_location_id: None,
                },
                ReceiveLineInput {
                    line_no: 3,
                    qty: 1,
                    to_location_id: None,
                },
                ReceiveLineInput {
                    line_no: 2,
                    qty: -1,
                    to_location_id: None,
                },
            ],
        };
        let Error::Invalid(errs) = plan_receipt(&lines, &bad).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["lines[0].qty", "lines[1].line_no", "lines[2].qty"]
        );
        let none = ReceiveInput {
            lines: vec![ReceiveLineInput {
                line_no: 1,
                qty: 0,
                to_location_id: None,
            }],
        };
        assert!(plan_receipt(&lines, &none).is_err());
        let ok = ReceiveInput {
            lines: vec![ReceiveLineInput {
                line_no: 2,
                qty: 2,
                to_location_id: Some(7),
            }],
        };
        let got = plan_receipt(&lines, &ok).unwrap();
        assert_eq!(got[0].value, Fen(300));
        assert_eq!(got[0].to_location, Some(LocationId(7)));
    }

    mod posting {
        use crate::catalog::Tracking;
        use crate::ids::{LocationId, LotId, ReservationId, SkuId, WarehouseId};
        use crate::inventory::reservation::{ReserveRequest, hold, reserve};
        use crate::inventory::{
            Balance, BalanceKey, Book, DocumentKind, LiveReservation, PostingLine, SkuPolicy, post,
        };
        use crate::money::Fen;

        const A: WarehouseId = WarehouseId(1);
        const B: WarehouseId = WarehouseId(2);
        const SHELF_A: LocationId = LocationId(10);
        const SHELF_B: LocationId = LocationId(20);
        const TRANSIT_B: LocationId = LocationId(21);
        const SKU: SkuId = SkuId(7);

        fn key(w: WarehouseId, l: LocationId) -> BalanceKey {
            BalanceKey {
                sku: SKU,
                warehouse: w,
                location: l,
                lot: LotId::NONE,
            }
        }

        /// 10 units worth ¥123.45 on shelf A; B has a shelf and a transit location.
        fn book() -> Book {
            let mut b = Book::default();
            b.skus.insert(
                SKU,
                SkuPolicy {
                    allow_negative: false,
                    default_cost: Fen(100),
                    is_bundle: false,
                    active: true,
                    tracking: Tracking::None,
                },
            );
            b.locations.insert(SHELF_A, A);
            b.locations.insert(SHELF_B, B);
            b.locations.insert(TRANSIT_B, B);
            b.transit.insert(TRANSIT_B);
            b.balances.insert(
                key(A, SHELF_A),
                Balance {
                    on_hand: 10,
                    reserved: 0,
                    value: Fen(12345),
                },
            );
            b
        }

        fn line(location: LocationId, to: Option<LocationId>, qty: i64) -> PostingLine {
            PostingLine {
                line_no: 1,
                sku: SKU,
                location,
                to_location: to,
                lot: LotId::NONE,
                qty,
                value: None,
                reservation: None,
            }
        }

        #[test]
        fn stock_ships_into_the_destinations_transit_and_only_a_transfer_touches_it() {
            let mut b = book();
            let ship = [line(SHELF_A, Some(TRANSIT_B), 10)];
            let moves = post(DocumentKind::Transfer, A, &ship, &mut b).unwrap();
            assert_eq!(moves.len(), 2);
            assert_eq!(b.balance(&key(A, SHELF_A)), Balance::default());
            assert_eq!(b.balance(&key(B, TRANSIT_B)).value, Fen(12345));
            hold(&mut b, key(B, TRANSIT_B), 10).unwrap();
            // No order may reserve it, named or not, and no other document may move it.
            let req = ReserveRequest {
                sku: SKU,
                warehouse: B,
                qty: 1,
                location: None,
                lot: None,
            };
            let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            assert!(reserve(&mut b.clone(), &req, today, SHELF_B).is_err());
            let named = ReserveRequest {
                location: Some(TRANSIT_B),
                ..req
            };
            assert!(reserve(&mut b.clone(), &named, today, SHELF_B).is_err());
            let issue = [line(TRANSIT_B, None, 1)];
            assert!(post(DocumentKind::Issue, B, &issue, &mut b.clone()).is_err());
            let relocate = [line(TRANSIT_B, Some(SHELF_B), 1)];
            assert!(post(DocumentKind::Relocation, B, &relocate, &mut b.clone()).is_err());

            // Receiving 6 at their carried value consumes the hold.
            b.reservations.insert(
                ReservationId(1),
                LiveReservation {
                    key: key(B, TRANSIT_B),
                    qty: 10,
                },
            );
            let mut receive = line(TRANSIT_B, Some(SHELF_B), 6);
            receive.value = Some(Fen(7407));
            receive.reservation = Some(ReservationId(1));
            post(DocumentKind::Transfer, B, &[receive], &mut b).unwrap();
            assert_eq!(
                b.balance(&key(B, TRANSIT_B)),
                Balance {
                    on_hand: 4,
                    reserved: 4,
                    value: Fen(4938),
                }
            );
            assert_eq!(b.balance(&key(B, SHELF_B)).value, Fen(7407));
            // A loss that would leave value behind at zero units is refused.
            let mut lose = line(TRANSIT_B, None, -4);
            lose.value = Some(Fen(4937));
            lose.reservation = Some(ReservationId(1));
            assert!(post(DocumentKind::Transfer, B, &[lose.clone()], &mut b.clone()).is_err());
            lose.value = Some(Fen(4938));
            post(DocumentKind::Transfer, B, &[lose], &mut b).unwrap();
            assert_eq!(b.balance(&key(B, TRANSIT_B)), Balance::default());
        }
    }

    #[test]
    fn a_transfer_goes_somewhere_else_with_positive_distinct_lines() {
        let input = NewTransferInput {
            from_warehouse_id: 1,
            to_warehouse_id: 1,
            lines: vec![
                TransferLineInput {
                    sku_id: 5,
                    qty: 0,
                    ..Default::default()
                },
                TransferLineInput {
                    sku_id: 5,
                    qty: 2,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let Error::Invalid(errs) = NewTransfer::parse(&input).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["to_warehouse_id", "lines[0].qty", "lines[1].sku_id"]
        );
        assert!(loss_reason("  ").is_err());
    }
}
