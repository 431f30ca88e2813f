//! Warehouses with their locations, suppliers, customers, shops and their platform ids.

use super::*;

pub(super) struct WarehouseSpec {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) kind: &'static str,
    pub(super) province: &'static str,
    pub(super) city: &'static str,
    pub(super) district: &'static str,
    pub(super) address: &'static str,
    pub(super) priority: i64,
    pub(super) daily_capacity: i64,
    /// Aisles in zone A (picking: 4 racks × 3 levels each) and zone B (bulk: 3 × 2).
    pub(super) a_aisles: i64,
    pub(super) b_aisles: i64,
    /// Share of SKUs stocked here, percent; and quantity factor, percent.
    pub(super) stocked_pct: u32,
    pub(super) qty_pct: i64,
}

pub(super) const WAREHOUSES: &[WarehouseSpec] = &[
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

pub(super) struct WarehousePlan {
    pub(super) id: WarehouseId,
    pub(super) a_locs: Vec<LocationId>,
    pub(super) b_locs: Vec<LocationId>,
}

/// Locations `Z-AA-RR-LL` with a serpentine pick sequence: up aisle 1, down aisle 2, …
/// zone A (picking faces) first, then zone B (bulk storage).
pub(super) fn location_codes(a_aisles: i64, b_aisles: i64) -> Vec<(String, &'static str, i64)> {
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
pub(super) type PartnerSpec = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static str,
);

pub(super) const SUPPLIERS: &[PartnerSpec] = &[
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

pub(super) const CUSTOMERS: &[PartnerSpec] = &[
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
pub(super) const SHOPS: &[(&str, &str, &str, u32, bool)] = &[
    ("TB01", "简初服饰淘宝店", "taobao", 100, false),
    ("JD01", "简初京东旗舰店", "jd", 60, false),
    ("PDD01", "简初拼多多旗舰店", "pdd", 45, false),
    ("DY01", "简初抖音官方旗舰店", "douyin", 35, false),
    ("TB02", "简初生活馆", "taobao", 0, true),
];

pub(super) fn credentials(rng: &mut Rng, platform: &str) -> serde_json::Value {
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
pub(super) struct IdSeq {
    pub(super) prefix: &'static str,
    pub(super) width: usize,
    pub(super) next: u64,
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

pub(super) fn id_formats(platform: &str) -> ((&'static str, usize), (&'static str, usize)) {
    match platform {
        "taobao" => (("6", 12), ("5", 13)),
        "jd" => (("10", 12), ("10", 13)),
        "pdd" => (("5", 12), ("1", 12)),
        _ => (("35", 19), ("17", 16)),
    }
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn demo_listings(
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
}
