//! The device's side of the sync protocol as a pure state machine, in automerge's
//! shape: generate a message from the state, receive the answer into the state. The
//! app drives it over HTTP and stores it in IndexedDB; the simulation tests drive it
//! directly, against a server built from [`super::plan_push`] and [`crate::apply_op`].
//!
//! Like Replicache, the device keeps the server-confirmed records apart from its own
//! operations, and shows the operations applied on top of the confirmed records. An
//! operation leaves the outbox when the server has dealt with it; if it was applied it
//! is still shown on top until a pull has certainly brought its effect back, so an
//! acknowledged change never flickers away; if it was rejected it moves to the
//! rejected list with the server's reason and the view rolls it back visibly.

use super::{pending_view, PullResponse, PushRequest, PushResponse, MAX_PUSH_OPS};
use crate::hlc::{Clock, Hlc};
use crate::ids::{DeviceId, OpId, RecordId, StaffId};
use crate::op::{Op, OpBody};
use crate::record::{Outcome, Record};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// An operation the server refused, kept with its reason so the person who made the
/// change can see what happened to it. Never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedOp {
    /// The operation as it was made.
    pub op: Op,
    /// The server's stable code, e.g. `illegal_transition`.
    pub code: String,
    /// The server's sentence for the person who made the change.
    pub reason: String,
    /// Whether the server kept it for a supervisor to accept or reject
    /// ([`Outcome::Held`]) rather than refusing it: it may yet be applied, by them, not
    /// by trying again here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held: bool,
}

/// An operation the server applied, shown on top of the confirmed records until a
/// pull brings its effect back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckedOp {
    /// The operation.
    pub op: Op,
    /// The value of [`Replica::acks`] when it was acknowledged.
    pub ack: u64,
}

/// What the device asks a pull for, and what it needs back with the answer: send
/// `cursor` to the server, and hand the ticket to [`Replica::receive_pull`] with the
/// response to that very request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullTicket {
    /// The cursor to send.
    pub cursor: u64,
    /// How many acknowledgements the device had received when it asked. Operations
    /// acknowledged by then were committed before the server answered, so a last page
    /// of the answer certainly contains them.
    pub acks_before: u64,
}

/// Why a change is still in the outbox or still shown on top of the confirmed records,
/// for the outbox screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// Never sent: the device has been offline since the change was made.
    NotSent,
    /// Sent, but no answer has come back; it is sent again until one does.
    AwaitingAnswer,
    /// The server accepted it; the device is waiting to download the result.
    AwaitingDownload,
}

impl Waiting {
    /// The sentence the outbox screen shows.
    pub fn explain(self) -> &'static str {
        match self {
            Waiting::NotSent => "Saved on this device. It will be sent when the device is back online.",
            Waiting::AwaitingAnswer => {
                "Sent, but the server has not answered yet. It will be sent again; it cannot be applied twice."
            }
            Waiting::AwaitingDownload => "Accepted by the server. Waiting to download the latest version of the case.",
        }
    }
}

/// One device's sync state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replica {
    /// The device.
    pub device: DeviceId,
    /// Its hybrid logical clock.
    pub clock: Clock,
    /// The last sequence number issued.
    pub last_seq: u64,
    /// Operations the server has not yet dealt with, in sequence order.
    pub outbox: Vec<Op>,
    /// Operations the server applied whose effect a pull has not yet certainly brought.
    pub acked: Vec<AckedOp>,
    /// How many push responses acknowledged something; orders acks against pulls.
    pub acks: u64,
    /// The records as the server last sent them.
    pub confirmed: BTreeMap<RecordId, Record>,
    /// The pull cursor: every change up to this version of the server's log is here.
    pub cursor: u64,
    /// Operations the server refused, with why.
    pub rejected: Vec<RejectedOp>,
    /// The highest sequence number ever sent in a push (see [`Replica::mark_sent`]).
    #[serde(default)]
    pub sent_through: u64,
}

impl Replica {
    /// A device that has never synced.
    pub fn new(device: DeviceId) -> Self {
        Self {
            clock: Clock::new(device.clone()),
            device,
            last_seq: 0,
            outbox: Vec::new(),
            acked: Vec::new(),
            acks: 0,
            confirmed: BTreeMap::new(),
            cursor: 0,
            rejected: Vec::new(),
            sent_through: 0,
        }
    }

    /// Makes an operation from a person's change at `now_ms` and puts it in the outbox.
    /// `id` is a fresh UUID from the caller (the core makes no randomness).
    pub fn make(&mut self, id: OpId, actor: StaffId, record: RecordId, body: OpBody, now_ms: u64) -> &Op {
        self.last_seq += 1;
        let op = Op {
            id,
            device: self.device.clone(),
            seq: self.last_seq,
            hlc: self.clock.tick(now_ms),
            actor,
            record,
            body,
            signature: None,
        };
        self.outbox.push(op);
        self.outbox.last().expect("just pushed")
    }

    /// The operations still shown on top of the confirmed records, in the order they
    /// were made.
    pub fn pending(&self) -> impl Iterator<Item = &Op> {
        self.acked.iter().map(|a| &a.op).chain(self.outbox.iter())
    }

    /// What the device shows for one record.
    pub fn view(&self, id: &RecordId) -> Option<Record> {
        pending_view(self.confirmed.get(id), self.pending().filter(|op| &op.record == id))
    }

    /// What the device shows for every record it knows.
    pub fn views(&self) -> BTreeMap<RecordId, Record> {
        let ids: BTreeSet<&RecordId> = self.confirmed.keys().chain(self.pending().map(|op| &op.record)).collect();
        ids.into_iter().filter_map(|id| self.view(id).map(|r| (id.clone(), r))).collect()
    }

    /// The clock of a field's value as this device shows it: what a change to that
    /// field replaces.
    pub fn seen_field(&self, record: &RecordId, field: &str) -> Option<Hlc> {
        self.view(record)?.fields.get(field).map(|r| r.clock.clone())
    }

    /// The clock of a checklist step's state as this device shows it.
    pub fn seen_step(&self, record: &RecordId, run: &str, step: &str) -> Option<Hlc> {
        self.view(record)?.checklists.get(run)?.steps.get(step).map(|r| r.clock.clone())
    }

    /// The next push to send, if anything is waiting: the oldest operations first.
    pub fn generate_push(&self) -> Option<PushRequest> {
        if self.outbox.is_empty() {
            return None;
        }
        let ops = self.outbox.iter().take(MAX_PUSH_OPS).cloned().collect();
        Some(PushRequest { device: self.device.clone(), ops })
    }

    /// Notes that a push has been handed to the transport, so the outbox screen can say
    /// that its changes are waiting for an answer rather than not yet sent.
    pub fn mark_sent(&mut self, request: &PushRequest) {
        if let Some(last) = request.ops.last() {
            self.sent_through = self.sent_through.max(last.seq);
        }
    }

    /// Every change still waiting, oldest first, with why.
    pub fn waiting(&self) -> Vec<(&Op, Waiting)> {
        let acked = self.acked.iter().map(|a| (&a.op, Waiting::AwaitingDownload));
        let outbox = self.outbox.iter().map(|op| {
            let why = if op.seq <= self.sent_through { Waiting::AwaitingAnswer } else { Waiting::NotSent };
            (op, why)
        });
        acked.chain(outbox).collect()
    }

    /// Takes in the server's answer to a push (any push: a late, repeated or reordered
    /// answer is harmless). Returns the operations newly rejected.
    pub fn receive_push(&mut self, response: &PushResponse) -> Vec<RejectedOp> {
        let outcomes: BTreeMap<u64, &Outcome> = response
            .results
            .iter()
            .filter(|r| r.seq <= response.applied_through)
            .map(|r| (r.seq, &r.outcome))
            .collect();
        let (done, waiting): (Vec<Op>, Vec<Op>) =
            std::mem::take(&mut self.outbox).into_iter().partition(|op| op.seq <= response.applied_through);
        self.outbox = waiting;
        if done.is_empty() {
            return Vec::new();
        }
        self.acks += 1;
        let mut newly_rejected = Vec::new();
        for op in done {
            match outcomes.get(&op.seq) {
                Some(Outcome::Rejected { code, reason }) => {
                    newly_rejected.push(RejectedOp { op, code: code.clone(), reason: reason.clone(), held: false });
                }
                // Kept by the server without being applied: rolled back here like a
                // refusal, and shown with why, until a supervisor decides.
                Some(Outcome::Held { code, reason }) => {
                    newly_rejected.push(RejectedOp { op, code: code.clone(), reason: reason.clone(), held: true });
                }
                // Applied, or dealt with in an earlier push whose answer was lost: the
                // server's log has it either way; show it until a pull confirms it.
                _ => self.acked.push(AckedOp { op, ack: self.acks }),
            }
        }
        self.rejected.extend(newly_rejected.iter().cloned());
        newly_rejected
    }

    /// The next pull to ask for.
    pub fn generate_pull(&self) -> PullTicket {
        PullTicket { cursor: self.cursor, acks_before: self.acks }
    }

    /// Takes in one page of a pull, given the ticket of the request it answers. Newer
    /// versions of records replace older ones; older pages arriving late change
    /// nothing. Returns whether another page is waiting.
    pub fn receive_pull(&mut self, ticket: &PullTicket, response: PullResponse) -> bool {
        for record in response.records {
            witness_record(&mut self.clock, &record);
            let newer = self.confirmed.get(&record.id).is_none_or(|held| record.version > held.version);
            if newer {
                self.confirmed.insert(record.id.clone(), record);
            }
        }
        // A page asked for from an older cursor still covers everything up to its own
        // cursor, because it starts at or before what is already here.
        if ticket.cursor <= self.cursor {
            self.cursor = self.cursor.max(response.cursor);
        }
        if !response.more && ticket.cursor <= self.cursor {
            self.acked.retain(|a| a.ack > ticket.acks_before);
        }
        response.more
    }

    /// Whether the device has nothing waiting to reach the server or come back from it.
    pub fn is_settled(&self) -> bool {
        self.outbox.is_empty() && self.acked.is_empty()
    }
}

/// Moves the device clock past every timestamp in a record from the server, so that
/// an edit made after seeing a value always sorts after it (last writer wins means
/// the person who saw it last, not the device with the fastest clock).
fn witness_record(clock: &mut Clock, record: &Record) {
    let registers = record.fields.values().chain(record.checklists.values().flat_map(|run| run.steps.values()));
    let latest = registers
        .map(|r| &r.clock)
        .chain(record.timeline.iter().map(|e| &e.clock))
        .chain(record.conflicts.iter().map(|c| &c.other.clock))
        .chain(record.archived.iter())
        .chain(std::iter::once(&record.created_at))
        .max();
    if let Some(latest) = latest {
        clock.witness(latest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Collection;
    use crate::protocol::OpResult;

    fn create_body(name: &str) -> OpBody {
        let fields = [("patient_name", name), ("kind", "sign_up")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields }
    }

    fn applied(op: &Op) -> OpResult {
        OpResult { op: op.id.clone(), seq: op.seq, outcome: Outcome::Applied }
    }

    fn confirmed(op: &Op, version: u64) -> Record {
        let mut record = Record::create(op).unwrap();
        record.version = version;
        record
    }

    #[test]
    fn a_change_is_shown_at_once_and_stays_shown_until_a_later_pull_confirms_it() {
        let mut tablet = Replica::new("tablet".into());
        let case = RecordId::from("case-1");
        let op = tablet.make("op-1".into(), "ana".into(), case.clone(), create_body("Ada"), 1_000).clone();
        assert_eq!(tablet.view(&case).unwrap().field("patient_name"), Some("Ada"));
        let push = tablet.generate_push().unwrap();
        assert_eq!(push.ops, std::slice::from_ref(&op));

        // A pull asked for before the acknowledgement does not drop the change.
        let early = tablet.generate_pull();
        tablet.receive_push(&PushResponse { applied_through: 1, results: vec![applied(&op)] });
        assert!(tablet.outbox.is_empty());
        tablet.receive_pull(&early, PullResponse { records: vec![], cursor: 0, more: false });
        assert_eq!(tablet.view(&case).unwrap().field("patient_name"), Some("Ada"));

        let later = tablet.generate_pull();
        tablet.receive_pull(&later, PullResponse { records: vec![confirmed(&op, 1)], cursor: 1, more: false });
        assert!(tablet.is_settled());
        assert_eq!(tablet.view(&case).unwrap().version, 1);
    }

    #[test]
    fn a_rejected_change_rolls_back_with_the_reason() {
        let mut tablet = Replica::new("tablet".into());
        let case = RecordId::from("case-1");
        let create = tablet.make("op-1".into(), "ana".into(), case.clone(), create_body("Ada"), 1_000).clone();
        tablet.receive_push(&PushResponse { applied_through: 1, results: vec![applied(&create)] });
        let ticket = tablet.generate_pull();
        tablet.receive_pull(&ticket, PullResponse { records: vec![confirmed(&create, 1)], cursor: 1, more: false });

        let seen = tablet.seen_field(&case, "status");
        let body = OpBody::SetField { field: "status".into(), value: "closed".into(), replaces: seen };
        let close = tablet.make("op-2".into(), "ana".into(), case.clone(), body, 2_000).clone();
        assert_eq!(tablet.view(&case).unwrap().field("status"), Some("closed"));
        let refusal = Outcome::Rejected { code: "forbidden".into(), reason: "You no longer work at this site".into() };
        let rejected = tablet.receive_push(&PushResponse {
            applied_through: 2,
            results: vec![OpResult { op: close.id.clone(), seq: 2, outcome: refusal }],
        });
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].reason, "You no longer work at this site");
        assert_eq!(tablet.view(&case).unwrap().field("status"), Some("new"));
        // The same answer delivered twice records the rejection once.
        tablet.receive_push(&PushResponse { applied_through: 2, results: vec![] });
        assert_eq!(tablet.rejected.len(), 1);
    }

    #[test]
    fn a_held_change_leaves_the_outbox_and_is_kept_with_why_not_shown_as_saved() {
        let mut tablet = Replica::new("tablet".into());
        let case = RecordId::from("case-1");
        let create = tablet.make("op-1".into(), "ana".into(), case.clone(), create_body("Ada"), 1_000).clone();
        let held = Outcome::Held { code: "author_deactivated".into(), reason: "a supervisor will decide".into() };
        let kept = tablet.receive_push(&PushResponse {
            applied_through: 1,
            results: vec![OpResult { op: create.id.clone(), seq: 1, outcome: held }],
        });
        assert!(tablet.outbox.is_empty() && tablet.acked.is_empty(), "the server has it; it is not pending here");
        assert_eq!(tablet.view(&case), None, "not shown as if it were applied");
        assert!(kept[0].held);
        assert_eq!(tablet.rejected, kept);
    }

    #[test]
    fn late_pages_never_move_the_cursor_back_or_replace_newer_records() {
        let mut tablet = Replica::new("tablet".into());
        let mut other = Replica::new("desk".into());
        let case = RecordId::from("case-1");
        let create = other.make("op-1".into(), "ben".into(), case.clone(), create_body("Ada"), 1_000).clone();
        let old = tablet.generate_pull();
        let mut newer = confirmed(&create, 5);
        newer.fields.get_mut("patient_name").unwrap().value = "Ada King".into();
        let fresh = tablet.generate_pull();
        tablet.receive_pull(&fresh, PullResponse { records: vec![newer], cursor: 5, more: false });
        tablet.receive_pull(&old, PullResponse { records: vec![confirmed(&create, 1)], cursor: 1, more: false });
        assert_eq!(tablet.cursor, 5);
        assert_eq!(tablet.view(&case).unwrap().field("patient_name"), Some("Ada King"));
    }

    #[test]
    fn edits_after_a_pull_sort_after_what_was_pulled_even_with_a_slow_clock() {
        let mut fast = Replica::new("fast".into());
        let case = RecordId::from("case-1");
        let create = fast.make("op-1".into(), "ben".into(), case.clone(), create_body("Ada"), 9_000_000).clone();
        let mut slow = Replica::new("slow".into());
        let ticket = slow.generate_pull();
        slow.receive_pull(&ticket, PullResponse { records: vec![confirmed(&create, 1)], cursor: 1, more: false });
        let seen = slow.seen_field(&case, "patient_name");
        let body = OpBody::SetField { field: "patient_name".into(), value: "Ada King".into(), replaces: seen };
        let edit = slow.make("op-2".into(), "ana".into(), case, body, 1_000).clone();
        assert!(edit.hlc > create.hlc);
    }

    #[test]
    fn the_outbox_says_why_each_change_is_waiting() {
        let mut tablet = Replica::new("tablet".into());
        let case = RecordId::from("case-1");
        let create = tablet.make("op-1".into(), "ana".into(), case.clone(), create_body("Ada"), 1_000).clone();
        let push = tablet.generate_push().unwrap();
        tablet.mark_sent(&push);
        tablet.make("op-2".into(), "ana".into(), case, OpBody::AppendNote { text: "Rang back".into() }, 2_000);
        let why: Vec<Waiting> = tablet.waiting().into_iter().map(|(_, w)| w).collect();
        assert_eq!(why, [Waiting::AwaitingAnswer, Waiting::NotSent]);
        tablet.receive_push(&PushResponse { applied_through: 1, results: vec![applied(&create)] });
        let why: Vec<(u64, Waiting)> = tablet.waiting().into_iter().map(|(op, w)| (op.seq, w)).collect();
        assert_eq!(why, [(1, Waiting::AwaitingDownload), (2, Waiting::NotSent)]);
        assert!(Waiting::NotSent.explain().contains("back online"));
    }

    #[test]
    fn the_state_reloads_from_json_including_older_saves() {
        let mut tablet = Replica::new("tablet".into());
        tablet.make("op-1".into(), "ana".into(), "case-1".into(), create_body("Ada"), 1_000);
        let saved = serde_json::to_value(&tablet).unwrap();
        assert_eq!(serde_json::from_value::<Replica>(saved.clone()).unwrap(), tablet);
        let mut older = saved;
        older.as_object_mut().unwrap().remove("sent_through");
        assert_eq!(serde_json::from_value::<Replica>(older).unwrap().sent_through, 0);
    }
}
