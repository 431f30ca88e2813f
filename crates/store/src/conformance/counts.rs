//! Conformance: 盘点 — a count posts counted − expected at the ledger position taken when
//! each line was counted, so sales during the count are neither counted twice nor lost;
//! scans count once each; large variances get a second count; the variances post as one
//! adjustment at average cost.

use jxc_core::inventory::DocumentKind;
use jxc_core::inventory::count::{
    AbcClass, CountScope, CountStatus, NewCount, RecountRule, ScopeRequest,
};

use super::{Shared, actor, balance, line, page, post, reserve, sku, warehouse};
use crate::{
    CountEntry, CountFilter, CountLineFilter, EntryMode, EntryOutcome, LineState, StoreError,
};

fn new_count(wh: jxc_core::ids::WarehouseId, scope: CountScope, recount: i64) -> NewCount {
    NewCount {
        warehouse: wh,
        scope: ScopeRequest::Ready(scope),
        blind: true,
        recount: RecountRule {
            qty: recount,
            value: 0,
        },
        note: String::new(),
    }
}

fn scan(id: &str, location: &str, code: &str, qty: i64) -> CountEntry {
    CountEntry {
        scan_id: Some(id.into()),
        location: location.into(),
        code: code.into(),
        lot_no: String::new(),
        qty,
        mode: EntryMode::Add,
    }
}

fn typed(location: &str, code: &str, qty: i64) -> CountEntry {
    CountEntry {
        scan_id: None,
        mode: EntryMode::Set,
        ..scan("", location, code, qty)
    }
}

fn counted(o: &EntryOutcome) -> i64 {
    match o {
        EntryOutcome::Counted { counted, .. } | EntryOutcome::Duplicate { counted, .. } => *counted,
        EntryOutcome::Refused { reason } => panic!("refused: {reason}"),
    }
}

fn refused(o: &EntryOutcome, says: &str) -> bool {
    matches!(o, EntryOutcome::Refused { reason } if reason.contains(says))
}

async fn lines(s: &Shared, id: i64, state: LineState) -> Vec<crate::CountLine> {
    let f = CountLineFilter {
        state,
        ..Default::default()
    };
    s.count_lines(id, &f, &page(500)).await.unwrap().items
}

pub async fn a_sale_shipped_mid_count_is_neither_counted_twice_nor_lost(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![
            line(tee, hz.a, 10, Some(100)),
            line(cap, hz.b, 5, Some(300)),
        ],
    )
    .await
    .unwrap();
    let k = s
        .create_count(&new_count(hz.wh, CountScope::Full, 0), 0, &actor())
        .await
        .unwrap();
    assert_eq!(k.status, CountStatus::Counting);
    assert_eq!(k.number, format!("PD{:08}", k.id));
    assert_eq!((k.progress.lines, k.progress.counted), (2, 0));

    // Shelf A is counted: 10 tees, sent twice after a network drop, counted once.
    let got = s
        .record_counts(k.id, &[scan("s1", "A-01-01-01", "TEE", 10)], &actor())
        .await
        .unwrap();
    assert_eq!(counted(&got[0]), 10);
    let again = s
        .record_counts(k.id, &[scan("s1", "A-01-01-01", "TEE", 10)], &actor())
        .await
        .unwrap();
    assert!(matches!(
        again[0],
        EntryOutcome::Duplicate { counted: 10, .. }
    ));

    // Then 3 tees ship (after their shelf was counted) and 1 cap ships (before its shelf is).
    post(
        &s,
        DocumentKind::Issue,
        hz.wh,
        vec![line(tee, hz.a, 3, None)],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Issue,
        hz.wh,
        vec![line(cap, hz.b, 1, None)],
    )
    .await
    .unwrap();

    // Shelf B holds 3 caps: one is really missing.
    s.record_counts(k.id, &[scan("s2", "B-01-01-01", "CAP", 3)], &actor())
        .await
        .unwrap();
    let all = lines(&s, k.id, LineState::All).await;
    let tee_line = all.iter().find(|l| l.sku_id == tee).unwrap();
    assert_eq!((tee_line.counted, tee_line.expected), (Some(10), Some(10)));
    assert!(tee_line.position.is_some());
    let cap_line = all.iter().find(|l| l.sku_id == cap).unwrap();
    assert_eq!((cap_line.counted, cap_line.expected), (Some(3), Some(4)));

    let k = s.submit_count(k.id, false, &actor()).await.unwrap();
    assert_eq!(k.status, CountStatus::Submitted);
    let acc = s.count_accuracy(k.id).await.unwrap();
    assert_eq!((acc.lines, acc.matched, acc.qty_loss), (2, 1, 1));

    let k = s.approve_count(k.id, &actor()).await.unwrap();
    assert_eq!(k.status, CountStatus::Posted);
    assert_eq!(k.documents.len(), 1);
    let doc = s.get_document(k.documents[0]).await.unwrap().unwrap();
    assert_eq!(doc.summary.kind, DocumentKind::Adjustment);
    assert_eq!(doc.summary.reference, k.number);
    assert_eq!(doc.moves.len(), 1, "only the cap's variance is posted");

    // Tees: 10 − 3 sold = 7 (not overwritten to 10). Caps: 5 − 1 sold − 1 missing = 3.
    assert_eq!(balance(&s, tee, hz.a).await, (7, 0, 700));
    assert_eq!(balance(&s, cap, hz.b).await, (3, 0, 900));
    let acc = s.count_accuracy(k.id).await.unwrap();
    assert_eq!((acc.value_loss, acc.accuracy_bp), (300, 5000));

    // Posted is final.
    let e = s.cancel_count(k.id, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "status"),
        "{e}"
    );
    let e = s
        .record_counts(k.id, &[scan("s3", "A-01-01-01", "TEE", 1)], &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.reason.contains("已过账")),
        "{e}"
    );
}

pub async fn scans_are_checked_and_a_large_variance_is_counted_twice(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    let _sock = sku(&s, "SOCK").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![
            line(tee, hz.a, 10, Some(100)),
            line(cap, hz.a, 4, Some(300)),
            line(cap, hz.b, 6, Some(300)),
        ],
    )
    .await
    .unwrap();
    // Only shelf A, second count when 3 or more units are off.
    let scope = CountScope::Locations {
        from: "A".into(),
        to: "A".into(),
    };
    let k = s
        .create_count(&new_count(hz.wh, scope, 3), 0, &actor())
        .await
        .unwrap();
    assert_eq!(k.progress.lines, 2);

    let got = s
        .record_counts(
            k.id,
            &[
                scan("1", "B-01-01-01", "CAP", 1),
                scan("2", "A-01-01-01", "NOPE", 1),
                scan("3", "Z-9", "TEE", 1),
                scan("4", "A-01-01-01", "TEE", 4),
                scan("5", "A-01-01-01", "TEE", -5),
                scan("6", "A-01-01-01", "SOCK", 2),
            ],
            &actor(),
        )
        .await
        .unwrap();
    assert!(refused(&got[0], "不在本次盘点范围"), "{:?}", got[0]);
    assert!(refused(&got[1], "未找到"), "{:?}", got[1]);
    assert!(refused(&got[2], "不在本仓库"), "{:?}", got[2]);
    assert_eq!(counted(&got[3]), 4);
    assert!(refused(&got[4], "不能小于 0"), "{:?}", got[4]);
    // Socks found where the ledger has none: a new line, expected 0.
    assert_eq!(counted(&got[5]), 2);
    assert_eq!(s.get_count(k.id).await.unwrap().unwrap().progress.lines, 3);

    // The cap line is not counted: submit names it; 完成库位 would count it as 0.
    let e = s.submit_count(k.id, false, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.reason.contains("1 行未盘")),
        "{e}"
    );
    s.record_counts(k.id, &[typed("A-01-01-01", "CAP", 4)], &actor())
        .await
        .unwrap();

    // Tee is 6 off (≥ 3): a second count. Socks are 2 off: no.
    let k = s.submit_count(k.id, false, &actor()).await.unwrap();
    assert_eq!(k.status, CountStatus::Recounting);
    let flagged = lines(&s, k.id, LineState::Recount).await;
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].sku_id, tee);
    assert_eq!(
        (flagged[0].first_counted, flagged[0].counted),
        (Some(4), None)
    );
    let got = s
        .record_counts(
            k.id,
            &[
                scan("7", "A-01-01-01", "SOCK", 1),
                scan("8", "A-01-01-01", "TEE", 9),
            ],
            &actor(),
        )
        .await
        .unwrap();
    assert!(refused(&got[0], "不需要复盘"), "{:?}", got[0]);
    assert_eq!(counted(&got[1]), 9, "the second count starts from zero");
    let k = s.submit_count(k.id, false, &actor()).await.unwrap();
    assert_eq!(k.status, CountStatus::Submitted);
    assert_eq!(k.progress.recount, 0);

    // Sent back, counted again, then cancelled: nothing reaches the ledger.
    let k = s.reopen_count(k.id, &actor()).await.unwrap();
    assert_eq!(k.status, CountStatus::Counting);
    s.close_location(k.id, hz.a, &actor()).await.unwrap();
    let k = s.cancel_count(k.id, &actor()).await.unwrap();
    assert_eq!(k.status, CountStatus::Cancelled);
    assert_eq!(balance(&s, tee, hz.a).await.0, 10);
    let listed = s
        .list_counts(
            &CountFilter {
                status: Some(CountStatus::Cancelled),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

pub async fn a_count_scope_picks_its_lines_and_a_loss_of_reserved_stock_is_refused(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let hot = sku(&s, "HOT").await;
    let slow = sku(&s, "SLOW").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![
            line(hot, hz.a, 20, Some(100)),
            line(slow, hz.b, 20, Some(100)),
        ],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Issue,
        hz.wh,
        vec![line(hot, hz.a, 10, None)],
    )
    .await
    .unwrap();
    // HOT sold everything: class A. SLOW sold nothing: class C.
    let abc = |class| NewCount {
        scope: ScopeRequest::Abc(class),
        ..new_count(hz.wh, CountScope::Full, 0)
    };
    let e = s
        .create_count(&abc(AbcClass::B), 0, &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "scope"),
        "{e}"
    );
    let k = s
        .create_count(&abc(AbcClass::A), 0, &actor())
        .await
        .unwrap();
    assert_eq!(
        k.scope,
        CountScope::Abc {
            class: AbcClass::A,
            codes: vec!["HOT".into()]
        }
    );
    assert_eq!(k.progress.lines, 1);

    // 8 of the 10 hot on hand are reserved; a count of 1 would lose 9.
    reserve(&s, hot, hz.wh, 8, "order-1").await.unwrap();
    s.record_counts(k.id, &[typed("A-01-01-01", "HOT", 1)], &actor())
        .await
        .unwrap();
    let k = s.submit_count(k.id, false, &actor()).await.unwrap();
    let e = s.approve_count(k.id, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.reason.contains("占用")),
        "{e}"
    );
    assert_eq!(balance(&s, hot, hz.a).await.0, 10, "nothing posted");
}
