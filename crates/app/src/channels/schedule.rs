//! The schedule: every enabled shop syncs every `interval_secs`. When each shop is due
//! next is stored with the shop, so a restart picks the schedule up where it was; runs
//! left `running` by a process that stopped are marked `interrupted` at start. The same
//! loop flags shipments whose tracking has gone quiet (`tracking.rs`), evaluates the
//! alerts (`alerts.rs`) and creates the counts of due count schedules
//! (`count_schedules.rs`).

use std::time::Duration;

use jxc_store::SyncTrigger;

use crate::{App, Result};

/// How often the schedule looks for shipments without tracking updates.
const QUIET_CHECK: Duration = Duration::from_secs(600);
/// How often every alert condition is evaluated (stock changes evaluate their SKUs at once)
/// and failed sends are retried.
const ALERTS_EVERY: Duration = Duration::from_secs(300);
/// How often `jxc check` runs for the 账实不符 alert.
const CHECK_EVERY: Duration = Duration::from_secs(3600);
/// How often due count schedules (循环盘点) are looked for.
const COUNT_SCHEDULES_EVERY: Duration = Duration::from_secs(60);

impl App {
    /// One pass of the schedule: starts a sync (in the background) for every shop that is
    /// due and not already syncing. Returns how many were started.
    pub async fn run_due_syncs(&self) -> Result<usize> {
        let due = self.store.due_shop_syncs(self.now_ms()).await?;
        let mut started = 0;
        for d in due {
            let app = self.clone();
            started += 1;
            tokio::spawn(async move {
                match app.sync_shop(d.shop_id, SyncTrigger::Schedule).await {
                    Ok(o) if o.status != "ok" => {
                        tracing::warn!("shop {} sync {}: {}", d.shop_id, o.status, o.error)
                    }
                    Ok(_) => {}
                    // Already syncing (a manual run): the next pass tries again.
                    Err(crate::Error::Rule(_)) => {}
                    Err(e) => tracing::error!("shop {} sync failed: {e}", d.shop_id),
                }
            });
        }
        Ok(started)
    }

    /// Runs the schedule for ever, checking every `tick`.
    pub fn spawn_scheduler(&self, tick: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            match app.store.interrupt_running_syncs().await {
                Ok(n) if n > 0 => tracing::warn!("{n} syncs were cut short by a restart"),
                Ok(_) => {}
                Err(e) => tracing::error!("could not mark interrupted syncs: {e}"),
            }
            let mut quiet_checked = None::<std::time::Instant>;
            let mut alerts_run = None::<std::time::Instant>;
            let mut check_run = None::<std::time::Instant>;
            let mut schedules_run = None::<std::time::Instant>;
            loop {
                if let Err(e) = app.run_due_syncs().await {
                    tracing::error!("sync schedule: {e}");
                }
                // 无物流更新: every ten minutes is plenty for a rule counted in days.
                if quiet_checked.is_none_or(|t| t.elapsed() >= QUIET_CHECK) {
                    quiet_checked = Some(std::time::Instant::now());
                    match app.flag_quiet_shipments().await {
                        Ok(n) if n > 0 => tracing::warn!("{n} shipments have gone quiet"),
                        Ok(_) => {}
                        Err(e) => tracing::error!("tracking check: {e}"),
                    }
                }
                // 预警: every condition, then the sends that failed.
                if alerts_run.is_none_or(|t| t.elapsed() >= ALERTS_EVERY) {
                    alerts_run = Some(std::time::Instant::now());
                    if let Err(e) = app.evaluate_alerts(None).await {
                        tracing::error!("alerts: {e}");
                    }
                    if let Err(e) = app.retry_alert_deliveries().await {
                        tracing::error!("alert sends: {e}");
                    }
                }
                // 循环盘点: the counts of the schedules that are due.
                if schedules_run.is_none_or(|t| t.elapsed() >= COUNT_SCHEDULES_EVERY) {
                    schedules_run = Some(std::time::Instant::now());
                    if let Err(e) = app.run_due_count_schedules(app.now_ms()).await {
                        tracing::error!("count schedules: {e}");
                    }
                }
                if check_run.is_none_or(|t| t.elapsed() >= CHECK_EVERY) {
                    check_run = Some(std::time::Instant::now());
                    if let Err(e) = app.check_alert().await {
                        tracing::error!("check alert: {e}");
                    }
                }
                tokio::time::sleep(tick).await;
            }
        })
    }
}
