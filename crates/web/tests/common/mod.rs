//! What the black-box page and API tests share: the real server on 127.0.0.1:0 (SQLite
//! or a fresh PostgreSQL schema), users with roles, and a browser-like client that keeps
//! cookies and sends the CSRF token the way our forms do.

#![allow(dead_code)]

use jxc_app::{Actor, App};
use reqwest::StatusCode;

pub const ADMIN_PASSWORD: &str = "admin-pass-1";

pub struct TestServer {
    pub base: String,
    pub app: App,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("pages.db").display());
        TestServer::start_on(App::open(&url).await.unwrap(), dir).await
    }

    pub async fn start_postgres() -> TestServer {
        let base = std::env::var("JXC_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let schema = format!(
            "jxc_pages_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let url = jxc_app::fresh_postgres_schema(&base, &schema)
            .await
            .unwrap();
        TestServer::start_on(App::open(&url).await.unwrap(), tempfile::tempdir().unwrap()).await
    }

    /// Serves `app` (already opened and migrated), with user `admin` / [`ADMIN_PASSWORD`].
    pub async fn start_on(app: App, dir: tempfile::TempDir) -> TestServer {
        let (name, _) = app.ensure_first_admin().await.unwrap().unwrap();
        let admin = app.user_by_name(&name).await.unwrap();
        app.set_password(admin.id, ADMIN_PASSWORD, &Actor::system("test"))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(jxc_web::serve(app.clone(), listener));
        TestServer {
            base,
            app,
            _dir: dir,
        }
    }

    /// Creates a user with `roles` (codes or Chinese names) and password `pass-<name>-1`.
    pub async fn add_user(&self, name: &str, roles: &[&str]) -> jxc_core::users::User {
        let input = jxc_core::users::UserInput {
            username: Some(name.into()),
            roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            ..Default::default()
        };
        self.app
            .create_user(&input, &format!("pass-{name}-1"), &Actor::system("test"))
            .await
            .unwrap()
    }

    /// A signed-in browser for a new user with `roles`.
    pub async fn browser_as(&self, name: &str, roles: &[&str]) -> Browser {
        self.add_user(name, roles).await;
        self.sign_in(name, &format!("pass-{name}-1")).await
    }

    pub async fn admin(&self) -> Browser {
        self.sign_in("admin", ADMIN_PASSWORD).await
    }

    /// A browser that has not signed in.
    pub fn anonymous(&self) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            csrf: String::new(),
        }
    }

    /// Signs in through the login form, as a person does.
    pub async fn sign_in(&self, user: &str, password: &str) -> Browser {
        let mut b = self.anonymous();
        let page = b.get("/login").await;
        let login_csrf = page.hidden("_csrf");
        let res = b
            .post_raw(
                "/login",
                &[
                    ("username", user),
                    ("password", password),
                    ("_csrf", &login_csrf),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "sign-in: {}", res.body);
        let home = b.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        b.csrf = home.meta("csrf-token");
        b
    }
}

/// A response as the tests read it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub body: String,
    /// Where a redirect goes.
    pub location: Option<String>,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Page {
    /// The value of `<input type="hidden" name="NAME" value="…">`.
    pub fn hidden(&self, name: &str) -> String {
        self.body
            .split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("no hidden field {name} in {}", self.body))
            .to_string()
    }

    /// The content of `<meta name="NAME" content="…">`.
    pub fn meta(&self, name: &str) -> String {
        self.body
            .split(&format!("<meta name=\"{name}\" content=\""))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("no meta {name}"))
            .to_string()
    }

    pub fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }
}

/// Keeps cookies, never follows redirects (tests look at them), and sends the session's
/// CSRF token with every form like the pages do.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl Browser {
    async fn read(res: reqwest::Response) -> Page {
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = res.bytes().await.unwrap().to_vec();
        Page {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            location,
            content_type,
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Submits a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        f.push(("_csrf", &self.csrf));
        self.post_raw(path, &f).await
    }

    /// Submits a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::read(
            self.http
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Uploads a file as a multipart form (`file` field), the CSRF token in the query
    /// string as the upload forms do.
    pub async fn upload(
        &self,
        path: &str,
        file_name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> Page {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        );
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        Self::read(
            self.http
                .post(format!("{}{path}{sep}_csrf={}", self.base, self.csrf))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Calls the JSON API with the session cookie (and the CSRF header on writes).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

/// A Taobao shop TB01 and the warehouse HZ 杭州仓 (浙江省).
pub async fn taobao_shop_and_hangzhou(
    s: &TestServer,
) -> (jxc_core::ids::ShopId, jxc_core::ids::WarehouseId) {
    let a = Actor::system("test");
    let shop = s
        .app
        .create_shop(
            &jxc_core::partners::ShopInput {
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
    let wh = s
        .app
        .create_warehouse(
            &jxc_core::warehouses::WarehouseInput {
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
    (shop, wh)
}

/// 杭州仓 with T恤 at A-02-05 and 杯子 at A-01-01, and five approved orders from 杭州:
/// three single T恤 (爆款单) and two with a T恤 and a 杯子. Returns the warehouse id.
pub async fn warehouse_with_orders(s: &TestServer) -> i64 {
    let a = Actor::system("test");
    let app = &s.app;
    let (shop, wh) = taobao_shop_and_hangzhou(s).await;
    for (code, barcode, loc) in [
        ("TEE", "6901234567892", "A-02-05-1"),
        ("CUP", "", "A-01-01-1"),
    ] {
        let sku = app
            .create_sku(
                &jxc_core::catalog::SkuInput {
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
                &jxc_core::warehouses::LocationInput {
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
            jxc_core::inventory::DocumentKind::Receipt,
            &jxc_core::inventory::DocumentInput {
                warehouse_id: wh.0,
                lines: vec![jxc_core::inventory::LineInput {
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
