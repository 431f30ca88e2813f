//! 演示数据: a realistic mid-size apparel + lifestyle merchant, for `jxc demo` and
//! `jxc serve --demo`.
//!
//! Everything is written through the app and store API (never SQL), in a few batched
//! transactions, and is the same on every run: the "randomness" is a fixed-seed PRNG.
//! Dates (lot production/expiry) are relative to today, so a few lots are always near
//! expiry and one or two are always expired. Loading into a database that already has
//! SKUs does nothing.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use jxc_core::catalog::{BundleComponent, ListingInput, NewSku, Sku, SkuInput};
use jxc_core::ids::{LocationId, LotId, ShopId, SkuId, WarehouseId};
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput, ReserveRequest};
use jxc_core::money::Fen;
use jxc_core::paging::{Cursor, MAX_LIMIT, PageRequest};
use jxc_core::partners::{PartnerInput, PartnerKind, ShopInput};
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::{Actor, PostedDocument, Reservation, ReservationRequest, SkuFilter};
use serde::Serialize;

use crate::{App, Error, Result};

/// What the demo loaded (or found already loaded).
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub skus: i64,
    pub bundles: i64,
    pub warehouses: i64,
    pub locations: i64,
    pub suppliers: i64,
    pub customers: i64,
    pub shops: i64,
    pub listings: i64,
    pub documents: i64,
    pub moves: i64,
    pub stock_value: Fen,
    pub already_loaded: bool,
}

// ---------------------------------------------------------------------------------------
// Small deterministic helpers, shared with the benchmark.
// ---------------------------------------------------------------------------------------

/// splitmix64: a tiny, fast, well-mixed PRNG. Seeded by a constant so generated data is
/// the same every time. Not for anything secret.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as usize) as i64
        }
    }

    /// True `pct` times in 100.
    pub(crate) fn chance(&mut self, pct: u32) -> bool {
        self.below(100) < pct as usize
    }

    /// `n` decimal digits.
    pub(crate) fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    /// `n` lower-case hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        (0..n).map(|_| char::from(HEX[self.below(16)])).collect()
    }
}

/// Completes 12 digits into an EAN-13 by appending its check digit.
pub(crate) fn ean13(first12: &str) -> String {
    let sum: u32 = first12
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

const USCC_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Completes 17 characters of a 统一社会信用代码 with its check character (the algorithm of
/// `jxc_core::partners::parse_tax_id`).
pub(crate) fn credit_code(first17: &str) -> String {
    let sum: usize = first17
        .bytes()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_CHARSET.iter().position(|x| *x == c).unwrap_or(0) * w)
        .sum();
    let check = USCC_CHARSET[(31 - sum % 31) % 31];
    format!("{first17}{}", char::from(check))
}

/// A random-looking credit code: `91` (enterprise) or `92` (个体工商户), the region, then a
/// 9-character organisation code and the check character.
fn fake_credit_code(rng: &mut Rng, individual: bool, region: &str) -> String {
    let mut org = String::from(if individual { "L" } else { "MA" });
    while org.len() < 8 {
        org.push(char::from(USCC_CHARSET[rng.below(USCC_CHARSET.len())]));
    }
    org.push(char::from(b'0' + rng.below(10) as u8));
    credit_code(&format!(
        "{}{region}{org}",
        if individual { "92" } else { "91" }
    ))
}

/// Every SKU, read page by page (keyset, by code).
pub(crate) async fn all_skus(app: &App) -> Result<Vec<Sku>> {
    let mut out = Vec::new();
    let mut page = PageRequest {
        limit: MAX_LIMIT,
        after: None,
        desc: false,
    };
    loop {
        let p = app.store.list_skus(&SkuFilter::default(), &page).await?;
        out.extend(p.items);
        match p.next {
            Some(next) => page.after = Some(Cursor::decode(&next)?),
            None => return Ok(out),
        }
    }
}

/// Today in China (UTC+8): what the store uses for expiry.
fn business_today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

// ---------------------------------------------------------------------------------------
// The catalogue.
// ---------------------------------------------------------------------------------------

type Color = (&'static str, &'static str);

const BLK: Color = ("BLK", "黑色");
const WHT: Color = ("WHT", "白色");
const NVY: Color = ("NVY", "藏青");
const GRY: Color = ("GRY", "灰色");
const CRM: Color = ("CRM", "米白");
const OLV: Color = ("OLV", "军绿");
const KHK: Color = ("KHK", "卡其");
const WIN: Color = ("WIN", "酒红");
const PNK: Color = ("PNK", "粉色");
const LBL: Color = ("LBL", "浅蓝");
const DBL: Color = ("DBL", "深蓝");
const BRN: Color = ("BRN", "棕色");
const SGR: Color = ("SGR", "烟灰");
const BLF: Color = ("BLF", "蓝色碎花");
const YLF: Color = ("YLF", "黄色碎花");

const SIZES5: &[&str] = &["S", "M", "L", "XL", "XXL"];
const SIZES4: &[&str] = &["S", "M", "L", "XL"];
const WAIST: &[&str] = &["28", "29", "30", "31", "32", "33", "34"];
const ONE_SIZE: &[&str] = &["均码"];

/// How many of each size a merchant stocks, in tenths of the base quantity.
fn size_weight(sizes: &[&str], i: usize) -> i64 {
    let w: &[i64] = match sizes.len() {
        7 => &[4, 6, 10, 12, 10, 6, 4],
        5 => &[6, 10, 12, 8, 4],
        4 => &[6, 10, 10, 6],
        _ => &[10],
    };
    w.get(i).copied().unwrap_or(10)
}

const BRAND: &str = "简初";

/// A style (款) sold in colours × sizes.
struct Style {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    unit: &'static str,
    price: i64,
    weight_g: i64,
    volume_cm3: i64,
    material: &'static str,
    season: &'static str,
    colors: &'static [Color],
    sizes: &'static [&'static str],
    /// Words a platform title adds.
    keywords: &'static str,
}

const STYLES: &[Style] = &[
    Style {
        code: "TS001",
        name: "纯棉短袖T恤",
        category: "T恤",
        unit: "件",
        price: 5900,
        weight_g: 180,
        volume_cm3: 1800,
        material: "100%棉",
        season: "夏",
        colors: &[BLK, WHT, NVY, GRY],
        sizes: SIZES5,
        keywords: "男女同款 夏季宽松百搭 打底衫",
    },
    Style {
        code: "TS002",
        name: "重磅纯棉宽松T恤",
        category: "T恤",
        unit: "件",
        price: 8900,
        weight_g: 260,
        volume_cm3: 2200,
        material: "100%棉 260g",
        season: "夏",
        colors: &[BLK, WHT, CRM, OLV],
        sizes: SIZES5,
        keywords: "美式复古 落肩 不透不变形",
    },
    Style {
        code: "TS003",
        name: "莫代尔V领T恤",
        category: "T恤",
        unit: "件",
        price: 6900,
        weight_g: 160,
        volume_cm3: 1600,
        material: "莫代尔95% 氨纶5%",
        season: "夏",
        colors: &[BLK, WHT, NVY, GRY],
        sizes: SIZES5,
        keywords: "冰丝凉感 修身 通勤",
    },
    Style {
        code: "PL001",
        name: "珠地棉POLO衫",
        category: "POLO衫",
        unit: "件",
        price: 12900,
        weight_g: 230,
        volume_cm3: 2000,
        material: "珠地棉 100%棉",
        season: "夏",
        colors: &[BLK, WHT, NVY, WIN],
        sizes: SIZES5,
        keywords: "商务休闲 翻领 透气",
    },
    Style {
        code: "HD001",
        name: "连帽卫衣",
        category: "卫衣",
        unit: "件",
        price: 16900,
        weight_g: 520,
        volume_cm3: 4500,
        material: "棉80% 涤纶20% 毛圈",
        season: "春秋",
        colors: &[BLK, GRY, NVY, KHK],
        sizes: SIZES5,
        keywords: "宽松 情侣款 春秋外套",
    },
    Style {
        code: "SW001",
        name: "加绒圆领卫衣",
        category: "卫衣",
        unit: "件",
        price: 13900,
        weight_g: 480,
        volume_cm3: 4200,
        material: "棉75% 涤纶25% 加绒",
        season: "秋冬",
        colors: &[BLK, GRY, CRM, PNK],
        sizes: SIZES5,
        keywords: "加厚保暖 套头 纯色",
    },
    Style {
        code: "SHT001",
        name: "牛津纺长袖衬衫",
        category: "衬衫",
        unit: "件",
        price: 14900,
        weight_g: 280,
        volume_cm3: 2400,
        material: "100%棉 牛津纺",
        season: "春秋",
        colors: &[WHT, LBL, PNK, NVY],
        sizes: SIZES5,
        keywords: "免烫 商务 休闲 上班",
    },
    Style {
        code: "JN001",
        name: "直筒牛仔裤",
        category: "裤装",
        unit: "条",
        price: 19900,
        weight_g: 650,
        volume_cm3: 3000,
        material: "棉98% 氨纶2%",
        season: "四季",
        colors: &[DBL, LBL, BLK, SGR],
        sizes: WAIST,
        keywords: "宽松直筒 垂感 显瘦 四季款",
    },
    Style {
        code: "JN002",
        name: "修身弹力牛仔裤",
        category: "裤装",
        unit: "条",
        price: 17900,
        weight_g: 600,
        volume_cm3: 2800,
        material: "棉92% 涤纶6% 氨纶2%",
        season: "四季",
        colors: &[DBL, BLK, LBL],
        sizes: WAIST,
        keywords: "小脚 弹力 百搭",
    },
    Style {
        code: "SP001",
        name: "休闲短裤",
        category: "裤装",
        unit: "条",
        price: 8900,
        weight_g: 250,
        volume_cm3: 1500,
        material: "棉65% 锦纶35%",
        season: "夏",
        colors: &[BLK, KHK, NVY, OLV],
        sizes: SIZES5,
        keywords: "五分裤 速干 运动",
    },
    Style {
        code: "CP001",
        name: "工装束脚裤",
        category: "裤装",
        unit: "条",
        price: 17900,
        weight_g: 520,
        volume_cm3: 3000,
        material: "100%棉 斜纹",
        season: "春秋",
        colors: &[BLK, KHK, OLV, GRY],
        sizes: SIZES5,
        keywords: "多口袋 机能风 宽松",
    },
    Style {
        code: "JK001",
        name: "轻薄防晒衣",
        category: "外套",
        unit: "件",
        price: 14900,
        weight_g: 200,
        volume_cm3: 1500,
        material: "锦纶88% 氨纶12% UPF50+",
        season: "夏",
        colors: &[WHT, LBL, PNK, BLK],
        sizes: SIZES5,
        keywords: "冰丝 防紫外线 户外 连帽",
    },
    Style {
        code: "JK002",
        name: "复古牛仔夹克",
        category: "外套",
        unit: "件",
        price: 25900,
        weight_g: 780,
        volume_cm3: 5000,
        material: "100%棉 水洗牛仔",
        season: "春秋",
        colors: &[DBL, LBL, BLK],
        sizes: SIZES5,
        keywords: "做旧 宽松 翻领外套",
    },
    Style {
        code: "DR001",
        name: "法式碎花连衣裙",
        category: "连衣裙",
        unit: "件",
        price: 21900,
        weight_g: 300,
        volume_cm3: 2500,
        material: "雪纺 100%聚酯纤维",
        season: "夏",
        colors: &[BLF, YLF, BLK],
        sizes: SIZES4,
        keywords: "收腰 显瘦 度假风 中长款",
    },
    Style {
        code: "KN001",
        name: "针织开衫",
        category: "针织衫",
        unit: "件",
        price: 19900,
        weight_g: 380,
        volume_cm3: 3500,
        material: "腈纶60% 羊毛20% 锦纶20%",
        season: "春秋",
        colors: &[CRM, GRY, NVY, WIN],
        sizes: SIZES4,
        keywords: "慵懒风 软糯 V领外搭",
    },
    Style {
        code: "DJ001",
        name: "轻薄羽绒服",
        category: "外套",
        unit: "件",
        price: 39900,
        weight_g: 450,
        volume_cm3: 6000,
        material: "90%白鸭绒 充绒量100g",
        season: "冬",
        colors: &[BLK, NVY, KHK, WIN],
        sizes: SIZES5,
        keywords: "可收纳 立领 保暖",
    },
    Style {
        code: "LG001",
        name: "高腰瑜伽裤",
        category: "运动",
        unit: "条",
        price: 12900,
        weight_g: 230,
        volume_cm3: 1200,
        material: "锦纶75% 氨纶25%",
        season: "四季",
        colors: &[BLK, GRY, NVY, PNK],
        sizes: SIZES4,
        keywords: "裸感 提臀 健身跑步",
    },
    // 配饰 (one size)
    Style {
        code: "CAP001",
        name: "纯棉棒球帽",
        category: "配饰",
        unit: "顶",
        price: 5900,
        weight_g: 90,
        volume_cm3: 2500,
        material: "100%棉",
        season: "四季",
        colors: &[BLK, WHT, NVY, KHK],
        sizes: ONE_SIZE,
        keywords: "软顶 鸭舌帽 遮阳",
    },
    Style {
        code: "HAT001",
        name: "渔夫帽",
        category: "配饰",
        unit: "顶",
        price: 6900,
        weight_g: 80,
        volume_cm3: 2000,
        material: "100%棉",
        season: "夏",
        colors: &[BLK, CRM, KHK],
        sizes: ONE_SIZE,
        keywords: "防晒 可折叠 盆帽",
    },
    Style {
        code: "BAG001",
        name: "帆布托特包",
        category: "箱包",
        unit: "个",
        price: 7900,
        weight_g: 300,
        volume_cm3: 3000,
        material: "16安帆布",
        season: "四季",
        colors: &[CRM, BLK],
        sizes: ONE_SIZE,
        keywords: "大容量 单肩 通勤",
    },
    Style {
        code: "BAG002",
        name: "休闲双肩包",
        category: "箱包",
        unit: "个",
        price: 19900,
        weight_g: 800,
        volume_cm3: 12000,
        material: "防泼水牛津布",
        season: "四季",
        colors: &[BLK, GRY, NVY],
        sizes: ONE_SIZE,
        keywords: "电脑包 15.6寸 学生",
    },
    Style {
        code: "SOC001",
        name: "纯棉中筒袜5双装",
        category: "配饰",
        unit: "包",
        price: 3900,
        weight_g: 200,
        volume_cm3: 800,
        material: "棉80% 锦纶17% 氨纶3%",
        season: "四季",
        colors: &[BLK, WHT, GRY],
        sizes: ONE_SIZE,
        keywords: "吸汗 防臭 运动袜",
    },
    Style {
        code: "BLT001",
        name: "牛皮针扣皮带",
        category: "配饰",
        unit: "条",
        price: 12900,
        weight_g: 250,
        volume_cm3: 900,
        material: "头层牛皮",
        season: "四季",
        colors: &[BLK, BRN],
        sizes: ONE_SIZE,
        keywords: "商务 简约 可裁剪",
    },
    Style {
        code: "SCF001",
        name: "羊毛围巾",
        category: "配饰",
        unit: "条",
        price: 15900,
        weight_g: 180,
        volume_cm3: 1500,
        material: "100%羊毛",
        season: "冬",
        colors: &[GRY, WIN, CRM],
        sizes: ONE_SIZE,
        keywords: "加厚保暖 纯色 百搭",
    },
    Style {
        code: "CUP001",
        name: "316不锈钢保温杯500ml",
        category: "家居",
        unit: "个",
        price: 8900,
        weight_g: 350,
        volume_cm3: 1500,
        material: "316不锈钢",
        season: "四季",
        colors: &[WHT, BLK, PNK],
        sizes: ONE_SIZE,
        keywords: "大容量 便携 办公室",
    },
];

/// Food and cosmetics: lot + expiry tracked (批次效期).
struct Consumable {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    unit: &'static str,
    price: i64,
    weight_g: i64,
    shelf_life_days: i64,
}

const CONSUMABLES: &[Consumable] = &[
    Consumable {
        code: "FD001",
        name: "每日坚果750g(30袋)",
        category: "食品",
        unit: "盒",
        price: 12900,
        weight_g: 850,
        shelf_life_days: 240,
    },
    Consumable {
        code: "FD002",
        name: "挂耳咖啡10g×10包",
        category: "食品",
        unit: "盒",
        price: 4900,
        weight_g: 150,
        shelf_life_days: 365,
    },
    Consumable {
        code: "FD003",
        name: "冻干柠檬片100g",
        category: "食品",
        unit: "袋",
        price: 2990,
        weight_g: 130,
        shelf_life_days: 365,
    },
    Consumable {
        code: "FD004",
        name: "黑糖姜茶12袋",
        category: "食品",
        unit: "盒",
        price: 3900,
        weight_g: 200,
        shelf_life_days: 540,
    },
    Consumable {
        code: "FD005",
        name: "风干牛肉干250g",
        category: "食品",
        unit: "袋",
        price: 6900,
        weight_g: 270,
        shelf_life_days: 180,
    },
    Consumable {
        code: "FD006",
        name: "即食燕麦片1kg",
        category: "食品",
        unit: "罐",
        price: 4500,
        weight_g: 1100,
        shelf_life_days: 300,
    },
    Consumable {
        code: "CS001",
        name: "玻尿酸补水面膜10片",
        category: "美妆个护",
        unit: "盒",
        price: 9900,
        weight_g: 300,
        shelf_life_days: 1095,
    },
    Consumable {
        code: "CS002",
        name: "氨基酸洗面奶120g",
        category: "美妆个护",
        unit: "支",
        price: 6900,
        weight_g: 150,
        shelf_life_days: 1095,
    },
    Consumable {
        code: "CS003",
        name: "清爽防晒霜SPF50+ 50ml",
        category: "美妆个护",
        unit: "支",
        price: 12900,
        weight_g: 80,
        shelf_life_days: 1095,
    },
    Consumable {
        code: "CS004",
        name: "护手霜3支装",
        category: "美妆个护",
        unit: "盒",
        price: 5900,
        weight_g: 200,
        shelf_life_days: 1095,
    },
    Consumable {
        code: "CS005",
        name: "保湿润唇膏",
        category: "美妆个护",
        unit: "支",
        price: 2900,
        weight_g: 20,
        shelf_life_days: 1095,
    },
    Consumable {
        code: "CS006",
        name: "烟酰胺身体乳400ml",
        category: "美妆个护",
        unit: "瓶",
        price: 8900,
        weight_g: 450,
        shelf_life_days: 730,
    },
];

/// 组合装 (bundle): code, name, unit, price, components (SKU code, qty).
type BundleSpec = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [(&'static str, i64)],
);

const BUNDLES: &[BundleSpec] = &[
    (
        "ZH001",
        "纯棉短袖T恤三件装 黑色 L",
        "套",
        14900,
        &[("TS001-BLK-L", 3)],
    ),
    (
        "ZH002",
        "纯棉短袖T恤三件装 白色 M",
        "套",
        14900,
        &[("TS001-WHT-M", 3)],
    ),
    (
        "ZH003",
        "夏日套装(T恤+短裤+棒球帽)",
        "套",
        17900,
        &[("TS001-WHT-L", 1), ("SP001-KHK-L", 1), ("CAP001-NVY", 1)],
    ),
    (
        "ZH004",
        "秋冬卫衣牛仔套装",
        "套",
        33900,
        &[("HD001-GRY-L", 1), ("JN001-DBL-32", 1)],
    ),
    (
        "ZH005",
        "补水护肤礼盒",
        "盒",
        19900,
        &[("CS001", 1), ("CS002", 1), ("CS004", 1)],
    ),
    (
        "ZH006",
        "办公室零食大礼包",
        "箱",
        25900,
        &[("FD001", 1), ("FD002", 2), ("FD005", 1)],
    ),
];

/// One generated SKU.
struct DemoSku {
    input: SkuInput,
    code: String,
    cost: i64,
    /// Size weight in tenths (10 = the base quantity).
    size_weight: i64,
    shelf_life_days: Option<i64>,
    is_bundle: bool,
}

/// A platform item: one style, one consumable or one bundle, with its SKUs.
struct Group {
    title: String,
    kind: GroupKind,
    skus: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupKind {
    Apparel,
    Accessory,
    Consumable,
    Bundle,
}

fn build_catalog(rng: &mut Rng) -> (Vec<DemoSku>, Vec<Group>) {
    let mut skus = Vec::new();
    let mut groups = Vec::new();
    let mut seq = 0u32;
    let barcode = |seq: &mut u32| {
        *seq += 1;
        ean13(&format!("6952013{:05}", *seq))
    };
    for s in STYLES {
        let pct = rng.range(35, 50);
        let cost = s.price * pct / 100;
        let one_size = s.sizes.len() == 1;
        let kind = if one_size {
            GroupKind::Accessory
        } else {
            GroupKind::Apparel
        };
        let mut members = Vec::new();
        for (ci, (cc, cn)) in s.colors.iter().enumerate() {
            for (si, size) in s.sizes.iter().enumerate() {
                let code = if one_size {
                    format!("{}-{cc}", s.code)
                } else {
                    format!("{}-{cc}-{size}", s.code)
                };
                let name = if one_size {
                    format!("{} {cn}", s.name)
                } else {
                    format!("{} {cn} {size}", s.name)
                };
                let weight = s.weight_g + 10 * si as i64;
                members.push(skus.len());
                skus.push(DemoSku {
                    input: SkuInput {
                        code: Some(code.clone()),
                        name: Some(name),
                        barcodes: Some(vec![barcode(&mut seq)]),
                        color: Some((*cn).into()),
                        size: Some((*size).into()),
                        unit: Some(s.unit.into()),
                        weight_g: Some(weight),
                        volume_cm3: Some(s.volume_cm3),
                        list_price: Some(s.price),
                        default_cost: Some(cost),
                        category: Some(s.category.into()),
                        brand: Some(BRAND.into()),
                        tracking: Some("none".into()),
                        attrs: Some(serde_json::json!({
                            "style": s.code,
                            "material": s.material,
                            "season": s.season,
                            "color_code": cc,
                            "color_index": ci,
                        })),
                        ..Default::default()
                    },
                    code,
                    cost,
                    size_weight: size_weight(s.sizes, si),
                    shelf_life_days: None,
                    is_bundle: false,
                });
            }
        }
        groups.push(Group {
            title: format!("{BRAND} {} {}", s.name, s.keywords),
            kind,
            skus: members,
        });
    }
    for c in CONSUMABLES {
        let pct = rng.range(35, 50);
        let cost = c.price * pct / 100;
        groups.push(Group {
            title: format!("{BRAND}生活 {}", c.name),
            kind: GroupKind::Consumable,
            skus: vec![skus.len()],
        });
        skus.push(DemoSku {
            input: SkuInput {
                code: Some(c.code.into()),
                name: Some(c.name.into()),
                barcodes: Some(vec![barcode(&mut seq)]),
                unit: Some(c.unit.into()),
                weight_g: Some(c.weight_g),
                volume_cm3: Some(c.weight_g * 2),
                list_price: Some(c.price),
                default_cost: Some(cost),
                category: Some(c.category.into()),
                brand: Some(format!("{BRAND}生活")),
                tracking: Some("lot_expiry".into()),
                shelf_life_days: Some(c.shelf_life_days),
                attrs: Some(serde_json::json!({ "storage": "常温 阴凉干燥处" })),
                ..Default::default()
            },
            code: c.code.into(),
            cost,
            size_weight: 10,
            shelf_life_days: Some(c.shelf_life_days),
            is_bundle: false,
        });
    }
    for (code, name, unit, price, comps) in BUNDLES {
        let cost: i64 = comps
            .iter()
            .map(|(c, q)| skus.iter().find(|s| s.code == *c).map_or(0, |s| s.cost * q))
            .sum();
        let weight: i64 = comps
            .iter()
            .map(|(c, q)| {
                skus.iter()
                    .find(|s| s.code == *c)
                    .map_or(0, |s| s.input.weight_g.unwrap_or(0) * q)
            })
            .sum();
        groups.push(Group {
            title: format!("{BRAND} {name} 组合优惠"),
            kind: GroupKind::Bundle,
            skus: vec![skus.len()],
        });
        skus.push(DemoSku {
            input: SkuInput {
                code: Some((*code).into()),
                name: Some((*name).into()),
                barcodes: Some(vec![barcode(&mut seq)]),
                unit: Some((*unit).into()),
                weight_g: Some(weight),
                list_price: Some(*price),
                default_cost: Some(cost),
                category: Some("组合装".into()),
                brand: Some(BRAND.into()),
                tracking: Some("none".into()),
                ..Default::default()
            },
            code: (*code).into(),
            cost,
            size_weight: 10,
            shelf_life_days: None,
            is_bundle: true,
        });
    }
    (skus, groups)
}

// ---------------------------------------------------------------------------------------
// Warehouses, partners, shops.
// ---------------------------------------------------------------------------------------

struct WarehouseSpec {
    code: &'static str,
    name: &'static str,
    kind: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
    address: &'static str,
    priority: i64,
    daily_capacity: i64,
    /// Aisles in zone A (picking: 4 racks × 3 levels each) and zone B (bulk: 3 × 2).
    a_aisles: i64,
    b_aisles: i64,
    /// Share of SKUs stocked here, percent; and quantity factor, percent.
    stocked_pct: u32,
    qty_pct: i64,
}

const WAREHOUSES: &[WarehouseSpec] = &[
    WarehouseSpec {
        code: "HZ01",
        name: "杭州仓",
        kind: "own",
        province: "浙江省",
        city: "杭州市",
        district: "余杭区",
        address: "仓前街道良睦路1288号 智慧物流园3号库",
        priority: 1,
        daily_capacity: 3000,
        a_aisles: 3,
        b_aisles: 2,
        stocked_pct: 92,
        qty_pct: 100,
    },
    WarehouseSpec {
        code: "GZ01",
        name: "广州仓",
        kind: "own",
        province: "广东省",
        city: "广州市",
        district: "白云区",
        address: "太和镇龙兴中路88号 2栋3楼",
        priority: 2,
        daily_capacity: 2000,
        a_aisles: 3,
        b_aisles: 2,
        stocked_pct: 75,
        qty_pct: 70,
    },
    WarehouseSpec {
        code: "CD01",
        name: "成都仓",
        kind: "3pl",
        province: "四川省",
        city: "成都市",
        district: "双流区",
        address: "西航港街道空港四路1566号 B区5号库",
        priority: 3,
        daily_capacity: 1200,
        a_aisles: 3,
        b_aisles: 1,
        stocked_pct: 55,
        qty_pct: 50,
    },
];

struct WarehousePlan {
    id: WarehouseId,
    a_locs: Vec<LocationId>,
    b_locs: Vec<LocationId>,
}

/// Locations `Z-AA-RR-LL` with a serpentine pick sequence: up aisle 1, down aisle 2, …
/// zone A (picking faces) first, then zone B (bulk storage).
fn location_codes(a_aisles: i64, b_aisles: i64) -> Vec<(String, &'static str, i64)> {
    let mut out = Vec::new();
    let mut seq = 0;
    for (zone, aisles, racks, levels) in [("A", a_aisles, 4, 3), ("B", b_aisles, 3, 2)] {
        for aisle in 1..=aisles {
            let order: Vec<i64> = if aisle % 2 == 1 {
                (1..=racks).collect()
            } else {
                (1..=racks).rev().collect()
            };
            for rack in order {
                for level in 1..=levels {
                    seq += 10;
                    out.push((format!("{zone}-{aisle:02}-{rack:02}-{level:02}"), zone, seq));
                }
            }
        }
    }
    out
}

/// code, name, region (6 digits), individual (个体户), contact, address.
type PartnerSpec = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static str,
);

const SUPPLIERS: &[PartnerSpec] = &[
    (
        "GYS001",
        "湖州织里锦程服饰有限公司",
        "330502",
        false,
        "沈建华",
        "浙江省湖州市吴兴区织里镇大港路1688号",
    ),
    (
        "GYS002",
        "广州新塘丰源牛仔制衣厂",
        "440118",
        false,
        "陈志强",
        "广东省广州市增城区新塘镇牛仔城西路22号",
    ),
    (
        "GYS003",
        "绍兴柯桥恒越纺织品有限公司",
        "330603",
        false,
        "王丽娟",
        "浙江省绍兴市柯桥区轻纺城大道958号",
    ),
    (
        "GYS004",
        "东莞虎门悦尚制衣有限公司",
        "441900",
        false,
        "黄伟明",
        "广东省东莞市虎门镇连升路108号",
    ),
    (
        "GYS005",
        "义乌市佳品饰品有限公司",
        "330782",
        false,
        "楼晓燕",
        "浙江省义乌市福田街道国际商贸城二区H3-2188",
    ),
    (
        "GYS006",
        "杭州临安丰收坚果食品有限公司",
        "330112",
        false,
        "章国平",
        "浙江省杭州市临安区锦北街道农林大路66号",
    ),
    (
        "GYS007",
        "上海悦颜生物科技有限公司",
        "310115",
        false,
        "刘思雨",
        "上海市浦东新区张江路368号5幢",
    ),
    (
        "GYS008",
        "广州美肤源化妆品有限公司",
        "440111",
        false,
        "林嘉欣",
        "广东省广州市白云区钟落潭镇良田北路19号",
    ),
];

const CUSTOMERS: &[PartnerSpec] = &[
    (
        "KH001",
        "北京潮品汇商贸有限公司",
        "110105",
        false,
        "赵磊",
        "北京市朝阳区大红门路12号 服装城4层",
    ),
    (
        "KH002",
        "上海衣尚贸易有限公司",
        "310101",
        false,
        "周敏",
        "上海市黄浦区福佑路288号",
    ),
    (
        "KH003",
        "武汉汉正街辰星服装批发行",
        "420104",
        true,
        "吴小军",
        "湖北省武汉市硚口区汉正街368号",
    ),
    (
        "KH004",
        "西安曲江悦购商贸有限公司",
        "610113",
        false,
        "孙婷",
        "陕西省西安市雁塔区曲江池东路518号",
    ),
    (
        "KH005",
        "长沙五一潮牌集合店",
        "430102",
        true,
        "李娜",
        "湖南省长沙市芙蓉区五一大道188号",
    ),
    (
        "KH006",
        "郑州银基鑫源服饰商行",
        "410102",
        true,
        "郭鹏",
        "河南省郑州市中原区银基商贸城3楼A18",
    ),
    (
        "KH007",
        "重庆云衣服饰有限公司",
        "500103",
        false,
        "何静",
        "重庆市渝中区解放碑民权路28号",
    ),
    (
        "KH008",
        "厦门海风服饰贸易有限公司",
        "350203",
        false,
        "郑文杰",
        "福建省厦门市思明区中山路199号",
    ),
    (
        "KH009",
        "深圳优选供应链有限公司",
        "440304",
        false,
        "马晓峰",
        "广东省深圳市福田区华强北路1019号",
    ),
    (
        "KH010",
        "南京锦衣坊服饰店",
        "320104",
        true,
        "徐芳",
        "江苏省南京市秦淮区夫子庙贡院街66号",
    ),
];

/// code, name, platform, share of apparel/accessory styles listed (percent), lifestyle shop.
const SHOPS: &[(&str, &str, &str, u32, bool)] = &[
    ("TB01", "简初服饰淘宝店", "taobao", 100, false),
    ("JD01", "简初京东旗舰店", "jd", 60, false),
    ("PDD01", "简初拼多多旗舰店", "pdd", 45, false),
    ("DY01", "简初抖音官方旗舰店", "douyin", 35, false),
    ("TB02", "简初生活馆", "taobao", 0, true),
];

fn credentials(rng: &mut Rng, platform: &str) -> serde_json::Value {
    match platform {
        "taobao" => serde_json::json!({
            "app_key": format!("3{}", rng.digits(7)),
            "app_secret": rng.hex(32),
            "session": format!("6100{}", rng.hex(44)),
        }),
        "jd" => serde_json::json!({
            "app_key": rng.hex(32).to_uppercase(),
            "app_secret": rng.hex(32),
            "access_token": rng.hex(32),
        }),
        "pdd" => serde_json::json!({
            "app_key": rng.hex(32),
            "app_secret": rng.hex(40),
            "access_token": rng.hex(32),
        }),
        _ => serde_json::json!({
            "app_key": format!("7{}", rng.digits(18)),
            "app_secret": format!("{}-{}-{}-{}-{}", rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(12)),
            "shop_id": rng.digits(8),
        }),
    }
}

/// Increasing platform ids of a fixed width, so they look random but never repeat.
struct IdSeq {
    prefix: &'static str,
    width: usize,
    next: u64,
}

impl IdSeq {
    fn new(rng: &mut Rng, prefix: &'static str, width: usize) -> IdSeq {
        // Start low enough that thousands of steps still fit in `width` digits.
        let room = 10u64.pow((width - prefix.len()).min(18) as u32);
        IdSeq {
            prefix,
            width,
            next: room / 10 + rng.next_u64() % (room / 10),
        }
    }
    fn take(&mut self, rng: &mut Rng) -> String {
        self.next += 1 + rng.next_u64() % 997;
        let digits = self.width - self.prefix.len();
        format!("{}{:0digits$}", self.prefix, self.next)
    }
}

fn id_formats(platform: &str) -> ((&'static str, usize), (&'static str, usize)) {
    match platform {
        "taobao" => (("6", 12), ("5", 13)),
        "jd" => (("10", 12), ("10", 13)),
        "pdd" => (("5", 12), ("1", 12)),
        _ => (("35", 19), ("17", 16)),
    }
}

// ---------------------------------------------------------------------------------------
// Stock.
// ---------------------------------------------------------------------------------------

/// A lot to create: number, production and expiry dates.
#[derive(Clone)]
struct LotPlan {
    no: String,
    production: NaiveDate,
    expiry: NaiveDate,
}

/// (sku index, warehouse index, location, lot number)
type Slot = (usize, usize, LocationId, String);

/// What the demo has put where, so every issue and reservation it plans is covered.
#[derive(Default)]
struct Tracker {
    on_hand: BTreeMap<Slot, i64>,
    reserved: BTreeMap<Slot, i64>,
    /// Expiry per (sku index, lot number).
    expiry: BTreeMap<(usize, String), NaiveDate>,
}

impl Tracker {
    fn add(&mut self, slot: Slot, qty: i64) {
        *self.on_hand.entry(slot).or_default() += qty;
    }
    fn available(&self, slot: &Slot) -> i64 {
        self.on_hand.get(slot).copied().unwrap_or(0) - self.reserved.get(slot).copied().unwrap_or(0)
    }
    fn expired(&self, sku: usize, lot: &str, today: NaiveDate) -> bool {
        self.expiry
            .get(&(sku, lot.to_string()))
            .is_some_and(|x| *x < today)
    }
    /// What a reservation can take of a SKU in a warehouse (expired lots are never reserved).
    fn reservable(&self, sku: usize, wh: usize, today: NaiveDate) -> i64 {
        self.on_hand
            .keys()
            .filter(|s| s.0 == sku && s.1 == wh && !self.expired(sku, &s.3, today))
            .map(|s| self.available(s).max(0))
            .sum()
    }
}

fn line(sku: SkuId, loc: LocationId, qty: i64) -> LineInput {
    LineInput {
        sku_id: sku.0,
        location_id: Some(loc.0),
        qty,
        ..Default::default()
    }
}

fn lot_line(sku: SkuId, loc: LocationId, lot: &LotPlan, qty: i64, cost: i64) -> LineInput {
    LineInput {
        lot_no: Some(lot.no.clone()),
        production_date: Some(lot.production),
        expiry_date: Some(lot.expiry),
        unit_cost: Some(cost),
        ..line(sku, loc, qty)
    }
}

fn doc(
    kind: DocumentKind,
    wh: WarehouseId,
    reference: &str,
    note: &str,
    lines: Vec<LineInput>,
) -> Result<Document> {
    Ok(Document::parse(
        kind,
        &DocumentInput {
            warehouse_id: wh.0,
            reference: reference.into(),
            note: note.into(),
            lines,
        },
    )?)
}

/// The lots of a consumable: an older and a newer one. Some consumables get an old lot
/// that is already expired or about to expire, so the expiry views have something to show.
fn plan_lots(rng: &mut Rng, code: &str, shelf: i64, today: NaiveDate) -> Vec<LotPlan> {
    let mk = |production: NaiveDate, seq: u32| LotPlan {
        no: format!("{}{seq:02}", production.format("%Y%m%d")),
        production,
        expiry: production + Duration::days(shelf),
    };
    // Days before today the old lot was made.
    let old_age = match code {
        "FD003" => shelf + 5,  // expired 5 days ago
        "CS005" => shelf + 12, // expired 12 days ago
        "FD005" => shelf - 10, // expires in 10 days
        "FD001" => shelf - 25, // expires in 25 days
        _ => rng.range(30, (shelf / 3).max(31)),
    };
    let new_age = rng.range(3, 20).min(old_age - 1);
    vec![
        mk(today - Duration::days(old_age), 1),
        mk(today - Duration::days(new_age), 2),
    ]
}

// ---------------------------------------------------------------------------------------
// Loading.
// ---------------------------------------------------------------------------------------

impl App {
    /// Fills an empty database with the demo merchant. With SKUs already there it does
    /// nothing and says so (`already_loaded`), so it is safe to run on every start.
    pub async fn load_demo(&self, actor: &Actor) -> Result<DemoSummary> {
        let counts = self.store.counts().await?;
        if counts.skus + counts.bundles > 0 {
            return self.demo_summary(true).await;
        }
        let mut rng = Rng::new(0x6A78_635F_6465_6D6F); // "jxc_demo"
        let today = business_today();

        // 仓库 and 库位.
        let mut whs = Vec::new();
        for w in WAREHOUSES {
            let created = self
                .create_warehouse(
                    &WarehouseInput {
                        code: Some(w.code.into()),
                        name: Some(w.name.into()),
                        kind: Some(w.kind.into()),
                        province: Some(w.province.into()),
                        city: Some(w.city.into()),
                        district: Some(w.district.into()),
                        address: Some(w.address.into()),
                        priority: Some(w.priority),
                        daily_capacity: Some(w.daily_capacity),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
            let mut plan = WarehousePlan {
                id: created.id,
                a_locs: Vec::new(),
                b_locs: Vec::new(),
            };
            for (code, zone, seq) in location_codes(w.a_aisles, w.b_aisles) {
                let loc = self
                    .create_location(
                        &LocationInput {
                            warehouse_id: Some(created.id.0),
                            code: Some(code),
                            zone: Some(zone.into()),
                            pick_seq: Some(seq),
                            active: Some(true),
                        },
                        actor,
                    )
                    .await?;
                if zone == "A" {
                    plan.a_locs.push(loc.id);
                } else {
                    plan.b_locs.push(loc.id);
                }
            }
            whs.push(plan);
        }

        // 供应商 and 客户.
        let mut customer_names = Vec::new();
        for (kind, specs) in [
            (PartnerKind::Supplier, SUPPLIERS),
            (PartnerKind::Customer, CUSTOMERS),
        ] {
            for (code, name, region, individual, contact, address) in specs {
                let tax_id = fake_credit_code(&mut rng, *individual, region);
                let phone = format!("1{}{}", rng.range(3, 9), rng.digits(9));
                let email = if *individual {
                    String::new()
                } else {
                    format!("{}@example.com", code.to_lowercase())
                };
                self.create_partner(
                    kind,
                    &PartnerInput {
                        code: Some((*code).into()),
                        name: Some((*name).into()),
                        contact: Some((*contact).into()),
                        phone: Some(phone),
                        email: Some(email),
                        address: Some((*address).into()),
                        tax_id: Some(tax_id),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
                if kind == PartnerKind::Customer {
                    customer_names.push(*name);
                }
            }
        }

        // 商品: one batch, then the bundles' components.
        let (skus, groups) = build_catalog(&mut rng);
        let rows = skus
            .iter()
            .enumerate()
            .map(|(i, s)| Ok((i + 2, NewSku::parse(&s.input)?)))
            .collect::<Result<Vec<_>>>()?;
        for outcome in self.store.import_skus(&rows, actor).await? {
            if let Err(e) = outcome.result {
                return Err(Error::Internal(format!(
                    "demo sku row {}: {}: {}",
                    outcome.row, e.field, e.reason
                )));
            }
        }
        let by_code: BTreeMap<String, SkuId> = all_skus(self)
            .await?
            .into_iter()
            .map(|s| (s.fields.code, s.id))
            .collect();
        let mut ids = Vec::with_capacity(skus.len());
        for s in &skus {
            let id = by_code
                .get(&s.code)
                .copied()
                .ok_or_else(|| Error::Internal(format!("demo sku {} was not created", s.code)))?;
            ids.push(id);
        }
        for (code, _, _, _, comps) in BUNDLES {
            let bundle = by_code
                .get(*code)
                .copied()
                .ok_or_else(|| Error::not_found("sku", code))?;
            let components = comps
                .iter()
                .map(|(c, qty)| {
                    by_code
                        .get(*c)
                        .map(|id| BundleComponent {
                            sku_id: *id,
                            qty: *qty,
                        })
                        .ok_or_else(|| Error::not_found("sku", c))
                })
                .collect::<Result<Vec<_>>>()?;
            self.set_bundle(bundle, &components, actor).await?;
        }

        // 店铺 and 平台商品匹配.
        for (code, name, platform, share, lifestyle) in SHOPS {
            let shop = self
                .create_shop(
                    &ShopInput {
                        code: Some((*code).into()),
                        name: Some((*name).into()),
                        platform: Some((*platform).into()),
                        credentials: Some(credentials(&mut rng, platform)),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
            self.demo_listings(
                &mut rng, shop.id, platform, *share, *lifestyle, &groups, &skus, &ids, actor,
            )
            .await?;
        }

        // 期初: one document per warehouse, one batch.
        let mut t = Tracker::default();
        let mut lots: Vec<Vec<LotPlan>> = vec![Vec::new(); skus.len()];
        for (i, s) in skus.iter().enumerate() {
            if let Some(shelf) = s.shelf_life_days {
                lots[i] = plan_lots(&mut rng, &s.code, shelf, today);
                for l in &lots[i] {
                    t.expiry.insert((i, l.no.clone()), l.expiry);
                }
            }
        }
        let stock: Vec<usize> = (0..skus.len()).filter(|i| !skus[*i].is_bundle).collect();
        let n = stock.len().max(1);
        let mut openings = Vec::new();
        for (wi, (w, plan)) in WAREHOUSES.iter().zip(&whs).enumerate() {
            let mut lines = Vec::new();
            for (k, &i) in stock.iter().enumerate() {
                let s = &skus[i];
                let home = plan.a_locs[k * plan.a_locs.len() / n];
                let bulk = plan.b_locs[k * plan.b_locs.len() / n];
                if !lots[i].is_empty() {
                    if wi > 0 && !rng.chance(w.stocked_pct + 15) {
                        continue;
                    }
                    // The main warehouse holds both lots; the others only the newer one.
                    let held = if wi == 0 { &lots[i][..] } else { &lots[i][1..] };
                    for l in held {
                        let expired = l.expiry < today;
                        let qty = if expired {
                            rng.range(6, 12)
                        } else {
                            (rng.range(20, 80) * w.qty_pct / 100).max(3)
                        };
                        lines.push(lot_line(ids[i], home, l, qty, s.cost));
                        t.add((i, wi, home, l.no.clone()), qty);
                    }
                    continue;
                }
                if !rng.chance(w.stocked_pct) {
                    continue;
                }
                let base = if skus[i].input.size.as_deref() == Some("均码") {
                    rng.range(20, 60)
                } else {
                    rng.range(12, 30)
                };
                let qty = (base * s.size_weight / 10 * w.qty_pct / 100).max(2);
                lines.push(LineInput {
                    unit_cost: Some(s.cost),
                    ..line(ids[i], home, qty)
                });
                t.add((i, wi, home, String::new()), qty);
                if wi < 2 && rng.chance(35) {
                    let qty = (rng.range(20, 60) * w.qty_pct / 100).max(5);
                    lines.push(LineInput {
                        unit_cost: Some(s.cost),
                        ..line(ids[i], bulk, qty)
                    });
                    t.add((i, wi, bulk, String::new()), qty);
                }
            }
            openings.push(doc(
                DocumentKind::Opening,
                plan.id,
                &format!("QC-{}", w.code),
                &format!("{} 期初库存 / opening stock", w.name),
                lines,
            )?);
        }
        let mut lot_nos: BTreeMap<LotId, String> = BTreeMap::new();
        let remember = |posted: &[PostedDocument], lot_nos: &mut BTreeMap<LotId, String>| {
            for m in posted.iter().flat_map(|d| &d.moves) {
                if m.lot_id != LotId::NONE {
                    lot_nos.insert(m.lot_id, m.lot_no.clone());
                }
            }
        };
        let posted = self.store.post_documents(&openings, actor).await?;
        remember(&posted, &mut lot_nos);

        // A little activity: receipts, wholesale issues, a relocation, a count difference.
        let activity = self.demo_activity(
            &mut rng,
            &skus,
            &ids,
            &whs,
            &mut t,
            &lots,
            &customer_names,
            today,
        )?;
        let posted = self.store.post_documents(&activity, actor).await?;
        remember(&posted, &mut lot_nos);

        // Live orders hold stock; a few ship, one is cancelled.
        self.demo_orders(&mut rng, &skus, &ids, &whs, &mut t, &lot_nos, today, actor)
            .await?;

        let summary = self.demo_summary(false).await?;
        tracing::info!(
            skus = summary.skus,
            moves = summary.moves,
            stock_value = %summary.stock_value,
            "demo data loaded"
        );
        Ok(summary)
    }

    async fn demo_summary(&self, already_loaded: bool) -> Result<DemoSummary> {
        let c = self.store.counts().await?;
        let totals = self.store.stock_totals().await?;
        let stock_value = totals
            .iter()
            .try_fold(Fen::ZERO, |acc, t| acc.checked_add(t.value))
            .ok_or_else(|| Error::Internal("stock value overflows".into()))?;
        Ok(DemoSummary {
            skus: c.skus,
            bundles: c.bundles,
            warehouses: c.warehouses,
            locations: c.locations,
            suppliers: c.suppliers,
            customers: c.customers,
            shops: c.shops,
            listings: c.listings,
            documents: c.documents,
            moves: c.moves,
            stock_value,
            already_loaded,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_listings(
        &self,
        rng: &mut Rng,
        shop: ShopId,
        platform: &str,
        share: u32,
        lifestyle: bool,
        groups: &[Group],
        skus: &[DemoSku],
        ids: &[SkuId],
        actor: &Actor,
    ) -> Result<()> {
        let ((ip, iw), (sp, sw)) = id_formats(platform);
        let mut items = IdSeq::new(rng, ip, iw);
        let mut sku_ids = IdSeq::new(rng, sp, sw);
        for g in groups {
            let listed = match (g.kind, lifestyle) {
                (GroupKind::Apparel, false) => rng.chance(share),
                (GroupKind::Accessory, false) => rng.chance(share),
                (GroupKind::Accessory | GroupKind::Consumable, true) => true,
                (GroupKind::Bundle, _) => {
                    let is_lifestyle = skus[g.skus[0]].input.category.as_deref() == Some("组合装")
                        && matches!(skus[g.skus[0]].code.as_str(), "ZH005" | "ZH006");
                    is_lifestyle == lifestyle && (lifestyle || rng.chance(share.max(30)))
                }
                _ => false,
            };
            if !listed {
                continue;
            }
            let item = items.take(rng);
            for &i in &g.skus {
                // Taobao items with one SKU have no SKU level.
                let platform_sku = if g.skus.len() == 1 && platform == "taobao" {
                    String::new()
                } else {
                    sku_ids.take(rng)
                };
                let title = if g.skus.len() == 1 {
                    g.title.clone()
                } else {
                    format!(
                        "{} [{} {}]",
                        g.title,
                        skus[i].input.color.as_deref().unwrap_or(""),
                        skus[i].input.size.as_deref().unwrap_or("")
                    )
                };
                self.create_listing(
                    &ListingInput {
                        shop_id: Some(shop.0),
                        platform_item_id: Some(item.clone()),
                        platform_sku_id: Some(platform_sku),
                        outer_code: Some(skus[i].code.clone()),
                        title: Some(title),
                        sku_id: Some(ids[i].0),
                        active: Some(true),
                    },
                    actor,
                )
                .await?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn demo_activity(
        &self,
        rng: &mut Rng,
        skus: &[DemoSku],
        ids: &[SkuId],
        whs: &[WarehousePlan],
        t: &mut Tracker,
        lots: &[Vec<LotPlan>],
        customers: &[&str],
        today: NaiveDate,
    ) -> Result<Vec<Document>> {
        let idx = |code: &str| {
            skus.iter()
                .position(|s| s.code == code)
                .ok_or_else(|| Error::Internal(format!("demo sku {code} missing")))
        };
        // Where a SKU lives in a warehouse: its first zone-A slot, or the first A location.
        let home = |t: &Tracker, i: usize, wi: usize| {
            t.on_hand
                .keys()
                .find(|s| s.0 == i && s.1 == wi && whs[wi].a_locs.contains(&s.2))
                .map(|s| s.2)
                .unwrap_or(whs[wi].a_locs[0])
        };
        let mut docs = Vec::new();

        // 采购入库: T-shirts restocked at a slightly higher cost.
        let mut lines = Vec::new();
        for code in [
            "TS001-BLK-M",
            "TS001-BLK-L",
            "TS001-BLK-XL",
            "TS001-WHT-M",
            "TS001-WHT-L",
            "TS001-WHT-XL",
        ] {
            let i = idx(code)?;
            let loc = home(t, i, 0);
            let qty = rng.range(40, 60);
            lines.push(LineInput {
                unit_cost: Some(skus[i].cost * 104 / 100),
                ..line(ids[i], loc, qty)
            });
            t.add((i, 0, loc, String::new()), qty);
        }
        docs.push(doc(
            DocumentKind::Receipt,
            whs[0].id,
            "CG-DEMO-0001",
            "采购入库 · 湖州织里锦程服饰有限公司",
            lines,
        )?);

        // Jeans into Guangzhou, a little cheaper than before.
        let mut lines = Vec::new();
        for code in [
            "JN001-DBL-30",
            "JN001-DBL-31",
            "JN001-DBL-32",
            "JN001-DBL-33",
        ] {
            let i = idx(code)?;
            let loc = home(t, i, 1);
            let qty = rng.range(20, 30);
            lines.push(LineInput {
                unit_cost: Some(skus[i].cost * 98 / 100),
                ..line(ids[i], loc, qty)
            });
            t.add((i, 1, loc, String::new()), qty);
        }
        docs.push(doc(
            DocumentKind::Receipt,
            whs[1].id,
            "CG-DEMO-0002",
            "采购入库 · 广州新塘丰源牛仔制衣厂",
            lines,
        )?);

        // Fresh lots of food.
        let mut lines = Vec::new();
        for code in ["FD001", "FD002"] {
            let i = idx(code)?;
            let shelf = skus[i].shelf_life_days.unwrap_or(365);
            let production = today - Duration::days(rng.range(1, 3));
            let lot = LotPlan {
                no: format!("{}03", production.format("%Y%m%d")),
                production,
                expiry: production + Duration::days(shelf),
            };
            if lots[i].iter().any(|l| l.no == lot.no) {
                continue;
            }
            let loc = home(t, i, 0);
            let qty = rng.range(60, 100);
            lines.push(lot_line(ids[i], loc, &lot, qty, skus[i].cost));
            t.expiry.insert((i, lot.no.clone()), lot.expiry);
            t.add((i, 0, loc, lot.no), qty);
        }
        if !lines.is_empty() {
            docs.push(doc(
                DocumentKind::Receipt,
                whs[0].id,
                "CG-DEMO-0003",
                "采购入库 · 杭州临安丰收坚果食品有限公司",
                lines,
            )?);
        }

        // 批发出库: wholesale orders from untracked stock with enough on hand.
        for (n, (wi, nlines)) in [(0usize, 5usize), (1, 4), (0, 3)].into_iter().enumerate() {
            let candidates: Vec<Slot> = t
                .on_hand
                .keys()
                .filter(|s| s.1 == wi && s.3.is_empty() && t.available(s) >= 10)
                .cloned()
                .collect();
            let mut lines = Vec::new();
            let mut used = Vec::new();
            for _ in 0..nlines {
                if candidates.is_empty() {
                    break;
                }
                let s = candidates[rng.below(candidates.len())].clone();
                if used.contains(&s) {
                    continue;
                }
                let qty = (t.available(&s) / 4).max(1);
                lines.push(line(ids[s.0], s.2, qty));
                t.add(s.clone(), -qty);
                used.push(s);
            }
            if lines.is_empty() {
                continue;
            }
            let customer = customers.get(n).copied().unwrap_or("散客");
            docs.push(doc(
                DocumentKind::Issue,
                whs[wi].id,
                &format!("PF-DEMO-{:04}", n + 1),
                &format!("批发出库 · {customer}"),
                lines,
            )?);
        }

        // 移库: replenish picking faces from bulk storage.
        let bulk: Vec<Slot> = t
            .on_hand
            .keys()
            .filter(|s| s.1 == 0 && whs[0].b_locs.contains(&s.2) && t.available(s) >= 10)
            .cloned()
            .collect();
        let mut lines = Vec::new();
        for s in bulk.iter().step_by((bulk.len() / 3).max(1)).take(3) {
            let to = home(t, s.0, 0);
            let qty = t.available(s) / 2;
            lines.push(LineInput {
                to_location_id: Some(to.0),
                ..line(ids[s.0], s.2, qty)
            });
            t.add(s.clone(), -qty);
            t.add((s.0, 0, to, String::new()), qty);
        }
        if !lines.is_empty() {
            docs.push(doc(
                DocumentKind::Relocation,
                whs[0].id,
                "YK-DEMO-0001",
                "补货：B区存储位 → A区拣货位",
                lines,
            )?);
        }

        // 盘点差异: one damaged, two found.
        let untracked: Vec<Slot> = t
            .on_hand
            .keys()
            .filter(|s| s.1 == 0 && s.3.is_empty() && t.available(s) >= 5)
            .cloned()
            .collect();
        if untracked.len() >= 2 {
            let lost = untracked[rng.below(untracked.len())].clone();
            let found = untracked
                .iter()
                .find(|s| s.0 != lost.0)
                .cloned()
                .unwrap_or_else(|| lost.clone());
            t.add(lost.clone(), -1);
            t.add(found.clone(), 2);
            docs.push(doc(
                DocumentKind::Adjustment,
                whs[0].id,
                "PD-DEMO-0001",
                "月度盘点差异：破损1件，盘盈2件",
                vec![
                    line(ids[lost.0], lost.2, -1),
                    line(ids[found.0], found.2, 2),
                ],
            )?);
        }
        Ok(docs)
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_orders(
        &self,
        rng: &mut Rng,
        skus: &[DemoSku],
        ids: &[SkuId],
        whs: &[WarehousePlan],
        t: &mut Tracker,
        lot_nos: &BTreeMap<LotId, String>,
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<()> {
        let index: BTreeMap<SkuId, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut reqs = Vec::new();
        let mut orders: Vec<(String, usize)> = Vec::new();
        // What earlier requests of this batch will take, per (sku, warehouse).
        let mut pending: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for n in 1..=16 {
            let wi = match n % 8 {
                0 | 5 | 7 => 1,
                3 => 2,
                _ => 0,
            };
            let order = format!("DEMO-SO-{n:04}");
            let candidates: Vec<usize> = (0..skus.len())
                .filter(|i| {
                    !skus[*i].is_bundle
                        && t.reservable(*i, wi, today)
                            - pending.get(&(*i, wi)).copied().unwrap_or(0)
                            >= 3
                })
                .collect();
            let lines = rng.range(1, 2);
            let mut picked = Vec::new();
            for _ in 0..lines {
                if candidates.is_empty() {
                    break;
                }
                let i = candidates[rng.below(candidates.len())];
                if picked.contains(&i) {
                    continue;
                }
                picked.push(i);
                let qty = rng.range(1, 2);
                *pending.entry((i, wi)).or_default() += qty;
                reqs.push(ReservationRequest {
                    request: ReserveRequest {
                        sku: ids[i],
                        warehouse: whs[wi].id,
                        qty,
                        location: None,
                        lot: None,
                    },
                    source_type: "order".into(),
                    source_ref: order.clone(),
                });
            }
            if !picked.is_empty() {
                orders.push((order, wi));
            }
        }
        let held: Vec<Reservation> = self.store.reserve(&reqs, actor).await?;
        let slot_of = |r: &Reservation| -> Result<Slot> {
            let i = *index
                .get(&r.sku_id)
                .ok_or_else(|| Error::Internal("reservation for an unknown demo sku".into()))?;
            let wi = whs
                .iter()
                .position(|w| w.id == r.warehouse_id)
                .ok_or_else(|| Error::Internal("reservation in an unknown warehouse".into()))?;
            let lot = if r.lot_id == LotId::NONE {
                String::new()
            } else {
                lot_nos
                    .get(&r.lot_id)
                    .cloned()
                    .ok_or_else(|| Error::Internal("reservation of an unknown lot".into()))?
            };
            Ok((i, wi, r.location_id, lot))
        };
        for r in &held {
            *t.reserved.entry(slot_of(r)?).or_default() += r.qty;
        }

        // The first orders ship (出库 consuming their reservations); the fifth is cancelled.
        let mut shipments = Vec::new();
        for (order, wi) in orders.iter().take(4) {
            let lines: Vec<LineInput> = held
                .iter()
                .filter(|r| &r.source_ref == order)
                .map(|r| {
                    let s = slot_of(r)?;
                    Ok(LineInput {
                        lot_no: (!s.3.is_empty()).then(|| s.3.clone()),
                        reservation_id: Some(r.id.0),
                        ..line(r.sku_id, r.location_id, r.qty)
                    })
                })
                .collect::<Result<_>>()?;
            if lines.is_empty() {
                continue;
            }
            shipments.push(doc(
                DocumentKind::Issue,
                whs[*wi].id,
                order,
                "订单发货 / order shipped",
                lines,
            )?);
        }
        self.store.post_documents(&shipments, actor).await?;
        if let Some((cancelled, _)) = orders.get(4) {
            let ids: Vec<_> = held
                .iter()
                .filter(|r| &r.source_ref == cancelled)
                .map(|r| r.id)
                .collect();
            self.store.release(&ids, actor).await?;
        }
        Ok(())
    }
}
