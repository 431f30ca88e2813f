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
