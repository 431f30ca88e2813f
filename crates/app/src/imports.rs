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

/// A column an import reads: its key (the input field) and the headers it is known by.
/// The first name is the canonical Chinese header, the one exports write.
pub(crate) struct Column {
    pub key: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

const fn col(key: &'static str, names: &'static [&'static str], required: bool) -> Column {
    Column {
        key,
        names,
        required,
    }
}

/// The SKU columns, in the order the SKU export writes them.
pub(crate) const SKU_COLUMNS: &[Column] = &[
    col("code", &["商家编码", "code"], true),
    col("name", &["商品名称", "名称", "name"], true),
    col("barcodes", &["条码", "barcode", "barcodes"], false),
    col("color", &["颜色", "color"], false),
    col("size", &["尺码", "size"], false),
    col("unit", &["单位", "unit"], false),
    col("weight_g", &["重量(g)", "重量", "weight_g"], false),
    col("volume_cm3", &["体积(cm³)", "体积", "volume_cm3"], false),
    col("list_price", &["售价", "零售价", "list_price"], false),
    col(
        "default_cost",
        &["成本价", "默认成本", "default_cost"],
        false,
    ),
    col("category", &["分类", "category"], false),
    col("brand", &["品牌", "brand"], false),
    col("tracking", &["批次管理", "tracking"], false),
    col(
        "shelf_life_days",
        &["保质期(天)", "保质期", "shelf_life_days"],
        false,
    ),
    col("allow_negative", &["允许负库存", "allow_negative"], false),
    col("active", &["启用", "状态", "active"], false),
];

/// The opening-stock columns.
const STOCK_COLUMNS: &[Column] = &[
    col("warehouse", &["仓库编码", "仓库", "warehouse"], true),
    col("location", &["库位", "库位编码", "location"], false),
    col("sku", &["商家编码", "sku", "code"], true),
    col("lot_no", &["批次号", "批次", "lot_no"], false),
    col("production_date", &["生产日期", "production_date"], false),
    col(
        "expiry_date",
        &["到期日期", "有效期至", "expiry_date"],
        false,
    ),
    col("qty", &["数量", "qty"], true),
    col("unit_cost", &["单位成本", "成本价", "unit_cost"], true),
];

/// How many leading rows may sit above the header (a title line, a note) before we give up.
const HEADER_SEARCH_ROWS: usize = 10;

/// Normalises a header for matching: no `*` marks, no spaces, ASCII parentheses, lower case.
fn header_key(s: &str) -> String {
    clean_cell(s)
        .trim_matches('*')
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '³' => '3',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each known column is in the file, and the header text the file gives it.
struct Columns {
    index: HashMap<&'static str, usize>,
    header: HashMap<&'static str, String>,
}

impl Columns {
    /// The cell of `key` in `row`: `None` if the file has no such column, `Some("")` if
    /// the cell is empty (or the row is shorter than the header).
    fn get<'a>(&self, row: &'a Row, key: &str) -> Option<&'a str> {
        self.index
            .get(key)
            .map(|&i| row.cells.get(i).map(String::as_str).unwrap_or(""))
    }

    /// The column header as the file names it, for error messages.
    fn label(&self, key: &str) -> String {
        self.header
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// A row error whose reason starts with the column header.
    fn error(&self, row: usize, e: FieldError) -> RowError {
        let key = e.field.split(['[', '.']).next().unwrap_or("");
        RowError {
            row,
            reason: format!("{}: {}", self.label(key), e.reason),
            field: e.field,
        }
    }
}

/// Finds the header row (the first of the leading rows that has every required column)
/// and maps the columns. Gives the index in `rows` of the header row.
fn locate(rows: &[Row], spec: &[Column]) -> Result<(usize, Columns)> {
    let Some(first) = rows.first() else {
        return Err(Error::invalid("file", "文件是空的 / the file is empty"));
    };
    let map = |row: &Row| {
        // Per column key: (which of its names matched, the file column, the header text).
        // A better name wins (仓库编码 over 仓库, if a file has both), then the leftmost.
        let mut found: HashMap<&'static str, (usize, usize, &String)> = HashMap::new();
        for (i, cell) in row.cells.iter().enumerate() {
            let k = header_key(cell);
            if k.is_empty() {
                continue;
            }
            for c in spec {
                if let Some(rank) = c.names.iter().position(|n| header_key(n) == k) {
                    let e = found.entry(c.key).or_insert((rank, i, cell));
                    if rank < e.0 {
                        *e = (rank, i, cell);
                    }
                }
            }
        }
        Columns {
            index: found.iter().map(|(k, v)| (*k, v.1)).collect(),
            header: found.iter().map(|(k, v)| (*k, v.2.clone())).collect(),
        }
    };
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let cols = map(row);
        if spec
            .iter()
            .all(|c| !c.required || cols.index.contains_key(c.key))
        {
            return Ok((i, cols));
        }
    }
    let cols = map(first);
    let missing: Vec<&Column> = spec
        .iter()
        .filter(|c| c.required && !cols.index.contains_key(c.key))
        .collect();
    let zh: Vec<String> = missing
        .iter()
        .map(|c| format!("“{}”", c.names[0]))
        .collect();
    let en: Vec<&str> = missing
        .iter()
        .map(|c| c.names.last().copied().unwrap_or(c.key))
        .collect();
    Err(Error::invalid(
        "file",
        format!(
            "缺少列 {} / missing column {} (第 {} 行应为表头 / row {} should be the header)",
            zh.join("、"),
            en.join(", "),
            first.n,
            first.n
        ),
    ))
}

// ------------------------------------------------------------------------------------
// Reading a file into rows
// ------------------------------------------------------------------------------------

/// One non-empty row of a file: its spreadsheet row number and its cleaned cells.
pub(crate) struct Row {
    pub n: usize,
    pub cells: Vec<String>,
}

/// Reads the first sheet of a workbook, or a CSV, into its non-empty rows.
pub(crate) fn read_rows(file_name: &str, bytes: &[u8]) -> Result<Vec<Row>> {
    if is_workbook(file_name, bytes) {
        read_workbook(bytes)
    } else {
        read_csv(bytes)
    }
}

fn is_workbook(file_name: &str, bytes: &[u8]) -> bool {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
        || bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Row>> {
    use calamine::Reader;
    let bad = |e: &dyn std::fmt::Display| {
        Error::invalid(
            "file",
            format!("无法读取 Excel 文件 / cannot read the workbook: {e}"),
        )
    };
    // calamine parses untrusted zip/XML; a crafted file must give an error, not take the
    // process down, so a panic inside the parser is caught and reported like any bad file.
    let parsed = std::panic::catch_unwind(|| {
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))?;
        book.worksheet_range_at(0).transpose()
    });
    let range = match parsed {
        Ok(Ok(Some(range))) => range,
        Ok(Ok(None)) => return Ok(Vec::new()),
        Ok(Err(e)) => return Err(bad(&e)),
        Err(_) => return Err(bad(&"文件已损坏 / the file is corrupt")),
    };
    let (row0, _) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let cells: Vec<String> = r.iter().map(|d| clean_cell(&data_text(d))).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(Row {
                n: row0 as usize + i + 1,
                cells,
            });
        }
    }
    Ok(rows)
}

/// The text of a workbook cell, as a person would type it into a CSV.
fn data_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(v) => number_text(*v),
        Data::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::Error(e) => e.to_string(),
    }
}

/// Workbooks store every number as an IEEE double, and calamine hands it over as one.
/// This is the only place an import sees a float: it becomes decimal text at once.
/// `Display` for f64 prints the shortest text that reads back as the same double and
/// never uses an exponent, so a price typed as 12.50 arrives as "12.5" and a barcode
/// typed as a number arrives as "6901234567892"; the text is then parsed exactly (money
/// with `Fen::parse_yuan`), like any CSV cell, and a value with more than two decimals
/// is refused rather than rounded.
fn number_text(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Row>> {
    let text = decode_text(bytes);
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The csv reader skips blank lines, which a spreadsheet shows as rows. To keep row
    // numbers in step, the blank lines between where one record ended and the next begins
    // are counted here (a cell may also span lines, so lines are not rows).
    let bytes = text.as_bytes();
    let mut n = 0usize;
    let mut pos = 0usize;
    let mut rec = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut rec).map_err(|e| {
            Error::invalid(
                "file",
                format!(
                    "第 {} 行附近无法读取 / cannot read near row {}: {e}",
                    n + 1,
                    n + 1
                ),
            )
        })?;
        if !more {
            break;
        }
        n += 1 + blank_lines(bytes.get(pos..).unwrap_or_default());
        pos = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        // The reader may stop between the \r and the \n of a CRLF terminator.
        if pos > 0 && bytes.get(pos - 1) == Some(&b'\r') && bytes.get(pos) == Some(&b'\n') {
            pos += 1;
        }
        let cells: Vec<String> = rec.iter().map(clean_cell).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(Row { n, cells });
        }
    }
    Ok(rows)
}

/// How many empty lines `bytes` starts with.
fn blank_lines(mut bytes: &[u8]) -> usize {
    let mut n = 0;
    loop {
        bytes = if let Some(rest) = bytes.strip_prefix(b"\r\n") {
            rest
        } else if let Some(rest) = bytes.strip_prefix(b"\n").or(bytes.strip_prefix(b"\r")) {
            rest
        } else {
            return n;
        };
        n += 1;
    }
}

/// CSV text: UTF-8 (a BOM is dropped), UTF-16 with a BOM (Excel's "Unicode text"), and
/// otherwise GBK, which is what Chinese Excel and most platform exports write.
fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest);
    }
    if bytes.starts_with(b"\xFF\xFE") {
        return encoding_rs::UTF_16LE.decode_with_bom_removal(bytes).0;
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return encoding_rs::UTF_16BE.decode_with_bom_removal(bytes).0;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => encoding_rs::GBK.decode_without_bom_handling(bytes).0,
    }
}

/// Trims a cell and removes the marks spreadsheets and platforms put around values to
/// keep them text: `="12345"` (Taobao) and a leading `'` (Excel).
pub(crate) fn clean_cell(s: &str) -> String {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let t = if let Some(inner) = t.strip_prefix("=\"").and_then(|x| x.strip_suffix('"')) {
        inner
    } else if let Some(rest) = t.strip_prefix('\'') {
        rest
    } else {
        t
    };
    t.trim().to_string()
}

/// Splits a barcode cell: several barcodes may be separated by , ， ; ； / 、 or spaces.
fn split_barcodes(s: &str) -> Vec<String> {
    s.split(|c: char| ",，;；/、".contains(c) || c.is_whitespace())
        .map(clean_cell)
        .filter(|b| !b.is_empty())
        .collect()
}

fn sha_reference(bytes: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(bytes));
    format!("import:{}", &digest[..16])
}

/// Parses a date cell: `2025-03-01`, `2025/3/1`, `2025.03.01`, `20250301`, or a
/// workbook date (which arrives as `2025-03-01`). A time after the date is ignored.
fn parse_date(field: &str, s: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let day = t.split([' ', 'T']).next().unwrap_or(t);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(day, f).ok())
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("日期 “{t}” 无法识别，应为 YYYY-MM-DD / not a date (YYYY-MM-DD)"),
            )
        })
}

/// Text for a document note: no control characters, at most `max` characters.
fn note_text(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

// ------------------------------------------------------------------------------------
// SKU rows
// ------------------------------------------------------------------------------------

/// Builds the input of one SKU row. A column the file does not have stays `None`, so an
/// existing SKU keeps that field; so does an empty number, yes/no, unit or tracking
/// cell. An empty text cell (颜色, 品牌 …, 条码) clears the field.
fn sku_input(cols: &Columns, row: &Row, errs: &mut Vec<FieldError>) -> SkuInput {
    let text = |key: &str| cols.get(row, key).map(str::to_string);
    let given = |key: &str| cols.get(row, key).filter(|s| !s.is_empty());
    let mut int = |key: &str| {
        given(key).and_then(|s| match text::integer(key, s) {
            Ok(v) => Some(v),
            Err(e) => {
                errs.push(e);
                None
            }
        })
    };
    let weight_g = int("weight_g");
    let volume_cm3 = int("volume_cm3");
    let shelf_life_days = int("shelf_life_days");
    let mut money = |key: &str| {
        given(key).and_then(|s| match Fen::parse_yuan(key, s) {
            Ok(v) => Some(v.0),
            Err(e) => {
                errs.push(e);
                None
            }
        })
    };
    let list_price = money("list_price");
    let default_cost = money("default_cost");
    let mut boolean = |key: &str| {
        given(key).and_then(|s| match text::boolean(key, s) {
            Ok(v) => Some(v),
            Err(e) => {
                errs.push(e);
                None
            }
        })
    };
    let allow_negative = boolean("allow_negative");
    let active = boolean("active");
    SkuInput {
        code: text("code"),
        name: text("name"),
        barcodes: cols.get(row, "barcodes").map(split_barcodes),
        color: text("color"),
        size: text("size"),
        unit: given("unit").map(str::to_string),
        weight_g,
        volume_cm3,
        list_price,
        default_cost,
        category: text("category"),
        brand: text("brand"),
        // The code names are lower case; a sheet may say `LOT`.
        tracking: given("tracking").map(|s| s.to_ascii_lowercase()),
        shelf_life_days,
        allow_negative,
        active,
        attrs: None,
    }
}

/// The first row naming a lot, with the production and expiry dates it gave.
type LotFirstSeen = (usize, Option<NaiveDate>, Option<NaiveDate>);

/// SKUs looked up by code this many at a time or fewer; more, and the whole catalogue is
/// read in pages instead (fewer round trips than one query per row).
const LOOKUP_ONE_BY_ONE: usize = 300;

impl App {
    /// The stored SKUs among `codes`, by code.
    async fn skus_by_code(&self, codes: &BTreeSet<String>) -> Result<HashMap<String, Sku>> {
        let mut out = HashMap::new();
        if codes.len() <= LOOKUP_ONE_BY_ONE {
            for c in codes {
                if let Some(s) = self.store.get_sku_by_code(c).await? {
                    out.insert(c.clone(), s);
                }
            }
            return Ok(out);
        }
        let filter = SkuFilter::default();
        let mut after: Option<String> = None;
        loop {
            let page = PageRequest::new(Some(MAX_LIMIT), after.as_deref(), false)?;
            let p = self.store.list_skus(&filter, &page).await?;
            for s in p.items {
                if codes.contains(&s.fields.code) {
                    out.insert(s.fields.code.clone(), s);
                }
            }
            match p.next {
                Some(n) if Some(&n) != after.as_ref() => after = Some(n),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Imports SKUs (商品资料) from a workbook or CSV: creates new codes, updates known
    /// ones (columns the file does not have keep their value), and reports bad rows.
    /// Importing the same file again changes nothing.
    pub async fn import_skus(
        &self,
        file_name: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<ImportReport> {
        let rows = read_rows(file_name, bytes)?;
        let (h, cols) = locate(&rows, SKU_COLUMNS)?;
        let data = &rows[h + 1..];
        let mut report = ImportReport {
            total_rows: data.len(),
            ..Default::default()
        };
        let mut inputs = Vec::with_capacity(data.len());
        for row in data {
            let mut errs = Vec::new();
            let input = sku_input(&cols, row, &mut errs);
            inputs.push((row.n, input, errs));
        }
        let codes: BTreeSet<String> = inputs
            .iter()
            .filter_map(|(_, i, _)| i.code.clone())
            .filter(|c| !c.is_empty())
            .collect();
        let existing = self.skus_by_code(&codes).await?;
        let mut good: Vec<(usize, NewSku)> = Vec::with_capacity(inputs.len());
        for (n, input, mut errs) in inputs {
            let base = input
                .code
                .as_ref()
                .and_then(|c| existing.get(c))
                .map(|s| &s.fields);
            match NewSku::merge(base, &input) {
                Ok(sku) if errs.is_empty() => good.push((n, sku)),
                Ok(_) => {}
                Err(jxc_core::Error::Invalid(v)) => errs.extend(v),
                Err(e) => errs.push(FieldError::new("row", e.to_string())),
            }
            report
                .errors
                .extend(errs.into_iter().map(|e| cols.error(n, e)));
        }
        if !good.is_empty() {
            for o in self.store.import_skus(&good, actor).await? {
                match o.result {
                    Ok(ImportAction::Created) => report.created += 1,
                    Ok(ImportAction::Updated) => report.updated += 1,
                    Ok(ImportAction::Unchanged) => report.unchanged += 1,
                    Err(e) => report.errors.push(cols.error(o.row, e)),
                }
            }
        }
        report.errors.sort_by_key(|e| e.row);
        Ok(report)
    }

    /// Imports opening stock (期初) from a workbook or CSV: one 期初 document per
    /// warehouse, all posted in one transaction. Bad rows are reported and left out.
    /// The documents carry `import:<hash of the file>` as reference, so importing the same
    /// file again posts nothing.
    pub async fn import_stock(
        &self,
        file_name: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<ImportReport> {
        let rows = read_rows(file_name, bytes)?;
        let (h, cols) = locate(&rows, STOCK_COLUMNS)?;
        let data = &rows[h + 1..];
        let mut report = ImportReport {
            total_rows: data.len(),
            ..Default::default()
        };
        let reference = sha_reference(bytes);
        let earlier = self
            .store
            .list_documents(
                &DocumentFilter {
                    reference: Some(reference.clone()),
                    ..Default::default()
                },
                &PageRequest::default(),
            )
            .await?;
        if !earlier.items.is_empty() {
            let nos: Vec<&str> = earlier.items.iter().map(|d| d.doc_no.as_str()).collect();
            report.errors.push(RowError {
                row: 0,
                field: "file".into(),
                reason: format!(
                    "该文件已导入过 (单据 {}) / this file was already imported",
                    nos.join(", ")
                ),
            });
            return Ok(report);
        }

        // Look up every code named in the file once.
        let cell = |row: &Row, key: &str| cols.get(row, key).unwrap_or("").to_string();
        let sku_codes: BTreeSet<String> = data
            .iter()
            .map(|r| cell(r, "sku"))
            .filter(|c| !c.is_empty())
            .collect();
        let skus = self.skus_by_code(&sku_codes).await?;
        let mut warehouses: HashMap<String, Option<Warehouse>> = HashMap::new();
        let mut locations: HashMap<(WarehouseId, String), Option<Location>> = HashMap::new();
        for row in data {
            let code = cell(row, "warehouse");
            if !code.is_empty()
                && let Entry::Vacant(e) = warehouses.entry(code.clone())
            {
                e.insert(self.store.get_warehouse_by_code(&code).await?);
            }
            let loc = cell(row, "location");
            if !loc.is_empty()
                && let Some(Some(w)) = warehouses.get(&code)
                && let Entry::Vacant(e) = locations.entry((w.id, loc))
            {
                let l = self.store.get_location_by_code(w.id, &e.key().1).await?;
                e.insert(l);
            }
        }

        // Check every row; the good ones become lines of their warehouse's document.
        let mut good: Vec<(usize, WarehouseId, LineInput)> = Vec::new();
        // (sku, lot) → the first row naming it, with its production and expiry dates.
        let mut lot_dates: HashMap<(i64, String), LotFirstSeen> = HashMap::new();
        for row in data {
            let n = row.n;
            let mut errs: Vec<FieldError> = Vec::new();
            let wcode = cell(row, "warehouse");
            let warehouse = match warehouses.get(&wcode) {
                _ if wcode.is_empty() => {
                    errs.push(FieldError::new("warehouse", "不能为空 / must not be empty"));
                    None
                }
                Some(Some(w)) => Some(w),
                _ => {
                    errs.push(FieldError::new(
                        "warehouse",
                        format!("仓库 “{wcode}” 不存在 / unknown warehouse"),
                    ));
                    None
                }
            };
            let lcode = cell(row, "location");
            let location: Option<LocationId> = match warehouse {
                Some(w) if lcode.is_empty() => Some(w.default_location),
                Some(w) => match locations.get(&(w.id, lcode.clone())) {
                    Some(Some(l)) => Some(l.id),
                    _ => {
                        errs.push(FieldError::new(
                            "location",
                            format!(
                                "库位 “{lcode}” 不在仓库 “{wcode}” 中 / unknown location in this warehouse"
                            ),
                        ));
                        None
                    }
                },
                None => None,
            };
            let scode = cell(row, "sku");
            let sku = match skus.get(&scode) {
                _ if scode.is_empty() => {
                    errs.push(FieldError::new("sku", "不能为空 / must not be empty"));
                    None
                }
                None => {
                    errs.push(FieldError::new(
                        "sku",
                        format!("商家编码 “{scode}” 不存在 / unknown sku"),
                    ));
                    None
                }
                Some(s) if s.is_bundle => {
                    errs.push(FieldError::new(
                        "sku",
                        format!(
                            "“{scode}” 是组合装，没有自己的库存，请按组件导入 / a bundle holds no stock: import its components"
                        ),
                    ));
                    None
                }
                Some(s) if !s.fields.active => {
                    errs.push(FieldError::new(
                        "sku",
                        format!("商品 “{scode}” 已停用 / the sku is inactive"),
                    ));
                    None
                }
                Some(s) => Some(s),
            };
            let lot_no = match text::optional("lot_no", &cell(row, "lot_no"), 64) {
                Ok(v) => v,
                Err(e) => {
                    errs.push(e);
                    String::new()
                }
            };
            let mut date = |key: &str| match parse_date(key, &cell(row, key)) {
                Ok(d) => d,
                Err(e) => {
                    errs.push(e);
                    None
                }
            };
            let production_date = date("production_date");
            let expiry_date = date("expiry_date");
            if let (Some(p), Some(x)) = (production_date, expiry_date)
                && x < p
            {
                errs.push(FieldError::new(
                    "expiry_date",
                    "到期日早于生产日期 / expiry is before production",
                ));
            }
            if let Some(s) = sku {
                let tracks = s.fields.tracking.tracks_lots();
                if tracks && lot_no.is_empty() {
                    errs.push(FieldError::new(
                        "lot_no",
                        format!(
                            "商品 “{scode}” 管理批次，必须填批次号 / this sku tracks lots: a lot number is required"
                        ),
                    ));
                } else if !tracks && !lot_no.is_empty() {
                    errs.push(FieldError::new(
                        "lot_no",
                        format!("商品 “{scode}” 不管理批次 / this sku does not track lots"),
                    ));
                } else if !tracks && (production_date.is_some() || expiry_date.is_some()) {
                    errs.push(FieldError::new(
                        "expiry_date",
                        "不管理批次的商品不能填日期 / dates need a lot-tracked sku",
                    ));
                }
            }
            let qty = match text::integer("qty", &cell(row, "qty")) {
                Ok(q) if q > 0 => Some(q),
                Ok(_) => {
                    errs.push(FieldError::new(
                        "qty",
                        "数量必须大于 0 / quantity must be positive",
                    ));
                    None
                }
                Err(e) => {
                    errs.push(e);
                    None
                }
            };
            let unit_cost = match Fen::parse_yuan("unit_cost", &cell(row, "unit_cost")) {
                Ok(c) if c.0 < 0 => {
                    errs.push(FieldError::new(
                        "unit_cost",
                        "成本不能为负数 / must not be negative",
                    ));
                    None
                }
                Ok(c) => Some(c),
                Err(e) => {
                    errs.push(e);
                    None
                }
            };
            if let (Some(q), Some(c)) = (qty, unit_cost)
                && c.times(q).is_none()
            {
                errs.push(FieldError::new(
                    "unit_cost",
                    "数量 × 单位成本 太大 / quantity × cost is too large",
                ));
            }
            // The same lot named twice in the file must carry the same dates.
            if let Some(s) = sku.filter(|_| !lot_no.is_empty()) {
                let key = (s.id.0, lot_no.clone());
                match lot_dates.get(&key) {
                    Some((first, p, x)) if (*p, *x) != (production_date, expiry_date) => {
                        errs.push(FieldError::new(
                            "lot_no",
                            format!(
                                "批次 “{lot_no}” 的日期与第 {first} 行不同 / lot dates differ from row {first}"
                            ),
                        ))
                    }
                    Some(_) => {}
                    None if errs.is_empty() => {
                        lot_dates.insert(key, (n, production_date, expiry_date));
                    }
                    None => {}
                }
            }
            match (warehouse, location, sku, qty, unit_cost) {
                (Some(w), Some(loc), Some(s), Some(q), Some(c)) if errs.is_empty() => {
                    let line = LineInput {
                        sku_id: s.id.0,
                        location_id: Some(loc.0),
                        lot_no: (!lot_no.is_empty()).then_some(lot_no),
                        production_date,
                        expiry_date,
                        qty: q,
                        unit_cost: Some(c.0),
                        ..Default::default()
                    };
                    good.push((n, w.id, line));
                }
                _ => report
                    .errors
                    .extend(errs.into_iter().map(|e| cols.error(n, e))),
            }
        }
        // Opening stock is set once per SKU × location × lot: a slot that already has it (from
        // an earlier file, e.g. the same file with some rows fixed) or that a row above names
        // is refused, so re-importing a corrected file posts only the rows that were fixed.
        let mut by_warehouse: Vec<(WarehouseId, Vec<LineInput>)> = Vec::new();
        let mut seen: HashMap<(i64, i64, i64, String), usize> = HashMap::new();
        let mut posted: HashMap<(i64, i64), Vec<(i64, String, String)>> = HashMap::new();
        for (n, w, line) in good {
            let lot = line.lot_no.clone().unwrap_or_default();
            let loc = line.location_id.unwrap_or_default();
            if let Some(first) = seen.insert((line.sku_id, w.0, loc, lot.clone()), n) {
                let why = format!(
                    "与第 {first} 行是同一商品、库位和批次 / same sku, location and lot as row {first}"
                );
                report
                    .errors
                    .push(cols.error(n, FieldError::new("sku", why)));
                continue;
            }
            let earlier = match posted.entry((line.sku_id, w.0)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.opening_slots(SkuId(line.sku_id), w).await?),
            };
            if let Some((_, _, doc_no)) = earlier.iter().find(|(l, no, _)| *l == loc && *no == lot)
            {
                let why = format!(
                    "该商品在此库位/批次已有期初库存 (单据 {doc_no}) / opening stock already posted for this sku, location and lot"
                );
                report
                    .errors
                    .push(cols.error(n, FieldError::new("sku", why)));
                continue;
            }
            match by_warehouse.iter_mut().find(|(id, _)| *id == w) {
                Some((_, lines)) => lines.push(line),
                None => by_warehouse.push((w, vec![line])),
            }
        }
        report.errors.sort_by_key(|e| e.row);

        let note = note_text(
            &format!("期初导入 / opening stock import: {file_name}"),
            200,
        );
        let mut docs = Vec::new();
        for (w, lines) in by_warehouse {
            for chunk in lines.chunks(MAX_LINES) {
                let input = DocumentInput {
                    warehouse_id: w.0,
                    reference: reference.clone(),
                    note: note.clone(),
                    lines: chunk.to_vec(),
                };
                docs.push(Document::parse(DocumentKind::Opening, &input)?);
            }
        }
        if docs.is_empty() {
            return Ok(report);
        }
        let lines: usize = docs.iter().map(|d| d.lines.len()).sum();
        for posted in self.store.post_documents(&docs, actor).await? {
            report.documents.push(posted.summary.doc_no);
        }
        report.posted_lines = lines;
        Ok(report)
    }

    /// Where a SKU already has opening stock in a warehouse: (location, lot number, doc no).
    async fn opening_slots(
        &self,
        sku: SkuId,
        warehouse: WarehouseId,
    ) -> Result<Vec<(i64, String, String)>> {
        let filter = MoveFilter {
            sku_id: Some(sku),
            warehouse_id: Some(warehouse),
            doc_kind: Some(DocumentKind::Opening),
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut page = PageRequest {
            limit: 1000,
            after: None,
            desc: false,
        };
        loop {
            let p = self.store.list_moves(&filter, &page).await?;
            out.extend(
                p.items
                    .iter()
                    .filter(|m| m.qty > 0)
                    .map(|m| (m.location_id.0, m.lot_no.clone(), m.doc_no.clone())),
            );
            match p.next {
                Some(n) => page = PageRequest::new(Some(1000), Some(&n), false)?,
                None => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
            let rows = read_csv(text.as_bytes()).unwrap();
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
