//! The store conformance suite on SQLite (a fresh database file per test).

use std::sync::Arc;

use jxc_store::AdminStore;
use jxc_store::conformance::Shared;
use jxc_store_sqlite::SqliteStore;

async fn fresh_store() -> Shared {
    Arc::new(fresh().await)
}

async fn fresh() -> SqliteStore {
    let dir = tempfile::tempdir().unwrap().keep();
    let url = format!("sqlite://{}", dir.join("jxc.db").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // migrating twice is harmless
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
