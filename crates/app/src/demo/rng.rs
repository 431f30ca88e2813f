//! Small deterministic helpers shared with the benchmark: a seeded PRNG, EAN-13 and credit-code check characters.

use super::*;

/// splitmix64: a tiny, fast, well-mixed PRNG. Seeded by a constant so generated data is
/// the same every time. Not for anything secret.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as usize) as i64
        }
    }

    /// True `pct` times in 100.
    pub(crate) fn chance(&mut self, pct: u32) -> bool {
        self.below(100) < pct as usize
    }

    /// `n` decimal digits.
    pub(crate) fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// `n` lower-case hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        (0..n).map(|_| char::from(HEX[self.below(16)])).collect()
    }
}

/// Completes 12 digits into an EAN-13 by appending its check digit.
pub(crate) fn ean13(first12: &str) -> String {
    let sum: u32 = first12
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

pub(super) const USCC_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
pub(super) const USCC_WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Completes 17 characters of a 统一社会信用代码 with its check character (the algorithm of
/// `jxc_core::partners::parse_tax_id`).
pub(crate) fn credit_code(first17: &str) -> String {
    let sum: usize = first17
        .bytes()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_CHARSET.iter().position(|x| *x == c).unwrap_or(0) * w)
        .sum();
    let check = USCC_CHARSET[(31 - sum % 31) % 31];
    format!("{first17}{}", char::from(check))
}

/// A random-looking credit code: `91` (enterprise) or `92` (个体工商户), the region, then a
/// 9-character organisation code and the check character.
pub(super) fn fake_credit_code(rng: &mut Rng, individual: bool, region: &str) -> String {
    let mut org = String::from(if individual { "L" } else { "MA" });
    while org.len() < 8 {
        org.push(char::from(USCC_CHARSET[rng.below(USCC_CHARSET.len())]));
    }
    org.push(char::from(b'0' + rng.below(10) as u8));
    credit_code(&format!(
        "{}{region}{org}",
        if individual { "92" } else { "91" }
    ))
}

/// Every SKU, read page by page (keyset, by code).
pub(crate) async fn all_skus(app: &App) -> Result<Vec<Sku>> {
    let mut out = Vec::new();
    let mut page = PageRequest {
        limit: MAX_LIMIT,
        after: None,
        desc: false,
    };
    loop {
        let p = app.store.list_skus(&SkuFilter::default(), &page).await?;
        out.extend(p.items);
        match p.next {
            Some(next) => page.after = Some(Cursor::decode(&next)?),
            None => return Ok(out),
        }
    }
}

/// Today in China (UTC+8): what the store uses for expiry.
pub(super) fn business_today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}
