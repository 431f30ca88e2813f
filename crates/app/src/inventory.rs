//! 库存 use-cases: posting documents, reservations, and `jxc check`.

use jxc_core::ids::{DocumentId, LocationId, LotId, ReservationId, SkuId, WarehouseId};
use jxc_core::inventory::check::{Difference, compare};
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, ReserveRequest};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{
    Actor, BalanceFilter, BalanceRow, MoveFilter, MoveRow, PostedDocument, Reservation,
    ReservationRequest, SummaryFilter, SummaryRow,
};
use serde::{Deserialize, Serialize};

use crate::{App, Error, Result};

/// A request to reserve stock, as the API and CLI take it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReserveInput {
    pub sku_id: i64,
    pub warehouse_id: i64,
    pub qty: i64,
    pub location_id: Option<i64>,
    pub lot_id: Option<i64>,
    /// What the stock is held for, e.g. `order`.
    pub source_type: String,
    /// e.g. the order number.
    pub source_ref: String,
}

/// What `jxc check` found.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckReport {
    pub backend: &'static str,
    pub balances_checked: usize,
    pub differences: Vec<Difference>,
    /// 分仓: an allocated order whose stock is no longer held, or an order's stock held
    /// without an allocation (each said in Chinese then English).
    pub allocation_problems: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty() && self.allocation_problems.is_empty()
    }
}

/// A user limited to some warehouses (`warehouse_ids`) may neither see nor change stock
/// in the others: [`Error::Forbidden`] for any other warehouse.
pub fn require_warehouse(user: &User, w: WarehouseId) -> Result<()> {
    if user.sees_warehouse(w) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "仓库 {w} 不在你的仓库范围内 / warehouse {w} is not one of your warehouses"
        )))
    }
}

/// Opening stock (期初) may be imported only by a user who sees every warehouse: the
/// import file names its warehouses row by row and is posted whole.
pub fn require_all_warehouses(user: &User) -> Result<()> {
    if user.fields.warehouse_ids.is_empty() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "期初导入需要能看到全部仓库的用户 / importing opening stock needs a user who sees every warehouse".into(),
        ))
    }
}

/// The warehouses a list may show to `user`: an asked-for warehouse must be one of theirs
/// (else [`Error::Forbidden`]); the limit itself goes into the filter (empty = all).
pub fn warehouse_scope(
    user: &User,
    asked: Option<WarehouseId>,
) -> Result<(Option<WarehouseId>, Vec<WarehouseId>)> {
    if let Some(w) = asked {
        require_warehouse(user, w)?;
    }
    Ok((asked, user.fields.warehouse_ids.clone()))
}

impl App {
    /// Balances summed per SKU or per SKU × warehouse (库存余额 按商品 / 按仓库).
    pub async fn stock_summary(
        &self,
        filter: &SummaryFilter,
        page: &PageRequest,
    ) -> Result<Page<SummaryRow>> {
        Ok(self.store.stock_summary(filter, page).await?)
    }

    /// Balances per SKU × warehouse × location × lot (按库位).
    pub async fn balances(
        &self,
        filter: &BalanceFilter,
        page: &PageRequest,
    ) -> Result<Page<BalanceRow>> {
        Ok(self.store.list_balances(filter, page).await?)
    }

    /// The ledger (库存流水).
    pub async fn moves(&self, filter: &MoveFilter, page: &PageRequest) -> Result<Page<MoveRow>> {
        Ok(self.store.list_moves(filter, page).await?)
    }

    /// Posts one stock document of `kind` (期初, 入库, 出库, 调整, 移库).
    pub async fn post_document(
        &self,
        kind: DocumentKind,
        input: &DocumentInput,
        actor: &Actor,
    ) -> Result<PostedDocument> {
        let doc = Document::parse(kind, input)?;
        let mut out = self.store.post_documents(&[doc], actor).await?;
        let posted = out
            .pop()
            .ok_or_else(|| Error::Internal("posting returned no document".into()))?;
        let skus: std::collections::BTreeSet<SkuId> =
            posted.moves.iter().map(|m| m.sku_id).collect();
        self.after_stock_change(&skus.into_iter().collect::<Vec<_>>())
            .await;
        if matches!(
            kind,
            DocumentKind::Receipt | DocumentKind::Opening | DocumentKind::Adjustment
        ) {
            // Stock arrived: orders waiting as 缺货 are tried again. The receipt stands
            // whatever happens to them.
            if let Err(e) = self.retry_short_allocations(actor).await {
                tracing::warn!("retrying 缺货 orders after a receipt failed: {e}");
            }
        }
        Ok(posted)
    }

    pub async fn document(&self, id: DocumentId) -> Result<PostedDocument> {
        self.store
            .get_document(id)
            .await?
            .ok_or_else(|| Error::not_found("document", id))
    }

    pub async fn reserve(&self, input: &ReserveInput, actor: &Actor) -> Result<Vec<Reservation>> {
        let source_type = jxc_core::text::optional("source_type", &input.source_type, 32)?;
        let source_ref = jxc_core::text::optional("source_ref", &input.source_ref, 100)?;
        let req = ReservationRequest {
            request: ReserveRequest {
                sku: SkuId(input.sku_id),
                warehouse: WarehouseId(input.warehouse_id),
                qty: input.qty,
                location: input.location_id.map(LocationId),
                lot: input.lot_id.map(LotId),
            },
            source_type: if source_type.is_empty() {
                "manual".into()
            } else {
                source_type
            },
            source_ref,
        };
        Ok(self.store.reserve(&[req], actor).await?)
    }

    pub async fn release(&self, ids: &[ReservationId], actor: &Actor) -> Result<Vec<Reservation>> {
        Ok(self.store.release(ids, actor).await?)
    }

    /// Recomputes every balance from the ledger and the live reservations.
    pub async fn check(&self) -> Result<CheckReport> {
        let (observed, negative) = self.store.observe().await?;
        let differences = compare(&observed, |sku| negative.contains(&sku));
        Ok(CheckReport {
            backend: self.store.backend(),
            balances_checked: observed.len(),
            differences,
            allocation_problems: self.allocation_problems().await?,
        })
    }
}
