//! The 商品 and 往来 pages, used through a browser-like client against the real server:
//! SKUs, bundles, platform listings, suppliers, customers and shops.

mod common;

use common::{Browser, Page, TestServer};
use jxc_app::Actor;
use jxc_core::catalog::SkuInput;
use jxc_core::money::Fen;
use jxc_core::paging::PageRequest;
use jxc_store::SkuFilter;
use reqwest::StatusCode;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Creates a SKU through the app (the pages under test are elsewhere).
async fn sku(server: &TestServer, code: &str, name: &str) -> i64 {
    server
        .app
        .create_sku(
            &SkuInput {
                code: Some(code.into()),
                name: Some(name.into()),
                ..Default::default()
            },
            &Actor::system("test"),
        )
        .await
        .unwrap()
        .id
        .0
}

/// Every SKU code in the store, in code order.
async fn codes(server: &TestServer) -> Vec<String> {
    let page = PageRequest::new(Some(1000), None, false).unwrap();
    server
        .app
        .skus(&SkuFilter::default(), &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.fields.code)
        .collect()
}

/// The id at the end of a redirect to `/skus/{id}?ok=…`.
fn id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/skus/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no id in {location}"))
}

/// The text of the element with `id="ID"` up to its closing tag (good enough for cells).
fn element(page: &Page, id: &str) -> String {
    page.body
        .split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|r| r.split_once('>'))
        .map(|(_, r)| r.split("</").next().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no #{id} in {}", page.body))
}

/// The id of the first row link `href="{base}/{id}…"` on a list page.
fn first_id(page: &Page, base: &str) -> String {
    page.body
        .split(&format!("href=\"{base}/"))
        .skip(1)
        .map(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .find(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("no row link to {base} in {}", page.body))
}

/// The field error shown next to `field`, if any.
fn field_error(page: &Page, field: &str) -> Option<String> {
    page.body
        .split(&format!("class=\"field-error\" data-field=\"{field}\">"))
        .nth(1)
        .map(|r| r.split("</div>").next().unwrap_or("").to_string())
}

fn sku_form<'a>(code: &'a str, name: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("name", name),
        ("unit", "件"),
        ("list_price", price),
        ("default_cost", ""),
        ("tracking", "none"),
        ("barcodes", ""),
    ]
}

// ---------------------------------------------------------------------------------------
// 商品: create, refuse, show
// ---------------------------------------------------------------------------------------

async fn a_negative_price_is_refused_and_12_50_is_saved_as_1250_fen(server: TestServer) {
    let admin = server.admin().await;

    // A negative price: the form comes back with what was typed and the reason at the price.
    let refused = admin
        .post("/skus/new", &sku_form("TS-BLK-L", "纯棉T恤 黑色 L", "-1"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = field_error(&refused, "list_price").expect("a reason next to the price");
    assert!(reason.contains("售价不能为负数"), "{reason}");
    assert!(refused.contains("class=\"has-error\">售价(元)"));
    assert!(
        refused.contains("value=\"TS-BLK-L\""),
        "what was typed stays"
    );
    assert!(refused.contains("value=\"-1\""));
    assert!(codes(&server).await.is_empty(), "nothing is saved");

    // Not an amount at all, an unknown unit and an empty name: each reported at its field.
    let mut bad = sku_form("TS-BLK-L", "", "abc");
    bad[2] = ("unit", "吨");
    let refused = admin.post("/skus/new", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&refused, "list_price").unwrap().contains("abc"));
    assert!(field_error(&refused, "unit").unwrap().contains("吨"));
    assert!(field_error(&refused, "name").is_some());
    assert!(codes(&server).await.is_empty());

    // 12.50 yuan is 1250 分, shown again as 12.50.
    let saved = admin
        .post(
            "/skus/new",
            &sku_form("TS-BLK-L", "纯棉T恤 黑色 L", "12.50"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_in(saved.location.as_deref().unwrap());
    let stored = server.app.sku(jxc_core::ids::SkuId(id)).await.unwrap();
    assert_eq!(stored.fields.list_price, Fen(1250));
    let detail = admin.get(&format!("/skus/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(element(&detail, "list-price"), "12.50");
    assert!(detail.contains(&format!("href=\"/stock?sku_id={id}\"")));
    assert!(detail.contains(&format!("href=\"/stock/moves?sku_id={id}\"")));

    // The same code again is refused at the code.
    let again = admin
        .post("/skus/new", &sku_form("TS-BLK-L", "另一个", "1"))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&again, "code").is_some(), "{}", again.body);

    // Editing keeps the price in yuan; a barcode of another SKU is refused at the barcodes.
    let other = sku(&server, "TS-WHT-L", "纯棉T恤 白色 L").await;
    server
        .app
        .update_sku(
            jxc_core::ids::SkuId(other),
            &SkuInput {
                barcodes: Some(vec!["6901234567892".into()]),
                ..Default::default()
            },
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let edit = admin.get(&format!("/skus/{id}/edit")).await;
    assert!(edit.contains("value=\"12.50\""), "{}", edit.body);
    let mut form = sku_form("TS-BLK-L", "纯棉T恤 黑色 L", "99.90");
    form.push(("active", "1"));
    form[6] = ("barcodes", "6901234567892");
    let dup = admin.post(&format!("/skus/{id}/edit"), &form).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&dup, "barcodes").unwrap().contains("条码"));
    form[6] = ("barcodes", "6909999999999\n6908888888888");
    let ok = admin.post(&format!("/skus/{id}/edit"), &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let stored = server.app.sku(jxc_core::ids::SkuId(id)).await.unwrap();
    assert_eq!(stored.fields.list_price, Fen(9990));
    assert_eq!(stored.fields.barcodes.len(), 2);
}

#[tokio::test]
async fn a_negative_price_is_refused_and_12_50_is_saved_as_1250_fen_on_sqlite() {
    a_negative_price_is_refused_and_12_50_is_saved_as_1250_fen(TestServer::start().await).await;
}

#[tokio::test]
async fn a_negative_price_is_refused_and_12_50_is_saved_as_1250_fen_on_postgres() {
    a_negative_price_is_refused_and_12_50_is_saved_as_1250_fen(TestServer::start_postgres().await)
        .await;
}

#[tokio::test]
async fn a_name_with_a_script_tag_is_shown_as_text() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let saved = admin
        .post(
            "/skus/new",
            &sku_form("XSS-1", "<script>alert(1)</script>", "1"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_in(saved.location.as_deref().unwrap());
    for path in [
        "/skus".to_string(),
        format!("/skus/{id}"),
        format!("/skus/{id}/edit"),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        // askama writes `<` as `&#60;`; either entity is the tag as text.
        assert!(
            page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
            "{path}"
        );
        assert!(!page.contains("<script>alert(1)"), "{path}: raw tag");
    }
}

#[tokio::test]
async fn deactivating_a_sku_shows_it_as_inactive_and_activating_brings_it_back() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let id = sku(&server, "OLD-1", "旧款").await;
    let page = admin.get(&format!("/skus/{id}")).await;
    assert!(page.contains("data-confirm=\"确定要停用吗？\""));
    let off = admin.post(&format!("/skus/{id}/deactivate"), &[]).await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(
        !server
            .app
            .sku(jxc_core::ids::SkuId(id))
            .await
            .unwrap()
            .fields
            .active
    );
    let inactive = admin.get("/skus?active=false").await;
    assert!(inactive.contains("OLD-1"));
    assert!(!admin.get("/skus?active=true").await.contains("OLD-1"));
    let on = admin.post(&format!("/skus/{id}/activate"), &[]).await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert!(
        server
            .app
            .sku(jxc_core::ids::SkuId(id))
            .await
            .unwrap()
            .fields
            .active
    );
    // Without the form's token nothing changes.
    let forged = admin.post_raw(&format!("/skus/{id}/deactivate"), &[]).await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    assert!(
        server
            .app
            .sku(jxc_core::ids::SkuId(id))
            .await
            .unwrap()
            .fields
            .active
    );
}

// ---------------------------------------------------------------------------------------
// Who may do what
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_warehouse_sees_skus_but_may_not_create_and_a_viewer_gets_no_new_button() {
    let server = TestServer::start().await;
    sku(&server, "TS-01", "T恤").await;

    let warehouse = server.browser_as("wh1", &["仓库"]).await;
    let list = warehouse.get("/skus").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains("TS-01"));
    assert!(!list.contains("id=\"new-sku\""));
    assert_eq!(
        warehouse.get("/skus/new").await.status,
        StatusCode::FORBIDDEN
    );
    let post = warehouse
        .post("/skus/new", &sku_form("WH-1", "仓库建的", "1"))
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert_eq!(codes(&server).await, vec!["TS-01"]);

    let viewer = server.browser_as("viewer1", &["只读"]).await;
    let list = viewer.get("/skus").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.contains("id=\"new-sku\""));
    assert!(!viewer.get("/skus/1").await.contains("id=\"edit-sku\""));

    let admin = server.admin().await;
    assert!(admin.get("/skus").await.contains("id=\"new-sku\""));
}

// ---------------------------------------------------------------------------------------
// Lists: filters, paging, export
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_export_holds_exactly_the_filtered_skus_and_imports_back() {
    let server = TestServer::start().await;
    for (code, name) in [("TS-01", "T恤 1"), ("TS-02", "T恤 2"), ("CAP-01", "帽子")] {
        sku(&server, code, name).await;
    }
    let admin = server.admin().await;
    let list = admin.get("/skus?q=TS-").await;
    assert!(
        list.contains("href=\"/skus/export.xlsx?q=TS-\""),
        "the export link keeps the filter"
    );
    let file = admin.get("/skus/export.xlsx?q=TS-").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.content_type, XLSX);
    assert!(file.bytes.starts_with(b"PK"));

    // The file, imported into an empty database, gives exactly the two filtered SKUs.
    let other = TestServer::start().await;
    let report = other
        .app
        .import_skus("skus.xlsx", &file.bytes, &Actor::system("test"))
        .await
        .unwrap();
    assert_eq!(report.total_rows, 2, "{report:?}");
    assert_eq!(codes(&other).await, vec!["TS-01", "TS-02"]);
}

#[tokio::test]
async fn with_two_rows_a_page_the_next_link_leads_to_the_following_rows() {
    let server = TestServer::start().await;
    for n in 1..=5 {
        sku(&server, &format!("P-{n:02}"), &format!("商品 {n}")).await;
    }
    let admin = server.admin().await;
    let first = admin.get("/skus?limit=2").await;
    assert!(first.contains(">P-01<") && first.contains(">P-02<"));
    assert!(!first.contains(">P-03<"));
    let next = first
        .body
        .split("rel=\"next\"")
        .next()
        .and_then(|b| b.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(next.starts_with("/skus?limit=2&after="), "{next}");
    let second = admin.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.contains(">P-03<") && second.contains(">P-04<"));
    assert!(!second.contains(">P-02<") && !second.contains(">P-05<"));

    // Sorted the other way, the first page starts at the end.
    let desc = admin.get("/skus?limit=2&sort=-code").await;
    assert!(desc.contains(">P-05<") && desc.contains(">P-04<"));
    assert!(!desc.contains(">P-01<"));
}

#[tokio::test]
async fn a_filter_with_sql_metacharacters_finds_nothing_and_does_not_fail() {
    let server = TestServer::start().await;
    sku(&server, "TS-01", "T恤").await;
    sku(&server, "TS-02", "卫衣").await;
    let admin = server.admin().await;
    for q in [
        "'%20OR%201%3D1%20--",
        "%25",
        "_",
        "%27",
        "%22%3B%20DROP%20TABLE%20skus%3B",
    ] {
        let page = admin.get(&format!("/skus?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK, "q={q}: {}", page.body);
        assert!(page.contains("没有记录"), "q={q}");
        assert!(!page.contains(">TS-01<"), "q={q}");
    }
    assert_eq!(codes(&server).await.len(), 2);
    // A sort the list does not know is said above the list, not an error page.
    let bad = admin.get("/skus?sort=price").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.contains("class=\"alert error\""));
}

#[tokio::test]
async fn filters_by_category_brand_and_bundle() {
    let server = TestServer::start().await;
    let a = server
        .app
        .create_sku(
            &SkuInput {
                code: Some("SHOE-1".into()),
                name: Some("跑鞋".into()),
                category: Some("鞋".into()),
                brand: Some("飞跑".into()),
                ..Default::default()
            },
            &Actor::system("test"),
        )
        .await
        .unwrap();
    sku(&server, "TS-01", "T恤").await;
    let bundle = sku(&server, "SET-1", "套装").await;
    server
        .app
        .set_bundle(
            jxc_core::ids::SkuId(bundle),
            &[jxc_core::catalog::BundleComponent {
                sku_id: a.id,
                qty: 1,
            }],
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let admin = server.admin().await;
    let by_cat = admin.get("/skus?category=%E9%9E%8B").await;
    assert!(by_cat.contains(">SHOE-1<") && !by_cat.contains(">TS-01<"));
    let by_brand = admin.get("/skus?brand=%E9%A3%9E%E8%B7%91").await;
    assert!(by_brand.contains(">SHOE-1<") && !by_brand.contains(">TS-01<"));
    let bundles = admin.get("/skus?is_bundle=true").await;
    assert!(bundles.contains(">SET-1<") && !bundles.contains(">TS-01<"));
    let singles = admin.get("/skus?is_bundle=false").await;
    assert!(!singles.contains(">SET-1<") && singles.contains(">TS-01<"));
}

// ---------------------------------------------------------------------------------------
// 组合装
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bundle_components_are_set_by_code_and_an_unknown_code_is_reported_on_its_line() {
    let server = TestServer::start().await;
    sku(&server, "TEE-BLK", "T恤 黑").await;
    sku(&server, "CAP-RED", "帽子 红").await;
    let set = sku(&server, "GIFT-SET", "礼盒").await;
    let admin = server.admin().await;

    // An unknown code: said on its line, nothing saved, what was typed stays.
    let text = "TEE-BLK × 2\nNO-SUCH × 1";
    let bad = admin
        .post(&format!("/skus/{set}/components"), &[("components", text)])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = field_error(&bad, "components").unwrap();
    assert!(reason.contains("第 2 行"), "{reason}");
    assert!(reason.contains("NO-SUCH"), "{reason}");
    assert!(bad.contains("TEE-BLK × 2\nNO-SUCH × 1</textarea>"));
    assert!(
        !server
            .app
            .sku(jxc_core::ids::SkuId(set))
            .await
            .unwrap()
            .is_bundle
    );

    // A zero quantity is reported on its line too.
    let zero = admin
        .post(
            &format!("/skus/{set}/components"),
            &[("components", "TEE-BLK × 2\n\nCAP-RED × 0")],
        )
        .await;
    assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_error(&zero, "components")
            .unwrap()
            .contains("第 3 行")
    );

    // Two components by code: the detail page lists them.
    let ok = admin
        .post(
            &format!("/skus/{set}/components"),
            &[("components", "TEE-BLK × 2\nCAP-RED x 1")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let detail = admin.get(&format!("/skus/{set}")).await;
    let table = detail.body.split("id=\"components\"").nth(1).unwrap();
    assert!(table.contains(">TEE-BLK<") && table.contains(">CAP-RED<"));
    assert!(table.contains("<td class=\"num\">2</td>"));
    let stored = server.app.sku(jxc_core::ids::SkuId(set)).await.unwrap();
    assert!(stored.is_bundle);
    assert_eq!(stored.components.len(), 2);

    // The form shows them again as lines.
    let form = admin.get(&format!("/skus/{set}/components")).await;
    assert!(form.contains("TEE-BLK × 2\nCAP-RED × 1"), "{}", form.body);
}

// ---------------------------------------------------------------------------------------
// 平台商品匹配
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_listing_maps_a_shop_item_to_a_sku_by_code() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    sku(&server, "TS-01", "T恤").await;
    let shop = server
        .app
        .create_shop(
            &jxc_core::partners::ShopInput {
                code: Some("TB-1".into()),
                name: Some("淘宝旗舰店".into()),
                platform: Some("taobao".into()),
                ..Default::default()
            },
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let shop_id = shop.id.0.to_string();

    let form = admin.get("/listings/new").await;
    assert!(form.contains("淘宝旗舰店"));
    let unknown = admin
        .post(
            "/listings/new",
            &[
                ("shop_id", &shop_id),
                ("platform_item_id", "6100001"),
                ("sku_code", "NOPE"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&unknown, "sku_id").unwrap().contains("NOPE"));
    assert!(unknown.contains("value=\"6100001\""));

    let saved = admin
        .post(
            "/listings/new",
            &[
                ("shop_id", &shop_id),
                ("platform_item_id", "6100001"),
                ("platform_sku_id", "42"),
                ("title", "夏季T恤"),
                ("sku_code", "TS-01"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = admin.get(&format!("/listings?shop_id={shop_id}")).await;
    assert!(list.contains("6100001") && list.contains(">TS-01<") && list.contains("淘宝旗舰店"));
    assert!(
        admin
            .get("/listings?q=nothing-like-it")
            .await
            .contains("没有记录")
    );

    // The same platform item and SKU again is refused at the platform SKU id.
    let dup = admin
        .post(
            "/listings/new",
            &[
                ("shop_id", &shop_id),
                ("platform_item_id", "6100001"),
                ("platform_sku_id", "42"),
                ("sku_code", "TS-01"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dup.body);

    let file = admin
        .get(&format!("/listings/export.xlsx?shop_id={shop_id}"))
        .await;
    assert_eq!(file.content_type, XLSX);
    assert!(file.bytes.starts_with(b"PK"));
}

// ---------------------------------------------------------------------------------------
// 供应商, 客户, 店铺
// ---------------------------------------------------------------------------------------

async fn partners_are_created_edited_and_listed(server: TestServer) {
    let admin = server.admin().await;
    for (base, code) in [("/suppliers", "SUP-01"), ("/customers", "CUS-01")] {
        let bad = admin
            .post(
                &format!("{base}/new"),
                &[
                    ("code", code),
                    ("name", "华南纺织"),
                    ("tax_id", "9144030071526726XH"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{base}");
        assert!(field_error(&bad, "tax_id").unwrap().contains("校验位"));

        let ok = admin
            .post(
                &format!("{base}/new"),
                &[
                    ("code", code),
                    ("name", "华南纺织"),
                    ("contact", "王经理"),
                    ("phone", "020-12345678"),
                    ("tax_id", "9144030071526726XG"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{base}: {}", ok.body);
        let list = admin.get(base).await;
        assert!(list.contains(code) && list.contains("王经理"), "{base}");
        let id = first_id(&list, base);

        // Rename and deactivate through the edit form (no "active" box sent).
        let edited = admin
            .post(
                &format!("{base}/{id}/edit"),
                &[
                    ("code", code),
                    ("name", "华南纺织有限公司"),
                    ("contact", "王经理"),
                ],
            )
            .await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
        let list = admin.get(&format!("{base}?active=false")).await;
        assert!(list.contains("华南纺织有限公司"), "{base}");
        assert!(
            !admin
                .get(&format!("{base}?active=true"))
                .await
                .contains(code)
        );

        let file = admin.get(&format!("{base}/export.xlsx")).await;
        assert_eq!(file.content_type, XLSX);
        assert!(file.bytes.starts_with(b"PK"));
    }
    // A supplier is not a customer.
    assert!(!admin.get("/customers").await.contains("SUP-01"));
}

#[tokio::test]
async fn partners_are_created_edited_and_listed_on_sqlite() {
    partners_are_created_edited_and_listed(TestServer::start().await).await;
}

#[tokio::test]
async fn partners_are_created_edited_and_listed_on_postgres() {
    partners_are_created_edited_and_listed(TestServer::start_postgres().await).await;
}

const SECRET: &str = "TOP-SECRET-5f3a9c";

/// Every page a shop's data appears on.
async fn shop_pages(b: &Browser, id: &str) -> Vec<Page> {
    vec![
        b.get("/shops").await,
        b.get(&format!("/shops/{id}/edit")).await,
        b.get("/listings/new").await,
        b.get("/listings").await,
    ]
}

#[tokio::test]
async fn shop_credentials_are_stored_but_never_shown() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let creds = format!("{{\"app_key\": \"k1\", \"app_secret\": \"{SECRET}\"}}");
    let saved = admin
        .post(
            "/shops/new",
            &[
                ("code", "TB-1"),
                ("name", "淘宝旗舰店"),
                ("platform", "taobao"),
                ("credentials", &creds),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = admin.get("/shops").await;
    assert!(list.contains("淘宝旗舰店") && list.contains("已设置") && list.contains("淘宝"));
    let id = first_id(&list, "/shops");
    for page in shop_pages(&admin, &id).await {
        assert!(!page.contains(SECRET));
        assert!(!page.contains("app_secret\""));
    }

    // Saved again with the box empty: the credentials stay.
    let kept = admin
        .post(
            &format!("/shops/{id}/edit"),
            &[
                ("code", "TB-1"),
                ("name", "淘宝旗舰店(新)"),
                ("platform", "taobao"),
                ("credentials", ""),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let shop = server
        .app
        .shop(jxc_core::ids::ShopId(id.parse().unwrap()))
        .await
        .unwrap();
    assert!(shop.has_credentials);
    assert_eq!(shop.fields.name, "淘宝旗舰店(新)");

    // Bad JSON: refused at the box, and what was typed is not sent back.
    let typo = format!("{{\"app_secret\": \"{SECRET}\"");
    let bad = admin
        .post(
            &format!("/shops/{id}/edit"),
            &[
                ("code", "TB-1"),
                ("name", "淘宝旗舰店"),
                ("platform", "taobao"),
                ("credentials", &typo),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&bad, "credentials").is_some());
    assert!(!bad.contains(SECRET));

    // {} clears them.
    let cleared = admin
        .post(
            &format!("/shops/{id}/edit"),
            &[
                ("code", "TB-1"),
                ("name", "淘宝旗舰店"),
                ("platform", "taobao"),
                ("credentials", "{}"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(admin.get("/shops").await.contains("未设置"));

    let file = admin.get("/shops/export.xlsx").await;
    assert_eq!(file.content_type, XLSX);
    assert!(file.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn only_an_admin_may_create_shops_and_customer_service_may_edit_customers() {
    let server = TestServer::start().await;
    let service = server.browser_as("cs1", &["客服"]).await;
    let shops = service.get("/shops").await;
    assert_eq!(shops.status, StatusCode::OK);
    assert!(!shops.contains("id=\"new-shop\""));
    assert_eq!(
        service.get("/shops/new").await.status,
        StatusCode::FORBIDDEN
    );
    let customers = service.get("/customers").await;
    assert!(customers.contains("id=\"new-partner\""));
    let ok = service
        .post("/customers/new", &[("code", "C-1"), ("name", "张三")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);

    let warehouse = server.browser_as("wh2", &["仓库"]).await;
    assert_eq!(warehouse.get("/suppliers").await.status, StatusCode::OK);
    assert_eq!(
        warehouse.get("/suppliers/new").await.status,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_pages_speak_english_when_asked() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin.get("/lang/en").await;
    let skus = admin.get("/skus").await;
    assert!(skus.contains("New SKU") && skus.contains("List price"));
    assert!(admin.get("/shops").await.contains("New shop"));
    assert!(admin.get("/suppliers").await.contains("New supplier"));
}

/// The keys these pages use exist in both languages (read from the files themselves).
#[test]
fn every_message_key_of_these_pages_exists_in_both_languages() {
    let root = env!("CARGO_MANIFEST_DIR");
    let keys_of = |lang: &str| -> std::collections::BTreeSet<String> {
        std::fs::read_dir(format!("{root}/messages/{lang}"))
            .unwrap()
            .flat_map(|e| {
                let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let (zh, en) = (keys_of("zh-CN"), keys_of("en"));
    let mut files = Vec::new();
    for dir in [
        "templates/catalog",
        "templates/partners",
        "src/pages/catalog",
        "src/pages/partners",
    ] {
        for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.push(format!("{root}/src/pages/catalog.rs").into());
    files.push(format!("{root}/src/pages/partners.rs").into());
    let mut missing = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for pat in ["t.get(\"", "tr(\""] {
            for part in text.split(pat).skip(1) {
                let key = part.split('"').next().unwrap_or("");
                if !zh.contains(key) || !en.contains(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
