//! Conformance: order intake, the queue, holds and events.

use jxc_core::ids::{OrderId, ShopId};
use jxc_core::money::Fen;
use jxc_core::orders::{HoldReason, NewOrder, OrderLine, OrderState, Receiver};
use jxc_core::partners::{NewShop, ShopInput};

use super::{Shared, actor, page};
use crate::{IncomingOrder, OrderFilter, OrderImportAction};

pub(super) async fn shop(s: &Shared, code: &str, platform: &str) -> ShopId {
    let input = ShopInput {
        code: Some(code.into()),
        name: Some(format!("店铺 {code}")),
        platform: Some(platform.into()),
        ..Default::default()
    };
    s.create_shop(&NewShop::merge(None, &input).unwrap(), &actor())
        .await
        .unwrap()
        .id
}

fn order(shop: ShopId, pid: &str, buyer: &str) -> NewOrder {
    NewOrder {
        shop_id: shop,
        platform_order_id: pid.into(),
        platform_status: "WAIT_SELLER_SEND_GOODS".into(),
        buyer_nick: buyer.into(),
        receiver: Receiver {
            name: "张三".into(),
            mobile: "13312345678".into(),
            province: "陕西省".into(),
            city: "西安市".into(),
            district: "新城区".into(),
            detail: "解放路1号".into(),
            ..Default::default()
        },
        created_at: 1_700_000_000_000,
        paid_at: Some(1_700_000_060_000),
        currency: "CNY".into(),
        goods_amount: Fen(20000),
        shipping_fee: Fen(1000),
        paid_amount: Fen(21000),
        lines: vec![
            OrderLine {
                platform_line_id: format!("{pid}-1"),
                title: "T恤".into(),
                qty: 2,
                unit_price: Fen(5000),
                paid: Fen(10000),
                refund_status: "NO_REFUND".into(),
                ..Default::default()
            },
            OrderLine {
                platform_line_id: format!("{pid}-2"),
                title: "帽子".into(),
                qty: 1,
                unit_price: Fen(10000),
                paid: Fen(10000),
                refund_status: "NO_REFUND".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

fn incoming(row: usize, o: NewOrder, holds: &[HoldReason]) -> IncomingOrder {
    IncomingOrder {
        row,
        order: o,
        holds: holds.to_vec(),
    }
}

fn live(o: &crate::StoredOrder) -> Vec<HoldReason> {
    let mut v: Vec<_> = o.live_holds().map(|h| h.reason).collect();
    v.sort();
    v
}

pub async fn importing_the_same_orders_twice_changes_nothing_and_a_refund_holds_the_order(
    s: Shared,
) {
    let tb = shop(&s, "TB", "taobao").await;
    let a = order(tb, "5001", "buyer-a");
    let b = order(tb, "5002", "buyer-b");
    let first = s
        .import_orders(
            &[incoming(2, a.clone(), &[]), incoming(3, b.clone(), &[])],
            &actor(),
        )
        .await
        .unwrap();
    assert!(first.iter().all(|o| o.action == OrderImportAction::Created));
    let again = s
        .import_orders(
            &[incoming(2, a.clone(), &[]), incoming(3, b.clone(), &[])],
            &actor(),
        )
        .await
        .unwrap();
    assert!(
        again
            .iter()
            .all(|o| o.action == OrderImportAction::Unchanged)
    );
    assert_eq!(again[0].order_id, first[0].order_id);
    let stored = s.get_order(first[0].order_id).await.unwrap().unwrap();
    assert_eq!(stored.order, a, "the order reads back exactly as imported");
    assert_eq!(stored.state, OrderState::PendingReview);

    let mut refunded = a.clone();
    refunded.lines[1].refund_status = "WAIT_SELLER_AGREE".into();
    let r = s
        .import_orders(&[incoming(2, refunded.clone(), &[])], &actor())
        .await
        .unwrap();
    assert_eq!(r[0].action, OrderImportAction::Changed);
    assert_eq!(r[0].changes.len(), 1);
    let stored = s.get_order(first[0].order_id).await.unwrap().unwrap();
    assert_eq!(live(&stored), vec![HoldReason::PlatformChange]);
    assert_eq!(stored.order.lines[1].refund_status, "WAIT_SELLER_AGREE");
    let events = s.order_events(first[0].order_id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["imported", "changed", "held"]);
    // The refund arrives again: still one hold, no new events.
    s.import_orders(&[incoming(2, refunded, &[])], &actor())
        .await
        .unwrap();
    assert_eq!(s.order_events(first[0].order_id).await.unwrap().len(), 3);
}

pub async fn detector_holds_clear_themselves_when_the_cause_is_fixed(s: Shared) {
    let tb = shop(&s, "TB", "taobao").await;
    let mut o = order(tb, "6001", "x");
    o.receiver.district = String::new();
    let r = s
        .import_orders(
            &[incoming(
                2,
                o.clone(),
                &[HoldReason::AddressIncomplete, HoldReason::BuyerMessage],
            )],
            &actor(),
        )
        .await
        .unwrap();
    let id = r[0].order_id;
    let stored = s.get_order(id).await.unwrap().unwrap();
    assert_eq!(
        live(&stored),
        vec![HoldReason::AddressIncomplete, HoldReason::BuyerMessage]
    );
    // The platform sends the fixed address: the address hold goes, the message stays.
    o.receiver.district = "新城区".into();
    s.import_orders(
        &[incoming(2, o.clone(), &[HoldReason::BuyerMessage])],
        &actor(),
    )
    .await
    .unwrap();
    let stored = s.get_order(id).await.unwrap().unwrap();
    assert_eq!(
        live(&stored),
        vec![HoldReason::BuyerMessage, HoldReason::PlatformChange]
    );
    // An address edit by a person clears address holds it no longer finds.
    let mut bad = o.receiver.clone();
    bad.city = "杭州市".into();
    let after = s
        .update_receiver(id, &bad, &[HoldReason::AddressInconsistent], &actor())
        .await
        .unwrap();
    assert!(live(&after).contains(&HoldReason::AddressInconsistent));
    let after = s
        .update_receiver(id, &o.receiver, &[], &actor())
        .await
        .unwrap();
    assert!(!live(&after).contains(&HoldReason::AddressInconsistent));
    assert_eq!(after.order.receiver, o.receiver);
}

pub async fn approving_needs_no_blocking_hold_and_every_step_is_an_event(s: Shared) {
    let tb = shop(&s, "TB", "taobao").await;
    let r = s
        .import_orders(
            &[
                incoming(2, order(tb, "7001", "a"), &[HoldReason::InvalidMobile]),
                incoming(3, order(tb, "7002", "b"), &[]),
            ],
            &actor(),
        )
        .await
        .unwrap();
    let (held, clean) = (r[0].order_id, r[1].order_id);
    let out = s
        .approve_orders(&[held, clean, OrderId(999_999)], &actor())
        .await
        .unwrap();
    assert!(
        !out[0].ok && out[0].reason.contains("手机号无效"),
        "{:?}",
        out[0]
    );
    assert!(out[1].ok);
    assert!(!out[2].ok);
    let rel = s
        .release_holds(&[held], None, "买家电话确认无误", &actor())
        .await
        .unwrap();
    assert!(rel[0].ok);
    assert!(s.approve_orders(&[held], &actor()).await.unwrap()[0].ok);
    let o = s.get_order(held).await.unwrap().unwrap();
    assert_eq!(o.state, OrderState::Approved);
    assert_eq!(o.holds[0].release_note.as_deref(), Some("买家电话确认无误"));
    let kinds: Vec<String> = s
        .order_events(held)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["imported", "held", "released", "approved"]);
    let audit = s
        .list_audit(
            &crate::AuditFilter {
                entity: Some("order".into()),
                entity_id: Some(held.0.to_string()),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"release") && actions.contains(&"approve"),
        "{actions:?}"
    );
    assert!(audit.items.iter().any(|a| {
        a.after
            .as_ref()
            .is_some_and(|v| v.to_string().contains("买家电话确认无误"))
    }));
    // Hold, tag and cancel in bulk.
    s.hold_orders(&[clean], HoldReason::Manual, "等客户回复", &actor())
        .await
        .unwrap();
    s.tag_orders(&[clean, held], "加急", &actor())
        .await
        .unwrap();
    let c = s
        .cancel_orders(&[clean], "买家要求取消", &actor())
        .await
        .unwrap();
    assert!(c[0].ok);
    let o = s.get_order(clean).await.unwrap().unwrap();
    assert_eq!((o.state, live(&o).len()), (OrderState::Cancelled, 0));
    assert_eq!(o.tags, vec!["加急".to_string()]);
}

pub async fn merge_candidates_and_duplicates_are_found_across_imports(s: Shared) {
    let tb = shop(&s, "TB", "taobao").await;
    let tb2 = shop(&s, "TB2", "taobao").await;
    let jd = shop(&s, "JD", "jd").await;
    let first = s
        .import_orders(
            &[incoming(2, order(tb, "8001", "same-buyer"), &[])],
            &actor(),
        )
        .await
        .unwrap();
    let second = s
        .import_orders(
            &[
                incoming(2, order(tb, "8002", "same-buyer"), &[]),
                incoming(3, order(tb2, "8001", "other"), &[]),
                incoming(4, order(jd, "8001", "other"), &[]),
            ],
            &actor(),
        )
        .await
        .unwrap();
    let a = s.get_order(first[0].order_id).await.unwrap().unwrap();
    let b = s.get_order(second[0].order_id).await.unwrap().unwrap();
    assert!(live(&a).contains(&HoldReason::MergeCandidate));
    assert!(live(&b).contains(&HoldReason::MergeCandidate));
    let dup = s.get_order(second[1].order_id).await.unwrap().unwrap();
    assert!(
        live(&dup).contains(&HoldReason::Duplicate),
        "same id, another Taobao shop"
    );
    let jd_order = s.get_order(second[2].order_id).await.unwrap().unwrap();
    assert!(
        !live(&jd_order).contains(&HoldReason::Duplicate),
        "another platform is not a duplicate"
    );

    // The queue: counts per tab and filters.
    let counts = s.order_counts(&[]).await.unwrap();
    assert_eq!(counts.pending_review, 4);
    assert_eq!(counts.held, 3);
    assert!(counts.by_reason.contains(&(HoldReason::MergeCandidate, 2)));
    let held = s
        .list_orders(
            &OrderFilter {
                hold_reason: Some(HoldReason::MergeCandidate),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(held.items.len(), 2);
    let mine = s
        .list_orders(
            &OrderFilter {
                shop_ids: vec![jd],
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].platform, "jd");
    assert_eq!((mine.items[0].line_count, mine.items[0].qty), (2, 3));
    let q = s
        .list_orders(
            &OrderFilter {
                q: Some("' OR 1=1 --".into()),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert!(q.items.is_empty());
    let p1 = s
        .list_orders(&OrderFilter::default(), &page(3))
        .await
        .unwrap();
    assert_eq!(p1.items.len(), 3);
    assert!(p1.next.is_some());

    // 合单: the two orders of the same buyer merge; their merge-candidate holds go.
    let (a_id, b_id) = (first[0].order_id, second[0].order_id);
    let refused = s
        .merge_orders(&[a_id, second[2].order_id], &actor())
        .await
        .unwrap();
    assert!(
        refused
            .iter()
            .all(|o| !o.ok && o.reason.contains("differs")),
        "{refused:?}"
    );
    assert_eq!(
        s.get_order(a_id).await.unwrap().unwrap().merge_group,
        None,
        "all or none"
    );
    let merged = s.merge_orders(&[b_id, a_id], &actor()).await.unwrap();
    assert!(merged.iter().all(|o| o.ok), "{merged:?}");
    let a = s.get_order(a_id).await.unwrap().unwrap();
    let b = s.get_order(b_id).await.unwrap().unwrap();
    assert_eq!((a.merge_group, b.merge_group), (Some(a_id), Some(a_id)));
    assert!(!live(&a).contains(&HoldReason::MergeCandidate));
    assert_eq!(
        s.list_orders(&OrderFilter::default(), &page(10))
            .await
            .unwrap()
            .items
            .iter()
            .filter(|o| o.merge_group == Some(a_id))
            .count(),
        2
    );
    // Undone: both leave the group, and the history says so.
    let undone = s.unmerge_orders(&[b_id], &actor()).await.unwrap();
    assert!(undone[0].ok);
    assert_eq!(s.get_order(a_id).await.unwrap().unwrap().merge_group, None);
    let kinds: Vec<String> = s
        .order_events(a_id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.ends_with(&["merged".into(), "released".into(), "unmerged".into()]),
        "{kinds:?}"
    );
    assert!(
        !s.unmerge_orders(&[b_id], &actor()).await.unwrap()[0].ok,
        "not merged any more"
    );
}

pub async fn an_order_ships_in_parts_and_whole_again(s: Shared) {
    use jxc_core::orders::split::PartLine;
    let tb = shop(&s, "TB", "taobao").await;
    let r = s
        .import_orders(&[incoming(2, order(tb, "9001", "a"), &[])], &actor())
        .await
        .unwrap();
    let id = r[0].order_id;
    let pl = |line, qty| PartLine { line, qty };
    // Line 1 has 2, line 2 has 1: one of line 1 ships with line 2.
    let parts = vec![vec![pl(1, 1)], vec![pl(1, 1), pl(2, 1)]];
    let o = s.split_order(id, &parts, &actor()).await.unwrap();
    assert_eq!(o.parts, parts);
    assert_eq!(o.order.lines.len(), 2, "the platform order keeps its lines");
    let short = vec![vec![pl(1, 1)], vec![pl(2, 1)]];
    assert!(
        s.split_order(id, &short, &actor()).await.is_err(),
        "line 1 short by one"
    );
    assert_eq!(
        s.get_order(id).await.unwrap().unwrap().parts,
        parts,
        "unchanged"
    );
    // A split order does not merge until it is whole again.
    let twin = s
        .import_orders(&[incoming(3, order(tb, "9002", "a"), &[])], &actor())
        .await
        .unwrap()[0]
        .order_id;
    let m = s.merge_orders(&[id, twin], &actor()).await.unwrap();
    assert!(!m[0].ok && m[0].reason.contains("split"), "{m:?}");
    let o = s.unsplit_order(id, &actor()).await.unwrap();
    assert!(o.parts.is_empty());
    assert!(s.unsplit_order(id, &actor()).await.is_err());
    let kinds: Vec<String> = s
        .order_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&"split".to_string()) && kinds.contains(&"unsplit".to_string()));
}

pub async fn review_rules_are_stored_and_changed(s: Shared) {
    use jxc_core::orders::rules::{Conditions, NewRule, RuleAction};
    let r = NewRule {
        name: "偏远地区".into(),
        priority: 10,
        active: true,
        when: Conditions {
            provinces: vec!["新疆".into(), "西藏".into()],
            min_paid: Some(10_000),
            ..Default::default()
        },
        then: RuleAction::Hold {
            note: "确认运费".into(),
        },
    };
    let created = s.create_rule(&r, &actor()).await.unwrap();
    assert_eq!(created.fields, r);
    let mut off = r.clone();
    off.active = false;
    off.then = RuleAction::Tag {
        tag: "偏远".into()
    };
    let changed = s.update_rule(created.id, &off, &actor()).await.unwrap();
    assert_eq!(s.get_rule(created.id).await.unwrap().unwrap(), changed);
    let all = s
        .list_rules(&crate::ListFilter::default(), &page(10))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
}
