//! 发货 end to end through the app, on SQLite and PostgreSQL, against the Taobao
//! simulator: synced orders are allocated, waved, given waybills from the local range
//! (one per 合单 group), verified and shipped. Shipping posts the issue that consumes the
//! reservations, tells the platform the tracking number (the simulator records it), and
//! calls the buyer hook with a signature the receiver can check.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jxc_app::channels::SyncConfig;
use jxc_app::shipping::{ScannedSku, ShipRequest};
use jxc_app::{Actor, App};
use jxc_core::catalog::SkuInput;
use jxc_core::fulfillment::shipping::{ShippingSetup, WaybillSource};
use jxc_core::fulfillment::waves::WaveRules;
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_core::users::{NewUser, Role, User, UserInput};
use jxc_core::warehouses::WarehouseInput;
use jxc_sim::{SimCredentials, SimState, World};
use jxc_store::{MoveFilter, OrderFilter, ShipmentStatus, SyncTrigger};

/// 2026-11-01 00:00 China time.
const DAY0: i64 = 1_793_462_400_000;
const KEY: &str = "buyer-hook-key-0123456789";

fn actor() -> Actor {
    Actor::system("test")
}

fn admin() -> User {
    User {
        id: jxc_core::ids::UserId(1),
        fields: NewUser::parse(
            &UserInput {
                username: Some("tester".into()),
                roles: Some(vec![Role::Admin.as_str().into()]),
                ..Default::default()
            },
            None,
        )
        .unwrap(),
        last_login_at: None,
    }
}

async fn sqlite() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (
        format!("sqlite://{}", dir.path().join("s.db").display()),
        dir,
    )
}

async fn postgres() -> (String, tempfile::TempDir) {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_ship_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    (
        jxc_app::fresh_postgres_schema(&base, &schema)
            .await
            .unwrap(),
        tempfile::tempdir().unwrap(),
    )
}

/// A buyer-hook receiver: keeps each delivery whose signature checks, refuses others.
async fn hook() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    use axum::http::{HeaderMap, StatusCode};
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let sig = h.get("x-jxc-signature").and_then(|v| v.to_str().ok());
                if sig != Some(jxc_channels::notify::signature(KEY, &body).as_str()) {
                    return StatusCode::UNAUTHORIZED;
                }
                keep.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                StatusCode::NO_CONTENT
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

async fn ship_through_the_platform(url: String) {
    let clock = Arc::new(AtomicI64::new(DAY0 + 600_000));
    let c = clock.clone();
    let app = App::open(&url).await.unwrap().with_sync(SyncConfig {
        clock: Arc::new(move || c.load(Ordering::SeqCst)),
        first_lookback: Duration::from_secs(24 * 3600),
        backoff: Duration::from_millis(5),
        ..SyncConfig::default()
    });
    // The platform: three paid orders.
    let world = Arc::new(World::new(7, DAY0, jxc_sim::sample_products()));
    world.with(|s| s.activity.orders_per_hour = 0);
    let ids: Vec<u64> = world.with(|s| {
        (0..3)
            .map(|_| {
                let id = s.new_order();
                let i = s.orders.iter().position(|o| o.id == id).unwrap();
                s.orders[i].status = jxc_sim::SimStatus::Paid;
                s.orders[i].paid_ms = Some(s.now_ms);
                id
            })
            .collect()
    });
    world.advance_to(DAY0 + 60_000);
    let state = SimState {
        world: world.clone(),
        credentials: SimCredentials::default(),
    };
    let sim = jxc_sim::start("taobao", state.clone()).await.unwrap();
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some("TB".into()),
                name: Some("淘宝店".into()),
                platform: Some("taobao".into()),
                credentials: Some(state.credentials.for_shop("taobao", &sim.base_url)),
                active: Some(true),
            },
            &actor(),
        )
        .await
        .unwrap()
        .id;
    // The merchant: one warehouse with plenty of everything the shop sells.
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("HZ".into()),
                name: Some("杭州仓".into()),
                province: Some("浙江省".into()),
                city: Some("杭州市".into()),
                district: Some("余杭区".into()),
                address: Some("仓前街道 1 号".into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id;
    let mut lines = Vec::new();
    for (n, p) in jxc_sim::sample_products().into_iter().enumerate() {
        let sku = app
            .create_sku(
                &SkuInput {
                    code: Some(p.sku_code.clone()),
                    name: Some(p.title.clone()),
                    barcodes: Some(vec![format!("6901234{n:05}")]),
                    ..Default::default()
                },
                &actor(),
            )
            .await
            .unwrap();
        lines.push(LineInput {
            sku_id: sku.id.0,
            qty: 50,
            unit_cost: Some(1000),
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
        &actor(),
    )
    .await
    .unwrap();

    app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    let orders = app
        .orders(
            &OrderFilter {
                shop_id: Some(shop),
                ..Default::default()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(orders.len(), 3);
    let oids: Vec<_> = orders.iter().map(|o| o.id).collect();
    app.approve_orders(&admin(), &oids, &actor()).await.unwrap();
    app.allocate_ready(&admin(), 100, &actor()).await.unwrap();
    let waves = app
        .create_waves(
            &admin(),
            wh,
            &WaveRules {
                single_units_apart: false,
                by_carrier: false,
                cutoff_ms: None,
                max_shipments: 40,
            },
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(waves.len(), 1);
    let wave = waves[0].id;

    // No sender yet: taking waybills says so.
    let e = app.label_wave(&admin(), wave, &actor()).await.unwrap_err();
    assert!(e.to_string().contains("寄件人"), "{e}");
    let (hook_url, delivered) = hook().await;
    app.set_shipping_setup(
        ShippingSetup {
            source: WaybillSource::Local {
                prefix: "JXC".into(),
            },
            carrier: "yuantong".into(),
            sender_name: "杭州仓".into(),
            sender_phone: "0571-88886666".into(),
            notify_url: hook_url,
            notify_secret: KEY.into(),
            stale_days: 3,
            tracking: None,
        },
        &actor(),
    )
    .await
    .unwrap();

    // 取号: one shipment an order, local numbers in sequence; again changes nothing.
    let labels = app.label_wave(&admin(), wave, &actor()).await.unwrap();
    // (An order the review held — e.g. for its address — is in no wave.)
    let in_labels: usize = labels.iter().map(|s| s.orders.len()).sum();
    assert_eq!(in_labels, waves[0].orders.len());
    assert_eq!(labels.len(), waves[0].orders.len(), "no 合单 here");
    assert!(labels.len() >= 2, "{labels:?}");
    let numbers: Vec<&str> = labels.iter().map(|s| s.tracking_no.as_str()).collect();
    assert_eq!(
        numbers,
        ["JXC00000000018", "JXC00000000026", "JXC00000000034"][..labels.len()]
    );
    assert_eq!(
        app.label_wave(&admin(), wave, &actor()).await.unwrap(),
        labels
    );

    // The bench scans the first label and finds what to count.
    let view = app
        .shipment_for_scan(&admin(), &labels[0].tracking_no)
        .await
        .unwrap();
    assert_eq!(view.shipment.id, labels[0].id);
    assert_eq!(view.sender.detail, "仓前街道 1 号");
    let want: Vec<ScannedSku> = view
        .lines
        .iter()
        .map(|l| ScannedSku {
            sku_id: l.sku_id.0,
            qty: l.qty,
        })
        .collect();
    let units: i64 = want.iter().map(|x| x.qty).sum();
    assert!(units > 0);
    // The same shipment is found by its order's platform number.
    let pid = &view.orders[0].platform_order_id;
    assert_eq!(
        app.shipment_for_scan(&admin(), pid)
            .await
            .unwrap()
            .shipment
            .id,
        labels[0].id
    );

    // One unit short: refused, nothing issued.
    let mut short = want.clone();
    short[0].qty -= 1;
    let e = app
        .ship(
            &admin(),
            labels[0].id,
            &ShipRequest {
                scanned: short,
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("扫描与订单不符"), "{e}");
    let issues = |app: &App| {
        let app = app.clone();
        async move {
            app.moves(
                &MoveFilter {
                    doc_kind: Some(DocumentKind::Issue),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await
            .unwrap()
            .items
        }
    };
    assert!(issues(&app).await.is_empty());

    // The full scan ships: the issue, the platform told, the buyer hook called.
    let done = app
        .ship(
            &admin(),
            labels[0].id,
            &ShipRequest {
                scanned: want,
                packages: Some(1),
                weight_g: Some(1200),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(done.shipment.status, ShipmentStatus::Shipped);
    assert_eq!(done.writeback, "ok");
    assert_eq!(done.notified, "ok");
    let moved = issues(&app).await;
    assert_eq!(moved.iter().map(|m| -m.qty).sum::<i64>(), units);
    assert!(moved.iter().all(|m| m.doc_no == moved[0].doc_no));
    let world_id = jxc_sim::taobao::order_id(pid).unwrap();
    assert!(ids.contains(&world_id));
    let told = world.shipped(world_id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].1, labels[0].tracking_no);
    let hooks = delivered.lock().unwrap().clone();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["tracking_no"], labels[0].tracking_no.as_str());
    assert_eq!(hooks[0]["orders"][0]["platform_order_id"], pid.as_str());

    // Shipped orders cannot be cancelled; a second ship is refused.
    let out = app
        .cancel_orders(&admin(), &[view.orders[0].id], "买家取消", &actor())
        .await
        .unwrap();
    assert!(!out[0].ok, "{out:?}");
    assert!(
        app.ship(&admin(), labels[0].id, &ShipRequest::default(), &actor())
            .await
            .is_err()
    );
    // No tracking for more than 3 days: an exception (once).
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    clock.store(real_now + 2 * 86_400_000, Ordering::SeqCst);
    assert_eq!(
        app.flag_quiet_shipments().await.unwrap(),
        0,
        "2 days is not 3"
    );
    clock.store(real_now + 4 * 86_400_000, Ordering::SeqCst);
    assert_eq!(app.flag_quiet_shipments().await.unwrap(), 1);
    assert_eq!(app.flag_quiet_shipments().await.unwrap(), 0);
    let quiet = app.shipment(&admin(), labels[0].id).await.unwrap().shipment;
    assert_eq!(quiet.status, ShipmentStatus::Exception);
    assert!(quiet.exception.contains("3 天无物流更新"), "{quiet:?}");

    // The books balance, and allocations of shipped orders are not "stock not held".
    let report = app.check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[tokio::test]
async fn a_wave_ships_through_the_platform_and_the_buyer_hook_on_sqlite() {
    let (url, _dir) = sqlite().await;
    ship_through_the_platform(url).await;
}

#[tokio::test]
async fn a_wave_ships_through_the_platform_and_the_buyer_hook_on_postgres() {
    let (url, _dir) = postgres().await;
    ship_through_the_platform(url).await;
}
