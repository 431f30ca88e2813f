//! 库存: balances (按商品 / 按仓库 / 按库位) and the ledger (库存流水), each with its
//! filters, keyset paging and Excel export. Both keep to the warehouses the user may see:
//! the lists leave the others out, and asking for one of them is refused.

mod balances;
mod moves;

use jxc_core::ids::WarehouseId;
use jxc_core::warehouses::Warehouse;

use super::list::ListUrl;
use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    use jxc_core::permissions::Action::StockView;
    Routes::new(Surface::Page, "")
        .get("/stock", StockView, balances::page)
        .get("/stock/export.xlsx", StockView, balances::export)
        .get("/stock/moves", StockView, moves::page)
        .get("/stock/moves/export.xlsx", StockView, moves::export)
}

/// A warehouse in a filter's select.
pub(super) struct WarehouseOption {
    pub id: String,
    pub label: String,
}

fn options(warehouses: &[Warehouse]) -> Vec<WarehouseOption> {
    warehouses
        .iter()
        .map(|w| WarehouseOption {
            id: w.id.0.to_string(),
            label: format!("{} {}", w.fields.code, w.fields.name),
        })
        .collect()
}

/// The warehouse asked for in the query string (`warehouse_id`), if any.
fn asked_warehouse(u: &ListUrl) -> Result<Option<WarehouseId>, jxc_app::Error> {
    Ok(u.id("warehouse_id")?.map(WarehouseId))
}

/// Money on a stock page: `¥1,234.56`.
fn yuan(f: jxc_core::money::Fen) -> String {
    format!("¥{}", f.to_yuan_grouped())
}
