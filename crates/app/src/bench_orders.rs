//! `jxc bench orders`: bulk order intake. Generates N realistic orders as a jxc order
//! template file (1–5 lines, line discounts, shipping, some bad addresses and phones,
//! buyer messages, unpaid orders, repeat buyers), then times the whole import: parsing
//! the file, mapping lines to SKUs, the detectors (address, phone, amounts, stock …) and
//! saving with duplicate and merge-candidate detection. A second import of the same file
//! (every order unchanged) is timed too.

use std::fmt::Write as _;
use std::time::Instant;

use jxc_core::catalog::SkuInput;
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::partners::ShopInput;
use jxc_core::warehouses::WarehouseInput;
use serde::Serialize;

use crate::bench::{peak_rss_mib, table, thousands};
use crate::demo::Rng;
use crate::orders::OrderFile;
use crate::{Actor, App, Result};

const SKUS: usize = 500;

#[derive(Debug, Clone, Serialize)]
pub struct OrderBench {
    pub backend: String,
    pub orders: usize,
    pub lines: usize,
    pub file_mib: f64,
    pub seconds_import: f64,
    pub orders_per_second: f64,
    pub created: usize,
    pub held: usize,
    pub errors: usize,
    pub seconds_replay: f64,
    pub replay_unchanged: usize,
    pub peak_rss_mib: f64,
}

impl OrderBench {
    pub fn table(&self) -> String {
        let rows = vec![
            ("backend", self.backend.clone()),
            ("orders in the file", thousands(self.orders as u64)),
            ("lines", thousands(self.lines as u64)),
            ("file (MiB)", format!("{:.1}", self.file_mib)),
            ("seconds importing", format!("{:.3}", self.seconds_import)),
            (
                "orders / second",
                thousands(self.orders_per_second.round().max(0.0) as u64),
            ),
            ("created", thousands(self.created as u64)),
            ("held (异常)", thousands(self.held as u64)),
            ("bad rows", thousands(self.errors as u64)),
            ("seconds replaying", format!("{:.3}", self.seconds_replay)),
            (
                "unchanged on replay",
                thousands(self.replay_unchanged as u64),
            ),
            ("peak RSS (MiB)", format!("{:.1}", self.peak_rss_mib)),
        ];
        table("jxc bench orders", &rows)
    }
}

const PLACES: &[(&str, &str, &str)] = &[
    ("浙江省", "杭州市", "西湖区"),
    ("广东省", "深圳市", "南山区"),
    ("上海市", "上海市", "浦东新区"),
    ("北京市", "北京市", "朝阳区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "洪山区"),
    ("陕西省", "西安市", "雁塔区"),
];

/// The order file: `n` orders in jxc's template, one row per line.
fn order_file(rng: &mut Rng, n: usize) -> (String, usize) {
    let mut f = String::with_capacity(n * 400);
    f.push_str("订单号,买家昵称,收货人,手机,省,市,区,详细地址,买家留言,下单时间,付款时间,商家编码,商品名称,数量,单价,优惠,运费\n");
    let mut lines = 0;
    for i in 0..n {
        // A repeat buyer now and then: same nick and address as the order before.
        let buyer = if i > 0 && rng.chance(3) { i - 1 } else { i };
        let (mut p, c, mut d) = PLACES[buyer % PLACES.len()];
        let roll = rng.below(100);
        if roll < 3 {
            d = "";
        } else if roll < 5 {
            p = if p == "江苏省" {
                "浙江省"
            } else {
                "江苏省"
            };
        }
        let mobile = if roll == 6 {
            "1234567890".to_string()
        } else {
            format!("13{:09}", buyer % 1_000_000_000)
        };
        let message = if roll >= 95 { "请发顺丰" } else { "" };
        let paid = if roll == 7 { "" } else { "2026-11-11 00:01:00" };
        let k = rng.range(1, 5);
        for j in 0..k {
            let sku = rng.below(SKUS);
            let qty = rng.range(1, 3);
            let price = 990 + (sku as i64 % 40) * 500;
            let discount = if rng.chance(20) { 500 } else { 0 };
            // 运费 once per order, on its first row.
            let shipping = match (j, rng.chance(30)) {
                (0, true) => "8.00",
                (0, false) => "0",
                _ => "",
            };
            let _ = writeln!(
                f,
                "BO{i:08},buyer{buyer},收货人{buyer},{mobile},{p},{c},{d},人民路{}号,{message},2026-11-11 00:00:00,{paid},BENCH-{sku:04},商品{sku},{qty},{}.{:02},{}.{:02},{shipping}",
                buyer % 500,
                price / 100,
                price % 100,
                discount / 100,
                discount % 100,
            );
            lines += 1;
        }
    }
    (f, lines)
}

/// Sets up a shop, 500 SKUs with stock, then imports `n` generated orders twice.
pub async fn bench_orders(app: &App, n: usize) -> Result<OrderBench> {
    let actor = Actor::system("bench");
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some("BENCH".into()),
                name: Some("压测店铺".into()),
                platform: Some("taobao".into()),
                ..Default::default()
            },
            &actor,
        )
        .await?
        .id;
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("BW".into()),
                name: Some("压测仓".into()),
                ..Default::default()
            },
            &actor,
        )
        .await?
        .id;
    let mut lines = Vec::with_capacity(SKUS);
    for i in 0..SKUS {
        let s = app
            .create_sku(
                &SkuInput {
                    code: Some(format!("BENCH-{i:04}")),
                    name: Some(format!("商品{i}")),
                    ..Default::default()
                },
                &actor,
            )
            .await?;
        lines.push(LineInput {
            sku_id: s.id.0,
            qty: 1000,
            unit_cost: Some(500),
            ..Default::default()
        });
    }
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: wh.0,
            lines,
            ..Default::default()
        },
        &actor,
    )
    .await?;
    let mut rng = Rng::new(11);
    let (file, line_count) = order_file(&mut rng, n);
    let bytes = file.into_bytes();

    let start = Instant::now();
    let first = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("bench.csv", &bytes),
            None,
            &actor,
        )
        .await?;
    let seconds_import = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let replay = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("bench.csv", &bytes),
            None,
            &actor,
        )
        .await?;
    let seconds_replay = start.elapsed().as_secs_f64();
    Ok(OrderBench {
        backend: app.store.backend().to_string(),
        orders: n,
        lines: line_count,
        file_mib: bytes.len() as f64 / 1_048_576.0,
        seconds_import,
        orders_per_second: n as f64 / seconds_import.max(1e-9),
        created: first.created,
        held: first.held,
        errors: first.errors.len(),
        seconds_replay,
        replay_unchanged: replay.unchanged,
        peak_rss_mib: peak_rss_mib(),
    })
}
