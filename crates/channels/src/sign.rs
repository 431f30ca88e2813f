//! Signing primitives the adapters compose: MD5, HMAC-MD5, HMAC-SHA256, and a
//! constant-time comparison. Each platform's own rule (what is concatenated, in which
//! order, upper or lower case) lives in its module, next to its test vector.

use base64::Engine;
use hmac::{KeyInit, Mac};
use md5::{Digest, Md5};

/// Uppercase hex MD5.
pub fn md5_upper(s: &str) -> String {
    hex::encode_upper(Md5::digest(s.as_bytes()))
}

/// Lowercase hex MD5.
pub fn md5_lower(s: &[u8]) -> String {
    hex::encode(Md5::digest(s))
}

/// Uppercase hex HMAC-MD5.
pub fn hmac_md5_upper(key: &str, msg: &str) -> String {
    let mut mac = hmac::Hmac::<Md5>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(msg.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// Raw HMAC-SHA256.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// Lowercase hex HMAC-SHA256.
pub fn hmac_sha256_hex(key: &str, msg: &str) -> String {
    hex::encode(hmac_sha256(key.as_bytes(), msg.as_bytes()))
}

/// Base64 (standard, padded) HMAC-SHA256, as Shopify and WooCommerce sign webhooks.
pub fn hmac_sha256_base64(key: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(key.as_bytes(), body))
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    // Keep the optimiser from short-circuiting the loop.
    std::hint::black_box(diff) == 0
}

/// Sorts `params` by name (ASCII) and concatenates `name+value`, skipping empty values,
/// as TOP, Pinduoduo and JD sign.
pub fn sorted_concat<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut v: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut s = String::new();
    for (k, val) in v {
        s.push_str(k);
        s.push_str(val);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shopify_and_woocommerce_webhook_vector() {
        // shared/specs/integrations.md §0: secret `whsec`, body `{"id":1}`.
        assert_eq!(
            hmac_sha256_base64("whsec", br#"{"id":1}"#),
            "zC8fc2J1qFdixyP4o8Kfvsu3wUJ60d2+FFia1JA2pik="
        );
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn sorted_concat_skips_empty_values_and_sorts_by_ascii() {
        assert_eq!(
            sorted_concat([("b", "2"), ("a", "1"), ("c", ""), ("B", "0")]),
            "B0a1b2"
        );
    }
}
