//! Conformance: 预警 — levels per SKU × warehouse; the facts alerts are decided from;
//! one open alert per cause, told once while it holds and closed when it goes; event
//! alerts close by hand only; channels keep their config; deliveries count their tries.

use chrono::NaiveDate;
use jxc_core::alerts::{
    AlertKind, AlertSettings, ChannelKind, StockLevel, StockLevelInput, count_variance_cause,
    lot_causes, stock_causes,
};
use jxc_core::inventory::{DocumentKind, LineInput};
use jxc_core::money::Fen;

use super::{Shared, actor, line, page, post, sku, warehouse};
use crate::{AlertFilter, NewAlertChannel, StockLevelFilter, StoreError};

fn level(sku: i64, wh: i64, min: i64) -> StockLevel {
    StockLevel::parse(&StockLevelInput {
        sku_id: sku,
        warehouse_id: wh,
        min_qty: Some(min),
        ..Default::default()
    })
    .unwrap()
}

pub async fn an_alert_is_opened_once_while_stock_is_low_and_closed_when_it_is_not(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![
            line(tee, hz.a, 10, Some(100)),
            line(cap, hz.a, 50, Some(100)),
        ],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Issue,
        hz.wh,
        vec![line(tee, hz.a, 3, None)],
    )
    .await
    .unwrap();
    s.set_stock_levels(&[level(tee.0, hz.wh.0, 8)], &actor())
        .await
        .unwrap();
    s.set_stock_levels(&[level(cap.0, hz.wh.0, 5)], &actor())
        .await
        .unwrap();
    let e = s
        .set_stock_levels(&[level(9999, hz.wh.0, 1)], &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "sku_id"),
        "{e}"
    );
    let levels = s
        .list_stock_levels(&StockLevelFilter::default(), &page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(levels.len(), 2);
    assert_eq!(
        (levels[0].sku_code.as_str(), levels[0].available),
        ("CAP", 50)
    );

    let facts = s.pair_facts(None, 0).await.unwrap();
    let t = facts.iter().find(|p| p.sku == tee).unwrap();
    assert_eq!(
        (t.on_hand, t.available, t.sold_30d, t.min_qty),
        (7, 7, 3, Some(8))
    );
    assert!(t.last_sale_at.is_some() && t.first_in_at.is_some());
    assert_eq!(t.sku_code, "TEE");

    let settings = AlertSettings {
        slow_days: 0,
        ..Default::default()
    };
    let eval = |facts| stock_causes(facts, &settings, 0);
    let first = s
        .sync_alerts(&AlertKind::STOCK, None, &eval(&facts))
        .await
        .unwrap();
    assert_eq!(first.opened.len(), 1);
    assert_eq!(
        first.opened[0].cause_key,
        format!("low_stock:{}:{}", tee.0, hz.wh.0)
    );
    // The same condition again: told before, not again.
    let again = s
        .sync_alerts(&AlertKind::STOCK, None, &eval(&facts))
        .await
        .unwrap();
    assert_eq!((again.opened.len(), again.still_open), (0, 1));
    let open = AlertFilter {
        open: Some(true),
        ..Default::default()
    };
    assert_eq!(
        s.list_alerts(&open, &page(10)).await.unwrap().items.len(),
        1
    );
    let a = s.ack_alert(first.opened[0].id, &actor()).await.unwrap();
    assert_eq!(a.acked_by, "tester");
    let e = s.close_alert(a.id, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "kind"),
        "{e}"
    );

    // An evaluation of other SKUs leaves it alone; restocking closes it.
    let caps = s.pair_facts(Some(&[cap]), 0).await.unwrap();
    assert_eq!(caps.len(), 1);
    let other = s
        .sync_alerts(&AlertKind::STOCK, Some(&[cap]), &eval(&caps))
        .await
        .unwrap();
    assert_eq!(other.closed, 0);
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 5, Some(100))],
    )
    .await
    .unwrap();
    let facts = s.pair_facts(Some(&[tee]), 0).await.unwrap();
    let fixed = s
        .sync_alerts(&AlertKind::STOCK, Some(&[tee]), &eval(&facts))
        .await
        .unwrap();
    assert_eq!(fixed.closed, 1);
    assert_eq!(s.open_alert_count(&[]).await.unwrap(), 0);
    let closed = s.get_alert(a.id).await.unwrap().unwrap();
    assert_eq!(closed.closed_by, "system:alerts");

    // Low again later: a new alert, told again.
    post(
        &s,
        DocumentKind::Issue,
        hz.wh,
        vec![line(tee, hz.a, 6, None)],
    )
    .await
    .unwrap();
    let facts = s.pair_facts(None, 0).await.unwrap();
    let later = s
        .sync_alerts(&AlertKind::STOCK, None, &eval(&facts))
        .await
        .unwrap();
    assert_eq!(later.opened.len(), 1);
    assert_ne!(later.opened[0].id, a.id);
    assert!(s.delete_stock_level(tee, hz.wh, &actor()).await.unwrap());
    assert!(!s.delete_stock_level(tee, hz.wh, &actor()).await.unwrap());
}

pub async fn lots_event_alerts_channels_and_deliveries(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let mut input = super::sku_input("MILK");
    input.tracking = Some("lot_expiry".into());
    let milk = s
        .create_sku(&jxc_core::catalog::NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap()
        .id;
    let d = |x: &str| NaiveDate::parse_from_str(x, "%Y-%m-%d").unwrap();
    let lot = |no: &str, exp: &str| LineInput {
        lot_no: Some(no.into()),
        expiry_date: Some(d(exp)),
        ..line(milk, hz.a, 4, Some(500))
    };
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![lot("L1", "2026-12-01"), lot("L2", "2027-06-01")],
    )
    .await
    .unwrap();
    let lots = s.lot_facts(d("2026-12-31"), None).await.unwrap();
    assert_eq!(lots.len(), 1);
    assert_eq!((lots[0].lot_no.as_str(), lots[0].on_hand), ("L1", 4));
    let causes = lot_causes(&lots, &AlertSettings::default(), d("2026-11-26"));
    assert_eq!(causes[0].kind, AlertKind::NearExpiry);

    // An event alert: opened once, closed by a person.
    let settings = AlertSettings {
        count_variance_value: 100,
        ..Default::default()
    };
    let cause = count_variance_cause(7, "PD00000007", hz.wh, Fen(0), Fen(500), &settings).unwrap();
    let a = s.open_alert(&cause).await.unwrap().unwrap();
    assert!(s.open_alert(&cause).await.unwrap().is_none());
    // A stock evaluation does not close events.
    let sync = s.sync_alerts(&AlertKind::STOCK, None, &[]).await.unwrap();
    assert_eq!(sync.closed, 0);
    let closed = s.close_alert(a.id, &actor()).await.unwrap();
    assert_eq!(closed.closed_by, "tester");

    let ch = s
        .save_alert_channel(
            None,
            &NewAlertChannel {
                name: "仓库群".into(),
                kind: ChannelKind::Dingtalk,
                config: r#"{"url":"https://oapi.dingtalk.com/robot/send?access_token=x"}"#.into(),
                kinds: vec![AlertKind::LowStock],
                active: true,
            },
            &actor(),
        )
        .await
        .unwrap();
    assert!(ch.takes(AlertKind::LowStock) && !ch.takes(AlertKind::Overstock));
    assert_eq!(s.list_alert_channels().await.unwrap(), vec![ch.clone()]);
    let b = s.open_alert(&cause).await.unwrap().unwrap();
    s.record_delivery(b.id, ch.id, Some("timeout"))
        .await
        .unwrap();
    s.record_delivery(b.id, ch.id, Some("timeout"))
        .await
        .unwrap();
    let failed = s.failed_deliveries(5).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        s.failed_deliveries(2).await.unwrap().is_empty(),
        "two tries made"
    );
    s.record_delivery(b.id, ch.id, None).await.unwrap();
    assert!(s.failed_deliveries(5).await.unwrap().is_empty());
    let ds = s.alert_deliveries(b.id).await.unwrap();
    assert_eq!((ds[0].status.as_str(), ds[0].attempts), ("sent", 3));
}
