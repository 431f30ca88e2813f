//! The stock pages as a merchant uses them: 库存余额 (按商品 / 按仓库 / 按库位), 库存流水,
//! 仓库与库位, 导入, and warehouse limits on the pages and the API. Every scenario that
//! touches the store runs on SQLite and on PostgreSQL.

mod common;

use common::{Page, TestServer};
use jxc_app::exports::{Cell, workbook};
use jxc_app::inventory::ReserveInput;
use jxc_app::{Actor, App};
use jxc_core::catalog::SkuInput;
use jxc_core::ids::{SkuId, WarehouseId};
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::users::UserInput;
use jxc_core::warehouses::WarehouseInput;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Runs a scenario once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($scenario:ident: $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $scenario(TestServer::start().await).await;
        }
        #[tokio::test]
        async fn $postgres() {
            $scenario(TestServer::start_postgres().await).await;
        }
    };
}

fn actor() -> Actor {
    Actor::system("test")
}

async fn warehouse(app: &App, code: &str, name: &str) -> WarehouseId {
    let input = WarehouseInput {
        code: Some(code.into()),
        name: Some(name.into()),
        ..Default::default()
    };
    app.create_warehouse(&input, &actor()).await.unwrap().id
}

async fn sku(app: &App, code: &str) -> SkuId {
    let input = SkuInput {
        code: Some(code.into()),
        name: Some(format!("商品 {code}")),
        ..Default::default()
    };
    app.create_sku(&input, &actor()).await.unwrap().id
}

async fn receive(app: &App, wh: WarehouseId, sku: SkuId, qty: i64, unit_cost: i64) -> String {
    let input = DocumentInput {
        warehouse_id: wh.0,
        lines: vec![LineInput {
            sku_id: sku.0,
            qty,
            unit_cost: Some(unit_cost),
            ..Default::default()
        }],
        ..Default::default()
    };
    app.post_document(DocumentKind::Receipt, &input, &actor())
        .await
        .unwrap()
        .summary
        .doc_no
}

async fn reserve(app: &App, wh: WarehouseId, sku: SkuId, qty: i64) {
    let input = ReserveInput {
        sku_id: sku.0,
        warehouse_id: wh.0,
        qty,
        ..Default::default()
    };
    app.reserve(&input, &actor()).await.unwrap();
}

/// The table row of SKU `code` (the first one), from `<tr data-sku="…">` to `</tr>`.
fn row_of<'a>(p: &'a Page, code: &str) -> Option<&'a str> {
    let start = p.body.find(&format!("data-sku=\"{code}\""))?;
    let rest = &p.body[start..];
    Some(&rest[..rest.find("</tr>").unwrap_or(rest.len())])
}

/// The text of the cell `col` in a row (tags inside it removed).
fn cell(row: &str, col: &str) -> String {
    let start = row
        .find(&format!("data-col=\"{col}\">"))
        .unwrap_or_else(|| panic!("no {col} in {row}"));
    let rest = &row[start..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    let inner = &rest[..rest.find("</td>").unwrap()];
    let mut text = String::new();
    let mut in_tag = false;
    for ch in inner.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_string()
}

fn assert_xlsx(p: &Page) {
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.content_type
            .starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "{}",
        p.content_type
    );
    assert!(p.bytes.starts_with(b"PK"), "not a zip");
}

// ------------------------------------------------------------------------------------
// 库存余额
// ------------------------------------------------------------------------------------

/// After receiving 10 of A at ¥12.50 in 上海仓, 按商品 shows 10 on hand, 10 available,
/// ¥125.00; reserving 3 shows 3 reserved and 7 available.
async fn receiving_and_reserving_show_in_the_by_sku_view(s: TestServer) {
    let sh = warehouse(&s.app, "SH", "上海仓").await;
    let a = sku(&s.app, "A").await;
    receive(&s.app, sh, a, 10, 1250).await;
    let b = s.browser_as("kefu", &["客服"]).await;

    let p = b.get("/stock").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let r = row_of(&p, "A").expect("A is listed");
    assert_eq!(cell(r, "on_hand"), "10");
    assert_eq!(cell(r, "reserved"), "0");
    assert_eq!(cell(r, "available"), "10");
    assert_eq!(cell(r, "value"), "¥125.00");

    reserve(&s.app, sh, a, 3).await;
    let p = b.get("/stock").await;
    let r = row_of(&p, "A").unwrap();
    assert_eq!(
        (
            cell(r, "on_hand"),
            cell(r, "reserved"),
            cell(r, "available")
        ),
        ("10".into(), "3".into(), "7".into())
    );
    assert_eq!(cell(r, "value"), "¥125.00");

    // The same stock by warehouse and by location.
    let p = b.get("/stock?view=warehouse").await;
    let r = row_of(&p, "A").unwrap();
    assert!(r.contains("上海仓"), "{r}");
    assert_eq!(cell(r, "available"), "7");
    let p = b.get("/stock?view=location").await;
    let r = row_of(&p, "A").unwrap();
    assert!(r.contains("DEFAULT"), "{r}");
    assert_eq!(cell(r, "reserved"), "3");

    // Filters: text and warehouse.
    let p = b.get("/stock?q=zzz").await;
    assert!(row_of(&p, "A").is_none());
    let p = b.get(&format!("/stock?warehouse_id={}", sh.0)).await;
    assert!(row_of(&p, "A").is_some());
    let p = b.get("/stock?warehouse_id=abc").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.contains("field-error") || p.contains("alert error"),
        "{}",
        p.body
    );

    // Each view exports.
    for view in ["", "warehouse", "location"] {
        assert_xlsx(&b.get(&format!("/stock/export.xlsx?view={view}&q=A")).await);
    }
}
on_both!(receiving_and_reserving_show_in_the_by_sku_view:
    by_sku_view_shows_receipts_and_reservations_sqlite,
    by_sku_view_shows_receipts_and_reservations_postgres);

/// Low stock: a SKU with no stock and one with 3 available are listed under `low=1`
/// (threshold 5); one with 50 is not.
async fn low_stock_lists_skus_without_stock_and_under_the_threshold(s: TestServer) {
    let sh = warehouse(&s.app, "SH", "上海仓").await;
    sku(&s.app, "EMPTY").await;
    let three = sku(&s.app, "THREE").await;
    let fifty = sku(&s.app, "FIFTY").await;
    receive(&s.app, sh, three, 3, 100).await;
    receive(&s.app, sh, fifty, 50, 100).await;
    assert_eq!(s.app.low_stock_at_most().await.unwrap(), 5);
    let b = s.admin().await;

    let p = b.get("/stock?low=1").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.contains("id=\"low-rule\""));
    assert_eq!(
        cell(row_of(&p, "EMPTY").expect("no stock is low"), "available"),
        "0"
    );
    assert_eq!(
        cell(row_of(&p, "THREE").expect("3 is low"), "available"),
        "3"
    );
    assert!(row_of(&p, "FIFTY").is_none(), "50 is not low");
    // Without the filter only SKUs with stock are listed.
    let p = b.get("/stock").await;
    assert!(row_of(&p, "EMPTY").is_none());
    assert!(row_of(&p, "FIFTY").is_some());
    // The dashboard's tile links here and counts the same SKUs.
    let home = b.get("/").await;
    assert!(home.contains("href=\"/stock?low=1\""));
    assert!(home.contains("id=\"low-stock\">2<"), "{}", home.body);
    assert_xlsx(&b.get("/stock/export.xlsx?low=1").await);
}
on_both!(low_stock_lists_skus_without_stock_and_under_the_threshold:
    low_stock_lists_empty_and_low_skus_sqlite,
    low_stock_lists_empty_and_low_skus_postgres);

// ------------------------------------------------------------------------------------
// Warehouse limits
// ------------------------------------------------------------------------------------

/// A user limited to 上海仓 does not see 广州仓's stock on the pages or through the API,
/// and posting or reserving in 广州仓 through the API is 403.
async fn a_user_limited_to_one_warehouse_sees_and_changes_only_that_one(s: TestServer) {
    let sh = warehouse(&s.app, "SH", "上海仓").await;
    let gz = warehouse(&s.app, "GZ", "广州仓").await;
    let a = sku(&s.app, "A").await;
    let sh_doc = receive(&s.app, sh, a, 10, 1250).await;
    let gz_doc = receive(&s.app, gz, a, 20, 1000).await;
    let user = s.add_user("shanghai", &["仓库"]).await;
    let limit = UserInput {
        warehouse_ids: Some(vec![sh.0]),
        ..Default::default()
    };
    s.app.update_user(user.id, &limit, &actor()).await.unwrap();
    let b = s.sign_in("shanghai", "pass-shanghai-1").await;

    // 按商品 sums only 上海仓.
    let p = b.get("/stock").await;
    let r = row_of(&p, "A").unwrap();
    assert_eq!(cell(r, "on_hand"), "10");
    assert_eq!(cell(r, "value"), "¥125.00");
    // The warehouse select offers only 上海仓; 广州仓 appears nowhere.
    for path in [
        "/stock",
        "/stock?view=warehouse",
        "/stock?view=location",
        "/stock/moves",
    ] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        assert!(p.contains("SH 上海仓"), "{path} offers 上海仓");
        assert!(!p.contains("广州仓"), "{path} shows 广州仓");
        assert!(!p.contains(&gz_doc), "{path} shows {gz_doc}");
    }
    assert!(b.get("/stock/moves").await.contains(&sh_doc));
    // Asking for 广州仓 is refused.
    for path in [
        format!("/stock?warehouse_id={}", gz.0),
        format!("/stock/moves?warehouse_id={}", gz.0),
        format!("/stock/export.xlsx?warehouse_id={}", gz.0),
        format!("/warehouses/{}", gz.0),
    ] {
        assert_eq!(b.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let p = b.get("/warehouses").await;
    assert!(p.contains("上海仓") && !p.contains("广州仓"), "{}", p.body);

    // The API keeps to 上海仓 too.
    let (st, page) = b.api(Method::GET, "/api/v1/stock/balances", None).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|i| i["warehouse_id"] == json!(sh.0)),
        "{page}"
    );
    let (st, _) = b
        .api(
            Method::GET,
            &format!("/api/v1/stock/balances?warehouse_id={}", gz.0),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (_, moves) = b.api(Method::GET, "/api/v1/stock/moves", None).await;
    assert!(
        moves["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["warehouse_id"] == json!(sh.0)),
        "{moves}"
    );
    let (_, docs) = b.api(Method::GET, "/api/v1/stock/documents", None).await;
    assert_eq!(docs["items"].as_array().unwrap().len(), 1, "{docs}");
    let (_, totals) = b.api(Method::GET, "/api/v1/stock/totals", None).await;
    assert_eq!(totals.as_array().unwrap().len(), 1, "{totals}");

    // Posting and reserving in 广州仓 are refused; in 上海仓 they work.
    let receipt = |wh: WarehouseId| json!({"warehouse_id": wh.0, "lines": [{"sku_id": a.0, "qty": 1, "unit_cost": 100}]});
    let (st, body) = b
        .api(
            Method::POST,
            "/api/v1/stock/post/receipt",
            Some(receipt(gz)),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = b
        .api(
            Method::POST,
            "/api/v1/stock/post/receipt",
            Some(receipt(sh)),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let hold = |wh: WarehouseId| json!({"sku_id": a.0, "warehouse_id": wh.0, "qty": 1});
    let (st, _) = b
        .api(Method::POST, "/api/v1/stock/reservations", Some(hold(gz)))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = b
        .api(Method::POST, "/api/v1/stock/reservations", Some(hold(sh)))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    // Releasing a reservation of 广州仓 is refused too.
    let gz_hold = s
        .app
        .reserve(
            &ReserveInput {
                sku_id: a.0,
                warehouse_id: gz.0,
                qty: 2,
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
    let (st, _) = b
        .api(
            Method::POST,
            &format!("/api/v1/stock/reservations/{}/release", gz_hold[0].id.0),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    s.app.release(&[gz_hold[0].id], &actor()).await.unwrap();
    // Nothing changed in 广州仓.
    let admin = s.admin().await;
    let p = admin
        .get(&format!("/stock?view=warehouse&warehouse_id={}", gz.0))
        .await;
    let r = row_of(&p, "A").unwrap();
    assert_eq!(
        (cell(r, "on_hand"), cell(r, "reserved")),
        ("20".into(), "0".into())
    );
    assert!(s.app.check().await.unwrap().is_clean());
}
on_both!(a_user_limited_to_one_warehouse_sees_and_changes_only_that_one:
    a_warehouse_limit_holds_on_pages_and_api_sqlite,
    a_warehouse_limit_holds_on_pages_and_api_postgres);

// ------------------------------------------------------------------------------------
// 库存流水
// ------------------------------------------------------------------------------------

async fn the_ledger_filters_by_warehouse_and_exports(s: TestServer) {
    let sh = warehouse(&s.app, "SH", "上海仓").await;
    let gz = warehouse(&s.app, "GZ", "广州仓").await;
    let a = sku(&s.app, "A").await;
    let sh_doc = receive(&s.app, sh, a, 10, 1250).await;
    let gz_doc = receive(&s.app, gz, a, 4, 900).await;
    let b = s.browser_as("caiwu", &["财务"]).await;

    let p = b.get("/stock/moves").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    // Newest first.
    let (i_sh, i_gz) = (p.body.find(&sh_doc).unwrap(), p.body.find(&gz_doc).unwrap());
    assert!(i_gz < i_sh, "newest first");
    let p = b.get(&format!("/stock/moves?warehouse_id={}", sh.0)).await;
    assert!(p.contains(&sh_doc) && !p.contains(&gz_doc), "{}", p.body);
    assert!(p.contains("+10"));
    let p = b.get("/stock/moves?kind=issue").await;
    assert!(!p.contains(&sh_doc));
    let p = b.get("/stock/moves?q=a&kind=receipt").await;
    assert!(p.contains(&sh_doc) && p.contains(&gz_doc));
    let p = b.get("/stock/moves?from=2000-01-01&to=2000-01-02").await;
    assert!(!p.contains(&sh_doc));
    let p = b.get("/stock/moves?from=yesterday").await;
    assert!(p.contains("alert error"), "{}", p.body);
    let p = b.get("/stock/moves?kind=nonsense").await;
    assert!(p.contains("alert error"));

    let x = b
        .get(&format!("/stock/moves/export.xlsx?warehouse_id={}", sh.0))
        .await;
    assert_xlsx(&x);
    assert!(x.bytes.len() > 1000);
}
on_both!(the_ledger_filters_by_warehouse_and_exports:
    the_ledger_filters_by_warehouse_and_exports_sqlite,
    the_ledger_filters_by_warehouse_and_exports_postgres);

// ------------------------------------------------------------------------------------
// 仓库与库位
// ------------------------------------------------------------------------------------

async fn warehouses_and_locations_are_created_and_edited(s: TestServer) {
    let b = s.browser_as("cangguan", &["仓库"]).await;
    let p = b.get("/warehouses/new").await;
    assert_eq!(p.status, StatusCode::OK);

    // A bad form comes back with the errors next to the fields.
    let p = b
        .post(
            "/warehouses",
            &[("code", ""), ("name", "上海仓"), ("daily_capacity", "many")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("data-field=\"code\""), "{}", p.body);
    assert!(p.contains("data-field=\"daily_capacity\""));
    assert!(p.contains("value=\"上海仓\""), "what was typed stays");

    let p = b
        .post(
            "/warehouses",
            &[
                ("code", "SH"),
                ("name", "上海仓"),
                ("kind", "3pl"),
                ("province", "上海市"),
                ("city", "上海市"),
                ("district", "青浦区"),
                ("priority", "1"),
                ("daily_capacity", "3000"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let detail = p.location.unwrap();
    assert!(detail.starts_with("/warehouses/"));
    let p = b.get(&detail).await;
    assert!(
        p.contains("青浦区") && p.contains("3000") && p.contains("第三方仓"),
        "{}",
        p.body
    );
    assert!(p.contains("alert ok"));
    let id = detail
        .trim_start_matches("/warehouses/")
        .split('?')
        .next()
        .unwrap()
        .to_string();

    // The same code again is reported on the code field.
    let p = b
        .post("/warehouses", &[("code", "SH"), ("name", "又一个")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("data-field=\"code\""), "{}", p.body);

    // Locations: create, a duplicate code next to the code field, edit.
    let p = b
        .post(
            &format!("/warehouses/{id}/locations"),
            &[("code", "A-01-02-03"), ("pick_seq", "10"), ("active", "1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b
        .post(
            &format!("/warehouses/{id}/locations"),
            &[("code", "A-01-02-03"), ("pick_seq", "20")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = p
        .body
        .split("data-field=\"code\">")
        .nth(1)
        .expect("the error is next to the code field");
    assert!(!err.starts_with('<'), "{}", p.body);
    let p = b
        .post(
            &format!("/warehouses/{id}/locations"),
            &[("code", "B 01"), ("pick_seq", "x")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("data-field=\"code\"") && p.contains("data-field=\"pick_seq\""));

    let p = b.get(&format!("/warehouses/{id}")).await;
    let loc = p
        .body
        .split("href=\"/locations/")
        .skip(1)
        .map(|r| r.split('/').next().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(loc.len(), 2, "DEFAULT and A-01-02-03: {}", p.body);
    assert!(
        p.contains("A-01-02-03") && p.contains(">A<"),
        "zone from the code"
    );
    let a_loc = p
        .body
        .split("A-01-02-03")
        .nth(1)
        .and_then(|r| r.split("href=\"/locations/").nth(1))
        .map(|r| r.split('/').next().unwrap().to_string())
        .unwrap();
    let p = b.get(&format!("/locations/{a_loc}/edit")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.contains("value=\"A-01-02-03\""));
    let p = b
        .post(
            &format!("/locations/{a_loc}"),
            &[("code", "A-01-02-03"), ("zone", "冷藏"), ("pick_seq", "5")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get(&format!("/warehouses/{id}")).await;
    assert!(
        p.contains("冷藏") && p.contains("tag off"),
        "inactive now: {}",
        p.body
    );

    // Edit the warehouse.
    let p = b.get(&format!("/warehouses/{id}/edit")).await;
    assert!(p.contains("value=\"上海仓\""));
    let p = b
        .post(
            &format!("/warehouses/{id}"),
            &[
                ("code", "SH"),
                ("name", "上海青浦仓"),
                ("kind", "own"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let list = b.get("/warehouses?q=青浦").await;
    assert!(list.contains("上海青浦仓"), "{}", list.body);
    assert!(!b.get("/warehouses?q=zzz").await.contains("上海青浦仓"));
    assert_xlsx(&b.get("/warehouses/export.xlsx?q=SH").await);

    // A viewer sees but does not edit.
    let v = s.browser_as("kanban", &["只读"]).await;
    let p = v.get(&format!("/warehouses/{id}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.contains("id=\"new-location\""));
    assert_eq!(v.get("/warehouses/new").await.status, StatusCode::FORBIDDEN);
    let p = v.post("/warehouses", &[("code", "X"), ("name", "X")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}
on_both!(warehouses_and_locations_are_created_and_edited:
    warehouses_and_locations_are_created_and_edited_sqlite,
    warehouses_and_locations_are_created_and_edited_postgres);

// ------------------------------------------------------------------------------------
// 导入
// ------------------------------------------------------------------------------------

fn sku_sheet(rows: &[[&str; 3]]) -> Vec<u8> {
    workbook(
        "商品",
        &[("商家编码", 20), ("商品名称", 30), ("售价", 10)],
        rows.iter()
            .map(|r| r.iter().map(|c| Cell::text(c)).collect())
            .collect(),
    )
    .unwrap()
}

async fn sku_codes(b: &common::Browser, q: &str) -> Vec<String> {
    let (_, page) = b
        .api(Method::GET, &format!("/api/v1/skus?q={q}&limit=100"), None)
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn importing_skus_reports_the_bad_row_and_keeps_the_others() {
    let s = TestServer::start().await;
    let b = s.browser_as("caigou", &["采购"]).await;
    let p = b.get("/imports").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.contains("id=\"import-skus\"") && !p.contains("id=\"import-stock\""));
    assert!(p.contains("action=\"/imports/skus?_csrf="));
    assert!(p.contains("href=\"/skus/export.xlsx\""));

    // CSV: row 3 has a negative price.
    let csv = "商家编码,商品名称,售价\nIMP-1,围巾,59.00\nIMP-2,手套,-5\nIMP-3,帽子,39.90\n";
    let p = b.upload("/imports/skus", "skus.csv", csv.into(), &[]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.contains("data-count=\"created\">2<"), "{}", p.body);
    assert!(p.contains("data-count=\"failed\">1<"));
    let bad = p
        .body
        .split("data-row=\"3\"")
        .nth(1)
        .expect("row 3 is reported")
        .split("</tr>")
        .next()
        .unwrap()
        .to_string();
    assert!(bad.contains("list_price") && bad.contains("售价"), "{bad}");
    assert_eq!(sku_codes(&b, "IMP-").await, vec!["IMP-1", "IMP-3"]);

    // Fixed and uploaded again: the fixed row is created, the others are unchanged.
    let csv = "商家编码,商品名称,售价\nIMP-1,围巾,59.00\nIMP-2,手套,5\nIMP-3,帽子,39.90\n";
    let p = b.upload("/imports/skus", "skus.csv", csv.into(), &[]).await;
    assert!(p.contains("data-count=\"created\">1<"), "{}", p.body);
    assert!(p.contains("data-count=\"unchanged\">2<"));
    assert!(p.contains("data-count=\"failed\">0<"));
    assert_eq!(sku_codes(&b, "IMP-").await, vec!["IMP-1", "IMP-2", "IMP-3"]);

    // xlsx: row 2 has no code.
    let xlsx = sku_sheet(&[
        ["", "无编码", "10"],
        ["XL-1", "毛衣", "199"],
        ["XL-2", "裤子", "99.5"],
    ]);
    let p = b.upload("/imports/skus", "商品.xlsx", xlsx, &[]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.contains("data-count=\"created\">2<"), "{}", p.body);
    let bad = p
        .body
        .split("data-row=\"2\"")
        .nth(1)
        .expect("row 2 is reported");
    assert!(bad.split("</tr>").next().unwrap().contains("code"));
    assert_eq!(sku_codes(&b, "XL-").await, vec!["XL-1", "XL-2"]);

    // A file the import cannot read at all, and no file.
    let p = b
        .upload("/imports/skus", "x.csv", "foo,bar\n1,2\n".into(), &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("alert error"), "{}", p.body);
    let p = b
        .upload("/imports/skus", "empty.csv", Vec::new(), &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Without the CSRF token the upload is refused and nothing is imported.
    let mut forged = s.sign_in("caigou", "pass-caigou-1").await;
    forged.csrf = String::new();
    let csv = "商家编码,商品名称\nFORGED,伪造\n";
    let p = forged
        .upload("/imports/skus", "x.csv", csv.into(), &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    forged.csrf = "0123456789".into();
    let p = forged
        .upload("/imports/skus", "x.csv", csv.into(), &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(sku_codes(&b, "FORGED").await.is_empty());

    // A role without 商品 editing neither sees the form nor may post it.
    let w = s.browser_as("cangku", &["仓库"]).await;
    let p = w.get("/imports").await;
    assert!(!p.contains("id=\"import-skus\"") && p.contains("id=\"import-stock\""));
    let p = w.upload("/imports/skus", "x.csv", csv.into(), &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn importing_opening_stock_shows_the_documents_and_the_bad_rows() {
    let s = TestServer::start().await;
    warehouse(&s.app, "SH", "上海仓").await;
    sku(&s.app, "A").await;
    sku(&s.app, "B").await;
    let b = s.browser_as("cangku", &["仓库"]).await;
    let t = b.get("/imports/stock-template.csv").await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.body.contains("仓库编码,库位,商家编码"));

    let csv = "仓库编码,商家编码,数量,单位成本\nSH,A,10,12.50\nSH,NOPE,5,1\nSH,B,3,2\n";
    let p = b
        .upload("/imports/stock", "期初.csv", csv.into(), &[])
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.contains("data-count=\"posted\">2<"), "{}", p.body);
    assert!(p.contains("data-count=\"failed\">1<"));
    assert!(p.contains("data-row=\"3\""));
    let p = b.get("/stock").await;
    assert_eq!(cell(row_of(&p, "A").unwrap(), "value"), "¥125.00");
    // The same file again posts nothing.
    let p = b
        .upload("/imports/stock", "期初.csv", csv.into(), &[])
        .await;
    assert!(p.contains("data-count=\"posted\">0<"), "{}", p.body);
    assert!(p.contains("data-row=\"0\""));

    // A user limited to some warehouses may not import opening stock.
    let limited = s.add_user("limited", &["仓库"]).await;
    let sh = s
        .app
        .store
        .get_warehouse_by_code("SH")
        .await
        .unwrap()
        .unwrap();
    let limit = UserInput {
        warehouse_ids: Some(vec![sh.id.0]),
        ..Default::default()
    };
    s.app
        .update_user(limited.id, &limit, &actor())
        .await
        .unwrap();
    let l = s.sign_in("limited", "pass-limited-1").await;
    assert!(l.get("/imports").await.contains("id=\"stock-limited\""));
    let p = l.upload("/imports/stock", "b.csv", csv.into(), &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

/// 临期/过期: milk in three lots (expired, in 10 days, in 400 days). "Within 30 days"
/// lists the first two, the expired one tagged; the API answers the same; a bad number
/// is said plainly.
async fn near_expiry_lots_are_listed_and_the_expired_ones_tagged(s: TestServer) {
    let app = &s.app;
    let wh = warehouse(app, "COLD", "冷库").await;
    let milk = app
        .create_sku(
            &SkuInput {
                code: Some("MILK".into()),
                name: Some("鲜牛奶".into()),
                tracking: Some("lot_expiry".into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id;
    let today = app.today();
    let lot = |no: &str, days: i64| LineInput {
        sku_id: milk.0,
        qty: 6,
        unit_cost: Some(500),
        lot_no: Some(no.into()),
        expiry_date: Some(today + chrono::Duration::days(days)),
        ..Default::default()
    };
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: wh.0,
            lines: vec![lot("GONE", -2), lot("SOON", 10), lot("LATE", 400)],
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
    let admin = s.admin().await;
    let by = today + chrono::Duration::days(30);
    let (st, body) = admin
        .api(
            Method::GET,
            &format!("/api/v1/stock/balances?expires_by={by}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let mut lots: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["lot_no"].as_str().unwrap())
        .collect();
    lots.sort();
    assert_eq!(lots, ["GONE", "SOON"]);
    let page = admin.get("/stock?view=location&expires_within=30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("GONE") && page.contains("SOON") && !page.contains("LATE"));
    assert_eq!(
        page.body.matches("<span class=\"tag warn\">已过期").count(),
        1,
        "{}",
        page.body
    );
    let bad = admin.get("/stock?view=location&expires_within=soon").await;
    assert!(bad.contains("到期天数为 0–3650"), "{}", bad.body);
    assert!(!bad.contains("SOON"), "nothing listed on a bad filter");
}

on_both!(near_expiry_lots_are_listed_and_the_expired_ones_tagged: near_expiry_lots_are_listed_on_sqlite, near_expiry_lots_are_listed_on_postgres);
