//! Typed ids. An id of one entity cannot be passed where another's is expected.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl From<$name> for i64 {
            fn from(id: $name) -> i64 { id.0 }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }
    )*};
}

id!(
    SkuId,
    ShopId,
    ListingId,
    SupplierId,
    CustomerId,
    WarehouseId,
    LocationId,
    /// 批次. `LotId(0)` means "no lot" (the SKU does not track lots).
    LotId,
    DocumentId,
    MoveId,
    ReservationId,
    UserId,
    ApiTokenId,
    OrderId,
);

impl LotId {
    pub const NONE: LotId = LotId(0);
}
