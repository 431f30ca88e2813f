//! 手机号 / 电话: classifying the receiver's mobile and phone numbers as platforms send them.
//!
//! [`mobile`] says whether a 收货人手机 is a mainland mobile number ([`Mobile::Valid`],
//! normalised to 11 digits), a privacy number with an extension ([`Mobile::Virtual`]),
//! masked or encrypted by the platform ([`Mobile::Masked`]: `1387677****`, `138****5678`,
//! Taobao/PDD/JD/Douyin ciphertexts — not errors, the platform ships to them), empty, or
//! invalid with a reason. Before checking it strips what exports and people add: spaces,
//! `-`, parentheses, full-width digits, a leading `'` (Taobao 订单报表), `="…"` (Excel),
//! and the country code `+86` / `0086` / `86`.
//!
//! [`landline`] does the same for the 电话 field: `0571-88888888`, `(010)12345678-123`,
//! `400-800-1234`, or a mobile number written there.
//!
//! The mobile pattern is libphonenumber's for CN mobiles, matched by hand in
//! [`is_cn_mobile`] (core has no regex dependency).

use serde::Serialize;

use crate::orders::HoldReason;

/// What a receiver's mobile field holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Mobile {
    /// A mainland mobile number, 11 digits, no country code: `13812345678`.
    Valid(String),
    /// A privacy (virtual) number with an extension: `17012345678` 转 `1234`.
    Virtual { number: String, extension: String },
    /// Masked (`138****5678`) or encrypted by the platform: not an error, just unknown to us.
    Masked,
    /// Nothing there.
    Empty,
    /// Not a mobile number; the reason reads `中文 / English`.
    Invalid(String),
}

impl Mobile {
    /// Whether the value is wrong (masked, virtual and empty values are not).
    pub fn is_error(&self) -> bool {
        matches!(self, Mobile::Invalid(_))
    }

    /// The normalised number to store or print (`13812345678`, `17012345678-1234`), if any.
    pub fn normalised(&self) -> Option<String> {
        match self {
            Mobile::Valid(n) => Some(n.clone()),
            Mobile::Virtual { number, extension } => Some(format!("{number}-{extension}")),
            _ => None,
        }
    }

    /// The hold an order gets for this mobile: 手机号无效 when invalid, else none.
    pub fn hold_reason(&self) -> Option<HoldReason> {
        self.is_error().then_some(HoldReason::InvalidMobile)
    }
}

/// Classifies a receiver's mobile number. Never fails; see [`Mobile`].
pub fn mobile(raw: &str) -> Mobile {
    let s = unwrap_export(raw);
    if s.is_empty() {
        return Mobile::Empty;
    }
    if is_masked(s) {
        return Mobile::Masked;
    }
    let (main, extension) = split_extension(s);
    let digits = match national_digits(main) {
        Ok(d) => d,
        Err(reason) => return Mobile::Invalid(reason),
    };
    if let Some(ext) = extension {
        return match check_mobile_digits(&digits) {
            Ok(()) if !ext.is_empty() && ext.len() <= 6 => Mobile::Virtual {
                number: digits,
                extension: ext,
            },
            Ok(()) => Mobile::Invalid(format!(
                "分机号“{ext}”应为 1–6 位数字 / the extension “{ext}” should be 1–6 digits"
            )),
            Err(reason) => Mobile::Invalid(reason),
        };
    }
    if digits.len() > 11
        && let Some((head, tail)) = main.rsplit_once(['-', '－'])
        && !tail.is_empty()
        && tail.len() <= 6
        && tail.chars().all(|c| c.is_ascii_digit())
        && let Ok(number) = national_digits(head)
        && check_mobile_digits(&number).is_ok()
    {
        // 17012345678-1234: a privacy number and its extension.
        return Mobile::Virtual {
            number,
            extension: tail.to_string(),
        };
    }
    match check_mobile_digits(&digits) {
        Ok(()) => Mobile::Valid(digits),
        Err(reason) if digits.starts_with('0') && matches!(landline(s), Landline::Valid(_)) => {
            Mobile::Invalid(format!(
                "这是固定电话，不是手机号 / a landline, not a mobile number ({reason})"
            ))
        }
        Err(reason) => Mobile::Invalid(reason),
    }
}

/// Whether `digits` (exactly 11 ASCII digits, no country code) is a mainland mobile number.
///
/// Implements libphonenumber's CN mobile pattern (integrations spec §9), anchored:
///
/// ```text
/// 1(?:610\d|740[0-5])\d{6}
/// |1(?:[38]\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\d{8}
/// ```
pub fn is_cn_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    // Both alternatives are 11 digits long and start with `1`.
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' {
        return false;
    }
    // 1 610 \d \d{6}            (1610x xxxxxx)
    // 1 740 [0-5] \d{6}         (17400–17405 xxxxxx)
    if &b[1..4] == b"610" || (&b[1..4] == b"740" && (b'0'..=b'5').contains(&b[4])) {
        return true;
    }
    // 1 (two digits below) \d{8}
    match (b[1], b[2]) {
        (b'3' | b'8', _) => true,                            // [38]\d
        (b'4', b'5' | b'7') => true,                         // 4[57]
        (b'5' | b'9', c) => c != b'4',                       // [59][0-35-9]
        (b'6', b'2' | b'5' | b'6' | b'7') => true,           // 6[25-7]
        (b'7', c) => matches!(c, b'0'..=b'3' | b'5'..=b'8'), // 7[0-35-8]
        _ => false,
    }
}

/// What a receiver's phone (电话, usually a landline) field holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Landline {
    /// Normalised: `0571-88888888`, `010-12345678-123` (with extension), `4008001234`,
    /// or an 11-digit mobile number written in the phone field.
    Valid(String),
    /// Masked or encrypted by the platform.
    Masked,
    Empty,
    /// Not a phone number; the reason reads `中文 / English`.
    Invalid(String),
}

/// Classifies a receiver's phone (电话) field: area code + local number (with an optional
/// extension), a 400/800 number, or a mobile number.
pub fn landline(raw: &str) -> Landline {
    let s = unwrap_export(raw);
    if s.is_empty() {
        return Landline::Empty;
    }
    if is_masked(s) {
        return Landline::Masked;
    }
    let (main, mut extension) = split_extension(s);
    // Groups separated by `-` or spaces, parentheses around the area code allowed.
    let cleaned: String = main
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '(' | ')' | '（' | '）' | '－' | '—' => '-',
            '＋' => '+',
            c if c.is_whitespace() => '-',
            c => c,
        })
        .collect();
    let mut groups: Vec<&str> = cleaned.split('-').filter(|g| !g.is_empty()).collect();
    if groups.is_empty() {
        return Landline::Invalid("没有数字 / no digits".into());
    }
    if groups.iter().enumerate().any(|(i, g)| {
        !g.chars()
            .all(|c| c.is_ascii_digit() || (i == 0 && c == '+'))
    }) {
        return Landline::Invalid(
            "电话号码只能包含数字、空格、- 和括号 / a phone number has only digits, spaces, - and parentheses"
                .into(),
        );
    }
    // The country code, as its own group or glued to the area code.
    let mut first = groups.first().map(|g| g.to_string()).unwrap_or_default();
    for cc in ["+86", "0086"] {
        if let Some(rest) = first.strip_prefix(cc) {
            first = rest.to_string();
            break;
        }
    }
    if first.starts_with('+') {
        return Landline::Invalid("非中国大陆号码 / not a mainland China number".into());
    }
    let rest_groups: Vec<&str> = groups.drain(1..).collect();
    let mut parts: Vec<String> = Vec::new();
    if !first.is_empty() {
        parts.push(first);
    }
    parts.extend(rest_groups.iter().map(|g| g.to_string()));
    let all: String = parts.concat();

    if all.len() == 11 && all.starts_with('1') {
        return match check_mobile_digits(&all) {
            Ok(()) => Landline::Valid(all),
            Err(reason) => Landline::Invalid(reason),
        };
    }
    if all.len() == 10 && (all.starts_with("400") || all.starts_with("800")) {
        return Landline::Valid(all);
    }
    // Area code: 010 and 02x have three digits, the others four; a leading 0 may be
    // missing after +86.
    let (area, local, ext_group) = if parts.len() >= 2 {
        let ext = (parts.len() == 3).then(|| parts[2].clone());
        if parts.len() > 3 {
            return Landline::Invalid(
                "无法识别的电话号码 / not a recognisable phone number".into(),
            );
        }
        (parts[0].clone(), parts[1].clone(), ext)
    } else {
        let d = &all;
        let with_zero = if d.starts_with('0') {
            d.clone()
        } else {
            format!("0{d}")
        };
        let n = if with_zero.starts_with("01") || with_zero.starts_with("02") {
            3
        } else {
            4
        };
        if !d.starts_with('0') && d.len() <= 8 {
            return Landline::Invalid("缺少区号 / the area code is missing".into());
        }
        (
            with_zero[..n.min(with_zero.len())].to_string(),
            with_zero[n.min(with_zero.len())..].to_string(),
            None,
        )
    };
    if extension.is_none() {
        extension = ext_group;
    }
    let area = if area.starts_with('0') {
        area
    } else {
        format!("0{area}")
    };
    let area_ok = matches!(
        area.as_bytes(),
        [b'0', b'1' | b'2', _] | [b'0', b'3'..=b'9', _, _]
    );
    if !area_ok {
        return Landline::Invalid(format!("区号“{area}”无效 / “{area}” is not an area code"));
    }
    if !(7..=8).contains(&local.len()) || local.starts_with(['0', '1']) {
        return Landline::Invalid(format!(
            "本地号码应为 7–8 位、不以 0 或 1 开头（“{local}”）/ a local number has 7–8 digits and does not start with 0 or 1 (“{local}”)"
        ));
    }
    match extension {
        Some(e) if !e.is_empty() && e.len() <= 6 && e.chars().all(|c| c.is_ascii_digit()) => {
            Landline::Valid(format!("{area}-{local}-{e}"))
        }
        Some(e) => Landline::Invalid(format!(
            "分机号“{e}”应为 1–6 位数字 / the extension “{e}” should be 1–6 digits"
        )),
        None => Landline::Valid(format!("{area}-{local}")),
    }
}

/// Undoes what exports wrap numbers in: a leading `'` (Taobao), `="…"` (Excel), quotes.
fn unwrap_export(raw: &str) -> &str {
    let mut s = raw.trim();
    if let Some(inner) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        s = inner.trim();
    }
    s = s.trim_start_matches(['\'', '‘', '’', '`']);
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        s = inner;
    }
    s.trim()
}

/// Masked (`*`) or encrypted by the platform: a long token of base64/hex-like characters
/// with at least one letter or cipher marker (Taobao/PDD `~…~`, JD `$…$`, Douyin `#…#`).
fn is_masked(s: &str) -> bool {
    if s.contains(['*', '＊']) {
        return true;
    }
    let cipher_char = |c: char| c.is_ascii_alphanumeric() || "+/=_~$#@|:.-".contains(c);
    s.chars().count() >= 16
        && s.chars().all(cipher_char)
        && s.chars()
            .any(|c| c.is_ascii_alphabetic() || "~$#@|=".contains(c))
}

/// Splits off an extension written with 转, 分机, ext, `#` or `,`.
fn split_extension(s: &str) -> (&str, Option<String>) {
    for sep in ["转", "分机", "ext.", "ext", "EXT", "Ext", "#", ",", "，"] {
        if let Some((main, ext)) = s.split_once(sep) {
            let ext: String = ext
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
                .collect();
            return (main.trim(), Some(ext));
        }
    }
    (s, None)
}

/// The digits of a number without separators or country code (`+86`, `0086`, or `86`
/// before 11 digits). Letters or other characters are an error.
fn national_digits(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut plus = false;
    for c in s.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => {
                out.push(char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('0'))
            }
            '+' | '＋' if out.is_empty() && !plus => plus = true,
            '-' | '－' | '—' | '(' | ')' | '（' | '）' | '.' => {}
            c if c.is_whitespace() => {}
            c => {
                return Err(format!(
                    "含有非数字字符“{c}” / contains the non-digit “{c}”"
                ));
            }
        }
    }
    if plus {
        match out.strip_prefix("86") {
            Some(rest) => out = rest.to_string(),
            None => {
                return Err("非中国大陆号码 / not a mainland China number".into());
            }
        }
    } else if let Some(rest) = out.strip_prefix("0086") {
        out = rest.to_string();
    } else if out.len() == 13
        && let Some(rest) = out.strip_prefix("86")
    {
        out = rest.to_string();
    }
    Ok(out)
}

fn check_mobile_digits(d: &str) -> Result<(), String> {
    if d.is_empty() {
        return Err("没有数字 / no digits".into());
    }
    if d.len() != 11 {
        return Err(format!(
            "手机号应为 11 位数字（实际 {} 位）/ a mobile number has 11 digits (got {})",
            d.len(),
            d.len()
        ));
    }
    if !d.starts_with('1') {
        return Err("手机号应以 1 开头 / a mobile number starts with 1".into());
    }
    if !is_cn_mobile(d) {
        return Err(format!(
            "号段 {} 不是大陆手机号段 / {} is not a mainland mobile prefix",
            &d[..3],
            &d[..3]
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> Mobile {
        Mobile::Valid(s.to_string())
    }

    #[test]
    fn ordinary_mobile_numbers_are_valid() {
        for n in [
            "13812345678",
            "13312345678",
            "15012345678",
            "16612345678",
            "17712345678",
            "18912345678",
            "19912345678",
            "14712345678",
            "16101234567",
            "17405123456",
        ] {
            assert_eq!(mobile(n), valid(n), "{n}");
        }
    }

    #[test]
    fn prefixes_and_separators_are_stripped() {
        for raw in [
            "+86 138 1234 5678",
            "+8613812345678",
            "0086-138-1234-5678",
            "8613812345678",
            "'13812345678",
            "=\"13812345678\"",
            " 138-1234-5678 ",
            "１３８１２３４５６７８",
            "(+86) 13812345678",
        ] {
            assert_eq!(mobile(raw), valid("13812345678"), "{raw}");
        }
    }

    #[test]
    fn masked_and_encrypted_numbers_are_not_errors() {
        for raw in [
            "1387677****",
            "138****5678",
            "*******5678",
            "'138****5678",
            "~AgAAAAC4ZfIBNN2/fBpWVsFmu3bYl2QKKwqSqDaMTr9RB2kLFqXrKTp47BgZ~1~~",
            "$h5ZKyg0bJ3Ubp+pQu3w9JA==$AgAAAAC4ZfIBNN2$1$$",
            "#Tz1nB9mP0S4m8kG9sxc5Pw==#",
            "a3f5c2e8d9b14c7e8f0a1b2c3d4e5f60",
        ] {
            let m = mobile(raw);
            assert_eq!(m, Mobile::Masked, "{raw}");
            assert!(!m.is_error());
            assert_eq!(m.hold_reason(), None);
        }
    }

    #[test]
    fn an_unknown_prefix_is_invalid_with_a_reason() {
        let m = mobile("12345678901");
        assert!(m.is_error());
        assert_eq!(m.hold_reason(), Some(HoldReason::InvalidMobile));
        match m {
            Mobile::Invalid(reason) => assert!(reason.contains("123"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_lengths_letters_and_foreign_numbers_are_invalid() {
        let reason = |s: &str| match mobile(s) {
            Mobile::Invalid(r) => r,
            other => panic!("{s}: {other:?}"),
        };
        assert!(reason("1381234567").contains("10 位"));
        assert!(reason("138123456789").contains("12 位"));
        assert!(reason("23812345678").contains("以 1 开头"));
        assert!(reason("138abc45678").contains("非数字"));
        assert!(reason("+852 6123 4567").contains("非中国大陆"));
        assert!(reason("0571-88888888").contains("固定电话"));
        // Prefixes the pattern leaves out.
        assert!(reason("14012345678").contains("140"));
        assert!(reason("15412345678").contains("154"));
        assert!(reason("17412345678").contains("174"));
        assert!(reason("16112345678").contains("161"));
    }

    #[test]
    fn empty_is_empty_not_invalid() {
        assert_eq!(mobile(""), Mobile::Empty);
        assert_eq!(mobile("  '"), Mobile::Empty);
        assert!(!mobile("").is_error());
    }

    #[test]
    fn privacy_numbers_keep_their_extension() {
        let v = Mobile::Virtual {
            number: "17012345678".into(),
            extension: "1234".into(),
        };
        assert_eq!(mobile("17012345678转1234"), v);
        assert_eq!(mobile("170-1234-5678-1234"), v);
        assert_eq!(mobile("17012345678,1234"), v);
        assert_eq!(v.normalised().as_deref(), Some("17012345678-1234"));
        assert!(mobile("17012345678转").is_error());
    }

    #[test]
    fn the_matcher_follows_the_pattern_digit_by_digit() {
        // Second digit / third digit table of the pattern, checked exhaustively.
        for second in b'0'..=b'9' {
            for third in b'0'..=b'9' {
                let n = format!("1{}{}12345678", second as char, third as char);
                let expected = match (second, third) {
                    (b'3' | b'8', _) => true,
                    (b'4', b'5' | b'7') => true,
                    (b'5' | b'9', t) => t != b'4',
                    (b'6', b'2' | b'5'..=b'7') => true,
                    (b'7', t) => t != b'4' && t != b'9',
                    _ => false,
                };
                assert_eq!(is_cn_mobile(&n), expected, "{n}");
            }
        }
        assert!(is_cn_mobile("16109999999"));
        assert!(!is_cn_mobile("16119999999"));
        assert!(is_cn_mobile("17405999999"));
        assert!(!is_cn_mobile("17406999999"));
        assert!(!is_cn_mobile("1381234567"));
        assert!(!is_cn_mobile("1381234567x"));
    }

    #[test]
    fn landlines_with_area_codes() {
        assert_eq!(
            landline("0571-88888888"),
            Landline::Valid("0571-88888888".into())
        );
        assert_eq!(
            landline("057188888888"),
            Landline::Valid("0571-88888888".into())
        );
        assert_eq!(
            landline("(010)62345678"),
            Landline::Valid("010-62345678".into())
        );
        assert_eq!(
            landline("010 2345678"),
            Landline::Valid("010-2345678".into())
        );
        assert_eq!(
            landline("021-62345678-123"),
            Landline::Valid("021-62345678-123".into())
        );
        assert_eq!(
            landline("0755-26543210转8001"),
            Landline::Valid("0755-26543210-8001".into())
        );
        assert_eq!(
            landline("+86-571-88888888"),
            Landline::Valid("0571-88888888".into())
        );
        assert_eq!(
            landline("400-800-1234"),
            Landline::Valid("4008001234".into())
        );
        assert_eq!(
            landline("'13812345678"),
            Landline::Valid("13812345678".into())
        );
        assert_eq!(landline("0571-****8888"), Landline::Masked);
        assert_eq!(landline(""), Landline::Empty);
        assert!(matches!(landline("88888888"), Landline::Invalid(r) if r.contains("区号")));
        assert!(matches!(landline("0571-123"), Landline::Invalid(_)));
        assert!(matches!(landline("电话号码"), Landline::Invalid(_)));
    }
}
