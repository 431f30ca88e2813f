//! Conformance: 调拨 and 其他出入库 — a transfer's stock leaves its source at moving
//! average, is held in the destination's in-transit location where no order can reserve
//! it, arrives at the value it carried and the rest is written off, all exact to the fen;
//! adjustments post at once under the threshold and wait for approval above it.

use jxc_core::ids::{LocationId, SkuId, WarehouseId};
use jxc_core::inventory::adjustment::{
    AdjustmentLine, AdjustmentReason, AdjustmentStatus, NewAdjustment,
};
use jxc_core::inventory::count::{CountScope, NewCount, RecountRule, ScopeRequest};
use jxc_core::inventory::transfer::{
    NewTransfer, NewTransferLine, ReceiveInput, ReceiveLineInput, TransferStatus,
};
use jxc_core::inventory::{DocumentKind, LineInput, ReserveRequest};
use jxc_core::money::Fen;

use super::{Shared, actor, balance, line, page, post, reserve, sku, warehouse};
use crate::{BalanceFilter, InTransitFilter, ReservationRequest, StoreError, TransferFilter};

fn transfer(
    from: WarehouseId,
    to: WarehouseId,
    sku: SkuId,
    loc: LocationId,
    qty: i64,
) -> NewTransfer {
    NewTransfer {
        from,
        to,
        note: String::new(),
        lines: vec![NewTransferLine {
            sku,
            from_location: Some(loc),
            lot_no: String::new(),
            qty,
        }],
    }
}

fn receipt(qty: i64, to: Option<LocationId>) -> ReceiveInput {
    ReceiveInput {
        lines: vec![ReceiveLineInput {
            line_no: 1,
            qty,
            to_location_id: to.map(|l| l.0),
        }],
    }
}

/// On hand, reserved and value of a SKU over a whole warehouse.
async fn in_warehouse(s: &Shared, sku: SkuId, wh: WarehouseId) -> (i64, i64, i64) {
    let f = BalanceFilter {
        sku_id: Some(sku),
        warehouse_id: Some(wh),
        ..Default::default()
    };
    let rows = s.list_balances(&f, &page(100)).await.unwrap().items;
    rows.iter().fold((0, 0, 0), |acc, b| {
        (acc.0 + b.on_hand, acc.1 + b.reserved, acc.2 + b.value.0)
    })
}

pub async fn a_transfer_ships_into_transit_and_arrives_exact_to_the_fen_with_a_loss(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let sh = warehouse(&s, "SH").await;
    let tee = sku(&s, "TEE").await;
    let mut l = line(tee, hz.a, 10, None);
    l.value = Some(12345);
    post(&s, DocumentKind::Receipt, hz.wh, vec![l])
        .await
        .unwrap();

    let t = s
        .create_transfer(&transfer(hz.wh, sh.wh, tee, hz.a, 10), &actor())
        .await
        .unwrap();
    assert_eq!(t.status, TransferStatus::Requested);
    assert_eq!(t.number, format!("DB{:08}", t.id));
    assert_eq!(
        balance(&s, tee, hz.a).await,
        (10, 0, 12345),
        "nothing moves yet"
    );

    let t = s.ship_transfer(t.id, &actor()).await.unwrap();
    assert_eq!(t.status, TransferStatus::Shipped);
    assert_eq!(t.totals.shipped_value, Fen(12345));
    assert_eq!(
        balance(&s, tee, hz.a).await,
        (0, 0, 0),
        "A lost 10 and their value"
    );
    assert_eq!(in_warehouse(&s, tee, hz.wh).await, (0, 0, 0));
    // In transit at SH: in the ledger, valued, held by the transfer.
    assert_eq!(in_warehouse(&s, tee, sh.wh).await, (10, 10, 12345));
    let totals = s.in_transit_totals(&[]).await.unwrap();
    let of = |w: WarehouseId| {
        totals
            .iter()
            .find(|x| x.warehouse_id == w)
            .copied()
            .unwrap()
    };
    assert_eq!(
        (of(hz.wh).outgoing_qty, of(hz.wh).outgoing_value),
        (10, Fen(12345))
    );
    assert_eq!(
        (of(sh.wh).incoming_qty, of(sh.wh).incoming_value),
        (10, Fen(12345))
    );
    let lines = s
        .in_transit(
            &InTransitFilter {
                warehouse_id: Some(sh.wh),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        (lines.len(), lines[0].qty, lines[0].value),
        (1, 10, Fen(12345))
    );

    // No order can be promised stock in transit, and it leaves only with its transfer.
    let e = reserve(&s, tee, sh.wh, 1, "order-1").await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Domain(jxc_core::Error::InsufficientStock { .. })
        ),
        "{e:?}"
    );
    let transit = t.lines[0].reservation_id.unwrap();
    let held = s
        .list_reservations(&Default::default(), &page(10))
        .await
        .unwrap()
        .items;
    let hold = held.iter().find(|r| r.id == transit).unwrap();
    assert_eq!(
        (hold.source_type.as_str(), hold.source_ref.as_str()),
        ("transfer", t.number.as_str())
    );
    let named = ReservationRequest {
        request: ReserveRequest {
            sku: tee,
            warehouse: sh.wh,
            qty: 1,
            location: Some(hold.location_id),
            lot: None,
        },
        source_type: "test".into(),
        source_ref: "order-2".into(),
    };
    assert!(s.reserve(&[named], &actor()).await.is_err());
    assert!(s.release(&[transit], &actor()).await.is_err());
    let issue = vec![line(tee, hold.location_id, 1, None)];
    assert!(post(&s, DocumentKind::Issue, sh.wh, issue).await.is_err());
    let count = NewCount {
        warehouse: sh.wh,
        scope: ScopeRequest::Ready(CountScope::Full),
        blind: false,
        recount: RecountRule::default(),
        note: String::new(),
    };
    assert!(
        s.create_count(&count, 0, &actor()).await.is_err(),
        "stock in transit is not on a shelf to count"
    );
    let e = s.cancel_transfer(t.id, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "status"),
        "{e:?}"
    );

    // 6 arrive on shelf A, then 3 at the default location; 1 more than is left is refused.
    let t = s
        .receive_transfer(t.id, &receipt(6, Some(sh.a)), &actor())
        .await
        .unwrap();
    assert_eq!(t.status, TransferStatus::PartlyReceived);
    assert_eq!(balance(&s, tee, sh.a).await, (6, 0, 7407));
    let e = s
        .receive_transfer(t.id, &receipt(5, None), &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Domain(jxc_core::Error::Invalid(v)) if v[0].field == "lines[0].qty"),
        "{e:?}"
    );
    let e = s
        .receive_transfer(t.id, &receipt(1, Some(hz.a)), &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "lines[0].to_location_id"),
        "{e:?}"
    );
    let t = s
        .receive_transfer(t.id, &receipt(3, None), &actor())
        .await
        .unwrap();
    assert_eq!(balance(&s, tee, sh.default_loc).await, (3, 0, 3704));
    assert_eq!(in_warehouse(&s, tee, sh.wh).await, (10, 1, 12345));

    // The last unit never comes: closed as a loss with its reason, at its exact value.
    let t = s
        .close_transfer(t.id, "运输途中破损", &actor())
        .await
        .unwrap();
    assert_eq!(t.status, TransferStatus::Closed);
    assert_eq!(t.loss_reason, "运输途中破损");
    assert_eq!(
        (t.totals.received_qty, t.totals.received_value),
        (9, Fen(11111))
    );
    assert_eq!((t.totals.lost_qty, t.totals.lost_value), (1, Fen(1234)));
    assert_eq!(
        in_warehouse(&s, tee, sh.wh).await,
        (9, 0, 11111),
        "B holds 9, exact"
    );
    assert_eq!(t.documents.len(), 4, "ship, two receipts, the loss");
    for d in &t.documents {
        let doc = s.get_document(*d).await.unwrap().unwrap();
        assert_eq!(doc.summary.kind, DocumentKind::Transfer);
        assert_eq!(doc.summary.reference, t.number);
    }
    assert!(s.in_transit_totals(&[]).await.unwrap().is_empty());
    assert!(s.close_transfer(t.id, "again", &actor()).await.is_err());
    let listed = s
        .list_transfers(
            &TransferFilter {
                to_warehouse_id: Some(sh.wh),
                status: Some(TransferStatus::Closed),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].qty, 10);
}

pub async fn a_transfer_is_cancelled_only_before_it_ships_and_ships_only_what_is_free(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let sh = warehouse(&s, "SH").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(cap, hz.a, 5, Some(300))],
    )
    .await
    .unwrap();
    reserve(&s, cap, hz.wh, 3, "order-1").await.unwrap();
    // Three of five are promised to an order: a transfer of four cannot ship.
    let t = s
        .create_transfer(&transfer(hz.wh, sh.wh, cap, hz.a, 4), &actor())
        .await
        .unwrap();
    assert!(s.ship_transfer(t.id, &actor()).await.is_err());
    let t = s.cancel_transfer(t.id, &actor()).await.unwrap();
    assert_eq!(t.status, TransferStatus::Cancelled);
    assert!(s.ship_transfer(t.id, &actor()).await.is_err());
    assert!(t.documents.is_empty());
    assert_eq!(balance(&s, cap, hz.a).await, (5, 3, 1500));
    // A transfer to itself, of a location elsewhere, or of an unknown SKU is refused.
    let mut bad = transfer(hz.wh, sh.wh, cap, sh.a, 1);
    let e = s.create_transfer(&bad, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "lines[0].from_location_id"),
        "{e:?}"
    );
    bad.lines[0].from_location = None;
    bad.lines[0].sku = SkuId(999_999);
    let e = s.create_transfer(&bad, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "lines[0].sku_id"),
        "{e:?}"
    );
}

fn adjustment(
    wh: WarehouseId,
    reason: AdjustmentReason,
    sku: SkuId,
    qty: i64,
    value: Option<i64>,
) -> NewAdjustment {
    NewAdjustment {
        warehouse: wh,
        reason,
        note: String::new(),
        lines: vec![AdjustmentLine {
            sku,
            location: None,
            lot_no: String::new(),
            qty,
            value: value.map(Fen),
        }],
    }
}

pub async fn an_adjustment_over_the_threshold_waits_and_a_rejected_one_posts_nothing(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let threshold = Fen(50_000);
    let opening = LineInput {
        sku_id: tee.0,
        qty: 10,
        unit_cost: Some(10_000),
        ..Default::default()
    };
    post(&s, DocumentKind::Receipt, hz.wh, vec![opening])
        .await
        .unwrap();
    let at = hz.default_loc;

    // 报损 1 at ¥100: under ¥500, posted at once.
    let a = s
        .create_adjustment(
            &adjustment(hz.wh, AdjustmentReason::Damage, tee, -1, None),
            threshold,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, AdjustmentStatus::Posted);
    assert_eq!(a.number, format!("QT{:08}", a.id));
    assert_eq!((a.value, a.decided_by.as_str()), (Fen(10_000), ""));
    let doc = s
        .get_document(a.document_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.summary.kind, DocumentKind::Adjustment);
    assert_eq!(
        (doc.summary.reference.as_str(), doc.summary.note.as_str()),
        (a.number.as_str(), "报损")
    );
    assert_eq!(balance(&s, tee, at).await, (9, 0, 90_000));

    // 样品 6 at ¥100 = ¥600: over, it waits; nothing moves until it is approved.
    let a = s
        .create_adjustment(
            &adjustment(hz.wh, AdjustmentReason::Sample, tee, -6, None),
            threshold,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.value, a.document_id),
        (AdjustmentStatus::Pending, Fen(60_000), None)
    );
    assert_eq!(a.lines.len(), 1);
    assert_eq!(balance(&s, tee, at).await, (9, 0, 90_000));
    let lead = crate::Actor("lead".into());
    let a = s.approve_adjustment(a.id, &lead).await.unwrap();
    assert_eq!(a.status, AdjustmentStatus::Posted);
    assert_eq!(
        (a.decided_by.as_str(), a.created_by.as_str()),
        ("lead", "tester")
    );
    assert!(a.document_id.is_some());
    assert_eq!(balance(&s, tee, at).await, (3, 0, 30_000));
    assert!(
        s.approve_adjustment(a.id, &lead).await.is_err(),
        "posted once"
    );

    // 盘盈 2 at ¥300 stated = ¥600: waits, then is rejected; nothing is posted.
    let a = s
        .create_adjustment(
            &adjustment(hz.wh, AdjustmentReason::Found, tee, 2, Some(60_000)),
            threshold,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, AdjustmentStatus::Pending);
    let a = s
        .reject_adjustment(a.id, "数量不对，重新盘点", &lead)
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.decision_note.as_str()),
        (AdjustmentStatus::Rejected, "数量不对，重新盘点")
    );
    assert!(a.document_id.is_none());
    assert!(s.approve_adjustment(a.id, &lead).await.is_err());
    assert_eq!(balance(&s, tee, at).await, (3, 0, 30_000));

    // More than there is cannot be written off: refused, and nothing is kept.
    let e = s
        .create_adjustment(
            &adjustment(hz.wh, AdjustmentReason::Damage, tee, -4, None),
            threshold,
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
    let all = s
        .list_adjustments(&Default::default(), &page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), 3);
}
