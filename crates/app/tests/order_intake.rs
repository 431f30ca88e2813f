//! Order intake end to end through the app: a file is parsed, its lines mapped to SKUs
//! through listings or 商家编码, the detectors run, and the store imports idempotently.
//! Every scenario runs on SQLite and on PostgreSQL.

use jxc_app::orders::OrderFile;
use jxc_app::{Actor, App};
use jxc_core::catalog::{ListingInput, SkuInput};
use jxc_core::ids::{OrderId, ShopId};
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::orders::{HoldReason, OrderState, Receiver};
use jxc_core::partners::ShopInput;
use jxc_core::users::{NewUser, Role, User, UserInput};
use jxc_core::warehouses::WarehouseInput;

fn actor() -> Actor {
    Actor::system("test")
}

fn admin() -> User {
    User {
        id: jxc_core::ids::UserId(1),
        fields: NewUser::parse(
            &UserInput {
                username: Some("tester".into()),
                roles: Some(vec![Role::Admin.as_str().into()]),
                ..Default::default()
            },
            None,
        )
        .unwrap(),
        last_login_at: None,
    }
}

async fn sqlite() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("orders.db").display());
    (App::open(&url).await.unwrap(), dir)
}

async fn postgres() -> (App, tempfile::TempDir) {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_orders_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let url = jxc_app::fresh_postgres_schema(&base, &schema)
        .await
        .unwrap();
    (App::open(&url).await.unwrap(), tempfile::tempdir().unwrap())
}

/// A shop with two SKUs: `TS-001` (10 in stock, mapped by a listing) and `CUP` (none).
async fn merchant(app: &App) -> ShopId {
    let shop = app
        .create_shop(
            &ShopInput {
                code: Some("W1".into()),
                name: Some("微店".into()),
                platform: Some("taobao".into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id;
    let mut ids = Vec::new();
    for code in ["TS-001", "CUP"] {
        let s = app
            .create_sku(
                &SkuInput {
                    code: Some(code.into()),
                    name: Some(format!("商品 {code}")),
                    ..Default::default()
                },
                &actor(),
            )
            .await
            .unwrap();
        ids.push(s.id);
    }
    app.create_listing(
        &ListingInput {
            shop_id: Some(shop.0),
            platform_item_id: Some("600001".into()),
            platform_sku_id: Some("700001".into()),
            sku_id: Some(ids[0].0),
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("HZ".into()),
                name: Some("杭州仓".into()),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap()
        .id;
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: wh.0,
            lines: vec![LineInput {
                sku_id: ids[0].0,
                qty: 10,
                unit_cost: Some(2000),
                ..Default::default()
            }],
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
    shop
}

const HEAD: &str = "订单号,买家昵称,收货人,手机,电话,省,市,区,详细地址,邮编,买家留言,卖家备注,下单时间,付款时间,商家编码,商品名称,规格,数量,单价,优惠,运费,实付,平台商品ID,平台SKU ID";

fn file(a4_province: &str) -> String {
    [
        HEAD.to_string(),
        // A1: clean, mapped through the listing.
        "A1,buyer1,陈一,13800001111,,浙江省,杭州市,西湖区,文三路1号,,,,2026-11-20 09:00:00,2026-11-20 09:05:00,,T恤,黑 L,2,59.00,0,0,,600001,700001".into(),
        // A2: mapped by 商家编码, no stock.
        "A2,buyer2,周二,13900002222,,浙江省,杭州市,西湖区,文三路2号,,,,2026-11-20 10:00:00,2026-11-20 10:01:00,CUP,保温杯,,1,109.00,0,0,,,".into(),
        // A3: an unknown code and a message for the seller.
        "A3,buyer3,吴三,13700003333,,浙江省,杭州市,西湖区,文三路3号,,请发顺丰,,2026-11-20 11:00:00,2026-11-20 11:01:00,NOPE,未知商品,,1,10.00,0,0,,,".into(),
        // A4: 杭州市 under the given province; a mobile that is not one.
        format!("A4,buyer4,郑四,12345678901,,{a4_province},杭州市,西湖区,文三路4号,,,,2026-11-20 12:00:00,2026-11-20 12:01:00,TS-001,T恤,,1,59.00,0,0,,,"),
        // A5: not paid.
        "A5,buyer5,王五,13600005555,,浙江省,杭州市,西湖区,文三路5号,,,,2026-11-20 13:00:00,,TS-001,T恤,,1,59.00,0,0,,,".into(),
        // A bad row: a quantity that is not a number.
        "A6,buyer6,赵六,13500006666,,浙江省,杭州市,西湖区,文三路6号,,,,2026-11-20 14:00:00,2026-11-20 14:01:00,TS-001,T恤,,两件,59.00,0,0,,,".into(),
    ]
    .join("\n")
}

async fn holds_of(app: &App, id: OrderId) -> Vec<HoldReason> {
    let mut v: Vec<_> = app
        .order(&admin(), id)
        .await
        .unwrap()
        .live_holds()
        .map(|h| h.reason)
        .collect();
    v.sort();
    v
}

async fn a_template_file_is_mapped_checked_and_imported_once(app: App) {
    let shop = merchant(&app).await;
    let f = file("江苏省");
    let r = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("orders.csv", f.as_bytes()),
            None,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!((r.created, r.errors.len()), (5, 1), "{:?}", r.errors);
    assert_eq!(
        r.errors[0].row, 7,
        "the bad row is named by its spreadsheet row"
    );
    let ids = &r.order_ids;
    let a1 = app.order(&admin(), ids[0]).await.unwrap();
    assert!(
        a1.order.lines[0].sku_id.is_some(),
        "mapped through the listing"
    );
    assert_eq!(holds_of(&app, ids[0]).await, vec![]);
    assert_eq!(
        holds_of(&app, ids[1]).await,
        vec![HoldReason::InsufficientStock]
    );
    assert_eq!(
        holds_of(&app, ids[2]).await,
        vec![HoldReason::UnmappedSku, HoldReason::BuyerMessage]
    );
    assert_eq!(
        holds_of(&app, ids[3]).await,
        vec![HoldReason::AddressInconsistent, HoldReason::InvalidMobile]
    );
    assert_eq!(holds_of(&app, ids[4]).await, vec![HoldReason::NotPaid]);

    // The same file again changes nothing.
    let again = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("orders.csv", f.as_bytes()),
            None,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!((again.created, again.changed, again.unchanged), (0, 0, 5));

    // Approve: the clean order and the one only short of stock (informational) pass.
    let out = app
        .approve_orders(&admin(), &ids[..4], &actor())
        .await
        .unwrap();
    let ok: Vec<bool> = out.iter().map(|o| o.ok).collect();
    assert_eq!(ok, [true, true, false, false]);
    assert!(out[3].reason.contains("地址不一致"), "{}", out[3].reason);

    // A person corrects A4's address: the address hold clears, the phone hold stays.
    let mut r4 = app.order(&admin(), ids[3]).await.unwrap().order.receiver;
    r4.province = "浙江省".into();
    let fixed = app
        .edit_receiver(&admin(), ids[3], &r4, &actor())
        .await
        .unwrap();
    let live: Vec<_> = fixed.live_holds().map(|h| h.reason).collect();
    assert_eq!(live, vec![HoldReason::InvalidMobile]);
    let bad = Receiver {
        name: String::new(),
        ..r4.clone()
    };
    assert!(
        app.edit_receiver(&admin(), ids[3], &bad, &actor())
            .await
            .is_err()
    );
    r4.mobile = "13312345678".into();
    app.edit_receiver(&admin(), ids[3], &r4, &actor())
        .await
        .unwrap();
    assert!(
        app.approve_orders(&admin(), &[ids[3]], &actor())
            .await
            .unwrap()[0]
            .ok
    );
    assert_eq!(
        app.order(&admin(), ids[3]).await.unwrap().state,
        OrderState::Approved
    );
    let events: Vec<String> = app
        .order_events(&admin(), ids[3])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        events.contains(&"address_edited".to_string()) && events.contains(&"approved".to_string())
    );

    // A user limited to another shop cannot see these orders.
    let mut other = admin();
    other.fields.shop_ids = vec![ShopId(shop.0 + 100)];
    assert!(app.order(&other, ids[0]).await.is_err());
    let refused = app
        .approve_orders(&other, &[ids[1]], &actor())
        .await
        .unwrap();
    assert!(!refused[0].ok);
}

#[tokio::test]
async fn a_template_file_is_mapped_checked_and_imported_once_on_sqlite() {
    let (app, _dir) = sqlite().await;
    a_template_file_is_mapped_checked_and_imported_once(app).await;
}

#[tokio::test]
async fn a_template_file_is_mapped_checked_and_imported_once_on_postgres() {
    let (app, _dir) = postgres().await;
    a_template_file_is_mapped_checked_and_imported_once(app).await;
}

async fn review_rules_approve_hold_and_tag_new_orders(app: App) {
    use jxc_core::orders::rules::{Conditions, RuleAction, RuleInput};
    let shop = merchant(&app).await;
    let cup = app.store.get_sku_by_code("CUP").await.unwrap().unwrap().id;
    for (name, priority, when, then) in [
        (
            "全部自动审核",
            10,
            Conditions::default(),
            RuleAction::AutoApprove,
        ),
        (
            "大单打标",
            20,
            Conditions {
                min_paid: Some(10_000),
                ..Default::default()
            },
            RuleAction::Tag {
                tag: "大单".into()
            },
        ),
        (
            "保温杯核对",
            30,
            Conditions {
                sku_ids: vec![cup.0],
                ..Default::default()
            },
            RuleAction::Hold {
                note: "核对颜色".into(),
            },
        ),
    ] {
        app.create_rule(
            &RuleInput {
                name: Some(name.into()),
                priority: Some(priority),
                when: Some(when),
                then: Some(then),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
    }
    let f = file("浙江省");
    let r = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("orders.csv", f.as_bytes()),
            None,
            &actor(),
        )
        .await
        .unwrap();
    let ids = &r.order_ids;
    let a1 = app.order(&admin(), ids[0]).await.unwrap();
    assert_eq!(
        a1.state,
        OrderState::Approved,
        "a clean order is approved by the rule"
    );
    assert_eq!(a1.tags, vec!["大单".to_string()]);
    let a2 = app.order(&admin(), ids[1]).await.unwrap();
    assert_eq!(a2.state, OrderState::PendingReview, "the hold rule wins");
    let manual: Vec<_> = a2
        .live_holds()
        .filter(|h| h.reason == HoldReason::Manual)
        .map(|h| h.note.clone())
        .collect();
    assert_eq!(manual, vec!["保温杯核对: 核对颜色".to_string()]);
    let a5 = app.order(&admin(), ids[4]).await.unwrap();
    assert_eq!(
        a5.state,
        OrderState::PendingReview,
        "not paid: the store refuses to approve"
    );
    // A replay does not run the rules again.
    let again = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("orders.csv", f.as_bytes()),
            None,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(again.unchanged, 5);
    assert_eq!(
        app.order(&admin(), ids[1])
            .await
            .unwrap()
            .live_holds()
            .count(),
        a2.live_holds().count()
    );
}

#[tokio::test]
async fn review_rules_approve_hold_and_tag_new_orders_on_sqlite() {
    let (app, _dir) = sqlite().await;
    review_rules_approve_hold_and_tag_new_orders(app).await;
}

#[tokio::test]
async fn review_rules_approve_hold_and_tag_new_orders_on_postgres() {
    let (app, _dir) = postgres().await;
    review_rules_approve_hold_and_tag_new_orders(app).await;
}
