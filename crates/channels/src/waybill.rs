//! 电子面单: waybill numbers and the print data of their labels, behind one trait.
//!
//! - [`Waybills::apply`] takes one carrier, one sender and a batch of parcels, and gives
//!   each parcel a waybill: its number and the label's print data, kept as the raw JSON
//!   text the issuer wrote (the Cainiao print component takes it as it came).
//! - [`crate::cainiao::Cainiao`] asks Cainiao (`cainiao.waybill.ii.get`, spec §7).
//! - [`LocalRange`] numbers parcels the merchant delivers itself (自配送) from a local
//!   range: `prefix + 10-digit counter + Luhn check digit`, e.g. `JXC00000000422` for
//!   counter 42 (see [`LocalRange`] for why Luhn).
//!
//! A parcel is identified by `object_id` (our shipment id as text): every waybill names
//! the parcel it is for, so callers match by it, not by position.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde_json::json;

use crate::ChannelError;

/// A sender or a recipient: name, phones and address (the order's 收货人 type).
/// `town` (街道) and `zip` are optional; issuers that have no field for the town put it in
/// front of `detail`.
pub use jxc_core::orders::Receiver as Party;

/// Where the parcel's orders were sold, as Cainiao's `order_channels_type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderChannel {
    /// Taobao and Tmall orders (`TB`): `order_refs` are tids.
    Taobao,
    /// Any other channel (`OTHERS`): `order_refs` are whatever ids the orders have.
    #[default]
    Other,
}

impl OrderChannel {
    /// The code Cainiao expects in `order_info.order_channels_type`.
    pub fn cainiao_code(self) -> &'static str {
        match self {
            OrderChannel::Taobao => "TB",
            OrderChannel::Other => "OTHERS",
        }
    }
}

/// One line of a parcel's contents, as printed on the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub count: i64,
}

/// One parcel to number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parcel {
    /// Our shipment id as text; the waybill comes back under it.
    pub object_id: String,
    /// The platform order ids in the parcel (more than one when orders were merged).
    pub order_refs: Vec<String>,
    pub channel: OrderChannel,
    pub receiver: Party,
    pub items: Vec<Item>,
    /// Weight in grams, when known.
    pub weight_g: Option<i64>,
}

/// Waybills for a batch of parcels of one carrier from one sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaybillRequest {
    /// Cainiao's `cp_code` (`YTO`, `SF`, `YUNDA`, `STO`, `EMS`, `HTKY`, `POSTB`, `ZJS`), or
    /// the merchant's own code for self delivery.
    pub carrier_code: String,
    pub sender: Party,
    pub parcels: Vec<Parcel>,
    /// The label template (Cainiao: the standard or custom template's URL).
    pub template_url: String,
}

/// A waybill issued for one parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waybill {
    pub object_id: String,
    pub waybill_code: String,
    /// The label's print data: the raw JSON text the issuer wrote, kept whole.
    pub print_data: String,
    pub carrier_code: String,
}

/// Something that issues waybills: Cainiao, or a local number range.
#[async_trait]
pub trait Waybills: Send + Sync {
    /// The most parcels one [`Waybills::apply`] takes (Cainiao: 10). Callers cut larger
    /// batches and keep each answer before asking for the next, so no issued number is
    /// lost to a later failure.
    fn max_parcels(&self) -> usize {
        usize::MAX
    }

    /// A waybill for each parcel of `req`, in the order of the parcels.
    async fn apply(&self, req: &WaybillRequest) -> Result<Vec<Waybill>, ChannelError>;
}

// ---- The local range -----------------------------------------------------------------

/// Digits of the counter part of a local number.
pub const LOCAL_DIGITS: usize = 10;
/// The largest counter a local number can hold.
pub const LOCAL_MAX: u64 = 9_999_999_999;

/// Waybill numbers for self delivery (自配送): `prefix` (1–6 letters A–Z), the counter
/// zero-padded to [`LOCAL_DIGITS`] digits, then one Luhn (mod-10) check digit over those
/// digits. Luhn because it catches every single mistyped digit and most swaps of two
/// neighbouring digits, which are the mistakes made when a number is typed off a label,
/// and because scanners and spreadsheets people already use know it.
///
/// The counter is an `Arc<AtomicU64>`: clones of a range share it, so a number is never
/// issued twice in a process. To keep numbers unique across restarts, the caller starts
/// the range where the last one stopped ([`LocalRange::next_value`] says where that is).
#[derive(Debug, Clone)]
pub struct LocalRange {
    prefix: String,
    next: Arc<AtomicU64>,
}

impl LocalRange {
    /// A range whose first number has counter `first`.
    pub fn new(prefix: &str, first: u64) -> Result<LocalRange, String> {
        LocalRange::with_counter(prefix, Arc::new(AtomicU64::new(first)))
    }

    /// A range on a counter shared with other code (the next number takes its value).
    pub fn with_counter(prefix: &str, next: Arc<AtomicU64>) -> Result<LocalRange, String> {
        let prefix = prefix.trim().to_ascii_uppercase();
        if prefix.is_empty() || prefix.len() > 6 || !prefix.bytes().all(|b| b.is_ascii_uppercase())
        {
            return Err(format!(
                "面单号前缀应为 1–6 个字母 / the prefix must be 1–6 letters A–Z: {prefix:?}"
            ));
        }
        Ok(LocalRange { prefix, next })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The counter the next number will take (store it to resume after a restart).
    pub fn next_value(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    /// The next number; an error once the counter passes [`LOCAL_MAX`].
    pub fn next_code(&self) -> Result<String, ChannelError> {
        let n = self
            .next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n <= LOCAL_MAX).then_some(n + 1)
            })
            .map_err(|_| ChannelError::Platform {
                code: "local-range-exhausted".into(),
                message: format!(
                    "面单号段 {} 已用完 / the local range {} is used up",
                    self.prefix, self.prefix
                ),
            })?;
        let digits = format!("{n:0width$}", width = LOCAL_DIGITS);
        let check = luhn_check_digit(&digits).expect("the counter is digits");
        Ok(format!("{}{digits}{check}", self.prefix))
    }

    /// Whether `code` is a well-formed number of this range (prefix, length, check digit).
    pub fn is_valid(&self, code: &str) -> bool {
        code.strip_prefix(self.prefix.as_str())
            .is_some_and(|rest| rest.len() == LOCAL_DIGITS + 1 && luhn_valid(rest))
    }
}

/// The Luhn check digit for `digits` (which do not yet include it); `None` unless all
/// are ASCII digits.
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // From the right, the first digit (next to the check digit) is doubled.
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether `digits` ends with its Luhn check digit.
pub fn luhn_valid(digits: &str) -> bool {
    match digits.len().checked_sub(1) {
        Some(n) if n > 0 => {
            let (body, last) = digits.split_at(n);
            luhn_check_digit(body).is_some_and(|c| last.as_bytes()[0] == b'0' + c)
        }
        _ => false,
    }
}

/// A party on a label: name, a phone, and the address on one line.
fn party_json(p: &Party) -> serde_json::Value {
    let address = [&p.province, &p.city, &p.district, &p.town, &p.detail]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let phone = if p.mobile.trim().is_empty() {
        p.phone.trim()
    } else {
        p.mobile.trim()
    };
    json!({ "name": p.name, "phone": phone, "address": address })
}

/// What a label printed by jxc itself needs (our own template, not Cainiao's).
fn local_print_data(code: &str, carrier: &str, req: &WaybillRequest, p: &Parcel) -> String {
    let items: Vec<_> = p
        .items
        .iter()
        .map(|i| json!({ "name": i.name, "count": i.count }))
        .collect();
    let mut v = json!({
        "waybill_code": code,
        "carrier_code": carrier,
        "object_id": p.object_id,
        "order_refs": p.order_refs,
        "sender": party_json(&req.sender),
        "recipient": party_json(&p.receiver),
        "items": items,
    });
    if let Some(w) = p.weight_g {
        v["weight_g"] = json!(w);
    }
    if !req.template_url.is_empty() {
        v["template_url"] = json!(req.template_url);
    }
    v.to_string()
}

#[async_trait]
impl Waybills for LocalRange {
    async fn apply(&self, req: &WaybillRequest) -> Result<Vec<Waybill>, ChannelError> {
        let carrier = match req.carrier_code.trim() {
            "" => "SELF",
            c => c,
        };
        req.parcels
            .iter()
            .map(|p| {
                let code = self.next_code()?;
                Ok(Waybill {
                    object_id: p.object_id.clone(),
                    print_data: local_print_data(&code, carrier, req, p),
                    waybill_code: code,
                    carrier_code: carrier.to_string(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(name: &str) -> Party {
        Party {
            name: name.into(),
            mobile: "13312345678".into(),
            province: "陕西省".into(),
            city: "西安市".into(),
            district: "新城区".into(),
            detail: "解放路1号".into(),
            ..Party::default()
        }
    }

    fn request(n: usize) -> WaybillRequest {
        WaybillRequest {
            carrier_code: "SELF".into(),
            sender: party("仓库"),
            parcels: (0..n)
                .map(|i| Parcel {
                    object_id: format!("S{i}"),
                    order_refs: vec![format!("T{i}")],
                    channel: OrderChannel::Other,
                    receiver: party("张三"),
                    items: vec![Item {
                        name: "纯棉T恤".into(),
                        count: 2,
                    }],
                    weight_g: Some(350),
                })
                .collect(),
            template_url: String::new(),
        }
    }

    #[test]
    fn luhn_matches_known_numbers() {
        // The classic example: 7992739871 has check digit 3.
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert_eq!(luhn_check_digit("0000000000"), Some(0));
        assert_eq!(luhn_check_digit("12a"), None);
        assert!(!luhn_valid("5"));
        assert!(!luhn_valid(""));
    }

    #[test]
    fn numbers_are_prefixed_padded_checked_and_catch_typos() {
        let r = LocalRange::new("jxc", 42).unwrap();
        let code = r.next_code().unwrap();
        assert_eq!(code.len(), 3 + LOCAL_DIGITS + 1);
        assert_eq!(code, "JXC00000000422");
        assert!(r.is_valid(&code));
        assert_eq!(r.next_value(), 43);
        // Every single-digit change is caught.
        for pos in 3..code.len() {
            for d in b'0'..=b'9' {
                let mut b = code.clone().into_bytes();
                if b[pos] == d {
                    continue;
                }
                b[pos] = d;
                assert!(!r.is_valid(&String::from_utf8(b).unwrap()));
            }
        }
        assert!(!r.is_valid("ABC00000000420"));
        assert!(LocalRange::new("", 0).is_err());
        assert!(LocalRange::new("AB1", 0).is_err());
        assert!(LocalRange::new("TOOLONG", 0).is_err());
    }

    #[test]
    fn clones_share_the_counter_and_never_repeat_across_threads() {
        let r = LocalRange::new("SELF", 1).unwrap();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let r = r.clone();
                std::thread::spawn(move || {
                    (0..500).map(|_| r.next_code().unwrap()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<String> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 2000);
        assert!(all.iter().all(|c| r.is_valid(c)));
    }

    #[test]
    fn the_range_ends_with_an_error_not_a_repeat() {
        let r = LocalRange::new("Z", LOCAL_MAX).unwrap();
        assert!(r.next_code().unwrap().starts_with("Z9999999999"));
        assert!(matches!(
            r.next_code(),
            Err(ChannelError::Platform { ref code, .. }) if code == "local-range-exhausted"
        ));
        assert!(r.next_code().is_err());
    }

    #[tokio::test]
    async fn apply_gives_each_parcel_a_number_and_a_label() {
        let r = LocalRange::new("JXC", 7).unwrap();
        let w = r.apply(&request(3)).await.unwrap();
        assert_eq!(w.len(), 3);
        assert_eq!(
            w.iter().map(|w| w.object_id.as_str()).collect::<Vec<_>>(),
            ["S0", "S1", "S2"]
        );
        assert!(w.iter().all(|w| r.is_valid(&w.waybill_code)));
        assert_ne!(w[0].waybill_code, w[1].waybill_code);
        let label: serde_json::Value = serde_json::from_str(&w[1].print_data).unwrap();
        assert_eq!(label["waybill_code"], w[1].waybill_code.as_str());
        assert_eq!(label["carrier_code"], "SELF");
        assert_eq!(label["recipient"]["name"], "张三");
        assert_eq!(label["recipient"]["phone"], "13312345678");
        assert_eq!(
            label["recipient"]["address"],
            "陕西省 西安市 新城区 解放路1号"
        );
        assert_eq!(label["items"][0]["count"], 2);
        assert_eq!(label["weight_g"], 350);
        assert_eq!(label["order_refs"][0], "T1");
        assert_eq!(r.max_parcels(), usize::MAX);
    }
}
