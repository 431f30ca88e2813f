//! Black-box API tests: the real server on 127.0.0.1:0, spoken to over HTTP.

use jxc_app::App;
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Server {
    base: String,
    token: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("api.db").display());
        Server::start_on(&url, dir).await
    }

    async fn start_postgres() -> Server {
        let base = std::env::var("JXC_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let schema = format!(
            "jxc_api_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let url = jxc_app::fresh_postgres_schema(&base, &schema)
            .await
            .unwrap();
        Server::start_on(&url, tempfile::tempdir().unwrap()).await
    }

    async fn start_on(url: &str, dir: tempfile::TempDir) -> Server {
        let app = App::open(url).await.unwrap();
        let (name, _password) = app
            .ensure_first_admin()
            .await
            .unwrap()
            .expect("a new database gets an admin");
        assert!(
            app.ensure_first_admin().await.unwrap().is_none(),
            "the admin is created, and its password shown, only once"
        );
        let admin = app.user_by_name(&name).await.unwrap();
        let (_, token) = app
            .create_api_token(admin.id, "tests", &jxc_app::Actor::system("test"))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(jxc_web::serve(app, listener));
        Server {
            base,
            token,
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PATCH, path, Some(body)).await
    }
}

#[tokio::test]
async fn without_the_token_every_api_call_is_401_but_health_and_docs_are_open() {
    let s = Server::start().await;
    let res = s
        .http
        .get(format!("{}/api/v1/skus", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    let res = s
        .http
        .get(format!("{}/api/v1/skus", s.base))
        .bearer_auth("jxc_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        s.http
            .get(format!("{}/healthz", s.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let page = s
        .http
        .get(format!("{}/api/docs/", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("swagger")
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let s = Server::start().await;
    let doc: Value = s
        .http
        .get(format!("{}/api/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    // The document and the route table agree: every guarded API route is documented,
    // and every documented operation is a guarded route.
    let rules: std::collections::BTreeSet<(String, String)> = jxc_web::route_rules()
        .into_iter()
        .filter(|r| r.surface == jxc_web::Surface::Api)
        .map(|r| (r.method.as_str().to_lowercase(), r.path))
        .collect();
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let undocumented: Vec<_> = rules.difference(&documented).collect();
    let unguarded: Vec<_> = documented.difference(&rules).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unguarded.is_empty(),
        "documented but not in the route table: {unguarded:?}"
    );
    for op in [
        ("post", "/api/v1/skus"),
        ("put", "/api/v1/skus/{id}/components"),
        ("post", "/api/v1/stock/post/{kind}"),
        ("post", "/api/v1/import/skus"),
        ("get", "/api/v1/export/moves"),
        ("post", "/api/v1/me/tokens"),
        ("patch", "/api/v1/users/{id}"),
    ] {
        assert!(documented.contains(&(op.0.into(), op.1.into())), "{op:?}");
    }
    assert!(doc["components"]["schemas"]["Sku"].is_object());
}

#[tokio::test]
async fn a_sku_with_a_bad_price_is_refused_with_the_field_then_created_when_fixed() {
    let s = Server::start().await;
    let (st, e) = s
        .post(
            "/api/v1/skus",
            json!({"code": "TS-1", "name": "T恤", "list_price": -100, "unit": "吨"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["code"], "invalid");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["unit", "list_price"]);
    let (st, sku) = s.post("/api/v1/skus", json!({"code": "TS-1", "name": "T恤", "list_price": 9900, "barcodes": ["6901234567892"]})).await;
    assert_eq!(st, StatusCode::CREATED, "{sku}");
    let (st, e) = s
        .post("/api/v1/skus", json!({"code": "TS-1", "name": "again"}))
        .await;
    assert_eq!(
        (st, e["code"].as_str(), e["field"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"), Some("code"))
    );
    let id = sku["id"].as_i64().unwrap();
    let (st, got) = s
        .patch(&format!("/api/v1/skus/{id}"), json!({"list_price": 12900}))
        .await;
    assert_eq!(
        (st, got["list_price"].as_i64(), got["name"].as_str()),
        (StatusCode::OK, Some(12900), Some("T恤"))
    );
    let (_, found) = s.get("/api/v1/skus/by-barcode/6901234567892").await;
    assert_eq!(found["id"], id);
    let (st, off) = s
        .post(&format!("/api/v1/skus/{id}/deactivate"), json!({}))
        .await;
    assert_eq!((st, off["active"].as_bool()), (StatusCode::OK, Some(false)));
    let (st, e) = s.get("/api/v1/skus/424242").await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn malformed_json_is_a_400_and_a_tampered_cursor_a_field_error() {
    let s = Server::start().await;
    let res = s
        .http
        .post(format!("{}/api/v1/skus", s.base))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "bad_request");
    let (st, e) = s.get("/api/v1/skus?after=zzz").await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("after"))
    );
    let (st, _) = s.get("/api/v1/skus?limit=0").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = s.get("/api/v1/skus?q=%25%27%20OR%201%3D1%20--").await;
    assert_eq!(st, StatusCode::OK);
}

async fn stock_flow(s: &Server) {
    let (_, wh) = s
        .post(
            "/api/v1/warehouses",
            json!({"code": "HZ", "name": "杭州仓", "province": "浙江省", "city": "杭州市"}),
        )
        .await;
    let wh_id = wh["id"].as_i64().unwrap();
    let (st, loc) = s
        .post(
            "/api/v1/locations",
            json!({"warehouse_id": wh_id, "code": "A-01-01-01", "pick_seq": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{loc}");
    let (_, sku) = s
        .post(
            "/api/v1/skus",
            json!({"code": "CUP", "name": "马克杯", "default_cost": 1200}),
        )
        .await;
    let sku_id = sku["id"].as_i64().unwrap();
    let (st, doc) = s.post("/api/v1/stock/post/receipt", json!({"warehouse_id": wh_id, "reference": "PO-1", "lines": [{"sku_id": sku_id, "location_id": loc["id"], "qty": 3, "value": 1000}]})).await;
    assert_eq!(st, StatusCode::CREATED, "{doc}");
    assert!(doc["doc_no"].as_str().unwrap().starts_with("RK"));
    let (st, r) = s
        .post(
            "/api/v1/stock/reservations",
            json!({"sku_id": sku_id, "warehouse_id": wh_id, "qty": 2, "source_ref": "SO-1"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let (st, e) = s.post("/api/v1/stock/post/issue", json!({"warehouse_id": wh_id, "lines": [{"sku_id": sku_id, "location_id": loc["id"], "qty": 2}]})).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("insufficient_stock")),
        "{e}"
    );
    let rid = r[0]["id"].as_i64().unwrap();
    let (st, out) = s.post("/api/v1/stock/post/issue", json!({"warehouse_id": wh_id, "lines": [{"sku_id": sku_id, "location_id": loc["id"], "qty": 2, "reservation_id": rid}]})).await;
    assert_eq!(st, StatusCode::CREATED, "{out}");
    // 3 units worth ¥10.00: two leave at round(2 × 1000 / 3) = 667.
    assert_eq!(out["moves"][0]["value"], -667);
    let (_, bal) = s
        .get(&format!("/api/v1/stock/balances?sku_id={sku_id}"))
        .await;
    assert_eq!(
        (
            bal["items"][0]["on_hand"].as_i64(),
            bal["items"][0]["value"].as_i64()
        ),
        (Some(1), Some(333))
    );
    let (_, moves) = s.get(&format!("/api/v1/stock/moves?sku_id={sku_id}")).await;
    assert_eq!(moves["items"].as_array().unwrap().len(), 2);
    let (st, e) = s
        .post(
            "/api/v1/stock/post/teleport",
            json!({"warehouse_id": wh_id, "lines": []}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kind"))
    );
    let (_, check) = s.get("/api/v1/check").await;
    assert_eq!(check["differences"].as_array().unwrap().len(), 0, "{check}");
    let (_, audit) = s.get("/api/v1/audit?entity=stock_document").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2);
    assert_eq!(audit["items"][0]["actor"], "admin");
}

#[tokio::test]
async fn receive_reserve_issue_and_check_over_http_on_sqlite() {
    stock_flow(&Server::start().await).await;
}

#[tokio::test]
async fn receive_reserve_issue_and_check_over_http_on_postgres() {
    stock_flow(&Server::start_postgres().await).await;
}

#[tokio::test]
async fn lists_page_by_cursor_and_export_to_excel() {
    let s = Server::start().await;
    for i in 0..7 {
        s.post(
            "/api/v1/skus",
            json!({"code": format!("P-{i}"), "name": format!("商品{i}")}),
        )
        .await;
    }
    let mut codes = Vec::new();
    let mut path = "/api/v1/skus?limit=3".to_string();
    loop {
        let (_, page) = s.get(&path).await;
        codes.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["code"].as_str().unwrap().to_string()),
        );
        match page["next"].as_str() {
            Some(n) => path = format!("/api/v1/skus?limit=3&after={n}"),
            None => break,
        }
    }
    assert_eq!(codes, (0..7).map(|i| format!("P-{i}")).collect::<Vec<_>>());
    let res = s
        .http
        .get(format!("{}/api/v1/export/skus", s.base))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
}

#[tokio::test]
async fn an_import_with_a_bad_row_reports_it_and_keeps_the_good_ones() {
    let s = Server::start().await;
    let csv = "商家编码,商品名称,售价,单位\nA-1,好商品,12.50,件\n,没有编码,1.00,件\nA-2,负价格,-1,件\nA-3,好商品二,3元,个\n";
    let res = s
        .http
        .post(format!("{}/api/v1/import/skus?file_name=skus.csv", s.base))
        .bearer_auth(&s.token)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["created"], 2, "{report}");
    let rows: Vec<i64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![3, 4]);
    let (_, a1) = s.get("/api/v1/skus?q=A-1").await;
    assert_eq!(a1["items"][0]["list_price"], 1250);
}
