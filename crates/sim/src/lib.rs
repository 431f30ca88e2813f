//! jxc-sim: local simulators of the sales platforms, for tests and the demo.
//!
//! A simulator is one simulated shop ([`World`]) behind an HTTP server that speaks one
//! platform's documented format (`shared/specs/integrations.md`): it checks each request's
//! signature exactly as the platform would and answers a bad one with the platform's
//! error shape, serves orders in the platform's JSON with its paging and time windows,
//! and (for push platforms) sends signed webhooks. The signing code here is written
//! independently of `jxc-channels`, so the adapters are tested against a second reading
//! of the spec, and both against the spec's test vectors.
//!
//! Tests drive a world's clock ([`World::advance_to`]) and inject failures
//! ([`Faults`]); the demo lets the clock follow the wall clock ([`follow_wall_clock`]).

pub mod rng;
pub mod world;

// The platforms (one file each: its routes, signature check and JSON rendering).
pub mod douyin;
pub mod jd;
pub mod pdd;
pub mod shopify;
pub mod taobao;
pub mod woocommerce;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;

pub use world::{Activity, Faults, SimOrder, SimProduct, SimRefund, SimStatus, Stats, World};

/// The secrets a simulated shop was given (what the merchant enters in 店铺设置).
#[derive(Debug, Clone)]
pub struct SimCredentials {
    pub app_key: String,
    pub app_secret: String,
    /// The seller's session / access token.
    pub access_token: String,
    /// The secret webhooks are signed with (Shopify, WooCommerce).
    pub webhook_secret: String,
}

impl Default for SimCredentials {
    fn default() -> Self {
        SimCredentials {
            app_key: "12345678".into(),
            app_secret: "sim-secret".into(),
            access_token: "sim-session".into(),
            webhook_secret: "sim-webhook-secret".into(),
        }
    }
}

/// What each platform's routes are given.
#[derive(Debug, Clone)]
pub struct SimState {
    pub world: Arc<World>,
    pub credentials: SimCredentials,
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct SimServer {
    pub base_url: String,
    pub addr: SocketAddr,
    pub state: SimState,
    stop: Option<oneshot::Sender<()>>,
}

impl SimServer {
    /// Serves `router` on `addr` (port 0 = any free port).
    pub async fn serve(
        router: axum::Router,
        state: SimState,
        addr: SocketAddr,
    ) -> std::io::Result<SimServer> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(SimServer {
            base_url: format!("http://{addr}"),
            addr,
            state,
            stop: Some(stop),
        })
    }

    pub fn world(&self) -> &Arc<World> {
        &self.state.world
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Lets `world`'s clock follow the wall clock (checked every `tick`), for the demo.
pub fn follow_wall_clock(
    world: Arc<World>,
    tick: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            world.advance_to(chrono::Utc::now().timestamp_millis());
            tokio::time::sleep(tick).await;
        }
    })
}

/// Formats Unix milliseconds as `yyyy-MM-dd HH:mm:ss` in China time (GMT+8), as the
/// Chinese platforms write times.
pub fn china_time(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Parses `yyyy-MM-dd HH:mm:ss` China time into Unix milliseconds.
pub fn parse_china_time(s: &str) -> Option<i64> {
    let tz = chrono::FixedOffset::east_opt(8 * 3600)?;
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.and_local_timezone(tz).single()?.timestamp_millis())
}

/// Products the demo and tests sell when they do not bring their own.
pub fn sample_products() -> Vec<SimProduct> {
    [
        ("TS-BLK-L", "纯棉T恤", "黑色 L", 9_900),
        ("TS-WHT-M", "纯棉T恤", "白色 M", 9_900),
        ("MUG-350", "陶瓷马克杯", "350ml", 3_900),
        ("BAG-CANVAS", "帆布包", "米色", 5_900),
        ("SOCK-3P", "棉袜三双装", "均码", 2_900),
    ]
    .into_iter()
    .map(|(c, t, s, p)| SimProduct {
        sku_code: c.into(),
        title: t.into(),
        spec: s.into(),
        price_fen: p,
    })
    .collect()
}
