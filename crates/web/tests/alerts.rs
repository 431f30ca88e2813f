//! 预警 over HTTP: a purchaser sets a safety stock on the page and adds a DingTalk robot
//! (its secret never comes back); a sale takes the SKU under it and the robot simulator
//! gets one signed message; the inbox lists it with a link to the stock page; a warehouse
//! worker marks it seen but may not change settings; a condition alert cannot be closed
//! by hand; exports; the API and its OpenAPI document.

mod common;

use common::{TestServer, warehouse_with_orders};
use jxc_sim::robots::{RobotPlatform, RobotsState};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_safety_stock_alert_reaches_the_robot_once_and_waits_in_the_inbox() {
    let s = TestServer::start().await;
    let wh = warehouse_with_orders(&s).await;
    let whs = wh.to_string();
    let robots = RobotsState::new();
    robots.add_robot(
        RobotPlatform::DingTalk,
        "ding-token-123456",
        Some("SECdemo-secret"),
    );
    let sim = jxc_sim::robots::start(robots.clone()).await.unwrap();
    let buyer = s.browser_as("buyer", &["purchasing"]).await;
    let worker = s.browser_as("worker", &["warehouse"]).await;

    // Settings and a robot, from the pages.
    let res = buyer
        .post(
            "/alerts/settings",
            &[
                ("near_expiry_days", "30"),
                ("slow_days", "x"),
                ("count_variance_value", "500"),
                ("base_url", "https://erp.example.cn"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("data-field=\"slow_days\""), "{}", res.body);
    let res = buyer
        .post(
            "/alerts/settings",
            &[
                ("near_expiry_days", "30"),
                ("slow_days", "0"),
                ("count_variance_value", "500"),
                ("base_url", "https://erp.example.cn"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let url = sim.webhook_url(RobotPlatform::DingTalk, "ding-token-123456");
    let res = buyer
        .post(
            "/alerts/channels",
            &[
                ("name", "仓库群"),
                ("kind", "dingtalk"),
                ("webhook_url", &url),
                ("secret", "SECdemo-secret"),
                ("kind_low_stock", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = buyer.get("/alerts/settings").await;
    assert!(page.contains("仓库群"));
    assert!(!page.contains("SECdemo-secret") && !page.contains("ding-token-123456"));
    let res = buyer.post("/alerts/channels/1/test", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(robots.received().len(), 1, "the test message");

    // Safety stock 15 for TEE at HZ (20 on hand): nothing yet.
    let res = buyer
        .post(
            "/alerts/levels",
            &[
                ("sku_code", "NOPE"),
                ("warehouse_id", &whs),
                ("min_qty", "15"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("data-field=\"sku_code\""));
    let res = buyer
        .post(
            "/alerts/levels",
            &[
                ("sku_code", "TEE"),
                ("warehouse_id", &whs),
                ("min_qty", "15"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(
        buyer
            .get("/alerts/levels")
            .await
            .contains("data-sku=\"TEE\"")
    );
    assert_eq!(robots.received().len(), 1);

    // A sale of 6 takes it to 14: one message, signed, with the link.
    let tee = s
        .app
        .store
        .get_sku_by_code("TEE")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (st, _) = buyer.api(Method::GET, "/api/v1/alerts", None).await;
    assert_eq!(st, StatusCode::OK);
    s.app
        .post_document(
            jxc_core::inventory::DocumentKind::Issue,
            &jxc_core::inventory::DocumentInput {
                warehouse_id: wh,
                lines: vec![jxc_core::inventory::LineInput {
                    sku_id: tee.0,
                    qty: 6,
                    location_id: Some(
                        s.app
                            .store
                            .get_location_by_code(jxc_core::ids::WarehouseId(wh), "A-02-05-1")
                            .await
                            .unwrap()
                            .unwrap()
                            .id
                            .0,
                    ),
                    ..Default::default()
                }],
                ..Default::default()
            },
            &jxc_app::Actor::system("test"),
        )
        .await
        .unwrap();
    let got = robots.received_by("ding-token-123456");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[1].text.contains("https://erp.example.cn/stock?q=TEE"),
        "{}",
        got[1].text
    );
    assert_eq!(robots.stats().bad_signatures, 0);
    let res = buyer.post("/alerts/evaluate", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(robots.received().len(), 2, "not told twice");

    // The inbox: the worker sees it and marks it seen, may not manage.
    let home = worker.get("/").await;
    assert!(
        home.contains("id=\"open-alerts\">1<"),
        "the dashboard counts it"
    );
    let inbox = worker.get("/alerts").await;
    assert!(inbox.contains("data-kind=\"low_stock\""), "{}", inbox.body);
    assert!(inbox.contains("/stock?q=TEE"));
    let (_, list) = worker.api(Method::GET, "/api/v1/alerts", None).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let res = worker.post(&format!("/alerts/{id}/ack"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = worker.post(&format!("/alerts/{id}/close"), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("自动关闭"));
    assert_eq!(
        worker.get("/alerts/settings").await.status,
        StatusCode::FORBIDDEN
    );
    let (st, _) = worker
        .api(
            Method::PUT,
            "/api/v1/stock-levels",
            Some(json!({"sku_id": tee.0, "warehouse_id": wh, "min_qty": 1})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Exports and the API document.
    for x in ["/alerts/export.xlsx", "/alerts/levels/export.xlsx"] {
        let f = worker.get(x).await;
        assert_eq!(f.status, StatusCode::OK, "{x}");
        assert!(f.bytes.starts_with(b"PK"), "{x}");
    }
    let (st, levels) = buyer.api(Method::GET, "/api/v1/stock-levels", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(levels["items"][0]["min_qty"], 15, "{levels}");
    let (_, chans) = buyer.api(Method::GET, "/api/v1/alert-channels", None).await;
    assert!(!chans.to_string().contains("SECdemo-secret"));
    let doc = worker.get("/api/openapi.json").await;
    assert!(doc.contains("/api/v1/stock-levels") && doc.contains("/api/v1/alerts/{id}/ack"));
}
