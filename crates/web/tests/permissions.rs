//! The role × route walk: every guarded route (API and pages, from the one route table)
//! is called by a user of every role. A role the permission table allows must never get
//! 403; every other role must get exactly 403. Signed-out callers get 401 (API) or the
//! login page (pages). A route added without going through the table has no rule and
//! is caught by `the_openapi_document_lists_every_endpoint` (API) or cannot exist (pages).

mod common;

use common::{Browser, TestServer};
use jxc_core::permissions::allowed;
use jxc_core::users::Role;
use jxc_web::{Surface, route_rules};
use reqwest::{Method, StatusCode};

/// A path with its parameters filled with values that exist nowhere, so that an allowed
/// call changes nothing (it answers 404 or 422), and a forbidden one is refused before
/// anything is looked up.
fn concrete(path: &str) -> String {
    path.replace("{id}", "987654")
        .replace("{barcode}", "0000000000")
        .replace("{kind}", "receipt")
        .replace("{code}", "zh")
}

struct Caller {
    role: Role,
    browser: Browser,
    token: String,
}

async fn call(
    s: &TestServer,
    c: &Caller,
    surface: Surface,
    method: &Method,
    path: &str,
) -> StatusCode {
    let url = format!("{}{path}", s.base);
    match surface {
        Surface::Api => {
            let mut req = reqwest::Client::new()
                .request(method.clone(), url)
                .bearer_auth(&c.token);
            if method != Method::GET {
                req = req.json(&serde_json::json!({}));
            }
            req.send().await.unwrap().status()
        }
        Surface::Page => {
            if method == Method::GET {
                c.browser.get(path).await.status
            } else {
                c.browser.post(path, &[]).await.status
            }
        }
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_permission_table_says() {
    let s = TestServer::start().await;
    let mut callers = Vec::new();
    for role in Role::ALL {
        let name = format!("role.{}", role.as_str());
        let browser = s.browser_as(&name, &[role.as_str()]).await;
        let user = s.app.user_by_name(&name).await.unwrap();
        let (_, token) = s
            .app
            .create_api_token(user.id, "walk", &jxc_app::Actor::system("test"))
            .await
            .unwrap();
        callers.push(Caller {
            role,
            browser,
            token,
        });
    }
    let rules = route_rules();
    assert!(
        rules.len() > 60,
        "the table holds the API and the pages: {}",
        rules.len()
    );
    let mut wrong = Vec::new();
    for rule in &rules {
        let path = concrete(&rule.path);
        for c in &callers {
            let status = call(&s, c, rule.surface, &rule.method, &path).await;
            let may = allowed(&[c.role], rule.action);
            let ok = if may {
                status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                wrong.push(format!(
                    "{} {} as {:?} ({:?}, allowed: {may}) → {status}",
                    rule.method, rule.path, c.role, rule.action
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn signed_out_callers_get_401_from_the_api_and_the_login_page_from_pages() {
    let s = TestServer::start().await;
    let anon = s.anonymous();
    for rule in route_rules() {
        let path = concrete(&rule.path);
        let status = match (rule.surface, rule.method.clone()) {
            (Surface::Api, m) => reqwest::Client::new()
                .request(m, format!("{}{path}", s.base))
                .send()
                .await
                .unwrap()
                .status(),
            (Surface::Page, Method::GET) => {
                let p = anon.get(&path).await;
                assert!(
                    p.location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/login?next=")),
                    "GET {path} sends a signed-out person to the login page: {:?}",
                    p.location
                );
                p.status
            }
            (Surface::Page, _) => anon.post_raw(&path, &[]).await.status,
        };
        let expected = match rule.surface {
            Surface::Api => StatusCode::UNAUTHORIZED,
            Surface::Page => StatusCode::SEE_OTHER,
        };
        assert_eq!(status, expected, "{} {path}", rule.method);
    }
}

#[tokio::test]
async fn a_warehouse_worker_cannot_open_the_users_page_nor_list_users_through_the_api() {
    let s = TestServer::start().await;
    let w = s.browser_as("cang.ku", &["仓库"]).await;
    let page = w.get("/users").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.contains("无权限"), "{}", page.body);
    let (status, body) = w.api(Method::GET, "/api/v1/users", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    // …and the menu does not offer it.
    assert!(!w.get("/").await.contains("href=\"/users\""));
    assert!(s.admin().await.get("/").await.contains("href=\"/users\""));
}
