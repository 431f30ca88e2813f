//! Conformance: 序列号 — a serial-numbered SKU moves one unit a line with its serial as
//! the lot; a serial is in stock at most once; shipping scans exactly the serials the
//! orders hold.

use jxc_core::catalog::NewSku;
use jxc_core::inventory::{DocumentKind, LineInput};

use super::fulfillment::{allocated, order, want};
use super::orders::shop;
use super::{Shared, actor, balance, line, post, sku_input, warehouse};
use crate::{NewShipment, ShipInput, StoreError};

pub async fn a_serial_is_in_stock_once_and_ships_only_when_scanned(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let mut input = sku_input("PHONE");
    input.tracking = Some("serial".into());
    let phone = s
        .create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap()
        .id;
    let sn = |no: &str, loc, qty| LineInput {
        lot_no: Some(no.into()),
        ..line(phone, loc, qty, Some(150_000))
    };
    let e = post(&s, DocumentKind::Receipt, hz.wh, vec![sn("SN1", hz.a, 2)])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Domain(jxc_core::Error::Invalid(v)) if v[0].field == "lines[1].qty"),
        "{e}"
    );
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![sn("SN1", hz.a, 1), sn("SN2", hz.a, 1)],
    )
    .await
    .unwrap();
    // The same serial again: refused, wherever it would go.
    let e = post(&s, DocumentKind::Receipt, hz.wh, vec![sn("SN1", hz.b, 1)])
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.reason.contains("SN1")),
        "{e}"
    );
    let other = warehouse(&s, "SH").await;
    let e = post(
        &s,
        DocumentKind::Receipt,
        other.wh,
        vec![sn("SN2", other.a, 1)],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "lot_no"),
        "{e}"
    );
    // Moving one to another shelf is not a second one.
    post(
        &s,
        DocumentKind::Relocation,
        hz.wh,
        vec![LineInput {
            to_location_id: Some(hz.b.0),
            unit_cost: None,
            ..sn("SN1", hz.a, 1)
        }],
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, phone, hz.b).await.0, 1);

    // An order holds one serial (SN2, first by pick sequence); shipping scans exactly it.
    let tb = shop(&s, "TB", "taobao").await;
    let o = order(&s, tb, "8001").await;
    s.save_allocation(
        &allocated(o, vec![hz.wh], vec![want(phone, hz.wh, 1, "8001")]),
        &actor(),
    )
    .await
    .unwrap();
    let sh = s
        .create_shipments(
            &[NewShipment {
                warehouse_id: hz.wh,
                wave_id: None,
                orders: vec![o],
                carrier: "shunfeng".into(),
                tracking_no: "SF9".into(),
                print_data: String::new(),
            }],
            &actor(),
        )
        .await
        .unwrap()
        .remove(0);
    let ship = |serials: Vec<&str>| ShipInput {
        scanned: vec![(phone, 1)],
        serials: serials
            .into_iter()
            .map(|x| (phone, x.to_string()))
            .collect(),
        packages: 1,
        weight_g: None,
    };
    for wrong in [vec![], vec!["SN1"], vec!["SN2", "SN1"]] {
        let e = s
            .ship(sh.id, &ship(wrong.clone()), &actor())
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Conflict(f) if f.field == "serials" && f.reason.contains("SN2")),
            "{wrong:?}: {e}"
        );
    }
    let out = s.ship(sh.id, &ship(vec!["SN2"]), &actor()).await.unwrap();
    let doc = s
        .get_document(out.document_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.moves[0].lot_no, "SN2");
    // Out of stock, the serial may come back (a return).
    post(&s, DocumentKind::Receipt, hz.wh, vec![sn("SN2", hz.a, 1)])
        .await
        .unwrap();
}
