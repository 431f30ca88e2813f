//! 波次与拣货 over HTTP: allocated orders of a warehouse are cut into waves (爆款单 apart),
//! a wave's pick list walks the locations in S-shape with a Code128 per SKU and is
//! shorter than picking order by order, 播种 slots number the orders; an order is in one
//! wave only; dissolving a wave frees its orders; who may do what.

mod common;

use common::{TestServer, warehouse_with_orders};
use reqwest::{Method, StatusCode};
use serde_json::json;

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
