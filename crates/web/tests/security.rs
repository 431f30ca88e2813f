//! Sign-in and request security: CSRF, session expiry, disabled users, the login rate
//! limit, escaping, the last admin.

mod common;

use std::time::Duration;

use common::TestServer;
use jxc_app::App;
use jxc_app::auth::AuthConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_form_or_api_write_without_the_csrf_token_is_refused() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    // A page form without the token.
    let p = admin
        .post_raw("/account/tokens", &[("name", "from another site")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    // With a wrong token.
    let p = admin
        .post_raw("/account/tokens", &[("name", "x"), ("_csrf", "0000")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // With the right one it works.
    let p = admin.post("/account/tokens", &[("name", "ERP 同步")]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.contains("id=\"new-token\""));
    assert!(
        admin
            .api(Method::GET, "/api/v1/me/tokens", None)
            .await
            .1
            .to_string()
            .contains("ERP 同步")
    );
    // The API with the session cookie needs the header on writes…
    let res = admin
        .http
        .post(format!("{}/api/v1/me/tokens", s.base))
        .json(&json!({"name": "no header"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // …a bearer token does not (browsers never send it on their own).
    let (st, t) = admin
        .api(
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"name": "bot"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/me/tokens", s.base))
        .bearer_auth(t["token"].as_str().unwrap())
        .json(&json!({"name": "by token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    // Signing out is a form too: without the token it does nothing.
    assert_eq!(
        admin.post_raw("/logout", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_expired_session_goes_back_to_the_login_page_and_returns_after_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("exp.db").display());
    let app = App::open(&url).await.unwrap().with_auth(AuthConfig {
        session_idle: Duration::from_millis(1500),
        ..Default::default()
    });
    let s = TestServer::start_on(app, dir).await;
    let admin = s.admin().await;
    assert_eq!(admin.get("/account").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let p = admin.get("/account").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/login?next=%2Faccount"));
    let (st, _) = admin.api(Method::GET, "/api/v1/me", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let p = admin.post("/logout", &[]).await;
    assert_eq!(p.location.as_deref(), Some("/login?bye=1"));
    assert_eq!(admin.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_disabled_users_token_and_session_stop_working() {
    let s = TestServer::start().await;
    let clerk = s.browser_as("ke.fu", &["客服"]).await;
    let (st, t) = clerk
        .api(
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"name": "script"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let token = t["token"].as_str().unwrap().to_string();
    let me = |token: String| {
        let base = s.base.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(me(token.clone()).await, StatusCode::OK);
    let admin = s.admin().await;
    let id = t["user_id"].as_i64().unwrap();
    let (st, _) = admin
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me(token.clone()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        clerk.get("/").await.status,
        StatusCode::SEE_OTHER,
        "the session ended too"
    );
    // Enabled again, the token works again (it was never revoked).
    admin
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(me(token).await, StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_login_name_for_a_while() {
    let s = TestServer::start().await;
    s.add_user("zhang.san", &["viewer"]).await;
    let b = s.anonymous();
    for _ in 0..5 {
        let form = b.get("/login").await;
        let p = b
            .post_raw(
                "/login",
                &[
                    ("username", "zhang.san"),
                    ("password", "wrong-password"),
                    ("_csrf", &form.hidden("_csrf")),
                ],
            )
            .await;
        assert!(p.contains("登录名或密码不对"), "{}", p.body);
    }
    let form = b.get("/login").await;
    let p = b
        .post_raw(
            "/login",
            &[
                ("username", "zhang.san"),
                ("password", "pass-zhang.san-1"),
                ("_csrf", &form.hidden("_csrf")),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "even the right password waits");
    assert!(p.contains("尝试次数过多"), "{}", p.body);
}

#[tokio::test]
async fn the_login_form_needs_its_own_token() {
    let s = TestServer::start().await;
    let b = s.anonymous();
    b.get("/login").await;
    let p = b
        .post_raw(
            "/login",
            &[
                ("username", "admin"),
                ("password", common::ADMIN_PASSWORD),
                ("_csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.contains("登录页面已过期"));
    assert_eq!(
        b.get("/").await.status,
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

#[tokio::test]
async fn names_with_script_tags_render_as_text() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let p = admin
        .post(
            "/users/new",
            &[
                ("username", "evil"),
                ("display_name", "<script>alert(1)</script>"),
                ("roles", "viewer"),
                ("password", "pass-evil-1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let list = admin.get("/users").await;
    assert!(escaped(&list.body), "{}", list.body);
    assert!(!list.contains("<script>alert(1)"));
    let evil = s.sign_in("evil", "pass-evil-1").await;
    let home = evil.get("/").await;
    assert!(escaped(&home.body) && !home.contains("<script>alert"));
}

#[tokio::test]
async fn sql_metacharacters_in_filters_are_just_text() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    for q in ["' OR 1=1 --", "%", "_", "\\", "'; DROP TABLE users; --"] {
        let path = format!("/users?q={}", urlencode(q));
        let p = admin.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{q}");
        assert!(
            !p.contains(">admin</a>"),
            "{q} matched nothing, not everything"
        );
        let p = admin.get(&format!("/audit?actor={}", urlencode(q))).await;
        assert_eq!(p.status, StatusCode::OK, "{q}");
    }
    assert!(
        admin.get("/users").await.contains(">admin</a>"),
        "users are still there"
    );
    let p = admin.get("/audit?from=not-a-date").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.contains("YYYY-MM-DD"),
        "a bad date is explained: {}",
        p.body
    );
}

/// The name is in the page as text: its `<` escaped (askama writes `&#60;`).
fn escaped(body: &str) -> bool {
    body.contains("&#60;script&#62;alert(1)") || body.contains("&lt;script&gt;alert(1)")
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled_and_passwords_are_checked() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let me = s.app.user_by_name("admin").await.unwrap();
    let p = admin
        .post(
            &format!("/users/{}/edit", me.id),
            &[("roles", "admin"), ("display_name", "管理员")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("最后一个启用的管理员"), "{}", p.body);
    // A weak first password is reported next to the field and nothing is created.
    let p = admin
        .post(
            "/users/new",
            &[
                ("username", "weak"),
                ("roles", "viewer"),
                ("password", "123"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("data-field=\"password\""), "{}", p.body);
    assert!(s.app.user_by_name("weak").await.is_err());
    // Changing one's own password needs the current one.
    let p = admin
        .post(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "new-pass-123"),
                ("confirm_password", "new-pass-123"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("当前密码不对"));
    let p = admin
        .post(
            "/account/password",
            &[
                ("current_password", common::ADMIN_PASSWORD),
                ("new_password", "new-pass-123"),
                ("confirm_password", "new-pass-123"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/login?expired=1"));
    assert_eq!(
        admin.get("/").await.status,
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    s.sign_in("admin", "new-pass-123").await;
}

#[tokio::test]
async fn every_change_shows_in_the_audit_page_with_who_and_what() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    admin
        .post(
            "/users/new",
            &[
                ("username", "li.si"),
                ("roles", "finance"),
                ("password", "pass-li.si-1"),
            ],
        )
        .await;
    let p = admin.get("/audit?entity=user").await;
    assert!(
        p.contains("li.si") && p.contains(">admin</a>") && p.contains("create"),
        "{}",
        p.body
    );
    assert!(!p.contains("pass-li.si-1"), "passwords never reach the log");
    let fin = s.sign_in("li.si", "pass-li.si-1").await;
    assert_eq!(
        fin.get("/audit").await.status,
        StatusCode::OK,
        "finance reads the log"
    );
    let x = fin.get("/audit/export.xlsx?entity=user").await;
    assert!(x.content_type.contains("spreadsheetml") && x.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn a_user_limited_to_one_shop_sees_only_that_shop_and_its_listings() {
    let s = TestServer::start().await;
    let admin = s.admin().await;
    let mut ids = Vec::new();
    for (code, name) in [("TB-A", "淘宝甲店"), ("JD-B", "京东乙店")] {
        let (st, shop) = admin
            .api(
                Method::POST,
                "/api/v1/shops",
                Some(json!({"code": code, "name": name, "platform": "taobao"})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{shop}");
        ids.push(shop["id"].as_i64().unwrap());
    }
    let (st, u) = admin
        .api(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "kefu.a", "roles": ["客服"], "shop_ids": [ids[0]], "password": "pass-kefu.a-1"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{u}");
    let clerk = s.sign_in("kefu.a", "pass-kefu.a-1").await;
    let page = clerk.get("/shops").await;
    assert!(
        page.contains("淘宝甲店") && !page.contains("京东乙店"),
        "{}",
        page.body
    );
    let (_, list) = clerk.api(Method::GET, "/api/v1/shops", None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    let (st, _) = clerk
        .api(Method::GET, &format!("/api/v1/shops/{}", ids[1]), None)
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.api(Method::GET, "/api/v1/shops", None).await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
