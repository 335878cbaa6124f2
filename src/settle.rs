//! The stored pieces of the device's sync state fed through the core's own state
//! machine ([`Replica`]), so the app and the core's simulation follow exactly the same
//! rules: what leaves the outbox after a push, what stays shown until a pull brings
//! it back, what a pull page changes. Pure, so it is tested natively.
//!
//! The store keeps the replica's parts in separate IndexedDB stores and reads only the
//! parts a step needs; these functions build a partial [`Replica`] from them, run the
//! core's step, and say what to write back.

use portal_desk_core::protocol::client::{AckedOp, PullTicket, RejectedOp, Replica};
use portal_desk_core::protocol::{PullResponse, PushResponse};
use portal_desk_core::{Clock, DeviceId, Op, Record, RecordId};
use std::collections::BTreeMap;

/// What to write after a push answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushSettlement {
    /// Every outbox entry up to and including this sequence number leaves the outbox:
    /// the server has dealt with it.
    pub done_through: u64,
    /// Operations the server applied; they stay shown until a pull brings them back.
    pub acked: Vec<AckedOp>,
    /// Operations the server rejected, with its reason. Never silently dropped.
    pub rejected: Vec<RejectedOp>,
    /// The new count of acknowledging answers.
    pub acks: u64,
}

/// Settles a push answer. `done` holds the outbox operations with sequence numbers up
/// to `response.applied_through`; `acks` is the stored acknowledgement count.
pub fn settle_push(device: &DeviceId, done: Vec<Op>, acks: u64, response: &PushResponse) -> PushSettlement {
    let mut replica = Replica::new(device.clone());
    replica.outbox = done;
    replica.acks = acks;
    let rejected = replica.receive_push(response);
    PushSettlement { done_through: response.applied_through, acked: replica.acked, rejected, acks: replica.acks }
}

/// The state a pull page needs, read from the store.
#[derive(Clone, Debug)]
pub struct PullState {
    /// The device's clock.
    pub clock: Clock,
    /// The stored versions of the records on the page (those the device already has).
    pub held: Vec<Record>,
    /// Every acknowledged operation still shown.
    pub acked: Vec<AckedOp>,
    /// The stored cursor.
    pub cursor: u64,
}

/// What to write after a pull page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSettlement {
    /// Records to store (the newer of held and received).
    pub records: Vec<Record>,
    /// The new cursor.
    pub cursor: u64,
    /// The clock, having witnessed the page.
    pub clock: Clock,
    /// The acknowledged operations still to show; the rest are now confirmed.
    pub acked: Vec<AckedOp>,
    /// Whether another page is waiting.
    pub more: bool,
}

/// Takes in one pull page, asked for with `ticket`.
pub fn settle_pull(device: &DeviceId, state: PullState, ticket: &PullTicket, page: PullResponse) -> PullSettlement {
    let mut replica = Replica::new(device.clone());
    replica.clock = state.clock;
    replica.confirmed = state.held.into_iter().map(|r| (r.id.clone(), r)).collect();
    replica.acked = state.acked;
    replica.cursor = state.cursor;
    let more = replica.receive_pull(ticket, page);
    PullSettlement {
        records: replica.confirmed.into_values().collect(),
        cursor: replica.cursor,
        clock: replica.clock,
        acked: replica.acked,
        more,
    }
}

/// Everything the screens need to show records: confirmed state, acknowledged
/// operations not yet pulled back, and the outbox, read together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalState {
    /// Confirmed records.
    pub records: Vec<Record>,
    /// Applied operations still shown on top.
    pub acked: Vec<AckedOp>,
    /// Operations waiting to be pushed.
    pub outbox: Vec<Op>,
}

impl LocalState {
    /// The core's replica for reading views (the clock and counters are not needed).
    pub fn replica(self, device: &DeviceId) -> Replica {
        let mut replica = Replica::new(device.clone());
        replica.confirmed = self.records.into_iter().map(|r| (r.id.clone(), r)).collect::<BTreeMap<RecordId, Record>>();
        replica.acked = self.acked;
        replica.outbox = self.outbox;
        replica
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::Collection;
    use portal_desk_core::protocol::OpResult;
    use portal_desk_core::{Hlc, OpBody, OpId, Outcome, StaffId};

    fn op(seq: u64, body: OpBody) -> Op {
        Op {
            id: OpId::from(format!("op-{seq}")),
            device: DeviceId::from("tablet"),
            seq,
            hlc: Hlc { wall_ms: 1_000 + seq, counter: 0, device: DeviceId::from("tablet") },
            actor: StaffId::from("asha"),
            record: RecordId::from("case-1"),
            body,
            signature: None,
        }
    }

    fn create() -> Op {
        let fields = [("patient_name", "Ada"), ("kind", "sign_up")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        op(1, OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields })
    }

    fn result(op: &Op, outcome: Outcome) -> OpResult {
        OpResult { op: op.id.clone(), seq: op.seq, outcome }
    }

    #[test]
    fn applied_ops_are_acked_and_rejected_ones_keep_their_reason() {
        let done = vec![create(), op(2, OpBody::AppendNote { text: " ".into() })];
        let rejected = Outcome::Rejected { code: "invalid_field".into(), reason: "Write something".into() };
        let response = PushResponse {
            applied_through: 2,
            results: vec![result(&done[0], Outcome::Applied), result(&done[1], rejected)],
        };
        let settled = settle_push(&"tablet".into(), done.clone(), 4, &response);
        assert_eq!(settled.done_through, 2);
        assert_eq!(settled.acks, 5);
        assert_eq!(settled.acked, vec![AckedOp { op: done[0].clone(), ack: 5 }]);
        assert_eq!(settled.rejected.len(), 1);
        assert_eq!(settled.rejected[0].op, done[1]);
        assert_eq!(settled.rejected[0].reason, "Write something");
    }

    #[test]
    fn an_acked_change_stays_shown_until_a_pull_asked_after_the_ack_completes() {
        let device = DeviceId::from("tablet");
        let created = create();
        let response = PushResponse { applied_through: 1, results: vec![result(&created, Outcome::Applied)] };
        let pushed = settle_push(&device, vec![created.clone()], 0, &response);

        // Shown from the acked list while the server's copy has not arrived.
        let local = LocalState { records: vec![], acked: pushed.acked.clone(), outbox: vec![] };
        assert!(local.replica(&device).view(&created.record).is_some());

        let mut record = Record::create(&created).unwrap();
        record.version = 1;
        let state = PullState { clock: Clock::new(device.clone()), held: vec![], acked: pushed.acked, cursor: 0 };
        let ticket = PullTicket { cursor: 0, acks_before: pushed.acks };
        let page = PullResponse { records: vec![record.clone()], cursor: 1, more: false };
        let pulled = settle_pull(&device, state, &ticket, page);
        assert_eq!(pulled.records, vec![record]);
        assert_eq!(pulled.cursor, 1);
        assert!(pulled.acked.is_empty(), "the pull brought the change back");
        assert!(pulled.clock.last.wall_ms >= created.hlc.wall_ms, "the clock witnessed the page");
        assert!(!pulled.more);
    }
}
