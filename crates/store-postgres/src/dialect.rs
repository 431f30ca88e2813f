//! What is PostgreSQL-specific: balances are locked with `SELECT … FOR UPDATE` in id
//! order (so concurrent reservations wait for each other instead of overselling, and never
//! deadlock), ids come from the tables' identity sequences, and `jxc check` reads one
//! REPEATABLE READ snapshot.

use std::time::Duration;

use jxc_store::Result;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres, Transaction};

use crate::sql::util::{Conn, DbResult, Sql, col};

pub const NAME: &str = "postgres";

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

pub async fn connect(url: &str) -> Result<(Pool<Postgres>, Pool<Postgres>)> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(60))
        .connect(url)
        .await
        .db()?;
    Ok((pool.clone(), pool))
}

pub async fn begin_write(pool: &Pool<Postgres>) -> Result<Transaction<'static, Postgres>> {
    pool.begin().await.db()
}

pub fn lock(alias: &str) -> String {
    if alias.is_empty() {
        " FOR UPDATE".into()
    } else {
        format!(" FOR UPDATE OF {alias}")
    }
}

pub async fn next_ids(c: &mut Conn, table: &str, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id FROM generate_series(1, "
    ));
    sql.bind(n as i64).push(")");
    sql.fetch_all(c)
        .await?
        .iter()
        .map(|r| col(r, "id"))
        .collect()
}

pub async fn begin_snapshot(c: &mut Conn) -> Result<()> {
    Sql::new("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(c)
        .await
        .map(|_| ())
}

pub async fn migrate(pool: &Pool<Postgres>) -> Result<()> {
    crate::sql::admin::run_migrations(pool, MIGRATIONS).await
}

/// PostgreSQL placeholders are `$1, $2, …`.
pub fn push_placeholder(sql: &mut String, n: usize) {
    sql.push('$');
    sql.push_str(&n.to_string());
}

/// One JSON text of all rows of subquery `t`: an array of `[col, col, …]` arrays
/// (`'[]'` for no rows). See `Sql::fetch_tuples`.
pub fn json_rows(cols: &[&str]) -> String {
    let cols: Vec<String> = cols.iter().map(|c| format!("t.{c}")).collect();
    format!(
        "COALESCE(CAST(json_agg(json_build_array({})) AS TEXT), '[]')",
        cols.join(", ")
    )
}
