//! 发货设置 and 发货单 rules: where waybill numbers come from, who the sender is, which
//! orders share a parcel (合单), and the buyer-notification hook.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::OrderId;
use crate::{Error, FieldError};

/// Where waybill numbers come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaybillSource {
    /// 自配送: a local range `prefix + counter + Luhn digit`, never repeated.
    Local { prefix: String },
    /// 菜鸟电子面单 through a Taobao/Tmall shop's TOP credentials.
    Cainiao {
        shop_id: i64,
        /// Cainiao's carrier code (`YTO`, `ZTO`, `SF` …).
        cp_code: String,
        /// The label template's URL.
        template_url: String,
    },
}

/// 发货设置: the waybill source, the carrier shipments go with, the sender printed on
/// labels, and where to tell the buyer-facing system that an order shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShippingSetup {
    pub source: WaybillSource,
    /// Our carrier code (`local`, `yuantong`, `zhongtong`, `sf` …): what is written back
    /// to the platforms and asked of the tracking service.
    pub carrier: String,
    pub sender_name: String,
    pub sender_phone: String,
    /// 买家通知 webhook: POSTed a signed JSON message when a shipment ships ('' = none).
    #[serde(default)]
    pub notify_url: String,
    /// The HMAC-SHA256 key for `X-Jxc-Signature` on those messages.
    #[serde(default)]
    pub notify_secret: String,
    /// A shipment with no tracking update for this many days becomes an exception.
    #[serde(default = "default_stale_days")]
    pub stale_days: i64,
    /// 快递100 tracking (subscribed when a shipment ships); `None`: no tracking service.
    #[serde(default)]
    pub tracking: Option<TrackingSetup>,
}

/// A 快递100 account: shipments are subscribed when they ship, and 快递100 calls
/// `callback_url` (our `/hooks/tracking/kuaidi100`) signed with `salt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingSetup {
    pub customer: String,
    pub key: String,
    pub salt: String,
    /// Where 快递100 reaches this jxc: `https://…/hooks/tracking/kuaidi100`.
    pub callback_url: String,
    /// Another endpoint than `https://poll.kuaidi100.com` (a test double); '' = the real one.
    #[serde(default)]
    pub base_url: String,
}

fn default_stale_days() -> i64 {
    3
}

impl Default for ShippingSetup {
    fn default() -> Self {
        ShippingSetup {
            source: WaybillSource::Local {
                prefix: "JXC".into(),
            },
            carrier: "local".into(),
            sender_name: String::new(),
            sender_phone: String::new(),
            notify_url: String::new(),
            notify_secret: String::new(),
            stale_days: default_stale_days(),
            tracking: None,
        }
    }
}

impl ShippingSetup {
    /// Checks a setup someone entered: every field error at once.
    pub fn validate(self) -> Result<ShippingSetup, Error> {
        let mut e = Vec::new();
        match &self.source {
            WaybillSource::Local { prefix } => {
                if prefix.is_empty()
                    || prefix.len() > 6
                    || !prefix.chars().all(|c| c.is_ascii_uppercase())
                {
                    e.push(FieldError::new(
                        "source.prefix",
                        "前缀为 1–6 个大写字母 / 1 to 6 letters A–Z",
                    ));
                }
            }
            WaybillSource::Cainiao {
                shop_id,
                cp_code,
                template_url,
            } => {
                if *shop_id <= 0 {
                    e.push(FieldError::new(
                        "source.shop_id",
                        "请选择淘宝/天猫店铺 / choose a Taobao or Tmall shop",
                    ));
                }
                if cp_code.is_empty()
                    || cp_code.len() > 20
                    || !cp_code.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    e.push(FieldError::new(
                        "source.cp_code",
                        "快递公司编码，如 YTO / the carrier's Cainiao code, e.g. YTO",
                    ));
                }
                if !(template_url.starts_with("http://") || template_url.starts_with("https://")) {
                    e.push(FieldError::new(
                        "source.template_url",
                        "模板地址须以 http(s):// 开头 / the template's http(s) URL",
                    ));
                }
            }
        }
        if self.carrier.is_empty()
            || self.carrier.len() > 30
            || !self
                .carrier
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            e.push(FieldError::new(
                "carrier",
                "快递公司代码为小写字母，如 yuantong / a lower-case carrier code, e.g. yuantong",
            ));
        }
        if self.sender_name.trim().is_empty() || self.sender_name.chars().count() > 30 {
            e.push(FieldError::new(
                "sender_name",
                "寄件人 1–30 个字 / a sender name of 1 to 30 characters",
            ));
        }
        let phone_ok = |p: &str| {
            (5..=20).contains(&p.len())
                && p.chars()
                    .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        };
        if !phone_ok(self.sender_phone.trim()) {
            e.push(FieldError::new(
                "sender_phone",
                "寄件电话 5–20 位数字 / a phone of 5 to 20 digits",
            ));
        }
        if !self.notify_url.is_empty() {
            if !(self.notify_url.starts_with("http://") || self.notify_url.starts_with("https://"))
            {
                e.push(FieldError::new(
                    "notify_url",
                    "通知地址须以 http(s):// 开头 / an http(s) URL",
                ));
            }
            if self.notify_secret.len() < 16 {
                e.push(FieldError::new(
                    "notify_secret",
                    "通知密钥至少 16 个字符 / a key of at least 16 characters",
                ));
            }
        }
        if let Some(t) = &self.tracking {
            if t.customer.trim().is_empty() || t.customer.len() > 64 {
                e.push(FieldError::new(
                    "tracking.customer",
                    "请填写快递100 customer / the customer id",
                ));
            }
            if t.key.trim().is_empty() || t.key.len() > 64 {
                e.push(FieldError::new(
                    "tracking.key",
                    "请填写快递100 授权 key / the key",
                ));
            }
            if t.salt.len() < 8 || t.salt.len() > 64 {
                e.push(FieldError::new(
                    "tracking.salt",
                    "回调签名 salt 8–64 个字符 / a salt of 8 to 64 characters",
                ));
            }
            let http = |u: &str| u.starts_with("http://") || u.starts_with("https://");
            if !http(&t.callback_url) {
                e.push(FieldError::new(
                    "tracking.callback_url",
                    "回调地址须以 http(s):// 开头 / an http(s) URL",
                ));
            }
            if !t.base_url.is_empty() && !http(&t.base_url) {
                e.push(FieldError::new(
                    "tracking.base_url",
                    "接口地址须以 http(s):// 开头 / an http(s) URL",
                ));
            }
        }
        if !(1..=30).contains(&self.stale_days) {
            e.push(FieldError::new(
                "stale_days",
                "无更新天数 1–30 / 1 to 30 days",
            ));
        }
        if e.is_empty() {
            Ok(self)
        } else {
            Err(Error::Invalid(e))
        }
    }
}

/// 合单 → one parcel: orders of the same merge group ship together; the others alone.
/// Parcels come in the order their first order comes.
pub fn parcels(orders: &[(OrderId, Option<OrderId>)]) -> Vec<Vec<OrderId>> {
    let mut out: Vec<Vec<OrderId>> = Vec::new();
    let mut group_at: BTreeMap<OrderId, usize> = BTreeMap::new();
    for &(id, group) in orders {
        match group {
            Some(g) => match group_at.get(&g) {
                Some(&i) => out[i].push(id),
                None => {
                    group_at.insert(g, out.len());
                    out.push(vec![id]);
                }
            },
            None => out.push(vec![id]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> ShippingSetup {
        ShippingSetup {
            sender_name: "杭州仓".into(),
            sender_phone: "0571-88888888".into(),
            ..Default::default()
        }
    }

    #[test]
    fn merged_orders_share_a_parcel_and_the_rest_ship_alone() {
        let o = OrderId;
        let got = parcels(&[
            (o(5), Some(o(3))),
            (o(7), None),
            (o(3), Some(o(3))),
            (o(9), Some(o(9))),
        ]);
        assert_eq!(got, vec![vec![o(5), o(3)], vec![o(7)], vec![o(9)]]);
    }

    #[test]
    fn a_local_setup_with_a_sender_is_valid_and_a_bad_one_names_every_field() {
        assert!(setup().validate().is_ok());
        let bad = ShippingSetup {
            source: WaybillSource::Local {
                prefix: "jx1".into(),
            },
            carrier: "圆通".into(),
            sender_name: " ".into(),
            sender_phone: "abc".into(),
            notify_url: "ftp://x".into(),
            notify_secret: "short".into(),
            stale_days: 0,
            tracking: Some(TrackingSetup {
                customer: String::new(),
                key: "k".into(),
                salt: "short".into(),
                callback_url: "/hooks".into(),
                base_url: String::new(),
            }),
        };
        let Err(Error::Invalid(e)) = bad.validate() else {
            panic!("expected field errors")
        };
        let fields: Vec<_> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "source.prefix",
                "carrier",
                "sender_name",
                "sender_phone",
                "notify_url",
                "notify_secret",
                "tracking.customer",
                "tracking.salt",
                "tracking.callback_url",
                "stale_days"
            ]
        );
    }

    #[test]
    fn a_cainiao_source_needs_a_shop_a_code_and_a_template() {
        let s = ShippingSetup {
            source: WaybillSource::Cainiao {
                shop_id: 0,
                cp_code: "Y-T".into(),
                template_url: "cloudprint".into(),
            },
            ..setup()
        };
        let Err(Error::Invalid(e)) = s.validate() else {
            panic!("expected field errors")
        };
        assert_eq!(e.len(), 3);
    }
}
