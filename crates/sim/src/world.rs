//! One simulated shop: its orders in a platform-neutral form, a virtual clock, and a
//! seeded generator of what happens on a platform — new orders, payments, refunds,
//! address edits, cancels, shipping. Each platform module renders these orders in its
//! own JSON shape; the world itself knows nothing of any platform.
//!
//! The seller's side of shipping (发货回传) comes in through [`World::ship`]: each parcel
//! is kept on its order ([`SimShipment`], carrier as the platform received it), and
//! [`World::shipped`] tells a test what the platform was told.

use std::sync::Mutex;

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimStatus {
    Unpaid,
    Paid,
    Shipped,
    Completed,
    /// Closed before payment, or every line refunded.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimRefund {
    None,
    /// The buyer asked; the seller has not agreed yet.
    Requested,
    Refunded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReceiver {
    pub name: String,
    pub mobile: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub detail: String,
    pub zip: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLine {
    /// Unique across the world (a platform's line id).
    pub line_id: u64,
    /// The merchant's code (商家编码) of the SKU.
    pub sku_code: String,
    /// The platform's own item and SKU ids.
    pub item_id: u64,
    pub sku_id: u64,
    pub title: String,
    pub spec: String,
    pub qty: i64,
    /// Unit price in 分.
    pub price_fen: i64,
    /// The line's own discount in 分.
    pub discount_fen: i64,
    pub refund: SimRefund,
}

impl SimLine {
    /// price × qty − line discount, in 分.
    pub fn total_fen(&self) -> i64 {
        self.price_fen * self.qty - self.discount_fen
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrder {
    /// Unique across the world; each platform formats it (e.g. PDD `231125-000123`).
    pub id: u64,
    pub created_ms: i64,
    pub paid_ms: Option<i64>,
    pub modified_ms: i64,
    /// Increases with every change in the world; the webhook senders deliver by it.
    pub seq: u64,
    pub status: SimStatus,
    pub buyer: String,
    pub receiver: SimReceiver,
    pub lines: Vec<SimLine>,
    /// Shipping in 分.
    pub shipping_fen: i64,
    /// An order-level discount the seller funded (满减), in 分.
    pub discount_fen: i64,
    pub buyer_message: String,
    /// The parcels the seller shipped through the platform's API, in order.
    pub shipments: Vec<SimShipment>,
}

/// One parcel the seller told the platform about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimShipment {
    /// The carrier as the platform received it (its own company code, id or name).
    pub carrier: String,
    pub tracking_no: String,
    /// The world line ids in the parcel.
    pub line_ids: Vec<u64>,
    pub at_ms: i64,
}

/// Why a platform refuses to ship (each platform answers in its own error shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShipRefusal {
    UnknownOrder,
    MissingTrackingNo,
    NotPaid,
    /// Cancelled, closed or wholly refunded.
    Closed,
    /// A line id that is not the order's.
    UnknownLine(u64),
    /// Shipped already (the whole order, or a line asked for) under another tracking number.
    AlreadyShipped,
}

impl SimOrder {
    /// Σ line totals, in 分.
    pub fn goods_fen(&self) -> i64 {
        self.lines.iter().map(SimLine::total_fen).sum()
    }

    /// What the buyer pays: Σ line totals − order discount + shipping, in 分.
    pub fn payment_fen(&self) -> i64 {
        self.goods_fen() - self.discount_fen + self.shipping_fen
    }

    /// Each line's share of the order after the order discount (largest remainder, by
    /// line total), in 分: Taobao's `divide_order_fee`.
    pub fn line_paid_fen(&self) -> Vec<i64> {
        let totals: Vec<i64> = self.lines.iter().map(SimLine::total_fen).collect();
        let goods: i64 = totals.iter().sum();
        if goods <= 0 {
            return totals;
        }
        let mut shares: Vec<i64> = totals
            .iter()
            .map(|t| (self.discount_fen as i128 * *t as i128 / goods as i128) as i64)
            .collect();
        let mut left = self.discount_fen - shares.iter().sum::<i64>();
        let mut order: Vec<usize> = (0..totals.len()).collect();
        order.sort_by_key(|&i| {
            std::cmp::Reverse((self.discount_fen as i128 * totals[i] as i128) % goods as i128)
        });
        for i in order {
            if left == 0 {
                break;
            }
            shares[i] += 1;
            left -= 1;
        }
        totals.iter().zip(shares).map(|(t, s)| t - s).collect()
    }

    /// Whether line `line_id` went out in a parcel the seller reported.
    pub fn line_shipped(&self, line_id: u64) -> bool {
        self.shipments.iter().any(|s| s.line_ids.contains(&line_id))
    }

    /// Paid, with some lines reported shipped and some not (部分发货).
    pub fn part_shipped(&self) -> bool {
        self.status == SimStatus::Paid && !self.shipments.is_empty()
    }
}

/// A product the simulated shop sells.
#[derive(Debug, Clone)]
pub struct SimProduct {
    pub sku_code: String,
    pub title: String,
    pub spec: String,
    pub price_fen: i64,
}

/// How busy the shop is, per simulated hour.
#[derive(Debug, Clone)]
pub struct Activity {
    pub orders_per_hour: u64,
    /// Percent of orders, over their life, that get a refund request on one line.
    pub refund_percent: u64,
    pub address_change_percent: u64,
    pub cancel_unpaid_percent: u64,
    /// The simulated step: things happen every `step_ms` of the clock (a minute in
    /// tests; a few seconds in the demo, so orders arrive as you watch).
    pub step_ms: i64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            orders_per_hour: 120,
            refund_percent: 8,
            address_change_percent: 5,
            cancel_unpaid_percent: 30,
            step_ms: 60_000,
        }
    }
}

/// Failures the next requests will see, for tests of retries and error handling.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer with the platform's rate-limit error.
    pub rate_limited: u32,
    /// Answer with HTTP 500.
    pub server_error: u32,
    /// Answer with a body that is not JSON.
    pub malformed_body: u32,
    /// Break one order of the next page (a required field of the wrong type).
    pub malformed_order: u32,
}

/// Counters a test can read.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub requests: u64,
    pub bad_signatures: u64,
    pub webhooks_sent: u64,
}

#[derive(Debug)]
pub struct WorldState {
    pub now_ms: i64,
    pub orders: Vec<SimOrder>,
    pub products: Vec<SimProduct>,
    pub activity: Activity,
    pub faults: Faults,
    pub stats: Stats,
    rng: Rng,
    next_id: u64,
    next_line: u64,
    seq: u64,
}

/// A simulated shop, shared by its server, its webhook sender and the test.
#[derive(Debug)]
pub struct World {
    state: Mutex<WorldState>,
}

const PLACES: [(&str, &str, &str, &str); 10] = [
    ("浙江省", "杭州市", "西湖区", "310000"),
    ("广东省", "深圳市", "南山区", "518000"),
    ("江苏省", "南京市", "鼓楼区", "210000"),
    ("北京市", "北京市", "朝阳区", "100000"),
    ("上海市", "上海市", "浦东新区", "200000"),
    ("四川省", "成都市", "武侯区", "610000"),
    ("陕西省", "西安市", "新城区", "710000"),
    ("湖北省", "武汉市", "洪山区", "430000"),
    ("山东省", "青岛市", "市南区", "266000"),
    ("福建省", "厦门市", "思明区", "361000"),
];
const SURNAMES: [&str; 10] = ["张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴"];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"];
const STREETS: [&str; 6] = [
    "文三路",
    "科技园南路",
    "中山北路",
    "建国路",
    "人民南路",
    "解放路",
];
const MESSAGES: [&str; 4] = ["请尽快发货", "不要放快递柜", "送人的，别放发票", "周末送"];

impl World {
    /// A shop whose clock starts at `start_ms`, selling `products`, driven by `seed`.
    pub fn new(seed: u64, start_ms: i64, products: Vec<SimProduct>) -> World {
        assert!(!products.is_empty(), "a simulated shop sells something");
        World {
            state: Mutex::new(WorldState {
                now_ms: start_ms,
                orders: Vec::new(),
                products,
                activity: Activity::default(),
                faults: Faults::default(),
                stats: Stats::default(),
                rng: Rng::new(seed),
                next_id: 1_000_000 + seed % 1000 * 1_000_000,
                next_line: 1,
                seq: 0,
            }),
        }
    }

    /// Runs `f` with the world locked.
    pub fn with<R>(&self, f: impl FnOnce(&mut WorldState) -> R) -> R {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    pub fn now_ms(&self) -> i64 {
        self.with(|w| w.now_ms)
    }

    /// Advances the clock to `to_ms` (never backwards), a step at a time, generating
    /// what happens in each step.
    pub fn advance_to(&self, to_ms: i64) {
        self.with(|w| {
            // Whole steps, then the rest as a shorter step (rates scale with its length),
            // so a clock that follows the wall clock second by second still sells.
            let step = w.activity.step_ms.max(1_000);
            while w.now_ms < to_ms {
                let d = step.min(to_ms - w.now_ms);
                w.now_ms += d;
                w.step(d);
            }
        })
    }

    /// Orders modified in `[start_ms, end_ms)`, by (modified, id).
    pub fn modified_between(&self, start_ms: i64, end_ms: i64) -> Vec<SimOrder> {
        self.with(|w| {
            let mut v: Vec<SimOrder> = w
                .orders
                .iter()
                .filter(|o| o.modified_ms >= start_ms && o.modified_ms < end_ms)
                .cloned()
                .collect();
            v.sort_by_key(|o| (o.modified_ms, o.id));
            v
        })
    }

    pub fn order(&self, id: u64) -> Option<SimOrder> {
        self.with(|w| w.orders.iter().find(|o| o.id == id).cloned())
    }

    /// Orders changed after `seq`, in the order they changed (for webhook senders).
    pub fn changed_after(&self, seq: u64) -> Vec<SimOrder> {
        self.with(|w| {
            let mut v: Vec<SimOrder> = w.orders.iter().filter(|o| o.seq > seq).cloned().collect();
            v.sort_by_key(|o| o.seq);
            v
        })
    }

    /// The seller ships `line_ids` (world ids; empty = every line not shipped yet) of
    /// order `id` with `carrier` (as the platform names it) and `tracking_no`. Sending the
    /// same tracking number again for lines it already covers changes nothing and is Ok.
    /// When every line that is not refunded has shipped, the order is `Shipped`.
    pub fn ship(
        &self,
        id: u64,
        carrier: &str,
        tracking_no: &str,
        line_ids: &[u64],
    ) -> Result<(), ShipRefusal> {
        self.with(|w| w.ship(id, carrier, tracking_no, line_ids))
    }

    /// What the platform was told of order `id`: `(carrier, tracking number)` per parcel.
    pub fn shipped(&self, id: u64) -> Vec<(String, String)> {
        self.order(id)
            .map(|o| {
                o.shipments
                    .iter()
                    .map(|s| (s.carrier.clone(), s.tracking_no.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Takes one fault of the kind `pick` selects, if any is pending.
    pub fn take_fault(&self, pick: impl FnOnce(&mut Faults) -> &mut u32) -> bool {
        self.with(|w| {
            let n = pick(&mut w.faults);
            if *n > 0 {
                *n -= 1;
                true
            } else {
                false
            }
        })
    }
}

impl WorldState {
    fn touch(&mut self, idx: usize) {
        self.seq += 1;
        let o = &mut self.orders[idx];
        o.modified_ms = self.now_ms;
        o.seq = self.seq;
    }

    /// A new order, now (also for tests that want one at once).
    /// Numbers the next orders from `next` on (a demo that restarts picks a number past
    /// the last run's, so platform order ids never repeat).
    pub fn start_ids_at(&mut self, next: u64) {
        self.next_id = next;
    }

    pub fn new_order(&mut self) -> u64 {
        let r = &mut self.rng;
        let (province, city, district, zip) = *r.pick(&PLACES);
        let n_lines = r.range(1, 3) as usize;
        let mut lines = Vec::with_capacity(n_lines);
        for _ in 0..n_lines {
            let p = self.products[self.rng.below(self.products.len() as u64) as usize].clone();
            let qty = self.rng.range(1, 3);
            let discount = if self.rng.chance(20) {
                (p.price_fen * qty / 10).min(500)
            } else {
                0
            };
            let item_id = 100_000
                + self
                    .products
                    .iter()
                    .position(|x| x.sku_code == p.sku_code)
                    .unwrap_or(0) as u64;
            lines.push(SimLine {
                line_id: self.next_line,
                sku_code: p.sku_code,
                item_id,
                sku_id: item_id * 10 + 1,
                title: p.title,
                spec: p.spec,
                qty,
                price_fen: p.price_fen,
                discount_fen: discount,
                refund: SimRefund::None,
            });
            self.next_line += 1;
        }
        let r = &mut self.rng;
        let goods: i64 = lines.iter().map(SimLine::total_fen).sum();
        let discount_fen = if goods >= 20_000 && r.chance(40) {
            3_000
        } else {
            0
        };
        let shipping_fen = if r.chance(30) { 800 } else { 0 };
        let paid = r.chance(80);
        let name = format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN));
        let mobile = format!("13{}{:08}", r.range(0, 9), r.below(100_000_000));
        let detail = format!(
            "{}{}号{}室",
            r.pick(&STREETS),
            r.range(1, 300),
            r.range(101, 2205)
        );
        let buyer = format!("buyer{}", r.below(5_000));
        let buyer_message = if r.chance(10) {
            r.pick(&MESSAGES).to_string()
        } else {
            String::new()
        };
        let id = self.next_id;
        self.next_id += 1;
        self.orders.push(SimOrder {
            id,
            created_ms: self.now_ms,
            paid_ms: paid.then_some(self.now_ms),
            modified_ms: self.now_ms,
            seq: 0,
            status: if paid {
                SimStatus::Paid
            } else {
                SimStatus::Unpaid
            },
            buyer,
            receiver: SimReceiver {
                name,
                mobile,
                province: province.into(),
                city: city.into(),
                district: district.into(),
                detail,
                zip: zip.into(),
            },
            lines,
            shipping_fen,
            discount_fen,
            buyer_message,
            shipments: Vec::new(),
        });
        let idx = self.orders.len() - 1;
        self.touch(idx);
        id
    }

    /// The buyer asks for a refund of line `line` (0-based).
    pub fn request_refund(&mut self, id: u64, line: usize) -> bool {
        let Some(idx) = self.orders.iter().position(|o| o.id == id) else {
            return false;
        };
        let o = &mut self.orders[idx];
        match o.lines.get_mut(line) {
            Some(l) if l.refund == SimRefund::None && o.status != SimStatus::Unpaid => {
                l.refund = SimRefund::Requested;
            }
            _ => return false,
        }
        self.touch(idx);
        true
    }

    /// The seller agrees: the line is refunded; with every line refunded the order closes.
    pub fn complete_refund(&mut self, id: u64, line: usize) -> bool {
        let Some(idx) = self.orders.iter().position(|o| o.id == id) else {
            return false;
        };
        let o = &mut self.orders[idx];
        match o.lines.get_mut(line) {
            Some(l) if l.refund == SimRefund::Requested => l.refund = SimRefund::Refunded,
            _ => return false,
        }
        if o.lines.iter().all(|l| l.refund == SimRefund::Refunded) {
            o.status = SimStatus::Cancelled;
        }
        self.touch(idx);
        true
    }

    /// See [`World::ship`].
    pub fn ship(
        &mut self,
        id: u64,
        carrier: &str,
        tracking_no: &str,
        line_ids: &[u64],
    ) -> Result<(), ShipRefusal> {
        let tracking_no = tracking_no.trim();
        if tracking_no.is_empty() {
            return Err(ShipRefusal::MissingTrackingNo);
        }
        let idx = self
            .orders
            .iter()
            .position(|o| o.id == id)
            .ok_or(ShipRefusal::UnknownOrder)?;
        let o = &self.orders[idx];
        if let Some(&l) = line_ids
            .iter()
            .find(|l| !o.lines.iter().any(|x| x.line_id == **l))
        {
            return Err(ShipRefusal::UnknownLine(l));
        }
        let repeat = o.shipments.iter().any(|s| {
            s.tracking_no == tracking_no
                && (line_ids.is_empty()
                    && matches!(o.status, SimStatus::Shipped | SimStatus::Completed)
                    || !line_ids.is_empty() && line_ids.iter().all(|l| s.line_ids.contains(l)))
        });
        if repeat {
            return Ok(());
        }
        match o.status {
            SimStatus::Unpaid => return Err(ShipRefusal::NotPaid),
            SimStatus::Cancelled => return Err(ShipRefusal::Closed),
            SimStatus::Shipped | SimStatus::Completed => return Err(ShipRefusal::AlreadyShipped),
            SimStatus::Paid => {}
        }
        let open = |l: &SimLine| !o.line_shipped(l.line_id) && l.refund != SimRefund::Refunded;
        let lines: Vec<u64> = if line_ids.is_empty() {
            o.lines
                .iter()
                .filter(|l| open(l))
                .map(|l| l.line_id)
                .collect()
        } else if line_ids.iter().any(|l| o.line_shipped(*l)) {
            return Err(ShipRefusal::AlreadyShipped);
        } else {
            line_ids.to_vec()
        };
        if lines.is_empty() {
            return Err(ShipRefusal::AlreadyShipped);
        }
        let now = self.now_ms;
        let o = &mut self.orders[idx];
        o.shipments.push(SimShipment {
            carrier: carrier.to_string(),
            tracking_no: tracking_no.to_string(),
            line_ids: lines,
            at_ms: now,
        });
        let all_out = o
            .lines
            .iter()
            .all(|l| l.refund == SimRefund::Refunded || o.line_shipped(l.line_id));
        if all_out {
            o.status = SimStatus::Shipped;
        }
        self.touch(idx);
        Ok(())
    }

    /// The buyer edits the address before shipping.
    pub fn change_address(&mut self, id: u64) -> bool {
        let Some(idx) = self.orders.iter().position(|o| o.id == id) else {
            return false;
        };
        if !matches!(self.orders[idx].status, SimStatus::Unpaid | SimStatus::Paid) {
            return false;
        }
        let detail = format!(
            "{}{}号{}室",
            self.rng.pick(&STREETS),
            self.rng.range(1, 300),
            self.rng.range(101, 2205)
        );
        self.orders[idx].receiver.detail = detail;
        self.touch(idx);
        true
    }

    fn set_status(&mut self, idx: usize, status: SimStatus) {
        if status == SimStatus::Paid && self.orders[idx].paid_ms.is_none() {
            self.orders[idx].paid_ms = Some(self.now_ms);
        }
        self.orders[idx].status = status;
        self.touch(idx);
    }

    /// One simulated step of `step_ms`.
    fn step(&mut self, step_ms: i64) {
        let per_hour = self.activity.orders_per_hour;
        // New orders: on average per_hour × step / hour, the fraction by chance (in
        // per-mille so short steps keep their rate).
        let per_step_milli = per_hour as i64 * step_ms / 3_600;
        let whole = per_step_milli / 1000;
        let extra = (self.rng.below(1000) as i64) < per_step_milli % 1000;
        for _ in 0..(whole + extra as i64) {
            self.new_order();
        }
        // Each change below touches a handful of random orders of the right kind.
        let n = self.orders.len();
        if n == 0 {
            return;
        }
        let a = self.activity.clone();
        // Changes: about (1 + per_hour / 120) a minute.
        let changes_milli = (1 + per_hour as i64 / 120) * step_ms / 60;
        let n_changes =
            changes_milli / 1000 + ((self.rng.below(1000) as i64) < changes_milli % 1000) as i64;
        for _ in 0..n_changes {
            let idx = self.rng.below(n as u64) as usize;
            let age = self.now_ms - self.orders[idx].created_ms;
            match self.orders[idx].status {
                SimStatus::Unpaid if age > 10 * 60_000 => {
                    if self.rng.chance(a.cancel_unpaid_percent) {
                        self.set_status(idx, SimStatus::Cancelled);
                    } else {
                        self.set_status(idx, SimStatus::Paid);
                    }
                }
                SimStatus::Paid => {
                    let id = self.orders[idx].id;
                    let roll = self.rng.below(100);
                    if roll < a.refund_percent * 3 {
                        let line = self.rng.below(self.orders[idx].lines.len() as u64) as usize;
                        if !self.request_refund(id, line) {
                            self.complete_refund(id, line);
                        }
                    } else if roll < (a.refund_percent + a.address_change_percent) * 3 {
                        self.change_address(id);
                    } else if age > 2 * 3_600_000 {
                        self.set_status(idx, SimStatus::Shipped);
                    }
                }
                SimStatus::Shipped if age > 24 * 3_600_000 => {
                    self.set_status(idx, SimStatus::Completed);
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new(
            7,
            1_700_000_000_000,
            vec![SimProduct {
                sku_code: "A-1".into(),
                title: "T恤".into(),
                spec: "黑色 L".into(),
                price_fen: 9_900,
            }],
        )
    }

    #[test]
    fn a_simulated_day_makes_orders_and_changes_them() {
        let w = world();
        w.advance_to(1_700_000_000_000 + 24 * 3_600_000);
        let orders = w.modified_between(0, i64::MAX);
        assert!(orders.len() > 2_000, "{}", orders.len());
        assert!(orders.iter().any(|o| o.status == SimStatus::Shipped));
        assert!(orders.iter().any(|o| o.status == SimStatus::Cancelled));
        assert!(
            orders
                .iter()
                .any(|o| o.lines.iter().any(|l| l.refund == SimRefund::Requested))
        );
        assert!(orders.iter().all(|o| o.modified_ms >= o.created_ms));
    }

    #[test]
    fn line_shares_of_an_order_discount_add_up_to_the_payment() {
        let w = world();
        let o = w.with(|s| {
            let id = s.new_order();
            let i = s.orders.iter().position(|o| o.id == id).unwrap();
            s.orders[i].discount_fen = 1_001;
            s.orders[i].clone()
        });
        let paid: i64 = o.line_paid_fen().iter().sum();
        assert_eq!(paid + o.shipping_fen, o.payment_fen());
    }

    #[test]
    fn a_clock_that_ticks_each_second_sells_at_the_same_rate_as_one_that_jumps() {
        let start = 1_700_000_000_000;
        let (ticking, jumping) = (world(), world());
        for w in [&ticking, &jumping] {
            w.with(|s| {
                s.activity.orders_per_hour = 360;
                s.activity.step_ms = 5_000;
            });
        }
        for t in 1..=3_600 {
            ticking.advance_to(start + t * 1_000);
        }
        jumping.advance_to(start + 3_600_000);
        let made = |w: &World| w.with(|s| s.orders.len()) as i64;
        assert!((300..=420).contains(&made(&ticking)), "{}", made(&ticking));
        assert!((300..=420).contains(&made(&jumping)), "{}", made(&jumping));
    }

    /// A paid order of two lines; its id and line ids.
    fn paid_order_of_two_lines(w: &World) -> (u64, [u64; 2]) {
        w.with(|s| {
            let id = s.new_order();
            let o = s.orders.iter_mut().find(|o| o.id == id).unwrap();
            o.status = SimStatus::Paid;
            o.paid_ms = Some(o.created_ms);
            o.lines.truncate(1);
            let second = SimLine {
                line_id: 9_999,
                ..o.lines[0].clone()
            };
            o.lines.push(second);
            (id, [o.lines[0].line_id, 9_999])
        })
    }

    #[test]
    fn a_part_shipment_then_the_rest_ships_the_order_and_a_repeat_changes_nothing() {
        let w = world();
        let (id, [a, b]) = paid_order_of_two_lines(&w);
        assert_eq!(w.ship(id, "YTO", " YT1 ", &[a]), Ok(()));
        let o = w.order(id).unwrap();
        assert!(o.part_shipped() && o.line_shipped(a) && !o.line_shipped(b));
        assert_eq!(
            w.ship(id, "YTO", "YT1", &[a]),
            Ok(()),
            "the same parcel again"
        );
        assert_eq!(
            w.ship(id, "ZTO", "ZT9", &[a]),
            Err(ShipRefusal::AlreadyShipped)
        );
        assert_eq!(
            w.ship(id, "ZTO", "ZT2", &[]),
            Ok(()),
            "the rest of the order"
        );
        let o = w.order(id).unwrap();
        assert_eq!(o.status, SimStatus::Shipped);
        assert_eq!(o.shipments[1].line_ids, vec![b]);
        let seq = o.seq;
        assert_eq!(w.ship(id, "ZTO", "ZT2", &[]), Ok(()));
        assert_eq!(w.order(id).unwrap().seq, seq, "a repeat is not a change");
        assert_eq!(
            w.ship(id, "ZTO", "ZT3", &[]),
            Err(ShipRefusal::AlreadyShipped)
        );
        assert_eq!(
            w.shipped(id),
            vec![("YTO".into(), "YT1".into()), ("ZTO".into(), "ZT2".into())]
        );
    }

    #[test]
    fn shipping_is_refused_for_what_a_platform_refuses() {
        let w = world();
        let (id, [a, _]) = paid_order_of_two_lines(&w);
        assert_eq!(
            w.ship(id + 1_000, "YTO", "YT1", &[]),
            Err(ShipRefusal::UnknownOrder)
        );
        assert_eq!(
            w.ship(id, "YTO", "  ", &[]),
            Err(ShipRefusal::MissingTrackingNo)
        );
        assert_eq!(
            w.ship(id, "YTO", "YT1", &[a, 7]),
            Err(ShipRefusal::UnknownLine(7))
        );
        w.with(|s| s.orders.iter_mut().find(|o| o.id == id).unwrap().status = SimStatus::Unpaid);
        assert_eq!(w.ship(id, "YTO", "YT1", &[]), Err(ShipRefusal::NotPaid));
        w.with(|s| s.orders.iter_mut().find(|o| o.id == id).unwrap().status = SimStatus::Cancelled);
        assert_eq!(w.ship(id, "YTO", "YT1", &[]), Err(ShipRefusal::Closed));
        assert!(w.shipped(id).is_empty());
    }

    #[test]
    fn the_same_seed_makes_the_same_day() {
        let (a, b) = (world(), world());
        a.advance_to(1_700_000_000_000 + 3_600_000);
        b.advance_to(1_700_000_000_000 + 3_600_000);
        assert_eq!(
            a.modified_between(0, i64::MAX),
            b.modified_between(0, i64::MAX)
        );
    }
}
