//! 订单: one queue for every shop. The order, its state and holds (`order`), pricing and
//! proration (`pricing`), addresses checked against the GB/T 2260 divisions (`address`),
//! mainland phone numbers (`phone`).

pub mod address;
pub mod detect;
pub mod merge;
pub mod order;
pub mod phone;
pub mod pricing;
pub mod rules;
pub mod split;

pub use order::{Change, HoldReason, NewOrder, OrderLine, OrderState, Receiver, changes};
