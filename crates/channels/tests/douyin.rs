//! The Douyin adapter and push receiver against their simulator.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use jxc_channels::douyin::{Douyin, DouyinPush};
use jxc_channels::http::Http;
use jxc_channels::{
    Channel, ChannelError, Fetched, Options, PlatformState, PushChannel, PushContent, RemoteOrder,
    ShopCredentials, WebhookRequest, Window,
};
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_sim::douyin::{cipher, order_id};
use jxc_sim::{SimCredentials, SimRefund, SimServer, SimState, SimStatus, World, sample_products};

/// 2023-11-15 06:13:20 China time, a whole second.
const START: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;

async fn sim() -> SimServer {
    let world = Arc::new(World::new(23, START, sample_products()));
    jxc_sim::douyin::start(SimState {
        world,
        credentials: SimCredentials::default(),
    })
    .await
    .unwrap()
}

fn adapter_with_secret(server: &SimServer, secret: &str) -> Douyin {
    let c = &server.state.credentials;
    let creds = serde_json::json!({
        "app_key": c.app_key, "app_secret": secret,
        "access_token": c.access_token, "base_url": server.base_url,
    });
    Douyin::new(
        ShopId(9),
        &ShopCredentials::new(&creds),
        Http::new(&Options::default()).unwrap(),
    )
    .unwrap()
}

fn adapter(server: &SimServer) -> Douyin {
    adapter_with_secret(server, &server.state.credentials.app_secret)
}

/// `n` new orders at `at_ms` (some paid, some not, as the world decides).
fn add_orders(world: &World, at_ms: i64, n: usize) -> Vec<u64> {
    world.with(|w| {
        w.now_ms = at_ms;
        (0..n).map(|_| w.new_order()).collect()
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

async fn all_pages(dy: &Douyin, w: Window) -> Vec<RemoteOrder> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = dy.changed_orders(w, page).await.unwrap();
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
    let ids = add_orders(world, START, 12);
    world.with(|w| {
        for o in w.orders.iter_mut().take(4) {
            o.status = SimStatus::Paid;
            o.paid_ms = Some(START);
        }
        w.orders[0].discount_fen = 1_001;
        w.orders[1].status = SimStatus::Shipped;
        assert!(w.request_refund(ids[2], 0));
        for line in 0..w.orders[3].lines.len() {
            w.request_refund(ids[3], line);
            w.complete_refund(ids[3], line);
        }
    });
    let got = all_pages(&adapter(&server), window(START - MINUTE, START + MINUTE)).await;
    assert_eq!(got.len(), 12);
    for id in ids {
        let o = world.order(id).unwrap();
        let r = got
            .iter()
            .find(|r| r.order.platform_order_id == order_id(&o))
            .unwrap();
        let n = &r.order;
        assert_eq!(n.shop_id, ShopId(9));
        assert_eq!(r.modified_ms, o.modified_ms);
        assert_eq!((n.created_at, n.paid_at), (o.created_ms, o.paid_ms));
        assert_eq!(n.paid_amount, Fen(o.payment_fen()));
        assert_eq!(n.shipping_fee, Fen(o.shipping_fen));
        let gross: i64 = o.lines.iter().map(|l| l.price_fen * l.qty).sum();
        assert_eq!(n.goods_amount, Fen(gross));
        assert_eq!(n.discount_merchant, Fen(o.discount_fen));
        assert!(n.amounts_add_up(), "{n:?}");
        let paid = o.line_paid_fen();
        assert_eq!(n.lines.len(), o.lines.len());
        for ((l, s), p) in n.lines.iter().zip(&o.lines).zip(paid) {
            assert_eq!(l.platform_line_id, jxc_sim::douyin::line_id(s.line_id));
            assert_eq!(l.outer_code, s.sku_code);
            assert_eq!(l.platform_sku_id, s.sku_id.to_string());
            assert_eq!(l.platform_item_id, s.item_id.to_string());
            assert_eq!(
                (l.title.as_str(), l.spec.clone()),
                (s.title.as_str(), format!("规格:{}", s.spec))
            );
            assert_eq!((l.qty, l.unit_price), (s.qty, Fen(s.price_fen)));
            assert_eq!(l.line_discount, Fen(s.discount_fen));
            assert_eq!(l.paid, Fen(p));
            assert_eq!(l.order_discount_share, Fen(s.total_fen() - p));
            let refund = match s.refund {
                SimRefund::None => "0",
                SimRefund::Requested => "1",
                SimRefund::Refunded => "3",
            };
            assert_eq!(l.refund_status, refund);
            assert_eq!(l.sku_id, None);
        }
        let rc = &o.receiver;
        assert_eq!(n.receiver.name, cipher(&rc.name));
        assert_eq!(n.receiver.mobile, cipher(&rc.mobile));
        assert_eq!(n.receiver.detail, cipher(&rc.detail));
        assert_eq!(
            (
                n.receiver.province.as_str(),
                n.receiver.city.as_str(),
                n.receiver.district.as_str()
            ),
            (rc.province.as_str(), rc.city.as_str(), rc.district.as_str())
        );
        assert_eq!(n.buyer_message, o.buyer_message);
        assert_eq!(n.buyer_id, format!("dy_{}", o.buyer));
        let expected = match o.status {
            SimStatus::Unpaid => ("待支付", PlatformState::Unpaid),
            SimStatus::Paid => ("备货中", PlatformState::AwaitingShipment),
            SimStatus::Shipped => ("已发货", PlatformState::Shipped),
            SimStatus::Completed => ("已完成", PlatformState::Completed),
            SimStatus::Cancelled => ("已取消", PlatformState::Closed),
        };
        assert_eq!((n.platform_status.as_str(), r.state), expected);
    }
    assert!(got.iter().any(|r| r.state == PlatformState::Closed));
}

#[tokio::test]
async fn every_page_is_read_and_no_order_twice() {
    let server = sim().await;
    let world = server.world();
    for m in 0..5 {
        add_orders(world, START + m * MINUTE, 50);
    }
    let dy = adapter(&server);
    let w = window(START, START + 3_600_000);
    let first = dy.changed_orders(w, 1).await.unwrap();
    assert_eq!(first.orders.len(), 100);
    assert_eq!(first.total, Some(250));
    assert!(first.has_next);
    let got = all_pages(&dy, w).await;
    let mut ids: Vec<String> = got
        .iter()
        .map(|r| r.order.platform_order_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 250);
    assert!(got.windows(2).all(|p| p[0].modified_ms <= p[1].modified_ms));
}

#[tokio::test]
async fn an_order_modified_at_a_windows_end_is_in_the_next_window() {
    let server = sim().await;
    let world = server.world();
    let end = START + 10 * MINUTE;
    let before = add_orders(world, end - 1_000, 1)[0];
    let at_end = add_orders(world, end, 1)[0];
    let id = |n| order_id(&world.order(n).unwrap());
    let dy = adapter(&server);
    let ids = |v: Vec<RemoteOrder>| -> Vec<String> {
        v.into_iter().map(|r| r.order.platform_order_id).collect()
    };
    assert_eq!(
        ids(all_pages(&dy, window(START, end)).await),
        vec![id(before)]
    );
    assert_eq!(
        ids(all_pages(&dy, window(end, end + MINUTE)).await),
        vec![id(at_end)]
    );
}

#[tokio::test]
async fn a_window_longer_than_a_day_is_refused() {
    let server = sim().await;
    let dy = adapter(&server);
    assert_eq!(dy.max_window(), std::time::Duration::from_secs(86_400));
    let err = dy
        .changed_orders(window(START, START + 86_400_000 + 1_000), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Platform { .. }), "{err:?}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_as_unauthorized() {
    let server = sim().await;
    add_orders(server.world(), START, 1);
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
    add_orders(server.world(), START, 1);
    let dy = adapter(&server);
    let w = window(START, START + MINUTE);
    server.world().with(|w| w.faults.rate_limited = 1);
    let err = dy.changed_orders(w, 1).await.unwrap_err();
    assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
    assert!(err.retryable());

    server.world().with(|w| w.faults.server_error = 1);
    let err = dy.changed_orders(w, 1).await.unwrap_err();
    assert!(matches!(err, ChannelError::Network(_)), "{err:?}");

    server.world().with(|w| w.faults.malformed_body = 1);
    match dy.changed_orders(w, 1).await.unwrap_err() {
        ChannelError::Malformed { raw, .. } => assert!(raw.contains("502 Bad Gateway"), "{raw}"),
        other => panic!("{other:?}"),
    }

    assert_eq!(dy.changed_orders(w, 1).await.unwrap().orders.len(), 1);
    assert_eq!(server.world().with(|w| w.stats.requests), 4);
}

#[tokio::test]
async fn one_malformed_order_does_not_hide_the_others() {
    let server = sim().await;
    let ids = add_orders(server.world(), START, 3);
    server.world().with(|w| w.faults.malformed_order = 1);
    let page = adapter(&server)
        .changed_orders(window(START, START + MINUTE), 1)
        .await
        .unwrap();
    assert_eq!(page.orders.len(), 3);
    let first = order_id(&server.world().order(ids[0]).unwrap());
    let mut good = 0;
    for f in &page.orders {
        match f {
            Fetched::Malformed {
                platform_order_id,
                raw,
                ..
            } => {
                assert_eq!(platform_order_id.as_deref(), Some(first.as_str()));
                assert!(raw.contains("\"oops\""), "{raw}");
            }
            Fetched::Order(_) => good += 1,
        }
    }
    assert_eq!(good, 2);
}

#[tokio::test]
async fn one_order_by_its_id() {
    let server = sim().await;
    let id = add_orders(server.world(), START, 1)[0];
    let oid = order_id(&server.world().order(id).unwrap());
    let dy = adapter(&server);
    match dy.order(&oid).await.unwrap() {
        Some(Fetched::Order(o)) => {
            assert_eq!(o.order.platform_order_id, oid);
            assert!(o.order.amounts_add_up());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(dy.order("6900000000999999999").await.unwrap(), None);
}

type Received = Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

/// A minimal HTTP receiver on a thread: keeps each request's headers and body.
fn receiver() -> (String, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/douyin/push", listener.local_addr().unwrap());
    let got: Received = Arc::default();
    let g = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let g = g.clone();
            std::thread::spawn(move || serve(stream, g));
        }
    });
    (url, got)
}

fn serve(stream: TcpStream, got: Received) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        got.lock().unwrap().push((headers, body));
        let answer = r#"{"code":0,"msg":"success"}"#;
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        out.write_all(resp.as_bytes()).unwrap();
    }
}

fn push(server: &SimServer, secret: &str) -> DouyinPush {
    let c = &server.state.credentials;
    let creds = serde_json::json!({"app_key": c.app_key, "app_secret": secret});
    DouyinPush::new(ShopId(9), &ShopCredentials::new(&creds)).unwrap()
}

#[tokio::test]
async fn push_messages_signed_right_are_read_and_wrong_ones_refused() {
    let server = sim().await;
    let ids = add_orders(server.world(), START, 3);
    let (url, got) = receiver();
    let last = jxc_sim::douyin::send_webhooks(&server.state, &url, 0)
        .await
        .unwrap();
    assert_eq!(
        last,
        server
            .world()
            .with(|w| w.orders.iter().map(|o| o.seq).max().unwrap())
    );
    assert_eq!(server.world().with(|w| w.stats.webhooks_sent), 3);
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 3);

    let receiver = push(&server, &server.state.credentials.app_secret);
    let mut delivery_ids = Vec::new();
    for ((headers, body), id) in received.iter().zip(&ids) {
        let o = server.world().order(*id).unwrap();
        let m = receiver.receive(WebhookRequest { headers, body }).unwrap();
        assert_eq!(m.content, PushContent::OrderIds(vec![order_id(&o)]));
        assert_eq!(m.topic, jxc_sim::douyin::push_tag(&o));
        assert!(
            m.delivery_id.starts_with(&format!("{}:", o.seq)),
            "{}",
            m.delivery_id
        );
        delivery_ids.push(m.delivery_id);
    }
    delivery_ids.dedup();
    assert_eq!(delivery_ids.len(), 3);

    // A wrong secret, a tampered body, a missing header: refused, nothing read.
    let (headers, body) = &received[0];
    let wrong = push(&server, "wrong-secret");
    assert_eq!(
        wrong.receive(WebhookRequest { headers, body }),
        Err(ChannelError::BadSignature)
    );
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(
        receiver.receive(WebhookRequest {
            headers,
            body: &tampered
        }),
        Err(ChannelError::BadSignature)
    );
    assert_eq!(
        receiver.receive(WebhookRequest { headers: &[], body }),
        Err(ChannelError::BadSignature)
    );
    // Nothing new after the last seq.
    assert_eq!(
        jxc_sim::douyin::send_webhooks(&server.state, &url, last).await,
        Ok(last)
    );
}

#[tokio::test]
async fn push_tags_we_do_not_use_are_ignored() {
    let server = sim().await;
    let c = &server.state.credentials;
    let body = r#"[{"tag":"0","msg_id":"ping-1","data":"{}"}]"#;
    let headers = vec![(
        "event-sign".to_string(),
        jxc_sim::douyin::event_sign(&c.app_key, body, &c.app_secret),
    )];
    let m = push(&server, &c.app_secret)
        .receive(WebhookRequest {
            headers: &headers,
            body: body.as_bytes(),
        })
        .unwrap();
    assert_eq!(m.delivery_id, "ping-1");
    assert!(matches!(m.content, PushContent::Ignored(_)), "{m:?}");
}
