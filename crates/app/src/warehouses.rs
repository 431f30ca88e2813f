//! 仓库 and 库位 use-cases.

use jxc_core::ids::{LocationId, WarehouseId};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::warehouses::{
    Location, LocationInput, NewLocation, NewWarehouse, Warehouse, WarehouseInput,
};
use jxc_store::{Actor, ListFilter};

use crate::{App, Error, Result};

impl App {
    pub async fn create_warehouse(
        &self,
        input: &WarehouseInput,
        actor: &Actor,
    ) -> Result<Warehouse> {
        Ok(self
            .store
            .create_warehouse(&NewWarehouse::merge(None, input)?, actor)
            .await?)
    }

    pub async fn update_warehouse(
        &self,
        id: WarehouseId,
        input: &WarehouseInput,
        actor: &Actor,
    ) -> Result<Warehouse> {
        let old = self.warehouse(id).await?;
        Ok(self
            .store
            .update_warehouse(id, &NewWarehouse::merge(Some(&old.fields), input)?, actor)
            .await?)
    }

    pub async fn warehouse(&self, id: WarehouseId) -> Result<Warehouse> {
        self.store
            .get_warehouse(id)
            .await?
            .ok_or_else(|| Error::not_found("warehouse", id))
    }

    pub async fn warehouses(
        &self,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Warehouse>> {
        Ok(self.store.list_warehouses(filter, page).await?)
    }

    pub async fn create_location(&self, input: &LocationInput, actor: &Actor) -> Result<Location> {
        Ok(self
            .store
            .create_location(&NewLocation::merge(None, input)?, actor)
            .await?)
    }

    pub async fn update_location(
        &self,
        id: LocationId,
        input: &LocationInput,
        actor: &Actor,
    ) -> Result<Location> {
        let old = self.location(id).await?;
        Ok(self
            .store
            .update_location(id, &NewLocation::merge(Some(&old.fields), input)?, actor)
            .await?)
    }

    pub async fn location(&self, id: LocationId) -> Result<Location> {
        self.store
            .get_location(id)
            .await?
            .ok_or_else(|| Error::not_found("location", id))
    }

    pub async fn locations(
        &self,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Location>> {
        Ok(self.store.list_locations(filter, page).await?)
    }
}
