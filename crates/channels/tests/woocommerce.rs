//! The WooCommerce adapters against the WooCommerce simulator: pull (orders, numbered
//! pages, windows, errors) and webhooks (signature, ping, topics, delivery ids, taxes).

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};

use jxc_channels::http::Http;
use jxc_channels::woocommerce::{Woo, WooWebhooks};
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
    jxc_sim::woocommerce::start(state).await.unwrap()
}

fn adapter(server: &SimServer, secret: &str) -> Woo {
    let creds = serde_json::json!({
        "base_url": format!("{}/", server.base_url),
        "consumer_key": server.state.credentials.app_key,
        "consumer_secret": secret,
    });
    let http = Http::new(&Options::default()).unwrap();
    Woo::new(ShopId(9), &ShopCredentials::new(&creds), http).unwrap()
}

fn good(server: &SimServer) -> Woo {
    adapter(server, &server.state.credentials.app_secret)
}

fn hooks(secret: &str) -> WooWebhooks {
    let creds = serde_json::json!({ "webhook_secret": secret });
    WooWebhooks::new(ShopId(9), &ShopCredentials::new(&creds)).unwrap()
}

fn order(f: &Fetched) -> &RemoteOrder {
    match f {
        Fetched::Order(o) => o,
        Fetched::Malformed { reason, raw, .. } => panic!("malformed: {reason}: {raw}"),
    }
}

/// Every page of `window`, in order.
async fn all_pages(s: &Woo, window: Window) -> Vec<Fetched> {
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
    match o.status {
        SimStatus::Unpaid => ("pending", PlatformState::Unpaid),
        SimStatus::Paid => ("processing", PlatformState::AwaitingShipment),
        SimStatus::Shipped | SimStatus::Completed => ("completed", PlatformState::Completed),
        SimStatus::Cancelled if o.paid_ms.is_none() => ("cancelled", PlatformState::Closed),
        SimStatus::Cancelled => ("refunded", PlatformState::Closed),
    }
}

fn expected_refund(o: &SimOrder) -> String {
    let refunded: i64 = o
        .lines
        .iter()
        .zip(o.line_paid_fen())
        .filter(|(l, _)| l.refund == SimRefund::Refunded)
        .map(|(_, p)| p)
        .sum();
    match (o.status, refunded) {
        (SimStatus::Cancelled, _) if o.paid_ms.is_some() => "refunded".into(),
        (_, 0) => String::new(),
        (_, r) => format!("partially_refunded {}", Fen(r).to_yuan()),
    }
}

/// The order as read matches the simulated one, to the fen.
fn assert_same(got: &RemoteOrder, want: &SimOrder) {
    let o = &got.order;
    assert_eq!(o.shop_id, ShopId(9));
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
    assert_eq!(o.discount_merchant, Fen(0));
    let goods: i64 = want.lines.iter().map(|l| l.price_fen * l.qty).sum();
    assert_eq!(o.goods_amount, Fen(goods));
    assert!(o.amounts_add_up(), "{o:?}");
    assert_eq!(o.lines.len(), want.lines.len());
    let refund = expected_refund(want);
    for ((l, w), paid) in o.lines.iter().zip(&want.lines).zip(want.line_paid_fen()) {
        assert_eq!(l.platform_line_id, w.line_id.to_string());
        assert_eq!(l.platform_item_id, w.item_id.to_string());
        assert_eq!(l.platform_sku_id, w.sku_id.to_string());
        assert_eq!(
            (l.outer_code.as_str(), l.title.as_str()),
            (w.sku_code.as_str(), w.title.as_str())
        );
        assert_eq!(l.spec, format!("规格:{}", w.spec));
        assert_eq!((l.qty, l.unit_price), (w.qty, Fen(w.price_fen)));
        // Coupons are spread over the lines: all of a line's reduction is its discount.
        assert_eq!(l.line_discount, Fen(w.price_fen * w.qty - paid));
        assert_eq!(l.order_discount_share, Fen(0));
        assert_eq!(l.paid, Fen(paid));
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
    let server = sim(11).await;
    let world = server.world().clone();
    world.advance_to(START + 30 * HOUR);
    let s = good(&server);
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
        PlatformState::Completed,
        PlatformState::Closed,
    ] {
        assert!(states.contains(&s), "{s:?} missing from {states:?}");
    }
    assert!(got.iter().any(|f| {
        order(f)
            .order
            .lines
            .iter()
            .any(|l| l.refund_status.starts_with("partially_refunded"))
    }));
}

#[tokio::test]
async fn numbered_pages_cover_the_window_once() {
    let server = sim(12).await;
    let world = server.world().clone();
    world.advance_to(START + 3 * HOUR);
    let window = Window {
        start_ms: START,
        end_ms: START + 3 * HOUR,
    };
    let want = world.modified_between(window.start_ms, window.end_ms);
    assert!(want.len() > 300, "{}", want.len());
    let s = good(&server);
    let first = s.changed_orders(window, 1).await.unwrap();
    assert_eq!(first.total, Some(want.len() as u64));
    assert_eq!(first.orders.len(), 100);
    assert!(first.has_next);
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
    let past = s.changed_orders(window, 99).await.unwrap();
    assert!(past.orders.is_empty() && !past.has_next);
}

#[tokio::test]
async fn an_order_modified_at_a_window_end_is_in_the_next_window() {
    let server = sim(13).await;
    let world = server.world().clone();
    let at = START + 2 * HOUR;
    world.advance_to(at);
    let id = world.with(|w| w.new_order()).to_string();
    let s = good(&server);
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
async fn a_wrong_consumer_secret_is_unauthorized() {
    let server = sim(14).await;
    let s = adapter(&server, "cs_wrong");
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
        matches!(&err, ChannelError::Unauthorized(m) if m.contains("Invalid signature")),
        "{err:?}"
    );
    assert!(!err.retryable());
    assert_eq!(server.world().with(|w| w.stats.bad_signatures), 1);
}

#[tokio::test]
async fn faults_map_to_rate_limited_network_and_malformed() {
    let server = sim(15).await;
    let world = server.world().clone();
    world.advance_to(START + HOUR);
    let s = good(&server);
    let window = Window {
        start_ms: START,
        end_ms: START + HOUR,
    };

    world.with(|w| w.faults.rate_limited = 1);
    let err = s.changed_orders(window, 1).await.unwrap_err();
    assert!(err.retryable());
    assert!(
        matches!(&err, ChannelError::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 1),
        "{err:?}"
    );

    world.with(|w| w.faults.server_error = 1);
    let err = s.changed_orders(window, 1).await.unwrap_err();
    assert!(matches!(err, ChannelError::Network(_)), "{err:?}");

    world.with(|w| w.faults.malformed_body = 1);
    let err = s.changed_orders(window, 1).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Malformed { raw, .. } if raw.contains("Fatal error")),
        "{err:?}"
    );

    world.with(|w| w.faults.malformed_order = 1);
    let page = s.changed_orders(window, 1).await.unwrap();
    let want = world.modified_between(START, START + HOUR);
    assert_eq!(page.orders.len(), want.len().min(100));
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
    let server = sim(16).await;
    let world = server.world().clone();
    world.advance_to(START + HOUR);
    let s = good(&server);
    let want = &world.modified_between(START, START + HOUR)[0];
    let got = s.order(&want.id.to_string()).await.unwrap().unwrap();
    assert_same(order(&got), want);
    assert_eq!(s.order("999").await.unwrap(), None);
    assert_eq!(s.order("../orders").await.unwrap(), None);
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
    let server = sim(18).await;
    let world = server.world().clone();
    world.advance_to(START + HOUR);
    let (url, got) = webhook_receiver();
    let last = jxc_sim::woocommerce::send_webhooks(&server.state, &url, 0)
        .await
        .unwrap();
    let changed = world.changed_after(0);
    assert_eq!(last, changed.last().unwrap().seq);
    assert_eq!(world.with(|w| w.stats.webhooks_sent), changed.len() as u64);
    jxc_sim::woocommerce::send_ping(&url).await.unwrap();
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), changed.len() + 1);

    let h = hooks("sim-webhook-secret");
    let mut ids = HashSet::new();
    for ((headers, body), want) in got.iter().zip(&changed) {
        let msg = h.receive(WebhookRequest { headers, body }).unwrap();
        assert!(msg.topic.starts_with("order."), "{}", msg.topic);
        assert!(ids.insert(msg.delivery_id.clone()), "delivery id repeated");
        match &msg.content {
            PushContent::Orders(orders) => assert_same(order(&orders[0]), want),
            other => panic!("{other:?}"),
        }
    }
    // The ping when the webhook was created: unsigned, recognised, ignored.
    let (headers, body) = got.last().unwrap();
    let ping = h.receive(WebhookRequest { headers, body }).unwrap();
    assert!(matches!(ping.content, PushContent::Ignored(_)), "{ping:?}");
}

fn signed(secret: &str, topic: &str, body: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let headers = vec![
        ("X-WC-Webhook-Topic".to_string(), topic.to_string()),
        (
            "X-WC-Webhook-Signature".to_string(),
            jxc_sim::woocommerce::sign(secret, body.as_bytes()),
        ),
        (
            "X-WC-Webhook-Delivery-ID".to_string(),
            "d41d8cd98f00b204e9800998ecf8427e".to_string(),
        ),
    ];
    (headers, body.as_bytes().to_vec())
}

#[tokio::test]
async fn a_wrong_hmac_is_refused_before_reading() {
    let h = hooks("whsec");
    let (headers, body) = signed("other-secret", "order.updated", r#"{"id":1,"broken":"#);
    assert_eq!(
        h.receive(WebhookRequest {
            headers: &headers,
            body: &body
        }),
        Err(ChannelError::BadSignature)
    );
    let (headers, body) = signed("whsec", "order.updated", r#"{"id":1}"#);
    let tampered = br#"{"id":2}"#;
    assert_eq!(
        h.receive(WebhookRequest {
            headers: &headers,
            body: tampered
        }),
        Err(ChannelError::BadSignature)
    );
    // Unsigned: only the exact ping shape passes, as ignored.
    let unsigned = &headers[..1];
    assert_eq!(
        h.receive(WebhookRequest {
            headers: unsigned,
            body: &body
        }),
        Err(ChannelError::BadSignature)
    );
    let err = h.receive(WebhookRequest {
        headers: unsigned,
        body: b"webhook_id=1&x=2",
    });
    assert_eq!(err, Err(ChannelError::BadSignature));
}

#[tokio::test]
async fn deleted_orders_give_their_id_and_other_topics_are_ignored() {
    let h = hooks("whsec");
    let (headers, body) = signed("whsec", "order.deleted", r#"{"id":727}"#);
    let msg = h
        .receive(WebhookRequest {
            headers: &headers,
            body: &body,
        })
        .unwrap();
    assert_eq!(msg.content, PushContent::OrderIds(vec!["727".into()]));
    assert_eq!(msg.delivery_id, "d41d8cd98f00b204e9800998ecf8427e");
    let (headers, body) = signed("whsec", "product.updated", r#"{"id":1}"#);
    let msg = h
        .receive(WebhookRequest {
            headers: &headers,
            body: &body,
        })
        .unwrap();
    assert!(matches!(msg.content, PushContent::Ignored(_)));
    // A signed ping is ignored too.
    let (headers, body) = signed("whsec", "", "webhook_id=3");
    let msg = h
        .receive(WebhookRequest {
            headers: &headers,
            body: &body,
        })
        .unwrap();
    assert!(matches!(msg.content, PushContent::Ignored(_)));
}

#[tokio::test]
async fn taxes_and_fees_go_into_the_lines_paid() {
    let body = r#"{"id":727,"status":"processing","currency":"USD",
      "date_created_gmt":"2024-03-01T15:00:00","date_modified_gmt":"2024-03-01T15:05:00",
      "date_paid_gmt":"2024-03-01T15:01:00","prices_include_tax":false,
      "discount_total":"2.00","shipping_total":"5.00","shipping_tax":"0.50","total":"37.40",
      "total_tax":"3.40","customer_id":0,"customer_note":"",
      "billing":{"first_name":"Ann","last_name":"Lee","email":"","phone":"0571-88888888"},
      "shipping":{"first_name":"Ann","last_name":"Lee","address_1":"1 Main St","address_2":"",
        "city":"Ottawa","state":"ON","postcode":"K1A 0B1","country":"CA","phone":""},
      "line_items":[
        {"id":1,"name":"Tee - L","parent_name":"Tee","product_id":10,"variation_id":0,"quantity":3,
         "subtotal":"10.00","subtotal_tax":"1.00","total":"8.00","total_tax":"0.80","sku":"A-1",
         "price":2.6666666666666665,
         "meta_data":[{"key":"_reduced_stock","value":"3","display_key":"_reduced_stock","display_value":"3"},
           {"key":"pa_size","value":"l","display_key":"Size","display_value":"L"}]},
        {"id":2,"name":"Mug","product_id":20,"variation_id":21,"quantity":1,"subtotal":"20.00",
         "subtotal_tax":"2.00","total":"20.00","total_tax":"2.00","sku":"","meta_data":[]}],
      "fee_lines":[{"total":"1.00","total_tax":"0.10"}],
      "refunds":[{"id":9,"reason":"","total":"-3.00"},{"id":10,"reason":"","total":"-1.50"}]}"#;
    let (headers, body) = signed("whsec", "order.updated", body);
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
    assert_eq!(got.state, PlatformState::AwaitingShipment);
    let o = &got.order;
    assert_eq!(
        (o.created_at, o.paid_at),
        (1_709_305_200_000, Some(1_709_305_260_000))
    );
    assert_eq!(got.modified_ms, 1_709_305_500_000);
    assert_eq!(
        (o.shipping_fee, o.paid_amount, o.goods_amount),
        (Fen(500), Fen(3740), Fen(333 * 3 + 2000))
    );
    let l = &o.lines;
    assert_eq!((l[0].unit_price, l[0].line_discount), (Fen(333), Fen(200)));
    // Own tax, then shipping tax and the fee by largest remainder (weights 880 : 2200).
    assert_eq!((l[0].paid, l[1].paid), (Fen(880 + 46), Fen(2200 + 114)));
    assert!(o.amounts_add_up());
    assert_eq!(
        (l[0].spec.as_str(), l[0].platform_sku_id.as_str()),
        ("Size:L", "")
    );
    assert_eq!(l[1].platform_sku_id, "21");
    assert_eq!(l[0].refund_status, "partially_refunded 4.50");
    assert_eq!(l[1].refund_status, "partially_refunded 4.50");
    let r = &o.receiver;
    assert_eq!(
        (r.name.as_str(), r.mobile.as_str(), r.phone.as_str()),
        ("Ann Lee", "", "0571-88888888")
    );
    assert_eq!(
        (r.province.as_str(), r.detail.as_str()),
        ("ON", "1 Main St")
    );
    assert_eq!(
        (o.buyer_nick.as_str(), o.buyer_id.as_str()),
        ("Ann Lee", "")
    );
}
