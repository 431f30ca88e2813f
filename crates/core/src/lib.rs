//! jxc-core: the pure domain of jxc.
//!
//! No I/O, no async, no SQL, no HTTP. Everything here is a value or a pure function,
//! so the business rules can be property-tested and read in one place:
//!
//! - [`money`]: exact amounts in 分 and largest-remainder splitting.
//! - [`ids`]: typed ids of every entity.
//! - [`catalog`]: SKUs, barcodes, units, bundles, listings.
//! - [`partners`]: shops, suppliers, customers.
//! - [`warehouses`]: warehouses and locations.
//! - [`inventory`]: stock documents, moving-average valuation, reservations and the
//!   ledger/balance check.
//! - [`paging`]: keyset page requests shared by every list.
//! - [`orders`]: pricing and proration, addresses, phone numbers.
//! - [`fulfillment`]: 分仓 routing and shipment documents (barcodes).
//! - [`users`] and [`permissions`]: roles, and the one table of what each role may do.

pub mod alerts;
pub mod catalog;
pub mod error;
pub mod fulfillment;
pub mod ids;
pub mod inventory;
pub mod money;
pub mod orders;
pub mod paging;
pub mod partners;
pub mod permissions;
pub mod text;
pub mod users;
pub mod warehouses;

pub use error::{Error, FieldError};
