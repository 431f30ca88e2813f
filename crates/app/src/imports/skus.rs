//! Importing SKUs (商品): parse every row, upsert the good ones by code in one transaction.

use super::*;

/// Splits a barcode cell: several barcodes may be separated by , ， ; ； / 、 or spaces.
pub(super) fn split_barcodes(s: &str) -> Vec<String> {
    s.split(|c: char| ",，;；/、".contains(c) || c.is_whitespace())
        .map(clean_cell)
        .filter(|b| !b.is_empty())
        .collect()
}
/// Builds the input of one SKU row. A column the file does not have stays `None`, so an
/// existing SKU keeps that field; so does an empty number, yes/no, unit or tracking
/// cell. An empty text cell (颜色, 品牌 …, 条码) clears the field.
pub(super) fn sku_input(cols: &Columns, row: &Row, errs: &mut Vec<FieldError>) -> SkuInput {
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

/// SKUs looked up by code this many at a time or fewer; more, and the whole catalogue is
/// read in pages instead (fewer round trips than one query per row).
pub(super) const LOOKUP_ONE_BY_ONE: usize = 300;
impl App {
    /// The stored SKUs among `codes`, by code.
    pub(super) async fn skus_by_code(
        &self,
        codes: &BTreeSet<String>,
    ) -> Result<HashMap<String, Sku>> {
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
}
