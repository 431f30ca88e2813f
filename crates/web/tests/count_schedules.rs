//! 循环盘点计划 over HTTP: a 仓库主管 adds a schedule on the page (a bad interval or due
//! time is sent back with its field), changes and stops it; a warehouse worker sees the
//! schedules but may not change them; the same through the API; when the scheduler runs
//! the schedule's count appears and the schedule page links to it. The OpenAPI document
//! lists the endpoints.

mod common;

use common::{TestServer, warehouse_with_orders};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_lead_schedules_counts_on_the_page_and_the_api_and_the_scheduler_creates_them() {
    let s = TestServer::start().await;
    let wh = warehouse_with_orders(&s).await;
    let whs = wh.to_string();
    let lead = s.browser_as("lead", &["warehouse_lead"]).await;
    let worker = s.browser_as("worker", &["warehouse"]).await;

    // The counts page links to the schedules.
    let counts = lead.get("/counts").await;
    assert!(
        counts.contains("href=\"/counts/schedules\""),
        "{}",
        counts.body
    );

    // Bad input comes back with each field named.
    let res = lead
        .post(
            "/counts/schedules",
            &[
                ("warehouse_id", &whs),
                ("scope", "zone"),
                ("every_days", "400"),
                ("next_due", "下周一"),
                ("recount_value", "1.234"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.contains("data-field=\"recount_value\""), "{}", res.body);
    let res = lead
        .post(
            "/counts/schedules",
            &[
                ("warehouse_id", &whs),
                ("scope", "zone"),
                ("every_days", "400"),
                ("next_due", "下周一"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    for f in ["zone", "every_days", "next_due"] {
        assert!(
            res.contains(&format!("data-field=\"{f}\"")),
            "{f}: {}",
            res.body
        );
    }
    let res = lead
        .post(
            "/counts/schedules",
            &[("warehouse_id", &whs), ("every_days", "abc")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.contains("data-field=\"every_days\""), "{}", res.body);

    // A weekly full count of 杭州仓, due 1 May 2026 08:00.
    let res = lead
        .post(
            "/counts/schedules",
            &[
                ("warehouse_id", &whs),
                ("scope", "full"),
                ("every_days", "7"),
                ("next_due", "2026-05-01 08:00"),
                ("blind", "1"),
                ("recount_value", "50"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let at = res.location.unwrap();
    assert!(at.ends_with("?ok=created"), "{at}");
    let path = at.split('?').next().unwrap().to_string();
    let id: i64 = path
        .trim_start_matches("/counts/schedules/")
        .parse()
        .unwrap();
    let page = lead.get(&at).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("id=\"schedule-notice\""), "{}", page.body);
    assert!(page.contains("2026-05-01 08:00"), "{}", page.body);
    assert!(page.contains("value=\"50.00\""), "{}", page.body);
    let list = lead.get("/counts/schedules").await;
    assert!(
        list.contains(&format!("data-schedule=\"{id}\"")),
        "{}",
        list.body
    );

    // A worker sees the schedules but cannot add or change one.
    assert_eq!(worker.get("/counts/schedules").await.status, StatusCode::OK);
    assert_eq!(worker.get(&path).await.status, StatusCode::OK);
    let res = worker
        .post(
            "/counts/schedules",
            &[("warehouse_id", &whs), ("every_days", "7")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = worker.post(&format!("{path}/deactivate"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // Changed on its page: every 14 days, still due 1 May (the form sends it back).
    let res = lead
        .post(
            &path,
            &[
                ("warehouse_id", &whs),
                ("scope", "full"),
                ("every_days", "14"),
                ("next_due", "2026-05-01 08:00"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (st, got) = lead
        .api(
            Method::GET,
            &format!("/api/v1/stock-count-schedules/{id}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{got}");
    assert_eq!(got["every_days"], 14);
    assert_eq!(got["blind"], false, "unchecked on the change form");

    // The scheduler's pass on 1 May 09:00 creates the count; the schedule links to it.
    let runs = s
        .app
        .run_due_count_schedules(1_777_564_800_000 + 9 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let page = lead.get(&path).await;
    assert!(page.contains("id=\"schedule-last-count\""), "{}", page.body);
    let (_, counts) = lead.api(Method::GET, "/api/v1/stock-counts", None).await;
    assert_eq!(counts["items"].as_array().unwrap().len(), 1, "{counts}");

    // Stopped from its page.
    let res = lead.post(&format!("{path}/deactivate"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = lead.get(res.location.as_deref().unwrap()).await;
    assert!(page.contains("id=\"schedule-activate\""), "{}", page.body);

    // The API: field errors, create, list, change, stop; a worker may only read.
    let (st, e) = lead
        .api(
            Method::POST,
            "/api/v1/stock-count-schedules",
            Some(json!({"warehouse_id": wh, "scope": "abc", "abc_class": "D", "every_days": 0})),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["abc_class", "every_days"], "{e}");
    let (st, e) = lead
        .api(
            Method::POST,
            "/api/v1/stock-count-schedules",
            Some(json!({"warehouse_id": wh, "every_days": "seven"})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "malformed JSON is a 400: {e}");
    let (st, made) = lead
        .api(
            Method::POST,
            "/api/v1/stock-count-schedules",
            Some(json!({"warehouse_id": wh, "scope": "abc", "abc_class": "A",
                        "every_days": 30, "next_due": "2026-06-01"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{made}");
    assert_eq!(made["abc_class"], "A");
    assert_eq!(made["active"], true);
    let api_id = made["id"].as_i64().unwrap();
    let (st, page) = worker
        .api(
            Method::GET,
            "/api/v1/stock-count-schedules?active=true",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![api_id], "only the active one: {page}");
    let (st, _) = worker
        .api(
            Method::GET,
            "/api/v1/stock-count-schedules?active=maybe",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = worker
        .api(
            Method::POST,
            &format!("/api/v1/stock-count-schedules/{api_id}/deactivate"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, changed) = lead
        .api(
            Method::PUT,
            &format!("/api/v1/stock-count-schedules/{api_id}"),
            Some(
                json!({"warehouse_id": wh, "scope": "skus", "sku_codes": "TEE CUP",
                        "every_days": 10}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{changed}");
    assert_eq!(changed["sku_codes"], "CUP,TEE");
    assert_eq!(
        changed["next_due_at"], made["next_due_at"],
        "no due time: it keeps its own"
    );
    let (st, stopped) = lead
        .api(
            Method::POST,
            &format!("/api/v1/stock-count-schedules/{api_id}/deactivate"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(stopped["active"], false);
    let (st, _) = lead
        .api(Method::GET, "/api/v1/stock-count-schedules/999999", None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let doc = worker.get("/api/openapi.json").await;
    assert!(doc.contains("/api/v1/stock-count-schedules/{id}/deactivate"));
}
