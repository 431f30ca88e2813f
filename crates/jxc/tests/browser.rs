//! Browser tests: Debian's Chromium, driven through chromedriver (WebDriver, via
//! fantoccini), against the real `jxc` binary on 127.0.0.1 with the demo merchant.
//!
//! They need `chromium` and `chromium-driver` (`apt-get install chromium chromium-driver`).
//! Without them the tests say so and pass, unless `JXC_BROWSER_TESTS=required` (which
//! `.ci/run` sets): then a missing browser fails the run.
//!
//! Each main page is screenshotted at 1366×768 into `target/tmp/screenshots/` and checked
//! for horizontal overflow.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A child process that is killed when the test ends, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn browser_available() -> bool {
    let present = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
    if !present {
        if std::env::var("JXC_BROWSER_TESTS").as_deref() == Ok("required") {
            panic!(
                "JXC_BROWSER_TESTS=required but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver"
            );
        }
        eprintln!(
            "browser tests skipped: {CHROMIUM} / {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)"
        );
    }
    present
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `jxc serve --demo` on a fresh database; returns the process, base URL and the admin
/// password it printed.
fn start_jxc(dir: &Path) -> (Killed, String, String) {
    let db = format!("sqlite://{}", dir.join("browser.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args(["--db", &db, "serve", "--demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mut password, mut addr) = (None, None);
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(p) = line.split("密码 password: ").nth(1) {
            password = p.split_whitespace().next().map(str::to_string);
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            addr = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    (
        Killed(child),
        format!("http://{}", addr.expect("the address is printed")),
        password.expect("the admin password is printed"),
    )
}

fn add_user(dir: &Path, name: &str, role: &str, password: &str) {
    use std::io::Write;
    let db = format!("sqlite://{}", dir.join("browser.db").display());
    let mut c = Command::new(env!("CARGO_BIN_EXE_jxc"))
        .args([
            "--db",
            &db,
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
    writeln!(c.stdin.take().unwrap(), "{password}").unwrap();
    assert!(c.wait().unwrap().success());
}

async fn start_browser() -> (Killed, Client) {
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Killed(driver);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1366,768", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--lang=zh-CN",
            ],
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver did not start: {e}"),
        }
    }
}

fn screenshot_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Screenshots the page and checks it does not scroll sideways at 1366×768.
async fn snap(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
    let dims = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (dims[0].as_i64().unwrap(), dims[1].as_i64().unwrap());
    assert!(
        scroll <= client,
        "{name} overflows horizontally at 1366×768: scrollWidth {scroll} > clientWidth {client}"
    );
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn fill(c: &Client, css: &str, value: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) until the browser's path satisfies `ok`.
async fn wait_path(c: &Client, ok: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        if ok(url.path()) {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (up to 10 s) until the page says `want` (a form's answer may still be loading).
async fn wait_text(c: &Client, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // While the next page loads, the old body may be gone: try again.
        let page = match c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if page.contains(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the page never said {want}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in(c: &Client, base: &str, user: &str, password: &str) {
    c.goto(&format!("{base}/")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    fill(c, "input[name=username]", user).await;
    fill(c, "input[name=password]", password).await;
    click(c, "#login-form button[type=submit]").await;
    c.wait().for_element(Locator::Css("#logout")).await.unwrap();
}

/// An .xlsx of SKUs with Chinese headers: two good rows and one with a negative price.
fn sku_workbook(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["商家编码", "商品名称", "单位", "售价", "条码"],
        ["BT-001", "浏览器测试 杯子", "个", "19.90", "6900000000017"],
        ["BT-002", "浏览器测试 碗", "个", "-3.00", ""],
        ["BT-003", "浏览器测试 盘子", "个", "25.00", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            ws.write_string(r as u32, col as u16, *v).unwrap();
        }
    }
    wb.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_works_through_the_pages_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_jxc, base, password) = start_jxc(dir.path());
    add_user(dir.path(), "cang.ku", "仓库", "warehouse-pass-1");
    let (_driver, c) = start_browser().await;

    // Sign in as the admin; the dashboard shows real figures.
    sign_in(&c, &base, "admin", &password).await;
    let home = text(&c).await;
    assert!(home.contains("工作台"), "{home}");
    let skus: i64 = c
        .find(Locator::Css("#sku-count"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(skus >= 300, "the demo merchant has {skus} SKUs");
    snap(&c, "dashboard").await;

    // A SKU with a bad price is refused next to the price; fixed, it is saved.
    c.goto(&format!("{base}/skus/new")).await.unwrap();
    fill(&c, "input[name=code]", "BROWSER-1").await;
    fill(&c, "input[name=name]", "浏览器里建的商品").await;
    fill(&c, "input[name=unit]", "件").await;
    fill(&c, "input[name=list_price]", "-12").await;
    click(&c, "#save").await;
    let err = c
        .wait()
        .for_element(Locator::Css(".field-error[data-field=list_price]"))
        .await
        .unwrap();
    assert!(!err.text().await.unwrap().is_empty());
    snap(&c, "sku-form-error").await;
    fill(&c, "input[name=list_price]", "12.50").await;
    click(&c, "#save").await;
    wait_path(&c, |p| p.starts_with("/skus/") && !p.ends_with("/new")).await;
    let detail = text(&c).await;
    assert!(
        detail.contains("BROWSER-1") && detail.contains("12.50"),
        "{detail}"
    );
    snap(&c, "sku-detail").await;

    c.goto(&format!("{base}/skus")).await.unwrap();
    snap(&c, "skus").await;

    // Import an xlsx with a bad row: the row is reported, the others are imported.
    let file = dir.path().join("skus.xlsx");
    sku_workbook(&file);
    c.goto(&format!("{base}/imports")).await.unwrap();
    snap(&c, "imports").await;
    c.find(Locator::Css(
        "form[action^='/imports/skus'] input[type=file]",
    ))
    .await
    .unwrap()
    .send_keys(file.to_str().unwrap())
    .await
    .unwrap();
    click(&c, "form[action^='/imports/skus'] button[type=submit]").await;
    let errors = c
        .wait()
        .for_element(Locator::Css("#import-errors"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The bad row is spreadsheet row 3 (the header is row 1).
    assert!(
        errors.lines().any(|l| l.trim_start().starts_with('3')),
        "{errors}"
    );
    c.goto(&format!("{base}/skus?q=BT-00")).await.unwrap();
    let list = text(&c).await;
    assert!(list.contains("BT-001") && list.contains("BT-003"), "{list}");
    assert!(
        !list.contains("BT-002"),
        "the bad row was not imported: {list}"
    );

    // Stock, by SKU and by location; the ledger.
    c.goto(&format!("{base}/stock")).await.unwrap();
    assert!(text(&c).await.contains("可用"));
    snap(&c, "stock").await;
    c.goto(&format!("{base}/stock/moves")).await.unwrap();
    snap(&c, "moves").await;
    for (name, path) in [
        ("warehouses", "/warehouses"),
        ("listings", "/listings"),
        ("suppliers", "/suppliers"),
        ("shops", "/shops"),
        ("users", "/users"),
        ("audit", "/audit"),
        ("account", "/account"),
        ("order-new", "/orders/new"),
        ("order-rules", "/orders/rules"),
        ("routing", "/fulfillment/routing"),
        ("waves", "/waves"),
        ("fulfillment-report", "/fulfillment/report"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        snap(&c, name).await;
    }

    // 平台同步: the six simulated shops of the demo sync by themselves; the log shows a
    // successful run of each within seconds, and their orders are in the queue.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        c.goto(&format!("{base}/sync/runs?status=ok"))
            .await
            .unwrap();
        let table = c
            .find(Locator::Css("#sync-runs tbody"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let shops = ["TB01", "JD01", "PDD01", "DY01", "SHOPIFY01", "WOO01"];
        if shops.iter().all(|s| table.contains(s)) {
            break;
        }
        assert!(Instant::now() < deadline, "not every shop synced: {table}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    snap(&c, "sync-runs").await;
    c.goto(&format!("{base}/orders")).await.unwrap();
    snap(&c, "orders-live").await;
    c.goto(&format!("{base}/shops?q=TB01")).await.unwrap();
    let href = c
        .find(Locator::Css("a[href$='/sync']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{base}{href}")).await.unwrap();
    assert!(text(&c).await.contains("成功"), "the last run succeeded");
    snap(&c, "shop-sync").await;

    // Orders: import a file with a bad row, see the 异常 queue, fix an address, approve.
    let orders_file = dir.path().join("orders.csv");
    std::fs::write(
        &orders_file,
        "订单号,买家昵称,收货人,手机,省,市,区,详细地址,下单时间,付款时间,商家编码,商品名称,数量,单价,运费\n\
         WEB-1,web1,陈一,13800001111,浙江省,杭州市,,文三路1号,2026-11-20 09:00:00,2026-11-20 09:05:00,BT-001,杯子,1,19.90,0\n\
         WEB-2,web2,周二,13900002222,浙江省,杭州市,西湖区,文三路2号,2026-11-20 10:00:00,2026-11-20 10:01:00,BT-001,杯子,两,19.90,0\n\
         WEB-3,web3,吴三,13700003333,浙江省,杭州市,西湖区,文三路3号,2026-11-20 11:00:00,2026-11-20 11:01:00,BT-001,杯子,1,19.90,0\n\
         WEB-4,web3,吴三,13700003333,浙江省,杭州市,西湖区,文三路3号,2026-11-20 12:00:00,2026-11-20 12:01:00,BT-003,盘子,1,25.00,0\n",
    )
    .unwrap();
    c.goto(&format!("{base}/orders/import")).await.unwrap();
    c.execute(
        "document.querySelector('#import-orders select[name=format]').value = 'template';\
         const s = document.querySelector('#import-orders select[name=shop_id]');\
         s.selectedIndex = [...s.options].findIndex(o => o.text.includes('TB01'));",
        vec![],
    )
    .await
    .unwrap();
    c.find(Locator::Css("#import-orders input[name=file]"))
        .await
        .unwrap()
        .send_keys(orders_file.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "#import-orders button[type=submit]").await;
    let report = c
        .wait()
        .for_element(Locator::Css("#import-result"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        report.contains('3'),
        "row 3 (数量 两) is reported: {report}"
    );
    snap(&c, "order-import").await;
    c.goto(&format!("{base}/orders/exceptions")).await.unwrap();
    snap(&c, "order-exceptions").await;
    c.goto(&format!("{base}/orders?q=WEB-1")).await.unwrap();
    snap(&c, "orders").await;
    let href = c
        .find(Locator::Css("table a[href^='/orders/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{base}{href}")).await.unwrap();
    assert!(text(&c).await.contains("地址不全"));
    snap(&c, "order-detail").await;
    c.goto(&format!("{base}{href}/address")).await.unwrap();
    snap(&c, "order-address").await;
    c.execute(
        "const d = document.getElementById('district'); d.selectedIndex = [...d.options].findIndex(o => o.value === '西湖区');",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#save-address").await;
    wait_path(&c, |p| !p.ends_with("/address")).await;
    click(&c, "#approve").await;
    wait_text(&c, "已审核").await;

    // 分仓: allocate the approved orders from the page; the order page says where and why.
    c.goto(&format!("{base}/fulfillment")).await.unwrap();
    click(&c, "#allocate").await;
    c.wait()
        .for_element(Locator::Css("#allocate-notice"))
        .await
        .unwrap();
    snap(&c, "allocations").await;
    c.goto(&format!("{base}{href}")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#allocation"))
        .await
        .unwrap();
    let page = text(&c).await;
    assert!(page.contains("分仓依据") || page.contains("缺货"), "{page}");
    snap(&c, "order-allocated").await;

    // The same buyer ordered twice: merge the two orders from the list (合单).
    c.goto(&format!("{base}/orders?q=WEB-")).await.unwrap();
    c.execute(
        "for (const p of ['WEB-3', 'WEB-4']) {\
           document.querySelector(`tr[data-order='${p}'] input[name=ids]`).checked = true;\
         }",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#bulk-merge").await;
    if c.wait()
        .for_element(Locator::Css("[data-merge-group]"))
        .await
        .is_err()
    {
        panic!("no merge group shown: {}", text(&c).await);
    }
    let merged = c
        .find_all(Locator::Css("[data-merge-group]"))
        .await
        .unwrap()
        .len();
    assert_eq!(merged, 2, "both orders show their merge group");
    snap(&c, "orders-merged").await;

    // Export: the list's export link downloads an Excel workbook.
    c.goto(&format!("{base}/skus?q=BT-00")).await.unwrap();
    let href = c
        .find(Locator::Css("a[href*='export.xlsx']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let kind = c
        .execute(
            "return fetch(arguments[0]).then(r => r.headers.get('content-type') + ' ' + r.status);",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert!(
        kind.as_str().unwrap().contains("spreadsheetml") && kind.as_str().unwrap().ends_with("200"),
        "{kind}"
    );

    // Sign out.
    click(&c, "#logout").await;
    c.wait()
        .for_element(Locator::Css("#login-form"))
        .await
        .unwrap();
    snap(&c, "login").await;

    // A warehouse worker cannot open the users page.
    sign_in(&c, &base, "cang.ku", "warehouse-pass-1").await;
    assert!(!text(&c).await.contains("用户与角色"), "the menu hides it");
    c.goto(&format!("{base}/users")).await.unwrap();
    assert!(text(&c).await.contains("无权限"));
    // …but works with stock, also on a phone-sized screen.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/stock")).await.unwrap();
    let dims = c
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        dims[0].as_i64() <= dims[1].as_i64(),
        "the stock page fits a phone: {dims}"
    );
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("stock-phone.png"), png).unwrap();
    c.close().await.unwrap();
}

/// Calls the JSON API from the signed-in page (the page's script adds the CSRF header).
async fn api(c: &Client, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let out = c
        .execute(
            "const [m, p, b] = arguments;\
             const init = {method: m, headers: {'Content-Type': 'application/json'}};\
             if (m !== 'GET') { init.body = JSON.stringify(b); }\
             return fetch(p, init).then(r => r.json().then(j => [r.status, j]));",
            vec![json!(method), json!(path), body],
        )
        .await
        .unwrap();
    let status = out[0].as_i64().unwrap();
    assert!((200..300).contains(&status), "{method} {path}: {out}");
    out[1].clone()
}

/// Types into the scan station's input as a keyboard-wedge scanner does: the code, Enter.
async fn scan(c: &Client, code: &str) {
    let e = c.find(Locator::Css("#scan-code")).await.unwrap();
    e.send_keys(&format!("{code}\u{E007}")).await.unwrap();
}

/// Waits (up to 10 s) until the station is in `state`; returns its message.
async fn station(c: &Client, state: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = c
            .find(Locator::Css("#station"))
            .await
            .unwrap()
            .attr("data-state")
            .await
            .unwrap()
            .unwrap_or_default();
        let msg = c
            .find(Locator::Css("#scan-message"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if s == state {
            return msg;
        }
        assert!(
            Instant::now() < deadline,
            "station is {s}, not {state}: {msg}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_wave_is_picked_labelled_scanned_and_shipped_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_jxc, base, password) = start_jxc(dir.path());
    let (_driver, c) = start_browser().await;
    sign_in(&c, &base, "admin", &password).await;

    // A warehouse of its own with 5 波次T恤 at A-01-02, a manual shop, two orders.
    let wh = api(
        &c,
        "POST",
        "/api/v1/warehouses",
        json!({"code": "WV", "name": "波次仓", "province": "浙江省", "city": "杭州市",
               "district": "余杭区", "address": "仓前街道 8 号"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let loc = api(
        &c,
        "POST",
        "/api/v1/locations",
        json!({"warehouse_id": wh, "code": "A-01-02-1"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let sku = api(
        &c,
        "POST",
        "/api/v1/skus",
        json!({"code": "WAVE-TEE", "name": "波次T恤", "barcodes": ["6970000000011"], "list_price": 5900}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    api(
        &c,
        "POST",
        "/api/v1/stock/post/receipt",
        json!({"warehouse_id": wh, "lines": [{"sku_id": sku, "location_id": loc, "qty": 5, "unit_cost": 2000}]}),
    )
    .await;
    let shop = api(
        &c,
        "POST",
        "/api/v1/shops",
        json!({"code": "HAND", "name": "手工店", "platform": "manual"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut ids = Vec::new();
    for (buyer, qty) in [("陈一", 2), ("周二", 1)] {
        let o = api(
            &c,
            "POST",
            "/api/v1/orders/manual",
            json!({"shop_id": shop, "buyer_nick": buyer,
                   "receiver": {"name": buyer, "mobile": "13800001111", "province": "浙江省",
                                "city": "杭州市", "district": "西湖区", "detail": "文三路1号",
                                "phone": "", "town": "", "zip": ""},
                   "lines": [{"code": "WAVE-TEE", "qty": qty, "line_discount": 0}]}),
        )
        .await;
        ids.push(o["id"].as_i64().unwrap());
    }
    api(&c, "POST", "/api/v1/orders/approve", json!({"ids": ids})).await;
    let out = api(&c, "POST", "/api/v1/orders/allocate", json!({"ids": ids})).await;
    assert!(
        out.as_array()
            .unwrap()
            .iter()
            .all(|o| o["status"] == "allocated"),
        "{out}"
    );
    let waves = api(
        &c,
        "POST",
        "/api/v1/waves",
        json!({"warehouse_id": wh, "single_units_apart": false}),
    )
    .await;
    let wave = waves[0]["id"].as_i64().unwrap();

    // 发货设置 from its page.
    c.goto(&format!("{base}/shipping/setup")).await.unwrap();
    fill(&c, "input[name=carrier]", "yuantong").await;
    fill(&c, "input[name=sender_name]", "波次仓").await;
    fill(&c, "input[name=sender_phone]", "0571-88886666").await;
    click(&c, "#save").await;
    c.wait().for_element(Locator::Css("#saved")).await.unwrap();
    snap(&c, "shipping-setup").await;

    // The pick list: 3 波次T恤 at A-01-02-1.
    c.goto(&format!("{base}/waves/{wave}")).await.unwrap();
    let list = c
        .find(Locator::Css("#pick-lines"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("A-01-02-1") && list.contains("WAVE-TEE"),
        "{list}"
    );
    assert_eq!(
        c.find(Locator::Css("#units"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "3"
    );
    snap(&c, "pick-list").await;

    // 取号 and the labels, one per order.
    click(&c, "#labels-link").await;
    click(&c, "#take-labels").await;
    c.wait()
        .for_element(Locator::Css("section.label"))
        .await
        .unwrap();
    let labels = c.find_all(Locator::Css("section.label")).await.unwrap();
    assert_eq!(labels.len(), 2);
    let first = c
        .find(Locator::Css("section.label .label-no"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.starts_with("JXC"), "{first}");
    snap(&c, "labels").await;

    // The scan station: the label, a wrong item (refused loudly), then the right ones.
    c.goto(&format!("{base}/scan")).await.unwrap();
    scan(&c, &first).await;
    station(&c, "ok").await;
    let rows = c
        .find(Locator::Css("#scan-lines tbody"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rows.contains("WAVE-TEE"), "{rows}");
    let expected: i64 = c
        .find(Locator::Css("#scan-lines tbody td.num"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    scan(&c, "6900000000099").await;
    let msg = station(&c, "error").await;
    assert!(msg.contains("不是这一单的商品"), "{msg}");
    let sound = c
        .execute("return window.jxcLastSound;", vec![])
        .await
        .unwrap();
    assert_eq!(sound, json!("error"));
    let bg = c
        .execute(
            "return getComputedStyle(document.getElementById('station')).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(bg, json!("rgb(255, 235, 238)"), "the station turns red");
    snap(&c, "scan-wrong-item").await;
    // Shipping with items missing is refused too.
    click(&c, "#scan-ship").await;
    assert!(station(&c, "error").await.contains("还缺"));
    for _ in 0..expected {
        scan(&c, "6970000000011").await;
    }
    station(&c, "done").await;
    // One more is one too many.
    scan(&c, "6970000000011").await;
    assert!(station(&c, "error").await.contains("多扫"));
    fill(&c, "#scan-weight", "0.85").await;
    click(&c, "#scan-ship").await;
    let msg = station(&c, "shipped").await;
    assert!(msg.contains(&first), "{msg}");
    snap(&c, "scan-shipped").await;

    // The shipment and the stock ledger show the issue.
    c.goto(&format!("{base}/shipments?tracking_no={first}"))
        .await
        .unwrap();
    let row = text(&c).await;
    assert!(row.contains("已发货"), "{row}");
    snap(&c, "shipments").await;
    c.goto(&format!("{base}/stock/moves?q=WAVE-TEE"))
        .await
        .unwrap();
    let ledger = text(&c).await;
    assert!(ledger.contains("出库"), "{ledger}");
    let left = api(
        &c,
        "GET",
        &format!("/api/v1/stock/balances?sku_id={sku}"),
        json!(null),
    )
    .await;
    let on_hand: i64 = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["on_hand"].as_i64().unwrap())
        .sum();
    assert_eq!(on_hand, 5 - expected);
    c.close().await.unwrap();
}

/// Types into the count scanning page as a scanner gun does: the code, Enter.
async fn count_scan(c: &Client, code: &str) {
    let e = c.find(Locator::Css("#cs-code")).await.unwrap();
    e.send_keys(&format!("{code}\u{E007}")).await.unwrap();
}

/// Waits (up to 10 s) until the scanning page's message contains `want`.
async fn count_message(c: &Client, want: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let msg = c
            .find(Locator::Css("#cs-message"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if msg.contains(want) {
            return msg;
        }
        assert!(
            Instant::now() < deadline,
            "the page says {msg:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_count_is_scanned_on_a_phone_through_a_network_drop_and_posted() {
    if !browser_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_jxc, base, password) = start_jxc(dir.path());
    add_user(dir.path(), "pan.dian", "仓库", "count-pass-1");
    let (_driver, c) = start_browser().await;
    sign_in(&c, &base, "admin", &password).await;

    // A warehouse of its own: 6 tees on P-01-01-1, 3 cups on P-01-01-2; a count of it.
    let wh = api(
        &c,
        "POST",
        "/api/v1/warehouses",
        json!({"code": "PD", "name": "盘点仓", "province": "浙江省"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for (loc, code, barcode, qty) in [
        ("P-01-01-1", "COUNT-TEE", "6970000000028", 6),
        ("P-01-01-2", "COUNT-CUP", "6970000000035", 3),
    ] {
        let l = api(
            &c,
            "POST",
            "/api/v1/locations",
            json!({"warehouse_id": wh, "code": loc}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let sku = api(
            &c,
            "POST",
            "/api/v1/skus",
            json!({"code": code, "name": code, "barcodes": [barcode]}),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        api(
            &c,
            "POST",
            "/api/v1/stock/post/receipt",
            json!({"warehouse_id": wh, "lines": [{"sku_id": sku, "location_id": l, "qty": qty, "unit_cost": 1500}]}),
        )
        .await;
    }
    let count = api(
        &c,
        "POST",
        "/api/v1/stock-counts",
        json!({"warehouse_id": wh, "scope": "full", "blind": true}),
    )
    .await;
    let id = count["id"].as_i64().unwrap();
    assert_eq!(count["progress"]["lines"], 2, "{count}");
    c.delete_all_cookies().await.unwrap();

    // A warehouse worker on a phone.
    c.set_window_size(360, 740).await.unwrap();
    sign_in(&c, &base, "pan.dian", "count-pass-1").await;
    c.goto(&format!("{base}/counts/{id}/scan")).await.unwrap();
    count_scan(&c, "P-01-01-1").await;
    assert_eq!(
        c.find(Locator::Css("#cs-location"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "P-01-01-1"
    );
    fill(&c, "#cs-qty", "5").await;
    count_scan(&c, "6970000000028").await;
    count_message(&c, "COUNT-TEE = 5").await;
    snap(&c, "count-scan-phone").await;

    // The network drops: the next scan waits on the phone, then goes once.
    c.execute("window.jxcOffline = true;", vec![])
        .await
        .unwrap();
    count_scan(&c, "6970000000028").await;
    count_message(&c, "网络断开").await;
    let pending = c
        .find(Locator::Css("#cs-pending"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(pending, "1");
    c.execute("window.jxcOffline = false;", vec![])
        .await
        .unwrap();
    count_message(&c, "COUNT-TEE = 6").await;
    // Its answer is lost and the page sends it again: the server counts it once.
    c.execute(
        "const k = 'jxc-count-' + arguments[0] + '-queue';\
         localStorage.setItem(k, JSON.stringify([{scan_id: 'again-1', location: 'P-01-01-1', code: 'COUNT-TEE', qty: 1, lot_no: ''}]));",
        vec![json!(id)],
    )
    .await
    .unwrap();
    count_message(&c, "COUNT-TEE = 7").await;
    c.execute(
        "const k = 'jxc-count-' + arguments[0] + '-queue';\
         localStorage.setItem(k, JSON.stringify([{scan_id: 'again-1', location: 'P-01-01-1', code: 'COUNT-TEE', qty: 1, lot_no: ''}]));",
        vec![json!(id)],
    )
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let queued = "return localStorage.getItem('jxc-count-' + arguments[0] + '-queue');";
    while c.execute(queued, vec![json!(id)]).await.unwrap() != json!("[]") {
        assert!(
            Instant::now() < deadline,
            "the resent scan never left the phone"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let wrong = api(
        &c,
        "POST",
        &format!("/api/v1/stock-counts/{id}/scans"),
        json!({"scans": [{"scan_id": "minus-1", "location": "P-01-01-1", "code": "COUNT-TEE", "qty": -1}]}),
    )
    .await;
    assert_eq!(
        wrong[0]["counted"], 6,
        "a wrong scan is taken back: {wrong}"
    );

    // The cups' shelf is empty: 完成库位 counts them as 0.
    click(&c, "#cs-change").await;
    count_message(&c, "库位").await;
    count_scan(&c, "P-01-01-2").await;
    count_message(&c, "商品条码").await;
    c.execute("window.confirm = () => true;", vec![])
        .await
        .unwrap();
    click(&c, "#cs-close").await;
    count_message(&c, "P-01-01-2").await;

    // Submit from the count's page; the worker may not approve.
    c.goto(&format!("{base}/counts/{id}")).await.unwrap();
    let page = text(&c).await;
    assert!(page.contains("2 / 2"), "{page}");
    assert!(!page.contains("账面（盘点时）"), "blind");
    click(&c, "#count-submit").await;
    wait_path(&c, |p| p == format!("/counts/{id}")).await;
    assert!(text(&c).await.contains("待审核"));
    assert!(c.find(Locator::Css("#count-approve")).await.is_err());
    snap(&c, "count-phone").await;
    c.delete_all_cookies().await.unwrap();

    // The admin (who may approve) posts it: tees stay 6, cups go to 0.
    c.set_window_size(1366, 768).await.unwrap();
    sign_in(&c, &base, "admin", &password).await;
    c.goto(&format!("{base}/counts/{id}")).await.unwrap();
    click(&c, "#count-approve").await;
    c.wait()
        .for_element(Locator::Css("#count-status[data-status=posted]"))
        .await
        .unwrap();
    assert!(text(&c).await.contains("50.00%"));
    snap(&c, "count-posted").await;
    let bal = api(
        &c,
        "GET",
        &format!("/api/v1/stock/balances?warehouse_id={wh}"),
        json!(null),
    )
    .await;
    let qty = |code: &str| -> i64 {
        bal["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["sku_code"] == code)
            .map(|b| b["on_hand"].as_i64().unwrap())
            .sum()
    };
    assert_eq!((qty("COUNT-TEE"), qty("COUNT-CUP")), (6, 0), "{bal}");
    c.close().await.unwrap();
}
