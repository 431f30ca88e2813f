//! 商品 use-cases.

use jxc_core::catalog::{
    BundleComponent, Listing, ListingInput, NewListing, NewSku, Sku, SkuInput,
};
use jxc_core::ids::{ListingId, SkuId};
use jxc_core::paging::{Page, PageRequest};
use jxc_store::{Actor, ListFilter, SkuFilter};

use crate::{App, Error, Result};

impl App {
    pub async fn create_sku(&self, input: &SkuInput, actor: &Actor) -> Result<Sku> {
        Ok(self.store.create_sku(&NewSku::parse(input)?, actor).await?)
    }

    /// Updates the fields `input` names; the others keep their value.
    pub async fn update_sku(&self, id: SkuId, input: &SkuInput, actor: &Actor) -> Result<Sku> {
        let old = self.sku(id).await?;
        Ok(self
            .store
            .update_sku(id, &NewSku::merge(Some(&old.fields), input)?, actor)
            .await?)
    }

    pub async fn set_sku_active(&self, id: SkuId, active: bool, actor: &Actor) -> Result<Sku> {
        self.update_sku(
            id,
            &SkuInput {
                active: Some(active),
                ..Default::default()
            },
            actor,
        )
        .await
    }

    pub async fn sku(&self, id: SkuId) -> Result<Sku> {
        self.store
            .get_sku(id)
            .await?
            .ok_or_else(|| Error::not_found("sku", id))
    }

    pub async fn skus(&self, filter: &SkuFilter, page: &PageRequest) -> Result<Page<Sku>> {
        Ok(self.store.list_skus(filter, page).await?)
    }

    pub async fn set_bundle(
        &self,
        id: SkuId,
        components: &[BundleComponent],
        actor: &Actor,
    ) -> Result<Sku> {
        Ok(self
            .store
            .set_bundle_components(id, components, actor)
            .await?)
    }

    pub async fn create_listing(&self, input: &ListingInput, actor: &Actor) -> Result<Listing> {
        Ok(self
            .store
            .create_listing(&NewListing::merge(None, input)?, actor)
            .await?)
    }

    pub async fn update_listing(
        &self,
        id: ListingId,
        input: &ListingInput,
        actor: &Actor,
    ) -> Result<Listing> {
        let old = self
            .store
            .get_listing(id)
            .await?
            .ok_or_else(|| Error::not_found("listing", id))?;
        Ok(self
            .store
            .update_listing(id, &NewListing::merge(Some(&old.fields), input)?, actor)
            .await?)
    }

    pub async fn listing(&self, id: ListingId) -> Result<Listing> {
        self.store
            .get_listing(id)
            .await?
            .ok_or_else(|| Error::not_found("listing", id))
    }

    pub async fn listings(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<Listing>> {
        Ok(self.store.list_listings(filter, page).await?)
    }
}
