//! 盘点: create a count over a scope, scan or type what is on the shelves, send large
//! variances to a second count, and let a 仓库主管 post the variances. The arithmetic
//! and states are `jxc_core::inventory::count`; the store keeps the ledger position.
//!
//! A blind count (盲盘) hides what the ledger expects from everyone who may not approve
//! counts while the count is being counted.

use jxc_core::inventory::count::{Accuracy, NewCount, NewCountInput, Scan, ScanInput};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::permissions::{Action, allowed};
use jxc_core::users::User;
use jxc_core::{FieldError, text};
use jxc_store::{
    Actor, CountEntry, CountFilter, CountLine, CountLineFilter, EntryMode, EntryOutcome, StockCount,
};
use serde::{Deserialize, Serialize};

use crate::china_day::DAY_MS;
use crate::inventory::require_warehouse;
use crate::{App, Error, Result};

/// ABC classes are worked out from what was issued in this many days.
pub const ABC_SALES_DAYS: i64 = 90;

/// Scans or typed counts in one request, at most.
pub const MAX_ENTRIES: usize = 1000;

/// A typed count (the total on a shelf), as a person enters it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TypedCountInput {
    /// 库位码.
    pub location: String,
    /// Barcode or 商家编码.
    pub code: String,
    pub lot_no: String,
    /// Units on the shelf (replaces what was counted).
    pub qty: i64,
}

/// 盘点准确率 with the count it belongs to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountReport {
    pub count: StockCount,
    pub accuracy: Accuracy,
    /// `99.50%`.
    pub accuracy_text: String,
}

fn too_many(field: &str, n: usize) -> Result<()> {
    if n == 0 || n > MAX_ENTRIES {
        return Err(Error::invalid(
            field,
            format!("每次 1 到 {MAX_ENTRIES} 条 / 1 to {MAX_ENTRIES} per request"),
        ));
    }
    Ok(())
}

impl App {
    pub async fn create_count(
        &self,
        user: &User,
        input: &NewCountInput,
        actor: &Actor,
    ) -> Result<StockCount> {
        let count = NewCount::parse(input)?;
        require_warehouse(user, count.warehouse)?;
        let since = chrono::Utc::now().timestamp_millis() - ABC_SALES_DAYS * DAY_MS;
        Ok(self.store.create_count(&count, since, actor).await?)
    }

    pub async fn counts(
        &self,
        user: &User,
        mut filter: CountFilter,
        page: &PageRequest,
    ) -> Result<Page<StockCount>> {
        if let Some(w) = filter.warehouse_id {
            require_warehouse(user, w)?;
        }
        filter.warehouse_ids = user.fields.warehouse_ids.clone();
        Ok(self.store.list_counts(&filter, page).await?)
    }

    pub async fn count(&self, user: &User, id: i64) -> Result<StockCount> {
        let k = self
            .store
            .get_count(id)
            .await?
            .ok_or_else(|| Error::not_found("count", id))?;
        require_warehouse(user, k.warehouse_id)?;
        Ok(k)
    }

    /// Whether `user` is kept from seeing the ledger's figures on count `k` now.
    pub fn count_is_blind_to(&self, user: &User, k: &StockCount) -> bool {
        k.blind
            && k.status.takes_counts(true)
            && !allowed(&user.fields.roles, Action::CountsApprove)
    }

    /// A count's lines; on a blind count being counted, counters see what they counted
    /// but not what the ledger expects.
    pub async fn count_lines(
        &self,
        user: &User,
        id: i64,
        filter: &CountLineFilter,
        page: &PageRequest,
    ) -> Result<Page<CountLine>> {
        let k = self.count(user, id).await?;
        let mut p = self.store.count_lines(id, filter, page).await?;
        if self.count_is_blind_to(user, &k) {
            for l in &mut p.items {
                l.expected = None;
                l.first_expected = None;
                l.position = None;
                l.on_hand = 0;
            }
        }
        Ok(p)
    }

    /// Scans from the scanning page or a scanner gun. Each scan has an id: a batch sent
    /// twice (after a network drop) counts once.
    pub async fn record_scans(
        &self,
        user: &User,
        id: i64,
        scans: &[ScanInput],
        actor: &Actor,
    ) -> Result<Vec<EntryOutcome>> {
        too_many("scans", scans.len())?;
        let mut errors = Vec::new();
        let mut entries = Vec::with_capacity(scans.len());
        for (i, s) in scans.iter().enumerate() {
            match Scan::parse(i, s) {
                Ok(s) => entries.push(CountEntry {
                    scan_id: Some(s.scan_id),
                    location: s.location,
                    code: s.code,
                    lot_no: s.lot_no,
                    qty: s.qty,
                    mode: EntryMode::Add,
                }),
                Err(jxc_core::Error::Invalid(v)) => errors.extend(v),
                Err(e) => return Err(e.into()),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        self.count(user, id).await?;
        Ok(self.store.record_counts(id, &entries, actor).await?)
    }

    /// Typed totals (what is on a shelf), each replacing what was counted on its line.
    pub async fn enter_counts(
        &self,
        user: &User,
        id: i64,
        typed: &[TypedCountInput],
        actor: &Actor,
    ) -> Result<Vec<EntryOutcome>> {
        too_many("entries", typed.len())?;
        let mut errors = Vec::new();
        let mut entries = Vec::with_capacity(typed.len());
        for (i, t) in typed.iter().enumerate() {
            let f = |n: &str| format!("entries[{i}].{n}");
            let location = text::required(&f("location"), &t.location, 50);
            let code = text::required(&f("code"), &t.code, 64);
            let lot_no = text::optional(&f("lot_no"), &t.lot_no, 50);
            if !(0..=jxc_core::inventory::count::MAX_SCAN_QTY).contains(&t.qty) {
                errors.push(FieldError::new(
                    f("qty"),
                    "数量须在 0 到 100000 之间 / qty out of range",
                ));
            }
            match (location, code, lot_no) {
                (Ok(location), Ok(code), Ok(lot_no)) => entries.push(CountEntry {
                    scan_id: None,
                    location,
                    code,
                    lot_no,
                    qty: t.qty,
                    mode: EntryMode::Set,
                }),
                (a, b, c) => errors.extend([a.err(), b.err(), c.err()].into_iter().flatten()),
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        self.count(user, id).await?;
        Ok(self.store.record_counts(id, &entries, actor).await?)
    }

    /// 完成库位: what was not found on the shelf `location` (its code) is counted as 0.
    pub async fn close_count_location(
        &self,
        user: &User,
        id: i64,
        location: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let k = self.count(user, id).await?;
        let loc = self
            .store
            .get_location_by_code(k.warehouse_id, location.trim())
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    "location",
                    format!("库位 {location} 不在本仓库 / unknown location"),
                )
            })?;
        Ok(self.store.close_location(id, loc.id, actor).await?)
    }

    pub async fn submit_count(
        &self,
        user: &User,
        id: i64,
        zero_uncounted: bool,
        actor: &Actor,
    ) -> Result<StockCount> {
        self.count(user, id).await?;
        Ok(self.store.submit_count(id, zero_uncounted, actor).await?)
    }

    /// 审核过账. Then the 缺货 orders waiting for stock are retried, since a 盘盈 may
    /// have brought some.
    pub async fn approve_count(&self, user: &User, id: i64, actor: &Actor) -> Result<StockCount> {
        self.count(user, id).await?;
        let k = self.store.approve_count(id, actor).await?;
        self.alerts_after_count(&k).await;
        if k.progress.variances > 0
            && let Err(e) = self.retry_short_allocations(actor).await
        {
            // The count stands whatever happens to the waiting orders.
            tracing::warn!("retrying 缺货 orders after count {} failed: {e}", k.number);
        }
        Ok(k)
    }

    /// A posted count: its SKUs are evaluated again, and a variance worth more than the
    /// threshold raises a 盘点差异 alert. Failures are logged; the count stands.
    async fn alerts_after_count(&self, k: &StockCount) {
        let raised = async {
            let settings = self.alert_settings().await?;
            let a = self.store.count_accuracy(k.id).await?;
            if let Some(cause) = jxc_core::alerts::count_variance_cause(
                k.id,
                &k.number,
                k.warehouse_id,
                jxc_core::money::Fen(a.value_gain),
                jxc_core::money::Fen(a.value_loss),
                &settings,
            ) {
                self.raise_alert(&cause).await?;
            }
            let mut skus = Vec::new();
            for d in &k.documents {
                if let Some(doc) = self.store.get_document(*d).await? {
                    skus.extend(doc.moves.iter().map(|m| m.sku_id));
                }
            }
            skus.sort();
            skus.dedup();
            self.after_stock_change(&skus).await;
            Ok::<_, Error>(())
        }
        .await;
        if let Err(e) = raised {
            tracing::warn!("alerts after count {}: {e}", k.number);
        }
    }

    pub async fn reopen_count(&self, user: &User, id: i64, actor: &Actor) -> Result<StockCount> {
        self.count(user, id).await?;
        Ok(self.store.reopen_count(id, actor).await?)
    }

    pub async fn cancel_count(&self, user: &User, id: i64, actor: &Actor) -> Result<StockCount> {
        self.count(user, id).await?;
        Ok(self.store.cancel_count(id, actor).await?)
    }

    pub async fn count_report(&self, user: &User, id: i64) -> Result<CountReport> {
        let count = self.count(user, id).await?;
        let accuracy = self.store.count_accuracy(id).await?;
        Ok(CountReport {
            accuracy_text: accuracy.percent(),
            count,
            accuracy,
        })
    }
}
