//! Splitting an export's one-cell address, `省 市 区 详细(邮编)`, into the receiver's fields.
//!
//! Only the text is split here; whether 西湖区 really lies in 杭州市 is checked by
//! `jxc_core::orders::address` when the order is reviewed.

use jxc_core::orders::Receiver;

/// The short names of the provinces, autonomous regions, municipalities and SARs; a first
/// word starting with one of these is a province (浙江省, 浙江, 广西壮族自治区 …).
const PROVINCES: [&str; 34] = [
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

const MUNICIPALITIES: [&str; 4] = ["北京", "上海", "天津", "重庆"];

/// Words that stand for "the city" of a municipality in some exports (北京 市辖区 东城区,
/// 重庆 县 巫山县).
const MUNICIPAL_CITY_WORDS: [&str; 4] = ["市辖区", "县", "城区", "郊县"];

/// Splits `省 市 区 [街道] 详细(邮编)` into province, city, district, town, detail and zip;
/// name, mobile and phone are left empty.
///
/// - Words are separated by spaces (ASCII or full-width); the detail keeps its own spaces.
/// - A zip is six digits in ASCII or full-width parentheses at the very end.
/// - Missing parts are tolerated: a part is taken only when the word looks like one
///   (省/自治区 …, 市/州/盟/地区, 区/县/市/旗, 街道/镇/乡); what is left is the detail.
///   Text that does not start with a province is all detail.
/// - Municipalities (北京, 上海, 天津, 重庆) may repeat the city (`上海 上海市 浦东新区`) or
///   omit it (`北京 朝阳区`): either way the city is `北京市`.
pub fn split_address(text: &str) -> Receiver {
    let (rest, zip) = take_zip(text.trim());
    let words: Vec<&str> = rest.split_whitespace().collect();
    let mut r = Receiver {
        zip,
        ..Default::default()
    };
    let Some(first) = words.first().copied() else {
        return r;
    };
    if words.len() < 2 || !is_province(first) {
        r.detail = words.join(" ");
        return r;
    }
    r.province = first.to_string();
    let mut i = 1;
    if let Some(m) = MUNICIPALITIES.iter().find(|m| first.starts_with(**m)) {
        r.city = format!("{m}市");
        if let Some(w) = words.get(i)
            && (w.trim_end_matches('市') == *m || MUNICIPAL_CITY_WORDS.contains(w))
        {
            i += 1;
        }
    } else if let Some(w) = words.get(i)
        && is_city(w)
    {
        r.city = w.to_string();
        i += 1;
    }
    if let Some(w) = words.get(i)
        && is_district(w)
    {
        r.district = w.to_string();
        i += 1;
    }
    if let Some(w) = words.get(i)
        && i + 1 < words.len()
        && is_town(w)
    {
        r.town = w.to_string();
        i += 1;
    }
    r.detail = words.get(i..).unwrap_or_default().join(" ");
    r
}

fn is_province(w: &str) -> bool {
    PROVINCES.iter().any(|p| w.starts_with(p))
        || w.ends_with('省')
        || w.ends_with("自治区")
        || w.ends_with("行政区")
}

fn is_city(w: &str) -> bool {
    ["市", "州", "盟", "地区", "行政区划"]
        .iter()
        .any(|s| w.ends_with(s))
}

fn is_district(w: &str) -> bool {
    w.chars().count() >= 2 && ["区", "县", "市", "旗"].iter().any(|s| w.ends_with(s))
}

fn is_town(w: &str) -> bool {
    w.chars().count() >= 2 && ["街道", "镇", "乡", "苏木"].iter().any(|s| w.ends_with(s))
}

/// Takes a six-digit zip in `(…)` or `（…）` off the end of the text.
fn take_zip(t: &str) -> (String, String) {
    let none = || (t.to_string(), String::new());
    let Some(inner_end) = t.strip_suffix(')').or_else(|| t.strip_suffix('）')) else {
        return none();
    };
    let Some(open) = inner_end.rfind(['(', '（']) else {
        return none();
    };
    let open_len = inner_end[open..].chars().next().map_or(1, char::len_utf8);
    let inner = inner_end[open + open_len..].trim();
    let digits: String = inner
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        (inner_end[..open].trim_end().to_string(), digits)
    } else {
        none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> [String; 6] {
        let r = split_address(s);
        [r.province, r.city, r.district, r.town, r.detail, r.zip]
    }

    #[test]
    fn odd_addresses_do_not_lose_text() {
        assert_eq!(
            parts("广东省 东莞市 长安镇 振安路 1号"),
            ["广东省", "东莞市", "", "长安镇", "振安路 1号", ""].map(String::from)
        );
        assert_eq!(
            parts("杭州西湖区文三路100号(近地铁)"),
            ["", "", "", "", "杭州西湖区文三路100号(近地铁)", ""].map(String::from)
        );
        assert_eq!(
            parts("重庆 县 巫山县 广东西路 5号(404700)"),
            ["重庆", "重庆市", "巫山县", "", "广东西路 5号", "404700"].map(String::from)
        );
        assert_eq!(
            parts("浙江省 杭州市 西湖区"),
            ["浙江省", "杭州市", "西湖区", "", "", ""].map(String::from)
        );
        assert_eq!(parts("(123456)")[5], "123456");
        assert_eq!(parts("（）")[4], "（）");
        assert_eq!(parts("")[4], "");
    }
}
