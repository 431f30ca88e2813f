//! Importing opening stock (期初): one document per warehouse, set once per SKU × location × lot.

use super::*;

/// Parses a date cell: `2025-03-01`, `2025/3/1`, `2025.03.01`, `20250301`, or a
/// workbook date (which arrives as `2025-03-01`). A time after the date is ignored.
pub(super) fn parse_date(field: &str, s: &str) -> Result<Option<NaiveDate>, FieldError> {
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

/// The first row naming a lot, with the production and expiry dates it gave.
pub(super) type LotFirstSeen = (usize, Option<NaiveDate>, Option<NaiveDate>);

impl App {
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
