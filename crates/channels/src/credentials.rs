//! Reading a shop's stored credentials (a JSON object) by name, with a clear error for a
//! missing one. Names per platform:
//!
//! | platform | keys |
//! |---|---|
//! | Taobao/Tmall | `app_key`, `app_secret`, `session`, optional `sign_method` (`md5`, `hmac`, `hmac-sha256`) |
//! | Pinduoduo | `client_id`, `client_secret`, `access_token` |
//! | JD | `app_key`, `app_secret`, `access_token` |
//! | Douyin | `app_key`, `app_secret`, `access_token` (push: `app_key`, `app_secret`) |
//! | Shopify | `shop_domain` or `base_url`, `access_token`, `webhook_secret` |
//! | WooCommerce | `base_url`, `consumer_key`, `consumer_secret`, `webhook_secret` |
//! | Kuaidi100 (tracking) | `customer`, `key`; subscriptions also a `salt` per callback |
//!
//! Every platform also takes an optional `base_url` that replaces the platform's endpoint
//! (a simulator, a proxy).

use crate::ChannelError;

#[derive(Clone, Copy)]
pub struct ShopCredentials<'a>(&'a serde_json::Value);

impl<'a> ShopCredentials<'a> {
    pub fn new(v: &'a serde_json::Value) -> Self {
        ShopCredentials(v)
    }

    /// The non-empty string under `key`.
    pub fn get(&self, key: &'static str) -> Option<&'a str> {
        self.0
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub fn require(&self, key: &'static str) -> Result<&'a str, ChannelError> {
        self.get(key).ok_or(ChannelError::MissingCredential(key))
    }

    /// `base_url` if set (without a trailing slash), else `default`.
    pub fn base_url(&self, default: &str) -> String {
        self.get("base_url")
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string()
    }
}
