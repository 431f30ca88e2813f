//! 店铺, 供应商, 客户: the parties jxc deals with.
//!
//! Suppliers and customers have the same shape (code, name, contacts, tax id), so they
//! are one type, [`Partner`], told apart by [`PartnerKind`].

use serde::{Deserialize, Serialize};

use crate::error::Errors;
use crate::ids::ShopId;
use crate::{Error, FieldError, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    Supplier,
    Customer,
}

impl PartnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::Supplier => "supplier",
            PartnerKind::Customer => "customer",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PartnerInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// 税号 / 统一社会信用代码
    pub tax_id: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPartner {
    pub code: String,
    pub name: String,
    pub contact: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub tax_id: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partner {
    pub id: i64,
    pub kind: PartnerKind,
    #[serde(flatten)]
    pub fields: NewPartner,
}

const USCC_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Checks a tax id: an 18-character unified social credit code (统一社会信用代码) must
/// carry a valid check character; 15- and 20-character legacy tax numbers are accepted as
/// letters and digits; empty means none.
pub fn parse_tax_id(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim().to_uppercase();
    if t.is_empty() {
        return Ok(t);
    }
    let bad = |why: &str| FieldError::new(field, format!("税号 “{t}” {why}"));
    match t.len() {
        18 => {
            let vals: Option<Vec<u32>> = t
                .chars()
                .map(|c| USCC_CHARSET.find(c).map(|i| i as u32))
                .collect();
            let vals = vals
                .ok_or_else(|| bad("含无效字符 / has a character not allowed in a credit code"))?;
            let sum: u32 = vals[..17]
                .iter()
                .zip(USCC_WEIGHTS)
                .map(|(v, w)| v * w)
                .sum();
            let check = (31 - sum % 31) % 31;
            if vals[17] != check {
                return Err(bad("校验位错误 / check character is wrong"));
            }
            Ok(t)
        }
        15 | 20 if t.chars().all(|c| c.is_ascii_alphanumeric()) => Ok(t),
        _ => Err(bad(
            "应为 18 位统一社会信用代码 / should be an 18-character credit code",
        )),
    }
}

fn email(field: &str, s: &str) -> Result<String, FieldError> {
    let t = text::optional(field, s, 120)?;
    if !t.is_empty() && !(t.contains('@') && !t.starts_with('@') && !t.ends_with('@')) {
        return Err(FieldError::new(
            field,
            format!("邮箱 “{t}” 格式不对 / not an email address"),
        ));
    }
    Ok(t)
}

impl NewPartner {
    pub fn merge(base: Option<&NewPartner>, i: &PartnerInput) -> Result<NewPartner, Error> {
        let mut e = Errors::default();
        let s = |v: &Option<String>, b: Option<&String>| {
            v.clone().or_else(|| b.cloned()).unwrap_or_default()
        };
        let code = e.take(text::code("code", &s(&i.code, base.map(|b| &b.code))));
        let name = e.take(text::required(
            "name",
            &s(&i.name, base.map(|b| &b.name)),
            200,
        ));
        let contact = e.take(text::optional(
            "contact",
            &s(&i.contact, base.map(|b| &b.contact)),
            64,
        ));
        let phone = e.take(text::optional(
            "phone",
            &s(&i.phone, base.map(|b| &b.phone)),
            32,
        ));
        let email = e.take(email("email", &s(&i.email, base.map(|b| &b.email))));
        let address = e.take(text::optional(
            "address",
            &s(&i.address, base.map(|b| &b.address)),
            300,
        ));
        let tax_id = e.take(parse_tax_id(
            "tax_id",
            &s(&i.tax_id, base.map(|b| &b.tax_id)),
        ));
        e.into_result()?;
        Ok(NewPartner {
            code: code.unwrap_or_default(),
            name: name.unwrap_or_default(),
            contact: contact.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
            email: email.unwrap_or_default(),
            address: address.unwrap_or_default(),
            tax_id: tax_id.unwrap_or_default(),
            active: i.active.or(base.map(|b| b.active)).unwrap_or(true),
        })
    }
}

/// The platforms a shop can be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Taobao,
    Tmall,
    Jd,
    Pdd,
    Douyin,
    Shopify,
    Woocommerce,
    /// Orders entered by hand or imported from files.
    Manual,
}

impl Platform {
    pub const ALL: [Platform; 8] = [
        Platform::Taobao,
        Platform::Tmall,
        Platform::Jd,
        Platform::Pdd,
        Platform::Douyin,
        Platform::Shopify,
        Platform::Woocommerce,
        Platform::Manual,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Taobao => "taobao",
            Platform::Tmall => "tmall",
            Platform::Jd => "jd",
            Platform::Pdd => "pdd",
            Platform::Douyin => "douyin",
            Platform::Shopify => "shopify",
            Platform::Woocommerce => "woocommerce",
            Platform::Manual => "manual",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Platform::Taobao => "淘宝",
            Platform::Tmall => "天猫",
            Platform::Jd => "京东",
            Platform::Pdd => "拼多多",
            Platform::Douyin => "抖店",
            Platform::Shopify => "Shopify",
            Platform::Woocommerce => "WooCommerce",
            Platform::Manual => "手工",
        }
    }
    pub fn parse(field: &str, s: &str) -> Result<Platform, FieldError> {
        let t = s.trim().to_lowercase();
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == t || p.label_zh().to_lowercase() == t)
            .ok_or_else(|| {
                FieldError::new(field, format!("未知平台 “{}” / unknown platform", s.trim()))
            })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ShopInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub platform: Option<String>,
    /// App key/secret/session as a JSON object. Stored, never shown again.
    pub credentials: Option<serde_json::Value>,
    pub active: Option<bool>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewShop {
    pub code: String,
    pub name: String,
    pub platform: Platform,
    /// Secret: never serialised to clients (see [`Shop`]), never printed by `Debug`.
    #[serde(skip_serializing)]
    pub credentials: Credentials,
    pub active: bool,
}

/// Shop credentials. `Debug` prints nothing of them, and they have no `Serialize`.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Credentials(pub serde_json::Value);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

impl Credentials {
    pub fn is_set(&self) -> bool {
        self.0.as_object().is_some_and(|o| !o.is_empty())
    }
}

impl std::fmt::Debug for NewShop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewShop")
            .field("code", &self.code)
            .field("name", &self.name)
            .field("platform", &self.platform)
            .field("credentials", &self.credentials)
            .field("active", &self.active)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shop {
    pub id: ShopId,
    #[serde(flatten)]
    pub fields: NewShop,
    /// Whether credentials are stored (their content is never returned).
    pub has_credentials: bool,
}

impl NewShop {
    pub fn merge(base: Option<&NewShop>, i: &ShopInput) -> Result<NewShop, Error> {
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
        let platform = match (&i.platform, base) {
            (Some(p), _) => e.take(Platform::parse("platform", p)),
            (None, Some(b)) => Some(b.platform),
            (None, None) => {
                e.push("platform", "必须指定平台 / platform is required");
                None
            }
        };
        let credentials = match &i.credentials {
            Some(c) if !c.is_object() => {
                e.push(
                    "credentials",
                    "凭证必须是 JSON 对象 / credentials must be a JSON object",
                );
                None
            }
            Some(c) => Some(Credentials(c.clone())),
            None => Some(base.map(|b| b.credentials.clone()).unwrap_or_default()),
        };
        e.into_result()?;
        Ok(NewShop {
            code: code.unwrap_or_default(),
            name: name.unwrap_or_default(),
            platform: platform.unwrap_or(Platform::Manual),
            credentials: credentials.unwrap_or_default(),
            active: i.active.or(base.map(|b| b.active)).unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_credit_codes_are_valid_and_a_changed_one_is_not() {
        assert!(parse_tax_id("tax_id", "9144030071526726XG").is_ok());
        assert!(parse_tax_id("tax_id", "91350100M000100Y43").is_ok());
        assert!(parse_tax_id("tax_id", "9144030071526726XH").is_err());
        assert!(parse_tax_id("tax_id", "").is_ok());
    }

    #[test]
    fn shop_credentials_never_show_in_debug_or_json() {
        let shop = NewShop::merge(
            None,
            &ShopInput {
                code: Some("tb1".into()),
                name: Some("淘宝旗舰店".into()),
                platform: Some("淘宝".into()),
                credentials: Some(serde_json::json!({"app_secret": "s3cr3t"})),
                active: None,
            },
        )
        .unwrap();
        assert!(!format!("{shop:?}").contains("s3cr3t"));
        assert!(!serde_json::to_string(&shop).unwrap().contains("s3cr3t"));
        assert_eq!(shop.platform, Platform::Taobao);
    }
}
