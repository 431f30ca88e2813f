//! The Taobao/Tmall seller-centre exports: 订单报表 (orders) and 宝贝报表 (lines).
//!
//! Columns are found by header, so the order of columns, extra columns and older or newer
//! exports do not matter. See the module above for how amounts are filled in.

use std::collections::{HashMap, HashSet};

use jxc_core::FieldError;
use jxc_core::ids::ShopId;
use jxc_core::money::{Fen, round_div, split_largest_remainder};
use jxc_core::orders::{NewOrder, OrderLine, Receiver};

use super::super::columns::{Column, col, locate};
use super::super::sheet::read_rows;
use super::*;

/// The `spec` of the one line an order gets when no 宝贝报表 is given: the line stands
/// for the whole order (title = 宝贝标题, qty = 宝贝总数量, no platform line id), so a
/// person can see it is not an itemised line.
pub const SUMMARY_LINE_SPEC: &str = "整单汇总，无宝贝明细 / whole order, no item details";

/// The 订单报表 columns (Chinese headers as the export writes them; TOP field names too).
const ORDER_COLUMNS: &[Column] = &[
    col("order_id", &["订单编号", "订单号", "order_id", "tid"], true),
    col(
        "buyer_nick",
        &["买家会员名", "买家昵称", "buyer_nick"],
        false,
    ),
    col("goods_amount", &["买家应付货款", "goods_amount"], false),
    col(
        "shipping_fee",
        &["买家应付邮费", "shipping_fee", "post_fee"],
        false,
    ),
    col("points_paid", &["买家实际支付积分", "point_fee"], false),
    col("points", &["买家支付积分"], false),
    col("total", &["总金额", "total_amount"], false),
    col(
        "paid_amount",
        &["买家实际支付金额", "paid_amount", "payment"],
        true,
    ),
    col("status", &["订单状态", "status"], false),
    col("buyer_message", &["买家留言", "buyer_message"], false),
    col(
        "receiver_name",
        &["收货人姓名", "收货人", "receiver_name"],
        false,
    ),
    col("address", &["收货地址", "address"], false),
    col("phone", &["联系电话", "receiver_phone"], false),
    col("mobile", &["联系手机", "receiver_mobile"], false),
    col(
        "created_at",
        &["订单创建时间", "created_at", "created"],
        true,
    ),
    col("paid_at", &["订单付款时间", "paid_at", "pay_time"], false),
    col(
        "seller_memo",
        &["订单备注", "卖家备注", "seller_memo"],
        false,
    ),
    col("title", &["宝贝标题", "title"], false),
    col("item_count", &["宝贝总数量", "item_count"], false),
    col("new_address", &["修改后的收货地址", "new_address"], false),
];

/// The 宝贝报表 columns, old and new exports.
const LINE_COLUMNS: &[Column] = &[
    col(
        "order_id",
        &["主订单编号", "订单编号", "order_id", "tid"],
        true,
    ),
    col("line_id", &["子订单编号", "line_id", "oid"], false),
    col("title", &["标题", "宝贝标题", "title"], false),
    col("unit_price", &["价格", "unit_price", "price"], true),
    col("qty", &["购买数量", "qty", "num"], true),
    col("outer_sku", &["商家编码", "outer_sku_id"], false),
    col("outer_iid", &["外部系统编号", "outer_iid"], false),
    col("spec", &["商品属性", "sku_properties_name"], false),
    col("payable", &["买家应付货款", "payable"], false),
    col("paid", &["买家实际支付金额", "paid", "payment"], false),
    col("refund_status", &["退款状态", "refund_status"], false),
    col("item_id", &["宝贝ID", "商品ID", "num_iid"], false),
    col("sku_id", &["SKU ID", "sku_id"], false),
];

/// The first row listing something, and that row's content.
type FirstListing<'a> = (usize, &'a [String]);

/// One order row, read.
struct Head {
    n: usize,
    order: NewOrder,
    goods: Option<Fen>,
    total: Option<Fen>,
    paid: Fen,
    title: String,
    item_count: Option<i64>,
}

/// One line row, read.
struct LineIn {
    line: OrderLine,
    payable: Option<Fen>,
    paid: Option<Fen>,
}

/// Parses a Taobao/Tmall 订单报表 and, if given, its 宝贝报表 into orders of `shop`.
///
/// Lines join their order by 订单编号 (主订单编号 in newer exports). Without a 宝贝报表
/// each order gets one line standing for the whole order (see [`SUMMARY_LINE_SPEC`]).
/// A bad order row, or a bad line row, leaves its order out and is reported; a line whose
/// order is not in the 订单报表 is reported; with a 宝贝报表, an order without lines in it
/// is reported. The rows of the 订单报表 are numbered as the spreadsheet shows them, and
/// so are those of the 宝贝报表 (their errors have fields `lines.…`).
pub fn parse_taobao(
    shop: ShopId,
    orders_file: (&str, &[u8]),
    lines_file: Option<(&str, &[u8])>,
) -> ParsedOrders {
    let rows = match read_rows(orders_file.0, orders_file.1) {
        Ok(r) => r,
        Err(e) => return ParsedOrders::file_error("file", orders_reason(&e), 0),
    };
    let (h, cols) = match locate(&rows, ORDER_COLUMNS) {
        Ok(x) => x,
        Err(e) => return ParsedOrders::file_error("file", orders_reason(&e), 0),
    };
    let data = rows.get(h + 1..).unwrap_or_default();
    let mut out = ParsedOrders {
        total_rows: data.len(),
        ..Default::default()
    };
    if !cols.index.contains_key("address") && !cols.index.contains_key("new_address") {
        out.errors.push(RowError {
            row: 0,
            field: "file".into(),
            reason: "订单报表: 缺少列 “收货地址” / missing column address (这是订单报表吗？/ is this the orders export?)".into(),
        });
        return out;
    }

    // The orders, each once.
    let mut heads: Vec<Head> = Vec::new();
    // Every order id in the file → the first row listing it and that row's content.
    let mut seen: HashMap<String, FirstListing> = HashMap::new();
    // Orders left out because a row of theirs is bad.
    let mut bad: HashSet<String> = HashSet::new();
    for row in data {
        let mut c = Cells::new(&cols, row);
        let id = c.required("order_id");
        if id.is_empty() {
            out.errors.extend(c.row_errors("", ""));
            continue;
        }
        if let Some((first, content)) = seen.get(&id) {
            if *content != row_content(row) {
                out.errors.push(to_row_error(
                    &cols,
                    row.n,
                    FieldError::new(
                        "order_id",
                        format!(
                            "订单 “{id}” 已在第 {first} 行出现且内容不同，本行未导入 / order {id} is already on row {first} with different content; this row was not imported"
                        ),
                    ),
                    "",
                    "",
                ));
            }
            continue;
        }
        seen.insert(id.clone(), (row.n, row_content(row)));
        let head = read_head(shop, id.clone(), &mut c);
        if c.errs.is_empty() {
            heads.push(head);
        } else {
            bad.insert(id);
            out.errors.extend(c.row_errors("", ""));
        }
    }

    // The lines, by order id.
    let mut lines: Option<HashMap<String, Vec<LineIn>>> = None;
    let mut line_errors: Vec<RowError> = Vec::new();
    if let Some((name, bytes)) = lines_file {
        match read_lines(name, bytes, &seen, &mut bad, &mut line_errors) {
            Ok(l) => lines = Some(l),
            Err(reason) => {
                out.errors.push(RowError {
                    row: 0,
                    field: "lines_file".into(),
                    reason,
                });
                out.errors.extend(line_errors);
                return out;
            }
        }
    }

    for head in heads {
        let id = head.order.platform_order_id.clone();
        if bad.contains(&id) {
            continue;
        }
        let n = head.n;
        let order_lines = match lines.as_mut() {
            None => None,
            Some(map) => match map.remove(&id) {
                Some(l) => Some(l),
                None => {
                    out.errors.push(to_row_error(
                        &cols,
                        n,
                        FieldError::new(
                            "order_id",
                            format!(
                                "宝贝报表中没有订单 “{id}” 的宝贝，本订单未导入 / the lines file has no lines for order {id}; the order was not imported"
                            ),
                        ),
                        "",
                        "",
                    ));
                    continue;
                }
            },
        };
        match assemble(head, order_lines) {
            Ok(order) => out.orders.push((n, order)),
            Err(e) => out.errors.push(to_row_error(&cols, n, e, "", "")),
        }
    }
    out.errors.sort_by_key(|e| e.row);
    line_errors.sort_by_key(|e| e.row);
    out.errors.extend(line_errors);
    out
}

fn orders_reason(e: &crate::Error) -> String {
    format!("订单报表: {}", error_reason(e))
}

/// Reads the order fields of one 订单报表 row (amounts are settled with the lines).
fn read_head(shop: ShopId, id: String, c: &mut Cells) -> Head {
    let goods = c.money("goods_amount");
    let shipping = c.money("shipping_fee").unwrap_or_default();
    let total = c.money("total");
    let paid = c.money("paid_amount").unwrap_or_default();
    let points = if !c.text("points_paid").is_empty() {
        c.count("points_paid")
    } else {
        c.count("points")
    };
    let created_at = c.time("created_at");
    if created_at.is_none() && c.text("created_at").is_empty() {
        c.errs.push(FieldError::new(
            "created_at",
            "不能为空 / must not be empty",
        ));
    }
    let paid_at = c.time("paid_at");
    let item_count = c.count("item_count");
    if item_count == Some(0) {
        c.errs.push(FieldError::new(
            "item_count",
            "数量必须大于 0 / quantity must be greater than 0",
        ));
    }
    let address = match c.text("new_address") {
        a if !a.is_empty() => a,
        _ => c.text("address"),
    };
    let receiver = Receiver {
        name: c.text("receiver_name"),
        mobile: c.text("mobile"),
        phone: c.text("phone"),
        ..split_address(&address)
    };
    Head {
        n: c.row.n,
        order: NewOrder {
            shop_id: shop,
            platform_order_id: id,
            platform_status: c.text("status"),
            buyer_nick: c.text("buyer_nick"),
            receiver,
            buyer_message: c.text("buyer_message"),
            seller_memo: c.text("seller_memo"),
            created_at: created_at.unwrap_or_default(),
            paid_at,
            currency: "CNY".into(),
            shipping_fee: shipping,
            points_value: Fen(points.unwrap_or_default()),
            ..Default::default()
        },
        goods,
        total,
        paid,
        title: c.text("title"),
        item_count,
    }
}

/// Reads the 宝贝报表 into lines by order id. Bad rows are reported into `errors` and
/// their orders added to `bad`. A file that cannot be read gives the reason.
fn read_lines(
    name: &str,
    bytes: &[u8],
    orders: &HashMap<String, FirstListing>,
    bad: &mut HashSet<String>,
    errors: &mut Vec<RowError>,
) -> Result<HashMap<String, Vec<LineIn>>, String> {
    let reason = |e: &crate::Error| format!("宝贝报表: {}", error_reason(e));
    let rows = read_rows(name, bytes).map_err(|e| reason(&e))?;
    let (h, cols) = locate(&rows, LINE_COLUMNS).map_err(|e| reason(&e))?;
    let mut out: HashMap<String, Vec<LineIn>> = HashMap::new();
    // (order id, line id or the whole row) → the first row and its content.
    let mut seen: HashMap<(String, Vec<String>), FirstListing> = HashMap::new();
    for row in rows.get(h + 1..).unwrap_or_default() {
        let mut c = Cells::new(&cols, row);
        let id = c.required("order_id");
        let suffix = if id.is_empty() {
            " (宝贝报表 / lines file)".to_string()
        } else {
            format!(" (宝贝报表，订单 {id} 未导入 / lines file; order {id} not imported)")
        };
        let line = read_line(&mut c);
        if !id.is_empty() && !orders.contains_key(&id) {
            c.errs.push(FieldError::new(
                "order_id",
                format!("订单 “{id}” 不在订单报表中 / order {id} is not in the orders file"),
            ));
        }
        if !c.errs.is_empty() {
            errors.extend(c.row_errors("lines.", &suffix));
            if !id.is_empty() {
                bad.insert(id);
            }
            continue;
        }
        let line_id = line.line.platform_line_id.clone();
        let key = if line_id.is_empty() {
            row_content(row).to_vec()
        } else {
            vec![line_id.clone()]
        };
        match seen.get(&(id.clone(), key.clone())) {
            Some((_, content)) if *content == row_content(row) => continue,
            Some((first, _)) => {
                let e = FieldError::new(
                    "line_id",
                    format!(
                        "子订单 “{line_id}” 已在第 {first} 行出现且内容不同 / line {line_id} is already on row {first} with different content"
                    ),
                );
                errors.push(to_row_error(&cols, row.n, e, "lines.", &suffix));
                bad.insert(id);
                continue;
            }
            None => {
                seen.insert((id.clone(), key), (row.n, row_content(row)));
            }
        }
        out.entry(id).or_default().push(line);
    }
    Ok(out)
}

/// Reads one 宝贝报表 row.
fn read_line(c: &mut Cells) -> LineIn {
    let unit_price = c.money("unit_price");
    if unit_price.is_none() && c.text("unit_price").is_empty() {
        c.errs.push(FieldError::new(
            "unit_price",
            "不能为空 / must not be empty",
        ));
    }
    let qty = c.qty("qty");
    let payable = c.money("payable");
    let paid = c.money("paid");
    if let (Some(p), Some(q)) = (unit_price, qty)
        && p.times(q).is_none()
    {
        c.errs.push(FieldError::new(
            "qty",
            "价格 × 数量超出范围 / price × quantity out of range",
        ));
    }
    let outer_code = match c.text("outer_sku") {
        s if !s.is_empty() => s,
        _ => c.text("outer_iid"),
    };
    LineIn {
        line: OrderLine {
            platform_line_id: c.text("line_id"),
            platform_item_id: c.text("item_id"),
            platform_sku_id: c.text("sku_id"),
            outer_code,
            title: c.text("title"),
            spec: c.text("spec"),
            qty: qty.unwrap_or_default(),
            unit_price: unit_price.unwrap_or_default(),
            refund_status: c.text("refund_status"),
            ..Default::default()
        },
        payable,
        paid,
    }
}

/// Settles the amounts of an order and its lines (see the module docs for the rules).
fn assemble(head: Head, lines: Option<Vec<LineIn>>) -> Result<NewOrder, FieldError> {
    let at = |e: FieldError| FieldError::new("paid_amount", e.reason);
    let mut order = head.order;
    let shipping = order.shipping_fee.0;
    let points = order.points_value.0;
    // Not paid yet: the export says 0 paid; carry the amount due, as the API does.
    let unpaid = order.paid_at.is_none() && head.paid.0 == 0;
    let due = |goods_after_own: i64| -> Result<i64, FieldError> {
        let base = match head.total {
            Some(t) => t.0,
            None => add(goods_after_own, shipping)?,
        };
        Ok(sub(base, points)?.max(0))
    };
    match lines {
        Some(ins) => {
            let mut gross = Vec::with_capacity(ins.len());
            for l in &ins {
                gross.push(mul(l.line.unit_price.0, l.line.qty).map_err(at)?);
            }
            let goods = sum(gross.iter().copied()).map_err(at)?;
            let after_own = sum(ins
                .iter()
                .zip(&gross)
                .map(|(l, g)| l.payable.map_or(*g, |p| p.0)))
            .map_err(at)?;
            let paid = if unpaid { due(after_own)? } else { head.paid.0 };
            let all_paid = ins.iter().all(|l| l.paid.is_some());
            let all_payable = ins.iter().all(|l| l.payable.is_some());
            let mut out: Vec<OrderLine> = Vec::with_capacity(ins.len());
            for (l, g) in ins.iter().zip(&gross) {
                let mut line = l.line.clone();
                line.line_discount = Fen(l.payable.map_or(Ok(0), |p| sub(*g, p.0)).map_err(at)?);
                out.push(line);
            }
            if all_paid && !unpaid {
                // The export gives what each line paid.
                let point_shares = split_largest_remainder(points, &gross);
                for ((line, l), (g, pts)) in
                    out.iter_mut().zip(&ins).zip(gross.iter().zip(point_shares))
                {
                    let p = l.paid.unwrap_or_default().0;
                    line.paid = Fen(p);
                    let share = if all_payable {
                        sub(l.payable.unwrap_or_default().0, p).map_err(at)?
                    } else {
                        pts
                    };
                    line.order_discount_share = Fen(share);
                    line.line_discount = Fen(sub(sub(*g, p).map_err(at)?, share).map_err(at)?);
                }
            } else {
                split_paid(&mut out, sub(paid, shipping).map_err(at)?.max(0)).map_err(at)?;
            }
            let own = sum(out.iter().map(|l| l.line_discount.0)).map_err(at)?;
            order.goods_amount = Fen(goods);
            order.paid_amount = Fen(paid);
            order.discount_merchant = Fen(leftover(goods, shipping, points, paid, own)?);
            order.lines = out;
        }
        None => {
            let goods = match (head.goods, head.total) {
                (Some(g), _) => g.0,
                (None, Some(t)) => sub(t.0, shipping).map_err(at)?.max(0),
                (None, None) => sub(add(head.paid.0, points)?, shipping).map_err(at)?.max(0),
            };
            let paid = if unpaid { due(goods)? } else { head.paid.0 };
            let qty = head.item_count.filter(|q| *q > 0).unwrap_or(1);
            let unit = round_div(i128::from(goods), i128::from(qty));
            let unit = i64::try_from(unit).unwrap_or(goods);
            let line_paid = sub(paid, shipping).map_err(at)?.max(0);
            let line = OrderLine {
                title: head.title,
                spec: SUMMARY_LINE_SPEC.to_string(),
                qty,
                unit_price: Fen(unit),
                // Only the rounding of 货款 ÷ 数量 (0 when it divides evenly).
                line_discount: Fen(sub(mul(unit, qty).map_err(at)?, goods).map_err(at)?),
                order_discount_share: Fen(sub(goods, line_paid).map_err(at)?),
                paid: Fen(line_paid),
                ..Default::default()
            };
            order.goods_amount = Fen(goods);
            order.paid_amount = Fen(paid);
            order.discount_merchant = Fen(leftover(goods, shipping, points, paid, 0)?);
            order.lines = vec![line];
        }
    }
    Ok(order)
}

/// The order-level discount nobody itemised: goods + shipping − points − paid − Σ line
/// discounts, when positive.
fn leftover(
    goods: i64,
    shipping: i64,
    points: i64,
    paid: i64,
    own: i64,
) -> Result<i64, FieldError> {
    let v = (|| sub(sub(sub(add(goods, shipping)?, points)?, paid)?, own))()
        .map_err(|e| FieldError::new("paid_amount", e.reason))?;
    Ok(v.max(0))
}
