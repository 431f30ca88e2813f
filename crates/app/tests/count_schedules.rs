//! 循环盘点计划 through the app, with the clock given: a weekly schedule creates its count
//! when due, creates no second one while the first is still open, counts again once the
//! first is posted, skips the weeks missed while the server was down instead of making
//! them up, and never leaves two of its counts open at once.

use jxc_app::count_schedules::CountScheduleRun;
use jxc_app::{Actor, App};
use jxc_core::catalog::SkuInput;
use jxc_core::inventory::count::CountStatus;
use jxc_core::inventory::count_schedule::CountScheduleInput;
use jxc_core::inventory::{DocumentInput, DocumentKind, LineInput};
use jxc_core::paging::PageRequest;
use jxc_core::users::{NewUser, Role, User};
use jxc_core::warehouses::{LocationInput, WarehouseInput};
use jxc_store::{CountFilter, ScheduleOutcome};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// 2026-05-01 00:00 China time.
const MAY_1: i64 = 1_777_564_800_000;

fn lead() -> User {
    User {
        id: jxc_core::ids::UserId(1),
        fields: NewUser {
            username: "lead".into(),
            display_name: String::new(),
            roles: vec![Role::WarehouseLead],
            warehouse_ids: Vec::new(),
            shop_ids: Vec::new(),
            active: true,
        },
        last_login_at: None,
    }
}

/// The schedule's counts that are not posted or cancelled.
async fn open_counts(app: &App, user: &User) -> Vec<i64> {
    app.counts(user, CountFilter::default(), &PageRequest::default())
        .await
        .unwrap()
        .items
        .iter()
        .filter(|k| !matches!(k.status, CountStatus::Posted | CountStatus::Cancelled))
        .map(|k| k.id)
        .collect()
}

fn created(runs: &[CountScheduleRun]) -> i64 {
    match runs {
        [r] => match &r.outcome {
            ScheduleOutcome::Created { count } => count.id,
            other => panic!("{other:?}"),
        },
        other => panic!("one run, not {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weekly_schedule_counts_on_its_days_and_never_has_two_counts_open() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&format!("sqlite://{}", dir.path().join("s.db").display()))
        .await
        .unwrap();
    let a = Actor::system("test");
    let user = lead();
    let wh = app
        .create_warehouse(
            &WarehouseInput {
                code: Some("HZ".into()),
                name: Some("杭州仓".into()),
                province: Some("浙江省".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    let loc = app
        .create_location(
            &LocationInput {
                warehouse_id: Some(wh.0),
                code: Some("A-01-01-1".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    let tee = app
        .create_sku(
            &SkuInput {
                code: Some("TEE".into()),
                name: Some("T恤".into()),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap()
        .id;
    app.post_document(
        DocumentKind::Receipt,
        &DocumentInput {
            warehouse_id: wh.0,
            lines: vec![LineInput {
                sku_id: tee.0,
                location_id: Some(loc.0),
                qty: 12,
                unit_cost: Some(1500),
                ..Default::default()
            }],
            ..Default::default()
        },
        &a,
    )
    .await
    .unwrap();

    // Bad input is named field by field and nothing is stored.
    let bad = app
        .create_count_schedule(
            &user,
            &CountScheduleInput {
                warehouse_id: wh.0,
                scope: "zone".into(),
                every_days: 0,
                next_due: "5月1日".into(),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap_err();
    let fields: Vec<String> = match &bad {
        jxc_app::Error::Invalid(v) => v.iter().map(|e| e.field.clone()).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(fields, ["zone", "every_days", "next_due"], "{bad:?}");

    // Every 7 days from 1 May, 08:00.
    let s = app
        .create_count_schedule(
            &user,
            &CountScheduleInput {
                warehouse_id: wh.0,
                scope: "skus".into(),
                sku_codes: "TEE".into(),
                blind: true,
                every_days: 7,
                next_due: "2026-05-01 08:00".into(),
                ..Default::default()
            },
            &a,
        )
        .await
        .unwrap();
    let due1 = MAY_1 + 8 * HOUR;
    assert_eq!(s.next_due_at, due1);

    // Not yet due: nothing.
    assert!(
        app.run_due_count_schedules(due1 - 1)
            .await
            .unwrap()
            .is_empty()
    );
    // Due (the scheduler comes a minute late): the first count; next due a week after
    // the due time, not after the run.
    let runs = app.run_due_count_schedules(due1 + 60_000).await.unwrap();
    let first = created(&runs);
    assert_eq!(runs[0].due, "2026-05-01 08:00");
    let k = app.count(&user, first).await.unwrap();
    assert!(k.blind);
    assert_eq!(k.progress.lines, 1);
    let s = app.count_schedule(&user, s.id).await.unwrap();
    assert_eq!(s.next_due_at, due1 + 7 * DAY);
    assert_eq!(s.last_count_id, Some(first));
    // Again the same day: not due.
    assert!(
        app.run_due_count_schedules(due1 + 2 * HOUR)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(open_counts(&app, &user).await, vec![first]);

    // Due the second time (8 May) with the first count still open: skipped, no second
    // count, and the schedule moves to 15 May.
    let runs = app.run_due_count_schedules(due1 + 7 * DAY).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].outcome,
        ScheduleOutcome::StillOpen { count_id: first }
    );
    assert_eq!(open_counts(&app, &user).await, vec![first]);
    let s = app.count_schedule(&user, s.id).await.unwrap();
    assert_eq!(s.next_due_at, due1 + 14 * DAY);
    assert_eq!(s.last_outcome, "still_open");

    // The first count is counted and posted.
    app.enter_counts(
        &user,
        first,
        &[jxc_app::counts::TypedCountInput {
            location: "A-01-01-1".into(),
            code: "TEE".into(),
            lot_no: String::new(),
            qty: 11,
        }],
        &a,
    )
    .await
    .unwrap();
    app.submit_count(&user, first, false, &a).await.unwrap();
    let posted = app.approve_count(&user, first, &a).await.unwrap();
    assert_eq!(posted.status, CountStatus::Posted);

    // 15 May: the second count.
    let runs = app.run_due_count_schedules(due1 + 14 * DAY).await.unwrap();
    let second = created(&runs);
    assert_eq!(runs[0].due, "2026-05-15 08:00");
    assert_ne!(second, first);
    assert_eq!(open_counts(&app, &user).await, vec![second]);
    app.cancel_count(&user, second, &a).await.unwrap();

    // The server was down from 16 May to 10 June: one count on its return (for the 22 May
    // due time), none for the weeks missed; next due 12 June, on the weekly rhythm.
    let back = MAY_1 + 40 * DAY;
    let runs = app.run_due_count_schedules(back).await.unwrap();
    let third = created(&runs);
    assert_eq!(runs[0].due, "2026-05-22 08:00");
    assert!(
        app.run_due_count_schedules(back + HOUR)
            .await
            .unwrap()
            .is_empty()
    );
    let s = app.count_schedule(&user, s.id).await.unwrap();
    assert_eq!(s.next_due_at, due1 + 42 * DAY);
    assert_eq!(
        jxc_core::inventory::count_schedule::due_text(s.next_due_at),
        "2026-06-12 08:00"
    );
    assert_eq!(open_counts(&app, &user).await, vec![third]);

    // Deactivated: nothing more, however late.
    app.set_count_schedule_active(&user, s.id, false, &a)
        .await
        .unwrap();
    app.cancel_count(&user, third, &a).await.unwrap();
    assert!(
        app.run_due_count_schedules(back + 100 * DAY)
            .await
            .unwrap()
            .is_empty()
    );
    let all = app
        .counts(&user, CountFilter::default(), &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(all.len(), 3);
    assert!(app.check().await.unwrap().is_clean());
}
