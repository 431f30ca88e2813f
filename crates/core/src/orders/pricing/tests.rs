use super::*;
use crate::money::split_largest_remainder;

fn line(unit_price: i64, qty: i64) -> PricingLineInput {
    PricingLineInput {
        unit_price,
        qty,
        ..Default::default()
    }
}

fn order(lines: Vec<PricingLineInput>) -> PricingInput {
    PricingInput {
        lines,
        ..Default::default()
    }
}

fn manjian(tiers: &[(i64, i64)], stackable: bool, cap: Option<i64>) -> ManjianInput {
    ManjianInput {
        name: "店铺满减".into(),
        tiers: tiers
            .iter()
            .map(|&(threshold, off)| ManjianTierInput { threshold, off })
            .collect(),
        stackable,
        cap,
        funder: String::new(),
    }
}

fn fixed_coupon(threshold: i64, off: i64) -> CouponInput {
    CouponInput {
        name: format!("满{}减{}", threshold / 100, off / 100),
        threshold,
        off: Some(off),
        ..Default::default()
    }
}

fn priced(input: &PricingInput) -> PricedOrder {
    price(input).unwrap()
}

fn shares(p: &PricedOrder, discount: usize) -> Vec<i64> {
    p.lines
        .iter()
        .map(|l| l.discounts[discount].amount.0)
        .collect()
}

fn paid(p: &PricedOrder) -> Vec<i64> {
    p.lines.iter().map(|l| l.paid.0).collect()
}

fn field_of(input: &PricingInput) -> Vec<String> {
    match OrderToPrice::parse(input) {
        Err(Error::Invalid(errs)) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn a_manjian_of_30_off_200_splits_across_three_lines_as_10_10_10_and_refunds_line_2_net_of_its_10()
{
    let mut input = order(vec![line(8000, 1), line(8000, 1), line(8000, 1)]);
    input.manjian = vec![manjian(&[(20000, 3000)], false, None)];
    let p = priced(&input);
    assert_eq!(p.subtotal, Fen(24000));
    assert_eq!(p.discounts[0].amount, Fen(3000));
    assert_eq!(shares(&p, 0), vec![1000, 1000, 1000]);
    assert_eq!(paid(&p), vec![7000, 7000, 7000]);
    assert_eq!(p.paid, Fen(21000));
    // Returning line 2 gives back its ¥80 less its ¥10 share of the 满减.
    assert_eq!(refund_share(&p, 1, 1).unwrap(), Fen(7000));
}

#[test]
fn the_highest_manjian_tier_reached_applies() {
    let tiers = [(20000, 2000), (30000, 5000), (50000, 10000)];
    let take = |goods: i64| {
        let mut input = order(vec![line(goods, 1)]);
        input.manjian = vec![manjian(&tiers, false, None)];
        let p = priced(&input);
        (p.discounts[0].reached, p.discounts[0].amount.0)
    };
    assert_eq!(take(19999), (false, 0));
    assert_eq!(take(20000), (true, 2000));
    assert_eq!(take(35000), (true, 5000));
    assert_eq!(take(120000), (true, 10000));
    // Tiers given out of order are sorted.
    let mut input = order(vec![line(35000, 1)]);
    input.manjian = vec![manjian(
        &[(50000, 10000), (20000, 2000), (30000, 5000)],
        false,
        None,
    )];
    assert_eq!(priced(&input).discounts[0].amount, Fen(5000));
}

#[test]
fn each_full_200_takes_30_when_stackable() {
    let take = |goods: i64, cap: Option<i64>| {
        let mut input = order(vec![line(goods, 1)]);
        input.manjian = vec![manjian(&[(20000, 3000)], true, cap)];
        priced(&input).discounts[0].amount.0
    };
    assert_eq!(take(19999, None), 0);
    assert_eq!(take(39999, None), 3000);
    assert_eq!(take(65000, None), 9000);
    assert_eq!(take(65000, Some(6000)), 6000);
}

#[test]
fn a_coupon_below_its_threshold_does_not_apply() {
    let mut input = order(vec![line(5000, 1), line(4999, 1)]);
    input.coupons = vec![fixed_coupon(10000, 1000)];
    let p = priced(&input);
    assert!(!p.discounts[0].reached);
    assert_eq!(p.discounts[0].amount, Fen(0));
    assert_eq!(p.paid, Fen(9999));

    input.lines[1].unit_price = 5000;
    let p = priced(&input);
    assert_eq!(p.discounts[0].amount, Fen(1000));
    assert_eq!(p.paid, Fen(9000));
}

#[test]
fn coupon_thresholds_are_checked_before_the_manjian_is_taken_off() {
    // ¥200 of goods: 满200减30, then a 满200减20 coupon still applies.
    let mut input = order(vec![line(20000, 1)]);
    input.manjian = vec![manjian(&[(20000, 3000)], false, None)];
    input.coupons = vec![fixed_coupon(20000, 2000)];
    let p = priced(&input);
    assert_eq!(p.discounts_total, Fen(5000));
    assert_eq!(p.paid, Fen(15000));
}

#[test]
fn a_95_percent_member_discount_rounds_to_the_fen_and_the_remainder_goes_by_largest_remainder() {
    let mut input = order(vec![line(1999, 1), line(2999, 1), line(999, 1)]);
    input.order_percent = Some(OrderPercentInput {
        name: "会员95折".into(),
        pay_bp: 9500,
        funder: String::new(),
    });
    let p = priced(&input);
    // 5% of ¥59.97 is ¥2.9985 → ¥3.00.
    assert_eq!(p.discounts[0].amount, Fen(300));
    // 300 × 1999/5997 = 100, × 2999/5997 = 150.025, × 999/5997 = 49.975: the last 分 goes
    // to the largest remainder.
    assert_eq!(shares(&p, 0), vec![100, 150, 50]);
    assert_eq!(paid(&p), vec![1899, 2849, 949]);
    assert_eq!(p.paid, Fen(5697));
}

#[test]
fn fixed_coupons_apply_before_percentage_coupons_whatever_the_order_given() {
    let nine_off = CouponInput {
        name: "9折券".into(),
        pay_bp: Some(9000),
        max_off: Some(1500),
        ..Default::default()
    };
    let mut input = order(vec![line(20000, 1)]);
    input.coupons = vec![nine_off.clone(), fixed_coupon(0, 5000)];
    let p = priced(&input);
    // ¥200 − ¥50 = ¥150, 9 折 of that takes ¥15 (at its cap of ¥15).
    assert_eq!(p.discounts[0].source.index, 1);
    assert_eq!(p.discounts[1].source.index, 0);
    assert_eq!(p.discounts[1].amount, Fen(1500));
    assert_eq!(p.paid, Fen(13500));
    input.coupons.reverse();
    assert_eq!(price(&input).unwrap().paid, Fen(13500));
    // The cap bites: on ¥300, 9 折 would be ¥25, the cap keeps it at ¥15.
    input.lines[0].unit_price = 30000;
    let p = priced(&input);
    assert_eq!(p.discounts[1].amount, Fen(1500));
}

#[test]
fn a_hundred_points_pay_one_yuan_and_never_more_than_is_left() {
    let points = |points: i64, per_yuan: i64| PointsInput {
        points,
        points_per_yuan: per_yuan,
        funder: String::new(),
    };
    let mut input = order(vec![line(5000, 1)]);
    input.points = Some(points(100, 100));
    let p = priced(&input);
    assert_eq!((p.points_used, p.points_value), (100, Fen(100)));
    assert_eq!(p.paid, Fen(4900));

    input.points = Some(points(1_000_000, 100));
    let p = priced(&input);
    assert_eq!((p.points_used, p.points_value), (5000, Fen(5000)));
    assert_eq!(p.paid, Fen(0));

    // 1000 points a yuan: 15 points are 1.5 分 → 1 分, and only 10 points are used.
    input.points = Some(points(15, 1000));
    let p = priced(&input);
    assert_eq!((p.points_used, p.points_value), (10, Fen(1)));

    // 50 points a yuan (a point is 2 分): ¥0.03 left takes one point (2 分), not 1.5.
    let mut input = order(vec![line(3, 1)]);
    input.points = Some(points(10, 50));
    let p = priced(&input);
    assert_eq!((p.points_used, p.points_value, p.paid), (1, Fen(2), Fen(1)));
}

fn template(province: &str) -> ShippingInput {
    ShippingInput {
        province: province.into(),
        default: ShippingRuleInput {
            first_weight_g: Some(1000),
            first_fee: Some(1000),
            step_weight_g: Some(1000),
            step_fee: Some(600),
            free_over: Some(9900),
            ..Default::default()
        },
        provinces: vec![
            ProvinceShippingInput {
                provinces: vec!["浙江".into(), "上海市".into(), "江苏省".into()],
                rule: ShippingRuleInput {
                    first_weight_g: Some(1000),
                    first_fee: Some(500),
                    step_weight_g: Some(1000),
                    step_fee: Some(200),
                    free_over: Some(5900),
                    ..Default::default()
                },
            },
            ProvinceShippingInput {
                provinces: vec!["新疆维吾尔自治区".into(), "西藏".into()],
                rule: ShippingRuleInput {
                    flat_fee: Some(3000),
                    ..Default::default()
                },
            },
        ],
    }
}

#[test]
fn shipping_is_free_over_the_threshold_and_by_weight_otherwise() {
    let ship = |province: &str, unit_price: i64, qty: i64| {
        let mut input = order(vec![PricingLineInput {
            weight_g: Some(800),
            ..line(unit_price, qty)
        }]);
        input.shipping = Some(template(province));
        let p = priced(&input);
        (p.weight_g, p.shipping.0, p.paid.0)
    };
    // 广东 (default): 800 g → first weight ¥10; 3 × 800 g = 2400 g → ¥10 + 2 × ¥6.
    assert_eq!(ship("广东省", 1000, 1), (800, 1000, 2000));
    assert_eq!(ship("广东省", 1000, 3), (2400, 2200, 5200));
    // ¥99 of goods: free.
    assert_eq!(ship("广东省", 3300, 3), (2400, 0, 9900));
    // 浙江省 matches the 浙江 rule: ¥5 + 2 × ¥2, free from ¥59.
    assert_eq!(ship("浙江省", 1000, 3), (2400, 900, 3900));
    assert_eq!(ship("浙江", 2000, 3), (2400, 0, 6000));
    // 新疆 is flat ¥30 and never free.
    assert_eq!(ship("新疆", 50000, 3), (2400, 3000, 153000));
    // No province: the default.
    assert_eq!(ship("", 1000, 1), (800, 1000, 2000));
}

#[test]
fn free_shipping_is_checked_on_the_goods_after_discounts_but_before_points() {
    let mut input = order(vec![line(10500, 1)]);
    input.shipping = Some(template("广东"));
    input.coupons = vec![fixed_coupon(0, 1000)];
    // ¥105 − ¥10 = ¥95 < ¥99: shipping is charged.
    assert_eq!(priced(&input).shipping, Fen(1000));
    input.coupons.clear();
    input.points = Some(PointsInput {
        points: 1000,
        points_per_yuan: 100,
        funder: String::new(),
    });
    // Points do not lower the goods amount for 包邮.
    let p = priced(&input);
    assert_eq!((p.shipping, p.paid), (Fen(0), Fen(9500)));
}

#[test]
fn a_manjian_plus_coupon_plus_points_order_prices_exactly_and_its_lines_add_up_to_the_paid_amount()
{
    let mut input = order(vec![
        PricingLineInput {
            line_discount: 2000,
            ..line(12000, 2)
        },
        line(5990, 1),
        line(3550, 3),
    ]);
    input.manjian = vec![manjian(&[(20000, 2000), (30000, 4000)], false, None)];
    input.coupons = vec![CouponInput {
        funder: "平台".into(),
        ..fixed_coupon(10000, 1000)
    }];
    input.points = Some(PointsInput {
        points: 500,
        points_per_yuan: 100,
        funder: String::new(),
    });
    input.shipping = Some(ShippingInput {
        default: ShippingRuleInput {
            flat_fee: Some(1000),
            free_over: Some(39900),
            ..Default::default()
        },
        ..Default::default()
    });
    let p = priced(&input);
    assert_eq!(p.goods, Fen(40640));
    assert_eq!(p.line_discounts, Fen(2000));
    assert_eq!(p.subtotal, Fen(38640));
    // 满300减40 over 220.00 : 59.90 : 106.50.
    assert_eq!(shares(&p, 0), vec![2277, 620, 1103]);
    // The coupon over what is left: 197.23 : 53.70 : 95.47.
    assert_eq!(shares(&p, 1), vec![569, 155, 276]);
    assert_eq!(p.after_discounts, Fen(33640));
    let points: Vec<i64> = p.lines.iter().map(|l| l.points_share.0).collect();
    assert_eq!(points, vec![285, 77, 138]);
    assert_eq!(paid(&p), vec![18869, 5138, 9133]);
    assert_eq!(p.goods_paid, Fen(33140));
    let shipping: Vec<i64> = p.lines.iter().map(|l| l.shipping_share.0).collect();
    assert_eq!(shipping, vec![569, 155, 276]);
    assert_eq!(p.paid, Fen(34140));
    let lines: Vec<Fen> = p.lines.iter().map(|l| l.paid).collect();
    assert_eq!(check_platform_amounts(&lines, p.shipping, p.paid), Ok(()));
    // Finance: the coupon is the platform's; the rest the merchant's.
    assert_eq!(p.funded_by(Funder::Platform), Fen(1000));
    assert_eq!(p.funded_by(Funder::Merchant), Fen(2000 + 4000 + 500));
    assert_eq!(p.line_funded_by(1, Funder::Platform), Fen(155));
}

#[test]
fn a_discount_larger_than_what_is_left_takes_only_what_is_left() {
    let mut input = order(vec![line(3000, 1), line(0, 1)]);
    input.coupons = vec![fixed_coupon(0, 5000), fixed_coupon(0, 1000)];
    input.points = Some(PointsInput {
        points: 100,
        points_per_yuan: 100,
        funder: String::new(),
    });
    let p = priced(&input);
    assert_eq!(
        (p.discounts[0].nominal, p.discounts[0].amount),
        (Fen(5000), Fen(3000))
    );
    assert_eq!(
        (p.discounts[1].nominal, p.discounts[1].amount),
        (Fen(1000), Fen(0))
    );
    assert_eq!((p.points_used, p.points_value), (0, Fen(0)));
    assert_eq!(paid(&p), vec![0, 0]);
    // The free gift line takes no share.
    assert_eq!(shares(&p, 0), vec![3000, 0]);
}

#[test]
fn returning_units_one_by_one_gives_back_exactly_the_line_paid_amount() {
    let p = priced(&order(vec![line(1000, 1), line(1000, 3)]));
    assert_eq!(p.lines[1].paid, Fen(3000));
    let mut input = order(vec![line(1000, 3)]);
    input.coupons = vec![fixed_coupon(0, 2000)];
    let p = priced(&input);
    assert_eq!(p.lines[0].paid, Fen(1000));
    let one_by_one: Vec<i64> = (0..3)
        .map(|k| refund_share_after(&p, 0, k, 1).unwrap().0)
        .collect();
    assert_eq!(one_by_one, vec![333, 334, 333]);
    assert_eq!(refund_share(&p, 0, 3).unwrap(), Fen(1000));
    // Two then one gives the same as one by one.
    assert_eq!(refund_share(&p, 0, 2).unwrap(), Fen(667));
    assert_eq!(refund_share_after(&p, 0, 2, 1).unwrap(), Fen(333));
    // The line split is the largest-remainder split by quantity.
    assert_eq!(split_largest_remainder(1000, &[2, 1]), vec![667, 333]);
}

#[test]
fn returning_more_than_was_bought_or_a_missing_line_is_refused() {
    let p = priced(&order(vec![line(1000, 2)]));
    let field = |r: Result<Fen, Error>| match r {
        Err(Error::Invalid(e)) => e[0].field.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(field(refund_share(&p, 0, 3)), "qty");
    assert_eq!(field(refund_share(&p, 0, 0)), "qty");
    assert_eq!(field(refund_share_after(&p, 0, 2, 1)), "qty");
    assert_eq!(field(refund_share(&p, 1, 1)), "line");
}

#[test]
fn platform_amounts_that_do_not_add_up_carry_the_difference() {
    assert_eq!(
        check_platform_amounts(&[Fen(8620), Fen(4000)], Fen(1000), Fen(13620)),
        Ok(())
    );
    let m = check_platform_amounts(&[Fen(8620), Fen(4000)], Fen(1000), Fen(13600)).unwrap_err();
    assert_eq!(m.lines_total, Fen(12620));
    assert_eq!(m.expected, Fen(12600));
    assert_eq!(m.difference, Fen(20));
    assert!(m.to_string().contains("0.20"));
    // Absurd figures do not overflow.
    assert!(
        check_platform_amounts(&[Fen(i64::MAX), Fen(i64::MAX)], Fen(i64::MIN), Fen(0)).is_err()
    );
}

#[test]
fn a_line_with_zero_qty_is_refused_with_its_field() {
    let input = order(vec![line(1000, 1), line(1000, 0)]);
    assert_eq!(field_of(&input), vec!["lines[1].qty"]);
}

#[test]
fn a_negative_price_or_discount_is_refused_with_its_field() {
    let input = order(vec![
        line(-1, 1),
        PricingLineInput {
            line_discount: -5,
            ..line(1000, 1)
        },
        PricingLineInput {
            line_discount: 1001,
            ..line(1000, 1)
        },
    ]);
    assert_eq!(
        field_of(&input),
        vec![
            "lines[0].unit_price",
            "lines[1].line_discount",
            "lines[2].line_discount"
        ]
    );
}

#[test]
fn a_percentage_out_of_range_is_refused_with_its_field() {
    let mut input = order(vec![line(1000, 1)]);
    input.order_percent = Some(OrderPercentInput {
        pay_bp: 10001,
        ..Default::default()
    });
    input.coupons = vec![CouponInput {
        pay_bp: Some(-1),
        ..Default::default()
    }];
    assert_eq!(
        field_of(&input),
        vec!["coupons[0].pay_bp", "order_percent.pay_bp"]
    );
}

#[test]
fn bad_rules_are_refused_with_their_field() {
    let mut input = order(vec![line(1000, 1)]);
    input.manjian = vec![
        manjian(&[(20000, 30000)], false, None),
        manjian(&[(20000, 3000), (20000, 2000)], false, Some(0)),
        manjian(&[], false, None),
    ];
    input.coupons = vec![
        CouponInput {
            off: Some(100),
            pay_bp: Some(9000),
            ..Default::default()
        },
        CouponInput::default(),
        CouponInput {
            funder: "路人".into(),
            ..fixed_coupon(0, 100)
        },
    ];
    input.points = Some(PointsInput {
        points: -1,
        points_per_yuan: 0,
        funder: String::new(),
    });
    assert_eq!(
        field_of(&input),
        vec![
            "manjian[0].tiers[0].off",
            "manjian[1].cap",
            "manjian[1].tiers[1].threshold",
            "manjian[2].tiers",
            "coupons[0].pay_bp",
            "coupons[1]",
            "coupons[2].funder",
            "points.points",
            "points.points_per_yuan",
        ]
    );
}

#[test]
fn a_bad_shipping_template_is_refused_with_its_field() {
    let mut input = order(vec![line(1000, 1)]);
    let mut t = template("浙江");
    t.default.flat_fee = Some(500);
    t.provinces[1].provinces.push("浙江省".into());
    t.provinces[0].rule.step_weight_g = Some(0);
    input.shipping = Some(t);
    assert_eq!(
        field_of(&input),
        vec![
            "shipping.default.flat_fee",
            "shipping.provinces[0].rule.step_weight_g",
            "shipping.provinces[1].provinces[2]",
        ]
    );
}

#[test]
fn absurd_amounts_are_refused_not_overflowed() {
    let input = order(vec![line(MAX_AMOUNT, MAX_QTY)]);
    assert_eq!(field_of(&input), vec!["lines[0].qty"]);
    let input = order(vec![line(MAX_AMOUNT, 1), line(MAX_AMOUNT, 1)]);
    assert_eq!(field_of(&input), vec!["lines"]);
    let input = order(vec![line(i64::MAX, i64::MAX)]);
    assert_eq!(
        field_of(&input),
        vec!["lines[0].unit_price", "lines[0].qty"]
    );
    let mut input = order(vec![PricingLineInput {
        weight_g: Some(MAX_UNIT_WEIGHT_G),
        ..line(1, MAX_QTY)
    }]);
    input.shipping = Some(ShippingInput {
        default: ShippingRuleInput {
            first_weight_g: Some(0),
            first_fee: Some(0),
            step_weight_g: Some(1),
            step_fee: Some(MAX_AMOUNT),
            ..Default::default()
        },
        ..Default::default()
    });
    assert_eq!(field_of(&input), vec!["shipping"]);
    assert_eq!(field_of(&order(vec![])), vec!["lines"]);
}

#[test]
fn funders_and_rates_read_from_their_names() {
    assert_eq!(Funder::parse("f", "").unwrap(), Funder::Merchant);
    assert_eq!(Funder::parse("f", "平台").unwrap(), Funder::Platform);
    for f in Funder::ALL {
        assert_eq!(Funder::parse("f", f.as_str()).unwrap(), f);
    }
    assert_eq!(
        PayRate::parse("r", 9500).unwrap().discount_on(Fen(3333)),
        Fen(167)
    );
    assert_eq!(PayRate::FULL.discount_on(Fen(3333)), Fen(0));
    assert_eq!(province_key("广西壮族自治区"), "广西");
    assert_eq!(province_key("北京市"), "北京");
}
