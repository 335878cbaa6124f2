//! What the screens show for cases: the confirmed records with this device's own
//! operations on top (the core's `Replica` views), marked when not yet synced. Pure,
//! so it is tested natively.

use crate::settle::LocalState;
use portal_desk_core::case::{CaseKind, CaseStatus, Channel, Collection, Priority};
use portal_desk_core::{DeviceId, Op, Record, RecordId};

/// One case as the screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseView {
    /// The record with pending changes applied.
    pub record: Record,
    /// Whether some change to it is still only on this device.
    pub unsynced: bool,
    /// The pending operations on it, so the timeline can mark unsynced notes.
    pub pending_ops: Vec<Op>,
}

impl CaseView {
    /// The patient's name, or a placeholder for a record without one.
    pub fn patient_name(&self) -> String {
        self.record.field("patient_name").unwrap_or("Unnamed patient").to_owned()
    }

    /// The kind of case, in words.
    pub fn kind_label(&self) -> &'static str {
        self.record.case_kind().map(CaseKind::label).unwrap_or("Unknown kind")
    }

    /// The current status.
    pub fn status(&self) -> CaseStatus {
        self.record.field("status").and_then(CaseStatus::from_code).unwrap_or(CaseStatus::New)
    }

    /// The priority, in words.
    pub fn priority_label(&self) -> &'static str {
        self.record.field("priority").and_then(Priority::from_code).map(Priority::label).unwrap_or("Normal")
    }

    /// The channel, in words, if recorded.
    pub fn channel_label(&self) -> Option<&'static str> {
        self.record.field("channel").and_then(Channel::from_code).map(Channel::label)
    }

    /// Whether a timeline entry was added by an operation still in the outbox.
    pub fn is_pending_op(&self, op: &portal_desk_core::OpId) -> bool {
        self.pending_ops.iter().any(|pending| &pending.id == op)
    }
}

/// Builds the view of every case on the device, through the core's replica: the
/// confirmed records with acknowledged and pending operations on top. Archived cases
/// are left out; the newest cases come first.
pub fn case_views(state: LocalState, device: &DeviceId) -> Vec<CaseView> {
    let outbox = state.outbox.clone();
    let replica = state.replica(device);
    let mut views: Vec<CaseView> = replica
        .views()
        .into_values()
        .filter(|record| record.archived.is_none() && record.collection == Collection::Case)
        .map(|record| with_pending(record, &outbox))
        .collect();
    views.sort_by(|a, b| b.record.created_at.cmp(&a.record.created_at));
    views
}

/// The view of one case, if it exists on this device.
pub fn case_view(id: &RecordId, state: LocalState, device: &DeviceId) -> Option<CaseView> {
    let outbox = state.outbox.clone();
    let record = state.replica(device).view(id)?;
    Some(with_pending(record, &outbox))
}

/// Marks a view with the operations on it still waiting in the outbox.
fn with_pending(record: Record, outbox: &[Op]) -> CaseView {
    let pending_ops: Vec<Op> = outbox.iter().filter(|op| op.record == record.id).cloned().collect();
    CaseView { unsynced: !pending_ops.is_empty(), pending_ops, record }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::{CaseStatus, Collection};
    use portal_desk_core::protocol::client::AckedOp;
    use portal_desk_core::{Hlc, OpBody, OpId, StaffId};

    fn op(seq: u64, record: &str, body: OpBody) -> Op {
        Op {
            id: OpId::from(format!("op-{seq}")),
            device: DeviceId::from("tablet"),
            seq,
            hlc: Hlc { wall_ms: 1_000 + seq, counter: 0, device: DeviceId::from("tablet") },
            actor: StaffId::from("asha"),
            record: RecordId::from(record),
            body,
            signature: None,
        }
    }

    fn create(seq: u64, record: &str, name: &str) -> Op {
        let fields = [("patient_name", name), ("kind", "password_reset"), ("priority", "high")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        op(seq, record, OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields })
    }

    fn device() -> DeviceId {
        DeviceId::from("tablet")
    }

    #[test]
    fn pending_creates_show_up_marked_unsynced_newest_first() {
        let mut ada = Record::create(&create(1, "a", "Ada")).unwrap();
        ada.version = 1;
        let outbox = vec![create(2, "b", "Bea"), op(3, "b", OpBody::AppendNote { text: "rang back".into() })];
        let views = case_views(LocalState { records: vec![ada], acked: vec![], outbox }, &device());
        let names: Vec<_> = views.iter().map(CaseView::patient_name).collect();
        assert_eq!(names, ["Bea", "Ada"]);
        assert!(views[0].unsynced && !views[1].unsynced);
        assert_eq!(views[0].record.timeline.len(), 1);
        assert!(views[0].is_pending_op(&OpId::from("op-3")));
        assert_eq!(views[0].kind_label(), "Password reset");
        assert_eq!(views[0].priority_label(), "High");
        assert_eq!(views[0].status(), CaseStatus::New);
    }

    #[test]
    fn an_acknowledged_case_stays_shown_and_counts_as_synced() {
        let acked = vec![AckedOp { op: create(1, "a", "Ada"), ack: 1 }];
        let views = case_views(LocalState { records: vec![], acked, outbox: vec![] }, &device());
        assert_eq!(views.len(), 1);
        assert!(!views[0].unsynced);
    }

    #[test]
    fn a_pending_edit_shows_over_the_confirmed_record() {
        let confirmed = Record::create(&create(1, "a", "Ada")).unwrap();
        let seen = confirmed.fields["status"].clock.clone();
        let edit =
            op(2, "a", OpBody::SetField { field: "status".into(), value: "in_progress".into(), replaces: Some(seen) });
        let state = LocalState { records: vec![confirmed], acked: vec![], outbox: vec![edit] };
        let view = case_view(&"a".into(), state, &device()).unwrap();
        assert_eq!(view.status(), CaseStatus::InProgress);
        assert!(view.unsynced);
        assert!(view.record.conflicts.is_empty());
    }

    #[test]
    fn unknown_case_has_no_view() {
        assert!(case_view(&"nope".into(), LocalState::default(), &device()).is_none());
    }
}
