//! 工作台: the figures the dashboard shows. Each is a real figure from the books; later
//! issues add theirs (orders to review, waves, payables).

use jxc_store::{Counts, StockTotal};

use crate::{App, Result};

/// A SKU is low on stock when its available quantity over all warehouses is at most this
/// (setting `low_stock_at_most`).
pub const DEFAULT_LOW_STOCK_AT_MOST: i64 = 5;
const LOW_STOCK_SETTING: &str = "low_stock_at_most";

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub counts: Counts,
    /// Per warehouse the user may see.
    pub warehouses: Vec<StockTotal>,
    pub low_stock: i64,
    pub low_stock_at_most: i64,
}

impl App {
    pub async fn low_stock_at_most(&self) -> Result<i64> {
        Ok(self
            .store
            .get_setting(LOW_STOCK_SETTING)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_LOW_STOCK_AT_MOST))
    }

    /// The dashboard for a user limited to `sees` warehouses (all if it says yes to all).
    pub async fn dashboard(
        &self,
        sees: impl Fn(jxc_core::ids::WarehouseId) -> bool,
    ) -> Result<Dashboard> {
        let at_most = self.low_stock_at_most().await?;
        Ok(Dashboard {
            counts: self.store.counts().await?,
            warehouses: self
                .store
                .stock_totals()
                .await?
                .into_iter()
                .filter(|w| sees(w.warehouse_id))
                .collect(),
            low_stock: self.store.low_stock_count(at_most).await?,
            low_stock_at_most: at_most,
        })
    }
}
