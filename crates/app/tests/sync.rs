//! 平台同步 end to end: the app syncs shops from platform simulators that check
//! signatures and serve the platforms' real formats. A second sync changes nothing,
//! platform changes after intake hold the order, rate limits and network errors are
//! retried, an unreadable order is kept and the rest taken in, and killing a sync midway
//! (or restarting the process) loses and duplicates nothing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jxc_app::channels::SyncConfig;
use jxc_app::{Actor, App};
use jxc_core::catalog::SkuInput;
use jxc_core::ids::ShopId;
use jxc_core::orders::HoldReason;
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_sim::{Activity, SimCredentials, SimServer, SimState, World};
use jxc_store::{OrderFilter, SyncTrigger};

/// 2026-11-01 00:00 China time, the simulated day's start.
const DAY0: i64 = 1_793_462_400_000;

fn actor() -> Actor {
    Actor::system("test")
}

struct Db {
    url: String,
    _dir: tempfile::TempDir,
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    Db {
        url: format!("sqlite://{}", dir.path().join("sync.db").display()),
        _dir: dir,
    }
}

async fn postgres() -> Db {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_sync_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    Db {
        url: jxc_app::fresh_postgres_schema(&base, &schema)
            .await
            .unwrap(),
        _dir: tempfile::tempdir().unwrap(),
    }
}

/// The app on `db` with a test clock and short backoffs ("a process": dropping it and
/// opening again is a restart).
async fn open(db: &Db, clock: &Arc<AtomicI64>) -> App {
    let c = clock.clone();
    App::open(&db.url).await.unwrap().with_sync(SyncConfig {
        clock: Arc::new(move || c.load(Ordering::SeqCst)),
        first_lookback: Duration::from_secs(2 * 24 * 3600),
        backoff: Duration::from_millis(5),
        attempts: 4,
        ..SyncConfig::default()
    })
}

/// The simulated shops' SKUs, so their lines map by 商家编码.
async fn catalog(app: &App) {
    for p in jxc_sim::sample_products() {
        app.create_sku(
            &SkuInput {
                code: Some(p.sku_code.clone()),
                name: Some(p.title.clone()),
                list_price: Some(p.price_fen),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
    }
}

fn world(seed: u64, orders_per_hour: u64) -> Arc<World> {
    let w = Arc::new(World::new(seed, DAY0, jxc_sim::sample_products()));
    w.with(|s| {
        s.activity = Activity {
            orders_per_hour,
            ..Activity::default()
        }
    });
    w
}

/// Starts `platform`'s simulator over `world` and makes a shop that talks to it.
async fn sim_shop(app: &App, platform: &str, world: Arc<World>) -> (ShopId, SimServer) {
    let state = SimState {
        world,
        credentials: SimCredentials::default(),
    };
    let server = jxc_sim::start(platform, state.clone()).await.unwrap();
    let credentials = state.credentials.for_shop(platform, &server.base_url);
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some(format!("S-{platform}")),
                name: Some(format!("模拟 {platform}")),
                platform: Some(platform.into()),
                credentials: Some(credentials),
                active: Some(true),
            },
            &actor(),
        )
        .await
        .unwrap();
    app.store
        .set_shop_sync(shop.id, true, 60, &actor())
        .await
        .unwrap();
    (shop.id, server)
}

/// The shop's orders in the store: platform id → (platform status, live holds), and
/// how many rows there are (to catch duplicates).
async fn stored(app: &App, shop: ShopId) -> (BTreeMap<String, (String, Vec<HoldReason>)>, usize) {
    let mut out = BTreeMap::new();
    let mut rows = 0;
    let mut page = PageRequest {
        limit: 500,
        ..Default::default()
    };
    loop {
        let p = app
            .orders(
                &OrderFilter {
                    shop_id: Some(shop),
                    ..Default::default()
                },
                &page,
            )
            .await
            .unwrap();
        rows += p.items.len();
        for o in p.items {
            out.insert(o.platform_order_id, (o.platform_status, o.holds));
        }
        match p.next {
            Some(n) => page.after = Some(jxc_core::paging::Cursor::decode(&n).unwrap()),
            None => return (out, rows),
        }
    }
}

/// What the platform says now about every order of the day: read afresh through the
/// adapter over the simulator, one big span.
async fn platform_truth(app: &App, shop: ShopId, until: i64) -> BTreeMap<String, String> {
    let s = app.store.get_shop(shop).await.unwrap().unwrap();
    let ch = jxc_channels::pull_channel(
        shop,
        s.fields.platform,
        &s.fields.credentials,
        &Default::default(),
    )
    .unwrap()
    .unwrap();
    let mut out = BTreeMap::new();
    for w in jxc_app::channels::sync::windows(DAY0 - 60_000, until + 1, ch.max_window()) {
        let mut page = 1;
        loop {
            let p = ch.changed_orders(w, page).await.unwrap();
            for f in &p.orders {
                if let jxc_channels::Fetched::Order(o) = f {
                    out.insert(
                        o.order.platform_order_id.clone(),
                        o.order.platform_status.clone(),
                    );
                }
            }
            if !p.has_next || p.orders.is_empty() {
                break;
            }
            page += 1;
        }
    }
    out
}

/// Whether the platform lists a world order: JD and Pinduoduo show orders once paid.
fn listed(platform: &str, o: &jxc_sim::world::SimOrder) -> bool {
    !matches!(platform, "jd" | "pdd") || o.paid_ms.is_some()
}

async fn a_shop_syncs_and_a_second_sync_changes_nothing(db: Db, platform: &str) {
    let clock = Arc::new(AtomicI64::new(DAY0));
    let app = open(&db, &clock).await;
    catalog(&app).await;
    let w = world(1, 120);
    let (shop, _sim) = sim_shop(&app, platform, w.clone()).await;
    let now = DAY0 + 3 * 3_600_000;
    w.advance_to(now);
    clock.store(now, Ordering::SeqCst);
    let first = app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    assert_eq!(first.status, "ok", "{first:?}");
    // A run reads up to now, exclusive: what changed at this very moment is the next
    // run's (the cursor overlaps).
    let made = w
        .modified_between(0, now)
        .iter()
        .filter(|o| listed(platform, o))
        .count() as i64;
    assert!(made > 200, "{made}");
    assert_eq!(first.tally.created, made, "{first:?}");
    let (orders, rows) = stored(&app, shop).await;
    assert_eq!((orders.len(), rows), (made as usize, made as usize));
    // The same span again (the cursor overlaps by 5 minutes): nothing changes.
    let again = app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    assert_eq!(
        (again.tally.created, again.tally.changed),
        (0, 0),
        "{again:?}"
    );
    let st = app.store.get_shop_sync(shop).await.unwrap().unwrap();
    assert_eq!(st.cursor_ms, Some(now));
    assert_eq!(st.last_status, "ok");
}

#[tokio::test]
async fn taobao_shop_syncs_and_a_second_sync_changes_nothing_on_sqlite() {
    a_shop_syncs_and_a_second_sync_changes_nothing(sqlite().await, "taobao").await;
}

#[tokio::test]
async fn pdd_shop_syncs_and_a_second_sync_changes_nothing_on_postgres() {
    a_shop_syncs_and_a_second_sync_changes_nothing(postgres().await, "pdd").await;
}

#[tokio::test]
async fn a_refund_or_an_address_edit_after_intake_holds_the_order() {
    let db = sqlite().await;
    let clock = Arc::new(AtomicI64::new(DAY0));
    let app = open(&db, &clock).await;
    catalog(&app).await;
    let w = world(2, 0);
    w.with(|s| {
        s.activity.refund_percent = 0;
        s.activity.address_change_percent = 0;
    });
    let (shop, _sim) = sim_shop(&app, "jd", w.clone()).await;
    let (a, b) = w.with(|s| {
        let a = s.new_order();
        let b = s.new_order();
        for id in [a, b] {
            let i = s.orders.iter().position(|o| o.id == id).unwrap();
            s.orders[i].status = jxc_sim::SimStatus::Paid;
            s.orders[i].paid_ms = Some(s.now_ms);
        }
        (a, b)
    });
    w.advance_to(DAY0 + 60_000);
    clock.store(DAY0 + 60_000, Ordering::SeqCst);
    app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    let (before, _) = stored(&app, shop).await;
    assert_eq!(before.len(), 2);
    assert!(
        before
            .values()
            .all(|(_, h)| !h.contains(&HoldReason::PlatformChange))
    );

    w.advance_to(DAY0 + 120_000);
    w.with(|s| {
        assert!(s.request_refund(a, 0));
        assert!(s.change_address(b));
    });
    w.advance_to(DAY0 + 180_000);
    clock.store(DAY0 + 180_000, Ordering::SeqCst);
    let o = app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    assert_eq!(o.tally.changed, 2, "{o:?}");
    let (after, _) = stored(&app, shop).await;
    assert!(
        after
            .values()
            .all(|(_, h)| h.contains(&HoldReason::PlatformChange)),
        "{after:?}"
    );
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_and_a_bad_order_is_kept_whole() {
    let db = sqlite().await;
    let clock = Arc::new(AtomicI64::new(DAY0));
    let app = open(&db, &clock).await;
    catalog(&app).await;
    let w = world(3, 120);
    let (shop, _sim) = sim_shop(&app, "douyin", w.clone()).await;
    w.advance_to(DAY0 + 3_600_000);
    clock.store(DAY0 + 3_600_000, Ordering::SeqCst);
    w.with(|s| {
        s.faults.rate_limited = 1;
        s.faults.server_error = 1;
        s.faults.malformed_order = 1;
    });
    let o = app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    assert_eq!(o.status, "partial", "{o:?}");
    assert!(o.tally.retries >= 2, "{o:?}");
    assert_eq!(o.tally.malformed, 1);
    let raw = app
        .store
        .list_raw_payloads(Some(shop), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(raw.items.len(), 1);
    assert!(raw.items[0].raw.starts_with('{'), "{}", raw.items[0].raw);
    let made = w.modified_between(0, DAY0 + 3_600_000).len();
    let (orders, _) = stored(&app, shop).await;
    assert_eq!(orders.len(), made - 1);
    // Unreadable payloads that fail for good: the run is an error and the cursor stays.
    let cursor = app
        .store
        .get_shop_sync(shop)
        .await
        .unwrap()
        .unwrap()
        .cursor_ms;
    w.with(|s| s.faults.malformed_body = 10);
    clock.store(DAY0 + 2 * 3_600_000, Ordering::SeqCst);
    let bad = app.sync_shop(shop, SyncTrigger::Manual).await.unwrap();
    assert_eq!(bad.status, "error", "{bad:?}");
    assert_eq!(
        app.store
            .get_shop_sync(shop)
            .await
            .unwrap()
            .unwrap()
            .cursor_ms,
        cursor
    );
}

/// Kills syncs midway and restarts the process at random moments through a simulated
/// day of six shops with refunds, address edits, cancels and shipping; at the end the
/// store holds exactly the platforms' orders with their current statuses, once each.
async fn a_simulated_day_with_restarts(db: Db) {
    let clock = Arc::new(AtomicI64::new(DAY0));
    let mut app = open(&db, &clock).await;
    catalog(&app).await;
    let platforms = ["taobao", "jd", "pdd", "douyin", "shopify", "woocommerce"];
    let mut shops = Vec::new();
    for (i, p) in platforms.iter().enumerate() {
        let w = world(10 + i as u64, 60);
        let (id, sim) = sim_shop(&app, p, w.clone()).await;
        shops.push((id, w, sim));
    }
    let mut rng = jxc_sim::rng::Rng::new(99);
    let step = 30 * 60_000;
    let mut t = DAY0;
    let end = DAY0 + 24 * 3_600_000;
    let mut killed = 0;
    let mut restarts = 0;
    while t < end {
        t += step;
        clock.store(t, Ordering::SeqCst);
        for (id, w, _) in &shops {
            w.advance_to(t);
            if rng.chance(15) {
                // Kill the sync midway: abort its task after a moment.
                let a = app.clone();
                let id = *id;
                let h = tokio::spawn(async move { a.sync_shop(id, SyncTrigger::Schedule).await });
                tokio::time::sleep(Duration::from_millis(rng.range(1, 40) as u64)).await;
                h.abort();
                let _ = h.await;
                killed += 1;
            } else {
                let o = app.sync_shop(*id, SyncTrigger::Schedule).await.unwrap();
                assert_ne!(o.status, "error", "{o:?}");
            }
        }
        if rng.chance(20) {
            // Restart: a new process on the same database.
            drop(app);
            app = open(&db, &clock).await;
            app.store.interrupt_running_syncs().await.unwrap();
            restarts += 1;
        }
    }
    // A last sync of every shop a second later (so what changed at `t` is in its span),
    // then compare with what each platform says.
    clock.store(t + 1_000, Ordering::SeqCst);
    for (id, _, _) in &shops {
        let o = app.sync_shop(*id, SyncTrigger::Manual).await.unwrap();
        assert_eq!(o.status, "ok", "{o:?}");
    }
    assert!(
        killed > 0 && restarts > 0,
        "killed {killed}, restarts {restarts}"
    );
    let mut total = 0;
    for ((id, w, _), p) in shops.iter().zip(platforms) {
        let truth = platform_truth(&app, *id, t).await;
        let world = w.modified_between(0, i64::MAX);
        let on_platform = world.iter().filter(|o| listed(p, o)).count();
        assert_eq!(truth.len(), on_platform, "{p}");
        let (have, rows) = stored(&app, *id).await;
        assert_eq!(rows, have.len(), "{p}: duplicated orders");
        let have: BTreeMap<String, String> = have.into_iter().map(|(k, (s, _))| (k, s)).collect();
        let differ: Vec<_> = truth
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(v))
            .map(|(k, v)| (k, v, have.get(k)))
            .collect();
        assert!(differ.is_empty(), "{p}: platform vs stored {differ:?}");
        assert_eq!(have.len(), truth.len(), "{p}");
        total += rows;
    }
    assert!(total > 5_000, "{total}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_of_six_shops_with_kills_and_restarts_ends_exact_on_sqlite() {
    a_simulated_day_with_restarts(sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_of_six_shops_with_kills_and_restarts_ends_exact_on_postgres() {
    a_simulated_day_with_restarts(postgres().await).await;
}
