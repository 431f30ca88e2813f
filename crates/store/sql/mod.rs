//! The SQL implementation of the store traits, shared by both backends (see README.md).

mod adjustments;
pub(crate) mod admin;
mod alerts;
mod catalog;
mod channels;
mod count_schedules;
mod counts;
mod fulfillment;
mod fulfillment_batch;
mod inventory;
mod inventory_lists;
mod orders;
mod partners;
mod posting;
mod records;
mod reservations;
mod shipments;
mod trace;
mod transfers;
mod users;
pub(crate) mod util;
mod warehouses;
mod waves;

/// A jxc store on one database. Writes go through `write`; reads through `read` (on
/// SQLite a separate pool of read-only connections, on PostgreSQL the same pool).
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) write: sqlx::Pool<crate::Db>,
    pub(crate) read: sqlx::Pool<crate::Db>,
}

impl SqlStore {
    /// Opens (and for SQLite creates) the database at `url`. Does not migrate.
    pub async fn connect(url: &str) -> jxc_store::Result<SqlStore> {
        let (write, read) = crate::dialect::connect(url).await?;
        Ok(SqlStore { write, read })
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

impl SqlStore {
    /// Runs raw SQL on the write connection, bypassing every rule of jxc. For tests that
    /// prove the database refuses or `jxc check` finds what bypassing would break.
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &str) -> jxc_store::Result<u64> {
        use util::DbResult;
        let mut c = self.write.acquire().await.db()?;
        let r = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut *c)
            .await
            .db()?;
        Ok(r.rows_affected())
    }
}
