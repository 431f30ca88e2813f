//! 拣货路径: a pick list walked in S-shape is shorter than in the order the orders came,
//! and the walk has the shape a picker expects.

use jxc_core::fulfillment::picking::{AISLE_GAP, Stop, plan, serpentine, walk_length};
use proptest::prelude::*;

fn stops(codes: &[&str]) -> Vec<Stop> {
    codes
        .iter()
        .map(|c| Stop {
            code: c.to_string(),
            pick_seq: 0,
        })
        .collect()
}

fn walked(s: &[Stop], order: &[usize]) -> Vec<String> {
    order.iter().map(|i| s[*i].code.clone()).collect()
}

#[test]
fn five_picks_in_three_aisles_go_up_the_first_down_the_second_and_up_the_third() {
    let s = stops(&[
        "A-02-01-1",
        "A-01-05-1",
        "A-03-03-2",
        "A-01-01-1",
        "A-02-05-3",
    ]);
    let r = plan(&s);
    assert_eq!(
        walked(&s, &r.order),
        [
            "A-01-01-1",
            "A-01-05-1",
            "A-02-05-3",
            "A-02-01-1",
            "A-03-03-2"
        ]
    );
    // In and up aisle 1 (1 + 4), over the back to aisle 2 (1 + 1 + gap), down it (4), out
    // the front and into aisle 3 (1 + gap + 3), and home along the front (3 + 2 gaps).
    assert_eq!(
        r.length,
        (1 + 4) + (2 + AISLE_GAP) + 4 + (1 + AISLE_GAP + 3) + (3 + 2 * AISLE_GAP)
    );
    assert!(
        r.length < r.naive_length,
        "{} vs {}",
        r.length,
        r.naive_length
    );
}

#[test]
fn the_pick_sequence_orders_locations_on_the_same_rack_and_unreadable_codes_come_last() {
    let mut s = stops(&["DEFAULT", "A-01-02-2", "A-01-02-1", "收货区"]);
    s[1].pick_seq = 1;
    s[2].pick_seq = 2;
    s[3].pick_seq = 0;
    s[0].pick_seq = 5;
    let order = serpentine(&s);
    assert_eq!(
        walked(&s, &order),
        ["A-01-02-2", "A-01-02-1", "收货区", "DEFAULT"]
    );
}

#[test]
fn picks_all_near_the_front_are_walked_without_going_to_the_back() {
    let s = stops(&["A-01-01", "A-02-01", "A-03-01"]);
    let r = plan(&s);
    // Aisle by aisle along the front: 1 in, 2 out-and-in per aisle change, home.
    assert_eq!(r.length, 1 + (1 + 1 + AISLE_GAP) * 2 + 1 + 2 * AISLE_GAP);
}

proptest! {
    #[test]
    fn the_walk_visits_every_stop_once_aisles_in_order_racks_one_way_per_aisle(
        raw in prop::collection::vec((0..2usize, 1..6i64, 1..9i64, 1..4i64), 1..40)
    ) {
        let zones = ["A", "B"];
        let s: Vec<Stop> = raw
            .iter()
            .map(|(z, a, r, l)| Stop { code: format!("{}-{a:02}-{r:02}-{l}", zones[*z]), pick_seq: 0 })
            .collect();
        let order = serpentine(&s);
        let mut seen = order.clone();
        seen.sort();
        prop_assert_eq!(seen, (0..s.len()).collect::<Vec<_>>());
        // Within a zone aisles never go back; within an aisle racks go one way.
        let key = |i: usize| { let (z, a, r, _) = raw[i]; (z, a, r) };
        for w in order.windows(2) {
            let (a, b) = (key(w[0]), key(w[1]));
            prop_assert!((a.0, a.1) <= (b.0, b.1));
        }
        let mut dirs: std::collections::BTreeMap<(usize, i64), Vec<i64>> = Default::default();
        for i in &order { let (z, a, r) = key(*i); dirs.entry((z, a)).or_default().push(r); }
        for racks in dirs.values() {
            let up = racks.windows(2).all(|w| w[0] <= w[1]);
            let down = racks.windows(2).all(|w| w[0] >= w[1]);
            prop_assert!(up || down, "{racks:?}");
        }
        prop_assert!(walk_length(&s, &order) >= 0);
        prop_assert_eq!(serpentine(&s), order);
    }
}
