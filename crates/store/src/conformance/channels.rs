//! Conformance: sync settings, cursors that only move forward, the sync log, raw
//! payloads and webhook dedupe.

use super::orders::shop;
use super::{Shared, actor, page};
use crate::{DeliverySeen, SyncRunFilter, SyncTally, SyncTrigger};

pub async fn a_shops_sync_cursor_only_moves_forward_and_runs_are_logged(s: Shared) {
    let a = shop(&s, "TB1", "taobao").await;
    let b = shop(&s, "PDD1", "pdd").await;
    assert!(s.get_shop_sync(a).await.unwrap().is_none());
    let set = s.set_shop_sync(a, true, 60, &actor()).await.unwrap();
    assert!(set.enabled && set.cursor_ms.is_none() && set.last_status.is_empty());
    s.set_shop_sync(b, false, 30, &actor()).await.unwrap();
    // Only the enabled shop is due.
    let due = s.due_shop_syncs(i64::MAX).await.unwrap();
    assert_eq!(due.iter().map(|d| d.shop_id).collect::<Vec<_>>(), vec![a]);

    let run = s
        .start_sync_run(a, SyncTrigger::Manual, 1_000, 9_000)
        .await
        .unwrap();
    let mut tally = SyncTally {
        windows: 1,
        pages: 2,
        fetched: 150,
        created: 100,
        ..Default::default()
    };
    s.advance_sync_cursor(a, run, 5_000, &tally).await.unwrap();
    // A cursor never moves back (an older window finishing late changes nothing).
    s.advance_sync_cursor(a, run, 4_000, &tally).await.unwrap();
    assert_eq!(
        s.get_shop_sync(a).await.unwrap().unwrap().cursor_ms,
        Some(5_000)
    );
    tally.windows = 2;
    tally.malformed = 1;
    s.finish_sync_run(run, "partial", "1 条订单无法解析", &tally, 123_456)
        .await
        .unwrap();
    let st = s.get_shop_sync(a).await.unwrap().unwrap();
    assert_eq!(
        (st.last_status.as_str(), st.next_run_at),
        ("partial", 123_456)
    );
    assert!(st.last_run_at.is_some());
    // Not due before its next run.
    assert!(s.due_shop_syncs(123_455).await.unwrap().is_empty());

    // A run left running (the process died) becomes interrupted.
    let r2 = s
        .start_sync_run(a, SyncTrigger::Schedule, 5_000, 10_000)
        .await
        .unwrap();
    assert_eq!(s.interrupt_running_syncs().await.unwrap(), 1);
    let log = s
        .list_sync_runs(
            &SyncRunFilter {
                shop_id: Some(a),
                ..Default::default()
            },
            &crate::PageRequest {
                desc: true,
                ..page(10)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        log.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![r2, run]
    );
    assert_eq!(log.items[0].status, "interrupted");
    assert_eq!(log.items[1].tally, tally);
    assert_eq!(log.items[1].error, "1 条订单无法解析");
    assert_eq!(log.items[1].window_start.timestamp_millis(), 1_000);
    let only_b = s
        .list_sync_runs(
            &SyncRunFilter {
                only_shops: vec![b.0],
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert!(only_b.items.is_empty());
}

pub async fn raw_payloads_are_kept_whole_and_webhook_deliveries_dedupe(s: Shared) {
    let a = shop(&s, "SHOPIFY1", "shopify").await;
    let raw = r#"{"id":"x","total_price":{"oops":1}} '; DROP TABLE orders; --"#;
    let id = s
        .save_raw_payload(a, None, "x", "total_price: not an amount", raw)
        .await
        .unwrap();
    let kept = s.list_raw_payloads(Some(a), &page(10)).await.unwrap();
    assert_eq!(kept.items.len(), 1);
    assert_eq!((kept.items[0].id, kept.items[0].raw.as_str()), (id, raw));

    assert_eq!(
        s.begin_delivery(a, "d-1", "orders/create").await.unwrap(),
        DeliverySeen::New
    );
    // Received but not finished (the process died): processed again.
    assert_eq!(
        s.begin_delivery(a, "d-1", "orders/create").await.unwrap(),
        DeliverySeen::Unfinished
    );
    s.finish_delivery(a, "d-1").await.unwrap();
    assert_eq!(
        s.begin_delivery(a, "d-1", "orders/create").await.unwrap(),
        DeliverySeen::Done
    );
    // The same id from another shop is another delivery.
    let b = shop(&s, "SHOPIFY2", "shopify").await;
    assert_eq!(
        s.begin_delivery(b, "d-1", "orders/create").await.unwrap(),
        DeliverySeen::New
    );
}
