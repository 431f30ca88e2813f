//! The order pages as customer service uses them: importing order files, the 异常 queue,
//! fixing an address, approving, holding and releasing (one order or many), the history
//! of who did what, and the limits of roles and shops. Every scenario that touches the
//! store runs on SQLite and on PostgreSQL.

mod common;

use common::{Browser, Page, TestServer};
use jxc_app::Actor;
use jxc_app::imports::orders::template_headers;
use jxc_core::ids::ShopId;
use jxc_core::paging::PageRequest;
use jxc_core::users::UserInput;
use jxc_store::OrderFilter;
use reqwest::StatusCode;

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

async fn shop(s: &TestServer, code: &str, name: &str, platform: &str) -> ShopId {
    s.app
        .create_shop(
            &jxc_core::partners::ShopInput {
                code: Some(code.into()),
                name: Some(name.into()),
                platform: Some(platform.into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id
}

async fn sku(s: &TestServer, code: &str) {
    s.app
        .create_sku(
            &jxc_core::catalog::SkuInput {
                code: Some(code.into()),
                name: Some(format!("商品 {code}")),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
}

/// One order of the jxc template: a paid order of one T恤 (TS-01) to a complete
/// Hangzhou address, with `changes` to its columns (by header).
fn order(id: &str, changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut row: Vec<(&'static str, String)> = [
        ("订单号", id),
        ("买家昵称", "tb_buyer"),
        ("收货人", "陈一"),
        ("手机", "13800001111"),
        ("省", "浙江省"),
        ("市", "杭州市"),
        ("区", "西湖区"),
        ("详细地址", "文三路 1号"),
        ("下单时间", "2024-11-12 09:00:00"),
        ("付款时间", "2024-11-12 09:05:00"),
        ("商家编码", "TS-01"),
        ("商品名称", "纯棉T恤"),
        ("数量", "1"),
        ("单价", "59.00"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    // A buyer and receiver of its own, so that orders are not merge candidates.
    row[1].1 = format!("buyer_{id}");
    for (k, v) in changes {
        match row.iter_mut().find(|(h, _)| h == k) {
            Some(cell) => cell.1 = v.to_string(),
            None => row.push((k, v.to_string())),
        }
    }
    row
}

/// A template file (CSV) with the template's own header row and these orders.
fn template_file(rows: &[Vec<(&'static str, String)>]) -> Vec<u8> {
    let headers = template_headers();
    let mut text = headers.join(",") + "\n";
    for r in rows {
        let cells: Vec<&str> = headers
            .iter()
            .map(|h| {
                r.iter()
                    .find(|(k, _)| k == h)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
            })
            .collect();
        text += &cells.join(",");
        text += "\n";
    }
    text.into_bytes()
}

async fn import(b: &Browser, shop: ShopId, rows: &[Vec<(&'static str, String)>]) -> Page {
    b.upload(
        "/orders/import",
        "orders.csv",
        template_file(rows),
        &[("shop_id", &shop.0.to_string()), ("format", "template")],
    )
    .await
}

/// The id of the order with this platform order id.
async fn order_id(s: &TestServer, platform_id: &str) -> i64 {
    let f = OrderFilter {
        q: Some(platform_id.into()),
        ..Default::default()
    };
    let page = PageRequest::new(Some(10), None, false).unwrap();
    let found = s.app.orders(&f, &page).await.unwrap().items;
    found
        .iter()
        .find(|o| o.platform_order_id == platform_id)
        .unwrap_or_else(|| panic!("no order {platform_id}"))
        .id
        .0
}

/// The number shown in `data-count="NAME">…<`.
fn count(p: &Page, name: &str) -> String {
    p.body
        .split(&format!("data-count=\"{name}\">"))
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or_else(|| panic!("no count {name} in {}", p.body))
        .to_string()
}

/// The HTML of the first element opening with `start`, up to `end`.
fn part<'a>(p: &'a Page, start: &str, end: &str) -> &'a str {
    let from = p
        .body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {}", p.body));
    let rest = &p.body[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// `&` in links as written in HTML (askama writes `&#38;`).
fn unescaped(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#38;", "&")
}

/// Whether the list page shows the order.
fn lists(p: &Page, platform_id: &str) -> bool {
    p.contains(&format!("data-order=\"{platform_id}\""))
}

// ---------------------------------------------------------------------------------------
// 导入订单
// ---------------------------------------------------------------------------------------

async fn importing_a_template_with_a_bad_row(s: TestServer) {
    let admin = s.admin().await;
    let tb = shop(&s, "TB-1", "淘宝旗舰店", "taobao").await;
    sku(&s, "TS-01").await;

    // The template to download is the header row the import reads.
    let blank = admin.get("/orders/import/template.csv").await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(blank.content_type.starts_with("text/csv"));
    assert!(blank.body.contains(&template_headers().join(",")));

    let form = admin.get("/orders/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("淘宝旗舰店") && form.contains("/orders/import/template.csv"));

    let rows = [
        order("T1", &[]),
        order("T2", &[("数量", "两")]),
        order("T3", &[("收货人", "周二"), ("手机", "13900002222")]),
    ];
    let first = import(&admin, tb, &rows).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(count(&first, "total"), "3");
    assert_eq!(count(&first, "created"), "2");
    assert_eq!(count(&first, "failed"), "1");
    // The bad row: its row number (the header is row 1), field and reason.
    let bad = part(&first, "data-row=\"3\"", "</tr>");
    assert!(bad.contains("qty") && bad.contains("两"), "{bad}");
    // Links to the imported orders.
    let t1 = order_id(&s, "T1").await;
    assert!(first.contains(&format!("href=\"/orders/{t1}\"")));
    assert!(first.contains("data-order=\"T3\"") && !first.contains("data-order=\"T2\""));

    let list = admin.get("/orders").await;
    assert!(lists(&list, "T1") && lists(&list, "T3") && !lists(&list, "T2"));

    // The same file again: nothing new, nothing changed.
    let again = import(&admin, tb, &rows).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(count(&again, "created"), "0");
    assert_eq!(count(&again, "changed"), "0");
    assert_eq!(count(&again, "unchanged"), "2");
    assert_eq!(count(&again, "failed"), "1");
    let f = OrderFilter::default();
    let all = s
        .app
        .orders(&f, &PageRequest::new(Some(100), None, false).unwrap())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);

    // No shop or no file: the form says so next to the field.
    let none = admin
        .upload(
            "/orders/import",
            "orders.csv",
            vec![],
            &[("format", "template")],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.contains("data-field=\"shop_id\"") && none.contains("data-field=\"file\""));
}

on_both!(importing_a_template_with_a_bad_row:
    importing_a_template_file_with_a_bad_row_lists_the_row_and_reason_and_creates_the_other_orders_importing_it_again_creates_nothing,
    importing_a_template_file_with_a_bad_row_lists_the_row_and_reason_and_creates_the_other_orders_importing_it_again_creates_nothing_on_postgres);

// ---------------------------------------------------------------------------------------
// 异常: an incomplete address
// ---------------------------------------------------------------------------------------

async fn fixing_an_incomplete_address(s: TestServer) {
    let admin = s.admin().await;
    let tb = shop(&s, "TB-1", "淘宝旗舰店", "taobao").await;
    sku(&s, "TS-01").await;
    let imported = import(&admin, tb, &[order("A1", &[("区", "")])]).await;
    assert_eq!(count(&imported, "held"), "1", "{}", imported.body);
    let id = order_id(&s, "A1").await;
    let kefu = s.browser_as("kefu", &["客服"]).await;

    // The 异常 queue: 地址不全 with one order, which is listed under it.
    let queue = kefu.get("/orders/exceptions").await;
    assert_eq!(queue.status, StatusCode::OK);
    let reason = part(&queue, "data-reason=\"address_incomplete\"", "</tr>");
    assert!(reason.contains(">1<"), "{reason}");
    assert!(unescaped(reason).contains("/orders?held=true&hold_reason=address_incomplete"));
    assert!(lists(&queue, "A1"));
    let held = kefu
        .get("/orders?held=true&hold_reason=address_incomplete")
        .await;
    assert!(lists(&held, "A1"));
    assert!(!lists(
        &kefu.get("/orders?state=pending_review&held=false").await,
        "A1"
    ));

    // It cannot be approved yet, and the order page says why.
    let refused = kefu.post(&format!("/orders/{id}/approve"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("地址不全"), "{}", refused.body);

    // The form: the province and city chosen, the districts of 杭州市 to choose from.
    let form = kefu.get(&format!("/orders/{id}/address")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("<option value=\"浙江省\" selected>"));
    assert!(form.contains("<option value=\"杭州市\" selected>"));
    assert!(form.contains("<option value=\"西湖区\">"));
    assert!(
        !form.contains("<option value=\"鄞州区\">"),
        "Ningbo's districts are not offered"
    );
    // Another province chosen: its cities are offered, what was typed is kept, and the
    // token sent along by the GET is taken out of the address at once.
    let moved = kefu
        .get(&format!(
            "/orders/{id}/address?_csrf=x&name=%E9%99%88%E4%B8%80&province=%E6%B1%9F%E8%8B%8F%E7%9C%81&city=%E6%9D%AD%E5%B7%9E%E5%B8%82&refresh=1"
        ))
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let moved = kefu.get(moved.location.as_deref().unwrap()).await;
    assert!(moved.contains("<option value=\"江苏省\" selected>"));
    assert!(moved.contains("<option value=\"苏州市\">"));
    assert!(!moved.contains("杭州市\" selected"));
    assert!(moved.contains("value=\"陈一\""));

    // The receiver's name is required: the error is next to the field.
    let fields = |name: &'static str| {
        vec![
            ("name", name),
            ("mobile", "13800001111"),
            ("province", "浙江省"),
            ("city", "杭州市"),
            ("district", "西湖区"),
            ("detail", "文三路 1号"),
        ]
    };
    let bad = kefu
        .post(&format!("/orders/{id}/address"), &fields(""))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("data-field=\"name\""), "{}", bad.body);

    let saved = kefu
        .post(&format!("/orders/{id}/address"), &fields("陈一"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("/orders/{id}?ok=address").as_str())
    );
    let page = kefu.get(saved.location.as_deref().unwrap()).await;
    assert!(page.contains("id=\"notice\""));
    // The address hold is gone (库存不足, which only informs, stays: there is no stock).
    assert!(!part(&page, "id=\"live-holds\"", "</table>").contains("address_incomplete"));
    assert!(part(&page, "id=\"released-holds\"", "</table>").contains("地址不全"));
    let queue = kefu
        .get("/orders/exceptions?reason=address_incomplete")
        .await;
    assert!(!lists(&queue, "A1"));

    // Now it can be approved.
    let approved = kefu.post(&format!("/orders/{id}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let page = kefu.get(&format!("/orders/{id}")).await;
    assert!(part(&page, "id=\"state\"", "</span>").contains("已审核"));
    assert!(lists(&kefu.get("/orders?state=approved").await, "A1"));
}

on_both!(fixing_an_incomplete_address:
    an_order_with_an_incomplete_address_is_in_the_exception_queue_fixing_the_address_through_the_form_clears_the_hold_then_it_can_be_approved,
    an_order_with_an_incomplete_address_is_in_the_exception_queue_fixing_the_address_through_the_form_clears_the_hold_then_it_can_be_approved_on_postgres);

// ---------------------------------------------------------------------------------------
// 批量: approve a held order, release, approve; the history
// ---------------------------------------------------------------------------------------

async fn bulk_approve_release_approve(s: TestServer) {
    let admin = s.admin().await;
    let tb = shop(&s, "TB-1", "淘宝旗舰店", "taobao").await;
    sku(&s, "TS-01").await;
    import(
        &admin,
        tb,
        &[
            order("B1", &[("买家留言", "请周末送")]),
            order("B2", &[("收货人", "周二"), ("手机", "13900002222")]),
        ],
    )
    .await;
    let (b1, b2) = (order_id(&s, "B1").await, order_id(&s, "B2").await);
    let kefu = s.browser_as("kefu", &["客服"]).await;
    let list = kefu.get("/orders").await;
    assert!(list.contains("id=\"bulk\"") && list.contains(&format!("value=\"{b1}\"")));

    // Both approved at once: B2 goes through; B1 waits on its buyer message, and the
    // page says so, naming the order.
    let (b1s, b2s) = (b1.to_string(), b2.to_string());
    let done = kefu
        .post(
            "/orders/bulk",
            &[
                ("ids", &b1s),
                ("ids", &b2s),
                ("action", "approve"),
                ("back", "state=pending_review"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(count(&done, "ok"), "1");
    assert_eq!(count(&done, "failed"), "1");
    let failure = part(&done, &format!("data-failed=\"{b1}\""), "</li>");
    assert!(
        failure.contains("B1") && failure.contains("买家留言"),
        "{failure}"
    );
    // The list comes back with the filter it was on.
    assert!(done.contains("name=\"state\" value=\"pending_review\""));

    // Releasing needs a note.
    let no_note = kefu
        .post("/orders/bulk", &[("ids", &b1s), ("action", "release")])
        .await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_note.contains("data-field=\"note\""), "{}", no_note.body);
    let released = kefu
        .post(
            "/orders/bulk",
            &[("ids", &b1s), ("action", "release"), ("note", "已联系买家")],
        )
        .await;
    assert_eq!(count(&released, "ok"), "1");
    let approved = kefu
        .post("/orders/bulk", &[("ids", &b1s), ("action", "approve")])
        .await;
    assert_eq!(count(&approved, "ok"), "1");
    assert_eq!(count(&approved, "failed"), "0");
    let tagged = kefu
        .post(
            "/orders/bulk",
            &[("ids", &b1s), ("action", "tag"), ("tag", "加急")],
        )
        .await;
    assert_eq!(count(&tagged, "ok"), "1");
    assert!(lists(
        &kefu.get("/orders?tag=%E5%8A%A0%E6%80%A5").await,
        "B1"
    ));

    // The history: who imported, released (with the note), approved and tagged.
    let page = kefu.get(&format!("/orders/{b1}")).await;
    let imported = part(&page, "data-event=\"imported\"", "</tr>");
    assert!(imported.contains(">admin<"), "{imported}");
    let release = part(&page, "data-event=\"released\"", "</tr>");
    assert!(
        release.contains(">kefu<") && release.contains("已联系买家"),
        "{release}"
    );
    assert!(part(&page, "data-event=\"approved\"", "</tr>").contains(">kefu<"));
    assert!(part(&page, "data-event=\"tagged\"", "</tr>").contains("加急"));
    let released_holds = part(&page, "id=\"released-holds\"", "</table>");
    assert!(released_holds.contains("kefu") && released_holds.contains("已联系买家"));

    // Held by hand from the order page (a note is required), then cancelled.
    let b2_page = format!("/orders/{b2}");
    let no_note = kefu.post(&format!("{b2_page}/hold"), &[("note", "")]).await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    let held = kefu
        .post(&format!("{b2_page}/hold"), &[("note", "买家要求改地址")])
        .await;
    assert_eq!(held.status, StatusCode::SEE_OTHER);
    let page = kefu.get(&b2_page).await;
    assert!(part(&page, "id=\"live-holds\"", "</table>").contains("买家要求改地址"));
    let cancelled = kefu
        .post(&format!("{b2_page}/cancel"), &[("note", "买家取消")])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let page = kefu.get(&b2_page).await;
    assert!(part(&page, "id=\"state\"", "</span>").contains("已取消"));
    assert!(part(&page, "data-event=\"cancelled\"", "</tr>").contains("买家取消"));
}

on_both!(bulk_approve_release_approve:
    approving_a_held_order_from_the_bulk_form_reports_why_it_failed_releasing_the_hold_with_a_note_then_approving_works_events_show_who_did_what,
    approving_a_held_order_from_the_bulk_form_reports_why_it_failed_releasing_the_hold_with_a_note_then_approving_works_events_show_who_did_what_on_postgres);

// ---------------------------------------------------------------------------------------
// Roles and shops
// ---------------------------------------------------------------------------------------

async fn warehouse_user_reads_only(s: TestServer) {
    let admin = s.admin().await;
    let tb = shop(&s, "TB-1", "淘宝旗舰店", "taobao").await;
    import(&admin, tb, &[order("W1", &[])]).await;
    let id = order_id(&s, "W1").await;
    let w = s.browser_as("cangku", &["仓库"]).await;

    let list = w.get("/orders").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(lists(&list, "W1"));
    assert!(!list.contains("id=\"bulk\""), "no bulk actions");
    assert!(
        !list.contains("href=\"/orders/import\""),
        "no import in the menu or list"
    );
    let page = w.get(&format!("/orders/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("id=\"approve\"") && !page.contains("id=\"edit-address\""));
    assert_eq!(w.get("/orders/exceptions").await.status, StatusCode::OK);

    let ids = id.to_string();
    let bulk = w
        .post("/orders/bulk", &[("ids", &ids), ("action", "approve")])
        .await;
    assert_eq!(bulk.status, StatusCode::FORBIDDEN);
    assert_eq!(w.get("/orders/import").await.status, StatusCode::FORBIDDEN);
    let upload = w
        .upload(
            "/orders/import",
            "orders.csv",
            template_file(&[order("W2", &[])]),
            &[("shop_id", &tb.0.to_string()), ("format", "template")],
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.post(&format!("/orders/{id}/approve"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get(&format!("/orders/{id}/address")).await.status,
        StatusCode::FORBIDDEN
    );
    let page = w.get(&format!("/orders/{id}")).await;
    assert!(part(&page, "id=\"state\"", "</span>").contains("待审核"));
}

on_both!(warehouse_user_reads_only:
    a_warehouse_user_can_see_orders_but_gets_403_on_bulk_and_import,
    a_warehouse_user_can_see_orders_but_gets_403_on_bulk_and_import_on_postgres);

async fn shop_limits(s: TestServer) {
    let admin = s.admin().await;
    let tb = shop(&s, "TB-1", "淘宝旗舰店", "taobao").await;
    let jd = shop(&s, "JD-1", "京东自营店", "jd").await;
    import(&admin, tb, &[order("S1", &[])]).await;
    import(&admin, jd, &[order("S2", &[])]).await;
    let (s1, s2) = (order_id(&s, "S1").await, order_id(&s, "S2").await);
    s.app
        .create_user(
            &UserInput {
                username: Some("tb.kefu".into()),
                roles: Some(vec!["客服".into()]),
                shop_ids: Some(vec![tb.0]),
                ..Default::default()
            },
            "pass-tb.kefu-1",
            &actor(),
        )
        .await
        .unwrap();
    let u = s.sign_in("tb.kefu", "pass-tb.kefu-1").await;

    let list = u.get("/orders").await;
    assert!(lists(&list, "S1") && !lists(&list, "S2"));
    assert!(
        !list.contains("京东自营店"),
        "the other shop is not offered either"
    );
    assert_eq!(count(&list, "all"), "1", "the tab counts keep to the shop");
    assert_eq!(
        u.get(&format!("/orders?shop_id={}", jd.0)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(u.get(&format!("/orders/{s1}")).await.status, StatusCode::OK);
    assert_eq!(
        u.get(&format!("/orders/{s2}")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        u.get(&format!("/orders/{s2}/address")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(u.get("/orders/987654").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        u.post(&format!("/orders/{s2}/approve"), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // The bulk form refuses the other shop's order, order by order.
    let s2s = s2.to_string();
    let bulk = u
        .post("/orders/bulk", &[("ids", &s2s), ("action", "approve")])
        .await;
    assert_eq!(count(&bulk, "failed"), "1");
    assert!(part(&bulk, "id=\"bulk-failures\"", "</ul>").contains("不在你的店铺范围内"));
    // …and importing into it.
    let upload = u
        .upload(
            "/orders/import",
            "orders.csv",
            template_file(&[order("S3", &[])]),
            &[("shop_id", &jd.0.to_string()), ("format", "template")],
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
    assert!(!u.get("/orders/import").await.contains("京东自营店"));
    let export = u.get("/orders/export.xlsx").await;
    assert_eq!(export.status, StatusCode::OK);
    let everything = admin.get("/orders/export.xlsx").await;
    assert!(sheet_size(&export.bytes) < sheet_size(&everything.bytes));
}

on_both!(shop_limits:
    a_user_limited_to_one_shop_does_not_see_another_shops_orders_on_the_list_or_the_detail,
    a_user_limited_to_one_shop_does_not_see_another_shops_orders_on_the_list_or_the_detail_on_postgres);

// ---------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------

/// The uncompressed size of the first worksheet of an xlsx, from the zip's central
/// directory: it grows with every row written.
fn sheet_size(xlsx: &[u8]) -> u32 {
    let name = b"xl/worksheets/sheet1.xml";
    let sig = [0x50, 0x4b, 0x01, 0x02];
    let mut i = 0;
    while i + 46 <= xlsx.len() {
        if xlsx[i..i + 4] == sig {
            let le16 = |o: usize| u16::from_le_bytes([xlsx[i + o], xlsx[i + o + 1]]) as usize;
            let len = le16(28);
            if xlsx.get(i + 46..i + 46 + len) == Some(&name[..]) {
                return u32::from_le_bytes(xlsx[i + 24..i + 28].try_into().unwrap());
            }
        }
        i += 1;
    }
    panic!("no worksheet in the workbook");
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

async fn export_with_filter(s: TestServer) {
    let admin = s.admin().await;
    let tb = shop(&s, "TB-1", "淘宝旗舰店", "taobao").await;
    sku(&s, "TS-01").await;
    import(
        &admin,
        tb,
        &[
            order("E1", &[]),
            order("E2", &[("收货人", "周二"), ("手机", "13900002222")]),
            order(
                "E3",
                &[("区", ""), ("收货人", "吴三"), ("手机", "13700003333")],
            ),
        ],
    )
    .await;
    // The list links to the export with its filter.
    let filter = "held=true&hold_reason=address_incomplete";
    let list = admin.get(&format!("/orders?{filter}")).await;
    assert!(
        unescaped(&list.body)
            .contains("href=\"/orders/export.xlsx?held=true&hold_reason=address_incomplete\"")
    );
    assert!(lists(&list, "E3") && !lists(&list, "E1"));

    let all = admin.get("/orders/export.xlsx").await;
    assert_xlsx(&all);
    let held = admin.get(&format!("/orders/export.xlsx?{filter}")).await;
    assert_xlsx(&held);
    let by_sku = admin.get("/orders/export.xlsx?sku=TS-01&q=E2").await;
    assert_xlsx(&by_sku);
    let nothing = admin.get("/orders/export.xlsx?q=nothing-like-this").await;
    assert_xlsx(&nothing);
    // One row per order: none < one < three.
    assert!(sheet_size(&nothing.bytes) < sheet_size(&held.bytes));
    assert!(sheet_size(&held.bytes) < sheet_size(&all.bytes));
    // A bad filter is reported, not exported.
    let bad = admin.get("/orders/export.xlsx?sku=NO-SUCH-SKU").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_list = admin.get("/orders?sku=NO-SUCH-SKU&from=2024-13-01").await;
    assert_eq!(bad_list.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both!(export_with_filter:
    the_export_downloads_an_xlsx_with_the_filtered_orders,
    the_export_downloads_an_xlsx_with_the_filtered_orders_on_postgres);
