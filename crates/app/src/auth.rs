//! Signing in: passwords (argon2), sessions, per-user API tokens, and the login rate
//! limit. Secrets never reach the store: it sees argon2 hashes of passwords and SHA-256
//! hashes of session ids and tokens.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jxc_core::ids::{ApiTokenId, UserId};
use jxc_core::users::{self, User};
use jxc_store::{ApiToken, NewSession, Session};
use sha2::{Digest, Sha256};

use crate::{Actor, App, Error, Result};

/// SHA-256, hex: how session ids and API tokens are stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// `n` random bytes from the OS, hex.
pub fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A password for the first admin or a reset: 16 characters a person can type, from an
/// alphabet without look-alikes (no 0/O, 1/l/I).
pub fn random_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// Compares without stopping at the first differing byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes a password with argon2id (the crate's recommended parameters), off the async
/// threads: hashing is meant to be slow.
pub async fn hash_password(pw: &str) -> Result<String> {
    let pw = pw.to_string();
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| Error::Internal(format!("salt: {e}")))?;
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hash: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

async fn verify_password(pw: &str, hash: &str) -> bool {
    let (pw, hash) = (pw.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// How long a session lives without use, and the login rate limit.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// A session expires after this long without a request (sliding).
    pub session_idle: Duration,
    /// Failed logins allowed per login name, and per client address, in `window`.
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_idle: Duration::from_secs(12 * 3600),
            max_failures: 5,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Failed logins per key (a login name or a client address) in the current window.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

impl LoginLimiter {
    /// Seconds until `key` may try again, if it is locked out.
    fn locked(&self, key: &str, cfg: &AuthConfig) -> Option<u64> {
        let map = self.failures.lock().ok()?;
        let (start, n) = map.get(key)?;
        let left = cfg.window.checked_sub(start.elapsed())?;
        (*n >= cfg.max_failures).then(|| left.as_secs().max(1))
    }

    fn fail(&self, key: &str, cfg: &AuthConfig) {
        if let Ok(mut map) = self.failures.lock() {
            let e = map.entry(key.to_string()).or_insert((Instant::now(), 0));
            if e.0.elapsed() > cfg.window {
                *e = (Instant::now(), 0);
            }
            e.1 += 1;
            if map.len() > 100_000 {
                map.retain(|_, (start, _)| start.elapsed() <= cfg.window);
            }
        }
    }

    fn succeed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

/// A started session: the cookie value (shown to the browser only) and its CSRF token.
#[derive(Debug, Clone)]
pub struct Login {
    pub cookie: String,
    pub csrf: String,
    pub user: User,
}

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A browser session: state-changing requests must carry this CSRF token.
    Session { csrf: String, id_hash: String },
    /// An API token (not sent by browsers on their own, so no CSRF token is needed).
    Token(ApiTokenId),
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub credential: Credential,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor(self.user.fields.username.clone())
    }
}

impl App {
    /// Creates the first admin (`admin`, with a random password) if there are no users,
    /// and returns the password: the only time it is shown.
    pub async fn ensure_first_admin(&self) -> Result<Option<(String, String)>> {
        if self.store.count_users().await? > 0 {
            return Ok(None);
        }
        let password = random_password()?;
        let input = users::UserInput {
            username: Some("admin".into()),
            display_name: Some("管理员".into()),
            roles: Some(vec!["admin".into()]),
            ..Default::default()
        };
        let u = self
            .create_user(&input, &password, &Actor::system("setup"))
            .await?;
        Ok(Some((u.fields.username, password)))
    }

    /// Signs a person in. Five failures for one login name or one client address within
    /// 15 minutes lock that name or address for the rest of the window.
    pub async fn login(&self, username: &str, password: &str, client: &str) -> Result<Login> {
        let cfg = &self.auth;
        let name_key = format!("user:{}", username.trim().to_lowercase());
        let client_key = format!("client:{client}");
        for key in [&name_key, &client_key] {
            if let Some(secs) = self.limiter.locked(key, cfg) {
                return Err(Error::RateLimited { retry_after: secs });
            }
        }
        let found = self.store.get_user_for_login(username).await?;
        let ok = match &found {
            Some((u, hash)) => verify_password(password, hash).await && u.fields.active,
            None => {
                // Spend the same time as a real check, so timing does not tell which
                // login names exist.
                let _ = hash_password(password).await;
                false
            }
        };
        let Some((user, _)) = found.filter(|_| ok) else {
            self.limiter.fail(&name_key, cfg);
            self.limiter.fail(&client_key, cfg);
            return Err(Error::Unauthorized);
        };
        self.limiter.succeed(&name_key);
        self.limiter.succeed(&client_key);
        let cookie = random_hex(32)?;
        let csrf = random_hex(32)?;
        let now = now_ms();
        // Sessions that ran out are removed as people sign in (indexed; usually none).
        self.store.purge_sessions(now).await?;
        self.store
            .create_session(&NewSession {
                id_hash: sha256_hex(&cookie),
                user_id: user.id,
                csrf: csrf.clone(),
                created_at: now,
                expires_at: now + self.auth.session_idle.as_millis() as i64,
            })
            .await?;
        Ok(Login { cookie, csrf, user })
    }

    /// The user of a session cookie, if the session is live and the user active. A
    /// session used after half its idle time is extended.
    pub async fn session_user(&self, cookie: &str) -> Result<Option<CurrentUser>> {
        let id_hash = sha256_hex(cookie);
        let now = now_ms();
        let Some((session, user)) = self.store.get_session(&id_hash, now).await? else {
            return Ok(None);
        };
        if !user.fields.active {
            return Ok(None);
        }
        let idle = self.auth.session_idle.as_millis() as i64;
        if session.expires_at - now < idle / 2 {
            self.store.extend_session(&id_hash, now + idle).await?;
        }
        let Session { csrf, id_hash, .. } = session;
        Ok(Some(CurrentUser {
            user,
            credential: Credential::Session { csrf, id_hash },
        }))
    }

    pub async fn logout(&self, cookie: &str) -> Result<()> {
        self.store.delete_session(&sha256_hex(cookie)).await?;
        Ok(())
    }

    /// The user of an API token, if the token is unrevoked and the user active.
    pub async fn token_user(&self, token: &str) -> Result<Option<CurrentUser>> {
        let Some((t, user)) = self.store.use_api_token(&sha256_hex(token.trim())).await? else {
            return Ok(None);
        };
        Ok(user.fields.active.then_some(CurrentUser {
            user,
            credential: Credential::Token(t.id),
        }))
    }

    /// Makes an API token for `user` and returns it with the token text: the only time
    /// the text is shown.
    pub async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        actor: &Actor,
    ) -> Result<(ApiToken, String)> {
        let name = jxc_core::text::required("name", name, 64)?;
        let token = format!("jxc_{}", random_hex(32)?);
        let prefix: String = token.chars().take(10).collect();
        let t = self
            .store
            .create_api_token(user, &name, &sha256_hex(&token), &prefix, actor)
            .await?;
        Ok((t, token))
    }

    pub async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        Ok(self.store.list_api_tokens(user).await?)
    }

    pub async fn revoke_api_token(
        &self,
        user: UserId,
        id: ApiTokenId,
        actor: &Actor,
    ) -> Result<()> {
        Ok(self.store.revoke_api_token(user, id, actor).await?)
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_and_no_other() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h).await);
        assert!(!verify_password("correct horsf", &h).await);
        assert!(!verify_password("correct horse", "not a hash").await);
    }

    #[test]
    fn five_failures_lock_a_key_for_the_window() {
        let cfg = AuthConfig::default();
        let l = LoginLimiter::default();
        for _ in 0..4 {
            l.fail("user:wang", &cfg);
        }
        assert_eq!(l.locked("user:wang", &cfg), None);
        l.fail("user:wang", &cfg);
        assert!(l.locked("user:wang", &cfg).is_some());
        assert_eq!(l.locked("user:li", &cfg), None);
        l.succeed("user:wang");
        assert_eq!(l.locked("user:wang", &cfg), None);
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = random_password().unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(a, random_password().unwrap());
    }
}
