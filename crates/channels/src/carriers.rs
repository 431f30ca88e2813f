//! Our carrier codes and what each platform calls the same carrier when we tell it an
//! order shipped (发货回传). One table, one row a carrier; a platform that has no code for
//! a carrier is `None` there, and shipping with it is refused before anything is sent.
//!
//! Sources (all *unconfirmed* against the live platforms; `shared/specs/integrations.md`
//! covers reading orders only):
//! - Taobao/Tmall `company_code`: TOP's logistics company codes (`taobao.logistics.companies.get`),
//!   as in the Cainiao `cp_code`s of spec §7 (`YTO`, `SF`, `YUNDA`, `STO`, `EMS`); `JD` is
//!   from third-party integrations. Taobao's own-delivery path is a different API
//!   (`taobao.logistics.dummy.send`), so `local` has no code here.
//! - Pinduoduo `logistics_id`: the numeric ids `pdd.logistics.companies.get` answers (申通
//!   1, 顺丰 44, 圆通 85, 中通 115, 邮政EMS 118, 京东配送 120, 韵达 121, 其他 180).
//! - JD `logiCoprId`: ids seen in public JD integrations (圆通 463, 顺丰 467, 申通 470,
//!   EMS 465, 韵达 1327, 中通 1499, 京东快递 2087, 厂家自送 1274).
//! - Douyin `company_code`: the lower-case codes of `/order/logisticsCompanyList` (the same
//!   as Kuaidi100's, spec §6); no code for own delivery.
//! - Shopify `tracking_info.company` and WooCommerce `_tracking_provider`: free text; these
//!   are the carriers' English names (Shopify links the ones it knows to their tracking
//!   pages).

use jxc_core::partners::Platform;

use crate::ChannelError;

/// One carrier: our code and each platform's name for it.
#[derive(Debug, Clone, Copy)]
pub struct Carrier {
    /// Our code (`yuantong`, `sf`, …), as the app stores it on a shipment.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub taobao: Option<&'static str>,
    /// Pinduoduo's numeric company id.
    pub pdd: Option<u32>,
    pub jd: Option<&'static str>,
    pub douyin: Option<&'static str>,
    /// Shopify's tracking company and WooCommerce's tracking provider.
    pub name_en: &'static str,
}

pub const CARRIERS: &[Carrier] = &[
    row(
        "yuantong",
        "圆通速递",
        Some("YTO"),
        Some(85),
        Some("463"),
        Some("yuantong"),
        "YTO Express",
    ),
    row(
        "zhongtong",
        "中通快递",
        Some("ZTO"),
        Some(115),
        Some("1499"),
        Some("zhongtong"),
        "ZTO Express",
    ),
    row(
        "sf",
        "顺丰速运",
        Some("SF"),
        Some(44),
        Some("467"),
        Some("shunfeng"),
        "SF Express",
    ),
    row(
        "yunda",
        "韵达快递",
        Some("YUNDA"),
        Some(121),
        Some("1327"),
        Some("yunda"),
        "Yunda Express",
    ),
    row(
        "shentong",
        "申通快递",
        Some("STO"),
        Some(1),
        Some("470"),
        Some("shentong"),
        "STO Express",
    ),
    row(
        "ems",
        "EMS",
        Some("EMS"),
        Some(118),
        Some("465"),
        Some("ems"),
        "China EMS",
    ),
    row(
        "jd",
        "京东快递",
        Some("JD"),
        Some(120),
        Some("2087"),
        Some("jd"),
        "JD Logistics",
    ),
    row(
        "local",
        "商家自配送",
        None,
        Some(180),
        Some("1274"),
        None,
        "Local delivery",
    ),
];

const fn row(
    code: &'static str,
    name_zh: &'static str,
    taobao: Option<&'static str>,
    pdd: Option<u32>,
    jd: Option<&'static str>,
    douyin: Option<&'static str>,
    name_en: &'static str,
) -> Carrier {
    Carrier {
        code,
        name_zh,
        taobao,
        pdd,
        jd,
        douyin,
        name_en,
    }
}

/// The carrier with our code `code` (case and surrounding spaces ignored).
pub fn carrier(code: &str) -> Result<&'static Carrier, ChannelError> {
    let code = code.trim();
    CARRIERS
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
        .ok_or_else(|| {
            let known: Vec<&str> = CARRIERS.iter().map(|c| c.code).collect();
            ChannelError::Platform {
                code: "jxc.unknown-carrier".into(),
                message: format!(
                    "未知的快递公司 {code:?} / unknown carrier {code:?} (known: {})",
                    known.join(", ")
                ),
            }
        })
}

/// 快递100's code for our carrier, for tracking: Douyin names carriers with 快递100's own
/// codes (spec §6's list), so it is the same column. `None` for own delivery (`local`)
/// or a carrier we do not know: there is nothing to track.
pub fn kuaidi100_code(code: &str) -> Option<&'static str> {
    carrier(code).ok().and_then(|c| c.douyin)
}

/// What `platform` calls our carrier `code`: Taobao's and Douyin's company code, PDD's
/// company id as text, JD's `logiCoprId`, Shopify's and WooCommerce's carrier name.
pub fn platform_code(code: &str, platform: Platform) -> Result<String, ChannelError> {
    let c = carrier(code)?;
    let found = match platform {
        Platform::Taobao | Platform::Tmall => c.taobao.map(str::to_string),
        Platform::Pdd => c.pdd.map(|id| id.to_string()),
        Platform::Jd => c.jd.map(str::to_string),
        Platform::Douyin => c.douyin.map(str::to_string),
        Platform::Shopify | Platform::Woocommerce => Some(c.name_en.to_string()),
        Platform::Manual => None,
    };
    found.ok_or_else(|| ChannelError::Platform {
        code: "jxc.carrier-not-on-platform".into(),
        message: format!(
            "{}（{}）在 {platform:?} 没有对应的快递公司编码 / {platform:?} has no code for carrier {}",
            c.name_zh, c.code, c.code
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_every_platform_is_looked_up_in_the_one_table() {
        let mut codes: Vec<&str> = CARRIERS.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CARRIERS.len());
        assert_eq!(platform_code("yuantong", Platform::Taobao).unwrap(), "YTO");
        assert_eq!(platform_code(" SF ", Platform::Tmall).unwrap(), "SF");
        assert_eq!(platform_code("zhongtong", Platform::Pdd).unwrap(), "115");
        assert_eq!(platform_code("yunda", Platform::Jd).unwrap(), "1327");
        assert_eq!(platform_code("sf", Platform::Douyin).unwrap(), "shunfeng");
        assert_eq!(
            platform_code("ems", Platform::Shopify).unwrap(),
            "China EMS"
        );
    }

    #[test]
    fn an_unknown_carrier_or_one_a_platform_lacks_is_a_clear_error() {
        let e = platform_code("dhl", Platform::Taobao).unwrap_err();
        assert!(e.to_string().contains("unknown carrier \"dhl\""), "{e}");
        assert!(!e.retryable());
        let e = platform_code("local", Platform::Douyin).unwrap_err();
        assert!(e.to_string().contains("no code for carrier local"), "{e}");
        assert!(platform_code("sf", Platform::Manual).is_err());
    }
}
