//! Conformance: 分仓占用 — an order's allocation reserves its stock in one transaction,
//! is refused twice, saves nothing when the stock is not there, replaces a 缺货 one, and
//! gives everything back when released; the routing setup round trip.

use jxc_core::ids::{OrderId, ReservationId, ShopId, SkuId, WarehouseId};
use jxc_core::inventory::{DocumentKind, ReserveRequest};
use jxc_core::money::Fen;
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use jxc_core::paging::PageRequest;
use serde_json::json;

use super::orders::shop;
use super::{Shared, actor, balance, line, page, post, sku, warehouse};
use crate::{
    AllocationStatus, AuditFilter, IncomingOrder, NewAllocation, ReservationFilter,
    ReservationRequest, ReservationStatus, StoreError,
};

/// A paid order of one line, taken in like any other.
pub(super) async fn order(s: &Shared, shop: ShopId, pid: &str) -> OrderId {
    let o = NewOrder {
        shop_id: shop,
        platform_order_id: pid.into(),
        platform_status: "WAIT_SELLER_SEND_GOODS".into(),
        buyer_nick: format!("buyer-{pid}"),
        receiver: Receiver {
            name: "李四".into(),
            mobile: "13312345678".into(),
            province: "浙江省".into(),
            city: "杭州市".into(),
            district: "西湖区".into(),
            detail: "文三路1号".into(),
            ..Default::default()
        },
        created_at: 1_700_000_000_000,
        paid_at: Some(1_700_000_060_000),
        currency: "CNY".into(),
        goods_amount: Fen(5000),
        paid_amount: Fen(5000),
        lines: vec![OrderLine {
            platform_line_id: format!("{pid}-1"),
            title: "T恤".into(),
            qty: 1,
            unit_price: Fen(5000),
            paid: Fen(5000),
            refund_status: "NO_REFUND".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = s
        .import_orders(
            &[IncomingOrder {
                row: 2,
                order: o,
                holds: vec![],
            }],
            &actor(),
        )
        .await
        .unwrap();
    r[0].order_id
}

pub(super) fn want(sku: SkuId, wh: WarehouseId, qty: i64, order_ref: &str) -> ReservationRequest {
    ReservationRequest {
        request: ReserveRequest {
            sku,
            warehouse: wh,
            qty,
            location: None,
            lot: None,
        },
        source_type: "order".into(),
        source_ref: order_ref.into(),
    }
}

pub(super) fn allocated(
    order: OrderId,
    warehouses: Vec<WarehouseId>,
    reservations: Vec<ReservationRequest>,
) -> NewAllocation {
    NewAllocation {
        order_id: order,
        status: AllocationStatus::Allocated,
        decision: json!({
            "warehouses": warehouses,
            "steps": [{"strategy": "whole_order", "dropped": [{"reason": "库存不足 / short"}]}],
        }),
        warehouses,
        reservations,
    }
}

pub(super) fn short(order: OrderId, wanted: Vec<ReservationRequest>) -> NewAllocation {
    NewAllocation {
        order_id: order,
        status: AllocationStatus::Short,
        decision: json!({"short": true, "reason": "没有仓库有货 / no warehouse has stock"}),
        warehouses: vec![],
        reservations: wanted,
    }
}

async fn live_reservations(s: &Shared, order_ref: &str) -> Vec<crate::Reservation> {
    s.list_reservations(
        &ReservationFilter {
            source_ref: Some(order_ref.into()),
            status: Some(ReservationStatus::Live),
            ..Default::default()
        },
        &page(100),
    )
    .await
    .unwrap()
    .items
}

/// The audit actions on an entity, newest first.
pub(super) async fn audit_actions(s: &Shared, entity: &str, id: i64) -> Vec<String> {
    let f = AuditFilter {
        entity: Some(entity.into()),
        entity_id: Some(id.to_string()),
        ..Default::default()
    };
    let newest_first = PageRequest {
        desc: true,
        ..page(100)
    };
    let log = s.list_audit(&f, &newest_first).await.unwrap();
    log.items.into_iter().map(|e| e.action).collect()
}

pub async fn allocating_an_order_reserves_its_lines_in_one_transaction_and_a_second_allocation_is_refused(
    s: Shared,
) {
    let hz = warehouse(&s, "HZ").await;
    let sh = warehouse(&s, "SH").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 10, Some(100))],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        sh.wh,
        vec![line(cap, sh.a, 5, Some(300))],
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let o1 = order(&s, tb, "7001").await;

    // The order ships from two warehouses: a tee from 杭州, caps from 上海.
    let new = allocated(
        o1,
        vec![hz.wh, sh.wh],
        vec![want(tee, hz.wh, 3, "7001"), want(cap, sh.wh, 2, "7001")],
    );
    let saved = s.save_allocation(&new, &actor()).await.unwrap();
    assert_eq!(
        (saved.order_id, saved.status, saved.created_by.as_str()),
        (o1, AllocationStatus::Allocated, "tester")
    );
    assert_eq!(saved.decision, new.decision);
    assert_eq!(saved.reservation_ids.len(), 2);
    assert_eq!(balance(&s, tee, hz.a).await, (10, 3, 1000));
    assert_eq!(balance(&s, cap, sh.a).await, (5, 2, 1500));
    let mut live: Vec<ReservationId> = live_reservations(&s, "7001")
        .await
        .iter()
        .map(|r| r.id)
        .collect();
    live.sort();
    let mut ids = saved.reservation_ids.clone();
    ids.sort();
    assert_eq!(live, ids, "the allocation names the reservations it made");

    // Allocating the order again is refused and reserves nothing more.
    let e = s.save_allocation(&new, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "order_id"),
        "{e:?}"
    );
    assert_eq!(balance(&s, tee, hz.a).await, (10, 3, 1000));
    assert_eq!(live_reservations(&s, "7001").await.len(), 2);
    assert_eq!(s.get_allocation(o1).await.unwrap(), Some(saved.clone()));

    // A second order from 杭州 only.
    let o2 = order(&s, tb, "7002").await;
    let second = s
        .save_allocation(
            &allocated(o2, vec![hz.wh], vec![want(tee, hz.wh, 1, "7002")]),
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(balance(&s, tee, hz.a).await, (10, 4, 1000));

    // Listed by order, a page at a time; by status.
    let first_page = s.list_allocations(None, &page(1)).await.unwrap();
    assert_eq!(first_page.items, vec![saved.clone()]);
    let next = PageRequest::new(Some(1), first_page.next.as_deref(), false).unwrap();
    let second_page = s.list_allocations(None, &next).await.unwrap();
    assert_eq!(second_page.items, vec![second.clone()]);
    assert!(second_page.next.is_none());
    let desc = PageRequest {
        desc: true,
        ..page(10)
    };
    let newest_first = s.list_allocations(None, &desc).await.unwrap();
    assert_eq!(
        newest_first
            .items
            .iter()
            .map(|a| a.order_id)
            .collect::<Vec<_>>(),
        vec![o2, o1]
    );
    assert_eq!(
        s.list_allocations(Some(AllocationStatus::Allocated), &page(10))
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert!(
        s.list_allocations(Some(AllocationStatus::Short), &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Today's load: 杭州 ships two parcels, 上海 one; nothing routed after now.
    let mut load = vec![(hz.wh, 2), (sh.wh, 1)];
    load.sort();
    assert_eq!(
        s.shipments_routed_since(saved.created_at).await.unwrap(),
        load
    );
    assert!(
        s.shipments_routed_since(second.created_at + 60_000)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(audit_actions(&s, "order", o1.0).await[0], "allocate");
}

pub async fn an_allocation_that_cannot_be_reserved_saves_nothing(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 5, Some(100)), line(cap, hz.a, 4, Some(100))],
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let o = order(&s, tb, "8001").await;

    // The tees are there, the caps are not: neither is reserved, nothing is saved.
    let e = s
        .save_allocation(
            &allocated(
                o,
                vec![hz.wh],
                vec![want(tee, hz.wh, 3, "8001"), want(cap, hz.wh, 10, "8001")],
            ),
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Domain(jxc_core::Error::InsufficientStock { .. })
        ),
        "{e:?}"
    );
    assert!(s.get_allocation(o).await.unwrap().is_none());
    assert!(
        s.list_allocations(None, &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(balance(&s, tee, hz.a).await, (5, 0, 500));
    assert_eq!(balance(&s, cap, hz.a).await, (4, 0, 400));
    assert!(live_reservations(&s, "8001").await.is_empty());
    assert!(s.shipments_routed_since(0).await.unwrap().is_empty());
    assert!(
        !audit_actions(&s, "order", o.0)
            .await
            .iter()
            .any(|a| a == "allocate")
    );

    // An order that does not exist cannot be allocated.
    let e = s
        .save_allocation(
            &allocated(
                OrderId(987_654),
                vec![hz.wh],
                vec![want(tee, hz.wh, 1, "x")],
            ),
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");
    assert_eq!(balance(&s, tee, hz.a).await, (5, 0, 500));
}

pub async fn a_short_allocation_is_replaced_by_a_real_one_when_stock_arrives(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let tb = shop(&s, "TB", "taobao").await;
    let o = order(&s, tb, "9001").await;

    // 缺货: recorded, nothing reserved, no shipment counted.
    let wanted = vec![want(tee, hz.wh, 2, "9001")];
    let first = s
        .save_allocation(&short(o, wanted.clone()), &actor())
        .await
        .unwrap();
    assert_eq!(first.status, AllocationStatus::Short);
    assert!(first.reservation_ids.is_empty());
    assert!(live_reservations(&s, "9001").await.is_empty());
    assert!(s.shipments_routed_since(0).await.unwrap().is_empty());
    assert_eq!(
        s.list_allocations(Some(AllocationStatus::Short), &page(10))
            .await
            .unwrap()
            .items,
        vec![first.clone()]
    );
    // Routing again, still short: the newer decision replaces the older.
    let mut again = short(o, wanted.clone());
    again.decision = json!({"short": true, "reason": "再次分仓 / routed again"});
    let second = s.save_allocation(&again, &actor()).await.unwrap();
    assert_eq!(
        s.get_allocation(o).await.unwrap().unwrap().decision,
        second.decision
    );

    // Stock arrives: the order is allocated for real and the short record is gone.
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 6, Some(100))],
    )
    .await
    .unwrap();
    let real = s
        .save_allocation(&allocated(o, vec![hz.wh], wanted), &actor())
        .await
        .unwrap();
    assert_eq!(real.status, AllocationStatus::Allocated);
    assert_eq!(real.reservation_ids.len(), 1);
    assert_eq!(s.get_allocation(o).await.unwrap(), Some(real.clone()));
    assert_eq!(balance(&s, tee, hz.a).await, (6, 2, 600));
    assert!(
        s.list_allocations(Some(AllocationStatus::Short), &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(s.shipments_routed_since(0).await.unwrap(), vec![(hz.wh, 1)]);
    assert_eq!(
        audit_actions(&s, "order", o.0)
            .await
            .iter()
            .filter(|a| *a == "allocate")
            .count(),
        3
    );
}

pub async fn releasing_an_allocation_frees_its_stock_and_forgets_its_shipments(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let sh = warehouse(&s, "SH").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 10, Some(100))],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        sh.wh,
        vec![line(cap, sh.a, 5, Some(100))],
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let o1 = order(&s, tb, "7101").await;
    let o2 = order(&s, tb, "7102").await;
    let a1 = s
        .save_allocation(
            &allocated(
                o1,
                vec![hz.wh, sh.wh],
                vec![want(tee, hz.wh, 4, "7101"), want(cap, sh.wh, 2, "7101")],
            ),
            &actor(),
        )
        .await
        .unwrap();
    s.save_allocation(
        &allocated(o2, vec![hz.wh], vec![want(tee, hz.wh, 2, "7102")]),
        &actor(),
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, tee, hz.a).await, (10, 6, 1000));
    assert_eq!(balance(&s, cap, sh.a).await, (5, 2, 500));

    // Someone released the caps by hand meanwhile: releasing the order still works.
    let caps: Vec<ReservationId> = live_reservations(&s, "7101")
        .await
        .iter()
        .filter(|r| r.sku_id == cap)
        .map(|r| r.id)
        .collect();
    s.release(&caps, &actor()).await.unwrap();

    let released = s.release_allocation(o1, &actor()).await.unwrap();
    assert_eq!(released, Some(a1));
    assert_eq!(balance(&s, tee, hz.a).await, (10, 2, 1000));
    assert_eq!(balance(&s, cap, sh.a).await, (5, 0, 500));
    assert!(live_reservations(&s, "7101").await.is_empty());
    assert!(s.get_allocation(o1).await.unwrap().is_none());
    assert_eq!(
        s.shipments_routed_since(0).await.unwrap(),
        vec![(hz.wh, 1)],
        "only the other order's shipment is still counted"
    );
    assert_eq!(
        audit_actions(&s, "order", o1.0).await[0],
        "release_allocation"
    );

    // Nothing left to release: no error, nothing done.
    assert_eq!(s.release_allocation(o1, &actor()).await.unwrap(), None);
    assert_eq!(
        s.release_allocation(OrderId(987_654), &actor())
            .await
            .unwrap(),
        None
    );
    assert_eq!(balance(&s, tee, hz.a).await, (10, 2, 1000));

    // A released order can be allocated again.
    s.save_allocation(
        &allocated(o1, vec![hz.wh], vec![want(tee, hz.wh, 8, "7101")]),
        &actor(),
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, tee, hz.a).await, (10, 10, 1000));
    assert_eq!(s.shipments_routed_since(0).await.unwrap(), vec![(hz.wh, 2)]);
}

pub async fn the_routing_setup_is_kept_and_every_change_is_audited(s: Shared) {
    assert!(s.get_routing_setup().await.unwrap().is_none());
    let first = json!({
        "rules": [{"kind": "forbid", "warehouse": "SH", "province": "新疆维吾尔自治区"}],
        "strategies": ["whole_order", "nearest", "priority"],
        "note": "it's \"quoted\"; DROP TABLE orders; --",
    });
    s.set_routing_setup(&first, &actor()).await.unwrap();
    assert_eq!(s.get_routing_setup().await.unwrap(), Some(first.clone()));
    let second = json!({"rules": [], "strategies": ["most_stock"]});
    s.set_routing_setup(&second, &actor()).await.unwrap();
    assert_eq!(s.get_routing_setup().await.unwrap(), Some(second.clone()));

    let f = AuditFilter {
        entity: Some("routing_setup".into()),
        ..Default::default()
    };
    let log = s
        .list_audit(
            &f,
            &PageRequest {
                desc: true,
                ..page(10)
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|e| e.actor == "tester" && e.action == "update")
    );
    assert_eq!(
        (log[0].before.as_ref(), log[0].after.as_ref()),
        (Some(&first), Some(&second))
    );
    assert_eq!(
        (log[1].before.as_ref(), log[1].after.as_ref()),
        (None, Some(&first))
    );
}
