//! 分仓 routing: examples that read like the business, then properties over random
//! warehouses, stock and orders.

use std::collections::BTreeMap;

use jxc_core::catalog::BundleComponent;
use jxc_core::fulfillment::allocating::{count_routed, is_complete, route_parts, take};
use jxc_core::fulfillment::routing::{
    Candidate, Decision, Effect, OrderFacts, RoutingSetup, Rule, Shipment, Stock, Strategy as S,
    explode, route,
};
use jxc_core::ids::{SkuId, WarehouseId};
use proptest::prelude::*;

fn wh(id: i64, province: &str, priority: i64) -> Candidate {
    Candidate {
        id: WarehouseId(id),
        code: format!("W{id}"),
        province: province.into(),
        priority,
        daily_capacity: 0,
        routed_today: 0,
        active: true,
    }
}

fn order(province: &str, needs: &[(i64, i64)]) -> OrderFacts {
    OrderFacts {
        shop: "TB01".into(),
        province: province.into(),
        needs: needs.iter().map(|(s, q)| (SkuId(*s), *q)).collect(),
        ..Default::default()
    }
}

fn stock(rows: &[(i64, i64, i64)]) -> Stock {
    rows.iter()
        .map(|(w, s, q)| ((WarehouseId(*w), SkuId(*s)), *q))
        .collect()
}

fn shipped_from(d: &Decision) -> Vec<i64> {
    d.shipments.iter().map(|s| s.warehouse.0).collect()
}

const ALL: [S; 5] = [
    S::WholeOrder,
    S::Nearest,
    S::Priority,
    S::MostStock,
    S::Capacity,
];

#[test]
fn a_hangzhou_order_ships_from_the_zhejiang_warehouse_and_says_why_shanghai_and_guangzhou_lost() {
    let ws = [wh(1, "广东省", 1), wh(2, "浙江省", 2), wh(3, "上海市", 3)];
    let st = stock(&[(1, 10, 5), (2, 10, 5), (3, 10, 5)]);
    let d = route(&order("浙江省", &[(10, 2)]), &ws, &st, &[], &ALL, true);
    assert_eq!(shipped_from(&d), [2]);
    let nearest = d.why.iter().find(|s| s.by.contains("就近")).unwrap();
    assert_eq!(nearest.kept, [WarehouseId(2)]);
    assert!(
        nearest
            .dropped
            .iter()
            .any(|(w, r)| *w == WarehouseId(1) && r.contains("较远"))
    );
    assert!(
        nearest
            .dropped
            .iter()
            .any(|(w, r)| *w == WarehouseId(3) && r.contains("同区域")),
        "上海 is 华东 like 浙江: {:?}",
        nearest.dropped
    );
}

#[test]
fn a_warehouse_that_ships_the_whole_order_beats_a_nearer_one_that_would_split_it() {
    let ws = [wh(1, "浙江省", 1), wh(2, "广东省", 2)];
    let st = stock(&[(1, 10, 5), (2, 10, 5), (2, 11, 5)]);
    let d = route(
        &order("浙江省", &[(10, 1), (11, 1)]),
        &ws,
        &st,
        &[],
        &ALL,
        true,
    );
    assert_eq!(shipped_from(&d), [2]);
    assert!(d.missing.is_empty());
}

#[test]
fn when_no_warehouse_has_everything_the_order_splits_into_the_fewest_shipments() {
    let ws = [wh(1, "浙江省", 1), wh(2, "广东省", 2), wh(3, "四川省", 3)];
    // W1 has A, W2 has B, W3 has both A and C; an order for A, B and C needs W2 + W3.
    let st = stock(&[(1, 1, 9), (2, 2, 9), (3, 1, 9), (3, 3, 9)]);
    let d = route(
        &order("浙江省", &[(1, 1), (2, 1), (3, 1)]),
        &ws,
        &st,
        &[],
        &ALL,
        true,
    );
    let mut from = shipped_from(&d);
    from.sort();
    assert_eq!(from, [2, 3]);
    assert!(d.missing.is_empty());
    assert!(d.why.last().unwrap().by.contains("最少 2 个包裹"));
}

#[test]
fn without_splitting_a_short_order_waits_as_quehuo_with_what_is_missing() {
    let ws = [wh(1, "浙江省", 1), wh(2, "广东省", 2)];
    let st = stock(&[(1, 1, 3), (2, 1, 2)]);
    let d = route(&order("浙江省", &[(1, 5)]), &ws, &st, &[], &ALL, false);
    assert!(d.shipments.is_empty());
    assert_eq!(d.missing, [(SkuId(1), 2)], "W1 (nearest) lacks 2");
}

#[test]
fn a_rule_forbids_a_warehouse_for_xinjiang_and_names_the_carrier() {
    let ws = [wh(1, "陕西省", 1), wh(2, "浙江省", 2)];
    let st = stock(&[(1, 1, 9), (2, 1, 9)]);
    let rule = Rule {
        name: "新疆走浙江仓".into(),
        provinces: vec!["新疆".into()],
        effect: Effect::Forbid(vec![WarehouseId(1)]),
        carrier: Some("ems".into()),
        ..Default::default()
    };
    let d = route(
        &order("新疆维吾尔自治区", &[(1, 1)]),
        &ws,
        &st,
        std::slice::from_ref(&rule),
        &ALL,
        true,
    );
    assert_eq!(shipped_from(&d), [2]);
    assert_eq!(d.carrier.as_deref(), Some("ems"));
    assert!(d.why[0].by.contains("新疆走浙江仓"));
    // Another province: the rule does not apply, 陕西 is nearer to 甘肃.
    let d = route(&order("甘肃省", &[(1, 1)]), &ws, &st, &[rule], &ALL, true);
    assert_eq!(shipped_from(&d), [1]);
    assert_eq!(d.carrier, None);
}

#[test]
fn a_full_warehouse_drops_out_so_the_load_moves_to_the_one_with_room() {
    let mut a = wh(1, "浙江省", 1);
    a.daily_capacity = 100;
    a.routed_today = 100;
    let mut b = wh(2, "浙江省", 2);
    b.daily_capacity = 100;
    b.routed_today = 10;
    let st = stock(&[(1, 1, 9), (2, 1, 9)]);
    let d = route(
        &order("浙江省", &[(1, 1)]),
        &[a, b],
        &st,
        &[],
        &[S::Capacity, S::Priority],
        true,
    );
    assert_eq!(shipped_from(&d), [2]);
}

#[test]
fn a_bundle_of_two_tees_and_a_mug_explodes_to_its_components() {
    let bundles = BTreeMap::from([(
        SkuId(100),
        vec![
            BundleComponent {
                sku_id: SkuId(1),
                qty: 2,
            },
            BundleComponent {
                sku_id: SkuId(2),
                qty: 1,
            },
        ],
    )]);
    let needs = explode(&[(SkuId(100), 3), (SkuId(1), 1)], &bundles);
    assert_eq!(needs, BTreeMap::from([(SkuId(1), 7), (SkuId(2), 3)]));
}

#[test]
fn a_rule_that_prefers_the_3pl_warehouse_for_a_shop_wins_over_priority_while_it_has_stock() {
    let ws = [wh(1, "浙江省", 1), wh(2, "浙江省", 9)];
    let prefer = Rule {
        name: "抖音店走云仓".into(),
        shops: vec!["DY01".into()],
        effect: Effect::Prefer(vec![WarehouseId(2)]),
        ..Default::default()
    };
    let mut o = order("浙江省", &[(1, 2)]);
    o.shop = "DY01".into();
    let st = stock(&[(1, 1, 9), (2, 1, 9)]);
    let d = route(&o, &ws, &st, std::slice::from_ref(&prefer), &ALL, true);
    assert_eq!(shipped_from(&d), [2]);
    // The preferred warehouse is out of it: the others still ship.
    let st = stock(&[(1, 1, 9), (2, 1, 1)]);
    let d = route(&o, &ws, &st, &[prefer], &ALL, true);
    assert_eq!(shipped_from(&d), [1]);
}

#[test]
fn twelve_warehouses_each_with_one_sku_split_by_a_bounded_search_that_still_covers_the_order() {
    let ws: Vec<Candidate> = (0..12).map(|i| wh(i, "广东省", i)).collect();
    // Each warehouse holds its own SKU; one also holds SKUs 0..6.
    let mut rows: Vec<(i64, i64, i64)> = (0..12).map(|i| (i, i, 5)).collect();
    rows.extend((0..6).map(|s| (11, s, 5)));
    let st = stock(&rows);
    let needs: Vec<(i64, i64)> = (0..12).map(|s| (s, 1)).collect();
    let d = route(&order("广东省", &needs), &ws, &st, &[], &ALL, true);
    assert!(d.missing.is_empty());
    assert_eq!(d.shipments.len(), 6, "W11 (SKUs 0..5 and 11) and W6..W10");
}

#[test]
fn turning_on_the_capacity_strategy_moves_orders_off_the_full_warehouse_in_a_replayed_day() {
    use jxc_core::fulfillment::what_if::{Setup, what_if};
    let mut a = wh(1, "浙江省", 1);
    a.daily_capacity = 60;
    let mut b = wh(2, "浙江省", 2);
    b.daily_capacity = 60;
    let st = stock(&[(1, 1, 1_000), (2, 1, 1_000)]);
    let orders: Vec<OrderFacts> = (0..100).map(|_| order("浙江省", &[(1, 1)])).collect();
    let before = Setup {
        rules: vec![],
        strategies: vec![S::WholeOrder, S::Priority],
        allow_split: true,
    };
    let after = Setup {
        strategies: vec![S::WholeOrder, S::Capacity, S::Priority],
        ..before.clone()
    };
    let r = what_if(&orders, &[a, b], &st, &before, &after);
    assert_eq!(r.orders, 100);
    assert_eq!(r.before.load, BTreeMap::from([(WarehouseId(1), 100)]));
    // With capacity first, the two warehouses take turns by what is left today.
    assert_eq!(
        r.after.load,
        BTreeMap::from([(WarehouseId(1), 50), (WarehouseId(2), 50)])
    );
    assert_eq!(r.moved, 50);
    assert_eq!((r.before.split, r.after.short), (0, 0));
}

// ---- properties ----

const PROVINCES: [&str; 6] = ["浙江省", "上海市", "广东省", "四川省", "北京市", "陕西省"];

fn world() -> impl Strategy<Value = (Vec<Candidate>, Stock, OrderFacts, bool)> {
    (
        prop::collection::vec((0..6usize, 0..4i64, any::<bool>()), 1..6),
        prop::collection::vec((0..6i64, 0..5i64, 0..6i64), 0..30),
        prop::collection::btree_map(0..5i64, 1..5i64, 1..4),
        0..6usize,
        any::<bool>(),
    )
        .prop_map(|(ws, st, needs, p, split)| {
            let ws: Vec<Candidate> = ws
                .into_iter()
                .enumerate()
                .map(|(i, (prov, prio, active))| {
                    let mut w = wh(i as i64, PROVINCES[prov], prio);
                    w.active = active || i == 0;
                    w
                })
                .collect();
            let stock: Stock = st
                .into_iter()
                .map(|(w, s, q)| ((WarehouseId(w), SkuId(s)), q))
                .collect();
            let mut o = order(PROVINCES[p], &[]);
            o.needs = needs.into_iter().map(|(s, q)| (SkuId(s), q)).collect();
            (ws, stock, o, split)
        })
}

proptest! {
    #[test]
    fn a_plan_never_takes_more_than_a_warehouse_has_and_ships_exactly_what_is_not_missing(
        (ws, st, o, split) in world()
    ) {
        let d = route(&o, &ws, &st, &[], &ALL, split);
        let mut shipped: BTreeMap<SkuId, i64> = BTreeMap::new();
        for s in &d.shipments {
            let w = ws.iter().find(|w| w.id == s.warehouse).unwrap();
            prop_assert!(w.active, "an inactive warehouse ships");
            for (sku, q) in &s.lines {
                prop_assert!(*q > 0);
                prop_assert!(*q <= st.get(&(s.warehouse, *sku)).copied().unwrap_or(0));
                *shipped.entry(*sku).or_default() += q;
            }
        }
        if !d.shipments.is_empty() {
            for (sku, need) in &o.needs {
                let missing = d.missing.iter().find(|(s, _)| s == sku).map_or(0, |m| m.1);
                prop_assert_eq!(shipped.get(sku).copied().unwrap_or(0) + missing, *need);
            }
        }
        if !split {
            prop_assert!(d.shipments.len() <= 1);
        }
    }

    #[test]
    fn one_warehouse_ships_it_whenever_one_can_and_a_split_is_never_larger_than_needed(
        (ws, st, o, _) in world()
    ) {
        let d = route(&o, &ws, &st, &[], &ALL, true);
        let active: Vec<&Candidate> = ws.iter().filter(|w| w.active).collect();
        let has = |w: WarehouseId, s: SkuId| st.get(&(w, s)).copied().unwrap_or(0);
        let whole = active.iter().any(|w| o.needs.iter().all(|(s, q)| has(w.id, *s) >= *q));
        if whole {
            prop_assert_eq!(d.shipments.len(), 1);
        } else if d.missing.is_empty() {
            // No smaller set of active warehouses covers the order.
            let k = d.shipments.len();
            let n = active.len();
            for mask in 1u32..(1 << n) {
                if (mask.count_ones() as usize) < k {
                    let covers = o.needs.iter().all(|(s, q)| {
                        (0..n).filter(|i| mask & (1 << i) != 0).map(|i| has(active[i].id, *s)).sum::<i64>() >= *q
                    });
                    prop_assert!(!covers, "a smaller split exists: {mask:b} vs {k}");
                }
            }
        }
    }

    #[test]
    fn a_forbidden_warehouse_never_ships_and_an_allow_rule_keeps_to_its_list(
        (ws, st, o, split) in world(), pick in 0..6i64
    ) {
        let forbid = Rule { name: "禁".into(), effect: Effect::Forbid(vec![WarehouseId(pick)]), ..Default::default() };
        let d = route(&o, &ws, &st, &[forbid], &ALL, split);
        prop_assert!(d.shipments.iter().all(|s| s.warehouse != WarehouseId(pick)));
        let allow = Rule { name: "只".into(), effect: Effect::Allow(vec![WarehouseId(pick)]), ..Default::default() };
        let d = route(&o, &ws, &st, &[allow], &ALL, split);
        prop_assert!(d.shipments.iter().all(|s| s.warehouse == WarehouseId(pick)));
        // The same input routes the same way.
        prop_assert_eq!(route(&o, &ws, &st, &[], &ALL, split), route(&o, &ws, &st, &[], &ALL, split));
    }
}

// 拆单 routed part by part, and a batch taking stock as it goes (`allocating`).

fn part(needs: &[(i64, i64)]) -> OrderFacts {
    order("浙江省", needs)
}

fn no_split() -> RoutingSetup {
    RoutingSetup {
        allow_split: false,
        ..Default::default()
    }
}

fn run(parts: &[OrderFacts], ws: &[Candidate], st: &Stock, setup: &RoutingSetup) -> Decision {
    route_parts(
        parts,
        ws,
        st,
        &setup.rules,
        &setup.strategies,
        setup.allow_split,
    )
}

#[test]
fn each_part_goes_to_the_warehouse_that_ships_it_whole_even_when_splitting_is_off() {
    let ws = [wh(1, "浙江省", 1), wh(2, "广东省", 2)];
    // SKU 10 only in 杭州 (1), SKU 20 only in 广州 (2): no warehouse ships the order.
    let st = stock(&[(1, 10, 5), (2, 20, 5)]);
    let d = run(&[part(&[(10, 2)]), part(&[(20, 1)])], &ws, &st, &no_split());
    assert!(is_complete(&d), "{d:?}");
    assert_eq!(
        d.shipments,
        vec![
            Shipment {
                warehouse: WarehouseId(1),
                lines: vec![(SkuId(10), 2)]
            },
            Shipment {
                warehouse: WarehouseId(2),
                lines: vec![(SkuId(20), 1)]
            },
        ]
    );
    assert!(d.why.iter().any(|s| s.by.starts_with("第 2 部分 / part 2")));
}

#[test]
fn a_later_part_sees_what_the_earlier_parts_took() {
    let ws = [wh(1, "浙江省", 1), wh(2, "广东省", 2)];
    // 3 of SKU 10 nearby, 5 far away: part 1 takes 2 nearby, part 2's 2 go far.
    let st = stock(&[(1, 10, 3), (2, 10, 5)]);
    let d = run(&[part(&[(10, 2)]), part(&[(10, 2)])], &ws, &st, &no_split());
    assert_eq!(
        d.shipments
            .iter()
            .map(|s| (s.warehouse.0, s.lines.clone()))
            .collect::<Vec<_>>(),
        vec![(1, vec![(SkuId(10), 2)]), (2, vec![(SkuId(10), 2)])]
    );
}

#[test]
fn parts_in_one_warehouse_ship_as_one_parcel_and_the_explanation_says_so() {
    let ws = [wh(1, "浙江省", 1)];
    let st = stock(&[(1, 10, 5), (1, 20, 5)]);
    let d = run(
        &[part(&[(10, 1)]), part(&[(20, 1), (10, 1)])],
        &ws,
        &st,
        &RoutingSetup::default(),
    );
    assert_eq!(
        d.shipments,
        vec![Shipment {
            warehouse: WarehouseId(1),
            lines: vec![(SkuId(10), 2), (SkuId(20), 1)]
        }]
    );
    assert!(d.why.iter().any(|s| s.by.contains("第 1、2 部分同仓")));
}

#[test]
fn a_short_part_keeps_the_whole_order_waiting_with_what_that_part_misses() {
    let ws = [wh(1, "浙江省", 1)];
    let st = stock(&[(1, 10, 5), (1, 20, 1)]);
    let d = run(&[part(&[(10, 1)]), part(&[(20, 3)])], &ws, &st, &no_split());
    assert!(d.shipments.is_empty());
    assert_eq!(d.missing, vec![(SkuId(20), 2)]);
    assert!(!is_complete(&d));
}

#[test]
fn taking_a_decision_lowers_the_stock_and_counts_the_load() {
    let mut ws = [wh(1, "浙江省", 1), wh(2, "广东省", 2)];
    let mut st = stock(&[(1, 10, 3), (2, 20, 1)]);
    let d = run(&[part(&[(10, 2)]), part(&[(20, 1)])], &ws, &st, &no_split());
    take(&mut st, &d);
    count_routed(&mut ws, &d);
    assert_eq!(st, stock(&[(1, 10, 1), (2, 20, 0)]));
    assert_eq!(ws.map(|w| w.routed_today), [1, 1]);
}

proptest! {
    #[test]
    fn a_batch_routed_order_after_order_never_promises_a_unit_twice(
        (ws, st, _, split) in world(),
        batch in prop::collection::vec(
            (prop::collection::vec(prop::collection::btree_map(0..5i64, 1..4i64, 1..3), 1..3), 0..6usize),
            1..12,
        ),
    ) {
        let mut left = st.clone();
        let mut load = ws.clone();
        let mut taken: BTreeMap<(WarehouseId, SkuId), i64> = BTreeMap::new();
        for (parts, p) in &batch {
            let parts: Vec<OrderFacts> = parts
                .iter()
                .map(|needs| {
                    let mut o = order(PROVINCES[*p], &[]);
                    o.needs = needs.iter().map(|(s, q)| (SkuId(*s), *q)).collect();
                    o
                })
                .collect();
            let d = match parts.as_slice() {
                [whole] => route(whole, &load, &left, &[], &ALL, split),
                parts => route_parts(parts, &load, &left, &[], &ALL, split),
            };
            if is_complete(&d) {
                // Everything the parts need ships, once.
                let mut need: BTreeMap<SkuId, i64> = BTreeMap::new();
                for p in &parts {
                    for (s, q) in &p.needs {
                        *need.entry(*s).or_default() += q;
                    }
                }
                let mut shipped: BTreeMap<SkuId, i64> = BTreeMap::new();
                for s in &d.shipments {
                    for (sku, q) in &s.lines {
                        *shipped.entry(*sku).or_default() += q;
                        *taken.entry((s.warehouse, *sku)).or_default() += q;
                    }
                }
                prop_assert_eq!(shipped, need);
                take(&mut left, &d);
                count_routed(&mut load, &d);
            }
        }
        for (k, q) in &taken {
            prop_assert!(*q <= st.get(k).copied().unwrap_or(0).max(0), "{k:?} took {q}");
        }
    }
}
