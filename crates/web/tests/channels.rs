//! 平台同步 over HTTP: the sync settings API, the sync log (page, API, export), the
//! public webhook endpoint (signature, unknown shop, dedupe), and the pages with their
//! permissions.

mod common;

use common::TestServer;
use jxc_core::ids::ShopId;
use jxc_store::{SyncTally, SyncTrigger};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Creates a shop through the API and returns its id.
async fn shop(b: &common::Browser, code: &str, platform: &str, credentials: Value) -> i64 {
    let (st, body) = b
        .api(
            Method::POST,
            "/api/v1/shops",
            Some(json!({"code": code, "name": format!("店铺 {code}"), "platform": platform, "credentials": credentials})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// A finished run in the log, written through the store as the engine does.
async fn logged_run(s: &TestServer, shop: i64, status: &str, created: i64) -> i64 {
    let run = s
        .app
        .store
        .start_sync_run(
            ShopId(shop),
            SyncTrigger::Schedule,
            1_700_000_000_000,
            1_700_000_600_000,
        )
        .await
        .unwrap();
    let tally = SyncTally {
        windows: 1,
        pages: 2,
        fetched: created + 1,
        created,
        unchanged: 1,
        ..Default::default()
    };
    let error = if status == "error" {
        "平台超时 / timed out"
    } else {
        ""
    };
    s.app
        .store
        .finish_sync_run(run, status, error, &tally, 1_700_000_660_000)
        .await
        .unwrap();
    run
}

async fn post_hook(
    s: &TestServer,
    shop: i64,
    headers: &[(&str, String)],
    body: &[u8],
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/hooks/{shop}", s.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn orders_of(b: &common::Browser, shop: i64) -> Vec<Value> {
    let (st, body) = b
        .api(Method::GET, &format!("/api/v1/orders?shop_id={shop}"), None)
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

const SHOPIFY_ORDER: &str = r##"{"id":5001,"name":"#1001","created_at":"2024-03-01T10:00:00-05:00",
  "updated_at":"2024-03-01T10:05:00-05:00","processed_at":"2024-03-01T10:00:00-05:00",
  "cancelled_at":null,"email":"ann@example.com","currency":"USD","financial_status":"paid",
  "fulfillment_status":null,"taxes_included":true,"total_tax":"0.00","total_price":"25.00",
  "discount_applications":[],
  "line_items":[{"id":1,"product_id":10,"variant_id":11,"sku":"A-1","title":"Tee","variant_title":"L",
     "quantity":2,"price":"10.00","total_discount":"0.00","discount_allocations":[],"tax_lines":[]}],
  "shipping_lines":[{"price":"5.00","discount_allocations":[],"tax_lines":[]}],
  "shipping_address":{"name":"Ann Lee","address1":"1 Main St","address2":"","city":"Ottawa",
    "province":"Ontario","zip":"K1A 0B1","phone":"+1 613-555-0100"},
  "customer":{"id":207119551,"email":null},"note":"","refunds":[]}"##;

#[tokio::test]
async fn sync_settings_round_trip_and_a_bad_interval_names_the_field() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let id = shop(
        &admin,
        "SP1",
        "shopify",
        json!({"webhook_secret": "whsec", "access_token": "t"}),
    )
    .await;
    let url = format!("/api/v1/shops/{id}/sync");

    let (st, body) = admin.api(Method::GET, &url, None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        (body["enabled"].as_bool(), body["interval_secs"].as_i64()),
        (Some(false), Some(60))
    );

    let (st, body) = admin
        .api(
            Method::PUT,
            &url,
            Some(json!({"enabled": true, "interval_secs": 300})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, body) = admin.api(Method::GET, &url, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (body["enabled"].as_bool(), body["interval_secs"].as_i64()),
        (Some(true), Some(300))
    );

    let (st, body) = admin
        .api(
            Method::PUT,
            &url,
            Some(json!({"enabled": true, "interval_secs": 5})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "interval_secs");
    // Unchanged by the refused call.
    let (_, body) = admin.api(Method::GET, &url, None).await;
    assert_eq!(body["interval_secs"].as_i64(), Some(300));

    // The page form says the same, next to the field.
    let page = admin
        .post(
            &format!("/shops/{id}/sync"),
            &[("enabled", "1"), ("interval_secs", "abc")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("data-field=\"interval_secs\""),
        "{}",
        page.body
    );
    let page = admin
        .post(
            &format!("/shops/{id}/sync"),
            &[("interval_secs", "120"), ("back", "edit")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location.as_deref(),
        Some(&*format!("/shops/{id}/edit?ok=sync_saved"))
    );
    let (_, body) = admin.api(Method::GET, &url, None).await;
    assert_eq!(
        (body["enabled"].as_bool(), body["interval_secs"].as_i64()),
        (Some(false), Some(120))
    );
}

#[tokio::test]
async fn a_manual_shop_cannot_turn_sync_on() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let id = shop(&admin, "M1", "manual", json!({})).await;
    let (st, body) = admin
        .api(
            Method::PUT,
            &format!("/api/v1/shops/{id}/sync"),
            Some(json!({"enabled": true, "interval_secs": 60})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "enabled");
    let page = admin
        .post(
            &format!("/shops/{id}/sync"),
            &[("enabled", "1"), ("interval_secs", "60")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("data-field=\"enabled\""), "{}", page.body);
}

#[tokio::test]
async fn the_sync_log_lists_runs_newest_first_and_filters_by_shop_and_status() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let a = shop(
        &admin,
        "LA",
        "taobao",
        json!({"app_key": "k", "app_secret": "s"}),
    )
    .await;
    let b = shop(&admin, "LB", "jd", json!({})).await;
    let r1 = logged_run(&s, a, "ok", 3).await;
    let r2 = logged_run(&s, b, "error", 0).await;
    let r3 = logged_run(&s, a, "partial", 7).await;

    let (st, body) = admin.api(Method::GET, "/api/v1/sync/runs", None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![r3, r2, r1]);
    assert_eq!(body["items"][0]["created"].as_i64(), Some(7));
    assert_eq!(body["items"][0]["trigger"], "schedule");

    let (_, body) = admin
        .api(Method::GET, &format!("/api/v1/sync/runs?shop_id={a}"), None)
        .await;
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![r3, r1]);
    let (_, body) = admin
        .api(Method::GET, "/api/v1/sync/runs?status=error", None)
        .await;
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![r2]);
    let (_, body) = admin
        .api(Method::GET, "/api/v1/sync/runs?limit=1", None)
        .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    let next = body["next"].as_str().expect("a next page").to_string();
    let (_, body) = admin
        .api(
            Method::GET,
            &format!("/api/v1/sync/runs?limit=1&after={next}"),
            None,
        )
        .await;
    assert_eq!(body["items"][0]["id"].as_i64(), Some(r2));

    // The page: all runs, then one shop's.
    let page = admin.get("/sync/runs").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for r in [r1, r2, r3] {
        assert!(page.contains(&format!("data-run=\"{r}\"")), "run {r}");
    }
    assert!(page.contains("平台超时"));
    assert!(page.contains("href=\"/sync/runs\""), "in the menu");
    let page = admin.get(&format!("/sync/runs?shop_id={b}")).await;
    assert!(page.contains(&format!("data-run=\"{r2}\"")));
    assert!(!page.contains(&format!("data-run=\"{r1}\"")));
    let page = admin.get("/sync/runs?status=partial").await;
    assert!(
        page.contains(&format!("data-run=\"{r3}\""))
            && !page.contains(&format!("data-run=\"{r2}\""))
    );
    let page = admin.get("/sync/runs?status=nonsense").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("nonsense"), "the bad filter is reported");

    // The export, with the same filter.
    let x = admin
        .get(&format!("/sync/runs/export.xlsx?shop_id={a}"))
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(
        x.content_type.contains("spreadsheetml"),
        "{}",
        x.content_type
    );
    assert!(x.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn a_webhook_with_a_wrong_signature_is_refused_and_stores_nothing() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let id = shop(
        &admin,
        "SH",
        "shopify",
        json!({"webhook_secret": "whsec", "access_token": "t"}),
    )
    .await;
    let headers = [
        ("X-Shopify-Topic", "orders/create".to_string()),
        (
            "X-Shopify-Hmac-Sha256",
            jxc_channels::sign::hmac_sha256_base64("wrong", SHOPIFY_ORDER.as_bytes()),
        ),
        ("X-Shopify-Webhook-Id", "w-bad".to_string()),
    ];
    let (st, body) = post_hook(&s, id, &headers, SHOPIFY_ORDER.as_bytes()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "unauthorized");
    assert!(orders_of(&admin, id).await.is_empty());
    // No signature at all: the same.
    let (st, _) = post_hook(&s, id, &headers[..1], SHOPIFY_ORDER.as_bytes()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(orders_of(&admin, id).await.is_empty());
}

#[tokio::test]
async fn a_webhook_for_an_unknown_shop_or_a_platform_that_does_not_push_is_404() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let (st, body) = post_hook(&s, 987654, &[], b"{}").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
    let (st, _) = post_hook(&s, 0, &[], b"{}").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let res = reqwest::Client::new()
        .post(format!("{}/hooks/not-a-number", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let manual = shop(&admin, "HM", "manual", json!({})).await;
    let (st, _) = post_hook(&s, manual, &[], b"{}").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_signed_shopify_webhook_stores_the_order_once() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let id = shop(
        &admin,
        "SW",
        "shopify",
        json!({"webhook_secret": "whsec", "access_token": "t"}),
    )
    .await;
    let headers = [
        ("X-Shopify-Topic", "orders/create".to_string()),
        (
            "X-Shopify-Hmac-Sha256",
            jxc_channels::sign::hmac_sha256_base64("whsec", SHOPIFY_ORDER.as_bytes()),
        ),
        ("X-Shopify-Webhook-Id", "b54557e4-0001".to_string()),
    ];
    let (st, body) = post_hook(&s, id, &headers, SHOPIFY_ORDER.as_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(body["delivery_id"], "b54557e4-0001");
    assert_eq!(body["tally"]["created"].as_i64(), Some(1), "{body}");
    let orders = orders_of(&admin, id).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["platform_order_id"], "5001");

    // The same delivery again: acknowledged, nothing new.
    let (st, body) = post_hook(&s, id, &headers, SHOPIFY_ORDER.as_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "duplicate");
    assert_eq!(orders_of(&admin, id).await.len(), 1);
}

#[tokio::test]
async fn the_sync_pages_render_and_a_warehouse_worker_cannot_sync() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let sp = shop(
        &admin,
        "PG",
        "shopify",
        json!({"webhook_secret": "hush-hush", "access_token": "tok-123"}),
    )
    .await;
    let dy = shop(
        &admin,
        "DY",
        "douyin",
        json!({"app_key": "k", "app_secret": "dy-secret"}),
    )
    .await;
    let tb = shop(
        &admin,
        "TB",
        "taobao",
        json!({"app_key": "k", "app_secret": "tb-secret"}),
    )
    .await;
    let manual = shop(&admin, "MN", "manual", json!({})).await;

    // The shop's edit form carries the sync section with the webhook URL to copy.
    let page = admin.get(&format!("/shops/{sp}/edit")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("id=\"sync-section\""));
    let hook = format!("{}/hooks/{sp}", s.base);
    assert!(page.contains(&format!("value=\"{hook}\"")), "{}", page.body);
    assert!(page.contains(">webhook_secret<"));
    assert!(page.contains("id=\"sync-now\""));
    assert!(
        !page.contains("hush-hush") && !page.contains("tok-123"),
        "credentials never shown"
    );

    // The sync page of each kind of shop.
    let page = admin.get(&format!("/shops/{dy}/sync")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains(&format!("/hooks/{dy}\"")) && page.contains(">app_secret<"));
    assert!(!page.contains("dy-secret"));
    let page = admin.get(&format!("/shops/{tb}/sync")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("id=\"webhook-url\""), "taobao does not push");
    let page = admin.get(&format!("/shops/{manual}/sync")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.contains("id=\"sync-now\""),
        "a manual shop has nothing to sync"
    );
    assert!(
        admin
            .get("/shops")
            .await
            .contains(&format!("href=\"/shops/{sp}/sync\""))
    );

    // Raw payloads: listed, the raw text escaped in a <pre>.
    s.app
        .store
        .save_raw_payload(
            ShopId(sp),
            None,
            "5002",
            "缺 line_items / no line_items",
            "{\"id\":5002,\"x\":\"<script>\"}",
        )
        .await
        .unwrap();
    let page = admin.get(&format!("/shops/{sp}/raw-payloads")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("缺 line_items") && page.contains("5002"));
    assert!(page.contains("<pre class=\"json raw\">"), "{}", page.body);
    assert!(
        page.contains("&#60;script&#62;") && !page.contains("\"<script>"),
        "{}",
        page.body
    );
    let (st, body) = admin
        .api(
            Method::GET,
            &format!("/api/v1/shops/{sp}/raw-payloads"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["items"][0]["platform_order_id"], "5002");

    // Sync now on a shop without a platform API: refused, said on the page, no run logged.
    let res = admin.post(&format!("/shops/{manual}/sync/run"), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.contains("id=\"sync-errors\"") && res.contains("手工店铺没有平台接口"),
        "{}",
        res.body
    );
    let (_, body) = admin
        .api(
            Method::GET,
            &format!("/api/v1/sync/runs?shop_id={manual}"),
            None,
        )
        .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 0, "{body}");
    let (st, body) = admin
        .api(
            Method::POST,
            &format!("/api/v1/shops/{manual}/sync/run"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "rule", "{body}");

    // A warehouse worker sees the log but may not sync nor read the raw payloads.
    let w = s.browser_as("cang.ku", &["仓库"]).await;
    assert_eq!(
        w.post(&format!("/shops/{sp}/sync/run"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get(&format!("/shops/{sp}/raw-payloads")).await.status,
        StatusCode::FORBIDDEN
    );
    let (st, _) = w
        .api(Method::POST, &format!("/api/v1/shops/{sp}/sync/run"), None)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(w.get("/sync/runs").await.status, StatusCode::OK);
    let page = w.get(&format!("/shops/{sp}/sync")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("id=\"sync-now\"") && !page.contains("id=\"sync-form\""));
    // 客服 may sync.
    let k = s.browser_as("ke.fu", &["客服"]).await;
    let page = k.get(&format!("/shops/{sp}/sync")).await;
    assert!(page.contains("id=\"sync-now\"") && !page.contains("id=\"sync-form\""));
}

#[tokio::test]
async fn test_connection_says_connected_with_the_right_keys_and_names_the_refusal_otherwise() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let state = jxc_sim::SimState {
        world: std::sync::Arc::new(jxc_sim::World::new(
            5,
            chrono::Utc::now().timestamp_millis() - 30 * 60_000,
            jxc_sim::sample_products(),
        )),
        credentials: jxc_sim::SimCredentials::default(),
    };
    state
        .world
        .advance_to(chrono::Utc::now().timestamp_millis());
    let sim = jxc_sim::start("taobao", state.clone()).await.unwrap();
    let good = state.credentials.for_shop("taobao", &sim.base_url);
    let mut wrong = good.clone();
    wrong["app_secret"] = "not-the-secret".into();
    let ok_shop = shop(&admin, "TB-OK", "taobao", good).await;
    let bad_shop = shop(&admin, "TB-BAD", "taobao", wrong).await;

    let (st, body) = admin
        .api(
            Method::POST,
            &format!("/api/v1/shops/{ok_shop}/sync/test"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        (body["ok"].as_bool(), body["kind"].as_str()),
        (Some(true), Some("ok"))
    );
    assert!(body["recent_orders"].as_i64().unwrap() > 0, "{body}");

    let (st, body) = admin
        .api(
            Method::POST,
            &format!("/api/v1/shops/{bad_shop}/sync/test"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "unauthorized", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Invalid signature"),
        "{body}"
    );

    // The page: a button on the sync section, the answer shown on the page.
    let page = admin.get(&format!("/shops/{ok_shop}/sync")).await;
    assert!(page.contains("id=\"sync-test\""), "{}", page.body);
    let page = admin
        .post(&format!("/shops/{ok_shop}/sync/test"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("连接成功"), "{}", page.body);
    let page = admin
        .post(&format!("/shops/{bad_shop}/sync/test"), &[])
        .await;
    assert!(
        page.contains("连接失败") && page.contains("Invalid signature"),
        "{}",
        page.body
    );

    // Nothing was stored: no run, no order.
    assert!(orders_of(&admin, ok_shop).await.is_empty());
    let (_, runs) = admin.api(Method::GET, "/api/v1/sync/runs", None).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 0, "{runs}");

    // A warehouse worker may not call the platform; a manual shop has nothing to test.
    let worker = s.browser_as("cang.ku", &["仓库"]).await;
    let (st, _) = worker
        .api(
            Method::POST,
            &format!("/api/v1/shops/{ok_shop}/sync/test"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let manual = shop(&admin, "MN", "manual", json!({})).await;
    let (st, body) = admin
        .api(
            Method::POST,
            &format!("/api/v1/shops/{manual}/sync/test"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}
