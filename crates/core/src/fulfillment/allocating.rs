//! 分配 in memory: what one allocation takes off the stock routing sees and adds to a
//! warehouse's load, so a batch of orders routed one after another never promises the
//! same unit twice; and 拆单 — an order split into parts is routed part by part.

use std::collections::BTreeMap;

use super::routing::{
    Candidate, Decision, OrderFacts, Rule, Shipment, Step, Stock, Strategy, route,
};
use crate::ids::{SkuId, WarehouseId};

/// Whether the decision ships the whole order (nothing missing).
pub fn is_complete(d: &Decision) -> bool {
    !d.shipments.is_empty() && d.missing.is_empty()
}

/// Takes a complete decision's units off `stock`.
pub fn take(stock: &mut Stock, d: &Decision) {
    for s in &d.shipments {
        for (sku, qty) in &s.lines {
            *stock.entry((s.warehouse, *sku)).or_default() -= qty;
        }
    }
}

/// Counts a decision's shipments in its warehouses' load of the day.
pub fn count_routed(warehouses: &mut [Candidate], d: &Decision) {
    for w in warehouses.iter_mut() {
        if d.shipments.iter().any(|s| s.warehouse == w.id) {
            w.routed_today += 1;
        }
    }
}

/// 拆单: routes each part as an order of its own, in order, each against the stock and
/// load the parts before it took. The order ships only if every part can: otherwise
/// nothing is taken and the decision lists what is missing. Parts routed to the same
/// warehouse ship together as one shipment (the explanation says so).
pub fn route_parts(
    parts: &[OrderFacts],
    warehouses: &[Candidate],
    stock: &Stock,
    rules: &[Rule],
    strategies: &[Strategy],
    allow_split: bool,
) -> Decision {
    // Only the entries the parts look at, so a batch's whole stock is not copied.
    let mut local: Stock = stock
        .iter()
        .filter(|((_, sku), _)| parts.iter().any(|p| p.needs.contains_key(sku)))
        .map(|(k, v)| (*k, *v))
        .collect();
    let mut ws = warehouses.to_vec();
    let mut by_warehouse: BTreeMap<WarehouseId, (Vec<usize>, BTreeMap<SkuId, i64>)> =
        BTreeMap::new();
    let mut missing: BTreeMap<SkuId, i64> = BTreeMap::new();
    let mut why = Vec::new();
    let mut carrier = None;
    for (i, part) in parts.iter().enumerate() {
        let d = route(part, &ws, &local, rules, strategies, allow_split);
        let label = format!("第 {} 部分 / part {}", i + 1, i + 1);
        why.extend(d.why.iter().map(|s| Step {
            by: format!("{label} · {}", s.by),
            kept: s.kept.clone(),
            dropped: s.dropped.clone(),
        }));
        if carrier.is_none() {
            carrier.clone_from(&d.carrier);
        }
        if is_complete(&d) {
            take(&mut local, &d);
            count_routed(&mut ws, &d);
            for s in &d.shipments {
                let (ps, lines) = by_warehouse.entry(s.warehouse).or_default();
                ps.push(i + 1);
                for (sku, qty) in &s.lines {
                    *lines.entry(*sku).or_default() += qty;
                }
            }
        } else if d.missing.is_empty() {
            for (sku, qty) in &part.needs {
                *missing.entry(*sku).or_default() += qty;
            }
        } else {
            for (sku, qty) in &d.missing {
                *missing.entry(*sku).or_default() += qty;
            }
        }
    }
    if !missing.is_empty() {
        why.push(Step {
            by: "拆单的部分缺货，整单等待 / a part is short: the whole order waits".into(),
            kept: Vec::new(),
            dropped: Vec::new(),
        });
        return Decision {
            shipments: Vec::new(),
            missing: missing.into_iter().collect(),
            carrier,
            why,
        };
    }
    for (w, (ps, _)) in by_warehouse.iter().filter(|(_, (ps, _))| ps.len() > 1) {
        let list = ps
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("、");
        why.push(Step {
            by: format!("第 {list} 部分同仓，合并为一个包裹 / parts {list} ship together"),
            kept: vec![*w],
            dropped: Vec::new(),
        });
    }
    Decision {
        shipments: by_warehouse
            .into_iter()
            .map(|(warehouse, (_, lines))| Shipment {
                warehouse,
                lines: lines.into_iter().collect(),
            })
            .collect(),
        missing: Vec::new(),
        carrier,
        why,
    }
}
