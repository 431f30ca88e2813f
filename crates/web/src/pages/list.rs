//! What every list page shares: reading the filter, sort and page from the query string,
//! and writing the links back (sort headers, next page, export with the same filter).

use jxc_core::paging::PageRequest;
use jxc_store::{ListFilter, Sort};

/// The query string of a list page, in order, as sent.
#[derive(Debug, Clone, Default)]
pub struct ListUrl {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl ListUrl {
    pub fn new(path: &str, query: Option<&str>) -> ListUrl {
        let params = query
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .unwrap_or_default()
            .into_iter()
            // `reset` only tells the page script to forget the remembered filter.
            .filter(|(k, v)| !v.is_empty() && k != "reset")
            .collect();
        ListUrl {
            path: path.to_string(),
            params,
        }
    }

    /// The value of a parameter ("" if absent), to fill the filter form.
    pub fn get(&self, key: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key).trim().to_string()).filter(|v| !v.is_empty())
    }

    /// Whether an `<option>` for `key` = `value` is the selected one.
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.get(key) == value
    }

    fn encode(path: &str, params: &[(String, String)]) -> String {
        if params.is_empty() {
            path.to_string()
        } else {
            format!(
                "{path}?{}",
                serde_urlencoded::to_string(params).unwrap_or_default()
            )
        }
    }

    /// This list with `key` set to `value` (and back on the first page).
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut p: Vec<_> = self
            .params
            .iter()
            .filter(|(k, _)| k != key && k != "after")
            .cloned()
            .collect();
        if !value.is_empty() {
            p.push((key.to_string(), value.to_string()));
        }
        Self::encode(&self.path, &p)
    }

    /// The link of a sortable column header: ascending first, then descending.
    pub fn sort_link(&self, field: &str) -> String {
        let next = if self.get("sort") == field {
            format!("-{field}")
        } else {
            field.to_string()
        };
        self.with("sort", &next)
    }

    /// ▲ or ▼ on the column the list is sorted by.
    pub fn sort_mark(&self, field: &str) -> &'static str {
        let s = self.get("sort");
        if s == field {
            "▲"
        } else if s.strip_prefix('-') == Some(field) {
            "▼"
        } else {
            ""
        }
    }

    /// The next page.
    pub fn next(&self, cursor: &str) -> String {
        let mut p: Vec<_> = self
            .params
            .iter()
            .filter(|(k, _)| k != "after")
            .cloned()
            .collect();
        p.push(("after".into(), cursor.into()));
        Self::encode(&self.path, &p)
    }

    /// The first page with the same filter.
    pub fn first(&self) -> String {
        let p: Vec<_> = self
            .params
            .iter()
            .filter(|(k, _)| k != "after")
            .cloned()
            .collect();
        Self::encode(&self.path, &p)
    }

    pub fn is_paged(&self) -> bool {
        !self.get("after").is_empty()
    }

    /// The Excel export of this list with the same filter and sort (all pages).
    pub fn export(&self) -> String {
        let p: Vec<_> = self
            .params
            .iter()
            .filter(|(k, _)| k != "after" && k != "limit")
            .cloned()
            .collect();
        Self::encode(
            &format!("{}/export.xlsx", self.path.trim_end_matches('/')),
            &p,
        )
    }

    /// The page request; a bad cursor or limit is reported, not a crash.
    pub fn page(&self) -> Result<PageRequest, jxc_app::Error> {
        let limit = match self.opt("limit") {
            Some(l) => Some(l.parse::<u32>().map_err(|_| {
                jxc_app::Error::invalid("limit", "每页条数应为 1–1000 / limit is 1–1000")
            })?),
            None => Some(50),
        };
        let desc = self.get("sort").starts_with('-');
        Ok(PageRequest::new(limit, self.opt("after").as_deref(), desc)?)
    }

    /// `q`, `active` and `sort` as the store's generic filter.
    pub fn filter(&self, parent_id: Option<i64>) -> Result<ListFilter, jxc_app::Error> {
        let active = match self.get("active") {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        Ok(ListFilter {
            q: self.opt("q"),
            active,
            parent_id,
            sort: Sort::parse(self.opt("sort").as_deref())?,
            ..Default::default()
        })
    }

    /// A whole-number parameter, or an error naming it.
    pub fn id(&self, key: &str) -> Result<Option<i64>, jxc_app::Error> {
        self.opt(key)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    jxc_app::Error::invalid(key, format!("不是编号 “{v}” / not an id"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_headers_toggle_and_drop_the_cursor() {
        let u = ListUrl::new("/skus", Some("q=T%E6%81%A4&sort=code&after=abc"));
        assert_eq!(u.get("q"), "T恤");
        assert_eq!(u.sort_link("code"), "/skus?q=T%E6%81%A4&sort=-code");
        assert_eq!(u.sort_link("name"), "/skus?q=T%E6%81%A4&sort=name");
        assert_eq!(u.sort_mark("code"), "▲");
        assert_eq!(u.next("xyz"), "/skus?q=T%E6%81%A4&sort=code&after=xyz");
        assert_eq!(u.export(), "/skus/export.xlsx?q=T%E6%81%A4&sort=code");
    }

    #[test]
    fn empty_parameters_and_reset_are_ignored() {
        let u = ListUrl::new("/stock", Some("q=&warehouse_id=2&reset=1"));
        assert_eq!(u.params, vec![("warehouse_id".into(), "2".into())]);
        assert_eq!(u.id("warehouse_id").unwrap(), Some(2));
        assert!(
            ListUrl::new("/stock", Some("warehouse_id=x"))
                .id("warehouse_id")
                .is_err()
        );
    }
}
