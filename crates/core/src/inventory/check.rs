//! `jxc check`: balances must be what the ledger and the live reservations say.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::SkuId;

use super::{Balance, BalanceKey};

/// What the database holds for one balance key, from three independent sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    /// Σ qty of the ledger rows.
    pub ledger_qty: i64,
    /// Σ value of the ledger rows.
    pub ledger_value: i64,
    /// Σ qty of the live reservations.
    pub live_reserved: i64,
    /// The stored balance row, if there is one.
    pub balance: Option<Balance>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Difference {
    pub key: BalanceKey,
    /// `on_hand`, `value`, `reserved`, `negative_available`, `value_without_stock`.
    pub what: &'static str,
    pub expected: i64,
    pub found: i64,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = &self.key;
        write!(
            f,
            "sku {} warehouse {} location {} lot {}: {} expected {} found {}",
            k.sku, k.warehouse, k.location, k.lot, self.what, self.expected, self.found
        )
    }
}

/// Compares every key. `allow_negative` says which SKUs may have negative available stock.
pub fn compare(
    observed: &BTreeMap<BalanceKey, Observed>,
    allow_negative: impl Fn(SkuId) -> bool,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for (key, o) in observed {
        let b = o.balance.unwrap_or_default();
        let mut diff = |what, expected: i64, found: i64| {
            if expected != found {
                out.push(Difference {
                    key: *key,
                    what,
                    expected,
                    found,
                });
            }
        };
        diff("on_hand", o.ledger_qty, b.on_hand);
        diff("value", o.ledger_value, b.value.0);
        diff("reserved", o.live_reserved, b.reserved);
        if b.on_hand == 0 {
            diff("value_without_stock", 0, b.value.0);
        }
        if !allow_negative(key.sku) && b.on_hand - b.reserved < 0 {
            diff("negative_available", 0, b.on_hand - b.reserved);
        }
        if b.reserved < 0 {
            diff("reserved", 0, b.reserved);
        }
    }
    out
}
