//! Reading a Shopify order's JSON into our model (the rules are in the parent module's
//! header).

use jxc_core::ids::ShopId;
use jxc_core::money::{Fen, split_largest_remainder};
use jxc_core::orders::phone;
use jxc_core::orders::{NewOrder, OrderLine, Receiver};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{FULFILLMENT, STATUSES};
use crate::money::Yuan;
use crate::status::{PlatformState, lookup};
use crate::{ChannelError, Fetched, RemoteOrder};

pub(super) fn read_list(shop: ShopId, body: &str) -> Result<Vec<Fetched>, ChannelError> {
    #[derive(Deserialize)]
    struct List<'a> {
        #[serde(borrow)]
        orders: Vec<&'a RawValue>,
    }
    let list: List = serde_json::from_str(body).map_err(|e| {
        ChannelError::malformed(format!("不是订单列表 / not an order list: {e}"), body)
    })?;
    Ok(list.orders.into_iter().map(|o| read_one(shop, o)).collect())
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
    created_at: String,
    updated_at: String,
    #[serde(default)]
    processed_at: Option<String>,
    #[serde(default)]
    cancelled_at: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    financial_status: Option<String>,
    #[serde(default)]
    fulfillment_status: Option<String>,
    #[serde(default)]
    taxes_included: Option<bool>,
    #[serde(default)]
    total_tax: Yuan,
    total_price: Yuan,
    #[serde(default, deserialize_with = "null_default")]
    discount_applications: Vec<DiscountApplication>,
    line_items: Vec<LineItem>,
    #[serde(default, deserialize_with = "null_default")]
    shipping_lines: Vec<ShippingLine>,
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    refunds: Vec<Refund>,
}

#[derive(Deserialize)]
struct DiscountApplication {
    #[serde(default)]
    target_selection: Option<String>,
}

#[derive(Deserialize)]
struct Allocation {
    amount: Yuan,
    #[serde(default)]
    discount_application_index: Option<usize>,
}

#[derive(Deserialize)]
struct TaxLine {
    price: Yuan,
}

#[derive(Deserialize)]
struct LineItem {
    id: u64,
    #[serde(default)]
    product_id: Option<u64>,
    #[serde(default)]
    variant_id: Option<u64>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    variant_title: Option<String>,
    quantity: i64,
    price: Yuan,
    #[serde(default)]
    total_discount: Yuan,
    #[serde(default, deserialize_with = "null_default")]
    discount_allocations: Vec<Allocation>,
    #[serde(default, deserialize_with = "null_default")]
    tax_lines: Vec<TaxLine>,
}

#[derive(Deserialize)]
struct ShippingLine {
    price: Yuan,
    #[serde(default, deserialize_with = "null_default")]
    discount_allocations: Vec<Allocation>,
}

#[derive(Deserialize, Default)]
struct Address {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    address1: Option<String>,
    #[serde(default)]
    address2: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize)]
struct Customer {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

#[derive(Deserialize)]
struct Refund {
    #[serde(default, deserialize_with = "null_default")]
    refund_line_items: Vec<RefundLine>,
}

#[derive(Deserialize)]
struct RefundLine {
    line_item_id: u64,
    #[serde(default)]
    quantity: i64,
}

fn null_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Order {
    fn into_remote(self, shop: ShopId) -> Result<RemoteOrder, String> {
        let (stored, state) = self.status();
        let paid_at = match self.financial_status.as_deref() {
            Some("paid" | "partially_refunded" | "refunded") => Some(time_ms(
                self.processed_at.as_deref().unwrap_or(&self.created_at),
            )?),
            _ => None,
        };
        let lines = self.lines()?;
        let shipping = self
            .shipping_lines
            .iter()
            .map(|s| s.price.0.0 as i128 - sum(&s.discount_allocations))
            .sum::<i128>();
        let goods = self
            .line_items
            .iter()
            .map(|l| l.price.0.0 as i128 * l.quantity as i128)
            .sum::<i128>();
        let order_discounts = lines.iter().map(|l| l.order_discount_share.0 as i128).sum();
        let customer = self.customer.as_ref();
        let email = nonempty(&self.email).or_else(|| customer.and_then(|c| nonempty(&c.email)));
        let buyer_nick = match (email, customer) {
            (Some(e), _) => e.to_string(),
            (None, Some(c)) => name_of(&c.first_name, &c.last_name),
            (None, None) => String::new(),
        };
        let order = NewOrder {
            shop_id: shop,
            platform_order_id: self.id.to_string(),
            platform_status: stored,
            buyer_nick,
            buyer_id: customer
                .and_then(|c| c.id)
                .map(|i| i.to_string())
                .unwrap_or_default(),
            receiver: receiver(self.shipping_address.as_ref()),
            buyer_message: self.note.clone().unwrap_or_default(),
            created_at: time_ms(&self.created_at)?,
            paid_at,
            currency: self.currency.clone().unwrap_or_default(),
            goods_amount: fen(goods)?,
            shipping_fee: fen(shipping)?,
            discount_merchant: fen(order_discounts)?,
            paid_amount: self.total_price.0,
            lines,
            ..NewOrder::default()
        };
        Ok(RemoteOrder {
            order,
            modified_ms: time_ms(&self.updated_at)?,
            state,
        })
    }

    fn status(&self) -> (String, PlatformState) {
        let sent = match (&self.cancelled_at, &self.financial_status) {
            (Some(_), _) => "cancelled",
            (None, Some(f)) => f.as_str(),
            (None, None) => "",
        };
        let Some(row) = lookup(STATUSES, sent) else {
            // Unknown: kept as sent; not known to be paid, so not to be shipped.
            return (sent.to_string(), PlatformState::Unpaid);
        };
        let shipped = FULFILLMENT
            .iter()
            .find(|(f, _)| Some(*f) == self.fulfillment_status.as_deref())
            .map(|(_, s)| *s);
        match (row.state, shipped) {
            (PlatformState::AwaitingShipment, Some(s)) => (row.stored.to_string(), s),
            (state, _) => (row.stored.to_string(), state),
        }
    }

    fn lines(&self) -> Result<Vec<OrderLine>, String> {
        let whole_order = |a: &Allocation| {
            a.discount_application_index
                .and_then(|i| self.discount_applications.get(i))
                .and_then(|d| d.target_selection.as_deref())
                == Some("all")
        };
        let mut lines = Vec::with_capacity(self.line_items.len());
        let mut own_tax = Vec::with_capacity(self.line_items.len());
        for l in &self.line_items {
            let (order_level, line_level): (Vec<&Allocation>, Vec<&Allocation>) =
                l.discount_allocations.iter().partition(|a| whole_order(a));
            let share: i128 = order_level.iter().map(|a| a.amount.0.0 as i128).sum();
            let line_discount: i128 = if l.discount_allocations.is_empty() {
                l.total_discount.0.0 as i128
            } else {
                line_level.iter().map(|a| a.amount.0.0 as i128).sum()
            };
            let gross = l.price.0.0 as i128 * l.quantity as i128;
            own_tax.push(sum_tax(&l.tax_lines));
            lines.push(OrderLine {
                platform_line_id: l.id.to_string(),
                platform_item_id: l.product_id.map(|i| i.to_string()).unwrap_or_default(),
                platform_sku_id: l.variant_id.map(|i| i.to_string()).unwrap_or_default(),
                outer_code: l.sku.clone().unwrap_or_default().trim().to_string(),
                title: l.title.clone().unwrap_or_default(),
                spec: l.variant_title.clone().unwrap_or_default(),
                qty: l.quantity,
                unit_price: l.price.0,
                line_discount: fen(line_discount)?,
                order_discount_share: fen(share)?,
                paid: fen(gross - line_discount - share)?,
                refund_status: self.refund_status(l),
                ..OrderLine::default()
            });
        }
        if self.taxes_included != Some(true) && self.total_tax.0.0 != 0 {
            // Tax on top of the prices: each line its own, the rest by largest remainder.
            let rest = self.total_tax.0.0 as i128 - own_tax.iter().sum::<i128>();
            let rest = i64::try_from(rest).map_err(|_| "税额太大 / tax too large".to_string())?;
            let weights: Vec<i64> = lines.iter().map(|l| l.paid.0).collect();
            for ((l, own), extra) in lines
                .iter_mut()
                .zip(own_tax)
                .zip(split_largest_remainder(rest, &weights))
            {
                l.paid = fen(l.paid.0 as i128 + own + extra as i128)?;
            }
        }
        Ok(lines)
    }

    fn refund_status(&self, l: &LineItem) -> String {
        let refunded: i64 = self
            .refunds
            .iter()
            .flat_map(|r| &r.refund_line_items)
            .filter(|r| r.line_item_id == l.id)
            .map(|r| r.quantity)
            .fold(0, i64::saturating_add);
        match refunded {
            q if q <= 0 => String::new(),
            q if q >= l.quantity => "refunded".into(),
            _ => "partially_refunded".into(),
        }
    }
}

fn sum(allocations: &[Allocation]) -> i128 {
    allocations.iter().map(|a| a.amount.0.0 as i128).sum()
}

fn sum_tax(taxes: &[TaxLine]) -> i128 {
    taxes.iter().map(|t| t.price.0.0 as i128).sum()
}

fn fen(v: i128) -> Result<Fen, String> {
    i64::try_from(v)
        .map(Fen)
        .map_err(|_| "金额太大 / amount too large".to_string())
}

fn time_ms(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("时间 {s} 无法识别 / unreadable time: {e}"))
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn name_of(first: &Option<String>, last: &Option<String>) -> String {
    let (f, l) = (nonempty(first).unwrap_or(""), nonempty(last).unwrap_or(""));
    format!("{f} {l}").trim().to_string()
}

fn receiver(a: Option<&Address>) -> Receiver {
    let Some(a) = a else {
        return Receiver::default();
    };
    let text = |s: &Option<String>| nonempty(s).unwrap_or("").to_string();
    let (mobile, phone) = split_phone(nonempty(&a.phone).unwrap_or(""));
    Receiver {
        name: nonempty(&a.name)
            .map(str::to_string)
            .unwrap_or_else(|| name_of(&a.first_name, &a.last_name)),
        mobile,
        phone,
        province: text(&a.province),
        city: text(&a.city),
        detail: format!("{} {}", text(&a.address1), text(&a.address2))
            .trim()
            .to_string(),
        zip: text(&a.zip),
        ..Receiver::default()
    }
    .with_district_from_detail()
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
