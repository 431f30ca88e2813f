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
pub mod cainiao;
pub mod douyin;
pub mod jd;
pub mod kuaidi100;
pub mod pdd;
pub mod robots;
pub mod shopify;
pub mod smtp;
pub mod taobao;
pub mod woocommerce;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;

pub use world::{
    Activity, Faults, ShipRefusal, SimOrder, SimProduct, SimRefund, SimShipment, SimStatus, Stats,
    World,
};

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

impl SimCredentials {
    /// The credentials a shop of `platform` enters to talk to this simulator, under the
    /// key names the adapter reads (see `jxc-channels`' `credentials`), with `base_url`
    /// pointing at the simulator.
    pub fn for_shop(&self, platform: &str, base_url: &str) -> serde_json::Value {
        let mut v = match platform {
            "taobao" | "tmall" => serde_json::json!({
                "app_key": self.app_key, "app_secret": self.app_secret, "session": self.access_token,
            }),
            "pdd" => serde_json::json!({
                "client_id": self.app_key, "client_secret": self.app_secret,
                "access_token": self.access_token,
            }),
            "shopify" => serde_json::json!({
                "access_token": self.access_token, "webhook_secret": self.webhook_secret,
            }),
            "woocommerce" => serde_json::json!({
                "consumer_key": self.app_key, "consumer_secret": self.app_secret,
                "webhook_secret": self.webhook_secret,
            }),
            _ => serde_json::json!({
                "app_key": self.app_key, "app_secret": self.app_secret,
                "access_token": self.access_token,
            }),
        };
        v["base_url"] = base_url.into();
        v
    }
}

/// The platforms there is a simulator for, by their names in jxc.
pub const PLATFORMS: [&str; 6] = ["taobao", "jd", "pdd", "douyin", "shopify", "woocommerce"];

/// Starts the simulator of `platform` (one of [`PLATFORMS`]) on a free local port.
pub async fn start(platform: &str, state: SimState) -> std::io::Result<SimServer> {
    match platform {
        "taobao" | "tmall" => taobao::start(state).await,
        "jd" => jd::start(state).await,
        "pdd" => pdd::start(state).await,
        "douyin" => douyin::start(state).await,
        "shopify" => shopify::start(state).await,
        "woocommerce" => woocommerce::start(state).await,
        other => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("no simulator for the platform {other}"),
        )),
    }
}

/// Sends `state`'s changes as signed webhooks to `url` every `every`, for the platforms
/// that push (Shopify, WooCommerce, Douyin); `None` for the others. A failed send is
/// logged and tried again next time from the same change.
pub fn spawn_webhooks(
    platform: &str,
    state: SimState,
    url: String,
    every: std::time::Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    let platform = match platform {
        "shopify" | "woocommerce" | "douyin" => platform.to_string(),
        _ => return None,
    };
    Some(tokio::spawn(async move {
        let mut seq = 0;
        loop {
            let sent = match platform.as_str() {
                "shopify" => shopify::send_webhooks(&state, &url, seq).await,
                "woocommerce" => woocommerce::send_webhooks(&state, &url, seq).await,
                _ => douyin::send_webhooks(&state, &url, seq).await,
            };
            match sent {
                Ok(s) => seq = s,
                Err(e) => tracing::warn!("{platform} 模拟推送失败 / sim webhook failed: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    }))
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

/// 2026-01-01 00:00 UTC: live worlds number their orders by the seconds since.
const LIVE_EPOCH_SECS: i64 = 1_767_225_600;

/// A simulated shop for a live run (the demo, `jxc-sim`): twenty minutes of history, then
/// its clock follows the wall clock in 5-second steps. Order numbers grow with the wall
/// clock (4 a second, far above what a shop sells), so a restarted run never reuses an
/// earlier run's ids.
pub fn live_world(seed: u64, products: Vec<SimProduct>, orders_per_hour: u64) -> Arc<World> {
    let now = chrono::Utc::now().timestamp_millis();
    let world = Arc::new(World::new(seed, now - 20 * 60_000, products));
    world.with(|w| {
        w.start_ids_at(1_000_000 + (now / 1000 - LIVE_EPOCH_SECS).max(0) as u64 * 4);
        w.activity = Activity {
            orders_per_hour,
            step_ms: 5_000,
            ..Activity::default()
        }
    });
    world.advance_to(now);
    follow_wall_clock(world.clone(), std::time::Duration::from_secs(1));
    world
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
