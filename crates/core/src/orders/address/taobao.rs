//! Splitting the 收货地址 column of the Taobao seller-centre 订单报表:
//! `省 市 区 [街道/镇] 详细地址(邮编)`, space separated.
//!
//! The split is guided by the GB/T 2260 table, so a municipality's empty city
//! (`上海  浦东新区 …`, which collapses to one space), a missing district or extra spaces
//! still land in the right fields; where the table does not know a name, the parts are
//! taken by position. Nothing is dropped: what is not a division, a town or the zip is
//! the detail.

use serde::{Deserialize, Serialize};

use super::direct_county;
use super::divisions::{self, Division, Level};

/// The parts of an address text, as written (not normalised: [`super::check`] does that).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParsedAddress {
    pub province: String,
    /// Empty when the text has none (a municipality may omit it).
    pub city: String,
    pub district: String,
    /// 街道 / 镇 / 乡 following the district, when there is one.
    pub town: String,
    /// The rest: street, number, building …, inner spaces kept as single spaces.
    pub detail: String,
    /// 邮编, the digits in the trailing parentheses (ASCII or full-width); empty if none.
    pub zip: String,
}

/// Splits a Taobao 订单报表 收货地址, e.g. `陕西省 西安市 新城区 解放路1号(710000)`.
pub fn split_taobao_address(text: &str) -> ParsedAddress {
    let (rest, zip) = take_zip(text.trim());
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let mut out = ParsedAddress {
        zip,
        ..ParsedAddress::default()
    };
    let mut i = 0;
    // How many tokens remain from position `i`.
    let left = |i: usize| tokens.len().saturating_sub(i);

    let Some(first) = tokens.first() else {
        return out;
    };
    let Some(p) = divisions::province(first) else {
        // Not a province we know: take the parts by position, keeping the last token
        // for the detail (a single token is all detail).
        if tokens.len() == 1 {
            out.detail = first.to_string();
            return out;
        }
        for field in [&mut out.province, &mut out.city, &mut out.district] {
            if left(i) >= 2 {
                *field = tokens[i].to_string();
                i += 1;
            }
        }
        out.detail = tokens[i..].join(" ");
        return out;
    };
    out.province = first.to_string();
    i += 1;

    // The city.
    let mut city: Option<Division> = None;
    let mut city_is_county = false;
    if let Some(t) = tokens.get(i).copied() {
        if let Some(c) = divisions::city(p, t) {
            city = Some(c);
            out.city = t.to_string();
            i += 1;
        } else if p.is_municipality()
            && (divisions::same_name(t, p.name) || matches!(t, "市辖区" | "县" | "市"))
        {
            out.city = t.to_string();
            i += 1;
        } else if p.is_municipality() && divisions::district_in_province(p, t).is_some() {
            // The municipality's city was left empty: this is the district.
        } else if let Some(d) = direct_county(p, t) {
            // 湖北省 仙桃市 …: a directly administered county in the city slot.
            city = Some(d);
            city_is_county = true;
            out.city = t.to_string();
            i += 1;
        } else if left(i) >= 3 || (left(i) >= 2 && looks_like_division(t)) {
            // Unknown, but in the city's place: keep it there for the check to report.
            out.city = t.to_string();
            i += 1;
        }
    }

    // The district: one the table knows where it should be, or, unknown, one shaped like
    // a district with something left after it.
    if let Some(t) = tokens.get(i).copied() {
        let known = if p.is_municipality() {
            divisions::district_in_province(p, t).is_some()
        } else if city_is_county {
            // 仙桃市 仙桃市 …: the county repeated.
            divisions::same_name(t, &out.city)
        } else if let Some(c) = city {
            divisions::district(c, t).is_some() || (c.children().is_empty() && looks_like_town(t))
        } else {
            direct_county(p, t).is_some()
        };
        if known || (left(i) >= 2 && !city_is_county && looks_like_division(t)) {
            out.district = t.to_string();
            i += 1;
        }
    }

    // A town may follow.
    if let Some(t) = tokens.get(i).copied()
        && left(i) >= 2
        && looks_like_town(t)
    {
        out.town = t.to_string();
        i += 1;
    }

    out.detail = tokens[i.min(tokens.len())..].join(" ");
    out
}

/// A name shaped like a county-level division (or one the table knows somewhere).
fn looks_like_division(t: &str) -> bool {
    ["区", "县", "市", "旗", "州", "盟"]
        .iter()
        .any(|s| t.ends_with(s) && t.chars().count() >= 2 && t.chars().count() <= 12)
        || !divisions::find(Level::District, t).is_empty()
}

/// A name shaped like a township-level division (街道, 镇, 乡, 苏木).
fn looks_like_town(t: &str) -> bool {
    ["街道", "镇", "乡", "苏木", "街道办事处", "管委会"]
        .iter()
        .any(|s| t.ends_with(s) && t.chars().count() > s.chars().count())
}

/// Splits off a trailing `(710000)` / `（710000）`: 4–6 digits (ASCII or full-width) in
/// parentheses. Anything else in parentheses (`(东门)`) stays in the address.
fn take_zip(s: &str) -> (&str, String) {
    let Some(body) = s.strip_suffix(')').or_else(|| s.strip_suffix('）')) else {
        return (s, String::new());
    };
    let Some(open) = body.rfind(['(', '（']) else {
        return (s, String::new());
    };
    let opener_len = body[open..].chars().next().map_or(1, char::len_utf8);
    let inner = body[open + opener_len..].trim();
    let digits: String = inner
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let is_zip = digits.is_empty()
        || ((4..=6).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()));
    if is_zip {
        (body[..open].trim_end(), digits)
    } else {
        (s, String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> [String; 6] {
        let a = split_taobao_address(s);
        [a.province, a.city, a.district, a.town, a.detail, a.zip]
    }

    fn parts(p: [&str; 6]) -> [String; 6] {
        p.map(str::to_string)
    }

    #[test]
    fn a_taobao_address_splits_into_its_parts() {
        assert_eq!(
            split("陕西省 西安市 新城区 解放路1号(710000)"),
            parts(["陕西省", "西安市", "新城区", "", "解放路1号", "710000"])
        );
    }

    #[test]
    fn the_zip_may_be_in_full_width_parentheses_or_missing() {
        assert_eq!(
            split("浙江省 杭州市 西湖区 文三路90号（310012）"),
            parts(["浙江省", "杭州市", "西湖区", "", "文三路90号", "310012"])
        );
        assert_eq!(
            split("浙江省 杭州市 西湖区 文三路90号"),
            parts(["浙江省", "杭州市", "西湖区", "", "文三路90号", ""])
        );
        // Parentheses that are not a zip stay in the detail.
        assert_eq!(
            split("浙江省 杭州市 西湖区 文三路90号(东门)"),
            parts(["浙江省", "杭州市", "西湖区", "", "文三路90号(东门)", ""])
        );
        assert_eq!(
            split("浙江省 杭州市 西湖区 文三路90号 (000000)"),
            parts(["浙江省", "杭州市", "西湖区", "", "文三路90号", "000000"])
        );
    }

    #[test]
    fn extra_spaces_are_tolerated_and_inner_spaces_kept_once() {
        assert_eq!(
            split("  浙江省   杭州市  西湖区   文三路  90号 3单元(310012) "),
            parts([
                "浙江省",
                "杭州市",
                "西湖区",
                "",
                "文三路 90号 3单元",
                "310012"
            ])
        );
    }

    #[test]
    fn a_municipality_with_an_empty_city() {
        assert_eq!(
            split("上海  浦东新区 世纪大道100号(200120)"),
            parts(["上海", "", "浦东新区", "", "世纪大道100号", "200120"])
        );
        assert_eq!(
            split("北京 北京市 朝阳区 望京街道 阜通东大街6号(100102)"),
            parts([
                "北京",
                "北京市",
                "朝阳区",
                "望京街道",
                "阜通东大街6号",
                "100102"
            ])
        );
    }

    #[test]
    fn a_town_may_follow_the_district() {
        assert_eq!(
            split("浙江省 杭州市 余杭区 仓前街道 文一西路969号(311121)"),
            parts([
                "浙江省",
                "杭州市",
                "余杭区",
                "仓前街道",
                "文一西路969号",
                "311121"
            ])
        );
    }

    #[test]
    fn a_missing_district_leaves_it_empty() {
        assert_eq!(
            split("陕西省 西安市 解放路1号(710000)"),
            parts(["陕西省", "西安市", "", "", "解放路1号", "710000"])
        );
    }

    #[test]
    fn a_district_from_elsewhere_is_kept_for_the_check_to_report() {
        assert_eq!(
            split("浙江省 杭州市 鄞州区 某路1号"),
            parts(["浙江省", "杭州市", "鄞州区", "", "某路1号", ""])
        );
    }

    #[test]
    fn directly_administered_counties_and_cities_without_counties() {
        assert_eq!(
            split("湖北省 仙桃市 沙嘴街道 汉江路1号(433000)"),
            parts(["湖北省", "仙桃市", "", "沙嘴街道", "汉江路1号", "433000"])
        );
        assert_eq!(
            split("广东省 东莞市 南城街道 鸿福路1号(523000)"),
            parts(["广东省", "东莞市", "南城街道", "", "鸿福路1号", "523000"])
        );
    }

    #[test]
    fn unknown_provinces_are_split_by_position() {
        assert_eq!(
            split("火星省 某市 某区 某路1号(000000)"),
            parts(["火星省", "某市", "某区", "", "某路1号", "000000"])
        );
        assert_eq!(split("某路1号"), parts(["", "", "", "", "某路1号", ""]));
        assert_eq!(
            split("浙江省 杭州市 西湖区"),
            parts(["浙江省", "杭州市", "西湖区", "", "", ""])
        );
        assert_eq!(split(""), parts(["", "", "", "", "", ""]));
        assert_eq!(split("(710000)"), parts(["", "", "", "", "", "710000"]));
    }
}
