//! 发货回传: each pull adapter ships through its platform's shipping call against the
//! platform's simulator, which checks the call as it checks reads, records the parcel,
//! and then shows the order shipped when it is read back.

use std::sync::Arc;

use jxc_channels::{
    Channel, ChannelError, Fetched, Options, PlatformState, RemoteOrder, ShipNotice, pull_channel,
};
use jxc_core::ids::ShopId;
use jxc_core::partners::{Credentials, Platform};
use jxc_sim::world::SimLine;
use jxc_sim::{SimCredentials, SimOrder, SimServer, SimState, SimStatus, World};

const START: i64 = 1_700_000_000_000;

const PLATFORMS: [(&str, Platform); 6] = [
    ("taobao", Platform::Taobao),
    ("pdd", Platform::Pdd),
    ("jd", Platform::Jd),
    ("douyin", Platform::Douyin),
    ("shopify", Platform::Shopify),
    ("woocommerce", Platform::Woocommerce),
];

/// A simulator of `name` and the adapter a shop would build with its credentials.
async fn setup(name: &str, platform: Platform) -> (SimServer, Box<dyn Channel>) {
    let state = SimState {
        world: Arc::new(World::new(5, START, jxc_sim::sample_products())),
        credentials: SimCredentials::default(),
    };
    let server = jxc_sim::start(name, state)
        .await
        .expect("the simulator starts");
    let creds = server.state.credentials.for_shop(name, &server.base_url);
    let channel = pull_channel(
        ShopId(7),
        platform,
        &Credentials(creds),
        &Options::default(),
    )
    .expect("credentials")
    .expect("a pull platform");
    (server, channel)
}

/// A new paid order of two lines, as the world has it.
fn paid_order(server: &SimServer) -> SimOrder {
    server.world().with(|w| {
        let id = w.new_order();
        let o = w.orders.iter_mut().find(|o| o.id == id).unwrap();
        o.status = SimStatus::Paid;
        o.paid_ms = Some(o.created_ms);
        o.lines.truncate(1);
        let second = SimLine {
            line_id: 90_000 + id,
            ..o.lines[0].clone()
        };
        o.lines.push(second);
        o.clone()
    })
}

/// The order's id on the platform.
fn platform_id(name: &str, o: &SimOrder) -> String {
    match name {
        "taobao" => jxc_sim::taobao::tid(o.id).to_string(),
        "pdd" => jxc_sim::pdd::order_sn(o),
        "jd" => jxc_sim::jd::order_id_text(o.id),
        "douyin" => jxc_sim::douyin::order_id(o),
        _ => o.id.to_string(),
    }
}

fn notice(id: &str, carrier: &str, tracking_no: &str, line_ids: Vec<String>) -> ShipNotice {
    ShipNotice {
        platform_order_id: id.to_string(),
        carrier: carrier.to_string(),
        tracking_no: tracking_no.to_string(),
        line_ids,
    }
}

async fn read_back(channel: &dyn Channel, id: &str) -> RemoteOrder {
    match channel.order(id).await.expect("a read").expect("the order") {
        Fetched::Order(o) => *o,
        Fetched::Malformed { reason, raw, .. } => panic!("malformed: {reason}: {raw}"),
    }
}

/// Ships a whole order with 圆通 and checks what the platform received, how the order
/// reads back, that the same parcel again is Ok and that another tracking number is not.
async fn ships_a_whole_order(
    name: &str,
    platform: Platform,
    carrier_on_platform: &str,
    shipped_status: &str,
    shipped_state: PlatformState,
) {
    let (server, channel) = setup(name, platform).await;
    let o = paid_order(&server);
    let id = platform_id(name, &o);
    let before = read_back(channel.as_ref(), &id).await;
    assert_eq!(before.state, PlatformState::AwaitingShipment, "{name}");

    let parcel = notice(&id, "yuantong", "YT7000000001", vec![]);
    channel.ship(&parcel).await.expect("shipped");
    let sent = vec![(carrier_on_platform.to_string(), "YT7000000001".to_string())];
    assert_eq!(server.world().shipped(o.id), sent, "{name}");
    let after = read_back(channel.as_ref(), &id).await;
    assert_eq!(
        (after.order.platform_status.as_str(), after.state),
        (shipped_status, shipped_state),
        "{name}"
    );

    channel
        .ship(&parcel)
        .await
        .expect("the same parcel again is Ok");
    assert_eq!(server.world().shipped(o.id), sent, "{name}: recorded once");
    let other = notice(&id, "yuantong", "YT7000000002", vec![]);
    let e = channel
        .ship(&other)
        .await
        .expect_err("another tracking number");
    assert!(
        matches!(e, ChannelError::Platform { .. }) && !e.retryable(),
        "{name}: {e}"
    );
    assert_eq!(
        server.world().shipped(o.id),
        sent,
        "{name}: nothing more recorded"
    );
}

#[tokio::test]
async fn taobao_ships_with_offline_send_and_reads_back_waiting_for_the_buyer() {
    let (shipped, state) = ("WAIT_BUYER_CONFIRM_GOODS", PlatformState::Shipped);
    ships_a_whole_order("taobao", Platform::Taobao, "YTO", shipped, state).await;
}

#[tokio::test]
async fn pdd_ships_with_online_send_and_reads_back_shipped() {
    let (shipped, state) = ("已发货待签收", PlatformState::Shipped);
    ships_a_whole_order("pdd", Platform::Pdd, "85", shipped, state).await;
}

#[tokio::test]
async fn jd_ships_with_order_shipment_and_reads_back_waiting_for_receipt() {
    let (shipped, state) = ("WAIT_GOODS_RECEIVE_CONFIRM", PlatformState::Shipped);
    ships_a_whole_order("jd", Platform::Jd, "463", shipped, state).await;
}

#[tokio::test]
async fn douyin_ships_with_logistics_add_and_reads_back_shipped() {
    let (shipped, state) = ("已发货", PlatformState::Shipped);
    ships_a_whole_order("douyin", Platform::Douyin, "yuantong", shipped, state).await;
}

#[tokio::test]
async fn shopify_ships_through_fulfillment_orders_and_reads_back_fulfilled() {
    let (shipped, state) = ("paid", PlatformState::Shipped);
    ships_a_whole_order("shopify", Platform::Shopify, "YTO Express", shipped, state).await;
}

#[tokio::test]
async fn woocommerce_completes_the_order_with_its_tracking_meta() {
    let (shipped, state) = ("completed", PlatformState::Completed);
    ships_a_whole_order(
        "woocommerce",
        Platform::Woocommerce,
        "YTO Express",
        shipped,
        state,
    )
    .await;
}

#[tokio::test]
async fn a_part_shipment_reads_part_shipped_until_the_rest_ships() {
    for (name, platform, part_status) in [
        ("taobao", Platform::Taobao, "SELLER_CONSIGNED_PART"),
        ("shopify", Platform::Shopify, "paid"),
    ] {
        let (server, channel) = setup(name, platform).await;
        let o = paid_order(&server);
        let id = platform_id(name, &o);
        let first = match name {
            "taobao" => (jxc_sim::taobao::OID_BASE + o.lines[0].line_id).to_string(),
            _ => o.lines[0].line_id.to_string(),
        };
        let part = notice(&id, "zhongtong", "ZT1", vec![first]);
        channel.ship(&part).await.expect("the first parcel");
        let read = read_back(channel.as_ref(), &id).await;
        assert_eq!(
            (read.order.platform_status.as_str(), read.state),
            (part_status, PlatformState::PartShipped),
            "{name}"
        );
        channel.ship(&part).await.expect("the first parcel again");
        channel
            .ship(&notice(&id, "sf", "SF2", vec![]))
            .await
            .expect("the rest");
        assert_eq!(
            read_back(channel.as_ref(), &id).await.state,
            PlatformState::Shipped
        );
        let (zto, sf) = match name {
            "taobao" => ("ZTO", "SF"),
            _ => ("ZTO Express", "SF Express"),
        };
        assert_eq!(
            server.world().shipped(o.id),
            vec![(zto.into(), "ZT1".into()), (sf.into(), "SF2".into())],
            "{name}"
        );
        let lines = server.world().order(o.id).unwrap().shipments;
        assert_eq!(lines[0].line_ids, vec![o.lines[0].line_id], "{name}");
        assert_eq!(lines[1].line_ids, vec![o.lines[1].line_id], "{name}");
    }
}

#[tokio::test]
async fn shipping_an_order_the_platform_does_not_know_names_the_platforms_error() {
    for ((name, platform), says) in PLATFORMS.into_iter().zip([
        "交易不存在",
        "订单不存在",
        "订单不存在",
        "订单不存在",
        "Not Found",
        "woocommerce_rest_shop_order_invalid_id",
    ]) {
        let (server, channel) = setup(name, platform).await;
        let o = paid_order(&server);
        let id = platform_id(name, &o);
        server.world().with(|w| w.orders.retain(|x| x.id != o.id));
        let e = channel
            .ship(&notice(&id, "sf", "SF1", vec![]))
            .await
            .expect_err("an unknown order");
        assert!(matches!(e, ChannelError::Platform { .. }), "{name}: {e:?}");
        assert!(!e.retryable(), "{name}");
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
}

#[tokio::test]
async fn a_cancelled_order_is_refused_and_nothing_is_recorded() {
    for (name, platform) in PLATFORMS {
        let (server, channel) = setup(name, platform).await;
        let o = paid_order(&server);
        server.world().with(|w| {
            let x = w.orders.iter_mut().find(|x| x.id == o.id).unwrap();
            x.status = SimStatus::Cancelled;
        });
        let e = channel
            .ship(&notice(&platform_id(name, &o), "yunda", "YD1", vec![]))
            .await
            .expect_err("a cancelled order");
        assert!(
            matches!(e, ChannelError::Platform { .. }) && !e.retryable(),
            "{name}: {e}"
        );
        assert!(server.world().shipped(o.id).is_empty(), "{name}");
    }
}

#[tokio::test]
async fn what_no_platform_would_take_is_refused_before_anything_is_sent() {
    for (name, platform) in PLATFORMS {
        let (server, channel) = setup(name, platform).await;
        let o = paid_order(&server);
        let id = platform_id(name, &o);
        let line = o.lines[0].line_id.to_string();
        let mut bad = vec![
            (notice(&id, "dhl", "X1", vec![]), "jxc.unknown-carrier"),
            (notice(&id, "sf", "  ", vec![]), "jxc.missing-tracking-no"),
            (notice(" ", "sf", "SF1", vec![]), "jxc.missing-order-id"),
        ];
        match name {
            "taobao" => bad.push((
                notice(&id, "local", "JXC1", vec![]),
                "jxc.carrier-not-on-platform",
            )),
            "douyin" => bad.push((
                notice(&id, "local", "JXC1", vec![]),
                "jxc.carrier-not-on-platform",
            )),
            _ => {}
        }
        if matches!(name, "pdd" | "jd" | "douyin" | "woocommerce") {
            bad.push((
                notice(&id, "sf", "SF1", vec![line]),
                "jxc.part-shipment-unsupported",
            ));
        }
        for (n, expected) in bad {
            match channel.ship(&n).await {
                Err(ChannelError::Platform { code, .. }) => assert_eq!(code, expected, "{name}"),
                other => panic!("{name}: {n:?} gave {other:?}"),
            }
        }
        assert_eq!(server.world().with(|w| w.stats.requests), 0, "{name}");
    }
}
