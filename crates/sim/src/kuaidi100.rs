//! Kuaidi100 (快递100) parcel-tracking simulator (`shared/specs/integrations.md` §6).
//!
//! Not a shop, so it has no [`crate::World`]: its state is a set of parcels (carrier,
//! state code, trace) that tests and the demo move along ([`Kuaidi100State::add_parcel`],
//! [`Kuaidi100State::set_state`], [`Kuaidi100State::push_event`]), and the subscriptions
//! it has taken.
//!
//! - `POST /poll/query.do`, form `customer`, `sign`, `param`: the sign must be
//!   `UPPER(MD5(param + key + customer))` for this simulator's customer and key. The reply
//!   is `{"message":"ok","nu","ischeck","condition","com","status":"200","state","data":[
//!   {"time","ftime","context"}]}`, trace newest first unless `param.order` is `asc`.
//! - `POST /poll`, form `schema=json`, `param={"company","number","key","parameters":{
//!   "callbackurl","salt","resultv2"}}`: records a subscription; its first callback is
//!   due at once, and again after each change of the parcel.
//! - [`Kuaidi100State::send_callbacks`] posts form `param` + `sign` (`UPPER(MD5(param +
//!   salt))`; no `sign` when the subscription has no salt) to each due subscription.
//!   `param` is `{"status","message","lastResult":{…}}` with status `polling`, or
//!   `shutdown` once the parcel is 签收 or 退签 (no more callbacks after that). Only the
//!   answer `{"result":true,"returnCode":"200",…}` counts as delivered; anything else
//!   keeps the callback due, to be sent again.
//! - Failures are `{"result":false,"returnCode","message"}` with HTTP 200. Codes (the
//!   spec gives none; these follow Kuaidi100's public pages, *unconfirmed*): query 400
//!   incomplete request or unknown carrier, 503 bad sign (unknown customer or wrong key),
//!   500 no such parcel or no trace yet, 408 wrong phone (for a parcel given one);
//!   subscribe 600 wrong key, 700 bad data, 701 carrier not supported, 501 already
//!   subscribed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use md5::{Digest, Md5};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::china_time;

/// The carrier codes the simulator knows (the spec's list).
pub const CARRIERS: [&str; 11] = [
    "shunfeng",
    "zhongtong",
    "yuantong",
    "shentong",
    "yunda",
    "ems",
    "jd",
    "jtexpress",
    "debangkuaidi",
    "huitongkuaidi",
    "youzhengguonei",
];

/// One line of a parcel's trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    pub at_ms: i64,
    pub context: String,
}

/// A parcel the simulator can answer for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimParcel {
    pub carrier: String,
    /// The state code as Kuaidi100 sends it (`"0"` 在途 … `"14"` 拒签).
    pub state: String,
    /// When set, queries must give this phone (or its last four digits), as SF asks.
    pub phone: Option<String>,
    /// Oldest first.
    pub events: Vec<SimEvent>,
}

/// A subscription taken through `/poll`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub carrier: String,
    pub tracking_no: String,
    pub callback_url: String,
    pub salt: String,
    /// A callback is due (new, changed, or not yet acknowledged).
    pub pending: bool,
    /// A `shutdown` was delivered: no more callbacks.
    pub ended: bool,
    /// Failed deliveries so far.
    pub failures: u32,
    /// Bumped on every change of the parcel, so a delivery racing a change keeps it due.
    changes: u64,
}

/// What the simulator saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kuaidi100Stats {
    pub queries: u64,
    /// Queries with a wrong sign or customer, subscriptions with a wrong key.
    pub bad_signatures: u64,
    pub subscriptions: u64,
    pub callbacks_delivered: u64,
    pub callbacks_failed: u64,
}

/// What one [`Kuaidi100State::send_callbacks`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallbackReport {
    pub delivered: usize,
    pub failed: usize,
}

#[derive(Debug, Default)]
struct Data {
    parcels: BTreeMap<String, SimParcel>,
    subscriptions: Vec<Subscription>,
    stats: Kuaidi100Stats,
    last_query_param: Option<String>,
    garbage_next: bool,
}

/// The simulator's account (customer, key) and parcels. Clones share the parcels.
#[derive(Debug, Clone)]
pub struct Kuaidi100State {
    pub customer: String,
    pub key: String,
    data: Arc<Mutex<Data>>,
}

impl Default for Kuaidi100State {
    fn default() -> Self {
        Kuaidi100State::new("SIMKUAIDI100CUSTOMER", "sim-kuaidi100-key")
    }
}

impl Kuaidi100State {
    pub fn new(customer: &str, key: &str) -> Self {
        Kuaidi100State {
            customer: customer.into(),
            key: key.into(),
            data: Arc::default(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        f(&mut self.data.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The credentials a merchant enters to use this simulator at `base_url`.
    pub fn credentials(&self, base_url: &str) -> Value {
        json!({"customer": self.customer, "key": self.key, "base_url": base_url})
    }

    /// A parcel with no trace yet (state 0 在途); replaces one with the same number.
    pub fn add_parcel(&self, carrier: &str, tracking_no: &str) {
        let parcel = SimParcel {
            carrier: carrier.into(),
            state: "0".into(),
            phone: None,
            events: Vec::new(),
        };
        self.change(tracking_no, |d| {
            d.parcels.insert(tracking_no.into(), parcel);
        });
    }

    /// Makes queries for the parcel give `phone` (or its last four digits).
    pub fn set_phone(&self, tracking_no: &str, phone: &str) {
        self.with(|d| {
            if let Some(p) = d.parcels.get_mut(tracking_no) {
                p.phone = Some(phone.into());
            }
        });
    }

    pub fn set_state(&self, tracking_no: &str, code: &str) {
        self.change(tracking_no, |d| {
            if let Some(p) = d.parcels.get_mut(tracking_no) {
                p.state = code.into();
            }
        });
    }

    /// Adds a line to the parcel's trace (kept in time order).
    pub fn push_event(&self, tracking_no: &str, at_ms: i64, context: &str) {
        self.change(tracking_no, |d| {
            if let Some(p) = d.parcels.get_mut(tracking_no) {
                p.events.push(SimEvent {
                    at_ms,
                    context: context.into(),
                });
                p.events.sort_by_key(|e| e.at_ms);
            }
        });
    }

    /// Applies `f`, then makes the parcel's live subscriptions due.
    fn change(&self, tracking_no: &str, f: impl FnOnce(&mut Data)) {
        self.with(|d| {
            f(d);
            for s in d.subscriptions.iter_mut() {
                if s.tracking_no == tracking_no && !s.ended {
                    s.pending = true;
                    s.changes += 1;
                }
            }
        });
    }

    pub fn parcel(&self, tracking_no: &str) -> Option<SimParcel> {
        self.with(|d| d.parcels.get(tracking_no).cloned())
    }

    pub fn stats(&self) -> Kuaidi100Stats {
        self.with(|d| d.stats.clone())
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.with(|d| d.subscriptions.clone())
    }

    /// The `param` text of the last query whose sign checked.
    pub fn last_query_param(&self) -> Option<String> {
        self.with(|d| d.last_query_param.clone())
    }

    /// The next query is answered with an HTML error page instead of JSON.
    pub fn garbage_next_reply(&self) {
        self.with(|d| d.garbage_next = true);
    }

    /// Posts a signed callback to every due subscription whose parcel has a trace.
    /// Acknowledged ones are no longer due; the others stay due and count as failed.
    pub async fn send_callbacks(&self) -> CallbackReport {
        let due: Vec<(usize, u64, Subscription, SimParcel)> = self.with(|d| {
            d.subscriptions
                .iter()
                .enumerate()
                .filter(|(_, s)| s.pending && !s.ended)
                .filter_map(|(i, s)| {
                    let p = d.parcels.get(&s.tracking_no)?;
                    (p.carrier == s.carrier && !p.events.is_empty())
                        .then(|| (i, s.changes, s.clone(), p.clone()))
                })
                .collect()
        });
        let client = reqwest::Client::new();
        let mut report = CallbackReport::default();
        for (i, changes, sub, parcel) in due {
            let shutdown = matches!(parcel.state.as_str(), "3" | "4");
            let param = json!({
                "status": if shutdown { "shutdown" } else { "polling" },
                "message": "",
                "lastResult": last_result(&sub.tracking_no, &parcel, false),
            })
            .to_string();
            let mut form = vec![("param", param.clone())];
            if !sub.salt.is_empty() {
                form.push(("sign", md5_upper(format!("{param}{}", sub.salt).as_bytes())));
            }
            let ok = deliver(&client, &sub.callback_url, &form).await;
            self.with(|d| {
                let s = &mut d.subscriptions[i];
                if ok {
                    d.stats.callbacks_delivered += 1;
                    if s.changes == changes {
                        s.pending = false;
                    }
                    s.ended |= shutdown;
                } else {
                    d.stats.callbacks_failed += 1;
                    s.failures += 1;
                }
            });
            match ok {
                true => report.delivered += 1,
                false => report.failed += 1,
            }
        }
        report
    }
}

/// Posts `form` to `url`: whether the receiver acknowledged it.
async fn deliver(client: &reqwest::Client, url: &str, form: &[(&str, String)]) -> bool {
    let Ok(body) = serde_urlencoded::to_string(form) else {
        return false;
    };
    let resp = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    let Ok(resp) = resp else { return false };
    let Ok(text) = resp.text().await else {
        return false;
    };
    let v: Value = serde_json::from_str(&text).unwrap_or_default();
    v["result"] == json!(true) && v["returnCode"] == json!("200")
}

/// Sends due callbacks every `every`, for the demo.
pub fn spawn_callbacks(state: Kuaidi100State, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let r = state.send_callbacks().await;
            if r.failed > 0 {
                tracing::warn!(
                    "快递100 模拟回调失败 {} 次 / sim callbacks failed",
                    r.failed
                );
            }
            tokio::time::sleep(every).await;
        }
    })
}

fn md5_upper(bytes: &[u8]) -> String {
    hex::encode_upper(Md5::digest(bytes))
}

/// The parcel's trace in Kuaidi100's shape, newest first unless `ascending`.
fn last_result(tracking_no: &str, p: &SimParcel, ascending: bool) -> Value {
    let mut events: Vec<&SimEvent> = p.events.iter().collect();
    if !ascending {
        events.reverse();
    }
    let data: Vec<Value> = events
        .iter()
        .map(|e| {
            let t = china_time(e.at_ms);
            json!({"time": t, "ftime": t, "context": e.context})
        })
        .collect();
    json!({
        "message": "ok", "nu": tracking_no, "ischeck": if p.state == "3" { "1" } else { "0" },
        "condition": "F00", "com": p.carrier, "status": "200", "state": p.state, "data": data,
    })
}

fn fail(code: &str, message: &str) -> Response {
    let body = json!({"result": false, "returnCode": code, "message": message});
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        out.entry(k).or_insert(v);
    }
    out
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

async fn query(State(state): State<Kuaidi100State>, body: Bytes) -> Response {
    let garbage = state.with(|d| {
        d.stats.queries += 1;
        std::mem::take(&mut d.garbage_next)
    });
    if garbage {
        return (StatusCode::OK, "<html><body>502 Bad Gateway</body></html>").into_response();
    }
    let f = form(&body);
    let (Some(customer), Some(sign), Some(param)) =
        (f.get("customer"), f.get("sign"), f.get("param"))
    else {
        return fail("400", "提交的数据不完整，或者贵公司没授权");
    };
    let expected = md5_upper(format!("{param}{}{customer}", state.key).as_bytes());
    if *customer != state.customer || !sign.trim().eq_ignore_ascii_case(&expected) {
        state.with(|d| d.stats.bad_signatures += 1);
        return fail("503", "验证签名失败");
    }
    let Ok(p @ Value::Object(_)) = serde_json::from_str::<Value>(param) else {
        return fail("400", "提交的数据不完整：param 不是 JSON 对象");
    };
    state.with(|d| d.last_query_param = Some(param.clone()));
    let (com, num) = (text(&p, "com"), text(&p, "num"));
    if com.is_empty() || num.is_empty() {
        return fail("400", "提交的数据不完整：com、num 必填");
    }
    if !CARRIERS.contains(&com.as_str()) {
        return fail("400", "找不到对应公司");
    }
    let Some(parcel) = state
        .parcel(&num)
        .filter(|x| x.carrier == com && !x.events.is_empty())
    else {
        return fail("500", "查询无结果，请隔段时间再查");
    };
    if let Some(phone) = &parcel.phone {
        let given = text(&p, "phone");
        let last4 = phone.get(phone.len().saturating_sub(4)..).unwrap_or(phone);
        if given != *phone && given != last4 {
            return fail("408", "电话号码校验不通过");
        }
    }
    let ascending = text(&p, "order") == "asc";
    (
        StatusCode::OK,
        axum::Json(last_result(&num, &parcel, ascending)),
    )
        .into_response()
}

async fn subscribe(State(state): State<Kuaidi100State>, body: Bytes) -> Response {
    let f = form(&body);
    if f.get("schema").map(String::as_str) != Some("json") {
        return fail("700", "订阅数据存在错误：schema 须为 json");
    }
    let Some(Ok(p @ Value::Object(_))) = f.get("param").map(|s| serde_json::from_str(s)) else {
        return fail("700", "订阅数据存在错误：param 不是 JSON 对象");
    };
    if text(&p, "key") != state.key {
        state.with(|d| d.stats.bad_signatures += 1);
        return fail("600", "您不是合法的订阅者（即授权Key出错）");
    }
    let params = p.get("parameters").cloned().unwrap_or_default();
    let sub = Subscription {
        carrier: text(&p, "company"),
        tracking_no: text(&p, "number"),
        callback_url: text(&params, "callbackurl"),
        salt: text(&params, "salt"),
        pending: true,
        ended: false,
        failures: 0,
        changes: 0,
    };
    if sub.carrier.is_empty() || sub.tracking_no.is_empty() || sub.callback_url.is_empty() {
        return fail("700", "订阅数据存在错误：company、number、callbackurl 必填");
    }
    if !CARRIERS.contains(&sub.carrier.as_str()) {
        return fail("701", "拒绝订阅的快递公司");
    }
    let duplicate = state.with(|d| {
        let dup = d
            .subscriptions
            .iter()
            .any(|s| !s.ended && s.carrier == sub.carrier && s.tracking_no == sub.tracking_no);
        if !dup {
            d.stats.subscriptions += 1;
            d.subscriptions.push(sub);
        }
        dup
    });
    if duplicate {
        return fail("501", "重复订阅");
    }
    let ok = json!({"result": true, "returnCode": "200", "message": "提交成功"});
    (StatusCode::OK, axum::Json(ok)).into_response()
}

pub fn router(state: Kuaidi100State) -> axum::Router {
    axum::Router::new()
        .route("/poll/query.do", post(query))
        .route("/poll", post(subscribe))
        .with_state(state)
}

/// A running Kuaidi100 simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Kuaidi100Server {
    pub base_url: String,
    pub addr: SocketAddr,
    pub state: Kuaidi100State,
    stop: Option<oneshot::Sender<()>>,
}

impl Kuaidi100Server {
    /// The credentials a merchant enters to use this simulator.
    pub fn credentials(&self) -> Value {
        self.state.credentials(&self.base_url)
    }
}

impl Drop for Kuaidi100Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Serves the simulator on `addr` (port 0 = any free port).
pub async fn serve(state: Kuaidi100State, addr: SocketAddr) -> std::io::Result<Kuaidi100Server> {
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
    Ok(Kuaidi100Server {
        base_url: format!("http://{addr}"),
        addr,
        state,
        stop: Some(stop),
    })
}

/// Serves the simulator on a free local port.
pub async fn start(state: Kuaidi100State) -> std::io::Result<Kuaidi100Server> {
    serve(state, ([127, 0, 0, 1], 0).into()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_the_spec_vector() {
        // shared/specs/integrations.md §0, computed here independently of jxc-channels.
        let param = r#"{"com":"yuantong","num":"YT0000000000000"}"#;
        assert_eq!(
            md5_upper(format!("{param}testkeyTESTCUSTOMER").as_bytes()),
            "98EDFC6C0349B3BC68A8A896AC95942E"
        );
    }

    #[test]
    fn trace_is_newest_first_and_ischeck_follows_signing() {
        let s = Kuaidi100State::default();
        s.add_parcel("yuantong", "YT1");
        s.push_event("YT1", 2_000, "b");
        s.push_event("YT1", 1_000, "a");
        s.set_state("YT1", "3");
        let v = last_result("YT1", &s.parcel("YT1").unwrap(), false);
        assert_eq!(v["data"][0]["context"], "b");
        assert_eq!(v["ischeck"], "1");
        assert_eq!(v["state"], "3");
    }
}
