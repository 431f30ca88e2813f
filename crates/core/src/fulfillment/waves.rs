//! 波次: which shipments are picked together.
//!
//! The merchant's wave rules, applied to the shipments waiting in one warehouse, oldest
//! paid first:
//! - **cut-off**: only shipments paid before the cut-off go now; the rest wait;
//! - **爆款单**: shipments of one unit of one SKU go in waves of their own, one SKU per
//!   wave — picked in one pass to a table, each unit a parcel, no sorting needed;
//! - **by carrier**: a wave holds one carrier's shipments, so its labels and hand-over go
//!   together;
//! - **at most N shipments** a wave.
//!
//! Multi-item waves get 播种 (put-wall) slots: slot 1…n, one per shipment, in wave order,
//! so a sorter puts each picked unit into its shipment's slot.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::SkuId;

/// A shipment waiting to be picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: i64,
    pub carrier: String,
    pub paid_at_ms: i64,
    pub lines: Vec<(SkuId, i64)>,
}

impl Waiting {
    /// One unit of one SKU (爆款单).
    pub fn single_unit(&self) -> Option<SkuId> {
        match self.lines.as_slice() {
            [(sku, 1)] => Some(*sku),
            _ => None,
        }
    }
}

/// How waves are cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveRules {
    pub single_units_apart: bool,
    pub by_carrier: bool,
    /// Shipments paid at or after this wait for the next round.
    pub cutoff_ms: Option<i64>,
    /// Shipments per wave (at least 1).
    pub max_shipments: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WaveKind {
    /// 爆款单: every shipment is one unit of `sku`.
    SingleUnit { sku: SkuId },
    /// Mixed shipments, sorted into slots.
    Multi,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wave {
    pub kind: WaveKind,
    /// Set when waves are cut by carrier.
    pub carrier: Option<String>,
    pub shipments: Vec<i64>,
    /// 播种 slots (shipment, slot from 1) of a multi-item wave; empty for 爆款单.
    pub slots: Vec<(i64, usize)>,
}

/// What a wave may mix: its carrier (when cut by carrier), its 爆款单 SKU.
type Group<'a> = (Option<&'a str>, Option<SkuId>);

/// The waves, and the shipments that wait for the next round (paid after the cut-off).
pub fn plan_waves(waiting: &[Waiting], rules: &WaveRules) -> (Vec<Wave>, Vec<i64>) {
    let max = rules.max_shipments.max(1);
    let mut sorted: Vec<&Waiting> = waiting.iter().collect();
    sorted.sort_by_key(|w| (w.paid_at_ms, w.id));
    let (now, later): (Vec<&Waiting>, Vec<&Waiting>) = sorted
        .into_iter()
        .partition(|w| rules.cutoff_ms.is_none_or(|c| w.paid_at_ms < c));
    // Groups keep the order in which their first shipment was paid.
    let mut groups: BTreeMap<Group, Vec<&Waiting>> = BTreeMap::new();
    let mut first_paid: BTreeMap<Group, (i64, i64)> = BTreeMap::new();
    for w in now {
        let carrier = rules.by_carrier.then_some(w.carrier.as_str());
        let single = if rules.single_units_apart {
            w.single_unit()
        } else {
            None
        };
        let key = (carrier, single);
        first_paid.entry(key).or_insert((w.paid_at_ms, w.id));
        groups.entry(key).or_default().push(w);
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_by_key(|k| first_paid[k]);
    let mut waves = Vec::new();
    for k in keys {
        for chunk in groups[&k].chunks(max) {
            let shipments: Vec<i64> = chunk.iter().map(|w| w.id).collect();
            let (kind, slots) = match k.1 {
                Some(sku) => (WaveKind::SingleUnit { sku }, Vec::new()),
                None => (
                    WaveKind::Multi,
                    shipments
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (*s, i + 1))
                        .collect(),
                ),
            };
            waves.push(Wave {
                kind,
                carrier: k.0.map(str::to_string),
                shipments,
                slots,
            });
        }
    }
    (waves, later.iter().map(|w| w.id).collect())
}

/// What a wave's pickers collect: SKU → total quantity, for the pick list.
pub fn wave_totals(wave: &Wave, waiting: &[Waiting]) -> BTreeMap<SkuId, i64> {
    let mut out = BTreeMap::new();
    for w in waiting.iter().filter(|w| wave.shipments.contains(&w.id)) {
        for (sku, qty) in &w.lines {
            *out.entry(*sku).or_default() += qty;
        }
    }
    out
}
