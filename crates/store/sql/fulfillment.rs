//! 分仓占用 in SQL: routing_setup, order_allocations, allocation_shipments. Reserving
//! and releasing go through `reserve_in` / `release_in` in the allocation's transaction;
//! releasing also takes the order out of its wave (wave_orders).

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use jxc_core::ids::{OrderId, ReservationId, SkuId, WarehouseId};
use jxc_core::paging::{Cursor, Page, PageRequest};
use jxc_store::{
    Actor, Allocation, AllocationInput, AllocationStatus, FulfillmentStore, NewAllocation,
    ReservationStatus, Result, RoutingSku, StoreError,
};

use super::SqlStore;
use super::records::push_keyset;
use super::reservations::release_in;
use super::util::*;

fn json_col(r: &Row, name: &str) -> Result<serde_json::Value> {
    let text: String = col(r, name)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Database(format!("{name} is not JSON: {e}")))
}

pub(super) fn allocation(r: &Row) -> Result<Allocation> {
    let status: String = col(r, "status")?;
    let ids: Vec<ReservationId> = serde_json::from_value(json_col(r, "reservation_ids")?)
        .map_err(|e| StoreError::Database(format!("reservation_ids: {e}")))?;
    Ok(Allocation {
        order_id: OrderId(col(r, "order_id")?),
        status: AllocationStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown allocation status {status}")))?,
        decision: json_col(r, "decision")?,
        reservation_ids: ids,
        created_at: col(r, "created_at")?,
        created_by: col(r, "created_by")?,
    })
}

/// What the audit log keeps of an allocation.
pub(super) fn audit_json(a: &Allocation) -> serde_json::Value {
    serde_json::json!({
        "status": a.status,
        "decision": a.decision,
        "reservation_ids": a.reservation_ids,
    })
}

pub(super) async fn allocation_of(c: &mut Conn, order: OrderId) -> Result<Option<Allocation>> {
    Sql::new("SELECT * FROM order_allocations WHERE order_id = ")
        .bind(order.0)
        .fetch_optional(c)
        .await?
        .map(|r| allocation(&r))
        .transpose()
}

/// Locks the order row, so two allocations (or an allocation and its release) of one
/// order wait for each other on PostgreSQL. False if there is no such order.
async fn lock_order(c: &mut Conn, order: OrderId) -> Result<bool> {
    Ok(Sql::new("SELECT id FROM orders WHERE id = ")
        .bind(order.0)
        .push(&crate::dialect::lock(""))
        .fetch_optional(c)
        .await?
        .is_some())
}

async fn delete_allocation(c: &mut Conn, order: OrderId) -> Result<()> {
    Sql::new("DELETE FROM allocation_shipments WHERE order_id = ")
        .bind(order.0)
        .execute(c)
        .await?;
    Sql::new("DELETE FROM order_allocations WHERE order_id = ")
        .bind(order.0)
        .execute(c)
        .await?;
    Ok(())
}

#[async_trait]
impl FulfillmentStore for SqlStore {
    async fn get_routing_setup(&self) -> Result<Option<serde_json::Value>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new("SELECT setup FROM routing_setup WHERE id = 1")
            .fetch_optional(&mut c)
            .await?
            .map(|r| json_col(&r, "setup"))
            .transpose()
    }

    async fn set_routing_setup(&self, setup: &serde_json::Value, actor: &Actor) -> Result<()> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = Sql::new("SELECT setup FROM routing_setup WHERE id = 1")
            .push(&crate::dialect::lock(""))
            .fetch_optional(&mut tx)
            .await?
            .map(|r| json_col(&r, "setup"))
            .transpose()?;
        Sql::new("INSERT INTO routing_setup (id, setup, updated_at, updated_by) VALUES (1, ")
            .bind(setup.to_string())
            .push(", ")
            .bind(now_ms())
            .push(", ")
            .bind(actor.0.as_str())
            .push(") ON CONFLICT (id) DO UPDATE SET setup = excluded.setup, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "update",
            "routing_setup",
            1,
            before,
            Some(setup.clone()),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn save_allocation(&self, a: &NewAllocation, actor: &Actor) -> Result<Allocation> {
        let mut saved = self
            .save_allocations(std::slice::from_ref(a), actor)
            .await?;
        saved
            .pop()
            .ok_or_else(|| StoreError::Database("no allocation saved".into()))
    }

    async fn save_allocations(
        &self,
        a: &[NewAllocation],
        actor: &Actor,
    ) -> Result<Vec<Allocation>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let saved = super::fulfillment_batch::save_allocations_in(&mut tx, a, actor).await?;
        tx.commit().await.db()?;
        Ok(saved)
    }

    async fn allocation_inputs(&self, ids: &[OrderId]) -> Result<Vec<AllocationInput>> {
        let mut c = self.read.acquire().await.db()?;
        super::fulfillment_batch::allocation_inputs(&mut c, ids).await
    }

    async fn routing_skus(&self, ids: &[SkuId]) -> Result<Vec<RoutingSku>> {
        let mut c = self.read.acquire().await.db()?;
        super::fulfillment_batch::routing_skus(&mut c, ids).await
    }

    async fn available_by_warehouse(
        &self,
        skus: &[SkuId],
    ) -> Result<Vec<(SkuId, WarehouseId, i64)>> {
        let mut c = self.read.acquire().await.db()?;
        super::fulfillment_batch::available_by_warehouse(&mut c, skus).await
    }

    async fn get_allocation(&self, order: OrderId) -> Result<Option<Allocation>> {
        let mut c = self.read.acquire().await.db()?;
        allocation_of(&mut c, order).await
    }

    async fn get_allocations(&self, ids: &[OrderId]) -> Result<Vec<Allocation>> {
        let mut c = self.read.acquire().await.db()?;
        let mut found: HashMap<OrderId, Allocation> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new("SELECT * FROM order_allocations WHERE ");
            push_in(&mut sql, "order_id", chunk.iter().map(|o| Val::I(o.0)));
            for r in sql.fetch_all(&mut c).await? {
                let a = allocation(&r)?;
                found.insert(a.order_id, a);
            }
        }
        Ok(ids.iter().filter_map(|o| found.remove(o)).collect())
    }

    async fn list_allocations(
        &self,
        status: Option<AllocationStatus>,
        page: &PageRequest,
    ) -> Result<Page<Allocation>> {
        let mut c = self.read.acquire().await.db()?;
        let mut sql = Sql::new("SELECT * FROM order_allocations WHERE 1 = 1");
        if let Some(s) = status {
            sql.push(" AND status = ").bind(s.as_str());
        }
        push_keyset(&mut sql, "order_id", "order_id", page);
        let items = sql
            .fetch_all(&mut c)
            .await?
            .iter()
            .map(allocation)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit, |a| Cursor {
            key: String::new(),
            id: a.order_id.0,
        }))
    }

    async fn release_allocation(
        &self,
        order: OrderId,
        actor: &Actor,
    ) -> Result<Option<Allocation>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        if !lock_order(&mut tx, order).await? {
            return Ok(None);
        }
        let Some(found) = allocation_of(&mut tx, order).await? else {
            return Ok(None);
        };
        // What has left a warehouse cannot be un-allocated (a return brings it back).
        if !super::shipments::shipped_orders(&mut tx, &[order])
            .await?
            .is_empty()
        {
            return Err(StoreError::conflict(
                "order",
                format!("订单 {0} 已发货 / order {0} has shipped", order.0),
            ));
        }
        super::shipments::drop_labelled(&mut tx, order, actor).await?;
        // Reservations released on their own, or consumed by shipping, are left alone.
        let wanted: BTreeSet<ReservationId> = found.reservation_ids.iter().copied().collect();
        let live: Vec<ReservationId> = super::inventory_lists::reservations_by_id(&mut tx, &wanted)
            .await?
            .into_iter()
            .filter(|r| r.status == ReservationStatus::Live)
            .map(|r| r.id)
            .collect();
        if !live.is_empty() {
            release_in(&mut tx, &live, actor).await?;
        }
        delete_allocation(&mut tx, order).await?;
        // An order no longer allocated leaves its wave (波次).
        Sql::new("DELETE FROM wave_orders WHERE order_id = ")
            .bind(order.0)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "release_allocation",
            "order",
            order.0,
            Some(audit_json(&found)),
            None,
        )
        .await?;
        tx.commit().await.db()?;
        Ok(Some(found))
    }

    async fn shipments_routed_since(&self, since_ms: i64) -> Result<Vec<(WarehouseId, i64)>> {
        let mut c = self.read.acquire().await.db()?;
        Sql::new(
            "SELECT warehouse_id, COUNT(*) AS n FROM allocation_shipments WHERE created_at >= ",
        )
        .bind(since_ms)
        .push(" GROUP BY warehouse_id ORDER BY warehouse_id")
        .fetch_all(&mut c)
        .await?
        .iter()
        .map(|r| Ok((WarehouseId(col(r, "warehouse_id")?), col(r, "n")?)))
        .collect()
    }
}
