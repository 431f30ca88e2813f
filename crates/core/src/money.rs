//! Exact money. Amounts are integer 分 (1/100 of a yuan) of the base currency (CNY).
//! Never a float: parsing goes from decimal text straight to 分, and every split of an
//! amount uses the largest-remainder method so the parts add up to the whole.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// An amount in 分. `Fen(1250)` is ¥12.50.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// Parses yuan text as found in spreadsheets and platform feeds: `12`, `12.5`, `12.50`,
    /// `-3.20`, `1,234.56`, `¥12.50`, `12.50元`. More than two decimals is an error, not a
    /// silent rounding.
    pub fn parse_yuan(field: &str, s: &str) -> Result<Fen, FieldError> {
        let bad = |why: &str| FieldError::new(field, format!("金额 “{}” {why}", s.trim()));
        let mut t = s.trim();
        t = t
            .strip_prefix('¥')
            .or_else(|| t.strip_prefix('￥'))
            .unwrap_or(t)
            .trim();
        t = t.strip_suffix('元').unwrap_or(t).trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let t: String = t.chars().filter(|c| *c != ',').collect();
        let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad("不是金额 / not an amount"));
        }
        if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("不是金额 / not an amount"));
        }
        if frac.len() > 2 {
            return Err(bad("最多两位小数 / at most two decimals (分)"));
        }
        let yuan: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad("太大 / too large"))?
        };
        let fen_part: i64 = format!("{frac:0<2}").parse().unwrap_or(0);
        let v = yuan
            .checked_mul(100)
            .and_then(|v| v.checked_add(fen_part))
            .ok_or_else(|| bad("太大 / too large"))?;
        Ok(Fen(if neg { -v } else { v }))
    }

    /// `¥12.50` style text without the symbol: `12.50`, `-0.05`.
    pub fn to_yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", a / 100, a % 100)
    }

    /// For reading on a page: thousands grouped, `1,234,170.66` (parsing accepts it back).
    pub fn to_yuan_grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let whole = (a / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        format!("{sign}{grouped}.{:02}", a % 100)
    }

    pub fn checked_add(self, o: Fen) -> Option<Fen> {
        self.0.checked_add(o.0).map(Fen)
    }
    pub fn checked_sub(self, o: Fen) -> Option<Fen> {
        self.0.checked_sub(o.0).map(Fen)
    }
    /// `unit × qty`, refusing overflow.
    pub fn times(self, qty: i64) -> Option<Fen> {
        self.0.checked_mul(qty).map(Fen)
    }
}

impl std::fmt::Display for Fen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_yuan())
    }
}

/// `num / den` rounded half away from zero, in exact integer arithmetic. `den` must not be 0.
pub fn round_div(num: i128, den: i128) -> i128 {
    assert!(den != 0, "round_div by zero");
    let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
    let q = num / den;
    let r = num % den;
    if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    }
}

/// Splits `total` into parts proportional to `weights` by the largest-remainder method:
/// each part gets the floor of its exact share, and the fen left over go one each to the
/// parts with the largest remainders (ties to the earlier part). The parts always add up
/// to `total`. With all weights zero, the total is split equally.
pub fn split_largest_remainder(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let ws: Vec<i128> = if weights.iter().all(|w| *w == 0) {
        vec![1; weights.len()]
    } else {
        weights.iter().map(|w| (*w).max(0) as i128).collect()
    };
    let sum: i128 = ws.iter().sum();
    let sign: i128 = if total < 0 { -1 } else { 1 };
    let abs = (total as i128).abs();
    let mut parts: Vec<i128> = ws.iter().map(|w| abs * w / sum).collect();
    let mut rest = abs - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..ws.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(abs * ws[i] % sum));
    for &i in order.iter().cycle() {
        if rest == 0 {
            break;
        }
        parts[i] += 1;
        rest -= 1;
    }
    parts.into_iter().map(|p| (p * sign) as i64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_on_a_page_are_grouped_by_thousands_and_read_back_exactly() {
        assert_eq!(Fen(123417066).to_yuan_grouped(), "1,234,170.66");
        assert_eq!(Fen(99).to_yuan_grouped(), "0.99");
        assert_eq!(Fen(-100000).to_yuan_grouped(), "-1,000.00");
        assert_eq!(Fen(12345).to_yuan_grouped(), "123.45");
        for f in [0, 1, 100_000_00, -987_654_321_09, i64::MAX / 2] {
            let text = Fen(f).to_yuan_grouped();
            assert_eq!(Fen::parse_yuan("x", &text).unwrap(), Fen(f), "{text}");
        }
    }

    #[test]
    fn yuan_text_from_spreadsheets_parses_to_exact_fen() {
        let p = |s| Fen::parse_yuan("price", s).unwrap();
        assert_eq!(p("12"), Fen(1200));
        assert_eq!(p("12.5"), Fen(1250));
        assert_eq!(p("12.50元"), Fen(1250));
        assert_eq!(p("¥1,234.56"), Fen(123456));
        assert_eq!(p("-0.05"), Fen(-5));
        assert_eq!(p(".5"), Fen(50));
        assert_eq!(p("0.10"), Fen(10));
    }

    #[test]
    fn three_decimals_or_words_are_refused_with_the_field_named() {
        for s in [
            "1.005",
            "abc",
            "",
            "1.2.3",
            "1e3",
            "--1",
            "99999999999999999999",
        ] {
            let e = Fen::parse_yuan("list_price", s).unwrap_err();
            assert_eq!(e.field, "list_price", "{s}");
        }
    }

    #[test]
    fn thirty_off_split_over_three_equal_lines_is_ten_each() {
        assert_eq!(
            split_largest_remainder(3000, &[6000, 6000, 6000]),
            vec![1000, 1000, 1000]
        );
    }

    #[test]
    fn a_fen_that_cannot_be_split_evenly_goes_to_the_largest_remainder() {
        // 10.00 over 1:1:1 → 3.34, 3.33, 3.33 (the first of equal remainders wins).
        assert_eq!(
            split_largest_remainder(1000, &[1, 1, 1]),
            vec![334, 333, 333]
        );
        // 1.00 over 50:30:20 → exact.
        assert_eq!(
            split_largest_remainder(100, &[50, 30, 20]),
            vec![50, 30, 20]
        );
        // 0.05 over 1:2 → 0.02, 0.03 (remainders 2/3 for the second).
        assert_eq!(split_largest_remainder(5, &[1, 2]), vec![2, 3]);
    }

    #[test]
    fn round_div_rounds_half_away_from_zero() {
        assert_eq!(round_div(5, 2), 3);
        assert_eq!(round_div(-5, 2), -3);
        assert_eq!(round_div(4, 3), 1);
        assert_eq!(round_div(-4, 3), -1);
        assert_eq!(round_div(7, -2), -4);
    }

    proptest! {
        #[test]
        fn largest_remainder_never_loses_or_invents_a_fen(
            total in -10_000_000i64..10_000_000,
            weights in proptest::collection::vec(0i64..1_000_000, 1..20),
        ) {
            let parts = split_largest_remainder(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            // Each part is within one fen of its exact share.
            let sum: i128 = weights.iter().map(|w| *w as i128).sum();
            for (p, w) in parts.iter().zip(&weights) {
                let exact_times_sum = if sum == 0 { total as i128 } else { total as i128 * *w as i128 };
                let den = if sum == 0 { weights.len() as i128 } else { sum };
                prop_assert!((*p as i128 * den - exact_times_sum).abs() < den);
            }
        }

        #[test]
        fn yuan_text_round_trips(v in -1_000_000_000i64..1_000_000_000) {
            prop_assert_eq!(Fen::parse_yuan("x", &Fen(v).to_yuan()).unwrap(), Fen(v));
        }
    }
}
