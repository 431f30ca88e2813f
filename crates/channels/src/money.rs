//! Money as platforms send it, read straight to 分 without a float in between.
//!
//! - [`Yuan`]: yuan as a decimal string (`"86.20"`, TOP, Shopify, WooCommerce) or as a
//!   JSON number (`95.0`, Pinduoduo). The number's literal text is read (serde_json's
//!   `RawValue`), so `19.99` is 1999 分 exactly, and `19.999` is an error, not a rounding.
//! - Douyin sends integer 分: plain `i64`.

use jxc_core::money::Fen;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// An amount in yuan as the platform wrote it, held as exact 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Yuan(pub Fen);

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        parse_literal(raw.get())
            .map(Yuan)
            .map_err(serde::de::Error::custom)
    }
}

/// Reads a JSON literal (a string, a number, or `null`/empty = 0) as yuan.
pub fn parse_literal(text: &str) -> Result<Fen, String> {
    let t = text.trim();
    if t == "null" || t == "\"\"" {
        return Ok(Fen::ZERO);
    }
    let inner = match t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(s) => s,
        None => t,
    };
    if inner.contains(['e', 'E']) {
        return Err(format!("金额 {t} 不是十进制 / amount {t} is not decimal"));
    }
    // `95.0` or `95.000` from a number: trailing zeros beyond 分 are not precision.
    let inner = match inner.split_once('.') {
        Some((i, f)) if f.len() > 2 && f[2..].chars().all(|c| c == '0') => {
            format!("{i}.{}", &f[..2])
        }
        _ => inner.to_string(),
    };
    Fen::parse_yuan("amount", &inner).map_err(|e| e.to_string())
}

/// `Fen` as yuan text with two decimals, as TOP and the stores write it: `86.20`.
pub fn yuan_text(f: Fen) -> String {
    f.to_yuan()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        a: Yuan,
    }

    fn read(json: &str) -> Result<i64, String> {
        serde_json::from_str::<T>(json)
            .map(|t| t.a.0.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn yuan_strings_and_numbers_read_exactly_to_fen() {
        assert_eq!(read(r#"{"a":"86.20"}"#), Ok(8620));
        assert_eq!(read(r#"{"a":95.0}"#), Ok(9500));
        assert_eq!(read(r#"{"a":19.99}"#), Ok(1999));
        assert_eq!(read(r#"{"a":0.1}"#), Ok(10));
        assert_eq!(read(r#"{"a":12}"#), Ok(1200));
        assert_eq!(read(r#"{"a":null}"#), Ok(0));
        assert_eq!(read(r#"{"a":"-3.20"}"#), Ok(-320));
    }

    #[test]
    fn more_than_two_decimals_or_exponents_are_errors_not_roundings() {
        assert!(read(r#"{"a":19.999}"#).is_err());
        assert!(read(r#"{"a":1e3}"#).is_err());
        assert!(read(r#"{"a":"abc"}"#).is_err());
    }
}
