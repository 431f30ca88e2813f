//! Small text parsers shared by every input (API, import, CLI).

use crate::FieldError;

/// A trimmed, non-empty text of at most `max` characters with no control characters.
pub fn required(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let t = optional(field, s, max)?;
    if t.is_empty() {
        return Err(FieldError::new(field, "不能为空 / must not be empty"));
    }
    Ok(t)
}

/// A trimmed text (possibly empty) of at most `max` characters with no control characters.
pub fn optional(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("超过 {max} 个字符 / longer than {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "含有控制字符 / contains control characters",
        ));
    }
    Ok(t.to_string())
}

/// A code (商家编码, 仓库编码, 库位编码 …): 1–64 characters, no spaces or control characters.
pub fn code(field: &str, s: &str) -> Result<String, FieldError> {
    let t = required(field, s, 64)?;
    if t.chars().any(char::is_whitespace) {
        return Err(FieldError::new(
            field,
            "编码不能含空格 / a code must not contain spaces",
        ));
    }
    Ok(t)
}

/// Parses a yes/no cell: 是/否, y/n, yes/no, true/false, 1/0, 启用/停用.
pub fn boolean(field: &str, s: &str) -> Result<bool, FieldError> {
    match s.trim().to_lowercase().as_str() {
        "是" | "y" | "yes" | "true" | "1" | "启用" | "允许" => Ok(true),
        "否" | "n" | "no" | "false" | "0" | "停用" | "禁止" | "不允许" => Ok(false),
        _ => Err(FieldError::new(
            field,
            format!("无法识别的是/否值 “{}” / not a yes/no value", s.trim()),
        )),
    }
}

/// Parses a whole number (commas as thousands separators allowed).
pub fn integer(field: &str, s: &str) -> Result<i64, FieldError> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    t.parse::<i64>().map_err(|_| {
        FieldError::new(
            field,
            format!("不是整数 “{}” / not a whole number", s.trim()),
        )
    })
}
