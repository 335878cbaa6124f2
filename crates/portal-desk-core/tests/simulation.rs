//! Deterministic simulation of the sync protocol: six devices and one server, driven by
//! a seeded random generator through random edits to shared cases and checklists,
//! under a hostile network, and checked against the guarantees the product makes.
//!
//! The server side is what the real server does, minus storage: `plan_push` to find
//! replays and the next operations, the clock-drift check, `apply_op`, a record of each
//! operation's outcome for replays, and a change log whose positions are the record
//! versions that pulls page through with `pull_page`. Its stored state is serialised
//! to JSON and read back at every simulated restart. The device side is
//! `protocol::client::Replica`, the same state machine the app drives.
//!
//! Faults: devices go offline for random periods; requests are dropped before the
//! server sees them; responses are dropped after the server committed; messages are
//! delivered twice and out of order; the server restarts, losing what was in flight;
//! tablets restart, reloading their sync state from storage;
//! one device's clock sometimes runs ten minutes fast, so the server refuses its
//! operations; people make edits the server will reject (illegal status changes,
//! steps whose preconditions are not done, invalid values, conflicts someone else
//! already resolved, attestations in another person's name).
//!
//! After a final quiet period in which every device syncs fully, it asserts that:
//! every replica shows exactly the server's records; every operation any device made
//! was dealt with by the server exactly once (applied or rejected, never both, never
//! twice) and every applied note is in its timeline exactly once; and every concurrent
//! edit (one whose author had not seen the value it replaced) produced a conflict
//! record, still open unless someone resolved it — and no other conflicts exist.
//!
//! `cargo test -p portal-desk-core --test simulation` runs 300 seeds, plus 100 seeds in
//! which six devices fight over a few hot cases, plus long runs for the fast clock.
//! For a long run:
//! `SIM_SEEDS=20000 cargo test --release -p portal-desk-core --test simulation`
//! (and `SIM_FIRST_SEED=n` to start elsewhere). A failing seed is printed; keep it as a
//! named regression test at the bottom of this file.

use portal_desk_core::case::{CaseKind, Collection};
use portal_desk_core::checklist::{StepKind, TICKED};
use portal_desk_core::hlc::check_drift;
use portal_desk_core::protocol::client::{PullTicket, Replica};
use portal_desk_core::protocol::{plan_push, pull_page, OpResult, PullResponse, PushRequest, PushResponse, PushStep};
use portal_desk_core::templates;
use portal_desk_core::{apply_op, DeviceId, Op, OpBody, OpId, Outcome, Record, RecordId, StaffId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[path = "support/splitmix.rs"]
mod splitmix;
use splitmix::Rng;

/// The simulation's one draw of its own on the shared generator.
trait Chance {
    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool;
}

impl Chance for Rng {
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What the server keeps in its database.
#[derive(Default, Serialize, Deserialize)]
struct Stored {
    records: BTreeMap<RecordId, Record>,
    /// The change log: each version and the record it changed.
    log: Vec<(u64, RecordId)>,
    head: u64,
    last_seq: BTreeMap<DeviceId, u64>,
    outcomes: BTreeMap<DeviceId, BTreeMap<u64, (OpId, Outcome)>>,
}

/// What the test knows that the server does not: its oracle.
#[derive(Default)]
struct Oracle {
    replays: u64,
    applications: BTreeMap<OpId, u32>,
    expected_conflicts: BTreeSet<OpId>,
    resolved: BTreeSet<OpId>,
    made: Vec<Op>,
}

/// The server: a pull page size small enough to exercise paging.
const PAGE: usize = 3;

impl Stored {
    fn push(&mut self, request: &PushRequest, now_ms: u64, oracle: &mut Oracle) -> Option<PushResponse> {
        let last = self.last_seq.get(&request.device).copied().unwrap_or(0);
        // A refused batch is an HTTP error: the device learns nothing and tries again.
        let steps = plan_push(&request.device, last, &request.ops).ok()?;
        let mut results = Vec::new();
        let mut applied_through = last;
        for step in steps {
            match step {
                PushStep::Replay(op) => {
                    oracle.replays += 1;
                    let (id, outcome) = self.outcomes[&op.device][&op.seq].clone();
                    assert_eq!(id, op.id, "a replay carries the same operation");
                    results.push(OpResult { op: op.id.clone(), seq: op.seq, outcome });
                }
                PushStep::Apply(op) => {
                    let outcome = self.apply(op, now_ms, oracle);
                    self.outcomes
                        .entry(op.device.clone())
                        .or_default()
                        .insert(op.seq, (op.id.clone(), outcome.clone()));
                    applied_through = op.seq;
                    results.push(OpResult { op: op.id.clone(), seq: op.seq, outcome });
                }
            }
        }
        self.last_seq.insert(request.device.clone(), applied_through);
        Some(PushResponse { applied_through, results })
    }

    fn apply(&mut self, op: &Op, now_ms: u64, oracle: &mut Oracle) -> Outcome {
        if let Err(error) = check_drift(&op.hlc, now_ms) {
            return Outcome::Rejected { code: "clock_ahead".into(), reason: error.to_string() };
        }
        *oracle.applications.entry(op.id.clone()).or_default() += 1;
        let stored = self.records.get(&op.record).cloned();
        let concurrent = stored.as_ref().and_then(|record| was_concurrent(record, op));
        let (changed, outcome) = apply_op(stored, op);
        if let Some(mut record) = changed {
            self.head += 1;
            record.version = self.head;
            self.log.push((self.head, record.id.clone()));
            if concurrent == Some(true) {
                oracle.expected_conflicts.insert(op.id.clone());
                assert!(record.conflicts.iter().any(|c| c.op == op.id), "concurrent edit {} left no conflict", op.id);
            }
            if let OpBody::ResolveConflict { conflict, .. } = &op.body {
                oracle.resolved.insert(conflict.clone());
            }
            self.records.insert(record.id.clone(), record);
        }
        outcome
    }

    fn pull(&self, cursor: u64) -> PullResponse {
        let mut changed: Vec<Record> = self.records.values().filter(|r| r.version > cursor).cloned().collect();
        changed.sort_by_key(|r| r.version);
        pull_page(changed, self.head, cursor, PAGE)
    }

    fn restart(&mut self) {
        let saved = serde_json::to_string(self).expect("server state serialises");
        *self = serde_json::from_str(&saved).expect("server state reloads");
    }
}

/// Whether an edit was made without seeing the value it replaces, and changes it:
/// worked out from the stored record, independently of the merge code.
fn was_concurrent(record: &Record, op: &Op) -> Option<bool> {
    let (current, value, replaces) = match &op.body {
        OpBody::SetField { field, value, replaces } => (record.fields.get(field), value, replaces),
        OpBody::SetStep { run, step, value, replaces } => {
            (record.checklists.get(run).and_then(|r| r.steps.get(step)), value, replaces)
        }
        _ => return None,
    };
    let current = current?;
    Some(replaces.as_ref() != Some(&current.clock) && &current.value != value)
}

enum Message {
    Push(usize, PushRequest),
    PushAnswer(usize, PushResponse),
    Pull(usize, PullTicket),
    PullAnswer(usize, PullTicket, PullResponse),
}

struct Device {
    replica: Replica,
    staff: StaffId,
    online: bool,
    skew_ms: i64,
    made: u64,
}

struct World {
    /// The share of edits (in percent) that open a new case; the rest change a case
    /// the device shows. Fewer new cases means hotter cases and more conflicts.
    create_percent: usize,
    stats: BTreeMap<String, u64>,
    rng: Rng,
    now_ms: u64,
    server: Stored,
    oracle: Oracle,
    devices: Vec<Device>,
    network: VecDeque<Message>,
}

const DEVICES: usize = 6;
const KINDS: [CaseKind; 4] =
    [CaseKind::IdentityVerification, CaseKind::ProxyAccess, CaseKind::PasswordReset, CaseKind::ConsultationTriage];

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        let devices = (0..DEVICES)
            .map(|d| Device {
                replica: Replica::new(DeviceId::from(format!("device-{d}"))),
                staff: StaffId::from(format!("staff-{d}")),
                online: true,
                skew_ms: rng.below(120_001) as i64 - 60_000,
                made: 0,
            })
            .collect();
        // Monday 23 November 2026, 09:00 UTC.
        World {
            create_percent: 8,
            stats: BTreeMap::new(),
            rng,
            now_ms: 1_795_424_400_000,
            server: Stored::default(),
            oracle: Oracle::default(),
            devices,
            network: VecDeque::new(),
        }
    }

    fn device_now(&self, d: usize) -> u64 {
        (self.now_ms as i64 + self.devices[d].skew_ms) as u64
    }

    fn count(&mut self, what: &str) {
        *self.stats.entry(what.to_owned()).or_default() += 1;
    }

    /// One random thing happens.
    fn step(&mut self) {
        self.now_ms += self.rng.below(4_000) as u64;
        match self.rng.below(100) {
            0..=34 => {
                let d = self.rng.below(DEVICES);
                self.edit(d);
            }
            35..=49 => {
                let d = self.rng.below(DEVICES);
                if self.devices[d].online {
                    if let Some(push) = self.devices[d].replica.generate_push() {
                        self.devices[d].replica.mark_sent(&push);
                        self.network.push_back(Message::Push(d, push));
                    }
                }
            }
            50..=61 => {
                let d = self.rng.below(DEVICES);
                if self.devices[d].online {
                    let ticket = self.devices[d].replica.generate_pull();
                    self.network.push_back(Message::Pull(d, ticket));
                }
            }
            62..=91 => self.deliver_one(true),
            92..=95 => {
                let d = self.rng.below(DEVICES);
                self.devices[d].online = !self.devices[d].online;
            }
            96 if self.rng.chance(50) => {
                // The fast-clock tablet: ten minutes ahead for a while, then corrected.
                let fast = &mut self.devices[DEVICES - 1];
                fast.skew_ms = if fast.skew_ms > 300_000 { 0 } else { 600_000 };
            }
            96 => {
                // A tablet is closed and reopened: the app reloads its sync state from
                // storage, as JSON.
                let d = self.rng.below(DEVICES);
                self.count("device restarts");
                let saved = serde_json::to_string(&self.devices[d].replica).expect("device state serialises");
                self.devices[d].replica = serde_json::from_str(&saved).expect("device state reloads");
            }
            97 => {
                self.count("server restarts");
                self.server.restart();
                self.network.retain(|m| matches!(m, Message::PushAnswer(..) | Message::PullAnswer(..)));
            }
            _ => self.now_ms += self.rng.below(3_600_000) as u64,
        }
    }

    /// Delivers one message from anywhere in the queue (reordering), sometimes dropping
    /// it and sometimes leaving a copy to be delivered again (duplication).
    fn deliver_one(&mut self, faulty: bool) {
        if self.network.is_empty() {
            return;
        }
        let at = if faulty { self.rng.below(self.network.len()) } else { 0 };
        let message = self.network.remove(at).expect("index in range");
        if faulty && at + 1 < self.network.len() {
            self.count("delivered out of order");
        }
        if faulty && self.rng.chance(10) {
            self.count(match message {
                Message::Push(..) => "push dropped before the server",
                Message::PushAnswer(..) => "push answer dropped after commit",
                Message::Pull(..) => "pull dropped",
                Message::PullAnswer(..) => "pull answer dropped",
            });
            return;
        }
        if faulty && self.rng.chance(10) {
            self.count("delivered twice");
            let copy = match &message {
                Message::Push(d, r) => Message::Push(*d, r.clone()),
                Message::PushAnswer(d, r) => Message::PushAnswer(*d, r.clone()),
                Message::Pull(d, t) => Message::Pull(*d, *t),
                Message::PullAnswer(d, t, r) => Message::PullAnswer(*d, *t, r.clone()),
            };
            self.network.push_back(copy);
        }
        match message {
            Message::Push(d, request) => {
                if let Some(answer) = self.server.push(&request, self.now_ms, &mut self.oracle) {
                    self.network.push_back(Message::PushAnswer(d, answer));
                }
            }
            Message::Pull(d, ticket) => {
                let answer = self.server.pull(ticket.cursor);
                self.network.push_back(Message::PullAnswer(d, ticket, answer));
            }
            Message::PushAnswer(d, answer) => {
                if self.devices[d].online {
                    for rejected in self.devices[d].replica.receive_push(&answer) {
                        self.count(&format!("rejected: {}", rejected.code));
                    }
                } else {
                    self.count("answer lost: device offline");
                }
            }
            Message::PullAnswer(d, ticket, answer) => {
                if self.devices[d].online {
                    let more = self.devices[d].replica.receive_pull(&ticket, answer);
                    self.check_caught_up(d);
                    if more {
                        let next = self.devices[d].replica.generate_pull();
                        self.network.push_back(Message::Pull(d, next));
                    }
                }
            }
        }
    }

    /// A person on device `d` makes a random change to what their device shows.
    fn edit(&mut self, d: usize) {
        let views = self.devices[d].replica.views();
        let known: Vec<&Record> = views.values().collect();
        let choice = self.rng.below(100);
        let body_and_record = if known.is_empty() || choice < self.create_percent {
            let kind = *self.rng.pick(&KINDS);
            let n = self.devices[d].made;
            let fields = [("patient_name", "Ada Lovelace"), ("kind", kind.code())]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into();
            let id = RecordId::from(format!("case-{d}-{n}"));
            Some((id, OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields }))
        } else {
            let record = *self.rng.pick(&known);
            // Choices 0 to 7 mean "create" at the usual rate; otherwise pick a change.
            let choice = if choice < 8 { 8 + self.rng.below(92) } else { choice };
            self.change_to(d, record, choice)
        };
        let Some((record, body)) = body_and_record else { return };
        let now = self.device_now(d);
        let device = &mut self.devices[d];
        device.made += 1;
        let id = OpId::from(format!("op-{d}-{}", device.made));
        let op = device.replica.make(id, device.staff.clone(), record, body, now).clone();
        self.oracle.made.push(op);
    }

    fn change_to(&mut self, d: usize, record: &Record, choice: usize) -> Option<(RecordId, OpBody)> {
        let id = record.id.clone();
        let seen = |field: &str| record.fields.get(field).map(|r| r.clock.clone());
        let body = match choice {
            8..=37 => {
                let (field, values): (&str, &[&str]) = *self.rng.pick(&[
                    ("summary", &["Locked out", "Cannot see results", "Wants proxy for mum"][..]),
                    ("priority", &["urgent", "high", "normal", "low", "sky-high"][..]),
                    ("owner", &["staff-0", "staff-1", "staff-2"][..]),
                    ("status", &["in_progress", "waiting_on_patient", "escalated", "resolved", "closed", "new"][..]),
                    ("patient_name", &["Ada Lovelace", "Ada King", "Augusta Ada Byron"][..]),
                ]);
                let value = (*self.rng.pick(values)).to_owned();
                // Now and then a person edits a stale screen: they replace an older value.
                let replaces = if self.rng.chance(10) { None } else { seen(field) };
                OpBody::SetField { field: field.to_owned(), value, replaces }
            }
            38..=47 => OpBody::AppendNote { text: format!("Called the patient ({d})") },
            48..=57 => {
                let kind = record.case_kind()?;
                let template = templates::for_kind(kind);
                OpBody::StartChecklist { run: "sop".into(), template: template.id.clone(), version: template.version }
            }
            58..=87 => {
                let run = record.checklists.get("sop")?;
                let template = templates::find(&run.template, run.version)?;
                let step = self.rng.pick(&template.steps);
                let value = match &step.kind {
                    _ if self.rng.chance(10) => String::new(),
                    StepKind::Tick => TICKED.to_owned(),
                    StepKind::Text => self.rng.pick(&["Seen", "Checked on the phone"]).to_string(),
                    StepKind::Choice { options } => self.rng.pick(options).code.clone(),
                    StepKind::Date => self.rng.pick(&["2016-05-01", "1950-01-31", "2012-02-29"]).to_string(),
                    StepKind::StaffAttestation => {
                        let other = self.rng.below(DEVICES);
                        format!("staff-{}", if self.rng.chance(80) { d } else { other })
                    }
                };
                let replaces = run.steps.get(&step.id).map(|r| r.clock.clone());
                OpBody::SetStep { run: "sop".into(), step: step.id.clone(), value, replaces }
            }
            88..=96 => {
                let conflict = record.conflicts.get(self.rng.below(record.conflicts.len().max(1)))?;
                let value = if self.rng.chance(50) { &conflict.kept.value } else { &conflict.other.value };
                OpBody::ResolveConflict { conflict: conflict.op.clone(), value: value.clone() }
            }
            _ => OpBody::Archive,
        };
        Some((id, body))
    }

    /// Everyone comes online and syncs until nothing moves.
    fn settle(&mut self) {
        for device in &mut self.devices {
            device.online = true;
            device.skew_ms = device.skew_ms.min(60_000);
        }
        // Let the fast clock's operations fall within the drift the server allows.
        self.now_ms += 3_600_000;
        for _round in 0..1_000 {
            while !self.network.is_empty() {
                self.deliver_one(false);
            }
            let busy: Vec<usize> = (0..DEVICES).filter(|&d| !self.devices[d].replica.outbox.is_empty()).collect();
            for &d in &busy {
                let push = self.devices[d].replica.generate_push().expect("outbox not empty");
                self.network.push_back(Message::Push(d, push));
            }
            let stale: Vec<usize> = (0..DEVICES)
                .filter(|&d| {
                    let replica = &self.devices[d].replica;
                    !replica.is_settled() || replica.cursor < self.server.head
                })
                .collect();
            if busy.is_empty() && stale.is_empty() {
                return;
            }
            if busy.is_empty() {
                for &d in &stale {
                    let ticket = self.devices[d].replica.generate_pull();
                    self.network.push_back(Message::Pull(d, ticket));
                }
            }
        }
        panic!("the system did not settle");
    }

    /// Checked after every pull answer, not just at the end: a device holds every change
    /// up to its cursor, at that version or a later one, so a late or repeated page can
    /// never take it back in time. (A record changed again after the cursor is exempt:
    /// its newer version is on a later page.)
    fn check_caught_up(&self, d: usize) {
        let replica = &self.devices[d].replica;
        for (version, id) in self.server.log.iter().take_while(|(v, _)| *v <= replica.cursor) {
            let held = replica.confirmed.get(id).map(|r| r.version);
            let moved_on = self.server.records[id].version > replica.cursor;
            assert!(
                moved_on || held.is_some_and(|h| h >= *version),
                "{} is at cursor {} but holds {id} at {held:?}, older than version {version}",
                replica.device,
                replica.cursor
            );
        }
    }

    fn check(&self) {
        let server = &self.server.records;
        for device in &self.devices {
            let replica = &device.replica;
            assert!(replica.is_settled(), "{} still has changes waiting", replica.device);
            assert_eq!(&replica.confirmed, server, "{} confirmed state differs from the server", replica.device);
            assert_eq!(&replica.views(), server, "{} shows something the server does not hold", replica.device);
        }
        for op in &self.oracle.made {
            let (id, outcome) = self.server.outcomes[&op.device]
                .get(&op.seq)
                .unwrap_or_else(|| panic!("operation {} never reached the server", op.id));
            assert_eq!(id, &op.id);
            let applications = self.oracle.applications.get(&op.id).copied().unwrap_or(0);
            assert!(applications <= 1, "operation {} was applied {applications} times", op.id);
            if let (Outcome::Applied, OpBody::AppendNote { .. }) = (outcome, &op.body) {
                let times = server[&op.record].timeline.iter().filter(|e| e.op == op.id).count();
                assert_eq!(times, 1, "note {} is in the timeline {times} times", op.id);
            }
        }
        let open: BTreeSet<OpId> = server.values().flat_map(|r| r.conflicts.iter().map(|c| c.op.clone())).collect();
        let expected: BTreeSet<OpId> =
            self.oracle.expected_conflicts.difference(&self.oracle.resolved).cloned().collect();
        assert_eq!(open, expected, "open conflicts are exactly the unresolved concurrent edits");
    }
}

/// Runs one seed to the end and checks it; returns what happened, counted.
fn run(seed: u64, steps: usize) -> BTreeMap<String, u64> {
    run_with(seed, steps, 8)
}

/// Runs one seed with a given share of edits that open new cases.
fn run_with(seed: u64, steps: usize, create_percent: usize) -> BTreeMap<String, u64> {
    let mut world = World::new(seed);
    world.create_percent = create_percent;
    for _ in 0..steps {
        world.step();
    }
    world.settle();
    world.check();
    let mut stats = world.stats;
    stats.insert("operations made".into(), world.oracle.made.len() as u64);
    stats.insert("operations applied".into(), world.oracle.applications.len() as u64);
    stats.insert("replays answered from the stored outcome".into(), world.oracle.replays);
    stats.insert("concurrent edits (conflicts recorded)".into(), world.oracle.expected_conflicts.len() as u64);
    stats.insert("conflicts resolved".into(), world.oracle.resolved.len() as u64);
    stats
}

/// Runs seeds, fails with the first failing seed, and returns the totals.
fn run_seeds(first: u64, count: u64, steps: usize) -> BTreeMap<String, u64> {
    run_seeds_with(first, count, steps, 8)
}

/// Runs seeds with a given share of edits that open new cases.
fn run_seeds_with(first: u64, count: u64, steps: usize, create_percent: usize) -> BTreeMap<String, u64> {
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    for seed in first..first + count {
        let outcome = std::panic::catch_unwind(|| run_with(seed, steps, create_percent));
        match outcome {
            Ok(stats) => {
                for (what, n) in stats {
                    *totals.entry(what).or_default() += n;
                }
            }
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                panic!(
                    "seed {seed} failed: {message}\n\
                     Keep it as a regression test: run_with({seed}, {steps}, {create_percent})"
                );
            }
        }
    }
    if std::env::var_os("SIM_STATS").is_some() {
        eprintln!("{totals:#?}");
    }
    totals
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn replicas_converge_and_every_operation_is_dealt_with_once_across_many_seeds() {
    let totals = run_seeds(env_u64("SIM_FIRST_SEED", 0), env_u64("SIM_SEEDS", 300), 250);
    // The run must have exercised every fault and every kind of refusal it claims to.
    for what in [
        "push dropped before the server",
        "push answer dropped after commit",
        "pull answer dropped",
        "delivered twice",
        "delivered out of order",
        "server restarts",
        "device restarts",
        "answer lost: device offline",
        "replays answered from the stored outcome",
        "concurrent edits (conflicts recorded)",
        "conflicts resolved",
        "rejected: illegal_transition",
        "rejected: precondition_not_met",
        "rejected: invalid_field",
        "rejected: invalid_step",
    ] {
        assert!(totals.get(what).copied().unwrap_or(0) > 0, "no '{what}' in the run: {totals:#?}");
    }
}

#[test]
fn a_few_hot_cases_edited_everywhere_converge_with_every_conflict_recorded() {
    // One edit in a hundred opens a case: six devices fight over a handful of cases and
    // their checklists, so concurrent edits and resolutions are common.
    let totals = run_seeds_with(env_u64("SIM_FIRST_SEED", 0) + 500_000, env_u64("SIM_SEEDS", 300) / 3, 250, 1);
    let conflicts = totals["concurrent edits (conflicts recorded)"];
    assert!(conflicts >= 100 && totals["conflicts resolved"] > 0, "too few conflicts for a hot run: {totals:#?}");
}

#[test]
fn a_clock_far_ahead_is_refused_and_converges_once_corrected() {
    // Long runs give the fast-clock tablet time to be refused and then catch up.
    let totals = run_seeds(1_000_000, 3, 1_000);
    assert!(totals.get("rejected: clock_ahead").copied().unwrap_or(0) > 0, "{totals:#?}");
}

#[test]
fn the_simulated_server_refuses_what_the_real_one_refuses() {
    // Sanity check of the harness itself: a device's operations reach the server only in
    // sequence, and a lost response is answered from the stored outcome on replay.
    let mut world = World::new(7);
    world.edit(0);
    let push = world.devices[0].replica.generate_push().unwrap();
    let first = world.server.push(&push, world.now_ms, &mut world.oracle).unwrap();
    world.server.restart();
    let replay = world.server.push(&push, world.now_ms, &mut world.oracle).unwrap();
    assert_eq!(first, replay);
    assert_eq!(world.oracle.applications.values().sum::<u32>(), 1);
    let mut gap = push.clone();
    gap.ops[0].seq = 5;
    assert!(world.server.push(&gap, world.now_ms, &mut world.oracle).is_none());
}

// Seeds that once failed, kept by name. Both were found while building the harness's
// catch-up check. A seed names a scenario only for the generator of its day: when the
// generator changes (as it did when device restarts were added) it becomes one more
// seed, still worth running, and a new failure gets a new named test.

/// Seed 0 showed that a device may, mid-pull, be past a version of a record that has
/// since changed again: the newer version is on a later page. The catch-up check
/// exempts exactly that case and nothing more.
#[test]
fn seed_0_a_page_can_pass_a_record_that_changed_again() {
    run(0, 250);
}

/// Seed 22 failed when a device let a late page replace a newer record it held (a
/// deliberately broken `receive_pull`): the device went back in time for good, which
/// the end-state check alone did not notice.
#[test]
fn seed_22_a_late_page_never_takes_a_device_back_in_time() {
    run(22, 250);
}
