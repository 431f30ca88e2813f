//! The Kuaidi100 adapter against its simulator.

use std::sync::{Arc, Mutex};

use jxc_channels::http::Http;
use jxc_channels::kuaidi100::{
    CALLBACK_OK, CallbackPush, Kuaidi100, PushStatus, TrackingState, is_no_result, read_callback,
};
use jxc_channels::sign::md5_upper;
use jxc_channels::{ChannelError, Options, ShopCredentials};
use jxc_sim::kuaidi100::{Kuaidi100Server, Kuaidi100State};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 2023-11-15 06:13:20 China time.
const T0: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

async fn sim() -> Kuaidi100Server {
    jxc_sim::kuaidi100::start(Kuaidi100State::new("TESTCUSTOMER", "testkey"))
        .await
        .unwrap()
}

fn adapter_with(server: &Kuaidi100Server, customer: &str, key: &str) -> Kuaidi100 {
    let creds = serde_json::json!({"customer": customer, "key": key, "base_url": server.base_url});
    Kuaidi100::new(
        &ShopCredentials::new(&creds),
        Http::new(&Options::default()).unwrap(),
    )
    .unwrap()
}

fn adapter(server: &Kuaidi100Server) -> Kuaidi100 {
    let c = server.credentials();
    Kuaidi100::new(
        &ShopCredentials::new(&c),
        Http::new(&Options::default()).unwrap(),
    )
    .unwrap()
}

/// A parcel picked up at T0, in transit an hour later, out for delivery at two hours.
fn moving_parcel(s: &Kuaidi100State, no: &str) {
    s.add_parcel("yuantong", no);
    s.push_event(no, T0 + HOUR, "【杭州转运中心】已发出");
    s.push_event(no, T0, "【上海青浦】已揽收");
    s.push_event(no, T0 + 2 * HOUR, "【杭州西湖】派件中，快递员 张三");
    s.set_state(no, "5");
}

#[tokio::test]
async fn query_reads_the_trace_oldest_first_with_the_state() {
    let server = sim().await;
    moving_parcel(&server.state, "YT100");
    let t = adapter(&server)
        .query("yuantong", "YT100", None)
        .await
        .unwrap();
    assert_eq!(t.carrier, "yuantong");
    assert_eq!(t.tracking_no, "YT100");
    assert_eq!(t.state, TrackingState::OutForDelivery);
    assert_eq!(t.state.label_zh(), "派件");
    assert!(!t.signed);
    assert!(!t.state.is_final() && !t.state.needs_attention());
    let times: Vec<i64> = t.events.iter().map(|e| e.at_ms).collect();
    assert_eq!(times, [T0, T0 + HOUR, T0 + 2 * HOUR]);
    assert_eq!(t.events[0].context, "【上海青浦】已揽收");
    assert_eq!(
        server.state.last_query_param().unwrap(),
        r#"{"com":"yuantong","num":"YT100","phone":"","from":"","to":"","resultv2":"0","show":"0","order":"desc"}"#
    );
    let stats = server.state.stats();
    assert_eq!((stats.queries, stats.bad_signatures), (1, 0));
}

#[tokio::test]
async fn a_delivered_parcel_is_signed_and_final() {
    let server = sim().await;
    moving_parcel(&server.state, "YT200");
    server
        .state
        .push_event("YT200", T0 + 3 * HOUR, "已签收，签收人：本人");
    server.state.set_state("YT200", "3");
    let t = adapter(&server)
        .query("yuantong", "YT200", None)
        .await
        .unwrap();
    assert_eq!(t.state, TrackingState::Delivered);
    assert!(t.signed && t.state.is_final());
    assert_eq!(t.events.last().unwrap().context, "已签收，签收人：本人");
}

#[tokio::test]
async fn a_problem_parcel_needs_attention() {
    let server = sim().await;
    moving_parcel(&server.state, "YT300");
    server.state.set_state("YT300", "14");
    let t = adapter(&server)
        .query("yuantong", "YT300", None)
        .await
        .unwrap();
    assert_eq!(t.state, TrackingState::Refused);
    assert!(t.state.needs_attention() && !t.state.is_final());
}

#[tokio::test]
async fn a_wrong_key_or_customer_is_refused_and_counted() {
    let server = sim().await;
    moving_parcel(&server.state, "YT100");
    for a in [
        adapter_with(&server, "TESTCUSTOMER", "wrongkey"),
        adapter_with(&server, "SOMEONEELSE", "testkey"),
    ] {
        match a.query("yuantong", "YT100", None).await {
            Err(ChannelError::Unauthorized(m)) => assert!(m.contains("503"), "{m}"),
            other => panic!("expected Unauthorized, got {other:?}"),
        }
    }
    assert_eq!(server.state.stats().bad_signatures, 2);
    assert!(server.state.last_query_param().is_none());
}

#[tokio::test]
async fn an_unknown_parcel_is_a_clear_no_result() {
    let server = sim().await;
    server.state.add_parcel("yuantong", "YT-NOT-SCANNED");
    let a = adapter(&server);
    for no in ["YT999", "YT-NOT-SCANNED"] {
        let e = a.query("yuantong", no, None).await.unwrap_err();
        assert!(is_no_result(&e), "{e:?}");
        assert!(e.to_string().contains("查询无结果"), "{e}");
        assert!(!e.retryable());
    }
    let e = a.query("nosuchcarrier", "YT999", None).await.unwrap_err();
    assert!(
        matches!(&e, ChannelError::Platform { code, .. } if code == "400"),
        "{e:?}"
    );
    assert!(!is_no_result(&e));
}

#[tokio::test]
async fn a_parcel_that_needs_the_phone() {
    let server = sim().await;
    server.state.add_parcel("shunfeng", "SF1");
    server.state.push_event("SF1", T0, "顺丰速运 已收取快件");
    server.state.set_phone("SF1", "13812345678");
    let a = adapter(&server);
    let e = a.query("shunfeng", "SF1", None).await.unwrap_err();
    assert!(
        matches!(&e, ChannelError::Platform { code, .. } if code == "408"),
        "{e:?}"
    );
    let t = a.query("shunfeng", "SF1", Some("5678")).await.unwrap();
    assert_eq!(t.events.len(), 1);
    assert!(
        server
            .state
            .last_query_param()
            .unwrap()
            .contains(r#""phone":"5678""#)
    );
}

#[tokio::test]
async fn a_malformed_answer_keeps_the_body() {
    let server = sim().await;
    moving_parcel(&server.state, "YT100");
    server.state.garbage_next_reply();
    let a = adapter(&server);
    match a.query("yuantong", "YT100", None).await {
        Err(ChannelError::Malformed { raw, .. }) => assert!(raw.contains("502 Bad Gateway")),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(a.query("yuantong", "YT100", None).await.is_ok());
}

/// `application/x-www-form-urlencoded`, every byte but ASCII letters and digits escaped.
fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b.is_ascii_alphanumeric() {
                true => (b as char).to_string(),
                false => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let pairs: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    pairs.join("&").into_bytes()
}

#[test]
fn a_callback_with_a_wrong_or_missing_sign_is_refused_before_reading_it() {
    let salt = "s4lt";
    // Not JSON at all: a BadSignature (not Malformed) shows param was never parsed.
    let param = "{not json";
    let wrong = form(&[
        ("param", param),
        ("sign", "0123456789ABCDEF0123456789ABCDEF"),
    ]);
    assert_eq!(read_callback(&wrong, salt), Err(ChannelError::BadSignature));
    let signed_with_other_salt = form(&[("param", param), ("sign", &md5_upper("{not jsonx"))]);
    assert_eq!(
        read_callback(&signed_with_other_salt, salt),
        Err(ChannelError::BadSignature)
    );
    let missing = form(&[("param", param)]);
    assert_eq!(
        read_callback(&missing, salt),
        Err(ChannelError::BadSignature)
    );
    assert_eq!(read_callback(b"", salt), Err(ChannelError::BadSignature));
    // With the right sign the same param is read, and is malformed.
    let right = form(&[
        ("param", param),
        ("sign", &md5_upper(&format!("{param}{salt}"))),
    ]);
    assert!(matches!(
        read_callback(&right, salt),
        Err(ChannelError::Malformed { .. })
    ));
    // No salt configured: refuse rather than accept unsigned pushes.
    assert_eq!(
        read_callback(&right, ""),
        Err(ChannelError::MissingCredential("salt"))
    );
}

#[test]
fn a_signed_callback_is_read() {
    // Codes as numbers, a time without seconds, newest first: read leniently.
    let param = r#"{"status":"shutdown","message":"","lastResult":{"state":3,"ischeck":1,"com":"yuantong","nu":"YT1","data":[{"time":"2023-11-15 08:13","context":"已签收"},{"time":"2023-11-15 06:13:20","context":"已揽收"}]}}"#;
    let body = form(&[
        ("sign", &md5_upper(&format!("{param}salt"))),
        ("param", param),
    ]);
    let p = read_callback(&body, "salt").unwrap();
    assert_eq!(p.status, PushStatus::Shutdown);
    assert!(p.status.ends_monitoring());
    assert_eq!(p.tracking.state, TrackingState::Delivered);
    assert_eq!(
        (p.tracking.carrier.as_str(), p.tracking.tracking_no.as_str()),
        ("yuantong", "YT1")
    );
    assert_eq!(p.tracking.events[0].at_ms, T0);
    assert!(p.tracking.signed);
    assert_eq!(p.tracking.events[0].context, "已揽收");
    assert_eq!(p.tracking.events[1].at_ms, T0 + 2 * HOUR - 20_000);
}

/// A merchant's callback endpoint: a bare HTTP/1.1 server (this crate has no server
/// dependency) that reads each POST with [`read_callback`] and answers [`CALLBACK_OK`],
/// or a failure when the push does not check.
struct Receiver {
    url: String,
    salt: Arc<Mutex<String>>,
    got: Arc<Mutex<Vec<CallbackPush>>>,
}

async fn receiver(salt: &str) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/kuaidi100/callback",
        listener.local_addr().unwrap()
    );
    let salt = Arc::new(Mutex::new(salt.to_string()));
    let got = Arc::new(Mutex::new(Vec::new()));
    let (s, g) = (salt.clone(), got.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (s, g) = (s.clone(), g.clone());
            tokio::spawn(async move {
                let Some(body) = read_request_body(&mut sock).await else {
                    return;
                };
                let salt = s.lock().unwrap().clone();
                let answer = match read_callback(&body, &salt) {
                    Ok(push) => {
                        g.lock().unwrap().push(push);
                        CALLBACK_OK.to_string()
                    }
                    Err(e) => serde_json::json!({"result": false, "returnCode": "500",
                        "message": e.to_string()})
                    .to_string(),
                };
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Receiver { url, salt, got }
}

/// The body of one HTTP/1.1 request with a `content-length`.
async fn read_request_body(sock: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))?
        .trim()
        .parse()
        .ok()?;
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf[head_end..head_end + len].to_vec())
}

#[tokio::test]
async fn subscribe_then_callbacks_round_trip_with_retry() {
    let server = sim().await;
    let sim = &server.state;
    moving_parcel(sim, "YT100");
    let rx = receiver("salt-1").await;
    let a = adapter(&server);
    a.subscribe("yuantong", "YT100", &rx.url, "salt-1")
        .await
        .unwrap();
    // Subscribing twice is fine (Kuaidi100 answers 501 重复订阅).
    a.subscribe("yuantong", "YT100", &rx.url, "salt-1")
        .await
        .unwrap();
    let subs = sim.subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        (subs[0].callback_url.as_str(), subs[0].salt.as_str()),
        (rx.url.as_str(), "salt-1")
    );

    let r = sim.send_callbacks().await;
    assert_eq!((r.delivered, r.failed), (1, 0));
    {
        let got = rx.got.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].status, PushStatus::Polling);
        assert_eq!(got[0].tracking.state, TrackingState::OutForDelivery);
        assert_eq!(got[0].tracking.events.len(), 3);
        assert_eq!(got[0].tracking.events[0].at_ms, T0);
    }
    // Nothing changed: nothing is sent.
    assert_eq!(sim.send_callbacks().await.delivered, 0);

    // The receiver refuses (its salt changed): the callback stays due and is resent.
    *rx.salt.lock().unwrap() = "another-salt".into();
    sim.push_event("YT100", T0 + 3 * HOUR, "已签收");
    sim.set_state("YT100", "3");
    let r = sim.send_callbacks().await;
    assert_eq!((r.delivered, r.failed), (0, 1));
    assert!(sim.subscriptions()[0].pending);
    assert_eq!(rx.got.lock().unwrap().len(), 1);

    *rx.salt.lock().unwrap() = "salt-1".into();
    let r = sim.send_callbacks().await;
    assert_eq!((r.delivered, r.failed), (1, 0));
    {
        let got = rx.got.lock().unwrap();
        let last = got.last().unwrap();
        assert_eq!(last.status, PushStatus::Shutdown);
        assert!(last.tracking.signed && last.tracking.state.is_final());
        assert_eq!(last.tracking.events.len(), 4);
    }
    // Monitoring ended with the shutdown push.
    sim.push_event("YT100", T0 + 4 * HOUR, "late");
    assert_eq!(sim.send_callbacks().await.delivered, 0);
    let stats = sim.stats();
    assert_eq!((stats.callbacks_delivered, stats.callbacks_failed), (2, 1));
}

#[tokio::test]
async fn subscribe_refusals() {
    let server = sim().await;
    let e = adapter_with(&server, "TESTCUSTOMER", "wrongkey")
        .subscribe("yuantong", "YT1", "http://127.0.0.1:9/cb", "salt")
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized(_)), "{e:?}");
    assert_eq!(server.state.stats().bad_signatures, 1);
    let a = adapter(&server);
    let e = a
        .subscribe("yuantong", "YT1", "http://127.0.0.1:9/cb", " ")
        .await
        .unwrap_err();
    assert_eq!(e, ChannelError::MissingCredential("salt"));
    let e = a
        .subscribe("nosuchcarrier", "YT1", "http://127.0.0.1:9/cb", "salt")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChannelError::Platform { code, .. } if code == "701"),
        "{e:?}"
    );
    assert!(server.state.subscriptions().is_empty());
}

#[test]
fn credentials_are_required() {
    let http = Http::new(&Options::default()).unwrap();
    let c = serde_json::json!({"customer": "C"});
    assert_eq!(
        Kuaidi100::new(&ShopCredentials::new(&c), http).err(),
        Some(ChannelError::MissingCredential("key"))
    );
}
