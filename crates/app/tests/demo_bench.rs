//! The demo merchant and the ledger benchmark, on SQLite and (the demo) on PostgreSQL.

use std::collections::BTreeSet;

use jxc_app::bench::{LedgerBench, bench_ledger, peak_rss_mib};
use jxc_app::demo::DemoSummary;
use jxc_app::{Actor, App};
use jxc_core::paging::PageRequest;
use jxc_store::{BalanceFilter, ListFilter, SkuFilter};

fn page() -> PageRequest {
    PageRequest {
        limit: 1000,
        after: None,
        desc: false,
    }
}

async fn sqlite(dir: &tempfile::TempDir) -> App {
    App::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .expect("open sqlite")
}

fn same_counts(a: &DemoSummary, b: &DemoSummary) {
    let key = |s: &DemoSummary| {
        (
            s.skus,
            s.bundles,
            s.warehouses,
            s.locations,
            s.suppliers,
            s.customers,
            s.shops,
            s.listings,
            s.documents,
            s.moves,
            s.stock_value,
        )
    };
    assert_eq!(key(a), key(b));
}

/// Everything the brief promises of the demo, then a second load that changes nothing.
async fn demo_is_a_realistic_merchant_and_loads_once(app: &App) {
    let actor = Actor("demo-test".into());
    let started = std::time::Instant::now();
    let s = app.load_demo(&actor).await.expect("load demo");
    eprintln!(
        "{} demo loaded in {:.2?}: {s:?}",
        app.store.backend(),
        started.elapsed()
    );
    assert!(!s.already_loaded);
    assert!(s.skus >= 300, "{s:?}");
    assert!(s.bundles >= 1);
    assert_eq!(s.warehouses, 3);
    assert!(s.locations >= 120);
    assert!((6..=10).contains(&s.suppliers));
    assert!((8..=12).contains(&s.customers));
    assert!(s.listings >= 300);
    assert!(s.stock_value.0 > 0);
    assert!(s.moves > s.skus);

    // Colour × size variants of a T-shirt.
    let tees = app
        .skus(
            &SkuFilter {
                list: ListFilter {
                    q: Some("TS001-".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            &page(),
        )
        .await
        .unwrap()
        .items;
    let colours: BTreeSet<_> = tees.iter().map(|t| t.fields.color.clone()).collect();
    let sizes: BTreeSet<_> = tees.iter().map(|t| t.fields.size.clone()).collect();
    assert!(
        colours.len() >= 4 && sizes.len() >= 5,
        "{colours:?} {sizes:?}"
    );
    let m = app
        .store
        .get_sku_by_code("TS001-BLK-M")
        .await
        .unwrap()
        .expect("TS001-BLK-M");
    assert_eq!(m.fields.barcodes.len(), 1);
    let cost_pct = m.fields.default_cost.0 * 100 / m.fields.list_price.0;
    assert!((35..=50).contains(&cost_pct), "{cost_pct}");
    let by_barcode = app
        .store
        .get_sku_by_barcode(&m.fields.barcodes[0])
        .await
        .unwrap()
        .expect("found by barcode");
    assert_eq!(by_barcode.id, m.id);

    // A bundle of three T-shirts.
    let zh = app.store.get_sku_by_code("ZH001").await.unwrap().unwrap();
    assert!(zh.is_bundle);
    assert_eq!(zh.components.len(), 1);
    assert_eq!(zh.components[0].qty, 3);

    // Three warehouses in three provinces.
    let whs = app
        .warehouses(&ListFilter::default(), &page())
        .await
        .unwrap()
        .items;
    let provinces: BTreeSet<_> = whs.iter().map(|w| w.fields.province.clone()).collect();
    assert_eq!(provinces.len(), 3, "{provinces:?}");

    // Shops on four platforms.
    let shops = app
        .shops(&ListFilter::default(), &page())
        .await
        .unwrap()
        .items;
    let platforms: BTreeSet<_> = shops.iter().map(|s| s.fields.platform.as_str()).collect();
    assert!(
        ["taobao", "jd", "pdd", "douyin"]
            .iter()
            .all(|p| platforms.contains(p)),
        "{platforms:?}"
    );
    assert!(shops.iter().all(|s| s.has_credentials));

    // Lots with expiry dates, some already expired.
    let balances = app
        .store
        .list_balances(
            &BalanceFilter {
                nonzero: true,
                ..Default::default()
            },
            &page(),
        )
        .await
        .unwrap()
        .items;
    assert!(!balances.is_empty());
    let today = chrono::Utc::now().date_naive();
    let lots: Vec<_> = balances.iter().filter(|b| !b.lot_no.is_empty()).collect();
    assert!(!lots.is_empty(), "no lots on the first page of balances");
    let mut all_lots = Vec::new();
    let mut p = page();
    loop {
        let got = app
            .store
            .list_balances(
                &BalanceFilter {
                    nonzero: true,
                    ..Default::default()
                },
                &p,
            )
            .await
            .unwrap();
        all_lots.extend(got.items.into_iter().filter(|b| !b.lot_no.is_empty()));
        match got.next {
            Some(n) => p.after = Some(jxc_core::paging::Cursor::decode(&n).unwrap()),
            None => break,
        }
    }
    assert!(
        all_lots
            .iter()
            .any(|b| b.expiry_date.is_some_and(|x| x < today))
    );
    assert!(
        all_lots
            .iter()
            .any(|b| b.expiry_date.is_some_and(|x| x > today))
    );
    assert!(balances.iter().any(|b| b.reserved > 0) || s.moves > 0);

    // Live reservations for demo orders.
    assert!(app.store.counts().await.unwrap().live_reservations > 0);

    // An order queue per shop: mostly clean, with every kind of everyday 异常.
    let counts = app.store.order_counts(&[]).await.unwrap();
    assert!(counts.pending_review >= 60, "{counts:?}");
    assert!(
        counts.held > 0 && counts.held < counts.pending_review,
        "{counts:?}"
    );
    let reasons: Vec<_> = counts.by_reason.iter().map(|(r, _)| *r).collect();
    for r in [
        jxc_core::orders::HoldReason::AddressIncomplete,
        jxc_core::orders::HoldReason::BuyerMessage,
        jxc_core::orders::HoldReason::NotPaid,
    ] {
        assert!(reasons.contains(&r), "{r:?} in {reasons:?}");
    }

    let report = app.check().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.differences);

    let again = app.load_demo(&actor).await.unwrap();
    assert!(again.already_loaded);
    same_counts(&s, &again);
    assert!(app.check().await.unwrap().is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_sqlite_is_a_realistic_merchant_and_loads_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = sqlite(&dir).await;
    demo_is_a_realistic_merchant_and_loads_once(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_postgres_is_a_realistic_merchant_and_loads_once() {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_demo_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let url = jxc_store_postgres::PostgresStore::create_schema(&base, &schema)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL at {base} is needed for this test (set JXC_TEST_PG_URL): {e}")
        });
    let app = App::open(&url).await.expect("open postgres");
    demo_is_a_realistic_merchant_and_loads_once(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_the_same_every_time() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (sqlite(&d1).await, sqlite(&d2).await);
    let actor = Actor("demo-test".into());
    let (x, y) = (
        a.load_demo(&actor).await.unwrap(),
        b.load_demo(&actor).await.unwrap(),
    );
    same_counts(&x, &y);
    let codes = |app: App| async move {
        let m = app
            .store
            .get_sku_by_code("HD001-NVY-XL")
            .await
            .unwrap()
            .unwrap();
        (m.fields.barcodes, m.fields.default_cost, m.fields.weight_g)
    };
    assert_eq!(codes(a).await, codes(b).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_posts_5000_moves_and_the_books_check_clean() {
    let dir = tempfile::tempdir().unwrap();
    let app = sqlite(&dir).await;
    let b: LedgerBench = bench_ledger(&app, 5_000).await.expect("bench");
    eprintln!("{}", b.table());
    assert!(b.moves >= 5_000, "{b:?}");
    assert_eq!(b.moves, b.receipt_moves + b.issue_moves);
    assert!(b.receipt_moves >= 2_900 && b.issue_moves > 0, "{b:?}");
    assert!(b.reservations > 0 && b.releases > 0 && b.releases <= b.reservations);
    assert_eq!(b.skus, 2_000);
    assert_eq!(b.warehouses, 3);
    assert!(b.moves_per_second > 0.0 && b.reservations_per_second > 0.0);
    assert!(b.check_clean);
    assert!(b.table().contains("moves / second"));
    // A second run refuses the now non-empty database.
    assert!(bench_ledger(&app, 100).await.is_err());
}

#[test]
fn peak_rss_is_read_from_proc() {
    let rss = peak_rss_mib();
    if std::path::Path::new("/proc/self/status").exists() {
        assert!(rss > 1.0, "{rss}");
    } else {
        assert_eq!(rss, 0.0);
    }
}

/// The project's throughput figure: `cargo test --release -p jxc-app --test demo_bench --
/// --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
async fn bench_200k_moves_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let app = sqlite(&dir).await;
    let b = bench_ledger(&app, 200_000).await.expect("bench");
    println!("{}", b.table());
    assert!(b.check_clean);
}
