//! The PostgreSQL backend of jxc's store, for merchants who outgrow SQLite.
//!
//! The SQL lives in `crates/store/sql/` and is shared with SQLite; this crate adds the
//! PostgreSQL dialect (row locks, sequences, snapshot reads) and its migrations.

/// The database this crate compiles the shared SQL against.
pub type Db = sqlx::Postgres;

mod dialect;
#[path = "../../store/sql/mod.rs"]
mod sql;

pub use sql::SqlStore as PostgresStore;

impl PostgresStore {
    /// Creates `schema` (dropping an old one of that name) in the database at `url` and
    /// returns a URL whose connections use it. For tests and benchmarks that need an
    /// empty database without creating one.
    pub async fn create_schema(url: &str, schema: &str) -> jxc_store::Result<String> {
        use sqlx::Connection;
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(jxc_store::StoreError::Database(format!(
                "bad schema name {schema}"
            )));
        }
        let db = |e: sqlx::Error| jxc_store::StoreError::Database(e.to_string());
        let mut c = sqlx::PgConnection::connect(url).await.map_err(db)?;
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .map_err(db)?;
        let sep = if url.contains('?') { '&' } else { '?' };
        Ok(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
    }
}
