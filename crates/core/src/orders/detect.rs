//! 异常检测: the built-in detectors that run on every order as it arrives (and again when
//! it changes or is edited). Each finds one [`HoldReason`]; the ones that need the other
//! orders (duplicates, merge candidates) are found by the store as it imports.

use std::collections::HashMap;

use super::order::{HoldReason, NewOrder};
use super::{address, phone};
use crate::ids::SkuId;

/// The detectors that look at the order alone, plus stock when `available` (per SKU,
/// over the warehouses that ship for the shop) is given. Sorted, without repeats.
pub fn detect(o: &NewOrder, available: Option<&HashMap<SkuId, i64>>) -> Vec<HoldReason> {
    let mut out = receiver_holds(o);
    if o.lines.iter().any(|l| l.sku_id.is_none()) {
        out.push(HoldReason::UnmappedSku);
    }
    if !o.is_paid() {
        out.push(HoldReason::NotPaid);
    }
    if !o.amounts_add_up() {
        out.push(HoldReason::AmountMismatch);
    }
    if !o.buyer_message.trim().is_empty() {
        out.push(HoldReason::BuyerMessage);
    }
    if let Some(avail) = available {
        let mut need: HashMap<SkuId, i64> = HashMap::new();
        for l in &o.lines {
            if let Some(s) = l.sku_id {
                *need.entry(s).or_default() += l.qty;
            }
        }
        if need
            .iter()
            .any(|(s, q)| avail.get(s).copied().unwrap_or(0) < *q)
        {
            out.push(HoldReason::InsufficientStock);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The holds the receiver alone decides: the address against GB/T 2260, and the phone.
/// A masked or encrypted mobile is not an error; no mobile and no phone at all is.
pub fn receiver_holds(o: &NewOrder) -> Vec<HoldReason> {
    let r = &o.receiver;
    let mut out = Vec::new();
    if let Some(h) = address::check(&r.province, &r.city, &r.district).hold_reason() {
        out.push(h);
    }
    match phone::mobile(&r.mobile) {
        phone::Mobile::Empty if r.phone.trim().is_empty() => out.push(HoldReason::InvalidMobile),
        m => out.extend(m.hold_reason()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Fen;
    use crate::orders::{OrderLine, Receiver};

    fn good() -> NewOrder {
        NewOrder {
            platform_order_id: "1".into(),
            receiver: Receiver {
                name: "张三".into(),
                mobile: "13312345678".into(),
                province: "浙江省".into(),
                city: "杭州市".into(),
                district: "西湖区".into(),
                detail: "文三路 1 号".into(),
                ..Default::default()
            },
            paid_at: Some(1),
            paid_amount: Fen(1000),
            lines: vec![OrderLine {
                qty: 2,
                paid: Fen(1000),
                sku_id: Some(SkuId(7)),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_clean_order_has_no_hold() {
        assert!(detect(&good(), None).is_empty());
    }

    #[test]
    fn each_detector_triggers_on_its_cause() {
        let cases: Vec<(fn(&mut NewOrder), HoldReason)> = vec![
            (
                |o| o.receiver.district.clear(),
                HoldReason::AddressIncomplete,
            ),
            (
                |o| o.receiver.province = "江苏省".into(),
                HoldReason::AddressInconsistent,
            ),
            (
                |o| o.receiver.mobile = "12345678901".into(),
                HoldReason::InvalidMobile,
            ),
            (|o| o.receiver.mobile.clear(), HoldReason::InvalidMobile),
            (|o| o.lines[0].sku_id = None, HoldReason::UnmappedSku),
            (|o| o.paid_at = None, HoldReason::NotPaid),
            (|o| o.paid_amount = Fen(999), HoldReason::AmountMismatch),
            (
                |o| o.buyer_message = "请发顺丰".into(),
                HoldReason::BuyerMessage,
            ),
        ];
        for (change, reason) in cases {
            let mut o = good();
            change(&mut o);
            assert_eq!(detect(&o, None), vec![reason], "{reason:?}");
        }
    }

    #[test]
    fn masked_phones_a_landline_only_and_blank_messages_are_not_holds() {
        let mut o = good();
        o.receiver.mobile = "138****5678".into();
        o.buyer_message = "  ".into();
        assert!(detect(&o, None).is_empty());
        o.receiver.mobile.clear();
        o.receiver.phone = "0571-88888888".into();
        assert!(detect(&o, None).is_empty());
    }

    #[test]
    fn stock_is_checked_when_known_summing_lines_of_one_sku() {
        let mut o = good();
        o.lines.push(o.lines[0].clone());
        o.paid_amount = Fen(2000);
        o.lines[1].paid = Fen(1000);
        let avail = HashMap::from([(SkuId(7), 3)]);
        assert_eq!(
            detect(&o, Some(&avail)),
            vec![HoldReason::InsufficientStock]
        );
        let avail = HashMap::from([(SkuId(7), 4)]);
        assert!(detect(&o, Some(&avail)).is_empty());
    }
}
