//! The conformance suite: what every backend must do, written once against the traits.
//!
//! A backend crate runs it with [`conformance_tests!`](crate::conformance_tests), giving an
//! async expression that yields a fresh, migrated `Arc<dyn Store>`:
//!
//! ```ignore
//! jxc_store::conformance_tests!(fresh_store());
//! ```

use std::sync::Arc;

use jxc_core::catalog::{BundleComponent, NewSku, SkuInput};
use jxc_core::catalog::{ListingInput, NewListing};
use jxc_core::ids::*;
use jxc_core::inventory::check::compare;
use jxc_core::inventory::{Document, DocumentInput, DocumentKind, LineInput, ReserveRequest};
use jxc_core::money::Fen;
use jxc_core::paging::PageRequest;
use jxc_core::partners::{NewPartner, NewShop, PartnerInput, PartnerKind, ShopInput};
use jxc_core::warehouses::{LocationInput, NewLocation, NewWarehouse, WarehouseInput};

use crate::*;

mod alerts;
mod channels;
mod count_schedules;
mod counts;
mod fulfillment;
mod fulfillment_batch;
mod orders;
mod serials;
mod shipments;
mod trace;
mod transfers;
mod users;
mod waves;
pub use alerts::*;
pub use channels::*;
pub use count_schedules::*;
pub use counts::*;
pub use fulfillment::*;
pub use fulfillment_batch::*;
pub use orders::*;
pub use serials::*;
pub use shipments::*;
pub use trace::*;
pub use transfers::*;
pub use users::*;
pub use waves::*;

pub type Shared = Arc<dyn Store>;

/// Generates one `#[tokio::test]` per conformance case for a backend.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::conformance_tests!(@each $factory;
            skus_are_created_found_updated_and_listed_in_pages,
            a_taken_code_or_barcode_is_a_conflict_on_the_field,
            importing_the_same_skus_twice_changes_nothing_and_a_bad_row_keeps_the_good_ones,
            a_bundle_holds_no_stock_and_cannot_nest,
            suppliers_customers_shops_and_listings,
            a_warehouse_comes_with_a_default_location_and_codes_are_unique_per_warehouse,
            moving_average_takes_exact_value_and_the_last_unit_takes_the_rest,
            reserved_stock_cannot_be_issued_by_others_and_release_gives_it_back,
            a_failed_line_posts_nothing_of_its_document,
            relocation_and_adjustments_move_value_with_stock,
            lots_are_reserved_first_expiry_first_and_expired_lots_never,
            a_sku_allowed_negative_goes_negative_and_still_checks_clean,
            sixteen_concurrent_reservations_never_oversell,
            every_change_is_in_the_audit_log,
            filters_with_sql_metacharacters_are_harmless,
            users_have_unique_login_names_without_regard_to_case,
            sessions_expire_and_end_with_a_new_password_or_a_disabled_user,
            api_tokens_are_found_by_hash_until_revoked,
            lists_can_be_limited_to_a_users_shops_and_warehouses,
            importing_the_same_orders_twice_changes_nothing_and_a_refund_holds_the_order,
            detector_holds_clear_themselves_when_the_cause_is_fixed,
            approving_needs_no_blocking_hold_and_every_step_is_an_event,
            merge_candidates_and_duplicates_are_found_across_imports,
            an_order_ships_in_parts_and_whole_again,
            review_rules_are_stored_and_changed,
            the_stock_summary_sums_by_sku_and_by_warehouse_in_pages,
            low_stock_lists_active_stock_skus_at_or_under_the_threshold_even_without_stock,
            lists_keep_to_the_warehouses_a_user_is_limited_to,
            a_shops_sync_cursor_only_moves_forward_and_runs_are_logged,
            raw_payloads_are_kept_whole_and_webhook_deliveries_dedupe,
            allocating_an_order_reserves_its_lines_in_one_transaction_and_a_second_allocation_is_refused,
            an_allocation_that_cannot_be_reserved_saves_nothing,
            a_short_allocation_is_replaced_by_a_real_one_when_stock_arrives,
            releasing_an_allocation_frees_its_stock_and_forgets_its_shipments,
            the_routing_setup_is_kept_and_every_change_is_audited,
            a_batch_of_allocations_is_saved_all_or_none,
            what_routing_needs_of_many_orders_is_read_at_once,
            allocated_orders_go_into_one_wave_of_their_warehouse_and_no_other,
            a_released_order_leaves_its_wave_and_a_dissolved_wave_gives_its_orders_back,
            a_shipment_ships_once_when_the_scan_matches_and_posts_the_issue_of_its_reservations,
            an_unshipped_label_goes_with_its_allocation_and_numbers_never_repeat,
            a_sale_shipped_mid_count_is_neither_counted_twice_nor_lost,
            scans_are_checked_and_a_large_variance_is_counted_twice,
            a_count_scope_picks_its_lines_and_a_loss_of_reserved_stock_is_refused,
            count_schedules_are_kept_changed_deactivated_and_audited,
            a_due_schedule_creates_one_count_at_a_time_and_moves_on,
            a_transfer_ships_into_transit_and_arrives_exact_to_the_fen_with_a_loss,
            a_transfer_is_cancelled_only_before_it_ships_and_ships_only_what_is_free,
            an_adjustment_over_the_threshold_waits_and_a_rejected_one_posts_nothing,
            an_alert_is_opened_once_while_stock_is_low_and_closed_when_it_is_not,
            lots_event_alerts_channels_and_deliveries,
            a_lot_is_traced_to_its_buyers_and_an_order_back_to_its_receipts,
            a_serial_is_in_stock_once_and_ships_only_when_scanned,
        );
    };
    (@each $factory:expr; $($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let store: $crate::conformance::Shared = $factory.await;
            $crate::conformance::$name(store.clone()).await;
            $crate::conformance::assert_check_clean(&store).await;
        }
    )*};
}

pub fn actor() -> Actor {
    Actor("tester".into())
}

pub fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit,
        after: None,
        desc: false,
    }
}

pub fn sku_input(code: &str) -> SkuInput {
    SkuInput {
        code: Some(code.into()),
        name: Some(format!("商品 {code}")),
        unit: Some("件".into()),
        list_price: Some(9900),
        default_cost: Some(4000),
        ..Default::default()
    }
}

pub async fn sku(s: &Shared, code: &str) -> SkuId {
    s.create_sku(&NewSku::parse(&sku_input(code)).unwrap(), &actor())
        .await
        .unwrap()
        .id
}

pub struct Fixture {
    pub wh: WarehouseId,
    pub default_loc: LocationId,
    pub a: LocationId,
    pub b: LocationId,
}

pub async fn warehouse(s: &Shared, code: &str) -> Fixture {
    let w = NewWarehouse::merge(
        None,
        &WarehouseInput {
            code: Some(code.into()),
            name: Some(format!("{code} 仓")),
            province: Some("浙江省".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let w = s.create_warehouse(&w, &actor()).await.unwrap();
    let mut locs = Vec::new();
    for (code, seq) in [("A-01-01-01", 10), ("B-01-01-01", 20)] {
        let l = NewLocation::merge(
            None,
            &LocationInput {
                warehouse_id: Some(w.id.0),
                code: Some(code.into()),
                pick_seq: Some(seq),
                ..Default::default()
            },
        )
        .unwrap();
        locs.push(s.create_location(&l, &actor()).await.unwrap().id);
    }
    Fixture {
        wh: w.id,
        default_loc: w.default_location,
        a: locs[0],
        b: locs[1],
    }
}

pub fn line(sku: SkuId, loc: LocationId, qty: i64, unit_cost: Option<i64>) -> LineInput {
    LineInput {
        sku_id: sku.0,
        location_id: Some(loc.0),
        qty,
        unit_cost,
        ..Default::default()
    }
}

pub async fn post(
    s: &Shared,
    kind: DocumentKind,
    wh: WarehouseId,
    lines: Vec<LineInput>,
) -> Result<PostedDocument> {
    let doc = Document::parse(
        kind,
        &DocumentInput {
            warehouse_id: wh.0,
            lines,
            ..Default::default()
        },
    )?;
    Ok(s.post_documents(&[doc], &actor()).await?.remove(0))
}

pub async fn balance(s: &Shared, sku: SkuId, loc: LocationId) -> (i64, i64, i64) {
    let f = BalanceFilter {
        sku_id: Some(sku),
        location_id: Some(loc),
        ..Default::default()
    };
    let rows = s.list_balances(&f, &page(100)).await.unwrap().items;
    rows.iter().fold((0, 0, 0), |acc, b| {
        (acc.0 + b.on_hand, acc.1 + b.reserved, acc.2 + b.value.0)
    })
}

pub async fn reserve(
    s: &Shared,
    sku: SkuId,
    wh: WarehouseId,
    qty: i64,
    r#ref: &str,
) -> Result<Vec<Reservation>> {
    let req = ReservationRequest {
        request: ReserveRequest {
            sku,
            warehouse: wh,
            qty,
            location: None,
            lot: None,
        },
        source_type: "test".into(),
        source_ref: r#ref.into(),
    };
    s.reserve(&[req], &actor()).await
}

/// `jxc check` on the store: the balances equal the ledger and the live reservations.
pub async fn assert_check_clean(s: &Shared) {
    let (observed, negative) = s.observe().await.unwrap();
    let diffs = compare(&observed, |sku| negative.contains(&sku));
    assert!(diffs.is_empty(), "jxc check found differences: {diffs:#?}");
}

pub async fn skus_are_created_found_updated_and_listed_in_pages(s: Shared) {
    let mut input = sku_input("TS-BLK-L");
    input.barcodes = Some(vec!["6901234567892".into(), "TSBLKL".into()]);
    input.color = Some("黑色".into());
    input.size = Some("L".into());
    let created = s
        .create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap();
    assert_eq!(created.fields.barcodes, vec!["6901234567892", "TSBLKL"]);
    assert_eq!(s.get_sku(created.id).await.unwrap().unwrap(), created);
    assert_eq!(
        s.get_sku_by_code("TS-BLK-L").await.unwrap().unwrap().id,
        created.id
    );
    assert_eq!(
        s.get_sku_by_barcode("TSBLKL").await.unwrap().unwrap().id,
        created.id
    );
    assert!(s.get_sku(SkuId(999_999)).await.unwrap().is_none());

    let patch = SkuInput {
        list_price: Some(12900),
        barcodes: Some(vec!["6901234567892".into()]),
        ..Default::default()
    };
    let merged = NewSku::merge(Some(&created.fields), &patch).unwrap();
    let updated = s.update_sku(created.id, &merged, &actor()).await.unwrap();
    assert_eq!(updated.fields.list_price, Fen(12900));
    assert_eq!(updated.fields.barcodes, vec!["6901234567892"]);
    assert!(
        s.get_sku_by_barcode("TSBLKL").await.unwrap().is_none(),
        "a removed barcode is free again"
    );

    for code in ["A-1", "C-3", "B-2", "D-4", "E-5"] {
        sku(&s, code).await;
    }
    // Walking the pages two at a time yields every SKU once, in code order.
    let mut seen = Vec::new();
    let mut req = page(2);
    loop {
        let p = s.list_skus(&SkuFilter::default(), &req).await.unwrap();
        seen.extend(p.items.iter().map(|x| x.fields.code.clone()));
        match p.next {
            Some(n) => req = PageRequest::new(Some(2), Some(&n), false).unwrap(),
            None => break,
        }
    }
    assert_eq!(seen, vec!["A-1", "B-2", "C-3", "D-4", "E-5", "TS-BLK-L"]);
    let desc = s
        .list_skus(
            &SkuFilter::default(),
            &PageRequest {
                limit: 2,
                after: None,
                desc: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(desc.items[0].fields.code, "TS-BLK-L");
    let f = SkuFilter {
        list: ListFilter {
            q: Some("ts-blk".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(s.list_skus(&f, &page(10)).await.unwrap().items.len(), 1);
    let f = SkuFilter {
        list: ListFilter {
            q: Some("6901234567892".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        s.list_skus(&f, &page(10)).await.unwrap().items.len(),
        1,
        "search finds a barcode"
    );
}

pub async fn a_taken_code_or_barcode_is_a_conflict_on_the_field(s: Shared) {
    let mut input = sku_input("X-1");
    input.barcodes = Some(vec!["111".into()]);
    s.create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap();
    let e = s
        .create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "code"),
        "{e:?}"
    );
    let mut other = sku_input("X-2");
    other.barcodes = Some(vec!["111".into()]);
    let e = s
        .create_sku(&NewSku::parse(&other).unwrap(), &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "barcodes"),
        "{e:?}"
    );
    assert!(
        s.get_sku_by_code("X-2").await.unwrap().is_none(),
        "nothing of the failed create is left"
    );
}

pub async fn importing_the_same_skus_twice_changes_nothing_and_a_bad_row_keeps_the_good_ones(
    s: Shared,
) {
    let mut taken = sku_input("OLD-1");
    taken.barcodes = Some(vec!["999".into()]);
    s.create_sku(&NewSku::parse(&taken).unwrap(), &actor())
        .await
        .unwrap();
    let rows: Vec<(usize, NewSku)> = ["IM-1", "IM-2", "IM-3"]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut input = sku_input(c);
            input.barcodes = Some(vec![format!("B{c}")]);
            (i + 2, NewSku::parse(&input).unwrap())
        })
        .collect();
    let first = s.import_skus(&rows, &actor()).await.unwrap();
    assert!(
        first.iter().all(|o| o.result == Ok(ImportAction::Created)),
        "{first:?}"
    );
    let again = s.import_skus(&rows, &actor()).await.unwrap();
    assert!(
        again
            .iter()
            .all(|o| o.result == Ok(ImportAction::Unchanged)),
        "{again:?}"
    );

    let mut changed = rows.clone();
    changed[0].1.list_price = Fen(1);
    changed[1].1.barcodes = vec!["999".into()]; // belongs to OLD-1
    changed.push((5, changed[2].1.clone())); // same code as row 4
    let out = s.import_skus(&changed, &actor()).await.unwrap();
    assert_eq!(out[0].result, Ok(ImportAction::Updated));
    assert_eq!(out[1].row, 3);
    assert_eq!(out[1].result.as_ref().unwrap_err().field, "barcodes");
    assert_eq!(out[2].result, Ok(ImportAction::Unchanged));
    assert_eq!(out[3].result.as_ref().unwrap_err().field, "code");
    assert_eq!(
        s.get_sku_by_code("IM-1")
            .await
            .unwrap()
            .unwrap()
            .fields
            .list_price,
        Fen(1)
    );
    assert_eq!(
        s.get_sku_by_barcode("999")
            .await
            .unwrap()
            .unwrap()
            .fields
            .code,
        "OLD-1"
    );
}

pub async fn a_bundle_holds_no_stock_and_cannot_nest(s: Shared) {
    let f = warehouse(&s, "WH1").await;
    let (tee, cap, gift) = (
        sku(&s, "TEE").await,
        sku(&s, "CAP").await,
        sku(&s, "GIFT").await,
    );
    let comps = [
        BundleComponent {
            sku_id: tee,
            qty: 2,
        },
        BundleComponent {
            sku_id: cap,
            qty: 1,
        },
    ];
    let b = s
        .set_bundle_components(gift, &comps, &actor())
        .await
        .unwrap();
    assert!(b.is_bundle);
    assert_eq!(b.components.len(), 2);
    let e = post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(gift, f.a, 1, Some(100))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, StoreError::Domain(jxc_core::Error::Rule(_))),
        "{e:?}"
    );
    let outer = sku(&s, "BIG").await;
    let e = s
        .set_bundle_components(
            outer,
            &[BundleComponent {
                sku_id: gift,
                qty: 1,
            }],
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(tee, f.a, 1, Some(100))],
    )
    .await
    .unwrap();
    let e = s
        .set_bundle_components(
            tee,
            &[BundleComponent {
                sku_id: cap,
                qty: 1,
            }],
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(_)),
        "a sku with stock cannot become a bundle: {e:?}"
    );
    let counts = s.counts().await.unwrap();
    assert_eq!((counts.skus, counts.bundles), (3, 1));
}

pub async fn suppliers_customers_shops_and_listings(s: Shared) {
    let p = NewPartner::merge(
        None,
        &PartnerInput {
            code: Some("P1".into()),
            name: Some("义乌供应商".into()),
            tax_id: Some("9144030071526726XG".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let sup = s
        .create_partner(PartnerKind::Supplier, &p, &actor())
        .await
        .unwrap();
    let cus = s
        .create_partner(PartnerKind::Customer, &p, &actor())
        .await
        .unwrap();
    assert_ne!(
        sup.id, cus.id,
        "the same code may be a supplier and a customer"
    );
    let e = s
        .create_partner(PartnerKind::Supplier, &p, &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "code"),
        "{e:?}"
    );
    assert!(
        s.get_partner(PartnerKind::Customer, sup.id)
            .await
            .unwrap()
            .is_none()
            || sup.id == cus.id
    );
    let list = s
        .list_partners(PartnerKind::Supplier, &ListFilter::default(), &page(10))
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1);

    let shop = NewShop::merge(
        None,
        &ShopInput {
            code: Some("TB1".into()),
            name: Some("淘宝旗舰店".into()),
            platform: Some("taobao".into()),
            credentials: Some(serde_json::json!({"app_key": "k", "app_secret": "s3cr3t"})),
            active: None,
        },
    )
    .unwrap();
    let shop = s.create_shop(&shop, &actor()).await.unwrap();
    assert!(shop.has_credentials);
    assert!(!serde_json::to_string(&shop).unwrap().contains("s3cr3t"));
    let renamed = NewShop::merge(
        Some(&shop.fields),
        &ShopInput {
            name: Some("淘宝店".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let shop2 = s.update_shop(shop.id, &renamed, &actor()).await.unwrap();
    assert!(
        shop2.has_credentials,
        "credentials survive an update that does not name them"
    );

    let sku = sku(&s, "L-1").await;
    let input = ListingInput {
        shop_id: Some(shop.id.0),
        platform_item_id: Some("100018587597".into()),
        platform_sku_id: Some("5000000017".into()),
        sku_id: Some(sku.0),
        ..Default::default()
    };
    let l = s
        .create_listing(&NewListing::merge(None, &input).unwrap(), &actor())
        .await
        .unwrap();
    let e = s
        .create_listing(&NewListing::merge(None, &input).unwrap(), &actor())
        .await
        .unwrap_err();
    assert!(matches!(&e, StoreError::Conflict(_)), "{e:?}");
    let mut bad = input.clone();
    bad.platform_sku_id = Some("other".into());
    bad.sku_id = Some(424242);
    let e = s
        .create_listing(&NewListing::merge(None, &bad).unwrap(), &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "sku_id"),
        "{e:?}"
    );
    let by_shop = s
        .list_listings(
            &ListFilter {
                parent_id: Some(shop.id.0),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(by_shop.items, vec![l]);
}

pub async fn a_warehouse_comes_with_a_default_location_and_codes_are_unique_per_warehouse(
    s: Shared,
) {
    let f = warehouse(&s, "HZ").await;
    let g = warehouse(&s, "SZ").await;
    let loc = s.get_location(f.default_loc).await.unwrap().unwrap();
    assert_eq!(
        (loc.fields.code.as_str(), loc.fields.warehouse_id),
        ("DEFAULT", f.wh)
    );
    let dup = NewLocation::merge(
        None,
        &LocationInput {
            warehouse_id: Some(f.wh.0),
            code: Some("A-01-01-01".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let e = s.create_location(&dup, &actor()).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(x) if x.field == "code"),
        "{e:?}"
    );
    let in_g = s
        .list_locations(
            &ListFilter {
                parent_id: Some(g.wh.0),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(in_g.items.len(), 3);
    let mut moved = s.get_location(f.a).await.unwrap().unwrap().fields;
    moved.warehouse_id = g.wh;
    assert!(s.update_location(f.a, &moved, &actor()).await.is_err());
    assert_eq!(
        s.get_location_by_code(g.wh, "B-01-01-01")
            .await
            .unwrap()
            .unwrap()
            .id,
        g.b
    );
    let e = s
        .create_warehouse(
            &NewWarehouse::merge(
                None,
                &WarehouseInput {
                    code: Some("HZ".into()),
                    name: Some("x".into()),
                    ..Default::default()
                },
            )
            .unwrap(),
            &actor(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(x) if x.field == "code"),
        "{e:?}"
    );
}

pub async fn moving_average_takes_exact_value_and_the_last_unit_takes_the_rest(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let x = sku(&s, "AVG").await;
    // 10 at ¥1.00 and 10 at ¥2.00: 20 worth ¥30.00, average ¥1.50.
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 10, Some(100))],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 10, Some(200))],
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, x, f.a).await, (20, 0, 3000));
    let out = post(&s, DocumentKind::Issue, f.wh, vec![line(x, f.a, 7, None)])
        .await
        .unwrap();
    assert_eq!(out.moves[0].value, Fen(-1050));
    assert!(out.summary.doc_no.starts_with("CK"));
    // 13 left worth 19.50; take 3 → round(3 × 1950 / 13) = 450; then the last 10 take 15.00.
    let out = post(&s, DocumentKind::Issue, f.wh, vec![line(x, f.a, 3, None)])
        .await
        .unwrap();
    assert_eq!(out.moves[0].value, Fen(-450));
    let out = post(&s, DocumentKind::Issue, f.wh, vec![line(x, f.a, 10, None)])
        .await
        .unwrap();
    assert_eq!(out.moves[0].value, Fen(-1500));
    assert_eq!(balance(&s, x, f.a).await, (0, 0, 0));
    let moves = s
        .list_moves(
            &MoveFilter {
                sku_id: Some(x),
                ..Default::default()
            },
            &PageRequest {
                limit: 10,
                after: None,
                desc: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(moves.items.len(), 5);
    assert_eq!(moves.items[0].qty, -10, "newest first");
    let doc = s.get_document(out.summary.id).await.unwrap().unwrap();
    assert_eq!(doc, out);
    let docs = s
        .list_documents(
            &DocumentFilter {
                kind: Some(DocumentKind::Receipt),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(docs.items.len(), 2);
}

pub async fn reserved_stock_cannot_be_issued_by_others_and_release_gives_it_back(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let x = sku(&s, "RES").await;
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 10, Some(100))],
    )
    .await
    .unwrap();
    let r = reserve(&s, x, f.wh, 8, "SO-1").await.unwrap();
    assert_eq!((r.len(), r[0].qty, r[0].location_id), (1, 8, f.a));
    let e = post(&s, DocumentKind::Issue, f.wh, vec![line(x, f.a, 3, None)])
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Domain(jxc_core::Error::InsufficientStock { available: 2, .. })
        ),
        "{e:?}"
    );
    let e = reserve(&s, x, f.wh, 3, "SO-2").await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Domain(jxc_core::Error::InsufficientStock { available: 2, .. })
        ),
        "{e:?}"
    );
    // The order ships 5 of its 8: the issue consumes that much of the reservation.
    let mut l = line(x, f.a, 5, None);
    l.reservation_id = Some(r[0].id.0);
    post(&s, DocumentKind::Issue, f.wh, vec![l]).await.unwrap();
    assert_eq!(balance(&s, x, f.a).await, (5, 3, 500));
    let live = s
        .list_reservations(
            &ReservationFilter {
                source_ref: Some("SO-1".into()),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(
        (live.items[0].remaining, live.items[0].status),
        (3, ReservationStatus::Live)
    );
    let released = s.release(&[r[0].id], &actor()).await.unwrap();
    assert_eq!(released[0].status, ReservationStatus::Released);
    assert_eq!(balance(&s, x, f.a).await, (5, 0, 500));
    let e = s.release(&[r[0].id], &actor()).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(_)),
        "released twice: {e:?}"
    );
    assert!(matches!(
        s.release(&[ReservationId(987_654)], &actor())
            .await
            .unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

pub async fn a_failed_line_posts_nothing_of_its_document(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let (x, y) = (sku(&s, "OK").await, sku(&s, "SHORT").await);
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 5, Some(100))],
    )
    .await
    .unwrap();
    let e = post(
        &s,
        DocumentKind::Issue,
        f.wh,
        vec![line(x, f.a, 2, None), line(y, f.a, 1, None)],
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
    assert_eq!(balance(&s, x, f.a).await, (5, 0, 500));
    assert_eq!(s.counts().await.unwrap().documents, 1);
    // A batch of documents is also all or nothing.
    let ok = Document::parse(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: f.wh.0,
            lines: vec![line(x, f.a, 1, Some(100))],
            ..Default::default()
        },
    )
    .unwrap();
    let bad = Document::parse(
        DocumentKind::Issue,
        &DocumentInput {
            warehouse_id: f.wh.0,
            lines: vec![line(y, f.a, 1, None)],
            ..Default::default()
        },
    )
    .unwrap();
    assert!(s.post_documents(&[ok, bad], &actor()).await.is_err());
    assert_eq!(balance(&s, x, f.a).await, (5, 0, 500));
    let other = warehouse(&s, "WH2").await;
    let e = post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, other.a, 1, Some(1))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, StoreError::Domain(_)),
        "a location of another warehouse: {e:?}"
    );
}

pub async fn relocation_and_adjustments_move_value_with_stock(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let x = sku(&s, "MV").await;
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 3, None).tap(|l| l.value = Some(1000))],
    )
    .await
    .unwrap();
    let mut l = line(x, f.a, 1, None);
    l.to_location_id = Some(f.b.0);
    let out = post(&s, DocumentKind::Relocation, f.wh, vec![l])
        .await
        .unwrap();
    assert_eq!(
        out.moves
            .iter()
            .map(|m| (m.location_id, m.qty, m.value.0))
            .collect::<Vec<_>>(),
        vec![(f.a, -1, -333), (f.b, 1, 333)]
    );
    assert_eq!(balance(&s, x, f.a).await, (2, 0, 667));
    // 盘盈 without a cost comes in at the location's average; 盘亏 leaves at it.
    post(
        &s,
        DocumentKind::Adjustment,
        f.wh,
        vec![line(x, f.a, 2, None)],
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, x, f.a).await, (4, 0, 1334));
    post(
        &s,
        DocumentKind::Adjustment,
        f.wh,
        vec![line(x, f.a, -4, None)],
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, x, f.a).await, (0, 0, 0));
    // Into an empty location without a cost: the SKU's default cost (¥40.00).
    post(
        &s,
        DocumentKind::Adjustment,
        f.wh,
        vec![line(x, f.default_loc, 1, None)],
    )
    .await
    .unwrap();
    assert_eq!(balance(&s, x, f.default_loc).await, (1, 0, 4000));
}

trait Tap: Sized {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
impl Tap for LineInput {}

pub async fn lots_are_reserved_first_expiry_first_and_expired_lots_never(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let mut input = sku_input("MILK");
    input.tracking = Some("lot_expiry".into());
    let milk = s
        .create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap()
        .id;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let lot = |no: &str, exp: &str, loc| LineInput {
        lot_no: Some(no.into()),
        expiry_date: d(exp),
        ..line(milk, loc, 5, Some(300))
    };
    let e = post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(milk, f.a, 1, Some(1))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, StoreError::Domain(jxc_core::Error::Invalid(v)) if v[0].field.ends_with("lot_no")),
        "{e:?}"
    );
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![
            lot("L-LATE", "2099-03-01", f.a),
            lot("L-SOON", "2099-01-01", f.b),
            lot("L-GONE", "2000-01-01", f.a),
        ],
    )
    .await
    .unwrap();
    let r = reserve(&s, milk, f.wh, 7, "SO-9").await.unwrap();
    let lots = s
        .list_balances(
            &BalanceFilter {
                sku_id: Some(milk),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap()
        .items;
    let lot_of = |id: LotId| lots.iter().find(|b| b.lot_id == id).unwrap().lot_no.clone();
    assert_eq!(
        r.iter()
            .map(|x| (lot_of(x.lot_id), x.qty))
            .collect::<Vec<_>>(),
        vec![("L-SOON".to_string(), 5), ("L-LATE".to_string(), 2)]
    );
    let e = reserve(&s, milk, f.wh, 4, "SO-10").await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Domain(jxc_core::Error::InsufficientStock { available: 3, .. })
        ),
        "the expired lot is not offered: {e:?}"
    );
    let e = post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![lot("L-SOON", "2099-02-02", f.a)],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(x) if x.field == "lot_no"),
        "same lot, other dates: {e:?}"
    );
    // 临期/过期: lots expiring on or before a day, the expired one included.
    let by = |day: &str| {
        let s = s.clone();
        let day = d(day);
        async move {
            let mut lots: Vec<String> = s
                .list_balances(
                    &BalanceFilter {
                        expires_by: day,
                        ..Default::default()
                    },
                    &page(10),
                )
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|b| b.lot_no)
                .collect();
            lots.sort();
            lots
        }
    };
    assert_eq!(by("2099-01-01").await, ["L-GONE", "L-SOON"]);
    assert_eq!(by("1999-12-31").await, Vec::<String>::new());
    assert_eq!(by("2099-12-31").await, ["L-GONE", "L-LATE", "L-SOON"]);
}

pub async fn a_sku_allowed_negative_goes_negative_and_still_checks_clean(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let mut input = sku_input("NEG");
    input.allow_negative = Some(true);
    let x = s
        .create_sku(&NewSku::parse(&input).unwrap(), &actor())
        .await
        .unwrap()
        .id;
    post(&s, DocumentKind::Issue, f.wh, vec![line(x, f.a, 2, None)])
        .await
        .unwrap();
    assert_eq!(balance(&s, x, f.a).await, (-2, 0, -8000));
    reserve(&s, x, f.wh, 3, "SO-N").await.unwrap();
    // 5 arrive at ¥50.00: the hole is filled, 3 remain at ¥50.00 each (cost difference posted).
    let out = post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 5, Some(5000))],
    )
    .await
    .unwrap();
    assert_eq!(out.moves.len(), 2, "receipt + revaluation: {:?}", out.moves);
    assert_eq!(balance(&s, x, f.a).await.2, 15000);
}

pub async fn sixteen_concurrent_reservations_never_oversell(s: Shared) {
    let f = warehouse(&s, "WH").await;
    let x = sku(&s, "HOT").await;
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 12, Some(100)), line(x, f.b, 8, Some(100))],
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let qty = 1 + (i % 3) as i64;
            reserve(&s, x, f.wh, qty, &format!("SO-{i}"))
                .await
                .map(|r| r.iter().map(|x| x.qty).sum::<i64>())
        }));
    }
    let mut granted = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(q) => granted += q,
            Err(StoreError::Domain(jxc_core::Error::InsufficientStock { .. })) => refused += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    // 16 requests of 1,2,3,1,2,3… ask for 31 units; only 20 exist.
    assert!(granted <= 20, "oversold: {granted} reserved of 20");
    assert!(refused > 0);
    let (a, b) = (balance(&s, x, f.a).await, balance(&s, x, f.b).await);
    assert_eq!(a.1 + b.1, granted);
    assert!(a.1 <= a.0 && b.1 <= b.0);
}

pub async fn every_change_is_in_the_audit_log(s: Shared) {
    let x = sku(&s, "AU").await;
    let before = s.get_sku(x).await.unwrap().unwrap();
    let merged = NewSku::merge(
        Some(&before.fields),
        &SkuInput {
            name: Some("改名".into()),
            ..Default::default()
        },
    )
    .unwrap();
    s.update_sku(x, &merged, &actor()).await.unwrap();
    let f = AuditFilter {
        entity: Some("sku".into()),
        entity_id: Some(x.0.to_string()),
        ..Default::default()
    };
    let log = s
        .list_audit(
            &f,
            &PageRequest {
                limit: 10,
                after: None,
                desc: true,
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        log.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        vec!["update", "create"]
    );
    assert_eq!(log[0].actor, "tester");
    assert_eq!(log[0].before.as_ref().unwrap()["name"], "商品 AU");
    assert_eq!(log[0].after.as_ref().unwrap()["name"], "改名");
    let wf = warehouse(&s, "WH").await;
    let doc = post(
        &s,
        DocumentKind::Receipt,
        wf.wh,
        vec![line(x, wf.a, 1, Some(1))],
    )
    .await
    .unwrap();
    let f = AuditFilter {
        entity: Some("stock_document".into()),
        entity_id: Some(doc.summary.id.0.to_string()),
        ..Default::default()
    };
    assert_eq!(
        s.list_audit(&f, &page(10)).await.unwrap().items[0].action,
        "post"
    );
}

pub async fn filters_with_sql_metacharacters_are_harmless(s: Shared) {
    sku(&s, "SAFE").await;
    for q in ["%", "_", "' OR 1=1 --", "\\", "'; DROP TABLE skus; --"] {
        let f = SkuFilter {
            list: ListFilter {
                q: Some(q.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(
            s.list_skus(&f, &page(10)).await.unwrap().items.is_empty(),
            "{q}"
        );
        let f = BalanceFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        assert!(
            s.list_balances(&f, &page(10))
                .await
                .unwrap()
                .items
                .is_empty(),
            "{q}"
        );
    }
    assert!(s.get_sku_by_code("SAFE").await.unwrap().is_some());
}

/// Raw SQL straight on the backend's database, bypassing the store (test only).
pub type RawSql = Box<
    dyn Fn(&'static str) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64>> + Send>>
        + Send
        + Sync,
>;

/// The ledger and documents refuse UPDATE and DELETE; a balance changed behind jxc's back
/// is reported by `jxc check`.
pub async fn the_ledger_is_append_only_and_check_finds_a_tampered_balance(s: Shared, raw: RawSql) {
    let f = warehouse(&s, "WH").await;
    let x = sku(&s, "TAMPER").await;
    post(
        &s,
        DocumentKind::Receipt,
        f.wh,
        vec![line(x, f.a, 5, Some(100))],
    )
    .await
    .unwrap();
    for sql in [
        "UPDATE stock_moves SET qty = 6",
        "DELETE FROM stock_moves",
        "UPDATE stock_documents SET note = 'x'",
        "DELETE FROM audit_log",
    ] {
        let e = raw(sql).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    assert_check_clean(&s).await;
    raw("UPDATE stock_balances SET on_hand = on_hand + 1, value = value + 7")
        .await
        .unwrap();
    let (observed, negative) = s.observe().await.unwrap();
    let diffs = compare(&observed, |sku| negative.contains(&sku));
    let whats: Vec<&str> = diffs.iter().map(|d| d.what).collect();
    assert_eq!(whats, vec!["on_hand", "value"], "{diffs:?}");
    assert_eq!((diffs[0].expected, diffs[0].found), (5, 6));
}

/// Every page of the stock summary, walked `limit` rows at a time.
pub async fn summary_pages(
    s: &Shared,
    f: &SummaryFilter,
    limit: u32,
    desc: bool,
) -> Vec<SummaryRow> {
    let mut out = Vec::new();
    let mut req = PageRequest {
        limit,
        after: None,
        desc,
    };
    loop {
        let p = s.stock_summary(f, &req).await.unwrap();
        assert!(p.items.len() <= limit as usize);
        out.extend(p.items);
        match p.next {
            Some(n) => req.after = Some(jxc_core::paging::Cursor::decode(&n).unwrap()),
            None => break,
        }
    }
    out
}

pub async fn the_stock_summary_sums_by_sku_and_by_warehouse_in_pages(s: Shared) {
    let sh = warehouse(&s, "SH").await;
    let gz = warehouse(&s, "GZ").await;
    let a = sku(&s, "SUM-A").await;
    let b = sku(&s, "SUM-B").await;
    let c = sku(&s, "SUM-C").await;
    sku(&s, "SUM-NONE").await;
    post(
        &s,
        DocumentKind::Receipt,
        sh.wh,
        vec![
            line(a, sh.a, 10, Some(1250)),
            line(a, sh.b, 2, Some(1250)),
            line(b, sh.a, 3, Some(100)),
        ],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        gz.wh,
        vec![line(a, gz.a, 5, Some(1000)), line(c, gz.a, 1, Some(7))],
    )
    .await
    .unwrap();
    reserve(&s, a, sh.wh, 4, "SO-1").await.unwrap();
    // C is all issued: a zero balance is not listed.
    post(&s, DocumentKind::Issue, gz.wh, vec![line(c, gz.a, 1, None)])
        .await
        .unwrap();

    let by_sku = SummaryFilter::default();
    let rows = summary_pages(&s, &by_sku, 1, false).await;
    let codes: Vec<&str> = rows.iter().map(|r| r.sku_code.as_str()).collect();
    assert_eq!(codes, vec!["SUM-A", "SUM-B"]);
    let ra = &rows[0];
    assert_eq!(
        (ra.on_hand, ra.reserved, ra.available, ra.value),
        (17, 4, 13, Fen(12 * 1250 + 5 * 1000))
    );
    assert_eq!(ra.warehouse_id, None);
    assert_eq!((rows[1].on_hand, rows[1].value), (3, Fen(300)));
    let back = summary_pages(&s, &by_sku, 1, true).await;
    assert_eq!(
        back.iter().map(|r| r.sku_code.as_str()).collect::<Vec<_>>(),
        vec!["SUM-B", "SUM-A"]
    );

    let by_wh = SummaryFilter {
        by: SummaryBy::SkuWarehouse,
        ..Default::default()
    };
    let rows = summary_pages(&s, &by_wh, 1, false).await;
    let got: Vec<(&str, &str, i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.sku_code.as_str(),
                r.warehouse_code.as_str(),
                r.on_hand,
                r.available,
                r.value.0,
            )
        })
        .collect();
    let (first, second) = if sh.wh.0 < gz.wh.0 {
        (("SH", 12, 8, 15000), ("GZ", 5, 5, 5000))
    } else {
        (("GZ", 5, 5, 5000), ("SH", 12, 8, 15000))
    };
    assert_eq!(
        got,
        vec![
            ("SUM-A", first.0, first.1, first.2, first.3),
            ("SUM-A", second.0, second.1, second.2, second.3),
            ("SUM-B", "SH", 3, 3, 300),
        ]
    );
    assert_eq!(rows[0].warehouse_name, format!("{} 仓", first.0));

    // Filters: one warehouse, one SKU, text.
    let only_gz = SummaryFilter {
        warehouse_id: Some(gz.wh),
        ..Default::default()
    };
    let rows = summary_pages(&s, &only_gz, 10, false).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].sku_id, rows[0].on_hand), (a, 5));
    let one = SummaryFilter {
        by: SummaryBy::SkuWarehouse,
        sku_id: Some(b),
        ..Default::default()
    };
    assert_eq!(summary_pages(&s, &one, 10, false).await.len(), 1);
    let text = SummaryFilter {
        q: Some("sum-b".into()),
        ..Default::default()
    };
    let rows = summary_pages(&s, &text, 10, false).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].sku_id, b);
    for q in ["%", "_", "' OR 1=1 --"] {
        let f = SummaryFilter {
            q: Some(q.into()),
            available_at_most: Some(1000),
            ..Default::default()
        };
        assert!(summary_pages(&s, &f, 10, false).await.is_empty(), "{q}");
    }
}

pub async fn low_stock_lists_active_stock_skus_at_or_under_the_threshold_even_without_stock(
    s: Shared,
) {
    let sh = warehouse(&s, "SH").await;
    let gz = warehouse(&s, "GZ").await;
    let none = sku(&s, "LOW-NONE").await;
    let three = sku(&s, "LOW-THREE").await;
    let many = sku(&s, "LOW-MANY").await;
    let held = sku(&s, "LOW-HELD").await;
    let mut off = sku_input("LOW-OFF");
    off.active = Some(false);
    s.create_sku(&NewSku::parse(&off).unwrap(), &actor())
        .await
        .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        sh.wh,
        vec![
            line(three, sh.a, 3, Some(100)),
            line(many, sh.a, 50, Some(100)),
            line(held, sh.a, 20, Some(100)),
        ],
    )
    .await
    .unwrap();
    post(
        &s,
        DocumentKind::Receipt,
        gz.wh,
        vec![line(three, gz.a, 40, Some(100))],
    )
    .await
    .unwrap();
    // 20 on hand, 16 reserved: 4 available is low.
    reserve(&s, held, sh.wh, 16, "SO-9").await.unwrap();

    let codes =
        |rows: Vec<SummaryRow>| -> Vec<String> { rows.into_iter().map(|r| r.sku_code).collect() };
    let low = SummaryFilter {
        available_at_most: Some(5),
        ..Default::default()
    };
    // Over every warehouse THREE has 43 available.
    assert_eq!(
        codes(summary_pages(&s, &low, 1, false).await),
        vec!["LOW-HELD", "LOW-NONE"]
    );
    let rows = summary_pages(&s, &low, 10, false).await;
    let held_row = rows.iter().find(|r| r.sku_id == held).unwrap();
    assert_eq!(
        (held_row.on_hand, held_row.reserved, held_row.available),
        (20, 16, 4)
    );
    let none_row = rows.iter().find(|r| r.sku_id == none).unwrap();
    assert_eq!((none_row.on_hand, none_row.value), (0, Fen(0)));
    // In 上海 alone THREE has 3.
    let low_sh = SummaryFilter {
        warehouse_ids: vec![sh.wh],
        ..low.clone()
    };
    assert_eq!(
        codes(summary_pages(&s, &low_sh, 2, false).await),
        vec!["LOW-HELD", "LOW-NONE", "LOW-THREE"]
    );
    let low_sh = SummaryFilter {
        warehouse_id: Some(sh.wh),
        ..low.clone()
    };
    assert_eq!(summary_pages(&s, &low_sh, 10, false).await.len(), 3);
    // In 广州 alone everything but THREE is out of stock.
    let low_gz = SummaryFilter {
        warehouse_ids: vec![gz.wh],
        ..low.clone()
    };
    assert_eq!(
        codes(summary_pages(&s, &low_gz, 10, false).await),
        vec!["LOW-HELD", "LOW-MANY", "LOW-NONE"]
    );
    // The count on the dashboard agrees with the list over every warehouse.
    assert_eq!(s.low_stock_count(5).await.unwrap(), 2);
}

pub async fn lists_keep_to_the_warehouses_a_user_is_limited_to(s: Shared) {
    let sh = warehouse(&s, "SH").await;
    let gz = warehouse(&s, "GZ").await;
    let bj = warehouse(&s, "BJ").await;
    let x = sku(&s, "LIMIT-X").await;
    for f in [&sh, &gz, &bj] {
        post(
            &s,
            DocumentKind::Receipt,
            f.wh,
            vec![line(x, f.a, 10, Some(100))],
        )
        .await
        .unwrap();
        reserve(&s, x, f.wh, 1, "SO").await.unwrap();
    }
    let mine = vec![sh.wh, bj.wh];
    let mut seen: Vec<WarehouseId> = s
        .list_balances(
            &BalanceFilter {
                warehouse_ids: mine.clone(),
                nonzero: true,
                ..Default::default()
            },
            &page(100),
        )
        .await
        .unwrap()
        .items
        .iter()
        .map(|b| b.warehouse_id)
        .collect();
    seen.dedup();
    seen.sort();
    let mut want = mine.clone();
    want.sort();
    assert_eq!(seen, want);
    // A warehouse asked for outside the limit shows nothing.
    assert!(
        s.list_balances(
            &BalanceFilter {
                warehouse_id: Some(gz.wh),
                warehouse_ids: mine.clone(),
                ..Default::default()
            },
            &page(100),
        )
        .await
        .unwrap()
        .items
        .is_empty()
    );
    let moves = s
        .list_moves(
            &MoveFilter {
                warehouse_ids: mine.clone(),
                q: Some("limit-x".into()),
                ..Default::default()
            },
            &page(100),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(moves.len(), 2);
    assert!(moves.iter().all(|m| mine.contains(&m.warehouse_id)));
    let nothing = MoveFilter {
        q: Some("no such sku".into()),
        ..Default::default()
    };
    assert!(
        s.list_moves(&nothing, &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let docs = s
        .list_documents(
            &DocumentFilter {
                warehouse_ids: vec![gz.wh],
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].warehouse_id, gz.wh);
    let res = s
        .list_reservations(
            &ReservationFilter {
                warehouse_ids: mine.clone(),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap()
        .items;
    assert_eq!(res.len(), 2);
    let one = ReservationFilter {
        id: Some(res[1].id),
        ..Default::default()
    };
    let got = s.list_reservations(&one, &page(10)).await.unwrap().items;
    assert_eq!(got, vec![res[1].clone()]);
    let summary = SummaryFilter {
        by: SummaryBy::SkuWarehouse,
        warehouse_ids: mine.clone(),
        ..Default::default()
    };
    assert_eq!(summary_pages(&s, &summary, 10, false).await.len(), 2);
    let by_sku = SummaryFilter {
        warehouse_ids: mine,
        ..Default::default()
    };
    let rows = summary_pages(&s, &by_sku, 10, false).await;
    assert_eq!(
        (rows[0].on_hand, rows[0].reserved, rows[0].value),
        (20, 2, Fen(2000))
    );
}
