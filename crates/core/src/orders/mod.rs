//! 订单: one queue for every shop. Pricing and proration (`pricing`), addresses checked
//! against the GB/T 2260 divisions (`address`), mainland phone numbers (`phone`).

pub mod address;
pub mod phone;
pub mod pricing;
