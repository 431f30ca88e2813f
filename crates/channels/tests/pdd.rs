//! The Pinduoduo adapter against its simulator.

use std::sync::Arc;

use jxc_channels::http::Http;
use jxc_channels::pdd::Pdd;
use jxc_channels::{
    Channel, ChannelError, Fetched, Options, PlatformState, RemoteOrder, ShopCredentials, Window,
};
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_sim::{SimCredentials, SimRefund, SimServer, SimState, SimStatus, World, sample_products};

/// 2023-11-15 06:13:20 China time, a whole second.
const START: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;

async fn sim() -> SimServer {
    let world = Arc::new(World::new(11, START, sample_products()));
    jxc_sim::pdd::start(SimState {
        world,
        credentials: SimCredentials::default(),
    })
    .await
    .unwrap()
}

fn adapter_with_secret(server: &SimServer, secret: &str) -> Pdd {
    let c = &server.state.credentials;
    let creds = serde_json::json!({
        "client_id": c.app_key, "client_secret": secret,
        "access_token": c.access_token, "base_url": server.base_url,
    });
    Pdd::new(
        ShopId(7),
        &ShopCredentials::new(&creds),
        Http::new(&Options::default()).unwrap(),
    )
    .unwrap()
}

fn adapter(server: &SimServer) -> Pdd {
    adapter_with_secret(server, &server.state.credentials.app_secret)
}

/// `n` new orders at `at_ms`, all paid.
fn add_paid(world: &World, at_ms: i64, n: usize) -> Vec<u64> {
    world.with(|w| {
        w.now_ms = at_ms;
        (0..n)
            .map(|_| {
                let id = w.new_order();
                let o = w.orders.iter_mut().find(|o| o.id == id).unwrap();
                o.status = SimStatus::Paid;
                o.paid_ms = Some(at_ms);
                id
            })
            .collect()
    })
}

fn window(start_ms: i64, end_ms: i64) -> Window {
    Window { start_ms, end_ms }
}

fn orders(fetched: Vec<Fetched>) -> Vec<RemoteOrder> {
    fetched
        .into_iter()
        .map(|f| match f {
            Fetched::Order(o) => *o,
            other => panic!("not an order: {other:?}"),
        })
        .collect()
}

async fn all_pages(pdd: &Pdd, w: Window) -> Vec<RemoteOrder> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = pdd.changed_orders(w, page).await.unwrap();
        out.extend(orders(p.orders));
        if !p.has_next {
            break;
        }
    }
    out
}

#[tokio::test]
async fn orders_come_back_complete_and_exact() {
    let server = sim().await;
    let world = server.world();
    let ids = add_paid(world, START, 6);
    world.with(|w| {
        // One order with a seller discount, one with a refund asked, one wholly refunded.
        w.orders[0].discount_fen = 1_001;
        assert!(w.request_refund(ids[1], 0));
        for line in 0..w.orders[2].lines.len() {
            w.request_refund(ids[2], line);
            w.complete_refund(ids[2], line);
        }
    });
    let got = all_pages(&adapter(&server), window(START - MINUTE, START + MINUTE)).await;
    assert_eq!(got.len(), 6);
    for id in ids {
        let o = world.order(id).unwrap();
        let sn = jxc_sim::pdd::order_sn(&o);
        let r = got
            .iter()
            .find(|r| r.order.platform_order_id == sn)
            .unwrap();
        let n = &r.order;
        assert_eq!(n.shop_id, ShopId(7));
        assert_eq!(r.modified_ms, o.modified_ms);
        assert_eq!(n.created_at, o.created_ms);
        assert_eq!(n.paid_at, o.paid_ms);
        assert_eq!(n.paid_amount, Fen(o.payment_fen()));
        assert_eq!(n.shipping_fee, Fen(o.shipping_fen));
        let gross: i64 = o.lines.iter().map(|l| l.price_fen * l.qty).sum();
        assert_eq!(n.goods_amount, Fen(gross));
        assert_eq!(
            n.discount_merchant,
            Fen(gross - o.goods_fen() + o.discount_fen)
        );
        assert_eq!(n.discount_platform, Fen(0));
        assert!(n.amounts_add_up(), "{n:?}");
        assert_eq!(n.lines.len(), o.lines.len());
        for (i, (l, s)) in n.lines.iter().zip(&o.lines).enumerate() {
            assert_eq!(l.platform_line_id, format!("{sn}-{}", i + 1));
            assert_eq!(l.outer_code, s.sku_code);
            assert_eq!(l.platform_sku_id, s.sku_id.to_string());
            assert_eq!(l.platform_item_id, s.item_id.to_string());
            assert_eq!(l.title, s.title);
            assert_eq!(l.spec, s.spec);
            assert_eq!(l.qty, s.qty);
            assert_eq!(l.unit_price, Fen(s.price_fen));
            assert_eq!(l.paid.0 + l.order_discount_share.0, s.price_fen * s.qty);
            assert_eq!(l.sku_id, None);
        }
        let rc = &o.receiver;
        assert_eq!(n.receiver.name, jxc_sim::pdd::mask_name(&rc.name));
        assert_eq!(n.receiver.mobile, jxc_sim::pdd::mask_phone(&rc.mobile));
        assert_eq!(n.receiver.detail, jxc_sim::pdd::mask_address(&rc.detail));
        assert_eq!(
            (
                n.receiver.province.as_str(),
                n.receiver.city.as_str(),
                n.receiver.district.as_str()
            ),
            (rc.province.as_str(), rc.city.as_str(), rc.district.as_str())
        );
        assert_eq!(n.buyer_message, o.buyer_message);
        let refunded = o.lines.iter().all(|l| l.refund == SimRefund::Refunded);
        let asked = o.lines.iter().any(|l| l.refund == SimRefund::Requested);
        let (status, state, refund) = if refunded {
            ("已关闭", PlatformState::Closed, "退款成功")
        } else if asked {
            ("待发货", PlatformState::AwaitingShipment, "售后处理中")
        } else {
            (
                "待发货",
                PlatformState::AwaitingShipment,
                "无售后或售后关闭",
            )
        };
        assert_eq!((n.platform_status.as_str(), r.state), (status, state));
        assert!(n.lines.iter().all(|l| l.refund_status == refund));
    }
}

#[tokio::test]
async fn unpaid_orders_are_not_listed_and_shipped_ones_say_so() {
    let server = sim().await;
    let world = server.world();
    let ids = add_paid(world, START, 2);
    world.with(|w| {
        w.orders[0].status = SimStatus::Unpaid;
        w.orders[0].paid_ms = None;
        w.orders[1].status = SimStatus::Shipped;
    });
    let got = all_pages(&adapter(&server), window(START, START + MINUTE)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].order.platform_order_id,
        jxc_sim::pdd::order_sn(&world.order(ids[1]).unwrap())
    );
    assert_eq!(got[0].order.platform_status, "已发货待签收");
    assert_eq!(got[0].state, PlatformState::Shipped);
}

#[tokio::test]
async fn every_page_is_read_and_no_order_twice() {
    let server = sim().await;
    let world = server.world();
    let mut ids = Vec::new();
    for m in 0..5 {
        ids.extend(add_paid(world, START + m * MINUTE, 50));
    }
    let pdd = adapter(&server);
    let w = window(START, START + 30 * MINUTE);
    let first = pdd.changed_orders(w, 1).await.unwrap();
    assert_eq!(first.orders.len(), 100);
    assert_eq!(first.total, Some(250));
    assert!(first.has_next);
    let got = all_pages(&pdd, w).await;
    let mut sns: Vec<String> = got
        .iter()
        .map(|r| r.order.platform_order_id.clone())
        .collect();
    sns.sort();
    sns.dedup();
    assert_eq!(sns.len(), 250);
    assert!(got.windows(2).all(|p| p[0].modified_ms <= p[1].modified_ms));
}

#[tokio::test]
async fn an_order_modified_at_a_windows_end_is_in_the_next_window() {
    let server = sim().await;
    let world = server.world();
    let end = START + 10 * MINUTE;
    let before = add_paid(world, end - 1_000, 1)[0];
    let at_end = add_paid(world, end, 1)[0];
    let sn = |id| jxc_sim::pdd::order_sn(&world.order(id).unwrap());
    let pdd = adapter(&server);
    let this: Vec<String> = all_pages(&pdd, window(START, end))
        .await
        .into_iter()
        .map(|r| r.order.platform_order_id)
        .collect();
    assert_eq!(this, vec![sn(before)]);
    let next: Vec<String> = all_pages(&pdd, window(end, end + 20 * MINUTE))
        .await
        .into_iter()
        .map(|r| r.order.platform_order_id)
        .collect();
    assert_eq!(next, vec![sn(at_end)]);
}

#[tokio::test]
async fn a_window_longer_than_the_platforms_limit_is_refused() {
    let server = sim().await;
    let pdd = adapter(&server);
    assert_eq!(pdd.max_window(), std::time::Duration::from_secs(1800));
    let err = pdd
        .changed_orders(window(START, START + 31 * MINUTE), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Platform { .. }), "{err:?}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_unauthorized() {
    let server = sim().await;
    add_paid(server.world(), START, 1);
    let err = adapter_with_secret(&server, "wrong")
        .changed_orders(window(START, START + MINUTE), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    assert!(!err.retryable());
    assert_eq!(server.world().with(|w| w.stats.bad_signatures), 1);
}

#[tokio::test]
async fn rate_limits_server_errors_and_garbage_are_told_apart() {
    let server = sim().await;
    add_paid(server.world(), START, 1);
    let pdd = adapter(&server);
    let w = window(START, START + MINUTE);
    server.world().with(|w| w.faults.rate_limited = 1);
    let err = pdd.changed_orders(w, 1).await.unwrap_err();
    assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
    assert!(err.retryable());

    server.world().with(|w| w.faults.server_error = 1);
    let err = pdd.changed_orders(w, 1).await.unwrap_err();
    assert!(matches!(err, ChannelError::Network(_)), "{err:?}");
    assert!(err.retryable());

    server.world().with(|w| w.faults.malformed_body = 1);
    match pdd.changed_orders(w, 1).await.unwrap_err() {
        ChannelError::Malformed { raw, .. } => assert!(raw.contains("502 Bad Gateway"), "{raw}"),
        other => panic!("{other:?}"),
    }

    assert_eq!(pdd.changed_orders(w, 1).await.unwrap().orders.len(), 1);
    assert_eq!(server.world().with(|w| w.stats.requests), 4);
}

#[tokio::test]
async fn one_malformed_order_does_not_hide_the_others() {
    let server = sim().await;
    let ids = add_paid(server.world(), START, 3);
    server.world().with(|w| w.faults.malformed_order = 1);
    let page = adapter(&server)
        .changed_orders(window(START, START + MINUTE), 1)
        .await
        .unwrap();
    assert_eq!(page.orders.len(), 3);
    let bad: Vec<&Fetched> = page
        .orders
        .iter()
        .filter(|f| matches!(f, Fetched::Malformed { .. }))
        .collect();
    assert_eq!(bad.len(), 1);
    let first_sn = jxc_sim::pdd::order_sn(&server.world().order(ids[0]).unwrap());
    match bad[0] {
        Fetched::Malformed {
            platform_order_id,
            raw,
            ..
        } => {
            assert_eq!(platform_order_id.as_deref(), Some(first_sn.as_str()));
            assert!(raw.contains("\"oops\""), "{raw}");
        }
        Fetched::Order(_) => unreachable!(),
    }
}

#[tokio::test]
async fn one_order_by_its_number() {
    let server = sim().await;
    let id = add_paid(server.world(), START, 1)[0];
    let sn = jxc_sim::pdd::order_sn(&server.world().order(id).unwrap());
    let pdd = adapter(&server);
    match pdd.order(&sn).await.unwrap() {
        Some(Fetched::Order(o)) => {
            assert_eq!(o.order.platform_order_id, sn);
            assert!(o.order.amounts_add_up());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pdd.order("231115-999999999").await.unwrap(), None);
}
