//! 手工订单: an order a person enters (a phone order, a wholesale buyer, a replacement).
//! jxc prices it with the core's pricing (line discounts, 满减, coupons, points,
//! shipping), splits every amount over the lines to the fen, and takes it in through the
//! same intake as a file, so the detectors and review rules run on it too.

use chrono::Utc;
use jxc_core::ids::{OrderId, ShopId};
use jxc_core::money::Fen;
use jxc_core::orders::pricing::{Funder, PricedOrder, PricingInput, PricingLineInput, price};
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use jxc_core::users::User;
use serde::{Deserialize, Serialize};

use crate::partners::require_shop;
use crate::{Actor, App, Error, Result};

/// One line as a person types it: a 商家编码 and a quantity; the price is the SKU's list
/// price unless given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ManualLine {
    pub code: String,
    pub qty: i64,
    /// 分; the SKU's list price when absent.
    pub unit_price: Option<i64>,
    /// 分, for the whole line.
    pub line_discount: i64,
}

/// A manual order: who, where to, what, and the promotions that apply.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ManualOrderInput {
    pub shop_id: i64,
    pub buyer_nick: String,
    pub receiver: Receiver,
    pub buyer_message: String,
    pub lines: Vec<ManualLine>,
    /// 满减, coupons, an order percentage, points and shipping (its `lines` are ignored:
    /// they come from `lines` above).
    pub pricing: PricingInput,
}

/// A priced manual order, line by line, with the SKU names.
#[derive(Debug, Clone)]
pub struct ManualPrice {
    pub priced: PricedOrder,
    pub titles: Vec<String>,
    pub sku_ids: Vec<jxc_core::ids::SkuId>,
}

impl App {
    /// Prices a manual order (nothing is saved): every bad line is reported by its field.
    pub async fn price_manual(&self, m: &ManualOrderInput) -> Result<ManualPrice> {
        let mut errors = jxc_core::error::Errors::default();
        let mut lines = Vec::new();
        let mut titles = Vec::new();
        let mut sku_ids = Vec::new();
        for (i, l) in m.lines.iter().enumerate() {
            let code = l.code.trim();
            match self.store.get_sku_by_code(code).await? {
                Some(s) if s.fields.active => {
                    lines.push(PricingLineInput {
                        unit_price: l.unit_price.unwrap_or(s.fields.list_price.0),
                        qty: l.qty,
                        line_discount: l.line_discount,
                        weight_g: Some(s.fields.weight_g),
                        ..Default::default()
                    });
                    titles.push(s.fields.name.clone());
                    sku_ids.push(s.id);
                }
                _ => errors.push(
                    format!("lines[{i}].code"),
                    format!("商家编码 “{code}” 不存在或已停用 / no active SKU {code}"),
                ),
            }
        }
        if m.lines.is_empty() {
            errors.push("lines", "至少一行商品 / at least one line");
        }
        errors.into_result()?;
        let mut input = m.pricing.clone();
        input.lines = lines;
        if let Some(s) = &mut input.shipping {
            if s.province.is_empty() {
                s.province = m.receiver.province.clone();
            }
        }
        let priced = price(&input)?;
        Ok(ManualPrice {
            priced,
            titles,
            sku_ids,
        })
    }

    /// Creates a manual order for a shop the user may see: priced, checked by the
    /// detectors and the review rules, 待审核 (or approved by a rule).
    pub async fn create_manual_order(
        &self,
        user: &User,
        m: &ManualOrderInput,
        actor: &Actor,
    ) -> Result<OrderId> {
        let shop = ShopId(m.shop_id);
        require_shop(user, shop)?;
        if self.store.get_shop(shop).await?.is_none() {
            return Err(Error::invalid("shop_id", "请选择店铺 / choose a shop"));
        }
        let p = self.price_manual(m).await?;
        let now = Utc::now();
        let suffix = crate::auth::random_hex(2)?;
        let platform_order_id = format!("M{}{}", now.format("%Y%m%d%H%M%S"), suffix.to_uppercase());
        let pr = &p.priced;
        let funded = |f: Funder| {
            Fen(pr
                .discounts
                .iter()
                .filter(|d| d.funder == f)
                .map(|d| d.amount.0)
                .sum())
        };
        let lines = pr
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| OrderLine {
                outer_code: m.lines[i].code.trim().to_string(),
                title: p.titles[i].clone(),
                qty: l.qty,
                unit_price: l.unit_price,
                line_discount: l.line_discount,
                order_discount_share: Fen(l.discount_shares().0 + l.points_share.0),
                shipping_share: l.shipping_share,
                paid: l.paid,
                sku_id: Some(p.sku_ids[i]),
                ..Default::default()
            })
            .collect();
        let order = NewOrder {
            shop_id: shop,
            platform_order_id,
            platform_status: "手工订单".into(),
            buyer_nick: m.buyer_nick.trim().to_string(),
            receiver: m.receiver.clone(),
            buyer_message: m.buyer_message.clone(),
            created_at: now.timestamp_millis(),
            paid_at: Some(now.timestamp_millis()),
            currency: "CNY".into(),
            goods_amount: pr.goods,
            shipping_fee: pr.shipping,
            discount_merchant: funded(Funder::Merchant),
            discount_platform: funded(Funder::Platform),
            points_value: pr.points_value,
            paid_amount: pr.paid,
            lines,
            ..Default::default()
        };
        let report = self.intake(shop, vec![(1, order)], actor).await?;
        report
            .order_ids
            .first()
            .copied()
            .ok_or_else(|| Error::Internal("the manual order was not created".into()))
    }
}
