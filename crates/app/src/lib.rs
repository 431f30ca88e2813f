//! jxc-app: the use-cases. One function per business action; each parses its input with
//! `jxc-core`, then makes one store call (one transaction). The web layer and the CLI call
//! these and nothing below them.

pub mod adjustments;
pub mod alerts;
pub mod auth;
pub mod bench;
pub mod bench_alerts;
pub mod bench_count;
pub mod bench_fulfil;
pub mod bench_orders;
pub mod bench_trace;
pub mod catalog;
pub mod channels;
pub mod china_day;
pub mod count_schedules;
pub mod counts;
pub mod dashboard;
pub mod demo;
mod error;
pub mod exports;
pub mod fulfillment;
mod fulfillment_batch;
pub mod fulfillment_report;
pub mod fulfillment_what_if;
pub mod imports;
pub mod inventory;
pub mod orders;
pub mod orders_manual;
pub mod partners;
pub mod shipments;
pub mod shipping;
pub mod trace;
pub mod tracking;
pub mod transfers;
pub mod users;
pub mod warehouses;
pub mod waves;

use std::sync::Arc;

use jxc_store::Store;

pub use error::{Error, Result};
pub use jxc_store::Actor;

/// The application: a store and what the use-cases need around it.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    /// Session lifetime and the login rate limit.
    pub auth: Arc<auth::AuthConfig>,
    limiter: Arc<auth::LoginLimiter>,
    /// The sync engine's clock, retries and timeouts.
    pub sync: Arc<channels::SyncConfig>,
    running: Arc<channels::Running>,
}

/// The default database: `jxc.db` in the working directory.
pub const DEFAULT_DB: &str = "sqlite://jxc.db";

impl App {
    /// Opens the database at `url` (`sqlite://path` or `postgres://…`) and migrates it.
    pub async fn open(url: &str) -> Result<App> {
        let app = App::connect(url).await?;
        app.store.migrate().await?;
        Ok(app)
    }

    /// Opens the database without migrating.
    pub async fn connect(url: &str) -> Result<App> {
        let store: Arc<dyn Store> = if url.starts_with("postgres://")
            || url.starts_with("postgresql://")
        {
            Arc::new(jxc_store_postgres::PostgresStore::connect(url).await?)
        } else if url.starts_with("sqlite:") {
            Arc::new(jxc_store_sqlite::SqliteStore::connect(url).await?)
        } else {
            return Err(Error::invalid(
                "db",
                "数据库地址应以 sqlite:// 或 postgres:// 开头 / the database URL must start with sqlite:// or postgres://",
            ));
        };
        Ok(App::new(store))
    }

    pub fn new(store: Arc<dyn Store>) -> App {
        App {
            store,
            auth: Arc::new(auth::AuthConfig::default()),
            limiter: Arc::default(),
            sync: Arc::default(),
            running: Arc::default(),
        }
    }

    /// The same app with other sync settings (tests drive the clock and shorten waits).
    pub fn with_sync(mut self, cfg: channels::SyncConfig) -> App {
        self.sync = Arc::new(cfg);
        self
    }

    /// The same app with other session and login-limit settings (tests shorten them).
    pub fn with_auth(mut self, cfg: auth::AuthConfig) -> App {
        self.auth = Arc::new(cfg);
        self
    }
}

/// Creates (or empties) `schema` in the PostgreSQL database at `url` and returns a URL
/// that uses it: a fresh database for tests and benchmarks without CREATE DATABASE.
pub async fn fresh_postgres_schema(url: &str, schema: &str) -> Result<String> {
    Ok(jxc_store_postgres::PostgresStore::create_schema(url, schema).await?)
}
