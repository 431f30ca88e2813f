//! `jxc bench trace`: one lot shipped to N orders, each in a shipment of its own. Sets up
//! (not timed) the lot's receipt, N orders imported and approved, allocated and shipped
//! through the store's own paths. Then times the forward trace of the lot (every
//! document, shipment, order and buyer), the median of five, and one backward trace.

use std::time::Instant;

use jxc_core::catalog::SkuInput;
use jxc_core::ids::{LotId, OrderId, WarehouseId};
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput, ReserveRequest};
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_core::warehouses::WarehouseInput;
use jxc_store::{
    AllocationStatus, NewAllocation, NewShipment, OrderFilter, ReservationRequest, ShipInput,
};
use serde::Serialize;

use crate::bench::{peak_rss_mib, table, thousands};
use crate::bench_fulfil::bench_admin;
use crate::orders::OrderFile;
use crate::{Actor, App, Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct TraceBench {
    pub backend: String,
    pub orders: usize,
    pub seconds_setup: f64,
    pub ms_forward_median: f64,
    pub buyers_found: usize,
    pub ms_backward: f64,
    pub peak_rss_mib: f64,
}

impl TraceBench {
    pub fn table(&self) -> String {
        let rows = vec![
            ("backend", self.backend.clone()),
            ("orders that got the lot", thousands(self.orders as u64)),
            (
                "seconds setting up (not timed)",
                format!("{:.1}", self.seconds_setup),
            ),
            (
                "ms, forward trace (median of 5)",
                format!("{:.1}", self.ms_forward_median),
            ),
            ("orders found", thousands(self.buyers_found as u64)),
            (
                "ms, backward trace of one order",
                format!("{:.1}", self.ms_backward),
            ),
            ("peak RSS (MiB)", format!("{:.1}", self.peak_rss_mib)),
        ];
        table("jxc bench trace", &rows)
    }
}

pub async fn bench_trace(app: &App, n: usize) -> Result<TraceBench> {
    let actor = Actor::system("bench");
    let admin = bench_admin()?;
    let t0 = Instant::now();
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("TR".into()),
                name: Some("追溯仓".into()),
                province: Some("浙江省".into()),
                ..Default::default()
            },
            &actor,
        )
        .await?
        .id;
    let milk = app
        .create_sku(
            &SkuInput {
                code: Some("TRACE-MILK".into()),
                name: Some("追溯牛奶".into()),
                tracking: Some("lot_expiry".into()),
                ..Default::default()
            },
            &actor,
        )
        .await?
        .id;
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: wh.0,
            reference: "PO-BENCH".into(),
            lines: vec![LineInput {
                sku_id: milk.0,
                qty: n as i64,
                unit_cost: Some(450),
                lot_no: Some("LOT-BENCH".into()),
                expiry_date: chrono::NaiveDate::from_ymd_opt(2030, 1, 1),
                ..Default::default()
            }],
            ..Default::default()
        },
        &actor,
    )
    .await?;
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some("TRACE".into()),
                name: Some("追溯店铺".into()),
                platform: Some("taobao".into()),
                ..Default::default()
            },
            &actor,
        )
        .await?;
    let mut file = String::from(
        "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n",
    );
    for i in 0..n {
        file.push_str(&format!(
            "TR{i:06},buyer{i},买家{i},13800001111,浙江省,杭州市,西湖区,文三路{i}号,2026-11-20 09:00:00,2026-11-20 09:05:00,TRACE-MILK,追溯牛奶,1,10.00,0\n"
        ));
    }
    app.import_order_file(
        shop.id,
        OrderFile::Template,
        ("t.csv", file.as_bytes()),
        None,
        &actor,
    )
    .await?;
    let mut orders: Vec<(OrderId, String)> = Vec::with_capacity(n);
    let mut after: Option<String> = None;
    loop {
        let page = PageRequest::new(Some(jxc_core::paging::MAX_LIMIT), after.as_deref(), false)?;
        let p = app.orders(&OrderFilter::default(), &page).await?;
        orders.extend(p.items.iter().map(|o| (o.id, o.platform_order_id.clone())));
        match p.next {
            Some(x) if Some(&x) != after.as_ref() => after = Some(x),
            _ => break,
        }
    }
    let ids: Vec<OrderId> = orders.iter().map(|o| o.0).collect();
    for chunk in ids.chunks(1_000) {
        app.approve_orders(&admin, chunk, &actor).await?;
    }
    for (id, pid) in &orders {
        app.store
            .save_allocation(
                &NewAllocation {
                    order_id: *id,
                    status: AllocationStatus::Allocated,
                    decision: serde_json::json!({"bench": true}),
                    warehouses: vec![wh],
                    reservations: vec![ReservationRequest {
                        request: ReserveRequest {
                            sku: milk,
                            warehouse: wh,
                            qty: 1,
                            location: None,
                            lot: None,
                        },
                        source_type: "allocation".into(),
                        source_ref: pid.clone(),
                    }],
                },
                &actor,
            )
            .await?;
    }
    for chunk in orders.chunks(500) {
        let new: Vec<NewShipment> = chunk
            .iter()
            .map(|(id, pid)| NewShipment {
                warehouse_id: WarehouseId(wh.0),
                wave_id: None,
                orders: vec![*id],
                carrier: "yuantong".into(),
                tracking_no: format!("YT{pid}"),
                print_data: String::new(),
            })
            .collect();
        for sh in app.store.create_shipments(&new, &actor).await? {
            app.store
                .ship(
                    sh.id,
                    &ShipInput {
                        serials: vec![],
                        scanned: vec![(milk, 1)],
                        packages: 1,
                        weight_g: None,
                    },
                    &actor,
                )
                .await?;
        }
    }
    let lot: LotId = app
        .store
        .find_lots("LOT-BENCH", 1)
        .await?
        .first()
        .map(|l| l.lot_id)
        .ok_or_else(|| Error::Internal("the bench lot vanished".into()))?;
    let seconds_setup = t0.elapsed().as_secs_f64();

    let mut times = Vec::with_capacity(5);
    let mut buyers_found = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let tr = app.trace_lot(&admin, lot).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        buyers_found = tr.shipments.iter().map(|s| s.orders.len()).sum();
    }
    times.sort_by(|a, b| a.total_cmp(b));
    if buyers_found != n {
        return Err(Error::Internal(format!(
            "the trace found {buyers_found} orders, not {n}"
        )));
    }
    let t = Instant::now();
    let back = app.trace_order(&admin, orders[n / 2].0).await?;
    let ms_backward = t.elapsed().as_secs_f64() * 1000.0;
    if back.len() != 1 {
        return Err(Error::Internal(format!(
            "the backward trace found {} lines",
            back.len()
        )));
    }
    Ok(TraceBench {
        backend: app.store.backend().into(),
        orders: n,
        seconds_setup,
        ms_forward_median: times[2],
        buyers_found,
        ms_backward,
        peak_rss_mib: peak_rss_mib(),
    })
}
