//! 订单导入: order files into [`NewOrder`]s — pure parsing, no database.
//!
//! Two formats:
//!
//! - [`parse_taobao`]: the Taobao/Tmall seller-centre exports, the 订单报表 (one row per
//!   order) and, optionally, its 宝贝报表 (one row per line), CSV in GBK or UTF-8, or Excel.
//! - [`parse_template`]: jxc's own order template, one row per line
//!   ([`template_headers`] gives the header row of a blank template).
//!
//! Every bad row becomes a [`RowError`] (spreadsheet row, field, reason in Chinese then
//! English starting with the column header) and its order is left out; the good orders
//! are all returned. An order listed twice with the same content is kept once; listed
//! again with different content, the later row is reported. Nothing here panics on any
//! input.
//!
//! # How the amounts are filled in
//!
//! Per order, with `goods` = Σ unit price × qty, `shipping`, `points` (积分抵扣, 100 points
//! = 1 元) and `paid` (what the buyer paid in money, shipping included):
//!
//! ```text
//! goods + shipping − Σ line_discount − discount_merchant − points = paid
//! per line: unit_price × qty − line_discount − order_discount_share = paid (line)
//! Σ line paid = paid − shipping
//! ```
//!
//! - A discount the file itemises per line (a line's 买家应付货款 below price × qty, or a
//!   template 优惠) is that line's `line_discount`.
//! - What is left over and not itemised — `goods + shipping − points − paid − Σ
//!   line_discount`, when positive — is an order-level discount and goes to
//!   `discount_merchant` (the exports do not say who funded it; a person may move it to
//!   `discount_platform`). A negative remainder (the seller raised the price) is not a
//!   discount: it stays 0 and shows as an amount mismatch downstream.
//! - `order_discount_share` is the line's share of the order-level reductions, the
//!   points included (points are paid at order level, so the line's money paid is lower
//!   by its share of them).
//! - When the file gives no per-line paid amount, `paid − shipping` is split over the
//!   lines by the largest-remainder method (weights: the line's amount after its own
//!   discount), so the lines add up to the fen.
//! - An order not yet paid (no payment time, 买家实际支付金额 0) carries the amount due
//!   (总金额 − points) as `paid_amount`, like the platform API's `payment` does before
//!   payment; `paid_at` stays empty, which is what says it is unpaid. When the payment
//!   arrives, only `paid_at` changes.

use std::borrow::Cow;

use jxc_core::FieldError;
use jxc_core::money::Fen;
use jxc_core::orders::OrderLine;

use super::RowError;
use super::columns::Columns;
use super::sheet::Row;

mod address;
mod taobao;
mod template;

pub use address::split_address;
pub use taobao::{SUMMARY_LINE_SPEC, parse_taobao};
pub use template::{parse_template, parse_template_each, template_headers};

/// What an order file holds: the good orders, the bad rows, how many data rows it had.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ParsedOrders {
    /// The spreadsheet row of each order (its first row) and the order; in file order.
    pub orders: Vec<(usize, jxc_core::orders::NewOrder)>,
    /// Sorted by row (for Taobao: the 订单报表's first, then the 宝贝报表's).
    pub errors: Vec<RowError>,
    /// Non-empty data rows of the file (Taobao: of the 订单报表), the header not counted.
    pub total_rows: usize,
}

impl ParsedOrders {
    /// A result with one whole-file error (row 0) and no orders.
    pub(crate) fn file_error(field: &str, reason: String, total_rows: usize) -> ParsedOrders {
        ParsedOrders {
            orders: Vec::new(),
            errors: vec![RowError {
                row: 0,
                field: field.to_string(),
                reason,
            }],
            total_rows,
        }
    }
}

/// The reason of a file-level error (cannot read, missing column), for a `RowError`.
fn error_reason(e: &crate::Error) -> String {
    match e {
        crate::Error::Invalid(v) if !v.is_empty() => v
            .iter()
            .map(|f| f.reason.clone())
            .collect::<Vec<_>>()
            .join("; "),
        e => e.to_string(),
    }
}

/// The Unix milliseconds of a China-time (UTC+8) date and time as exports write it:
/// `2017-07-28 14:18:32`, `2017/7/28 14:18`, `2017-07-28T14:18:32`, or a bare date.
pub fn china_time_ms(s: &str) -> Option<i64> {
    use chrono::{NaiveDate, NaiveDateTime};
    if let Some(ms) = plain_china_time_ms(s.trim()) {
        return Some(ms);
    }
    let t = s.trim().replacen('T', " ", 1);
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    const WITH_TIME: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M",
        "%Y.%m.%d %H:%M:%S",
        "%Y.%m.%d %H:%M",
    ];
    let dt = WITH_TIME
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| {
            ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    dt.and_utc().timestamp_millis().checked_sub(8 * 3_600_000)
}

/// [`china_time_ms`] of the usual `2017-07-28 14:18:32`, read digit by digit (the formats
/// tried one by one cost more than the rest of a row); `None` for anything else.
fn plain_china_time_ms(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let seps = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if b.len() != 19 || seps.iter().any(|(i, c)| b[*i] != *c) {
        return None;
    }
    let num = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let dt = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?
        .and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    dt.and_utc().timestamp_millis().checked_sub(8 * 3_600_000)
}

/// Text for an order field: control characters (a buyer message may span lines) become
/// spaces, and the ends are trimmed. Nothing is cut.
fn clean_text(s: &str) -> String {
    clean_str(s).into_owned()
}

/// [`clean_text`] without a copy when there is nothing to replace.
fn clean_str(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s.trim());
    }
    Cow::Owned(
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_string(),
    )
}

/// Reads the cells of one row, collecting the errors of the bad ones.
struct Cells<'a> {
    pub cols: &'a Columns,
    pub row: &'a Row,
    pub errs: Vec<FieldError>,
}

impl<'a> Cells<'a> {
    pub fn new(cols: &'a Columns, row: &'a Row) -> Self {
        Cells {
            cols,
            row,
            errs: Vec::new(),
        }
    }

    /// Whether the file has the column.
    pub fn has(&self, key: &str) -> bool {
        self.cols.index.contains_key(key)
    }

    /// The cleaned text of the cell ("" when the column is missing).
    pub fn text(&self, key: &str) -> String {
        self.text_ref(key).into_owned()
    }

    /// [`Cells::text`], borrowed from the row when cleaning changes nothing inside it.
    pub fn text_ref(&self, key: &str) -> Cow<'a, str> {
        clean_str(self.cols.get(self.row, key).unwrap_or(""))
    }

    fn given(&self, key: &str) -> Option<Cow<'a, str>> {
        Some(self.text_ref(key)).filter(|s| !s.is_empty())
    }

    /// A money cell: `None` when the column is missing or the cell empty; a bad or
    /// negative amount is an error (and `None`).
    pub fn money(&mut self, key: &str) -> Option<Fen> {
        let s = self.given(key)?;
        match Fen::parse_yuan(key, &s) {
            Ok(v) if v.0 < 0 => {
                self.errs.push(FieldError::new(
                    key,
                    format!("金额 “{s}” 不能为负 / must not be negative"),
                ));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.errs.push(e);
                None
            }
        }
    }

    /// A whole number ≥ 0 (`12`, `1,200`, and `12.00` as workbooks may write it):
    /// `None` when the column is missing or the cell empty, an error when not a number.
    pub fn count(&mut self, key: &str) -> Option<i64> {
        let s = self.given(key)?;
        let v = whole_number(&s).filter(|v| *v >= 0);
        if v.is_none() {
            self.errs.push(FieldError::new(
                key,
                format!("“{s}” 不是非负整数 / not a whole number ≥ 0"),
            ));
        }
        v
    }

    /// A quantity: a whole number > 0; an empty cell is an error too.
    pub fn qty(&mut self, key: &str) -> Option<i64> {
        let s = self.text_ref(key);
        let v = whole_number(&s).filter(|v| *v > 0);
        if v.is_none() {
            let reason = if s.is_empty() {
                "不能为空 / must not be empty".to_string()
            } else {
                format!("数量 “{s}” 必须是大于 0 的整数 / quantity must be a whole number > 0")
            };
            self.errs.push(FieldError::new(key, reason));
        }
        v
    }

    /// A date and time in China time: `None` when empty, an error when unreadable.
    pub fn time(&mut self, key: &str) -> Option<i64> {
        let s = self.given(key)?;
        let t = china_time_ms(&s);
        if t.is_none() {
            self.errs.push(FieldError::new(
                key,
                format!(
                    "时间 “{s}” 无法识别，应为 YYYY-MM-DD HH:MM:SS / not a date and time (YYYY-MM-DD HH:MM:SS)"
                ),
            ));
        }
        t
    }

    /// A required text cell.
    pub fn required(&mut self, key: &str) -> String {
        let s = self.text(key);
        if s.is_empty() {
            self.errs
                .push(FieldError::new(key, "不能为空 / must not be empty"));
        }
        s
    }

    /// The errors as row errors: `field` = `prefix` + key, the reason led by the header
    /// the file gives the column, and `suffix` after it.
    pub fn row_errors(&mut self, prefix: &str, suffix: &str) -> Vec<RowError> {
        let (cols, n) = (self.cols, self.row.n);
        std::mem::take(&mut self.errs)
            .into_iter()
            .map(|e| to_row_error(cols, n, e, prefix, suffix))
            .collect()
    }
}

/// `12`, `1,200`, `12.00` → 12; anything else → `None`.
fn whole_number(s: &str) -> Option<i64> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    let int = match t.split_once('.') {
        Some((int, frac)) if frac.chars().all(|c| c == '0') => int,
        Some(_) => return None,
        None => t.as_str(),
    };
    int.parse().ok()
}

/// A field error as a row error (see [`Cells::row_errors`]).
fn to_row_error(cols: &Columns, row: usize, e: FieldError, prefix: &str, suffix: &str) -> RowError {
    RowError {
        row,
        reason: format!("{}: {}{suffix}", cols.label(&e.field), e.reason),
        field: format!("{prefix}{}", e.field),
    }
}

/// The cells of a row without trailing empty cells, to compare two listings of an order.
fn row_content(row: &Row) -> &[String] {
    let end = row
        .cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    &row.cells[..end]
}

/// `a + b`, `a − b`, `a × b` on 分, with an error (not a panic, not a wrap) on overflow.
fn add(a: i64, b: i64) -> Result<i64, FieldError> {
    a.checked_add(b).ok_or_else(too_large)
}
fn sub(a: i64, b: i64) -> Result<i64, FieldError> {
    a.checked_sub(b).ok_or_else(too_large)
}
fn mul(a: i64, b: i64) -> Result<i64, FieldError> {
    a.checked_mul(b).ok_or_else(too_large)
}
fn sum(xs: impl IntoIterator<Item = i64>) -> Result<i64, FieldError> {
    xs.into_iter().try_fold(0i64, add)
}
fn too_large() -> FieldError {
    FieldError::new("amount", "金额超出范围 / amount out of range")
}

/// Fills `line_discount`, `order_discount_share` and `paid` of lines whose paid amount
/// the file does not give: `to_split` (the order's paid − shipping) is split by largest
/// remainder over each line's amount after its own discount; the rest of that amount is
/// the line's order-level share.
fn split_paid(lines: &mut [OrderLine], to_split: i64) -> Result<(), FieldError> {
    let mut after_own = Vec::with_capacity(lines.len());
    for l in lines.iter() {
        after_own.push(sub(mul(l.unit_price.0, l.qty)?, l.line_discount.0)?);
    }
    let weights: Vec<i64> = after_own.iter().map(|w| (*w).max(0)).collect();
    let parts = jxc_core::money::split_largest_remainder(to_split, &weights);
    for ((l, w), p) in lines.iter_mut().zip(&after_own).zip(parts) {
        l.paid = Fen(p);
        l.order_discount_share = Fen(sub(*w, p)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_is_utc_plus_eight() {
        // 2017-07-28 14:18:32 +08:00 = 2017-07-28 06:18:32 UTC = 1501222712 s.
        assert_eq!(
            china_time_ms("2017-07-28 14:18:32"),
            Some(1_501_222_712_000)
        );
        assert_eq!(china_time_ms("2017/7/28 14:18"), Some(1_501_222_680_000));
        assert_eq!(
            china_time_ms("2017-07-28T14:18:32"),
            Some(1_501_222_712_000)
        );
        assert_eq!(china_time_ms("2017-07-28"), Some(1_501_171_200_000));
        assert_eq!(china_time_ms("昨天"), None);
        // The digit-by-digit reading agrees with the formats, and leaves the rest to them.
        for t in [
            "2026-11-11 00:01:00",
            "2024-02-29 23:59:59",
            "1999-12-31 16:00:00",
        ] {
            let formats = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                .map(|d| d.and_utc().timestamp_millis() - 8 * 3_600_000)
                .ok();
            assert_eq!(plain_china_time_ms(t), formats, "{t}");
        }
        assert_eq!(plain_china_time_ms("2023-02-29 00:00:00"), None);
        assert_eq!(china_time_ms("2023-02-29 00:00:00"), None);
        assert_eq!(plain_china_time_ms("2017-07-28 14:18:32.5"), None);
        assert_eq!(china_time_ms(""), None);
    }

    #[test]
    fn control_characters_in_messages_become_spaces() {
        assert_eq!(clean_text(" 请发顺丰\n谢谢\t"), "请发顺丰 谢谢");
    }
}
