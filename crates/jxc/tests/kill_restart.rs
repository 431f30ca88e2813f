//! Killing `jxc serve` (SIGKILL) in the middle of a platform sync and starting it again
//! loses and duplicates nothing: the schedule picks the shop up from its cursor and the
//! store ends with exactly the platform's orders, once each.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jxc_app::App;
use jxc_core::ids::ShopId;
use jxc_core::paging::{Cursor, PageRequest};
use jxc_store::{OrderFilter, SyncRunFilter};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `jxc serve` on `db`, once it listens.
fn serve(db: &str) -> Killed {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if line.unwrap().contains("listening on") {
            break;
        }
    }
    Killed(child)
}

async fn stored_ids(app: &App, shop: ShopId) -> (BTreeSet<String>, usize) {
    let (mut ids, mut rows) = (BTreeSet::new(), 0);
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
        ids.extend(p.items.into_iter().map(|o| o.platform_order_id));
        match p.next {
            Some(n) => page.after = Some(Cursor::decode(&n).unwrap()),
            None => return (ids, rows),
        }
    }
}

async fn runs(app: &App, shop: ShopId) -> Vec<String> {
    app.store
        .list_sync_runs(
            &SyncRunFilter {
                shop_id: Some(shop),
                ..Default::default()
            },
            &PageRequest {
                desc: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.status)
        .collect()
}

#[test]
fn killing_the_server_mid_sync_and_starting_it_again_loses_and_doubles_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("kill.db").display());
    kill_mid_sync_and_restart(&db);
}

#[test]
fn killing_the_server_mid_sync_and_starting_it_again_loses_and_doubles_nothing_on_postgres() {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!("jxc_kill_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt
        .block_on(jxc_app::fresh_postgres_schema(&base, &schema))
        .unwrap();
    kill_mid_sync_and_restart(&db);
}

fn kill_mid_sync_and_restart(db: &str) {
    let db = db.to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();

    // A Pinduoduo shop with a day of orders (PDD allows 30-minute windows: ~46 of them).
    let now = chrono::Utc::now().timestamp_millis();
    let world = std::sync::Arc::new(jxc_sim::World::new(
        11,
        now - 23 * 3_600_000,
        jxc_sim::sample_products(),
    ));
    world.with(|w| w.activity.orders_per_hour = 400);
    world.advance_to(now - 60_000);
    let state = jxc_sim::SimState {
        world: world.clone(),
        credentials: jxc_sim::SimCredentials::default(),
    };
    let sim = rt.block_on(jxc_sim::start("pdd", state.clone())).unwrap();
    let shop = rt.block_on(async {
        let app = App::open(&db).await.unwrap();
        let actor = jxc_store::Actor::system("test");
        let shop = app
            .create_shop(
                &jxc_core::partners::ShopInput {
                    code: Some("PDD-K".into()),
                    name: Some("拼多多".into()),
                    platform: Some("pdd".into()),
                    credentials: Some(state.credentials.for_shop("pdd", &sim.base_url)),
                    active: Some(true),
                    ..Default::default()
                },
                &actor,
            )
            .await
            .unwrap()
            .id;
        app.store
            .set_shop_sync(shop, true, 3_600, &actor)
            .await
            .unwrap();
        shop
    });
    let truth: BTreeSet<String> = world
        .modified_between(0, i64::MAX)
        .iter()
        .filter(|o| o.paid_ms.is_some())
        .map(jxc_sim::pdd::order_sn)
        .collect();
    assert!(truth.len() > 5_000, "{}", truth.len());

    // Start, let the sync get part of the way, kill -9.
    let app = rt.block_on(App::open(&db)).unwrap();
    let server = serve(&db);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (ids, _) = rt.block_on(stored_ids(&app, shop));
        if ids.len() > 500 {
            break;
        }
        assert!(Instant::now() < deadline, "the sync never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let (partial, _) = rt.block_on(stored_ids(&app, shop));
    assert!(
        partial.len() < truth.len(),
        "killed mid-sync: {} of {}",
        partial.len(),
        truth.len()
    );
    assert_eq!(rt.block_on(runs(&app, shop)), ["running"]);

    // Start again: the killed run is marked interrupted, a new one finishes the day.
    let server = serve(&db);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let r = rt.block_on(runs(&app, shop));
        if r.first().map(String::as_str) == Some("ok") {
            assert_eq!(r[1..], ["interrupted"], "{r:?}");
            break;
        }
        assert!(!r.iter().any(|s| s == "error"), "{r:?}");
        assert!(Instant::now() < deadline, "{r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);
    let (ids, rows) = rt.block_on(stored_ids(&app, shop));
    assert_eq!(rows, ids.len(), "an order stored twice");
    assert_eq!(ids, truth);
}
