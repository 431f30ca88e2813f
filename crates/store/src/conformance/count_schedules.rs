//! Conformance: 循环盘点计划 — schedules are kept, changed, deactivated and audited; a
//! due run creates the count and moves the schedule in one transaction, creates no second
//! count while the last is open, skips a scope with no stock, and a run the caller saw as
//! due but that ran elsewhere does nothing.

use jxc_core::ids::WarehouseId;
use jxc_core::inventory::DocumentKind;
use jxc_core::inventory::count::{CountScope, CountStatus, NewCount};
use jxc_core::inventory::count_schedule::{CountScheduleInput, NewCountSchedule};

use super::{Shared, actor, line, page, post, sku, warehouse};
use crate::{AuditFilter, CountScheduleFilter, ScheduleOutcome, ScheduleRun, StoreError};

const DAY: i64 = 86_400_000;
/// 2026-05-01 00:00 China time.
const T0: i64 = 1_777_564_800_000;

fn input(wh: WarehouseId, codes: &str) -> CountScheduleInput {
    CountScheduleInput {
        warehouse_id: wh.0,
        scope: "skus".into(),
        sku_codes: codes.into(),
        blind: true,
        recount_qty: 2,
        every_days: 7,
        next_due: "2026-05-01".into(),
        ..Default::default()
    }
}

fn schedule(i: &CountScheduleInput) -> NewCountSchedule {
    NewCountSchedule::parse(i, 0).unwrap()
}

/// The run the app makes of schedule `s` at `now`.
fn run_of(s: &crate::CountSchedule, now: i64) -> ScheduleRun {
    ScheduleRun {
        due_at: s.next_due_at,
        next_due_at: jxc_core::inventory::count_schedule::next_due_after(
            s.next_due_at,
            s.every_days,
            now,
        ),
        now,
        count: NewCount::parse(&s.count_input()).unwrap(),
        sales_since: 0,
    }
}

pub async fn count_schedules_are_kept_changed_deactivated_and_audited(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let gz = warehouse(&s, "GZ").await;
    let created = s
        .create_count_schedule(&schedule(&input(hz.wh, "TEE CAP")), &actor())
        .await
        .unwrap();
    assert_eq!(created.warehouse_id, hz.wh);
    assert_eq!(
        (created.scope.as_str(), created.sku_codes.as_str()),
        ("skus", "CAP,TEE")
    );
    assert!(created.blind && created.active);
    assert_eq!(created.recount.qty, 2);
    assert_eq!((created.every_days, created.next_due_at), (7, T0));
    assert_eq!(created.last_count_id, None);
    assert_eq!(created.last_outcome, "");
    assert_eq!(
        s.get_count_schedule(created.id).await.unwrap(),
        Some(created.clone())
    );

    let zone = CountScheduleInput {
        warehouse_id: gz.wh.0,
        scope: "zone".into(),
        zone: "A".into(),
        every_days: 30,
        next_due: String::new(),
        ..Default::default()
    };
    let other = s
        .create_count_schedule(&schedule(&zone), &actor())
        .await
        .unwrap();

    // A change replaces every field a person sets.
    let changed = s
        .update_count_schedule(
            created.id,
            &schedule(&CountScheduleInput {
                every_days: 14,
                blind: false,
                next_due: "2026-05-03 08:00".into(),
                ..input(hz.wh, "MUG")
            }),
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(changed.every_days, 14);
    assert_eq!(changed.next_due_at, T0 + 2 * DAY + 8 * 3_600_000);
    assert_eq!(changed.sku_codes, "MUG");
    assert!(!changed.blind);
    assert_eq!(changed.created_at, created.created_at);

    let off = s
        .set_count_schedule_active(other.id, false, &actor())
        .await
        .unwrap();
    assert!(!off.active);

    // Lists: by warehouse, by the user's warehouses, active or not, in pages.
    let all = s
        .list_count_schedules(&CountScheduleFilter::default(), &page(1))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
    assert!(all.next.is_some());
    let active = s
        .list_count_schedules(
            &CountScheduleFilter {
                active: Some(true),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(
        active.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![created.id]
    );
    let in_gz = s
        .list_count_schedules(
            &CountScheduleFilter {
                warehouse_ids: vec![gz.wh],
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(
        in_gz.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![other.id]
    );

    // Only active, due schedules are due.
    let due = s.due_count_schedules(T0 + 100 * DAY, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![created.id]
    );
    assert!(s.due_count_schedules(T0, 10).await.unwrap().is_empty());

    // A missing warehouse or schedule is refused.
    let e = s
        .create_count_schedule(&schedule(&input(WarehouseId(999_999), "TEE")), &actor())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(f) if f.field == "warehouse_id"),
        "{e:?}"
    );
    let e = s
        .set_count_schedule_active(999_999, false, &actor())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "{e:?}");

    let audit = s
        .list_audit(
            &AuditFilter {
                entity: Some("count_schedule".into()),
                entity_id: Some(created.id.to_string()),
                ..Default::default()
            },
            &page(10),
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"update"),
        "{actions:?}"
    );
}

pub async fn a_due_schedule_creates_one_count_at_a_time_and_moves_on(s: Shared) {
    let hz = warehouse(&s, "HZ").await;
    let tee = sku(&s, "TEE").await;
    post(
        &s,
        DocumentKind::Receipt,
        hz.wh,
        vec![line(tee, hz.a, 10, Some(100))],
    )
    .await
    .unwrap();
    let sched = s
        .create_count_schedule(&schedule(&input(hz.wh, "TEE")), &actor())
        .await
        .unwrap();

    // Due at T0, run an hour late: a count, and the next due is a week after T0.
    let now = T0 + 3_600_000;
    let first = match s
        .run_count_schedule(sched.id, &run_of(&sched, now), &actor())
        .await
        .unwrap()
    {
        ScheduleOutcome::Created { count } => count,
        other => panic!("{other:?}"),
    };
    assert_eq!(first.warehouse_id, hz.wh);
    assert!(first.blind);
    assert_eq!(first.recount.qty, 2);
    assert_eq!(
        first.scope,
        CountScope::Skus {
            codes: vec!["TEE".into()]
        }
    );
    assert_eq!(first.progress.lines, 1);
    let after = s.get_count_schedule(sched.id).await.unwrap().unwrap();
    assert_eq!(after.next_due_at, T0 + 7 * DAY);
    assert_eq!(after.last_count_id, Some(first.id));
    assert_eq!(
        (after.last_run_at, after.last_outcome.as_str()),
        (Some(now), "created")
    );

    // The same run again (a second scheduler saw the same due time): nothing.
    let again = s
        .run_count_schedule(sched.id, &run_of(&sched, now), &actor())
        .await
        .unwrap();
    assert_eq!(again, ScheduleOutcome::NotDue);

    // A week on, the first count is still open: no second count, the schedule moves on.
    let now = T0 + 7 * DAY;
    let open = s
        .run_count_schedule(sched.id, &run_of(&after, now), &actor())
        .await
        .unwrap();
    assert_eq!(open, ScheduleOutcome::StillOpen { count_id: first.id });
    let after = s.get_count_schedule(sched.id).await.unwrap().unwrap();
    assert_eq!(after.next_due_at, T0 + 14 * DAY);
    assert_eq!(after.last_outcome, "still_open");
    assert_eq!(after.last_count_id, Some(first.id));

    // Once it is cancelled (or posted), the next run counts again.
    s.cancel_count(first.id, &actor()).await.unwrap();
    let second = match s
        .run_count_schedule(sched.id, &run_of(&after, T0 + 14 * DAY), &actor())
        .await
        .unwrap()
    {
        ScheduleOutcome::Created { count } => count,
        other => panic!("{other:?}"),
    };
    assert_ne!(second.id, first.id);
    assert_eq!(second.status, CountStatus::Counting);

    // Nothing in stock within the scope: no count, and the schedule still moves on.
    let empty = s
        .create_count_schedule(&schedule(&input(hz.wh, "NOTHING")), &actor())
        .await
        .unwrap();
    let now = T0 + 30 * DAY;
    let r = s
        .run_count_schedule(empty.id, &run_of(&empty, now), &actor())
        .await
        .unwrap();
    assert_eq!(r, ScheduleOutcome::NoStock);
    let after = s.get_count_schedule(empty.id).await.unwrap().unwrap();
    // Four weeks missed are skipped: the next is the first due time after now.
    assert_eq!(after.next_due_at, T0 + 35 * DAY);
    assert_eq!(
        (after.last_outcome.as_str(), after.last_count_id),
        ("no_stock", None)
    );

    // An inactive schedule does not run.
    let off = s
        .set_count_schedule_active(empty.id, false, &actor())
        .await
        .unwrap();
    let r = s
        .run_count_schedule(empty.id, &run_of(&off, T0 + 40 * DAY), &actor())
        .await
        .unwrap();
    assert_eq!(r, ScheduleOutcome::NotDue);
    let counts = s
        .list_counts(&crate::CountFilter::default(), &page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(counts.len(), 2);
}
