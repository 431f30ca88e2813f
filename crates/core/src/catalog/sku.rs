//! The SKU (商品/规格) and its parsed input.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::SkuId;
use crate::money::Fen;
use crate::{Error, FieldError, text};

/// Units a SKU may be counted in. Quantities are whole numbers of this unit.
pub const UNITS: &[&str] = &[
    "件", "个", "双", "套", "盒", "箱", "包", "瓶", "袋", "支", "条", "张", "台", "只", "本", "罐",
    "桶", "卷", "片", "把", "组", "对", "副", "顶", "块", "根", "听", "提", "册", "份", "g", "kg",
    "m",
];

/// A unit from [`UNITS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Unit(String);

impl Unit {
    pub fn parse(field: &str, s: &str) -> Result<Unit, FieldError> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(Unit("件".into()));
        }
        UNITS
            .iter()
            .find(|u| u.eq_ignore_ascii_case(t))
            .map(|u| Unit((*u).to_string()))
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!("未知单位 “{t}”，可用：{} / unknown unit", UNITS.join(" ")),
                )
            })
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How stock of a SKU is tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    /// 不管理批次
    #[default]
    None,
    /// 批次
    Lot,
    /// 批次 + 效期 (FEFO)
    LotExpiry,
    /// 序列号
    Serial,
}

impl Tracking {
    pub fn as_str(self) -> &'static str {
        match self {
            Tracking::None => "none",
            Tracking::Lot => "lot",
            Tracking::LotExpiry => "lot_expiry",
            Tracking::Serial => "serial",
        }
    }
    /// Accepts the code names and the Chinese labels used in spreadsheets.
    pub fn parse(field: &str, s: &str) -> Result<Tracking, FieldError> {
        Ok(match s.trim() {
            "" | "none" | "无" | "不管理" => Tracking::None,
            "lot" | "批次" => Tracking::Lot,
            "lot_expiry" | "批次效期" | "批次+效期" | "效期" => Tracking::LotExpiry,
            "serial" | "序列号" => Tracking::Serial,
            other => {
                return Err(FieldError::new(
                    field,
                    format!("未知的批次管理方式 “{other}” (none/lot/lot_expiry/serial)"),
                ));
            }
        })
    }
    /// Whether stock is held by lot. A serial number is a lot of exactly one unit.
    pub fn tracks_lots(self) -> bool {
        matches!(self, Tracking::Lot | Tracking::LotExpiry | Tracking::Serial)
    }
    /// 序列号: every unit has its own number (its lot), in stock at most once.
    pub fn is_serial(self) -> bool {
        self == Tracking::Serial
    }
}

/// What a person or a file says about a SKU, before parsing. Every field is optional so
/// the same shape serves create, update (fields left out keep their value) and import.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SkuInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub barcodes: Option<Vec<String>>,
    pub color: Option<String>,
    pub size: Option<String>,
    pub unit: Option<String>,
    pub weight_g: Option<i64>,
    pub volume_cm3: Option<i64>,
    /// 售价, 分
    pub list_price: Option<i64>,
    /// 默认成本, 分
    pub default_cost: Option<i64>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub tracking: Option<String>,
    pub shelf_life_days: Option<i64>,
    pub allow_negative: Option<bool>,
    pub active: Option<bool>,
    pub attrs: Option<serde_json::Value>,
}

/// A SKU whose every field has been parsed: a value of this type is valid by construction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSku {
    pub code: String,
    pub name: String,
    pub barcodes: Vec<String>,
    pub color: String,
    pub size: String,
    pub unit: Unit,
    pub weight_g: i64,
    pub volume_cm3: i64,
    pub list_price: Fen,
    pub default_cost: Fen,
    pub category: String,
    pub brand: String,
    pub tracking: Tracking,
    pub shelf_life_days: Option<i64>,
    pub allow_negative: bool,
    pub active: bool,
    pub attrs: serde_json::Value,
}

/// A stored SKU. A bundle (组合装) is a SKU with components; it holds no stock of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sku {
    pub id: SkuId,
    #[serde(flatten)]
    pub fields: NewSku,
    pub is_bundle: bool,
    pub components: Vec<BundleComponent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One stock SKU inside a bundle, with how many of it one bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleComponent {
    pub sku_id: SkuId,
    pub qty: i64,
}

fn barcode(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() || t.len() > 64 {
        return Err(FieldError::new(
            field,
            "条码长度应为 1–64 / a barcode has 1–64 characters",
        ));
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    {
        return Err(FieldError::new(
            field,
            format!("条码 “{t}” 只能含字母、数字和 -._ / letters, digits and -._ only"),
        ));
    }
    Ok(t.to_string())
}

fn non_negative(field: &str, v: i64, what: &str) -> Result<i64, FieldError> {
    if v < 0 {
        Err(FieldError::new(
            field,
            format!("{what}不能为负数 / must not be negative"),
        ))
    } else {
        Ok(v)
    }
}

impl NewSku {
    /// Parses an input into a SKU, reporting every bad field at once.
    pub fn parse(input: &SkuInput) -> Result<NewSku, Error> {
        Self::merge(None, input)
    }

    /// Applies `input` on top of an existing SKU (fields not given keep their value) and
    /// parses the result, so an update is checked exactly like a create.
    pub fn merge(base: Option<&NewSku>, i: &SkuInput) -> Result<NewSku, Error> {
        let mut e = Errors::default();
        let s = |v: &Option<String>, b: Option<&str>| {
            v.clone().unwrap_or_else(|| b.unwrap_or("").to_string())
        };
        let code = e.take(text::code(
            "code",
            &s(&i.code, base.map(|b| b.code.as_str())),
        ));
        let name = e.take(text::required(
            "name",
            &s(&i.name, base.map(|b| b.name.as_str())),
            200,
        ));
        let raw_barcodes = i
            .barcodes
            .clone()
            .unwrap_or_else(|| base.map(|b| b.barcodes.clone()).unwrap_or_default());
        let mut barcodes: Vec<String> = Vec::new();
        for (n, b) in raw_barcodes.iter().enumerate() {
            if b.trim().is_empty() {
                continue;
            }
            if let Some(b) = e.take(barcode(&format!("barcodes[{n}]"), b)) {
                if barcodes.contains(&b) {
                    e.push(
                        format!("barcodes[{n}]"),
                        format!("条码 “{b}” 重复 / duplicate barcode"),
                    );
                } else {
                    barcodes.push(b);
                }
            }
        }
        let color = e.take(text::optional(
            "color",
            &s(&i.color, base.map(|b| b.color.as_str())),
            64,
        ));
        let size = e.take(text::optional(
            "size",
            &s(&i.size, base.map(|b| b.size.as_str())),
            64,
        ));
        let unit = e.take(Unit::parse(
            "unit",
            &s(&i.unit, base.map(|b| b.unit.as_str())),
        ));
        let num = |v: Option<i64>, b: Option<i64>| v.or(b).unwrap_or(0);
        let weight_g = e.take(non_negative(
            "weight_g",
            num(i.weight_g, base.map(|b| b.weight_g)),
            "重量",
        ));
        let volume_cm3 = e.take(non_negative(
            "volume_cm3",
            num(i.volume_cm3, base.map(|b| b.volume_cm3)),
            "体积",
        ));
        let list_price = e.take(non_negative(
            "list_price",
            num(i.list_price, base.map(|b| b.list_price.0)),
            "售价",
        ));
        let default_cost = e.take(non_negative(
            "default_cost",
            num(i.default_cost, base.map(|b| b.default_cost.0)),
            "成本价",
        ));
        let category = e.take(text::optional(
            "category",
            &s(&i.category, base.map(|b| b.category.as_str())),
            64,
        ));
        let brand = e.take(text::optional(
            "brand",
            &s(&i.brand, base.map(|b| b.brand.as_str())),
            64,
        ));
        let tracking = match &i.tracking {
            Some(t) => e.take(Tracking::parse("tracking", t)),
            None => Some(base.map(|b| b.tracking).unwrap_or_default()),
        };
        let shelf_life_days = i.shelf_life_days.or(base.and_then(|b| b.shelf_life_days));
        if let Some(d) = shelf_life_days {
            if d <= 0 {
                e.push(
                    "shelf_life_days",
                    "保质期天数必须大于 0 / shelf life must be positive",
                );
            }
        }
        if tracking == Some(Tracking::LotExpiry) && shelf_life_days.is_none() {
            // Allowed: expiry dates may come from each lot. Nothing to check.
        }
        let attrs = i
            .attrs
            .clone()
            .or_else(|| base.map(|b| b.attrs.clone()))
            .unwrap_or(serde_json::json!({}));
        if !attrs.is_object() {
            e.push(
                "attrs",
                "自定义属性必须是 JSON 对象 / custom attributes must be a JSON object",
            );
        }
        e.into_result()?;
        Ok(NewSku {
            code: code.unwrap_or_default(),
            name: name.unwrap_or_default(),
            barcodes,
            color: color.unwrap_or_default(),
            size: size.unwrap_or_default(),
            unit: unit.unwrap_or(Unit("件".into())),
            weight_g: weight_g.unwrap_or_default(),
            volume_cm3: volume_cm3.unwrap_or_default(),
            list_price: Fen(list_price.unwrap_or_default()),
            default_cost: Fen(default_cost.unwrap_or_default()),
            category: category.unwrap_or_default(),
            brand: brand.unwrap_or_default(),
            tracking: tracking.unwrap_or_default(),
            shelf_life_days,
            allow_negative: i
                .allow_negative
                .or(base.map(|b| b.allow_negative))
                .unwrap_or(false),
            active: i.active.or(base.map(|b| b.active)).unwrap_or(true),
            attrs,
        })
    }
}

/// Parses a bundle's components: at least one, positive quantities, no repeats, not itself.
pub fn parse_components(
    bundle: SkuId,
    comps: &[BundleComponent],
) -> Result<Vec<BundleComponent>, Error> {
    let mut e = Errors::default();
    if comps.is_empty() {
        e.push(
            "components",
            "组合装至少包含一个商品 / a bundle needs at least one component",
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (n, c) in comps.iter().enumerate() {
        if c.qty <= 0 {
            e.push(
                format!("components[{n}].qty"),
                "数量必须大于 0 / quantity must be positive",
            );
        }
        if c.sku_id == bundle {
            e.push(
                format!("components[{n}].sku_id"),
                "组合装不能包含自己 / a bundle cannot contain itself",
            );
        }
        if !seen.insert(c.sku_id) {
            e.push(
                format!("components[{n}].sku_id"),
                "商品重复 / component listed twice",
            );
        }
    }
    e.into_result()?;
    Ok(comps.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SkuInput {
        SkuInput {
            code: Some("TS-BLK-L".into()),
            name: Some("纯棉T恤 黑色 L".into()),
            barcodes: Some(vec!["6901234567892".into()]),
            unit: Some("件".into()),
            list_price: Some(9900),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_input_parses() {
        let s = NewSku::parse(&input()).unwrap();
        assert_eq!(s.code, "TS-BLK-L");
        assert_eq!(s.list_price, Fen(9900));
        assert!(s.active);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut i = input();
        i.code = Some("".into());
        i.list_price = Some(-1);
        i.unit = Some("吨".into());
        i.barcodes = Some(vec!["123".into(), "123".into()]);
        let Error::Invalid(errs) = NewSku::parse(&i).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["code", "barcodes[1]", "unit", "list_price"]);
    }

    #[test]
    fn an_update_keeps_the_fields_it_does_not_name() {
        let base = NewSku::parse(&input()).unwrap();
        let patch = SkuInput {
            list_price: Some(12900),
            ..Default::default()
        };
        let s = NewSku::merge(Some(&base), &patch).unwrap();
        assert_eq!(s.list_price, Fen(12900));
        assert_eq!(s.name, base.name);
        assert_eq!(s.barcodes, base.barcodes);
    }

    #[test]
    fn a_bundle_cannot_contain_itself_or_zero_of_something() {
        let e = parse_components(
            SkuId(1),
            &[BundleComponent {
                sku_id: SkuId(1),
                qty: 0,
            }],
        )
        .unwrap_err();
        assert!(matches!(e, Error::Invalid(v) if v.len() == 2));
    }
}
