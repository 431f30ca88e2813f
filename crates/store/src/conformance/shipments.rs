//! Conformance: 发货单 — a shipment takes allocated orders of one warehouse under a
//! tracking number used once; it ships once, only when the scan equals what the orders
//! hold reserved, posting the issue that consumes the reservations; a shipped order can
//! be neither cancelled nor un-allocated; an unshipped label goes with its allocation;
//! number ranges never repeat.

use jxc_core::ids::{OrderId, SkuId, WarehouseId};
use jxc_core::inventory::DocumentKind;

use super::fulfillment::{allocated, audit_actions, order, want};
use super::orders::shop;
use super::{Shared, actor, balance, line, post, sku, warehouse};
use crate::{NewShipment, ShipInput, ShipmentFilter, ShipmentStatus, StoreError, TrackingUpdate};

fn label(wh: WarehouseId, orders: Vec<OrderId>, no: &str) -> NewShipment {
    NewShipment {
        warehouse_id: wh,
        wave_id: None,
        orders,
        carrier: "yuantong".into(),
        tracking_no: no.into(),
        print_data: String::new(),
    }
}

fn scan(sku: SkuId, n: i64) -> ShipInput {
    ShipInput {
        serials: vec![],
        scanned: vec![(sku, n)],
        packages: 1,
        weight_g: Some(850),
    }
}

fn conflict_on(e: &StoreError, field: &str, says: &str) -> bool {
    matches!(e, StoreError::Conflict(f) if f.field == field && f.reason.contains(says))
}

pub async fn a_shipment_ships_once_when_the_scan_matches_and_posts_the_issue_of_its_reservations(
    s: Shared,
) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 10, Some(100))],
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let o1 = order(&s, tb, "7001").await;
    let o2 = order(&s, tb, "7002").await;
    for (o, pid) in [(o1, "7001"), (o2, "7002")] {
        s.save_allocation(
            &allocated(o, vec![hz.wh], vec![want(tee, hz.wh, 2, pid)]),
            &actor(),
        )
        .await
        .unwrap();
    }

    // 合单: both orders in one shipment under one tracking number.
    let made = s
        .create_shipments(&[label(hz.wh, vec![o2, o1], "YT100")], &actor())
        .await
        .unwrap();
    let sh = made[0].clone();
    assert_eq!(sh.orders, vec![o1, o2]);
    assert_eq!(sh.status, ShipmentStatus::Labelled);
    assert_eq!(s.get_shipment(sh.id).await.unwrap(), Some(sh.clone()));
    assert_eq!(s.shipment_contents(sh.id).await.unwrap(), vec![(tee, 4)]);

    // An order has one shipment per warehouse; a tracking number is used once.
    let e = s
        .create_shipments(&[label(hz.wh, vec![o1], "YT101")], &actor())
        .await
        .unwrap_err();
    assert!(conflict_on(&e, "orders", "已有发货单"), "{e}");
    let o3 = order(&s, tb, "7003").await;
    s.save_allocation(
        &allocated(o3, vec![hz.wh], vec![want(tee, hz.wh, 1, "7003")]),
        &actor(),
    )
    .await
    .unwrap();
    let e = s
        .create_shipments(&[label(hz.wh, vec![o3], "YT100")], &actor())
        .await
        .unwrap_err();
    assert!(conflict_on(&e, "tracking_no", "YT100"), "{e}");

    // One tee short of the scan: refused, nothing moves.
    let e = s.ship(sh.id, &scan(tee, 3), &actor()).await.unwrap_err();
    assert!(conflict_on(&e, "scanned", "应 4 扫 3"), "{e}");
    assert_eq!(balance(&s, tee, hz.a).await, (10, 5, 1000));
    assert_eq!(
        s.get_shipment(sh.id).await.unwrap().unwrap().status,
        ShipmentStatus::Labelled
    );

    // The full scan ships it: the issue takes the 4 reserved tees out at cost.
    let out = s.ship(sh.id, &scan(tee, 4), &actor()).await.unwrap();
    assert_eq!(out.status, ShipmentStatus::Shipped);
    assert_eq!((out.packages, out.weight_g), (1, Some(850)));
    assert_eq!(out.shipped_by, "tester");
    let doc = s
        .get_document(out.document_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.summary.kind, DocumentKind::Issue);
    assert_eq!(doc.summary.reference, "YT100");
    assert_eq!(doc.moves.iter().map(|m| m.qty).sum::<i64>(), -4);
    assert_eq!(balance(&s, tee, hz.a).await, (6, 1, 600));

    // Once out: not again, not cancelled, not un-allocated.
    let e = s.ship(sh.id, &scan(tee, 4), &actor()).await.unwrap_err();
    assert!(conflict_on(&e, "status", "已发货"), "{e}");
    let done = s
        .cancel_orders(&[o1], "买家不要了", &actor())
        .await
        .unwrap();
    assert!(!done[0].ok && done[0].reason.contains("已发货"));
    let e = s.release_allocation(o1, &actor()).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");

    // Out and quiet: found by "no tracking since"; subscribing is recorded.
    let quiet = |since: i64| ShipmentFilter {
        quiet_since: Some(since),
        ..Default::default()
    };
    let shipped_at = out.shipped_at.unwrap();
    let found = s
        .list_shipments(&quiet(shipped_at + 1), &super::page(10))
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![sh.id]
    );
    let found = s
        .list_shipments(&quiet(shipped_at), &super::page(10))
        .await
        .unwrap();
    assert!(found.items.is_empty());
    s.set_subscribed(sh.id, "ok").await.unwrap();
    assert_eq!(
        s.get_shipment(sh.id).await.unwrap().unwrap().subscribed,
        "ok"
    );

    // Tracking: signed.
    let signed = s
        .record_tracking(
            sh.id,
            &TrackingUpdate {
                state: "3".into(),
                at_ms: 1_700_000_000_000,
                status: ShipmentStatus::Signed,
                exception: String::new(),
            },
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(signed.status, ShipmentStatus::Signed);
    s.set_writeback(sh.id, "ok").await.unwrap();
    assert_eq!(
        s.get_shipment(sh.id).await.unwrap().unwrap().writeback,
        "ok"
    );
    assert_eq!(
        audit_actions(&s, "shipment", sh.id).await,
        vec!["tracking", "ship", "create"]
    );

    // The list finds it by order, by tracking number and by status.
    for f in [
        ShipmentFilter {
            order: Some(o2),
            ..Default::default()
        },
        ShipmentFilter {
            tracking_no: Some("YT100".into()),
            ..Default::default()
        },
        ShipmentFilter {
            status: Some(ShipmentStatus::Signed),
            ..Default::default()
        },
    ] {
        let got = s.list_shipments(&f, &super::page(10)).await.unwrap().items;
        assert_eq!(got.iter().map(|x| x.id).collect::<Vec<_>>(), vec![sh.id]);
    }
    // o3 is still reserved; release it so the books end without a dangling allocation.
    s.release_allocation(o3, &actor()).await.unwrap();
}

pub async fn an_unshipped_label_goes_with_its_allocation_and_numbers_never_repeat(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 5, Some(100))],
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let o = order(&s, tb, "7101").await;
    s.save_allocation(
        &allocated(o, vec![hz.wh], vec![want(tee, hz.wh, 1, "7101")]),
        &actor(),
    )
    .await
    .unwrap();
    let sh = s
        .create_shipments(&[label(hz.wh, vec![o], "JXC1")], &actor())
        .await
        .unwrap()
        .remove(0);
    // A label has no tracking yet.
    let e = s
        .record_tracking(
            sh.id,
            &TrackingUpdate {
                state: "0".into(),
                at_ms: 1,
                status: ShipmentStatus::Shipped,
                exception: String::new(),
            },
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");

    // Released (e.g. held): the label is dropped with the allocation.
    s.release_allocation(o, &actor()).await.unwrap();
    assert_eq!(s.get_shipment(sh.id).await.unwrap(), None);
    assert_eq!(
        audit_actions(&s, "shipment", sh.id).await,
        vec!["drop", "create"]
    );
    assert_eq!(balance(&s, tee, hz.a).await, (5, 0, 500));

    // A counter hands out each value once, across calls.
    assert_eq!(s.take_numbers("waybill:JXC", 1, 3).await.unwrap(), 1);
    assert_eq!(s.take_numbers("waybill:JXC", 1, 2).await.unwrap(), 4);
    assert_eq!(s.take_numbers("waybill:SF", 100, 1).await.unwrap(), 100);
    assert_eq!(s.take_numbers("waybill:JXC", 1, 1).await.unwrap(), 6);
}
