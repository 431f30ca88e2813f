//! Code128 barcodes (ISO/IEC 15417) for shipping labels and pick lists.
//!
//! [`encode`] turns ASCII text (0–127, at most [`MAX_LEN`] characters) into the symbol
//! values of a [`Code128`]: start code, data, checksum, stop. The code sets are chosen by
//! a shortest-path search over (position, current set), so the symbol is as short as
//! Code128 allows: digit runs go to Code C when that saves symbols (runs of ≥4 digits at
//! the start or end, ≥6 in the middle), control characters use Code A, lower case Code B,
//! and a lone character from the other of A/B uses SHIFT instead of switching.
//!
//! [`Code128::modules`] gives the bars and spaces; [`Code128::to_svg`] draws them.

use std::fmt::Write as _;

/// Longest text [`encode`] accepts, in characters.
pub const MAX_LEN: usize = 80;

/// Modules of white on each side of the symbol in [`Code128::to_svg`].
pub const QUIET_ZONE: u32 = 10;

/// Bar/space widths of symbol values 0–105 (bar, space, bar, space, bar, space), from the
/// symbol character table of ISO/IEC 15417. Every pattern is 11 modules wide.
#[rustfmt::skip]
const PATTERNS: [[u8; 6]; 106] = [
    [2, 1, 2, 2, 2, 2], [2, 2, 2, 1, 2, 2], [2, 2, 2, 2, 2, 1], [1, 2, 1, 2, 2, 3],
    [1, 2, 1, 3, 2, 2], [1, 3, 1, 2, 2, 2], [1, 2, 2, 2, 1, 3], [1, 2, 2, 3, 1, 2],
    [1, 3, 2, 2, 1, 2], [2, 2, 1, 2, 1, 3], [2, 2, 1, 3, 1, 2], [2, 3, 1, 2, 1, 2],
    [1, 1, 2, 2, 3, 2], [1, 2, 2, 1, 3, 2], [1, 2, 2, 2, 3, 1], [1, 1, 3, 2, 2, 2],
    [1, 2, 3, 1, 2, 2], [1, 2, 3, 2, 2, 1], [2, 2, 3, 2, 1, 1], [2, 2, 1, 1, 3, 2],
    [2, 2, 1, 2, 3, 1], [2, 1, 3, 2, 1, 2], [2, 2, 3, 1, 1, 2], [3, 1, 2, 1, 3, 1],
    [3, 1, 1, 2, 2, 2], [3, 2, 1, 1, 2, 2], [3, 2, 1, 2, 2, 1], [3, 1, 2, 2, 1, 2],
    [3, 2, 2, 1, 1, 2], [3, 2, 2, 2, 1, 1], [2, 1, 2, 1, 2, 3], [2, 1, 2, 3, 2, 1],
    [2, 3, 2, 1, 2, 1], [1, 1, 1, 3, 2, 3], [1, 3, 1, 1, 2, 3], [1, 3, 1, 3, 2, 1],
    [1, 1, 2, 3, 1, 3], [1, 3, 2, 1, 1, 3], [1, 3, 2, 3, 1, 1], [2, 1, 1, 3, 1, 3],
    [2, 3, 1, 1, 1, 3], [2, 3, 1, 3, 1, 1], [1, 1, 2, 1, 3, 3], [1, 1, 2, 3, 3, 1],
    [1, 3, 2, 1, 3, 1], [1, 1, 3, 1, 2, 3], [1, 1, 3, 3, 2, 1], [1, 3, 3, 1, 2, 1],
    [3, 1, 3, 1, 2, 1], [2, 1, 1, 3, 3, 1], [2, 3, 1, 1, 3, 1], [2, 1, 3, 1, 1, 3],
    [2, 1, 3, 3, 1, 1], [2, 1, 3, 1, 3, 1], [3, 1, 1, 1, 2, 3], [3, 1, 1, 3, 2, 1],
    [3, 3, 1, 1, 2, 1], [3, 1, 2, 1, 1, 3], [3, 1, 2, 3, 1, 1], [3, 3, 2, 1, 1, 1],
    [3, 1, 4, 1, 1, 1], [2, 2, 1, 4, 1, 1], [4, 3, 1, 1, 1, 1], [1, 1, 1, 2, 2, 4],
    [1, 1, 1, 4, 2, 2], [1, 2, 1, 1, 2, 4], [1, 2, 1, 4, 2, 1], [1, 4, 1, 1, 2, 2],
    [1, 4, 1, 2, 2, 1], [1, 1, 2, 2, 1, 4], [1, 1, 2, 4, 1, 2], [1, 2, 2, 1, 1, 4],
    [1, 2, 2, 4, 1, 1], [1, 4, 2, 1, 1, 2], [1, 4, 2, 2, 1, 1], [2, 4, 1, 2, 1, 1],
    [2, 2, 1, 1, 1, 4], [4, 1, 3, 1, 1, 1], [2, 4, 1, 1, 1, 2], [1, 3, 4, 1, 1, 1],
    [1, 1, 1, 2, 4, 2], [1, 2, 1, 1, 4, 2], [1, 2, 1, 2, 4, 1], [1, 1, 4, 2, 1, 2],
    [1, 2, 4, 1, 1, 2], [1, 2, 4, 2, 1, 1], [4, 1, 1, 2, 1, 2], [4, 2, 1, 1, 1, 2],
    [4, 2, 1, 2, 1, 1], [2, 1, 2, 1, 4, 1], [2, 1, 4, 1, 2, 1], [4, 1, 2, 1, 2, 1],
    [1, 1, 1, 1, 4, 3], [1, 1, 1, 3, 4, 1], [1, 3, 1, 1, 4, 1], [1, 1, 4, 1, 1, 3],
    [1, 1, 4, 3, 1, 1], [4, 1, 1, 1, 1, 3], [4, 1, 1, 3, 1, 1], [1, 1, 3, 1, 4, 1],
    [1, 1, 4, 1, 3, 1], [3, 1, 1, 1, 4, 1], [4, 1, 1, 1, 3, 1], [2, 1, 1, 4, 1, 2],
    [2, 1, 1, 2, 1, 4], [2, 1, 1, 2, 3, 2],
];

/// The stop pattern: bar, space, bar, space, bar, space, and a final 2-module bar.
const STOP_PATTERN: [u8; 7] = [2, 3, 3, 1, 1, 1, 2];

const SHIFT: u8 = 98;
const CODE_C: u8 = 99;
const CODE_B: u8 = 100;
const CODE_A: u8 = 101;
const START_A: u8 = 103;
const START_B: u8 = 104;
const START_C: u8 = 105;
const STOP: u8 = 106;

/// Why a text cannot become a Code128 barcode. Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// Nothing to encode.
    #[error("条码内容为空 / barcode text is empty")]
    Empty,
    /// A character outside ASCII 0–127 (Code128 has no symbol for it).
    #[error("第 {position} 个字符 '{ch}' 不能编码 / character {position} '{ch}' cannot be encoded")]
    NotEncodable { position: usize, ch: char },
    /// More than [`MAX_LEN`] characters; `len` is the whole length.
    #[error(
        "第 {} 个字符起超出长度上限 {MAX_LEN}（共 {len} 个字符）/ character {} onward exceeds the {MAX_LEN}-character limit ({len} characters)",
        MAX_LEN + 1,
        MAX_LEN + 1
    )]
    TooLong { len: usize },
}

/// An encoded Code128 symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128 {
    /// Start code, data (including code-set switches), checksum, stop.
    values: Vec<u8>,
}

/// Encodes `text` with the fewest symbols Code128 allows.
pub fn encode(text: &str) -> Result<Code128, BarcodeError> {
    if text.is_empty() {
        return Err(BarcodeError::Empty);
    }
    if let Some((i, ch)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Err(BarcodeError::NotEncodable {
            position: i + 1,
            ch,
        });
    }
    if text.len() > MAX_LEN {
        return Err(BarcodeError::TooLong { len: text.len() });
    }
    let mut values = plan(text.as_bytes());
    let sum = values
        .iter()
        .enumerate()
        .map(|(i, &v)| i.max(1) as u32 * u32::from(v))
        .sum::<u32>();
    values.push((sum % 103) as u8);
    values.push(STOP);
    Ok(Code128 { values })
}

/// The three code sets, used as indexes 0, 1, 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    A,
    B,
    C,
}

const SETS: [Set; 3] = [Set::A, Set::B, Set::C];

/// The symbol value of `text[i..]` in `set`, and how many bytes it takes (2 in Code C).
fn value_in(set: Set, text: &[u8], i: usize) -> Option<(u8, usize)> {
    let b = text[i];
    match set {
        Set::A if b < 32 => Some((b + 64, 1)),
        Set::A if b < 96 => Some((b - 32, 1)),
        Set::B if b >= 32 => Some((b - 32, 1)),
        Set::C => match text.get(i + 1) {
            Some(&d) if b.is_ascii_digit() && d.is_ascii_digit() => {
                Some(((b - b'0') * 10 + (d - b'0'), 2))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Start codes and the values that switch to a set, indexed by [`Set`].
const START: [u8; 3] = [START_A, START_B, START_C];
const SWITCH: [u8; 3] = [CODE_A, CODE_B, CODE_C];

/// What the encoder does at one (position, set) state.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Encode the next character(s) in the current set.
    Encode,
    /// SHIFT, then the next character in the other of A/B; stay in the current set.
    Shift,
    /// Switch to this set, then encode the next character(s) in it.
    Switch(Set),
}

/// Start code and data values, chosen by dynamic programming: `cost[i][s]` is the fewest
/// symbols that encode `text[i..]` when the current set is `s`.
fn plan(text: &[u8]) -> Vec<u8> {
    let n = text.len();
    let mut cost = vec![[0usize; 3]; n + 1];
    let mut step = vec![[Step::Encode; 3]; n];
    for i in (0..n).rev() {
        for s in SETS {
            let mut best = (usize::MAX, Step::Encode);
            if let Some((_, w)) = value_in(s, text, i) {
                best = (1 + cost[i + w][s as usize], Step::Encode);
            }
            for t in SETS.into_iter().filter(|&t| t != s) {
                if let Some((_, w)) = value_in(t, text, i) {
                    let c = 2 + cost[i + w][t as usize];
                    if c < best.0 {
                        best = (c, Step::Switch(t));
                    }
                }
            }
            let other = match s {
                Set::A => Some(Set::B),
                Set::B => Some(Set::A),
                Set::C => None,
            };
            if other.is_some_and(|o| value_in(o, text, i).is_some()) {
                let c = 2 + cost[i + 1][s as usize];
                if c < best.0 {
                    best = (c, Step::Shift);
                }
            }
            cost[i][s as usize] = best.0;
            step[i][s as usize] = best.1;
        }
    }
    // Ties go to B (the usual set), then C, then A.
    let mut set = [Set::B, Set::C, Set::A]
        .into_iter()
        .min_by_key(|&s| cost[0][s as usize])
        .unwrap_or(Set::B);
    let mut values = vec![START[set as usize]];
    let mut i = 0;
    while i < n {
        let mut now = set;
        match step[i][set as usize] {
            Step::Encode => {}
            Step::Switch(t) => {
                values.push(SWITCH[t as usize]);
                set = t;
                now = t;
            }
            Step::Shift => {
                values.push(SHIFT);
                now = if set == Set::A { Set::B } else { Set::A };
            }
        }
        let (v, w) = value_in(now, text, i).expect("the plan only encodes what the set can");
        values.push(v);
        i += w;
    }
    values
}

impl Code128 {
    /// Symbol values: start code, data, checksum, stop.
    pub fn values(&self) -> &[u8] {
        &self.values
    }

    /// The symbol's modules from the first bar of the start code to the final bar of the
    /// stop pattern (`true` = bar), without quiet zones: 11 per symbol, plus 2.
    pub fn modules(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.values.len() * 11 + 2);
        for &v in &self.values {
            let widths: &[u8] = match v {
                STOP => &STOP_PATTERN,
                _ => &PATTERNS[usize::from(v)],
            };
            for (k, &w) in widths.iter().enumerate() {
                out.extend(std::iter::repeat_n(k % 2 == 0, usize::from(w)));
            }
        }
        out
    }

    /// A standalone `<svg>`: a white background, a quiet zone of [`QUIET_ZONE`] modules on
    /// each side, and one black `<rect>` per bar. `module_px` is the narrowest bar's width
    /// (at least 1); the SVG is `(modules + 20) × module_px` wide and `height_px` high, so
    /// CSS can scale it to a label (e.g. `width: 80mm`) while crisp edges keep bars sharp.
    pub fn to_svg(&self, module_px: u32, height_px: u32) -> String {
        let px = module_px.max(1);
        let h = height_px.max(1);
        let modules = self.modules();
        let w = (modules.len() as u32 + 2 * QUIET_ZONE) * px;
        let mut svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" shape-rendering="crispEdges"><rect width="{w}" height="{h}" fill="#fff"/><g fill="#000">"##
        );
        let mut x = QUIET_ZONE * px;
        for run in modules.chunk_by(|a, b| a == b) {
            let width = run.len() as u32 * px;
            if run[0] {
                let _ = write!(svg, r#"<rect x="{x}" y="0" width="{width}" height="{h}"/>"#);
            }
            x += width;
        }
        svg.push_str("</g></svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A scanner in miniature: modules → widths → values (checking start, checksum and
    /// stop) → text. It shares only the pattern table with the encoder.
    fn decode(modules: &[bool]) -> Result<String, String> {
        let widths: Vec<u8> = modules
            .chunk_by(|a, b| a == b)
            .map(|r| r.len() as u8)
            .collect();
        if !modules.first().copied().unwrap_or(false) || widths.len() % 6 != 1 {
            return Err(format!("not a Code128 symbol: {} elements", widths.len()));
        }
        let (data, stop) = widths.split_at(widths.len() - 7);
        if stop != STOP_PATTERN {
            return Err("no stop pattern".into());
        }
        let values = data
            .chunks(6)
            .map(|c| PATTERNS.iter().position(|p| p == c).map(|v| v as u32))
            .collect::<Option<Vec<_>>>()
            .ok_or("unknown pattern")?;
        let (check, body) = values.split_last().ok_or("no checksum")?;
        let sum: u32 = body
            .iter()
            .enumerate()
            .map(|(i, v)| i.max(1) as u32 * v)
            .sum();
        if sum % 103 != *check {
            return Err(format!("checksum {check}, expected {}", sum % 103));
        }
        let start = START.iter().position(|&s| u32::from(s) == body[0]);
        let mut set = SETS[start.ok_or(format!("no start code: {}", body[0]))?];
        let (mut text, mut shifted) = (String::new(), false);
        for &v in &body[1..] {
            let now = match (shifted, set) {
                (true, Set::A) => Set::B,
                (true, _) => Set::A,
                (false, s) => s,
            };
            shifted = false;
            match (now, v) {
                (Set::C, 0..=99) => write!(text, "{v:02}").unwrap(),
                (Set::A, 0..=63) | (Set::B, 0..=95) => text.push(char::from(v as u8 + 32)),
                (Set::A, 64..=95) => text.push(char::from(v as u8 - 64)),
                (Set::A | Set::B, 98) => shifted = true,
                (_, 99) => set = Set::C,
                (Set::A | Set::C, 100) => set = Set::B,
                (Set::B | Set::C, 101) => set = Set::A,
                _ => return Err(format!("value {v} is not data in {now:?}")),
            }
        }
        Ok(text)
    }

    fn pure_code_b_symbols(text: &str) -> usize {
        text.len() + 3 // start, one per character, checksum, stop
    }

    #[test]
    fn every_pattern_is_11_modules_of_3_bars_and_3_spaces_and_none_repeats() {
        for (v, p) in PATTERNS.iter().enumerate() {
            assert_eq!(
                p.iter().map(|&w| u32::from(w)).sum::<u32>(),
                11,
                "value {v}"
            );
            assert!(p.iter().all(|&w| (1..=4).contains(&w)), "value {v}");
            // Bars cover an even number of modules: the parity a scanner checks.
            assert_eq!((p[0] + p[2] + p[4]) % 2, 0, "value {v}");
            assert_eq!(PATTERNS.iter().filter(|q| *q == p).count(), 1, "value {v}");
        }
        assert_eq!(STOP_PATTERN.iter().map(|&w| u32::from(w)).sum::<u32>(), 13);
    }

    #[test]
    fn well_known_patterns_draw_as_in_the_standard() {
        let bits = |v: u8| {
            let one = Code128 { values: vec![v] }.modules();
            one.iter()
                .map(|&b| if b { '1' } else { '0' })
                .collect::<String>()
        };
        assert_eq!(bits(0), "11011001100"); // space in A/B, "00" in C
        assert_eq!(bits(START_A), "11010000100");
        assert_eq!(bits(START_B), "11010010000");
        assert_eq!(bits(START_C), "11010011100");
        assert_eq!(bits(STOP), "1100011101011");
    }

    #[test]
    fn a_sku_code_in_code_b_has_the_hand_computed_checksum() {
        // Start B = 104. P=48, J=42, J=42, 1=17, 2=18, 3=19, C=35 (ASCII − 32).
        // 104 + 1×48 + 2×42 + 3×42 + 4×17 + 5×18 + 6×19 + 7×35
        //   = 104 + 48 + 84 + 126 + 68 + 90 + 114 + 245 = 879; 879 mod 103 = 879 − 824 = 55.
        let code = encode("PJJ123C").unwrap();
        assert_eq!(code.values(), [104, 48, 42, 42, 17, 18, 19, 35, 55, STOP]);
    }

    #[test]
    fn a_tracking_number_packs_its_digits_in_code_c_and_is_shorter_than_code_b() {
        let code = encode("YT1234567890123").unwrap();
        assert_eq!(code.values()[0], START_B);
        assert!(code.values().contains(&CODE_C));
        assert!(code.values().len() < pure_code_b_symbols("YT1234567890123"));
        // Start B, Y, T, 1, Code C, 23 45 67 89 01 23, checksum, stop = 13 (vs 18).
        assert_eq!(code.values()[..5], [START_B, 57, 52, 17, CODE_C]);
        assert_eq!(code.values().len(), 13);
        assert_eq!(decode(&code.modules()).unwrap(), "YT1234567890123");
    }

    #[test]
    fn digits_only_in_even_length_start_with_start_c_and_nothing_else() {
        for text in ["12", "0000", "9787111213826", "20240615000123"] {
            let code = encode(text).unwrap();
            if text.len() % 2 == 0 {
                assert_eq!(code.values()[0], START_C, "{text}");
                assert_eq!(code.values().len(), text.len() / 2 + 3, "{text}");
            }
            assert_eq!(decode(&code.modules()).unwrap(), text);
        }
    }

    #[test]
    fn short_digit_runs_stay_in_code_b_and_long_ones_switch() {
        let switches = |t: &str| {
            let code = encode(t).unwrap();
            code.values()[0] == START_C || code.values().contains(&CODE_C)
        };
        assert!(!switches("A123B"), "3 digits: switching costs more");
        assert!(!switches("A1234B"), "4 digits in the middle: no gain");
        assert!(switches("A123456B"), "6 digits in the middle: saves one");
        assert!(switches("AB1234"), "4 digits at the end: saves one");
        assert!(switches("1234AB"), "4 digits at the start: saves one");
    }

    #[test]
    fn control_characters_use_code_a_or_shift() {
        // A tab between lower-case letters: SHIFT for one symbol rather than two switches.
        let code = encode("ab\tc").unwrap();
        assert_eq!(code.values()[..6], [START_B, 65, 66, SHIFT, 73, 67]);
        assert_eq!(decode(&code.modules()).unwrap(), "ab\tc");
        assert_eq!(encode("\r\n").unwrap().values()[0], START_A);
    }

    #[test]
    fn the_module_count_is_11_per_symbol_plus_2() {
        for text in ["A", "SO-2024-0001", "YT1234567890123", "x\u{7f}\u{1}"] {
            let code = encode(text).unwrap();
            assert_eq!(code.modules().len(), 11 * code.values().len() + 2, "{text}");
            assert_eq!(
                code.modules().last(),
                Some(&true),
                "ends on the stop's final bar"
            );
        }
    }

    #[test]
    fn the_svg_has_quiet_zones_and_one_rect_per_bar() {
        let code = encode("SF1234567890").unwrap();
        let svg = code.to_svg(2, 60);
        let width = (code.modules().len() as u32 + 20) * 2;
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(&format!("width=\"{width}\" height=\"60\"")));
        assert!(svg.contains(r#"shape-rendering="crispEdges""#));
        assert!(
            svg.contains(r#"<rect x="20" y="0" width="4" height="60"/>"#),
            "first bar after 10 modules"
        );
        // Each symbol has 3 bars, the stop 4; plus the white background.
        assert_eq!(
            svg.matches("<rect").count(),
            3 * (code.values().len() - 1) + 4 + 1
        );
        assert!(svg.ends_with("</g></svg>"));
    }

    #[test]
    fn bad_text_is_refused_with_the_position_in_both_languages() {
        assert_eq!(encode(""), Err(BarcodeError::Empty));
        let err = encode("Café").unwrap_err();
        assert_eq!(
            err,
            BarcodeError::NotEncodable {
                position: 4,
                ch: 'é'
            }
        );
        assert_eq!(
            err.to_string(),
            "第 4 个字符 'é' 不能编码 / character 4 'é' cannot be encoded"
        );
        assert_eq!(
            encode("é").unwrap_err().to_string(),
            "第 1 个字符 'é' 不能编码 / character 1 'é' cannot be encoded"
        );
        assert_eq!(encode(&"7".repeat(80)).map(|c| c.values().len()), Ok(43));
        let err = encode(&"7".repeat(81)).unwrap_err();
        assert_eq!(err, BarcodeError::TooLong { len: 81 });
        assert!(
            err.to_string().starts_with("第 81 个字符起超出长度上限 80"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn any_ascii_text_scans_back_to_itself(
            bytes in proptest::collection::vec(prop_oneof![0u8..128, b'0'..=b'9'], 1..=MAX_LEN)
        ) {
            let text: String = bytes.iter().map(|&b| char::from(b)).collect();
            let code = encode(&text).unwrap();
            prop_assert_eq!(code.modules().len(), 11 * code.values().len() + 2);
            prop_assert_eq!(decode(&code.modules()), Ok(text.clone()));
            if bytes.iter().all(|&b| b >= 32) {
                prop_assert!(code.values().len() <= pure_code_b_symbols(&text));
            }
        }
    }
}
