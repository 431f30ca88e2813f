//! The store conformance suite on SQLite (a fresh database file per test).

use std::sync::Arc;

use jxc_store::AdminStore;
use jxc_store::conformance::Shared;
use jxc_store_sqlite::SqliteStore;

async fn fresh_store() -> Shared {
    let dir = tempfile::tempdir().unwrap().keep();
    let url = format!("sqlite://{}", dir.join("jxc.db").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // migrating twice is harmless
    Arc::new(store)
}

jxc_store::conformance_tests!(fresh_store());
