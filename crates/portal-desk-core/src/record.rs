//! A record's state and the merge rules that apply an operation to it.
//!
//! The server applies operations in the order it receives them and is the single
//! source of truth; devices show the server's record with their own pending
//! operations applied on top (see [`crate::protocol::pending_view`]). Plain fields are
//! last-writer-wins registers by hybrid-logical clock; the timeline is a grow-only set
//! ordered by clock; an edit made without seeing the current value leaves a
//! [`Conflict`] so that nothing is silently discarded.

use crate::case::{validate_case_field, CaseKind, CaseStatus, Collection, MAX_TEXT_CHARS};
use crate::hlc::Hlc;
use crate::ids::{OpId, RecordId, SiteId, StaffId};
use crate::op::{Op, OpBody};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One field's value with the clock and author of the write that set it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// The value.
    pub value: String,
    /// When it was written.
    pub clock: Hlc,
    /// Who wrote it.
    pub by: StaffId,
}

/// One entry of a record's append-only timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// The operation that added it (the set's identity).
    pub op: OpId,
    /// When.
    pub clock: Hlc,
    /// Who.
    pub by: StaffId,
    /// What was written.
    pub text: String,
}

/// Two people changed the same field without seeing each other's change. Both values
/// are kept: `kept` is the one the record now shows (the later clock wins), `other` the
/// one that lost, until a person chooses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The operation whose arrival revealed the conflict.
    pub op: OpId,
    /// The field.
    pub field: String,
    /// The value the record shows.
    pub kept: Register,
    /// The value that lost.
    pub other: Register,
}

/// A record: its identity, its fields, its timeline and its open conflicts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Its id.
    pub id: RecordId,
    /// What kind of record.
    pub collection: Collection,
    /// The site whose team owns it.
    pub site: SiteId,
    /// The server's version of this record: the position of its latest change in the
    /// server's change log. Zero for a record the server has not confirmed.
    pub version: u64,
    /// Who created it, and when.
    pub created_by: StaffId,
    /// When it was created.
    pub created_at: Hlc,
    /// Current field values.
    pub fields: BTreeMap<String, Register>,
    /// Notes, ordered by clock.
    pub timeline: Vec<TimelineEntry>,
    /// When it was archived, if it was.
    pub archived: Option<Hlc>,
    /// Unresolved conflicts.
    pub conflicts: Vec<Conflict>,
}

/// What applying one operation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The operation changed the record.
    Applied,
    /// The operation is permanently invalid; `code` is stable, `reason` says what to do.
    Rejected {
        /// A stable machine-readable code.
        code: String,
        /// A sentence for the person who made the change.
        reason: String,
    },
}

impl Outcome {
    fn rejected(code: &str, reason: impl Into<String>) -> Self {
        Outcome::Rejected { code: code.to_owned(), reason: reason.into() }
    }
}

impl Record {
    /// A field's current value, if set.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(|r| r.value.as_str())
    }

    /// The kind of case, if this is a case with a valid kind.
    pub fn case_kind(&self) -> Option<CaseKind> {
        self.field("kind").and_then(CaseKind::from_code)
    }

    /// Safeguarding and complaint cases are shown to fewer people.
    pub fn is_restricted(&self) -> bool {
        self.case_kind().is_some_and(CaseKind::is_restricted)
    }

    /// Builds a record from a create operation, or says why it cannot be created.
    pub fn create(op: &Op) -> Result<Record, Outcome> {
        let OpBody::Create { collection, site, fields } = &op.body else {
            return Err(Outcome::rejected("not_found", "This record does not exist (it may not have synced yet)"));
        };
        if !fields.contains_key("patient_name") {
            return Err(Outcome::rejected("invalid_field", "Enter the patient's name"));
        }
        if !fields.contains_key("kind") {
            return Err(Outcome::rejected("invalid_field", "Choose the kind of case"));
        }
        for (name, value) in fields {
            validate_case_field(name, value).map_err(|reason| Outcome::rejected("invalid_field", reason))?;
        }
        let register = |value: &String| Register { value: value.clone(), clock: op.hlc.clone(), by: op.actor.clone() };
        let mut fields: BTreeMap<String, Register> = fields.iter().map(|(k, v)| (k.clone(), register(v))).collect();
        fields.entry("status".to_owned()).or_insert_with(|| register(&CaseStatus::New.code().to_owned()));
        Ok(Record {
            id: op.record.clone(),
            collection: *collection,
            site: site.clone(),
            version: 0,
            created_by: op.actor.clone(),
            created_at: op.hlc.clone(),
            fields,
            timeline: Vec::new(),
            archived: None,
            conflicts: Vec::new(),
        })
    }

    /// Applies an operation that is not a create. Never panics; an invalid operation
    /// leaves the record unchanged and says why.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        match &op.body {
            OpBody::Create { .. } => Outcome::rejected("already_exists", "A record with this id already exists"),
            OpBody::SetField { field, value, replaces } => self.set_field(op, field, value, replaces.as_ref()),
            OpBody::AppendNote { text } => self.append_note(op, text),
            OpBody::Archive => {
                if self.archived.as_ref().is_none_or(|at| op.hlc < *at) {
                    self.archived = Some(op.hlc.clone());
                }
                Outcome::Applied
            }
        }
    }

    fn set_field(&mut self, op: &Op, field: &str, value: &str, replaces: Option<&Hlc>) -> Outcome {
        if let Err(reason) = validate_case_field(field, value) {
            return Outcome::rejected("invalid_field", reason);
        }
        if field == "kind" && CaseKind::from_code(value).map(CaseKind::is_restricted) != Some(self.is_restricted()) {
            return Outcome::rejected(
                "restricted_kind_change",
                "A case cannot be moved into or out of a restricted kind; open a new case instead",
            );
        }
        if field == "status" {
            let from = self.field("status").and_then(CaseStatus::from_code).unwrap_or(CaseStatus::New);
            let to = CaseStatus::from_code(value).unwrap_or(from);
            if !from.can_become(to) {
                return Outcome::rejected(
                    "illegal_transition",
                    format!(
                        "A case that is {} cannot become {}",
                        from.label().to_lowercase(),
                        to.label().to_lowercase()
                    ),
                );
            }
        }
        let incoming = Register { value: value.to_owned(), clock: op.hlc.clone(), by: op.actor.clone() };
        match self.fields.get(field).cloned() {
            None => {
                self.fields.insert(field.to_owned(), incoming);
            }
            Some(current) => {
                let concurrent = replaces != Some(&current.clock);
                let (kept, other) =
                    if incoming.clock > current.clock { (incoming, current) } else { (current, incoming) };
                if concurrent && kept.value != other.value {
                    self.conflicts.push(Conflict {
                        op: op.id.clone(),
                        field: field.to_owned(),
                        kept: kept.clone(),
                        other,
                    });
                }
                self.fields.insert(field.to_owned(), kept);
            }
        }
        Outcome::Applied
    }

    fn append_note(&mut self, op: &Op, text: &str) -> Outcome {
        if text.trim().is_empty() {
            return Outcome::rejected("invalid_field", "Write something in the note before adding it");
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Outcome::rejected(
                "invalid_field",
                format!("The note is too long: keep it under {MAX_TEXT_CHARS} characters"),
            );
        }
        if self.timeline.iter().any(|e| e.op == op.id) {
            return Outcome::Applied;
        }
        let entry =
            TimelineEntry { op: op.id.clone(), clock: op.hlc.clone(), by: op.actor.clone(), text: text.to_owned() };
        let at = self.timeline.partition_point(|e| e.clock < entry.clock);
        self.timeline.insert(at, entry);
        Outcome::Applied
    }
}

/// Applies any operation to the record it names, as the server does: `current` is the
/// stored record (`None` if there is none yet). Returns the record to store when the
/// operation changed it, and the outcome to report to the device.
pub fn apply_op(current: Option<Record>, op: &Op) -> (Option<Record>, Outcome) {
    match current {
        None => match Record::create(op) {
            Ok(record) => (Some(record), Outcome::Applied),
            Err(outcome) => (None, outcome),
        },
        Some(mut record) => match record.apply(op) {
            Outcome::Applied => (Some(record), Outcome::Applied),
            rejected => (None, rejected),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceId;

    fn hlc(wall_ms: u64, device: &str) -> Hlc {
        Hlc { wall_ms, counter: 0, device: DeviceId::from(device) }
    }

    fn op(id: &str, device: &str, wall_ms: u64, body: OpBody) -> Op {
        Op {
            id: OpId::from(id),
            device: DeviceId::from(device),
            seq: 1,
            hlc: hlc(wall_ms, device),
            actor: StaffId::from(format!("staff-{device}")),
            record: RecordId::from("case-1"),
            body,
        }
    }

    fn new_case() -> Record {
        let fields = [("patient_name", "Ada Lovelace"), ("kind", "password_reset")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Record::create(&op("c", "a", 1_000, OpBody::Create { collection: Collection::Case, site: "s1".into(), fields }))
            .unwrap()
    }

    fn set(id: &str, device: &str, wall_ms: u64, field: &str, value: &str, replaces: Option<Hlc>) -> Op {
        op(id, device, wall_ms, OpBody::SetField { field: field.into(), value: value.into(), replaces })
    }

    #[test]
    fn apply_op_creates_then_edits_and_reports_rejections() {
        let fields = [("patient_name", "Ada"), ("kind", "sign_up")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let create = op("c", "a", 1_000, OpBody::Create { collection: Collection::Case, site: "s1".into(), fields });
        let (created, outcome) = apply_op(None, &create);
        assert_eq!(outcome, Outcome::Applied);
        let (unchanged, outcome) = apply_op(created, &set("e", "a", 2_000, "priority", "sky-high", None));
        assert!(unchanged.is_none());
        assert!(matches!(outcome, Outcome::Rejected { code, .. } if code == "invalid_field"));
        let (none, outcome) = apply_op(None, &set("e", "a", 2_000, "priority", "low", None));
        assert!(none.is_none());
        assert!(matches!(outcome, Outcome::Rejected { code, .. } if code == "not_found"));
    }

    #[test]
    fn create_starts_new_and_requires_a_name() {
        let record = new_case();
        assert_eq!(record.field("status"), Some("new"));
        let no_name = op(
            "c",
            "a",
            1,
            OpBody::Create { collection: Collection::Case, site: "s1".into(), fields: BTreeMap::new() },
        );
        assert!(matches!(Record::create(&no_name), Err(Outcome::Rejected { code, .. }) if code == "invalid_field"));
    }

    #[test]
    fn sequential_edit_replaces_without_conflict() {
        let mut record = new_case();
        let seen = record.fields["patient_name"].clock.clone();
        assert_eq!(record.apply(&set("e1", "b", 2_000, "patient_name", "Ada King", Some(seen))), Outcome::Applied);
        assert_eq!(record.field("patient_name"), Some("Ada King"));
        assert!(record.conflicts.is_empty());
    }

    #[test]
    fn concurrent_edits_keep_the_later_value_and_record_the_other() {
        let mut record = new_case();
        let seen = record.fields["patient_name"].clock.clone();
        record.apply(&set("e1", "b", 3_000, "patient_name", "Ada King", Some(seen.clone())));
        record.apply(&set("e2", "c", 2_000, "patient_name", "Ada Byron", Some(seen)));
        assert_eq!(record.field("patient_name"), Some("Ada King"));
        assert_eq!(record.conflicts.len(), 1);
        assert_eq!(record.conflicts[0].other.value, "Ada Byron");
    }

    #[test]
    fn illegal_transition_is_rejected_and_changes_nothing() {
        let mut record = new_case();
        let seen = record.fields["status"].clock.clone();
        record.apply(&set("e1", "b", 3_000, "status", "closed", Some(seen)));
        let before = record.clone();
        let seen = record.fields["status"].clock.clone();
        let outcome = record.apply(&set("e2", "b", 4_000, "status", "resolved", Some(seen)));
        assert!(matches!(outcome, Outcome::Rejected { ref code, .. } if code == "illegal_transition"));
        assert_eq!(record, before);
    }

    #[test]
    fn notes_are_a_grow_only_set_ordered_by_clock() {
        let mut record = new_case();
        record.apply(&op("n2", "b", 5_000, OpBody::AppendNote { text: "second".into() }));
        record.apply(&op("n1", "c", 4_000, OpBody::AppendNote { text: "first".into() }));
        record.apply(&op("n1", "c", 4_000, OpBody::AppendNote { text: "first".into() }));
        let texts: Vec<_> = record.timeline.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["first", "second"]);
    }

    #[test]
    fn archive_wins_over_later_edits_but_keeps_them() {
        let mut record = new_case();
        record.apply(&op("a1", "b", 2_000, OpBody::Archive));
        record.apply(&set("e1", "c", 3_000, "summary", "still typed", None));
        assert!(record.archived.is_some());
        assert_eq!(record.field("summary"), Some("still typed"));
    }
}
