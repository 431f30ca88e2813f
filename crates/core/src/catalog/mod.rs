//! 商品: SKUs with barcodes, units and tracking modes; 组合装 bundles; 平台商品匹配 listings.

mod listing;
mod sku;

pub use listing::{Listing, ListingInput, NewListing};
pub use sku::{BundleComponent, NewSku, Sku, SkuInput, Tracking, UNITS, Unit, parse_components};
