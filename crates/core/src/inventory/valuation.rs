//! Moving-average valuation (移动加权平均) that never drifts.
//!
//! Each balance keeps its total value in 分 and its quantity. Stock leaving takes
//! `round(qty × value / on_hand)`; the last unit out takes exactly the value that is left,
//! so a balance at zero quantity is at zero value and no fen is created or lost.

use crate::money::{Fen, round_div};

use super::Balance;

/// The value of `qty` (> 0) units leaving `b`. Past the quantity on hand (a SKU allowed to
/// go negative), the missing units are valued at `fallback_unit` (the SKU's default cost,
/// or the balance's own average when it is already negative).
pub fn outbound_value(b: &Balance, qty: i64, fallback_unit: Fen) -> Fen {
    debug_assert!(qty > 0);
    if b.on_hand > 0 {
        if qty < b.on_hand {
            Fen(round_div(qty as i128 * b.value.0 as i128, b.on_hand as i128) as i64)
        } else {
            Fen(b.value.0 + (qty - b.on_hand) * unit_of_negative(b, fallback_unit).0)
        }
    } else {
        Fen(qty * unit_of_negative(b, fallback_unit).0)
    }
}

fn unit_of_negative(b: &Balance, fallback: Fen) -> Fen {
    if b.on_hand < 0 && b.value.0 != 0 {
        Fen(round_div(b.value.0 as i128, b.on_hand as i128) as i64)
    } else {
        fallback
    }
}

/// The value an inbound move without a stated value carries: the balance's own average if
/// it has stock, else `fallback_unit` per unit.
pub fn inbound_value_at_average(b: &Balance, qty: i64, fallback_unit: Fen) -> Fen {
    if b.on_hand > 0 {
        Fen(round_div(qty as i128 * b.value.0 as i128, b.on_hand as i128) as i64)
    } else {
        Fen(qty * fallback_unit.0)
    }
}

/// After `qty` units worth `value` arrive at a balance that was negative, the units that
/// filled the hole were issued at an estimate. The difference is posted as an explicit
/// revaluation (成本差异) so what remains is valued at the arriving cost (and a balance back
/// at zero is at zero value). Returns the revaluation, or zero.
pub fn negative_fill_revaluation(before: &Balance, qty: i64, value: Fen) -> Fen {
    let after_qty = before.on_hand + qty;
    if before.on_hand >= 0 || qty <= 0 || after_qty < 0 {
        return Fen::ZERO;
    }
    let target = round_div(after_qty as i128 * value.0 as i128, qty as i128) as i64;
    Fen(target - (before.value.0 + value.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bal(on_hand: i64, value: i64) -> Balance {
        Balance {
            on_hand,
            reserved: 0,
            value: Fen(value),
        }
    }

    #[test]
    fn three_units_worth_ten_yuan_leave_as_3_33_3_33_and_3_34() {
        let mut b = bal(3, 1000);
        let mut taken = vec![];
        for _ in 0..3 {
            let v = outbound_value(&b, 1, Fen(0));
            taken.push(v.0);
            b.on_hand -= 1;
            b.value.0 -= v.0;
        }
        assert_eq!(taken, vec![333, 334, 333]);
        assert_eq!(b, bal(0, 0));
    }

    #[test]
    fn the_last_unit_out_takes_what_is_left() {
        assert_eq!(outbound_value(&bal(7, 1001), 7, Fen(999)), Fen(1001));
    }

    #[test]
    fn going_negative_values_missing_units_at_the_default_cost() {
        assert_eq!(outbound_value(&bal(2, 300), 5, Fen(100)), Fen(600));
        assert_eq!(outbound_value(&bal(-3, -300), 2, Fen(999)), Fen(200));
    }

    #[test]
    fn filling_a_negative_balance_posts_the_cost_difference() {
        // −2 at ¥1.00 estimated, then 5 arrive at ¥1.50: 3 remain, valued 3 × 1.50.
        let before = bal(-2, -200);
        let r = negative_fill_revaluation(&before, 5, Fen(750));
        assert_eq!(before.value.0 + 750 + r.0, 450);
        // Landing exactly on zero leaves zero value.
        let r = negative_fill_revaluation(&before, 2, Fen(300));
        assert_eq!(before.value.0 + 300 + r.0, 0);
    }
}
