//! Random sequences of stock operations keep every invariant of the ledger.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use jxc_core::catalog::Tracking;
use jxc_core::ids::{LocationId, LotId, ReservationId, SkuId, WarehouseId};
use jxc_core::inventory::check::{Observed, compare};
use jxc_core::inventory::{
    Book, DocumentKind, LiveReservation, PostingLine, ReserveRequest, SkuPolicy, post, release,
    reserve,
};
use jxc_core::money::Fen;
use proptest::prelude::*;

const SKU: SkuId = SkuId(1);
const WH: WarehouseId = WarehouseId(1);

#[derive(Debug, Clone)]
enum Op {
    Receive { loc: i64, qty: i64, unit: i64 },
    Issue { loc: i64, qty: i64 },
    Reserve { qty: i64 },
    Release { pick: usize },
    IssueReserved { pick: usize, qty: i64 },
    Relocate { from: i64, qty: i64 },
    Adjust { loc: i64, qty: i64 },
}

fn op(max_unit: i64) -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1i64..=2, 1i64..50, 1i64..=max_unit).prop_map(|(loc, qty, unit)| Op::Receive { loc, qty, unit }),
        3 => (1i64..=2, 1i64..60).prop_map(|(loc, qty)| Op::Issue { loc, qty }),
        2 => (1i64..40).prop_map(|qty| Op::Reserve { qty }),
        1 => any::<usize>().prop_map(|pick| Op::Release { pick }),
        2 => (any::<usize>(), 1i64..30).prop_map(|(pick, qty)| Op::IssueReserved { pick, qty }),
        1 => (1i64..=2, 1i64..30).prop_map(|(from, qty)| Op::Relocate { from, qty }),
        1 => (1i64..=2, -20i64..20).prop_map(|(loc, qty)| Op::Adjust { loc, qty }),
    ]
}

struct World {
    book: Book,
    /// Σ qty and Σ value of every ledger row per key: what `jxc check` recomputes.
    ledger: BTreeMap<jxc_core::inventory::BalanceKey, (i64, i64)>,
    next_reservation: i64,
    min_unit: i64,
    max_unit: i64,
}

impl World {
    fn new(allow_negative: bool) -> World {
        let mut book = Book::default();
        book.skus.insert(
            SKU,
            SkuPolicy {
                allow_negative,
                default_cost: Fen(500),
                is_bundle: false,
                active: true,
                tracking: Tracking::None,
            },
        );
        book.locations.insert(LocationId(1), WH);
        book.locations.insert(LocationId(2), WH);
        World {
            book,
            ledger: BTreeMap::new(),
            next_reservation: 1,
            min_unit: i64::MAX,
            max_unit: 0,
        }
    }

    fn post(&mut self, kind: DocumentKind, lines: Vec<PostingLine>) {
        // A failed posting is rolled back by the store: here, by keeping the old book.
        let mut attempt = self.book.clone();
        if let Ok(moves) = post(kind, WH, &lines, &mut attempt) {
            self.book = attempt;
            for m in moves {
                let e = self.ledger.entry(m.key).or_default();
                e.0 += m.qty;
                e.1 += m.value.0;
            }
        }
    }

    fn line(loc: i64, qty: i64) -> PostingLine {
        PostingLine {
            line_no: 1,
            sku: SKU,
            location: LocationId(loc),
            to_location: None,
            lot: LotId::NONE,
            qty,
            value: None,
            reservation: None,
        }
    }

    fn live(&self, pick: usize) -> Option<ReservationId> {
        let mut ids: Vec<_> = self.book.reservations.keys().copied().collect();
        ids.sort();
        (!ids.is_empty()).then(|| ids[pick % ids.len()])
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Receive { loc, qty, unit } => {
                self.min_unit = self.min_unit.min(unit);
                self.max_unit = self.max_unit.max(unit);
                self.post(
                    DocumentKind::Receipt,
                    vec![PostingLine {
                        value: Some(Fen(qty * unit)),
                        ..Self::line(loc, qty)
                    }],
                );
            }
            Op::Issue { loc, qty } => self.post(DocumentKind::Issue, vec![Self::line(loc, qty)]),
            Op::Reserve { qty } => {
                let mut attempt = self.book.clone();
                let req = ReserveRequest {
                    sku: SKU,
                    warehouse: WH,
                    qty,
                    location: None,
                    lot: None,
                };
                let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
                if let Ok(parts) = reserve(&mut attempt, &req, today, LocationId(1)) {
                    for (key, qty) in parts {
                        attempt.reservations.insert(
                            ReservationId(self.next_reservation),
                            LiveReservation { key, qty },
                        );
                        self.next_reservation += 1;
                    }
                    self.book = attempt;
                }
            }
            Op::Release { pick } => {
                if let Some(id) = self.live(pick) {
                    release(&mut self.book, id).unwrap();
                }
            }
            Op::IssueReserved { pick, qty } => {
                if let Some(id) = self.live(pick) {
                    let r = self.book.reservations[&id];
                    let line = PostingLine {
                        reservation: Some(id),
                        ..Self::line(r.key.location.0, qty)
                    };
                    self.post(DocumentKind::Issue, vec![line]);
                    if self.book.reservations.get(&id).is_some_and(|r| r.qty == 0) {
                        self.book.reservations.remove(&id);
                    }
                }
            }
            Op::Relocate { from, qty } => {
                let to = 3 - from;
                self.post(
                    DocumentKind::Relocation,
                    vec![PostingLine {
                        to_location: Some(LocationId(to)),
                        ..Self::line(from, qty)
                    }],
                );
            }
            Op::Adjust { loc, qty } if qty != 0 => {
                self.post(DocumentKind::Adjustment, vec![Self::line(loc, qty)])
            }
            Op::Adjust { .. } => {}
        }
    }

    fn assert_invariants(&self, allow_negative: bool) -> Result<(), TestCaseError> {
        let mut observed: BTreeMap<_, Observed> = BTreeMap::new();
        for (k, (q, v)) in &self.ledger {
            let o = observed.entry(*k).or_default();
            o.ledger_qty = *q;
            o.ledger_value = *v;
        }
        for r in self.book.reservations.values() {
            observed.entry(r.key).or_default().live_reserved += r.qty;
        }
        for (k, b) in &self.book.balances {
            observed.entry(*k).or_default().balance = Some(*b);
        }
        let diffs = compare(&observed, |_| allow_negative);
        prop_assert!(diffs.is_empty(), "differences: {diffs:?}");
        if !allow_negative {
            for b in self.book.balances.values() {
                prop_assert!(
                    b.on_hand >= 0 && b.available() >= 0 && b.value.0 >= 0,
                    "{b:?}"
                );
                // The average cost stays within the receipt costs (±1 fen of rounding).
                if b.on_hand > 0 && self.max_unit > 0 {
                    prop_assert!(
                        b.value.0 >= b.on_hand * (self.min_unit.min(500) - 1),
                        "{b:?}"
                    );
                    prop_assert!(
                        b.value.0 <= b.on_hand * (self.max_unit.max(500) + 1),
                        "{b:?}"
                    );
                }
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_sequence_keeps_ledger_balances_and_reservations_in_step(ops in proptest::collection::vec(op(10_000), 1..120)) {
        let mut w = World::new(false);
        for op in &ops {
            w.apply(op);
            w.assert_invariants(false)?;
        }
    }

    #[test]
    fn a_sku_allowed_to_go_negative_still_balances_to_the_fen(ops in proptest::collection::vec(op(10_000), 1..120)) {
        let mut w = World::new(true);
        for op in &ops {
            w.apply(op);
            w.assert_invariants(true)?;
        }
    }

    #[test]
    fn with_one_purchase_price_the_value_is_always_exactly_qty_times_price(
        unit in 1i64..100_000,
        ops in proptest::collection::vec(op(1), 1..120),
    ) {
        // Every receipt at the same unit cost (and adjustments at the default, set equal):
        // the moving average must stay exactly that cost — not one fen of drift.
        let mut w = World::new(false);
        w.book.skus.get_mut(&SKU).unwrap().default_cost = Fen(unit);
        for op in &ops {
            let op = match op.clone() {
                Op::Receive { loc, qty, .. } => Op::Receive { loc, qty, unit },
                other => other,
            };
            w.apply(&op);
            for b in w.book.balances.values() {
                prop_assert_eq!(b.value.0, b.on_hand * unit, "{:?}", b);
            }
        }
    }
}

#[test]
fn an_issue_of_reserved_stock_by_someone_else_is_refused() {
    let mut w = World::new(false);
    w.apply(&Op::Receive {
        loc: 1,
        qty: 10,
        unit: 100,
    });
    w.apply(&Op::Reserve { qty: 8 });
    let before = w.book.balances.clone();
    w.apply(&Op::Issue { loc: 1, qty: 3 });
    assert_eq!(w.book.balances, before, "only 2 are available");
    w.apply(&Op::Issue { loc: 1, qty: 2 });
    assert_eq!(
        w.book
            .balance(&jxc_core::inventory::BalanceKey {
                sku: SKU,
                warehouse: WH,
                location: LocationId(1),
                lot: LotId::NONE
            })
            .on_hand,
        8
    );
    let _ = HashMap::<i64, i64>::new();
}
