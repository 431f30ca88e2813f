//! jxc-store: the storage traits of jxc, implemented once per backend
//! (`jxc-store-sqlite`, `jxc-store-postgres`) and held to one [`conformance`] suite.
//!
//! The traits are named after the business modules. Each mutating method is one
//! transaction: it either happens entirely, with its audit-log row, or not at all.
//! Business rules are not here: the stores load rows, call `jxc-core`, and write rows.

pub mod adjustments;
pub mod alerts;
pub mod channels;
pub mod conformance;
pub mod count_schedules;
pub mod counts;
mod error;
pub mod fulfillment;
pub mod model;
pub mod orders;
pub mod shipments;
pub mod trace;
pub mod transfers;
pub mod waves;

use std::collections::BTreeMap;

use async_trait::async_trait;
use jxc_core::catalog::{BundleComponent, Listing, NewListing, NewSku, Sku};
use jxc_core::ids::{
    ApiTokenId, ListingId, LocationId, OrderId, ReservationId, ShopId, SkuId, UserId, WarehouseId,
};
use jxc_core::inventory::check::Observed;
use jxc_core::inventory::{BalanceKey, Document};
use jxc_core::orders::rules::{NewRule, Rule};
use jxc_core::orders::{HoldReason, Receiver};
use jxc_core::paging::{Page, PageRequest};
use jxc_core::partners::{NewPartner, NewShop, Partner, PartnerKind, Shop};
use jxc_core::users::{NewUser, User};
use jxc_core::warehouses::{Location, NewLocation, NewWarehouse, Warehouse};

pub use adjustments::*;
pub use alerts::*;
pub use channels::*;
pub use count_schedules::*;
pub use counts::*;
pub use error::StoreError;
pub use fulfillment::*;
pub use model::*;
pub use orders::*;
pub use shipments::*;
pub use trace::*;
pub use transfers::*;
pub use waves::*;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who does something: recorded on every ledger row and audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn system(what: &str) -> Actor {
        Actor(format!("system:{what}"))
    }
}

/// 商品: SKUs, bundles, listings.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    async fn create_sku(&self, sku: &NewSku, actor: &Actor) -> Result<Sku>;
    async fn update_sku(&self, id: SkuId, sku: &NewSku, actor: &Actor) -> Result<Sku>;
    async fn get_sku(&self, id: SkuId) -> Result<Option<Sku>>;
    async fn get_sku_by_code(&self, code: &str) -> Result<Option<Sku>>;
    /// Finds the SKU a barcode belongs to.
    async fn get_sku_by_barcode(&self, barcode: &str) -> Result<Option<Sku>>;
    async fn list_skus(&self, filter: &SkuFilter, page: &PageRequest) -> Result<Page<Sku>>;
    /// Makes a SKU a bundle (组合装) of `components`, or replaces them. A SKU with stock
    /// history cannot become a bundle, and a bundle cannot contain a bundle.
    async fn set_bundle_components(
        &self,
        id: SkuId,
        components: &[BundleComponent],
        actor: &Actor,
    ) -> Result<Sku>;
    /// Creates or updates (by code) many SKUs in one transaction. A row that conflicts
    /// (e.g. a barcode already on another SKU) is reported and skipped; the others are written.
    async fn import_skus(
        &self,
        rows: &[(usize, NewSku)],
        actor: &Actor,
    ) -> Result<Vec<ImportOutcome>>;
    async fn create_listing(&self, listing: &NewListing, actor: &Actor) -> Result<Listing>;
    async fn update_listing(
        &self,
        id: ListingId,
        listing: &NewListing,
        actor: &Actor,
    ) -> Result<Listing>;
    async fn get_listing(&self, id: ListingId) -> Result<Option<Listing>>;
    async fn list_listings(&self, filter: &ListFilter, page: &PageRequest)
    -> Result<Page<Listing>>;
}

/// 店铺, 供应商, 客户.
#[async_trait]
pub trait PartnerStore: Send + Sync {
    async fn create_partner(
        &self,
        kind: PartnerKind,
        p: &NewPartner,
        actor: &Actor,
    ) -> Result<Partner>;
    async fn update_partner(
        &self,
        kind: PartnerKind,
        id: i64,
        p: &NewPartner,
        actor: &Actor,
    ) -> Result<Partner>;
    async fn get_partner(&self, kind: PartnerKind, id: i64) -> Result<Option<Partner>>;
    async fn list_partners(
        &self,
        kind: PartnerKind,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Partner>>;
    async fn create_shop(&self, s: &NewShop, actor: &Actor) -> Result<Shop>;
    async fn update_shop(&self, id: ShopId, s: &NewShop, actor: &Actor) -> Result<Shop>;
    async fn get_shop(&self, id: ShopId) -> Result<Option<Shop>>;
    async fn list_shops(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<Shop>>;
}

/// 仓库 and 库位.
#[async_trait]
pub trait WarehouseStore: Send + Sync {
    /// Creates a warehouse with its default location.
    async fn create_warehouse(&self, w: &NewWarehouse, actor: &Actor) -> Result<Warehouse>;
    async fn update_warehouse(
        &self,
        id: WarehouseId,
        w: &NewWarehouse,
        actor: &Actor,
    ) -> Result<Warehouse>;
    async fn get_warehouse(&self, id: WarehouseId) -> Result<Option<Warehouse>>;
    async fn get_warehouse_by_code(&self, code: &str) -> Result<Option<Warehouse>>;
    async fn list_warehouses(
        &self,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Warehouse>>;
    async fn create_location(&self, l: &NewLocation, actor: &Actor) -> Result<Location>;
    async fn update_location(
        &self,
        id: LocationId,
        l: &NewLocation,
        actor: &Actor,
    ) -> Result<Location>;
    async fn get_location(&self, id: LocationId) -> Result<Option<Location>>;
    async fn get_location_by_code(
        &self,
        warehouse: WarehouseId,
        code: &str,
    ) -> Result<Option<Location>>;
    async fn list_locations(
        &self,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> Result<Page<Location>>;
}

/// 库存: the ledger, balances and reservations.
#[async_trait]
pub trait InventoryStore: Send + Sync {
    /// Posts documents in one transaction, in order: all of them or none.
    async fn post_documents(&self, docs: &[Document], actor: &Actor)
    -> Result<Vec<PostedDocument>>;
    /// Reserves stock for each request, in one transaction: all of them or none.
    async fn reserve(&self, reqs: &[ReservationRequest], actor: &Actor)
    -> Result<Vec<Reservation>>;
    /// Releases live reservations (their remaining quantity becomes available again).
    async fn release(&self, ids: &[ReservationId], actor: &Actor) -> Result<Vec<Reservation>>;
    async fn get_document(&self, id: jxc_core::ids::DocumentId) -> Result<Option<PostedDocument>>;
    async fn list_documents(
        &self,
        filter: &DocumentFilter,
        page: &PageRequest,
    ) -> Result<Page<DocumentSummary>>;
    async fn list_balances(
        &self,
        filter: &BalanceFilter,
        page: &PageRequest,
    ) -> Result<Page<BalanceRow>>;
    async fn list_moves(&self, filter: &MoveFilter, page: &PageRequest) -> Result<Page<MoveRow>>;
    /// Balances summed per SKU or per SKU × warehouse (库存余额 按商品 / 按仓库), with
    /// the low-stock filter; see [`SummaryFilter`].
    async fn stock_summary(
        &self,
        filter: &SummaryFilter,
        page: &PageRequest,
    ) -> Result<Page<SummaryRow>>;
    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        page: &PageRequest,
    ) -> Result<Page<Reservation>>;
    /// Per balance key: Σ ledger, Σ live reservations and the stored balance; plus the SKUs
    /// allowed to go negative. `jxc check` compares them.
    async fn observe(&self) -> Result<(BTreeMap<BalanceKey, Observed>, Vec<SkuId>)>;
    /// Stock value (分) and quantity per warehouse.
    async fn stock_totals(&self) -> Result<Vec<StockTotal>>;
    /// Available (on hand − reserved) per SKU over all warehouses, for `skus`.
    async fn available_by_sku(&self, skus: &[SkuId]) -> Result<BTreeMap<SkuId, i64>>;
    /// How many active stock SKUs have at most `at_most` available over all warehouses.
    async fn low_stock_count(&self, at_most: i64) -> Result<i64>;
}

/// 订单: intake, the queue, holds and events.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Imports orders in one transaction. New orders are created 待审核 with their holds;
    /// an order already there (same shop and platform id) with the same content is left
    /// alone; one with different content is updated, and every change recorded as an
    /// event (a refund, an address edit, changed lines or a close also hold it). Orders
    /// whose merge key matches another open order get a merge-candidate hold; an order id
    /// already known under another shop of the same platform gets a duplicate hold.
    async fn import_orders(
        &self,
        orders: &[IncomingOrder],
        actor: &Actor,
    ) -> Result<Vec<OrderImportOutcome>>;
    async fn get_order(&self, id: OrderId) -> Result<Option<StoredOrder>>;
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<OrderSummary>>;
    /// Tab counts, limited to `shop_ids` (empty: all shops).
    async fn order_counts(&self, shop_ids: &[ShopId]) -> Result<OrderCounts>;
    async fn order_events(&self, id: OrderId) -> Result<Vec<OrderEvent>>;
    /// 审核: pending orders without a blocking hold become approved.
    async fn approve_orders(&self, ids: &[OrderId], actor: &Actor) -> Result<Vec<BulkOutcome>>;
    /// Puts a hold with `reason` on each order (not cancelled ones).
    async fn hold_orders(
        &self,
        ids: &[OrderId],
        reason: HoldReason,
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>>;
    /// Releases the live holds of each order (only `reason` when given), with a note.
    async fn release_holds(
        &self,
        ids: &[OrderId],
        reason: Option<HoldReason>,
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>>;
    /// Adds a tag to each order.
    async fn tag_orders(
        &self,
        ids: &[OrderId],
        tag: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>>;
    /// 合单: puts the orders in one merge group (all of them, or none when the core's
    /// merge check refuses them: then every outcome carries the reason). Their merge-
    /// candidate holds are released.
    async fn merge_orders(&self, ids: &[OrderId], actor: &Actor) -> Result<Vec<BulkOutcome>>;
    /// Undoes 合单 for the groups these orders are in (every order of each group).
    async fn unmerge_orders(&self, ids: &[OrderId], actor: &Actor) -> Result<Vec<BulkOutcome>>;
    /// 拆单: ships the order in these parts (checked by the core's split rule); replaces
    /// an earlier split. A cancelled or merged order cannot be split.
    async fn split_order(
        &self,
        id: OrderId,
        parts: &[Vec<jxc_core::orders::split::PartLine>],
        actor: &Actor,
    ) -> Result<StoredOrder>;
    /// Undoes 拆单: the order ships whole again.
    async fn unsplit_order(&self, id: OrderId, actor: &Actor) -> Result<StoredOrder>;
    /// 设优先级.
    async fn set_order_priority(&self, ids: &[OrderId], priority: i64, actor: &Actor)
    -> Result<()>;
    async fn create_rule(&self, r: &NewRule, actor: &Actor) -> Result<Rule>;
    async fn update_rule(&self, id: i64, r: &NewRule, actor: &Actor) -> Result<Rule>;
    async fn get_rule(&self, id: i64) -> Result<Option<Rule>>;
    /// Review rules by priority, then id.
    async fn list_rules(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<Rule>>;
    /// 取消 (not yet shipped orders).
    async fn cancel_orders(
        &self,
        ids: &[OrderId],
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>>;
    /// Changes the receiver (address edit), records it, and sets the address and phone
    /// holds to `holds` (those no longer found are released automatically).
    async fn update_receiver(
        &self,
        id: OrderId,
        receiver: &Receiver,
        holds: &[HoldReason],
        actor: &Actor,
    ) -> Result<StoredOrder>;
}

/// 平台同步: sync settings and cursors, the sync log, raw payloads, webhook deliveries.
#[async_trait]
pub trait ChannelStore: Send + Sync {
    /// A shop's sync settings (`None` before they were ever set).
    async fn get_shop_sync(&self, shop: ShopId) -> Result<Option<ShopSync>>;
    /// Sets whether and how often a shop syncs; the next run is due at once.
    async fn set_shop_sync(
        &self,
        shop: ShopId,
        enabled: bool,
        interval_secs: i64,
        actor: &Actor,
    ) -> Result<ShopSync>;
    /// Enabled shops whose next run is due at `now_ms`.
    async fn due_shop_syncs(&self, now_ms: i64) -> Result<Vec<ShopSync>>;
    /// Starts a run of the log (status `running`).
    async fn start_sync_run(
        &self,
        shop: ShopId,
        trigger: SyncTrigger,
        window_start_ms: i64,
        window_end_ms: i64,
    ) -> Result<i64>;
    /// Moves a shop's cursor forward to `cursor_ms` (never back), with the run's tally
    /// so far: called after each window, so a run cut short resumes where it got to.
    async fn advance_sync_cursor(
        &self,
        shop: ShopId,
        run_id: i64,
        cursor_ms: i64,
        tally: &SyncTally,
    ) -> Result<()>;
    /// Ends a run: its status, error and tally; the shop's last status and next run.
    async fn finish_sync_run(
        &self,
        run_id: i64,
        status: &str,
        error: &str,
        tally: &SyncTally,
        next_run_at: i64,
    ) -> Result<()>;
    /// Marks runs left `running` (the process stopped mid-run) as `interrupted`.
    async fn interrupt_running_syncs(&self) -> Result<u64>;
    /// The sync log, newest first.
    async fn list_sync_runs(
        &self,
        filter: &SyncRunFilter,
        page: &PageRequest,
    ) -> Result<Page<SyncRun>>;
    /// Keeps a payload that could not be read.
    async fn save_raw_payload(
        &self,
        shop: ShopId,
        run_id: Option<i64>,
        platform_order_id: &str,
        reason: &str,
        raw: &str,
    ) -> Result<i64>;
    async fn list_raw_payloads(
        &self,
        shop: Option<ShopId>,
        page: &PageRequest,
    ) -> Result<Page<RawPayload>>;
    /// Records a webhook delivery (by the platform's delivery id) and says whether it
    /// was seen before.
    async fn begin_delivery(
        &self,
        shop: ShopId,
        delivery_id: &str,
        topic: &str,
    ) -> Result<DeliverySeen>;
    /// Marks a delivery processed.
    async fn finish_delivery(&self, shop: ShopId, delivery_id: &str) -> Result<()>;
}

/// 用户, 会话, API 令牌. Passwords, session ids and tokens arrive here already hashed;
/// the store never sees a secret.
#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, u: &NewUser, password_hash: &str, actor: &Actor) -> Result<User>;
    /// Updates a user. Deactivating one also ends their sessions.
    async fn update_user(&self, id: UserId, u: &NewUser, actor: &Actor) -> Result<User>;
    /// Sets a new password hash and ends every session of the user.
    async fn set_password(&self, id: UserId, password_hash: &str, actor: &Actor) -> Result<()>;
    async fn get_user(&self, id: UserId) -> Result<Option<User>>;
    /// Finds a user by login name (without regard to case), with the password hash.
    async fn get_user_for_login(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn list_users(&self, filter: &ListFilter, page: &PageRequest) -> Result<Page<User>>;
    async fn count_users(&self) -> Result<i64>;
    /// Records a successful login and starts its session.
    async fn create_session(&self, s: &NewSession) -> Result<()>;
    /// The live (unexpired) session with this id hash, and its user.
    async fn get_session(&self, id_hash: &str, now_ms: i64) -> Result<Option<(Session, User)>>;
    /// Moves a session's expiry (sliding expiry on use).
    async fn extend_session(&self, id_hash: &str, expires_at: i64) -> Result<()>;
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    /// Removes every expired session; returns how many.
    async fn purge_sessions(&self, now_ms: i64) -> Result<u64>;
    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        token_hash: &str,
        prefix: &str,
        actor: &Actor,
    ) -> Result<ApiToken>;
    async fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId, actor: &Actor) -> Result<()>;
    /// The unrevoked token with this hash and its user (active or not: the caller
    /// decides), marking it used.
    async fn use_api_token(&self, token_hash: &str) -> Result<Option<(ApiToken, User)>>;
}

/// Settings, audit log, migrations.
#[async_trait]
pub trait AdminStore: Send + Sync {
    /// Brings the schema up to date. Safe to run any number of times.
    async fn migrate(&self) -> Result<()>;
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;
    /// Sets a setting, with its audit row (old and new value).
    async fn set_setting(&self, key: &str, value: &str, actor: &Actor) -> Result<()>;
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>>;
    /// Row counts of the main tables (for the dashboard and the demo).
    async fn counts(&self) -> Result<Counts>;
    /// Which backend this is: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

/// Everything jxc stores. `Arc<dyn Store>` is what the app holds.
pub trait Store:
    CatalogStore
    + PartnerStore
    + WarehouseStore
    + InventoryStore
    + OrderStore
    + ChannelStore
    + FulfillmentStore
    + WaveStore
    + ShipmentStore
    + CountStore
    + CountScheduleStore
    + TransferStore
    + AdjustmentStore
    + AlertStore
    + TraceStore
    + UserStore
    + AdminStore
{
}
impl<T> Store for T where
    T: CatalogStore
        + PartnerStore
        + WarehouseStore
        + InventoryStore
        + OrderStore
        + ChannelStore
        + FulfillmentStore
        + WaveStore
        + ShipmentStore
        + CountStore
        + CountScheduleStore
        + TransferStore
        + AdjustmentStore
        + AlertStore
        + TraceStore
        + UserStore
        + AdminStore
{
}
