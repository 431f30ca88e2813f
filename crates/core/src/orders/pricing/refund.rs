//! Refunds by quantity, and the check that a platform's amounts add up.

use serde::Serialize;

use super::PricedOrder;
use crate::Error;
use crate::money::{Fen, split_largest_remainder};

/// What the first `k` units of a line of `qty` units paying `paid` are worth: the line's
/// paid amount split by quantity (k : qty − k) with largest remainder. It grows with `k`
/// (it is `paid × k / qty` rounded half up), is 0 at 0 and `paid` at `qty`.
fn first_units(paid: Fen, qty: i64, k: i64) -> i64 {
    split_largest_remainder(paid.0, &[k, qty - k])[0]
}

/// The exact amount to refund for returning `qty` units of line `line` (0-based) when none
/// of it was returned before. See [`refund_share_after`].
pub fn refund_share(priced: &PricedOrder, line: usize, qty: i64) -> Result<Fen, Error> {
    refund_share_after(priced, line, 0, qty)
}

/// The exact amount to refund for returning `qty` more units of line `line` (0-based)
/// when `already_returned` units of it were returned before.
///
/// The line's `paid` (goods only; shipping is not refunded here) is split by quantity with
/// largest remainder: the first `k` units returned are worth `paid × k / line qty`, rounded
/// to the 分 (half up), and each return takes the difference. So returning every unit, at
/// once or one by one or in any batches, gives back exactly the line's `paid`, and the
/// same units are worth the same whatever the batches.
pub fn refund_share_after(
    priced: &PricedOrder,
    line: usize,
    already_returned: i64,
    qty: i64,
) -> Result<Fen, Error> {
    let Some(l) = priced.lines.get(line) else {
        return Err(Error::field(
            "line",
            format!(
                "订单没有第 {} 行 (共 {} 行) / no such line",
                line + 1,
                priced.lines.len()
            ),
        ));
    };
    if qty <= 0 {
        return Err(Error::field(
            "qty",
            "退货数量必须大于 0 / quantity must be positive",
        ));
    }
    if already_returned < 0 {
        return Err(Error::field(
            "already_returned",
            "已退数量不能为负数 / must not be negative",
        ));
    }
    if already_returned > l.qty || qty > l.qty - already_returned {
        let left = l.qty - already_returned.min(l.qty);
        return Err(Error::field(
            "qty",
            format!("退货数量超过可退数量 {left} / only {left} left to return"),
        ));
    }
    let before = first_units(l.paid, l.qty, already_returned);
    let after = first_units(l.paid, l.qty, already_returned + qty);
    Ok(Fen(after - before))
}

/// A platform order whose lines do not add up: Σ lines paid ≠ paid − shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error(
    "金额不符：明细合计 {lines_total}，实付减运费 {expected}，相差 {difference} / line amounts do not add up to paid − shipping"
)]
pub struct Mismatch {
    /// Σ lines paid.
    pub lines_total: Fen,
    /// paid − shipping.
    pub expected: Fen,
    /// `lines_total − expected`: positive when the lines claim more than was paid.
    pub difference: Fen,
}

fn saturate(v: i128) -> Fen {
    Fen(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// Checks a platform's figures: Σ `lines_paid` must equal `paid − shipping`, exactly.
/// A mismatch (the `amount_mismatch` hold) carries the difference. Sums are exact in
/// `i128`; only the figures reported for absurd inputs beyond ±9.2×10^16 元 saturate.
pub fn check_platform_amounts(
    lines_paid: &[Fen],
    shipping: Fen,
    paid: Fen,
) -> Result<(), Mismatch> {
    let lines: i128 = lines_paid.iter().map(|f| f.0 as i128).sum();
    let expected = paid.0 as i128 - shipping.0 as i128;
    if lines == expected {
        Ok(())
    } else {
        Err(Mismatch {
            lines_total: saturate(lines),
            expected: saturate(expected),
            difference: saturate(lines - expected),
        })
    }
}
