//! 商品: SKUs with their barcodes and bundle components, and listings.

use std::collections::HashMap;

use async_trait::async_trait;
use jxc_core::FieldError;
use jxc_core::catalog::{BundleComponent, Listing, NewListing, NewSku, Sku, Tracking, Unit};
use jxc_core::ids::{ListingId, ShopId, SkuId};
use jxc_core::money::Fen;
use jxc_core::paging::{Page, PageRequest};
use jxc_store::{
    Actor, CatalogStore, ImportAction, ImportOutcome, ListFilter, Result, SkuFilter, StoreError,
};

use super::SqlStore;
use super::records::{self, Record, Scope};
use super::util::*;

/// The `skus` row; barcodes and components are attached by [`complete`].
pub(crate) struct SkuRow(Sku);

impl Record for SkuRow {
    type New = NewSku;
    const TABLE: &'static str = "skus";
    const ENTITY: &'static str = "sku";
    const COLUMNS: &'static [&'static str] = &[
        "code",
        "name",
        "color",
        "size",
        "unit",
        "weight_g",
        "volume_cm3",
        "list_price",
        "default_cost",
        "category",
        "brand",
        "tracking",
        "shelf_life_days",
        "allow_negative",
        "active",
        "attrs",
    ];
    fn values(s: &NewSku) -> Vec<Val> {
        vec![
            s.code.as_str().into(),
            s.name.as_str().into(),
            s.color.as_str().into(),
            s.size.as_str().into(),
            s.unit.as_str().into(),
            s.weight_g.into(),
            s.volume_cm3.into(),
            s.list_price.0.into(),
            s.default_cost.0.into(),
            s.category.as_str().into(),
            s.brand.as_str().into(),
            s.tracking.as_str().into(),
            s.shelf_life_days.into(),
            s.allow_negative.into(),
            s.active.into(),
            s.attrs.to_string().into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        let bad = |what: &str| StoreError::Database(format!("stored sku has an invalid {what}"));
        let fields = NewSku {
            code: col(r, "code")?,
            name: col(r, "name")?,
            barcodes: Vec::new(),
            color: col(r, "color")?,
            size: col(r, "size")?,
            unit: Unit::parse("unit", &col::<String>(r, "unit")?).map_err(|_| bad("unit"))?,
            weight_g: col(r, "weight_g")?,
            volume_cm3: col(r, "volume_cm3")?,
            list_price: Fen(col(r, "list_price")?),
            default_cost: Fen(col(r, "default_cost")?),
            category: col(r, "category")?,
            brand: col(r, "brand")?,
            tracking: Tracking::parse("tracking", &col::<String>(r, "tracking")?)
                .map_err(|_| bad("tracking"))?,
            shelf_life_days: col(r, "shelf_life_days")?,
            allow_negative: col(r, "allow_negative")?,
            active: col(r, "active")?,
            attrs: serde_json::from_str(&col::<String>(r, "attrs")?).map_err(|_| bad("attrs"))?,
        };
        Ok(SkuRow(Sku {
            id: SkuId(col(r, "id")?),
            fields,
            is_bundle: col(r, "is_bundle")?,
            components: Vec::new(),
            created_at: ts(col(r, "created_at")?),
            updated_at: ts(col(r, "updated_at")?),
        }))
    }
    fn new_of(&self) -> &NewSku {
        &self.0.fields
    }
}

/// Attaches barcodes and bundle components to SKU rows (two queries for any number).
async fn complete(c: &mut Conn, rows: Vec<SkuRow>) -> Result<Vec<Sku>> {
    let mut skus: Vec<Sku> = rows.into_iter().map(|r| r.0).collect();
    if skus.is_empty() {
        return Ok(skus);
    }
    let ids: Vec<Val> = skus.iter().map(|s| Val::I(s.id.0)).collect();
    let mut sql = Sql::new("SELECT sku_id, barcode FROM sku_barcodes WHERE ");
    push_in(&mut sql, "sku_id", ids.clone());
    sql.push(" ORDER BY sku_id, position");
    let mut barcodes: HashMap<i64, Vec<String>> = HashMap::new();
    for r in sql.fetch_all(c).await? {
        barcodes
            .entry(col(&r, "sku_id")?)
            .or_default()
            .push(col(&r, "barcode")?);
    }
    let mut sql = Sql::new("SELECT bundle_id, sku_id, qty FROM bundle_components WHERE ");
    push_in(&mut sql, "bundle_id", ids);
    sql.push(" ORDER BY bundle_id, sku_id");
    let mut comps: HashMap<i64, Vec<BundleComponent>> = HashMap::new();
    for r in sql.fetch_all(c).await? {
        comps
            .entry(col(&r, "bundle_id")?)
            .or_default()
            .push(BundleComponent {
                sku_id: SkuId(col(&r, "sku_id")?),
                qty: col(&r, "qty")?,
            });
    }
    for s in &mut skus {
        s.fields.barcodes = barcodes.remove(&s.id.0).unwrap_or_default();
        s.components = comps.remove(&s.id.0).unwrap_or_default();
    }
    Ok(skus)
}

async fn get_sku_by(c: &mut Conn, column: &str, v: Val) -> Result<Option<Sku>> {
    let row = records::get_by::<SkuRow>(c, column, v, &Scope::default()).await?;
    Ok(complete(c, row.into_iter().collect()).await?.pop())
}

async fn write_barcodes(c: &mut Conn, id: i64, barcodes: &[String]) -> Result<()> {
    Sql::new("DELETE FROM sku_barcodes WHERE sku_id = ")
        .bind(id)
        .execute(c)
        .await?;
    let rows = barcodes
        .iter()
        .enumerate()
        .map(|(i, b)| vec![Val::T(b.clone()), Val::I(id), Val::I(i as i64)]);
    insert_rows(
        c,
        "sku_barcodes",
        &["barcode", "sku_id", "position"],
        Vec::from_iter(rows),
        "",
    )
    .await
}

async fn create_sku_in(c: &mut Conn, sku: &NewSku, actor: &Actor) -> Result<i64> {
    let id = records::insert::<SkuRow>(c, sku, &Scope::default(), actor).await?;
    write_barcodes(c, id, &sku.barcodes).await?;
    Ok(id)
}

async fn update_sku_in(c: &mut Conn, id: i64, sku: &NewSku, actor: &Actor) -> Result<()> {
    let before = get_sku_by(c, "id", Val::I(id))
        .await?
        .ok_or_else(|| StoreError::not_found("sku", id))?;
    records::update::<SkuRow>(c, id, sku, &Scope::default(), actor).await?;
    if before.fields.barcodes != sku.barcodes {
        write_barcodes(c, id, &sku.barcodes).await?;
    }
    Ok(())
}

impl Record for Listing {
    type New = NewListing;
    const TABLE: &'static str = "listings";
    const ENTITY: &'static str = "listing";
    const COLUMNS: &'static [&'static str] = &[
        "shop_id",
        "platform_item_id",
        "platform_sku_id",
        "outer_code",
        "title",
        "sku_id",
        "active",
    ];
    const CODE: &'static str = "platform_item_id";
    const NAME: &'static str = "title";
    const PARENT: &'static str = "shop_id";
    fn values(l: &NewListing) -> Vec<Val> {
        vec![
            l.shop_id.0.into(),
            l.platform_item_id.as_str().into(),
            l.platform_sku_id.as_str().into(),
            l.outer_code.as_str().into(),
            l.title.as_str().into(),
            l.sku_id.0.into(),
            l.active.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Listing {
            id: ListingId(col(r, "id")?),
            fields: NewListing {
                shop_id: ShopId(col(r, "shop_id")?),
                platform_item_id: col(r, "platform_item_id")?,
                platform_sku_id: col(r, "platform_sku_id")?,
                outer_code: col(r, "outer_code")?,
                title: col(r, "title")?,
                sku_id: SkuId(col(r, "sku_id")?),
                active: col(r, "active")?,
            },
        })
    }
    fn new_of(&self) -> &NewListing {
        &self.fields
    }
}

async fn check_listing_refs(c: &mut Conn, l: &NewListing) -> Result<()> {
    if Sql::new("SELECT id FROM shops WHERE id = ")
        .bind(l.shop_id.0)
        .fetch_optional(c)
        .await?
        .is_none()
    {
        return Err(StoreError::conflict(
            "shop_id",
            format!("店铺 {} 不存在 / unknown shop", l.shop_id),
        ));
    }
    if Sql::new("SELECT id FROM skus WHERE id = ")
        .bind(l.sku_id.0)
        .fetch_optional(c)
        .await?
        .is_none()
    {
        return Err(StoreError::conflict(
            "sku_id",
            format!("商品 {} 不存在 / unknown sku", l.sku_id),
        ));
    }
    Ok(())
}

#[async_trait]
impl CatalogStore for SqlStore {
    async fn create_sku(&self, sku: &NewSku, actor: &Actor) -> Result<Sku> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let id = create_sku_in(&mut tx, sku, actor).await?;
        let out = get_sku_by(&mut tx, "id", Val::I(id)).await?;
        tx.commit().await.db()?;
        out.ok_or_else(|| StoreError::not_found("sku", id))
    }

    async fn update_sku(&self, id: SkuId, sku: &NewSku, actor: &Actor) -> Result<Sku> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        update_sku_in(&mut tx, id.0, sku, actor).await?;
        let out = get_sku_by(&mut tx, "id", Val::I(id.0)).await?;
        tx.commit().await.db()?;
        out.ok_or_else(|| StoreError::not_found("sku", id))
    }

    async fn get_sku(&self, id: SkuId) -> Result<Option<Sku>> {
        get_sku_by(&mut *self.read.acquire().await.db()?, "id", Val::I(id.0)).await
    }

    async fn get_sku_by_code(&self, code: &str) -> Result<Option<Sku>> {
        get_sku_by(&mut *self.read.acquire().await.db()?, "code", code.into()).await
    }

    async fn get_sku_by_barcode(&self, barcode: &str) -> Result<Option<Sku>> {
        let mut c = self.read.acquire().await.db()?;
        let row = Sql::new("SELECT sku_id FROM sku_barcodes WHERE barcode = ")
            .bind(barcode)
            .fetch_optional(&mut c)
            .await?;
        match row {
            Some(r) => get_sku_by(&mut c, "id", Val::I(col(&r, "sku_id")?)).await,
            None => Ok(None),
        }
    }

    async fn list_skus(&self, f: &SkuFilter, page: &PageRequest) -> Result<Page<Sku>> {
        let mut c = self.read.acquire().await.db()?;
        let q = f.list.q.clone().filter(|q| !q.trim().is_empty());
        let list = jxc_store::ListFilter {
            q: None,
            ..f.list.clone()
        };
        let rows = records::list::<SkuRow>(&mut c, &list, &Scope::default(), page, |sql| {
            if let Some(q) = &q {
                let p = like_pattern(q);
                sql.push(" AND (LOWER(code) LIKE ")
                    .bind(p.clone())
                    .push(" ESCAPE '\\' OR LOWER(name) LIKE ");
                sql.bind(p).push(
                    " ESCAPE '\\' OR id IN (SELECT sku_id FROM sku_barcodes WHERE barcode = ",
                );
                sql.bind(q.trim()).push("))");
            }
            if let Some(v) = &f.category {
                sql.push(" AND category = ").bind(v.as_str());
            }
            if let Some(v) = &f.brand {
                sql.push(" AND brand = ").bind(v.as_str());
            }
            if let Some(v) = f.is_bundle {
                sql.push(" AND is_bundle = ").bind(v);
            }
        })
        .await?;
        Ok(Page {
            items: complete(&mut c, rows.items).await?,
            next: rows.next,
        })
    }

    async fn set_bundle_components(
        &self,
        id: SkuId,
        comps: &[BundleComponent],
        actor: &Actor,
    ) -> Result<Sku> {
        let comps = jxc_core::catalog::parse_components(id, comps)?;
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let before = get_sku_by(&mut tx, "id", Val::I(id.0))
            .await?
            .ok_or_else(|| StoreError::not_found("sku", id))?;
        let used = Sql::new("SELECT 1 AS x FROM stock_balances WHERE sku_id = ")
            .bind(id.0)
            .push(" LIMIT 1")
            .fetch_optional(&mut tx)
            .await?;
        if used.is_some() {
            return Err(StoreError::conflict(
                "components",
                "该商品已有库存记录，不能改为组合装 / a sku with stock history cannot become a bundle",
            ));
        }
        let parent = Sql::new("SELECT bundle_id FROM bundle_components WHERE sku_id = ")
            .bind(id.0)
            .push(" LIMIT 1")
            .fetch_optional(&mut tx)
            .await?;
        if parent.is_some() {
            return Err(StoreError::conflict(
                "components",
                "该商品是其他组合装的组件，不能再做组合装 / a component cannot be a bundle",
            ));
        }
        for (n, comp) in comps.iter().enumerate() {
            let row = Sql::new("SELECT is_bundle FROM skus WHERE id = ")
                .bind(comp.sku_id.0)
                .fetch_optional(&mut tx)
                .await?;
            let field = format!("components[{n}].sku_id");
            match row {
                None => {
                    return Err(StoreError::conflict(
                        field,
                        format!("商品 {} 不存在 / unknown sku", comp.sku_id),
                    ));
                }
                Some(r) if col::<bool>(&r, "is_bundle")? => {
                    return Err(StoreError::conflict(
                        field,
                        "组合装不能包含组合装 / a bundle cannot contain a bundle",
                    ));
                }
                Some(_) => {}
            }
        }
        Sql::new("DELETE FROM bundle_components WHERE bundle_id = ")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        let rows = comps
            .iter()
            .map(|c| vec![Val::I(id.0), Val::I(c.sku_id.0), Val::I(c.qty)]);
        insert_rows(
            &mut tx,
            "bundle_components",
            &["bundle_id", "sku_id", "qty"],
            Vec::from_iter(rows),
            "",
        )
        .await?;
        Sql::new("UPDATE skus SET is_bundle = ")
            .bind(true)
            .push(", updated_at = ")
            .bind(now_ms())
            .push(" WHERE id = ")
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "set_components",
            "sku",
            id,
            serde_json::to_value(&before.components).ok(),
            serde_json::to_value(&comps).ok(),
        )
        .await?;
        let out = get_sku_by(&mut tx, "id", Val::I(id.0)).await?;
        tx.commit().await.db()?;
        out.ok_or_else(|| StoreError::not_found("sku", id))
    }

    async fn import_skus(
        &self,
        rows: &[(usize, NewSku)],
        actor: &Actor,
    ) -> Result<Vec<ImportOutcome>> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        // Who owns each code and barcode now.
        let mut existing: HashMap<String, (i64, NewSku)> = HashMap::new();
        for chunk in rows.chunks(500) {
            let mut sql = Sql::new("SELECT * FROM skus WHERE ");
            push_in(
                &mut sql,
                "code",
                chunk.iter().map(|(_, s)| Val::from(s.code.as_str())),
            );
            let found: Vec<SkuRow> = sql
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(SkuRow::from_row)
                .collect::<Result<_>>()?;
            for s in complete(&mut tx, found).await? {
                existing.insert(s.fields.code.clone(), (s.id.0, s.fields));
            }
        }
        let mut owner: HashMap<String, i64> = HashMap::new();
        let all_barcodes: Vec<&String> = rows.iter().flat_map(|(_, s)| &s.barcodes).collect();
        for chunk in all_barcodes.chunks(500) {
            let mut sql = Sql::new("SELECT barcode, sku_id FROM sku_barcodes WHERE ");
            push_in(
                &mut sql,
                "barcode",
                chunk.iter().map(|b| Val::from(b.as_str())),
            );
            for r in sql.fetch_all(&mut tx).await? {
                owner.insert(col(&r, "barcode")?, col(&r, "sku_id")?);
            }
        }
        let mut seen_code: HashMap<&str, usize> = HashMap::new();
        let mut seen_barcode: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (row, sku) in rows {
            let err = |field: &str, reason: String| ImportOutcome {
                row: *row,
                result: Err(FieldError::new(field, reason)),
            };
            if let Some(first) = seen_code.insert(&sku.code, *row) {
                out.push(err(
                    "code",
                    format!(
                        "商家编码 “{}” 与第 {first} 行重复 / same code as row {first}",
                        sku.code
                    ),
                ));
                continue;
            }
            let my_id = existing.get(&sku.code).map(|e| e.0);
            let clash = sku.barcodes.iter().find_map(|b| {
                if let Some(first) = seen_barcode.get(b.as_str()) {
                    return Some(format!(
                        "条码 “{b}” 与第 {first} 行重复 / same barcode as row {first}"
                    ));
                }
                match owner.get(b) {
                    Some(o) if Some(*o) != my_id => Some(format!(
                        "条码 “{b}” 已属于另一个商品 / barcode belongs to another sku"
                    )),
                    _ => None,
                }
            });
            if let Some(reason) = clash {
                out.push(err("barcodes", reason));
                continue;
            }
            for b in &sku.barcodes {
                seen_barcode.insert(b, *row);
            }
            let action = match existing.get(&sku.code) {
                None => {
                    create_sku_in(&mut tx, sku, actor).await?;
                    ImportAction::Created
                }
                Some((_, old)) if old == sku => ImportAction::Unchanged,
                Some((id, _)) => {
                    update_sku_in(&mut tx, *id, sku, actor).await?;
                    ImportAction::Updated
                }
            };
            out.push(ImportOutcome {
                row: *row,
                result: Ok(action),
            });
        }
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn create_listing(&self, l: &NewListing, actor: &Actor) -> Result<Listing> {
        check_listing_refs(&mut *self.read.acquire().await.db()?, l).await?;
        records::create::<Listing>(&self.write, l, &Scope::default(), actor).await
    }

    async fn update_listing(
        &self,
        id: ListingId,
        l: &NewListing,
        actor: &Actor,
    ) -> Result<Listing> {
        check_listing_refs(&mut *self.read.acquire().await.db()?, l).await?;
        records::modify::<Listing>(&self.write, id.0, l, &Scope::default(), actor).await
    }

    async fn get_listing(&self, id: ListingId) -> Result<Option<Listing>> {
        records::get::<Listing>(
            &mut *self.read.acquire().await.db()?,
            id.0,
            &Scope::default(),
        )
        .await
    }

    async fn list_listings(&self, f: &ListFilter, page: &PageRequest) -> Result<Page<Listing>> {
        records::list::<Listing>(
            &mut *self.read.acquire().await.db()?,
            f,
            &Scope::default(),
            page,
            |_| {},
        )
        .await
    }
}
