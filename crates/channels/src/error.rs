//! The one error type of the channel adapters. The sync engine decides from
//! [`ChannelError::retryable`] whether to back off and try again.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The shop's credentials lack something the platform needs.
    #[error("店铺凭证缺少 {0} / credentials lack {0}")]
    MissingCredential(&'static str),
    /// Could not reach the platform, or it answered with a 5xx.
    #[error("网络错误 / network error: {0}")]
    Network(String),
    /// The platform says: too many calls. `retry_after` when it says how long to wait.
    #[error("平台限流 / rate limited by the platform: {message}")]
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The platform refused the credentials or the signature (session expired, bad key).
    #[error("平台拒绝授权 / the platform refused the credentials: {0}")]
    Unauthorized(String),
    /// Any other error the platform answered with, in its own words; or a request the
    /// adapter refused before sending it, for a reason the platform would refuse it for
    /// (an unknown carrier, no tracking number): those codes start with `jxc.`.
    #[error("平台错误 {code} / platform error: {message}")]
    Platform { code: String, message: String },
    /// The answer could not be read at all (not JSON, not the documented shape). `raw`
    /// keeps what came, for the sync log.
    #[error("平台返回无法解析 / unreadable answer: {reason}")]
    Malformed { reason: String, raw: String },
    /// A webhook whose signature is missing or wrong: nothing of it was read.
    #[error("签名不符 / bad webhook signature")]
    BadSignature,
}

impl ChannelError {
    /// Whether trying again later may succeed (network trouble, rate limits).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            ChannelError::Network(_) | ChannelError::RateLimited { .. }
        )
    }

    /// A malformed answer, keeping at most 64 KiB of the raw text.
    pub fn malformed(reason: impl Into<String>, raw: &str) -> ChannelError {
        let mut end = raw.len().min(64 * 1024);
        while !raw.is_char_boundary(end) {
            end -= 1;
        }
        ChannelError::Malformed {
            reason: reason.into(),
            raw: raw[..end].to_string(),
        }
    }
}
