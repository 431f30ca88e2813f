//! 追溯 over HTTP: a lot of milk is received against PO-77 and shipped to an order; the
//! search finds the lot, its page names the order and buyer (and exports the recall
//! list), the order's trace page names the lot and PO-77; the API says the same.

mod common;

use common::TestServer;
use jxc_app::Actor;
use jxc_core::ids::{OrderId, WarehouseId};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_lot_is_traced_to_its_buyer_and_the_order_back_to_its_po() {
    let s = TestServer::start().await;
    let a = Actor::system("test");
    let app = &s.app;
    let (shop, wh) = common::taobao_shop_and_hangzhou(&s).await;
    let milk = app
        .create_sku(
            &jxc_core::catalog::SkuInput {
                code: Some("MILK".into()),
                name: Some("牛奶".into()),
                tracking: Some("lot_expiry".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    app.post_document(
        jxc_core::inventory::DocumentKind::Receipt,
        &jxc_core::inventory::DocumentInput {
            warehouse_id: wh.0,
            reference: "PO-77".into(),
            lines: vec![jxc_core::inventory::LineInput {
                sku_id: milk.0,
                qty: 10,
                unit_cost: Some(450),
                lot_no: Some("M2611".into()),
                expiry_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 1),
                ..Default::default()
            }],
            ..Default::default()
        },
        &a,
    )
    .await
    .unwrap();
    let file = "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n\
                T1,milk-fan,王五,13800002222,浙江省,杭州市,西湖区,文三路2号,2026-11-20 09:00:00,2026-11-20 09:05:00,MILK,牛奶,2,10.00,0\n";
    app.import_order_file(
        shop,
        jxc_app::orders::OrderFile::Template,
        ("o.csv", file.as_bytes()),
        None,
        &a,
    )
    .await
    .unwrap();
    let admin = s.admin().await;
    let (_, orders) = admin.api(Method::GET, "/api/v1/orders", None).await;
    let order = orders["items"][0]["id"].as_i64().unwrap();
    admin
        .api(
            Method::POST,
            "/api/v1/orders/approve",
            Some(json!({"ids": [order]})),
        )
        .await;
    let (st, out) = admin
        .api(
            Method::POST,
            "/api/v1/orders/allocate",
            Some(json!({"ids": [order]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let sh = app
        .store
        .create_shipments(
            &[jxc_store::NewShipment {
                warehouse_id: WarehouseId(wh.0),
                wave_id: None,
                orders: vec![OrderId(order)],
                carrier: "shunfeng".into(),
                tracking_no: "SF7788".into(),
                print_data: String::new(),
            }],
            &a,
        )
        .await
        .unwrap();
    app.store
        .ship(
            sh[0].id,
            &jxc_store::ShipInput {
                serials: vec![],
                scanned: vec![(milk, 2)],
                packages: 1,
                weight_g: None,
            },
            &a,
        )
        .await
        .unwrap();

    let viewer = s.browser_as("viewer", &["viewer"]).await;
    let found = viewer.get("/trace?q=M2611").await;
    assert_eq!(found.status, StatusCode::OK);
    let lot: i64 = found
        .body
        .split("data-lot=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    let page = viewer.get(&format!("/trace/lots/{lot}")).await;
    assert!(
        page.contains("milk-fan") && page.contains("SF7788"),
        "{}",
        page.body
    );
    assert!(page.contains("PO-77"));
    let recall = viewer.get(&format!("/trace/lots/{lot}/export.xlsx")).await;
    assert!(recall.bytes.starts_with(b"PK"));
    let back = viewer.get(&format!("/trace/orders/{order}")).await;
    assert!(
        back.contains("M2611") && back.contains("PO-77"),
        "{}",
        back.body
    );
    assert!(
        viewer
            .get(&format!("/orders/{order}"))
            .await
            .contains("/trace/orders/")
    );

    let (_, t) = viewer
        .api(Method::GET, &format!("/api/v1/trace/lots/{lot}"), None)
        .await;
    assert_eq!(
        t["shipments"][0]["orders"][0]["platform_order_id"], "T1",
        "{t}"
    );
    assert_eq!(t["on_hand"], 8);
    let (_, lines) = viewer
        .api(Method::GET, &format!("/api/v1/trace/orders/{order}"), None)
        .await;
    assert_eq!(lines[0]["lot"]["lot_no"], "M2611", "{lines}");
    assert_eq!(lines[0]["receipts"][0]["reference"], "PO-77");
    let (st, _) = viewer
        .api(Method::GET, "/api/v1/trace/lots/99999", None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
