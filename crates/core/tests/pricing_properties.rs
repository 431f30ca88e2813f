//! Random orders (1–8 lines, line discounts, 满减, coupons, an order percentage, points,
//! shipping) price exactly: the lines add up to the order to the 分, no share is
//! negative, every discount's shares add up to it, and refunding every unit gives back
//! exactly what was paid for the goods. Absurd inputs are refused, never a panic.

use std::collections::BTreeMap;

use jxc_core::Error;
use jxc_core::money::{Fen, split_largest_remainder};
use jxc_core::orders::pricing::{
    CouponInput, Funder, MAX_AMOUNT, MAX_POINTS, MAX_POINTS_PER_YUAN, MAX_QTY, MAX_UNIT_WEIGHT_G,
    ManjianInput, ManjianTierInput, OrderPercentInput, OrderToPrice, PointsInput, PricedLine,
    PricedOrder, PricingInput, PricingLineInput, ProvinceShippingInput, ShippingInput,
    ShippingRuleInput, check_platform_amounts, refund_share, refund_share_after,
};
use proptest::prelude::*;

fn funder() -> impl Strategy<Value = String> {
    prop_oneof![Just(""), Just("merchant"), Just("platform"), Just("平台")].prop_map(String::from)
}

fn line() -> impl Strategy<Value = PricingLineInput> {
    (
        prop_oneof![1 => Just(0i64), 3 => 1i64..=300, 3 => 1i64..=3_000, 3 => 1i64..=200_000],
        1i64..=12,
        prop_oneof![Just(0i64), Just(1000), 0i64..=1000],
        proptest::option::of(0i64..=5_000),
        funder(),
    )
        .prop_map(|(unit_price, qty, discount_pm, weight_g, f)| {
            let gross = unit_price * qty;
            PricingLineInput {
                unit_price,
                qty,
                line_discount: gross * discount_pm / 1000,
                line_discount_funder: f,
                weight_g,
            }
        })
}

fn manjian() -> impl Strategy<Value = ManjianInput> {
    (
        proptest::collection::vec((1i64..=300_000, 1i64..=1000), 1..=3),
        any::<bool>(),
        proptest::option::of(1i64..=50_000),
        funder(),
    )
        .prop_map(|(tiers, stackable, cap, f)| {
            let tiers: BTreeMap<i64, i64> = tiers.into_iter().collect();
            ManjianInput {
                name: "满减".into(),
                tiers: tiers
                    .into_iter()
                    .map(|(threshold, pm)| ManjianTierInput {
                        threshold,
                        off: (threshold * pm / 1000).max(1),
                    })
                    .collect(),
                stackable,
                cap,
                funder: f,
            }
        })
}

fn coupon() -> impl Strategy<Value = CouponInput> {
    let fixed =
        (0i64..=300_000, 1i64..=60_000, funder()).prop_map(|(threshold, off, f)| CouponInput {
            name: "券".into(),
            threshold,
            off: Some(off),
            funder: f,
            ..Default::default()
        });
    let percent = (
        0i64..=300_000,
        0i64..=10_000,
        proptest::option::of(1i64..=60_000),
        funder(),
    )
        .prop_map(|(threshold, bp, max_off, f)| CouponInput {
            name: "折扣券".into(),
            threshold,
            pay_bp: Some(bp),
            max_off,
            funder: f,
            ..Default::default()
        });
    prop_oneof![fixed, percent]
}

fn rule() -> impl Strategy<Value = ShippingRuleInput> {
    let free_over = proptest::option::of(0i64..=300_000);
    prop_oneof![
        (0i64..=3_000, free_over.clone()).prop_map(|(fee, free_over)| ShippingRuleInput {
            flat_fee: Some(fee),
            free_over,
            ..Default::default()
        }),
        (
            0i64..=2_000,
            0i64..=2_000,
            1i64..=2_000,
            0i64..=1_000,
            free_over
        )
            .prop_map(|(fw, ff, sw, sf, free_over)| ShippingRuleInput {
                first_weight_g: Some(fw),
                first_fee: Some(ff),
                step_weight_g: Some(sw),
                step_fee: Some(sf),
                free_over,
                ..Default::default()
            }),
    ]
}

fn shipping() -> impl Strategy<Value = ShippingInput> {
    (
        prop_oneof![
            Just("浙江省"),
            Just("江苏"),
            Just("新疆维吾尔自治区"),
            Just("广东省"),
            Just("")
        ],
        rule(),
        rule(),
        rule(),
    )
        .prop_map(|(province, default, near, far)| ShippingInput {
            province: province.into(),
            default,
            provinces: vec![
                ProvinceShippingInput {
                    provinces: vec!["浙江".into(), "江苏省".into(), "上海".into()],
                    rule: near,
                },
                ProvinceShippingInput {
                    provinces: vec!["新疆".into(), "西藏自治区".into()],
                    rule: far,
                },
            ],
        })
}

fn order() -> impl Strategy<Value = PricingInput> {
    (
        proptest::collection::vec(line(), 1..=8),
        proptest::collection::vec(manjian(), 0..=2),
        proptest::collection::vec(coupon(), 0..=3),
        proptest::option::of((0i64..=10_000, funder())),
        proptest::option::of((0i64..=500_000, 1i64..=2_000, funder())),
        proptest::option::of(shipping()),
        proptest::bool::weighted(0.25),
    )
        .prop_map(
            |(lines, manjian, coupons, percent, points, shipping, tiny)| PricingInput {
                // A quarter of the orders are tiny, so discounts often exceed them.
                lines: if tiny {
                    lines.into_iter().map(shrink).collect()
                } else {
                    lines
                },
                manjian,
                coupons: if tiny {
                    coupons
                        .into_iter()
                        .map(|c| CouponInput {
                            threshold: c.threshold / 100,
                            ..c
                        })
                        .collect()
                } else {
                    coupons
                },
                order_percent: percent.map(|(pay_bp, funder)| OrderPercentInput {
                    name: "会员折扣".into(),
                    pay_bp,
                    funder,
                }),
                points: points.map(|(points, points_per_yuan, funder)| PointsInput {
                    points,
                    points_per_yuan,
                    funder,
                }),
                shipping,
            },
        )
}

fn shrink(l: PricingLineInput) -> PricingLineInput {
    let unit_price = l.unit_price / 100;
    PricingLineInput {
        unit_price,
        line_discount: (l.line_discount / 100).min(unit_price * l.qty),
        ..l
    }
}

/// Every invariant a priced order keeps.
fn check(p: &PricedOrder) -> Result<(), TestCaseError> {
    let sum = |f: &dyn Fn(&PricedLine) -> i64| -> i64 { p.lines.iter().map(f).sum() };
    // The lines add up to the order, to the 分.
    prop_assert_eq!(sum(&|l| l.gross.0), p.goods.0);
    prop_assert_eq!(sum(&|l| l.line_discount.0), p.line_discounts.0);
    prop_assert_eq!(sum(&|l| l.subtotal.0), p.subtotal.0);
    prop_assert_eq!(sum(&|l| l.paid.0), p.goods_paid.0);
    prop_assert_eq!(sum(&|l| l.points_share.0), p.points_value.0);
    prop_assert_eq!(sum(&|l| l.shipping_share.0), p.shipping.0);
    prop_assert_eq!(sum(&|l| l.paid.0 + l.shipping_share.0), p.paid.0);
    prop_assert_eq!(p.goods_paid.0 + p.shipping.0, p.paid.0);
    prop_assert_eq!(
        p.paid.0,
        p.goods.0 - p.line_discounts.0 - p.discounts_total.0 - p.points_value.0 + p.shipping.0
    );
    // Each discount's shares add up to it; nothing is negative or over its rule.
    for (k, d) in p.discounts.iter().enumerate() {
        prop_assert!(d.amount.0 >= 0 && d.amount <= d.nominal);
        prop_assert!(d.reached || d.amount.0 == 0);
        prop_assert_eq!(sum(&|l| l.discounts[k].amount.0), d.amount.0);
    }
    prop_assert_eq!(
        p.discounts.iter().map(|d| d.amount.0).sum::<i64>(),
        p.discounts_total.0
    );
    for l in &p.lines {
        prop_assert_eq!(l.discounts.len(), p.discounts.len());
        prop_assert!(l.discounts.iter().all(|d| d.amount.0 >= 0));
        prop_assert!(l.points_share.0 >= 0 && l.shipping_share.0 >= 0 && l.paid.0 >= 0);
        prop_assert_eq!(
            l.paid.0,
            l.subtotal.0 - l.discount_shares().0 - l.points_share.0
        );
        // A free line takes no share of any discount or of the points.
        if l.subtotal.0 == 0 {
            prop_assert_eq!(l.discount_shares().0 + l.points_share.0, 0);
        }
    }
    // The first discount is split exactly on the subtotals; after k steps a line's
    // shares are within k 分 of its exact share of the subtotal.
    let subtotals: Vec<i64> = p.lines.iter().map(|l| l.subtotal.0).collect();
    if let Some(first) = p.discounts.first() {
        let expected = split_largest_remainder(first.amount.0, &subtotals);
        prop_assert_eq!(
            p.lines
                .iter()
                .map(|l| l.discounts[0].amount.0)
                .collect::<Vec<_>>(),
            expected
        );
    }
    let s = p.subtotal.0 as i128;
    if s > 0 {
        let mut total: i128 = 0;
        let mut taken = vec![0i128; p.lines.len()];
        for (k, d) in p.discounts.iter().enumerate() {
            total += d.amount.0 as i128;
            for (i, l) in p.lines.iter().enumerate() {
                taken[i] += l.discounts[k].amount.0 as i128;
                let off = (taken[i] * s - total * l.subtotal.0 as i128).abs();
                prop_assert!(off < (k as i128 + 1) * s, "line {} step {}", i, k);
            }
        }
    }
    // Funders: merchant + platform bear every discount and the points.
    prop_assert_eq!(
        p.funded_by(Funder::Merchant).0 + p.funded_by(Funder::Platform).0,
        p.line_discounts.0 + p.discounts_total.0 + p.points_value.0
    );
    // A priced order passes the platform check.
    let lines: Vec<Fen> = p.lines.iter().map(|l| l.paid).collect();
    prop_assert_eq!(check_platform_amounts(&lines, p.shipping, p.paid), Ok(()));
    Ok(())
}

/// Refunding every unit of every line, one by one, gives back exactly the goods paid;
/// refunding a whole line at once gives back its paid amount.
fn check_refunds(p: &PricedOrder) -> Result<(), TestCaseError> {
    let mut refunded = 0i64;
    for (i, l) in p.lines.iter().enumerate() {
        let mut line = 0i64;
        let mut last: Option<i64> = None;
        for k in 0..l.qty {
            let r = refund_share_after(p, i, k, 1).unwrap().0;
            prop_assert!(r >= 0);
            // Units differ by at most a 分.
            if let Some(prev) = last {
                prop_assert!((r - prev).abs() <= 1);
            }
            last = Some(r);
            line += r;
        }
        prop_assert_eq!(line, l.paid.0);
        prop_assert_eq!(refund_share(p, i, l.qty).unwrap(), l.paid);
        refunded += line;
    }
    prop_assert_eq!(refunded, p.goods_paid.0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_orders_price_exactly_and_their_lines_add_up(input in order()) {
        let parsed = OrderToPrice::parse(&input);
        prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
        let p = parsed.unwrap().price();
        check(&p)?;
        check_refunds(&p)?;
    }

    #[test]
    fn returning_in_any_batches_gives_back_the_same_as_one_by_one(
        input in order(),
        cuts in proptest::collection::vec(1i64..=12, 1..6),
    ) {
        let p = OrderToPrice::parse(&input).unwrap().price();
        for (i, l) in p.lines.iter().enumerate() {
            let mut done = 0;
            let mut total = 0;
            for c in &cuts {
                let q = (*c).min(l.qty - done);
                if q == 0 { break; }
                let batch = refund_share_after(&p, i, done, q).unwrap().0;
                let singles: i64 = (done..done + q)
                    .map(|k| refund_share_after(&p, i, k, 1).unwrap().0)
                    .sum();
                prop_assert_eq!(batch, singles);
                done += q;
                total += batch;
            }
            prop_assert!(total <= l.paid.0);
        }
    }
}

/// Mostly `plausible` (small, or huge but within the limits), now and then an absurd value.
fn wild(plausible: std::ops::RangeInclusive<i64>) -> BoxedStrategy<i64> {
    let huge = (MAX_AMOUNT / 4)..=MAX_AMOUNT;
    prop_oneof![
        60 => plausible,
        2 => huge,
        1 => prop_oneof![
            Just(-1i64),
            Just(i64::MAX),
            Just(i64::MIN),
            Just(MAX_AMOUNT + 1),
            Just(MAX_POINTS + 1),
            any::<i64>(),
        ],
    ]
    .boxed()
}

fn maybe(plausible: std::ops::RangeInclusive<i64>) -> BoxedStrategy<Option<i64>> {
    proptest::option::of(wild(plausible)).boxed()
}

fn wild_rule() -> BoxedStrategy<ShippingRuleInput> {
    let weight_rule = (
        wild(0..=2_000),
        wild(0..=2_000),
        wild(1..=2_000),
        wild(0..=1_000),
        maybe(0..=100_000),
    )
        .prop_map(|(fw, ff, sw, sf, free_over)| ShippingRuleInput {
            first_weight_g: Some(fw),
            first_fee: Some(ff),
            step_weight_g: Some(sw),
            step_fee: Some(sf),
            free_over,
            ..Default::default()
        });
    let flat =
        (wild(0..=2_000), maybe(0..=100_000)).prop_map(|(fee, free_over)| ShippingRuleInput {
            flat_fee: Some(fee),
            free_over,
            ..Default::default()
        });
    let anything = (
        maybe(0..=2_000),
        maybe(0..=2_000),
        maybe(0..=2_000),
        maybe(0..=2_000),
    )
        .prop_map(
            |(flat_fee, first_fee, step_weight_g, step_fee)| ShippingRuleInput {
                flat_fee,
                first_fee,
                step_weight_g,
                step_fee,
                ..Default::default()
            },
        );
    prop_oneof![8 => weight_rule, 8 => flat, 1 => anything].boxed()
}

fn wild_order() -> BoxedStrategy<PricingInput> {
    (
        proptest::collection::vec(
            (
                wild(0..=100_000),
                prop_oneof![40 => 1i64..=5, 1 => wild(1..=5), 1 => Just(MAX_QTY)],
                prop_oneof![8 => Just(0i64), 1 => wild(0..=1_000)],
                prop_oneof![
                    8 => proptest::option::of(0i64..=5_000),
                    1 => maybe(0..=MAX_UNIT_WEIGHT_G)
                ],
            ),
            1..=6,
        )
        .boxed(),
        proptest::collection::vec(
            (
                proptest::collection::vec((wild(1..=100_000), wild(1..=1_000)), 1..=3),
                any::<bool>(),
                maybe(1..=100_000),
            ),
            0..=2,
        )
        .boxed(),
        proptest::collection::vec(
            prop_oneof![
                // fixed
                4 => (wild(0..=100_000), wild(1..=100_000))
                    .prop_map(|(t, off)| (t, Some(off), None, None)),
                // percentage
                4 => (wild(0..=100_000), wild(0..=10_000), maybe(1..=100_000))
                    .prop_map(|(t, bp, cap)| (t, None, Some(bp), cap)),
                // anything
                1 => (wild(0..=100_000), maybe(1..=100_000), maybe(0..=10_000), maybe(1..=100_000)),
            ],
            0..=3,
        )
        .boxed(),
        proptest::option::of(wild(0..=10_000)).boxed(),
        proptest::option::of((
            prop_oneof![4 => wild(0..=100_000), 1 => Just(MAX_POINTS)],
            prop_oneof![4 => wild(1..=1_000), 1 => Just(1i64), 1 => Just(MAX_POINTS_PER_YUAN)],
        ))
        .boxed(),
        proptest::option::of((wild_rule(), wild_rule())).boxed(),
    )
        .prop_map(
            |(lines, manjian, coupons, percent, points, shipping)| PricingInput {
                lines: lines
                    .into_iter()
                    .map(
                        |(unit_price, qty, line_discount, weight_g)| PricingLineInput {
                            unit_price,
                            qty,
                            line_discount,
                            weight_g,
                            ..Default::default()
                        },
                    )
                    .collect(),
                manjian: manjian
                    .into_iter()
                    .map(|(tiers, stackable, cap)| ManjianInput {
                        tiers: tiers
                            .into_iter()
                            .map(|(threshold, off)| ManjianTierInput { threshold, off })
                            .collect(),
                        stackable,
                        cap,
                        ..Default::default()
                    })
                    .collect(),
                coupons: coupons
                    .into_iter()
                    .map(|(threshold, off, pay_bp, max_off)| CouponInput {
                        threshold,
                        off,
                        pay_bp,
                        max_off,
                        ..Default::default()
                    })
                    .collect(),
                order_percent: percent.map(|pay_bp| OrderPercentInput {
                    pay_bp,
                    ..Default::default()
                }),
                points: points.map(|(points, points_per_yuan)| PointsInput {
                    points,
                    points_per_yuan,
                    ..Default::default()
                }),
                shipping: shipping.map(|(default, near)| ShippingInput {
                    province: "浙江".into(),
                    default,
                    provinces: vec![ProvinceShippingInput {
                        provinces: vec!["浙江省".into()],
                        rule: near,
                    }],
                }),
            },
        )
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn absurd_inputs_are_refused_with_a_field_or_priced_exactly_never_a_panic(
        input in wild_order(),
        line in 0usize..8,
        already in -2i64..20,
        qty in -2i64..20,
    ) {
        match OrderToPrice::parse(&input) {
            Ok(o) => {
                let p = o.price();
                check(&p)?;
                // Refunds never panic either; out of range is an error.
                let _ = refund_share_after(&p, line, already, qty);
                prop_assert!(p.paid.0 <= 3 * MAX_AMOUNT);
            }
            Err(Error::Invalid(errors)) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| !e.field.is_empty() && e.reason.contains(" / ")));
            }
            Err(other) => prop_assert!(false, "unexpected error {:?}", other),
        }
    }
}
