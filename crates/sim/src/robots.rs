//! Chat-robot simulator (`shared/specs/integrations.md` §8): DingTalk (钉钉), Feishu (飞书)
//! and WeCom (企业微信) group robots, all three on one server.
//!
//! Robots are added by token ([`RobotsState::add_robot`]); a merchant pastes
//! [`RobotsServer::webhook_url`]. Each request is checked as the platform would, with this
//! module's own reading of the spec (the sim does not use `jxc-channels`):
//!
//! - `POST /robot/send?access_token=X[&timestamp=<ms>&sign=<s>]` (DingTalk): for a robot
//!   with a secret, `timestamp` must be within an hour of the sim's clock and `sign` (after
//!   URL-decoding) equal `base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" +
//!   secret))`, else errcode 310000. Unknown token: 300005 `token is not exist`. More than
//!   20 messages a minute: 130101. Body `msgtype` `text` or `markdown`.
//! - `POST /open-apis/bot/v2/hook/<token>` (Feishu): for a robot with a secret, the body's
//!   `timestamp` (seconds) must be within an hour and `sign` equal
//!   `base64(HMAC-SHA256(key = timestamp + "\n" + secret, msg = ""))`, else code 19021.
//!   Unknown token: 19001. More than 100 a minute: 11232. Body `msg_type` `text`.
//! - `POST /cgi-bin/webhook/send?key=K` (WeCom): no signature. Unknown key: errcode 93000
//!   `invalid webhook url`. More than 20 a minute: 45009. Body `msgtype` `text` (content ≤
//!   2048 bytes) or `markdown` (≤ 4096 bytes); longer: 40058.
//!
//! Codes other than those the spec names (19021, the limits) follow the platforms' public
//! pages as remembered, *unconfirmed*; malformed bodies get DingTalk 40035, Feishu 9499,
//! WeCom 40008/44004/47001. Only accepted messages are recorded ([`RobotsState::received`])
//! and count towards the limits. Faults ([`RobotFault`]) answer the next requests before
//! any check.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Which chat a simulated robot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RobotPlatform {
    DingTalk,
    Feishu,
    WeCom,
}

impl RobotPlatform {
    pub const ALL: [RobotPlatform; 3] = [
        RobotPlatform::DingTalk,
        RobotPlatform::Feishu,
        RobotPlatform::WeCom,
    ];

    /// `dingtalk`, `feishu`, `wecom`.
    pub fn code(self) -> &'static str {
        match self {
            RobotPlatform::DingTalk => "dingtalk",
            RobotPlatform::Feishu => "feishu",
            RobotPlatform::WeCom => "wecom",
        }
    }

    /// Accepted messages a robot takes in a minute.
    pub fn per_minute(self) -> usize {
        match self {
            RobotPlatform::Feishu => 100,
            RobotPlatform::DingTalk | RobotPlatform::WeCom => 20,
        }
    }
}

/// A robot the simulator answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRobot {
    pub platform: RobotPlatform,
    pub token: String,
    /// The signing secret (DingTalk, Feishu); `None` = the robot does not sign.
    pub secret: Option<String>,
}

/// A message a robot accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub platform: RobotPlatform,
    pub token: String,
    /// `text` or `markdown`.
    pub msg_type: String,
    /// The markdown title (DingTalk only).
    pub title: Option<String>,
    /// The text or the markdown content.
    pub text: String,
    /// The sim's clock when it arrived, Unix ms.
    pub at_ms: i64,
}

/// A fault the next requests meet before any check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobotFault {
    /// HTTP 200 with the platform's rate-limit code (130101, 11232, 45009).
    RateLimited,
    /// HTTP 429.
    TooManyRequests,
    /// HTTP 500.
    ServerError,
    /// HTTP 200 with an HTML page.
    Garbage,
}

/// What the simulator saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RobotStats {
    pub requests: u64,
    pub accepted: u64,
    pub unknown_tokens: u64,
    pub bad_signatures: u64,
    pub rate_limited: u64,
    pub faults: u64,
}

#[derive(Debug, Default)]
struct Data {
    robots: Vec<SimRobot>,
    received: Vec<ReceivedMessage>,
    faults: VecDeque<RobotFault>,
    stats: RobotStats,
    clock_ms: Option<i64>,
}

/// The robots and what they received. Clones share them.
#[derive(Debug, Clone, Default)]
pub struct RobotsState {
    data: Arc<Mutex<Data>>,
}

/// The robots of [`RobotsState::demo`] (`jxc-sim`): platform, token, secret.
pub const DEMO_ROBOTS: [(RobotPlatform, &str, Option<&str>); 3] = [
    (
        RobotPlatform::DingTalk,
        "sim-dingtalk-token",
        Some("SECsim-dingtalk-secret"),
    ),
    (
        RobotPlatform::Feishu,
        "sim-feishu-token",
        Some("sim-feishu-secret"),
    ),
    (RobotPlatform::WeCom, "sim-wecom-key", None),
];

impl RobotsState {
    pub fn new() -> Self {
        RobotsState::default()
    }

    /// One robot of each platform ([`DEMO_ROBOTS`]), DingTalk and Feishu signing.
    pub fn demo() -> Self {
        let s = RobotsState::new();
        for (p, token, secret) in DEMO_ROBOTS {
            s.add_robot(p, token, secret);
        }
        s
    }

    fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        f(&mut self.data.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Adds a robot (replacing one of the same platform and token).
    pub fn add_robot(&self, platform: RobotPlatform, token: &str, secret: Option<&str>) {
        let robot = SimRobot {
            platform,
            token: token.into(),
            secret: secret.map(String::from),
        };
        self.with(|d| {
            d.robots
                .retain(|r| !(r.platform == platform && r.token == token));
            d.robots.push(robot);
        });
    }

    pub fn robots(&self) -> Vec<SimRobot> {
        self.with(|d| d.robots.clone())
    }

    /// Every accepted message, oldest first.
    pub fn received(&self) -> Vec<ReceivedMessage> {
        self.with(|d| d.received.clone())
    }

    /// The messages one robot accepted.
    pub fn received_by(&self, token: &str) -> Vec<ReceivedMessage> {
        self.with(|d| {
            d.received
                .iter()
                .filter(|m| m.token == token)
                .cloned()
                .collect()
        })
    }

    pub fn stats(&self) -> RobotStats {
        self.with(|d| d.stats.clone())
    }

    /// The next `times` requests (to any robot) meet `fault`.
    pub fn inject(&self, fault: RobotFault, times: usize) {
        self.with(|d| d.faults.extend(std::iter::repeat_n(fault, times)));
    }

    /// Pins the sim's clock (signature windows, per-minute limits) at `ms`; `None`
    /// follows the wall clock again.
    pub fn set_clock(&self, ms: Option<i64>) {
        self.with(|d| d.clock_ms = ms);
    }

    fn now_ms(&self) -> i64 {
        self.with(|d| d.clock_ms)
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
    }

    /// Counts the request and takes the next fault, if any.
    fn begin(&self) -> Option<RobotFault> {
        self.with(|d| {
            d.stats.requests += 1;
            let f = d.faults.pop_front();
            d.stats.faults += u64::from(f.is_some());
            f
        })
    }

    fn robot(&self, platform: RobotPlatform, token: &str) -> Option<SimRobot> {
        let found = self.with(|d| {
            d.robots
                .iter()
                .find(|r| r.platform == platform && r.token == token)
                .cloned()
        });
        if found.is_none() {
            self.with(|d| d.stats.unknown_tokens += 1);
        }
        found
    }

    /// Whether the robot may take another message now (its limit over the last minute).
    fn under_limit(&self, robot: &SimRobot, now: i64) -> bool {
        self.with(|d| {
            let recent = d
                .received
                .iter()
                .filter(|m| m.platform == robot.platform && m.token == robot.token)
                .filter(|m| m.at_ms > now - 60_000 && m.at_ms <= now)
                .count();
            let ok = recent < robot.platform.per_minute();
            d.stats.rate_limited += u64::from(!ok);
            ok
        })
    }

    fn bad_signature(&self) {
        self.with(|d| d.stats.bad_signatures += 1);
    }

    fn record(&self, m: ReceivedMessage) {
        self.with(|d| {
            d.stats.accepted += 1;
            d.received.push(m);
        });
    }
}

fn hmac_sha256_base64(key: &[u8], msg: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk's sign: key the secret, message `timestamp\nsecret`.
fn dingtalk_sign(secret: &str, timestamp: &str) -> String {
    hmac_sha256_base64(
        secret.as_bytes(),
        format!("{timestamp}\n{secret}").as_bytes(),
    )
}

/// Feishu's sign: key `timestamp\nsecret`, empty message.
fn feishu_sign(secret: &str, timestamp: &str) -> String {
    hmac_sha256_base64(format!("{timestamp}\n{secret}").as_bytes(), b"")
}

fn reply(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

fn dingtalk_error(code: i64, message: &str) -> Response {
    reply(json!({"errcode": code, "errmsg": message}))
}

fn feishu_error(code: i64, message: &str) -> Response {
    reply(json!({"code": code, "msg": message, "data": {}}))
}

fn wecom_error(code: i64, message: &str) -> Response {
    reply(json!({"errcode": code, "errmsg": message}))
}

/// The answer to a fault, in `platform`'s shape.
fn fault_reply(platform: RobotPlatform, fault: RobotFault) -> Response {
    match fault {
        RobotFault::RateLimited => match platform {
            RobotPlatform::DingTalk => {
                dingtalk_error(130101, "send too fast, exceed 20 times per minute")
            }
            RobotPlatform::Feishu => feishu_error(11232, "frequency limited"),
            RobotPlatform::WeCom => wecom_error(45009, "api freq out of limit"),
        },
        RobotFault::TooManyRequests => {
            (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response()
        }
        RobotFault::ServerError => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
        RobotFault::Garbage => {
            (StatusCode::OK, "<html><body>502 Bad Gateway</body></html>").into_response()
        }
    }
}

fn query(raw: Option<String>) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default()
}

fn text(v: &Value, pointer: &str) -> String {
    match v.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

async fn dingtalk(
    State(state): State<RobotsState>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let p = RobotPlatform::DingTalk;
    if let Some(f) = state.begin() {
        return fault_reply(p, f);
    }
    let q = query(q);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(robot) = state.robot(p, get("access_token").unwrap_or_default()) else {
        return dingtalk_error(300005, "token is not exist");
    };
    let now = state.now_ms();
    if let Some(secret) = &robot.secret {
        let (ts, sign) = (
            get("timestamp").unwrap_or_default(),
            get("sign").unwrap_or_default(),
        );
        let fresh = ts
            .parse::<i64>()
            .is_ok_and(|t| now.abs_diff(t) <= 3_600_000);
        if !fresh {
            state.bad_signature();
            return dingtalk_error(310000, "invalid timestamp");
        }
        if sign != dingtalk_sign(secret, ts) {
            state.bad_signature();
            return dingtalk_error(310000, "sign not match");
        }
    }
    if !state.under_limit(&robot, now) {
        return fault_reply(p, RobotFault::RateLimited);
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return dingtalk_error(40035, "缺少参数 json");
    };
    let msg_type = text(&v, "/msgtype");
    let (title, content) = match msg_type.as_str() {
        "text" => (None, text(&v, "/text/content")),
        "markdown" => (
            Some(text(&v, "/markdown/title")),
            text(&v, "/markdown/text"),
        ),
        _ => return dingtalk_error(40035, "缺少参数 msgtype"),
    };
    if content.trim().is_empty() || title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return dingtalk_error(40035, "缺少参数 content");
    }
    state.record(ReceivedMessage {
        platform: p,
        token: robot.token,
        msg_type,
        title,
        text: content,
        at_ms: now,
    });
    dingtalk_error(0, "ok")
}

async fn feishu(
    State(state): State<RobotsState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let p = RobotPlatform::Feishu;
    if let Some(f) = state.begin() {
        return fault_reply(p, f);
    }
    let Some(robot) = state.robot(p, &token) else {
        return feishu_error(
            19001,
            "param invalid: incoming webhook access token invalid",
        );
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return feishu_error(9499, "Bad Request");
    };
    let now = state.now_ms();
    if let Some(secret) = &robot.secret {
        let ts = text(&v, "/timestamp");
        let fresh = ts
            .parse::<i64>()
            .is_ok_and(|t| now.div_euclid(1000).abs_diff(t) <= 3600);
        if !fresh || text(&v, "/sign") != feishu_sign(secret, &ts) {
            state.bad_signature();
            return feishu_error(
                19021,
                "sign match fail or timestamp is not within one hour from current time",
            );
        }
    }
    if !state.under_limit(&robot, now) {
        return fault_reply(p, RobotFault::RateLimited);
    }
    let msg_type = text(&v, "/msg_type");
    let content = text(&v, "/content/text");
    if msg_type != "text" || content.trim().is_empty() {
        return feishu_error(9499, "Bad Request");
    }
    state.record(ReceivedMessage {
        platform: p,
        token: robot.token,
        msg_type,
        title: None,
        text: content,
        at_ms: now,
    });
    reply(json!({"code": 0, "msg": "success", "data": {}}))
}

async fn wecom(State(state): State<RobotsState>, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let p = RobotPlatform::WeCom;
    if let Some(f) = state.begin() {
        return fault_reply(p, f);
    }
    let q = query(q);
    let key = q
        .iter()
        .find(|(n, _)| n == "key")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let Some(robot) = state.robot(p, key) else {
        return wecom_error(93000, "invalid webhook url, hint: [sim]");
    };
    let now = state.now_ms();
    if !state.under_limit(&robot, now) {
        return fault_reply(p, RobotFault::RateLimited);
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return wecom_error(47001, "data format error");
    };
    let msg_type = text(&v, "/msgtype");
    let (content, max) = match msg_type.as_str() {
        "text" => (text(&v, "/text/content"), 2048),
        "markdown" => (text(&v, "/markdown/content"), 4096),
        _ => return wecom_error(40008, "invalid message type"),
    };
    if content.trim().is_empty() {
        return wecom_error(44004, "empty content");
    }
    if content.len() > max {
        return wecom_error(
            40058,
            &format!("{msg_type}.content exceed max length {max}"),
        );
    }
    state.record(ReceivedMessage {
        platform: p,
        token: robot.token,
        msg_type,
        title: None,
        text: content,
        at_ms: now,
    });
    wecom_error(0, "ok")
}

pub fn router(state: RobotsState) -> axum::Router {
    axum::Router::new()
        .route("/robot/send", post(dingtalk))
        .route("/open-apis/bot/v2/hook/{token}", post(feishu))
        .route("/cgi-bin/webhook/send", post(wecom))
        .with_state(state)
}

/// A running robot simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RobotsServer {
    pub base_url: String,
    pub addr: SocketAddr,
    pub state: RobotsState,
    stop: Option<oneshot::Sender<()>>,
}

impl RobotsServer {
    /// The webhook URL of a robot, as its settings page would show it.
    pub fn webhook_url(&self, platform: RobotPlatform, token: &str) -> String {
        let base = &self.base_url;
        match platform {
            RobotPlatform::DingTalk => format!("{base}/robot/send?access_token={token}"),
            RobotPlatform::Feishu => format!("{base}/open-apis/bot/v2/hook/{token}"),
            RobotPlatform::WeCom => format!("{base}/cgi-bin/webhook/send?key={token}"),
        }
    }
}

impl Drop for RobotsServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Serves the simulator on `addr` (port 0 = any free port).
pub async fn serve(state: RobotsState, addr: SocketAddr) -> std::io::Result<RobotsServer> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RobotsServer {
        base_url: format!("http://{addr}"),
        addr,
        state,
        stop: Some(stop),
    })
}

/// Serves the simulator on a free local port.
pub async fn start(state: RobotsState) -> std::io::Result<RobotsServer> {
    serve(state, ([127, 0, 0, 1], 0).into()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_reproduce_the_spec_vectors() {
        // shared/specs/integrations.md §0, computed here independently of jxc-channels.
        assert_eq!(
            dingtalk_sign("SECtest", "1700000000000"),
            "aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g="
        );
        assert_eq!(
            feishu_sign("feishusecret", "1700000000"),
            "5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU="
        );
    }

    async fn post(url: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_signed_dingtalk_message_is_recorded_and_a_stale_one_refused() {
        let server = start(RobotsState::demo()).await.unwrap();
        let s = &server.state;
        s.set_clock(Some(1_700_000_000_000));
        let url = server.webhook_url(RobotPlatform::DingTalk, "sim-dingtalk-token");
        let signed = |ts: i64| {
            let sign = dingtalk_sign("SECsim-dingtalk-secret", &ts.to_string());
            let q = serde_urlencoded::to_string([("timestamp", ts.to_string()), ("sign", sign)]);
            format!("{url}&{}", q.unwrap())
        };
        let msg = json!({"msgtype": "text", "text": {"content": "hello"}});
        let ok = post(&signed(1_700_000_000_000 - 3_599_000), msg.clone()).await;
        assert_eq!(ok["errcode"], 0);
        let stale = post(&signed(1_700_000_000_000 - 3_601_000), msg.clone()).await;
        assert_eq!(stale["errcode"], 310000);
        let unsigned = post(&url, msg).await;
        assert_eq!(unsigned["errcode"], 310000);
        let got = s.received_by("sim-dingtalk-token");
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].text.as_str(), got[0].at_ms),
            ("hello", 1_700_000_000_000)
        );
        assert_eq!(s.stats().bad_signatures, 2);
    }

    #[tokio::test]
    async fn wecom_takes_20_a_minute() {
        let server = start(RobotsState::demo()).await.unwrap();
        let s = &server.state;
        s.set_clock(Some(1_700_000_000_000));
        let url = server.webhook_url(RobotPlatform::WeCom, "sim-wecom-key");
        let msg = json!({"msgtype": "markdown", "markdown": {"content": "**x**"}});
        for _ in 0..20 {
            assert_eq!(post(&url, msg.clone()).await["errcode"], 0);
        }
        assert_eq!(post(&url, msg.clone()).await["errcode"], 45009);
        s.set_clock(Some(1_700_000_060_000));
        assert_eq!(post(&url, msg.clone()).await["errcode"], 0);
        assert_eq!(s.received().len(), 21);
        assert_eq!(s.stats().rate_limited, 1);
        let unknown = server.webhook_url(RobotPlatform::WeCom, "nope");
        assert_eq!(post(&unknown, msg).await["errcode"], 93000);
    }
}
