//! Black-box tests of the `jxc` binary: what a newcomer and an operator type.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn jxc(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jxc"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run jxc")
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn db(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("jxc.db").display())
}

#[test]
fn demo_then_check_reports_no_difference() {
    let dir = tempfile::tempdir().unwrap();
    let o = jxc(&db(&dir), &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(summary["skus"].as_i64().unwrap() >= 300, "{summary}");
    let o = jxc(&db(&dir), &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("差异 0 处"), "{}", text(&o));
    let o = jxc(&db(&dir), &["check", "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["differences"].as_array().unwrap().len(), 0);
    assert!(r["balances_checked"].as_i64().unwrap() > 300);
}

#[test]
fn a_bad_sku_file_reports_each_row_and_imports_the_rest_then_exports() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("skus.csv");
    std::fs::write(
        &csv,
        "商家编码,商品名称,条码,售价,单位\n\
         G-1,好的,111,10.00,件\n\
         ,没有编码,222,1.00,件\n\
         G-2,重复条码,111,1.00,件\n\
         G-3,负价,333,-5,件\n\
         G-4,怪单位,444,5,吨\n\
         G-5,也好,555,6元,双\n",
    )
    .unwrap();
    let o = jxc(&db(&dir), &["import", "skus", csv.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit 2 when some rows failed: {}",
        text(&o)
    );
    let out = text(&o);
    for row in ["row 3", "row 4", "row 5", "row 6"] {
        assert!(out.contains(row), "{row} missing in:\n{out}");
    }
    assert!(out.contains("created 2"), "{out}");
    let xlsx = dir.path().join("skus.xlsx");
    let o = jxc(&db(&dir), &["export", "skus", xlsx.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 3, "header + G-1 + G-5");
    // The same file again: nothing new, and still exit 2 for the same bad rows.
    let o = jxc(&db(&dir), &["import", "skus", csv.to_str().unwrap()]);
    assert!(text(&o).contains("created 0"), "{}", text(&o));
}

#[test]
fn a_bad_database_url_is_a_clear_error_not_a_panic() {
    let o = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args(["--db", "mysql://x", "check"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("sqlite://") && !t.contains("panicked"), "{t}");
}

/// Starts `jxc serve --demo` and reads its output up to the address line.
fn start_serve(dir: &tempfile::TempDir) -> (std::process::Child, Vec<String>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args([
            "--db",
            &db(dir),
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    let mut addr = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = Some(rest.split_whitespace().next().unwrap().to_string());
        }
        seen.push(line);
        if addr.is_some() {
            break;
        }
    }
    (child, seen, addr.expect("the address is printed"))
}

/// Signs in through the login form, as a browser does; returns the session cookie.
async fn sign_in(addr: &str, user: &str, password: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http
        .get(format!("http://{addr}/login"))
        .send()
        .await
        .unwrap();
    let login_cookie = form
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = form.text().await.unwrap();
    let csrf = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let res = http
        .post(format!("http://{addr}/login"))
        .header("cookie", login_cookie)
        .form(&[("username", user), ("password", password), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signing in redirects");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("jxc_session="))
        .unwrap_or_else(|| panic!("a session cookie: {:?}", res.headers()))
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn serve_with_demo_prints_the_admin_password_once_and_the_admin_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, seen, addr) = start_serve(&dir);
    let password = seen
        .iter()
        .find_map(|l| l.split("密码 password: ").nth(1))
        .map(|p| p.split_whitespace().next().unwrap().to_string())
        .unwrap_or_else(|| panic!("the admin password is printed on first start: {seen:?}"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let counts: serde_json::Value = rt.block_on(async {
        let session = sign_in(&addr, "admin", &password).await;
        reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/counts"))
            .header("cookie", session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(counts["skus"].as_i64().unwrap() >= 300, "{counts}");
    child.kill().unwrap();
    child.wait().unwrap();

    // `jxc user token` makes an API token that acts as that user.
    let o = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args(["--db", &db(&dir), "user", "token", "admin", "--label", "ci"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let token = text(&o)
        .lines()
        .find(|l| l.starts_with("jxc_"))
        .expect("the token is printed")
        .trim()
        .to_string();

    // A second start does not create an admin or print a password again.
    let (mut child, seen, addr) = start_serve(&dir);
    let me: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(me["username"], "admin", "{me}");
    assert!(
        !seen.iter().any(|l| l.contains("密码 password")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|l| l.contains("already loaded")),
        "{seen:?}"
    );
}

#[test]
fn users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let jxc = |args: &[&str], stdin: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_jxc"));
        c.args(["--db", &db(&dir)]).args(args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        if let Some(s) = stdin {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    let o = jxc(
        &[
            "user",
            "add",
            "zhang.san",
            "--role",
            "仓库",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some("warehouse-pass-1\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = jxc(&["user", "add", "li.si", "--role", "boss"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("roles[0]"),
        "an unknown role names the field: {}",
        text(&o)
    );
    let o = jxc(
        &[
            "user",
            "add",
            "wang.wu",
            "--role",
            "finance",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(
        text(&o).contains("8"),
        "a weak password says why: {}",
        text(&o)
    );
    let o = jxc(&["user", "list"], None);
    let list = text(&o);
    assert!(
        list.contains("zhang.san") && list.contains("仓库,只读"),
        "{list}"
    );
    assert!(
        !list.contains("wang.wu"),
        "nothing was created for a bad password: {list}"
    );
    let o = jxc(&["user", "disable", "zhang.san"], None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&jxc(&["user", "list"], None)).contains("停用"));
    let o = jxc(&["user", "passwd", "zhang.san"], None);
    assert!(
        text(&o).contains("password: "),
        "a generated password is printed: {}",
        text(&o)
    );
}

#[test]
fn a_taobao_export_is_imported_from_the_command_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = jxc(&db(&dir), &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../app/tests/fixtures/orders");
    let orders = format!("{fixtures}/taobao_orders.csv");
    let lines = format!("{fixtures}/taobao_order_lines.csv");
    let args = [
        "import", "orders", &orders, "--shop", "TB01", "--format", "taobao", "--lines", &lines,
    ];
    let o = jxc(&db(&dir), &args);
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a bad row makes the exit code 2: {t}"
    );
    assert!(
        t.contains("row 6"),
        "the bad money cell is named by its row: {t}"
    );
    assert!(t.contains("created 5"), "{t}");
    let o = jxc(&db(&dir), &args);
    assert!(
        text(&o).contains("created 0, changed 0, unchanged 5"),
        "{}",
        text(&o)
    );
    let o = jxc(&db(&dir), &["import", "orders", &orders, "--shop", "NOPE"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("NOPE"), "{}", text(&o));
    let o = jxc(&db(&dir), &["check"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Points the demo shop `code` at `base_url` with `credentials`, as a merchant does in
/// 店铺设置.
fn point_shop_at(db: &str, code: &str, credentials: serde_json::Value) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let app = jxc_app::App::open(db).await.unwrap();
        let shops = app
            .shops(
                &jxc_store::ListFilter {
                    q: Some(code.into()),
                    ..Default::default()
                },
                &jxc_core::paging::PageRequest::default(),
            )
            .await
            .unwrap();
        let shop = shops.items.iter().find(|s| s.fields.code == code).unwrap();
        app.update_shop(
            shop.id,
            &jxc_core::partners::ShopInput {
                credentials: Some(credentials),
                ..Default::default()
            },
            &jxc_store::Actor::system("test"),
        )
        .await
        .unwrap();
    });
}

#[test]
fn jxc_sync_pulls_a_shop_once_logs_each_run_and_fails_plainly_when_the_platform_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    assert!(jxc(&db, &["demo"]).status.success());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let state = jxc_sim::SimState {
        world: std::sync::Arc::new(jxc_sim::World::new(
            9,
            now - 60 * 60_000,
            jxc_sim::sample_products(),
        )),
        credentials: jxc_sim::SimCredentials::default(),
    };
    state.world.advance_to(now - 1_000);
    let sim = rt
        .block_on(async { jxc_sim::start("taobao", state.clone()).await })
        .unwrap();
    point_shop_at(
        &db,
        "TB01",
        state.credentials.for_shop("taobao", &sim.base_url),
    );

    let first = jxc(&db, &["sync", "--shop", "TB01"]);
    let t = text(&first);
    assert!(first.status.success(), "{t}");
    let made = state.world.modified_between(0, now).len();
    assert!(made > 50, "{made}");
    assert!(
        t.contains("TB01") && t.contains(": ok") && t.contains(&format!("新 new {made},")),
        "{made}: {t}"
    );
    // Again: the window overlaps, nothing is new.
    let again = jxc(&db, &["sync", "--shop", "TB01"]);
    assert!(text(&again).contains("新 new 0,"), "{}", text(&again));

    let log = text(&jxc(&db, &["sync", "--log", "--shop", "TB01"]));
    assert_eq!(
        log.lines().filter(|l| l.contains("\tok\t")).count(),
        2,
        "{log}"
    );

    let unknown = jxc(&db, &["sync", "--shop", "NOPE"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("NOPE"), "{}", text(&unknown));

    // The platform is gone: the run fails, says why, and the exit code says so.
    drop(sim);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let gone = jxc(&db, &["sync", "--shop", "TB01"]);
    let t = text(&gone);
    assert_eq!(gone.status.code(), Some(1), "{t}");
    assert!(t.contains("error") && t.contains("网络错误"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn jxc_allocate_routes_the_approved_demo_orders_once_and_the_books_still_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    assert!(jxc(&db, &["demo"]).status.success());
    let mut add = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args([
            "--db",
            &db,
            "user",
            "add",
            "cang",
            "--role",
            "仓库",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "pw-12345678").unwrap();
    }
    assert!(add.wait().unwrap().success());
    // Approve the demo's orders that have no blocking hold.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let app = jxc_app::App::open(&db).await.unwrap();
        let admin = app.user_by_name("cang").await.unwrap();
        let page = app
            .orders(
                &jxc_store::OrderFilter::default(),
                &jxc_core::paging::PageRequest {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let ids: Vec<_> = page.items.iter().map(|o| o.id).collect();
        app.approve_orders(&admin, &ids, &jxc_store::Actor::system("test"))
            .await
            .unwrap();
    });
    let first = jxc(&db, &["allocate", "--user", "cang"]);
    let t = text(&first);
    let allocated = t
        .lines()
        .filter(|l| l.starts_with('#') && l.contains("\tallocated\t"))
        .count();
    assert!(allocated > 10, "{t}");
    assert!(t.contains(&format!("allocated {allocated},")), "{t}");
    // Again: the allocated ones are not touched; only 缺货 ones are tried again.
    let again = text(&jxc(&db, &["allocate", "--user", "cang"]));
    assert!(again.contains("allocated 0,"), "{again}");
    assert!(jxc(&db, &["check"]).status.success());
    let nobody = jxc(&db, &["allocate", "--user", "nobody"]);
    assert!(!nobody.status.success());
    assert!(text(&nobody).contains("nobody"), "{}", text(&nobody));

    // Ship one allocated order; its carrier reports it refused: `jxc tracking` lists it.
    let no = rt.block_on(async {
        use jxc_store::{ShipmentStatus, TrackingUpdate};
        let app = jxc_app::App::open(&db).await.unwrap();
        let cang = app.user_by_name("cang").await.unwrap();
        let a = jxc_store::Actor::system("test");
        let mut setup = app.shipping_setup().await.unwrap();
        setup.sender_name = "仓库".into();
        setup.sender_phone = "0571-88886666".into();
        app.set_shipping_setup(setup, &a).await.unwrap();
        let allocated = app
            .allocations(
                Some(jxc_store::AllocationStatus::Allocated),
                &Default::default(),
            )
            .await
            .unwrap();
        let order = app
            .store
            .get_order(allocated.items[0].order_id)
            .await
            .unwrap()
            .unwrap();
        let d: jxc_core::fulfillment::routing::Decision =
            serde_json::from_value(allocated.items[0].decision.clone()).unwrap();
        let wh = d.shipments[0].warehouse;
        let waves = app
            .create_waves(
                &cang,
                wh,
                &jxc_core::fulfillment::waves::WaveRules {
                    single_units_apart: false,
                    by_carrier: false,
                    cutoff_ms: None,
                    max_shipments: 500,
                },
                &a,
            )
            .await
            .unwrap();
        let wave = waves
            .iter()
            .find(|w| w.orders.iter().any(|(o, _)| *o == order.id))
            .unwrap();
        let labels = app.label_wave(&cang, wave.id, &a).await.unwrap();
        let sh = labels
            .iter()
            .find(|s| s.orders.contains(&order.id))
            .unwrap();
        let contents = app.store.shipment_contents(sh.id).await.unwrap();
        let req = jxc_app::shipping::ShipRequest {
            scanned: contents
                .iter()
                .map(|(sku, qty)| jxc_app::shipping::ScannedSku {
                    sku_id: sku.0,
                    qty: *qty,
                })
                .collect(),
            ..Default::default()
        };
        app.ship(&cang, sh.id, &req, &a).await.unwrap();
        app.store
            .record_tracking(
                sh.id,
                &TrackingUpdate {
                    state: "14".into(),
                    at_ms: 1,
                    status: ShipmentStatus::Exception,
                    exception: "拒签 / 14".into(),
                },
                &a,
            )
            .await
            .unwrap();
        sh.tracking_no.clone()
    });
    let t = text(&jxc(&db, &["tracking"]));
    assert!(t.contains(&no) && t.contains("拒签"), "{t}");
    assert!(t.contains("newly flagged 0, exceptions 1"), "{t}");
    assert!(jxc(&db, &["check"]).status.success());
}

/// Adds a user from the command line with a password on standard input.
fn add_user(db: &str, name: &str, role: &str) {
    let mut add = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args([
            "--db",
            db,
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        writeln!(add.stdin.take().unwrap(), "pw-12345678").unwrap();
    }
    assert!(add.wait().unwrap().success());
}

#[test]
fn a_count_is_scanned_from_a_file_twice_without_counting_twice_then_posted_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir);
    // A warehouse with two locations; S-1 on both (¥10.00 a unit), S-2 on the first.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use jxc_core::catalog::SkuInput;
        use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
        use jxc_core::warehouses::{LocationInput, WarehouseInput};
        let app = jxc_app::App::open(&db).await.unwrap();
        let a = jxc_store::Actor::system("test");
        let wh = app
            .create_warehouse(
                &WarehouseInput {
                    code: Some("WH1".into()),
                    name: Some("一号仓".into()),
                    ..Default::default()
                },
                &a,
            )
            .await
            .unwrap();
        let mut locs = Vec::new();
        for code in ["A-01-01-01", "A-01-01-02"] {
            let l = app
                .create_location(
                    &LocationInput {
                        warehouse_id: Some(wh.id.0),
                        code: Some(code.into()),
                        ..Default::default()
                    },
                    &a,
                )
                .await
                .unwrap();
            locs.push(l.id.0);
        }
        let mut skus = Vec::new();
        for code in ["S-1", "S-2"] {
            let s = app
                .create_sku(
                    &SkuInput {
                        code: Some(code.into()),
                        name: Some(format!("商品 {code}")),
                        ..Default::default()
                    },
                    &a,
                )
                .await
                .unwrap();
            skus.push(s.id.0);
        }
        let line = |sku: i64, loc: i64, qty: i64, cost: i64| LineInput {
            sku_id: sku,
            location_id: Some(loc),
            qty,
            unit_cost: Some(cost),
            ..Default::default()
        };
        app.post_document(
            DocumentKind::Opening,
            &DocumentInput {
                warehouse_id: wh.id.0,
                lines: vec![
                    line(skus[0], locs[0], 5, 1000),
                    line(skus[1], locs[0], 3, 2000),
                    line(skus[0], locs[1], 2, 1000),
                ],
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap();
    });
    add_user(&db, "admin", "admin");
    add_user(&db, "cang", "仓库");

    let o = jxc(&db, &["count", "new", "--warehouse", "NOPE"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("NOPE"), "{}", text(&o));

    let o = jxc(
        &db,
        &["count", "new", "--warehouse", "WH1", "--user", "cang"],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("3 lines"), "{t}");
    let number = t
        .split_whitespace()
        .find(|w| w.starts_with("PD"))
        .expect("the count's number is printed")
        .to_string();
    let id = t
        .split("(id ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .expect("the count's id is printed")
        .to_string();

    // Row 5 has a qty that is no number; row 6 repeats row 2's scan id; row 7 is on a
    // location the warehouse does not have.
    let scans = dir.path().join("scans.csv");
    std::fs::write(
        &scans,
        "scan_id,location,code,qty,lot_no\n\
         s1,A-01-01-01,S-1,4,\n\
         s2,A-01-01-01,S-2,,\n\
         s3,A-01-01-01,S-2,2,\n\
         s4,A-01-01-01,S-1,abc,\n\
         s1,A-01-01-01,S-1,4,\n\
         s5,Z-99,S-1,1,\n",
    )
    .unwrap();
    let scan = |who: &str| {
        jxc(
            &db,
            &["count", "scan", &id, scans.to_str().unwrap(), "--user", who],
        )
    };
    let o = scan("cang");
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a refused row makes it exit 2: {t}"
    );
    assert!(t.contains("row 5: qty"), "{t}");
    assert!(t.contains("row 7: 库位 Z-99"), "{t}");
    assert!(
        t.contains("counted 3, duplicate 1, refused 1, bad 1"),
        "{t}"
    );
    // The same file again (a second upload after a dropped connection): nothing twice.
    let t = text(&scan("cang"));
    assert!(
        t.contains("counted 0, duplicate 4, refused 1, bad 1"),
        "{t}"
    );
    let t = text(&jxc(&db, &["count", "show", &number]));
    assert!(t.contains("counted 2/3 lines"), "{t}");

    // A 仓库 user may submit but not approve.
    let o = jxc(&db, &["count", "submit", &id, "--user", "cang"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("1 lines are not counted"), "{}", text(&o));
    let o = jxc(
        &db,
        &["count", "submit", &id, "--zero-uncounted", "--user", "cang"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("submitted"), "{}", text(&o));
    let o = jxc(&db, &["count", "approve", &id, "--user", "cang"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("may not"), "{}", text(&o));
    let o = jxc(&db, &["count", "approve", &number]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("posted, 2 variance lines posted"), "{t}");

    // S-1: 4 of 5 on the first location, 0 of 2 on the second; S-2 as expected.
    let t = text(&jxc(&db, &["count", "show", &id]));
    assert!(t.contains("已过账 (posted)"), "{t}");
    assert!(t.contains("33.33%（1/3"), "{t}");
    assert!(t.contains("盘亏 / lost: 3 件 units, ¥30.00"), "{t}");
    assert!(t.contains("盘盈 / gained: 0 件 units, ¥0.00"), "{t}");
    let t = text(&jxc(&db, &["count", "list", "--status", "posted"]));
    assert!(
        t.contains(&format!("{number}\tWH1\t已过账\t全盘\t3/3")),
        "{t}"
    );
    assert!(t.contains("1 counts"), "{t}");
    let o = jxc(&db, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("差异 0 处"), "{}", text(&o));
    // Posted is final: more scans are refused as a whole.
    let o = scan("admin");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
