//! The case list's cases: the stored summaries, with this device's own pending
//! operations applied over the few cases they touch, so a list of ten thousand cases
//! never reads a full record it does not have to. Pure, so it is tested natively.

use crate::settle::LocalState;
use portal_desk_core::summary::CaseSummary;
use portal_desk_core::{DeviceId, RecordId};
use std::collections::{BTreeMap, BTreeSet};

/// One case as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedCase {
    /// The case in brief, pending changes applied.
    pub summary: CaseSummary,
    /// Whether some change to it is still only on this device.
    pub unsynced: bool,
}

/// Every case to list: each confirmed summary, replaced by the summary of the
/// device's view where acknowledged or pending operations touch the case, plus the
/// cases created here and not yet confirmed. `pending` holds those operations and the
/// confirmed full records of the cases they touch (no others are needed). Archived
/// cases are left out.
pub fn listed_cases(
    summaries: impl IntoIterator<Item = CaseSummary>,
    pending: LocalState,
    device: &DeviceId,
) -> Vec<ListedCase> {
    let unsynced: BTreeSet<RecordId> = pending.outbox.iter().map(|op| op.record.clone()).collect();
    let mut touched: BTreeMap<RecordId, CaseSummary> = pending
        .replica(device)
        .views()
        .into_values()
        .filter_map(|record| CaseSummary::of(&record))
        .map(|summary| (summary.id.clone(), summary))
        .collect();
    let confirmed: Vec<CaseSummary> =
        summaries.into_iter().map(|summary| touched.remove(&summary.id).unwrap_or(summary)).collect();
    confirmed
        .into_iter()
        .chain(touched.into_values())
        .filter(|summary| !summary.archived)
        .map(|summary| ListedCase { unsynced: unsynced.contains(&summary.id), summary })
        .collect()
}

/// The records `pending`'s operations touch: the only full records a list needs.
pub fn touched_records(pending: &LocalState) -> BTreeSet<RecordId> {
    pending.acked.iter().map(|a| &a.op.record).chain(pending.outbox.iter().map(|op| &op.record)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::Collection;
    use portal_desk_core::protocol::client::AckedOp;
    use portal_desk_core::{Hlc, Op, OpBody, Record};

    fn op(seq: u64, record: &str, body: OpBody) -> Op {
        Op {
            id: format!("op-{record}-{seq}").into(),
            device: "tablet".into(),
            seq,
            hlc: Hlc { wall_ms: 1_000 + seq, counter: 0, device: "tablet".into() },
            actor: "asha".into(),
            record: record.into(),
            body,
            signature: None,
        }
    }

    fn create(seq: u64, record: &str, name: &str) -> Op {
        let fields = [("patient_name", name), ("kind", "sign_up")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        op(seq, record, OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields })
    }

    fn confirmed(record: &str, name: &str) -> Record {
        let mut record = Record::create(&create(0, record, name)).unwrap();
        record.version = 1;
        record
    }

    fn set(seq: u64, record: &Record, field: &str, value: &str) -> Op {
        let replaces = record.fields.get(field).map(|r| r.clock.clone());
        op(seq, record.id.as_str(), OpBody::SetField { field: field.into(), value: value.into(), replaces })
    }

    #[test]
    fn pending_changes_show_over_the_stored_summaries_and_only_their_cases_are_read() {
        let (ada, ben, cy) = (confirmed("ada", "Ada"), confirmed("ben", "Ben"), confirmed("cy", "Cy"));
        let summaries: Vec<CaseSummary> = [&ada, &ben, &cy].map(|r| CaseSummary::of(r).unwrap()).into();
        // Ada's owner change waits in the outbox; Ben's note the server acknowledged;
        // Dee's case was created here.
        let outbox = vec![set(3, &ada, "owner", "asha"), create(4, "dee", "Dee")];
        let acked = vec![AckedOp { op: set(2, &ben, "priority", "urgent"), ack: 1 }];
        let pending = LocalState { records: vec![ada.clone(), ben.clone()], acked, outbox };
        assert_eq!(touched_records(&pending), ["ada", "ben", "dee"].map(RecordId::from).into());

        let listed = listed_cases(summaries, pending, &"tablet".into());
        let by_id = |id: &str| listed.iter().find(|c| c.summary.id.as_str() == id).unwrap();
        assert_eq!(listed.len(), 4);
        assert_eq!(by_id("ada").summary.owner.as_deref(), Some("asha"));
        assert!(by_id("ada").unsynced);
        assert_eq!(by_id("ben").summary.priority, portal_desk_core::case::Priority::Urgent);
        assert!(!by_id("ben").unsynced, "acknowledged by the server");
        assert!(!by_id("cy").unsynced);
        assert_eq!(by_id("dee").summary.patient_name.as_deref(), Some("Dee"));
        assert!(by_id("dee").unsynced);
    }

    #[test]
    fn archived_cases_are_not_listed() {
        let ada = confirmed("ada", "Ada");
        let mut archived = CaseSummary::of(&confirmed("ben", "Ben")).unwrap();
        archived.archived = true;
        let summaries = vec![CaseSummary::of(&ada).unwrap(), archived];
        let listed = listed_cases(summaries, LocalState::default(), &"tablet".into());
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].summary.id.as_str(), "ada");
    }
}
