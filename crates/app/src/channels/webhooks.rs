//! Webhooks: a platform pushes an order (Shopify, WooCommerce) or says which orders
//! changed (Douyin). The signature is checked before anything is read or stored; a
//! delivery id seen and processed before is acknowledged and ignored.

use jxc_channels::{PushContent, WebhookRequest};
use jxc_core::ids::ShopId;
use jxc_store::{DeliverySeen, SyncTally};
use serde::Serialize;

use crate::{App, Error, Result};

/// What a webhook did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookOutcome {
    pub delivery_id: String,
    pub topic: String,
    /// `processed`, `duplicate` (seen before) or `ignored` (nothing to do), with why.
    pub status: String,
    pub note: String,
    pub tally: SyncTally,
}

impl App {
    /// Receives a webhook for `shop`. A bad or missing signature is
    /// [`Error::Unauthorized`] and nothing is stored.
    pub async fn receive_webhook(
        &self,
        shop: ShopId,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<WebhookOutcome> {
        let s = self.shop(shop).await?;
        let push = jxc_channels::push_channel(shop, s.fields.platform, &s.fields.credentials)?
            .ok_or_else(|| {
                Error::not_found(
                    "webhook",
                    format!("{} ({})", shop, s.fields.platform.as_str()),
                )
            })?;
        let msg = push.receive(WebhookRequest { headers, body })?;
        let mut out = WebhookOutcome {
            delivery_id: msg.delivery_id.clone(),
            topic: msg.topic.clone(),
            status: "processed".into(),
            note: String::new(),
            tally: SyncTally::default(),
        };
        if !msg.delivery_id.is_empty()
            && self
                .store
                .begin_delivery(shop, &msg.delivery_id, &msg.topic)
                .await?
                == DeliverySeen::Done
        {
            out.status = "duplicate".into();
            return Ok(out);
        }
        match msg.content {
            PushContent::Orders(fetched) => {
                self.take_in(shop, None, fetched, &mut out.tally).await?;
            }
            PushContent::OrderIds(ids) => {
                let channel = jxc_channels::pull_channel(
                    shop,
                    s.fields.platform,
                    &s.fields.credentials,
                    &jxc_channels::Options {
                        timeout: self.sync.timeout,
                    },
                )?
                .ok_or_else(|| Error::not_found("channel", shop))?;
                let mut fetched = Vec::new();
                for id in ids {
                    let mut t = SyncTally::default();
                    match self.with_retries(&mut t, || channel.order(&id)).await? {
                        Some(f) => fetched.push(f),
                        None => out
                            .note
                            .push_str(&format!("平台无订单 {id} / unknown order; ")),
                    }
                    out.tally.retries += t.retries;
                }
                self.take_in(shop, None, fetched, &mut out.tally).await?;
            }
            PushContent::Ignored(why) => {
                out.status = "ignored".into();
                out.note = why;
            }
        }
        if !msg.delivery_id.is_empty() {
            self.store.finish_delivery(shop, &msg.delivery_id).await?;
        }
        Ok(out)
    }
}
