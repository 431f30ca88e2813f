//! Imports and exports as a merchant uses them: the spreadsheets they already have go in,
//! bad rows come back with their row number, and what goes out comes back in unchanged.

use calamine::{Data, Reader};
use jxc_app::imports::ImportReport;
use jxc_app::{Actor, App, Error};
use jxc_core::catalog::{SkuInput, Tracking};
use jxc_core::ids::WarehouseId;
use jxc_core::money::Fen;
use jxc_core::paging::PageRequest;
use jxc_core::warehouses::{Warehouse, WarehouseInput};
use jxc_store::{BalanceFilter, BalanceRow, MoveFilter, SkuFilter};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

struct World {
    app: App,
    actor: Actor,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let app = App::open(&url).await.expect("open db");
    World {
        app,
        actor: Actor("tester".into()),
        _dir: dir,
    }
}

impl World {
    async fn warehouse(&self, code: &str) -> Warehouse {
        self.app
            .create_warehouse(
                &WarehouseInput {
                    code: Some(code.into()),
                    name: Some(format!("{code} 仓")),
                    ..Default::default()
                },
                &self.actor,
            )
            .await
            .expect("create warehouse")
    }

    async fn sku(&self, code: &str, tracking: &str) {
        self.app
            .create_sku(
                &SkuInput {
                    code: Some(code.into()),
                    name: Some(format!("商品 {code}")),
                    tracking: Some(tracking.into()),
                    ..Default::default()
                },
                &self.actor,
            )
            .await
            .expect("create sku");
    }

    async fn balances(&self, warehouse: WarehouseId) -> Vec<BalanceRow> {
        let f = BalanceFilter {
            warehouse_id: Some(warehouse),
            ..Default::default()
        };
        self.app
            .store
            .list_balances(&f, &PageRequest::new(Some(1000), None, false).unwrap())
            .await
            .expect("balances")
            .items
    }
}

/// An .xlsx with these rows on its first sheet, every cell text.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The rows of the first sheet of an .xlsx, as text.
fn sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn error_rows(r: &ImportReport) -> Vec<(usize, &str)> {
    r.errors.iter().map(|e| (e.row, e.field.as_str())).collect()
}

const SKU_HEADER: &str = "商家编码,商品名称,条码,单位,售价,成本价,重量(g)";

#[tokio::test]
async fn a_gbk_csv_from_taobao_with_text_marks_and_yuan_suffixes_imports() {
    let w = world().await;
    let csv = format!(
        "{SKU_HEADER}\r\n\
         =\"TS-BLK-L\",纯棉T恤 黑色 L,=\"6901234567892\",件,99.00元,￥35.50,200\r\n\
         '00123,保温杯 500ml,'6901234567893，6901234567894,个,\"1,299.00\",12.5元,\"350\"\r\n"
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&csv);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "the file really is GBK");

    let r = w
        .app
        .import_skus("淘宝导出.csv", &gbk, &w.actor)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.total_rows, r.created), (2, 2));

    let tee = w
        .app
        .store
        .get_sku_by_code("TS-BLK-L")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tee.fields.name, "纯棉T恤 黑色 L");
    assert_eq!(tee.fields.barcodes, vec!["6901234567892"]);
    assert_eq!(tee.fields.list_price, Fen(9900));
    assert_eq!(tee.fields.default_cost, Fen(3550));
    assert_eq!(tee.fields.weight_g, 200);
    let cup = w.app.store.get_sku_by_code("00123").await.unwrap().unwrap();
    assert_eq!(cup.fields.barcodes, vec!["6901234567893", "6901234567894"]);
    assert_eq!(cup.fields.list_price, Fen(129900));
    assert_eq!(cup.fields.default_cost, Fen(1250));
    assert_eq!(cup.fields.unit.as_str(), "个");
}

#[tokio::test]
async fn a_utf8_csv_with_bom_english_headers_in_another_order_and_extra_columns_imports() {
    let w = world().await;
    let csv = "\u{feff}Remark,List_Price,NAME,code,tracking,shelf_life_days,active\n\
               hello,10,Milk 1L,MILK-1,lot_expiry,30,否\n\
               \n\
               ,,,,,,\n\
               x,5.5,Bread,BREAD-1,,,\n";
    let r = w
        .app
        .import_skus("skus.csv", csv.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.total_rows, r.created), (2, 2));
    let milk = w
        .app
        .store
        .get_sku_by_code("MILK-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(milk.fields.tracking, Tracking::LotExpiry);
    assert_eq!(milk.fields.shelf_life_days, Some(30));
    assert!(!milk.fields.active);
    assert_eq!(milk.fields.list_price, Fen(1000));
}

#[tokio::test]
async fn a_bad_row_in_a_4_row_sheet_is_reported_with_its_row_number_and_the_other_3_are_imported() {
    let w = world().await;
    let file = xlsx(&[
        &["商品名称", "商家编码", "售价"],
        &["一号", "A-1", "10"],
        &["二号", "A-2", "十块"],
        &["三号", "A-3", "12.5"],
        &["四号", "A-4", "0.01"],
    ]);
    let r = w
        .app
        .import_skus("商品.xlsx", &file, &w.actor)
        .await
        .unwrap();
    assert_eq!(error_rows(&r), vec![(3, "list_price")]);
    assert!(
        r.errors[0].reason.starts_with("售价"),
        "{}",
        r.errors[0].reason
    );
    assert_eq!((r.total_rows, r.created), (4, 3));
    let a3 = w.app.store.get_sku_by_code("A-3").await.unwrap().unwrap();
    assert_eq!(a3.fields.list_price, Fen(1250));
    assert!(w.app.store.get_sku_by_code("A-2").await.unwrap().is_none());
}

#[tokio::test]
async fn every_kind_of_bad_row_in_an_xlsx_is_reported_by_row_and_the_good_rows_are_imported() {
    let w = world().await;
    w.app
        .create_sku(
            &SkuInput {
                code: Some("OLD-1".into()),
                name: Some("老商品".into()),
                barcodes: Some(vec!["6900000000001".into()]),
                ..Default::default()
            },
            &w.actor,
        )
        .await
        .unwrap();
    let file = xlsx(&[
        &["备注", "商家编码", "商品名称", "条码", "单位", "售价"],
        &["", "GOOD-1", "好商品一", "111", "件", "10"],
        &["", "", "没有编码", "", "件", "10"],
        &["", "GOOD-2", "好商品二", "222", "件", "10"],
        &["", "DUP-BAR", "条码与第4行重复", "222", "件", "10"],
        &[
            "",
            "OWNED-BAR",
            "条码属于老商品",
            "6900000000001",
            "件",
            "10",
        ],
        &["", "NEG", "负价", "", "件", "-5.00"],
        &["", "TON", "未知单位", "", "吨", "10"],
        &["", "GOOD-3", "好商品三", "333 / 334", "双", "¥8.80"],
    ]);
    let r = w
        .app
        .import_skus("商品.xlsx", &file, &w.actor)
        .await
        .unwrap();
    assert_eq!(
        error_rows(&r),
        vec![
            (3, "code"),
            (5, "barcodes"),
            (6, "barcodes"),
            (7, "list_price"),
            (8, "unit")
        ],
        "{:#?}",
        r.errors
    );
    assert!(r.errors.iter().all(|e| !e.reason.is_empty()));
    assert!(
        r.errors[1].reason.contains("第 4 行"),
        "{}",
        r.errors[1].reason
    );
    assert_eq!((r.total_rows, r.created, r.updated), (8, 3, 0));
    let g3 = w
        .app
        .store
        .get_sku_by_code("GOOD-3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g3.fields.barcodes, vec!["333", "334"]);
    assert_eq!(g3.fields.list_price, Fen(880));
    for bad in ["DUP-BAR", "OWNED-BAR", "NEG", "TON"] {
        assert!(
            w.app.store.get_sku_by_code(bad).await.unwrap().is_none(),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let w = world().await;
    let file = xlsx(&[
        &[
            "商家编码",
            "商品名称",
            "条码",
            "售价",
            "批次管理",
            "允许负库存",
        ],
        &["X-1", "商品一", "123,124", "1.50", "批次", "是"],
        &["X-2", "商品二", "", "2", "", "否"],
    ]);
    let first = w.app.import_skus("a.xlsx", &file, &w.actor).await.unwrap();
    assert_eq!((first.created, first.updated), (2, 0));
    let again = w.app.import_skus("a.xlsx", &file, &w.actor).await.unwrap();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
}

#[tokio::test]
async fn a_file_with_fewer_columns_updates_only_what_it_names() {
    let w = world().await;
    let full = "商家编码,商品名称,售价,成本价,品牌\nK-1,旧名,10,6,老牌子\n";
    w.app
        .import_skus("full.csv", full.as_bytes(), &w.actor)
        .await
        .unwrap();
    let prices = "商家编码,商品名称,售价\nK-1,旧名,12\n";
    let r = w
        .app
        .import_skus("prices.csv", prices.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!((r.updated, r.created), (1, 0));
    let k = w.app.store.get_sku_by_code("K-1").await.unwrap().unwrap();
    assert_eq!(k.fields.list_price, Fen(1200));
    assert_eq!(k.fields.default_cost, Fen(600), "cost kept");
    assert_eq!(k.fields.brand, "老牌子", "brand kept");
}

#[tokio::test]
async fn exported_skus_open_in_excel_and_re_import_with_zero_changes() {
    let w = world().await;
    let file = xlsx(&[
        &[
            "商家编码",
            "商品名称",
            "条码",
            "颜色",
            "尺码",
            "单位",
            "重量(g)",
            "体积(cm³)",
            "售价",
            "成本价",
            "分类",
            "品牌",
            "批次管理",
            "保质期(天)",
            "允许负库存",
            "启用",
        ],
        &[
            "00042",
            "纯棉T恤",
            "6901234567892,6901234567899",
            "黑色",
            "L",
            "件",
            "200",
            "1500",
            "99.90",
            "35.05",
            "服装",
            "棉棉",
            "",
            "",
            "否",
            "是",
        ],
        &[
            "MILK-1L",
            "牛奶 1L",
            "",
            "",
            "",
            "盒",
            "1030",
            "",
            "0.10",
            "0.01",
            "食品",
            "",
            "批次效期",
            "21",
            "是",
            "是",
        ],
        &[
            "OFF-1",
            "停售",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "序列号",
            "",
            "",
            "否",
        ],
    ]);
    let r = w
        .app
        .import_skus("商品.xlsx", &file, &w.actor)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.created, 3);
    // A SKU created by hand, with custom attributes a file has no column for.
    w.app
        .create_sku(
            &SkuInput {
                code: Some("ATTR-1".into()),
                name: Some("带属性".into()),
                list_price: Some(123_456_789_012),
                attrs: Some(serde_json::json!({"材质": "棉"})),
                ..Default::default()
            },
            &w.actor,
        )
        .await
        .unwrap();

    let out = w.app.export_skus(&SkuFilter::default()).await.unwrap();
    let rows = sheet(&out);
    assert_eq!(
        rows[0],
        vec![
            "商家编码",
            "商品名称",
            "条码",
            "颜色",
            "尺码",
            "单位",
            "重量(g)",
            "体积(cm³)",
            "售价",
            "成本价",
            "分类",
            "品牌",
            "批次管理",
            "保质期(天)",
            "允许负库存",
            "启用"
        ]
    );
    assert_eq!(rows.len(), 1 + 4);
    assert!(rows.iter().any(|r| r[0] == "00042"), "codes stay text");

    let again = w
        .app
        .import_skus("导出.xlsx", &out, &w.actor)
        .await
        .unwrap();
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 4));
    let a = w
        .app
        .store
        .get_sku_by_code("ATTR-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.fields.attrs, serde_json::json!({"材质": "棉"}));
    assert_eq!(a.fields.list_price, Fen(123_456_789_012));
}

#[tokio::test]
async fn an_export_of_more_than_one_page_has_every_sku() {
    let w = world().await;
    let mut csv = String::from("商家编码,商品名称,售价\n");
    for i in 0..1203 {
        csv.push_str(&format!("P-{i:05},商品 {i},{i}.{:02}\n", i % 100));
    }
    let r = w
        .app
        .import_skus("many.csv", csv.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!(r.created, 1203);
    let out = w.app.export_skus(&SkuFilter::default()).await.unwrap();
    assert_eq!(sheet(&out).len(), 1 + 1203);
    let again = w.app.import_skus("x.xlsx", &out, &w.actor).await.unwrap();
    assert_eq!((again.unchanged, again.updated), (1203, 0));
}

#[tokio::test]
async fn opening_stock_of_3_at_12_50_is_worth_3750_fen_and_bad_rows_are_reported() {
    let w = world().await;
    let wh = w.warehouse("WH1").await;
    w.sku("TEE", "none").await;
    w.sku("MILK", "lot_expiry").await;
    let csv = "仓库编码,商家编码,批次号,到期日期,数量,单位成本,备注\n\
               WH1,TEE,,,3,12.50,\n\
               NOPE,TEE,,,1,1,unknown warehouse\n\
               WH1,GHOST,,,1,1,unknown sku\n\
               WH1,MILK,,,1,1,lot missing\n\
               WH1,TEE,,,0,1,zero qty\n\
               WH1,TEE,,,1,-1,negative cost\n\
               WH1,MILK,L2501,2026/06/30,10,4.2元,\n";
    let r = w
        .app
        .import_stock("期初.csv", csv.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!(
        error_rows(&r),
        vec![
            (3, "warehouse"),
            (4, "sku"),
            (5, "lot_no"),
            (6, "qty"),
            (7, "unit_cost")
        ],
        "{:#?}",
        r.errors
    );
    assert_eq!((r.total_rows, r.posted_lines, r.documents.len()), (7, 2, 1));
    assert!(r.documents[0].starts_with("QC"), "{}", r.documents[0]);

    let b = w.balances(wh.id).await;
    let tee = b.iter().find(|b| b.sku_code == "TEE").unwrap();
    assert_eq!((tee.on_hand, tee.value), (3, Fen(3750)));
    assert_eq!(tee.location_id, wh.default_location);
    let milk = b.iter().find(|b| b.sku_code == "MILK").unwrap();
    assert_eq!((milk.on_hand, milk.value), (10, Fen(4200)));
    assert_eq!(milk.lot_no, "L2501");
    assert_eq!(
        milk.expiry_date.map(|d| d.to_string()).as_deref(),
        Some("2026-06-30")
    );
    assert!(w.app.check().await.unwrap().is_clean());
}

#[tokio::test]
async fn importing_the_same_stock_file_twice_posts_nothing_the_second_time() {
    let w = world().await;
    let wh = w.warehouse("WH1").await;
    w.sku("TEE", "none").await;
    let csv = "仓库,商家编码,数量,单位成本\nWH1,TEE,3,12.50\n";
    let first = w
        .app
        .import_stock("期初.csv", csv.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!(first.posted_lines, 1);
    let again = w
        .app
        .import_stock("期初-副本.csv", csv.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!((again.posted_lines, again.documents.len()), (0, 0));
    assert_eq!(error_rows(&again), vec![(0, "file")]);
    assert!(again.errors[0].reason.contains(&first.documents[0]));
    let b = w.balances(wh.id).await;
    assert_eq!((b[0].on_hand, b[0].value), (3, Fen(3750)));
}

#[tokio::test]
async fn fixing_the_bad_rows_and_importing_the_whole_file_again_posts_only_the_fixed_rows() {
    let w = world().await;
    let wh = w.warehouse("WH1").await;
    w.sku("TEE", "none").await;
    w.sku("CAP", "none").await;
    let bad = "仓库,商家编码,数量,单位成本\nWH1,TEE,3,12.50\nWH1,CAP,two,5.00\nWH1,TEE,1,12.50\n";
    let first = w
        .app
        .import_stock("期初.csv", bad.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!(first.posted_lines, 1);
    // Row 4 names the same SKU, location and lot as row 2: refused, not added to it.
    assert_eq!(error_rows(&first), vec![(3, "qty"), (4, "sku")]);
    let fixed = "仓库,商家编码,数量,单位成本\nWH1,TEE,3,12.50\nWH1,CAP,2,5.00\n";
    let second = w
        .app
        .import_stock("期初.csv", fixed.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!(
        second.posted_lines, 1,
        "only CAP is new: {:#?}",
        second.errors
    );
    assert_eq!(error_rows(&second), vec![(2, "sku")]);
    assert!(second.errors[0].reason.contains(&first.documents[0]));
    let b = w.balances(wh.id).await;
    let qty = |code: &str| {
        b.iter()
            .find(|x| x.sku_code == code)
            .map(|x| (x.on_hand, x.value))
    };
    assert_eq!(
        (qty("TEE"), qty("CAP")),
        (Some((3, Fen(3750))), Some((2, Fen(1000))))
    );
    assert!(w.app.check().await.unwrap().is_clean());
}

#[tokio::test]
async fn opening_stock_from_an_xlsx_with_date_cells_and_named_locations_goes_to_each_warehouse() {
    let w = world().await;
    let wh1 = w.warehouse("WH1").await;
    let wh2 = w.warehouse("WH2").await;
    let loc = w
        .app
        .create_location(
            &jxc_core::warehouses::LocationInput {
                warehouse_id: Some(wh2.id.0),
                code: Some("A-01-01".into()),
                ..Default::default()
            },
            &w.actor,
        )
        .await
        .unwrap();
    w.sku("MILK", "lot_expiry").await;
    w.sku("TEE", "none").await;

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let header = [
        "仓库",
        "库位",
        "商家编码",
        "批次",
        "生产日期",
        "有效期至",
        "数量",
        "成本价",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "WH2").unwrap();
    ws.write_string(1, 1, "A-01-01").unwrap();
    ws.write_string(1, 2, "MILK").unwrap();
    ws.write_string(1, 3, "L1").unwrap();
    ws.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2026, 1, 2).unwrap(), &date)
        .unwrap();
    ws.write_datetime_with_format(1, 5, ExcelDateTime::from_ymd(2026, 3, 2).unwrap(), &date)
        .unwrap();
    ws.write_number(1, 6, 5).unwrap();
    ws.write_number(1, 7, 2.5).unwrap();
    ws.write_string(2, 0, "WH1").unwrap();
    ws.write_string(2, 2, "TEE").unwrap();
    ws.write_number(2, 6, 2).unwrap();
    ws.write_string(2, 7, "3").unwrap();
    ws.write_string(3, 0, "WH1").unwrap();
    ws.write_string(3, 1, "NO-SUCH").unwrap();
    ws.write_string(3, 2, "TEE").unwrap();
    ws.write_number(3, 6, 2).unwrap();
    ws.write_string(3, 7, "3").unwrap();
    let file = wb.save_to_buffer().unwrap();

    let r = w
        .app
        .import_stock("期初.xlsx", &file, &w.actor)
        .await
        .unwrap();
    assert_eq!(error_rows(&r), vec![(4, "location")], "{:#?}", r.errors);
    assert_eq!((r.posted_lines, r.documents.len()), (2, 2));
    let milk = &w.balances(wh2.id).await[0];
    assert_eq!(milk.location_id, loc.id);
    assert_eq!((milk.on_hand, milk.value), (5, Fen(1250)));
    assert_eq!(
        milk.expiry_date.map(|d| d.to_string()).as_deref(),
        Some("2026-03-02")
    );
    let tee = &w.balances(wh1.id).await[0];
    assert_eq!((tee.on_hand, tee.value), (2, Fen(600)));
}

#[tokio::test]
async fn stock_and_ledger_exports_open_in_excel_with_their_header_and_every_row() {
    let w = world().await;
    let wh = w.warehouse("WH1").await;
    w.sku("TEE", "none").await;
    w.sku("CUP", "none").await;
    // 仓库 holds names here: the 仓库编码 column is the one to use.
    let csv =
        "仓库,商家编码,数量,单位成本,仓库编码\n一号仓,TEE,3,12.50,WH1\n一号仓,CUP,1,0.05,WH1\n";
    w.app
        .import_stock("期初.csv", csv.as_bytes(), &w.actor)
        .await
        .unwrap();

    let stock = sheet(
        &w.app
            .export_stock(&BalanceFilter {
                warehouse_id: Some(wh.id),
                ..Default::default()
            })
            .await
            .unwrap(),
    );
    assert_eq!(
        stock[0],
        vec![
            "仓库",
            "库位",
            "商家编码",
            "商品名称",
            "批次号",
            "到期日期",
            "在库",
            "占用",
            "可用",
            "库存金额"
        ]
    );
    assert_eq!(stock.len(), 1 + 2);
    let tee = stock.iter().find(|r| r[2] == "TEE").unwrap();
    assert_eq!((tee[6].as_str(), tee[9].as_str()), ("3", "37.5"));

    let moves = sheet(&w.app.export_moves(&MoveFilter::default()).await.unwrap());
    assert_eq!(
        moves[0],
        vec![
            "流水号",
            "单据号",
            "类型",
            "商家编码",
            "仓库ID",
            "库位",
            "批次号",
            "数量",
            "金额",
            "时间",
            "操作人"
        ]
    );
    assert_eq!(moves.len(), 1 + 2);
    assert_eq!(moves[1][2], "期初");
    assert_eq!(moves[1][10], "tester");
    assert_eq!(moves[1][9].len(), "2025-01-01 00:00:00".len());
}

#[tokio::test]
async fn a_file_without_the_code_column_is_refused_as_a_whole() {
    let w = world().await;
    let e = w
        .app
        .import_skus("x.csv", "名称,售价\n杯子,1\n".as_bytes(), &w.actor)
        .await
        .unwrap_err();
    let Error::Invalid(v) = e else {
        panic!("{e:?}")
    };
    assert_eq!(v[0].field, "file");
    assert!(v[0].reason.contains("商家编码"), "{}", v[0].reason);
    let e = w
        .app
        .import_stock("x.csv", "仓库,数量\nWH1,1\n".as_bytes(), &w.actor)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
}

#[tokio::test]
async fn garbage_empty_ragged_and_huge_inputs_give_errors_not_panics() {
    let w = world().await;
    w.warehouse("WH1").await;
    w.sku("TEE", "none").await;
    let huge = "99999999999999999999999";
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty.csv", Vec::new()),
        ("header-only.csv", SKU_HEADER.as_bytes().to_vec()),
        (
            "ragged.csv",
            format!("{SKU_HEADER}\nR-1\nR-2,名字,1,2,3,4,5,6,7,8,9\n,,\n").into_bytes(),
        ),
        (
            "huge.csv",
            format!("{SKU_HEADER}\nH-1,大,{huge},件,{huge},{huge}.99,{huge}\n").into_bytes(),
        ),
        (
            "bad-utf8.csv",
            vec![0xff, 0xfe, 0xfd, b'\n', 0x80, 0x81, b',', 0xc3],
        ),
        ("not-really.xlsx", b"PK\x03\x04 this is no zip".to_vec()),
        (
            "random.bin",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        ("quote.csv", b"\"\"\"\n\"unterminated,,\n".to_vec()),
    ];
    for (name, bytes) in &inputs {
        let _ = w.app.import_skus(name, bytes, &w.actor).await;
        let _ = w.app.import_stock(name, bytes, &w.actor).await;
    }
    let header_only = w
        .app
        .import_skus("h.csv", SKU_HEADER.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!((header_only.total_rows, header_only.created), (0, 0));
    let huge_row = w
        .app
        .import_skus("huge.csv", &inputs[3].1, &w.actor)
        .await
        .unwrap();
    assert_eq!(huge_row.created, 0);
    assert!(huge_row.errors.iter().all(|e| e.row == 2));
    let stock =
        format!("仓库,商家编码,数量,单位成本\nWH1,TEE,{huge},1\nWH1,TEE,4611686018427387904,100\n");
    let r = w
        .app
        .import_stock("huge-stock.csv", stock.as_bytes(), &w.actor)
        .await
        .unwrap();
    assert_eq!(error_rows(&r), vec![(2, "qty"), (3, "unit_cost")]);
    assert_eq!(r.posted_lines, 0);
}

#[test]
fn imports_and_exports_can_run_on_any_server_thread() {
    fn send<T: Send>(_: &T) {}
    // Never polled: only the types matter.
    let app: Option<App> = None;
    if let Some(app) = app {
        let a = Actor("x".into());
        send(&app.import_skus("a.csv", b"", &a));
        send(&app.import_stock("a.csv", b"", &a));
        send(&app.export_skus(&SkuFilter::default()));
        send(&app.export_stock(&BalanceFilter::default()));
        send(&app.export_moves(&MoveFilter::default()));
    }
}
