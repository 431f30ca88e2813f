//! Conformance: 追溯 — a lot is followed forward to every shipment, order and buyer that
//! got it; an order is followed back to the lots it shipped and the receipts that brought
//! them in (with the receipt's reference, e.g. the PO).

use chrono::NaiveDate;
use jxc_core::catalog::NewSku;
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput};

use super::fulfillment::{allocated, order, want};
use super::orders::shop;
use super::{Shared, actor, line, sku_input, warehouse};
use crate::{NewShipment, ShipInput};

pub async fn a_lot_is_traced_to_its_buyers_and_an_order_back_to_its_receipts(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let mut input = sku_input("MILK");
    input.tracking = Some("lot_expiry".into());
    let milk = s
        .create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap()
        .id;
    let d = |x: &str| NaiveDate::parse_from_str(x, "%Y-%m-%d").unwrap();
    let receipt = |po: &str, lot: &str, exp: &str, qty: i64| {
        Document::parse(
            DocumentKind::Receipt,
            &DocumentInput {
                warehouse_id: hz.wh.0,
                reference: po.into(),
                lines: vec![LineInput {
                    lot_no: Some(lot.into()),
                    expiry_date: Some(d(exp)),
                    ..line(milk, hz.a, qty, Some(300))
                }],
                ..Default::default()
            },
        )
        .unwrap()
    };
    // L1 expires first, so orders take it first (FEFO).
    s.post_documents(
        &[
            receipt("PO-7", "L1", "2027-01-31", 4),
            receipt("PO-8", "L2", "2027-06-30", 10),
        ],
        &actor(),
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let (o1, o2) = (order(&s, tb, "9001").await, order(&s, tb, "9002").await);
    for (o, pid, qty) in [(o1, "9001", 3), (o2, "9002", 2)] {
        s.save_allocation(
            &allocated(o, vec![hz.wh], vec![want(milk, hz.wh, qty, pid)]),
            &actor(),
        )
        .await
        .unwrap();
    }
    for (o, no, qty) in [(o1, "SF001", 3), (o2, "SF002", 2)] {
        let sh = s
            .create_shipments(
                &[NewShipment {
                    warehouse_id: hz.wh,
                    wave_id: None,
                    orders: vec![o],
                    carrier: "shunfeng".into(),
                    tracking_no: no.into(),
                    print_data: String::new(),
                }],
                &actor(),
            )
            .await
            .unwrap();
        s.ship(
            sh[0].id,
            &ShipInput {
                serials: vec![],
                scanned: vec![(milk, qty)],
                packages: 1,
                weight_g: None,
            },
            &actor(),
        )
        .await
        .unwrap();
    }

    // Forward from L1: 3 to order 9001, the last 1 to 9002 (which took 1 more from L2).
    let found = s.find_lots("L1", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    let l1 = found[0].lot_id;
    let t = s.trace_lot(l1).await.unwrap().unwrap();
    assert_eq!(
        (t.lot.sku_code.as_str(), t.lot.lot_no.as_str()),
        ("MILK", "L1")
    );
    assert_eq!(t.lot.expiry_date.as_deref(), Some("2027-01-31"));
    assert_eq!(t.on_hand, 0);
    let moves: Vec<(DocumentKind, i64)> = t.documents.iter().map(|d| (d.kind, d.qty)).collect();
    assert_eq!(
        moves,
        vec![
            (DocumentKind::Receipt, 4),
            (DocumentKind::Issue, -3),
            (DocumentKind::Issue, -1)
        ]
    );
    assert_eq!(t.documents[0].reference, "PO-7");
    let buyers: Vec<(&str, &str)> = t
        .shipments
        .iter()
        .flat_map(|s| {
            s.orders
                .iter()
                .map(move |o| (s.tracking_no.as_str(), o.platform_order_id.as_str()))
        })
        .collect();
    assert_eq!(buyers, vec![("SF001", "9001"), ("SF002", "9002")]);
    assert_eq!(t.shipments[0].orders[0].buyer_nick, "buyer-9001");

    // Backward from order 9002: one unit of L1 (PO-7) and one of L2 (PO-8).
    let lines = s.trace_order(o2).await.unwrap();
    let got: Vec<(String, i64, String)> = lines
        .iter()
        .map(|l| {
            (
                l.lot.as_ref().unwrap().lot_no.clone(),
                l.qty,
                l.receipts[0].reference.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("L1".to_string(), 1, "PO-7".to_string()),
            ("L2".to_string(), 1, "PO-8".to_string())
        ]
    );
    assert_eq!(lines[0].issue.kind, DocumentKind::Issue);
    assert!(
        s.trace_lot(jxc_core::ids::LotId(9_999))
            .await
            .unwrap()
            .is_none()
    );
    let o3 = order(&s, tb, "9003").await;
    assert!(s.trace_order(o3).await.unwrap().is_empty(), "not shipped");
}
