//! What is SQLite-specific. SQLite has one writer at a time: all writes go through a pool
//! of one connection and start with `BEGIN IMMEDIATE`, so a transaction that reads then
//! writes never fails on upgrade and concurrent reservations are serialised (no oversell).
//! Reads use a separate pool of read-only connections (WAL lets them run beside the writer).

use std::str::FromStr;
use std::time::Duration;

use jxc_store::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};

use crate::sql::util::{Conn, DbResult, Sql};

pub const NAME: &str = "sqlite";

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_foundation.sql")),
    (2, include_str!("../migrations/0002_users.sql")),
    (3, include_str!("../migrations/0003_orders.sql")),
    (4, include_str!("../migrations/0004_order_merge.sql")),
    (5, include_str!("../migrations/0005_order_split.sql")),
    (6, include_str!("../migrations/0006_review_rules.sql")),
    (7, include_str!("../migrations/0007_channel_sync.sql")),
    (8, include_str!("../migrations/0008_allocation.sql")),
    (9, include_str!("../migrations/0009_waves.sql")),
    (10, include_str!("../migrations/0010_shipments.sql")),
    (11, include_str!("../migrations/0011_counts.sql")),
    (12, include_str!("../migrations/0012_alerts.sql")),
    (
        13,
        include_str!("../migrations/0013_transfers_adjustments.sql"),
    ),
    (14, include_str!("../migrations/0014_trace.sql")),
    (15, include_str!("../migrations/0015_count_schedules.sql")),
];

pub async fn connect(url: &str) -> Result<(Pool<Sqlite>, Pool<Sqlite>)> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Database(format!("bad SQLite URL {url}: {e}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory")
        .pragma("wal_autocheckpoint", "16384")
        .pragma("mmap_size", "268435456")
        .row_buffer_size(4096);
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(opts.clone())
        .await
        .db()?;
    let read = SqlitePoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(opts.read_only(true))
        .await
        .db()?;
    Ok((write, read))
}

pub async fn begin_write(pool: &Pool<Sqlite>) -> Result<Transaction<'static, Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await.db()
}

/// SQLite locks the whole database for the writer: no row locks to ask for.
pub fn lock(_alias: &str) -> String {
    String::new()
}

/// Ids for `n` new rows of `table`. Safe because the caller holds the write lock. An
/// AUTOINCREMENT table never gets an id back, even of a row deleted since: its highest
/// id ever given is in `sqlite_sequence` (which inserting these ids then raises).
pub async fn next_ids(c: &mut Conn, table: &str, n: usize) -> Result<Vec<i64>> {
    let mut sql = Sql::new(
        "SELECT CAST(MAX(COALESCE(MAX(id), 0), \
         COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ",
    );
    sql.bind(table)
        .push(&format!("), 0)) AS BIGINT) AS m FROM {table}"));
    let row = sql.fetch_one(c).await?;
    let max: i64 = crate::sql::util::col(&row, "m")?;
    Ok((1..=n as i64).map(|i| max + i).collect())
}

/// Starts a read transaction: in WAL mode its first read fixes a consistent snapshot.
pub async fn begin_snapshot(c: &mut Conn) -> Result<()> {
    Sql::new("BEGIN").execute(c).await.map(|_| ())
}

pub async fn migrate(pool: &Pool<Sqlite>) -> Result<()> {
    crate::sql::admin::run_migrations(pool, MIGRATIONS).await
}

/// SQLite placeholders are anonymous `?`, bound in order: sqlx-sqlite resolves numbered
/// `$n` names by a linear scan per parameter, which is quadratic in a batch insert.
pub fn push_placeholder(sql: &mut String, _n: usize) {
    sql.push('?');
}

/// One JSON text of all rows of subquery `t`: an array of `[col, col, …]` arrays
/// (`'[]'` for no rows). See `Sql::fetch_tuples`.
pub fn json_rows(cols: &[&str]) -> String {
    let cols: Vec<String> = cols.iter().map(|c| format!("t.{c}")).collect();
    format!(
        "COALESCE(json_group_array(json_array({})), '[]')",
        cols.join(", ")
    )
}
