//! Keyset paging: every list is read in pages after a cursor, never with OFFSET.

use serde::{Deserialize, Serialize};

/// The largest page any list returns.
pub const MAX_LIMIT: u32 = 1000;
pub const DEFAULT_LIMIT: u32 = 50;

/// A request for one page of a list sorted by `sort` (then by id, so the order is total).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    /// The cursor returned with the previous page, if any.
    pub after: Option<Cursor>,
    pub desc: bool,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
            desc: false,
        }
    }
}

impl PageRequest {
    pub fn new(
        limit: Option<u32>,
        after: Option<&str>,
        desc: bool,
    ) -> Result<Self, crate::FieldError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(crate::FieldError::new(
                "limit",
                format!("必须在 1 到 {MAX_LIMIT} 之间 / must be 1..={MAX_LIMIT}"),
            ));
        }
        let after = after
            .filter(|s| !s.is_empty())
            .map(Cursor::decode)
            .transpose()?;
        Ok(Self { limit, after, desc })
    }
}

/// The position after the last row of a page: its sort value and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: String,
    pub id: i64,
}

impl Cursor {
    /// Encoded as `id.hex(key)` so it is opaque, URL-safe and exact.
    pub fn encode(&self) -> String {
        let hex: String = self.key.bytes().map(|b| format!("{b:02x}")).collect();
        format!("{}.{}", self.id, hex)
    }

    pub fn decode(s: &str) -> Result<Cursor, crate::FieldError> {
        let bad = || crate::FieldError::new("after", "无效的分页游标 / invalid page cursor");
        let (id, hex) = s.split_once('.').ok_or_else(bad)?;
        let id = id.parse().map_err(|_| bad())?;
        if hex.len() % 2 != 0 || !hex.is_ascii() {
            return Err(bad());
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad()))
            .collect::<Result<Vec<u8>, _>>()?;
        let key = String::from_utf8(bytes).map_err(|_| bad())?;
        Ok(Cursor { key, id })
    }
}

/// One page of a list, with the cursor of the next page if there is one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more exist.
    pub fn from_rows(mut rows: Vec<T>, limit: u32, cursor_of: impl Fn(&T) -> Cursor) -> Self {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|r| cursor_of(r).encode())
        } else {
            None
        };
        Page { items: rows, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_a_round_trip_with_chinese_and_punctuation() {
        let c = Cursor {
            key: "卫衣-黑色.L'; drop".into(),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn a_tampered_cursor_is_a_field_error_not_a_panic() {
        for bad in ["", "x", "1.zz", "1.abc", "1.ff"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
