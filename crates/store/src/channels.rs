//! 平台同步: per shop the sync settings and cursor, the sync log, malformed payloads
//! kept for a person to read, and webhook deliveries (for dedupe).

use chrono::{DateTime, Utc};
use jxc_core::ids::ShopId;
use serde::Serialize;

/// A shop's sync settings and where it got to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopSync {
    pub shop_id: ShopId,
    pub enabled: bool,
    /// Seconds between scheduled syncs.
    pub interval_secs: i64,
    /// Every order the platform modified before this time (Unix ms) has been taken in.
    pub cursor_ms: Option<i64>,
    /// When the schedule runs it next (Unix ms).
    pub next_run_at: i64,
    pub last_run_at: Option<i64>,
    /// `ok`, `partial` or `error` of the last run; empty before the first.
    pub last_status: String,
    pub last_error: String,
}

/// How a sync started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    Schedule,
    Manual,
    Webhook,
}

impl SyncTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncTrigger::Schedule => "schedule",
            SyncTrigger::Manual => "manual",
            SyncTrigger::Webhook => "webhook",
        }
    }
    pub fn parse(s: &str) -> Option<SyncTrigger> {
        [
            SyncTrigger::Schedule,
            SyncTrigger::Manual,
            SyncTrigger::Webhook,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// What a sync run did (counts add up over its windows and pages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncTally {
    pub windows: i64,
    pub pages: i64,
    pub fetched: i64,
    pub created: i64,
    pub changed: i64,
    pub unchanged: i64,
    /// Orders that could not be read (kept as raw payloads).
    pub malformed: i64,
    /// Calls retried after a network error or a rate limit.
    pub retries: i64,
}

/// One entry of the sync log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncRun {
    pub id: i64,
    pub shop_id: ShopId,
    pub trigger: SyncTrigger,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `ok`, `partial` (some orders unreadable), `error`, `interrupted`.
    pub status: String,
    pub error: String,
    #[serde(flatten)]
    pub tally: SyncTally,
}

/// A platform payload that could not be read, kept whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawPayload {
    pub id: i64,
    pub shop_id: ShopId,
    pub run_id: Option<i64>,
    pub platform_order_id: String,
    pub reason: String,
    pub raw: String,
    pub at: DateTime<Utc>,
}

/// Filter of the sync log.
#[derive(Debug, Clone, Default)]
pub struct SyncRunFilter {
    pub shop_id: Option<ShopId>,
    pub status: Option<String>,
    /// Only these shops (a user's); empty: no limit.
    pub only_shops: Vec<i64>,
}

/// What a webhook delivery id has seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverySeen {
    /// First time: process it.
    New,
    /// Received before but not processed to the end: process it again.
    Unfinished,
    /// Processed already: acknowledge and do nothing.
    Done,
}
