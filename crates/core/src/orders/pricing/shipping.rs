//! 运费模板: a rule per province (or group of provinces) with a default. A rule is a flat
//! fee, or 首重 + 续重 by weight; either may be free from a goods amount (包邮门槛).

use serde::{Deserialize, Serialize};

use super::input::{MAX_AMOUNT, MAX_RULES};
use crate::error::Errors;
use crate::money::Fen;
use crate::text;

/// The heaviest first-weight or step: 100 t.
const MAX_STEP_G: i64 = 100_000_000;
/// At most this many provinces rules in one template.
const MAX_PROVINCE_RULES: usize = 100;

/// One rule as sent: give `flat_fee`, or `first_weight_g` + `first_fee` (and optionally
/// `step_weight_g` + `step_fee`). Amounts in 分, weights in grams.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ShippingRuleInput {
    /// 固定运费 (0 = 包邮).
    pub flat_fee: Option<i64>,
    /// 首重, g.
    pub first_weight_g: Option<i64>,
    /// 首重运费.
    pub first_fee: Option<i64>,
    /// 续重 step, g (e.g. 1000 = 每续重 1 kg).
    pub step_weight_g: Option<i64>,
    /// 续重运费 per step started.
    pub step_fee: Option<i64>,
    /// 包邮门槛: free when the goods paid (after discounts, before points) reach it.
    pub free_over: Option<i64>,
}

/// A rule for some provinces.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ProvinceShippingInput {
    /// Province names: `浙江`, `浙江省`, `上海市`, `广西壮族自治区` all work.
    pub provinces: Vec<String>,
    pub rule: ShippingRuleInput,
}

/// A shipping template and where the order goes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ShippingInput {
    /// The receiver's province. Empty or not listed: the default rule.
    pub province: String,
    pub default: ShippingRuleInput,
    pub provinces: Vec<ProvinceShippingInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ShippingFee {
    Flat(Fen),
    /// `first_fee` up to `first_weight_g`, then `step_fee` per `step_weight_g` started
    /// (`step_weight_g` 0: no 续重 charge).
    ByWeight {
        first_weight_g: i64,
        first_fee: Fen,
        step_weight_g: i64,
        step_fee: Fen,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShippingRule {
    pub fee: ShippingFee,
    pub free_over: Option<Fen>,
}

impl ShippingRule {
    /// The fee for a parcel of `weight_g` grams (a parcel of 0 g pays the first weight),
    /// before 包邮; `None` when it would exceed [`MAX_AMOUNT`].
    pub fn fee_for(&self, weight_g: i128) -> Option<Fen> {
        let fee: i128 = match self.fee {
            ShippingFee::Flat(f) => f.0 as i128,
            ShippingFee::ByWeight {
                first_weight_g,
                first_fee,
                step_weight_g,
                step_fee,
            } => {
                let extra = (weight_g - first_weight_g as i128).max(0);
                let steps = if step_weight_g == 0 || extra == 0 {
                    0
                } else {
                    (extra + step_weight_g as i128 - 1) / step_weight_g as i128
                };
                first_fee.0 as i128 + steps * step_fee.0 as i128
            }
        };
        (fee <= MAX_AMOUNT as i128).then_some(Fen(fee as i64))
    }

    fn parse(field: &str, r: &ShippingRuleInput, e: &mut Errors) -> Option<ShippingRule> {
        let f = |name: &str| format!("{field}.{name}");
        let amount = |e: &mut Errors, name: &str, v: Option<i64>, what: &str| -> Option<Fen> {
            match v.unwrap_or(0) {
                v if (0..=MAX_AMOUNT).contains(&v) => Some(Fen(v)),
                _ => {
                    e.push(
                        f(name),
                        format!("{what}须在 0–{} 分之间 / out of range", MAX_AMOUNT),
                    );
                    None
                }
            }
        };
        let grams = |e: &mut Errors, name: &str, v: Option<i64>| -> Option<i64> {
            match v.unwrap_or(0) {
                v if (0..=MAX_STEP_G).contains(&v) => Some(v),
                _ => {
                    e.push(
                        f(name),
                        format!("重量须在 0–{MAX_STEP_G} 克之间 / weight out of range"),
                    );
                    None
                }
            }
        };
        let free_over = match r.free_over {
            None => Some(None),
            Some(v) => amount(e, "free_over", Some(v), "包邮门槛").map(Some),
        };
        let by_weight = r.first_weight_g.is_some()
            || r.first_fee.is_some()
            || r.step_weight_g.is_some()
            || r.step_fee.is_some();
        let fee = match (r.flat_fee, by_weight) {
            (Some(_), true) => {
                e.push(
                    f("flat_fee"),
                    "固定运费与首重/续重只能选一种 / a flat fee or a weight rule, not both",
                );
                None
            }
            (None, false) => {
                e.push(
                    field,
                    "须填 flat_fee 或 first_weight_g + first_fee / give a flat fee or a weight rule",
                );
                None
            }
            (Some(v), false) => amount(e, "flat_fee", Some(v), "运费").map(ShippingFee::Flat),
            (None, true) => {
                if r.first_fee.is_none() {
                    e.push(
                        f("first_fee"),
                        "按重量计费须填首重运费 / a weight rule needs first_fee",
                    );
                }
                if r.step_fee.unwrap_or(0) > 0 && r.step_weight_g.unwrap_or(0) == 0 {
                    e.push(
                        f("step_weight_g"),
                        "有续重运费时续重须大于 0 克 / a step fee needs a step weight",
                    );
                }
                let first_weight_g = grams(e, "first_weight_g", r.first_weight_g);
                let first_fee = amount(e, "first_fee", r.first_fee, "首重运费");
                let step_weight_g = grams(e, "step_weight_g", r.step_weight_g);
                let step_fee = amount(e, "step_fee", r.step_fee, "续重运费");
                match (first_weight_g, first_fee, step_weight_g, step_fee) {
                    (
                        Some(first_weight_g),
                        Some(first_fee),
                        Some(step_weight_g),
                        Some(step_fee),
                    ) if r.first_fee.is_some() => Some(ShippingFee::ByWeight {
                        first_weight_g,
                        first_fee,
                        step_weight_g: if step_fee.0 == 0 { 0 } else { step_weight_g },
                        step_fee,
                    }),
                    _ => None,
                }
            }
        };
        Some(ShippingRule {
            fee: fee?,
            free_over: free_over?,
        })
    }
}

/// Province names compare without their suffix: `浙江省` = `浙江`, `广西壮族自治区` = `广西`.
pub fn province_key(s: &str) -> String {
    let t = s.trim();
    for suffix in [
        "壮族自治区",
        "回族自治区",
        "维吾尔自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
    ] {
        if let Some(base) = t.strip_suffix(suffix) {
            if !base.is_empty() {
                return base.to_string();
            }
        }
    }
    t.to_string()
}

/// The rule that applies to one order, with its fee before 包邮.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippingQuote {
    /// The receiver's province, as sent.
    pub province: String,
    /// Whether a province rule matched (otherwise the default applied).
    pub by_province: bool,
    pub rule: ShippingRule,
    /// The order's weight: Σ unit weight × qty, g.
    pub weight_g: i64,
    /// The rule's fee for that weight, before 包邮.
    pub fee: Fen,
}

impl ShippingQuote {
    /// What the buyer pays for shipping when the goods paid (after discounts, before
    /// points) are `goods_after_discounts`: nothing from the 包邮门槛 on, else the fee.
    pub fn charge(&self, goods_after_discounts: Fen) -> Fen {
        match self.rule.free_over {
            Some(t) if goods_after_discounts >= t => Fen::ZERO,
            _ => self.fee,
        }
    }

    /// Checks the template, picks the rule for the province and computes the fee for
    /// `weight_g` (`None` when the lines did not parse: then only the template is checked).
    pub(super) fn parse(
        field: &str,
        s: &ShippingInput,
        weight_g: Option<i128>,
        e: &mut Errors,
    ) -> Option<ShippingQuote> {
        let province = e.take(text::optional(
            &format!("{field}.province"),
            &s.province,
            20,
        ));
        let default = ShippingRule::parse(&format!("{field}.default"), &s.default, e);
        let mut chosen: Option<ShippingRule> = None;
        let mut ok = true;
        if s.provinces.len() > MAX_PROVINCE_RULES {
            e.push(
                format!("{field}.provinces"),
                format!("最多 {MAX_PROVINCE_RULES} 条 / at most {MAX_PROVINCE_RULES}"),
            );
            return None;
        }
        let wanted = province.as_deref().map(province_key).unwrap_or_default();
        let mut seen: Vec<String> = Vec::new();
        for (n, p) in s.provinces.iter().enumerate() {
            let rule = ShippingRule::parse(&format!("{field}.provinces[{n}].rule"), &p.rule, e);
            if p.provinces.is_empty() {
                e.push(
                    format!("{field}.provinces[{n}].provinces"),
                    "至少一个省份 / at least one province",
                );
                ok = false;
            }
            if p.provinces.len() > MAX_RULES * 2 {
                e.push(
                    format!("{field}.provinces[{n}].provinces"),
                    "省份太多 / too many provinces",
                );
                ok = false;
                continue;
            }
            for (m, name) in p.provinces.iter().enumerate() {
                let f = format!("{field}.provinces[{n}].provinces[{m}]");
                let Some(name) = e.take(text::required(&f, name, 20)) else {
                    ok = false;
                    continue;
                };
                let key = province_key(&name);
                if seen.contains(&key) {
                    e.push(f, format!("省份 “{name}” 重复 / listed twice"));
                    ok = false;
                    continue;
                }
                if !wanted.is_empty() && key == wanted {
                    chosen = rule;
                }
                seen.push(key);
            }
            ok &= rule.is_some();
        }
        let default = default?;
        let province = province?;
        if !ok {
            return None;
        }
        let by_province = chosen.is_some();
        let rule = chosen.unwrap_or(default);
        let weight_g = weight_g?;
        let fee = rule.fee_for(weight_g);
        let (Some(fee), Ok(weight)) = (fee, i64::try_from(weight_g)) else {
            e.push(
                field,
                format!(
                    "运费太大 (超过 {} 元) / shipping fee too large",
                    Fen(MAX_AMOUNT).to_yuan_grouped()
                ),
            );
            return None;
        };
        Some(ShippingQuote {
            province,
            by_province,
            rule,
            weight_g: weight,
            fee,
        })
    }
}
