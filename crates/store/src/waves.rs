//! 波次: allocated orders of one warehouse grouped to be picked together — a
//! single-unit wave (爆款 one-SKU one-unit orders, picked in bulk) or a multi wave
//! (播种: every order has a slot on the sorting wall).
//!
//! The planning (which orders go in which wave) is `jxc_core`'s; the store keeps the
//! waves, checks each order is allocated to the wave's warehouse and in no other wave.

use async_trait::async_trait;
use jxc_core::ids::{OrderId, SkuId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use crate::{Actor, Result};

/// What kind of wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaveKind {
    /// 单件波次: orders of one unit of the same SKU (爆款); no slots.
    SingleUnit,
    /// 多件波次: picked together and sorted into slots (播种).
    Multi,
}

impl WaveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WaveKind::SingleUnit => "single_unit",
            WaveKind::Multi => "multi",
        }
    }
    pub fn parse(s: &str) -> Option<WaveKind> {
        [WaveKind::SingleUnit, WaveKind::Multi]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A wave to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWave {
    pub warehouse_id: WarehouseId,
    pub kind: WaveKind,
    /// The 爆款 SKU of a single-unit wave.
    pub sku_id: Option<SkuId>,
    /// The carrier the wave ships with ('' when mixed or not chosen).
    pub carrier: String,
    /// The orders and their 播种 slot (from 1; 0 in a single-unit wave).
    pub orders: Vec<(OrderId, i64)>,
}

/// A saved wave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wave {
    pub id: i64,
    pub warehouse_id: WarehouseId,
    pub kind: WaveKind,
    pub sku_id: Option<SkuId>,
    pub carrier: String,
    /// The orders and their slot, by slot then order id.
    pub orders: Vec<(OrderId, i64)>,
    /// Unix ms.
    pub created_at: i64,
    pub created_by: String,
}

/// 波次.
#[async_trait]
pub trait WaveStore: Send + Sync {
    /// Orders allocated (status `allocated`) to ship, wholly or in part, from
    /// `warehouse` and in no wave yet, by order id.
    async fn unwaved_allocated_orders(&self, warehouse: WarehouseId) -> Result<Vec<OrderId>>;
    /// Creates the waves in one transaction, each with an audit row. Every order must be
    /// allocated to its wave's warehouse and in no wave yet, and no wave may be empty:
    /// otherwise it is a conflict on `orders` and nothing is created.
    async fn create_waves(&self, waves: &[NewWave], actor: &Actor) -> Result<Vec<Wave>>;
    async fn get_wave(&self, id: i64) -> Result<Option<Wave>>;
    /// Waves by id (newest first with `page.desc`), optionally of one warehouse.
    async fn list_waves(
        &self,
        warehouse: Option<WarehouseId>,
        page: &PageRequest,
    ) -> Result<Page<Wave>>;
    /// Dissolves a wave: its orders are in no wave again. Returns what was dissolved,
    /// `None` when there is no such wave.
    async fn dissolve_wave(&self, id: i64, actor: &Actor) -> Result<Option<Wave>>;
}
