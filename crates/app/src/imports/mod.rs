//! 导入: SKUs (商品资料) and opening stock (期初库存) from the spreadsheets merchants
//! already have: Excel workbooks, or CSV in UTF-8 (with or without BOM) or GBK as Taobao,
//! 1688 and older ERPs write them.
//!
//! Columns are found by their header (Chinese or English), so column order and extra
//! columns do not matter. Every bad row is reported with its spreadsheet row number
//! (header = row 1) and a reason; the good rows are imported all the same, so a merchant
//! fixes the bad rows and imports them again. Nothing here panics on any input.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use jxc_core::catalog::{NewSku, Sku, SkuInput};
use jxc_core::ids::{LocationId, SkuId, WarehouseId};
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput, document::MAX_LINES};
use jxc_core::money::Fen;
use jxc_core::paging::{MAX_LIMIT, PageRequest};
use jxc_core::warehouses::{Location, Warehouse};
use jxc_core::{FieldError, text};
use jxc_store::{Actor, DocumentFilter, ImportAction, MoveFilter, SkuFilter};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{App, Error, Result};

/// One bad row of an import: where, which field, and why.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    /// The spreadsheet row number (header = 1, first data row = 2); 0 = the whole file.
    pub row: usize,
    /// The input field, e.g. `code`, `list_price`, `barcodes[1]`, `qty`.
    pub field: String,
    /// Why, in Chinese then English, starting with the column header as the file names it.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Non-empty data rows in the file (the header not counted).
    pub total_rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Stock imports: document lines posted.
    pub posted_lines: usize,
    /// Stock imports: the numbers of the documents posted.
    pub documents: Vec<String>,
    /// Sorted by row.
    pub errors: Vec<RowError>,
}

// ------------------------------------------------------------------------------------
// Columns
// ------------------------------------------------------------------------------------

mod columns;
pub mod orders;
mod sheet;
mod skus;
mod stock;

pub(crate) use columns::SKU_COLUMNS;
use columns::*;
pub(crate) use sheet::{Row, clean_cell, read_rows};

pub(super) fn sha_reference(bytes: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(bytes));
    format!("import:{}", &digest[..16])
}

/// Text for a document note: no control characters, at most `max` characters.
pub(super) fn note_text(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

// ------------------------------------------------------------------------------------
// SKU rows
// ------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::columns::*;
    use super::sheet::*;
    use super::skus::*;
    use super::stock::*;
    use super::*;

    #[test]
    fn taobao_and_excel_text_marks_are_removed() {
        assert_eq!(clean_cell("  =\"6901234567892\" "), "6901234567892");
        assert_eq!(clean_cell("'00123"), "00123");
        assert_eq!(clean_cell("\u{feff}商家编码"), "商家编码");
        assert_eq!(clean_cell("\t12.50元 "), "12.50元");
    }

    #[test]
    fn barcodes_split_on_chinese_and_ascii_separators() {
        assert_eq!(
            split_barcodes("111，222;333 / 444、555"),
            vec!["111", "222", "333", "444", "555"]
        );
        assert!(split_barcodes("  ").is_empty());
    }

    #[test]
    fn headers_match_with_full_width_parentheses_and_stars() {
        assert_eq!(header_key("*重量（g）"), header_key("重量(g)"));
        assert_eq!(header_key("体积(cm3)"), header_key("体积(cm³)"));
        assert_eq!(header_key(" List_Price "), "list_price");
    }

    #[test]
    fn csv_rows_keep_spreadsheet_numbers_across_blank_lines_and_multiline_cells() {
        for text in [
            "a,b\n\n1,\"x\ny\"\n2,z\n,\n3,w\n",
            "\r\na,b\r\n\r\n1,\"x\r\ny\"\r\n2,z\r\n,\r\n3,w",
        ] {
            let rows = read_rows("t.csv", text.as_bytes()).unwrap();
            let ns: Vec<usize> = rows.iter().map(|r| r.n).collect();
            let first = if text.starts_with('\r') { 2 } else { 1 };
            assert_eq!(ns, vec![first, first + 2, first + 3, first + 5], "{text:?}");
        }
    }

    #[test]
    fn dates_in_the_usual_spellings_parse() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1);
        for s in [
            "2026-03-01",
            "2026/3/1",
            "2026.03.01",
            "20260301",
            "2026-03-01 00:00:00",
        ] {
            assert_eq!(parse_date("expiry_date", s).unwrap(), d, "{s}");
        }
        assert!(parse_date("expiry_date", "next week").is_err());
        assert_eq!(parse_date("expiry_date", "").unwrap(), None);
    }

    #[test]
    fn numbers_from_workbooks_become_exact_text() {
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(6901234567892.0), "6901234567892");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(f64::NAN), "");
    }
}
