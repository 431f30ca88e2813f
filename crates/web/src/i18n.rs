//! Chinese first, English second: every string a page shows comes from the message files
//! in `messages/<lang>/<area>.txt` (`key = text`, one per line, `#` comments), embedded
//! in the binary. A test checks that both languages have the same keys and that every
//! key a template uses exists.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The files of each language, by business area (the same names as the modules).
macro_rules! files {
    ($lang:literal: $($area:literal),*) => {
        &[$(($area, include_str!(concat!("../messages/", $lang, "/", $area, ".txt")))),*]
    };
}

const ZH_FILES: &[(&str, &str)] = files!("zh-CN": "common", "catalog", "partners", "warehouses", "inventory", "users", "imports", "orders", "fulfillment", "shipments", "counts", "alerts", "trace", "transfers", "adjustments");
const EN_FILES: &[(&str, &str)] = files!("en": "common", "catalog", "partners", "warehouses", "inventory", "users", "imports", "orders", "fulfillment", "shipments", "counts", "alerts", "trace", "transfers", "adjustments");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub const COOKIE: &str = "jxc_lang";

    pub fn from_code(s: Option<&str>) -> Lang {
        match s {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

#[derive(Debug)]
pub struct Messages {
    map: HashMap<&'static str, &'static str>,
}

impl Messages {
    fn load(files: &'static [(&'static str, &'static str)]) -> Messages {
        let mut map = HashMap::new();
        for (_, text) in files {
            for (k, v) in parse(text) {
                map.insert(k, v);
            }
        }
        Messages { map }
    }

    /// The text of `key`; the key itself if missing (the message test catches that).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).copied().unwrap_or(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &&'static str> {
        self.map.keys()
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }
}

fn parse(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
}

static ZH: LazyLock<Messages> = LazyLock::new(|| Messages::load(ZH_FILES));
static EN: LazyLock<Messages> = LazyLock::new(|| Messages::load(EN_FILES));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh: std::collections::BTreeSet<_> = ZH.keys().collect();
        let en: std::collections::BTreeSet<_> = EN.keys().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "missing in en: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in zh-CN: {only_en:?}");
    }

    #[test]
    fn every_key_a_template_or_page_uses_exists() {
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/pages"),
        ];
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut all = Vec::new();
        for dir in dirs {
            files(std::path::Path::new(dir), &mut all);
        }
        let mut missing = Vec::new();
        {
            for path in all {
                let text = std::fs::read_to_string(&path).unwrap();
                // Keys are used as t.get("key") in templates and tr("key") in page code.
                for pat in ["t.get(\"", "tr(\""] {
                    for part in text.split(pat).skip(1) {
                        let key = part.split('"').next().unwrap_or("");
                        if !ZH.has(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the message files: {missing:#?}"
        );
    }
}
