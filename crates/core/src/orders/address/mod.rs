//! 收货地址: checking a receiver's province / city / district against the GB/T 2260
//! administrative divisions, and splitting the address text of platform exports.
//!
//! - [`divisions`]: the table itself, name look-ups tolerant of short forms, and children
//!   of a division (for province → city → district pickers). The most used items are
//!   re-exported here: [`Division`], [`Level`], [`province`], [`city`], [`district`],
//!   [`provinces`], [`by_code`].
//! - [`check`]: is `省 市 区` complete and consistent? Gives the resolved codes, or which
//!   part is missing, unknown, or not under its parent (杭州市 under 江苏省).
//! - [`split_taobao_address`]: `陕西省 西安市 新城区 解放路1号(710000)` → its parts.
//!
//! What platforms send for the places where the table is unusual is accepted:
//! municipalities with an empty, repeated or `市辖区` city (`上海 · 浦东新区`,
//! `北京市 北京市 东城区`); directly administered counties with the county in the city slot
//! (`湖北省 仙桃市 沙嘴街道`) or in the district slot under an empty or
//! `省直辖县级行政区划` city; cities without counties (东莞市, 中山市, 儋州市), where what
//! follows the city is a town; and Hong Kong, Macao and Taiwan, which the table knows
//! only as provinces.

pub mod divisions;
mod taobao;

use serde::Serialize;

use crate::orders::HoldReason;
use divisions::clean;
pub use divisions::{Division, Level, by_code, city, district, province, provinces};
pub use taobao::{ParsedAddress, split_taobao_address};

/// A part of `省 市 区`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 省
    Province,
    /// 市
    City,
    /// 区 / 县
    District,
}

impl Part {
    pub fn label_zh(self) -> &'static str {
        match self {
            Part::Province => "省",
            Part::City => "市",
            Part::District => "区/县",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Part::Province => "province",
            Part::City => "city",
            Part::District => "district",
        }
    }
}

/// An address whose parts were all found, one under the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResolvedAddress {
    pub province: Division,
    /// The city level as in the table: for a municipality its grouping line (`110100 市辖区`),
    /// for a directly administered county `PP9000 省直辖县级行政区划`. `None` only where the
    /// table has nothing below the province (香港, 澳门, 台湾).
    pub city: Option<Division>,
    /// `None` where the city has no counties (东莞市, 中山市, 儋州市) or the table
    /// nothing below the province.
    pub district: Option<Division>,
}

impl ResolvedAddress {
    /// The most specific division found (the district, else the city, else the province).
    pub fn most_specific(&self) -> Division {
        self.district.or(self.city).unwrap_or(self.province)
    }

    /// The names as a person writes them: `浙江省 杭州市 西湖区`, `上海市 浦东新区`.
    pub fn path(&self) -> String {
        self.most_specific().path()
    }
}

/// The outcome of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AddressCheck {
    /// 完整且一致: every part found under its parent.
    Complete(ResolvedAddress),
    /// 地址不全: this part is empty (the first one that is).
    Missing { part: Part },
    /// 无法识别: no division of this level has this name.
    Unknown { part: Part, name: String },
    /// 地址不一致: the division exists, but not under the part before it.
    WrongParent {
        part: Part,
        name: String,
        /// The parent as given, e.g. `江苏省`.
        given_parent: String,
        /// Where divisions of that name actually are, e.g. `["浙江省"]`.
        belongs_to: Vec<String>,
    },
}

impl AddressCheck {
    /// Whether the address is complete and consistent.
    pub fn is_ok(&self) -> bool {
        matches!(self, AddressCheck::Complete(_))
    }

    /// The resolved divisions, if complete.
    pub fn resolved(&self) -> Option<&ResolvedAddress> {
        match self {
            AddressCheck::Complete(r) => Some(r),
            _ => None,
        }
    }

    /// The hold an order gets for this outcome: 地址不全 for a missing part, 地址不一致
    /// for an unknown one or one under the wrong parent, none when complete.
    pub fn hold_reason(&self) -> Option<HoldReason> {
        match self {
            AddressCheck::Complete(_) => None,
            AddressCheck::Missing { .. } => Some(HoldReason::AddressIncomplete),
            AddressCheck::Unknown { .. } | AddressCheck::WrongParent { .. } => {
                Some(HoldReason::AddressInconsistent)
            }
        }
    }

    /// A sentence for the operator, Chinese then English.
    pub fn describe(&self) -> String {
        match self {
            AddressCheck::Complete(r) => format!("地址完整：{0} / complete: {0}", r.path()),
            AddressCheck::Missing { part } => {
                format!(
                    "缺少{} / the {} is missing",
                    part.label_zh(),
                    part.label_en()
                )
            }
            AddressCheck::Unknown { part, name } => format!(
                "无法识别的{}“{name}” / unknown {} “{name}”",
                part.label_zh(),
                part.label_en()
            ),
            AddressCheck::WrongParent {
                part,
                name,
                given_parent,
                belongs_to,
            } => {
                let actual = belongs_to.join("、");
                format!(
                    "{name} 不属于 {given_parent}（属于 {actual}）/ {} {name} is not in {given_parent} (it is in {actual})",
                    part.label_en()
                )
            }
        }
    }
}

/// City-slot values that stand for "the municipality itself" (besides its own name).
const MUNICIPAL_CITY_WORDS: [&str; 6] = ["市辖区", "县", "市", "城区", "郊县", "辖区"];

/// City-slot values that stand for "counties administered directly by the province".
const DIRECT_COUNTY_WORDS: [&str; 6] = [
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
    "省直辖县级行政单位",
    "自治区直辖县级行政单位",
    "省直辖县",
    "直辖县级",
];

/// Splits the county off the front of an address line, for platforms that have no county
/// field (Shopify, WooCommerce): `陕西省`, `西安市`, `新城区解放路1号` → `新城区`,
/// `解放路1号`. Only full names of that city's counties count (of the whole municipality
/// for 北京 天津 上海 重庆), the longest first; `None` when none starts the line.
pub fn split_district(province: &str, city: &str, detail: &str) -> Option<(String, String)> {
    let p = divisions::province(&clean(province))?;
    let counties: Vec<Division> = match divisions::city(p, &clean(city)) {
        Some(c) if !p.is_municipality() => c.children().to_vec(),
        _ if p.is_municipality() => p
            .children()
            .iter()
            .flat_map(|c| c.children().iter().copied())
            .collect(),
        _ => return None,
    };
    let line = detail.trim_start();
    counties
        .iter()
        .filter(|d| line.starts_with(d.name))
        .max_by_key(|d| d.name.len())
        .map(|d| {
            (
                d.name.to_string(),
                line[d.name.len()..].trim_start().to_string(),
            )
        })
}

/// Checks `省 市 区` against the GB/T 2260 table.
///
/// Complete when each part is found under the one before it, with the tolerance described
/// in the [module docs](self): short names, municipalities with an empty / repeated /
/// `市辖区` city, directly administered counties, cities without counties, HK/MO/TW.
/// Otherwise says which part is the first to be missing, unknown or under the wrong parent.
pub fn check(province: &str, city: &str, district: &str) -> AddressCheck {
    let (p_in, c_in, d_in) = (clean(province), clean(city), clean(district));
    if p_in.is_empty() {
        return AddressCheck::Missing {
            part: Part::Province,
        };
    }
    let Some(p) = divisions::province(&p_in) else {
        return AddressCheck::Unknown {
            part: Part::Province,
            name: p_in,
        };
    };
    let complete = |city: Option<Division>, district: Option<Division>| {
        AddressCheck::Complete(ResolvedAddress {
            province: p,
            city,
            district,
        })
    };
    if p.children().is_empty() {
        // 香港 澳门 台湾: nothing below the province to check against.
        return complete(None, None);
    }
    if p.is_municipality() {
        return check_municipality(p, &c_in, &d_in);
    }

    let c = if let Some(c) = divisions::city(p, &c_in) {
        c
    } else if c_in.is_empty() || divisions::same_name(&c_in, p.name) {
        // Only a directly administered county may come without its city.
        match direct_county(p, &d_in) {
            Some(d) => return complete(d.parent(), Some(d)),
            None => return AddressCheck::Missing { part: Part::City },
        }
    } else if let Some(d) = direct_county(p, &c_in) {
        // 湖北省 仙桃市 …: the county stands in the city slot; what follows is a town.
        return complete(d.parent(), Some(d));
    } else if DIRECT_COUNTY_WORDS.contains(&c_in.as_str())
        && let Some(group) = p.children().iter().find(|c| c.is_grouping())
    {
        *group
    } else {
        return misplaced(Part::City, &c_in, p);
    };

    if c.children().is_empty() {
        // 东莞市, 中山市, 儋州市: no counties; the district slot holds a town, if anything.
        return complete(Some(c), None);
    }
    if d_in.is_empty() || (!c.is_grouping() && divisions::same_name(&d_in, c.name)) {
        // A repeated city name is no district either (but see 嘉峪关市 嘉峪关市 below).
        if let Some(d) = divisions::district(c, &d_in) {
            return complete(Some(c), Some(d));
        }
        return AddressCheck::Missing {
            part: Part::District,
        };
    }
    match divisions::district(c, &d_in) {
        Some(d) => complete(Some(c), Some(d)),
        None => misplaced(Part::District, &d_in, c),
    }
}

fn check_municipality(p: Division, c_in: &str, d_in: &str) -> AddressCheck {
    let city_is_the_municipality = c_in.is_empty()
        || divisions::same_name(c_in, p.name)
        || MUNICIPAL_CITY_WORDS.contains(&c_in)
        || divisions::city(p, c_in).is_some();
    if !city_is_the_municipality {
        // `上海 浦东新区 ·`: the district in the city slot.
        if let Some(d) = divisions::district_in_province(p, c_in)
            && (d_in.is_empty() || divisions::same_name(d_in, d.name))
        {
            return complete_in(p, d);
        }
        return misplaced(Part::City, c_in, p);
    }
    if d_in.is_empty() || divisions::same_name(d_in, p.name) {
        return AddressCheck::Missing {
            part: Part::District,
        };
    }
    // The grouping line (市辖区 / 县) carries no meaning for people: search them all.
    match divisions::district_in_province(p, d_in) {
        Some(d) => complete_in(p, d),
        None => misplaced(Part::District, d_in, p),
    }
}

fn complete_in(p: Division, d: Division) -> AddressCheck {
    AddressCheck::Complete(ResolvedAddress {
        province: p,
        city: d.parent(),
        district: Some(d),
    })
}

/// A county administered directly by the province (仙桃市 under 湖北省), by name.
fn direct_county(p: Division, name: &str) -> Option<Division> {
    p.children()
        .iter()
        .filter(|c| c.is_grouping())
        .find_map(|g| divisions::district(*g, name))
}

/// `name` was not found under `given_parent`: is it somewhere else, or nowhere?
fn misplaced(part: Part, name: &str, given_parent: Division) -> AddressCheck {
    let mut found = match part {
        Part::Province => Vec::new(),
        Part::City => {
            let cities = divisions::find(Level::City, name);
            if cities.is_empty() {
                divisions::find(Level::District, name)
            } else {
                cities
            }
        }
        Part::District => divisions::find(Level::District, name),
    };
    found.retain(|d| !d.is_grouping());
    if found.is_empty() {
        return AddressCheck::Unknown {
            part,
            name: name.to_string(),
        };
    }
    let mut belongs_to: Vec<String> = found
        .iter()
        .filter_map(|d| d.parent())
        .map(|p| p.path())
        .collect();
    belongs_to.dedup();
    AddressCheck::WrongParent {
        part,
        name: name.to_string(),
        given_parent: given_parent.path(),
        belongs_to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_county_at_the_front_of_a_shopify_address_line_is_split_off() {
        let split = |p, c, d| split_district(p, c, d);
        assert_eq!(
            split("陕西省", "西安市", "新城区解放路1号"),
            Some(("新城区".into(), "解放路1号".into()))
        );
        assert_eq!(
            split("上海", "上海市", " 浦东新区 世纪大道8号"),
            Some(("浦东新区".into(), "世纪大道8号".into()))
        );
        // A county of another city, a street, an unknown city: left alone.
        assert_eq!(split("陕西省", "西安市", "西湖区文三路1号"), None);
        assert_eq!(split("浙江省", "杭州市", "文三路1号"), None);
        assert_eq!(split("浙江省", "火星市", "西湖区文三路1号"), None);
    }

    fn codes(c: &AddressCheck) -> Option<(u32, Option<u32>, Option<u32>)> {
        c.resolved().map(|r| {
            (
                r.province.code,
                r.city.map(|d| d.code),
                r.district.map(|d| d.code),
            )
        })
    }

    #[test]
    fn hangzhou_under_zhejiang_is_consistent() {
        let c = check("浙江省", "杭州市", "西湖区");
        assert!(c.is_ok(), "{c:?}");
        assert_eq!(codes(&c), Some((330000, Some(330100), Some(330106))));
        assert_eq!(c.resolved().unwrap().path(), "浙江省 杭州市 西湖区");
        assert_eq!(c.resolved().unwrap().most_specific().code_str(), "330106");
        assert_eq!(c.hold_reason(), None);
    }

    #[test]
    fn hangzhou_under_jiangsu_is_inconsistent_and_says_which() {
        let c = check("江苏省", "杭州市", "西湖区");
        assert_eq!(
            c,
            AddressCheck::WrongParent {
                part: Part::City,
                name: "杭州市".into(),
                given_parent: "江苏省".into(),
                belongs_to: vec!["浙江省".into()],
            }
        );
        assert_eq!(c.hold_reason(), Some(HoldReason::AddressInconsistent));
        assert!(
            c.describe().contains("杭州市 不属于 江苏省（属于 浙江省）"),
            "{}",
            c.describe()
        );
    }

    #[test]
    fn a_district_of_another_city_is_inconsistent() {
        let c = check("浙江省", "杭州市", "鄞州区");
        match &c {
            AddressCheck::WrongParent {
                part, belongs_to, ..
            } => {
                assert_eq!(*part, Part::District);
                assert_eq!(belongs_to, &vec!["浙江省 宁波市".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_district_is_incomplete() {
        let c = check("浙江省", "杭州市", "");
        assert_eq!(
            c,
            AddressCheck::Missing {
                part: Part::District
            }
        );
        assert_eq!(c.hold_reason(), Some(HoldReason::AddressIncomplete));
        // Repeating the city is no district either.
        assert_eq!(
            check("浙江省", "杭州市", "杭州市"),
            AddressCheck::Missing {
                part: Part::District
            }
        );
    }

    #[test]
    fn a_missing_city_or_province_is_incomplete() {
        assert_eq!(
            check("", "杭州市", "西湖区"),
            AddressCheck::Missing {
                part: Part::Province
            }
        );
        assert_eq!(
            check("浙江省", " ", "西湖区"),
            AddressCheck::Missing { part: Part::City }
        );
    }

    #[test]
    fn unknown_names_are_reported_with_their_part() {
        assert_eq!(
            check("火星省", "杭州市", "西湖区"),
            AddressCheck::Unknown {
                part: Part::Province,
                name: "火星省".into()
            }
        );
        assert_eq!(
            check("浙江省", "杭州市", "不存在区"),
            AddressCheck::Unknown {
                part: Part::District,
                name: "不存在区".into()
            }
        );
    }

    #[test]
    fn shanghai_pudong_with_an_empty_city_is_fine() {
        let c = check("上海", "", "浦东新区");
        assert_eq!(codes(&c), Some((310000, Some(310100), Some(310115))));
        assert_eq!(c.resolved().unwrap().path(), "上海市 浦东新区");
    }

    #[test]
    fn municipalities_accept_a_repeated_or_grouping_city() {
        for (p, c, d, path) in [
            ("北京市", "北京市", "东城区", "北京市 东城区"),
            ("北京", "北京", "东城区", "北京市 东城区"),
            ("北京市", "市辖区", "东城区", "北京市 东城区"),
            ("北京市", "东城区", "", "北京市 东城区"),
            ("天津", "天津市", "滨海新区", "天津市 滨海新区"),
        ] {
            let r = check(p, c, d);
            assert_eq!(
                r.resolved().map(|r| r.path()).as_deref(),
                Some(path),
                "{p} {c} {d}"
            );
        }
        // Chongqing's counties sit under `500200 县`, whatever the city slot says.
        let c = check("重庆", "重庆市", "城口县");
        assert_eq!(codes(&c), Some((500000, Some(500200), Some(500229))));
        let c = check("重庆市", "县", "万州区");
        assert_eq!(codes(&c), Some((500000, Some(500100), Some(500101))));
        // But a municipality still needs a district, and a real one.
        assert_eq!(
            check("北京市", "北京市", ""),
            AddressCheck::Missing {
                part: Part::District
            }
        );
        assert!(matches!(
            check("上海", "", "西湖区"),
            AddressCheck::WrongParent {
                part: Part::District,
                ..
            }
        ));
    }

    #[test]
    fn short_and_long_names_both_resolve() {
        for (p, c, d) in [
            ("浙江", "杭州", "西湖区"),
            ("广西", "南宁", "青秀区"),
            ("广西壮族自治区", "南宁市", "青秀区"),
            ("内蒙古", "呼和浩特", "新城区"),
            ("湖北", "恩施", "恩施市"),
            ("湖北省", "恩施土家族苗族自治州", "利川市"),
        ] {
            let r = check(p, c, d);
            assert!(r.is_ok(), "{p} {c} {d}: {r:?}");
        }
    }

    #[test]
    fn directly_administered_counties_in_either_slot() {
        let expected = Some((420000, Some(429000), Some(429004)));
        assert_eq!(codes(&check("湖北省", "仙桃市", "")), expected);
        assert_eq!(codes(&check("湖北省", "仙桃市", "沙嘴街道")), expected);
        assert_eq!(codes(&check("湖北省", "", "仙桃市")), expected);
        assert_eq!(
            codes(&check("湖北省", "省直辖县级行政区划", "仙桃市")),
            expected
        );
        assert!(check("新疆", "石河子市", "").is_ok());
        assert!(matches!(
            check("河南省", "仙桃市", ""),
            AddressCheck::WrongParent {
                part: Part::City,
                ..
            }
        ));
    }

    #[test]
    fn cities_without_counties_take_a_town_or_nothing() {
        let c = check("广东省", "东莞市", "南城街道");
        assert_eq!(codes(&c), Some((440000, Some(441900), None)));
        assert!(check("广东", "中山", "").is_ok());
        // 嘉峪关市 has one county of its own name.
        let c = check("甘肃省", "嘉峪关市", "嘉峪关市");
        assert_eq!(codes(&c), Some((620000, Some(620200), Some(620201))));
    }

    #[test]
    fn a_city_named_like_its_province_is_still_the_city() {
        let c = check("吉林省", "吉林市", "船营区");
        assert_eq!(codes(&c), Some((220000, Some(220200), Some(220204))));
        assert!(check("海南", "海口", "美兰区").is_ok());
    }

    #[test]
    fn every_county_in_the_table_checks_out_by_its_own_names() {
        for d in divisions::all()
            .iter()
            .filter(|d| d.level() == Level::District)
        {
            let c = d.parent().unwrap();
            let p = c.province();
            let r = check(p.name, c.name, d.name);
            assert_eq!(r.resolved().map(|r| r.most_specific()), Some(*d), "{r:?}");
            // And as Taobao writes it, split first.
            let text = format!("{} 某路1号(100000)", d.path());
            let a = split_taobao_address(&text);
            let r = check(&a.province, &a.city, &a.district);
            assert_eq!(
                r.resolved().map(|r| r.most_specific()),
                Some(*d),
                "{text}: {a:?} {r:?}"
            );
            assert_eq!(a.detail, "某路1号", "{text}");
        }
    }

    #[test]
    fn hong_kong_is_accepted_below_the_province() {
        let c = check("香港特别行政区", "九龙", "油尖旺区");
        assert_eq!(codes(&c), Some((810000, None, None)));
    }

    #[test]
    fn the_taobao_split_feeds_the_check() {
        let a = split_taobao_address("陕西省 西安市 新城区 解放路1号(710000)");
        let c = check(&a.province, &a.city, &a.district);
        assert_eq!(c.resolved().map(|r| r.most_specific().code), Some(610102));
    }
}
