//! The Shopify adapters against the Shopify simulator: pull (orders, paging by cursor,
//! windows, errors) and webhooks (signature, topics, delivery ids, amounts with tax).

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};

use jxc_channels::http::Http;
use jxc_channels::shopify::{Shopify, ShopifyWebhooks};
use jxc_channels::{
    Channel, ChannelError, Fetched, Options, PlatformState, PushChannel, PushContent, RemoteOrder,
    ShopCredentials, WebhookRequest, Window,
};
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_sim::{SimCredentials, SimOrder, SimRefund, SimServer, SimState, SimStatus, World};

const START: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

async fn sim(seed: u64) -> SimServer {
    let state = SimState {
        world: Arc::new(World::new(seed, START, jxc_sim::sample_products())),
        credentials: SimCredentials::default(),
    };
    jxc_sim::shopify::start(state).await.unwrap()
}

fn adapter(server: &SimServer, token: &str) -> Shopify {
    let creds = serde_json::json!({
        "base_url": server.base_url,
        "shop_domain": "ignored.myshopify.com",
        "access_token": token,
    });
    let http = Http::new(&Options::default()).unwrap();
    Shopify::new(ShopId(7), &ShopCredentials::new(&creds), http).unwrap()
}

fn hooks(secret: &str) -> ShopifyWebhooks {
    let creds = serde_json::json!({ "webhook_secret": secret });
    ShopifyWebhooks::new(ShopId(7), &ShopCredentials::new(&creds)).unwrap()
}

fn order(f: &Fetched) -> &RemoteOrder {
    match f {
        Fetched::Order(o) => o,
        Fetched::Malformed { reason, raw, .. } => panic!("malformed: {reason}: {raw}"),
    }
}

/// Every page of `window`, in order.
async fn all_pages(s: &Shopify, window: Window) -> Vec<Fetched> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = s.changed_orders(window, page).await.unwrap();
        out.extend(p.orders);
        if !p.has_next {
            return out;
        }
    }
    unreachable!()
}

fn expected_status(o: &SimOrder) -> (&'static str, PlatformState) {
    let refunded = o.lines.iter().any(|l| l.refund == SimRefund::Refunded);
    let paid = if refunded {
        "partially_refunded"
    } else {
        "paid"
    };
    match o.status {
        SimStatus::Unpaid => ("pending", PlatformState::Unpaid),
        SimStatus::Cancelled if o.paid_ms.is_none() => ("cancelled", PlatformState::Closed),
        SimStatus::Cancelled => ("refunded", PlatformState::Closed),
        SimStatus::Paid => (paid, PlatformState::AwaitingShipment),
        SimStatus::Shipped | SimStatus::Completed => (paid, PlatformState::Shipped),
    }
}

/// The order as read matches the simulated one, to the fen.
fn assert_same(got: &RemoteOrder, want: &SimOrder) {
    let o = &got.order;
    assert_eq!(o.shop_id, ShopId(7));
    assert_eq!(o.platform_order_id, want.id.to_string());
    let (status, state) = expected_status(want);
    assert_eq!(
        (o.platform_status.as_str(), got.state),
        (status, state),
        "{}",
        want.id
    );
    assert_eq!(got.modified_ms, want.modified_ms);
    assert_eq!(o.created_at, want.created_ms);
    let was_paid = want.paid_ms.is_some() && want.status != SimStatus::Unpaid;
    assert_eq!(o.paid_at, if was_paid { want.paid_ms } else { None });
    assert_eq!(o.currency, "CNY");
    assert_eq!(o.buyer_nick, format!("{}@example.com", want.buyer));
    assert_eq!(o.buyer_message, want.buyer_message);
    assert_eq!(o.paid_amount, Fen(want.payment_fen()));
    assert_eq!(o.shipping_fee, Fen(want.shipping_fen));
    assert_eq!(o.discount_merchant, Fen(want.discount_fen));
    let goods: i64 = want.lines.iter().map(|l| l.price_fen * l.qty).sum();
    assert_eq!(o.goods_amount, Fen(goods));
    assert!(o.amounts_add_up(), "{o:?}");
    assert_eq!(o.lines.len(), want.lines.len());
    for ((l, w), paid) in o.lines.iter().zip(&want.lines).zip(want.line_paid_fen()) {
        assert_eq!(l.platform_line_id, w.line_id.to_string());
        assert_eq!(l.platform_item_id, w.item_id.to_string());
        assert_eq!(l.platform_sku_id, w.sku_id.to_string());
        assert_eq!(
            (l.outer_code.as_str(), l.title.as_str()),
            (w.sku_code.as_str(), w.title.as_str())
        );
        assert_eq!(l.spec, w.spec);
        assert_eq!((l.qty, l.unit_price), (w.qty, Fen(w.price_fen)));
        assert_eq!(l.line_discount, Fen(w.discount_fen));
        assert_eq!(l.order_discount_share, Fen(w.total_fen() - paid));
        assert_eq!(l.paid, Fen(paid));
        let refund = if w.refund == SimRefund::Refunded {
            "refunded"
        } else {
            ""
        };
        assert_eq!(l.refund_status, refund);
        assert_eq!(l.sku_id, None);
    }
    let (r, w) = (&o.receiver, &want.receiver);
    assert_eq!(
        (r.name.as_str(), r.mobile.as_str()),
        (w.name.as_str(), w.mobile.as_str())
    );
    assert_eq!(
        (r.province.as_str(), r.city.as_str()),
        (w.province.as_str(), w.city.as_str())
    );
    // The platform has no county field; the county at the front of the line is split off.
    assert_eq!(
        (r.district.as_str(), r.detail.as_str()),
        (w.district.as_str(), w.detail.as_str())
    );
    assert_eq!(r.zip, w.zip);
}

#[tokio::test]
async fn orders_come_back_complete_and_exact() {
    let server = sim(1).await;
    let world = server.world().clone();
    world.advance_to(START + 30 * HOUR);
    let s = adapter(&server, "sim-session");
    let window = Window {
        start_ms: START,
        end_ms: world.now_ms() + 1_000,
    };
    let got = all_pages(&s, window).await;
    let want = world.modified_between(START, window.end_ms);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_same(order(g), w);
    }
    let states: HashSet<_> = got.iter().map(|f| order(f).state).collect();
    for s in [
        PlatformState::Unpaid,
        PlatformState::AwaitingShipment,
        PlatformState::Shipped,
        PlatformState::Closed,
    ] {
        assert!(states.contains(&s), "{s:?} missing from {states:?}");
    }
    assert!(got.iter().any(|f| {
        order(f)
            .order
            .lines
            .iter()
            .any(|l| l.refund_status == "refunded")
    }));
}

#[tokio::test]
async fn pages_follow_next_links_and_none_comes_twice() {
    let server = sim(2).await;
    let world = server.world().clone();
    world.advance_to(START + 5 * HOUR);
    let window = Window {
        start_ms: START,
        end_ms: START + 5 * HOUR,
    };
    let want = world.modified_between(window.start_ms, window.end_ms);
    assert!(want.len() > 500, "{}", want.len());
    let s = adapter(&server, "sim-session");
    let got = all_pages(&s, window).await;
    let ids: Vec<String> = got
        .iter()
        .map(|f| order(f).order.platform_order_id.clone())
        .collect();
    assert_eq!(ids.len(), want.len());
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "an order came twice"
    );
    // A fresh adapter asked for page 3 cold walks the next links to the same page.
    let cold = adapter(&server, "sim-session")
        .changed_orders(window, 3)
        .await
        .unwrap();
    let warm = s.changed_orders(window, 3).await.unwrap();
    assert_eq!(cold, warm);
    assert_eq!(cold.orders.len(), want.len() - 500);
    assert!(!cold.has_next);
    // Past the last page: nothing, and no next.
    let past = s.changed_orders(window, 9).await.unwrap();
    assert!(past.orders.is_empty() && !past.has_next);
}

#[tokio::test]
async fn an_order_modified_at_a_window_end_is_in_the_next_window() {
    let server = sim(3).await;
    let world = server.world().clone();
    let at = START + 2 * HOUR;
    world.advance_to(at);
    let id = world.with(|w| w.new_order()).to_string();
    let s = adapter(&server, "sim-session");
    let ids = |page: Vec<Fetched>| -> Vec<String> {
        page.iter()
            .map(|f| order(f).order.platform_order_id.clone())
            .collect()
    };
    let before = all_pages(
        &s,
        Window {
            start_ms: at - HOUR,
            end_ms: at,
        },
    )
    .await;
    let after = all_pages(
        &s,
        Window {
            start_ms: at,
            end_ms: at + HOUR,
        },
    )
    .await;
    assert!(!ids(before).contains(&id));
    assert!(ids(after).contains(&id));
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let server = sim(4).await;
    let s = adapter(&server, "wrong-token");
    let err = s
        .changed_orders(
            Window {
                start_ms: START,
                end_ms: START + HOUR,
            },
            1,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unauthorized(m) if m.contains("Invalid API key")),
        "{err:?}"
    );
    assert!(!err.retryable());
    assert_eq!(server.world().with(|w| w.stats.bad_signatures), 1);
}

#[tokio::test]
async fn faults_map_to_rate_limited_network_and_malformed() {
    let server = sim(5).await;
    let world = server.world().clone();
    world.advance_to(START + HOUR);
    let s = adapter(&server, "sim-session");
    let window = Window {
        start_ms: START,
        end_ms: START + HOUR,
    };

    world.with(|w| w.faults.rate_limited = 1);
    let err = s.changed_orders(window, 1).await.unwrap_err();
    assert!(err.retryable());
    assert!(
        matches!(&err, ChannelError::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 2),
        "{err:?}"
    );

    world.with(|w| w.faults.server_error = 1);
    let err = s.changed_orders(window, 1).await.unwrap_err();
    assert!(matches!(err, ChannelError::Network(_)), "{err:?}");

    world.with(|w| w.faults.malformed_body = 1);
    let err = s.changed_orders(window, 1).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Malformed { raw, .. } if raw.contains("<html>")),
        "{err:?}"
    );

    world.with(|w| w.faults.malformed_order = 1);
    let page = s.changed_orders(window, 1).await.unwrap();
    let want = world.modified_between(START, START + HOUR);
    assert_eq!(page.orders.len(), want.len());
    match &page.orders[0] {
        Fetched::Malformed {
            platform_order_id,
            raw,
            ..
        } => {
            assert_eq!(
                platform_order_id.as_deref(),
                Some(want[0].id.to_string().as_str())
            );
            assert!(raw.contains("\"oops\""));
        }
        other => panic!("expected malformed, got {other:?}"),
    }
    for (f, w) in page.orders[1..].iter().zip(&want[1..]) {
        assert_same(order(f), w);
    }
    assert_eq!(world.with(|w| w.stats.requests), 4);
}

#[tokio::test]
async fn one_order_by_id() {
    let server = sim(6).await;
    let world = server.world().clone();
    world.advance_to(START + HOUR);
    let s = adapter(&server, "sim-session");
    let want = &world.modified_between(START, START + HOUR)[0];
    let got = s.order(&want.id.to_string()).await.unwrap().unwrap();
    assert_same(order(&got), want);
    assert_eq!(s.order("999").await.unwrap(), None);
    assert_eq!(s.order("#1001").await.unwrap(), None);
}

// ---- Webhooks ----

type Received = Arc<Mutex<Vec<(Vec<(String, String)>, Vec<u8>)>>>;

/// A bare HTTP/1.1 server that keeps every POST (headers lower-case, body) and answers 200.
fn webhook_receiver() -> (String, Received) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let got: Received = Arc::default();
    let keep = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let keep = keep.clone();
            std::thread::spawn(move || {
                let mut out = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                    }
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k == "content-length")
                        .map(|(_, v)| v.parse().unwrap())
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).unwrap();
                    keep.lock().unwrap().push((headers, body));
                    out.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .unwrap();
                }
            });
        }
    });
    (url, got)
}

#[tokio::test]
async fn signed_webhooks_are_read_and_carry_their_delivery_id() {
    let server = sim(8).await;
    let world = server.world().clone();
    world.advance_to(START + HOUR);
    let (url, got) = webhook_receiver();
    let last = jxc_sim::shopify::send_webhooks(&server.state, &url, 0)
        .await
        .unwrap();
    let changed = world.changed_after(0);
    assert_eq!(last, changed.last().unwrap().seq);
    assert_eq!(world.with(|w| w.stats.webhooks_sent), changed.len() as u64);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), changed.len());

    let h = hooks("sim-webhook-secret");
    let mut ids = HashSet::new();
    for ((headers, body), want) in got.iter().zip(&changed) {
        let msg = h.receive(WebhookRequest { headers, body }).unwrap();
        assert!(msg.topic.starts_with("orders/"), "{}", msg.topic);
        assert!(ids.insert(msg.delivery_id.clone()), "delivery id repeated");
        match &msg.content {
            PushContent::Orders(orders) => assert_same(order(&orders[0]), want),
            other => panic!("{other:?}"),
        }
    }
    // Nothing new: nothing sent, the same seq back.
    assert_eq!(
        jxc_sim::shopify::send_webhooks(&server.state, &url, last).await,
        Ok(last)
    );
}

#[tokio::test]
async fn a_wrong_hmac_is_refused_before_reading() {
    let body = br#"{"id":1,"broken":"#.to_vec();
    let sig = jxc_sim::shopify::sign("sim-webhook-secret", &body);
    let headers = vec![
        ("x-shopify-topic".to_string(), "orders/create".to_string()),
        ("x-shopify-hmac-sha256".to_string(), sig.clone()),
        ("x-shopify-webhook-id".to_string(), "w-1".to_string()),
    ];
    let wrong = hooks("another-secret").receive(WebhookRequest {
        headers: &headers,
        body: &body,
    });
    assert_eq!(wrong, Err(ChannelError::BadSignature));
    let tampered = [&body[..], b" "].concat();
    let err = hooks("sim-webhook-secret").receive(WebhookRequest {
        headers: &headers,
        body: &tampered,
    });
    assert_eq!(err, Err(ChannelError::BadSignature));
    let unsigned = &headers[..1];
    let err = hooks("sim-webhook-secret").receive(WebhookRequest {
        headers: unsigned,
        body: &body,
    });
    assert_eq!(err, Err(ChannelError::BadSignature));
    // Signed right, the (broken) body is read, and found unreadable.
    let err = hooks("sim-webhook-secret").receive(WebhookRequest {
        headers: &headers,
        body: &body,
    });
    assert!(
        matches!(err, Err(ChannelError::Malformed { .. })),
        "{err:?}"
    );
}

fn signed(topic: &str, body: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let headers = vec![
        ("X-Shopify-Topic".to_string(), topic.to_string()),
        (
            "X-Shopify-Hmac-Sha256".to_string(),
            jxc_sim::shopify::sign("whsec", body.as_bytes()),
        ),
        (
            "X-Shopify-Webhook-Id".to_string(),
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043".to_string(),
        ),
    ];
    (headers, body.as_bytes().to_vec())
}

#[tokio::test]
async fn refunds_give_the_order_id_and_other_topics_are_ignored() {
    let h = hooks("whsec");
    let (headers, body) = signed(
        "refunds/create",
        r#"{"id":509562969,"order_id":450789469,"refund_line_items":[]}"#,
    );
    let msg = h
        .receive(WebhookRequest {
            headers: &headers,
            body: &body,
        })
        .unwrap();
    assert_eq!(msg.content, PushContent::OrderIds(vec!["450789469".into()]));
    assert_eq!(msg.delivery_id, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    let (headers, body) = signed("products/update", r#"{"id":1}"#);
    let msg = h
        .receive(WebhookRequest {
            headers: &headers,
            body: &body,
        })
        .unwrap();
    assert!(matches!(msg.content, PushContent::Ignored(_)));
}

#[tokio::test]
async fn tax_on_top_of_prices_goes_into_the_lines_paid() {
    let body = r##"{"id":5001,"name":"#1001","created_at":"2024-03-01T10:00:00-05:00",
      "updated_at":"2024-03-01T10:05:00-05:00","processed_at":"2024-03-01T10:00:00-05:00",
      "cancelled_at":null,"email":"ann@example.com","currency":"USD","financial_status":"paid",
      "fulfillment_status":"partial","taxes_included":false,"total_tax":"2.61","total_price":"37.61",
      "discount_applications":[{"target_selection":"all","allocation_method":"across"},
        {"target_selection":"explicit","allocation_method":"one"}],
      "line_items":[
        {"id":1,"product_id":10,"variant_id":11,"sku":"A-1","title":"Tee","variant_title":"L",
         "quantity":2,"price":"10.00","total_discount":"3.00",
         "discount_allocations":[{"amount":"2.00","discount_application_index":0},
           {"amount":"1.00","discount_application_index":1}],
         "tax_lines":[{"price":"1.36","rate":0.08}]},
        {"id":2,"product_id":null,"variant_id":null,"sku":null,"title":"Gift wrap","variant_title":null,
         "quantity":1,"price":"15.00","total_discount":"1.00",
         "discount_allocations":[{"amount":"1.00","discount_application_index":0}],
         "tax_lines":[{"price":"1.12","rate":0.08}]}],
      "shipping_lines":[{"price":"5.00","discount_allocations":[{"amount":"1.00","discount_application_index":0}],"tax_lines":[{"price":"0.13"}]}],
      "shipping_address":{"name":"Ann Lee","address1":"1 Main St","address2":"Apt 2","city":"Ottawa",
        "province":"Ontario","zip":"K1A 0B1","phone":"+1 613-555-0100"},
      "customer":{"id":207119551,"email":null},"note":"gift","refunds":[
        {"refund_line_items":[{"line_item_id":1,"quantity":1}]}]}"##;
    let (headers, body) = signed("orders/updated", body);
    let msg = hooks("whsec")
        .receive(WebhookRequest {
            headers: &headers,
            body: &body,
        })
        .unwrap();
    let PushContent::Orders(orders) = msg.content else {
        panic!()
    };
    let got = order(&orders[0]);
    assert_eq!(got.state, PlatformState::PartShipped);
    let o = &got.order;
    assert_eq!(
        (o.platform_order_id.as_str(), o.currency.as_str()),
        ("5001", "USD")
    );
    assert_eq!(o.created_at, 1_709_305_200_000);
    assert_eq!(o.paid_at, Some(1_709_305_200_000));
    assert_eq!(got.modified_ms, 1_709_305_500_000);
    assert_eq!(
        (o.goods_amount, o.shipping_fee, o.paid_amount),
        (Fen(3500), Fen(400), Fen(3861 - 100))
    );
    assert_eq!(o.discount_merchant, Fen(300));
    // Line 1: 20.00 − 1.00 own − 2.00 order share + 1.36 tax + its share of shipping tax.
    let l = &o.lines;
    assert_eq!(
        (l[0].line_discount, l[0].order_discount_share),
        (Fen(100), Fen(200))
    );
    assert_eq!(
        (l[1].line_discount, l[1].order_discount_share),
        (Fen(0), Fen(100))
    );
    assert_eq!(
        (l[0].paid, l[1].paid),
        (Fen(1700 + 136 + 7), Fen(1400 + 112 + 6))
    );
    assert!(o.amounts_add_up());
    assert_eq!(
        (l[0].refund_status.as_str(), l[1].refund_status.as_str()),
        ("partially_refunded", "")
    );
    assert_eq!(
        (l[1].outer_code.as_str(), l[1].platform_item_id.as_str()),
        ("", "")
    );
    assert_eq!(o.receiver.detail, "1 Main St Apt 2");
    assert_eq!(
        (o.receiver.mobile.as_str(), o.receiver.phone.as_str()),
        ("+1 613-555-0100", "")
    );
    assert_eq!(
        (o.buyer_nick.as_str(), o.buyer_id.as_str()),
        ("ann@example.com", "207119551")
    );
    assert_eq!(o.buyer_message, "gift");
}
