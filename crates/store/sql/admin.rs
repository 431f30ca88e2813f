//! Settings, the audit log, counts and migrations.

use async_trait::async_trait;
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{Actor, AdminStore, AuditEntry, AuditFilter, Counts, Result};

use super::SqlStore;
use super::records::push_keyset;
use super::util::*;

#[async_trait]
impl AdminStore for SqlStore {
    async fn migrate(&self) -> Result<()> {
        crate::dialect::migrate(&self.write).await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let mut c = self.read.acquire().await.db()?;
        let row = Sql::new("SELECT value FROM settings WHERE key = ")
            .bind(key)
            .fetch_optional(&mut c)
            .await?;
        row.map(|r| col(&r, "value")).transpose()
    }

    async fn set_setting(&self, key: &str, value: &str, actor: &Actor) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before: Option<String> = Sql::new("SELECT value FROM settings WHERE key = ")
            .bind(key)
            .fetch_optional(&mut tx)
            .await?
            .map(|r| col(&r, "value"))
            .transpose()?;
        Sql::new("INSERT INTO settings (key, value) VALUES ")
            .tuple([key.into(), value.into()])
            .push(" ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "set",
            "setting",
            key,
            before.map(serde_json::Value::String),
            Some(serde_json::Value::String(value.to_string())),
        )
        .await?;
        tx.commit().await.db()
    }

    async fn list_audit(&self, f: &AuditFilter, page: &PageRequest) -> Result<Page<AuditEntry>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM audit_log WHERE 1 = 1");
        if let Some(v) = &f.actor {
            sql.push(" AND actor = ").bind(v.as_str());
        }
        if let Some(v) = &f.entity {
            sql.push(" AND entity = ").bind(v.as_str());
        }
        if let Some(v) = &f.entity_id {
            sql.push(" AND entity_id = ").bind(v.as_str());
        }
        if let Some(v) = f.from {
            sql.push(" AND at >= ").bind(v.timestamp_millis());
        }
        if let Some(v) = f.to {
            sql.push(" AND at < ").bind(v.timestamp_millis());
        }
        push_keyset(&mut sql, "id", "id", page);
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: col(r, "id")?,
                    at: ts(col(r, "at")?),
                    actor: col(r, "actor")?,
                    action: col(r, "action")?,
                    entity: col(r, "entity")?,
                    entity_id: col(r, "entity_id")?,
                    before: json(col(r, "before_json")?),
                    after: json(col(r, "after_json")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |a| Cursor {
            key: String::new(),
            id: a.id,
        }))
    }

    async fn counts(&self) -> Result<Counts> {
        let mut c = self.read.acquire().await.db()?;
        let row = Sql::new(
            "SELECT (SELECT COUNT(*) FROM skus WHERE is_bundle = FALSE) AS skus, \
             (SELECT COUNT(*) FROM skus WHERE is_bundle = TRUE) AS bundles, \
             (SELECT COUNT(*) FROM warehouses) AS warehouses, (SELECT COUNT(*) FROM locations) AS locations, \
             (SELECT COUNT(*) FROM shops) AS shops, \
             (SELECT COUNT(*) FROM partners WHERE kind = 'supplier') AS suppliers, \
             (SELECT COUNT(*) FROM partners WHERE kind = 'customer') AS customers, \
             (SELECT COUNT(*) FROM listings) AS listings, (SELECT COUNT(*) FROM stock_documents) AS documents, \
             (SELECT COUNT(*) FROM stock_moves) AS moves, \
             (SELECT COUNT(*) FROM reservations WHERE status = 'live') AS live_reservations",
        )
        .fetch_one(&mut c)
        .await?;
        Ok(Counts {
            skus: col(&row, "skus")?,
            bundles: col(&row, "bundles")?,
            warehouses: col(&row, "warehouses")?,
            locations: col(&row, "locations")?,
            shops: col(&row, "shops")?,
            suppliers: col(&row, "suppliers")?,
            customers: col(&row, "customers")?,
            listings: col(&row, "listings")?,
            documents: col(&row, "documents")?,
            moves: col(&row, "moves")?,
            live_reservations: col(&row, "live_reservations")?,
        })
    }

    fn backend(&self) -> &'static str {
        crate::dialect::NAME
    }
}

/// Applies the migrations not yet applied, each in its own transaction, recording them in
/// `jxc_migrations`. Each backend passes its own embedded SQL.
pub(crate) async fn run_migrations(
    pool: &sqlx::Pool<crate::Db>,
    migrations: &[(i64, &'static str)],
) -> Result<()> {
    let mut c = pool.acquire().await.db()?;
    Sql::new("CREATE TABLE IF NOT EXISTS jxc_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(&mut c)
        .await?;
    drop(c);
    for (version, text) in migrations {
        let mut tx = crate::dialect::begin_write(pool).await?;
        let done = Sql::new("SELECT version FROM jxc_migrations WHERE version = ")
            .bind(*version)
            .fetch_optional(&mut tx)
            .await?;
        if done.is_some() {
            continue;
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(*text))
            .execute(&mut *tx)
            .await
            .db()?;
        Sql::new("INSERT INTO jxc_migrations (version, applied_at) VALUES ")
            .tuple([Val::I(*version), Val::I(now_ms())])
            .execute(&mut tx)
            .await?;
        tx.commit().await.db()?;
    }
    Ok(())
}
