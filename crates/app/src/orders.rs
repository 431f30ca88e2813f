//! 订单 use-cases: importing order files (map lines to SKUs through listings, run the
//! detectors, import idempotently in batches), the queue, and the actions on orders.

use std::collections::{BTreeSet, HashMap};

use jxc_core::catalog::BundleComponent;
use jxc_core::ids::{OrderId, ShopId, SkuId};
use jxc_core::orders::detect::{detect, receiver_holds};
use jxc_core::orders::rules::{NewRule, Rule, RuleInput, decide};
use jxc_core::orders::{HoldReason, NewOrder, Receiver};
use jxc_core::paging::{MAX_LIMIT, Page, PageRequest};
use jxc_core::users::User;
use jxc_store::{
    Actor, BulkOutcome, IncomingOrder, ListFilter, OrderCounts, OrderEvent, OrderFilter,
    OrderImportAction, OrderSummary, StoredOrder,
};
use serde::Serialize;

use crate::imports::RowError;
use crate::imports::orders::{ParsedOrders, parse_taobao, parse_template_each};
use crate::partners::require_shop;
use crate::{App, Error, Result};

/// Orders written per transaction when importing.
const BATCH: usize = 1000;

/// A batch written: what went in and what became of each order.
type Written = (Vec<IncomingOrder>, Vec<jxc_store::OrderImportOutcome>);

/// Which file an order import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFile {
    /// 淘宝/天猫 订单报表 (with an optional 宝贝报表 for the lines).
    Taobao,
    /// jxc's own order template (one row per line).
    Template,
}

/// What an order import did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderImportReport {
    /// Data rows in the order file.
    pub total_rows: usize,
    pub created: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Orders created or changed that now wait in the 异常 queue.
    pub held: usize,
    /// Bad rows, each with its row number and reason; their orders were not imported.
    pub errors: Vec<RowError>,
    /// Ids of the orders created or changed, in file order.
    pub order_ids: Vec<OrderId>,
}

/// Turns platform items into SKUs: a listing (shop + platform item/sku id) first, then
/// the line's 商家编码 as a SKU code.
struct Mapper {
    /// Platform item id → platform sku id → SKU.
    by_platform: HashMap<String, HashMap<String, SkuId>>,
    by_outer: HashMap<String, SkuId>,
    by_code: HashMap<String, Option<SkuId>>,
}

impl App {
    async fn mapper(&self, shop: ShopId) -> Result<Mapper> {
        let mut by_platform: HashMap<String, HashMap<String, SkuId>> = HashMap::new();
        let mut by_outer = HashMap::new();
        let filter = ListFilter {
            parent_id: Some(shop.0),
            active: Some(true),
            ..Default::default()
        };
        let mut after: Option<String> = None;
        loop {
            let page = PageRequest::new(Some(MAX_LIMIT), after.as_deref(), false)?;
            let p = self.store.list_listings(&filter, &page).await?;
            for l in &p.items {
                let f = &l.fields;
                by_platform
                    .entry(f.platform_item_id.clone())
                    .or_default()
                    .insert(f.platform_sku_id.clone(), f.sku_id);
                if !f.outer_code.is_empty() {
                    by_outer.insert(f.outer_code.clone(), f.sku_id);
                }
            }
            match p.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        Ok(Mapper {
            by_platform,
            by_outer,
            by_code: HashMap::new(),
        })
    }

    async fn map_lines(&self, m: &mut Mapper, o: &mut NewOrder) -> Result<()> {
        for l in &mut o.lines {
            if l.sku_id.is_some() {
                continue;
            }
            l.sku_id = m
                .by_platform
                .get(&l.platform_item_id)
                .and_then(|skus| skus.get(&l.platform_sku_id))
                .or_else(|| m.by_outer.get(&l.outer_code))
                .copied();
            if l.sku_id.is_none() && !l.outer_code.is_empty() {
                let found = match m.by_code.get(&l.outer_code) {
                    Some(f) => *f,
                    None => {
                        let f = self
                            .store
                            .get_sku_by_code(&l.outer_code)
                            .await?
                            .filter(|s| s.fields.active)
                            .map(|s| s.id);
                        m.by_code.insert(l.outer_code.clone(), f);
                        f
                    }
                };
                l.sku_id = found;
            }
        }
        Ok(())
    }

    /// Available stock per SKU for the lines of `orders`; a bundle counts as many as its
    /// scarcest component allows. `kinds` remembers which SKUs are bundles (and of what)
    /// across the batches of one import.
    async fn available_for(
        &self,
        orders: &[(usize, NewOrder)],
        kinds: &mut HashMap<SkuId, Vec<BundleComponent>>,
    ) -> Result<HashMap<SkuId, i64>> {
        let skus: BTreeSet<SkuId> = orders
            .iter()
            .flat_map(|(_, o)| o.lines.iter().filter_map(|l| l.sku_id))
            .collect();
        let mut bundles = HashMap::new();
        let mut stock_skus = BTreeSet::new();
        for s in &skus {
            if !kinds.contains_key(s) {
                let comps = match self.store.get_sku(*s).await? {
                    Some(sku) if sku.is_bundle => sku.components,
                    _ => Vec::new(),
                };
                kinds.insert(*s, comps);
            }
            match kinds.get(s) {
                Some(comps) if !comps.is_empty() => {
                    stock_skus.extend(comps.iter().map(|c| c.sku_id));
                    bundles.insert(*s, comps.clone());
                }
                _ => {
                    stock_skus.insert(*s);
                }
            }
        }
        let stock: Vec<SkuId> = stock_skus.into_iter().collect();
        let avail = self.store.available_by_sku(&stock).await?;
        let mut out: HashMap<SkuId, i64> = avail.iter().map(|(k, v)| (*k, *v)).collect();
        for (b, comps) in bundles {
            let n = comps
                .iter()
                .map(|c| avail.get(&c.sku_id).copied().unwrap_or(0).max(0) / c.qty.max(1))
                .min()
                .unwrap_or(0);
            out.insert(b, n);
        }
        Ok(out)
    }

    /// Imports an order file for `shop`: each good row becomes an order (or updates the
    /// one already there), bad rows are reported, and a replay of the same file changes
    /// nothing.
    pub async fn import_order_file(
        &self,
        shop: ShopId,
        kind: OrderFile,
        file: (&str, &[u8]),
        lines: Option<(&str, &[u8])>,
        actor: &Actor,
    ) -> Result<OrderImportReport> {
        if self.store.get_shop(shop).await?.is_none() {
            return Err(Error::invalid(
                "shop",
                format!("店铺 {shop} 不存在 / no such shop"),
            ));
        }
        let (parsed, mut report) = match kind {
            OrderFile::Taobao => {
                let mut parsed: ParsedOrders = parse_taobao(shop, file, lines);
                let orders = std::mem::take(&mut parsed.orders);
                let report = self.intake(shop, orders, actor).await?;
                (parsed, report)
            }
            OrderFile::Template => {
                // Read on a blocking thread, taken in batch by batch as it is read.
                let (tx, rx) = tokio::sync::mpsc::channel(2);
                let (name, bytes) = (file.0.to_string(), file.1.to_vec());
                let reading = tokio::task::spawn_blocking(move || {
                    let mut batch = Vec::with_capacity(BATCH);
                    let parsed = parse_template_each(shop, (&name, &bytes), &mut |row, order| {
                        batch.push((row, order));
                        if batch.len() == BATCH {
                            // A closed channel means the intake failed: its error is reported.
                            let _ = tx.blocking_send(std::mem::take(&mut batch));
                        }
                    });
                    if !batch.is_empty() {
                        let _ = tx.blocking_send(batch);
                    }
                    parsed
                });
                let report = self.intake_batches(shop, rx, actor).await;
                let parsed = reading
                    .await
                    .map_err(|e| Error::Internal(format!("reading the order file: {e}")))?;
                (parsed, report?)
            }
        };
        report.total_rows = parsed.total_rows;
        report.errors = parsed.errors;
        report.errors.sort_by_key(|e| e.row);
        Ok(report)
    }

    /// Takes in orders of `shop` (from a file, the demo, later a platform feed): maps
    /// their lines to SKUs, runs the detectors and imports them, `BATCH` a transaction.
    pub async fn intake(
        &self,
        shop: ShopId,
        orders: Vec<(usize, NewOrder)>,
        actor: &Actor,
    ) -> Result<OrderImportReport> {
        let total = orders.len();
        let (tx, rx) = tokio::sync::mpsc::channel(total.div_ceil(BATCH).max(1));
        let mut orders = orders.into_iter();
        loop {
            let batch: Vec<(usize, NewOrder)> = orders.by_ref().take(BATCH).collect();
            if batch.is_empty() || tx.try_send(batch).is_err() {
                break;
            }
        }
        drop(tx);
        let mut report = self.intake_batches(shop, rx, actor).await?;
        report.total_rows = total;
        Ok(report)
    }

    /// [`App::intake`] of orders arriving in batches (a file still being read). While a
    /// batch is written, the next one is mapped and checked; batches are written one
    /// after the other, each followed by its review rules, as without the overlap.
    async fn intake_batches(
        &self,
        shop: ShopId,
        mut batches: tokio::sync::mpsc::Receiver<Vec<(usize, NewOrder)>>,
        actor: &Actor,
    ) -> Result<OrderImportReport> {
        let mut report = OrderImportReport::default();
        let mut mapper = self.mapper(shop).await?;
        let mut kinds = HashMap::new();
        let platform = self
            .store
            .get_shop(shop)
            .await?
            .map(|s| s.fields.platform.as_str().to_string())
            .unwrap_or_default();
        let rules: Vec<Rule> = self
            .review_rules()
            .await?
            .into_iter()
            .filter(|r| r.fields.active)
            .collect();
        let mut writing: Option<tokio::task::JoinHandle<Result<Written>>> = None;
        while let Some(mut orders) = batches.recv().await {
            let prepared = self
                .prepare(&mut mapper, &mut kinds, &mut orders)
                .await
                .map(|available| {
                    orders
                        .into_iter()
                        .map(|(row, order)| IncomingOrder {
                            row,
                            holds: detect(&order, Some(&available)),
                            order,
                        })
                        .collect::<Vec<_>>()
                });
            if let Some(w) = writing.take() {
                self.written(w, &mut report, &rules, &platform, actor)
                    .await?;
            }
            let incoming = prepared?;
            let store = self.store.clone();
            let actor = actor.clone();
            writing = Some(tokio::spawn(async move {
                let outcomes = store.import_orders(&incoming, &actor).await?;
                Ok((incoming, outcomes))
            }));
        }
        if let Some(w) = writing.take() {
            self.written(w, &mut report, &rules, &platform, actor)
                .await?;
        }
        Ok(report)
    }

    /// Maps the lines of a batch to SKUs and reads the stock its detectors need.
    async fn prepare(
        &self,
        mapper: &mut Mapper,
        kinds: &mut HashMap<SkuId, Vec<BundleComponent>>,
        orders: &mut [(usize, NewOrder)],
    ) -> Result<HashMap<SkuId, i64>> {
        for (_, o) in orders.iter_mut() {
            self.map_lines(mapper, o).await?;
        }
        self.available_for(orders, kinds).await
    }

    /// Waits for a batch being written, counts what it did and runs the review rules on
    /// the orders it created.
    async fn written(
        &self,
        writing: tokio::task::JoinHandle<Result<Written>>,
        report: &mut OrderImportReport,
        rules: &[Rule],
        platform: &str,
        actor: &Actor,
    ) -> Result<()> {
        let (incoming, outcomes) = writing
            .await
            .map_err(|e| Error::Internal(format!("order import task: {e}")))??;
        let mut created = Vec::new();
        for (o, inc) in outcomes.iter().zip(&incoming) {
            match o.action {
                OrderImportAction::Created => report.created += 1,
                OrderImportAction::Changed => report.changed += 1,
                OrderImportAction::Unchanged => report.unchanged += 1,
            }
            if o.action != OrderImportAction::Unchanged {
                report.order_ids.push(o.order_id);
                if !inc.holds.is_empty() || !o.changes.is_empty() {
                    report.held += 1;
                }
            }
            if o.action == OrderImportAction::Created {
                created.push((o.order_id, &inc.order));
            }
        }
        self.apply_rules(rules, platform, &created, actor).await
    }

    /// 审单规则 on newly created orders: holds (with the rule's note), tags, priority, and
    /// auto-approval (which the store still refuses for orders with a blocking hold).
    async fn apply_rules(
        &self,
        rules: &[Rule],
        platform: &str,
        created: &[(OrderId, &NewOrder)],
        actor: &Actor,
    ) -> Result<()> {
        if rules.is_empty() {
            return Ok(());
        }
        let mut approve = Vec::new();
        let mut tags: HashMap<String, Vec<OrderId>> = HashMap::new();
        let mut priorities: HashMap<i64, Vec<OrderId>> = HashMap::new();
        for (id, o) in created {
            let d = decide(rules, o, platform);
            for note in &d.holds {
                self.store
                    .hold_orders(&[*id], HoldReason::Manual, note, actor)
                    .await?;
            }
            for t in d.tags {
                tags.entry(t).or_default().push(*id);
            }
            if let Some(p) = d.priority {
                priorities.entry(p).or_default().push(*id);
            }
            if d.auto_approve {
                approve.push(*id);
            }
        }
        for (t, ids) in tags {
            self.store.tag_orders(&ids, &t, actor).await?;
        }
        for (p, ids) in priorities {
            self.store.set_order_priority(&ids, p, actor).await?;
        }
        if !approve.is_empty() {
            self.store.approve_orders(&approve, actor).await?;
        }
        Ok(())
    }

    /// Every review rule, for intake and the rules page.
    pub async fn review_rules(&self) -> Result<Vec<Rule>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = PageRequest::new(Some(MAX_LIMIT), after.as_deref(), false)?;
            let p = self.store.list_rules(&ListFilter::default(), &page).await?;
            out.extend(p.items);
            match p.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    pub async fn create_rule(&self, input: &RuleInput, actor: &Actor) -> Result<Rule> {
        let r = NewRule::parse(input, None)?;
        Ok(self.store.create_rule(&r, actor).await?)
    }

    pub async fn update_rule(&self, id: i64, input: &RuleInput, actor: &Actor) -> Result<Rule> {
        let before = self.rule(id).await?;
        let r = NewRule::parse(input, Some(&before.fields))?;
        Ok(self.store.update_rule(id, &r, actor).await?)
    }

    pub async fn rule(&self, id: i64) -> Result<Rule> {
        self.store
            .get_rule(id)
            .await?
            .ok_or_else(|| Error::not_found("review_rule", id))
    }

    pub async fn orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> Result<Page<OrderSummary>> {
        Ok(self.store.list_orders(filter, page).await?)
    }

    /// An order, if `user` may see its shop.
    pub async fn order(&self, user: &User, id: OrderId) -> Result<StoredOrder> {
        let o = self
            .store
            .get_order(id)
            .await?
            .ok_or_else(|| Error::not_found("order", id))?;
        require_shop(user, o.order.shop_id)?;
        Ok(o)
    }

    pub async fn order_events(&self, user: &User, id: OrderId) -> Result<Vec<OrderEvent>> {
        self.order(user, id).await?;
        Ok(self.store.order_events(id).await?)
    }

    pub async fn order_counts(&self, user: &User) -> Result<OrderCounts> {
        Ok(self.store.order_counts(&user.fields.shop_ids).await?)
    }

    /// The ids among `ids` whose shop `user` may see; the others answer "not allowed".
    async fn visible(
        &self,
        user: &User,
        ids: &[OrderId],
    ) -> Result<(Vec<OrderId>, Vec<BulkOutcome>)> {
        if user.fields.shop_ids.is_empty() {
            return Ok((ids.to_vec(), vec![]));
        }
        let mut ok = Vec::new();
        let mut refused = Vec::new();
        for id in ids {
            match self.store.get_order(*id).await? {
                Some(o) if user.sees_shop(o.order.shop_id) => ok.push(*id),
                _ => refused.push(BulkOutcome {
                    order_id: *id,
                    ok: false,
                    reason: "订单不存在或不在你的店铺范围内 / no such order in your shops".into(),
                }),
            }
        }
        Ok((ok, refused))
    }

    fn bulk_ids(ids: &[OrderId]) -> Result<()> {
        if ids.is_empty() {
            return Err(Error::invalid(
                "ids",
                "请选择订单 / choose at least one order",
            ));
        }
        if ids.len() > 1000 {
            return Err(Error::invalid(
                "ids",
                "一次最多 1000 个订单 / at most 1000 orders at once",
            ));
        }
        Ok(())
    }

    /// 审核.
    pub async fn approve_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let (ok, mut out) = self.visible(user, ids).await?;
        out.extend(self.store.approve_orders(&ok, actor).await?);
        Ok(out)
    }

    /// 挂起 with a note.
    pub async fn hold_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let note = jxc_core::text::required("note", note, 200)?;
        let (ok, mut out) = self.visible(user, ids).await?;
        let done = self
            .store
            .hold_orders(&ok, HoldReason::Manual, &note, actor)
            .await?;
        self.release_allocations_of(&succeeded(&done), actor)
            .await?;
        out.extend(done);
        Ok(out)
    }

    /// 解除异常 with a note: all live holds, or one reason.
    pub async fn release_holds(
        &self,
        user: &User,
        ids: &[OrderId],
        reason: Option<HoldReason>,
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let note = jxc_core::text::required("note", note, 200)?;
        let (ok, mut out) = self.visible(user, ids).await?;
        out.extend(self.store.release_holds(&ok, reason, &note, actor).await?);
        Ok(out)
    }

    pub async fn tag_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        tag: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let tag = jxc_core::text::required("tag", tag, 20)?;
        if tag.contains(',') {
            return Err(Error::invalid(
                "tag",
                "标签不能含逗号 / a tag cannot contain a comma",
            ));
        }
        let (ok, mut out) = self.visible(user, ids).await?;
        out.extend(self.store.tag_orders(&ok, &tag, actor).await?);
        Ok(out)
    }

    /// 合单: the orders ship as one (same shop, buyer, receiver and address; all paid).
    pub async fn merge_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let (ok, mut out) = self.visible(user, ids).await?;
        if !out.is_empty() {
            return Ok(out);
        }
        out.extend(self.store.merge_orders(&ok, actor).await?);
        Ok(out)
    }

    /// Undoes 合单 for the groups of these orders.
    pub async fn unmerge_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let (ok, mut out) = self.visible(user, ids).await?;
        out.extend(self.store.unmerge_orders(&ok, actor).await?);
        Ok(out)
    }

    /// 拆单: the order ships in these parts.
    pub async fn split_order(
        &self,
        user: &User,
        id: OrderId,
        parts: &[Vec<jxc_core::orders::split::PartLine>],
        actor: &Actor,
    ) -> Result<StoredOrder> {
        self.order(user, id).await?;
        Ok(self.store.split_order(id, parts, actor).await?)
    }

    /// Undoes 拆单.
    pub async fn unsplit_order(
        &self,
        user: &User,
        id: OrderId,
        actor: &Actor,
    ) -> Result<StoredOrder> {
        self.order(user, id).await?;
        Ok(self.store.unsplit_order(id, actor).await?)
    }

    pub async fn cancel_orders(
        &self,
        user: &User,
        ids: &[OrderId],
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<BulkOutcome>> {
        Self::bulk_ids(ids)?;
        let note = jxc_core::text::required("note", note, 200)?;
        let (ok, mut out) = self.visible(user, ids).await?;
        let done = self.store.cancel_orders(&ok, &note, actor).await?;
        self.release_allocations_of(&succeeded(&done), actor)
            .await?;
        out.extend(done);
        Ok(out)
    }

    /// 改地址: the receiver a person corrected. The address and phone checks run again;
    /// their holds clear when the new address passes.
    pub async fn edit_receiver(
        &self,
        user: &User,
        id: OrderId,
        receiver: &Receiver,
        actor: &Actor,
    ) -> Result<StoredOrder> {
        let o = self.order(user, id).await?;
        let mut e = jxc_core::error::Errors::default();
        let mut clean = Receiver::default();
        for (field, value, max, out) in [
            ("name", &receiver.name, 50, &mut clean.name),
            ("mobile", &receiver.mobile, 40, &mut clean.mobile),
            ("phone", &receiver.phone, 40, &mut clean.phone),
            ("province", &receiver.province, 20, &mut clean.province),
            ("city", &receiver.city, 30, &mut clean.city),
            ("district", &receiver.district, 30, &mut clean.district),
            ("town", &receiver.town, 30, &mut clean.town),
            ("detail", &receiver.detail, 200, &mut clean.detail),
            ("zip", &receiver.zip, 10, &mut clean.zip),
        ] {
            if let Some(v) = e.take(jxc_core::text::optional(field, value, max)) {
                *out = v;
            }
        }
        if clean.name.is_empty() {
            e.push("name", "收货人不能为空 / the receiver's name is required");
        }
        if clean.detail.is_empty() {
            e.push(
                "detail",
                "详细地址不能为空 / the street address is required",
            );
        }
        e.into_result()?;
        let mut changed = o.order.clone();
        changed.receiver = clean.clone();
        let holds = receiver_holds(&changed);
        Ok(self
            .store
            .update_receiver(id, &clean, &holds, actor)
            .await?)
    }
}

/// The orders a bulk action changed.
fn succeeded(outcomes: &[BulkOutcome]) -> Vec<OrderId> {
    outcomes
        .iter()
        .filter(|o| o.ok)
        .map(|o| o.order_id)
        .collect()
}
