//! 买家通知: the merchant's own webhook, told when a shipment ships. The body is JSON;
//! `X-Jxc-Signature` is base64(HMAC-SHA256(key, raw body)) — the same scheme Shopify and
//! WooCommerce use, so receivers have libraries for it — and `X-Jxc-Delivery` is an id
//! the receiver can dedupe on (a retry sends the same one).

use crate::http::Http;
use crate::sign::hmac_sha256_base64;
use crate::{ChannelError, Options};

/// The signature header's value for `body`.
pub fn signature(key: &str, body: &str) -> String {
    hmac_sha256_base64(key, body.as_bytes())
}

/// POSTs `body` to `url`, signed with `key`. Any 2xx is delivered.
pub async fn post_signed(
    options: &Options,
    url: &str,
    key: &str,
    delivery_id: &str,
    body: &str,
) -> Result<(), ChannelError> {
    let http = Http::new(options)?;
    let req = http
        .client()
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Jxc-Signature", signature(key, body))
        .header("X-Jxc-Delivery", delivery_id)
        .header("X-Jxc-Event", "shipment.shipped")
        .body(body.to_string());
    let r = http.send(req).await?;
    if (200..300).contains(&r.status) {
        Ok(())
    } else {
        Err(ChannelError::Platform {
            code: format!("http-{}", r.status),
            message: crate::http::snippet(&r.body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_base64_hmac_sha256_of_the_raw_body() {
        // Computed independently: Python's hmac.new(key, body, sha256), base64.
        let body = r#"{"event":"shipment.shipped"}"#;
        assert_eq!(
            signature("0123456789abcdef", body),
            "oPimypzFtCRHtW6LCP3D/FkPVY6iL7OUtmByeqJJfJo="
        );
        assert_ne!(
            signature("0123456789abcdeg", body),
            signature("0123456789abcdef", body)
        );
    }
}
