//! A case in brief: the few facts the case list shows, searches, counts and orders by,
//! kept beside the full record so a device can list ten thousand cases without reading
//! every note, checklist step and clock. A summary is derived from its record and
//! nothing else, so it can be rebuilt at any time and never disagrees with it.

use crate::calendar::SiteCalendar;
use crate::case::{CaseKind, CaseStatus, Collection, Priority};
use crate::ids::{RecordId, SiteId};
use crate::record::Record;
use crate::sla::{sla_status, SlaStatus, StatusChange};
use serde::{Deserialize, Serialize};

/// What the case list needs of one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    /// The case's id.
    pub id: RecordId,
    /// The site whose team owns it.
    pub site: SiteId,
    /// When it was created (milliseconds since the epoch), as its clock says.
    pub created_ms: u64,
    /// The patient's name as recorded, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_name: Option<String>,
    /// The patient's NHS number, if recorded (never an empty string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    /// Its kind, if it has a valid one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CaseKind>,
    /// Its status.
    pub status: CaseStatus,
    /// Its priority.
    pub priority: Priority,
    /// The owner's staff id, if someone owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Whether it was archived.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// Its status from creation on, as the service-level clock needs it.
    pub status_changes: Vec<StatusChange>,
}

impl CaseSummary {
    /// The summary of a case record; `None` for any other kind of record.
    pub fn of(record: &Record) -> Option<CaseSummary> {
        if record.collection != Collection::Case {
            return None;
        }
        let text = |field: &str| record.field(field).filter(|v| !v.is_empty()).map(str::to_owned);
        Some(CaseSummary {
            id: record.id.clone(),
            site: record.site.clone(),
            created_ms: record.created_at.wall_ms,
            patient_name: text("patient_name"),
            nhs_number: text("patient_nhs_number"),
            kind: record.case_kind(),
            status: record.field("status").and_then(CaseStatus::from_code).unwrap_or(CaseStatus::New),
            priority: record.field("priority").and_then(Priority::from_code).unwrap_or(Priority::Normal),
            owner: text("owner"),
            archived: record.archived.is_some(),
            status_changes: record.status_changes(),
        })
    }

    /// The case's service-level clock at `now_ms` in its site's calendar, or `None` if
    /// it has no kind: the same answer as [`Record::sla`] on the record it came from.
    pub fn sla(&self, calendar: &SiteCalendar, now_ms: u64) -> Option<SlaStatus> {
        let kind = self.kind?;
        Some(sla_status(calendar, kind, self.priority, self.created_ms, &self.status_changes, now_ms))
    }

    /// Whether the case is still being worked on (not resolved or closed).
    pub fn is_open(&self) -> bool {
        !matches!(self.status, CaseStatus::Resolved | CaseStatus::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::op::{Op, OpBody};
    use std::collections::BTreeMap;

    /// Monday 23 November 2026, 09:00 UTC.
    const MONDAY_9AM: u64 = 1_795_424_400_000;
    const HOUR: u64 = 3_600_000;

    fn op(id: &str, wall_ms: u64, record: &str, body: OpBody) -> Op {
        Op {
            id: id.into(),
            device: "tablet".into(),
            seq: 1,
            hlc: Hlc { wall_ms, counter: 0, device: "tablet".into() },
            actor: "asha".into(),
            record: record.into(),
            body,
            signature: None,
        }
    }

    fn case(fields: &[(&str, &str)]) -> Record {
        let fields: BTreeMap<String, String> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let body = OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields };
        Record::create(&op("c", MONDAY_9AM, "case-1", body)).unwrap()
    }

    fn set(record: &mut Record, id: &str, at_ms: u64, field: &str, value: &str) {
        let seen = record.fields.get(field).map(|r| r.clock.clone());
        let body = OpBody::SetField { field: field.into(), value: value.into(), replaces: seen };
        record.apply(&op(id, at_ms, "case-1", body));
    }

    #[test]
    fn a_summary_carries_what_the_list_shows() {
        let mut record = case(&[
            ("patient_name", "Ada Lovelace"),
            ("kind", "record_query"),
            ("priority", "urgent"),
            ("patient_nhs_number", "4857773457"),
        ]);
        set(&mut record, "o", MONDAY_9AM + 60_000, "owner", "ben");
        let summary = CaseSummary::of(&record).unwrap();
        assert_eq!(summary.patient_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(summary.nhs_number.as_deref(), Some("4857773457"));
        assert_eq!(summary.kind, Some(CaseKind::RecordQuery));
        assert_eq!(summary.priority, Priority::Urgent);
        assert_eq!(summary.status, CaseStatus::New);
        assert_eq!(summary.owner.as_deref(), Some("ben"));
        assert_eq!(summary.created_ms, MONDAY_9AM);
        assert!(!summary.archived && summary.is_open());
    }

    #[test]
    fn its_service_level_clock_agrees_with_the_record_through_pauses_and_resolution() {
        let calendar = SiteCalendar::weekdays(
            crate::calendar::OpeningHours::new((8, 0), (18, 0)),
            crate::zone::TimeZone::fixed("UTC", 0),
        );
        let mut record = case(&[("patient_name", "Chen Wei"), ("kind", "password_reset")]);
        set(&mut record, "w", MONDAY_9AM + HOUR / 4, "status", "waiting_on_patient");
        set(&mut record, "i", MONDAY_9AM + 3 * HOUR, "status", "in_progress");
        for now in [MONDAY_9AM + HOUR / 2, MONDAY_9AM + 4 * HOUR, MONDAY_9AM + 30 * HOUR] {
            assert_eq!(CaseSummary::of(&record).unwrap().sla(&calendar, now), record.sla(&calendar, now));
        }
        set(&mut record, "r", MONDAY_9AM + 5 * HOUR, "status", "resolved");
        let summary = CaseSummary::of(&record).unwrap();
        assert!(!summary.is_open());
        assert_eq!(summary.sla(&calendar, MONDAY_9AM + 50 * HOUR), record.sla(&calendar, MONDAY_9AM + 50 * HOUR));
    }

    #[test]
    fn empty_fields_are_absent_and_other_records_have_no_summary() {
        let record = case(&[("patient_name", "Ada"), ("kind", "sign_up"), ("patient_nhs_number", "")]);
        let summary = CaseSummary::of(&record).unwrap();
        assert_eq!(summary.nhs_number, None);
        assert_eq!(summary.owner, None);
        let json = serde_json::to_string(&summary).unwrap();
        assert!(!json.contains("nhs_number") && !json.contains("archived"), "{json}");
        assert_eq!(serde_json::from_str::<CaseSummary>(&json).unwrap(), summary);

        let mut patient = record.clone();
        patient.collection = Collection::Patient;
        assert_eq!(CaseSummary::of(&patient), None);
    }
}
