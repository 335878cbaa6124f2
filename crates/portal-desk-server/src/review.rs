//! Held changes, decided by a supervisor: operations the server kept without applying
//! because it could not prove who made them (queued before the device could sign, or
//! signed by someone since deactivated or whose credential was revoked).
//!
//! Accepting one applies it then, under the same access and merge rules as a push
//! (its clock orders it among later edits; a field changed since shows a conflict),
//! in the push transaction, so versions stay in commit order. Rejecting one keeps it,
//! never applied. Either way the decision is audited with the supervisor's name, the
//! change's claimed author and why it was held.

use crate::audit::AuditEntry;
use crate::db::{HeldDecision, HeldOp, Role, Store};
use crate::sync::{merge_one, PushFailure};
use portal_desk_core::{DeviceId, Outcome, SiteId, StaffId};
use serde_json::json;
use std::collections::HashMap;

/// Who is deciding.
#[derive(Clone, Debug)]
pub struct Reviewer {
    /// The supervisor.
    pub staff: StaffId,
    /// Their role.
    pub role: Role,
    /// The sites they supervise.
    pub sites: Vec<SiteId>,
    /// The device they decide from.
    pub device: DeviceId,
}

/// Why a decision was not made.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// No held change with this device and sequence number at the reviewer's sites.
    #[error("there is no such held change")]
    NotFound,
    /// Someone decided it already.
    #[error("this change was already decided")]
    AlreadyDecided,
    /// Accepting it would not apply: the rules refuse it now.
    #[error("{reason}")]
    WouldNotApply {
        /// The rule's stable code.
        code: String,
        /// Its sentence.
        reason: String,
    },
    /// Storage failed; nothing was written.
    #[error(transparent)]
    Storage(#[from] PushFailure),
}

impl From<crate::db::DbError> for ReviewError {
    fn from(error: crate::db::DbError) -> Self {
        ReviewError::Storage(error.into())
    }
}

/// Accepts (applies) or rejects one held change, in one transaction, and audits it.
pub async fn decide(
    store: &dyn Store,
    reviewer: &Reviewer,
    device: &DeviceId,
    seq: u64,
    decision: HeldDecision,
    now_ms: u64,
) -> Result<HeldOp, ReviewError> {
    let mut tx = store.begin_push().await?;
    let (held, decided) = tx.held_op(device, seq).await?.ok_or(ReviewError::NotFound)?;
    if !held.site.as_ref().is_some_and(|site| reviewer.sites.contains(site)) {
        return Err(ReviewError::NotFound);
    }
    if decided {
        return Err(ReviewError::AlreadyDecided);
    }
    if decision == HeldDecision::Accepted {
        let mut actors = HashMap::new();
        match merge_one(tx.as_mut(), &mut actors, None, &held.op, now_ms).await?.0 {
            Outcome::Applied => {}
            Outcome::Rejected { code, reason } | Outcome::Held { code, reason } => {
                // Dropped without a commit: nothing is written, and it stays held.
                return Err(ReviewError::WouldNotApply { code, reason });
            }
        }
    }
    if !tx.decide_held_op(device, seq, decision, &reviewer.staff, now_ms).await? {
        return Err(ReviewError::AlreadyDecided);
    }
    let action = match decision {
        HeldDecision::Accepted => "held_change_accepted",
        HeldDecision::Rejected => "held_change_rejected",
    };
    let detail = json!({
        "device": device, "seq": seq, "op": held.op.id, "record": held.op.record,
        "claimed_actor": held.op.actor, "held_because": held.code,
    });
    tx.append_audit(&AuditEntry::new(now_ms, action, detail).by(&reviewer.staff).on(&reviewer.device)).await?;
    tx.commit().await?;
    Ok(held)
}
