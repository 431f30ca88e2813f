//! What a platform's order status means to us. Each adapter has one table from the
//! platform's status (as sent) to a [`PlatformState`] and the text we store as the
//! order's `platform_status`; nothing else in the adapter decides by status.

/// The platform's side of an order, in our words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlatformState {
    /// 待付款: created, not paid.
    Unpaid,
    /// 待发货: paid, waiting for us to ship.
    AwaitingShipment,
    /// 部分发货
    PartShipped,
    /// 已发货
    Shipped,
    /// 已完成 / 已签收
    Completed,
    /// 已关闭 / 已取消 / 全额退款
    Closed,
}

impl PlatformState {
    pub fn label_zh(self) -> &'static str {
        match self {
            PlatformState::Unpaid => "待付款",
            PlatformState::AwaitingShipment => "待发货",
            PlatformState::PartShipped => "部分发货",
            PlatformState::Shipped => "已发货",
            PlatformState::Completed => "已完成",
            PlatformState::Closed => "已关闭",
        }
    }
}

/// One row of a platform's status table: the status as sent, the text stored as the
/// order's `platform_status`, and what it means.
#[derive(Debug, Clone, Copy)]
pub struct StatusRow {
    pub sent: &'static str,
    pub stored: &'static str,
    pub state: PlatformState,
}

/// Looks `sent` up in `table`.
pub fn lookup(table: &[StatusRow], sent: &str) -> Option<StatusRow> {
    table.iter().copied().find(|r| r.sent == sent)
}

/// Checks a status table against the core: every `Closed` row's stored text is one the
/// core recognises as closed (so a close after intake holds the order), and no other
/// row's is. Each adapter calls this from its tests.
pub fn assert_table_agrees_with_core(table: &[StatusRow]) {
    for r in table {
        assert_eq!(
            jxc_core::orders::order::is_closed_status(r.stored),
            r.state == PlatformState::Closed,
            "status {:?} stored as {:?}",
            r.sent,
            r.stored
        );
    }
}
