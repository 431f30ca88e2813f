//! 分仓模拟 (what-if): replay orders under the current and a changed routing setup and
//! say what would change — how many orders move to another warehouse, how many split,
//! how many wait as 缺货, and each warehouse's load before and after.
//!
//! Orders are replayed in the order given (oldest first); each routed shipment counts
//! against its warehouse's daily capacity for the orders after it, so a capacity strategy
//! spreads the load in the replay as it would on the day. Stock is taken as it stands and
//! each order sees all of it (orders do not use up each other's stock in the replay): the
//! replay asks "where would these orders go now", not "what was in stock then".

use std::collections::BTreeMap;

use serde::Serialize;

use super::routing::{Candidate, Decision, OrderFacts, Rule, Stock, Strategy, route};
use crate::ids::WarehouseId;

/// One routing setup: the rules, the strategies in order, whether orders may split.
#[derive(Debug, Clone)]
pub struct Setup {
    pub rules: Vec<Rule>,
    pub strategies: Vec<Strategy>,
    pub allow_split: bool,
}

/// How a setup routed the replayed orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// Shipments per warehouse.
    pub load: BTreeMap<WarehouseId, i64>,
    /// Orders shipped in more than one parcel.
    pub split: i64,
    /// Orders that would wait as 缺货.
    pub short: i64,
}

/// The comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhatIf {
    pub orders: i64,
    /// Orders whose set of shipping warehouses differs.
    pub moved: i64,
    pub before: Outcome,
    pub after: Outcome,
}

fn replay(
    orders: &[OrderFacts],
    warehouses: &[Candidate],
    stock: &Stock,
    setup: &Setup,
) -> (Outcome, Vec<Decision>) {
    let mut ws = warehouses.to_vec();
    let mut out = Outcome::default();
    let mut decisions = Vec::with_capacity(orders.len());
    for o in orders {
        let d = route(
            o,
            &ws,
            stock,
            &setup.rules,
            &setup.strategies,
            setup.allow_split,
        );
        if !super::allocating::is_complete(&d) {
            out.short += 1;
        }
        if d.shipments.len() > 1 {
            out.split += 1;
        }
        for s in &d.shipments {
            *out.load.entry(s.warehouse).or_default() += 1;
        }
        super::allocating::count_routed(&mut ws, &d);
        decisions.push(d);
    }
    (out, decisions)
}

/// Replays `orders` under `before` and `after`.
pub fn what_if(
    orders: &[OrderFacts],
    warehouses: &[Candidate],
    stock: &Stock,
    before: &Setup,
    after: &Setup,
) -> WhatIf {
    let (b, db) = replay(orders, warehouses, stock, before);
    let (a, da) = replay(orders, warehouses, stock, after);
    let places = |d: &Decision| {
        let mut v: Vec<WarehouseId> = d.shipments.iter().map(|s| s.warehouse).collect();
        v.sort();
        v
    };
    let moved = db
        .iter()
        .zip(&da)
        .filter(|(x, y)| places(x) != places(y))
        .count() as i64;
    WhatIf {
        orders: orders.len() as i64,
        moved,
        before: b,
        after: a,
    }
}
