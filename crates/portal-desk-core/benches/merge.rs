//! A plain benchmark of the core's hot paths, as the server and a busy device use them:
//! merging 100,000 operations into 10,000 cases through `apply_op` (the server's one
//! entry point), and computing the service-level state of 10,000 cases with their
//! status histories in a site calendar with summer time, bank holidays and protected
//! learning time; and signing and verifying those 100,000 operations (HMAC-SHA256 over
//! their canonical bytes, as a device signs and the server checks each one). Prints the
//! median and spread of several runs as a table.
//!
//! Run: `cargo bench -p portal-desk-core --bench merge` (optionally `BENCH_RUNS=n`).

use portal_desk_core::calendar::{Closure, OpeningHours, SiteCalendar};
use portal_desk_core::case::{CaseKind, Collection};
use portal_desk_core::checklist::TICKED;
use portal_desk_core::signing::{verify_op, OpKey};
use portal_desk_core::sla::SlaState;
use portal_desk_core::zone::{TimeZone, UtcOffsetChange};
use portal_desk_core::{apply_op, DeviceId, Hlc, Op, OpBody, OpId, Outcome, Record, RecordId, StaffId};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const CASES: usize = 10_000;
const OPS: usize = 100_000;
const DEVICES: u64 = 20;
/// Monday 2 November 2026, 08:00 UTC.
const START_MS: u64 = 1_793_606_400_000;

// SplitMix64, so every run merges the same operations.
#[path = "../tests/support/splitmix.rs"]
mod splitmix;
use splitmix::Rng;

fn op(n: u64, device: u64, wall_ms: u64, record: usize, body: OpBody) -> Op {
    let device = DeviceId::from(format!("device-{device}"));
    Op {
        id: OpId::from(format!("op-{n}")),
        seq: n,
        hlc: Hlc { wall_ms, counter: 0, device: device.clone() },
        device,
        actor: StaffId::from("staff-1"),
        record: RecordId::from(format!("case-{record}")),
        body,
        signature: None,
    }
}

/// The creates (each with its checklist started) and then the edits, as the server
/// would receive them: field edits (a fifth of them concurrent), status changes,
/// notes and checklist steps spread over a month.
fn workload() -> (Vec<Op>, Vec<Op>) {
    let mut rng = Rng(42);
    let kinds = [CaseKind::IdentityVerification, CaseKind::PasswordReset, CaseKind::RecordQuery, CaseKind::SignUp];
    let mut setup = Vec::with_capacity(CASES * 2);
    for case in 0..CASES {
        let kind = kinds[case % kinds.len()];
        let at = START_MS + case as u64 * 60_000;
        let fields = [("patient_name", "Ada Lovelace"), ("kind", kind.code()), ("priority", "normal")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let n = setup.len() as u64;
        setup.push(op(
            n,
            0,
            at,
            case,
            OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields },
        ));
        let template = portal_desk_core::templates::for_kind(kind);
        let start = OpBody::StartChecklist { run: "sop".into(), template: template.id.clone(), version: 1 };
        setup.push(op(n + 1, 0, at + 1, case, start));
    }
    let mut edits = Vec::with_capacity(OPS);
    let statuses = ["in_progress", "waiting_on_patient", "in_progress", "escalated", "resolved"];
    // The clock of the last write to each (case, field or step), so that most edits
    // replace the value their author saw and one in five is concurrent.
    let mut last: HashMap<(usize, &str), Hlc> = HashMap::new();
    for n in 0..OPS as u64 {
        let case = rng.below(CASES);
        let at = START_MS + CASES as u64 * 60_000 + n * 20_000;
        let device = 1 + rng.below(DEVICES as usize - 1) as u64;
        let mut edit = op(n + 1_000_000, device, at, case, OpBody::Archive);
        let seen = rng.below(5) != 0;
        let mut replaces = |slot: &'static str, clock: &Hlc| {
            let previous = last.insert((case, slot), clock.clone());
            if seen {
                previous.or_else(|| {
                    Some(Hlc {
                        wall_ms: START_MS + case as u64 * 60_000,
                        counter: 0,
                        device: DeviceId::from("device-0"),
                    })
                })
            } else {
                None
            }
        };
        edit.body = match rng.below(10) {
            0..=3 => {
                let field = *rng.pick(&["summary", "owner", "patient_name"]);
                let replaces = replaces(field, &edit.hlc);
                OpBody::SetField { field: field.into(), value: format!("{field} {n}"), replaces }
            }
            4 => OpBody::SetField {
                field: "status".into(),
                value: (*rng.pick(&statuses)).into(),
                replaces: replaces("status", &edit.hlc),
            },
            5 | 6 => OpBody::AppendNote { text: format!("Called the patient back ({n})") },
            _ => {
                // A step with no preconditions in each template.
                let (step, value) = match (case % 4, rng.below(2)) {
                    (0, 0) => ("photo_id", "passport"),
                    (0, _) => ("dob_confirmed", TICKED),
                    _ => ("identified", TICKED),
                };
                let replaces = replaces(step, &edit.hlc);
                OpBody::SetStep { run: "sop".into(), step: step.into(), value: value.into(), replaces }
            }
        };
        edits.push(edit);
    }
    (setup, edits)
}

/// As the server does it: load the stored record (a copy, as a database read gives),
/// apply, and store the result if the operation changed it.
fn merge(store: &mut HashMap<RecordId, Record>, ops: &[Op]) -> usize {
    let mut applied = 0;
    for op in ops {
        let (changed, outcome) = apply_op(store.get(&op.record).cloned(), op);
        if outcome == Outcome::Applied {
            applied += 1;
        }
        if let Some(record) = changed {
            store.insert(op.record.clone(), record);
        }
    }
    applied
}

/// As a device showing pending operations does it: apply in place, no copies.
fn merge_in_place(store: &mut HashMap<RecordId, Record>, ops: &[Op]) -> usize {
    ops.iter().filter(|op| store.get_mut(&op.record).is_some_and(|record| record.apply(op) == Outcome::Applied)).count()
}

fn calendar() -> SiteCalendar {
    let zone = TimeZone {
        name: "Europe/London".into(),
        utc_offset_minutes: 0,
        changes: vec![UtcOffsetChange { from_ms: 1_806_541_200_000, offset_minutes: 60 }],
    };
    let mut calendar = SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 0)), zone);
    calendar.bank_holidays = ["2026-12-25", "2026-12-28", "2027-01-01"].iter().map(|d| d.parse().unwrap()).collect();
    // Protected learning time: the second Wednesday afternoon of each month.
    calendar.closures = [1_794_142_800_000u64, 1_796_562_000_000, 1_799_586_000_000]
        .iter()
        .map(|&start_ms| Closure {
            start_ms,
            end_ms: start_ms + 4 * 3_600_000,
            reason: "Protected learning time".into(),
        })
        .collect();
    calendar
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            black_box(f());
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2], times[runs - 1])
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    let (setup, edits) = workload();
    let mut base = HashMap::with_capacity(CASES);
    merge(&mut base, &setup);

    let mut applied = 0;
    let merged = time(runs, || {
        let mut store = base.clone();
        applied = merge(&mut store, &edits);
        store
    });
    let in_place = time(runs, || {
        let mut store = base.clone();
        merge_in_place(&mut store, &edits);
        store
    });
    // The clone of the starting store is part of each run above; time it alone so it
    // can be subtracted.
    let cloned = time(runs, || base.clone());

    let mut store = base.clone();
    merge(&mut store, &edits);
    let calendar = calendar();
    let now_ms = START_MS + CASES as u64 * 60_000 + OPS as u64 * 20_000;
    let records: Vec<&Record> = store.values().collect();
    let conflicts: usize = records.iter().map(|r| r.conflicts.len()).sum();
    let history: usize = records.iter().map(|r| r.status_history.len()).sum();
    let mut breached = 0;
    let sla = time(runs, || {
        breached =
            records.iter().filter_map(|r| r.sla(&calendar, now_ms)).filter(|s| s.state == SlaState::Breached).count();
    });

    let key = OpKey { credential: "c0ffee".repeat(5), staff: "staff-1".into(), key: "ab".repeat(32) };
    let mut signed = edits.clone();
    let signing = time(runs, || signed.iter_mut().for_each(|op| key.sign(op).expect("the actor's own key")));
    let mut verified = 0;
    let verifying = time(runs, || verified = signed.iter().filter(|op| verify_op(op, &[0xab; 32])).count());
    assert_eq!(verified, OPS, "every signature verifies");

    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1_000.0);
    let row = |what: String, t: (Duration, Duration, Duration)| {
        println!("| {what} | {} | {} | {} |", ms(t.1), ms(t.0), ms(t.2));
    };
    let per = |t: (Duration, Duration, Duration), n: usize| t.1.as_secs_f64() * 1e6 / n as f64;
    println!("portal-desk-core benchmark: {runs} runs each, release build");
    println!(
        "{applied} of {OPS} operations applied; {conflicts} conflicts and {history} status changes recorded; \
         {breached} of {CASES} cases breached"
    );
    println!();
    println!("| what | median ms | fastest ms | slowest ms |");
    println!("| --- | ---: | ---: | ---: |");
    row(format!("merge {OPS} ops into {CASES} cases, server style: load a copy, `apply_op`, store"), merged);
    row(format!("merge {OPS} ops into {CASES} cases, in place with `Record::apply`"), in_place);
    row(format!("(both above include cloning the {CASES}-case store, alone:)"), cloned);
    row(format!("service-level state of {CASES} cases"), sla);
    row(format!("sign {OPS} ops (canonical bytes, HMAC-SHA256, hex)"), signing);
    row(format!("verify {OPS} signed ops"), verifying);
    println!();
    let server_style = (merged.1.saturating_sub(cloned.1)).as_secs_f64() * 1e6 / OPS as f64;
    let in_place_style = (in_place.1.saturating_sub(cloned.1)).as_secs_f64() * 1e6 / OPS as f64;
    println!("per operation (median, store clone excluded): server style {server_style:.2} µs, in place {in_place_style:.2} µs");
    println!("per case, service-level state (median): {:.2} µs", per(sla, CASES));
    println!("per operation (median): signing {:.2} µs, verifying {:.2} µs", per(signing, OPS), per(verifying, OPS));
}
