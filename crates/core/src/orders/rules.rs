//! 审单规则: review rules a merchant sets up without code. A rule is conditions (shop,
//! platform, province, paid amount range, SKU, buyer message present, seller flag) and an
//! action (auto-approve, hold with a note, set a tag, set a priority). Rules run on every
//! new order after the built-in detectors, lowest `priority` number first; every matching
//! rule acts (a hold from any rule wins over auto-approve).

use serde::{Deserialize, Serialize};

use super::order::NewOrder;
use crate::error::Errors;
use crate::money::Fen;
use crate::{Error, text};

/// When a rule applies. Every list left empty (and every bound left out) matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Conditions {
    pub shop_ids: Vec<i64>,
    /// e.g. `taobao`, `jd`.
    pub platforms: Vec<String>,
    /// Receiver provinces, e.g. `新疆维吾尔自治区`.
    pub provinces: Vec<String>,
    /// Paid amount at least (分).
    pub min_paid: Option<i64>,
    /// Paid amount at most (分).
    pub max_paid: Option<i64>,
    /// Any line mapped to one of these SKUs.
    pub sku_ids: Vec<i64>,
    /// `true`: only orders with a buyer message; `false`: only without.
    pub buyer_message: Option<bool>,
    /// Seller flag colours (1 red … 5 purple).
    pub seller_flags: Vec<i64>,
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleAction {
    /// 自动审核 — only when no blocking hold is on the order.
    AutoApprove,
    /// 挂起 with this note.
    Hold { note: String },
    /// 打标签.
    Tag { tag: String },
    /// 设优先级 (higher first in later picking).
    Priority { value: i64 },
}

/// A rule as a person fills in the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInput {
    pub name: Option<String>,
    /// Lower runs first (default 100).
    pub priority: Option<i64>,
    pub active: Option<bool>,
    pub when: Option<Conditions>,
    pub then: Option<RuleAction>,
}

/// A valid rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRule {
    pub name: String,
    pub priority: i64,
    pub active: bool,
    pub when: Conditions,
    pub then: RuleAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub id: i64,
    #[serde(flatten)]
    pub fields: NewRule,
}

impl NewRule {
    /// Parses `input`; what it leaves out keeps its value in `base` (an update).
    pub fn parse(input: &RuleInput, base: Option<&NewRule>) -> Result<NewRule, Error> {
        let mut e = Errors::default();
        let name = match (&input.name, base) {
            (Some(n), _) => e.take(text::required("name", n, 60)),
            (None, Some(b)) => Some(b.name.clone()),
            (None, None) => {
                e.push("name", "不能为空 / must not be empty");
                None
            }
        };
        let priority = input.priority.or(base.map(|b| b.priority)).unwrap_or(100);
        if !(0..=10_000).contains(&priority) {
            e.push("priority", "优先级为 0–10000 / priority is 0–10000");
        }
        let when = input
            .when
            .clone()
            .or(base.map(|b| b.when.clone()))
            .unwrap_or_default();
        if let (Some(lo), Some(hi)) = (when.min_paid, when.max_paid) {
            if lo > hi {
                e.push(
                    "when.max_paid",
                    "上限小于下限 / the upper bound is below the lower",
                );
            }
        }
        if when.min_paid.is_some_and(|v| v < 0) || when.max_paid.is_some_and(|v| v < 0) {
            e.push(
                "when.min_paid",
                "金额不能为负 / an amount cannot be negative",
            );
        }
        let then = match (&input.then, base) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(b)) => Some(b.then.clone()),
            (None, None) => {
                e.push("then", "请选择动作 / choose an action");
                None
            }
        };
        match &then {
            Some(RuleAction::Hold { note }) if note.trim().is_empty() => {
                e.push("then.note", "挂起需要说明 / a hold needs a note")
            }
            Some(RuleAction::Tag { tag }) if tag.trim().is_empty() || tag.contains(',') => e.push(
                "then.tag",
                "标签不能为空或含逗号 / a tag is not empty and has no comma",
            ),
            _ => {}
        }
        e.into_result()?;
        Ok(NewRule {
            name: name.unwrap_or_default(),
            priority,
            active: input.active.or(base.map(|b| b.active)).unwrap_or(true),
            when,
            then: then.unwrap_or(RuleAction::AutoApprove),
        })
    }
}

/// Whether `c` holds for order `o` of a shop on `platform`.
pub fn matches(c: &Conditions, o: &NewOrder, platform: &str) -> bool {
    (c.shop_ids.is_empty() || c.shop_ids.contains(&o.shop_id.0))
        && (c.platforms.is_empty() || c.platforms.iter().any(|p| p == platform))
        && (c.provinces.is_empty()
            || c.provinces
                .iter()
                .any(|p| super::address::divisions::same_name(p, &o.receiver.province)))
        && c.min_paid.is_none_or(|v| o.paid_amount >= Fen(v))
        && c.max_paid.is_none_or(|v| o.paid_amount <= Fen(v))
        && (c.sku_ids.is_empty()
            || o.lines
                .iter()
                .any(|l| l.sku_id.is_some_and(|s| c.sku_ids.contains(&s.0))))
        && c.buyer_message
            .is_none_or(|want| want == !o.buyer_message.trim().is_empty())
        && (c.seller_flags.is_empty() || c.seller_flags.contains(&o.seller_flag))
}

/// What the rules decided for one order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Notes of the holds to set (one per holding rule, `rule name: note`).
    pub holds: Vec<String>,
    pub tags: Vec<String>,
    pub priority: Option<i64>,
    pub auto_approve: bool,
}

/// Runs the active `rules` (lowest priority number first) on `o`.
pub fn decide(rules: &[Rule], o: &NewOrder, platform: &str) -> Decision {
    let mut sorted: Vec<&Rule> = rules.iter().filter(|r| r.fields.active).collect();
    sorted.sort_by_key(|r| (r.fields.priority, r.id));
    let mut d = Decision::default();
    for r in sorted {
        if !matches(&r.fields.when, o, platform) {
            continue;
        }
        match &r.fields.then {
            RuleAction::AutoApprove => d.auto_approve = true,
            RuleAction::Hold { note } => d.holds.push(format!("{}: {note}", r.fields.name)),
            RuleAction::Tag { tag } => {
                if !d.tags.contains(tag) {
                    d.tags.push(tag.clone());
                }
            }
            RuleAction::Priority { value } => d.priority = Some(*value),
        }
    }
    if !d.holds.is_empty() {
        d.auto_approve = false;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ShopId, SkuId};
    use crate::orders::{OrderLine, Receiver};

    fn order() -> NewOrder {
        NewOrder {
            shop_id: ShopId(1),
            receiver: Receiver {
                province: "新疆维吾尔自治区".into(),
                ..Default::default()
            },
            paid_amount: Fen(50_000),
            lines: vec![OrderLine {
                qty: 1,
                sku_id: Some(SkuId(7)),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn rule(id: i64, priority: i64, when: Conditions, then: RuleAction) -> Rule {
        Rule {
            id,
            fields: NewRule {
                name: format!("规则{id}"),
                priority,
                active: true,
                when,
                then,
            },
        }
    }

    #[test]
    fn conditions_match_by_province_amount_sku_and_message() {
        let o = order();
        let far = Conditions {
            provinces: vec!["新疆".into()],
            ..Default::default()
        };
        assert!(matches(&far, &o, "taobao"));
        let big = Conditions {
            min_paid: Some(100_000),
            ..Default::default()
        };
        assert!(!matches(&big, &o, "taobao"));
        let sku = Conditions {
            sku_ids: vec![7],
            buyer_message: Some(false),
            platforms: vec!["taobao".into()],
            ..Default::default()
        };
        assert!(matches(&sku, &o, "taobao"));
        assert!(!matches(&sku, &o, "jd"));
    }

    #[test]
    fn a_hold_from_any_rule_wins_over_auto_approve_and_tags_add_up() {
        let o = order();
        let rules = vec![
            rule(1, 10, Conditions::default(), RuleAction::AutoApprove),
            rule(
                2,
                20,
                Conditions::default(),
                RuleAction::Tag {
                    tag: "大单".into()
                },
            ),
            rule(
                3,
                30,
                Conditions {
                    provinces: vec!["新疆维吾尔自治区".into()],
                    ..Default::default()
                },
                RuleAction::Hold {
                    note: "偏远地区确认运费".into(),
                },
            ),
        ];
        let d = decide(&rules, &o, "taobao");
        assert!(!d.auto_approve);
        assert_eq!(d.holds, vec!["规则3: 偏远地区确认运费".to_string()]);
        assert_eq!(d.tags, vec!["大单".to_string()]);
        let d = decide(&rules[..2], &o, "taobao");
        assert!(d.auto_approve);
    }

    #[test]
    fn a_rule_needs_a_name_an_action_and_a_note_for_a_hold() {
        let Err(Error::Invalid(e)) = NewRule::parse(&RuleInput::default(), None) else {
            panic!()
        };
        let fields: Vec<_> = e.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["name", "then"]);
        let input = RuleInput {
            name: Some("偏远".into()),
            then: Some(RuleAction::Hold { note: " ".into() }),
            ..Default::default()
        };
        assert!(NewRule::parse(&input, None).is_err());
    }
}
