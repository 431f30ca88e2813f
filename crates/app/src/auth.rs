//! The admin API token: printed once on first start, stored only as a SHA-256 hash.
//! (The users-and-roles issue replaces this with per-user tokens and sessions.)

use sha2::{Digest, Sha256};

use crate::{App, Result};

const TOKEN_HASH: &str = "api_token_sha256";

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: 32 bytes from the OS, hex.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| crate::Error::Internal(format!("no randomness: {e}")))?;
    Ok(format!("jxc_{}", hex::encode(bytes)))
}

/// Compares without stopping at the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl App {
    /// Creates the admin token if there is none, returning it (the only time it is shown).
    pub async fn ensure_admin_token(&self) -> Result<Option<String>> {
        if self.store.get_setting(TOKEN_HASH).await?.is_some() {
            return Ok(None);
        }
        let token = new_token()?;
        self.store.set_setting(TOKEN_HASH, &hash(&token)).await?;
        Ok(Some(token))
    }

    /// Replaces the admin token (e.g. when it was lost) and returns the new one.
    pub async fn rotate_admin_token(&self) -> Result<String> {
        let token = new_token()?;
        self.store.set_setting(TOKEN_HASH, &hash(&token)).await?;
        Ok(token)
    }

    pub async fn verify_token(&self, token: &str) -> Result<bool> {
        let Some(stored) = self.store.get_setting(TOKEN_HASH).await? else {
            return Ok(false);
        };
        Ok(constant_time_eq(stored.as_bytes(), hash(token).as_bytes()))
    }
}
