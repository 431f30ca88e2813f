//! The Cainiao waybill adapter against its simulator, and the local number range.

use std::sync::Arc;

use jxc_channels::cainiao::{Cainiao, print_command};
use jxc_channels::http::Http;
use jxc_channels::waybill::{
    Item, LocalRange, OrderChannel, Parcel, Party, Waybill, WaybillRequest, Waybills,
};
use jxc_channels::{ChannelError, Options, ShopCredentials};
use jxc_sim::cainiao::{self as sim, CainiaoState};
use jxc_sim::{SimCredentials, SimServer, SimState, World, sample_products};

async fn simulator() -> (SimServer, CainiaoState) {
    let world = Arc::new(World::new(7, 1_700_000_000_000, sample_products()));
    let counters = CainiaoState::default();
    let state = SimState {
        world,
        credentials: SimCredentials::default(),
    };
    let server = sim::start_with(state, counters.clone())
        .await
        .expect("the simulator starts");
    (server, counters)
}

fn adapter_with(s: &SimServer, secret: &str) -> Cainiao {
    let c = serde_json::json!({
        "app_key": s.state.credentials.app_key,
        "app_secret": secret,
        "session": s.state.credentials.access_token,
        "base_url": s.base_url,
    });
    let http = Http::new(&Options::default()).expect("an HTTP client");
    Cainiao::new(&ShopCredentials::new(&c), http).expect("credentials")
}

fn adapter(s: &SimServer) -> Cainiao {
    adapter_with(s, &s.state.credentials.app_secret)
}

fn party(name: &str, detail: &str) -> Party {
    Party {
        name: name.into(),
        mobile: "13312345678".into(),
        province: "浙江省".into(),
        city: "杭州市".into(),
        district: "余杭区".into(),
        detail: detail.into(),
        ..Party::default()
    }
}

fn request(cp_code: &str, n: usize) -> WaybillRequest {
    WaybillRequest {
        carrier_code: cp_code.into(),
        sender: party("示例仓", "文一西路969号"),
        parcels: (1..=n)
            .map(|i| Parcel {
                object_id: format!("{}", 9000 + i),
                order_refs: vec![format!("40000000000000{i:05}")],
                channel: OrderChannel::Taobao,
                receiver: party(&format!("收件人{i}"), &format!("解放路{i}号")),
                items: vec![Item {
                    name: "纯棉T恤".into(),
                    count: i as i64,
                }],
                weight_g: Some(300 * i as i64),
            })
            .collect(),
        template_url: "http://cloudprint.cainiao.com/template/standard/101".into(),
    }
}

#[tokio::test]
async fn three_parcels_get_three_distinct_codes_with_print_data_whole() {
    let (s, counters) = simulator().await;
    let w = adapter(&s)
        .apply(&request("YTO", 3))
        .await
        .expect("waybills");
    assert_eq!(w.len(), 3);
    assert_eq!(
        w.iter().map(|w| w.object_id.as_str()).collect::<Vec<_>>(),
        ["9001", "9002", "9003"]
    );
    let mut codes: Vec<&str> = w.iter().map(|w| w.waybill_code.as_str()).collect();
    assert!(codes.iter().all(|c| c.starts_with("YT") && c.len() == 15));
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 3);
    assert!(w.iter().all(|w| w.carrier_code == "YTO"));
    // print_data is exactly the text the simulator issued, and it is JSON.
    let issued = counters.issued();
    for (w, i) in w.iter().zip(&issued) {
        assert_eq!(w.waybill_code, i.waybill_code);
        assert_eq!(w.object_id, i.object_id);
        assert_eq!(w.print_data, i.print_data);
        let v: serde_json::Value = serde_json::from_str(&w.print_data).expect("JSON");
        assert_eq!(
            v["templateURL"],
            "http://cloudprint.cainiao.com/template/standard/101"
        );
    }
    assert_eq!(counters.stats().waybills_issued, 3);
    assert_eq!(counters.stats().bad_signatures, 0);
    // The next call continues the sequence.
    let more = adapter(&s)
        .apply(&request("YTO", 1))
        .await
        .expect("a waybill");
    assert!(!codes.contains(&more[0].waybill_code.as_str()));
}

#[tokio::test]
async fn a_wrong_secret_is_unauthorized_and_counted() {
    let (s, counters) = simulator().await;
    let e = adapter_with(&s, "not-the-secret")
        .apply(&request("YTO", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChannelError::Unauthorized(ref m) if m.starts_with("25")),
        "{e:?}"
    );
    assert!(!e.retryable());
    assert_eq!(counters.stats().bad_signatures, 1);
    assert_eq!(counters.stats().waybills_issued, 0);
    assert_eq!(s.world().with(|w| w.stats.bad_signatures), 1);
}

#[tokio::test]
async fn an_unknown_cp_code_is_the_platform_error_with_its_message() {
    let (s, counters) = simulator().await;
    match adapter(&s).apply(&request("NOPE", 2)).await.unwrap_err() {
        ChannelError::Platform { code, message } => {
            assert_eq!(code, "15");
            assert!(message.contains("isv.cp-code-not-supported"), "{message}");
            assert!(message.contains("cp_code not supported: NOPE"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(counters.stats().refused, 1);
    assert_eq!(counters.stats().waybills_issued, 0);
}

#[tokio::test]
async fn a_parcel_without_an_address_refuses_the_whole_request() {
    let (s, counters) = simulator().await;
    let mut r = request("SF", 3);
    r.parcels[2].receiver.detail = String::new();
    match adapter(&s).apply(&r).await.unwrap_err() {
        ChannelError::Platform { message, .. } => {
            assert!(
                message.contains("recipient of 9003 lacks address.detail"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(counters.stats().waybills_issued, 0);
}

#[tokio::test]
async fn limits_faults_and_batch_size() {
    let (s, _) = simulator().await;
    let a = adapter(&s);
    s.world().with(|w| w.faults.rate_limited = 1);
    let e = a.apply(&request("YTO", 1)).await.unwrap_err();
    assert!(
        matches!(e, ChannelError::RateLimited { .. }) && e.retryable(),
        "{e:?}"
    );
    s.world().with(|w| w.faults.malformed_body = 1);
    match a.apply(&request("YTO", 1)).await.unwrap_err() {
        ChannelError::Malformed { raw, .. } => assert!(raw.contains("502 Bad Gateway")),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.max_parcels(), 10);
    assert!(matches!(
        a.apply(&request("YTO", 11)).await,
        Err(ChannelError::Platform { ref code, .. }) if code == "too-many-parcels"
    ));
    assert_eq!(a.apply(&request("YTO", 0)).await, Ok(Vec::new()));
    assert_eq!(a.apply(&request("YTO", 10)).await.expect("ten").len(), 10);
}

#[tokio::test]
async fn the_print_command_prints_the_documents_in_order() {
    let (s, _) = simulator().await;
    let w = adapter(&s)
        .apply(&request("YUNDA", 3))
        .await
        .expect("waybills");
    let c = print_command("task-1", "KM-118", &w);
    assert_eq!(c["cmd"], "print");
    assert_eq!(c["requestID"], "task-1");
    assert_eq!(c["version"], "1.0");
    let task = &c["task"];
    assert_eq!(task["taskID"], "task-1");
    assert_eq!(task["printer"], "KM-118");
    assert_eq!(task["preview"], false);
    let docs = task["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 3);
    for (d, w) in docs.iter().zip(&w) {
        assert_eq!(d["documentID"], w.waybill_code.as_str());
        let print_data: serde_json::Value = serde_json::from_str(&w.print_data).unwrap();
        assert_eq!(d["contents"], serde_json::json!([print_data]));
    }
}

#[tokio::test]
async fn the_local_range_gives_distinct_valid_numbers() {
    let r = LocalRange::new("JXC", 1).expect("a range");
    let other = r.clone();
    let mut all: Vec<Waybill> = r.apply(&request("SELF", 5)).await.expect("numbers");
    all.extend(other.apply(&request("SELF", 5)).await.expect("numbers"));
    let mut codes: Vec<&str> = all.iter().map(|w| w.waybill_code.as_str()).collect();
    assert!(codes.iter().all(|c| r.is_valid(c)));
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 10);
    assert_eq!(r.next_value(), 11);
    let label: serde_json::Value = serde_json::from_str(&all[0].print_data).unwrap();
    assert_eq!(label["waybill_code"], all[0].waybill_code.as_str());
    assert_eq!(label["recipient"]["name"], "收件人1");
    // The print command takes local labels too.
    let c = print_command("t", "p", &all[..2]);
    assert_eq!(
        c["task"]["documents"][1]["contents"][0],
        serde_json::from_str::<serde_json::Value>(&all[1].print_data).unwrap()
    );
}
