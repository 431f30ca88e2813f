//! The demo catalogue: apparel styles in colour × size, accessories, lot-tracked food and cosmetics, bundles.

use super::*;

pub(super) type Color = (&'static str, &'static str);

pub(super) const BLK: Color = ("BLK", "黑色");
pub(super) const WHT: Color = ("WHT", "白色");
pub(super) const NVY: Color = ("NVY", "藏青");
pub(super) const GRY: Color = ("GRY", "灰色");
pub(super) const CRM: Color = ("CRM", "米白");
pub(super) const OLV: Color = ("OLV", "军绿");
pub(super) const KHK: Color = ("KHK", "卡其");
pub(super) const WIN: Color = ("WIN", "酒红");
pub(super) const PNK: Color = ("PNK", "粉色");
pub(super) const LBL: Color = ("LBL", "浅蓝");
pub(super) const DBL: Color = ("DBL", "深蓝");
pub(super) const BRN: Color = ("BRN", "棕色");
pub(super) const SGR: Color = ("SGR", "烟灰");
pub(super) const BLF: Color = ("BLF", "蓝色碎花");
pub(super) const YLF: Color = ("YLF", "黄色碎花");

pub(super) const SIZES5: &[&str] = &["S", "M", "L", "XL", "XXL"];
pub(super) const SIZES4: &[&str] = &["S", "M", "L", "XL"];
pub(super) const WAIST: &[&str] = &["28", "29", "30", "31", "32", "33", "34"];
pub(super) const ONE_SIZE: &[&str] = &["均码"];

/// How many of each size a merchant stocks, in tenths of the base quantity.
pub(super) fn size_weight(sizes: &[&str], i: usize) -> i64 {
    let w: &[i64] = match sizes.len() {
        7 => &[4, 6, 10, 12, 10, 6, 4],
        5 => &[6, 10, 12, 8, 4],
        4 => &[6, 10, 10, 6],
        _ => &[10],
    };
    w.get(i).copied().unwrap_or(10)
}

pub(super) const BRAND: &str = "简初";

/// A style (款) sold in colours × sizes.
pub(super) struct Style {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) category: &'static str,
    pub(super) unit: &'static str,
    pub(super) price: i64,
    pub(super) weight_g: i64,
    pub(super) volume_cm3: i64,
    pub(super) material: &'static str,
    pub(super) season: &'static str,
    pub(super) colors: &'static [Color],
    pub(super) sizes: &'static [&'static str],
    /// Words a platform title adds.
    pub(super) keywords: &'static str,
}

pub(super) const STYLES: &[Style] = &[
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
pub(super) struct Consumable {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) category: &'static str,
    pub(super) unit: &'static str,
    pub(super) price: i64,
    pub(super) weight_g: i64,
    pub(super) shelf_life_days: i64,
}

pub(super) const CONSUMABLES: &[Consumable] = &[
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
pub(super) type BundleSpec = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [(&'static str, i64)],
);

pub(super) const BUNDLES: &[BundleSpec] = &[
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
pub(super) struct DemoSku {
    pub(super) input: SkuInput,
    pub(super) code: String,
    pub(super) cost: i64,
    /// Size weight in tenths (10 = the base quantity).
    pub(super) size_weight: i64,
    pub(super) shelf_life_days: Option<i64>,
    pub(super) is_bundle: bool,
}

/// A platform item: one style, one consumable or one bundle, with its SKUs.
pub(super) struct Group {
    pub(super) title: String,
    pub(super) kind: GroupKind,
    pub(super) skus: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum GroupKind {
    Apparel,
    Accessory,
    Consumable,
    Bundle,
}

pub(super) fn build_catalog(rng: &mut Rng) -> (Vec<DemoSku>, Vec<Group>) {
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
