//! 仓库 and 库位.

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{LocationId, WarehouseId};
use crate::{Error, FieldError, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WarehouseKind {
    /// 自营仓
    #[default]
    Own,
    /// 第三方仓
    #[serde(rename = "3pl")]
    ThirdParty,
    /// 海外仓
    Overseas,
    /// 门店
    Store,
}

impl WarehouseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarehouseKind::Own => "own",
            WarehouseKind::ThirdParty => "3pl",
            WarehouseKind::Overseas => "overseas",
            WarehouseKind::Store => "store",
        }
    }
    pub fn parse(field: &str, s: &str) -> Result<WarehouseKind, FieldError> {
        Ok(match s.trim().to_lowercase().as_str() {
            "" | "own" | "自营" | "自营仓" => WarehouseKind::Own,
            "3pl" | "第三方" | "第三方仓" => WarehouseKind::ThirdParty,
            "overseas" | "海外仓" => WarehouseKind::Overseas,
            "store" | "门店" => WarehouseKind::Store,
            _ => {
                return Err(FieldError::new(
                    field,
                    format!("未知仓库类型 “{}” (own/3pl/overseas/store)", s.trim()),
                ));
            }
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WarehouseInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub priority: Option<i64>,
    /// Orders per day it can ship; 0 means no limit.
    pub daily_capacity: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWarehouse {
    pub code: String,
    pub name: String,
    pub kind: WarehouseKind,
    pub province: String,
    pub city: String,
    pub district: String,
    pub address: String,
    pub priority: i64,
    pub daily_capacity: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Warehouse {
    pub id: WarehouseId,
    #[serde(flatten)]
    pub fields: NewWarehouse,
    /// The location stock goes to when a document names none (created with the warehouse).
    pub default_location: LocationId,
}

impl NewWarehouse {
    pub fn merge(base: Option<&NewWarehouse>, i: &WarehouseInput) -> Result<NewWarehouse, Error> {
        let mut e = Errors::default();
        let s = |v: &Option<String>, b: Option<&String>| {
            v.clone().or_else(|| b.cloned()).unwrap_or_default()
        };
        let code = e.take(text::code("code", &s(&i.code, base.map(|b| &b.code))));
        let name = e.take(text::required(
            "name",
            &s(&i.name, base.map(|b| &b.name)),
            100,
        ));
        let kind = match &i.kind {
            Some(k) => e.take(WarehouseKind::parse("kind", k)),
            None => Some(base.map(|b| b.kind).unwrap_or_default()),
        };
        let province = e.take(text::optional(
            "province",
            &s(&i.province, base.map(|b| &b.province)),
            32,
        ));
        let city = e.take(text::optional(
            "city",
            &s(&i.city, base.map(|b| &b.city)),
            32,
        ));
        let district = e.take(text::optional(
            "district",
            &s(&i.district, base.map(|b| &b.district)),
            32,
        ));
        let address = e.take(text::optional(
            "address",
            &s(&i.address, base.map(|b| &b.address)),
            300,
        ));
        let priority = i.priority.or(base.map(|b| b.priority)).unwrap_or(0);
        let daily_capacity = i
            .daily_capacity
            .or(base.map(|b| b.daily_capacity))
            .unwrap_or(0);
        if daily_capacity < 0 {
            e.push(
                "daily_capacity",
                "日产能不能为负数 / daily capacity must not be negative",
            );
        }
        e.into_result()?;
        Ok(NewWarehouse {
            code: code.unwrap_or_default(),
            name: name.unwrap_or_default(),
            kind: kind.unwrap_or_default(),
            province: province.unwrap_or_default(),
            city: city.unwrap_or_default(),
            district: district.unwrap_or_default(),
            address: address.unwrap_or_default(),
            priority,
            daily_capacity,
            active: i.active.or(base.map(|b| b.active)).unwrap_or(true),
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LocationInput {
    pub warehouse_id: Option<i64>,
    pub code: Option<String>,
    pub zone: Option<String>,
    pub pick_seq: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewLocation {
    pub warehouse_id: WarehouseId,
    /// e.g. `A-01-02-03`: zone A, aisle 01, rack 02, level 03.
    pub code: String,
    pub zone: String,
    /// Order in which a picker walks the locations.
    pub pick_seq: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: LocationId,
    #[serde(flatten)]
    pub fields: NewLocation,
}

/// The code of the location every warehouse gets on creation.
pub const DEFAULT_LOCATION_CODE: &str = "DEFAULT";

impl NewLocation {
    /// Parses a location. Without a zone, the zone is the code's first segment
    /// (`A-01-02-03` → `A`); without a pick sequence it is 0 (walk order by code).
    pub fn merge(base: Option<&NewLocation>, i: &LocationInput) -> Result<NewLocation, Error> {
        let mut e = Errors::default();
        let s = |v: &Option<String>, b: Option<&String>| {
            v.clone().or_else(|| b.cloned()).unwrap_or_default()
        };
        let warehouse_id = i.warehouse_id.or(base.map(|b| b.warehouse_id.0));
        if warehouse_id.is_none() {
            e.push("warehouse_id", "必须指定仓库 / warehouse is required");
        }
        let code = e.take(text::code("code", &s(&i.code, base.map(|b| &b.code))));
        if let Some(c) = &code {
            if !c
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                e.push(
                    "code",
                    format!(
                        "库位编码 “{c}” 只能含字母、数字、- 和 _ / letters, digits, - and _ only"
                    ),
                );
            }
        }
        let mut zone = e
            .take(text::optional(
                "zone",
                &s(&i.zone, base.map(|b| &b.zone)),
                32,
            ))
            .unwrap_or_default();
        if zone.is_empty() {
            if let Some(c) = &code {
                zone = c.split('-').next().unwrap_or_default().to_string();
            }
        }
        e.into_result()?;
        Ok(NewLocation {
            warehouse_id: WarehouseId(warehouse_id.unwrap_or_default()),
            code: code.unwrap_or_default(),
            zone,
            pick_seq: i.pick_seq.or(base.map(|b| b.pick_seq)).unwrap_or(0),
            active: i.active.or(base.map(|b| b.active)).unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_code_gives_its_zone() {
        let l = NewLocation::merge(
            None,
            &LocationInput {
                warehouse_id: Some(1),
                code: Some("B-02-01-04".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(l.zone, "B");
    }

    #[test]
    fn a_location_code_with_spaces_or_slashes_is_refused() {
        for c in ["A 01", "A/01", ""] {
            let r = NewLocation::merge(
                None,
                &LocationInput {
                    warehouse_id: Some(1),
                    code: Some(c.into()),
                    ..Default::default()
                },
            );
            assert!(r.is_err(), "{c}");
        }
    }
}
