//! What the screens show for cases: the confirmed records with this device's pending
//! operations on top (the core's `pending_view`), marked when not yet synced. Pure, so
//! it is tested natively.

use portal_desk_core::case::{CaseKind, CaseStatus, Channel, Priority};
use portal_desk_core::protocol::pending_view;
use portal_desk_core::{Op, Record, RecordId};
use std::collections::BTreeMap;

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

/// Builds the views of every case from the confirmed records and the outbox (in
/// sequence order). Archived cases are left out; the newest cases come first.
pub fn case_views(records: Vec<Record>, outbox: &[Op]) -> Vec<CaseView> {
    let mut pending: BTreeMap<RecordId, Vec<&Op>> = BTreeMap::new();
    for op in outbox {
        pending.entry(op.record.clone()).or_default().push(op);
    }
    let mut confirmed: BTreeMap<RecordId, Record> = records.into_iter().map(|r| (r.id.clone(), r)).collect();
    let mut ids: Vec<RecordId> = confirmed.keys().cloned().collect();
    ids.extend(pending.keys().filter(|id| !confirmed.contains_key(*id)).cloned());
    let mut views: Vec<CaseView> = ids
        .into_iter()
        .filter_map(|id| {
            let ops = pending.remove(&id).unwrap_or_default();
            let base = confirmed.remove(&id);
            let record = pending_view(base.as_ref(), ops.iter().copied())?;
            Some(CaseView { record, unsynced: !ops.is_empty(), pending_ops: ops.into_iter().cloned().collect() })
        })
        .filter(|view| view.record.archived.is_none())
        .collect();
    views.sort_by(|a, b| b.record.created_at.cmp(&a.record.created_at));
    views
}

/// The view of one case, if it exists on this device.
pub fn case_view(id: &RecordId, record: Option<Record>, outbox: &[Op]) -> Option<CaseView> {
    let ops: Vec<&Op> = outbox.iter().filter(|op| &op.record == id).collect();
    let record = pending_view(record.as_ref(), ops.iter().copied())?;
    Some(CaseView { record, unsynced: !ops.is_empty(), pending_ops: ops.into_iter().cloned().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::Collection;
    use portal_desk_core::{DeviceId, Hlc, OpBody, OpId, StaffId};

    fn op(seq: u64, record: &str, body: OpBody) -> Op {
        Op {
            id: OpId::from(format!("op-{seq}")),
            device: DeviceId::from("tablet"),
            seq,
            hlc: Hlc { wall_ms: 1_000 + seq, counter: 0, device: DeviceId::from("tablet") },
            actor: StaffId::from("asha"),
            record: RecordId::from(record),
            body,
        }
    }

    fn create(seq: u64, record: &str, name: &str) -> Op {
        let fields = [("patient_name", name), ("kind", "password_reset"), ("priority", "high")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        op(seq, record, OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields })
    }

    #[test]
    fn pending_creates_show_up_marked_unsynced_newest_first() {
        let confirmed = case_view(&"a".into(), None, &[create(1, "a", "Ada")]).unwrap().record;
        let outbox = [create(2, "b", "Bea"), op(3, "b", OpBody::AppendNote { text: "rang back".into() })];
        let views = case_views(vec![confirmed], &outbox);
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
    fn a_pending_edit_shows_over_the_confirmed_record() {
        let confirmed = case_view(&"a".into(), None, &[create(1, "a", "Ada")]).unwrap().record;
        let seen = confirmed.fields["status"].clock.clone();
        let edit =
            op(2, "a", OpBody::SetField { field: "status".into(), value: "in_progress".into(), replaces: Some(seen) });
        let view = case_view(&"a".into(), Some(confirmed), &[edit]).unwrap();
        assert_eq!(view.status(), CaseStatus::InProgress);
        assert!(view.unsynced);
        assert!(view.record.conflicts.is_empty());
    }

    #[test]
    fn unknown_case_has_no_view() {
        assert!(case_view(&"nope".into(), None, &[]).is_none());
    }
}
