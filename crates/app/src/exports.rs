//! 导出: every list as an Excel workbook (.xlsx), with every matching row (read through
//! keyset pages, never OFFSET), a bold frozen Chinese header and money as numbers
//! formatted `0.00`. The SKU export writes the columns the SKU import reads, so an
//! exported file, edited or not, imports straight back.

use chrono::{DateTime, FixedOffset, Utc};
use jxc_core::catalog::{Sku, Tracking};
use jxc_core::inventory::DocumentKind;
use jxc_core::inventory::posting::MoveKind;
use jxc_core::money::Fen;
use jxc_core::paging::{MAX_LIMIT, PageRequest};
use jxc_core::warehouses::Warehouse;
use jxc_store::{BalanceFilter, ListFilter, MoveFilter, SkuFilter, SummaryBy, SummaryFilter};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::imports::SKU_COLUMNS;
use crate::{App, Error, Result};

/// One cell of an export.
pub enum Cell {
    Text(String),
    Int(i64),
    Money(Fen),
    Blank,
}

impl Cell {
    pub fn text(s: &str) -> Cell {
        if s.is_empty() {
            Cell::Blank
        } else {
            Cell::Text(s.to_string())
        }
    }
}

/// Workbooks hold every number as an IEEE double; there is no decimal cell type. So at
/// this boundary, and only here, an amount becomes a float: from the exact decimal text
/// of `Fen::to_yuan` (never by dividing by 100), which gives the double nearest the
/// exact amount. Below ±2^53 分 that double reads back to the same two-decimal text, so
/// an exported price re-imports to the same 分.
fn money_cell_value(amount: Fen) -> f64 {
    amount.to_yuan().parse().unwrap_or_default()
}

/// Excel's last row is 1,048,576; an export with more rows goes on to another sheet.
const ROWS_PER_SHEET: usize = 1_048_575;

fn xlsx_error(e: XlsxError) -> Error {
    Error::Internal(format!("写入 Excel 失败 / cannot write the workbook: {e}"))
}

/// Writes `rows` under a header of `(title, width)` columns, on sheets named `name`.
/// Every list page's export uses this.
pub fn workbook(name: &str, columns: &[(&str, u16)], rows: Vec<Vec<Cell>>) -> Result<Vec<u8>> {
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let mut wb = Workbook::new();
    let new_sheet = |n: usize| -> Result<Worksheet, XlsxError> {
        let mut ws = Worksheet::new();
        if n == 0 {
            ws.set_name(name)?;
        } else {
            ws.set_name(format!("{name} ({})", n + 1))?;
        }
        for (c, (title, width)) in columns.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, *title, &bold)?;
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(ws)
    };
    let mut sheets = 0;
    let mut ws = new_sheet(sheets).map_err(xlsx_error)?;
    let mut r: u32 = 0;
    for (i, row) in rows.into_iter().enumerate() {
        if i > 0 && i % ROWS_PER_SHEET == 0 {
            wb.push_worksheet(ws);
            sheets += 1;
            ws = new_sheet(sheets).map_err(xlsx_error)?;
            r = 0;
        }
        r += 1;
        for (c, cell) in row.into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Int(v) => ws.write(r, c, v).map(|_| ()),
                Cell::Money(f) => ws
                    .write_number_with_format(r, c, money_cell_value(f), &money)
                    .map(|_| ()),
                Cell::Blank => Ok(()),
            }
            .map_err(xlsx_error)?;
        }
    }
    wb.push_worksheet(ws);
    wb.save_to_buffer().map_err(xlsx_error)
}

/// Reads every page of a list: `all_pages!(page => store.list_x(filter, &page))`.
macro_rules! all_pages {
    ($page:ident => $call:expr) => {{
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let $page = PageRequest::new(Some(MAX_LIMIT), after.as_deref(), false)?;
            let p = $call.await?;
            items.extend(p.items);
            match p.next {
                // A cursor that does not move would loop forever: stop instead.
                Some(n) if Some(&n) != after.as_ref() => after = Some(n),
                _ => break,
            }
        }
        items
    }};
}

fn tracking_label(t: Tracking) -> &'static str {
    match t {
        Tracking::None => "无",
        Tracking::Lot => "批次",
        Tracking::LotExpiry => "批次效期",
        Tracking::Serial => "序列号",
    }
}

pub fn yes_no(b: bool) -> Cell {
    Cell::Text(if b { "是" } else { "否" }.to_string())
}

/// The cells of one SKU, in the order of [`SKU_COLUMNS`].
fn sku_row(s: &Sku) -> Vec<Cell> {
    let f = &s.fields;
    SKU_COLUMNS
        .iter()
        .map(|c| match c.key {
            "code" => Cell::text(&f.code),
            "name" => Cell::text(&f.name),
            "barcodes" => Cell::text(&f.barcodes.join(",")),
            "color" => Cell::text(&f.color),
            "size" => Cell::text(&f.size),
            "unit" => Cell::text(f.unit.as_str()),
            "weight_g" => Cell::Int(f.weight_g),
            "volume_cm3" => Cell::Int(f.volume_cm3),
            "list_price" => Cell::Money(f.list_price),
            "default_cost" => Cell::Money(f.default_cost),
            "category" => Cell::text(&f.category),
            "brand" => Cell::text(&f.brand),
            "tracking" => Cell::text(tracking_label(f.tracking)),
            "shelf_life_days" => f.shelf_life_days.map(Cell::Int).unwrap_or(Cell::Blank),
            "allow_negative" => yes_no(f.allow_negative),
            "active" => yes_no(f.active),
            _ => Cell::Blank,
        })
        .collect()
}

fn sku_width(key: &str) -> u16 {
    match key {
        "code" | "barcodes" => 22,
        "name" => 36,
        "category" | "brand" | "shelf_life_days" | "list_price" | "default_cost" => 12,
        _ => 10,
    }
}

/// `2025-03-01 14:05:09` in China time (UTC+8 all year, no daylight saving).
/// [`shanghai_time`] of Unix milliseconds ("" if out of range).
pub fn shanghai_time_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(shanghai_time)
        .unwrap_or_default()
}

pub fn shanghai_time(at: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(8 * 3600) {
        Some(tz) => at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    }
}

/// 自营仓, 第三方仓, 海外仓, 门店 (words `WarehouseKind::parse` reads back).
pub fn warehouse_kind_label(k: jxc_core::warehouses::WarehouseKind) -> &'static str {
    use jxc_core::warehouses::WarehouseKind as K;
    match k {
        K::Own => "自营仓",
        K::ThirdParty => "第三方仓",
        K::Overseas => "海外仓",
        K::Store => "门店",
    }
}

fn move_type(doc: DocumentKind, kind: MoveKind) -> String {
    match kind {
        MoveKind::Revalue => format!("{}(成本差异)", doc.label_zh()),
        MoveKind::In | MoveKind::Out => doc.label_zh().to_string(),
    }
}

impl App {
    /// 商品 as .xlsx, in the columns the SKU import reads.
    pub async fn export_skus(&self, filter: &SkuFilter) -> Result<Vec<u8>> {
        let skus: Vec<Sku> = all_pages!(page => self.store.list_skus(filter, &page));
        let columns: Vec<(&str, u16)> = SKU_COLUMNS
            .iter()
            .map(|c| (c.names[0], sku_width(c.key)))
            .collect();
        workbook("商品", &columns, skus.iter().map(sku_row).collect())
    }

    /// 库存余额 as .xlsx: one row per SKU × warehouse × location × lot.
    pub async fn export_stock(&self, filter: &BalanceFilter) -> Result<Vec<u8>> {
        let balances = all_pages!(page => self.store.list_balances(filter, &page));
        let columns = [
            ("仓库", 12),
            ("库位", 14),
            ("商家编码", 22),
            ("商品名称", 36),
            ("批次号", 16),
            ("到期日期", 12),
            ("在库", 10),
            ("占用", 10),
            ("可用", 10),
            ("库存金额", 14),
        ];
        let rows = balances
            .into_iter()
            .map(|b| {
                vec![
                    Cell::text(&b.warehouse_code),
                    Cell::text(&b.location_code),
                    Cell::text(&b.sku_code),
                    Cell::text(&b.sku_name),
                    Cell::text(&b.lot_no),
                    b.expiry_date
                        .map(|d| Cell::Text(d.format("%Y-%m-%d").to_string()))
                        .unwrap_or(Cell::Blank),
                    Cell::Int(b.on_hand),
                    Cell::Int(b.reserved),
                    Cell::Int(b.available),
                    Cell::Money(b.value),
                ]
            })
            .collect();
        workbook("库存", &columns, rows)
    }

    /// 库存余额 按商品 (one row per SKU) or 按仓库 (one row per SKU × warehouse) as .xlsx.
    pub async fn export_stock_summary(&self, filter: &SummaryFilter) -> Result<Vec<u8>> {
        let rows = all_pages!(page => self.store.stock_summary(filter, &page));
        let by_warehouse = filter.by == SummaryBy::SkuWarehouse;
        let mut columns = vec![("商家编码", 22), ("商品名称", 36)];
        if by_warehouse {
            columns.extend([("仓库", 12), ("仓库名称", 20)]);
        }
        columns.extend([("在库", 10), ("占用", 10), ("可用", 10), ("库存金额", 14)]);
        let rows = rows
            .into_iter()
            .map(|r| {
                let mut cells = vec![Cell::text(&r.sku_code), Cell::text(&r.sku_name)];
                if by_warehouse {
                    cells.push(Cell::text(&r.warehouse_code));
                    cells.push(Cell::text(&r.warehouse_name));
                }
                cells.extend([
                    Cell::Int(r.on_hand),
                    Cell::Int(r.reserved),
                    Cell::Int(r.available),
                    Cell::Money(r.value),
                ]);
                cells
            })
            .collect();
        workbook("库存", &columns, rows)
    }

    /// 仓库 as .xlsx: the warehouses `keep` says yes to (a user's warehouse limit).
    pub async fn export_warehouses(
        &self,
        filter: &ListFilter,
        keep: impl Fn(&Warehouse) -> bool,
    ) -> Result<Vec<u8>> {
        let warehouses: Vec<Warehouse> =
            all_pages!(page => self.store.list_warehouses(filter, &page));
        let columns = [
            ("仓库编码", 14),
            ("仓库名称", 24),
            ("类型", 10),
            ("省", 10),
            ("市", 10),
            ("区", 10),
            ("地址", 36),
            ("优先级", 8),
            ("日产能", 10),
            ("启用", 6),
        ];
        let rows = warehouses
            .iter()
            .filter(|w| keep(w))
            .map(|w| {
                let f = &w.fields;
                vec![
                    Cell::text(&f.code),
                    Cell::text(&f.name),
                    Cell::text(warehouse_kind_label(f.kind)),
                    Cell::text(&f.province),
                    Cell::text(&f.city),
                    Cell::text(&f.district),
                    Cell::text(&f.address),
                    Cell::Int(f.priority),
                    Cell::Int(f.daily_capacity),
                    yes_no(f.active),
                ]
            })
            .collect();
        workbook("仓库", &columns, rows)
    }

    /// 库存流水 as .xlsx: one row per ledger row, oldest first.
    pub async fn export_moves(&self, filter: &MoveFilter) -> Result<Vec<u8>> {
        let moves = all_pages!(page => self.store.list_moves(filter, &page));
        let columns = [
            ("流水号", 10),
            ("单据号", 14),
            ("类型", 10),
            ("商家编码", 22),
            ("仓库ID", 8),
            ("库位", 14),
            ("批次号", 16),
            ("数量", 10),
            ("金额", 14),
            ("时间", 20),
            ("操作人", 14),
        ];
        let rows = moves
            .into_iter()
            .map(|m| {
                vec![
                    Cell::Int(m.id.0),
                    Cell::text(&m.doc_no),
                    Cell::Text(move_type(m.doc_kind, m.kind)),
                    Cell::text(&m.sku_code),
                    Cell::Int(m.warehouse_id.0),
                    Cell::text(&m.location_code),
                    Cell::text(&m.lot_no),
                    Cell::Int(m.qty),
                    Cell::Money(m.value),
                    Cell::Text(shanghai_time(m.at)),
                    Cell::text(&m.actor),
                ]
            })
            .collect();
        workbook("库存流水", &columns, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_becomes_the_double_nearest_its_exact_yuan_text() {
        assert_eq!(money_cell_value(Fen(1250)).to_string(), "12.5");
        assert_eq!(money_cell_value(Fen(-5)).to_string(), "-0.05");
        assert_eq!(money_cell_value(Fen(10)).to_string(), "0.1");
        assert_eq!(
            money_cell_value(Fen(123_456_789_012)).to_string(),
            "1234567890.12"
        );
    }

    #[test]
    fn times_are_shown_in_china_time() {
        let at = DateTime::parse_from_rfc3339("2025-03-01T16:05:09Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(shanghai_time(at), "2025-03-02 00:05:09");
    }
}
