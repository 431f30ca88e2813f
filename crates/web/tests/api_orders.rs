//! The order API as an integration sees it: import a file, read the queue and an order,
//! act on it. On SQLite and PostgreSQL.

mod common;

use common::TestServer;
use jxc_app::Actor;
use reqwest::StatusCode;
use serde_json::{Value, json};

const FILE: &str = "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费
B1,buyer1,陈一,13800001111,浙江省,杭州市,西湖区,文三路1号,2026-11-20 09:00:00,2026-11-20 09:05:00,API-1,杯子,2,10.00,5.00
B2,buyer2,周二,13900002222,浙江省,杭州市,,文三路2号,2026-11-20 10:00:00,2026-11-20 10:01:00,API-1,杯子,1,10.00,0
B3,buyer3,吴三,13700003333,浙江省,杭州市,西湖区,文三路3号,2026-11-20 11:00:00,2026-11-20 11:01:00,API-1,杯子,x,10.00,0
";

struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let st = res.status();
        (st, res.json().await.unwrap_or(Value::Null))
    }

    async fn import(&self, shop: i64, file: &str) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new()
            .text("shop_id", shop.to_string())
            .text("format", "template")
            .part(
                "file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("orders.csv"),
            );
        let res = self
            .http
            .post(format!("{}/api/v1/orders/import", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let st = res.status();
        (st, res.json().await.unwrap())
    }
}

async fn the_order_api_imports_lists_and_acts(s: TestServer) {
    let admin = s.app.user_by_name("admin").await.unwrap();
    let (_, token) = s
        .app
        .create_api_token(admin.id, "api", &Actor::system("test"))
        .await
        .unwrap();
    let api = Api {
        base: s.base.clone(),
        token,
        http: reqwest::Client::new(),
    };
    let (st, shop) = api
        .call(
            reqwest::Method::POST,
            "/shops",
            Some(json!({"code": "API", "name": "接口店", "platform": "taobao"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let shop = shop["id"].as_i64().unwrap();
    api.call(
        reqwest::Method::POST,
        "/skus",
        Some(json!({"code": "API-1", "name": "杯子", "unit": "个"})),
    )
    .await;

    let (st, report) = api.import(shop, FILE).await;
    assert_eq!(st, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["errors"][0]["row"], 4, "{report}");
    let (_, again) = api.import(shop, FILE).await;
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(2))
    );

    let (_, counts) = api.call(reqwest::Method::GET, "/orders/counts", None).await;
    assert_eq!(counts["pending_review"], 2, "{counts}");
    let (_, held) = api
        .call(
            reqwest::Method::GET,
            "/orders?held=true&hold_reason=address_incomplete",
            None,
        )
        .await;
    let items = held["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{held}");
    assert_eq!(items[0]["platform_order_id"], "B2");
    let b2 = items[0]["id"].as_i64().unwrap();
    let (_, all) = api
        .call(reqwest::Method::GET, "/orders?state=pending_review", None)
        .await;
    let b1 = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["platform_order_id"] == "B1")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, one) = api
        .call(reqwest::Method::GET, &format!("/orders/{b1}"), None)
        .await;
    assert_eq!(
        one["paid_amount"], 2500,
        "2 × 10.00 + 5.00 shipping, in 分: {one}"
    );
    assert_eq!(one["lines"][0]["paid"], 2000);

    let (_, out) = api
        .call(
            reqwest::Method::POST,
            "/orders/approve",
            Some(json!({"ids": [b1, b2]})),
        )
        .await;
    assert_eq!(out[0]["ok"], true, "{out}");
    assert_eq!(out[1]["ok"], false, "{out}");
    let (st, e) = api
        .call(
            reqwest::Method::POST,
            "/orders/release",
            Some(json!({"ids": [b2]})),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("note"))
    );
    let (_, fixed) = api
        .call(
            reqwest::Method::PUT,
            &format!("/orders/{b2}/receiver"),
            Some(json!({"name": "周二", "mobile": "13900002222", "phone": "", "province": "浙江省", "city": "杭州市",
                        "district": "西湖区", "town": "", "detail": "文三路2号", "zip": ""})),
        )
        .await;
    assert_eq!(fixed["holds"][0]["released_by"], "admin", "{fixed}");
    let (_, out) = api
        .call(
            reqwest::Method::POST,
            "/orders/approve",
            Some(json!({"ids": [b2]})),
        )
        .await;
    assert_eq!(out[0]["ok"], true, "{out}");
    let (_, events) = api
        .call(reqwest::Method::GET, &format!("/orders/{b2}/events"), None)
        .await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    // Held twice on import: the missing district, and no stock (informational).
    assert_eq!(
        kinds,
        [
            "imported",
            "held",
            "held",
            "address_edited",
            "released",
            "approved"
        ]
    );
    // 拆单 through the API: B1's two cups ship in two parcels; a split that loses a cup
    // is refused at its line.
    let (st, e) = api
        .call(
            reqwest::Method::POST,
            &format!("/orders/{b1}/split"),
            Some(json!({"parts": [[{"line": 1, "qty": 1}], []]})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, split) = api
        .call(
            reqwest::Method::POST,
            &format!("/orders/{b1}/split"),
            Some(json!({"parts": [[{"line": 1, "qty": 1}], [{"line": 1, "qty": 1}]]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{split}");
    assert_eq!(split["parts"].as_array().unwrap().len(), 2);
    let (_, whole) = api
        .call(
            reqwest::Method::POST,
            &format!("/orders/{b1}/unsplit"),
            None,
        )
        .await;
    assert_eq!(whole["parts"].as_array().unwrap().len(), 0, "{whole}");
    // …and from the order page.
    let b = s.admin().await;
    let p = b
        .post(&format!("/orders/{b1}/split"), &[("second_1", "1")])
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/orders/{b1}?ok=split").as_str()),
        "{}",
        p.body
    );
    let page = b.get(&format!("/orders/{b1}?ok=split")).await;
    assert!(
        page.contains("id=\"parts\"") && page.contains("已拆单"),
        "{}",
        page.body
    );
    let p = b
        .post(&format!("/orders/{b1}/split"), &[("second_1", "5")])
        .await;
    assert_eq!(
        p.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than the line has"
    );

    // 手工订单: 3 × ¥100 with 满300减30, 500 points (¥5) and ¥8 shipping.
    let manual = json!({
        "shop_id": shop, "buyer_nick": "电话客户",
        "receiver": {"name": "郑四", "mobile": "13312345678", "phone": "", "province": "浙江省", "city": "杭州市",
                     "district": "西湖区", "town": "", "detail": "文三路4号", "zip": ""},
        "lines": [{"code": "API-1", "qty": 3, "unit_price": 10000}],
        "pricing": {
            "manjian": [{"name": "满300减30", "tiers": [{"threshold": 30000, "off": 3000}]}],
            "points": {"points": 500, "points_per_yuan": 100},
            "shipping": {"default": {"flat_fee": 800}}
        }
    });
    let (st, priced) = api
        .call(reqwest::Method::POST, "/orders/price", Some(manual.clone()))
        .await;
    assert_eq!(st, StatusCode::OK, "{priced}");
    assert_eq!(priced["paid"], 30000 - 3000 - 500 + 800, "{priced}");
    let (st, created) = api
        .call(reqwest::Method::POST, "/orders/manual", Some(manual))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    assert_eq!(created["paid_amount"], 27300);
    assert_eq!(created["lines"][0]["paid"], 26500, "{created}");
    assert_eq!(created["discount_merchant"], 3000);
    let (st, e) = api
        .call(
            reqwest::Method::POST,
            "/orders/price",
            Some(json!({"shop_id": shop, "lines": [{"code": "NOPE", "qty": 1}]})),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].code"))
    );

    let (st, _) = api
        .call(reqwest::Method::GET, "/orders?state=shipped", None)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_order_api_imports_lists_and_acts_on_sqlite() {
    the_order_api_imports_lists_and_acts(TestServer::start().await).await;
}

#[tokio::test]
async fn the_order_api_imports_lists_and_acts_on_postgres() {
    the_order_api_imports_lists_and_acts(TestServer::start_postgres().await).await;
}

#[tokio::test]
async fn review_rules_are_set_up_on_their_page_and_through_the_api() {
    let s = TestServer::start().await;
    let b = s.admin().await;
    let p = b
        .post(
            "/orders/rules",
            &[
                ("name", "偏远地区"),
                ("priority", "10"),
                ("provinces", "新疆、西藏"),
                ("min_paid", "abc"),
                ("action", "hold"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("data-field=\"when.min_paid\""), "{}", p.body);
    let p = b
        .post(
            "/orders/rules",
            &[
                ("name", "偏远地区"),
                ("priority", "10"),
                ("provinces", "新疆、西藏"),
                ("min_paid", "100.00"),
                ("action", "hold"),
                ("note", "确认运费"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/orders/rules"), "{}", p.body);
    let list = b.get("/orders/rules").await;
    assert!(
        list.contains("偏远地区") && list.contains("确认运费") && list.contains("¥100.00"),
        "{}",
        list.body
    );
    let (_, rules) = b
        .api(reqwest::Method::GET, "/api/v1/orders/rules", None)
        .await;
    let id = rules[0]["id"].as_i64().unwrap();
    assert_eq!(rules[0]["when"]["min_paid"], 10000);
    let (st, r) = b
        .api(
            reqwest::Method::PATCH,
            &format!("/api/v1/orders/rules/{id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!((st, r["active"].as_bool()), (StatusCode::OK, Some(false)));
    let viewer = s.browser_as("kan.kan", &["viewer"]).await;
    let page = viewer.get("/orders/rules").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.contains("id=\"rule-form\""),
        "a viewer sees the rules, not the form"
    );
}

#[tokio::test]
async fn a_manual_order_is_priced_on_its_page_then_created() {
    let s = TestServer::start().await;
    let b = s.admin().await;
    let (_, shop) = b
        .api(
            reqwest::Method::POST,
            "/api/v1/shops",
            Some(json!({"code": "M", "name": "门店", "platform": "manual"})),
        )
        .await;
    let shop = shop["id"].as_i64().unwrap().to_string();
    b.api(
        reqwest::Method::POST,
        "/api/v1/skus",
        Some(json!({"code": "TEA", "name": "茶叶礼盒", "unit": "盒", "list_price": 10000})),
    )
    .await;
    let form = |extra: (&'static str, &'static str)| {
        vec![
            ("shop_id", shop.clone()),
            ("buyer_nick", "电话客户".to_string()),
            ("name", "郑四".to_string()),
            ("mobile", "13312345678".to_string()),
            ("province", "浙江省".to_string()),
            ("city", "杭州市".to_string()),
            ("district", "西湖区".to_string()),
            ("detail", "文三路4号".to_string()),
            ("code_1", "TEA".to_string()),
            ("qty_1", "3".to_string()),
            ("manjian_threshold", "300".to_string()),
            ("manjian_off", "30".to_string()),
            ("points", "500".to_string()),
            ("shipping", "8".to_string()),
            (extra.0, extra.1.to_string()),
        ]
    };
    let f = form(("preview", "1"));
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post("/orders/new", &fields).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.contains("id=\"priced-totals\"") && p.contains("¥273.00"),
        "300 − 30 − 5 + 8: {}",
        p.body
    );
    let f = form(("create", "1"));
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post("/orders/new", &fields).await;
    let to = p
        .location
        .clone()
        .unwrap_or_else(|| panic!("created: {}", p.body));
    let order = b.get(&to).await;
    assert!(
        order.contains("茶叶礼盒") && order.contains("273.00"),
        "{}",
        order.body
    );
    let bad = b
        .post(
            "/orders/new",
            &[
                ("shop_id", shop.as_str()),
                ("code_1", "NOPE"),
                ("qty_1", "1"),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("NOPE"), "{}", bad.body);
}
