//! The store conformance suite on PostgreSQL: each test gets its own schema in the
//! database at `JXC_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use jxc_store::AdminStore;
use jxc_store::conformance::Shared;
use jxc_store_postgres::PostgresStore;

static N: AtomicU32 = AtomicU32::new(0);

async fn fresh_store() -> Shared {
    Arc::new(fresh().await)
}

async fn fresh() -> PostgresStore {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_t{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let url = PostgresStore::create_schema(&base, &schema)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL at {base} is needed for these tests (set JXC_TEST_PG_URL): {e}")
        });
    let store = PostgresStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store
}

jxc_store::conformance_tests!(fresh_store());

#[tokio::test]
async fn the_ledger_is_append_only_and_check_finds_a_tampered_balance() {
    let store = fresh().await;
    let raw_store = store.clone();
    let raw: jxc_store::conformance::RawSql = Box::new(move |sql| {
        let s = raw_store.clone();
        Box::pin(async move { s.execute_unchecked(sql).await })
    });
    jxc_store::conformance::the_ledger_is_append_only_and_check_finds_a_tampered_balance(
        Arc::new(store),
        raw,
    )
    .await;
}
