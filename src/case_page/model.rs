//! The rules behind the case page, pure so they are tested natively: the timeline of
//! events drawn from a record's history, the status moves offered, and the checks that
//! turn what a person typed (an assignment, an escalation, a checklist step) into
//! operations, with messages that say what is wrong and how to fix it.

use super::site_setup::SiteSetup;
use crate::case_form::FieldError;
use crate::case_view::CaseView;
use crate::format::date_time;
use portal_desk_core::calendar::SiteCalendar;
use portal_desk_core::case::{validate_case_field, CaseStatus, MAX_ESCALATION_RESPONSE_HOURS};
use portal_desk_core::checklist::{ChecklistRun, ChecklistTemplate, StepKind, StepTemplate, TICKED};
use portal_desk_core::date::CivilDate;
use portal_desk_core::proxy::{assess_proxy, check_route, eleventh_birthday_warning, LegalRoute};
use portal_desk_core::sla::SlaState;
use portal_desk_core::staff::{Permission, Role};
use portal_desk_core::{validate, Hlc, OpBody, Register, StaffId};

/// The address the activation QR code opens: the NHS App's own web address, where a
/// patient signs in (or finishes signing up) on their own phone. Not patient data.
pub const ACTIVATION_URL: &str = "https://www.nhsapp.service.nhs.uk/";

/// The person signed in, as the case page needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Me {
    /// Their staff id.
    pub id: StaffId,
    /// Their name.
    pub name: String,
    /// Their role, if the device knows it.
    pub role: Option<Role>,
    /// Colleagues' names by staff id, from the staff directory on the device.
    pub names: std::collections::BTreeMap<StaffId, String>,
}

impl Me {
    /// Whether their role allows `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.role.is_some_and(|r| r.may(permission))
    }

    /// How a member of staff is named to this person: themselves as "(you)", others by
    /// name from the staff directory, or, before the device has fetched it (or for
    /// someone not in it), by the start of their id, which is still attributable.
    pub fn label(&self, by: &StaffId) -> String {
        if by == &self.id {
            format!("{} (you)", self.name)
        } else if let Some(name) = self.names.get(by) {
            name.clone()
        } else {
            format!("Colleague {}", by.as_str().chars().take(8).collect::<String>())
        }
    }
}

/// One line of a case's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When (its clock orders the timeline).
    pub at: Hlc,
    /// Who.
    pub by: StaffId,
    /// What happened, in words.
    pub text: String,
    /// Whether it is a note (shown as the person wrote it).
    pub note: bool,
    /// Whether the change is still only on this device.
    pub pending: bool,
}

/// The case's timeline, oldest first: its opening, notes, status changes, the current
/// assignment and escalation, checklists started and each step's latest state.
pub fn timeline(case: &CaseView, me: &Me, setup: &SiteSetup) -> Vec<Event> {
    let record = &case.record;
    // Looked up once per event: a case noted on offline for a long time has as many
    // pending changes as events, and a scan for each would grow with the square.
    let pending_at: std::collections::BTreeSet<&Hlc> = case.pending_ops.iter().map(|op| &op.hlc).collect();
    let pending = |at: &Hlc| pending_at.contains(at);
    let mut events = Vec::new();
    let mut push = |at: &Hlc, by: &StaffId, text: String, note: bool| {
        events.push(Event { at: at.clone(), by: by.clone(), text, note, pending: pending(at) });
    };
    push(&record.created_at, &record.created_by, "Case opened".to_owned(), false);
    for entry in &record.timeline {
        push(&entry.clock, &entry.by, entry.text.clone(), true);
    }
    for change in &record.status_history {
        let label = |code: &str| CaseStatus::from_code(code).map_or(code.to_owned(), |s| s.label().to_lowercase());
        push(
            &change.clock,
            &change.by,
            format!("Status changed from {} to {}", label(&change.from), label(&change.to)),
            false,
        );
    }
    if let Some(owner) = record.fields.get("owner").filter(|r| r.clock != record.created_at || !r.value.is_empty()) {
        let text = if owner.value.is_empty() {
            "Unassigned".to_owned()
        } else {
            format!("Assigned to {}", me.label(&StaffId::from(owner.value.as_str())))
        };
        push(&owner.clock, &owner.by, text, false);
    }
    if let Some(target) = record.fields.get("escalation_target").filter(|r| !r.value.is_empty()) {
        push(&target.clock, &target.by, escalation_words(case).unwrap_or_default(), false);
    }
    for run in record.checklists.values() {
        let Some(template) = setup.template(&run.template, run.version) else { continue };
        push(
            &run.started_at,
            &run.started_by,
            format!("Checklist started: {} (version {})", template.title, run.version),
            false,
        );
        for step in &template.steps {
            if let Some(state) = run.steps.get(&step.id) {
                push(&state.clock, &state.by, step_event(step, state), false);
            }
        }
    }
    events.sort_by(|a, b| a.at.cmp(&b.at));
    events
}

/// A checklist step's latest state, in words.
fn step_event(step: &StepTemplate, state: &Register) -> String {
    if state.value.is_empty() {
        return format!("Cleared “{}”", step.label);
    }
    match &step.kind {
        StepKind::Tick => format!("Ticked “{}”", step.label),
        StepKind::StaffAttestation => format!("“{}”: confirmed in their own name", step.label),
        _ => format!("“{}”: {}", step.label, step_value_label(step, &state.value)),
    }
}

/// A step's stored value in words (choice codes become their labels).
pub fn step_value_label(step: &StepTemplate, value: &str) -> String {
    match &step.kind {
        StepKind::Choice { options } => {
            options.iter().find(|o| o.code == value).map_or(value.to_owned(), |o| o.label.clone())
        }
        StepKind::Tick => "Done".to_owned(),
        _ => value.to_owned(),
    }
}

/// The escalation in words, if the case has one recorded.
pub fn escalation_words(case: &CaseView) -> Option<String> {
    let target = case.record.field("escalation_target").filter(|t| !t.is_empty())?;
    let mut words = format!("Escalated to {target}");
    if let Some(reason) = case.record.field("escalation_reason").filter(|r| !r.is_empty()) {
        words.push_str(&format!(": {}", reason.trim_end_matches('.')));
    }
    if let Some(hours) = case.record.field("escalation_response_hours").filter(|h| !h.is_empty()) {
        words.push_str(&format!(". Answer expected within {hours} hours"));
    }
    Some(words)
}

/// When the case is due and where it stands, in words, such as "On track: due by Mon
/// 23 Nov, 14:00", counted in the site's `calendar`.
pub fn due_words(case: &CaseView, calendar: &SiteCalendar, now_ms: u64) -> String {
    let Some(sla) = case.record.sla(calendar, now_ms) else {
        return "No service level: the kind of case is unknown".to_owned();
    };
    let when = |ms: Option<u64>| ms.map(|ms| date_time(ms, &calendar.zone));
    match (sla.state, when(sla.due_ms)) {
        (SlaState::OnTrack, Some(due)) => format!("On track: due by {due}"),
        (SlaState::DueSoon, Some(due)) => format!("Due soon: due by {due}"),
        (SlaState::Breached, Some(due)) => format!("Breached: it was due by {due}"),
        (SlaState::Breached, None) => "Breached: past its service level".to_owned(),
        (SlaState::Paused, _) => {
            let hours = sla.remaining_ms().div_ceil(3_600_000);
            format!("Paused while waiting on the patient: {hours} working hours left when they reply")
        }
        (SlaState::Met, _) => "Met: finished within its service level".to_owned(),
        (state, None) => format!("{}: the site does not open again in time to say when", state.label()),
    }
}

/// One status move offered as a button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusMove {
    /// The status the case moves to.
    pub to: CaseStatus,
    /// The button's words.
    pub label: &'static str,
    /// What the confirmation says happened.
    pub done: &'static str,
}

/// The status moves offered from `from` (escalating has a form of its own), following
/// the core's state machine.
pub fn status_moves(from: CaseStatus) -> Vec<StatusMove> {
    let reopen = matches!(from, CaseStatus::Resolved | CaseStatus::Closed);
    let back = match from {
        CaseStatus::New => ("Start work", "Work started: the case is in progress"),
        _ if reopen => ("Reopen", "Case reopened: it is in progress again"),
        _ => ("Back to in progress", "The case is in progress again"),
    };
    [
        StatusMove { to: CaseStatus::InProgress, label: back.0, done: back.1 },
        StatusMove {
            to: CaseStatus::WaitingOnPatient,
            label: "Wait on patient",
            done: "Waiting on the patient: the service-level clock is paused until they reply",
        },
        StatusMove { to: CaseStatus::Resolved, label: "Resolve", done: "Case resolved" },
        StatusMove { to: CaseStatus::Closed, label: "Close", done: "Case closed" },
    ]
    .into_iter()
    .filter(|m| m.to != from && from.can_become(m.to))
    .collect()
}

/// A status change from the status shown, replacing the value the person saw.
pub fn status_body(case: &CaseView, to: CaseStatus) -> OpBody {
    let seen = case.record.fields.get("status").map(|r| r.clock.clone());
    OpBody::SetField { field: "status".to_owned(), value: to.code().to_owned(), replaces: seen }
}

/// A field change replacing the value the person saw.
fn set_field(case: &CaseView, field: &str, value: &str) -> OpBody {
    let replaces = case.record.fields.get(field).map(|r| r.clock.clone());
    OpBody::SetField { field: field.to_owned(), value: value.to_owned(), replaces }
}

/// Assigns the case to `to` (a staff id), or says why not.
pub fn assign_body(case: &CaseView, to: &str) -> Result<OpBody, String> {
    let to = to.trim();
    if to.is_empty() {
        return Err("Choose (or type the staff id of) the colleague to assign the case to".to_owned());
    }
    if case.record.field("owner") == Some(to) {
        return Err("The case is already assigned to them: choose someone else".to_owned());
    }
    validate_case_field("owner", to)?;
    Ok(set_field(case, "owner", to))
}

/// What the person typed into the escalation form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EscalationInput {
    /// To whom.
    pub target: String,
    /// Why.
    pub reason: String,
    /// Expected response time, in hours.
    pub hours: String,
}

/// The changes an escalation makes, in one go: who, why, the expected response time,
/// and the status (if the case is not escalated already).
pub fn escalation_bodies(case: &CaseView, input: &EscalationInput) -> Result<Vec<OpBody>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let status = case.status();
    if !status.can_become(CaseStatus::Escalated) {
        errors.push(FieldError {
            field: "escalation-target",
            message: format!("A {} case cannot be escalated: reopen it first", status.label().to_lowercase()),
        });
    }
    let (target, reason, hours) = (input.target.trim(), input.reason.trim(), input.hours.trim());
    let mut check = |field: &'static str, id: &'static str, value: &str, missing: &str| {
        let result = if value.is_empty() { Err(missing.to_owned()) } else { validate_case_field(field, value) };
        if let Err(message) = result {
            errors.push(FieldError { field: id, message });
        }
    };
    check(
        "escalation_target",
        "escalation-target",
        target,
        "Enter who you are escalating to, such as the safeguarding lead",
    );
    check("escalation_reason", "escalation-reason", reason, "Say why you are escalating the case");
    check(
        "escalation_response_hours",
        "escalation-hours",
        hours,
        &format!("Enter how many hours they have to answer, from 1 to {MAX_ESCALATION_RESPONSE_HOURS}"),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut bodies = vec![
        set_field(case, "escalation_target", target),
        set_field(case, "escalation_reason", reason),
        set_field(case, "escalation_response_hours", hours),
    ];
    if status != CaseStatus::Escalated {
        bodies.push(status_body(case, CaseStatus::Escalated));
    }
    Ok(bodies)
}

/// Checks what a person entered for a checklist step and builds the change, or says
/// what to fix: locked steps, values of the wrong shape, and the proxy-access rules
/// (date of birth, the legal route for the patient's age, the review date).
pub fn step_body(
    run_id: &str,
    run: &ChecklistRun,
    template: &ChecklistTemplate,
    step: &StepTemplate,
    value: &str,
    me: &StaffId,
    today: CivilDate,
) -> Result<OpBody, String> {
    let value = value.trim();
    let missing = run.missing_preconditions(template, step);
    if !missing.is_empty() {
        return Err(format!("Do these steps first: {}", missing.join(", ")));
    }
    if value.is_empty() {
        return Err(match &step.kind {
            StepKind::Choice { .. } => format!("Choose an option for “{}”", step.label),
            StepKind::Date => format!("Enter a date for “{}”, such as 2026-11-23", step.label),
            _ => format!("Write something for “{}”", step.label),
        });
    }
    step.check_value(value, me)?;
    if template.id == "proxy_access" {
        proxy_step_rules(run, &step.id, value, today)?;
    }
    let replaces = run.steps.get(&step.id).map(|r| r.clock.clone());
    Ok(OpBody::SetStep { run: run_id.to_owned(), step: step.id.clone(), value: value.to_owned(), replaces })
}

/// The proxy-access rules a step's value must meet on `today`.
fn proxy_step_rules(run: &ChecklistRun, step: &str, value: &str, today: CivilDate) -> Result<(), String> {
    let born = run.value("patient_dob").and_then(|d| d.parse::<CivilDate>().ok());
    match (step, born) {
        ("patient_dob", _) => validate::date_of_birth(value, today).map(|_| ()).map_err(|e| e.to_string()),
        ("legal_route", Some(born)) => {
            let route = LegalRoute::from_code(value).ok_or("Choose one of the legal routes listed")?;
            check_route(born, today, route).map(|_| ()).map_err(|e| e.to_string())
        }
        ("review_on", born) => {
            let date: CivilDate = value.parse().map_err(|e| format!("Review date: {e}"))?;
            if date <= today {
                return Err("The review date must be after today".to_owned());
            }
            let limit = born.and_then(|b| assess_proxy(b, today).ok()).and_then(|a| a.review_on.zip(a.review_reason));
            match limit {
                Some((on, why)) if date > on => {
                    Err(format!("Set the review on or before {on}: {}", why.to_lowercase()))
                }
                None if date > today.add_years(1) => {
                    Err(format!("Set the review within a year, on or before {}", today.add_years(1)))
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// What the proxy-access rules say for a run on `today`, as lines for staff: the
/// patient's age and band, the legal routes open, when access must be reviewed, and any
/// eleventh-birthday warning. Empty until the date of birth is recorded.
pub fn proxy_guidance(run: &ChecklistRun, today: CivilDate) -> (Vec<String>, Option<String>) {
    let Some(born) = run.value("patient_dob").and_then(|d| d.parse::<CivilDate>().ok()) else {
        return (
            vec!["Record the patient's date of birth first: it decides which legal routes apply.".to_owned()],
            None,
        );
    };
    let assessment = match assess_proxy(born, today) {
        Ok(a) => a,
        Err(e) => return (vec![e.to_string()], None),
    };
    let routes: Vec<&str> = assessment.allowed_routes.iter().map(|r| r.label()).collect();
    let mut lines = vec![
        format!("The patient is {} ({}).", assessment.age, assessment.band.label()),
        format!("Legal routes that apply: {}.", routes.join("; ")),
    ];
    lines.push(match (assessment.review_on, &assessment.review_reason) {
        (Some(on), Some(why)) => format!("Review access on or before {on}. {why}."),
        _ => format!("Review access within a year, on or before {}.", today.add_years(1)),
    });
    if let Some(route) = run.value("legal_route").and_then(LegalRoute::from_code) {
        lines.push(match check_route(born, today, route) {
            Ok(_) => format!("Recorded route: {}.", route.label()),
            Err(e) => format!("The recorded route no longer applies: {e}."),
        });
    }
    (lines, eleventh_birthday_warning(born, today))
}

/// The checklist run to show for a case: the one started (the newest if several).
pub fn current_run(case: &CaseView) -> Option<(&str, &ChecklistRun)> {
    case.record.checklists.iter().max_by(|a, b| a.1.started_at.cmp(&b.1.started_at)).map(|(id, run)| (id.as_str(), run))
}

/// The value a tick step is set to.
pub fn ticked() -> String {
    TICKED.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::{CaseKind, Collection};
    use portal_desk_core::templates;
    use portal_desk_core::{DeviceId, Op, OpId, Record, RecordId};

    fn hlc(ms: u64) -> Hlc {
        Hlc { wall_ms: ms, counter: 0, device: DeviceId::from("tablet") }
    }

    fn op(ms: u64, actor: &str, body: OpBody) -> Op {
        Op {
            id: OpId::from(format!("op-{ms}")),
            device: DeviceId::from("tablet"),
            seq: ms,
            hlc: hlc(ms),
            actor: StaffId::from(actor),
            record: RecordId::from("c"),
            body,
            signature: None,
        }
    }

    fn case(kind: CaseKind) -> CaseView {
        let fields = [("patient_name", "Ada"), ("kind", kind.code()), ("priority", "normal")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let create =
            op(1_763_800_000_000, "asha", OpBody::Create { collection: Collection::Case, site: "r".into(), fields });
        CaseView { record: Record::create(&create).unwrap(), unsynced: false, pending_ops: vec![] }
    }

    fn apply(view: &mut CaseView, ms: u64, actor: &str, body: OpBody) {
        let op = op(ms, actor, body);
        assert_eq!(view.record.apply(&op), portal_desk_core::Outcome::Applied);
    }

    fn asha() -> Me {
        Me { id: "asha".into(), name: "Asha Patel".into(), role: Some(Role::Analyst), names: Default::default() }
    }

    #[test]
    fn colleagues_are_named_from_the_directory_and_others_by_their_id() {
        let mut me = asha();
        assert_eq!(me.label(&"asha".into()), "Asha Patel (you)");
        assert_eq!(me.label(&"ben-okafor-1".into()), "Colleague ben-okaf");
        me.names.insert("ben-okafor-1".into(), "Ben Okafor".into());
        assert_eq!(me.label(&"ben-okafor-1".into()), "Ben Okafor");
    }

    /// A site whose settings and templates have not synced: the defaults.
    fn no_site_records() -> SiteSetup {
        SiteSetup::of(&[], &"riverside".into())
    }

    fn date(text: &str) -> CivilDate {
        text.parse().unwrap()
    }

    #[test]
    fn status_moves_follow_the_state_machine() {
        let labels = |from| status_moves(from).iter().map(|m| m.label).collect::<Vec<_>>();
        assert_eq!(labels(CaseStatus::New), ["Start work", "Wait on patient", "Resolve", "Close"]);
        assert_eq!(labels(CaseStatus::InProgress), ["Wait on patient", "Resolve", "Close"]);
        assert_eq!(labels(CaseStatus::Resolved), ["Reopen", "Close"]);
        assert_eq!(labels(CaseStatus::Closed), ["Reopen"]);
        assert_eq!(labels(CaseStatus::Escalated), ["Back to in progress", "Wait on patient", "Resolve", "Close"]);
    }

    #[test]
    fn an_escalation_needs_who_why_and_when_and_moves_the_status() {
        let view = case(CaseKind::Safeguarding);
        let errors = escalation_bodies(&view, &EscalationInput::default()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["escalation-target", "escalation-reason", "escalation-hours"]);
        let late = EscalationInput { target: "Lead".into(), reason: "Risk".into(), hours: "900".into() };
        assert!(escalation_bodies(&view, &late).unwrap_err()[0].message.contains("from 1 to 720"));
        let good =
            EscalationInput { target: " Safeguarding lead ".into(), reason: "Bruising".into(), hours: "4".into() };
        let bodies = escalation_bodies(&view, &good).unwrap();
        assert_eq!(bodies.len(), 4);
        assert!(matches!(&bodies[0], OpBody::SetField { value, .. } if value == "Safeguarding lead"));
        assert!(
            matches!(&bodies[3], OpBody::SetField { field, value, .. } if field == "status" && value == "escalated")
        );
    }

    #[test]
    fn a_closed_case_cannot_be_escalated() {
        let mut view = case(CaseKind::Complaint);
        let seen = view.record.fields["status"].clock.clone();
        apply(
            &mut view,
            1_763_800_001_000,
            "asha",
            OpBody::SetField { field: "status".into(), value: "closed".into(), replaces: Some(seen) },
        );
        let input = EscalationInput { target: "PALS".into(), reason: "Unhappy".into(), hours: "24".into() };
        assert!(escalation_bodies(&view, &input).unwrap_err()[0].message.contains("reopen it first"));
    }

    #[test]
    fn assigning_needs_someone_new() {
        let mut view = case(CaseKind::SignUp);
        assert!(assign_body(&view, " ").unwrap_err().starts_with("Choose"));
        let body = assign_body(&view, "ben").unwrap();
        apply(&mut view, 1_763_800_002_000, "carys", body);
        assert!(assign_body(&view, "ben").unwrap_err().contains("already assigned"));
    }

    #[test]
    fn the_timeline_tells_the_cases_story_in_order() {
        let mut view = case(CaseKind::IdentityVerification);
        let seen = view.record.fields["status"].clock.clone();
        apply(
            &mut view,
            1_763_800_001_000,
            "asha",
            OpBody::SetField { field: "status".into(), value: "in_progress".into(), replaces: Some(seen) },
        );
        apply(
            &mut view,
            1_763_800_002_000,
            "asha",
            OpBody::SetField { field: "owner".into(), value: "asha".into(), replaces: None },
        );
        let template = templates::for_kind(CaseKind::IdentityVerification);
        apply(
            &mut view,
            1_763_800_003_000,
            "asha",
            OpBody::StartChecklist { run: "r1".into(), template: template.id.clone(), version: template.version },
        );
        apply(
            &mut view,
            1_763_800_004_000,
            "ben",
            OpBody::SetStep { run: "r1".into(), step: "photo_id".into(), value: "passport".into(), replaces: None },
        );
        apply(&mut view, 1_763_800_005_000, "ben", OpBody::AppendNote { text: "Passport in date".into() });
        view.pending_ops.push(op(1_763_800_005_000, "ben", OpBody::AppendNote { text: "Passport in date".into() }));
        let texts: Vec<String> = timeline(&view, &asha(), &no_site_records()).into_iter().map(|e| e.text).collect();
        assert_eq!(
            texts,
            [
                "Case opened",
                "Status changed from new to in progress",
                "Assigned to Asha Patel (you)",
                "Checklist started: Verify identity to P9 (version 1)",
                "“Photo ID seen”: Passport",
                "Passport in date",
            ]
        );
        let events = timeline(&view, &asha(), &no_site_records());
        assert!(events[5].pending && events[5].note && !events[4].pending);
    }

    fn proxy_run() -> (CaseView, &'static ChecklistTemplate) {
        let mut view = case(CaseKind::ProxyAccess);
        let template = templates::for_kind(CaseKind::ProxyAccess);
        apply(
            &mut view,
            1_763_800_001_000,
            "asha",
            OpBody::StartChecklist { run: "r1".into(), template: template.id.clone(), version: template.version },
        );
        (view, template)
    }

    #[test]
    fn a_locked_step_says_which_steps_come_first() {
        let (view, template) = proxy_run();
        let run = &view.record.checklists["r1"];
        let step = template.step("legal_route").unwrap();
        let err = step_body("r1", run, template, step, "parental_responsibility", &"asha".into(), date("2026-11-22"));
        assert_eq!(err.unwrap_err(), "Do these steps first: Patient's date of birth");
    }

    #[test]
    fn proxy_steps_apply_the_age_rules() {
        let (mut view, template) = proxy_run();
        let today = date("2026-11-22");
        let me = StaffId::from("asha");
        let run = view.record.checklists["r1"].clone();
        let dob = template.step("patient_dob").unwrap();
        assert!(step_body("r1", &run, template, dob, "2027-01-01", &me, today).unwrap_err().contains("future"));
        let body = step_body("r1", &run, template, dob, "2017-03-04", &me, today).unwrap();
        apply(&mut view, 1_763_800_002_000, "asha", body);
        let run = view.record.checklists["r1"].clone();
        let route = template.step("legal_route").unwrap();
        let wrong = step_body("r1", &run, template, route, "patient_consent", &me, today).unwrap_err();
        assert!(wrong.contains("use: Parental responsibility"), "{wrong}");
        let body = step_body("r1", &run, template, route, "parental_responsibility", &me, today).unwrap();
        apply(&mut view, 1_763_800_003_000, "asha", body);
        let run = view.record.checklists["r1"].clone();
        let review = template.step("review_on").unwrap();
        let late = step_body("r1", &run, template, review, "2028-06-01", &me, today).unwrap_err();
        assert!(late.contains("on or before 2028-03-04"), "{late}");
        assert!(step_body("r1", &run, template, review, "2028-03-04", &me, today).is_ok());
        assert!(step_body("r1", &run, template, review, "2026-11-22", &me, today).unwrap_err().contains("after today"));
        let (lines, warning) = proxy_guidance(&run, today);
        assert_eq!(lines[0], "The patient is 9 (Under 11).");
        assert!(lines[2].starts_with("Review access on or before 2028-03-04"));
        assert_eq!(warning, None);
    }

    #[test]
    fn empty_values_say_what_to_enter() {
        let (view, template) = proxy_run();
        let run = &view.record.checklists["r1"];
        let step = template.step("relationship").unwrap();
        let err = step_body("r1", run, template, step, "", &"asha".into(), date("2026-11-22")).unwrap_err();
        assert_eq!(err, "Choose an option for “Proxy's relationship to the patient”");
    }

    #[test]
    fn a_paused_case_says_its_clock_is_stopped() {
        let mut view = case(CaseKind::PasswordReset);
        let seen = view.record.fields["status"].clock.clone();
        apply(
            &mut view,
            1_763_800_001_000,
            "asha",
            OpBody::SetField { field: "status".into(), value: "waiting_on_patient".into(), replaces: Some(seen) },
        );
        assert!(due_words(&view, &no_site_records().calendar, 1_763_900_000_000)
            .starts_with("Paused while waiting on the patient"));
        assert!(due_words(&case(CaseKind::PasswordReset), &no_site_records().calendar, 1_763_800_060_000)
            .starts_with("On track: due by"));
    }
}
