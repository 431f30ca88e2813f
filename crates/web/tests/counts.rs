//! 盘点 over HTTP: a warehouse worker starts a blind count on the page, scans through the
//! API (a scan sent twice counts once), a sale ships mid-count, the worker submits; the
//! worker may not approve, a 仓库主管 sees the book figures and approves; the stock is
//! counted − book at the position, not overwritten. Lists, exports, the scan page, the
//! OpenAPI document.

mod common;

use common::{TestServer, warehouse_with_orders};
use jxc_core::ids::WarehouseId;
use jxc_core::paging::PageRequest;
use jxc_store::BalanceFilter;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn on_hand(s: &TestServer, wh: i64, code: &str) -> i64 {
    let sku = s.app.store.get_sku_by_code(code).await.unwrap().unwrap().id;
    let f = BalanceFilter {
        sku_id: Some(sku),
        warehouse_id: Some(WarehouseId(wh)),
        ..Default::default()
    };
    let rows = s
        .app
        .store
        .list_balances(&f, &PageRequest::default())
        .await
        .unwrap()
        .items;
    rows.iter().map(|b| b.on_hand).sum()
}

#[tokio::test]
async fn a_blind_count_is_scanned_submitted_and_posted_by_a_lead_while_a_sale_ships() {
    let s = TestServer::start().await;
    let wh = warehouse_with_orders(&s).await;
    let worker = s.browser_as("worker", &["warehouse"]).await;
    let lead = s.browser_as("lead", &["warehouse_lead"]).await;
    let whs = wh.to_string();

    // A range that ends before it starts is sent back with its field.
    let res = worker
        .post(
            "/counts",
            &[
                ("warehouse_id", &whs),
                ("scope", "locations"),
                ("location_from", "B"),
                ("location_to", "A"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("data-field=\"location_to\""), "{}", res.body);

    let res = worker
        .post(
            "/counts",
            &[
                ("warehouse_id", &whs),
                ("scope", "full"),
                ("blind", "1"),
                ("recount_qty", "5"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let at = res.location.unwrap();
    let id: i64 = at.trim_start_matches("/counts/").parse().unwrap();
    let page = worker.get(&at).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("PD0000000"), "{}", page.body);
    assert!(
        !page.contains("账面（盘点时）"),
        "a blind count hides the book"
    );

    // Scans: the tee by its barcode (sent twice in one batch after a drop), the cups by code.
    let scans = json!({"scans": [
        {"scan_id": "a1", "location": "A-02-05-1", "code": "6901234567892", "qty": 18},
        {"scan_id": "a1", "location": "A-02-05-1", "code": "6901234567892", "qty": 18},
        {"scan_id": "a2", "location": "A-01-01-1", "code": "CUP", "qty": 20},
        {"scan_id": "a3", "location": "A-01-01-1", "code": "NOPE"}
    ]});
    let path = format!("/api/v1/stock-counts/{id}/scans");
    let (st, out) = worker.api(Method::POST, &path, Some(scans)).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let kinds: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["counted", "duplicate", "counted", "refused"]);
    assert_eq!(out[0]["counted"], 18);
    let (st, bad) = worker
        .api(
            Method::POST,
            &path,
            Some(json!({"scans": [{"scan_id": "x", "location": "A", "code": "CUP", "qty": 0}]})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["errors"][0]["field"], "scans[0].qty", "{bad}");
    let (_, lines) = worker
        .api(
            Method::GET,
            &format!("/api/v1/stock-counts/{id}/lines"),
            None,
        )
        .await;
    assert!(lines["items"][0]["expected"].is_null(), "blind: {lines}");

    // A tee ships after its shelf was counted.
    let tee = s
        .app
        .store
        .get_sku_by_code("TEE")
        .await
        .unwrap()
        .unwrap()
        .id;
    let loc = s
        .app
        .store
        .get_location_by_code(WarehouseId(wh), "A-02-05-1")
        .await
        .unwrap()
        .unwrap()
        .id;
    s.app
        .post_document(
            jxc_core::inventory::DocumentKind::Issue,
            &jxc_core::inventory::DocumentInput {
                warehouse_id: wh,
                lines: vec![jxc_core::inventory::LineInput {
                    sku_id: tee.0,
                    location_id: Some(loc.0),
                    qty: 1,
                    ..Default::default()
                }],
                ..Default::default()
            },
            &jxc_app::Actor::system("test"),
        )
        .await
        .unwrap();

    let res = worker.post(&format!("/counts/{id}/submit"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location.unwrap(), format!("/counts/{id}?ok=submitted"));
    let res = worker.post(&format!("/counts/{id}/approve"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let page = lead.get(&format!("/counts/{id}")).await;
    assert!(page.contains("账面（盘点时）"), "the lead sees the book");
    assert!(page.contains("50.00%"), "one of two lines matched");
    let res = lead.post(&format!("/counts/{id}/approve"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = lead.get(&format!("/counts/{id}?ok=approved")).await;
    assert!(page.contains("data-status=\"posted\""), "{}", page.body);
    assert!(page.contains("class=\"count-doc\""));

    // 20 − 1 sold − 2 missing; the cups were right.
    assert_eq!(on_hand(&s, wh, "TEE").await, 17);
    assert_eq!(on_hand(&s, wh, "CUP").await, 20);
    let (_, rep) = lead
        .api(
            Method::GET,
            &format!("/api/v1/stock-counts/{id}/report"),
            None,
        )
        .await;
    assert_eq!(rep["accuracy"]["accuracy_bp"], 5000, "{rep}");
    assert_eq!(rep["accuracy"]["value_loss"], 2000, "{rep}");

    // Lists, exports, the scan page, the API document.
    let list = worker.get("/counts?status=posted").await;
    assert!(list.contains(&format!("data-count=\"{id}\"")));
    let bad = worker.get("/counts?status=nope").await;
    assert!(bad.contains("未知状态"), "{}", bad.body);
    for x in ["/counts/export.xlsx", &format!("/counts/{id}/export.xlsx")] {
        let f = worker.get(x).await;
        assert_eq!(f.status, StatusCode::OK, "{x}");
        assert!(f.content_type.contains("spreadsheetml"), "{x}");
        assert!(f.bytes.starts_with(b"PK"), "{x}");
    }
    let scan = worker.get(&format!("/counts/{id}/scan")).await;
    assert!(scan.contains("/assets/count-scan.js"));
    let js = worker.get("/assets/count-scan.js").await;
    assert!(js.contains("scan_id"));
    let viewer = s.browser_as("viewer", &["viewer"]).await;
    assert_eq!(
        viewer.get(&format!("/counts/{id}/scan")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get(&format!("/counts/{id}")).await.status,
        StatusCode::OK
    );
    let doc = worker.get("/api/openapi.json").await;
    assert!(doc.contains("/api/v1/stock-counts/{id}/scans"));
}
