//! The sync engine: one run takes a shop from its cursor to now.
//!
//! A run cuts `[cursor − overlap, now)` into windows no longer than the platform allows,
//! reads every page of each window, takes the orders in (the same intake as files:
//! mapping, detectors, holds for platform changes), keeps unreadable orders as raw
//! payloads, and moves the cursor to the window's end only after its orders are stored.
//! A run that dies (the process is killed, the platform fails for good) leaves the
//! cursor at the last finished window; the next run reads from there again, and since
//! intake is idempotent nothing is lost and nothing doubles.

use std::collections::HashMap;
use std::time::Duration;

use jxc_channels::{Channel, ChannelError, Fetched, OrderPage, RemoteOrder, Window};
use jxc_core::ids::ShopId;
use jxc_core::orders::NewOrder;
use jxc_store::{Actor, SyncTally, SyncTrigger};
use serde::Serialize;

use crate::{App, Error, Result};

/// The most pages one window may have (a platform that always says "more" cannot loop
/// a run for ever).
const MAX_PAGES: u32 = 10_000;

/// What a run did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncOutcome {
    pub run_id: i64,
    pub shop_id: ShopId,
    /// `ok`, `partial` (some orders unreadable, kept as raw payloads) or `error`.
    pub status: String,
    pub error: String,
    pub tally: SyncTally,
}

/// The actor of everything a sync writes.
pub fn sync_actor() -> Actor {
    Actor("平台同步".into())
}

/// `[start, end)` cut into windows of at most `max`.
pub fn windows(start_ms: i64, end_ms: i64, max: Duration) -> Vec<Window> {
    let step = (max.as_millis() as i64).max(1_000);
    let mut out = Vec::new();
    let mut s = start_ms;
    while s < end_ms {
        let e = (s + step).min(end_ms);
        out.push(Window {
            start_ms: s,
            end_ms: e,
        });
        s = e;
    }
    out
}

impl App {
    /// Syncs one shop now, from its cursor to the present. Refuses if the shop is
    /// already syncing in this process.
    pub async fn sync_shop(&self, shop: ShopId, trigger: SyncTrigger) -> Result<SyncOutcome> {
        let Some(_guard) = self.running.claim(shop) else {
            return Err(Error::Rule(
                "该店铺正在同步 / this shop is syncing already".into(),
            ));
        };
        let s = self.shop(shop).await?;
        super::refuse_manual(&s)?;
        let settings = self.store.get_shop_sync(shop).await?;
        let interval = settings
            .as_ref()
            .map(|x| x.interval_secs)
            .unwrap_or(super::DEFAULT_INTERVAL_SECS);
        let now = self.now_ms();
        let start = match settings.as_ref().and_then(|x| x.cursor_ms) {
            Some(c) => c - self.sync.overlap.as_millis() as i64,
            None => now - self.sync.first_lookback.as_millis() as i64,
        };
        if settings.is_none() {
            // A first manual sync creates the settings (schedule off) so the cursor has a
            // home.
            self.store
                .set_shop_sync(shop, false, interval, &sync_actor())
                .await?;
        }
        let run = self.store.start_sync_run(shop, trigger, start, now).await?;
        let mut tally = SyncTally::default();
        let result = async {
            let channel = self.channel_of(&s)?;
            for w in windows(start, now, channel.max_window()) {
                self.sync_window(&*channel, shop, run, w, &mut tally)
                    .await?;
                tally.windows += 1;
                self.store
                    .advance_sync_cursor(shop, run, w.end_ms, &tally)
                    .await?;
            }
            Ok::<(), Error>(())
        }
        .await;
        let (status, error) = match &result {
            Ok(()) if tally.malformed > 0 => (
                "partial",
                format!(
                    "{} 条订单无法解析，原文已保存 / {} orders unreadable, kept as raw payloads",
                    tally.malformed, tally.malformed
                ),
            ),
            Ok(()) => ("ok", String::new()),
            Err(e) => ("error", e.to_string()),
        };
        let next = self.now_ms() + interval * 1000;
        self.store
            .finish_sync_run(run, status, &error, &tally, next)
            .await?;
        Ok(SyncOutcome {
            run_id: run,
            shop_id: shop,
            status: status.into(),
            error,
            tally,
        })
    }

    /// Every page of one window.
    async fn sync_window(
        &self,
        channel: &dyn Channel,
        shop: ShopId,
        run: i64,
        w: Window,
        tally: &mut SyncTally,
    ) -> Result<()> {
        let mut page = 1;
        loop {
            let p: OrderPage = match self
                .with_retries(tally, || channel.changed_orders(w, page))
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    // A page that could not be read at all: its body is kept; the error
                    // ends the run and the window is read again next time.
                    if let ChannelError::Malformed { reason, raw } = &e {
                        self.store
                            .save_raw_payload(shop, Some(run), "", reason, raw)
                            .await?;
                    }
                    return Err(e.into());
                }
            };
            tally.pages += 1;
            let empty = p.orders.is_empty();
            self.take_in(shop, Some(run), p.orders, tally).await?;
            if !p.has_next || empty {
                return Ok(());
            }
            page += 1;
            if page > MAX_PAGES {
                return Err(Error::Upstream(format!(
                    "平台返回超过 {MAX_PAGES} 页 / the platform kept saying there is more after {MAX_PAGES} pages"
                )));
            }
        }
    }

    /// Calls the platform, retrying network errors and rate limits with backoff.
    pub(crate) async fn with_retries<T, F, Fut>(
        &self,
        tally: &mut SyncTally,
        mut call: F,
    ) -> std::result::Result<T, ChannelError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, ChannelError>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Ok(v) => return Ok(v),
                Err(e) if e.retryable() && attempt + 1 < self.sync.attempts => {
                    let backoff = self.sync.backoff * 2u32.saturating_pow(attempt);
                    let wait = match &e {
                        ChannelError::RateLimited {
                            retry_after: Some(d),
                            ..
                        } => *d,
                        _ => backoff,
                    }
                    .min(self.sync.max_backoff);
                    tracing::warn!("platform call failed ({e}); retry in {wait:?}");
                    tally.retries += 1;
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes in what a page (or a webhook) brought: readable orders through the intake,
    /// unreadable ones into the raw payloads.
    pub(crate) async fn take_in(
        &self,
        shop: ShopId,
        run: Option<i64>,
        fetched: Vec<Fetched>,
        tally: &mut SyncTally,
    ) -> Result<()> {
        tally.fetched += fetched.len() as i64;
        // The same order twice in one batch: the later modification wins.
        let mut latest: HashMap<String, RemoteOrder> = HashMap::new();
        let mut order_of_arrival = Vec::new();
        for f in fetched {
            match f {
                Fetched::Order(o) => {
                    let id = o.order.platform_order_id.clone();
                    match latest.get(&id) {
                        Some(prev) if prev.modified_ms > o.modified_ms => {}
                        Some(_) => {
                            latest.insert(id, *o);
                        }
                        None => {
                            order_of_arrival.push(id.clone());
                            latest.insert(id, *o);
                        }
                    }
                }
                Fetched::Malformed {
                    platform_order_id,
                    reason,
                    raw,
                } => {
                    tally.malformed += 1;
                    self.store
                        .save_raw_payload(
                            shop,
                            run,
                            platform_order_id.as_deref().unwrap_or(""),
                            &reason,
                            &raw,
                        )
                        .await?;
                }
            }
        }
        let orders: Vec<(usize, NewOrder)> = order_of_arrival
            .into_iter()
            .enumerate()
            .filter_map(|(i, id)| latest.remove(&id).map(|o| (i + 1, o.order)))
            .map(|(i, mut o)| {
                o.shop_id = shop;
                (i, o)
            })
            .collect();
        if orders.is_empty() {
            return Ok(());
        }
        let report = self.intake(shop, orders, &sync_actor()).await?;
        tally.created += report.created as i64;
        tally.changed += report.changed as i64;
        tally.unchanged += report.unchanged as i64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_is_cut_into_windows_that_touch_and_cover_it() {
        let w = windows(0, 25, Duration::from_millis(10_000));
        assert_eq!(w.len(), 1);
        let w = windows(0, 25_000, Duration::from_secs(10));
        assert_eq!(
            w.iter().map(|w| (w.start_ms, w.end_ms)).collect::<Vec<_>>(),
            vec![(0, 10_000), (10_000, 20_000), (20_000, 25_000)]
        );
        assert!(windows(5, 5, Duration::from_secs(1)).is_empty());
    }
}
