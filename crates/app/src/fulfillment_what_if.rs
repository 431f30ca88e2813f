//! 分仓模拟: the orders of the last days replayed under the saved routing setup and a
//! changed one, to see before saving how many orders would move, split or wait, and each
//! warehouse's load. Stock is taken as it stands now, and each order sees all of it;
//! capacity counts down through the replay as it would through a day.

use jxc_core::fulfillment::routing::{OrderFacts, RoutingSetup};
use jxc_core::fulfillment::what_if::{Setup, WhatIf, what_if};
use jxc_core::ids::OrderId;
use jxc_core::orders::OrderState;
use jxc_core::paging::{Cursor, MAX_LIMIT, PageRequest};
use jxc_core::users::User;
use jxc_store::OrderFilter;

use crate::{App, Error, Result};

/// The most orders one simulation replays.
pub const MAX_ORDERS: usize = 5_000;

fn setup(s: &RoutingSetup) -> Setup {
    Setup {
        rules: s.rules.clone(),
        strategies: s.strategies.clone(),
        allow_split: s.allow_split,
    }
}

impl App {
    /// Replays the (not cancelled, fully mapped) orders created in the last `days` days,
    /// oldest first, under the saved setup and under `changed`.
    pub async fn routing_what_if(
        &self,
        user: &User,
        changed: RoutingSetup,
        days: i64,
    ) -> Result<WhatIf> {
        if !(1..=90).contains(&days) {
            return Err(Error::invalid("days", "天数应为 1–90 / days is 1 to 90"));
        }
        let changed = changed.validate()?;
        let saved = self.routing_setup().await?;
        let since = chrono::DateTime::from_timestamp_millis(self.now_ms() - days * 86_400_000);
        let filter = OrderFilter {
            created_from: since,
            shop_ids: user.fields.shop_ids.clone(),
            ..Default::default()
        };
        let mut facts: Vec<OrderFacts> = Vec::new();
        let mut page = PageRequest {
            limit: MAX_LIMIT,
            ..Default::default()
        };
        'pages: loop {
            let p = self.orders(&filter, &page).await?;
            let ids: Vec<OrderId> = p
                .items
                .iter()
                .filter(|o| o.state != OrderState::Cancelled)
                .map(|o| o.id)
                .collect();
            let inputs = self.store.allocation_inputs(&ids).await?;
            let skus = self.sku_facts(&inputs).await?;
            let shops = self.shop_codes(&inputs).await?;
            for o in &inputs {
                // A 拆单 replays as its whole order: the simulation compares warehouses.
                if let Ok(parts) = skus.facts(o, &shops[&o.shop_id]) {
                    facts.push(whole(parts));
                    if facts.len() >= MAX_ORDERS {
                        break 'pages;
                    }
                }
            }
            match p.next {
                Some(n) => {
                    page.after = Some(
                        Cursor::decode(&n)
                            .map_err(|e| Error::Internal(format!("order cursor: {e}")))?,
                    )
                }
                None => break,
            }
        }
        // Every SKU of the replay, in one stock picture; capacity counts from zero.
        let stock = self
            .stock_of(&crate::fulfillment_batch::skus_of(facts.iter()))
            .await?;
        let mut candidates = self.candidates().await?;
        for c in &mut candidates {
            c.routed_today = 0;
        }
        Ok(what_if(
            &facts,
            &candidates,
            &stock,
            &setup(&saved),
            &setup(&changed),
        ))
    }
}

/// An order's parts as one order: their needs and weights added up.
fn whole(parts: Vec<OrderFacts>) -> OrderFacts {
    let mut it = parts.into_iter();
    let mut all = it.next().unwrap_or_default();
    for p in it {
        all.weight_g += p.weight_g;
        for (sku, q) in p.needs {
            *all.needs.entry(sku).or_default() += q;
        }
    }
    all
}
