//! Reading a file into rows of text: .xlsx/.xls/.ods via calamine, CSV in UTF-8, UTF-16 or GBK.

use super::*;

/// One non-empty row of a file: its spreadsheet row number and its cleaned cells.
pub(crate) struct Row {
    pub n: usize,
    pub cells: Vec<String>,
}

/// Reads the first sheet of a workbook, or a CSV, into its non-empty rows.
pub(crate) fn read_rows(file_name: &str, bytes: &[u8]) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    each_row(file_name, bytes, &mut |row| {
        rows.push(row);
        true
    })?;
    Ok(rows)
}

/// [`read_rows`] one row at a time: `each` gets the non-empty rows in order and returns
/// false to stop. A CSV is handed over as it is parsed, so the first rows can be used
/// while the rest is read. A CSV's only error is an unreadable file, found before
/// the first row: its text is decoded in memory first, and records may have any number
/// of cells, so the parser cannot fail part-way.
pub(crate) fn each_row(
    file_name: &str,
    bytes: &[u8],
    each: &mut dyn FnMut(Row) -> bool,
) -> Result<()> {
    if is_workbook(file_name, bytes) {
        for row in read_workbook(bytes)? {
            if !each(row) {
                break;
            }
        }
        Ok(())
    } else {
        each_csv_row(bytes, each)
    }
}

pub(super) fn is_workbook(file_name: &str, bytes: &[u8]) -> bool {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
        || bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

pub(super) fn read_workbook(bytes: &[u8]) -> Result<Vec<Row>> {
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
pub(super) fn data_text(d: &calamine::Data) -> String {
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
pub(super) fn number_text(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        String::new()
    }
}

fn each_csv_row(bytes: &[u8], each: &mut dyn FnMut(Row) -> bool) -> Result<()> {
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
        if cells.iter().any(|c| !c.is_empty()) && !each(Row { n, cells }) {
            break;
        }
    }
    Ok(())
}

/// How many empty lines `bytes` starts with.
pub(super) fn blank_lines(mut bytes: &[u8]) -> usize {
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
pub(super) fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
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
