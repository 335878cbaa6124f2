//! Settling the outbox after a push: which operations leave it, and which move to the
//! rejected list with the server's reason. Pure, so it is tested natively.

use portal_desk_core::protocol::PushResponse;
use portal_desk_core::{Op, Outcome};
use serde::{Deserialize, Serialize};

/// An operation the server refused, kept on the device with the reason so that the
/// person can see what happened to their change. Never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedOp {
    /// The operation as it was made.
    pub op: Op,
    /// The server's stable code, e.g. `illegal_transition`.
    pub code: String,
    /// The server's sentence for the person who made the change.
    pub reason: String,
    /// When the device learnt of the rejection (milliseconds since the Unix epoch).
    pub rejected_at_ms: u64,
}

/// What to do to the outbox after one push.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settlement {
    /// Every outbox entry with a sequence number up to and including this one leaves
    /// the outbox: the server has dealt with it (applied or rejected).
    pub acked_through: u64,
    /// The operations among them that the server rejected; they move to the rejected store.
    pub rejected: Vec<RejectedOp>,
}

impl Settlement {
    /// Whether this settlement moves the outbox forward at all.
    pub fn is_progress(&self, first_sent_seq: u64) -> bool {
        self.acked_through >= first_sent_seq
    }
}

/// Works out, from the operations sent and the server's answer, what leaves the outbox.
///
/// Only results up to `applied_through` count: the server may answer for fewer
/// operations than were sent (it stops at the first it could not deal with), and the
/// rest stay in the outbox to be sent again.
pub fn settle(sent: &[Op], response: &PushResponse, now_ms: u64) -> Settlement {
    let rejected = response
        .results
        .iter()
        .filter(|result| result.seq <= response.applied_through)
        .filter_map(|result| match &result.outcome {
            Outcome::Applied => None,
            Outcome::Rejected { code, reason } => {
                let op = sent.iter().find(|op| op.seq == result.seq && op.id == result.op)?;
                Some(RejectedOp { op: op.clone(), code: code.clone(), reason: reason.clone(), rejected_at_ms: now_ms })
            }
        })
        .collect();
    Settlement { acked_through: response.applied_through, rejected }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::protocol::OpResult;
    use portal_desk_core::{DeviceId, Hlc, OpBody, OpId, RecordId, StaffId};

    fn op(seq: u64) -> Op {
        Op {
            id: OpId::from(format!("op-{seq}")),
            device: DeviceId::from("tablet"),
            seq,
            hlc: Hlc { wall_ms: seq, counter: 0, device: DeviceId::from("tablet") },
            actor: StaffId::from("asha"),
            record: RecordId::from("case-1"),
            body: OpBody::AppendNote { text: format!("note {seq}") },
        }
    }

    fn result(seq: u64, outcome: Outcome) -> OpResult {
        OpResult { op: OpId::from(format!("op-{seq}")), seq, outcome }
    }

    #[test]
    fn applied_ops_are_acked_and_rejected_ones_keep_their_reason() {
        let sent = [op(1), op(2), op(3)];
        let rejected = Outcome::Rejected { code: "illegal_transition".into(), reason: "A closed case…".into() };
        let response = PushResponse {
            applied_through: 3,
            results: vec![result(1, Outcome::Applied), result(2, rejected), result(3, Outcome::Applied)],
        };
        let settlement = settle(&sent, &response, 99);
        assert_eq!(settlement.acked_through, 3);
        assert_eq!(settlement.rejected.len(), 1);
        assert_eq!(settlement.rejected[0].op, sent[1]);
        assert_eq!(settlement.rejected[0].code, "illegal_transition");
        assert_eq!(settlement.rejected[0].rejected_at_ms, 99);
    }

    #[test]
    fn results_beyond_applied_through_are_ignored() {
        let sent = [op(1), op(2)];
        let rejected = Outcome::Rejected { code: "x".into(), reason: "y".into() };
        let response =
            PushResponse { applied_through: 1, results: vec![result(1, Outcome::Applied), result(2, rejected)] };
        let settlement = settle(&sent, &response, 0);
        assert_eq!(settlement.acked_through, 1);
        assert!(settlement.rejected.is_empty());
        assert!(settlement.is_progress(1));
        assert!(!settlement.is_progress(2));
    }
}
