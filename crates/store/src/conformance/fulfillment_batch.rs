//! Conformance: 分配 in batches — a batch of allocations is saved all or none; what
//! routing needs of many orders (lines, live holds, parts, allocation status), SKU
//! weights and bundles, and stock per warehouse are read in one go.

use jxc_core::catalog::{BundleComponent, NewSku};
use jxc_core::ids::{OrderId, SkuId};
use jxc_core::inventory::DocumentKind;
use jxc_core::orders::split::PartLine;
use jxc_core::orders::{HoldReason, OrderLine, OrderState};

use super::fulfillment::{allocated, audit_actions, order, short, want};
use super::orders::shop;
use super::{Shared, actor, balance, line, post, sku, sku_input, warehouse};
use crate::{AllocationStatus, IncomingOrder, StoreError};

pub async fn a_batch_of_allocations_is_saved_all_or_none(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    let cap = sku(&s, "CAP").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 5, Some(100)), line(cap, hz.a, 4, Some(100))],
    )
    .await
    .unwrap();
    let tb = shop(&s, "TB", "taobao").await;
    let (a, b, c) = (
        order(&s, tb, "9001").await,
        order(&s, tb, "9002").await,
        order(&s, tb, "9003").await,
    );

    // Order b wants 10 caps of 4: the batch saves nothing, a's tees included.
    let e = s
        .save_allocations(
            &[
                allocated(a, vec![hz.wh], vec![want(tee, hz.wh, 3, "9001")]),
                allocated(b, vec![hz.wh], vec![want(cap, hz.wh, 10, "9002")]),
            ],
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Domain(jxc_core::Error::InsufficientStock { .. })
        ),
        "{e:?}"
    );
    assert!(s.get_allocation(a).await.unwrap().is_none());
    assert_eq!(balance(&s, tee, hz.a).await, (5, 0, 500));

    // a takes 3 tees and 1 cap, c takes 2 tees, b waits as 缺货: one transaction.
    let saved = s
        .save_allocations(
            &[
                allocated(
                    a,
                    vec![hz.wh],
                    vec![want(tee, hz.wh, 3, "9001"), want(cap, hz.wh, 1, "9001")],
                ),
                short(b, vec![]),
                allocated(c, vec![hz.wh], vec![want(tee, hz.wh, 2, "9003")]),
            ],
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(
        saved.iter().map(|x| x.order_id).collect::<Vec<_>>(),
        vec![a, b, c]
    );
    assert_eq!(saved[0].reservation_ids.len(), 2);
    assert!(saved[1].reservation_ids.is_empty());
    assert_eq!(saved[2].reservation_ids.len(), 1);
    assert_eq!(s.get_allocation(a).await.unwrap().unwrap(), saved[0]);
    assert_eq!(
        s.get_allocation(b).await.unwrap().unwrap().status,
        AllocationStatus::Short
    );
    assert_eq!(balance(&s, tee, hz.a).await, (5, 5, 500));
    assert_eq!(balance(&s, cap, hz.a).await, (4, 1, 400));
    assert_eq!(s.shipments_routed_since(0).await.unwrap(), vec![(hz.wh, 2)]);
    for o in [a, b, c] {
        assert_eq!(audit_actions(&s, "order", o.0).await[0], "allocate");
    }

    // An order allocated already refuses the whole batch: b's 缺货 stays as it was.
    let e = s
        .save_allocations(
            &[
                allocated(b, vec![hz.wh], vec![want(cap, hz.wh, 1, "9002")]),
                allocated(a, vec![hz.wh], vec![want(cap, hz.wh, 1, "9001")]),
            ],
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(
        s.get_allocation(b).await.unwrap().unwrap().status,
        AllocationStatus::Short
    );
    assert_eq!(balance(&s, cap, hz.a).await, (4, 1, 400));

    // The same order twice in one batch is refused.
    let e = s
        .save_allocations(&[short(b, vec![]), short(b, vec![])], &actor())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");

    // A 缺货 replaced in a batch: b now gets its cap.
    let saved = s
        .save_allocations(
            &[allocated(b, vec![hz.wh], vec![want(cap, hz.wh, 1, "9002")])],
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(saved[0].status, AllocationStatus::Allocated);
    assert_eq!(balance(&s, cap, hz.a).await, (4, 2, 400));
    assert!(s.save_allocations(&[], &actor()).await.unwrap().is_empty());

    // Many allocations read at once, in the order asked; an order without one is left out.
    let many = s
        .get_allocations(&[c, OrderId(999_999), a, b])
        .await
        .unwrap();
    let one_by_one = vec![
        s.get_allocation(c).await.unwrap().unwrap(),
        s.get_allocation(a).await.unwrap().unwrap(),
        s.get_allocation(b).await.unwrap().unwrap(),
    ];
    assert_eq!(many, one_by_one);
    assert!(s.get_allocations(&[]).await.unwrap().is_empty());
}

pub async fn what_routing_needs_of_many_orders_is_read_at_once(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let sh = warehouse(&s, "SH").await;
    let mut heavy = sku_input("COAT");
    heavy.weight_g = Some(1200);
    let coat = s
        .create_sku(&NewSku::parse(&heavy).unwrap(), &actor())
        .await
        .unwrap()
        .id;
    let tee = sku(&s, "TEE").await;
    let gift = sku(&s, "GIFT").await;
    s.set_bundle_components(
        gift,
        &[
            BundleComponent {
                sku_id: tee,
                qty: 2,
            },
            BundleComponent {
                sku_id: coat,
                qty: 1,
            },
        ],
        &actor(),
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 7, Some(100))],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        sh.wh,
        vec![
            line(tee, sh.a, 2, Some(100)),
            line(coat, sh.b, 3, Some(100)),
        ],
    )
    .await
    .unwrap();
    s.reserve(&[want(tee, hz.wh, 3, "x")], &actor())
        .await
        .unwrap();

    // An order of two mapped lines and one unmapped, split in two, on hold.
    let tb = shop(&s, "TB", "taobao").await;
    let first = order(&s, tb, "7001").await;
    let mut o = s.get_order(first).await.unwrap().unwrap().order;
    o.platform_order_id = "7002".into();
    o.buyer_message = "  请尽快发货 ".into();
    let template = o.lines[0].clone();
    let mapped = |sku: Option<SkuId>, qty: i64, id: &str| OrderLine {
        platform_line_id: id.into(),
        sku_id: sku,
        qty,
        ..template.clone()
    };
    o.lines = vec![
        mapped(Some(tee), 2, "7002-1"),
        mapped(Some(gift), 1, "7002-2"),
    ];
    let second = s
        .import_orders(
            &[IncomingOrder {
                row: 2,
                order: o,
                holds: vec![],
            }],
            &actor(),
        )
        .await
        .unwrap()[0]
        .order_id;
    s.split_order(
        second,
        &[
            vec![PartLine { line: 1, qty: 1 }],
            vec![PartLine { line: 1, qty: 1 }, PartLine { line: 2, qty: 1 }],
        ],
        &actor(),
    )
    .await
    .unwrap();
    s.hold_orders(&[second], HoldReason::Manual, "等客户确认", &actor())
        .await
        .unwrap();
    s.save_allocation(&short(first, vec![]), &actor())
        .await
        .unwrap();

    let got = s
        .allocation_inputs(&[second, OrderId(999_999), first])
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|i| i.order_id).collect::<Vec<_>>(),
        vec![second, first],
        "in the order asked, unknown ids left out"
    );
    let (two, one) = (&got[0], &got[1]);
    assert_eq!(two.shop_id, tb);
    assert_eq!(two.platform_order_id, "7002");
    assert_eq!(two.state, OrderState::PendingReview);
    assert_eq!(
        (two.province.as_str(), two.city.as_str()),
        ("浙江省", "杭州市")
    );
    assert_eq!(two.paid_amount, 5000);
    assert_eq!(two.paid_at_ms, 1_700_000_060_000);
    assert!(two.has_buyer_message);
    assert_eq!(two.lines, vec![(Some(tee), 2), (Some(gift), 1)]);
    // Same buyer and address as the first: a 可合单 hold too, oldest first.
    assert_eq!(
        two.holds,
        vec![HoldReason::MergeCandidate, HoldReason::Manual]
    );
    assert_eq!(
        two.parts,
        vec![
            vec![PartLine { line: 1, qty: 1 }],
            vec![PartLine { line: 1, qty: 1 }, PartLine { line: 2, qty: 1 }],
        ]
    );
    assert_eq!(two.allocation, None);
    assert_eq!(one.lines, vec![(None, 1)]);
    assert_eq!(one.holds, vec![HoldReason::MergeCandidate]);
    assert!(one.parts.is_empty() && !one.has_buyer_message);
    assert_eq!(one.allocation, Some(AllocationStatus::Short));

    let mut skus = s.routing_skus(&[gift, coat, tee]).await.unwrap();
    skus.sort_by_key(|k| k.id);
    let by = |id: SkuId| skus.iter().find(|k| k.id == id).unwrap();
    assert_eq!(by(coat).weight_g, 1200);
    assert!(by(tee).components.is_empty());
    let mut parts = by(gift).components.clone();
    parts.sort_by_key(|c| c.sku_id);
    let mut expected = vec![
        BundleComponent {
            sku_id: tee,
            qty: 2,
        },
        BundleComponent {
            sku_id: coat,
            qty: 1,
        },
    ];
    expected.sort_by_key(|c| c.sku_id);
    assert_eq!(parts, expected);

    // Available is on hand − reserved, per SKU and warehouse, over every location.
    let mut avail = s.available_by_warehouse(&[tee, coat, gift]).await.unwrap();
    avail.sort();
    let mut expected = vec![(tee, hz.wh, 4), (tee, sh.wh, 2), (coat, sh.wh, 3)];
    expected.sort();
    assert_eq!(avail, expected);
    assert!(
        s.allocation_inputs(&[]).await.unwrap().is_empty()
            && s.available_by_warehouse(&[]).await.unwrap().is_empty()
    );
}
