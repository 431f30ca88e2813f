//! jxc's own order template: one row per line; the order's fields repeated on each row
//! of the same 订单号 (or given once, on its first row).
//!
//! - The rows of one order follow each other. The same 订单号 appearing again further
//!   down with the same rows is a repeat and is kept once; with different rows it is
//!   reported.
//! - An order field (收货人, 手机, 运费 …) may be empty on the order's later rows; a
//!   different value there is reported, since which one is right cannot be told.
//! - 运费 is per order, not per line: the same amount on every row counts once.
//! - 实付 is optional. Empty, it is 单价 × 数量 − 优惠 and the whole 优惠 is the line's
//!   own discount. Given, with 优惠 empty, everything below 单价 × 数量 is the line's own
//!   discount; given with 优惠, the rest (单价 × 数量 − 优惠 − 实付) is the line's share of
//!   an order-level discount, and their sum is the order's `discount_merchant`.
//! - The order paid = Σ line paid + 运费.
//! - 下单时间 empty: the 付款时间 is used; both empty is an error. 付款时间 empty = not paid.
//! - With 省, 市 and 区 all empty, 详细地址 may hold the whole address
//!   (`省 市 区 详细(邮编)`) and is split.

use std::borrow::Cow;
use std::collections::HashMap;

use jxc_core::FieldError;
use jxc_core::ids::ShopId;
use jxc_core::money::Fen;
use jxc_core::orders::{NewOrder, OrderLine, Receiver};

use super::super::columns::{Column, Columns, HEADER_SEARCH_ROWS, col, locate};
use super::super::sheet::{Row, each_row};
use super::*;

const TEMPLATE_COLUMNS: &[Column] = &[
    col("order_id", &["订单号", "订单编号", "order_id"], true),
    col(
        "buyer_nick",
        &["买家昵称", "买家", "buyer", "buyer_nick"],
        false,
    ),
    col(
        "receiver_name",
        &["收货人", "收货人姓名", "receiver", "receiver_name"],
        false,
    ),
    col("mobile", &["手机", "联系手机", "mobile"], false),
    col("phone", &["电话", "联系电话", "phone"], false),
    col("province", &["省", "省份", "province"], false),
    col("city", &["市", "城市", "city"], false),
    col("district", &["区", "区县", "district"], false),
    col("detail", &["详细地址", "地址", "address", "detail"], false),
    col("zip", &["邮编", "zip"], false),
    col("buyer_message", &["买家留言", "buyer_message"], false),
    col("seller_memo", &["卖家备注", "seller_memo"], false),
    col("created_at", &["下单时间", "created_at"], false),
    col("paid_at", &["付款时间", "paid_at"], false),
    col("outer_code", &["商家编码", "outer_code", "sku"], false),
    col("title", &["商品名称", "title", "name"], false),
    col("spec", &["规格", "spec"], false),
    col("qty", &["数量", "qty"], true),
    col("unit_price", &["单价", "unit_price", "price"], true),
    col(
        "line_discount",
        &["优惠", "line_discount", "discount"],
        false,
    ),
    col("shipping_fee", &["运费", "shipping_fee", "shipping"], false),
    col("paid", &["实付", "paid"], false),
    col(
        "platform_item_id",
        &["平台商品ID", "platform_item_id"],
        false,
    ),
    col("platform_sku_id", &["平台SKU ID", "platform_sku_id"], false),
    col("status", &["订单状态", "status"], false),
];

/// The header row of a blank template, in order (Chinese; the English names are read too).
const HEADERS: [&str; 24] = [
    "订单号",
    "买家昵称",
    "收货人",
    "手机",
    "电话",
    "省",
    "市",
    "区",
    "详细地址",
    "邮编",
    "买家留言",
    "卖家备注",
    "下单时间",
    "付款时间",
    "商家编码",
    "商品名称",
    "规格",
    "数量",
    "单价",
    "优惠",
    "运费",
    "实付",
    "平台商品ID",
    "平台SKU ID",
];

/// The header row of a blank order template (for a download).
pub fn template_headers() -> &'static [&'static str] {
    &HEADERS
}

/// Order fields that are text, repeated on each row of an order.
const ORDER_TEXT: [&str; 13] = [
    "buyer_nick",
    "receiver_name",
    "mobile",
    "phone",
    "province",
    "city",
    "district",
    "detail",
    "zip",
    "buyer_message",
    "seller_memo",
    "status",
    // Not text, but compared as parsed values below; listed for the conflict message.
    "shipping_fee",
];

/// One template row, read.
struct RowIn<'a> {
    row: &'a Row,
    text: Vec<Cow<'a, str>>,
    shipping: Option<Fen>,
    created_at: Option<i64>,
    paid_at: Option<i64>,
    line: OrderLine,
    errs: Vec<FieldError>,
}

/// Parses jxc's order template (Excel or CSV) into orders of `shop`. See the module docs
/// for the rules; a bad row leaves its whole order out and is reported.
pub fn parse_template(shop: ShopId, file: (&str, &[u8])) -> ParsedOrders {
    let mut orders = Vec::new();
    let mut out = parse_template_each(shop, file, &mut |n, order| orders.push((n, order)));
    out.orders = orders;
    out
}

/// [`parse_template`] handing each good order to `on_order` (its first row, the order)
/// as soon as it is read, in file order; the result has the errors, and no orders.
pub fn parse_template_each(
    shop: ShopId,
    file: (&str, &[u8]),
    on_order: &mut dyn FnMut(usize, NewOrder),
) -> ParsedOrders {
    let mut out = ParsedOrders::default();
    // The rows before the header is found; then every row goes to `blocks` as it is read.
    let mut head: Vec<Row> = Vec::new();
    let mut blocks: Option<Blocks> = None;
    let mut header: Option<crate::Error> = None;
    let read = each_row(file.0, file.1, &mut |row| {
        if let Some(b) = blocks.as_mut() {
            b.push(row, &mut out, on_order);
            return true;
        }
        head.push(row);
        if head.len() < HEADER_SEARCH_ROWS {
            return true;
        }
        match Blocks::start(shop, &mut head, &mut out, on_order) {
            Ok(b) => {
                blocks = Some(b);
                true
            }
            Err(e) => {
                header = Some(e);
                false
            }
        }
    });
    let started = read
        .and(header.map_or(Ok(()), Err))
        .and_then(|()| match blocks {
            Some(b) => Ok(b),
            // A file shorter than the rows the header is looked for in.
            None => Blocks::start(shop, &mut head, &mut out, on_order),
        });
    let blocks = match started {
        Ok(b) => b,
        Err(e) => return ParsedOrders::file_error("file", error_reason(&e), 0),
    };
    out.total_rows = blocks.finish(&mut out, on_order);
    out.errors.sort_by_key(|e| e.row);
    out
}

/// The data rows of a template as they are read: rows of the same 订单号 that follow
/// each other make one block, and a block is read into an order once the next one
/// starts, in file order.
struct Blocks {
    shop: ShopId,
    cols: Columns,
    /// The block being read: its 订单号 and rows.
    current: Option<(String, Vec<Row>)>,
    /// 订单号 → the first row and the rows of its first block, to tell a repeat from a clash.
    seen: HashMap<String, (usize, Vec<Row>)>,
    data_rows: usize,
}

impl Blocks {
    /// Finds the header in the first rows of the file and takes the rows after it.
    fn start(
        shop: ShopId,
        head: &mut Vec<Row>,
        out: &mut ParsedOrders,
        on_order: &mut dyn FnMut(usize, NewOrder),
    ) -> crate::Result<Blocks> {
        let (h, cols) = locate(head, TEMPLATE_COLUMNS)?;
        let mut b = Blocks {
            shop,
            cols,
            current: None,
            seen: HashMap::new(),
            data_rows: 0,
        };
        for row in head.drain(..).skip(h + 1) {
            b.push(row, out, on_order);
        }
        Ok(b)
    }

    fn push(
        &mut self,
        row: Row,
        out: &mut ParsedOrders,
        on_order: &mut dyn FnMut(usize, NewOrder),
    ) {
        self.data_rows += 1;
        let id = clean_text(self.cols.get(&row, "order_id").unwrap_or(""));
        if id.is_empty() {
            let e = FieldError::new("order_id", "不能为空 / must not be empty");
            out.errors.push(to_row_error(&self.cols, row.n, e, "", ""));
            return;
        }
        match self.current.as_mut() {
            Some((last, rows)) if *last == id => rows.push(row),
            _ => {
                if let Some(done) = self.current.replace((id, vec![row])) {
                    self.read_block(done, out, on_order);
                }
            }
        }
    }

    /// Reads the last block; the number of data rows.
    fn finish(
        mut self,
        out: &mut ParsedOrders,
        on_order: &mut dyn FnMut(usize, NewOrder),
    ) -> usize {
        if let Some(done) = self.current.take() {
            self.read_block(done, out, on_order);
        }
        self.data_rows
    }

    fn read_block(
        &mut self,
        (id, rows): (String, Vec<Row>),
        out: &mut ParsedOrders,
        on_order: &mut dyn FnMut(usize, NewOrder),
    ) {
        let Some(n) = rows.first().map(|r| r.n) else {
            return;
        };
        if let Some((first, earlier)) = self.seen.get(&id) {
            if !earlier
                .iter()
                .map(row_content)
                .eq(rows.iter().map(row_content))
            {
                let e = FieldError::new(
                    "order_id",
                    format!(
                        "订单 “{id}” 已在第 {first} 行出现且内容不同，未导入 / order {id} is already on row {first} with different content; not imported"
                    ),
                );
                out.errors.push(to_row_error(&self.cols, n, e, "", ""));
            }
            return;
        }
        let refs: Vec<&Row> = rows.iter().collect();
        match read_order(self.shop, &id, &self.cols, &refs) {
            Ok(order) => on_order(n, order),
            Err(errs) => out.errors.extend(errs),
        }
        self.seen.insert(id, (n, rows));
    }
}

/// Reads the rows of one order; all their errors if any is bad.
fn read_order<'r>(
    shop: ShopId,
    id: &str,
    cols: &'r Columns,
    rows: &[&'r Row],
) -> Result<NewOrder, Vec<RowError>> {
    let ins: Vec<RowIn> = rows.iter().map(|r| read_row(cols, r)).collect();
    let mut errors: Vec<RowError> = Vec::new();
    for r in &ins {
        for e in &r.errs {
            errors.push(to_row_error(cols, r.row.n, e.clone(), "", ""));
        }
    }

    // Order fields: the first non-empty value; a different one later is an error.
    let value = |key_index: usize,
                 get: &dyn Fn(&RowIn<'r>) -> Option<Cow<'r, str>>,
                 errors: &mut Vec<RowError>|
     -> String {
        let key = ORDER_TEXT.get(key_index).copied().unwrap_or("");
        let mut first: Option<(Cow<'r, str>, usize)> = None;
        for r in &ins {
            let Some(v) = get(r).filter(|v| !v.is_empty()) else {
                continue;
            };
            match &first {
                None => first = Some((v, r.row.n)),
                Some((f, n)) if *f != v => {
                    let e = FieldError::new(
                        key,
                        format!(
                            "“{v}” 与本订单第 {n} 行的 “{f}” 不同 / differs from row {n} of this order"
                        ),
                    );
                    errors.push(to_row_error(cols, r.row.n, e, "", ""));
                }
                Some(_) => {}
            }
        }
        first.map(|(v, _)| v.into_owned()).unwrap_or_default()
    };
    let mut text = Vec::with_capacity(ORDER_TEXT.len());
    for i in 0..ORDER_TEXT.len() - 1 {
        text.push(value(
            i,
            &|r: &RowIn<'r>| r.text.get(i).cloned(),
            &mut errors,
        ));
    }
    let shipping = value(
        ORDER_TEXT.len() - 1,
        &|r: &RowIn<'r>| r.shipping.map(|f| Cow::Owned(f.to_yuan())),
        &mut errors,
    );
    let shipping = Fen::parse_yuan("shipping_fee", &shipping).unwrap_or_default();
    let time = |get: &dyn Fn(&RowIn) -> Option<i64>, key: &str, errors: &mut Vec<RowError>| {
        let mut first: Option<(i64, usize)> = None;
        for r in &ins {
            let Some(v) = get(r) else { continue };
            match first {
                None => first = Some((v, r.row.n)),
                Some((f, n)) if f != v => {
                    let e = FieldError::new(
                        key,
                        format!("与本订单第 {n} 行的时间不同 / differs from row {n} of this order"),
                    );
                    errors.push(to_row_error(cols, r.row.n, e, "", ""));
                }
                Some(_) => {}
            }
        }
        first.map(|(v, _)| v)
    };
    let created_at = time(&|r: &RowIn| r.created_at, "created_at", &mut errors);
    let paid_at = time(&|r: &RowIn| r.paid_at, "paid_at", &mut errors);
    let created_at = match created_at.or(paid_at) {
        Some(t) => t,
        None => {
            if !ins
                .iter()
                .any(|r| r.errs.iter().any(|e| e.field == "created_at"))
            {
                let e = FieldError::new("created_at", "不能为空 / must not be empty");
                if let Some(r) = ins.first() {
                    errors.push(to_row_error(cols, r.row.n, e, "", ""));
                }
            }
            0
        }
    };
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(errors);
    }

    let lines: Vec<OrderLine> = ins.into_iter().map(|r| r.line).collect();
    let totals = (|| {
        let goods = sum(lines.iter().map(|l| l.unit_price.0.saturating_mul(l.qty)))?;
        let paid_lines = sum(lines.iter().map(|l| l.paid.0))?;
        let shares = sum(lines.iter().map(|l| l.order_discount_share.0))?;
        Ok::<_, FieldError>((goods, add(paid_lines, shipping.0)?, shares))
    })();
    let Ok((goods, paid, shares)) = totals else {
        let e = FieldError::new("paid", "金额超出范围 / amount out of range");
        return Err(vec![to_row_error(
            cols,
            rows.first().map_or(0, |r| r.n),
            e,
            "",
            "",
        )]);
    };
    // Each value is taken once.
    let mut t = |key: &str| {
        ORDER_TEXT
            .iter()
            .position(|k| *k == key)
            .and_then(|i| text.get_mut(i))
            .map(std::mem::take)
            .unwrap_or_default()
    };
    let mut receiver = Receiver {
        name: t("receiver_name"),
        mobile: t("mobile"),
        phone: t("phone"),
        province: t("province"),
        city: t("city"),
        district: t("district"),
        detail: t("detail"),
        zip: t("zip"),
        ..Default::default()
    };
    if receiver.province.is_empty() && receiver.city.is_empty() && receiver.district.is_empty() {
        let parts = split_address(&receiver.detail);
        receiver = Receiver {
            name: receiver.name,
            mobile: receiver.mobile,
            phone: receiver.phone,
            zip: if receiver.zip.is_empty() {
                parts.zip.clone()
            } else {
                receiver.zip
            },
            ..parts
        };
    }
    Ok(NewOrder {
        shop_id: shop,
        platform_order_id: id.to_string(),
        platform_status: t("status"),
        buyer_nick: t("buyer_nick"),
        receiver,
        buyer_message: t("buyer_message"),
        seller_memo: t("seller_memo"),
        created_at,
        paid_at,
        currency: "CNY".into(),
        goods_amount: Fen(goods),
        shipping_fee: shipping,
        discount_merchant: Fen(shares.max(0)),
        paid_amount: Fen(paid),
        lines,
        ..Default::default()
    })
}

/// Reads one template row: its order fields and its line.
fn read_row<'a>(cols: &'a Columns, row: &'a Row) -> RowIn<'a> {
    let mut c = Cells::new(cols, row);
    let text: Vec<Cow<'a, str>> = ORDER_TEXT[..ORDER_TEXT.len() - 1]
        .iter()
        .map(|k| c.text_ref(k))
        .collect();
    let shipping = c.money("shipping_fee");
    let created_at = c.time("created_at");
    let paid_at = c.time("paid_at");
    let qty = c.qty("qty");
    let unit_price = c.money("unit_price");
    if unit_price.is_none() && c.text_ref("unit_price").is_empty() {
        c.errs.push(FieldError::new(
            "unit_price",
            "不能为空 / must not be empty",
        ));
    }
    let discount = c.money("line_discount");
    let paid = c.money("paid");
    let (title, outer_code) = (c.text("title"), c.text("outer_code"));
    if title.is_empty() && outer_code.is_empty() {
        let key = if c.has("title") {
            "title"
        } else {
            "outer_code"
        };
        c.errs.push(FieldError::new(
            key,
            "商家编码和商品名称不能都为空 / give 商家编码 or 商品名称",
        ));
    }
    let mut line = OrderLine {
        platform_item_id: c.text("platform_item_id"),
        platform_sku_id: c.text("platform_sku_id"),
        outer_code,
        title,
        spec: c.text("spec"),
        qty: qty.unwrap_or_default(),
        unit_price: unit_price.unwrap_or_default(),
        ..Default::default()
    };
    if let (Some(price), Some(qty)) = (unit_price, qty) {
        match price.times(qty) {
            None => c.errs.push(FieldError::new(
                "qty",
                "单价 × 数量超出范围 / price × quantity out of range",
            )),
            Some(gross) => {
                let d = discount.unwrap_or_default();
                match paid {
                    None if d > gross => c.errs.push(FieldError::new(
                        "line_discount",
                        format!(
                            "优惠 {d} 大于单价 × 数量 {gross} / the discount is more than price × quantity"
                        ),
                    )),
                    None => {
                        line.line_discount = d;
                        line.paid = Fen(gross.0 - d.0);
                    }
                    Some(p) if p.0 > gross.0.saturating_sub(d.0) => c.errs.push(FieldError::new(
                        "paid",
                        format!(
                            "实付 {p} 大于单价 × 数量 − 优惠 {} / paid is more than price × quantity − discount",
                            Fen(gross.0.saturating_sub(d.0))
                        ),
                    )),
                    Some(p) => {
                        let own = discount.unwrap_or(Fen(gross.0.saturating_sub(p.0)));
                        line.line_discount = own;
                        line.paid = p;
                        line.order_discount_share =
                            Fen(gross.0.saturating_sub(own.0).saturating_sub(p.0));
                    }
                }
            }
        }
    }
    RowIn {
        row,
        text,
        shipping,
        created_at,
        paid_at,
        line,
        errs: c.errs,
    }
}
