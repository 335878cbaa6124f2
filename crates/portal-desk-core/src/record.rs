//! A record's state and the merge rules that apply an operation to it.
//!
//! The server applies operations in the order it receives them and is the single
//! source of truth; devices show the server's record with their own pending
//! operations applied on top (see [`crate::protocol::pending_view`]). Plain fields are
//! last-writer-wins registers by hybrid-logical clock; the timeline is a grow-only set
//! ordered by clock; an edit made without seeing the current value leaves a
//! [`Conflict`] so that nothing is silently discarded. Each checklist step is its own
//! register, merged the same way. Status follows a state machine: a transition that
//! is illegal from the status its author saw is rejected, while one that was legal
//! when made but became illegal because someone else moved the case on meanwhile is
//! kept as a conflict, not applied.

use crate::calendar::SiteCalendar;
use crate::case::{CaseKind, CaseStatus, Collection, Priority, MAX_TEXT_CHARS};
use crate::catalog::Catalog;
use crate::checklist::ChecklistRun;
use crate::date::CivilDate;
use crate::hlc::Hlc;
use crate::ids::{OpId, RecordId, SiteId, StaffId};
use crate::op::{Op, OpBody};
use crate::proxy::{check_route, LegalRoute};
use crate::sla::{sign_off_status, sla_status, SignOffState, SlaStatus, StatusChange};
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

impl Register {
    /// The last-writer-wins merge of two writes to the same register: the one with the
    /// later clock. Commutative, associative and idempotent, because clocks are unique
    /// and totally ordered.
    pub fn lww(self, other: Register) -> Register {
        if other.clock > self.clock {
            other
        } else {
            self
        }
    }
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
    /// Set when the conflict is on a checklist step rather than a case field; `field`
    /// is then `checklist:<run>:<step>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepRef>,
    /// Set when the other value was not applied for a reason other than its clock,
    /// e.g. a status change that was no longer allowed when it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A checklist step within a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRef {
    /// The run's id.
    pub run: String,
    /// The step's id.
    pub step: String,
}

impl StepRef {
    /// The key used in [`Conflict::field`] for a step.
    pub fn field_key(&self) -> String {
        format!("checklist:{}:{}", self.run, self.step)
    }
}

/// One change of a case's status, kept so that service-level clocks can be computed
/// on any replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    /// The clock of the operation that changed it.
    pub clock: Hlc,
    /// Who changed it.
    pub by: StaffId,
    /// The status before.
    pub from: String,
    /// The status after.
    pub to: String,
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
    /// Checklist runs by run id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checklists: BTreeMap<String, ChecklistRun>,
    /// Every change of status, in the order the server applied them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_history: Vec<StatusEntry>,
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
    /// The operation is kept but not applied, because the server cannot yet believe it
    /// is by the person it names: it was queued before the device could sign changes,
    /// or its author has since been deactivated or their credential revoked. It waits
    /// for a supervisor to accept (apply) or reject it; nothing of it is lost.
    Held {
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
        let required: &[(&str, &str)] = match collection {
            Collection::Case => &[("patient_name", "Enter the patient's name"), ("kind", "Choose the kind of case")],
            Collection::Patient => &[
                ("family_name", "Enter the patient's family name (surname)"),
                ("date_of_birth", "Enter the patient's date of birth"),
            ],
            // Checked whole below.
            Collection::Site | Collection::Template => &[],
        };
        if let Some((_, missing)) = required.iter().find(|(field, _)| !fields.contains_key(*field)) {
            return Err(Outcome::rejected("invalid_field", *missing));
        }
        for (name, value) in fields {
            collection.validate_field(name, value).map_err(|reason| Outcome::rejected("invalid_field", reason))?;
        }
        let whole = match collection {
            Collection::Site => crate::site::check_new_site_record(&op.record, site, fields),
            Collection::Template => crate::catalog::check_new_template_record(&op.record, site, fields),
            Collection::Case | Collection::Patient => Ok(()),
        };
        whole.map_err(|reason| Outcome::rejected("invalid_field", reason))?;
        let register = |value: &String| Register { value: value.clone(), clock: op.hlc.clone(), by: op.actor.clone() };
        let mut fields: BTreeMap<String, Register> = fields.iter().map(|(k, v)| (k.clone(), register(v))).collect();
        if *collection == Collection::Case {
            fields.entry("status".to_owned()).or_insert_with(|| register(&CaseStatus::New.code().to_owned()));
        }
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
            checklists: BTreeMap::new(),
            status_history: Vec::new(),
        })
    }

    /// Applies an operation that is not a create. Never panics; an invalid operation
    /// leaves the record unchanged and says why. Checklists follow the built-in
    /// templates; [`Record::apply_in`] also knows a site's published ones.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        self.apply_in(op, &Catalog::builtin())
    }

    /// [`Record::apply`], with checklist templates looked up in `catalog`.
    pub fn apply_in(&mut self, op: &Op, catalog: &Catalog) -> Outcome {
        let checklist_op = matches!(op.body, OpBody::StartChecklist { .. } | OpBody::SetStep { .. });
        if checklist_op && self.collection != Collection::Case {
            return Outcome::rejected("not_a_case", "Checklists are worked through on cases only");
        }
        let edit = matches!(op.body, OpBody::SetField { .. } | OpBody::ResolveConflict { .. });
        if edit && self.collection == Collection::Template {
            return Outcome::rejected(
                "template_published",
                "A published checklist version cannot be changed: publish a new version instead",
            );
        }
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
            OpBody::StartChecklist { run, template, version } => {
                self.start_checklist(op, run, template, *version, catalog)
            }
            OpBody::SetStep { run, step, value, replaces } => {
                self.set_step(op, run, step, value, replaces.as_ref(), catalog)
            }
            OpBody::ResolveConflict { conflict, value } => self.resolve_conflict(op, conflict, value, catalog),
        }
    }

    /// The status a case has now.
    fn status(&self) -> CaseStatus {
        self.field("status").and_then(CaseStatus::from_code).unwrap_or(CaseStatus::New)
    }

    /// The checks a new value of a case field must pass whoever sets it.
    fn check_field_value(&self, field: &str, value: &str) -> Result<(), Outcome> {
        self.collection.validate_field(field, value).map_err(|reason| Outcome::rejected("invalid_field", reason))?;
        if self.collection == Collection::Case
            && field == "kind"
            && CaseKind::from_code(value).map(CaseKind::is_restricted) != Some(self.is_restricted())
        {
            return Err(Outcome::rejected(
                "restricted_kind_change",
                "A case cannot be moved into or out of a restricted kind; open a new case instead",
            ));
        }
        Ok(())
    }

    fn illegal_transition(from: CaseStatus, to: CaseStatus) -> String {
        format!("A case that is {} cannot become {}", from.label().to_lowercase(), to.label().to_lowercase())
    }

    /// Records a conflict once: a device that shows an operation the server already
    /// applied on top of the confirmed record must not see its conflict twice.
    fn push_conflict(&mut self, conflict: Conflict) {
        if !self.conflicts.iter().any(|c| c.op == conflict.op) {
            self.conflicts.push(conflict);
        }
    }

    /// Records a change of status in the history, if the value shown changed.
    fn note_status_change(&mut self, op: &Op, from: CaseStatus) {
        let to = self.status();
        if to != from {
            self.status_history.push(StatusEntry {
                clock: op.hlc.clone(),
                by: op.actor.clone(),
                from: from.code().to_owned(),
                to: to.code().to_owned(),
            });
        }
    }

    fn set_field(&mut self, op: &Op, field: &str, value: &str, replaces: Option<&Hlc>) -> Outcome {
        if let Err(rejected) = self.check_field_value(field, value) {
            return rejected;
        }
        let incoming = Register { value: value.to_owned(), clock: op.hlc.clone(), by: op.actor.clone() };
        let current = self.fields.get(field).cloned();
        let concurrent = current.as_ref().is_some_and(|c| replaces != Some(&c.clock));
        let status_before = self.status();
        if field == "status" {
            let to = CaseStatus::from_code(value).unwrap_or(status_before);
            let would_show = current.as_ref().is_none_or(|c| incoming.clock > c.clock);
            if would_show && !status_before.can_become(to) {
                let reason = Self::illegal_transition(status_before, to);
                let Some(current) = current.filter(|_| concurrent) else {
                    return Outcome::rejected("illegal_transition", reason);
                };
                // Its author had not seen the current status: the app offers only the
                // changes legal from the status shown, and someone moved the case on
                // meanwhile. Keep both sides for a person to choose.
                self.push_conflict(Conflict {
                    op: op.id.clone(),
                    field: field.to_owned(),
                    kept: current,
                    other: incoming,
                    step: None,
                    reason: Some(format!("{reason}, so this change was not applied")),
                });
                return Outcome::Applied;
            }
        }
        let (shown, conflict) = merge_register(current, incoming, replaces);
        self.fields.insert(field.to_owned(), shown);
        if let Some((kept, other)) = conflict {
            self.push_conflict(Conflict {
                op: op.id.clone(),
                field: field.to_owned(),
                kept,
                other,
                step: None,
                reason: None,
            });
        }
        if field == "status" {
            self.note_status_change(op, status_before);
        }
        Outcome::Applied
    }

    fn start_checklist(&mut self, op: &Op, run: &str, template: &str, version: u32, catalog: &Catalog) -> Outcome {
        if catalog.find(template, version).is_none() {
            return Outcome::rejected(
                "unknown_template",
                format!("Checklist {template} version {version} is not known here: update the app and try again"),
            );
        }
        match self.checklists.get(run) {
            Some(existing) if existing.template == template && existing.version == version => Outcome::Applied,
            Some(_) => Outcome::rejected("checklist_exists", "A different checklist already has this id on this case"),
            None => {
                let started = ChecklistRun {
                    template: template.to_owned(),
                    version,
                    started_by: op.actor.clone(),
                    started_at: op.hlc.clone(),
                    steps: BTreeMap::new(),
                };
                self.checklists.insert(run.to_owned(), started);
                Outcome::Applied
            }
        }
    }

    /// The checks a new value of a checklist step must pass, with the template step.
    fn check_step_value(
        &self,
        op: &Op,
        run_id: &str,
        step_id: &str,
        value: &str,
        catalog: &Catalog,
    ) -> Result<(), Outcome> {
        let Some(run) = self.checklists.get(run_id) else {
            return Err(Outcome::rejected(
                "no_such_checklist",
                "This checklist has not been started on this case (it may not have synced yet)",
            ));
        };
        let Some(template) = catalog.find(&run.template, run.version) else {
            return Err(Outcome::rejected(
                "unknown_template",
                "This checklist's template is not known here: update the app",
            ));
        };
        let Some(step) = template.step(step_id) else {
            return Err(Outcome::rejected(
                "no_such_step",
                format!("Step '{step_id}' is not part of {}", template.title),
            ));
        };
        step.check_value(value, &op.actor).map_err(|reason| Outcome::rejected("invalid_step", reason))?;
        if template.kind == CaseKind::ProxyAccess && step_id == "legal_route" && !value.is_empty() {
            let born = run.value("patient_dob").and_then(|d| d.parse::<CivilDate>().ok());
            if let (Some(born), Some(route)) = (born, LegalRoute::from_code(value)) {
                let requested = CivilDate::from_ms(op.hlc.wall_ms as i64, 0);
                check_route(born, requested, route)
                    .map_err(|e| Outcome::rejected("route_not_allowed", e.to_string()))?;
            }
        }
        Ok(())
    }

    fn set_step(
        &mut self,
        op: &Op,
        run_id: &str,
        step_id: &str,
        value: &str,
        replaces: Option<&Hlc>,
        catalog: &Catalog,
    ) -> Outcome {
        if let Err(rejected) = self.check_step_value(op, run_id, step_id, value, catalog) {
            return rejected;
        }
        // check_step_value has just found the run; this only guards against a future edit.
        let Some(run) = self.checklists.get_mut(run_id) else {
            return Outcome::rejected("no_such_checklist", "This checklist has not been started on this case");
        };
        if !value.is_empty() {
            let template = catalog.find(&run.template, run.version);
            let missing = template
                .and_then(|t| t.step(step_id).map(|step| run.missing_preconditions(t, step)))
                .unwrap_or_default();
            if !missing.is_empty() {
                return Outcome::rejected(
                    "precondition_not_met",
                    format!("Do these steps first: {}", missing.join(", ")),
                );
            }
        }
        let incoming = Register { value: value.to_owned(), clock: op.hlc.clone(), by: op.actor.clone() };
        let (shown, conflict) = merge_register(run.steps.get(step_id).cloned(), incoming, replaces);
        run.steps.insert(step_id.to_owned(), shown);
        if let Some((kept, other)) = conflict {
            let step = StepRef { run: run_id.to_owned(), step: step_id.to_owned() };
            self.push_conflict(Conflict {
                op: op.id.clone(),
                field: step.field_key(),
                kept,
                other,
                step: Some(step),
                reason: None,
            });
        }
        Outcome::Applied
    }

    fn resolve_conflict(&mut self, op: &Op, conflict: &OpId, value: &str, catalog: &Catalog) -> Outcome {
        let Some(index) = self.conflicts.iter().position(|c| &c.op == conflict) else {
            return Outcome::rejected(
                "conflict_already_resolved",
                "This conflict has already been resolved, perhaps by a colleague: check the value now shown",
            );
        };
        let chosen = Register { value: value.to_owned(), clock: op.hlc.clone(), by: op.actor.clone() };
        match self.conflicts[index].step.clone() {
            Some(step) => {
                if let Err(rejected) = self.check_step_value(op, &step.run, &step.step, value, catalog) {
                    return rejected;
                }
                if let Some(run) = self.checklists.get_mut(&step.run) {
                    run.steps.insert(step.step, chosen);
                }
            }
            None => {
                let field = self.conflicts[index].field.clone();
                if let Err(rejected) = self.check_field_value(&field, value) {
                    return rejected;
                }
                let status_before = self.status();
                if field == "status" {
                    let to = CaseStatus::from_code(value).unwrap_or(status_before);
                    if !status_before.can_become(to) {
                        return Outcome::rejected("illegal_transition", Self::illegal_transition(status_before, to));
                    }
                }
                self.fields.insert(field.clone(), chosen);
                if field == "status" {
                    self.note_status_change(op, status_before);
                }
            }
        }
        self.conflicts.remove(index);
        Outcome::Applied
    }

    /// The case's status changes for service-level clocks, starting with the status it
    /// was created in.
    pub fn status_changes(&self) -> Vec<StatusChange> {
        let first = self
            .status_history
            .first()
            .map_or_else(|| self.status(), |e| CaseStatus::from_code(&e.from).unwrap_or(CaseStatus::New));
        let mut changes = vec![StatusChange { at_ms: self.created_at.wall_ms, status: first }];
        changes.extend(self.status_history.iter().filter_map(|e| {
            CaseStatus::from_code(&e.to).map(|status| StatusChange { at_ms: e.clock.wall_ms, status })
        }));
        changes
    }

    /// The case's service-level clock at `now_ms` in its site's calendar, or `None` if it
    /// has no valid kind. Cases without a priority count as normal.
    pub fn sla(&self, calendar: &SiteCalendar, now_ms: u64) -> Option<SlaStatus> {
        let kind = self.case_kind()?;
        let priority = self.field("priority").and_then(Priority::from_code).unwrap_or(Priority::Normal);
        Some(sla_status(calendar, kind, priority, self.created_at.wall_ms, &self.status_changes(), now_ms))
    }

    /// When the escalation target's answer is due: the moment the case was last
    /// escalated plus the expected response time, in clock hours (the person escalated
    /// to, such as a safeguarding lead, keeps their own hours). `None` unless the case
    /// is escalated now with an expected response time.
    pub fn escalation_response_due_ms(&self) -> Option<u64> {
        if self.status() != CaseStatus::Escalated {
            return None;
        }
        let hours: u64 = self.field("escalation_response_hours")?.parse().ok()?;
        let escalated_at = self
            .status_history
            .iter()
            .rev()
            .find(|e| e.to == CaseStatus::Escalated.code())
            .map_or(self.created_at.wall_ms, |e| e.clock.wall_ms);
        Some(escalated_at + hours * 3_600_000)
    }

    /// The 7-day sign-off rule for this case: the deadline and the state at `now_ms`,
    /// counted from `received_at` if set, otherwise from when the case was created.
    pub fn sign_off(&self, now_ms: u64) -> (u64, SignOffState) {
        let received = self.field("received_at").and_then(|v| v.parse().ok()).unwrap_or(self.created_at.wall_ms);
        let signed_off = self.field("signed_off_at").and_then(|v| v.parse().ok());
        sign_off_status(received, signed_off, now_ms)
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

/// Writes `incoming` into a last-writer-wins register that holds `current`. Returns the
/// value to show and, when the writer had not seen the current value (`replaces`
/// differs from its clock) and the values differ, the conflict as (kept, other).
fn merge_register(
    current: Option<Register>,
    incoming: Register,
    replaces: Option<&Hlc>,
) -> (Register, Option<(Register, Register)>) {
    let Some(current) = current else { return (incoming, None) };
    let concurrent = replaces != Some(&current.clock);
    let (kept, other) = if incoming.clock > current.clock { (incoming, current) } else { (current, incoming) };
    if concurrent && kept.value != other.value {
        (kept.clone(), Some((kept, other)))
    } else {
        (kept, None)
    }
}

/// Applies any operation to the record it names, as the server does: `current` is the
/// stored record (`None` if there is none yet). Returns the record to store when the
/// operation changed it, and the outcome to report to the device.
pub fn apply_op(current: Option<Record>, op: &Op) -> (Option<Record>, Outcome) {
    apply_op_in(current, op, &Catalog::builtin())
}

/// [`apply_op`], with checklist templates looked up in `catalog` (the record's site's
/// published versions as well as the built-in ones).
pub fn apply_op_in(current: Option<Record>, op: &Op, catalog: &Catalog) -> (Option<Record>, Outcome) {
    match current {
        None => match Record::create(op) {
            Ok(record) => (Some(record), Outcome::Applied),
            Err(outcome) => (None, outcome),
        },
        Some(mut record) => match record.apply_in(op, catalog) {
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
            signature: None,
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

    fn body_op(id: &str, device: &str, wall_ms: u64, actor: &str, body: OpBody) -> Op {
        let mut made = op(id, device, wall_ms, body);
        made.actor = StaffId::from(actor);
        made
    }

    fn step(id: &str, device: &str, wall_ms: u64, run: &str, step: &str, value: &str, replaces: Option<Hlc>) -> Op {
        let body = OpBody::SetStep { run: run.into(), step: step.into(), value: value.into(), replaces };
        body_op(id, device, wall_ms, &format!("staff-{device}"), body)
    }

    fn with_run(template: &str) -> Record {
        let mut record = new_case();
        let start = OpBody::StartChecklist { run: "r1".into(), template: template.into(), version: 1 };
        assert_eq!(record.apply(&op("s", "a", 1_500, start)), Outcome::Applied);
        record
    }

    #[test]
    fn a_status_change_made_legally_but_overtaken_is_kept_as_a_conflict() {
        // b closes the case; c, not having seen that, marks it waiting on the patient
        // (legal from "new", illegal from "closed"). c's change is kept, not applied.
        let mut record = new_case();
        let seen = record.fields["status"].clock.clone();
        assert_eq!(record.apply(&set("e1", "b", 3_000, "status", "closed", Some(seen.clone()))), Outcome::Applied);
        assert_eq!(record.apply(&set("e2", "c", 4_000, "status", "waiting_on_patient", Some(seen))), Outcome::Applied);
        assert_eq!(record.field("status"), Some("closed"));
        assert_eq!(record.conflicts.len(), 1);
        let conflict = &record.conflicts[0];
        assert_eq!((conflict.kept.value.as_str(), conflict.other.value.as_str()), ("closed", "waiting_on_patient"));
        assert!(conflict.reason.as_deref().unwrap().contains("cannot become waiting on patient"));
    }

    #[test]
    fn status_changes_are_kept_in_order_for_service_levels() {
        let mut record = new_case();
        let seen = record.fields["status"].clock.clone();
        record.apply(&set("e1", "b", 2_000, "status", "waiting_on_patient", Some(seen)));
        let seen = record.fields["status"].clock.clone();
        record.apply(&set("e2", "b", 5_000, "status", "in_progress", Some(seen)));
        let changes: Vec<(u64, CaseStatus)> = record.status_changes().iter().map(|c| (c.at_ms, c.status)).collect();
        assert_eq!(
            changes,
            [(1_000, CaseStatus::New), (2_000, CaseStatus::WaitingOnPatient), (5_000, CaseStatus::InProgress)]
        );
        assert_eq!(record.status_history[1].by, StaffId::from("staff-b"));
    }

    #[test]
    fn record_sla_and_sign_off_read_the_case() {
        // Created Monday 23 November 2026 09:00 UTC; an urgent password reset: 1 open hour.
        let created = 1_795_424_400_000;
        let mut record = new_case();
        record.created_at.wall_ms = created;
        record.fields.insert(
            "priority".into(),
            Register { value: "urgent".into(), clock: record.created_at.clone(), by: "a".into() },
        );
        let calendar = SiteCalendar::weekdays(
            crate::calendar::OpeningHours::new((8, 0), (18, 0)),
            crate::zone::TimeZone::fixed("UTC", 0),
        );
        let sla = record.sla(&calendar, created + 1_800_000).unwrap();
        assert_eq!(sla.due_ms, Some(created + 3_600_000));
        assert_eq!(sla.state, crate::sla::SlaState::OnTrack);
        assert_eq!(record.sign_off(created).0, created + 7 * 86_400_000);
    }

    #[test]
    fn steps_need_a_started_run_a_known_step_and_a_valid_value() {
        let mut record = new_case();
        let outcome = record.apply(&step("t1", "b", 2_000, "r1", "dob_confirmed", "done", None));
        assert!(matches!(outcome, Outcome::Rejected { ref code, .. } if code == "no_such_checklist"));
        let mut record = with_run("identity_verification_p9");
        let outcome = record.apply(&step("t2", "b", 2_000, "r1", "colour", "done", None));
        assert!(matches!(outcome, Outcome::Rejected { ref code, .. } if code == "no_such_step"));
        let outcome = record.apply(&step("t3", "b", 2_000, "r1", "photo_id", "library_card", None));
        assert!(
            matches!(outcome, Outcome::Rejected { ref code, ref reason } if code == "invalid_step" && reason.contains("Passport"))
        );
        assert_eq!(record.apply(&step("t4", "b", 2_000, "r1", "photo_id", "passport", None)), Outcome::Applied);
        let run = &record.checklists["r1"];
        assert_eq!(run.value("photo_id"), Some("passport"));
        assert_eq!(run.steps["photo_id"].by, StaffId::from("staff-b"));
        assert_eq!(run.steps["photo_id"].clock.wall_ms, 2_000);
    }

    #[test]
    fn an_unknown_template_cannot_be_started_and_a_start_is_idempotent() {
        let mut record = with_run("identity_verification_p9");
        let again =
            OpBody::StartChecklist { run: "r1".into(), template: "identity_verification_p9".into(), version: 1 };
        assert_eq!(record.apply(&op("s2", "b", 9_000, again)), Outcome::Applied);
        assert_eq!(record.checklists["r1"].started_at.wall_ms, 1_500);
        let other = OpBody::StartChecklist { run: "r1".into(), template: "complaint".into(), version: 1 };
        assert!(
            matches!(record.apply(&op("s3", "b", 9_000, other)), Outcome::Rejected { ref code, .. } if code == "checklist_exists")
        );
        let unknown =
            OpBody::StartChecklist { run: "r2".into(), template: "identity_verification_p9".into(), version: 99 };
        assert!(
            matches!(record.apply(&op("s4", "b", 9_000, unknown)), Outcome::Rejected { ref code, .. } if code == "unknown_template")
        );
    }

    #[test]
    fn a_step_whose_preconditions_are_not_done_is_refused_with_what_to_do_first() {
        let mut record = with_run("identity_verification_p9");
        let before = record.clone();
        let outcome = record.apply(&step("t1", "b", 2_000, "r1", "verified_by", "staff-b", None));
        let Outcome::Rejected { code, reason } = outcome else { panic!() };
        assert_eq!(code, "precondition_not_met");
        assert_eq!(
            reason,
            "Do these steps first: Photo ID seen, Date of birth confirmed, NHS number matched, Address confirmed"
        );
        assert_eq!(record, before);
        for (i, id) in ["photo_id", "dob_confirmed", "nhs_number_matched", "address_confirmed"].iter().enumerate() {
            let value = if *id == "photo_id" { "driving_licence" } else { "done" };
            assert_eq!(
                record.apply(&step(&format!("t{i}"), "b", 2_000 + i as u64, "r1", id, value, None)),
                Outcome::Applied
            );
        }
        assert_eq!(record.apply(&step("t9", "b", 3_000, "r1", "verified_by", "staff-b", None)), Outcome::Applied);
        assert!(record.checklists["r1"].is_complete(crate::templates::find("identity_verification_p9", 1).unwrap()));
    }

    #[test]
    fn nobody_can_attest_in_someone_elses_name() {
        let mut record = with_run("password_reset");
        let outcome = record.apply(&step("t1", "b", 2_000, "r1", "signed_off", "staff-c", None));
        assert!(matches!(outcome, Outcome::Rejected { ref code, .. } if code == "invalid_step"));
    }

    #[test]
    fn concurrent_step_edits_keep_the_later_and_record_a_step_conflict() {
        let mut record = with_run("identity_verification_p9");
        record.apply(&step("t1", "b", 3_000, "r1", "photo_id", "passport", None));
        record.apply(&step("t2", "c", 2_000, "r1", "photo_id", "driving_licence", None));
        assert_eq!(record.checklists["r1"].value("photo_id"), Some("passport"));
        let conflict = &record.conflicts[0];
        assert_eq!(conflict.field, "checklist:r1:photo_id");
        assert_eq!(conflict.step, Some(StepRef { run: "r1".into(), step: "photo_id".into() }));
        assert_eq!(conflict.other.value, "driving_licence");
    }

    #[test]
    fn a_proxy_route_that_does_not_fit_the_patients_age_is_refused() {
        // The request is made on 2026-11-22 (1_795_305_600_000 ms) for a child born 2016-05-01: aged 10.
        let day = 1_795_305_600_000;
        let mut record = with_run("proxy_access");
        assert_eq!(record.apply(&step("t1", "b", day, "r1", "patient_dob", "2016-05-01", None)), Outcome::Applied);
        let outcome = record.apply(&step("t2", "b", day + 1, "r1", "legal_route", "patient_consent", None));
        let Outcome::Rejected { code, reason } = outcome else { panic!() };
        assert_eq!(code, "route_not_allowed");
        assert!(reason.contains("aged 10 (Under 11); use: Parental responsibility"), "{reason}");
        assert_eq!(
            record.apply(&step("t3", "b", day + 2, "r1", "legal_route", "parental_responsibility", None)),
            Outcome::Applied
        );
    }

    #[test]
    fn resolving_a_conflict_sets_the_chosen_value_and_removes_it_once() {
        let mut record = new_case();
        let seen = record.fields["patient_name"].clock.clone();
        record.apply(&set("e1", "b", 3_000, "patient_name", "Ada King", Some(seen.clone())));
        record.apply(&set("e2", "c", 2_000, "patient_name", "Ada Byron", Some(seen)));
        let resolve = |id: &str, at: u64| {
            op(id, "d", at, OpBody::ResolveConflict { conflict: OpId::from("e2"), value: "Ada Byron King".into() })
        };
        assert_eq!(record.apply(&resolve("r1", 4_000)), Outcome::Applied);
        assert_eq!(record.field("patient_name"), Some("Ada Byron King"));
        assert!(record.conflicts.is_empty());
        let again = record.apply(&resolve("r2", 5_000));
        assert!(matches!(again, Outcome::Rejected { ref code, .. } if code == "conflict_already_resolved"));
    }

    #[test]
    fn resolving_a_step_conflict_checks_the_value_like_the_step() {
        let mut record = with_run("identity_verification_p9");
        record.apply(&step("t1", "b", 3_000, "r1", "photo_id", "passport", None));
        record.apply(&step("t2", "c", 2_000, "r1", "photo_id", "driving_licence", None));
        let bad = op("r1", "d", 4_000, OpBody::ResolveConflict { conflict: "t2".into(), value: "library_card".into() });
        assert!(matches!(record.apply(&bad), Outcome::Rejected { ref code, .. } if code == "invalid_step"));
        let good =
            op("r2", "d", 4_000, OpBody::ResolveConflict { conflict: "t2".into(), value: "driving_licence".into() });
        assert_eq!(record.apply(&good), Outcome::Applied);
        assert_eq!(record.checklists["r1"].value("photo_id"), Some("driving_licence"));
        assert!(record.conflicts.is_empty());
    }

    #[test]
    fn register_merge_keeps_the_later_clock() {
        let a = Register { value: "a".into(), clock: hlc(1, "x"), by: "s".into() };
        let b = Register { value: "b".into(), clock: hlc(1, "y"), by: "s".into() };
        assert_eq!(a.clone().lww(b.clone()), b);
        assert_eq!(b.clone().lww(a), b);
    }

    #[test]
    fn records_stored_before_checklists_existed_still_load_and_keep_their_shape() {
        let record = new_case();
        let json = serde_json::to_value(&record).unwrap();
        assert!(json.get("checklists").is_none() && json.get("status_history").is_none());
        let conflict_free = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&conflict_free).unwrap(), record);
        let old_conflict = r#"{"op":"e2","field":"summary","kept":{"value":"a","clock":{"wall_ms":2,"counter":0,"device":"b"},"by":"s"},"other":{"value":"b","clock":{"wall_ms":1,"counter":0,"device":"c"},"by":"t"}}"#;
        let conflict: Conflict = serde_json::from_str(old_conflict).unwrap();
        assert_eq!((conflict.step, conflict.reason), (None, None));
    }

    #[test]
    fn an_escalation_is_due_its_expected_response_time_after_escalating() {
        let mut record = new_case();
        let set_hours = set("h", "b", 1_500, "escalation_response_hours", "4", None);
        assert_eq!(record.apply(&set_hours), Outcome::Applied);
        assert_eq!(record.escalation_response_due_ms(), None);
        let seen = record.fields["status"].clock.clone();
        record.apply(&set("e1", "b", 1_795_424_400_000, "status", "escalated", Some(seen)));
        assert_eq!(record.escalation_response_due_ms(), Some(1_795_424_400_000 + 4 * 3_600_000));
    }

    #[test]
    fn patient_records_sync_with_their_own_fields() {
        let fields: BTreeMap<String, String> =
            [("given_name", "Ada"), ("family_name", "Lovelace"), ("date_of_birth", "1985-12-10")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into();
        let create = OpBody::Create { collection: Collection::Patient, site: "s1".into(), fields: fields.clone() };
        let mut patient = Record::create(&op("p", "a", 1_000, create)).unwrap();
        assert_eq!(patient.field("status"), None, "patients have no case status");
        assert!(!patient.is_restricted());
        assert_eq!(patient.apply(&set("e1", "a", 2_000, "nhs_number", "4857773457", None)), Outcome::Applied);
        let outcome = patient.apply(&set("e2", "a", 3_000, "kind", "complaint", None));
        assert!(matches!(outcome, Outcome::Rejected { ref reason, .. } if reason.contains("not a field of a patient")));
        let as_patient = crate::patient::Patient::from_record(&patient).unwrap();
        assert_eq!(as_patient.nhs_number.unwrap().as_str(), "4857773457");
        let mut no_dob = fields;
        no_dob.remove("date_of_birth");
        let create = OpBody::Create { collection: Collection::Patient, site: "s1".into(), fields: no_dob };
        let refused = Record::create(&op("q", "a", 1_000, create)).unwrap_err();
        assert!(
            matches!(refused, Outcome::Rejected { ref reason, .. } if reason == "Enter the patient's date of birth")
        );
    }
}
