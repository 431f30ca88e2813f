//! Order files as merchants download them: the Taobao seller-centre 订单报表 and 宝贝报表
//! (GBK or UTF-8, `="…"` ids, `'` phones, `元` amounts) and jxc's own order template.
//! Every order that comes out adds up to the fen; every bad row comes back with its row,
//! its column and a reason, and the good orders are all kept.

use jxc_app::imports::RowError;
use jxc_app::imports::orders::{
    ParsedOrders, SUMMARY_LINE_SPEC, parse_taobao, parse_template, split_address, template_headers,
};
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_core::orders::NewOrder;

const SHOP: ShopId = ShopId(7);

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/orders/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The GBK 订单报表 with its 宝贝报表.
fn taobao_with_lines() -> ParsedOrders {
    let orders = fixture("taobao_orders.csv");
    let lines = fixture("taobao_order_lines.csv");
    parse_taobao(
        SHOP,
        ("ExportOrderList202411.csv", &orders),
        Some(("ExportOrderDetailList202411.csv", &lines)),
    )
}

fn order<'a>(p: &'a ParsedOrders, id: &str) -> &'a NewOrder {
    p.orders
        .iter()
        .map(|(_, o)| o)
        .find(|o| o.platform_order_id == id)
        .unwrap_or_else(|| panic!("order {id} missing; errors: {:#?}", p.errors))
}

fn yuan(s: &str) -> Fen {
    Fen::parse_yuan("test", s).unwrap()
}

fn errors(p: &ParsedOrders) -> Vec<(usize, String, String)> {
    p.errors
        .iter()
        .map(|e: &RowError| (e.row, e.field.clone(), e.reason.clone()))
        .collect()
}

/// The figures of an order agree with each other: per line, price × qty less its
/// discounts is what it paid; per order, goods + shipping − discounts − points = paid,
/// and the lines add up to paid − shipping.
fn assert_adds_up(o: &NewOrder) {
    for l in &o.lines {
        assert_eq!(
            l.unit_price.0 * l.qty - l.line_discount.0 - l.order_discount_share.0,
            l.paid.0,
            "line {l:?} of {}",
            o.platform_order_id
        );
    }
    let own: i64 = o.lines.iter().map(|l| l.line_discount.0).sum();
    let gross: i64 = o.lines.iter().map(|l| l.unit_price.0 * l.qty).sum();
    assert_eq!(gross, o.goods_amount.0, "{}", o.platform_order_id);
    assert_eq!(
        o.goods_amount.0 + o.shipping_fee.0 - own - o.discount_merchant.0 - o.points_value.0,
        o.paid_amount.0,
        "{}",
        o.platform_order_id
    );
    assert!(o.amounts_add_up(), "{o:#?}");
}

const O1: &str = "2287451234567890123";
const O2: &str = "2287451234567890124";
const O3: &str = "2287451234567890125";
const O4: &str = "2287451234567890126";
const O5: &str = "2287451234567890127";
const O6: &str = "2287451234567890128";

#[test]
fn a_taobao_export_with_its_lines_file_gives_orders_whose_lines_add_up_to_the_paid_amount() {
    let p = taobao_with_lines();
    assert_eq!(p.total_rows, 6);
    let ids: Vec<(usize, &str)> = p
        .orders
        .iter()
        .map(|(n, o)| (*n, o.platform_order_id.as_str()))
        .collect();
    assert_eq!(ids, vec![(2, O1), (3, O2), (4, O3), (5, O4), (7, O6)]);
    for (_, o) in &p.orders {
        assert_adds_up(o);
        assert_eq!(o.shop_id, SHOP);
        assert_eq!(o.currency, "CNY");
    }

    // Three lines, 满150减20 not itemised by the export: 187.60 of goods, 167.60 paid.
    let o = order(&p, O1);
    assert_eq!(o.platform_status, "买家已付款，等待卖家发货");
    assert_eq!(o.buyer_nick, "tb_zhang3");
    assert_eq!(o.buyer_message, "请尽快发货，谢谢");
    assert_eq!(o.seller_memo, "满150减20");
    assert_eq!(o.created_at, 1_731_254_465_000); // 2024-11-11 00:01:05 China time
    assert_eq!(o.paid_at, Some(1_731_254_490_000));
    assert_eq!(o.goods_amount, yuan("187.60"));
    assert_eq!(o.shipping_fee, Fen::ZERO);
    assert_eq!(o.paid_amount, yuan("167.60"));
    assert_eq!(o.discount_merchant, yuan("20.00"));
    let lines: Vec<(&str, &str, i64, Fen, Fen, Fen)> = o
        .lines
        .iter()
        .map(|l| {
            (
                l.platform_line_id.as_str(),
                l.outer_code.as_str(),
                l.qty,
                l.unit_price,
                l.order_discount_share,
                l.paid,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (
                "2287451234567890200",
                "TS-001-BK-L",
                2,
                yuan("59.00"),
                yuan("12.58"),
                yuan("105.42")
            ),
            (
                "2287451234567890201",
                "BAG-02-WH",
                1,
                yuan("39.90"),
                yuan("4.25"),
                yuan("35.65")
            ),
            (
                "2287451234567890202",
                "SK-05",
                3,
                yuan("9.90"),
                yuan("3.17"),
                yuan("26.53")
            ),
        ]
    );
    assert_eq!(o.lines[0].title, "纯棉短袖T恤男");
    assert_eq!(o.lines[0].spec, "颜色分类：黑色;尺码：L");
    assert_eq!(o.lines[0].refund_status, "没有申请退款");

    // 10 元 off the item (its 应付 99 of 109), 500 points (5 元), 8 元 shipping.
    let o = order(&p, O2);
    assert_eq!(o.goods_amount, yuan("109.00"));
    assert_eq!(o.shipping_fee, yuan("8.00"));
    assert_eq!(o.points_value, yuan("5.00"));
    assert_eq!(o.paid_amount, yuan("102.00"));
    assert_eq!(o.discount_merchant, Fen::ZERO);
    assert_eq!(o.lines[0].line_discount, yuan("10.00"));
    assert_eq!(o.lines[0].order_discount_share, yuan("5.00"));
    assert_eq!(o.lines[0].paid, yuan("94.00"));
    assert_eq!(o.receiver.phone, "021-50001234");

    // The item's 外部系统编号 stands in when 商家编码 is empty; 2024/11/1 9:30 is a time.
    let o = order(&p, O3);
    assert_eq!(o.lines[0].outer_code, "CB-1M");
    assert_eq!(o.created_at, 1_730_424_600_000);
    assert_eq!(
        o.receiver.mobile, "1387677****",
        "a masked mobile is kept as sent"
    );

    // Not paid yet: no payment time; the amount due is carried, the lines add up to it.
    let o = order(&p, O4);
    assert_eq!(o.platform_status, "等待买家付款");
    assert_eq!(o.paid_at, None);
    assert!(!o.is_paid());
    assert_eq!(o.paid_amount, yuan("68.00"));
    assert_eq!(o.lines[0].paid, yuan("60.00"));

    // Closed; the edited address wins over the first one.
    let o = order(&p, O6);
    assert_eq!(o.platform_status, "交易关闭");
    assert_eq!(o.receiver.district, "鼓楼区");
    assert_eq!(o.receiver.detail, "北京西路 2号");
    assert_eq!(o.receiver.zip, "210008");
}

#[test]
fn gbk_and_utf8_exports_read_the_same() {
    let gbk = fixture("taobao_orders.csv");
    let utf8 = fixture("taobao_orders_utf8.csv");
    // The two fixtures are one text in two encodings.
    let text = std::str::from_utf8(utf8.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    let (encoded, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert_eq!(encoded.as_ref(), gbk.as_slice());
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the GBK fixture is not UTF-8"
    );

    let lines = fixture("taobao_order_lines.csv");
    let a = parse_taobao(SHOP, ("订单.csv", &gbk), Some(("宝贝.csv", &lines)));
    let b = parse_taobao(SHOP, ("订单.csv", &utf8), Some(("宝贝.csv", &lines)));
    assert_eq!(a.orders, b.orders);
    assert_eq!(errors(&a), errors(&b));
    assert_eq!(a.orders.len(), 5);
    // Without a BOM too.
    let c = parse_taobao(
        SHOP,
        ("订单.csv", text.as_bytes()),
        Some(("宝贝.csv", &lines)),
    );
    assert_eq!(a.orders, c.orders);
}

#[test]
fn a_bad_money_cell_reports_its_row_and_column_and_keeps_the_other_orders() {
    let p = taobao_with_lines();
    let errs = errors(&p);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let (row, field, reason) = &errs[0];
    assert_eq!(*row, 6);
    assert_eq!(field, "paid_amount");
    assert!(
        reason.starts_with("买家实际支付金额: ") && reason.contains("8O.00"),
        "{reason}"
    );
    assert!(p.orders.iter().all(|(_, o)| o.platform_order_id != O5));
    assert_eq!(p.orders.len(), 5);

    // Fixed and imported again, the order comes in like the others.
    let fixed = fixture("taobao_orders_utf8.csv");
    let fixed = String::from_utf8(fixed).unwrap().replace("8O.00", "80.00");
    let p = parse_taobao(
        SHOP,
        ("o.csv", fixed.as_bytes()),
        Some(("l.csv", &fixture("taobao_order_lines.csv"))),
    );
    assert!(p.errors.is_empty(), "{:#?}", p.errors);
    assert_adds_up(order(&p, O5));
}

#[test]
fn the_address_column_splits_into_province_city_district_detail_and_zip() {
    let parts = |s: &str| {
        let r = split_address(s);
        [r.province, r.city, r.district, r.town, r.detail, r.zip]
    };
    let want = |a: [&str; 6]| a.map(String::from);
    assert_eq!(
        parts("浙江省 杭州市 西湖区 文三路 100号 2单元(310012)"),
        want([
            "浙江省",
            "杭州市",
            "西湖区",
            "",
            "文三路 100号 2单元",
            "310012"
        ])
    );
    // A municipality repeating its city, full-width parentheses.
    assert_eq!(
        parts("上海 上海市 浦东新区 世纪大道 1号（200120）"),
        want(["上海", "上海市", "浦东新区", "", "世纪大道 1号", "200120"])
    );
    // A municipality leaving the city out.
    assert_eq!(
        parts("北京 朝阳区 建国路 88号 SOHO现代城 5号楼(100022)"),
        want([
            "北京",
            "北京市",
            "朝阳区",
            "",
            "建国路 88号 SOHO现代城 5号楼",
            "100022"
        ])
    );
    // No district (东莞 has towns), no zip.
    assert_eq!(
        parts("广东省 东莞市 长安镇 振安路 1号"),
        want(["广东省", "东莞市", "", "长安镇", "振安路 1号", ""])
    );
    // A street level, an autonomous region.
    assert_eq!(
        parts("广西壮族自治区 南宁市 青秀区 新竹街道 民族大道 1号(530022)"),
        want([
            "广西壮族自治区",
            "南宁市",
            "青秀区",
            "新竹街道",
            "民族大道 1号",
            "530022"
        ])
    );
    // Parentheses that are not a zip stay in the detail; text without spaces is detail.
    assert_eq!(
        parts("浙江省 杭州市 西湖区 文三路 1号(东门)"),
        want(["浙江省", "杭州市", "西湖区", "", "文三路 1号(东门)", ""])
    );
    assert_eq!(
        parts("杭州市西湖区文三路1号"),
        want(["", "", "", "", "杭州市西湖区文三路1号", ""])
    );

    // The same, as the orders come out of the export, with the receiver's name and phone.
    let p = taobao_with_lines();
    let r = &order(&p, O2).receiver;
    assert_eq!(
        (
            r.name.as_str(),
            r.mobile.as_str(),
            r.city.as_str(),
            r.zip.as_str()
        ),
        ("李四", "13912345678", "上海市", "200120")
    );
    let r = &order(&p, O3).receiver;
    assert_eq!((r.province.as_str(), r.city.as_str()), ("北京", "北京市"));
}

#[test]
fn without_a_lines_file_each_order_gets_one_line_that_adds_up() {
    let p = parse_taobao(SHOP, ("订单.csv", &fixture("taobao_orders.csv")), None);
    assert_eq!(p.orders.len(), 5);
    assert_eq!(errors(&p).len(), 1);
    for (_, o) in &p.orders {
        assert_eq!(o.lines.len(), 1, "{}", o.platform_order_id);
        let l = &o.lines[0];
        assert_eq!(
            l.platform_line_id, "",
            "a whole-order line has no platform id"
        );
        assert_eq!(l.spec, SUMMARY_LINE_SPEC);
        assert!(o.amounts_add_up(), "{o:#?}");
        assert_eq!(
            l.unit_price.0 * l.qty - l.line_discount.0 - l.order_discount_share.0,
            l.paid.0
        );
    }
    // 6 items for 187.60: 31.27 each (the 0.02 of rounding is the line's own adjustment).
    let o = order(&p, O1);
    let l = &o.lines[0];
    assert_eq!(l.title, "纯棉短袖T恤男，帆布托特包，船袜5双装");
    assert_eq!((l.qty, l.unit_price), (6, yuan("31.27")));
    assert_eq!(l.line_discount, yuan("0.02"));
    assert_eq!(l.paid, yuan("167.60"));
    assert_eq!(o.goods_amount, yuan("187.60"));
    assert_eq!(o.discount_merchant, yuan("20.00"));
    // Paid less shipping; the points are part of the order-level reductions.
    let o = order(&p, O2);
    assert_eq!(o.lines[0].paid, yuan("94.00"));
    assert_eq!(o.goods_amount, yuan("99.00"));
    assert_eq!(o.discount_merchant, Fen::ZERO);
    let o = order(&p, O3);
    assert_eq!((o.lines[0].qty, o.lines[0].unit_price), (2, yuan("25.00")));
}

#[test]
fn an_older_lines_file_without_paid_amounts_splits_the_paid_amount_by_largest_remainder() {
    let lines = "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码\n\
        =\"2287451234567890123\",纯棉短袖T恤男,59.00,2,TS-001,颜色分类：黑色;尺码：L,,,买家已付款，等待卖家发货,TS-001-BK-L\n\
        =\"2287451234567890123\",帆布托特包,39.90,1,BAG-02,颜色分类：米白,,,买家已付款，等待卖家发货,BAG-02-WH\n\
        =\"2287451234567890123\",船袜5双装,9.90,3,SK-05,尺码：均码,,,买家已付款，等待卖家发货,SK-05\n\
        =\"2287451234567890124\",保温杯 500ml,109.00,1,CUP-500,颜色分类：白色,,,卖家已发货，等待买家确认,CUP-500-W\n\
        =\"2287451234567890125\",Type-C数据线 1米,25.00,2,CB-1M,,,,交易成功,\n\
        =\"2287451234567890126\",桌面收纳盒,60.00,1,BOX-1,,,,等待买家付款,BOX-1\n\
        =\"2287451234567890128\",A5笔记本,15.00,3,NB-A5,,,,交易关闭,NB-A5\n";
    let p = parse_taobao(
        SHOP,
        ("订单.csv", &fixture("taobao_orders.csv")),
        Some(("宝贝.csv", lines.as_bytes())),
    );
    assert_eq!(errors(&p).len(), 1, "{:#?}", p.errors);
    for (_, o) in &p.orders {
        assert_adds_up(o);
    }
    let o = order(&p, O1);
    let paid: Vec<Fen> = o.lines.iter().map(|l| l.paid).collect();
    assert_eq!(paid, vec![yuan("105.42"), yuan("35.65"), yuan("26.53")]);
    assert!(o.lines.iter().all(|l| l.line_discount == Fen::ZERO));
    assert_eq!(o.discount_merchant, yuan("20.00"));
    // No per-line figures: the 10 元 item discount cannot be told from an order discount.
    let o = order(&p, O2);
    assert_eq!(o.lines[0].paid, yuan("94.00"));
    assert_eq!(o.discount_merchant, yuan("10.00"));
}

#[test]
fn an_order_listed_twice_is_kept_once_and_a_changed_copy_is_reported() {
    let text = String::from_utf8(fixture("taobao_orders_utf8.csv")).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    let changed = rows[2].replace("李四", "李四四");
    let doubled = format!(
        "{}\n{}\n{}\n{}\n",
        rows[1..].join("\n"),
        rows[1],
        changed,
        rows[3]
    );
    let doubled = format!("{}\n{doubled}", rows[0]);
    let p = parse_taobao(SHOP, ("o.csv", doubled.as_bytes()), None);
    assert_eq!(p.total_rows, 9);
    let ids: Vec<&str> = p
        .orders
        .iter()
        .map(|(_, o)| o.platform_order_id.as_str())
        .collect();
    assert_eq!(ids, vec![O1, O2, O3, O4, O6]);
    assert_eq!(
        order(&p, O2).receiver.name,
        "李四",
        "the first listing is kept"
    );
    let errs = errors(&p);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!((errs[1].0, errs[1].1.as_str()), (9, "order_id"));
    assert!(
        errs[1].2.starts_with("订单编号: ") && errs[1].2.contains("第 3 行"),
        "{}",
        errs[1].2
    );
}

#[test]
fn a_line_without_its_order_or_with_no_quantity_is_reported_with_its_order() {
    let mut lines = String::from_utf8(fixture("taobao_order_lines.csv")).unwrap();
    // The 保温杯 line of order …124 bought 0; a line for an order the file does not have.
    lines = lines.replace("保温杯 500ml,109.00,1,", "保温杯 500ml,109.00,0,");
    lines.push_str("=\"2287451234567899999\",=\"2287451234567899998\",别的订单,1.00,1,,,,,,,,1.00,1.00,,,,\r\n");
    let p = parse_taobao(
        SHOP,
        ("o.csv", &fixture("taobao_orders.csv")),
        Some(("l.csv", lines.as_bytes())),
    );
    let ids: Vec<&str> = p
        .orders
        .iter()
        .map(|(_, o)| o.platform_order_id.as_str())
        .collect();
    assert_eq!(ids, vec![O1, O3, O4, O6]);
    let errs = errors(&p);
    assert_eq!(errs.len(), 3, "{errs:#?}");
    // The orders file's errors first, then the lines file's.
    assert_eq!((errs[0].0, errs[0].1.as_str()), (6, "paid_amount"));
    assert_eq!((errs[1].0, errs[1].1.as_str()), (5, "lines.qty"));
    assert!(
        errs[1].2.starts_with("购买数量: ") && errs[1].2.contains(O2),
        "{}",
        errs[1].2
    );
    assert_eq!((errs[2].0, errs[2].1.as_str()), (10, "lines.order_id"));
    assert!(errs[2].2.starts_with("主订单编号: "), "{}", errs[2].2);

    // An order that the lines file does not cover is reported, not given a made-up line.
    let only_first: String = lines.lines().take(4).map(|l| format!("{l}\n")).collect();
    let p = parse_taobao(
        SHOP,
        ("o.csv", &fixture("taobao_orders.csv")),
        Some(("l.csv", only_first.as_bytes())),
    );
    assert_eq!(p.orders.len(), 1);
    assert_eq!(p.errors.len(), 5, "{:#?}", p.errors);
}

fn template_rows() -> Vec<Vec<String>> {
    String::from_utf8(fixture("template.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn check_template(p: &ParsedOrders) {
    assert_eq!(p.total_rows, 7);
    let ids: Vec<(usize, &str)> = p
        .orders
        .iter()
        .map(|(n, o)| (*n, o.platform_order_id.as_str()))
        .collect();
    assert_eq!(ids, vec![(2, "W1001"), (5, "W1002"), (8, "W1004")]);
    for (_, o) in &p.orders {
        assert_adds_up(o);
    }

    // Three rows, one order; 实付 absent: 59×2−5 + 39.90 + 9.90×3, plus 10 shipping once.
    let o = order(p, "W1001");
    assert_eq!(o.lines.len(), 3);
    assert_eq!(o.buyer_nick, "wx_chen");
    assert_eq!(o.seller_memo, "老客户");
    assert_eq!(o.buyer_message, "周末送");
    assert_eq!(o.created_at, 1_731_373_200_000);
    assert_eq!(o.paid_at, Some(1_731_373_500_000));
    let paid: Vec<Fen> = o.lines.iter().map(|l| l.paid).collect();
    assert_eq!(paid, vec![yuan("113.00"), yuan("39.90"), yuan("29.70")]);
    assert_eq!(o.lines[0].line_discount, yuan("5.00"));
    assert_eq!(o.shipping_fee, yuan("10.00"));
    assert_eq!(o.goods_amount, yuan("187.60"));
    assert_eq!(o.paid_amount, yuan("192.60"));
    assert_eq!(o.discount_merchant, Fen::ZERO);
    assert_eq!(
        (
            o.lines[0].platform_item_id.as_str(),
            o.lines[0].platform_sku_id.as_str()
        ),
        ("600001", "700001")
    );
    assert_eq!(
        (o.lines[1].outer_code.as_str(), o.lines[1].spec.as_str()),
        ("BAG-02-WH", "米白")
    );
    let r = &o.receiver;
    assert_eq!(
        [
            &r.name,
            &r.mobile,
            &r.province,
            &r.city,
            &r.district,
            &r.detail,
            &r.zip
        ],
        [
            "陈一",
            "13800001111",
            "浙江省",
            "宁波市",
            "鄞州区",
            "天童南路 1号",
            "315100"
        ]
    );

    // 实付 given with 优惠: 109 − 10 = 99, paid 95: 4 元 is an order-level share.
    let o = order(p, "W1002");
    assert_eq!(o.lines[0].paid, yuan("95.00"));
    assert_eq!(o.lines[0].order_discount_share, yuan("4.00"));
    assert_eq!(o.discount_merchant, yuan("4.00"));
    assert_eq!(o.paid_amount, yuan("95.00"));
    assert_eq!(o.created_at, 1_731_376_800_000);

    // The whole address in 详细地址 is split; not paid.
    let o = order(p, "W1004");
    assert_eq!(o.paid_at, None);
    assert_eq!(
        [&o.receiver.city, &o.receiver.district, &o.receiver.zip],
        ["北京市", "海淀区", "100080"]
    );

    // W1003's second row has 数量 “两”: the row is reported, the order left out.
    let errs = errors(p);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!((errs[0].0, errs[0].1.as_str()), (7, "qty"));
    assert!(
        errs[0].2.starts_with("数量: ") && errs[0].2.contains("两"),
        "{}",
        errs[0].2
    );
}

#[test]
fn the_template_groups_rows_by_order_id_and_computes_paid_when_absent() {
    check_template(&parse_template(
        SHOP,
        ("订单导入模板.csv", &fixture("template.csv")),
    ));
    assert_eq!(
        template_headers(),
        template_rows()[0]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
}

/// The template fixture as an .xlsx: numbers typed as numbers (Excel stores them as
/// doubles), the rest as text.
fn template_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in template_rows().iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            let numeric = !cell.is_empty()
                && cell.chars().all(|ch| ch.is_ascii_digit() || ch == '.')
                && !cell.starts_with('0');
            if numeric {
                ws.write_number(r, c, cell.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(r, c, cell).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn an_excel_template_reads_like_the_csv() {
    let bytes = template_xlsx();
    let p = parse_template(SHOP, ("订单导入模板.xlsx", &bytes));
    check_template(&p);
    let csv = parse_template(SHOP, ("订单导入模板.csv", &fixture("template.csv")));
    assert_eq!(p.orders, csv.orders);
}

#[test]
fn the_template_reads_english_headers_and_reports_conflicting_order_fields() {
    let text = "order_id,buyer,receiver,mobile,address,created_at,sku,title,qty,price,shipping\n\
        A1,bob,Bob,13800000000,浙江省 杭州市 西湖区 文三路 1号,2024-11-12 09:00,S1,One,1,10.00,5\n\
        A1,bob,Bobby,13800000000,,,S2,Two,2,3.50,\n\
        A2,ann,Ann,13900000000,上海 上海市 徐汇区 漕溪北路 2号,2024-11-12 09:00,S1,One,1,10,\n";
    let p = parse_template(SHOP, ("orders.csv", text.as_bytes()));
    let ids: Vec<&str> = p
        .orders
        .iter()
        .map(|(_, o)| o.platform_order_id.as_str())
        .collect();
    assert_eq!(ids, vec!["A2"]);
    let errs = errors(&p);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!((errs[0].0, errs[0].1.as_str()), (3, "receiver_name"));
    assert!(errs[0].2.starts_with("receiver: "), "{}", errs[0].2);
    let o = order(&p, "A2");
    assert_eq!(o.paid_amount, yuan("10.00"));

    // A paid amount above price × qty − discount is a typing mistake, not a discount.
    let text =
        "订单号,商品名称,数量,单价,优惠,实付,下单时间\nB1,x,2,10.00,1.00,19.50,2024-11-12 09:00\n";
    let p = parse_template(SHOP, ("t.csv", text.as_bytes()));
    assert!(p.orders.is_empty());
    assert_eq!((p.errors[0].row, p.errors[0].field.as_str()), (2, "paid"));
    assert!(p.errors[0].reason.starts_with("实付: "), "{:?}", p.errors);
    assert_eq!(o.receiver.district, "徐汇区");
}

#[test]
fn empty_and_header_only_files_give_no_orders_and_say_why() {
    let p = parse_taobao(SHOP, ("o.csv", b""), None);
    assert!(p.orders.is_empty());
    assert_eq!(p.errors.len(), 1);
    assert_eq!(p.errors[0].row, 0);
    assert!(p.errors[0].reason.contains("empty"), "{:?}", p.errors);

    let header = String::from_utf8(fixture("taobao_orders_utf8.csv")).unwrap();
    let header = header.lines().next().unwrap();
    let p = parse_taobao(SHOP, ("o.csv", header.as_bytes()), None);
    assert!(p.orders.is_empty() && p.errors.is_empty() && p.total_rows == 0);

    // The files swapped: the lines file is not an orders export.
    let p = parse_taobao(SHOP, ("o.csv", &fixture("taobao_order_lines.csv")), None);
    assert!(p.orders.is_empty());
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);

    let p = parse_template(SHOP, ("t.csv", template_headers().join(",").as_bytes()));
    assert!(p.orders.is_empty() && p.errors.is_empty());
    let p = parse_template(SHOP, ("t.xlsx", b"PK\x03\x04 not really a workbook"));
    assert_eq!((p.errors.len(), p.errors[0].row), (1, 0));
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seeds = [
        fixture("taobao_orders.csv"),
        fixture("taobao_orders_utf8.csv"),
        fixture("taobao_order_lines.csv"),
        fixture("template.csv"),
        template_xlsx(),
    ];
    let alphabet: Vec<u8> = ",\"\n\r=' 0123456789.-元¥（）()".bytes().collect();
    for i in 0..600 {
        let bytes: Vec<u8> = match i % 3 {
            // Pure noise.
            0 => (0..rng.below(600)).map(|_| rng.next() as u8).collect(),
            // A real file with some bytes changed, cut short, or spliced.
            1 => {
                let mut b = seeds[rng.below(seeds.len())].clone();
                for _ in 0..1 + rng.below(20) {
                    let at = rng.below(b.len());
                    b[at] = if rng.below(2) == 0 {
                        rng.next() as u8
                    } else {
                        alphabet[rng.below(alphabet.len())]
                    };
                }
                b.truncate(rng.below(b.len() + 1).max(b.len() / 2));
                b
            }
            // A real header over rows of CSV-ish noise.
            _ => {
                let seed = &seeds[rng.below(seeds.len())];
                let end = seed.iter().position(|b| *b == b'\n').unwrap_or(seed.len());
                let mut b = seed[..end].to_vec();
                for _ in 0..rng.below(400) {
                    b.push(alphabet[rng.below(alphabet.len())]);
                }
                b
            }
        };
        let name = if i % 7 == 0 { "x.xlsx" } else { "x.csv" };
        let lines = &seeds[2];
        let _ = parse_taobao(SHOP, (name, &bytes), None);
        let _ = parse_taobao(SHOP, ("o.csv", &seeds[0]), Some((name, &bytes)));
        let _ = parse_taobao(SHOP, (name, &bytes), Some(("l.csv", lines)));
        let _ = parse_template(SHOP, (name, &bytes));
        let _ = split_address(&String::from_utf8_lossy(&bytes));
    }
    // Huge numbers do not overflow into a panic.
    let big = "订单号,商品名称,数量,单价,运费\nA,x,9223372036854775807,92233720368547758.07,92233720368547758.07\nA,y,2,92233720368547758.07,\n";
    let p = parse_template(SHOP, ("t.csv", big.as_bytes()));
    assert!(p.orders.is_empty() && !p.errors.is_empty());
    let orders = "订单编号,买家实际支付金额,订单创建时间,收货地址,买家应付邮费,宝贝总数量\n1,92233720368547758.07,2024-01-01 00:00:00,x,92233720368547758.07,9223372036854775807\n";
    let lines = "订单编号,价格,购买数量\n1,92233720368547758.07,1\n1,92233720368547758.07,1\n";
    let _ = parse_taobao(SHOP, ("o.csv", orders.as_bytes()), None);
    let _ = parse_taobao(
        SHOP,
        ("o.csv", orders.as_bytes()),
        Some(("l.csv", lines.as_bytes())),
    );
}

#[test]
fn a_long_template_is_read_as_it_streams_with_repeats_far_apart_kept_once_and_clashes_reported() {
    // A title row above the header, 30 orders, then a repeat of A5 (kept once), a changed
    // copy of A7 (reported) and a row without 订单号: more rows than the header is
    // searched in, so the orders are handed over while the file is still being read.
    let mut text = String::from("2024年11月 订单\n订单号,商品名称,数量,单价,下单时间\n");
    let row = |id: usize, qty: usize| format!("A{id},杯子,{qty},10.00,2024-11-12 09:00\n");
    for id in 1..=30 {
        text.push_str(&row(id, 1));
    }
    text.push_str(&row(5, 1));
    text.push_str(&row(7, 2));
    text.push_str(",杯子,1,10.00,2024-11-12 09:00\n");
    let mut handed = Vec::new();
    let p = jxc_app::imports::orders::parse_template_each(
        SHOP,
        ("t.csv", text.as_bytes()),
        &mut |n, o| handed.push((n, o.platform_order_id)),
    );
    let want: Vec<(usize, String)> = (1..=30).map(|i| (i + 2, format!("A{i}"))).collect();
    assert_eq!(handed, want);
    assert_eq!(p.total_rows, 33);
    let errs = errors(&p);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!((errs[0].0, errs[0].1.as_str()), (34, "order_id"));
    assert!(errs[0].2.contains("第 9 行"), "{}", errs[0].2);
    assert_eq!((errs[1].0, errs[1].1.as_str()), (35, "order_id"));
}
