//! The Taobao TOP adapter against its simulator.

use std::sync::Arc;
use std::time::Duration;

use jxc_channels::http::Http;
use jxc_channels::taobao::Taobao;
use jxc_channels::{
    Channel, ChannelError, Fetched, Options, PlatformState, RemoteOrder, ShopCredentials, Window,
};
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_core::partners::Platform;
use jxc_sim::taobao as sim;
use jxc_sim::{SimCredentials, SimOrder, SimServer, SimState, SimStatus, World, sample_products};

const START: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

async fn simulator() -> SimServer {
    let world = Arc::new(World::new(42, START, sample_products()));
    sim::start(SimState {
        world,
        credentials: SimCredentials::default(),
    })
    .await
    .expect("the simulator starts")
}

fn adapter_with(s: &SimServer, secret: &str, sign_method: &str) -> Taobao {
    let c = serde_json::json!({
        "app_key": s.state.credentials.app_key,
        "app_secret": secret,
        "session": s.state.credentials.access_token,
        "sign_method": sign_method,
        "base_url": s.base_url,
    });
    let http = Http::new(&Options::default()).expect("an HTTP client");
    Taobao::new(ShopId(7), Platform::Taobao, &ShopCredentials::new(&c), http).expect("credentials")
}

fn adapter(s: &SimServer) -> Taobao {
    adapter_with(s, &s.state.credentials.app_secret, "md5")
}

fn window(start_ms: i64, end_ms: i64) -> Window {
    Window { start_ms, end_ms }
}

/// Every page of `w`, with the number of pages.
async fn all_pages(t: &Taobao, w: Window) -> (Vec<Fetched>, u32) {
    let mut out = Vec::new();
    for page in 1..=100 {
        let p = t.changed_orders(w, page).await.expect("a page");
        out.extend(p.orders);
        if !p.has_next {
            return (out, page);
        }
    }
    panic!("more than 100 pages");
}

fn read_all(f: Vec<Fetched>) -> Vec<RemoteOrder> {
    f.into_iter()
        .map(|f| match f {
            Fetched::Order(o) => *o,
            Fetched::Malformed { reason, raw, .. } => panic!("malformed: {reason}: {raw}"),
        })
        .collect()
}

fn secs(ms: i64) -> i64 {
    ms / 1000 * 1000
}

/// The adapter's order is the world's order, field by field, in 分.
fn assert_same(o: &RemoteOrder, w: &SimOrder) {
    let n = &o.order;
    assert_eq!(n.shop_id, ShopId(7));
    assert_eq!(n.platform_order_id, sim::tid(w.id).to_string());
    assert_eq!(n.platform_status, sim::trade_status(w));
    assert_eq!(o.modified_ms, secs(w.modified_ms));
    assert_eq!(n.created_at, secs(w.created_ms));
    assert_eq!(n.paid_at, w.paid_ms.map(secs));
    assert_eq!(n.buyer_nick, w.buyer);
    assert_eq!(n.buyer_message, w.buyer_message);
    assert_eq!(n.currency, "CNY");
    let r = &n.receiver;
    assert_eq!(
        (&r.name, &r.mobile, &r.province, &r.city, &r.district),
        (
            &w.receiver.name,
            &w.receiver.mobile,
            &w.receiver.province,
            &w.receiver.city,
            &w.receiver.district
        )
    );
    assert_eq!((&r.detail, &r.zip), (&w.receiver.detail, &w.receiver.zip));
    let gross: i64 = w.lines.iter().map(|l| l.price_fen * l.qty).sum();
    assert_eq!(n.goods_amount, Fen(gross));
    assert_eq!(n.shipping_fee, Fen(w.shipping_fen));
    assert_eq!(n.discount_merchant, Fen(w.discount_fen));
    assert_eq!(n.paid_amount, Fen(w.payment_fen()));
    assert!(n.amounts_add_up(), "lines add up to paid − shipping");
    assert_eq!(n.lines.len(), w.lines.len());
    for ((l, wl), paid) in n.lines.iter().zip(&w.lines).zip(w.line_paid_fen()) {
        assert_eq!(l.platform_line_id, (sim::OID_BASE + wl.line_id).to_string());
        assert_eq!(l.platform_item_id, wl.item_id.to_string());
        assert_eq!(l.platform_sku_id, wl.sku_id.to_string());
        assert_eq!(l.outer_code, wl.sku_code);
        assert_eq!(l.title, wl.title);
        assert_eq!(l.spec, format!("颜色分类:{}", wl.spec));
        assert_eq!(l.qty, wl.qty);
        assert_eq!(l.unit_price, Fen(wl.price_fen));
        assert_eq!(l.line_discount, Fen(wl.discount_fen));
        assert_eq!(l.paid, Fen(paid));
        assert_eq!(l.order_discount_share, Fen(wl.total_fen() - paid));
        assert_eq!(l.shipping_share, Fen::ZERO);
        assert_eq!(l.refund_status, sim::refund_status(wl.refund));
        assert_eq!(l.sku_id, None);
    }
}

#[tokio::test]
async fn orders_come_back_complete_and_exact() {
    let s = simulator().await;
    // An order in a municipality, with an order discount that does not split evenly, a
    // refunded line, an unpaid one and a cancelled one.
    let ids = s.world().with(|w| {
        let a = w.new_order();
        let b = w.new_order();
        let c = w.new_order();
        let d = w.new_order();
        for o in w.orders.iter_mut() {
            if o.id == a {
                o.receiver.province = "北京市".into();
                o.receiver.city = "北京市".into();
                o.discount_fen = 1_001;
                o.status = SimStatus::Paid;
                o.paid_ms = Some(o.created_ms);
                o.buyer_message = "请尽快发货".into();
            } else if o.id == c {
                o.status = SimStatus::Unpaid;
                o.paid_ms = None;
            } else if o.id == d {
                o.status = SimStatus::Cancelled;
                o.paid_ms = None;
            }
        }
        assert!(w.request_refund(a, 0));
        assert!(w.complete_refund(a, 0));
        [a, b, c, d]
    });
    let t = adapter(&s);
    let (fetched, _) = all_pages(&t, window(START, START + MINUTE)).await;
    let got = read_all(fetched);
    assert_eq!(got.len(), 4);
    for id in ids {
        let w = s.world().order(id).expect("in the world");
        let o = got
            .iter()
            .find(|o| o.order.platform_order_id == sim::tid(id).to_string())
            .expect("fetched");
        assert_same(o, &w);
    }
    let state = |id| {
        got.iter()
            .find(|o| o.order.platform_order_id == sim::tid(id).to_string())
            .map(|o| o.state)
    };
    assert_eq!(state(ids[2]), Some(PlatformState::Unpaid));
    assert_eq!(state(ids[3]), Some(PlatformState::Closed));
    let a = got
        .iter()
        .find(|o| o.order.platform_order_id == sim::tid(ids[0]).to_string())
        .expect("a");
    assert_eq!(
        a.order.receiver.city, "北京市",
        "empty receiver_city → province"
    );
    assert_eq!(a.order.lines[0].refund_status, "SUCCESS");
    assert_eq!(t.platform(), Platform::Taobao);
    // The longest window the engine may ask for, off whole seconds, is still one the
    // platform accepts once widened to seconds.
    let longest = t.max_window().as_millis() as i64;
    assert!(longest > 24 * 3600 * 1000 - 5_000, "{longest}");
    t.changed_orders(window(START + 500, START + 500 + longest), 1)
        .await
        .expect("the longest window is accepted");
}

#[tokio::test]
async fn every_sign_method_is_accepted() {
    let s = simulator().await;
    s.world().with(|w| w.new_order());
    for m in ["md5", "hmac", "hmac-sha256"] {
        let t = adapter_with(&s, &s.state.credentials.app_secret, m);
        let p = t.changed_orders(window(START, START + MINUTE), 1).await;
        assert_eq!(p.expect(m).orders.len(), 1, "{m}");
    }
}

#[tokio::test]
async fn pages_bring_every_order_once() {
    let s = simulator().await;
    s.world().advance_to(START + 3 * HOUR);
    let w = window(START, START + 3 * HOUR + MINUTE);
    let expected = s.world().modified_between(w.start_ms, w.end_ms);
    assert!(expected.len() > 250, "{}", expected.len());
    let (fetched, pages) = all_pages(&adapter(&s), w).await;
    let got = read_all(fetched);
    assert!(pages >= 3, "{pages}");
    let mut ids: Vec<String> = got
        .iter()
        .map(|o| o.order.platform_order_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "no order twice");
    assert_eq!(got.len(), expected.len());
    for (o, w) in got.iter().zip(&expected) {
        assert_same(o, w);
    }
}

#[tokio::test]
async fn an_order_modified_at_a_windows_end_comes_in_the_next_window() {
    let s = simulator().await;
    let edge = START + 10 * MINUTE;
    s.world().with(|w| w.activity.orders_per_hour = 0);
    s.world().advance_to(edge);
    let id = s.world().with(|w| w.new_order());
    let tid = sim::tid(id).to_string();
    let t = adapter(&s);
    let has = |f: &[Fetched]| {
        f.iter()
            .any(|f| matches!(f, Fetched::Order(o) if o.order.platform_order_id == tid))
    };
    let (before, _) = all_pages(&t, window(START, edge)).await;
    assert!(!has(&before), "not in the window that ends at it");
    let (after, _) = all_pages(&t, window(edge, edge + MINUTE)).await;
    assert!(has(&after), "in the window that starts at it");
    // A window edge inside a second is read the same way.
    let (odd, _) = all_pages(&t, window(edge - 500, edge + 1)).await;
    assert!(has(&odd));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_unauthorized() {
    let s = simulator().await;
    let t = adapter_with(&s, "not-the-secret", "md5");
    let e = t.changed_orders(window(START, START + MINUTE), 1).await;
    assert!(matches!(e, Err(ChannelError::Unauthorized(_))), "{e:?}");
    assert_eq!(s.world().with(|w| w.stats.bad_signatures), 1);
}

#[tokio::test]
async fn the_call_limit_is_rate_limited_and_retryable() {
    let s = simulator().await;
    s.world().with(|w| w.faults.rate_limited = 1);
    let t = adapter(&s);
    let e = t
        .changed_orders(window(START, START + MINUTE), 1)
        .await
        .expect_err("limited");
    assert!(e.retryable());
    assert!(
        matches!(e, ChannelError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{e:?}"
    );
    assert!(
        t.changed_orders(window(START, START + MINUTE), 1)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_server_error_is_a_network_error() {
    let s = simulator().await;
    s.world().with(|w| w.faults.server_error = 1);
    let e = adapter(&s)
        .changed_orders(window(START, START + MINUTE), 1)
        .await;
    assert!(matches!(e, Err(ChannelError::Network(_))), "{e:?}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_malformed_and_kept() {
    let s = simulator().await;
    s.world().with(|w| w.faults.malformed_body = 1);
    let e = adapter(&s)
        .changed_orders(window(START, START + MINUTE), 1)
        .await;
    match e {
        Err(ChannelError::Malformed { raw, .. }) => assert!(raw.contains("502 Bad Gateway")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn one_malformed_order_does_not_hide_the_others() {
    let s = simulator().await;
    let ids: Vec<u64> = s.world().with(|w| (0..3).map(|_| w.new_order()).collect());
    s.world().with(|w| w.faults.malformed_order = 1);
    let page = adapter(&s)
        .changed_orders(window(START, START + MINUTE), 1)
        .await
        .expect("the page");
    assert_eq!(page.orders.len(), 3);
    let bad: Vec<&Fetched> = page
        .orders
        .iter()
        .filter(|f| matches!(f, Fetched::Malformed { .. }))
        .collect();
    assert_eq!(bad.len(), 1);
    match bad[0] {
        Fetched::Malformed {
            platform_order_id,
            raw,
            ..
        } => {
            assert_eq!(
                platform_order_id.as_deref(),
                Some(sim::tid(ids[0]).to_string().as_str())
            );
            assert!(raw.contains("oops"));
        }
        Fetched::Order(_) => unreachable!(),
    }
}

#[tokio::test]
async fn one_order_by_tid_known_and_unknown() {
    let s = simulator().await;
    let id = s.world().with(|w| w.new_order());
    let t = adapter(&s);
    match t.order(&sim::tid(id).to_string()).await.expect("answer") {
        Some(Fetched::Order(o)) => assert_same(&o, &s.world().order(id).expect("world")),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.order(&sim::tid(id + 1000).to_string()).await, Ok(None));
    assert_eq!(t.order("not-a-tid").await, Ok(None));
}

#[tokio::test]
async fn a_window_longer_than_a_day_is_the_platforms_error() {
    let s = simulator().await;
    let e = adapter(&s)
        .changed_orders(window(START, START + 25 * HOUR), 1)
        .await;
    assert!(
        matches!(&e, Err(ChannelError::Platform { code, .. }) if code == "41"),
        "{e:?}"
    );
}
