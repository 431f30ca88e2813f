//! 权限: the one table of what each role may do. The API and the pages both ask
//! [`allowed`]; every route names the [`Action`] it performs (see `jxc-web`'s route table),
//! and a test walks every route with every role.
//!
//! Adding an action means adding it to the `match` in [`roles_for`]: the compiler refuses
//! an action without a rule.

use serde::Serialize;

use crate::users::Role;
use crate::users::Role::*;

/// What a request does. Named `<area><verb>`, after the business modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 工作台 and one's own account (password, API tokens): everyone signed in.
    Dashboard,
    /// 商品, 组合装, 平台商品匹配: see.
    CatalogView,
    /// 商品: create, edit, deactivate, import.
    CatalogEdit,
    /// 供应商, 客户, 店铺: see.
    PartnersView,
    /// 供应商, 客户: create, edit.
    PartnersEdit,
    /// 店铺 (with platform credentials): create, edit.
    ShopsEdit,
    /// 仓库, 库位: see.
    WarehousesView,
    /// 仓库, 库位: create, edit.
    WarehousesEdit,
    /// 库存余额, 库存流水, 单据, 占用: see.
    StockView,
    /// 入库, 出库, 调整, 移库, 期初导入: post stock documents.
    StockPost,
    /// 占用 / 释放: reserve and release stock.
    StockReserve,
    /// 其他出入库审批: post or reject an adjustment worth more than the threshold.
    StockApprove,
    /// 订单: see the queue, orders, their events.
    OrdersView,
    /// 订单: import, approve, hold, release, tag, cancel, edit addresses.
    OrdersEdit,
    /// 平台同步: run a sync now, see the sync log and raw payloads.
    ChannelsSync,
    /// 分仓占用: route approved orders to warehouses and reserve their stock, release.
    FulfillmentAllocate,
    /// 分仓设置: the routing rules and strategies; 发货设置: waybills, sender, buyer hook.
    RoutingEdit,
    /// 打印面单, 扫描验货, 发货: take waybills, verify and ship.
    ShipmentsShip,
    /// 盘点: create counts, scan and enter counts, submit.
    CountsCount,
    /// 盘点审核: approve and post a count's variances, send it back, cancel it.
    CountsApprove,
    /// 预警: see the alert inbox.
    AlertsView,
    /// 预警: mark an alert seen, close an event alert.
    AlertsAck,
    /// 预警设置: stock levels, alert settings, robot and email channels.
    AlertsManage,
    /// 操作日志 and `jxc check`.
    AuditView,
    /// 用户与角色.
    UsersManage,
}

impl Action {
    pub const ALL: [Action; 25] = [
        Action::Dashboard,
        Action::CatalogView,
        Action::CatalogEdit,
        Action::PartnersView,
        Action::PartnersEdit,
        Action::ShopsEdit,
        Action::WarehousesView,
        Action::WarehousesEdit,
        Action::StockView,
        Action::StockPost,
        Action::StockReserve,
        Action::StockApprove,
        Action::OrdersView,
        Action::OrdersEdit,
        Action::ChannelsSync,
        Action::FulfillmentAllocate,
        Action::RoutingEdit,
        Action::ShipmentsShip,
        Action::CountsCount,
        Action::CountsApprove,
        Action::AlertsView,
        Action::AlertsAck,
        Action::AlertsManage,
        Action::AuditView,
        Action::UsersManage,
    ];
}

/// The roles that may perform `a`. Admin may do everything.
pub fn roles_for(a: Action) -> &'static [Role] {
    match a {
        Action::Dashboard => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::CatalogView => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::CatalogEdit => &[Admin, Purchasing],
        Action::PartnersView => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::PartnersEdit => &[Admin, Service, Purchasing, Finance],
        Action::ShopsEdit => &[Admin],
        Action::WarehousesView => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::WarehousesEdit => &[Admin, Warehouse, WarehouseLead],
        Action::StockView => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::StockPost => &[Admin, Warehouse, WarehouseLead],
        Action::StockReserve => &[Admin, Service, Warehouse, WarehouseLead],
        Action::StockApprove => &[Admin, WarehouseLead],
        Action::OrdersView => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::OrdersEdit => &[Admin, Service],
        Action::ChannelsSync => &[Admin, Service],
        Action::FulfillmentAllocate => &[Admin, Service, Warehouse, WarehouseLead],
        Action::RoutingEdit => &[Admin, Warehouse, WarehouseLead],
        Action::ShipmentsShip => &[Admin, Warehouse, WarehouseLead],
        Action::CountsCount => &[Admin, Warehouse, WarehouseLead],
        Action::CountsApprove => &[Admin, WarehouseLead],
        Action::AlertsView => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
            Viewer,
        ],
        Action::AlertsAck => &[
            Admin,
            Service,
            Warehouse,
            WarehouseLead,
            Purchasing,
            Finance,
        ],
        Action::AlertsManage => &[Admin, WarehouseLead, Purchasing],
        Action::AuditView => &[Admin, Finance],
        Action::UsersManage => &[Admin],
    }
}

/// Whether a user holding `roles` may perform `a`.
pub fn allowed(roles: &[Role], a: Action) -> bool {
    let who = roles_for(a);
    roles.iter().any(|r| who.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_may_do_everything() {
        for a in Action::ALL {
            assert!(allowed(&[Admin], a), "{a:?}");
        }
    }

    #[test]
    fn a_viewer_sees_but_changes_nothing() {
        for a in Action::ALL {
            let is_view = matches!(
                a,
                Action::Dashboard
                    | Action::CatalogView
                    | Action::PartnersView
                    | Action::WarehousesView
                    | Action::StockView
                    | Action::OrdersView
                    | Action::AlertsView
            );
            assert_eq!(allowed(&[Viewer], a), is_view, "{a:?}");
        }
    }

    #[test]
    fn a_warehouse_worker_posts_stock_but_cannot_manage_users_or_edit_the_catalog() {
        assert!(allowed(&[Warehouse], Action::StockPost));
        assert!(!allowed(&[Warehouse], Action::UsersManage));
        assert!(!allowed(&[Warehouse], Action::CatalogEdit));
    }

    #[test]
    fn a_warehouse_lead_does_what_the_warehouse_does_and_approves_counts() {
        for a in Action::ALL {
            if allowed(&[Warehouse], a) {
                assert!(allowed(&[WarehouseLead], a), "{a:?}");
            }
        }
        assert!(allowed(&[WarehouseLead], Action::CountsApprove));
        assert!(!allowed(&[Warehouse], Action::CountsApprove));
        assert!(allowed(&[Warehouse], Action::CountsCount));
        assert!(allowed(&[WarehouseLead], Action::StockApprove));
        assert!(!allowed(&[Warehouse], Action::StockApprove));
    }

    #[test]
    fn roles_add_up() {
        assert!(!allowed(&[Service], Action::CatalogEdit));
        assert!(allowed(&[Service, Purchasing], Action::CatalogEdit));
        assert!(!allowed(&[], Action::Dashboard));
    }

    #[test]
    fn customer_service_may_run_a_sync_but_a_warehouse_worker_may_not() {
        assert!(allowed(&[Service], Action::ChannelsSync));
        assert!(!allowed(&[Warehouse], Action::ChannelsSync));
        assert!(!allowed(&[Viewer], Action::ChannelsSync));
    }
}
