//! Posting a stock document: the one place where ledger rows and balances are computed.

use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, LotId, ReservationId, SkuId, WarehouseId};
use crate::money::Fen;
use crate::{Error, FieldError};

use super::valuation::{inbound_value_at_average, negative_fill_revaluation, outbound_value};
use super::{Balance, BalanceKey, Book, DocumentKind, SkuPolicy};

/// A document line with its location and lot resolved to ids by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    pub line_no: u32,
    pub sku: SkuId,
    pub location: LocationId,
    pub to_location: Option<LocationId>,
    pub lot: LotId,
    pub qty: i64,
    pub value: Option<Fen>,
    pub reservation: Option<ReservationId>,
}

/// Why a ledger row exists beside its document kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    In,
    Out,
    /// A value-only correction (成本差异) after stock that went negative is filled.
    Revalue,
}

impl MoveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MoveKind::In => "in",
            MoveKind::Out => "out",
            MoveKind::Revalue => "revalue",
        }
    }
}

/// A ledger row to write: `qty` and `value` are signed (+ in, − out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMove {
    pub line_no: u32,
    pub key: BalanceKey,
    pub kind: MoveKind,
    pub qty: i64,
    pub value: Fen,
    /// The reservation this move consumed, and how much of it.
    pub consumed: Option<(ReservationId, i64)>,
}

/// Posts one document onto `book`: checks every line against the SKU's rules and the
/// stock available, updates the balances in the book, and returns the ledger rows. On an
/// error the book may be partly changed: the caller discards it (the store rolls back).
pub fn post(
    kind: DocumentKind,
    warehouse: WarehouseId,
    lines: &[PostingLine],
    book: &mut Book,
) -> Result<Vec<PlannedMove>, Error> {
    let mut moves = Vec::with_capacity(lines.len() + lines.len() / 4);
    for l in lines {
        let n = l.line_no;
        let policy = *book.skus.get(&l.sku).ok_or_else(|| {
            Error::Rule(format!(
                "第 {n} 行：商品 {} 不存在 / line {n}: unknown sku",
                l.sku
            ))
        })?;
        check_line(kind, warehouse, l, &policy, book)?;
        let key = BalanceKey {
            sku: l.sku,
            warehouse,
            location: l.location,
            lot: l.lot,
        };
        match kind {
            DocumentKind::Opening | DocumentKind::Receipt => {
                let value = l.value.ok_or_else(|| {
                    FieldError::new(
                        format!("lines[{n}].unit_cost"),
                        "入库必须有成本 / a receipt needs a cost",
                    )
                })?;
                inbound(book, &mut moves, n, key, l.qty, value);
            }
            DocumentKind::Issue => {
                outbound(
                    book,
                    &mut moves,
                    n,
                    key,
                    l.qty,
                    l.reservation,
                    None,
                    &policy,
                )?;
            }
            DocumentKind::Adjustment if l.qty > 0 => {
                let value = l.value.unwrap_or_else(|| {
                    inbound_value_at_average(&book.balance(&key), l.qty, policy.default_cost)
                });
                inbound(book, &mut moves, n, key, l.qty, value);
            }
            DocumentKind::Adjustment => {
                outbound(book, &mut moves, n, key, -l.qty, None, None, &policy)?;
            }
            DocumentKind::Relocation => {
                let to = l.to_location.ok_or_else(|| {
                    FieldError::new(format!("lines[{n}].to_location_id"), "移库必须指定目标库位")
                })?;
                let value = outbound(book, &mut moves, n, key, l.qty, None, None, &policy)?;
                inbound(
                    book,
                    &mut moves,
                    n,
                    BalanceKey {
                        location: to,
                        ..key
                    },
                    l.qty,
                    value,
                );
            }
            DocumentKind::Transfer => transfer_line(book, &mut moves, l, key, &policy)?,
        }
    }
    Ok(moves)
}

/// A 调拨 line. With `to_location` (in any warehouse): `qty` leaves `location` — at the
/// stated value if given (the value a transfer carries), else at moving average — and
/// arrives at `to_location` with that same value (ship: shelf → the destination's
/// in-transit location; receive: in transit → a shelf). Without it and with `qty` < 0:
/// `qty` leaves `location` at the stated value (a loss in transit). A stated value out
/// must leave a balance that reaches zero at zero value, or the line is refused.
fn transfer_line(
    book: &mut Book,
    moves: &mut Vec<PlannedMove>,
    l: &PostingLine,
    key: BalanceKey,
    policy: &SkuPolicy,
) -> Result<(), Error> {
    let n = l.line_no;
    match l.to_location {
        Some(to) if l.qty > 0 => {
            let to_wh = *book.locations.get(&to).ok_or_else(|| {
                Error::Rule(format!(
                    "第 {n} 行：库位 {to} 不存在 / line {n}: unknown location"
                ))
            })?;
            let value = outbound(book, moves, n, key, l.qty, l.reservation, l.value, policy)?;
            let to_key = BalanceKey {
                warehouse: to_wh,
                location: to,
                ..key
            };
            inbound(book, moves, n, to_key, l.qty, value);
        }
        None if l.qty < 0 => {
            let value = l.value.ok_or_else(|| {
                Error::Rule(format!(
                    "第 {n} 行：调拨损耗必须有金额 / line {n}: a loss needs its value"
                ))
            })?;
            outbound(
                book,
                moves,
                n,
                key,
                -l.qty,
                l.reservation,
                Some(value),
                policy,
            )?;
        }
        _ => {
            return Err(Error::Rule(format!(
                "第 {n} 行：调拨行的数量或目标库位不对 / line {n}: not a transfer move"
            )));
        }
    }
    Ok(())
}

fn check_line(
    kind: DocumentKind,
    warehouse: WarehouseId,
    l: &PostingLine,
    p: &SkuPolicy,
    book: &Book,
) -> Result<(), Error> {
    let n = l.line_no;
    if p.is_bundle {
        return Err(Error::Rule(format!(
            "第 {n} 行：组合装没有自己的库存，请按组件出入库 / line {n}: a bundle holds no stock"
        )));
    }
    let inbound = matches!(kind, DocumentKind::Opening | DocumentKind::Receipt)
        || (kind == DocumentKind::Adjustment && l.qty > 0);
    if inbound && !p.active {
        return Err(Error::Rule(format!(
            "第 {n} 行：商品已停用，不能入库 / line {n}: sku is inactive"
        )));
    }
    // A transfer's target may be in another warehouse (it checks that itself).
    let to = l.to_location.filter(|_| kind != DocumentKind::Transfer);
    for loc in std::iter::once(l.location).chain(to) {
        if book.locations.get(&loc) != Some(&warehouse) {
            return Err(Error::Rule(format!(
                "第 {n} 行：库位 {loc} 不属于仓库 {warehouse} / line {n}: location not in warehouse"
            )));
        }
    }
    let in_transit = std::iter::once(l.location)
        .chain(l.to_location)
        .any(|x| book.transit.contains(&x));
    if in_transit && kind != DocumentKind::Transfer {
        return Err(Error::Rule(format!(
            "第 {n} 行：在途库位的库存只随调拨单进出 / line {n}: stock in transit moves only with its transfer"
        )));
    }
    let field = format!("lines[{n}].lot_no");
    if p.tracking.tracks_lots() && l.lot == LotId::NONE {
        return Err(FieldError::new(
            field,
            "该商品管理批次，必须填批次号 / this sku tracks lots: a lot number is required",
        )
        .into());
    }
    if !p.tracking.tracks_lots() && l.lot != LotId::NONE {
        return Err(
            FieldError::new(field, "该商品不管理批次 / this sku does not track lots").into(),
        );
    }
    if p.tracking.is_serial() && l.qty.abs() != 1 {
        return Err(FieldError::new(
            format!("lines[{n}].qty"),
            "序列号商品每行 1 件，批次号即序列号 / a serial-numbered sku moves one unit a line, its serial as the lot",
        )
        .into());
    }
    Ok(())
}

fn inbound(
    book: &mut Book,
    moves: &mut Vec<PlannedMove>,
    line_no: u32,
    key: BalanceKey,
    qty: i64,
    value: Fen,
) {
    let before = book.balance(&key);
    let reval = negative_fill_revaluation(&before, qty, value);
    let after = Balance {
        on_hand: before.on_hand + qty,
        reserved: before.reserved,
        value: Fen(before.value.0 + value.0 + reval.0),
    };
    moves.push(PlannedMove {
        line_no,
        key,
        kind: MoveKind::In,
        qty,
        value,
        consumed: None,
    });
    if reval != Fen::ZERO {
        moves.push(PlannedMove {
            line_no,
            key,
            kind: MoveKind::Revalue,
            qty: 0,
            value: reval,
            consumed: None,
        });
    }
    book.balances.insert(key, after);
}

/// Takes `qty` out of `key`, consuming `reservation` if given, at `stated` value if given
/// (else at moving average). Returns the value taken.
#[allow(clippy::too_many_arguments)]
fn outbound(
    book: &mut Book,
    moves: &mut Vec<PlannedMove>,
    line_no: u32,
    key: BalanceKey,
    qty: i64,
    reservation: Option<ReservationId>,
    stated: Option<Fen>,
    policy: &SkuPolicy,
) -> Result<Fen, Error> {
    let before = book.balance(&key);
    let consumed = match reservation {
        None => None,
        Some(rid) => {
            let r = book.reservations.get_mut(&rid).ok_or_else(|| {
                Error::Rule(format!(
                    "第 {line_no} 行：占用 {rid} 不存在或已释放 / reservation is not live"
                ))
            })?;
            if r.key != key {
                return Err(Error::Rule(format!(
                    "第 {line_no} 行：占用 {rid} 不在此库位/批次 / reservation holds other stock"
                )));
            }
            if r.qty < qty {
                return Err(Error::Rule(format!(
                    "第 {line_no} 行：出库 {qty} 超过占用剩余 {} / issue exceeds the reservation",
                    r.qty
                )));
            }
            r.qty -= qty;
            Some((rid, qty))
        }
    };
    let taken = consumed.map_or(0, |c| c.1);
    let value = stated.unwrap_or_else(|| outbound_value(&before, qty, policy.default_cost));
    let after = Balance {
        on_hand: before.on_hand - qty,
        reserved: before.reserved - taken,
        value: Fen(before.value.0 - value.0),
    };
    if stated.is_some() && after.on_hand == 0 && after.value != Fen::ZERO {
        return Err(Error::Rule(format!(
            "第 {line_no} 行：在途金额与账面不符（差 {} 分）/ the value in transit does not match the books",
            after.value.0
        )));
    }
    if !policy.allow_negative && (after.on_hand < 0 || after.available() < 0) {
        return Err(Error::InsufficientStock {
            sku: key.sku.0,
            warehouse: key.warehouse.0,
            requested: qty,
            available: before.available() + taken,
        });
    }
    moves.push(PlannedMove {
        line_no,
        key,
        kind: MoveKind::Out,
        qty: -qty,
        value: Fen(-value.0),
        consumed,
    });
    book.balances.insert(key, after);
    Ok(value)
}
