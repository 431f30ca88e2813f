//! 用户与角色: who works in jxc, what roles they hold, and which warehouses and shops
//! they may see. What each role may *do* is in [`crate::permissions`].

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::{ShopId, UserId, WarehouseId};
use crate::{Error, FieldError, text};

/// A role (角色). A user may hold several; what they allow adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 管理员: everything, including users and shop credentials.
    Admin,
    /// 客服: orders and customers.
    Service,
    /// 仓库: stock, warehouses, locations.
    Warehouse,
    /// 仓库主管: what 仓库 does, plus approving counts (盘点审核).
    WarehouseLead,
    /// 采购: suppliers, the catalog, purchasing.
    Purchasing,
    /// 财务: money, cost, the audit log.
    Finance,
    /// 只读: sees, changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Service,
        Role::Warehouse,
        Role::WarehouseLead,
        Role::Purchasing,
        Role::Finance,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Service => "service",
            Role::Warehouse => "warehouse",
            Role::WarehouseLead => "warehouse_lead",
            Role::Purchasing => "purchasing",
            Role::Finance => "finance",
            Role::Viewer => "viewer",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Service => "客服",
            Role::Warehouse => "仓库",
            Role::WarehouseLead => "仓库主管",
            Role::Purchasing => "采购",
            Role::Finance => "财务",
            Role::Viewer => "只读",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Service => "Customer service",
            Role::Warehouse => "Warehouse",
            Role::WarehouseLead => "Warehouse lead",
            Role::Purchasing => "Purchasing",
            Role::Finance => "Finance",
            Role::Viewer => "Viewer",
        }
    }

    /// Accepts the code (`warehouse`) or the Chinese name (`仓库`).
    pub fn parse(field: &str, s: &str) -> Result<Role, FieldError> {
        let t = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(t) || r.label_zh() == t)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    format!(
                        "未知角色 “{t}”，可选：管理员 客服 仓库 仓库主管 采购 财务 只读 / unknown role; one of admin, service, warehouse, warehouse_lead, purchasing, finance, viewer"
                    ),
                )
            })
    }
}

/// A user as a person fills in the form: every field optional, so an update can give
/// only what changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    /// 登录名: 2–32 letters, digits, `.`, `_`, `-`.
    pub username: Option<String>,
    /// 姓名.
    pub display_name: Option<String>,
    /// Role codes or Chinese names; at least one.
    pub roles: Option<Vec<String>>,
    /// Warehouses this user may see; empty means all.
    pub warehouse_ids: Option<Vec<i64>>,
    /// Shops this user may see; empty means all.
    pub shop_ids: Option<Vec<i64>>,
    pub active: Option<bool>,
}

/// A valid user (without the password, which only ever exists as a hash in the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Empty: every warehouse.
    pub warehouse_ids: Vec<WarehouseId>,
    /// Empty: every shop.
    pub shop_ids: Vec<ShopId>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    #[serde(flatten)]
    pub fields: NewUser,
    /// Unix milliseconds of the last successful login.
    pub last_login_at: Option<i64>,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.fields.roles.contains(&role)
    }

    /// Whether this user may see (and act on) stock in `w`.
    pub fn sees_warehouse(&self, w: WarehouseId) -> bool {
        self.fields.warehouse_ids.is_empty() || self.fields.warehouse_ids.contains(&w)
    }

    pub fn sees_shop(&self, s: ShopId) -> bool {
        self.fields.shop_ids.is_empty() || self.fields.shop_ids.contains(&s)
    }
}

/// A login name: 2–32 characters of ASCII letters, digits, `.`, `_` and `-`, kept as typed
/// but compared without case by the store.
pub fn username(field: &str, s: &str) -> Result<String, FieldError> {
    let t = text::required(field, s, 32)?;
    if t.chars().count() < 2
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(FieldError::new(
            field,
            "登录名为 2–32 位字母、数字或 . _ - / a login name is 2–32 letters, digits, '.', '_' or '-'",
        ));
    }
    Ok(t)
}

/// A password a person chose: 8–128 characters, not the login name, not one repeated
/// character.
pub fn password(field: &str, pw: &str, username: &str) -> Result<(), FieldError> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(FieldError::new(
            field,
            "密码至少 8 位 / a password has at least 8 characters",
        ));
    }
    if n > 128 {
        return Err(FieldError::new(
            field,
            "密码最多 128 位 / a password has at most 128 characters",
        ));
    }
    if pw.eq_ignore_ascii_case(username) {
        return Err(FieldError::new(
            field,
            "密码不能与登录名相同 / the password must not be the login name",
        ));
    }
    let mut chars = pw.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(FieldError::new(
            field,
            "密码不能是同一个字符重复 / the password must not be one character repeated",
        ));
    }
    Ok(())
}

impl NewUser {
    /// Parses `input`; fields it leaves out keep their value in `base` (an update) or get
    /// their default (a create: active, no limits; username and roles are required).
    pub fn parse(input: &UserInput, base: Option<&NewUser>) -> Result<NewUser, Error> {
        let mut e = Errors::default();
        let username = match (&input.username, base) {
            (Some(u), _) => e.take(username("username", u)),
            (None, Some(b)) => Some(b.username.clone()),
            (None, None) => {
                e.push("username", "不能为空 / must not be empty");
                None
            }
        };
        let display_name = match (&input.display_name, base) {
            (Some(d), _) => e.take(text::optional("display_name", d, 64)),
            (None, Some(b)) => Some(b.display_name.clone()),
            (None, None) => Some(String::new()),
        };
        let roles = match (&input.roles, base) {
            (Some(rs), _) => {
                let mut roles = Vec::new();
                for (i, r) in rs.iter().enumerate() {
                    if let Some(r) = e.take(Role::parse(&format!("roles[{i}]"), r)) {
                        roles.push(r);
                    }
                }
                roles.sort();
                roles.dedup();
                if roles.is_empty() && rs.is_empty() {
                    e.push("roles", "至少选择一个角色 / choose at least one role");
                }
                Some(roles)
            }
            (None, Some(b)) => Some(b.roles.clone()),
            (None, None) => {
                e.push("roles", "至少选择一个角色 / choose at least one role");
                None
            }
        };
        let ids = |v: &Option<Vec<i64>>, old: Option<Vec<i64>>| {
            let mut v = v.clone().or(old).unwrap_or_default();
            v.sort_unstable();
            v.dedup();
            v
        };
        let warehouse_ids = ids(
            &input.warehouse_ids,
            base.map(|b| b.warehouse_ids.iter().map(|w| w.0).collect()),
        );
        let shop_ids = ids(
            &input.shop_ids,
            base.map(|b| b.shop_ids.iter().map(|s| s.0).collect()),
        );
        if warehouse_ids.iter().any(|&i| i <= 0) {
            e.push("warehouse_ids", "仓库编号无效 / invalid warehouse id");
        }
        if shop_ids.iter().any(|&i| i <= 0) {
            e.push("shop_ids", "店铺编号无效 / invalid shop id");
        }
        let active = input.active.or(base.map(|b| b.active)).unwrap_or(true);
        e.into_result()?;
        Ok(NewUser {
            username: username.unwrap_or_default(),
            display_name: display_name.unwrap_or_default(),
            roles: roles.unwrap_or_default(),
            warehouse_ids: warehouse_ids.into_iter().map(WarehouseId).collect(),
            shop_ids: shop_ids.into_iter().map(ShopId).collect(),
            active,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(username: &str, roles: &[&str]) -> UserInput {
        UserInput {
            username: Some(username.into()),
            roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn roles_are_read_by_code_or_chinese_name_sorted_and_unique() {
        let u = NewUser::parse(&input("li.lei", &["仓库", "admin", "warehouse"]), None).unwrap();
        assert_eq!(u.roles, vec![Role::Admin, Role::Warehouse]);
        assert!(u.active);
    }

    #[test]
    fn a_user_needs_a_login_name_and_a_role() {
        let Err(Error::Invalid(errs)) = NewUser::parse(&input("a b", &[]), None) else {
            panic!("expected errors")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "roles"]);
    }

    #[test]
    fn an_update_keeps_what_it_does_not_name() {
        let base = NewUser::parse(&input("wang", &["客服"]), None).unwrap();
        let upd = UserInput {
            active: Some(false),
            warehouse_ids: Some(vec![3, 1, 3]),
            ..Default::default()
        };
        let u = NewUser::parse(&upd, Some(&base)).unwrap();
        assert_eq!(u.username, "wang");
        assert_eq!(u.roles, vec![Role::Service]);
        assert_eq!(u.warehouse_ids, vec![WarehouseId(1), WarehouseId(3)]);
        assert!(!u.active);
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        assert!(password("password", "short", "wang").is_err());
        assert!(password("password", "aaaaaaaaaa", "wang").is_err());
        assert!(password("password", "Wang.Fang", "wang.fang").is_err());
        assert!(password("password", "correct horse", "wang").is_ok());
    }

    #[test]
    fn an_empty_limit_means_every_warehouse() {
        let mut u = User {
            id: UserId(1),
            fields: NewUser::parse(&input("zhao", &["仓库"]), None).unwrap(),
            last_login_at: None,
        };
        assert!(u.sees_warehouse(WarehouseId(7)));
        u.fields.warehouse_ids = vec![WarehouseId(2)];
        assert!(!u.sees_warehouse(WarehouseId(7)));
        assert!(u.sees_warehouse(WarehouseId(2)));
    }
}
