//! 发货: what happens to an order after review — routing to a warehouse, and the
//! documents that go with a shipment.
//!
//! - [`routing`]: 分仓 — which warehouse ships which lines, and why.
//! - [`allocating`]: 分配 in memory — a batch's allocations take stock and load as they
//!   go; 拆单 parts are routed part by part.
//! - [`what_if`]: 分仓模拟 — replay orders under a changed setup.
//! - [`waves`]: 波次 — which shipments are picked together, and their 播种 slots.
//! - [`picking`]: 拣货路径 — the serpentine walk over a pick list's locations.
//! - [`barcode`]: Code128 barcodes for labels and pick lists.
//! - [`report`]: 发货报表 — paid-to-shipped time, on time vs deadline, exceptions.
//! - [`shipping`]: 发货设置 (waybill source, sender, buyer hook) and 合单 parcels.

pub mod allocating;
pub mod barcode;
pub mod picking;
pub mod report;
pub mod routing;
pub mod shipping;
pub mod waves;
pub mod what_if;
