//! 商品 pages: SKUs (list, detail, forms, bundle components) in `catalog/skus.rs` and
//! 平台商品匹配 (listings) in `catalog/listings.rs`.

mod listings;
mod skus;

use crate::guard::{Routes, Surface};

pub fn routes() -> Routes {
    Routes::new(Surface::Page, "")
        .merge(skus::routes())
        .merge(listings::routes())
}
