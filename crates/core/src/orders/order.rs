//! The order: what a platform (or a person) sends, our state machine, holds and events.
//!
//! A platform order keeps the platform's own figures (amounts, statuses, line ids) so it
//! can be written back; our state (`OrderState`) and holds are ours. Every state change
//! and every hold set or released is an [`OrderEvent`].

use serde::{Deserialize, Serialize};

use crate::ids::{ShopId, SkuId};
use crate::money::Fen;

/// Our state of an order (not the platform's). Later issues add 已分配 → 拣货中 → 已发货 →
/// 已签收; a hold can sit on any state before shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 待审核
    PendingReview,
    /// 已审核
    Approved,
    /// 已取消
    Cancelled,
}

impl OrderState {
    pub const ALL: [OrderState; 3] = [
        OrderState::PendingReview,
        OrderState::Approved,
        OrderState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::PendingReview => "pending_review",
            OrderState::Approved => "approved",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderState> {
        OrderState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrderState::PendingReview => "待审核",
            OrderState::Approved => "已审核",
            OrderState::Cancelled => "已取消",
        }
    }
}

/// Why an order waits for a person (异常). Each detector sets its own reason; a person
/// releases a hold with a note, or it clears itself when what caused it is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// 地址不全
    AddressIncomplete,
    /// 地址不一致 (e.g. 杭州市 under 江苏省)
    AddressInconsistent,
    /// 手机号无效 (masked or encrypted values are not invalid)
    InvalidMobile,
    /// 平台商品未匹配
    UnmappedSku,
    /// 库存不足 (informational until allocation exists)
    InsufficientStock,
    /// 未付款 / 付款失败
    NotPaid,
    /// 重复订单 (the same shop + platform id from another feed)
    Duplicate,
    /// 可合并 (same shop, buyer, receiver, phone and address, unshipped)
    MergeCandidate,
    /// 金额不符 (Σ lines ≠ paid − shipping)
    AmountMismatch,
    /// 买家留言待阅
    BuyerMessage,
    /// 平台变更 (a refund, an address edit or a cancel arrived after intake)
    PlatformChange,
    /// 人工挂起 (by a person or a review rule)
    Manual,
}

impl HoldReason {
    pub const ALL: [HoldReason; 12] = [
        HoldReason::AddressIncomplete,
        HoldReason::AddressInconsistent,
        HoldReason::InvalidMobile,
        HoldReason::UnmappedSku,
        HoldReason::InsufficientStock,
        HoldReason::NotPaid,
        HoldReason::Duplicate,
        HoldReason::MergeCandidate,
        HoldReason::AmountMismatch,
        HoldReason::BuyerMessage,
        HoldReason::PlatformChange,
        HoldReason::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::AddressIncomplete => "address_incomplete",
            HoldReason::AddressInconsistent => "address_inconsistent",
            HoldReason::InvalidMobile => "invalid_mobile",
            HoldReason::UnmappedSku => "unmapped_sku",
            HoldReason::InsufficientStock => "insufficient_stock",
            HoldReason::NotPaid => "not_paid",
            HoldReason::Duplicate => "duplicate",
            HoldReason::MergeCandidate => "merge_candidate",
            HoldReason::AmountMismatch => "amount_mismatch",
            HoldReason::BuyerMessage => "buyer_message",
            HoldReason::PlatformChange => "platform_change",
            HoldReason::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<HoldReason> {
        HoldReason::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            HoldReason::AddressIncomplete => "地址不全",
            HoldReason::AddressInconsistent => "地址不一致",
            HoldReason::InvalidMobile => "手机号无效",
            HoldReason::UnmappedSku => "商品未匹配",
            HoldReason::InsufficientStock => "库存不足",
            HoldReason::NotPaid => "未付款",
            HoldReason::Duplicate => "重复订单",
            HoldReason::MergeCandidate => "可合并",
            HoldReason::AmountMismatch => "金额不符",
            HoldReason::BuyerMessage => "买家留言",
            HoldReason::PlatformChange => "平台变更",
            HoldReason::Manual => "人工挂起",
        }
    }

    /// Whether the hold clears itself when a new import (or an edit) no longer finds its
    /// cause. The others wait for a person.
    pub fn auto_clears(self) -> bool {
        matches!(
            self,
            HoldReason::AddressIncomplete
                | HoldReason::AddressInconsistent
                | HoldReason::InvalidMobile
                | HoldReason::UnmappedSku
                | HoldReason::InsufficientStock
                | HoldReason::NotPaid
                | HoldReason::AmountMismatch
        )
    }

    /// Whether the hold only informs (the order may still be approved with it).
    pub fn informational(self) -> bool {
        matches!(
            self,
            HoldReason::InsufficientStock | HoldReason::MergeCandidate
        )
    }
}

/// 收货人.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receiver {
    pub name: String,
    pub mobile: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub town: String,
    pub detail: String,
    pub zip: String,
}

impl Receiver {
    /// For platforms without a county field (Shopify, WooCommerce): when `district` is
    /// empty and the address line starts with a county of the city, moves it there
    /// (see [`crate::orders::address::split_district`]).
    pub fn with_district_from_detail(mut self) -> Receiver {
        if self.district.trim().is_empty()
            && let Some((district, rest)) =
                super::address::split_district(&self.province, &self.city, &self.detail)
        {
            self.district = district;
            self.detail = rest;
        }
        self
    }
}

/// 旗帜: the seller's flag colour on the platform (Taobao: 1 red … 5 purple).
pub type SellerFlag = i64;

/// One line of an order as the platform sent it, with our mapping to a SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// The platform's line id (Taobao `oid`); empty for manual orders.
    pub platform_line_id: String,
    pub platform_item_id: String,
    pub platform_sku_id: String,
    /// 商家编码 as the platform has it (outer_sku_id / outer_iid).
    pub outer_code: String,
    pub title: String,
    /// 规格, e.g. `颜色:黑色;尺码:L`.
    pub spec: String,
    pub qty: i64,
    pub unit_price: Fen,
    /// The line's own discounts (单品优惠) and adjustments, as a total.
    pub line_discount: Fen,
    /// The line's share of order-level discounts.
    pub order_discount_share: Fen,
    /// The line's share of shipping.
    pub shipping_share: Fen,
    /// What the buyer paid for the line (Taobao `divide_order_fee` / `payment`).
    pub paid: Fen,
    /// The platform's refund status of the line (e.g. `NO_REFUND`, `SUCCESS`), as sent.
    pub refund_status: String,
    /// The SKU (or bundle) the listing maps the line to; `None` = unmapped.
    pub sku_id: Option<SkuId>,
}

/// An order as it arrives (from a file, an API or a person): everything but our state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOrder {
    pub shop_id: ShopId,
    /// Unique per shop.
    pub platform_order_id: String,
    /// The platform's status text, as sent (e.g. `WAIT_SELLER_SEND_GOODS`, `交易成功`).
    pub platform_status: String,
    pub buyer_nick: String,
    pub buyer_id: String,
    pub receiver: Receiver,
    /// 买家留言
    pub buyer_message: String,
    /// 卖家备注
    pub seller_memo: String,
    pub seller_flag: SellerFlag,
    /// Unix milliseconds.
    pub created_at: i64,
    pub paid_at: Option<i64>,
    pub currency: String,
    /// Σ unit price × qty.
    pub goods_amount: Fen,
    pub shipping_fee: Fen,
    /// Order-level discounts the merchant funded.
    pub discount_merchant: Fen,
    /// Order-level discounts the platform funded.
    pub discount_platform: Fen,
    /// 积分抵扣, in 分.
    pub points_value: Fen,
    /// What the buyer paid in all.
    pub paid_amount: Fen,
    pub lines: Vec<OrderLine>,
}

impl NewOrder {
    /// The merge key (合单): same shop, buyer, receiver, phone and address.
    pub fn merge_key(&self) -> String {
        let r = &self.receiver;
        [
            self.shop_id.0.to_string(),
            self.buyer_nick.trim().to_string(),
            r.name.trim().to_string(),
            r.mobile.trim().to_string(),
            r.province.trim().to_string(),
            r.city.trim().to_string(),
            r.district.trim().to_string(),
            r.detail.split_whitespace().collect::<String>(),
        ]
        .join("\u{1f}")
    }

    /// Whether the platform's figures add up: Σ lines paid = paid − shipping.
    /// (The pricing module's check, in i128, so huge amounts from a file cannot overflow.)
    pub fn amounts_add_up(&self) -> bool {
        let lines: Vec<Fen> = self.lines.iter().map(|l| l.paid).collect();
        super::pricing::check_platform_amounts(&lines, self.shipping_fee, self.paid_amount).is_ok()
    }

    /// Whether the order has been paid for.
    pub fn is_paid(&self) -> bool {
        self.paid_at.is_some()
    }
}

/// What changed when the platform sent an order again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    Status {
        from: String,
        to: String,
    },
    Paid,
    Refund {
        line: usize,
        from: String,
        to: String,
    },
    Address,
    Memo,
    Amounts,
    Lines,
}

impl Change {
    /// Whether a person must look at the order again (平台变更): a refund, an address
    /// edit, lines or amounts that changed, or a close.
    pub fn holds(&self) -> bool {
        match self {
            Change::Refund { .. } | Change::Address | Change::Lines | Change::Amounts => true,
            Change::Status { from, to } => {
                is_closed_status(to) || is_locked_status(to) || is_locked_status(from)
            }
            Change::Paid | Change::Memo => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Change::Status { from, to } => format!("平台状态 {from} → {to} / platform status"),
            Change::Paid => "已付款 / paid".into(),
            Change::Refund { line, from, to } => {
                format!(
                    "第 {} 行退款 {from} → {to} / refund on line {}",
                    line + 1,
                    line + 1
                )
            }
            Change::Address => "收货地址已改 / address changed".into(),
            Change::Memo => "备注或旗帜已改 / memo or flag changed".into(),
            Change::Amounts => "金额已改 / amounts changed".into(),
            Change::Lines => "商品行已改 / lines changed".into(),
        }
    }
}

/// Platform statuses (as stored) that mean the order was closed, cancelled or wholly
/// refunded: Taobao (`TRADE_CLOSED…`, 交易关闭), JD (`TRADE_CANCELED`), Douyin and manual
/// (已取消), WooCommerce (`cancelled`, `refunded`, `failed`, `trash`), Shopify (`voided`,
/// `refunded`, `cancelled`). The channel adapters' status tables are tested against it.
pub fn is_closed_status(s: &str) -> bool {
    matches!(
        s,
        "TRADE_CLOSED"
            | "TRADE_CLOSED_BY_TAOBAO"
            | "TRADE_CANCELED"
            | "交易关闭"
            | "已取消"
            | "已关闭"
            | "cancelled"
            | "CANCELLED"
            | "refunded"
            | "voided"
            | "failed"
            | "trash"
    )
}

/// Platform statuses that mean the platform locked or paused the order, as JD does
/// while an after-sale request is open (`LOCKED`, `PAUSE`, `POP_ORDER_PAUSE`): JD
/// carries no refund status per line, so entering or leaving the lock is the refund
/// signal, and a person must look at the order either way.
pub fn is_locked_status(s: &str) -> bool {
    matches!(s, "LOCKED" | "PAUSE" | "POP_ORDER_PAUSE")
}

/// The differences between the order as stored and as the platform sends it now.
pub fn changes(old: &NewOrder, new: &NewOrder) -> Vec<Change> {
    let mut out = Vec::new();
    if old.platform_status != new.platform_status {
        out.push(Change::Status {
            from: old.platform_status.clone(),
            to: new.platform_status.clone(),
        });
    }
    if old.paid_at.is_none() && new.paid_at.is_some() {
        out.push(Change::Paid);
    }
    if old.receiver != new.receiver {
        out.push(Change::Address);
    }
    if old.seller_memo != new.seller_memo
        || old.seller_flag != new.seller_flag
        || old.buyer_message != new.buyer_message
    {
        out.push(Change::Memo);
    }
    let same_lines = old.lines.len() == new.lines.len()
        && old.lines.iter().zip(&new.lines).all(|(a, b)| {
            (
                a.platform_line_id.as_str(),
                a.platform_sku_id.as_str(),
                a.qty,
                a.unit_price,
            ) == (
                b.platform_line_id.as_str(),
                b.platform_sku_id.as_str(),
                b.qty,
                b.unit_price,
            )
        });
    if !same_lines {
        out.push(Change::Lines);
    } else {
        for (i, (a, b)) in old.lines.iter().zip(&new.lines).enumerate() {
            if a.refund_status != b.refund_status {
                out.push(Change::Refund {
                    line: i,
                    from: a.refund_status.clone(),
                    to: b.refund_status.clone(),
                });
            }
        }
    }
    let amounts = |o: &NewOrder| {
        (
            o.goods_amount,
            o.shipping_fee,
            o.discount_merchant,
            o.discount_platform,
            o.points_value,
            o.paid_amount,
        )
    };
    if amounts(old) != amounts(new) {
        out.push(Change::Amounts);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(lines: &[i64], shipping: i64, paid: i64) -> NewOrder {
        NewOrder {
            shipping_fee: Fen(shipping),
            paid_amount: Fen(paid),
            lines: lines
                .iter()
                .map(|p| OrderLine {
                    paid: Fen(*p),
                    qty: 1,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn platform_amounts_add_up_when_lines_equal_paid_less_shipping() {
        assert!(order(&[8620, 4000], 1000, 13620).amounts_add_up());
        assert!(!order(&[8620, 4000], 1000, 13600).amounts_add_up());
    }

    #[test]
    fn the_merge_key_ignores_spaces_in_the_street_address() {
        let mut a = order(&[100], 0, 100);
        a.buyer_nick = "tb123".into();
        a.receiver.detail = "解放路 1 号".into();
        let mut b = a.clone();
        b.receiver.detail = "解放路1号".into();
        assert_eq!(a.merge_key(), b.merge_key());
        b.receiver.mobile = "13312345678".into();
        assert_ne!(a.merge_key(), b.merge_key());
    }

    #[test]
    fn a_replay_changes_nothing_and_a_refund_or_address_edit_asks_for_a_person() {
        let mut a = order(&[8620], 0, 8620);
        a.platform_status = "WAIT_SELLER_SEND_GOODS".into();
        a.lines[0].refund_status = "NO_REFUND".into();
        assert!(changes(&a, &a.clone()).is_empty());
        let mut b = a.clone();
        b.lines[0].refund_status = "WAIT_SELLER_AGREE".into();
        let c = changes(&a, &b);
        assert_eq!(c.len(), 1);
        assert!(c[0].holds());
        let mut d = a.clone();
        d.receiver.detail = "新地址 2 号".into();
        d.seller_memo = "加急".into();
        let c = changes(&a, &d);
        assert_eq!(c, vec![Change::Address, Change::Memo]);
        assert!(c[0].holds() && !c[1].holds());
        let mut e = a.clone();
        e.platform_status = "TRADE_CLOSED".into();
        assert!(changes(&a, &e)[0].holds());
    }

    #[test]
    fn a_jd_order_locked_for_an_after_sale_request_asks_for_a_person_and_so_does_its_release() {
        let status = |from: &str, to: &str| Change::Status {
            from: from.into(),
            to: to.into(),
        };
        assert!(status("WAIT_SELLER_STOCK_OUT", "LOCKED").holds());
        assert!(status("LOCKED", "WAIT_SELLER_STOCK_OUT").holds());
        assert!(!status("WAIT_SELLER_STOCK_OUT", "WAIT_GOODS_RECEIVE_CONFIRM").holds());
    }

    #[test]
    fn reasons_and_states_read_back_from_their_codes() {
        for r in HoldReason::ALL {
            assert_eq!(HoldReason::parse(r.as_str()), Some(r));
        }
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(s));
        }
    }
}
