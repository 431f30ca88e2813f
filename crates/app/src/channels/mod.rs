//! 平台同步: orders arrive from the shops' platforms by themselves.
//!
//! - [`sync`]: the engine — per shop a cursor of platform modification time, windows that
//!   overlap the last one so nothing at the boundary is missed, paging to the end,
//!   retries with backoff on network errors and rate limits, and a sync log. Idempotent
//!   end to end: the cursor only moves after a window's orders are stored, and taking in
//!   the same order twice changes nothing.
//! - [`webhooks`]: pushes (Shopify, WooCommerce, Douyin), verified before anything is read,
//!   deduplicated by the platform's delivery id.
//! - [`connection`]: 测试连接, one call with the shop's credentials.
//! - [`schedule`]: runs each enabled shop every N seconds; the schedule is in the
//!   database, so it survives restarts.

pub mod connection;
pub mod schedule;
pub mod sync;
pub mod webhooks;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jxc_core::ids::ShopId;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{RawPayload, ShopSync, SyncRun, SyncRunFilter};

use crate::partners::require_shop;
use crate::{App, Error, Result};

/// How the engine behaves; tests shorten the waits and drive the clock.
#[derive(Clone)]
pub struct SyncConfig {
    /// Now, in Unix milliseconds (the wall clock, or a test's).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// How far back the first sync of a shop looks.
    pub first_lookback: Duration,
    /// How much each window overlaps the end of the last one.
    pub overlap: Duration,
    /// Attempts per platform call before a run gives up.
    pub attempts: u32,
    /// The first backoff; it doubles per attempt (a platform's Retry-After wins).
    pub backoff: Duration,
    /// The longest single wait.
    pub max_backoff: Duration,
    /// Each platform call's timeout.
    pub timeout: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
            first_lookback: Duration::from_secs(24 * 3600),
            overlap: Duration::from_secs(5 * 60),
            attempts: 5,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}

/// Shops with a sync running in this process (a manual sync does not run beside a
/// scheduled one).
#[derive(Default)]
pub struct Running(Mutex<HashSet<i64>>);

/// Held while a shop syncs; frees the shop when dropped (also on a panic or an abort).
pub struct RunningGuard {
    running: Arc<Running>,
    shop: ShopId,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.running
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.shop.0);
    }
}

impl Running {
    pub fn claim(self: &Arc<Self>, shop: ShopId) -> Option<RunningGuard> {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        g.insert(shop.0).then(|| RunningGuard {
            running: self.clone(),
            shop,
        })
    }
}

/// The shortest and longest schedule interval a shop may have.
pub const INTERVAL_SECS: (i64, i64) = (10, 86_400);
/// The interval a shop gets before anyone sets one.
pub const DEFAULT_INTERVAL_SECS: i64 = 60;

/// A manual (手工) shop has no platform to sync from or test.
pub(crate) fn refuse_manual(shop: &jxc_core::partners::Shop) -> Result<()> {
    if shop.fields.platform == jxc_core::partners::Platform::Manual {
        return Err(Error::Rule(
            "手工店铺没有平台接口 / a manual shop has no platform API".into(),
        ));
    }
    Ok(())
}

impl App {
    pub fn now_ms(&self) -> i64 {
        (self.sync.clock)()
    }

    /// A shop's sync settings and state (defaults when never set).
    pub async fn shop_sync(&self, user: &User, shop: ShopId) -> Result<ShopSync> {
        require_shop(user, shop)?;
        self.shop(shop).await?;
        Ok(self.store.get_shop_sync(shop).await?.unwrap_or(ShopSync {
            shop_id: shop,
            enabled: false,
            interval_secs: DEFAULT_INTERVAL_SECS,
            cursor_ms: None,
            next_run_at: 0,
            last_run_at: None,
            last_status: String::new(),
            last_error: String::new(),
        }))
    }

    /// Turns a shop's schedule on or off and sets its interval (10 s to a day).
    pub async fn set_shop_sync(
        &self,
        user: &User,
        shop: ShopId,
        enabled: bool,
        interval_secs: i64,
    ) -> Result<ShopSync> {
        require_shop(user, shop)?;
        let s = self.shop(shop).await?;
        if !(INTERVAL_SECS.0..=INTERVAL_SECS.1).contains(&interval_secs) {
            return Err(Error::invalid(
                "interval_secs",
                format!(
                    "同步间隔应在 {} 到 {} 秒之间 / the interval must be {} to {} seconds",
                    INTERVAL_SECS.0, INTERVAL_SECS.1, INTERVAL_SECS.0, INTERVAL_SECS.1
                ),
            ));
        }
        if enabled && s.fields.platform == jxc_core::partners::Platform::Manual {
            return Err(Error::invalid(
                "enabled",
                "手工店铺没有平台接口，不能同步 / a manual shop has no platform to sync from",
            ));
        }
        Ok(self
            .store
            .set_shop_sync(
                shop,
                enabled,
                interval_secs,
                &crate::Actor(user.fields.username.clone()),
            )
            .await?)
    }

    /// The sync log, newest first, limited to the user's shops.
    pub async fn sync_runs(
        &self,
        user: &User,
        mut filter: SyncRunFilter,
        page: &PageRequest,
    ) -> Result<Page<SyncRun>> {
        if let Some(s) = filter.shop_id {
            require_shop(user, s)?;
        }
        filter.only_shops = user.fields.shop_ids.iter().map(|s| s.0).collect();
        Ok(self.store.list_sync_runs(&filter, page).await?)
    }

    /// Payloads that could not be read, newest first.
    pub async fn raw_payloads(
        &self,
        user: &User,
        shop: ShopId,
        page: &PageRequest,
    ) -> Result<Page<RawPayload>> {
        require_shop(user, shop)?;
        Ok(self.store.list_raw_payloads(Some(shop), page).await?)
    }
}
