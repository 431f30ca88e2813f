//! 分仓 over HTTP: the routing setup (API and page: strategies, add and delete a rule,
//! field errors), allocating approved orders (API and the page button), the allocation
//! on the order page with why, release, the list with its export, and who may do what.

mod common;

use common::TestServer;
use jxc_core::catalog::SkuInput;
use jxc_core::ids::OrderId;
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_core::warehouses::WarehouseInput;
use jxc_store::{Actor, OrderFilter};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// 杭州仓 with 5 T恤 and an approved order for 2 to 杭州; returns (order, warehouse).
async fn approved_order(s: &TestServer) -> (OrderId, i64) {
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
    let sku = app
        .create_sku(
            &SkuInput {
                code: Some("TEE".into()),
                name: Some("T恤".into()),
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
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: wh.0,
            lines: vec![LineInput {
                sku_id: sku.0,
                qty: 5,
                unit_cost: Some(1000),
                ..Default::default()
            }],
            ..Default::default()
        },
        &a,
    )
    .await
    .unwrap();
    let file = "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n\
                W1,b1,陈一,13800001111,浙江省,杭州市,西湖区,文三路1号,2026-11-20 09:00:00,2026-11-20 09:05:00,TEE,T恤,2,59.00,0\n";
    app.import_order_file(
        shop,
        jxc_app::orders::OrderFile::Template,
        ("o.csv", file.as_bytes()),
        None,
        &a,
    )
    .await
    .unwrap();
    let id = app
        .orders(&OrderFilter::default(), &PageRequest::default())
        .await
        .unwrap()
        .items[0]
        .id;
    (id, wh.0)
}

#[tokio::test]
async fn the_routing_setup_round_trips_and_a_bad_one_names_its_fields() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (st, body) = admin.api(Method::GET, "/api/v1/routing", None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["strategies"][0], "whole_order");
    assert_eq!(body["allow_split"], true);
    let (st, body) = admin
        .api(
            Method::PUT,
            "/api/v1/routing",
            Some(
                json!({"rules": [{"name": "", "effect": {"kind": "allow", "warehouses": []}}],
                         "strategies": ["priority", "priority"], "allow_split": false}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["strategies[1]", "rules[0].name", "rules[0].effect"],
        "{body}"
    );
    let (st, body) = admin
        .api(
            Method::PUT,
            "/api/v1/routing",
            Some(
                json!({"rules": [{"name": "新疆发EMS", "provinces": ["新疆"], "carrier": "EMS",
                                    "effect": {"kind": "none"}}],
                         "strategies": ["nearest", "priority"], "allow_split": false}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, body) = admin.api(Method::GET, "/api/v1/routing", None).await;
    assert_eq!(body["rules"][0]["carrier"], "EMS");
    assert_eq!(body["strategies"], json!(["nearest", "priority"]));
}

#[tokio::test]
async fn the_routing_page_adds_and_deletes_a_rule_and_shows_errors_by_its_fields() {
    let s = TestServer::start().await;
    let (_, wh) = approved_order(&s).await;
    let admin = s.admin().await;
    let page = admin.get("/fulfillment/routing").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("id=\"rule-form\"") && page.contains("杭州仓"));
    // No name, no warehouse chosen: both said next to their fields.
    let page = admin
        .post(
            "/fulfillment/routing/rules",
            &[("name", ""), ("effect", "allow")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("data-field=\"name\""), "{}", page.body);
    assert!(page.contains("data-field=\"effect\""), "{}", page.body);
    let wh = wh.to_string();
    let page = admin
        .post(
            "/fulfillment/routing/rules",
            &[
                ("name", "大单走杭州"),
                ("min_amount", "500"),
                ("effect", "prefer"),
                ("warehouse", &wh),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = admin.get("/fulfillment/routing").await;
    assert!(
        page.contains("大单走杭州") && page.contains("500.00"),
        "{}",
        page.body
    );
    // Strategies: only priority, no split.
    let page = admin
        .post(
            "/fulfillment/routing",
            &[("on_priority", "1"), ("order_priority", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let setup = s.app.routing_setup().await.unwrap();
    assert_eq!(setup.strategies.len(), 1);
    assert!(!setup.allow_split);
    assert_eq!(setup.rules.len(), 1);
    let page = admin.post("/fulfillment/routing/rules/0/delete", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(s.app.routing_setup().await.unwrap().rules.is_empty());
}

#[tokio::test]
async fn an_approved_order_is_allocated_from_the_page_shows_why_and_is_released() {
    let s = TestServer::start().await;
    let (id, _) = approved_order(&s).await;
    let admin = s.admin().await;
    // Not approved: the API says skipped.
    let (st, body) = admin
        .api(
            Method::POST,
            "/api/v1/orders/allocate",
            Some(json!({"ids": [id.0]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body[0]["status"], "skipped");
    let (st, _) = admin
        .api(
            Method::POST,
            "/api/v1/orders/approve",
            Some(json!({"ids": [id.0]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let res = admin.post("/fulfillment/allocate", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let to = res.location.unwrap();
    assert!(to.contains("allocated=1"), "{to}");
    let page = admin.get(&to).await;
    assert!(page.contains("id=\"allocate-notice\"") && page.contains("已分配"));
    assert!(page.contains(&format!("href=\"/orders/{}\"", id.0)));
    assert!(page.contains("HZ 杭州仓：TEE × 2"), "{}", page.body);
    let (st, body) = admin
        .api(
            Method::GET,
            &format!("/api/v1/orders/{}/allocation", id.0),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "allocated");
    let order = admin.get(&format!("/orders/{}", id.0)).await;
    assert!(
        order.contains("id=\"allocation-why\"") && order.contains("就近"),
        "{}",
        order.body
    );
    let file = admin.get("/fulfillment/export.xlsx?status=allocated").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.bytes.starts_with(b"PK"));
    let (_, list) = admin
        .api(Method::GET, "/api/v1/allocations?status=short", None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (st, _) = admin
        .api(Method::GET, "/api/v1/allocations?status=maybe", None)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // A viewer sees but may not allocate or release; a warehouse worker may.
    let viewer = s.browser_as("kan.kan", &["只读"]).await;
    assert_eq!(
        viewer.post("/fulfillment/allocate", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let worker = s.browser_as("cang.ku", &["仓库"]).await;
    let res = worker
        .post(&format!("/orders/{}/allocation/release", id.0), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let (st, _) = admin
        .api(
            Method::GET,
            &format!("/api/v1/orders/{}/allocation", id.0),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let order = admin.get(&format!("/orders/{}", id.0)).await;
    assert!(order.contains("id=\"no-allocation\""));
}

#[tokio::test]
async fn a_simulation_shows_how_many_orders_a_changed_setup_would_move_and_saves_nothing() {
    let s = TestServer::start().await;
    let (_, hz) = approved_order(&s).await;
    let a = Actor::system("test");
    let gz = s
        .app
        .create_warehouse(
            &WarehouseInput {
                code: Some("GZ".into()),
                name: Some("广州仓".into()),
                province: Some("广东省".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    let tee = s
        .app
        .store
        .get_sku_by_code("TEE")
        .await
        .unwrap()
        .unwrap()
        .id;
    s.app
        .post_document(
            DocumentKind::Receipt,
            &DocumentInput {
                warehouse_id: gz.0,
                lines: vec![LineInput {
                    sku_id: tee.0,
                    qty: 5,
                    unit_cost: Some(1000),
                    ..Default::default()
                }],
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap();
    let admin = s.admin().await;
    let (st, body) = admin
        .api(
            Method::POST,
            "/api/v1/routing/what-if",
            Some(json!({"days": 3650, "setup": {"rules": [], "strategies": [], "allow_split": true}})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "days");
    let changed = json!({"rules": [{"name": "都走广州", "effect": {"kind": "allow", "warehouses": [gz.0]}}],
                         "strategies": ["whole_order", "nearest"], "allow_split": true});
    let (st, body) = admin
        .api(
            Method::POST,
            "/api/v1/routing/what-if",
            Some(json!({"days": 90, "setup": changed})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        (body["orders"].as_i64(), body["moved"].as_i64()),
        (Some(1), Some(1)),
        "{body}"
    );
    assert_eq!(body["before"]["load"][hz.to_string()], 1, "{body}");
    assert_eq!(body["after"]["load"][gz.0.to_string()], 1, "{body}");
    assert!(
        s.app.routing_setup().await.unwrap().rules.is_empty(),
        "nothing saved"
    );

    // The page: the strategies as filled in, the result under the form.
    let page = admin
        .post(
            "/fulfillment/routing/what-if",
            &[
                ("on_priority", "1"),
                ("order_priority", "1"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("id=\"what-if-result\""), "{}", page.body);
    assert!(page.contains("<b id=\"w-orders\">1</b>"), "{}", page.body);

    // With the rule saved, the page simulates dropping it: untick it and the order moves
    // back to 杭州; keep it ticked and nothing moves.
    let (st, body) = admin
        .api(Method::PUT, "/api/v1/routing", Some(changed.clone()))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let strategies = [
        ("on_whole_order", "1"),
        ("order_whole_order", "1"),
        ("on_nearest", "1"),
        ("order_nearest", "2"),
        ("allow_split", "1"),
        ("days", "30"),
    ];
    let page = admin
        .post("/fulfillment/routing/what-if", &strategies)
        .await;
    assert!(page.contains("<b id=\"w-moved\">1</b>"), "{}", page.body);
    assert!(
        !page.contains("id=\"w-rule-0\" checked"),
        "the untick is kept"
    );
    let mut with_rule = strategies.to_vec();
    with_rule.push(("sim_rule_0", "1"));
    let page = admin.post("/fulfillment/routing/what-if", &with_rule).await;
    assert!(page.contains("<b id=\"w-moved\">0</b>"), "{}", page.body);
    let page = admin
        .post("/fulfillment/routing/what-if", &[("days", "many")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("data-field=\"days\""), "{}", page.body);
}
