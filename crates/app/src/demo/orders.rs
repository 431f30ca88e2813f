//! The demo's order queue: platform orders for each shop, built from its listings and
//! taken in through the same intake as a file, so the 订单 and 异常 pages show what a
//! merchant's morning looks like: mostly clean orders, and a few with a missing district,
//! an address in the wrong province, an invalid mobile, a buyer message, an unpaid order,
//! a platform total that does not add up, and buyers who ordered twice (合单候选).

use std::collections::HashMap;

use jxc_core::ids::ShopId;
use jxc_core::money::{Fen, split_largest_remainder};
use jxc_core::orders::address::{Division, provinces};
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use jxc_core::paging::{MAX_LIMIT, PageRequest};
use jxc_store::ListFilter;

use super::*;

pub(super) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
];
pub(super) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀英",
    "丽",
];
pub(super) const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文化路",
    "新华路",
    "和平路",
    "长江路",
];
const MESSAGES: &[&str] = &[
    "请发顺丰，谢谢",
    "周末不在家，工作日送",
    "送朋友的，不要放价格单",
    "尺码偏小吗？帮我换大一码",
];

/// Orders per shop, by its share of the merchant's sales.
fn orders_for(share: u32) -> usize {
    (share as usize * 40 / 100).max(4)
}

/// A random district (with its city and province) from the GB/T 2260 table.
pub(super) fn place(rng: &mut Rng) -> (String, String, String) {
    let ps: Vec<Division> = provinces()
        .iter()
        .copied()
        .filter(|p| !p.children().is_empty())
        .collect();
    let p = ps[rng.below(ps.len())];
    let cities = p.children();
    let c = cities[rng.below(cities.len())];
    let ds = c.children();
    let d = if ds.is_empty() {
        c
    } else {
        ds[rng.below(ds.len())]
    };
    let city = if p.is_municipality() || c.is_grouping() {
        p.name.to_string()
    } else {
        c.name.to_string()
    };
    (p.name.to_string(), city, d.name.to_string())
}

impl App {
    pub(super) async fn demo_order_queue(
        &self,
        rng: &mut Rng,
        shop: ShopId,
        platform: &str,
        share: u32,
        now_ms: i64,
        actor: &Actor,
    ) -> Result<()> {
        let filter = ListFilter {
            parent_id: Some(shop.0),
            ..Default::default()
        };
        let listings = self
            .store
            .list_listings(&filter, &PageRequest::new(Some(MAX_LIMIT), None, false)?)
            .await?
            .items;
        if listings.is_empty() {
            return Ok(());
        }
        let mut prices = HashMap::new();
        for l in &listings {
            if let Some(s) = self.store.get_sku(l.fields.sku_id).await? {
                prices.insert(l.fields.sku_id, s.fields.list_price);
            }
        }
        let ((prefix, len), _) = id_formats(platform);
        let mut orders = Vec::new();
        let mut last: Option<NewOrder> = None;
        for i in 0..orders_for(share) {
            let created = now_ms - rng.range(10, 36 * 60) * 60_000;
            let (province, city, district) = place(rng);
            let mut receiver = Receiver {
                name: format!(
                    "{}{}",
                    SURNAMES[rng.below(SURNAMES.len())],
                    GIVEN[rng.below(GIVEN.len())]
                ),
                mobile: format!(
                    "1{}{}",
                    ["38", "39", "58", "86", "77", "33"][rng.below(6)],
                    rng.digits(8)
                ),
                province,
                city,
                district,
                detail: format!(
                    "{}{}号",
                    STREETS[rng.below(STREETS.len())],
                    rng.range(1, 399)
                ),
                ..Default::default()
            };
            let roll = rng.below(100);
            match roll {
                0..=3 => receiver.district.clear(),
                4..=5 => {
                    receiver.province = if receiver.province == "江苏省" {
                        "浙江省"
                    } else {
                        "江苏省"
                    }
                    .into()
                }
                6..=8 => receiver.mobile = "1234567890".into(),
                9..=12 => receiver.mobile = format!("1{}****{}", rng.digits(2), rng.digits(4)),
                _ => {}
            }
            let n = rng.range(1, 3) as usize;
            let mut lines = Vec::new();
            for _ in 0..n {
                let l = &listings[rng.below(listings.len())];
                let price = prices.get(&l.fields.sku_id).copied().unwrap_or(Fen(9900));
                let qty = rng.range(1, 2);
                lines.push(OrderLine {
                    platform_line_id: format!("{}{}", prefix, rng.digits(len)),
                    platform_item_id: l.fields.platform_item_id.clone(),
                    platform_sku_id: l.fields.platform_sku_id.clone(),
                    outer_code: l.fields.outer_code.clone(),
                    title: l.fields.title.clone(),
                    qty,
                    unit_price: price,
                    refund_status: "NO_REFUND".into(),
                    ..Default::default()
                });
            }
            let goods: i64 = lines.iter().map(|l| l.unit_price.0 * l.qty).sum();
            // A 满减 of 20 off 199, split over the lines by largest remainder.
            let off = if goods >= 19900 { 2000 } else { 0 };
            let weights: Vec<i64> = lines.iter().map(|l| l.unit_price.0 * l.qty).collect();
            let shares = split_largest_remainder(off, &weights);
            for (l, s) in lines.iter_mut().zip(shares) {
                l.order_discount_share = Fen(s);
                l.paid = Fen(l.unit_price.0 * l.qty - s);
            }
            let shipping = if goods >= 9900 { 0 } else { 800 };
            let mut o = NewOrder {
                shop_id: shop,
                platform_order_id: format!("{}{}", prefix, rng.digits(len)),
                platform_status: "WAIT_SELLER_SEND_GOODS".into(),
                buyer_nick: format!(
                    "{}{}",
                    ["tb", "jd_", "pdd", "dy"][rng.below(4)],
                    rng.digits(6)
                ),
                receiver,
                buyer_message: if (13..=20).contains(&roll) {
                    MESSAGES[rng.below(MESSAGES.len())].into()
                } else {
                    String::new()
                },
                created_at: created,
                paid_at: if (21..=23).contains(&roll) {
                    None
                } else {
                    Some(created + 60_000)
                },
                currency: "CNY".into(),
                goods_amount: Fen(goods),
                shipping_fee: Fen(shipping),
                discount_merchant: Fen(off),
                paid_amount: Fen(goods - off + shipping),
                lines,
                ..Default::default()
            };
            if roll == 24 {
                // The platform's total is one yuan off its lines.
                o.paid_amount = Fen(o.paid_amount.0 + 100);
            }
            if o.paid_at.is_none() {
                o.platform_status = "WAIT_BUYER_PAY".into();
            }
            // Now and then the same buyer orders again before shipping: 合单候选.
            if let (Some(prev), true) = (&last, roll >= 90 && i > 0) {
                o.buyer_nick = prev.buyer_nick.clone();
                o.receiver = prev.receiver.clone();
            }
            last = Some(o.clone());
            orders.push((i + 1, o));
        }
        self.intake(shop, orders, actor).await?;
        Ok(())
    }
}
