//! 测试连接: ask the platform for the last hour's changed orders with the shop's
//! credentials, so a merchant knows at once whether the keys they typed work.

use jxc_channels::{Channel, ChannelError, Window};
use jxc_core::ids::ShopId;
use jxc_core::partners::Shop;
use jxc_core::users::User;
use serde::Serialize;

use crate::partners::require_shop;
use crate::{App, Result};

/// What the platform said to a connection test.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionCheck {
    pub ok: bool,
    /// `ok`, `missing_credential`, `unauthorized`, `rate_limited`, `network`, `platform`
    /// or `malformed`.
    pub kind: String,
    /// What to tell the merchant, Chinese then English.
    pub message: String,
    /// Orders the platform says changed in the last `window_minutes`, when it answered.
    pub recent_orders: Option<i64>,
    /// The span asked about: an hour, or the platform's longest window if shorter.
    pub window_minutes: i64,
}

impl ConnectionCheck {
    fn failed(e: &ChannelError, window_minutes: i64) -> ConnectionCheck {
        let kind = match e {
            ChannelError::MissingCredential(_) => "missing_credential",
            ChannelError::Network(_) => "network",
            ChannelError::RateLimited { .. } => "rate_limited",
            ChannelError::Unauthorized(_) | ChannelError::BadSignature => "unauthorized",
            ChannelError::Platform { .. } => "platform",
            ChannelError::Malformed { .. } => "malformed",
        };
        ConnectionCheck {
            ok: false,
            kind: kind.into(),
            message: e.to_string(),
            recent_orders: None,
            window_minutes,
        }
    }
}

impl App {
    /// The pull adapter of a shop, built from its stored credentials; a manual shop has
    /// none.
    pub(crate) fn channel_of(
        &self,
        shop: &Shop,
    ) -> std::result::Result<Box<dyn Channel>, ChannelError> {
        jxc_channels::pull_channel(
            shop.id,
            shop.fields.platform,
            &shop.fields.credentials,
            &jxc_channels::Options {
                timeout: self.sync.timeout,
            },
        )?
        .ok_or(ChannelError::MissingCredential("platform"))
    }

    /// Tests a shop's credentials against its platform (one call, no retries, nothing
    /// stored). A refusal is an answer, not an error: the merchant reads it on the page.
    pub async fn test_connection(&self, user: &User, shop: ShopId) -> Result<ConnectionCheck> {
        require_shop(user, shop)?;
        let s = self.shop(shop).await?;
        super::refuse_manual(&s)?;
        let channel = match self.channel_of(&s) {
            Ok(c) => c,
            Err(e) => return Ok(ConnectionCheck::failed(&e, 60)),
        };
        let now = self.now_ms();
        let hour = 3_600_000i64.min(channel.max_window().as_millis() as i64);
        let w = Window {
            start_ms: now - hour,
            end_ms: now,
        };
        Ok(match channel.changed_orders(w, 1).await {
            Ok(p) => ConnectionCheck {
                ok: true,
                kind: "ok".into(),
                message: "连接成功 / connected".into(),
                recent_orders: Some(p.total.map_or(p.orders.len() as i64, |t| t as i64)),
                window_minutes: hour / 60_000,
            },
            Err(e) => ConnectionCheck::failed(&e, hour / 60_000),
        })
    }
}
