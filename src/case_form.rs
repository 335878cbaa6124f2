//! The rules behind the case forms: checking what a person typed and turning it into
//! operations. Pure, so it is tested natively; the pages only render the results.

use portal_desk_core::case::{
    validate_case_field, CaseKind, CaseStatus, Channel, Collection, Priority, MAX_TEXT_CHARS,
};
use portal_desk_core::{Hlc, OpBody, SiteId};
use std::collections::BTreeMap;

/// One problem with one field, in words that say how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The `id` of the form control, so the error summary can link to it.
    pub field: &'static str,
    /// What to do.
    pub message: String,
}

/// What the person typed into the new case form (select values are codes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCaseInput {
    /// The patient's name.
    pub patient_name: String,
    /// A [`CaseKind`] code, or empty when nothing was chosen.
    pub kind: String,
    /// A [`Priority`] code.
    pub priority: String,
    /// A [`Channel`] code.
    pub channel: String,
    /// An optional first note.
    pub note: String,
}

/// The operation bodies a valid new case becomes: a create, then a note if one was typed.
pub fn new_case_ops(input: &NewCaseInput, site: SiteId) -> Result<Vec<OpBody>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = input.patient_name.trim();
    if let Err(message) = validate_case_field("patient_name", name) {
        errors.push(FieldError { field: "patient-name", message });
    }
    if CaseKind::from_code(&input.kind).is_none() {
        errors.push(FieldError { field: "kind", message: "Choose the kind of case".to_owned() });
    }
    if Priority::from_code(&input.priority).is_none() {
        errors.push(FieldError { field: "priority", message: "Choose a priority".to_owned() });
    }
    if Channel::from_code(&input.channel).is_none() {
        errors.push(FieldError { field: "channel", message: "Choose how the request reached you".to_owned() });
    }
    let note = input.note.trim();
    if let Err(message) = check_note(note) {
        errors.push(FieldError { field: "note", message });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let fields: BTreeMap<String, String> = [
        ("patient_name", name),
        ("kind", input.kind.as_str()),
        ("priority", input.priority.as_str()),
        ("channel", input.channel.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut bodies = vec![OpBody::Create { collection: Collection::Case, site, fields }];
    if !note.is_empty() {
        bodies.push(OpBody::AppendNote { text: note.to_owned() });
    }
    Ok(bodies)
}

/// Checks an optional note's length; an empty note is fine here.
fn check_note(note: &str) -> Result<(), String> {
    if note.chars().count() > MAX_TEXT_CHARS {
        Err(format!("The note is too long: keep it under {MAX_TEXT_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// The operation body for a note added on the case page.
pub fn note_op(text: &str) -> Result<OpBody, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Write the note before adding it".to_owned());
    }
    check_note(text)?;
    Ok(OpBody::AppendNote { text: text.to_owned() })
}

/// The operation body for a status change. `seen` is the clock of the status the
/// person was looking at, so the server can tell a considered change from a clash.
pub fn status_op(current: CaseStatus, chosen: &str, seen: Option<Hlc>) -> Result<OpBody, String> {
    let Some(to) = CaseStatus::from_code(chosen) else {
        return Err("Choose a status".to_owned());
    };
    if to == current {
        return Err(format!("The case is already {}: choose a different status", current.label().to_lowercase()));
    }
    if !current.can_become(to) {
        let hint = if current == CaseStatus::Closed { ": reopen it as in progress first" } else { "" };
        return Err(format!(
            "A case that is {} cannot become {}{hint}",
            current.label().to_lowercase(),
            to.label().to_lowercase()
        ));
    }
    Ok(OpBody::SetField { field: "status".to_owned(), value: to.code().to_owned(), replaces: seen })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewCaseInput {
        NewCaseInput {
            patient_name: "  Ada Lovelace ".into(),
            kind: "password_reset".into(),
            priority: "normal".into(),
            channel: "phone".into(),
            note: String::new(),
        }
    }

    #[test]
    fn a_valid_case_becomes_one_create_and_a_note_only_if_typed() {
        let bodies = new_case_ops(&input(), "riverside".into()).unwrap();
        assert_eq!(bodies.len(), 1);
        let OpBody::Create { fields, site, .. } = &bodies[0] else { panic!("expected a create") };
        assert_eq!(fields["patient_name"], "Ada Lovelace");
        assert_eq!(site.as_str(), "riverside");
        let with_note = NewCaseInput { note: "Rang about a locked account".into(), ..input() };
        let bodies = new_case_ops(&with_note, "riverside".into()).unwrap();
        assert!(matches!(&bodies[1], OpBody::AppendNote { text } if text == "Rang about a locked account"));
    }

    #[test]
    fn every_problem_is_reported_against_its_field() {
        let empty = NewCaseInput { patient_name: " ".into(), kind: String::new(), ..input() };
        let errors = new_case_ops(&empty, "riverside".into()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["patient-name", "kind"]);
        assert_eq!(errors[0].message, "Enter the patient's name");
    }

    #[test]
    fn status_changes_follow_the_core_rules_and_say_how_to_fix() {
        assert!(status_op(CaseStatus::New, "in_progress", None).is_ok());
        assert!(status_op(CaseStatus::New, "new", None).unwrap_err().contains("already new"));
        assert!(status_op(CaseStatus::Closed, "resolved", None).unwrap_err().contains("reopen it"));
        assert_eq!(note_op("  ").unwrap_err(), "Write the note before adding it");
    }
}
