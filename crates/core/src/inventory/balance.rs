//! Balances (库存余额) and the in-memory book a posting works on.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::Tracking;
use crate::ids::{LocationId, LotId, ReservationId, SkuId, WarehouseId};
use crate::money::Fen;

/// Where stock is: a SKU in a warehouse, at a location, of a lot (`LotId::NONE` if untracked).
/// Ordered by SKU then warehouse so all of a SKU's stock in a warehouse is one range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BalanceKey {
    pub sku: SkuId,
    pub warehouse: WarehouseId,
    pub location: LocationId,
    pub lot: LotId,
}

/// What is at a [`BalanceKey`]. `value` is the stock value in 分 at moving average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub on_hand: i64,
    pub reserved: i64,
    pub value: Fen,
}

impl Balance {
    /// 可用 = 在库 − 占用.
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// What posting needs to know of a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkuPolicy {
    pub allow_negative: bool,
    pub default_cost: Fen,
    pub is_bundle: bool,
    pub active: bool,
    pub tracking: Tracking,
}

/// How a balance ranks when stock is chosen for a reservation: FEFO by expiry, then the
/// location's pick sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlotMeta {
    pub expiry: Option<NaiveDate>,
    pub pick_seq: i64,
}

/// A live reservation as posting sees it: where it holds stock and how much is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveReservation {
    pub key: BalanceKey,
    pub qty: i64,
}

/// The slice of the stock world one posting reads and changes. The store fills it (with
/// the rows locked) and writes back what changed.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub balances: BTreeMap<BalanceKey, Balance>,
    pub meta: HashMap<BalanceKey, SlotMeta>,
    pub skus: HashMap<SkuId, SkuPolicy>,
    /// Which warehouse each location a document names belongs to.
    pub locations: HashMap<LocationId, WarehouseId>,
    pub reservations: HashMap<ReservationId, LiveReservation>,
    /// The in-transit locations (在途) among `locations`: stock there belongs to a transfer
    /// on its way, is held by it, and moves only with 调拨 documents.
    pub transit: HashSet<LocationId>,
}

impl Book {
    pub fn balance(&self, key: &BalanceKey) -> Balance {
        self.balances.get(key).copied().unwrap_or_default()
    }

    /// Every balance of one SKU in one warehouse.
    pub fn slots(
        &self,
        sku: SkuId,
        warehouse: WarehouseId,
    ) -> impl Iterator<Item = (&BalanceKey, &Balance)> {
        let lo = BalanceKey {
            sku,
            warehouse,
            location: LocationId(i64::MIN),
            lot: LotId(i64::MIN),
        };
        let hi = BalanceKey {
            sku,
            warehouse,
            location: LocationId(i64::MAX),
            lot: LotId(i64::MAX),
        };
        self.balances.range(lo..=hi)
    }
}
