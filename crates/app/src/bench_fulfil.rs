//! `jxc bench fulfil`: routing + reservation + waves at peak-season scale. Sets up (not
//! timed) N SKUs with stock in 2–3 of 8 warehouses across China, each warehouse with 200
//! locations in S-numbered aisles, and M paid orders of 1–3 lines from buyers in the
//! warehouses' provinces, imported and approved. Then times allocating every order (route
//! by the default strategies, reserve, record the decision: the use-case a person or the
//! scheduler runs), then cutting each warehouse's allocated orders into waves, and
//! reports how much shorter the S-shaped pick route is than picking order by order.

use std::fmt::Write as _;
use std::time::Instant;

use jxc_core::catalog::{NewSku, SkuInput};
use jxc_core::fulfillment::waves::WaveRules;
use jxc_core::ids::{OrderId, WarehouseId};
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_core::users::{NewUser, Role, User, UserInput};
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::OrderFilter;
use serde::Serialize;

use crate::bench::{peak_rss_mib, table, thousands};
use crate::demo::Rng;
use crate::orders::OrderFile;
use crate::{Actor, App, Error, Result};

/// The warehouses: code, province, city, district.
const WAREHOUSES: [(&str, &str, &str, &str); 8] = [
    ("FH", "浙江省", "杭州市", "西湖区"),
    ("FS", "广东省", "深圳市", "南山区"),
    ("FP", "上海市", "上海市", "浦东新区"),
    ("FB", "北京市", "北京市", "朝阳区"),
    ("FN", "江苏省", "南京市", "鼓楼区"),
    ("FC", "四川省", "成都市", "武侯区"),
    ("FW", "湖北省", "武汉市", "洪山区"),
    ("FX", "陕西省", "西安市", "雁塔区"),
];
const AISLES: i64 = 4;
const RACKS: i64 = 25;
const LEVELS: i64 = 2;
/// Orders a wave, and waves whose pick route is measured.
const WAVE_SIZE: usize = 40;
const ROUTES_MEASURED: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct FulfilBench {
    pub backend: String,
    pub skus: usize,
    pub warehouses: usize,
    pub orders: usize,
    pub seconds_setup: f64,
    pub seconds_allocate: f64,
    pub orders_per_second: f64,
    pub allocated: usize,
    pub split: usize,
    pub short: usize,
    pub seconds_waves: f64,
    pub waves: usize,
    pub routes_measured: usize,
    /// Mean of (naive − route) / naive over the measured multi-order waves, percent.
    pub route_shorter_pct: f64,
    pub peak_rss_mib: f64,
}

impl FulfilBench {
    pub fn table(&self) -> String {
        let rows = vec![
            ("backend", self.backend.clone()),
            ("SKUs", thousands(self.skus as u64)),
            ("warehouses", self.warehouses.to_string()),
            ("orders", thousands(self.orders as u64)),
            (
                "seconds setting up (not timed)",
                format!("{:.1}", self.seconds_setup),
            ),
            (
                "seconds routing + reserving",
                format!("{:.3}", self.seconds_allocate),
            ),
            (
                "orders / second routed + reserved",
                thousands(self.orders_per_second.round().max(0.0) as u64),
            ),
            ("allocated", thousands(self.allocated as u64)),
            ("of which split", thousands(self.split as u64)),
            ("缺货 (short)", thousands(self.short as u64)),
            (
                "seconds cutting waves",
                format!("{:.3}", self.seconds_waves),
            ),
            ("waves", thousands(self.waves as u64)),
            ("pick routes measured", self.routes_measured.to_string()),
            (
                "S-route shorter than order by order (mean)",
                format!("{:.1}%", self.route_shorter_pct),
            ),
            ("peak RSS (MiB)", format!("{:.1}", self.peak_rss_mib)),
        ];
        table("jxc bench fulfil", &rows)
    }
}

pub(crate) fn bench_admin() -> Result<User> {
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

/// The order file: `n` paid orders of 1–3 lines over `skus` SKUs.
fn order_file(rng: &mut Rng, n: usize, skus: usize) -> String {
    let mut f = String::with_capacity(n * 300);
    f.push_str("订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n");
    for i in 0..n {
        let (_, p, c, d) = WAREHOUSES[rng.below(WAREHOUSES.len())];
        for _ in 0..rng.range(1, 3) {
            let sku = rng.below(skus);
            let _ = writeln!(
                f,
                "FO{i:08},buyer{i},收货人{i},13{:09},{p},{c},{d},人民路{}号,2026-11-11 00:00:00,2026-11-11 00:01:00,FB{sku:05},商品{sku},{},19.90,0",
                i % 1_000_000_000,
                i % 500,
                rng.range(1, 2),
            );
        }
    }
    f
}

async fn setup(app: &App, n_orders: usize, n_skus: usize, actor: &Actor) -> Result<Vec<OrderId>> {
    let mut rng = Rng::new(618);
    // SKUs, in bulk.
    let mut rows = Vec::with_capacity(n_skus);
    for i in 0..n_skus {
        let input = SkuInput {
            code: Some(format!("FB{i:05}")),
            name: Some(format!("大促商品 {i:05}")),
            unit: Some("件".into()),
            weight_g: Some(rng.range(50, 1500)),
            list_price: Some(1990),
            default_cost: Some(800),
            ..Default::default()
        };
        rows.push((i + 2, NewSku::parse(&input)?));
    }
    for chunk in rows.chunks(5_000) {
        for o in app.store.import_skus(chunk, actor).await? {
            if let Err(e) = o.result {
                return Err(Error::Internal(format!("sku row {}: {}", o.row, e.reason)));
            }
        }
    }
    let mut ids = Vec::with_capacity(n_skus);
    let mut after: Option<String> = None;
    loop {
        let page = PageRequest::new(Some(jxc_core::paging::MAX_LIMIT), after.as_deref(), false)?;
        let p = app.skus(&Default::default(), &page).await?;
        ids.extend(
            p.items
                .iter()
                .filter(|s| s.fields.code.starts_with("FB"))
                .map(|s| s.id),
        );
        match p.next {
            Some(n) if Some(&n) != after.as_ref() => after = Some(n),
            _ => break,
        }
    }
    ids.sort();
    // Warehouses with S-numbered locations.
    let mut whs: Vec<(WarehouseId, Vec<i64>)> = Vec::new();
    for (w, (code, p, c, d)) in WAREHOUSES.iter().enumerate() {
        let wh = app
            .create_warehouse(
                &WarehouseInput {
                    code: Some((*code).into()),
                    name: Some(format!("{c}仓")),
                    province: Some((*p).into()),
                    city: Some((*c).into()),
                    district: Some((*d).into()),
                    priority: Some(w as i64 + 1),
                    ..Default::default()
                },
                actor,
            )
            .await?;
        let mut locs = Vec::new();
        let mut seq = 0;
        for aisle in 1..=AISLES {
            for rack in 1..=RACKS {
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
                    locs.push(loc.id.0);
                }
            }
        }
        whs.push((wh.id, locs));
    }
    // Stock: each SKU in 2–3 warehouses, 1–8 units at one location.
    let mut lines: Vec<Vec<LineInput>> = vec![Vec::new(); whs.len()];
    for sku in &ids {
        let first = rng.below(whs.len());
        for k in 0..rng.range(2, 3) as usize {
            let w = (first + k * 3) % whs.len();
            let loc = whs[w].1[rng.below(whs[w].1.len())];
            lines[w].push(LineInput {
                sku_id: sku.0,
                location_id: Some(loc),
                qty: rng.range(1, 8),
                unit_cost: Some(800),
                ..Default::default()
            });
        }
    }
    for (w, ls) in lines.into_iter().enumerate() {
        for chunk in ls.chunks(5_000) {
            app.post_document(
                DocumentKind::Opening,
                &DocumentInput {
                    warehouse_id: whs[w].0.0,
                    reference: "大促备货".into(),
                    lines: chunk.to_vec(),
                    ..Default::default()
                },
                actor,
            )
            .await?;
        }
    }
    // Orders: imported, then approved.
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some("FULFIL".into()),
                name: Some("大促店铺".into()),
                platform: Some("taobao".into()),
                ..Default::default()
            },
            actor,
        )
        .await?;
    let file = order_file(&mut rng, n_orders, ids.len());
    app.import_order_file(
        shop.id,
        OrderFile::Template,
        ("fulfil.csv", file.as_bytes()),
        None,
        actor,
    )
    .await?;
    let admin = bench_admin()?;
    let mut orders = Vec::with_capacity(n_orders);
    let mut after: Option<String> = None;
    loop {
        let page = PageRequest::new(Some(jxc_core::paging::MAX_LIMIT), after.as_deref(), false)?;
        let p = app.orders(&OrderFilter::default(), &page).await?;
        orders.extend(p.items.iter().map(|o| o.id));
        match p.next {
            Some(n) if Some(&n) != after.as_ref() => after = Some(n),
            _ => break,
        }
    }
    for chunk in orders.chunks(1_000) {
        app.approve_orders(&admin, chunk, actor).await?;
    }
    Ok(orders)
}

/// Runs the benchmark on a fresh, migrated, empty database.
pub async fn bench_fulfil(app: &App, n_orders: usize, n_skus: usize) -> Result<FulfilBench> {
    let actor = Actor::system("bench");
    let admin = bench_admin()?;
    let t0 = Instant::now();
    let orders = setup(app, n_orders, n_skus, &actor).await?;
    let seconds_setup = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let (mut allocated, mut split, mut short) = (0, 0, 0);
    {
        for o in app.allocate_many(&admin, &orders, &actor).await? {
            match o.status.as_str() {
                "allocated" => {
                    allocated += 1;
                    if o.decision.is_some_and(|d| d.shipments.len() > 1) {
                        split += 1;
                    }
                }
                "short" => short += 1,
                _ => {}
            }
        }
    }
    let seconds_allocate = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    let rules = WaveRules {
        single_units_apart: true,
        by_carrier: false,
        cutoff_ms: None,
        max_shipments: WAVE_SIZE,
    };
    let mut waves = Vec::new();
    let warehouses = app
        .store
        .list_warehouses(&Default::default(), &PageRequest::default())
        .await?;
    for w in &warehouses.items {
        waves.extend(app.create_waves(&admin, w.id, &rules, &actor).await?);
    }
    let seconds_waves = t2.elapsed().as_secs_f64();

    // Pick routes of multi-order waves: S-shape against order by order.
    let mut shorter = Vec::new();
    for w in waves
        .iter()
        .filter(|w| w.kind == jxc_store::WaveKind::Multi && w.orders.len() > 1)
        .take(ROUTES_MEASURED)
    {
        let p = app.pick_list(&admin, w.id).await?;
        if p.naive_length > 0 {
            shorter.push((p.naive_length - p.route_length) as f64 / p.naive_length as f64 * 100.0);
        }
    }
    let route_shorter_pct = if shorter.is_empty() {
        0.0
    } else {
        shorter.iter().sum::<f64>() / shorter.len() as f64
    };
    Ok(FulfilBench {
        backend: app.store.backend().into(),
        skus: n_skus,
        warehouses: WAREHOUSES.len(),
        orders: orders.len(),
        seconds_setup,
        seconds_allocate,
        orders_per_second: orders.len() as f64 / seconds_allocate.max(1e-9),
        allocated,
        split,
        short,
        seconds_waves,
        waves: waves.len(),
        routes_measured: shorter.len(),
        route_shorter_pct,
        peak_rss_mib: peak_rss_mib(),
    })
}
