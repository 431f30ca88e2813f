//! Finding the columns of a sheet by their header names (Chinese or English).

use super::*;

/// A column an import reads: its key (the input field) and the headers it is known by.
/// The first name is the canonical Chinese header, the one exports write.
pub(crate) struct Column {
    pub key: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

pub(super) const fn col(
    key: &'static str,
    names: &'static [&'static str],
    required: bool,
) -> Column {
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
pub(super) const STOCK_COLUMNS: &[Column] = &[
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
pub(super) const HEADER_SEARCH_ROWS: usize = 10;

/// Normalises a header for matching: no `*` marks, no spaces, ASCII parentheses, lower case.
pub(super) fn header_key(s: &str) -> String {
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
pub(super) struct Columns {
    pub(super) index: HashMap<&'static str, usize>,
    pub(super) header: HashMap<&'static str, String>,
}

impl Columns {
    /// The cell of `key` in `row`: `None` if the file has no such column, `Some("")` if
    /// the cell is empty (or the row is shorter than the header).
    pub(super) fn get<'a>(&self, row: &'a Row, key: &str) -> Option<&'a str> {
        self.index
            .get(key)
            .map(|&i| row.cells.get(i).map(String::as_str).unwrap_or(""))
    }

    /// The column header as the file names it, for error messages.
    pub(super) fn label(&self, key: &str) -> String {
        self.header
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// A row error whose reason starts with the column header.
    pub(super) fn error(&self, row: usize, e: FieldError) -> RowError {
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
pub(super) fn locate(rows: &[Row], spec: &[Column]) -> Result<(usize, Columns)> {
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
