//! Conformance: 波次 — allocated orders of a warehouse not yet in a wave are offered for
//! waves; a wave takes only orders allocated to its warehouse and in no other wave (or
//! nothing is written); releasing an order's allocation takes it out of its wave, and
//! dissolving a wave gives its orders back.

use jxc_core::ids::{OrderId, SkuId, WarehouseId};
use jxc_core::inventory::DocumentKind;
use jxc_core::paging::PageRequest;

use super::fulfillment::{allocated, audit_actions, order, short, want};
use super::orders::shop;
use super::{Shared, actor, assert_check_clean, line, page, post, sku, warehouse};
use crate::{AuditFilter, NewWave, StoreError, WaveKind};

/// 杭州 (A) and 上海 (B) with tees in stock; orders 1 and 2 allocated to 杭州, 3 to
/// 上海, 4 short of stock.
struct Floor {
    hz: WarehouseId,
    sh: WarehouseId,
    tee: SkuId,
    o: [OrderId; 4],
}

async fn floor(s: &Shared) -> Floor {
    let hz = warehouse(s, "HZ").await;
    let sh = warehouse(s, "SH").await;
    let tee = sku(s, "TEE").await;
    for f in [&hz, &sh] {
        post(
            s,
            DocumentKind::Receipt,
            f.wh,
            vec![line(tee, f.a, 10, Some(100))],
        )
        .await
        .unwrap();
    }
    let tb = shop(s, "TB", "taobao").await;
    let mut o = [OrderId(0); 4];
    for (i, (pid, wh)) in [("6001", hz.wh), ("6002", hz.wh), ("6003", sh.wh)]
        .into_iter()
        .enumerate()
    {
        o[i] = order(s, tb, pid).await;
        s.save_allocation(
            &allocated(o[i], vec![wh], vec![want(tee, wh, 1, pid)]),
            &actor(),
        )
        .await
        .unwrap();
    }
    o[3] = order(s, tb, "6004").await;
    s.save_allocation(&short(o[3], vec![want(tee, hz.wh, 99, "6004")]), &actor())
        .await
        .unwrap();
    Floor {
        hz: hz.wh,
        sh: sh.wh,
        tee,
        o,
    }
}

fn multi(wh: WarehouseId, orders: Vec<(OrderId, i64)>) -> NewWave {
    NewWave {
        warehouse_id: wh,
        kind: WaveKind::Multi,
        sku_id: None,
        carrier: "顺丰".into(),
        orders,
    }
}

fn single_unit(wh: WarehouseId, sku: SkuId, orders: Vec<OrderId>) -> NewWave {
    NewWave {
        warehouse_id: wh,
        kind: WaveKind::SingleUnit,
        sku_id: Some(sku),
        carrier: String::new(),
        orders: orders.into_iter().map(|o| (o, 0)).collect(),
    }
}

fn is_conflict_on_orders(e: &StoreError, says: &str) -> bool {
    matches!(e, StoreError::Conflict(f) if f.field == "orders" && f.reason.contains(says))
}

async fn wave_audit_count(s: &Shared) -> usize {
    let f = AuditFilter {
        entity: Some("wave".into()),
        ..Default::default()
    };
    s.list_audit(&f, &page(100)).await.unwrap().items.len()
}

pub async fn allocated_orders_go_into_one_wave_of_their_warehouse_and_no_other(s: Shared) {
    let f = floor(&s).await;
    let [o1, o2, o3, _short] = f.o;

    // 杭州 has two allocated orders waiting for a wave, 上海 one; the short one is not offered.
    assert_eq!(
        s.unwaved_allocated_orders(f.hz).await.unwrap(),
        vec![o1, o2]
    );
    assert_eq!(s.unwaved_allocated_orders(f.sh).await.unwrap(), vec![o3]);

    // A 播种 wave in 杭州: order 2 in slot 2, order 1 in slot 1.
    let made = s
        .create_waves(&[multi(f.hz, vec![(o2, 2), (o1, 1)])], &actor())
        .await
        .unwrap();
    assert_eq!(made.len(), 1);
    let w1 = made[0].clone();
    assert_eq!(
        (w1.warehouse_id, w1.kind, w1.sku_id, w1.carrier.as_str()),
        (f.hz, WaveKind::Multi, None, "顺丰")
    );
    assert_eq!(w1.orders, vec![(o1, 1), (o2, 2)], "by slot");
    assert_eq!(w1.created_by, "tester");
    assert_eq!(s.get_wave(w1.id).await.unwrap(), Some(w1.clone()));
    assert_eq!(
        s.list_waves(Some(f.hz), &page(10)).await.unwrap().items,
        vec![w1.clone()]
    );
    assert!(
        s.list_waves(Some(f.sh), &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(s.unwaved_allocated_orders(f.hz).await.unwrap().is_empty());
    assert_eq!(audit_actions(&s, "wave", w1.id).await, vec!["create"]);

    // Order 1 cannot go into a second wave: the whole batch is refused, even 上海's good wave.
    let e = s
        .create_waves(
            &[
                single_unit(f.sh, f.tee, vec![o3]),
                single_unit(f.hz, f.tee, vec![o1]),
            ],
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(
        is_conflict_on_orders(&e, &format!("已在波次 {}", w1.id)),
        "{e:?}"
    );
    // An order allocated to 上海 has no place in a wave of 杭州.
    let e = s
        .create_waves(&[multi(f.hz, vec![(o3, 1)])], &actor())
        .await
        .unwrap_err();
    assert!(is_conflict_on_orders(&e, "未分配到该仓"), "{e:?}");
    // Nor has an order short of stock, nor a wave of no orders, nor one order twice.
    for bad in [
        vec![multi(f.hz, vec![(f.o[3], 1)])],
        vec![multi(f.sh, vec![])],
        vec![multi(f.sh, vec![(o3, 1), (o3, 2)])],
    ] {
        let e = s.create_waves(&bad, &actor()).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict(x) if x.field == "orders"),
            "{e:?}"
        );
    }
    // Nothing of the refused batches was written.
    assert_eq!(s.unwaved_allocated_orders(f.sh).await.unwrap(), vec![o3]);
    assert_eq!(
        s.list_waves(None, &page(10)).await.unwrap().items,
        vec![w1.clone()]
    );
    assert_eq!(wave_audit_count(&s).await, 1);

    // 上海's 爆款 wave on its own is fine. Newest first, a page at a time.
    let w2 = s
        .create_waves(&[single_unit(f.sh, f.tee, vec![o3])], &actor())
        .await
        .unwrap()
        .remove(0);
    assert_eq!((w2.sku_id, w2.orders.clone()), (Some(f.tee), vec![(o3, 0)]));
    let newest = PageRequest {
        desc: true,
        ..page(1)
    };
    let first = s.list_waves(None, &newest).await.unwrap();
    assert_eq!(first.items, vec![w2.clone()]);
    let next = PageRequest::new(Some(1), first.next.as_deref(), true).unwrap();
    let second = s.list_waves(None, &next).await.unwrap();
    assert_eq!(second.items, vec![w1]);
    assert!(second.next.is_none());
    assert!(s.get_wave(w2.id + 1000).await.unwrap().is_none());

    assert_check_clean(&s).await;
}

pub async fn a_released_order_leaves_its_wave_and_a_dissolved_wave_gives_its_orders_back(
    s: Shared,
) {
    let f = floor(&s).await;
    let [o1, o2, _, _] = f.o;
    let w = s
        .create_waves(&[multi(f.hz, vec![(o1, 1), (o2, 2)])], &actor())
        .await
        .unwrap()
        .remove(0);

    // Order 1's allocation is released (e.g. the buyer changed the address): it leaves
    // the wave and, no longer allocated, is not offered for a wave.
    s.release_allocation(o1, &actor()).await.unwrap().unwrap();
    assert_eq!(
        s.get_wave(w.id).await.unwrap().unwrap().orders,
        vec![(o2, 2)]
    );
    assert!(s.unwaved_allocated_orders(f.hz).await.unwrap().is_empty());
    // Allocated again, it waits for a wave like any other.
    s.save_allocation(
        &allocated(o1, vec![f.hz], vec![want(f.tee, f.hz, 1, "6001")]),
        &actor(),
    )
    .await
    .unwrap();
    assert_eq!(s.unwaved_allocated_orders(f.hz).await.unwrap(), vec![o1]);

    // Dissolving the wave gives order 2 back too.
    let gone = s.dissolve_wave(w.id, &actor()).await.unwrap().unwrap();
    assert_eq!((gone.id, gone.orders), (w.id, vec![(o2, 2)]));
    assert!(s.get_wave(w.id).await.unwrap().is_none());
    assert!(
        s.list_waves(Some(f.hz), &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        s.unwaved_allocated_orders(f.hz).await.unwrap(),
        vec![o1, o2]
    );
    assert_eq!(
        audit_actions(&s, "wave", w.id).await,
        vec!["dissolve", "create"]
    );
    // Nothing left to dissolve: no error, nothing done.
    assert!(s.dissolve_wave(w.id, &actor()).await.unwrap().is_none());

    // Both can be waved again; a new wave never takes the dissolved wave's id.
    let again = s
        .create_waves(&[multi(f.hz, vec![(o2, 1), (o1, 2)])], &actor())
        .await
        .unwrap()
        .remove(0);
    assert!(again.id > w.id);
    assert_eq!(again.orders, vec![(o2, 1), (o1, 2)]);

    assert_check_clean(&s).await;
}
