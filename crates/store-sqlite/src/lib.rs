//! The SQLite backend of jxc's store: the default, embedded database.
//!
//! The SQL lives in `crates/store/sql/` and is shared with PostgreSQL; this crate adds
//! the SQLite dialect (one writer connection, `BEGIN IMMEDIATE`, WAL) and its migrations.

/// The database this crate compiles the shared SQL against.
pub type Db = sqlx::Sqlite;

mod dialect;
#[path = "../../store/sql/mod.rs"]
mod sql;

pub use sql::SqlStore as SqliteStore;
