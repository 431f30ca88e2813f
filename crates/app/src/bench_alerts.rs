//! `jxc bench alerts`: alert evaluation over N SKU × warehouse pairs. Sets up (not timed)
//! N/5 SKUs in 5 warehouses, opening stock for every pair, a sale on a tenth of them, and
//! a stock level on every pair (safety stock, overstock, days of cover) so that about a
//! third are under their safety stock. Then times a full evaluation — facts, conditions,
//! the store's one-open-alert-per-cause sync — twice: the first opens the alerts, the
//! second finds every cause open already (the steady state the schedule runs in).

use std::time::Instant;

use jxc_core::alerts::StockLevel;
use jxc_core::catalog::{NewSku, SkuInput};
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput, document::MAX_LINES};
use jxc_core::warehouses::WarehouseInput;
use serde::Serialize;

use crate::bench::{peak_rss_mib, table, thousands};
use crate::demo::Rng;
use crate::{Actor, App, Error, Result};

const WAREHOUSES: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct AlertsBench {
    pub backend: String,
    pub pairs: usize,
    pub seconds_setup: f64,
    pub seconds_first: f64,
    pub opened: usize,
    pub seconds_steady: f64,
    pub still_open: i64,
    pub peak_rss_mib: f64,
}

impl AlertsBench {
    pub fn table(&self) -> String {
        let rows = vec![
            ("backend", self.backend.clone()),
            ("SKU × warehouse pairs", thousands(self.pairs as u64)),
            (
                "seconds setting up (not timed)",
                format!("{:.1}", self.seconds_setup),
            ),
            (
                "seconds, first evaluation (opens alerts)",
                format!("{:.3}", self.seconds_first),
            ),
            ("alerts opened", thousands(self.opened as u64)),
            (
                "seconds, evaluation with every cause open",
                format!("{:.3}", self.seconds_steady),
            ),
            ("alerts still open", thousands(self.still_open as u64)),
            ("peak RSS (MiB)", format!("{:.1}", self.peak_rss_mib)),
        ];
        table("jxc bench alerts", &rows)
    }
}

pub async fn bench_alerts(app: &App, pairs: usize) -> Result<AlertsBench> {
    let actor = Actor::system("bench");
    let started = Instant::now();
    let n_skus = pairs.div_ceil(WAREHOUSES).max(1);
    let mut rows = Vec::with_capacity(n_skus);
    for i in 0..n_skus {
        let input = SkuInput {
            code: Some(format!("AL{i:06}")),
            name: Some(format!("预警商品 {i:06}")),
            unit: Some("件".into()),
            default_cost: Some(800),
            ..Default::default()
        };
        rows.push((i + 2, NewSku::parse(&input)?));
    }
    for chunk in rows.chunks(5_000) {
        for o in app.store.import_skus(chunk, &actor).await? {
            if let Err(e) = o.result {
                return Err(Error::Internal(format!("sku row {}: {}", o.row, e.reason)));
            }
        }
    }
    let mut skus: Vec<SkuId> = Vec::with_capacity(n_skus);
    for chunk in rows.chunks(1_000) {
        for (_, s) in chunk {
            let sku = app
                .store
                .get_sku_by_code(&s.code)
                .await?
                .ok_or_else(|| Error::Internal(format!("sku {} vanished", s.code)))?;
            skus.push(sku.id);
        }
    }
    let mut whs = Vec::with_capacity(WAREHOUSES);
    for w in 0..WAREHOUSES {
        let wh = app
            .create_warehouse(
                &WarehouseInput {
                    code: Some(format!("AW{w}")),
                    name: Some(format!("预警仓 {w}")),
                    ..Default::default()
                },
                &actor,
            )
            .await?;
        whs.push(wh.id);
    }
    let mut rng = Rng::new(2026);
    let mut levels = Vec::with_capacity(pairs);
    let mut opening: Vec<(WarehouseId, LineInput)> = Vec::with_capacity(pairs);
    let mut sales: Vec<(WarehouseId, LineInput)> = Vec::new();
    'pairs: for (i, sku) in skus.iter().enumerate() {
        for (w, wh) in whs.iter().enumerate() {
            if i * WAREHOUSES + w >= pairs {
                break 'pairs;
            }
            let qty = rng.range(1, 200);
            opening.push((
                *wh,
                LineInput {
                    sku_id: sku.0,
                    qty,
                    unit_cost: Some(800),
                    ..Default::default()
                },
            ));
            if rng.range(0, 10) == 0 {
                sales.push((
                    *wh,
                    LineInput {
                        sku_id: sku.0,
                        qty: rng.range(1, qty.min(20) + 1).min(qty),
                        ..Default::default()
                    },
                ));
            }
            levels.push(StockLevel {
                sku_id: *sku,
                warehouse_id: *wh,
                min_qty: Some(rng.range(0, 150)),
                max_qty: (rng.range(0, 4) == 0).then_some(180),
                cover_days: (rng.range(0, 4) == 0).then_some(14),
            });
        }
    }
    for (kind, lines) in [
        (DocumentKind::Opening, opening),
        (DocumentKind::Issue, sales),
    ] {
        let mut docs = Vec::new();
        for wh in &whs {
            let mine: Vec<LineInput> = lines
                .iter()
                .filter(|(w, _)| w == wh)
                .map(|(_, l)| l.clone())
                .collect();
            for chunk in mine.chunks(MAX_LINES) {
                docs.push(Document::parse(
                    kind,
                    &DocumentInput {
                        warehouse_id: wh.0,
                        reference: "bench".into(),
                        lines: chunk.to_vec(),
                        ..Default::default()
                    },
                )?);
            }
        }
        for d in docs {
            app.store.post_documents(&[d], &actor).await?;
        }
    }
    for chunk in levels.chunks(10_000) {
        app.store.set_stock_levels(chunk, &actor).await?;
    }
    let seconds_setup = started.elapsed().as_secs_f64();

    let t = Instant::now();
    let first = app.evaluate_alerts(None).await?;
    let seconds_first = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let steady = app.evaluate_alerts(None).await?;
    let seconds_steady = t.elapsed().as_secs_f64();
    if !steady.opened.is_empty() || steady.closed != 0 {
        return Err(Error::Internal(format!(
            "a second evaluation changed alerts: {} opened, {} closed",
            steady.opened.len(),
            steady.closed
        )));
    }
    Ok(AlertsBench {
        backend: app.store.backend().into(),
        pairs: levels.len(),
        seconds_setup,
        seconds_first,
        opened: first.opened.len(),
        seconds_steady,
        still_open: steady.still_open,
        peak_rss_mib: peak_rss_mib(),
    })
}
