//! Reading a WooCommerce order's JSON into our model (the rules are in the parent
//! module's header).

use jxc_core::ids::ShopId;
use jxc_core::money::{Fen, round_div, split_largest_remainder};
use jxc_core::orders::phone;
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::STATUSES;
use crate::money::{Yuan, yuan_text};
use crate::status::{PlatformState, lookup};
use crate::{ChannelError, Fetched, RemoteOrder};

pub(super) fn read_list(shop: ShopId, body: &str) -> Result<Vec<Fetched>, ChannelError> {
    let list: Vec<&RawValue> = serde_json::from_str(body).map_err(|e| {
        ChannelError::malformed(format!("不是订单列表 / not an order list: {e}"), body)
    })?;
    Ok(list.into_iter().map(|o| read_one(shop, o)).collect())
}

pub(super) fn read_one(shop: ShopId, raw: &RawValue) -> Fetched {
    Fetched::read(raw, "id", |text| {
        let o: Order = serde_json::from_str(text).map_err(|e| e.to_string())?;
        o.into_remote(shop)
    })
}

#[derive(Deserialize)]
struct Order {
    id: u64,
    status: String,
    #[serde(default)]
    currency: Option<String>,
    date_created_gmt: String,
    date_modified_gmt: String,
    #[serde(default)]
    date_paid_gmt: Option<String>,
    #[serde(default)]
    prices_include_tax: Option<bool>,
    #[serde(default)]
    shipping_total: Yuan,
    #[serde(default)]
    shipping_tax: Yuan,
    total: Yuan,
    #[serde(default)]
    customer_id: Option<u64>,
    #[serde(default)]
    customer_note: Option<String>,
    #[serde(default)]
    billing: Option<Address>,
    #[serde(default)]
    shipping: Option<Address>,
    line_items: Vec<LineItem>,
    #[serde(default, deserialize_with = "null_default")]
    fee_lines: Vec<FeeLine>,
    #[serde(default, deserialize_with = "null_default")]
    refunds: Vec<Refund>,
}

#[derive(Deserialize)]
struct LineItem {
    id: u64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parent_name: Option<String>,
    #[serde(default)]
    product_id: Option<u64>,
    #[serde(default)]
    variation_id: Option<u64>,
    quantity: i64,
    subtotal: Yuan,
    #[serde(default)]
    subtotal_tax: Yuan,
    total: Yuan,
    #[serde(default)]
    total_tax: Yuan,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    meta_data: Vec<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    display_key: Option<serde_json::Value>,
    #[serde(default)]
    display_value: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct FeeLine {
    #[serde(default)]
    total: Yuan,
    #[serde(default)]
    total_tax: Yuan,
}

#[derive(Deserialize)]
struct Refund {
    #[serde(default)]
    total: Yuan,
}

#[derive(Deserialize, Default)]
struct Address {
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    address_1: Option<String>,
    #[serde(default)]
    address_2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    postcode: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Order {
    fn into_remote(self, shop: ShopId) -> Result<RemoteOrder, String> {
        let (stored, state) = match lookup(STATUSES, &self.status) {
            Some(r) => (r.stored.to_string(), r.state),
            // Unknown (a plugin's status): kept as sent; not known to be paid.
            None => (self.status.clone(), PlatformState::Unpaid),
        };
        let lines = self.lines()?;
        let goods: i128 = lines
            .iter()
            .map(|l| l.unit_price.0 as i128 * l.qty as i128)
            .sum();
        let billing = self.billing.as_ref();
        let buyer_nick = match billing.and_then(|b| nonempty(&b.email)) {
            Some(e) => e.to_string(),
            None => billing.map(name_of).unwrap_or_default(),
        };
        let order = NewOrder {
            shop_id: shop,
            platform_order_id: self.id.to_string(),
            platform_status: stored,
            buyer_nick,
            buyer_id: self
                .customer_id
                .filter(|c| *c != 0)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            receiver: self.receiver(),
            buyer_message: self.customer_note.clone().unwrap_or_default(),
            created_at: time_ms(&self.date_created_gmt)?,
            paid_at: match nonempty(&self.date_paid_gmt) {
                Some(t) => Some(time_ms(t)?),
                None => None,
            },
            currency: self.currency.clone().unwrap_or_default(),
            goods_amount: fen(goods)?,
            shipping_fee: self.shipping_total.0,
            paid_amount: self.total.0,
            lines,
            ..NewOrder::default()
        };
        Ok(RemoteOrder {
            order,
            modified_ms: time_ms(&self.date_modified_gmt)?,
            state,
        })
    }

    fn lines(&self) -> Result<Vec<OrderLine>, String> {
        let with_tax = self.prices_include_tax == Some(true);
        let refund = self.refund_status();
        let mut lines = Vec::with_capacity(self.line_items.len());
        for l in &self.line_items {
            let tax = |t: Yuan| if with_tax { t.0.0 as i128 } else { 0 };
            let before = l.subtotal.0.0 as i128 + tax(l.subtotal_tax);
            let after = l.total.0.0 as i128 + tax(l.total_tax);
            let unit = if l.quantity > 0 {
                round_div(before, l.quantity as i128)
            } else {
                before
            };
            let title = nonempty(&l.parent_name).or(nonempty(&l.name)).unwrap_or("");
            lines.push(OrderLine {
                platform_line_id: l.id.to_string(),
                platform_item_id: id_text(l.product_id),
                platform_sku_id: id_text(l.variation_id),
                outer_code: nonempty(&l.sku).unwrap_or("").to_string(),
                title: title.to_string(),
                spec: spec(&l.meta_data),
                qty: l.quantity,
                unit_price: fen(unit)?,
                line_discount: fen(before - after)?,
                paid: fen(l.total.0.0 as i128 + l.total_tax.0.0 as i128)?,
                refund_status: refund.clone(),
                ..OrderLine::default()
            });
        }
        // Tax on shipping and fee lines: into the lines' paid, by largest remainder.
        let extra = self.shipping_tax.0.0 as i128
            + self
                .fee_lines
                .iter()
                .map(|f| f.total.0.0 as i128 + f.total_tax.0.0 as i128)
                .sum::<i128>();
        if extra != 0 {
            let extra = i64::try_from(extra).map_err(|_| "金额太大 / amount too large")?;
            let weights: Vec<i64> = lines.iter().map(|l| l.paid.0).collect();
            for (l, share) in lines
                .iter_mut()
                .zip(split_largest_remainder(extra, &weights))
            {
                l.paid = fen(l.paid.0 as i128 + share as i128)?;
            }
        }
        Ok(lines)
    }

    fn refund_status(&self) -> String {
        if self.status == "refunded" {
            return "refunded".into();
        }
        if self.refunds.is_empty() {
            return String::new();
        }
        // Woo writes refund totals negative.
        let sum: i64 = self
            .refunds
            .iter()
            .map(|r| r.total.0.0.saturating_abs())
            .fold(0, i64::saturating_add);
        format!("partially_refunded {}", yuan_text(Fen(sum)))
    }

    fn receiver(&self) -> Receiver {
        let Some(a) = self.shipping.as_ref() else {
            return Receiver::default();
        };
        let text = |s: &Option<String>| nonempty(s).unwrap_or("").to_string();
        let raw_phone = nonempty(&a.phone)
            .or_else(|| self.billing.as_ref().and_then(|b| nonempty(&b.phone)))
            .unwrap_or("");
        let (mobile, phone) = split_phone(raw_phone);
        Receiver {
            name: name_of(a),
            mobile,
            phone,
            province: province(text(&a.state), text(&a.country)),
            city: text(&a.city),
            detail: format!("{} {}", text(&a.address_1), text(&a.address_2))
                .trim()
                .to_string(),
            zip: text(&a.postcode),
            ..Receiver::default()
        }
        .with_district_from_detail()
    }
}

/// WooCommerce's state codes for China (`CN1` … `CN32`, from its `i18n/states.php`) as
/// GB/T 2260 province codes. Hong Kong and Taiwan have none there.
const CN_STATES: [u32; 32] = [
    530000, 110000, 120000, 130000, 140000, 150000, 210000,
    220000, // CN1 云南 … CN8 吉林
    230000, 310000, 320000, 330000, 340000, 350000, 360000,
    370000, // CN9 黑龙江 … CN16 山东
    410000, 420000, 430000, 440000, 450000, 460000, 500000,
    510000, // CN17 河南 … CN24 四川
    520000, 610000, 620000, 630000, 640000, 820000, 540000,
    650000, // CN25 贵州 … CN32 新疆
];

/// The province of a Chinese address: WooCommerce stores send a state code (`CN12`),
/// which becomes its name (`浙江省`); anything else is kept as sent.
fn province(state: String, country: String) -> String {
    let code = state
        .strip_prefix("CN")
        .filter(|_| country.is_empty() || country == "CN")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| CN_STATES.get(n.checked_sub(1)?))
        .and_then(|c| jxc_core::orders::address::by_code(*c));
    match code {
        Some(d) => d.name.to_string(),
        None => state,
    }
}

/// A variation's attributes as `name:value;…` (meta keys starting `_` are Woo's own).
fn spec(meta: &[Meta]) -> String {
    let text = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        _ => String::new(),
    };
    meta.iter()
        .filter(|m| !m.key.as_deref().unwrap_or("_").starts_with('_'))
        .map(|m| (text(&m.display_key), text(&m.display_value)))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// Woo writes 0 for "no product / no variation".
fn id_text(id: Option<u64>) -> String {
    id.filter(|i| *i != 0)
        .map(|i| i.to_string())
        .unwrap_or_default()
}

fn fen(v: i128) -> Result<Fen, String> {
    i64::try_from(v)
        .map(Fen)
        .map_err(|_| "金额太大 / amount too large".to_string())
}

/// A GMT time as Woo writes it (`2024-01-01T04:00:00`), or with a zone.
fn time_ms(s: &str) -> Result<i64, String> {
    let s = s.trim();
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.and_utc().timestamp_millis())
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(s).map(|t| t.timestamp_millis()))
        .map_err(|e| format!("时间 {s} 无法识别 / unreadable time: {e}"))
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `Ann Lee`, or `张伟` (surname first, no space) for Chinese names.
fn name_of(a: &Address) -> String {
    let (first, last) = (
        nonempty(&a.first_name).unwrap_or(""),
        nonempty(&a.last_name).unwrap_or(""),
    );
    let chinese = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if chinese(first) || chinese(last) {
        format!("{last}{first}")
    } else {
        format!("{first} {last}").trim().to_string()
    }
}

/// `(mobile, phone)`: a mobile number normalised, a landline as phone, else as sent.
fn split_phone(raw: &str) -> (String, String) {
    if let Some(m) = phone::mobile(raw).normalised() {
        return (m, String::new());
    }
    match phone::landline(raw) {
        phone::Landline::Valid(_) => (String::new(), raw.to_string()),
        _ => (raw.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn woocommerce_state_codes_become_province_names() {
        let p = |s: &str, c: &str| province(s.into(), c.into());
        assert_eq!(p("CN12", "CN"), "浙江省");
        assert_eq!(p("CN2", ""), "北京市");
        assert_eq!(p("CN1", "CN"), "云南省");
        assert_eq!(p("CN32", "CN"), "新疆维吾尔自治区");
        // Unknown codes, another country's state, names: as sent.
        assert_eq!(p("CN33", "CN"), "CN33");
        assert_eq!(p("CN0", "CN"), "CN0");
        assert_eq!(p("CA", "US"), "CA");
        assert_eq!(p("浙江省", "CN"), "浙江省");
    }
}
