//! 波次: 爆款单 go apart one SKU a wave, carriers are not mixed, waves stay under their
//! size, late payments wait, and every multi-item shipment gets its own 播种 slot.

use jxc_core::fulfillment::waves::{Waiting, WaveKind, WaveRules, plan_waves, wave_totals};
use jxc_core::ids::SkuId;
use proptest::prelude::*;

fn w(id: i64, carrier: &str, paid: i64, lines: &[(i64, i64)]) -> Waiting {
    Waiting {
        id,
        carrier: carrier.into(),
        paid_at_ms: paid,
        lines: lines.iter().map(|(s, q)| (SkuId(*s), *q)).collect(),
    }
}

const RULES: WaveRules = WaveRules {
    single_units_apart: true,
    by_carrier: true,
    cutoff_ms: Some(1_000),
    max_shipments: 2,
};

#[test]
fn three_single_tees_go_in_waves_of_their_own_and_a_late_order_waits_for_the_next_round() {
    let waiting = [
        w(1, "yto", 10, &[(7, 1)]),
        w(2, "yto", 20, &[(7, 1)]),
        w(3, "yto", 30, &[(8, 2), (9, 1)]),
        w(4, "yto", 40, &[(7, 1)]),
        w(5, "sf", 50, &[(8, 1), (9, 1)]),
        w(6, "yto", 2_000, &[(7, 1)]),
    ];
    let (waves, later) = plan_waves(&waiting, &RULES);
    assert_eq!(later, [6], "paid after the cut-off");
    let summary: Vec<(WaveKind, Option<&str>, Vec<i64>)> = waves
        .iter()
        .map(|v| (v.kind.clone(), v.carrier.as_deref(), v.shipments.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                WaveKind::SingleUnit { sku: SkuId(7) },
                Some("yto"),
                vec![1, 2]
            ),
            (WaveKind::SingleUnit { sku: SkuId(7) }, Some("yto"), vec![4]),
            (WaveKind::Multi, Some("yto"), vec![3]),
            (WaveKind::Multi, Some("sf"), vec![5]),
        ]
    );
    assert_eq!(waves[2].slots, [(3, 1)]);
    assert!(waves[0].slots.is_empty(), "爆款单 need no sorting");
    assert_eq!(
        wave_totals(&waves[0], &waiting)
            .into_iter()
            .collect::<Vec<_>>(),
        [(SkuId(7), 2)]
    );
}

proptest! {
    #[test]
    fn every_shipment_is_in_one_wave_or_waits_and_no_wave_breaks_a_rule(
        raw in prop::collection::vec((0..3usize, 0..2_000i64, prop::collection::vec((0..4i64, 1..3i64), 1..3)), 0..60),
        max in 1..6usize, apart in any::<bool>(), by_carrier in any::<bool>()
    ) {
        let carriers = ["yto", "sf", "zto"];
        let waiting: Vec<Waiting> = raw.iter().enumerate().map(|(i, (c, paid, lines))| {
            let mut l: Vec<(i64, i64)> = lines.clone();
            l.sort(); l.dedup_by_key(|x| x.0);
            w(i as i64, carriers[*c], *paid, &l)
        }).collect();
        let rules = WaveRules { single_units_apart: apart, by_carrier, cutoff_ms: Some(1_500), max_shipments: max };
        let (waves, later) = plan_waves(&waiting, &rules);
        let mut all: Vec<i64> = waves.iter().flat_map(|v| v.shipments.clone()).chain(later.clone()).collect();
        all.sort();
        prop_assert_eq!(all, (0..waiting.len() as i64).collect::<Vec<_>>());
        let of = |id: i64| &waiting[id as usize];
        for id in &later { prop_assert!(of(*id).paid_at_ms >= 1_500); }
        for v in &waves {
            prop_assert!(!v.shipments.is_empty() && v.shipments.len() <= max);
            if by_carrier {
                prop_assert!(v.shipments.iter().all(|s| Some(of(*s).carrier.as_str()) == v.carrier.as_deref()));
            }
            match &v.kind {
                WaveKind::SingleUnit { sku } => {
                    prop_assert!(apart);
                    prop_assert!(v.shipments.iter().all(|s| of(*s).single_unit() == Some(*sku)));
                }
                WaveKind::Multi => {
                    let slots: Vec<usize> = v.slots.iter().map(|x| x.1).collect();
                    prop_assert_eq!(slots, (1..=v.shipments.len()).collect::<Vec<_>>());
                    if apart { prop_assert!(v.shipments.iter().all(|s| of(*s).single_unit().is_none())); }
                }
            }
        }
    }
}
