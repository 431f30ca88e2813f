//! 仓库 and 库位. Every warehouse has a default location, created with it.

use async_trait::async_trait;
use jxc_core::ids::{LocationId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::warehouses::{
    DEFAULT_LOCATION_CODE, Location, NewLocation, NewWarehouse, Warehouse, WarehouseKind,
};
use jxc_store::{Actor, ListFilter, Result, StoreError, WarehouseStore};

use super::SqlStore;
use super::records::{self, Record, Scope};
use super::util::*;

impl Record for Warehouse {
    type New = NewWarehouse;
    const TABLE: &'static str = "warehouses";
    const ENTITY: &'static str = "warehouse";
    const COLUMNS: &'static [&'static str] = &[
        "code",
        "name",
        "kind",
        "province",
        "city",
        "district",
        "address",
        "priority",
        "daily_capacity",
        "active",
    ];
    fn values(w: &NewWarehouse) -> Vec<Val> {
        vec![
            w.code.as_str().into(),
            w.name.as_str().into(),
            w.kind.as_str().into(),
            w.province.as_str().into(),
            w.city.as_str().into(),
            w.district.as_str().into(),
            w.address.as_str().into(),
            w.priority.into(),
            w.daily_capacity.into(),
            w.active.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        let kind = WarehouseKind::parse("kind", &col::<String>(r, "kind")?)
            .map_err(|_| StoreError::Database("stored warehouse has an invalid kind".into()))?;
        Ok(Warehouse {
            id: WarehouseId(col(r, "id")?),
            default_location: LocationId(
                col::<Option<i64>>(r, "default_location_id")?.unwrap_or_default(),
            ),
            fields: NewWarehouse {
                code: col(r, "code")?,
                name: col(r, "name")?,
                kind,
                province: col(r, "province")?,
                city: col(r, "city")?,
                district: col(r, "district")?,
                address: col(r, "address")?,
                priority: col(r, "priority")?,
                daily_capacity: col(r, "daily_capacity")?,
                active: col(r, "active")?,
            },
        })
    }
    fn new_of(&self) -> &NewWarehouse {
        &self.fields
    }
}

impl Record for Location {
    type New = NewLocation;
    const TABLE: &'static str = "locations";
    const ENTITY: &'static str = "location";
    const COLUMNS: &'static [&'static str] =
        &["warehouse_id", "code", "zone", "pick_seq", "active"];
    const NAME: &'static str = "zone";
    const PARENT: &'static str = "warehouse_id";
    fn values(l: &NewLocation) -> Vec<Val> {
        vec![
            l.warehouse_id.0.into(),
            l.code.as_str().into(),
            l.zone.as_str().into(),
            l.pick_seq.into(),
            l.active.into(),
        ]
    }
    fn from_row(r: &Row) -> Result<Self> {
        Ok(Location {
            id: LocationId(col(r, "id")?),
            fields: NewLocation {
                warehouse_id: WarehouseId(col(r, "warehouse_id")?),
                code: col(r, "code")?,
                zone: col(r, "zone")?,
                pick_seq: col(r, "pick_seq")?,
                active: col(r, "active")?,
            },
        })
    }
    fn new_of(&self) -> &NewLocation {
        &self.fields
    }
}

async fn check_warehouse(c: &mut Conn, id: WarehouseId) -> Result<()> {
    match records::get::<Warehouse>(c, id.0, &Scope::default()).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::conflict(
            "warehouse_id",
            format!("仓库 {id} 不存在 / unknown warehouse"),
        )),
    }
}

#[async_trait]
impl WarehouseStore for SqlStore {
    async fn create_warehouse(&self, w: &NewWarehouse, actor: &Actor) -> Result<Warehouse> {
        let mut tx = crate::dialect::begin_write(&self.write).await?;
        let id = records::insert::<Warehouse>(&mut tx, w, &Scope::default(), actor).await?;
        let default = NewLocation {
            warehouse_id: WarehouseId(id),
            code: DEFAULT_LOCATION_CODE.into(),
            zone: String::new(),
            pick_seq: 0,
            active: true,
        };
        let loc = records::insert::<Location>(&mut tx, &default, &Scope::default(), actor).await?;
        Sql::new("UPDATE warehouses SET default_location_id = ")
            .bind(loc)
            .push(" WHERE id = ")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let out = records::get::<Warehouse>(&mut tx, id, &Scope::default()).await?;
        tx.commit().await.db()?;
        out.ok_or_else(|| StoreError::not_found("warehouse", id))
    }

    async fn update_warehouse(
        &self,
        id: WarehouseId,
        w: &NewWarehouse,
        actor: &Actor,
    ) -> Result<Warehouse> {
        records::modify::<Warehouse>(&self.write, id.0, w, &Scope::default(), actor).await
    }

    async fn get_warehouse(&self, id: WarehouseId) -> Result<Option<Warehouse>> {
        records::get::<Warehouse>(
            &mut *self.read.acquire().await.db()?,
            id.0,
            &Scope::default(),
        )
        .await
    }

    async fn get_warehouse_by_code(&self, code: &str) -> Result<Option<Warehouse>> {
        records::get_by::<Warehouse>(
            &mut *self.read.acquire().await.db()?,
            "code",
            code.into(),
            &Scope::default(),
        )
        .await
    }

    async fn list_warehouses(&self, f: &ListFilter, page: &PageRequest) -> Result<Page<Warehouse>> {
        records::list::<Warehouse>(
            &mut *self.read.acquire().await.db()?,
            f,
            &Scope::default(),
            page,
            |_| {},
        )
        .await
    }

    async fn create_location(&self, l: &NewLocation, actor: &Actor) -> Result<Location> {
        check_warehouse(&mut *self.read.acquire().await.db()?, l.warehouse_id).await?;
        records::create::<Location>(&self.write, l, &Scope::default(), actor).await
    }

    async fn update_location(
        &self,
        id: LocationId,
        l: &NewLocation,
        actor: &Actor,
    ) -> Result<Location> {
        let mut c = self.read.acquire().await.db()?;
        let before = records::get::<Location>(&mut c, id.0, &Scope::default())
            .await?
            .ok_or_else(|| StoreError::not_found("location", id))?;
        if before.fields.warehouse_id != l.warehouse_id {
            return Err(StoreError::conflict(
                "warehouse_id",
                "库位不能换仓库 / a location cannot move to another warehouse",
            ));
        }
        drop(c);
        records::modify::<Location>(&self.write, id.0, l, &Scope::default(), actor).await
    }

    async fn get_location(&self, id: LocationId) -> Result<Option<Location>> {
        records::get::<Location>(
            &mut *self.read.acquire().await.db()?,
            id.0,
            &Scope::default(),
        )
        .await
    }

    async fn get_location_by_code(
        &self,
        warehouse: WarehouseId,
        code: &str,
    ) -> Result<Option<Location>> {
        let scope = Scope(Some(("warehouse_id", warehouse.0.into())));
        records::get_by::<Location>(
            &mut *self.read.acquire().await.db()?,
            "code",
            code.into(),
            &scope,
        )
        .await
    }

    async fn list_locations(&self, f: &ListFilter, page: &PageRequest) -> Result<Page<Location>> {
        records::list::<Location>(
            &mut *self.read.acquire().await.db()?,
            f,
            &Scope::default(),
            page,
            |_| {},
        )
        .await
    }
}
