//! 分仓: which warehouse ships an order, and why.
//!
//! A pipeline over the active warehouses:
//! 1. **Rules** the merchant configured, in order. A rule whose conditions match the
//!    order forbids warehouses, allows only some, or prefers some; it may name a carrier.
//! 2. **Strategies** in the merchant's order, each keeping only the candidates that are
//!    best by its measure and saying why the others lost: one warehouse that can ship the
//!    whole order, nearest by region, priority, most stock, remaining daily capacity.
//! 3. When no single warehouse holds everything and splitting is allowed: **the fewest
//!    shipments** — an exact search over combinations for up to [`EXACT_LIMIT`]
//!    candidates, a greedy cover beyond.
//!
//! Every step is recorded in [`Decision::why`], for the order page. Bundles are exploded
//! to their components before routing ([`explode`]). Nothing here reads a database: the
//! caller passes the warehouses, what each has available, and the rules.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::BundleComponent;
use crate::ids::{SkuId, WarehouseId};
use crate::orders::address;

/// Up to this many candidates, the fewest-shipments split is searched exactly.
pub const EXACT_LIMIT: usize = 10;

/// A warehouse as routing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: WarehouseId,
    pub code: String,
    pub province: String,
    /// Smaller goes first (1 before 2).
    pub priority: i64,
    /// Shipments a day; 0 = no limit.
    pub daily_capacity: i64,
    /// Shipments already routed to it today.
    pub routed_today: i64,
    pub active: bool,
}

/// What the order needs: SKU → quantity (components, after [`explode`]).
pub type Needs = BTreeMap<SkuId, i64>;

/// Available (on hand − reserved) per warehouse and SKU.
pub type Stock = BTreeMap<(WarehouseId, SkuId), i64>;

/// The facts rules look at.
#[derive(Debug, Clone, Default)]
pub struct OrderFacts {
    pub shop: String,
    pub province: String,
    pub city: String,
    /// Paid amount in 分.
    pub amount: i64,
    pub weight_g: i64,
    pub has_buyer_message: bool,
    pub needs: Needs,
}

/// A merchant's routing rule: conditions (all must hold; an empty one holds) → effect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub name: String,
    pub shops: Vec<String>,
    pub provinces: Vec<String>,
    pub skus: Vec<SkuId>,
    pub min_amount: Option<i64>,
    pub max_amount: Option<i64>,
    pub min_weight_g: Option<i64>,
    pub max_weight_g: Option<i64>,
    pub buyer_message: Option<bool>,
    pub effect: Effect,
    pub carrier: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "warehouses")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Effect {
    /// Only these may ship it.
    Allow(Vec<WarehouseId>),
    /// Try these first (they win ties before any strategy).
    Prefer(Vec<WarehouseId>),
    /// These may not ship it.
    Forbid(Vec<WarehouseId>),
    /// Only the carrier.
    #[default]
    None,
}

impl Rule {
    pub fn matches(&self, o: &OrderFacts) -> bool {
        let within = |v: i64, lo: Option<i64>, hi: Option<i64>| {
            lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v <= h)
        };
        (self.shops.is_empty() || self.shops.contains(&o.shop))
            && (self.provinces.is_empty()
                || self
                    .provinces
                    .iter()
                    .any(|p| address::divisions::same_name(p, &o.province)))
            && (self.skus.is_empty() || self.skus.iter().any(|s| o.needs.contains_key(s)))
            && within(o.amount, self.min_amount, self.max_amount)
            && within(o.weight_g, self.min_weight_g, self.max_weight_g)
            && self.buyer_message.is_none_or(|b| b == o.has_buyer_message)
    }
}

/// The merchant-ordered strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Strategy {
    /// 整单发货: only warehouses that can ship every line.
    WholeOrder,
    /// 就近: same province, then the same region (华北, 东北, 华东, 中南, 西南, 西北).
    Nearest,
    /// 优先级: the smallest priority number.
    Priority,
    /// 库存最多: the most units of the order's SKUs.
    MostStock,
    /// 产能余量: the most shipments left today; full warehouses drop out.
    Capacity,
}

/// One shipment of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    pub warehouse: WarehouseId,
    pub lines: Vec<(SkuId, i64)>,
}

/// One step of the explanation: who decided, who stayed, who dropped out and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub by: String,
    pub kept: Vec<WarehouseId>,
    pub dropped: Vec<(WarehouseId, String)>,
}

/// Where the order goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    /// Empty when nothing can ship it.
    pub shipments: Vec<Shipment>,
    /// What no candidate (together) has: the order waits as 缺货.
    pub missing: Vec<(SkuId, i64)>,
    pub carrier: Option<String>,
    pub why: Vec<Step>,
}

/// Components of bundles, summed: `lines` are (sku, qty), `bundles` gives a bundle's
/// components per unit.
pub fn explode(lines: &[(SkuId, i64)], bundles: &BTreeMap<SkuId, Vec<BundleComponent>>) -> Needs {
    let mut out = Needs::new();
    for (sku, qty) in lines {
        match bundles.get(sku) {
            Some(parts) => {
                for p in parts {
                    *out.entry(p.sku_id).or_default() += p.qty * qty;
                }
            }
            None => *out.entry(*sku).or_default() += qty,
        }
    }
    out
}

/// The GB/T 2260 region of a province (the code's first digit): 1 华北, 2 东北, 3 华东,
/// 4 中南, 5 西南, 6 西北, 7 台湾, 8 港澳.
fn region(province: &str) -> Option<(u32, u32)> {
    address::province(province).map(|p| (p.code, p.code / 100_000))
}

fn available(stock: &Stock, w: WarehouseId, sku: SkuId) -> i64 {
    stock.get(&(w, sku)).copied().unwrap_or(0).max(0)
}

fn ships_whole(stock: &Stock, w: WarehouseId, needs: &Needs) -> bool {
    needs.iter().all(|(s, q)| available(stock, w, *s) >= *q)
}

/// Routes one order.
pub fn route(
    order: &OrderFacts,
    warehouses: &[Candidate],
    stock: &Stock,
    rules: &[Rule],
    strategies: &[Strategy],
    allow_split: bool,
) -> Decision {
    let mut why = Vec::new();
    let mut carrier = None;
    let mut preferred: BTreeSet<WarehouseId> = BTreeSet::new();
    let (mut cands, inactive): (Vec<&Candidate>, Vec<&Candidate>) =
        warehouses.iter().partition(|w| w.active);
    if !inactive.is_empty() {
        why.push(step(
            "停用 / inactive",
            &cands,
            inactive
                .iter()
                .map(|w| (w.id, "已停用 / inactive".to_string())),
        ));
    }
    for r in rules.iter().filter(|r| r.matches(order)) {
        if carrier.is_none() {
            carrier.clone_from(&r.carrier);
        }
        let dropped: Vec<(WarehouseId, String)> = match &r.effect {
            Effect::Allow(ids) => cands
                .iter()
                .filter(|w| !ids.contains(&w.id))
                .map(|w| {
                    (
                        w.id,
                        format!("规则「{}」只允许其他仓 / not allowed by the rule", r.name),
                    )
                })
                .collect(),
            Effect::Forbid(ids) => cands
                .iter()
                .filter(|w| ids.contains(&w.id))
                .map(|w| {
                    (
                        w.id,
                        format!("规则「{}」禁止 / forbidden by the rule", r.name),
                    )
                })
                .collect(),
            Effect::Prefer(ids) => {
                preferred.extend(ids.iter().copied());
                Vec::new()
            }
            Effect::None => Vec::new(),
        };
        cands.retain(|w| !dropped.iter().any(|(id, _)| *id == w.id));
        why.push(step(&format!("规则 / rule「{}」", r.name), &cands, dropped));
    }
    if cands.is_empty() {
        return Decision {
            shipments: Vec::new(),
            missing: order.needs.iter().map(|(s, q)| (*s, *q)).collect(),
            carrier,
            why,
        };
    }
    // Preferred warehouses first: the others stay as fallbacks for a split.
    let whole: Vec<&Candidate> = cands
        .iter()
        .copied()
        .filter(|w| ships_whole(stock, w.id, &order.needs))
        .collect();
    let mut ranked = cands.clone();
    if !preferred.is_empty() && cands.iter().any(|w| preferred.contains(&w.id)) {
        let (p, rest): (Vec<&Candidate>, Vec<&Candidate>) =
            cands.iter().partition(|w| preferred.contains(&w.id));
        if p.iter().any(|w| whole.contains(w)) || whole.is_empty() {
            why.push(step(
                "规则优先 / preferred by a rule",
                &p,
                rest.iter()
                    .map(|w| (w.id, "非优先仓 / not preferred".into())),
            ));
            ranked = p;
        }
    }
    for s in strategies {
        let before = ranked.clone();
        let (kept, dropped) = apply(*s, order, stock, &before, &whole);
        if kept.is_empty() {
            // A filter that leaves nobody (no warehouse ships it whole, all are full)
            // does not decide; the split below or 缺货 does.
            why.push(step(
                strategy_name(*s),
                &before,
                dropped.into_iter().map(|(id, r)| {
                    (
                        id,
                        format!("{r}（未采用：无仓满足）/ (not applied: none qualifies)"),
                    )
                }),
            ));
            continue;
        }
        why.push(step(strategy_name(*s), &kept, dropped));
        ranked = kept;
    }
    ranked.sort_by_key(|w| w.id);
    if let Some(w) = ranked
        .iter()
        .find(|w| ships_whole(stock, w.id, &order.needs))
    {
        return Decision {
            shipments: vec![Shipment {
                warehouse: w.id,
                lines: order.needs.iter().map(|(s, q)| (*s, *q)).collect(),
            }],
            missing: Vec::new(),
            carrier,
            why,
        };
    }
    if !allow_split {
        let w = ranked[0];
        why.push(step("不拆单 / no split allowed", &[w], Vec::new()));
        return Decision {
            shipments: Vec::new(),
            missing: shortfall(stock, &[w.id], &order.needs),
            carrier,
            why,
        };
    }
    // The fewest shipments, among all candidates, ranked ones first.
    let mut order_of: Vec<&Candidate> = ranked.clone();
    order_of.extend(cands.iter().copied().filter(|w| !ranked.contains(w)));
    let ids: Vec<WarehouseId> = order_of.iter().map(|w| w.id).collect();
    let set = fewest_cover(stock, &ids, &order.needs);
    let missing = shortfall(stock, &set, &order.needs);
    let shipments = assign(stock, &set, &order.needs);
    why.push(Step {
        by: format!(
            "拆单：最少 {} 个包裹 / split: fewest shipments",
            shipments.len()
        ),
        kept: set,
        dropped: Vec::new(),
    });
    Decision {
        shipments,
        missing,
        carrier,
        why,
    }
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::WholeOrder,
        Strategy::Nearest,
        Strategy::Priority,
        Strategy::MostStock,
        Strategy::Capacity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::WholeOrder => "whole_order",
            Strategy::Nearest => "nearest",
            Strategy::Priority => "priority",
            Strategy::MostStock => "most_stock",
            Strategy::Capacity => "capacity",
        }
    }

    pub fn parse(s: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Chinese / English, as the explanation shows it.
    pub fn label(self) -> &'static str {
        strategy_name(self)
    }
}

/// A merchant's routing setup (分仓设置): rules first, then the strategies in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingSetup {
    pub rules: Vec<Rule>,
    pub strategies: Vec<Strategy>,
    pub allow_split: bool,
}

impl Default for RoutingSetup {
    /// No rules, every strategy in the usual order, splitting allowed.
    fn default() -> Self {
        RoutingSetup {
            rules: Vec::new(),
            strategies: Strategy::ALL.to_vec(),
            allow_split: true,
        }
    }
}

impl RoutingSetup {
    /// Checks a setup someone entered: every field error at once.
    pub fn validate(self) -> Result<RoutingSetup, crate::Error> {
        use crate::FieldError;
        let mut e = Vec::new();
        for (i, s) in self.strategies.iter().enumerate() {
            if self.strategies[..i].contains(s) {
                e.push(FieldError::new(
                    format!("strategies[{i}]"),
                    format!("策略重复 / strategy listed twice: {}", s.as_str()),
                ));
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            let f = |x: &str| format!("rules[{i}].{x}");
            if r.name.trim().is_empty() || r.name.chars().count() > 50 {
                e.push(FieldError::new(
                    f("name"),
                    "规则名称 1–50 个字 / a name of 1 to 50 characters",
                ));
            } else if self.rules[..i]
                .iter()
                .any(|x| x.name.trim() == r.name.trim())
            {
                e.push(FieldError::new(
                    f("name"),
                    "规则名称重复 / two rules have this name",
                ));
            }
            match &r.effect {
                Effect::Allow(w) | Effect::Prefer(w) | Effect::Forbid(w) if w.is_empty() => {
                    e.push(FieldError::new(
                        f("effect"),
                        "请选择仓库 / choose the warehouses",
                    ));
                }
                Effect::None if r.carrier.as_deref().is_none_or(|c| c.trim().is_empty()) => {
                    e.push(FieldError::new(
                        f("effect"),
                        "规则要么限定仓库，要么指定快递 / a rule names warehouses or a carrier",
                    ));
                }
                _ => {}
            }
            for (lo, hi, name) in [
                (r.min_amount, r.max_amount, "max_amount"),
                (r.min_weight_g, r.max_weight_g, "max_weight_g"),
            ] {
                if let (Some(l), Some(h)) = (lo, hi)
                    && l > h
                {
                    e.push(FieldError::new(
                        f(name),
                        "上限小于下限 / the maximum is below the minimum",
                    ));
                }
                if lo.is_some_and(|v| v < 0) || hi.is_some_and(|v| v < 0) {
                    e.push(FieldError::new(f(name), "不能为负 / cannot be negative"));
                }
            }
        }
        if e.is_empty() {
            Ok(self)
        } else {
            Err(crate::Error::Invalid(e))
        }
    }
}

fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::WholeOrder => "整单发货 / whole order",
        Strategy::Nearest => "就近 / nearest",
        Strategy::Priority => "优先级 / priority",
        Strategy::MostStock => "库存最多 / most stock",
        Strategy::Capacity => "产能余量 / capacity left",
    }
}

fn step(
    by: &str,
    kept: &[&Candidate],
    dropped: impl IntoIterator<Item = (WarehouseId, String)>,
) -> Step {
    Step {
        by: by.to_string(),
        kept: kept.iter().map(|w| w.id).collect(),
        dropped: dropped.into_iter().collect(),
    }
}

type Split<'a> = (Vec<&'a Candidate>, Vec<(WarehouseId, String)>);

/// Keeps the candidates best by `s`; the others with the reason they lost.
fn apply<'a>(
    s: Strategy,
    o: &OrderFacts,
    stock: &Stock,
    cands: &[&'a Candidate],
    whole: &[&'a Candidate],
) -> Split<'a> {
    // Lower is better.
    let score = |w: &Candidate| -> Option<(i64, String)> {
        match s {
            Strategy::WholeOrder => {
                if whole.iter().any(|x| x.id == w.id) {
                    Some((0, String::new()))
                } else {
                    Some((1, "缺货，不能整单发 / cannot ship the whole order".into()))
                }
            }
            Strategy::Nearest => {
                let (to_code, to_region) = region(&o.province).unwrap_or((0, 0));
                let d = match region(&w.province) {
                    Some((code, _)) if code == to_code => 0,
                    Some((_, r)) if r == to_region => 1,
                    _ => 2,
                };
                let label = [
                    "同省 / same province",
                    "同区域 / same region",
                    "较远 / farther",
                ][d as usize];
                Some((d, label.into()))
            }
            Strategy::Priority => Some((w.priority, format!("优先级 / priority {}", w.priority))),
            Strategy::MostStock => {
                let units: i64 = o.needs.keys().map(|k| available(stock, w.id, *k)).sum();
                Some((-units, format!("可用 / available {units}")))
            }
            Strategy::Capacity => {
                if w.daily_capacity == 0 {
                    return Some((i64::MIN, String::new()));
                }
                let left = w.daily_capacity - w.routed_today;
                if left <= 0 {
                    return None;
                }
                Some((-left, format!("今日余量 / left today {left}")))
            }
        }
    };
    let scored: Vec<(&Candidate, Option<(i64, String)>)> =
        cands.iter().map(|w| (*w, score(w))).collect();
    let best = scored
        .iter()
        .filter_map(|(_, s)| s.as_ref().map(|x| x.0))
        .min();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (w, sc) in scored {
        match (sc, best) {
            (Some((v, _)), Some(b)) if v == b => kept.push(w),
            (Some((_, why)), _) => dropped.push((w.id, why)),
            (None, _) => dropped.push((w.id, "今日产能已满 / full for today".into())),
        }
    }
    (kept, dropped)
}

/// Whether `set` together has everything.
fn covers(stock: &Stock, set: &[WarehouseId], needs: &Needs) -> bool {
    needs
        .iter()
        .all(|(s, q)| set.iter().map(|w| available(stock, *w, *s)).sum::<i64>() >= *q)
}

/// The smallest set of warehouses (from `ids`, in their order of preference) that has
/// everything; exact up to [`EXACT_LIMIT`], greedy beyond. If none has everything: all
/// that have any of it.
fn fewest_cover(stock: &Stock, ids: &[WarehouseId], needs: &Needs) -> Vec<WarehouseId> {
    let useful: Vec<WarehouseId> = ids
        .iter()
        .copied()
        .filter(|w| needs.keys().any(|s| available(stock, *w, *s) > 0))
        .collect();
    if !covers(stock, &useful, needs) {
        return useful;
    }
    if useful.len() <= EXACT_LIMIT {
        let n = useful.len();
        for k in 1..=n {
            // Combinations in lexicographic order of preference: the first that covers
            // is the best-ranked among the smallest.
            let mut idx: Vec<usize> = (0..k).collect();
            loop {
                let set: Vec<WarehouseId> = idx.iter().map(|i| useful[*i]).collect();
                if covers(stock, &set, needs) {
                    return set;
                }
                let Some(i) = (0..k).rev().find(|&i| idx[i] != i + n - k) else {
                    break;
                };
                idx[i] += 1;
                for j in i + 1..k {
                    idx[j] = idx[j - 1] + 1;
                }
            }
        }
        return useful;
    }
    // Greedy set cover: each time the warehouse that covers the most of what is left.
    let mut left = needs.clone();
    let mut set = Vec::new();
    while left.values().any(|q| *q > 0) {
        let gain = |w: &WarehouseId| -> i64 {
            left.iter()
                .map(|(s, q)| available(stock, *w, *s).min(*q))
                .sum()
        };
        let Some(best) = useful
            .iter()
            .filter(|w| !set.contains(*w))
            .max_by_key(|w| {
                (
                    gain(w),
                    std::cmp::Reverse(useful.iter().position(|x| x == *w)),
                )
            })
            .copied()
        else {
            break;
        };
        for (s, q) in left.iter_mut() {
            *q -= available(stock, best, *s).min(*q);
        }
        set.push(best);
    }
    set
}

/// Takes each SKU from the warehouses of `set` in order.
fn assign(stock: &Stock, set: &[WarehouseId], needs: &Needs) -> Vec<Shipment> {
    let mut out: Vec<Shipment> = Vec::new();
    for w in set {
        let mut lines = Vec::new();
        for (s, q) in needs {
            let taken_before: i64 = out
                .iter()
                .flat_map(|x| x.lines.iter())
                .filter(|(k, _)| k == s)
                .map(|(_, n)| n)
                .sum();
            let take = (q - taken_before).min(available(stock, *w, *s));
            if take > 0 {
                lines.push((*s, take));
            }
        }
        if !lines.is_empty() {
            out.push(Shipment {
                warehouse: *w,
                lines,
            });
        }
    }
    out
}

/// What `set` together lacks.
fn shortfall(stock: &Stock, set: &[WarehouseId], needs: &Needs) -> Vec<(SkuId, i64)> {
    needs
        .iter()
        .filter_map(|(s, q)| {
            let have: i64 = set.iter().map(|w| available(stock, *w, *s)).sum();
            (have < *q).then_some((*s, q - have))
        })
        .collect()
}
