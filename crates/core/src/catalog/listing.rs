//! 平台商品匹配: which SKU or bundle a platform item/sku of a shop is.

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{ListingId, ShopId, SkuId};
use crate::{Error, text};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ListingInput {
    pub shop_id: Option<i64>,
    pub platform_item_id: Option<String>,
    pub platform_sku_id: Option<String>,
    pub outer_code: Option<String>,
    pub title: Option<String>,
    pub sku_id: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewListing {
    pub shop_id: ShopId,
    pub platform_item_id: String,
    /// Empty when the platform item has no SKU level.
    pub platform_sku_id: String,
    pub outer_code: String,
    pub title: String,
    pub sku_id: SkuId,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listing {
    pub id: ListingId,
    #[serde(flatten)]
    pub fields: NewListing,
}

impl NewListing {
    pub fn merge(base: Option<&NewListing>, i: &ListingInput) -> Result<NewListing, Error> {
        let mut e = Errors::default();
        let s = |v: &Option<String>, b: Option<&String>| {
            v.clone().or_else(|| b.cloned()).unwrap_or_default()
        };
        let shop_id = i.shop_id.or(base.map(|b| b.shop_id.0));
        let sku_id = i.sku_id.or(base.map(|b| b.sku_id.0));
        if shop_id.is_none() {
            e.push("shop_id", "必须指定店铺 / shop is required");
        }
        if sku_id.is_none() {
            e.push("sku_id", "必须指定商品 / sku is required");
        }
        let item = e.take(text::code(
            "platform_item_id",
            &s(&i.platform_item_id, base.map(|b| &b.platform_item_id)),
        ));
        let sku = e.take(text::optional(
            "platform_sku_id",
            &s(&i.platform_sku_id, base.map(|b| &b.platform_sku_id)),
            64,
        ));
        let outer = e.take(text::optional(
            "outer_code",
            &s(&i.outer_code, base.map(|b| &b.outer_code)),
            64,
        ));
        let title = e.take(text::optional(
            "title",
            &s(&i.title, base.map(|b| &b.title)),
            200,
        ));
        e.into_result()?;
        Ok(NewListing {
            shop_id: ShopId(shop_id.unwrap_or_default()),
            platform_item_id: item.unwrap_or_default(),
            platform_sku_id: sku.unwrap_or_default(),
            outer_code: outer.unwrap_or_default(),
            title: title.unwrap_or_default(),
            sku_id: SkuId(sku_id.unwrap_or_default()),
            active: i.active.or(base.map(|b| b.active)).unwrap_or(true),
        })
    }
}
