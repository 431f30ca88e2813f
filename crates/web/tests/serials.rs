//! 序列号 over HTTP: a serial-numbered phone is received one unit a line; the scan
//! station's view of its shipment names the serial the order holds; shipping without it
//! or with another serial is refused (409), with it the issue takes exactly that serial.

mod common;

use common::TestServer;
use jxc_app::Actor;
use jxc_core::ids::{OrderId, WarehouseId};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_serial_numbered_phone_ships_only_with_its_serial_scanned() {
    let s = TestServer::start().await;
    let a = Actor::system("test");
    let app = &s.app;
    let (shop, wh) = common::taobao_shop_and_hangzhou(&s).await;
    let admin = s.admin().await;
    let (st, phone) = admin
        .api(
            Method::POST,
            "/api/v1/skus",
            Some(json!({"code": "PHONE", "name": "手机", "tracking": "serial", "barcodes": ["6971234567890"]})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{phone}");
    let phone = phone["id"].as_i64().unwrap();
    let receipt = |lines: serde_json::Value| json!({"warehouse_id": wh.0, "reference": "PO-1", "lines": lines});
    let (st, bad) = admin
        .api(
            Method::POST,
            "/api/v1/stock/post/receipt",
            Some(receipt(
                json!([{"sku_id": phone, "qty": 2, "unit_cost": 150000, "lot_no": "IMEI-1"}]),
            )),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (st, _) = admin
        .api(
            Method::POST,
            "/api/v1/stock/post/receipt",
            Some(receipt(json!([
                {"sku_id": phone, "qty": 1, "unit_cost": 150000, "lot_no": "IMEI-1"},
                {"sku_id": phone, "qty": 1, "unit_cost": 150000, "lot_no": "IMEI-2"}
            ]))),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, dup) = admin
        .api(
            Method::POST,
            "/api/v1/stock/post/receipt",
            Some(receipt(
                json!([{"sku_id": phone, "qty": 1, "unit_cost": 150000, "lot_no": "IMEI-2"}]),
            )),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{dup}");

    let file = "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n\
                P1,phone-fan,赵六,13800003333,浙江省,杭州市,西湖区,文三路3号,2026-11-20 09:00:00,2026-11-20 09:05:00,PHONE,手机,1,2999.00,0\n";
    app.import_order_file(
        shop,
        jxc_app::orders::OrderFile::Template,
        ("o.csv", file.as_bytes()),
        None,
        &a,
    )
    .await
    .unwrap();
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
                tracking_no: "SF4455".into(),
                print_data: String::new(),
            }],
            &a,
        )
        .await
        .unwrap()
        .remove(0);

    // The station's view: one phone, a serial, and which one.
    let (st, view) = admin.api(Method::GET, "/api/v1/scan/SF4455", None).await;
    assert_eq!(st, StatusCode::OK, "{view}");
    let line = &view["lines"][0];
    assert_eq!(line["serial"], true);
    let held = line["serials"][0].as_str().unwrap().to_string();
    assert!(held.starts_with("IMEI-"), "{view}");
    let other = if held == "IMEI-1" { "IMEI-2" } else { "IMEI-1" };
    let ship = |serials: serde_json::Value| json!({"scanned": [{"sku_id": phone, "qty": 1}], "serials": serials, "packages": 1});
    let path = format!("/api/v1/shipments/{}/ship", sh.id);
    for wrong in [json!([]), json!([{"sku_id": phone, "serial": other}])] {
        let (st, e) = admin.api(Method::POST, &path, Some(ship(wrong))).await;
        assert_eq!(st, StatusCode::CONFLICT, "{e}");
        assert_eq!(e["field"], "serials", "{e}");
    }
    let (st, done) = admin
        .api(
            Method::POST,
            &path,
            Some(ship(json!([{"sku_id": phone, "serial": held}]))),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    let (_, view) = admin
        .api(Method::GET, &format!("/api/v1/shipments/{}", sh.id), None)
        .await;
    assert_eq!(view["lines"][0]["serials"][0], held.as_str(), "{view}");
    // The scan page knows how to ask for a serial.
    let js = admin.get("/assets/scan.js").await;
    assert!(js.contains("wrong-serial"));
}
