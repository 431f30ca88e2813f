//! 合单: which orders may ship as one. A common rule among order systems: the same shop,
//! buyer, receiver, phone and address ([`NewOrder::merge_key`]), all paid, none
//! cancelled, and none already in another merge group. The platform orders and their
//! lines stay as they are (they are written back one by one); only the shipment is shared.

use super::order::{NewOrder, OrderState};
use crate::ids::OrderId;

/// One order as the merge check sees it.
pub struct MergeCandidate<'a> {
    pub id: OrderId,
    pub order: &'a NewOrder,
    pub state: OrderState,
    pub group: Option<OrderId>,
}

/// Whether `orders` may be merged into one shipment group; the reason if not (Chinese,
/// then English).
pub fn can_merge(orders: &[MergeCandidate]) -> Result<(), String> {
    if orders.len() < 2 {
        return Err("合单至少需要两个订单 / merging needs at least two orders".into());
    }
    let key = orders[0].order.merge_key();
    for c in orders {
        let who = &c.order.platform_order_id;
        if c.state == OrderState::Cancelled {
            return Err(format!("订单 {who} 已取消 / order {who} is cancelled"));
        }
        if !c.order.is_paid() {
            return Err(format!("订单 {who} 未付款 / order {who} is not paid"));
        }
        if c.group.is_some_and(|g| orders.iter().all(|o| o.id != g)) {
            return Err(format!(
                "订单 {who} 已在另一个合单组 / order {who} is already merged elsewhere"
            ));
        }
        if c.order.merge_key() != key {
            return Err(format!(
                "订单 {who} 的店铺、买家或收货信息不同 / order {who} differs in shop, buyer or receiver"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::Receiver;

    fn order(pid: &str, buyer: &str) -> NewOrder {
        NewOrder {
            platform_order_id: pid.into(),
            buyer_nick: buyer.into(),
            receiver: Receiver {
                name: "张三".into(),
                mobile: "13312345678".into(),
                detail: "解放路1号".into(),
                ..Default::default()
            },
            paid_at: Some(1),
            ..Default::default()
        }
    }

    fn c<'a>(id: i64, o: &'a NewOrder) -> MergeCandidate<'a> {
        MergeCandidate {
            id: OrderId(id),
            order: o,
            state: OrderState::PendingReview,
            group: None,
        }
    }

    #[test]
    fn two_paid_orders_of_one_buyer_to_one_address_merge() {
        let (a, b) = (order("1", "tb1"), order("2", "tb1"));
        assert!(can_merge(&[c(1, &a), c(2, &b)]).is_ok());
    }

    #[test]
    fn another_buyer_an_unpaid_or_cancelled_order_or_a_single_order_do_not() {
        let (a, b) = (order("1", "tb1"), order("2", "tb2"));
        assert!(
            can_merge(&[c(1, &a), c(2, &b)])
                .unwrap_err()
                .contains("order 2")
        );
        let mut u = order("3", "tb1");
        u.paid_at = None;
        assert!(
            can_merge(&[c(1, &a), c(3, &u)])
                .unwrap_err()
                .contains("not paid")
        );
        let x = order("4", "tb1");
        let mut cx = c(4, &x);
        cx.state = OrderState::Cancelled;
        assert!(
            can_merge(&[c(1, &a), cx])
                .unwrap_err()
                .contains("cancelled")
        );
        assert!(can_merge(&[c(1, &a)]).is_err());
    }

    #[test]
    fn an_order_in_another_group_does_not_merge_but_its_own_group_can_grow() {
        let (a, b, d) = (order("1", "tb1"), order("2", "tb1"), order("3", "tb1"));
        let mut cb = c(2, &b);
        cb.group = Some(OrderId(9));
        assert!(
            can_merge(&[c(1, &a), cb])
                .unwrap_err()
                .contains("elsewhere")
        );
        let mut ca = c(1, &a);
        ca.group = Some(OrderId(1));
        let mut cb = c(2, &b);
        cb.group = Some(OrderId(1));
        assert!(can_merge(&[ca, cb, c(3, &d)]).is_ok());
    }
}
