//! 调拨 and 其他出入库 over HTTP: a warehouse worker asks for a transfer on the page (bad
//! lines come back with their fields), ships it, receives part on the page and part
//! through the API, and closes it with a loss and its reason; in transit shows per
//! warehouse and cannot be reserved; a shipped transfer cannot be cancelled. Adjustments
//! post at once under the threshold, wait above it for a 仓库主管 who approves or
//! rejects; a viewer and a worker get 403 on what is not theirs.

mod common;

use common::{Browser, Page, TestServer, warehouse_with_orders};
use jxc_app::Actor;
use jxc_core::ids::WarehouseId;
use jxc_core::paging::PageRequest;
use jxc_store::BalanceFilter;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// On hand and value of a SKU over a warehouse.
async fn stock(s: &TestServer, wh: i64, code: &str) -> (i64, i64) {
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
    rows.iter()
        .fold((0, 0), |a, b| (a.0 + b.on_hand, a.1 + b.value.0))
}

/// 上海仓 with one shelf, B-01.
async fn second_warehouse(s: &TestServer) -> i64 {
    let a = Actor::system("test");
    let wh = s
        .app
        .create_warehouse(
            &jxc_core::warehouses::WarehouseInput {
                code: Some("SH".into()),
                name: Some("上海仓".into()),
                province: Some("上海市".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    s.app
        .create_location(
            &jxc_core::warehouses::LocationInput {
                warehouse_id: Some(wh.0),
                code: Some("B-01".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap();
    wh.0
}

/// Asks for an adjustment of TEE on the page.
async fn adjust(
    b: &Browser,
    wh: &str,
    reason: &str,
    qty: &str,
    note: &str,
    more: &[(&str, &str)],
) -> Page {
    let mut f = vec![
        ("warehouse_id", wh),
        ("reason", reason),
        ("note", note),
        ("code_0", "TEE"),
        ("qty_0", qty),
        ("loc_0", "A-02-05-1"),
    ];
    f.extend_from_slice(more);
    b.post("/adjustments", &f).await
}

fn id_of(location: &str, prefix: &str) -> i64 {
    location
        .trim_start_matches(prefix)
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_transfer_ships_into_transit_arrives_in_parts_and_closes_with_a_loss() {
    let s = TestServer::start().await;
    let hz = warehouse_with_orders(&s).await;
    let sh = second_warehouse(&s).await;
    let (hzs, shs) = (hz.to_string(), sh.to_string());
    let worker = s.browser_as("worker", &["warehouse"]).await;
    let viewer = s.browser_as("viewer", &["viewer"]).await;

    // Bad lines come back with their fields, and nothing is made.
    let res = worker
        .post(
            "/transfers",
            &[
                ("from_warehouse_id", &hzs),
                ("to_warehouse_id", &shs),
                ("code_0", "TEE"),
                ("qty_0", "ten"),
                ("code_1", "NOPE"),
                ("qty_1", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains("data-field=\"lines[0]\""), "{}", res.body);
    assert!(res.contains("商家编码 NOPE 不存在"), "{}", res.body);
    let res = worker
        .post(
            "/transfers",
            &[
                ("from_warehouse_id", &hzs),
                ("to_warehouse_id", &hzs),
                ("code_0", "TEE"),
                ("qty_0", "1"),
            ],
        )
        .await;
    assert!(
        res.contains("data-field=\"to_warehouse_id\""),
        "{}",
        res.body
    );

    let res = worker
        .post(
            "/transfers",
            &[
                ("from_warehouse_id", &hzs),
                ("to_warehouse_id", &shs),
                ("code_0", "TEE"),
                ("qty_0", "10"),
                ("loc_0", "A-02-05-1"),
                ("note", "补上海仓"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = id_of(&res.location.unwrap(), "/transfers/");
    let path = format!("/transfers/{id}");

    // A viewer sees it but changes nothing.
    assert_eq!(viewer.get(&path).await.status, StatusCode::OK);
    let res = viewer.post(&format!("{path}/ship"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (st, _) = viewer
        .api(Method::POST, &format!("/api/v1{path}/ship"), None)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = viewer
        .api(Method::POST, "/api/v1/transfers", Some(json!({})))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    let res = worker.post(&format!("{path}/ship"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = worker.get(&format!("{path}?ok=shipped")).await;
    assert!(page.contains("data-status=\"shipped\""), "{}", page.body);
    assert_eq!(
        stock(&s, hz, "TEE").await,
        (10, 10_000),
        "10 left 杭州 at ¥10.00"
    );
    assert_eq!(
        stock(&s, sh, "TEE").await,
        (10, 10_000),
        "in transit at 上海"
    );

    // In transit per warehouse, through the API and on the page; no order can have it.
    let (st, totals) = viewer
        .api(Method::GET, "/api/v1/transfers/in-transit/totals", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{totals}");
    let of = |w: i64| {
        totals
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["warehouse_id"] == w)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        (
            of(hz)["outgoing_qty"].clone(),
            of(hz)["outgoing_value"].clone()
        ),
        (json!(10), json!(10_000))
    );
    assert_eq!(
        (
            of(sh)["incoming_qty"].clone(),
            of(sh)["incoming_value"].clone()
        ),
        (json!(10), json!(10_000))
    );
    let page = viewer.get("/transfers/in-transit").await;
    assert!(page.contains(&format!("DB{id:08}")), "{}", page.body);
    let tee = s
        .app
        .store
        .get_sku_by_code("TEE")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (st, out) = worker
        .api(
            Method::POST,
            "/api/v1/stock/reservations",
            Some(json!({"sku_id": tee.0, "warehouse_id": sh, "qty": 1})),
        )
        .await;
    assert_ne!(
        st,
        StatusCode::OK,
        "stock in transit cannot be reserved: {out}"
    );

    let res = worker.post(&format!("{path}/cancel"), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("不能取消"), "{}", res.body);

    // 6 arrive on B-01 through the page; 5 more than the 4 left are refused; 3 through the API.
    let res = worker
        .post(
            &format!("{path}/receive"),
            &[("qty_1", "6"), ("loc_1", "B-01")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = worker
        .post(&format!("{path}/receive"), &[("qty_1", "5")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("超过在途数量 4"), "{}", res.body);
    let (st, t) = worker
        .api(
            Method::POST,
            &format!("/api/v1{path}/receive"),
            Some(json!({"lines": [{"line_no": 1, "qty": 3}]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["status"], "partly_received");
    assert_eq!(t["totals"]["received_value"], 9_000);

    // The last one never comes: closing needs a reason, then writes it off.
    let res = worker
        .post(&format!("{path}/close"), &[("reason", " ")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("data-field=\"reason\""), "{}", res.body);
    let res = worker
        .post(&format!("{path}/close"), &[("reason", "运输途中丢失")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = worker.get(&path).await;
    assert!(page.contains("data-status=\"closed\""), "{}", page.body);
    assert!(page.contains("运输途中丢失"));
    assert_eq!(stock(&s, sh, "TEE").await, (9, 9_000));
    let (_, t) = worker
        .api(Method::GET, &format!("/api/v1{path}"), None)
        .await;
    assert_eq!(
        (
            t["totals"]["lost_qty"].clone(),
            t["totals"]["lost_value"].clone()
        ),
        (json!(1), json!(1_000))
    );
    assert_eq!(t["documents"].as_array().unwrap().len(), 4);
    assert!(
        s.app.check().await.unwrap().differences.is_empty(),
        "jxc check is clean"
    );

    // Lists, exports, the API document.
    let list = worker.get("/transfers?status=closed").await;
    assert!(list.contains(&format!("data-transfer=\"{id}\"")));
    let bad = worker.get("/transfers?status=nope").await;
    assert!(bad.contains("未知状态"), "{}", bad.body);
    for x in [
        "/transfers/export.xlsx",
        "/transfers/in-transit/export.xlsx",
    ] {
        let f = worker.get(x).await;
        assert_eq!(f.status, StatusCode::OK, "{x}");
        assert!(f.bytes.starts_with(b"PK"), "{x}");
    }
    let doc = worker.get("/api/openapi.json").await;
    assert!(doc.contains("/api/v1/transfers/{id}/receive"));
    assert!(doc.contains("/api/v1/stock-adjustments/{id}/approve"));
}

#[tokio::test]
async fn an_adjustment_above_the_threshold_waits_for_a_lead_who_approves_or_rejects() {
    let s = TestServer::start().await;
    let hz = warehouse_with_orders(&s).await;
    let hzs = hz.to_string();
    let worker = s.browser_as("worker", &["warehouse"]).await;
    let lead = s.browser_as("lead", &["warehouse_lead"]).await;
    let viewer = s.browser_as("viewer", &["viewer"]).await;
    // 报损 2 at ¥10.00: under the default ¥500, posted at once.
    let res = adjust(&worker, &hzs, "damage", "-2", "", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(res.location.as_deref().unwrap().ends_with("?ok=posted"));
    assert_eq!(stock(&s, hz, "TEE").await, (18, 18_000));

    // A damage that adds stock, and 其他 without a note, are sent back with their fields.
    for (reason, qty, field) in [("damage", "1", "lines[0]"), ("other", "1", "note")] {
        let res = adjust(&worker, &hzs, reason, qty, "", &[]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}");
        assert!(
            res.contains(&format!("data-field=\"{field}\"")),
            "{}",
            res.body
        );
    }

    // Only a 仓库主管 sets the threshold: ¥50.00.
    let res = worker
        .post("/adjustments/threshold", &[("threshold", "1")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = lead
        .post("/adjustments/threshold", &[("threshold", "50.00")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, t) = viewer
        .api(Method::GET, "/api/v1/stock-adjustments/threshold", None)
        .await;
    assert_eq!(t["threshold"], 5_000);

    // 样品 6 = ¥60.00: waits; the worker may not approve it, the lead does.
    let res = adjust(&worker, &hzs, "sample", "-6", "展会", &[]).await;
    let at = res.location.unwrap();
    assert!(at.ends_with("?ok=pending"), "{at}");
    let id = id_of(&at, "/adjustments/");
    assert_eq!(
        stock(&s, hz, "TEE").await,
        (18, 18_000),
        "nothing moves yet"
    );
    let res = worker
        .post(&format!("/adjustments/{id}/approve"), &[])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (st, _) = viewer
        .api(
            Method::POST,
            &format!("/api/v1/stock-adjustments/{id}/approve"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let res = lead.post(&format!("/adjustments/{id}/approve"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(stock(&s, hz, "TEE").await, (12, 12_000));
    let page = lead.get(&format!("/adjustments/{id}")).await;
    assert!(page.contains("data-status=\"posted\""), "{}", page.body);
    assert!(page.contains("lead"), "who approved it is kept");

    // 盘盈 10 at ¥10.00 stated = ¥100: waits, and is rejected (a note is required).
    let res = adjust(&worker, &hzs, "found", "10", "", &[("cost_0", "10.00")]).await;
    let id = id_of(&res.location.unwrap(), "/adjustments/");
    let res = lead.post(&format!("/adjustments/{id}/reject"), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("data-field=\"note\""), "{}", res.body);
    let (st, a) = lead
        .api(
            Method::POST,
            &format!("/api/v1/stock-adjustments/{id}/reject"),
            Some(json!({"note": "没有找到这些货"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(
        (a["status"].clone(), a["decided_by"].clone()),
        (json!("rejected"), json!("lead"))
    );
    assert_eq!(
        stock(&s, hz, "TEE").await,
        (12, 12_000),
        "a rejected request posts nothing"
    );

    let (st, _) = viewer
        .api(Method::POST, "/api/v1/stock-adjustments", Some(json!({})))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let list = viewer.get("/adjustments?status=rejected").await;
    assert!(
        list.contains(&format!("data-adjustment=\"{id}\"")),
        "{}",
        list.body
    );
    let f = viewer.get("/adjustments/export.xlsx").await;
    assert!(f.bytes.starts_with(b"PK"));
    assert!(
        s.app.check().await.unwrap().differences.is_empty(),
        "jxc check is clean"
    );
}
