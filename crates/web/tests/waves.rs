//! 波次与拣货 over HTTP: allocated orders of a warehouse are cut into waves (爆款单 apart),
//! a wave's pick list walks the locations in S-shape with a Code128 per SKU and is
//! shorter than picking order by order, 播种 slots number the orders; an order is in one
//! wave only; dissolving a wave frees its orders; who may do what.

mod common;

use common::TestServer;
use jxc_core::catalog::SkuInput;
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::partners::ShopInput;
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::Actor;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// 杭州仓 with T恤 at A-02-05 and 杯子 at A-01-01, and five approved orders from 杭州:
/// three single T恤 (爆款单) and two with a T恤 and a 杯子. Returns the warehouse id.
async fn warehouse_with_orders(s: &TestServer) -> i64 {
    let a = Actor::system("test");
    let app = &s.app;
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some("TB01".into()),
                name: Some("淘宝店".into()),
                platform: Some("taobao".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("HZ".into()),
                name: Some("杭州仓".into()),
                province: Some("浙江省".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    for (code, barcode, loc) in [
        ("TEE", "6901234567892", "A-02-05-1"),
        ("CUP", "", "A-01-01-1"),
    ] {
        let sku = app
            .create_sku(
                &SkuInput {
                    code: Some(code.into()),
                    name: Some(code.into()),
                    barcodes: (!barcode.is_empty()).then(|| vec![barcode.to_string()]),
                    ..Default::default()
                },
                &a,
            )
            .await
            .unwrap()
            .id;
        let location = app
            .create_location(
                &LocationInput {
                    warehouse_id: Some(wh.0),
                    code: Some(loc.into()),
                    ..Default::default()
                },
                &a,
            )
            .await
            .unwrap()
            .id;
        app.post_document(
            DocumentKind::Receipt,
            &DocumentInput {
                warehouse_id: wh.0,
                lines: vec![LineInput {
                    sku_id: sku.0,
                    location_id: Some(location.0),
                    qty: 20,
                    unit_cost: Some(1000),
                    ..Default::default()
                }],
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap();
    }
    let mut file = String::from(
        "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n",
    );
    for (id, lines) in [
        ("S1", vec![("TEE", 1)]),
        ("M1", vec![("TEE", 1), ("CUP", 1)]),
        ("S2", vec![("TEE", 1)]),
        ("M2", vec![("CUP", 2), ("TEE", 1)]),
        ("S3", vec![("TEE", 1)]),
    ] {
        for (code, qty) in lines {
            file.push_str(&format!(
                "{id},b-{id},买家{id},13800001111,浙江省,杭州市,西湖区,文三路1号,2026-11-20 09:00:00,2026-11-20 09:05:00,{code},商品,{qty},10.00,0\n"
            ));
        }
    }
    app.import_order_file(
        shop,
        jxc_app::orders::OrderFile::Template,
        ("o.csv", file.as_bytes()),
        None,
        &a,
    )
    .await
    .unwrap();
    wh.0
}

#[tokio::test]
async fn allocated_orders_become_waves_with_an_s_shaped_pick_list_and_slots() {
    let s = TestServer::start().await;
    let wh = warehouse_with_orders(&s).await;
    let admin = s.admin().await;
    let (_, orders) = admin.api(Method::GET, "/api/v1/orders", None).await;
    let ids: Vec<i64> = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    admin
        .api(
            Method::POST,
            "/api/v1/orders/approve",
            Some(json!({"ids": ids})),
        )
        .await;
    let (st, out) = admin
        .api(
            Method::POST,
            "/api/v1/orders/allocate",
            Some(json!({"ids": ids})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert!(
        out.as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "allocated"),
        "{out}"
    );

    // From the page: 爆款单 apart, at most 2 a wave.
    let res = admin
        .post(
            "/waves",
            &[
                ("warehouse_id", &wh.to_string()),
                ("max_shipments", "2"),
                ("single_units_apart", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location.as_deref(), Some("/waves?created=3"));
    let (_, waves) = admin.api(Method::GET, "/api/v1/waves", None).await;
    let mut waves = waves["items"].as_array().unwrap().clone();
    waves.sort_by_key(|w| w["id"].as_i64());
    let kinds: Vec<(String, usize)> = waves
        .iter()
        .map(|w| {
            (
                w["kind"].as_str().unwrap().to_string(),
                w["orders"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("single_unit".to_string(), 2),
            ("single_unit".to_string(), 1),
            ("multi".to_string(), 2)
        ],
        "{waves:?}"
    );
    // Nothing is left to wave; an order is in one wave only.
    let (_, again) = admin
        .api(
            Method::POST,
            "/api/v1/waves",
            Some(json!({"warehouse_id": wh})),
        )
        .await;
    assert_eq!(again, json!([]));

    // The mixed wave's pick list: 杯子 at A-01-01 first, then T恤 at A-02-05 (aisle 1
    // before aisle 2), 3 杯子 and 2 T恤; the route beats picking order by order.
    let multi = waves[2]["id"].as_i64().unwrap();
    let (st, list) = admin
        .api(
            Method::GET,
            &format!("/api/v1/waves/{multi}/pick-list"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let lines: Vec<(String, String, i64)> = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["location"].as_str().unwrap().to_string(),
                l["sku_code"].as_str().unwrap().to_string(),
                l["qty"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("A-01-01-1".to_string(), "CUP".to_string(), 3),
            ("A-02-05-1".to_string(), "TEE".to_string(), 2)
        ]
    );
    assert!(
        list["route_length"].as_i64() < list["naive_length"].as_i64(),
        "{list}"
    );
    let slots: Vec<i64> = list["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["slot"].as_i64().unwrap())
        .collect();
    assert_eq!(slots, [1, 2]);

    // The print view: the Code128 of the T恤's barcode, the CUP's code (no barcode).
    let page = admin.get(&format!("/waves/{multi}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.contains("<svg") && page.contains("6901234567892"),
        "{}",
        page.body
    );
    assert!(page.contains("id=\"slots\""));
    // Packing slips: one per order in slot order, each with the order number's Code128.
    assert!(page.contains(&format!("href=\"/waves/{multi}/slips\"")));
    let slips = admin.get(&format!("/waves/{multi}/slips")).await;
    assert_eq!(slips.status, StatusCode::OK, "{}", slips.body);
    let m1 = slips.body.find(">M1<").expect("M1's slip");
    let m2 = slips.body.find(">M2<").expect("M2's slip");
    assert!(m1 < m2, "slot order");
    assert_eq!(slips.body.matches("class=\"slip\"").count(), 2);
    assert_eq!(slips.body.matches("<svg").count(), 2);
    assert!(slips.body.contains("买家M1"));
    let list_page = admin.get("/waves").await;
    assert!(list_page.contains(&format!("href=\"/waves/{multi}\"")));

    // A viewer reads but may not cut or dissolve; dissolving frees the orders.
    let viewer = s.browser_as("kan.kan", &["只读"]).await;
    assert_eq!(
        viewer.get(&format!("/waves/{multi}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        viewer
            .post(&format!("/waves/{multi}/dissolve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let res = admin.post(&format!("/waves/{multi}/dissolve"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let (_, again) = admin
        .api(
            Method::POST,
            "/api/v1/waves",
            Some(json!({"warehouse_id": wh, "single_units_apart": false})),
        )
        .await;
    assert_eq!(again.as_array().unwrap().len(), 1, "{again}");
    assert_eq!(again[0]["orders"].as_array().unwrap().len(), 2);

    // Bad input names the field.
    let page = admin
        .post(
            "/waves",
            &[("warehouse_id", &wh.to_string()), ("max_shipments", "0")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("data-field=\"max_shipments\""),
        "{}",
        page.body
    );
}
