//! `jxc bench ledger`: how fast the stock ledger posts on this machine and backend.
//!
//! Setup (not timed): 2,000 SKUs, 3 warehouses with 20 locations each. Timed: receipts of
//! 1–5 lines posted 1,000 documents per transaction until about 60 % of the moves, then
//! issues of 1–3 lines from stock that exists, each issue batch followed by a batch of 500
//! reservations and the release of about half of them. Afterwards `check` must be clean.
//! Only the store calls are timed, with a wall clock (seconds as `f64` are timing, not money).

use std::collections::HashMap;
use std::time::Instant;

use jxc_core::catalog::{NewSku, SkuInput};
use jxc_core::ids::{LocationId, ReservationId, SkuId, WarehouseId};
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput, ReserveRequest};
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::{Actor, ReservationRequest};
use serde::Serialize;

use crate::demo::{Rng, all_skus, ean13};
use crate::{App, Error, Result};

const SKUS: usize = 2_000;
const WAREHOUSES: usize = 3;
/// Locations per warehouse: 2 aisles × 5 racks × 2 levels.
const AISLES: i64 = 2;
const RACKS: i64 = 5;
const LEVELS: i64 = 2;
const DOCS_PER_BATCH: usize = 1_000;
const RESERVATIONS_PER_BATCH: usize = 500;

/// What one run of the ledger benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerBench {
    pub backend: String,
    pub skus: usize,
    pub warehouses: usize,
    pub moves: u64,
    pub receipt_moves: u64,
    pub issue_moves: u64,
    pub reservations: u64,
    pub releases: u64,
    pub seconds_posting: f64,
    pub moves_per_second: f64,
    pub reservations_per_second: f64,
    pub peak_rss_mib: f64,
    pub check_clean: bool,
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl LedgerBench {
    /// A small aligned text table for the terminal.
    pub fn table(&self) -> String {
        let rows: Vec<(&str, String)> = vec![
            ("backend", self.backend.clone()),
            (
                "skus x warehouses",
                format!("{} x {}", thousands(self.skus as u64), self.warehouses),
            ),
            ("moves posted", thousands(self.moves)),
            ("  receipt moves", thousands(self.receipt_moves)),
            ("  issue moves", thousands(self.issue_moves)),
            ("seconds posting", format!("{:.3}", self.seconds_posting)),
            (
                "moves / second",
                thousands(self.moves_per_second.round().max(0.0) as u64),
            ),
            ("reservations", thousands(self.reservations)),
            ("releases", thousands(self.releases)),
            (
                "reservations / second",
                thousands(self.reservations_per_second.round().max(0.0) as u64),
            ),
            ("peak RSS (MiB)", format!("{:.1}", self.peak_rss_mib)),
            (
                "check",
                if self.check_clean {
                    "clean".to_string()
                } else {
                    "DIFFERENCES FOUND".to_string()
                },
            ),
        ];
        table("jxc bench ledger", &rows)
    }
}

/// A two-column text table: what was measured, and its value.
pub(crate) fn table(title: &str, rows: &[(&str, String)]) -> String {
    let kw = rows
        .iter()
        .map(|r| r.0.chars().count())
        .chain([title.chars().count()])
        .max()
        .unwrap_or(0);
    let vw = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let rule = format!("+-{}-+-{}-+\n", "-".repeat(kw), "-".repeat(vw));
    let mut out = String::new();
    out.push_str(&rule);
    out.push_str(&format!("| {title:<kw$} | {:>vw$} |\n", "value"));
    out.push_str(&rule);
    for (k, v) in rows {
        out.push_str(&format!("| {k:<kw$} | {v:>vw$} |\n"));
    }
    out.push_str(&rule);
    out
}

/// The process's peak resident set (VmHWM) in MiB; 0.0 where /proc is not available.
pub fn peak_rss_mib() -> f64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0.0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The benchmark's own view of the stock, so issues and reservations never ask for more
/// than there is. Keys are (sku index, warehouse index, location index).
#[derive(Default)]
struct Stock {
    /// (on hand, reserved)
    slots: HashMap<(usize, usize, usize), (i64, i64)>,
    /// Per warehouse, the (sku, location) slots that have had stock.
    stocked: Vec<Vec<(usize, usize)>>,
}

impl Stock {
    fn new() -> Stock {
        Stock {
            slots: HashMap::new(),
            stocked: vec![Vec::new(); WAREHOUSES],
        }
    }

    fn receive(&mut self, sku: usize, wh: usize, loc: usize, qty: i64) {
        let e = self.slots.entry((sku, wh, loc)).or_insert_with(|| {
            self.stocked[wh].push((sku, loc));
            (0, 0)
        });
        e.0 += qty;
    }

    fn available(&self, sku: usize, wh: usize, loc: usize) -> i64 {
        self.slots
            .get(&(sku, wh, loc))
            .map_or(0, |(on_hand, reserved)| on_hand - reserved)
    }

    /// A random slot of `wh` with something available; compacts the list when sampling
    /// keeps missing. None when the warehouse is empty.
    fn sample(&mut self, rng: &mut Rng, wh: usize) -> Option<(usize, usize)> {
        for _ in 0..32 {
            let list = &self.stocked[wh];
            if list.is_empty() {
                return None;
            }
            let (sku, loc) = list[rng.below(list.len())];
            if self.available(sku, wh, loc) > 0 {
                return Some((sku, loc));
            }
        }
        let slots = &self.slots;
        self.stocked[wh].retain(|(sku, loc)| {
            slots
                .get(&(*sku, wh, *loc))
                .is_some_and(|(on_hand, reserved)| on_hand - reserved > 0)
        });
        let list = &self.stocked[wh];
        if list.is_empty() {
            None
        } else {
            Some(list[rng.below(list.len())])
        }
    }
}

struct Setup {
    skus: Vec<(SkuId, i64)>,
    warehouses: Vec<WarehouseId>,
    locations: Vec<Vec<LocationId>>,
}

async fn setup(app: &App, rng: &mut Rng, actor: &Actor) -> Result<Setup> {
    let mut rows = Vec::with_capacity(SKUS);
    for i in 0..SKUS {
        let price = rng.range(20, 400) * 100 - 10;
        let cost = price * rng.range(35, 50) / 100;
        let input = SkuInput {
            code: Some(format!("BM{:05}", i + 1)),
            name: Some(format!("压测商品 {:05}", i + 1)),
            barcodes: Some(vec![ean13(&format!("69990{:07}", i + 1))]),
            unit: Some("件".into()),
            weight_g: Some(rng.range(50, 1500)),
            list_price: Some(price),
            default_cost: Some(cost),
            category: Some("压测".into()),
            ..Default::default()
        };
        rows.push((i + 2, NewSku::parse(&input)?));
    }
    for outcome in app.store.import_skus(&rows, actor).await? {
        if let Err(e) = outcome.result {
            return Err(Error::Internal(format!(
                "bench sku row {}: {}: {}",
                outcome.row, e.field, e.reason
            )));
        }
    }
    let mut skus: Vec<(SkuId, i64)> = all_skus(app)
        .await?
        .into_iter()
        .filter(|s| s.fields.code.starts_with("BM"))
        .map(|s| (s.id, s.fields.default_cost.0))
        .collect();
    skus.sort();
    if skus.len() != SKUS {
        return Err(Error::Internal(format!(
            "bench created {} of {SKUS} skus",
            skus.len()
        )));
    }

    let mut warehouses = Vec::new();
    let mut locations = Vec::new();
    for (w, (name, province)) in [
        ("压测仓一", "浙江省"),
        ("压测仓二", "广东省"),
        ("压测仓三", "四川省"),
    ]
    .into_iter()
    .enumerate()
    {
        let wh = app
            .create_warehouse(
                &WarehouseInput {
                    code: Some(format!("BENCH{}", w + 1)),
                    name: Some(name.into()),
                    province: Some(province.into()),
                    priority: Some(w as i64 + 1),
                    ..Default::default()
                },
                actor,
            )
            .await?;
        let mut locs = Vec::new();
        let mut seq = 0;
        for aisle in 1..=AISLES {
            let racks: Vec<i64> = if aisle % 2 == 1 {
                (1..=RACKS).collect()
            } else {
                (1..=RACKS).rev().collect()
            };
            for rack in racks {
                for level in 1..=LEVELS {
                    seq += 10;
                    let loc = app
                        .create_location(
                            &LocationInput {
                                warehouse_id: Some(wh.id.0),
                                code: Some(format!("A-{aisle:02}-{rack:02}-{level:02}")),
                                pick_seq: Some(seq),
                                ..Default::default()
                            },
                            actor,
                        )
                        .await?;
                    locs.push(loc.id);
                }
            }
        }
        warehouses.push(wh.id);
        locations.push(locs);
    }
    Ok(Setup {
        skus,
        warehouses,
        locations,
    })
}

/// Runs the ledger benchmark for about `moves` ledger rows. Expects a fresh, migrated,
/// empty database (it refuses one that has SKUs, warehouses or moves).
pub async fn bench_ledger(app: &App, moves: u64) -> Result<LedgerBench> {
    let counts = app.store.counts().await?;
    if counts.skus + counts.bundles + counts.warehouses + counts.moves > 0 {
        return Err(Error::Rule(
            "压测需要一个空数据库 / the benchmark needs an empty database".into(),
        ));
    }
    let actor = Actor::system("bench");
    let mut rng = Rng::new(0x6A78_635F_6265_6E63); // "jxc_benc"
    let s = setup(app, &mut rng, &actor).await?;
    let nlocs = s.locations.first().map_or(0, Vec::len);
    if nlocs == 0 {
        return Err(Error::Internal("bench warehouses have no locations".into()));
    }
    let sku_index: HashMap<SkuId, usize> = s
        .skus
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let loc_index: HashMap<LocationId, (usize, usize)> = s
        .locations
        .iter()
        .enumerate()
        .flat_map(|(w, locs)| locs.iter().enumerate().map(move |(l, id)| (*id, (w, l))))
        .collect();

    let mut stock = Stock::new();
    let mut seconds_posting = 0.0f64;
    let mut seconds_reserving = 0.0f64;
    let (mut receipt_moves, mut issue_moves) = (0u64, 0u64);
    let (mut reservations, mut releases) = (0u64, 0u64);
    let mut doc_no = 0u64;

    // 入库 until about 60 % of the moves.
    let receipt_target = moves * 6 / 10;
    let mut planned = 0u64;
    while planned < receipt_target {
        let mut docs = Vec::with_capacity(DOCS_PER_BATCH);
        while docs.len() < DOCS_PER_BATCH && planned < receipt_target {
            let wh = rng.below(WAREHOUSES);
            let n = (rng.range(1, 5) as u64).min(receipt_target - planned);
            let mut lines = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let sku = rng.below(SKUS);
                let loc = rng.below(nlocs);
                let qty = rng.range(10, 100);
                let (id, cost) = s.skus[sku];
                lines.push(LineInput {
                    sku_id: id.0,
                    location_id: Some(s.locations[wh][loc].0),
                    qty,
                    unit_cost: Some(cost),
                    ..Default::default()
                });
                stock.receive(sku, wh, loc, qty);
            }
            planned += n;
            doc_no += 1;
            docs.push(Document::parse(
                DocumentKind::Receipt,
                &DocumentInput {
                    warehouse_id: s.warehouses[wh].0,
                    reference: format!("BENCH-PO-{doc_no:07}"),
                    note: String::new(),
                    lines,
                },
            )?);
        }
        let t = Instant::now();
        let posted = app.store.post_documents(&docs, &actor).await?;
        seconds_posting += t.elapsed().as_secs_f64();
        receipt_moves += posted.iter().map(|d| d.moves.len() as u64).sum::<u64>();
    }

    // 出库 up to `moves`, each batch followed by reservations and releases.
    while receipt_moves + issue_moves < moves {
        let left = moves - receipt_moves - issue_moves;
        let mut planned = 0u64;
        let mut docs = Vec::with_capacity(DOCS_PER_BATCH);
        'docs: while docs.len() < DOCS_PER_BATCH && planned < left {
            let wh = rng.below(WAREHOUSES);
            let n = (rng.range(1, 3) as u64).min(left - planned);
            let mut lines = Vec::with_capacity(n as usize);
            for _ in 0..n {
                let Some((sku, loc)) = stock.sample(&mut rng, wh) else {
                    break;
                };
                let avail = stock.available(sku, wh, loc);
                let qty = rng.range(1, avail.min(5));
                if let Some(e) = stock.slots.get_mut(&(sku, wh, loc)) {
                    e.0 -= qty;
                }
                lines.push(LineInput {
                    sku_id: s.skus[sku].0.0,
                    location_id: Some(s.locations[wh][loc].0),
                    qty,
                    ..Default::default()
                });
            }
            if lines.is_empty() {
                if stock.stocked.iter().all(Vec::is_empty) {
                    break 'docs;
                }
                continue;
            }
            planned += lines.len() as u64;
            doc_no += 1;
            docs.push(Document::parse(
                DocumentKind::Issue,
                &DocumentInput {
                    warehouse_id: s.warehouses[wh].0,
                    reference: format!("BENCH-SO-{doc_no:07}"),
                    note: String::new(),
                    lines,
                },
            )?);
        }
        if docs.is_empty() {
            break; // no stock left anywhere
        }
        let t = Instant::now();
        let posted = app.store.post_documents(&docs, &actor).await?;
        seconds_posting += t.elapsed().as_secs_f64();
        issue_moves += posted.iter().map(|d| d.moves.len() as u64).sum::<u64>();

        // 占用 for 500 order lines, then about half of them are cancelled (释放).
        let mut reqs = Vec::with_capacity(RESERVATIONS_PER_BATCH);
        for n in 0..RESERVATIONS_PER_BATCH {
            let wh = rng.below(WAREHOUSES);
            let Some((sku, loc)) = stock.sample(&mut rng, wh) else {
                continue;
            };
            let qty = rng.range(1, stock.available(sku, wh, loc).min(3));
            if let Some(e) = stock.slots.get_mut(&(sku, wh, loc)) {
                e.1 += qty;
            }
            reqs.push(ReservationRequest {
                request: ReserveRequest {
                    sku: s.skus[sku].0,
                    warehouse: s.warehouses[wh],
                    qty,
                    location: Some(s.locations[wh][loc]),
                    lot: None,
                },
                source_type: "order".into(),
                source_ref: format!("BENCH-ORDER-{doc_no:07}-{n:03}"),
            });
        }
        if reqs.is_empty() {
            continue;
        }
        let t = Instant::now();
        let held = app.store.reserve(&reqs, &actor).await?;
        seconds_reserving += t.elapsed().as_secs_f64();
        reservations += held.len() as u64;
        let mut release: Vec<ReservationId> = Vec::with_capacity(held.len() / 2 + 1);
        for r in held.iter().step_by(2) {
            let (Some(sku), Some((wh, loc))) =
                (sku_index.get(&r.sku_id), loc_index.get(&r.location_id))
            else {
                return Err(Error::Internal(
                    "a reservation holds stock the bench did not create".into(),
                ));
            };
            if let Some(e) = stock.slots.get_mut(&(*sku, *wh, *loc)) {
                e.1 -= r.qty;
            }
            release.push(r.id);
        }
        let released = app.store.release(&release, &actor).await?;
        releases += released.len() as u64;
    }

    let report = app.check().await?;
    let moves_posted = receipt_moves + issue_moves;
    let per_second = |n: u64, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    Ok(LedgerBench {
        backend: app.store.backend().to_string(),
        skus: s.skus.len(),
        warehouses: s.warehouses.len(),
        moves: moves_posted,
        receipt_moves,
        issue_moves,
        reservations,
        releases,
        seconds_posting,
        moves_per_second: per_second(moves_posted, seconds_posting),
        reservations_per_second: per_second(reservations, seconds_reserving),
        peak_rss_mib: peak_rss_mib(),
        check_clean: report.is_clean(),
    })
}
