//! The sync protocol as plain messages, with the pure decisions each side makes.
//!
//! The transport belongs to the caller (HTTP in the app and the server, direct calls in
//! simulation tests): the device builds a [`PushRequest`] from its outbox, the server
//! plans it with [`plan_push`] against the device's last applied sequence number, and
//! the device settles its outbox from the [`PushResponse`]. Pulls page through the
//! server's change log by cursor.

pub mod client;

use crate::ids::{DeviceId, OpId, SiteId, StaffId};
use crate::op::Op;
use crate::record::{Outcome, Record};
use serde::{Deserialize, Serialize};

/// The most operations a device sends in one push.
pub const MAX_PUSH_OPS: usize = 200;

/// The most records the server returns in one pull page.
pub const MAX_PULL_RECORDS: usize = 500;

/// Sign-in, from a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The staff member's email address.
    pub email: String,
    /// Their password.
    pub password: String,
    /// The device signing in; the token is bound to it.
    pub device: DeviceId,
    /// The secret the server gave this device when it registered (64 hex
    /// characters), which proves the sign-in comes from the device it names. Absent at
    /// the device's first sign-in, and on a device registered before devices had
    /// secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_proof: Option<String>,
    /// The highest sequence number the device has issued so far. At the sign-in that
    /// gives the device its secret, the server holds unsigned operations up to it
    /// (queued before the device could sign) for a supervisor, instead of refusing them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_through: Option<u64>,
}

/// The operation key a sign-in gives its member of staff on this device
/// ([`crate::signing`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCredential {
    /// The credential's id, named by every signature made with it.
    pub id: String,
    /// The key, 64 hex characters.
    pub key: String,
}

impl std::fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("IssuedCredential").field("id", &self.id).finish()
    }
}

/// A site, as shown to staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSummary {
    /// Its id.
    pub id: SiteId,
    /// Its name.
    pub name: String,
}

/// Who is signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProfile {
    /// Their id.
    pub id: StaffId,
    /// Their name, as shown to colleagues.
    pub name: String,
    /// Their email address.
    pub email: String,
    /// Their role: `analyst`, `supervisor` or `admin`.
    pub role: String,
    /// The sites whose cases they may see.
    pub sites: Vec<SiteSummary>,
}

/// A successful sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInResponse {
    /// The bearer token for later requests from this device.
    pub token: String,
    /// When the token expires (milliseconds since the Unix epoch).
    pub expires_at_ms: u64,
    /// Who signed in.
    pub staff: StaffProfile,
}

/// A batch of a device's operations, in sequence order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The device pushing; must match the token's device.
    pub device: DeviceId,
    /// Operations with consecutive sequence numbers.
    pub ops: Vec<Op>,
}

/// What became of one pushed operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpResult {
    /// The operation.
    pub op: OpId,
    /// Its sequence number.
    pub seq: u64,
    /// Applied, or rejected with the reason; a replay reports its first outcome again.
    pub outcome: Outcome,
}

/// The server's answer to a push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The device's highest sequence number the server has dealt with (applied or
    /// rejected). Everything up to it can leave the outbox.
    pub applied_through: u64,
    /// One result per operation in the request that was dealt with now or before.
    pub results: Vec<OpResult>,
}

/// One page of changes after a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Records changed after the cursor, in version order, for the caller's sites only.
    pub records: Vec<Record>,
    /// The cursor to send next time.
    pub cursor: u64,
    /// Whether more pages are waiting.
    pub more: bool,
}

/// How the server should treat each operation of a push, decided before touching storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushStep<'a> {
    /// Already dealt with in an earlier push: acknowledge, do not apply again.
    Replay(&'a Op),
    /// Next in sequence: apply.
    Apply(&'a Op),
}

/// A push that cannot be accepted as sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Operations are missing before this batch; the device must resend from `expected`.
    #[error("operations are missing: the server expected sequence number {expected} next but got {got}; resend from {expected}")]
    Gap {
        /// The sequence number the server needs next.
        expected: u64,
        /// The one it got.
        got: u64,
    },
    /// The batch is not in strictly increasing sequence order.
    #[error("operations must be sent in sequence order with no repeats (sequence number {seq} is out of place)")]
    OutOfOrder {
        /// The offending sequence number.
        seq: u64,
    },
    /// An operation names another device.
    #[error("operation {op} was made on another device; a device can only push its own operations")]
    WrongDevice {
        /// The offending operation.
        op: OpId,
    },
    /// Too many operations in one batch.
    #[error("a push may carry at most {max} operations; send the rest in another push")]
    TooMany {
        /// The limit.
        max: usize,
    },
}

/// Decides, from the device's last applied sequence number, which operations of a push
/// are replays and which must be applied — or why the push is refused whole.
pub fn plan_push<'a>(device: &DeviceId, last_applied: u64, ops: &'a [Op]) -> Result<Vec<PushStep<'a>>, PushError> {
    if ops.len() > MAX_PUSH_OPS {
        return Err(PushError::TooMany { max: MAX_PUSH_OPS });
    }
    let mut steps = Vec::with_capacity(ops.len());
    let mut previous = 0;
    let mut next = last_applied + 1;
    for op in ops {
        if &op.device != device {
            return Err(PushError::WrongDevice { op: op.id.clone() });
        }
        if op.seq <= previous {
            return Err(PushError::OutOfOrder { seq: op.seq });
        }
        previous = op.seq;
        if op.seq <= last_applied {
            steps.push(PushStep::Replay(op));
        } else if op.seq == next {
            steps.push(PushStep::Apply(op));
            next += 1;
        } else {
            return Err(PushError::Gap { expected: next, got: op.seq });
        }
    }
    Ok(steps)
}

/// Builds one page of a pull, as the server does: `changed` holds the records the
/// caller may see whose version is after `cursor`, in version order (at least
/// `limit + 1` of them when there are that many, so that `more` can be told), and
/// `head` is the change log's latest version. The next cursor is the last record's
/// version when the page is full, otherwise the head, so records the caller may not
/// see never make it ask again.
pub fn pull_page(mut changed: Vec<Record>, head: u64, cursor: u64, limit: usize) -> PullResponse {
    let more = changed.len() > limit;
    changed.truncate(limit);
    let cursor = if more { changed.last().map_or(cursor, |r| r.version) } else { head.max(cursor) };
    PullResponse { records: changed, cursor, more }
}

/// What a device shows for one record: the server's confirmed state with the device's
/// own pending operations applied on top, in sequence order. Pending operations the
/// server would reject are skipped here; the server's answer will say why.
pub fn pending_view<'a>(confirmed: Option<&Record>, pending: impl IntoIterator<Item = &'a Op>) -> Option<Record> {
    let mut view = confirmed.cloned();
    for op in pending {
        match view.as_mut() {
            Some(record) => {
                record.apply(op);
            }
            None => view = Record::create(op).ok(),
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::ids::RecordId;
    use crate::op::OpBody;

    fn op(seq: u64) -> Op {
        Op {
            id: OpId::from(format!("op-{seq}")),
            device: DeviceId::from("tablet"),
            seq,
            hlc: Hlc { wall_ms: seq, counter: 0, device: DeviceId::from("tablet") },
            actor: StaffId::from("ana"),
            record: RecordId::from("case-1"),
            body: OpBody::AppendNote { text: format!("note {seq}") },
            signature: None,
        }
    }

    #[test]
    fn replayed_ops_are_acknowledged_not_applied_again() {
        let ops = [op(3), op(4), op(5)];
        let steps = plan_push(&"tablet".into(), 4, &ops).unwrap();
        assert_eq!(steps, vec![PushStep::Replay(&ops[0]), PushStep::Replay(&ops[1]), PushStep::Apply(&ops[2])]);
    }

    #[test]
    fn a_gap_says_where_to_resume() {
        let ops = [op(7)];
        let err = plan_push(&"tablet".into(), 4, &ops).unwrap_err();
        assert_eq!(err, PushError::Gap { expected: 5, got: 7 });
        assert!(err.to_string().contains("resend from 5"));
    }

    #[test]
    fn another_devices_op_is_refused() {
        let ops = [op(1)];
        assert!(matches!(plan_push(&"other".into(), 0, &ops), Err(PushError::WrongDevice { .. })));
    }

    #[test]
    fn repeats_within_a_batch_are_refused() {
        let ops = [op(1), op(1)];
        assert_eq!(plan_push(&"tablet".into(), 0, &ops), Err(PushError::OutOfOrder { seq: 1 }));
    }

    fn record(version: u64) -> Record {
        let fields = [("patient_name", "Ada"), ("kind", "sign_up")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let create = Op {
            body: OpBody::Create { collection: crate::case::Collection::Case, site: "s1".into(), fields },
            record: RecordId::from(format!("case-{version}")),
            ..op(1)
        };
        let mut record = Record::create(&create).unwrap();
        record.version = version;
        record
    }

    #[test]
    fn a_full_page_resumes_after_its_last_record_and_a_short_one_at_the_head() {
        let full = pull_page(vec![record(3), record(5), record(6)], 9, 2, 2);
        assert_eq!((full.records.len(), full.cursor, full.more), (2, 5, true));
        // Records the caller may not see (7 to 9) were filtered out: the cursor still
        // moves to the head so they are not asked for again.
        let short = pull_page(vec![record(6)], 9, 5, 2);
        assert_eq!((short.records.len(), short.cursor, short.more), (1, 9, false));
        assert_eq!(pull_page(vec![], 4, 7, 2).cursor, 7);
    }
}
