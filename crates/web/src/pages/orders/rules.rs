//! 审单规则: the list of review rules and the form to add or change one.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use jxc_core::money::Fen;
use jxc_core::orders::rules::{Conditions, Rule, RuleAction, RuleInput};

use super::super::forms::{actor, err, form_status};
use super::super::{Ctx, FormErrors, PageError, render, see_other};
use crate::AppState;

/// A rule as the list shows it.
struct RuleRow {
    id: i64,
    name: String,
    priority: i64,
    active: bool,
    when: String,
    then: String,
}

/// The form's fields, as text.
#[derive(Default)]
struct RuleForm {
    name: String,
    priority: String,
    active: bool,
    shop_ids: String,
    platforms: String,
    provinces: String,
    min_paid: String,
    max_paid: String,
    sku_codes: String,
    buyer_message: String,
    seller_flags: String,
    action: String,
    note: String,
    tag: String,
    value: String,
}

#[derive(Template)]
#[template(path = "orders/rules.html")]
struct RulesPage {
    ctx: Ctx,
    rows: Vec<RuleRow>,
    /// The rule being edited, or None for a new one.
    editing: Option<i64>,
    f: RuleForm,
    errors: FormErrors,
}

impl RulesPage {
    fn can_edit(&self) -> bool {
        self.ctx.can(jxc_core::permissions::Action::OrdersEdit)
    }
}

fn list_of(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn describe(ctx: &Ctx, r: &Rule) -> (String, String) {
    let c = &r.fields.when;
    let mut parts = Vec::new();
    let t = |k: &'static str| ctx.tr(k);
    if !c.shop_ids.is_empty() {
        parts.push(format!("{} {:?}", t("orders.rules.shops"), c.shop_ids));
    }
    if !c.platforms.is_empty() {
        parts.push(format!(
            "{} {}",
            t("orders.rules.platforms"),
            c.platforms.join("、")
        ));
    }
    if !c.provinces.is_empty() {
        parts.push(format!(
            "{} {}",
            t("orders.rules.provinces"),
            c.provinces.join("、")
        ));
    }
    if let Some(v) = c.min_paid {
        parts.push(format!(
            "{} ≥ ¥{}",
            t("orders.rules.paid"),
            Fen(v).to_yuan()
        ));
    }
    if let Some(v) = c.max_paid {
        parts.push(format!(
            "{} ≤ ¥{}",
            t("orders.rules.paid"),
            Fen(v).to_yuan()
        ));
    }
    if !c.sku_ids.is_empty() {
        parts.push(format!("SKU {:?}", c.sku_ids));
    }
    match c.buyer_message {
        Some(true) => parts.push(t("orders.rules.with_message").to_string()),
        Some(false) => parts.push(t("orders.rules.without_message").to_string()),
        None => {}
    }
    if !c.seller_flags.is_empty() {
        parts.push(format!("{} {:?}", t("orders.rules.flags"), c.seller_flags));
    }
    let when = if parts.is_empty() {
        t("orders.rules.every_order").to_string()
    } else {
        parts.join("；")
    };
    let then = match &r.fields.then {
        RuleAction::AutoApprove => t("orders.rules.auto_approve").to_string(),
        RuleAction::Hold { note } => format!("{}：{note}", t("orders.rules.hold")),
        RuleAction::Tag { tag } => format!("{}：{tag}", t("orders.rules.tag")),
        RuleAction::Priority { value } => format!("{}：{value}", t("orders.rules.priority_action")),
    };
    (when, then)
}

async fn show(
    s: &AppState,
    ctx: Ctx,
    uri: &Uri,
    editing: Option<i64>,
    f: RuleForm,
    errors: FormErrors,
) -> Result<Response, PageError> {
    let rules = s.app.review_rules().await.map_err(err(&ctx, uri))?;
    let mut rows: Vec<RuleRow> = rules
        .iter()
        .map(|r| {
            let (when, then) = describe(&ctx, r);
            RuleRow {
                id: r.id,
                name: r.fields.name.clone(),
                priority: r.fields.priority,
                active: r.fields.active,
                when,
                then,
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.priority, r.id));
    let status = form_status(&errors);
    Ok((
        status,
        render(&RulesPage {
            ctx,
            rows,
            editing,
            f,
            errors,
        }),
    )
        .into_response())
}

fn form_of(r: &Rule) -> RuleForm {
    let c = &r.fields.when;
    let join = |v: &[i64]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let (action, note, tag, value) = match &r.fields.then {
        RuleAction::AutoApprove => ("auto_approve", "", "", String::new()),
        RuleAction::Hold { note } => ("hold", note.as_str(), "", String::new()),
        RuleAction::Tag { tag } => ("tag", "", tag.as_str(), String::new()),
        RuleAction::Priority { value } => ("priority", "", "", value.to_string()),
    };
    RuleForm {
        name: r.fields.name.clone(),
        priority: r.fields.priority.to_string(),
        active: r.fields.active,
        shop_ids: join(&c.shop_ids),
        platforms: c.platforms.join(","),
        provinces: c.provinces.join(","),
        min_paid: c.min_paid.map(|v| Fen(v).to_yuan()).unwrap_or_default(),
        max_paid: c.max_paid.map(|v| Fen(v).to_yuan()).unwrap_or_default(),
        sku_codes: String::new(),
        buyer_message: match c.buyer_message {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        seller_flags: join(&c.seller_flags),
        action: action.into(),
        note: note.into(),
        tag: tag.into(),
        value,
    }
}

pub(super) async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
) -> Result<Response, PageError> {
    let f = RuleForm {
        priority: "100".into(),
        active: true,
        action: "hold".into(),
        ..Default::default()
    };
    show(&s, ctx, &uri, None, f, FormErrors::default()).await
}

pub(super) async fn edit(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let r = s.app.rule(id).await.map_err(err(&ctx, &uri))?;
    show(&s, ctx, &uri, Some(id), form_of(&r), FormErrors::default()).await
}

/// Reads the form into a rule input; field errors come back for the form.
async fn input_of(s: &AppState, f: &RuleForm) -> Result<RuleInput, jxc_app::Error> {
    let mut e = jxc_core::error::Errors::default();
    let ints = |field: &str, v: &str, e: &mut jxc_core::error::Errors| -> Vec<i64> {
        list_of(v)
            .iter()
            .filter_map(|x| e.take(jxc_core::text::integer(field, x)))
            .collect()
    };
    let money = |field: &str, v: &str, e: &mut jxc_core::error::Errors| -> Option<i64> {
        if v.trim().is_empty() {
            None
        } else {
            e.take(Fen::parse_yuan(field, v)).map(|f| f.0)
        }
    };
    let shop_ids = ints("when.shop_ids", &f.shop_ids, &mut e);
    let seller_flags = ints("when.seller_flags", &f.seller_flags, &mut e);
    let min_paid = money("when.min_paid", &f.min_paid, &mut e);
    let max_paid = money("when.max_paid", &f.max_paid, &mut e);
    let mut sku_ids = Vec::new();
    for code in list_of(&f.sku_codes) {
        match s.app.store.get_sku_by_code(&code).await? {
            Some(sku) => sku_ids.push(sku.id.0),
            None => e.push(
                "when.sku_ids",
                format!("商家编码 “{code}” 不存在 / no SKU {code}"),
            ),
        }
    }
    let priority = if f.priority.trim().is_empty() {
        None
    } else {
        e.take(jxc_core::text::integer("priority", &f.priority))
    };
    let then = match f.action.as_str() {
        "auto_approve" => Some(RuleAction::AutoApprove),
        "hold" => Some(RuleAction::Hold {
            note: f.note.clone(),
        }),
        "tag" => Some(RuleAction::Tag {
            tag: f.tag.trim().to_string(),
        }),
        "priority" => e
            .take(jxc_core::text::integer("then.value", &f.value))
            .map(|value| RuleAction::Priority { value }),
        _ => {
            e.push("then", "请选择动作 / choose an action");
            None
        }
    };
    e.into_result()?;
    Ok(RuleInput {
        name: Some(f.name.clone()),
        priority,
        active: Some(f.active),
        when: Some(Conditions {
            shop_ids,
            platforms: list_of(&f.platforms),
            provinces: list_of(&f.provinces),
            min_paid,
            max_paid,
            sku_ids,
            buyer_message: match f.buyer_message.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            seller_flags,
        }),
        then,
    })
}

fn read_form(sent: &HashMap<String, String>) -> RuleForm {
    let v = |k: &str| sent.get(k).cloned().unwrap_or_default();
    RuleForm {
        name: v("name"),
        priority: v("priority"),
        active: sent.contains_key("active"),
        shop_ids: v("shop_ids"),
        platforms: v("platforms"),
        provinces: v("provinces"),
        min_paid: v("min_paid"),
        max_paid: v("max_paid"),
        sku_codes: v("sku_codes"),
        buyer_message: v("buyer_message"),
        seller_flags: v("seller_flags"),
        action: v("action"),
        note: v("note"),
        tag: v("tag"),
        value: v("value"),
    }
}

async fn save(
    s: AppState,
    ctx: Ctx,
    uri: Uri,
    id: Option<i64>,
    sent: HashMap<String, String>,
) -> Result<Response, PageError> {
    let f = read_form(&sent);
    let who = actor(&ctx);
    let result = async {
        let input = input_of(&s, &f).await?;
        match id {
            Some(id) => s.app.update_rule(id, &input, &who).await,
            None => s.app.create_rule(&input, &who).await,
        }
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/orders/rules")),
        Err(e) => {
            let errors = FormErrors::from_app(e).map_err(err(&ctx, &uri))?;
            show(&s, ctx, &uri, id, f, errors).await
        }
    }
}

pub(super) async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save(s, ctx, uri, None, sent).await
}

pub(super) async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    uri: Uri,
    Path(id): Path<i64>,
    Form(sent): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    save(s, ctx, uri, Some(id), sent).await
}
