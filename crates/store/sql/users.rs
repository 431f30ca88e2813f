//! 用户, 会话, API 令牌.

use async_trait::async_trait;
use jxc_core::ids::{ApiTokenId, ShopId, UserId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::{NewUser, Role, User};
use jxc_store::{Actor, ApiToken, ListFilter, NewSession, Result, Session, StoreError, UserStore};

use super::SqlStore;
use super::records::{self, Record, Scope};
use super::util::*;

fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    items.iter().map(f).collect::<Vec<_>>().join(",")
}

fn ids(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

impl Record for User {
    type New = NewUser;
    const TABLE: &'static str = "users";
    const ENTITY: &'static str = "user";
    const COLUMNS: &'static [&'static str] = &[
        "username",
        "display_name",
        "roles",
        "warehouse_ids",
        "shop_ids",
        "active",
    ];
    const CODE: &'static str = "username";
    const NAME: &'static str = "display_name";
    fn values(u: &NewUser) -> Vec<Val> {
        vec![
            u.username.as_str().into(),
            u.display_name.as_str().into(),
            join(&u.roles, |r| r.as_str().to_string()).into(),
            join(&u.warehouse_ids, |w| w.0.to_string()).into(),
            join(&u.shop_ids, |s| s.0.to_string()).into(),
            u.active.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        let roles = col::<String>(r, "roles")?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                Role::parse("roles", s)
                    .map_err(|_| StoreError::Database(format!("stored user has unknown role {s}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(User {
            id: UserId(col(r, "id")?),
            fields: NewUser {
                username: col(r, "username")?,
                display_name: col(r, "display_name")?,
                roles,
                warehouse_ids: ids(&col::<String>(r, "warehouse_ids")?)
                    .into_iter()
                    .map(WarehouseId)
                    .collect(),
                shop_ids: ids(&col::<String>(r, "shop_ids")?)
                    .into_iter()
                    .map(ShopId)
                    .collect(),
                active: col(r, "active")?,
            },
            last_login_at: col(r, "last_login_at")?,
        })
    }
    fn new_of(&self) -> &NewUser {
        &self.fields
    }
}

fn token_from_row(r: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(col(r, "id")?),
        user_id: UserId(col(r, "user_id")?),
        name: col(r, "name")?,
        prefix: col(r, "prefix")?,
        created_at: ts(col(r, "created_at")?),
        last_used_at: col::<Option<i64>>(r, "last_used_at")?.map(ts),
        revoked_at: col::<Option<i64>>(r, "revoked_at")?.map(ts),
    })
}

async fn end_sessions(c: &mut Conn, user: UserId) -> Result<()> {
    Sql::new("DELETE FROM sessions WHERE user_id = ")
        .bind(user.0)
        .execute(c)
        .await?;
    Ok(())
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, u: &NewUser, password_hash: &str, actor: &Actor) -> Result<User> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let id = records::insert::<User>(&mut tx, u, &Scope::default(), actor).await?;
        Sql::new("UPDATE users SET password_hash = ")
            .bind(password_hash)
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let out = records::get::<User>(&mut tx, id, &Scope::default())
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn update_user(&self, id: UserId, u: &NewUser, actor: &Actor) -> Result<User> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        records::update::<User>(&mut tx, id.0, u, &Scope::default(), actor).await?;
        if !u.active {
            end_sessions(&mut tx, id).await?;
        }
        let out = records::get::<User>(&mut tx, id.0, &Scope::default())
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn set_password(&self, id: UserId, password_hash: &str, actor: &Actor) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let n = Sql::new("UPDATE users SET password_hash = ")
            .bind(password_hash)
            .push(", updated_at = ")
            .bind(now_ms())
            .push(" WHERE id = ")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::not_found("user", id));
        }
        end_sessions(&mut tx, id).await?;
        // The audit row says that the password changed, never what to.
        audit(&mut tx, actor, "set_password", "user", id, None, None).await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> Result<Option<User>> {
        let mut c = self.read.acquire().await.db()?;
        records::get::<User>(&mut c, id.0, &Scope::default()).await
    }

    async fn get_user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        let mut c = self.read.acquire().await.db()?;
        let row = Sql::new("SELECT * FROM users WHERE lower(username) = ")
            .bind(username.trim().to_lowercase())
            .fetch_optional(&mut c)
            .await?;
        row.map(|r| Ok((User::from_row(&r)?, col(&r, "password_hash")?)))
            .transpose()
    }

    async fn list_users(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<User>> {
        let mut c = self.read.acquire().await.db()?;
        records::list::<User>(&mut c, filter, &Scope::default(), page, |_| {}).await
    }

    async fn count_users(&self) -> Result<i64> {
        let mut c = self.read.acquire().await.db()?;
        col(
            &Sql::new("SELECT COUNT(*) AS n FROM users")
                .fetch_one(&mut c)
                .await?,
            "n",
        )
    }

    async fn create_session(&self, s: &NewSession) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        Sql::new("INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES ")
            .tuple([
                s.id_hash.as_str().into(),
                Val::I(s.user_id.0),
                s.csrf.as_str().into(),
                Val::I(s.created_at),
                Val::I(s.expires_at),
            ])
            .execute(&mut tx)
            .await?;
        Sql::new("UPDATE users SET last_login_at = ")
            .bind(s.created_at)
            .push(" WHERE id = ")
            .bind(s.user_id.0)
            .execute(&mut tx)
            .await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn get_session(&self, id_hash: &str, now: i64) -> Result<Option<(Session, User)>> {
        let mut c = self.read.acquire().await.db()?;
        let row = Sql::new(
            "SELECT s.id_hash, s.csrf, s.created_at AS s_created, s.expires_at, u.* \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ",
        )
        .bind(id_hash)
        .push(" AND s.expires_at > ")
        .bind(now)
        .fetch_optional(&mut c)
        .await?;
        row.map(|r| {
            let user = User::from_row(&r)?;
            Ok((
                Session {
                    id_hash: col(&r, "id_hash")?,
                    user_id: user.id,
                    csrf: col(&r, "csrf")?,
                    created_at: col(&r, "s_created")?,
                    expires_at: col(&r, "expires_at")?,
                },
                user,
            ))
        })
        .transpose()
    }

    async fn extend_session(&self, id_hash: &str, expires_at: i64) -> Result<()> {
        let mut c = self.write.acquire().await.db()?;
        Sql::new("UPDATE sessions SET expires_at = ")
            .bind(expires_at)
            .push(" WHERE id_hash = ")
            .bind(id_hash)
            .execute(&mut c)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut c = self.write.acquire().await.db()?;
        Sql::new("DELETE FROM sessions WHERE id_hash = ")
            .bind(id_hash)
            .execute(&mut c)
            .await?;
        Ok(())
    }

    async fn purge_sessions(&self, now: i64) -> Result<u64> {
        let mut c = self.write.acquire().await.db()?;
        Sql::new("DELETE FROM sessions WHERE expires_at <= ")
            .bind(now)
            .execute(&mut c)
            .await
    }

    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &Actor,
    ) -> Result<ApiToken> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let row = Sql::new(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ",
        )
        .tuple([
            Val::I(user.0),
            name.into(),
            token_hash.into(),
            prefix.into(),
            Val::I(now_ms()),
        ])
        .push(" RETURNING *")
        .fetch_one(&mut tx)
        .await?;
        let token = token_from_row(&row)?;
        audit(
            &mut tx,
            actor,
            "create",
            "api_token",
            token.id,
            None,
            serde_json::to_value(&token).ok(),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(token)
    }

    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT * FROM api_tokens WHERE user_id = ")
            .bind(user.0)
            .push(" ORDER BY id DESC")
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(token_from_row)
            .collect()
    }

    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId, actor: &Actor) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let n = Sql::new("UPDATE api_tokens SET revoked_at = ")
            .bind(now_ms())
            .push(" WHERE id = ")
            .bind(id.0)
            .push(" AND user_id = ")
            .bind(user.0)
            .push(" AND revoked_at IS NULL")
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::not_found("api_token", id));
        }
        audit(&mut tx, actor, "revoke", "api_token", id, None, None).await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn use_api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
        let mut c = self.read.acquire().await.db()?;
        let Some(row) = Sql::new("SELECT * FROM api_tokens WHERE token_hash = ")
            .bind(token_hash)
            .push(" AND revoked_at IS NULL")
            .fetch_optional(&mut c)
            .await?
        else {
            return Ok(None);
        };
        let token = token_from_row(&row)?;
        let Some(user) = records::get::<User>(&mut c, token.user_id.0, &Scope::default()).await?
        else {
            return Ok(None);
        };
        drop(c);
        // Record the use at most once a minute, so API traffic does not queue writes.
        let now = now_ms();
        if token
            .last_used_at
            .is_none_or(|t| now - t.timestamp_millis() > 60_000)
        {
            let mut w = self.write.acquire().await.db()?;
            Sql::new("UPDATE api_tokens SET last_used_at = ")
                .bind(now)
                .push(" WHERE id = ")
                .bind(token.id.0)
                .execute(&mut w)
                .await?;
        }
        Ok(Some((token, user)))
    }
}
