//! 占用: holding available stock for a document (an order, a transfer) before it ships.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::{LocationId, LotId, ReservationId, SkuId, WarehouseId};

use super::{BalanceKey, Book};

/// Hold `qty` of a SKU in a warehouse, optionally at one location and/or lot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReserveRequest {
    pub sku: SkuId,
    pub warehouse: WarehouseId,
    pub qty: i64,
    pub location: Option<LocationId>,
    pub lot: Option<LotId>,
}

/// Chooses the balances that hold a reservation and marks them reserved in `book`.
///
/// Stock is taken first-expiry-first-out (lots without expiry last), then by the
/// location's pick sequence; expired lots are never reserved. A SKU that may not go
/// negative gets all of `qty` or an [`Error::InsufficientStock`]; one that may go negative
/// gets what is available and the rest at its first location (or `fallback_location`).
pub fn reserve(
    book: &mut Book,
    req: &ReserveRequest,
    today: NaiveDate,
    fallback_location: LocationId,
) -> Result<Vec<(BalanceKey, i64)>, Error> {
    if req.qty <= 0 {
        return Err(Error::field(
            "qty",
            "占用数量必须大于 0 / quantity must be positive",
        ));
    }
    let policy = *book
        .skus
        .get(&req.sku)
        .ok_or_else(|| Error::Rule(format!("商品 {} 不存在 / unknown sku", req.sku)))?;
    if policy.is_bundle {
        return Err(Error::Rule(
            "组合装请按组件占用 / reserve a bundle's components".into(),
        ));
    }
    if !policy.active {
        return Err(Error::Rule("商品已停用 / sku is inactive".into()));
    }
    if req.location.is_some_and(|l| book.transit.contains(&l)) {
        return Err(Error::field(
            "location_id",
            "在途库存不能占用 / stock in transit cannot be reserved",
        ));
    }
    let mut candidates: Vec<(BalanceKey, i64, (bool, Option<NaiveDate>, i64))> = book
        .slots(req.sku, req.warehouse)
        .filter(|(k, _)| !book.transit.contains(&k.location))
        .filter(|(k, _)| {
            req.location.is_none_or(|l| l == k.location) && req.lot.is_none_or(|l| l == k.lot)
        })
        .filter_map(|(k, b)| {
            let m = book.meta.get(k).copied().unwrap_or_default();
            if m.expiry.is_some_and(|x| x < today) {
                return None;
            }
            Some((
                *k,
                b.available(),
                (m.expiry.is_none(), m.expiry, m.pick_seq),
            ))
        })
        .collect();
    candidates.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
    let mut left = req.qty;
    let mut parts = Vec::new();
    for (key, available, _) in &candidates {
        if left == 0 {
            break;
        }
        let take = left.min(*available);
        if take > 0 {
            parts.push((*key, take));
            left -= take;
        }
    }
    if left > 0 {
        if !policy.allow_negative {
            let available = candidates.iter().map(|c| c.1.max(0)).sum();
            return Err(Error::InsufficientStock {
                sku: req.sku.0,
                warehouse: req.warehouse.0,
                requested: req.qty,
                available,
            });
        }
        let key = candidates.first().map(|c| c.0).unwrap_or(BalanceKey {
            sku: req.sku,
            warehouse: req.warehouse,
            location: req.location.unwrap_or(fallback_location),
            lot: req.lot.unwrap_or(LotId::NONE),
        });
        match parts.iter_mut().find(|p| p.0 == key) {
            Some(p) => p.1 += left,
            None => parts.push((key, left)),
        }
    }
    for (key, q) in &parts {
        book.balances.entry(*key).or_default().reserved += q;
    }
    Ok(parts)
}

/// Holds exactly `qty` at `key`: a transfer's stock arriving in transit (在途) is held
/// by its transfer, so no order is ever promised it. No choosing and no expiry rule: the
/// stock is on its way whatever its lot.
pub fn hold(book: &mut Book, key: BalanceKey, qty: i64) -> Result<(), Error> {
    let b = book.balances.entry(key).or_default();
    if qty <= 0 || b.available() < qty {
        return Err(Error::InsufficientStock {
            sku: key.sku.0,
            warehouse: key.warehouse.0,
            requested: qty,
            available: b.available(),
        });
    }
    b.reserved += qty;
    Ok(())
}

/// Gives a live reservation's remaining quantity back to available stock.
pub fn release(book: &mut Book, id: ReservationId) -> Result<(BalanceKey, i64), Error> {
    let r = book.reservations.remove(&id).ok_or_else(|| {
        Error::Rule(format!(
            "占用 {id} 不存在或已释放 / reservation is not live"
        ))
    })?;
    book.balances.entry(r.key).or_default().reserved -= r.qty;
    Ok((r.key, r.qty))
}
