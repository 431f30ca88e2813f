//! The JD adapter against its simulator.

use std::sync::Arc;

use jxc_channels::http::Http;
use jxc_channels::jd::Jd;
use jxc_channels::{
    Channel, ChannelError, Fetched, Options, PlatformState, RemoteOrder, ShopCredentials, Window,
};
use jxc_core::ids::ShopId;
use jxc_core::money::{Fen, split_largest_remainder};
use jxc_core::partners::Platform;
use jxc_sim::jd as sim;
use jxc_sim::{SimCredentials, SimOrder, SimServer, SimState, SimStatus, World, sample_products};

const START: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

async fn simulator() -> SimServer {
    let world = Arc::new(World::new(43, START, sample_products()));
    sim::start(SimState {
        world,
        credentials: SimCredentials::default(),
    })
    .await
    .expect("the simulator starts")
}

fn adapter_with(s: &SimServer, secret: &str) -> Jd {
    let c = serde_json::json!({
        "app_key": s.state.credentials.app_key,
        "app_secret": secret,
        "access_token": s.state.credentials.access_token,
        "base_url": s.base_url,
    });
    let http = Http::new(&Options::default()).expect("an HTTP client");
    Jd::new(ShopId(9), &ShopCredentials::new(&c), http).expect("credentials")
}

fn adapter(s: &SimServer) -> Jd {
    adapter_with(s, &s.state.credentials.app_secret)
}

fn window(start_ms: i64, end_ms: i64) -> Window {
    Window { start_ms, end_ms }
}

/// Every page of `w`, with the number of pages.
async fn all_pages(t: &Jd, w: Window) -> (Vec<Fetched>, u32) {
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

/// The orders JD lists (paid ones) modified in `[start, end)`.
fn listed(s: &SimServer, start: i64, end: i64) -> Vec<SimOrder> {
    s.world()
        .modified_between(start, end)
        .into_iter()
        .filter(|o| sim::order_state(o).is_some())
        .collect()
}

/// The adapter's order is the world's order, field by field, in 分.
fn assert_same(o: &RemoteOrder, w: &SimOrder) {
    let n = &o.order;
    assert_eq!(n.shop_id, ShopId(9));
    assert_eq!(n.platform_order_id, sim::order_id_text(w.id));
    assert_eq!(Some(n.platform_status.as_str()), sim::order_state(w));
    assert_eq!(o.modified_ms, secs(w.modified_ms));
    assert_eq!(n.created_at, secs(w.created_ms));
    assert_eq!(n.paid_at, w.paid_ms.map(secs));
    assert_eq!(n.buyer_nick, w.buyer);
    assert_eq!(n.buyer_message, w.buyer_message);
    let r = &n.receiver;
    assert_eq!(
        (
            &r.name,
            &r.mobile,
            &r.province,
            &r.city,
            &r.district,
            &r.detail
        ),
        (
            &w.receiver.name,
            &w.receiver.mobile,
            &w.receiver.province,
            &w.receiver.city,
            &w.receiver.district,
            &w.receiver.detail
        )
    );
    let gross: Vec<i64> = w.lines.iter().map(|l| l.price_fen * l.qty).collect();
    let seller_discount = w.discount_fen + w.lines.iter().map(|l| l.discount_fen).sum::<i64>();
    assert_eq!(n.goods_amount, Fen(gross.iter().sum()));
    assert_eq!(n.shipping_fee, Fen(w.shipping_fen));
    assert_eq!(n.discount_merchant, Fen(seller_discount));
    assert_eq!(n.discount_platform, Fen::ZERO);
    assert_eq!(n.paid_amount, Fen(w.payment_fen()));
    assert!(n.amounts_add_up(), "lines add up to paid − shipping");
    assert_eq!(n.lines.len(), w.lines.len());
    let shares = split_largest_remainder(seller_discount, &gross);
    for (i, (l, wl)) in n.lines.iter().zip(&w.lines).enumerate() {
        let repeats = w.lines[..i]
            .iter()
            .filter(|x| x.sku_id == wl.sku_id)
            .count();
        let id = match repeats {
            0 => wl.sku_id.to_string(),
            k => format!("{}#{}", wl.sku_id, k + 1),
        };
        assert_eq!(l.platform_line_id, id);
        assert_eq!(l.platform_item_id, wl.item_id.to_string());
        assert_eq!(l.platform_sku_id, wl.sku_id.to_string());
        assert_eq!(l.outer_code, wl.sku_code);
        assert_eq!(l.title, format!("{} {}", wl.title, wl.spec));
        assert_eq!(l.qty, wl.qty);
        assert_eq!(l.unit_price, Fen(wl.price_fen));
        assert_eq!(l.line_discount, Fen::ZERO);
        assert_eq!(l.order_discount_share, Fen(shares[i]));
        assert_eq!(l.paid, Fen(gross[i] - shares[i]));
        assert_eq!(l.sku_id, None);
    }
}

#[tokio::test]
async fn orders_come_back_complete_and_exact() {
    let s = simulator().await;
    // A municipality with an uneven order discount and a refund request (LOCKED), a
    // plain paid order with a SKU twice, an unpaid one (JD does not list it) and one
    // cancelled after payment.
    let ids = s.world().with(|w| {
        let ids: Vec<u64> = (0..4).map(|_| w.new_order()).collect();
        for o in w.orders.iter_mut() {
            if o.id != ids[2] {
                o.status = SimStatus::Paid;
                o.paid_ms = Some(o.created_ms);
            }
            if o.id == ids[0] {
                o.receiver.province = "上海市".into();
                o.receiver.city = "上海市".into();
                o.discount_fen = 1_001;
            } else if o.id == ids[1] {
                let mut twin = o.lines[0].clone();
                twin.line_id += 10_000;
                twin.qty += 1;
                o.lines.push(twin);
            } else if o.id == ids[2] {
                o.status = SimStatus::Unpaid;
                o.paid_ms = None;
            } else {
                o.status = SimStatus::Cancelled;
            }
        }
        assert!(w.request_refund(ids[0], 0));
        ids
    });
    let t = adapter(&s);
    let (fetched, _) = all_pages(&t, window(START, START + MINUTE)).await;
    let got = read_all(fetched);
    assert_eq!(got.len(), 3, "the unpaid order is not listed");
    let find = |id| {
        got.iter()
            .find(|o| o.order.platform_order_id == sim::order_id_text(id))
    };
    for id in [ids[0], ids[1], ids[3]] {
        assert_same(
            find(id).expect("fetched"),
            &s.world().order(id).expect("world"),
        );
    }
    assert!(find(ids[2]).is_none());
    assert_eq!(
        find(ids[0]).map(|o| o.order.platform_status.as_str()),
        Some("LOCKED")
    );
    assert_eq!(
        find(ids[0]).map(|o| o.state),
        Some(PlatformState::AwaitingShipment)
    );
    assert_eq!(find(ids[3]).map(|o| o.state), Some(PlatformState::Closed));
    assert_eq!(t.platform(), Platform::Jd);
    // The longest window the engine may ask for, off whole seconds, is still one the
    // platform accepts once widened to seconds.
    let longest = t.max_window().as_millis() as i64;
    assert!(longest > 30 * 24 * 3600 * 1000 - 5_000, "{longest}");
    t.changed_orders(window(START + 500, START + 500 + longest), 1)
        .await
        .expect("the longest window is accepted");
}

#[tokio::test]
async fn pages_bring_every_order_once() {
    let s = simulator().await;
    s.world().advance_to(START + 3 * HOUR);
    let w = window(START, START + 3 * HOUR + MINUTE);
    let expected = listed(&s, w.start_ms, w.end_ms);
    assert!(expected.len() > 200, "{}", expected.len());
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
    let id = s.world().with(|w| {
        let id = w.new_order();
        if let Some(o) = w.orders.iter_mut().find(|o| o.id == id) {
            o.status = SimStatus::Paid;
            o.paid_ms = Some(o.created_ms);
        }
        id
    });
    let oid = sim::order_id_text(id);
    let t = adapter(&s);
    let has = |f: &[Fetched]| {
        f.iter()
            .any(|f| matches!(f, Fetched::Order(o) if o.order.platform_order_id == oid))
    };
    // JD's end_date is inclusive in the simulator: the adapter still leaves it out.
    let (before, _) = all_pages(&t, window(START, edge)).await;
    assert!(!has(&before), "not in the window that ends at it");
    let (after, _) = all_pages(&t, window(edge, edge + MINUTE)).await;
    assert!(has(&after), "in the window that starts at it");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_unauthorized() {
    let s = simulator().await;
    let e = adapter_with(&s, "not-the-secret")
        .changed_orders(window(START, START + MINUTE), 1)
        .await;
    assert!(matches!(e, Err(ChannelError::Unauthorized(_))), "{e:?}");
    assert_eq!(s.world().with(|w| w.stats.bad_signatures), 1);
}

#[tokio::test]
async fn a_wrong_token_is_refused_as_unauthorized() {
    let s = simulator().await;
    let c = serde_json::json!({
        "app_key": s.state.credentials.app_key,
        "app_secret": s.state.credentials.app_secret,
        "access_token": "expired",
        "base_url": s.base_url,
    });
    let http = Http::new(&Options::default()).expect("client");
    let t = Jd::new(ShopId(9), &ShopCredentials::new(&c), http).expect("credentials");
    let e = t.changed_orders(window(START, START + MINUTE), 1).await;
    assert!(
        matches!(e, Err(ChannelError::Unauthorized(ref m)) if m.starts_with("19")),
        "{e:?}"
    );
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
    assert!(matches!(e, ChannelError::RateLimited { .. }), "{e:?}");
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
        Err(ChannelError::Malformed { raw, .. }) => assert!(raw.contains("504 Gateway")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn one_malformed_order_does_not_hide_the_others() {
    let s = simulator().await;
    let ids: Vec<u64> = s.world().with(|w| {
        let ids: Vec<u64> = (0..3).map(|_| w.new_order()).collect();
        for o in w.orders.iter_mut() {
            o.status = SimStatus::Paid;
            o.paid_ms = Some(o.created_ms);
        }
        ids
    });
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
                Some(sim::order_id_text(ids[0]).as_str())
            );
            assert!(raw.contains("oops"));
        }
        Fetched::Order(_) => unreachable!(),
    }
}

#[tokio::test]
async fn one_order_by_id_known_and_unknown() {
    let s = simulator().await;
    let id = s.world().with(|w| {
        let id = w.new_order();
        if let Some(o) = w.orders.iter_mut().find(|o| o.id == id) {
            o.status = SimStatus::Paid;
            o.paid_ms = Some(o.created_ms);
        }
        id
    });
    let t = adapter(&s);
    match t.order(&sim::order_id_text(id)).await.expect("answer") {
        Some(Fetched::Order(o)) => assert_same(&o, &s.world().order(id).expect("world")),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.order(&sim::order_id_text(id + 1000)).await, Ok(None));
    assert_eq!(t.order("not-an-id").await, Ok(None));
}

#[tokio::test]
async fn a_window_longer_than_30_days_is_the_platforms_error() {
    let s = simulator().await;
    let e = adapter(&s)
        .changed_orders(window(START, START + 31 * 24 * HOUR), 1)
        .await;
    assert!(matches!(e, Err(ChannelError::Platform { .. })), "{e:?}");
}
