//! 供应商, 客户, 店铺 use-cases.

use jxc_core::ids::ShopId;
use jxc_core::paging::{Page, PageRequest};
use jxc_core::partners::{
    NewPartner, NewShop, Partner, PartnerInput, PartnerKind, Shop, ShopInput,
};
use jxc_store::{Actor, ListFilter};

use crate::{App, Error, Result};

/// A user limited to some shops may not see or act on the others.
pub fn require_shop(user: &jxc_core::users::User, shop: ShopId) -> Result<()> {
    if user.sees_shop(shop) {
        Ok(())
    } else {
        Err(crate::Error::Forbidden(format!(
            "店铺 {shop} 不在你的店铺范围内 / shop {shop} is not one of your shops"
        )))
    }
}

impl App {
    pub async fn create_partner(
        &self,
        kind: PartnerKind,
        input: &PartnerInput,
        actor: &Actor,
    ) -> Result<Partner> {
        Ok(self
            .store
            .create_partner(kind, &NewPartner::merge(None, input)?, actor)
            .await?)
    }

    pub async fn update_partner(
        &self,
        kind: PartnerKind,
        id: i64,
        input: &PartnerInput,
        actor: &Actor,
    ) -> Result<Partner> {
        let old = self.partner(kind, id).await?;
        Ok(self
            .store
            .update_partner(
                kind,
                id,
                &NewPartner::merge(Some(&old.fields), input)?,
                actor,
            )
            .await?)
    }

    pub async fn partner(&self, kind: PartnerKind, id: i64) -> Result<Partner> {
        self.store
            .get_partner(kind, id)
            .await?
            .ok_or_else(|| Error::not_found(kind.as_str(), id))
    }

    pub async fn partners(
        &self,
        kind: PartnerKind,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Partner>> {
        Ok(self.store.list_partners(kind, filter, page).await?)
    }

    pub async fn create_shop(&self, input: &ShopInput, actor: &Actor) -> Result<Shop> {
        Ok(self
            .store
            .create_shop(&NewShop::merge(None, input)?, actor)
            .await?)
    }

    pub async fn update_shop(&self, id: ShopId, input: &ShopInput, actor: &Actor) -> Result<Shop> {
        let old = self.shop(id).await?;
        Ok(self
            .store
            .update_shop(id, &NewShop::merge(Some(&old.fields), input)?, actor)
            .await?)
    }

    pub async fn shop(&self, id: ShopId) -> Result<Shop> {
        self.store
            .get_shop(id)
            .await?
            .ok_or_else(|| Error::not_found("shop", id))
    }

    pub async fn shops(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<Shop>> {
        Ok(self.store.list_shops(filter, page).await?)
    }
}
