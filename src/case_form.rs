//! The rules behind the case forms: checking what a person typed and turning it into
//! operations. Pure, so it is tested natively; the pages only render the results.

mod new_case;
mod patients;

pub use new_case::{
    new_case_changes, nhs_number_feedback, typed_date_of_birth, typed_patient, NewCaseIds, NewCaseInput, NhsFeedback,
};
pub use patients::{known_patients, patient_matches, PatientMatch};

use portal_desk_core::case::{CaseStatus, MAX_TEXT_CHARS};
use portal_desk_core::{Hlc, OpBody};

/// One problem with one field, in words that say how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The `id` of the form control, so the error summary can link to it.
    pub field: &'static str,
    /// What to do.
    pub message: String,
}

/// The errors still to show after an edit: of those `shown`, the ones whose field is
/// still wrong in `now` (with its current message). An error clears as soon as its
/// field is right; none is added until the form is sent again.
pub fn still_wrong(shown: &[FieldError], now: &[FieldError]) -> Vec<FieldError> {
    now.iter().filter(|error| shown.iter().any(|was| was.field == error.field)).cloned().collect()
}

/// Checks an optional note's length; an empty note is fine here.
pub(crate) fn check_note(note: &str) -> Result<(), String> {
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

    fn error(field: &'static str, message: &str) -> FieldError {
        FieldError { field, message: message.to_owned() }
    }

    #[test]
    fn an_error_clears_once_its_field_is_right_and_no_new_one_appears_until_sent() {
        let shown = [error("nhs-number", "10 digits"), error("patient-name", "Enter a name")];
        let now = [error("patient-name", "Enter a name"), error("kind", "Choose a kind")];
        assert_eq!(still_wrong(&shown, &now), [error("patient-name", "Enter a name")]);
        let changed = [error("nhs-number", "The check digit is wrong")];
        assert_eq!(still_wrong(&shown, &changed), changed, "a field still wrong shows what is wrong now");
        assert!(still_wrong(&shown, &[]).is_empty());
    }

    #[test]
    fn status_changes_follow_the_core_rules_and_say_how_to_fix() {
        assert!(status_op(CaseStatus::New, "in_progress", None).is_ok());
        assert!(status_op(CaseStatus::New, "new", None).unwrap_err().contains("already new"));
        assert!(status_op(CaseStatus::Closed, "resolved", None).unwrap_err().contains("reopen it"));
        assert_eq!(note_op("  ").unwrap_err(), "Write the note before adding it");
    }
}
