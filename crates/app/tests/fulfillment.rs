//! 分仓占用 end to end through the app, on SQLite and PostgreSQL: approved orders are
//! routed by the setup, their stock reserved where they ship from; a short order waits
//! as 缺货 with what is missing and is allocated once stock arrives; cancelling releases.

use jxc_app::orders::OrderFile;
use jxc_app::{Actor, App};
use jxc_core::catalog::SkuInput;
use jxc_core::fulfillment::routing::{Effect, RoutingSetup, Rule};
use jxc_core::ids::{OrderId, SkuId, WarehouseId};
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::paging::PageRequest;
use jxc_core::partners::ShopInput;
use jxc_core::users::{NewUser, Role, User, UserInput};
use jxc_core::warehouses::WarehouseInput;
use jxc_store::{AllocationStatus, OrderFilter, SummaryBy, SummaryFilter};

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
    let url = format!("sqlite://{}", dir.path().join("f.db").display());
    (App::open(&url).await.unwrap(), dir)
}

async fn postgres() -> (App, tempfile::TempDir) {
    let base = std::env::var("JXC_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!(
        "jxc_fulfil_{}_{}",
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

struct Merchant {
    hz: WarehouseId,
    gz: WarehouseId,
    tee: SkuId,
    cup: SkuId,
}

async fn receive(app: &App, w: WarehouseId, sku: SkuId, qty: i64) {
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: w.0,
            lines: vec![LineInput {
                sku_id: sku.0,
                qty,
                unit_cost: Some(1000),
                ..Default::default()
            }],
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
}

/// 杭州仓 (浙江) with 3 T恤; 广州仓 (广东) with 5 T恤 and 2 杯子.
async fn merchant(app: &App) -> Merchant {
    app.create_shop(
        &ShopInput {
            code: Some("TB01".into()),
            name: Some("淘宝店".into()),
            platform: Some("taobao".into()),
            ..Default::default()
        },
        &actor(),
    )
    .await
    .unwrap();
    let mut skus = Vec::new();
    for code in ["TEE", "CUP"] {
        skus.push(
            app.create_sku(
                &SkuInput {
                    code: Some(code.into()),
                    name: Some(code.into()),
                    weight_g: Some(200),
                    ..Default::default()
                },
                &actor(),
            )
            .await
            .unwrap()
            .id,
        );
    }
    let mut whs = Vec::new();
    for (code, province, city, priority) in
        [("HZ", "浙江省", "杭州市", 2), ("GZ", "广东省", "广州市", 1)]
    {
        whs.push(
            app.create_warehouse(
                &WarehouseInput {
                    code: Some(code.into()),
                    name: Some(format!("{code}仓")),
                    province: Some(province.into()),
                    city: Some(city.into()),
                    priority: Some(priority),
                    ..Default::default()
                },
                &actor(),
            )
            .await
            .unwrap()
            .id,
        );
    }
    let m = Merchant {
        hz: whs[0],
        gz: whs[1],
        tee: skus[0],
        cup: skus[1],
    };
    receive(app, m.hz, m.tee, 3).await;
    receive(app, m.gz, m.tee, 5).await;
    receive(app, m.gz, m.cup, 2).await;
    m
}

const HEAD: &str = "订单号,买家昵称,收货人,手机,电话,省,市,区,详细地址,邮编,买家留言,卖家备注,下单时间,付款时间,商家编码,商品名称,规格,数量,单价,优惠,运费,实付,平台商品ID,平台SKU ID";

/// B1: 2 T恤 to 杭州; B2: a T恤 and a 杯子 to 杭州; B3: 5 杯子 to 杭州.
fn orders() -> String {
    let row = |id: &str, code: &str, qty: i64| {
        format!(
            "{id},b-{id},买家{id},13800001111,,浙江省,杭州市,西湖区,文三路1号,,,,2026-11-20 09:00:00,2026-11-20 09:05:00,{code},商品,,{qty},10.00,0,0,,,"
        )
    };
    [
        HEAD.to_string(),
        row("B1", "TEE", 2),
        row("B2", "TEE", 1),
        row("B2", "CUP", 1),
        row("B3", "CUP", 5),
    ]
    .join("\n")
}

/// A template row: order `id` of `buyer` to 杭州, `qty` of `code`.
fn row(id: &str, buyer: &str, code: &str, qty: i64) -> String {
    format!(
        "{id},{buyer},买家{buyer},13800001111,,浙江省,杭州市,西湖区,文三路9号,,,,2026-11-20 09:00:00,2026-11-20 09:05:00,{code},商品,,{qty},10.00,0,0,,,"
    )
}

/// Imports template rows into the shop.
async fn import(app: &App, rows: &[String]) {
    let shop = app
        .shops(&Default::default(), &PageRequest::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let file = std::iter::once(HEAD.to_string())
        .chain(rows.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n");
    app.import_order_file(
        shop,
        OrderFile::Template,
        ("t.csv", file.as_bytes()),
        None,
        &actor(),
    )
    .await
    .unwrap();
}

async fn order_id(app: &App, platform_id: &str) -> OrderId {
    app.orders(
        &OrderFilter {
            q: Some(platform_id.into()),
            ..Default::default()
        },
        &PageRequest::default(),
    )
    .await
    .unwrap()
    .items[0]
        .id
}

async fn reserved(app: &App, w: WarehouseId, sku: SkuId) -> i64 {
    app.stock_summary(
        &SummaryFilter {
            by: SummaryBy::SkuWarehouse,
            sku_id: Some(sku),
            warehouse_id: Some(w),
            ..Default::default()
        },
        &PageRequest::default(),
    )
    .await
    .unwrap()
    .items
    .first()
    .map_or(0, |r| r.reserved)
}

async fn orders_route_reserve_wait_and_release(app: App) {
    let m = merchant(&app).await;
    let shop = app
        .shops(&Default::default(), &PageRequest::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let r = app
        .import_order_file(
            shop,
            OrderFile::Template,
            ("orders.csv", orders().as_bytes()),
            None,
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(r.created, 3, "{r:?}");
    let ids = [
        order_id(&app, "B1").await,
        order_id(&app, "B2").await,
        order_id(&app, "B3").await,
    ];
    // Not approved yet: nothing to allocate.
    let out = app.allocate_orders(&admin(), &ids, &actor()).await.unwrap();
    assert!(out.iter().all(|o| o.status == "skipped"), "{out:?}");
    app.approve_orders(&admin(), &ids, &actor()).await.unwrap();

    let out = app.allocate_ready(&admin(), 100, &actor()).await.unwrap();
    let status: Vec<(&str, Vec<i64>)> = out
        .iter()
        .map(|o| {
            (
                o.status.as_str(),
                o.decision
                    .iter()
                    .flat_map(|d| d.shipments.iter().map(|s| s.warehouse.0))
                    .collect(),
            )
        })
        .collect();
    // B1 from 杭州 (nearest, has both units); B2 whole from 广州 (杭州 has no 杯子);
    // B3 needs 5 杯子 and there are 2 − 1: 缺货.
    assert_eq!(
        status,
        [
            ("allocated", vec![m.hz.0]),
            ("allocated", vec![m.gz.0]),
            ("short", vec![m.gz.0]),
        ],
        "{out:#?}"
    );
    assert_eq!(reserved(&app, m.hz, m.tee).await, 2);
    assert_eq!(reserved(&app, m.gz, m.tee).await, 1);
    assert_eq!(reserved(&app, m.gz, m.cup).await, 1);
    let b3 = app.allocation(&admin(), ids[2]).await.unwrap().unwrap();
    assert_eq!(b3.status, AllocationStatus::Short);
    let d: jxc_core::fulfillment::routing::Decision = serde_json::from_value(b3.decision).unwrap();
    assert_eq!(d.missing, [(m.cup, 4)]);
    assert!(d.why.iter().any(|s| s.by.contains("就近")), "{:?}", d.why);

    // Allocating again changes nothing for the allocated ones; B3 is still short.
    let again = app.allocate_ready(&admin(), 100, &actor()).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].status, "short");

    // 杯子 arrive at 杭州: the receipt retries B3 by itself, and it ships whole from there.
    receive(&app, m.hz, m.cup, 10).await;
    let b3 = app.allocation(&admin(), ids[2]).await.unwrap().unwrap();
    assert_eq!(b3.status, AllocationStatus::Allocated);
    assert_eq!(reserved(&app, m.hz, m.cup).await, 5);
    let out = app.allocate_ready(&admin(), 100, &actor()).await.unwrap();
    assert!(out.is_empty(), "nothing left to allocate: {out:?}");

    // Stock taken from under an allocation is caught by `jxc check`.
    assert!(app.check().await.unwrap().is_clean());
    let b1 = app.allocation(&admin(), ids[0]).await.unwrap().unwrap();
    app.release(&b1.reservation_ids, &actor()).await.unwrap();
    let report = app.check().await.unwrap();
    assert_eq!(report.allocation_problems.len(), 1, "{report:?}");
    assert!(report.allocation_problems[0].contains(&format!("order {}", ids[0])));
    assert!(!report.is_clean());
    // …and so is stock held in an allocation's name that no allocation owns.
    let stray = app
        .reserve(
            &jxc_app::inventory::ReserveInput {
                sku_id: m.tee.0,
                warehouse_id: m.gz.0,
                qty: 1,
                location_id: None,
                lot_id: None,
                source_type: jxc_app::fulfillment::ALLOCATION.into(),
                source_ref: "X1".into(),
            },
            &actor(),
        )
        .await
        .unwrap();
    let report = app.check().await.unwrap();
    assert_eq!(report.allocation_problems.len(), 2, "{report:?}");
    assert!(report.allocation_problems[1].contains("(order X1)"));
    app.release(&[stray[0].id], &actor()).await.unwrap();

    // Cancelling B1 gives its T恤 back; holding B2 releases it too.
    app.cancel_orders(&admin(), &ids[..1], "买家取消", &actor())
        .await
        .unwrap();
    assert_eq!(reserved(&app, m.hz, m.tee).await, 0);
    assert!(app.allocation(&admin(), ids[0]).await.unwrap().is_none());
    app.hold_orders(&admin(), &ids[1..2], "等买家确认", &actor())
        .await
        .unwrap();
    assert_eq!(reserved(&app, m.gz, m.cup).await, 0);
    assert!(app.check().await.unwrap().is_clean());
}

#[tokio::test]
async fn orders_route_reserve_wait_as_quehuo_and_release_on_sqlite() {
    let (app, _d) = sqlite().await;
    orders_route_reserve_wait_and_release(app).await;
}

#[tokio::test]
async fn orders_route_reserve_wait_as_quehuo_and_release_on_postgres() {
    let (app, _d) = postgres().await;
    orders_route_reserve_wait_and_release(app).await;
}

#[tokio::test]
async fn a_rule_sends_zhejiang_orders_to_guangzhou_and_a_bad_setup_names_its_fields() {
    let (app, _d) = sqlite().await;
    let m = merchant(&app).await;
    let bad = RoutingSetup {
        rules: vec![Rule {
            name: "".into(),
            effect: Effect::Allow(vec![]),
            ..Default::default()
        }],
        ..Default::default()
    };
    let e = app.set_routing_setup(bad, &actor()).await.unwrap_err();
    let text = format!("{e:?}");
    assert!(
        text.contains("rules[0].name") && text.contains("rules[0].effect"),
        "{text}"
    );
    let missing = RoutingSetup {
        rules: vec![Rule {
            name: "不存在的仓".into(),
            effect: Effect::Forbid(vec![WarehouseId(999)]),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert!(app.set_routing_setup(missing, &actor()).await.is_err());

    let setup = RoutingSetup {
        rules: vec![Rule {
            name: "浙江走广州".into(),
            provinces: vec!["浙江".into()],
            effect: Effect::Allow(vec![m.gz]),
            carrier: Some("SF".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    app.set_routing_setup(setup.clone(), &actor())
        .await
        .unwrap();
    assert_eq!(app.routing_setup().await.unwrap(), setup);
    let shop = app
        .shops(&Default::default(), &PageRequest::default())
        .await
        .unwrap()
        .items[0]
        .id;
    app.import_order_file(
        shop,
        OrderFile::Template,
        ("orders.csv", orders().as_bytes()),
        None,
        &actor(),
    )
    .await
    .unwrap();
    let b1 = order_id(&app, "B1").await;
    app.approve_orders(&admin(), &[b1], &actor()).await.unwrap();
    let out = app
        .allocate_orders(&admin(), &[b1], &actor())
        .await
        .unwrap();
    let d = out[0].decision.clone().unwrap();
    assert_eq!(d.shipments[0].warehouse, m.gz);
    assert_eq!(d.carrier.as_deref(), Some("SF"));
    assert!(d.why[0].by.contains("浙江走广州"));
}

/// 合单 M1 (a 杯子: only 广州 has it) and M2 (a T恤: 杭州 is nearer) from one 浙江 buyer:
/// M2 follows M1 to 广州 so the two ship as one parcel, and says why; a T恤 order from
/// another buyer still ships from 杭州.
async fn merged_orders_ship_from_one_warehouse(app: App) {
    let m = merchant(&app).await;
    import(
        &app,
        &[
            row("M1", "same", "CUP", 1),
            row("M2", "same", "TEE", 1),
            row("M3", "other", "TEE", 1),
        ],
    )
    .await;
    let (m1, m2, m3) = (
        order_id(&app, "M1").await,
        order_id(&app, "M2").await,
        order_id(&app, "M3").await,
    );
    let merged = app
        .merge_orders(&admin(), &[m1, m2], &actor())
        .await
        .unwrap();
    assert!(merged.iter().all(|o| o.ok), "{merged:?}");
    app.approve_orders(&admin(), &[m1, m2, m3], &actor())
        .await
        .unwrap();
    let out = app
        .allocate_orders(&admin(), &[m1, m2, m3], &actor())
        .await
        .unwrap();
    let from: Vec<Vec<WarehouseId>> = out
        .iter()
        .map(|o| {
            o.decision
                .iter()
                .flat_map(|d| d.shipments.iter().map(|s| s.warehouse))
                .collect()
        })
        .collect();
    assert_eq!(from, [vec![m.gz], vec![m.gz], vec![m.hz]], "{out:#?}");
    let why = &out[1].decision.as_ref().unwrap().why;
    assert!(
        why.iter().any(|s| s.by.contains("合单同仓")),
        "M2 says it followed its merged order: {why:?}"
    );
    let report = app.check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[tokio::test]
async fn merged_orders_ship_from_one_warehouse_on_sqlite() {
    let (app, _dir) = sqlite().await;
    merged_orders_ship_from_one_warehouse(app).await;
}

#[tokio::test]
async fn merged_orders_ship_from_one_warehouse_on_postgres() {
    let (app, _dir) = postgres().await;
    merged_orders_ship_from_one_warehouse(app).await;
}

/// S1 (2 T恤 + 1 杯子 to 杭州) ships whole from 广州 — the only warehouse with both. Split
/// (拆单) into the T恤 and the 杯子, each part is routed on its own: the T恤 from 杭州
/// nearby, the 杯子 from 广州.
async fn a_split_order_is_routed_part_by_part(app: App) {
    use jxc_core::orders::split::PartLine;
    let m = merchant(&app).await;
    import(
        &app,
        &[
            row("S1", "b-S1", "TEE", 2),
            row("S1", "b-S1", "CUP", 1),
            row("S2", "b-S2", "TEE", 2),
            row("S2", "b-S2", "CUP", 1),
        ],
    )
    .await;
    let (s1, s2) = (order_id(&app, "S1").await, order_id(&app, "S2").await);
    app.split_order(
        &admin(),
        s1,
        &[
            vec![PartLine { line: 1, qty: 2 }],
            vec![PartLine { line: 2, qty: 1 }],
        ],
        &actor(),
    )
    .await
    .unwrap();
    let approved = app
        .approve_orders(&admin(), &[s1, s2], &actor())
        .await
        .unwrap();
    assert!(approved.iter().all(|o| o.ok), "{approved:?}");
    let out = app
        .allocate_orders(&admin(), &[s1, s2], &actor())
        .await
        .unwrap();
    let lines = |i: usize| -> Vec<(WarehouseId, Vec<(SkuId, i64)>)> {
        out[i]
            .decision
            .iter()
            .flat_map(|d| d.shipments.iter().map(|s| (s.warehouse, s.lines.clone())))
            .collect()
    };
    assert_eq!(
        lines(0),
        vec![(m.hz, vec![(m.tee, 2)]), (m.gz, vec![(m.cup, 1)])],
        "{out:#?}"
    );
    // S2, whole, sees what S1 took: 广州 still has both.
    assert_eq!(
        lines(1),
        vec![(m.gz, vec![(m.tee, 2), (m.cup, 1)])],
        "{out:#?}"
    );
    let why = &out[0].decision.as_ref().unwrap().why;
    assert!(
        why.iter().any(|s| s.by.starts_with("第 2 部分 / part 2")),
        "{why:?}"
    );
    assert_eq!(reserved(&app, m.hz, m.tee).await, 2);
    assert_eq!(reserved(&app, m.gz, m.cup).await, 2);
    assert_eq!(reserved(&app, m.gz, m.tee).await, 2);
    let saved = app.allocation(&admin(), s1).await.unwrap().unwrap();
    assert_eq!(saved.status, AllocationStatus::Allocated);
    assert_eq!(saved.reservation_ids.len(), 2);
    let report = app.check().await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[tokio::test]
async fn a_split_order_is_routed_part_by_part_on_sqlite() {
    let (app, _dir) = sqlite().await;
    a_split_order_is_routed_part_by_part(app).await;
}

#[tokio::test]
async fn a_split_order_is_routed_part_by_part_on_postgres() {
    let (app, _dir) = postgres().await;
    a_split_order_is_routed_part_by_part(app).await;
}

/// P1 and P2 both wait for 3 杯子 (广州 has 2). P2 was paid an hour earlier, though it
/// came in second: when one more 杯子 arrives, P2 gets them.
async fn short_orders_get_arriving_stock_oldest_paid_first(app: App) {
    let m = merchant(&app).await;
    let paid = |id: &str, at: &str| {
        format!(
            "{id},b-{id},买家{id},13800001111,,广东省,广州市,天河区,体育西路1号,,,,2026-11-20 08:00:00,2026-11-20 {at},CUP,杯子,,3,10.00,0,0,,,"
        )
    };
    import(&app, &[paid("P1", "10:00:00"), paid("P2", "09:00:00")]).await;
    let (p1, p2) = (order_id(&app, "P1").await, order_id(&app, "P2").await);
    assert!(p1 < p2);
    app.approve_orders(&admin(), &[p1, p2], &actor())
        .await
        .unwrap();
    let out = app
        .allocate_orders(&admin(), &[p1, p2], &actor())
        .await
        .unwrap();
    assert!(out.iter().all(|o| o.status == "short"), "{out:#?}");
    // The receipt retries the 缺货 orders itself.
    receive(&app, m.gz, m.cup, 1).await;
    let status = |a: Option<jxc_store::Allocation>| a.map(|a| a.status);
    assert_eq!(
        status(app.allocation(&admin(), p2).await.unwrap()),
        Some(AllocationStatus::Allocated)
    );
    assert_eq!(
        status(app.allocation(&admin(), p1).await.unwrap()),
        Some(AllocationStatus::Short)
    );
    assert_eq!(reserved(&app, m.gz, m.cup).await, 3);
}

#[tokio::test]
async fn short_orders_get_arriving_stock_oldest_paid_first_on_sqlite() {
    let (app, _dir) = sqlite().await;
    short_orders_get_arriving_stock_oldest_paid_first(app).await;
}

#[tokio::test]
async fn short_orders_get_arriving_stock_oldest_paid_first_on_postgres() {
    let (app, _dir) = postgres().await;
    short_orders_get_arriving_stock_oldest_paid_first(app).await;
}
