//! `jxc bench count`: a full count (全盘) of N lines, from creating it to posting its
//! variances. Sets up (not timed) one warehouse whose locations each hold up to 100 SKUs
//! (500 locations × 100 SKUs for 50,000 lines), stocked by opening documents of at most
//! 10,000 lines. Then times, each on its own: creating the count over the whole warehouse;
//! entering every line as a typed total (录入) in requests of 1,000, location by location
//! as counters walk, with most lines matching the ledger and the rest ±1–3 units; the
//! submit; and the approval, which posts the variances as 调整单 (count posting).
//! Afterwards the accuracy report must match what was entered and `jxc check` must be
//! clean. Only wall-clock seconds are `f64` here (timing, not money).

use std::time::Instant;

use jxc_core::catalog::SkuInput;
use jxc_core::inventory::count::{CountStatus, NewCountInput};
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput, document::MAX_LINES};
use jxc_core::users::{NewUser, Role, User, UserInput};
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::EntryOutcome;
use serde::Serialize;

use crate::bench::{peak_rss_mib, table, thousands};
use crate::counts::{MAX_ENTRIES, TypedCountInput};
use crate::demo::Rng;
use crate::{Actor, App, Error, Result};

/// SKUs on every location (the last location may hold fewer).
const SKUS_PER_LOCATION: usize = 100;
/// Locations an aisle: `A-<aisle>-<rack>-<level>`, 50 racks of 2 levels.
const LOCATIONS_PER_AISLE: usize = 100;

/// What one run of the count benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct CountBench {
    pub backend: String,
    pub locations: usize,
    pub skus: usize,
    /// Count lines (balances in the count).
    pub lines: i64,
    /// Percentage of lines entered with a difference.
    pub mismatch_pct: u32,
    pub seconds_setup: f64,
    pub seconds_create: f64,
    pub seconds_record: f64,
    pub entries_per_second: f64,
    pub seconds_submit: f64,
    /// Lines whose count differs from the ledger: the 调整单 lines posted.
    pub variance_lines: i64,
    pub documents: usize,
    /// 审核过账: the approve call, which posts the variances.
    pub seconds_post: f64,
    /// Count lines settled per second of posting.
    pub lines_per_second_post: f64,
    pub accuracy: String,
    pub qty_gain: i64,
    pub qty_loss: i64,
    /// 分.
    pub value_gain: i64,
    pub value_loss: i64,
    pub peak_rss_mib: f64,
    pub check_clean: bool,
}

impl CountBench {
    pub fn table(&self) -> String {
        let yuan = |f: i64| jxc_core::money::Fen(f).to_yuan_grouped();
        let rows = vec![
            ("backend", self.backend.clone()),
            (
                "locations x SKUs",
                format!("{} x {}", thousands(self.locations as u64), self.skus),
            ),
            ("count lines", thousands(self.lines as u64)),
            (
                "seconds setting up (not timed)",
                format!("{:.1}", self.seconds_setup),
            ),
            (
                "seconds creating the count",
                format!("{:.3}", self.seconds_create),
            ),
            (
                "seconds entering every line (1,000 a request)",
                format!("{:.3}", self.seconds_record),
            ),
            (
                "lines entered / second",
                thousands(self.entries_per_second.round().max(0.0) as u64),
            ),
            ("seconds submitting", format!("{:.3}", self.seconds_submit)),
            (
                "variance lines (entered with a difference)",
                format!(
                    "{} ({}% asked)",
                    thousands(self.variance_lines as u64),
                    self.mismatch_pct
                ),
            ),
            ("调整单 documents posted", self.documents.to_string()),
            (
                "seconds posting (approve)",
                format!("{:.3}", self.seconds_post),
            ),
            (
                "count lines / second posting",
                thousands(self.lines_per_second_post.round().max(0.0) as u64),
            ),
            ("accuracy", self.accuracy.clone()),
            (
                "units gained / lost",
                format!("{} / {}", self.qty_gain, self.qty_loss),
            ),
            (
                "value gained / lost (yuan)",
                format!("{} / {}", yuan(self.value_gain), yuan(self.value_loss)),
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
        table("jxc bench count", &rows)
    }
}

/// A user who may count and approve everywhere (the benchmark acts as no stored user).
fn bench_lead() -> Result<User> {
    Ok(User {
        id: jxc_core::ids::UserId(0),
        fields: NewUser::parse(
            &UserInput {
                username: Some("bench".into()),
                roles: Some(vec![Role::Admin.as_str().into()]),
                ..Default::default()
            },
            None,
        )?,
        last_login_at: None,
    })
}

/// One balance of the warehouse: where, what, and how many the ledger holds.
struct Slot {
    location: usize,
    sku: usize,
    on_hand: i64,
}

/// Runs the count benchmark for `lines` count lines on a fresh, migrated, empty database;
/// `mismatch_pct` of the lines are entered with a difference of 1–3 units either way.
pub async fn bench_count(app: &App, lines: usize, mismatch_pct: u32) -> Result<CountBench> {
    if lines == 0 {
        return Err(Error::invalid("lines", "至少 1 行 / at least 1 line"));
    }
    let counts = app.store.counts().await?;
    if counts.skus + counts.bundles + counts.warehouses + counts.moves > 0 {
        return Err(Error::Rule(
            "压测需要一个空数据库 / the benchmark needs an empty database".into(),
        ));
    }
    let actor = Actor::system("bench");
    let lead = bench_lead()?;
    let mut rng = Rng::new(0x6A78_635F_7064_6263); // "jxc_pdbc"
    let n_skus = SKUS_PER_LOCATION.min(lines);
    let n_locations = lines.div_ceil(n_skus);

    // Setup (not timed): the warehouse, its locations, the SKUs, opening stock.
    let t0 = Instant::now();
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("PDBENCH".into()),
                name: Some("盘点压测仓".into()),
                ..Default::default()
            },
            &actor,
        )
        .await?;
    let mut locations = Vec::with_capacity(n_locations);
    for i in 0..n_locations {
        let aisle = i / LOCATIONS_PER_AISLE + 1;
        let rack = (i % LOCATIONS_PER_AISLE) / 2 + 1;
        let level = i % 2 + 1;
        let loc = app
            .create_location(
                &LocationInput {
                    warehouse_id: Some(wh.id.0),
                    code: Some(format!("A-{aisle:02}-{rack:02}-{level:02}")),
                    pick_seq: Some(i as i64 + 1),
                    ..Default::default()
                },
                &actor,
            )
            .await?;
        locations.push(loc);
    }
    let mut skus = Vec::with_capacity(n_skus);
    for i in 0..n_skus {
        let s = app
            .create_sku(
                &SkuInput {
                    code: Some(format!("PD-{i:03}")),
                    name: Some(format!("盘点商品 {i:03}")),
                    unit: Some("件".into()),
                    default_cost: Some(500 + (i as i64 * 37) % 5_000),
                    ..Default::default()
                },
                &actor,
            )
            .await?;
        skus.push(s);
    }
    let mut slots = Vec::with_capacity(lines);
    for location in 0..n_locations {
        for sku in 0..n_skus {
            if slots.len() == lines {
                break;
            }
            slots.push(Slot {
                location,
                sku,
                on_hand: rng.range(5, 50),
            });
        }
    }
    for (n, chunk) in slots.chunks(MAX_LINES).enumerate() {
        app.post_document(
            DocumentKind::Opening,
            &DocumentInput {
                warehouse_id: wh.id.0,
                reference: format!("PD-BENCH-OPEN-{:02}", n + 1),
                note: String::new(),
                lines: chunk
                    .iter()
                    .map(|s| LineInput {
                        sku_id: skus[s.sku].id.0,
                        location_id: Some(locations[s.location].id.0),
                        qty: s.on_hand,
                        unit_cost: Some(500 + (s.sku as i64 * 37) % 5_000),
                        ..Default::default()
                    })
                    .collect(),
            },
            &actor,
        )
        .await?;
    }
    let seconds_setup = t0.elapsed().as_secs_f64();

    // 新建盘点: every balance of the warehouse.
    let t = Instant::now();
    let count = app
        .create_count(
            &lead,
            &NewCountInput {
                warehouse_id: wh.id.0,
                scope: "full".into(),
                note: "jxc bench count".into(),
                ..Default::default()
            },
            &actor,
        )
        .await?;
    let seconds_create = t.elapsed().as_secs_f64();
    if count.progress.lines != lines as i64 {
        return Err(Error::Internal(format!(
            "the count has {} lines, the warehouse {lines} balances",
            count.progress.lines
        )));
    }

    // 录入: what the counters found, location by location.
    let (mut variance_lines, mut qty_gain, mut qty_loss) = (0i64, 0i64, 0i64);
    let entries: Vec<TypedCountInput> = slots
        .iter()
        .map(|s| {
            let mut qty = s.on_hand;
            if rng.chance(mismatch_pct) {
                let d = rng.range(1, 3);
                if rng.chance(50) {
                    qty += d;
                    qty_gain += d;
                } else {
                    qty -= d;
                    qty_loss += d;
                }
                variance_lines += 1;
            }
            TypedCountInput {
                location: locations[s.location].fields.code.clone(),
                code: skus[s.sku].fields.code.clone(),
                lot_no: String::new(),
                qty,
            }
        })
        .collect();
    let t = Instant::now();
    for chunk in entries.chunks(MAX_ENTRIES) {
        for o in app.enter_counts(&lead, count.id, chunk, &actor).await? {
            if !matches!(o, EntryOutcome::Counted { .. }) {
                return Err(Error::Internal(format!("an entry was not taken: {o:?}")));
            }
        }
    }
    let seconds_record = t.elapsed().as_secs_f64();

    // 提交 (no recount rule: straight to 待审核).
    let t = Instant::now();
    let submitted = app.submit_count(&lead, count.id, false, &actor).await?;
    let seconds_submit = t.elapsed().as_secs_f64();
    if submitted.status != CountStatus::Submitted {
        return Err(Error::Internal(format!(
            "the count is {} after submitting",
            submitted.status.as_str()
        )));
    }

    // 审核过账: count posting.
    let t = Instant::now();
    let posted = app.approve_count(&lead, count.id, &actor).await?;
    let seconds_post = t.elapsed().as_secs_f64();
    if posted.status != CountStatus::Posted || posted.progress.variances != variance_lines {
        return Err(Error::Internal(format!(
            "after approving: {} with {} variances, {variance_lines} entered",
            posted.status.as_str(),
            posted.progress.variances
        )));
    }

    let report = app.count_report(&lead, count.id).await?;
    let a = report.accuracy;
    if (a.lines, a.qty_gain, a.qty_loss) != (lines as i64, qty_gain, qty_loss) {
        return Err(Error::Internal(format!(
            "the accuracy report ({} lines, +{} −{}) is not what was entered ({lines} lines, +{qty_gain} −{qty_loss})",
            a.lines, a.qty_gain, a.qty_loss
        )));
    }
    let check = app.check().await?;
    Ok(CountBench {
        backend: app.store.backend().to_string(),
        locations: n_locations,
        skus: n_skus,
        lines: a.lines,
        mismatch_pct,
        seconds_setup,
        seconds_create,
        seconds_record,
        entries_per_second: lines as f64 / seconds_record.max(1e-9),
        seconds_submit,
        variance_lines,
        documents: posted.documents.len(),
        seconds_post,
        lines_per_second_post: lines as f64 / seconds_post.max(1e-9),
        accuracy: report.accuracy_text,
        qty_gain: a.qty_gain,
        qty_loss: a.qty_loss,
        value_gain: a.value_gain,
        value_loss: a.value_loss,
        peak_rss_mib: peak_rss_mib(),
        check_clean: check.is_clean(),
    })
}
