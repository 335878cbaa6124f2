//! The new case form's rules: what must be typed, the NHS number checked as it is
//! typed, and the change set a valid form becomes — the patient's record (unless an
//! existing one was chosen), the case, its checklist, and the first note.

use super::{check_note, FieldError};
use portal_desk_core::case::{validate_case_field, CaseKind, Channel, Collection, Priority, RequesterType};
use portal_desk_core::catalog::Catalog;
use portal_desk_core::date::CivilDate;
use portal_desk_core::nhs_number::{check_nhs_number, NhsNumber, NhsNumberError};
use portal_desk_core::patient::Patient;
use portal_desk_core::{validate, OpBody, RecordId, SiteId};
use std::collections::BTreeMap;

/// What the person typed into the new case form (select values are codes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCaseInput {
    /// The patient's name, given names then family name.
    pub patient_name: String,
    /// The day of the date of birth, as typed.
    pub dob_day: String,
    /// The month of the date of birth, as typed.
    pub dob_month: String,
    /// The year of the date of birth, as typed.
    pub dob_year: String,
    /// The NHS number as typed (spaces allowed), or empty.
    pub nhs_number: String,
    /// Whether the person confirmed that a number no real patient holds (a 999 test
    /// number, or one from a range never issued) is the one to record.
    pub nhs_number_confirmed: bool,
    /// A patient record on the device chosen instead of making a new one.
    pub existing_patient: Option<RecordId>,
    /// A [`CaseKind`] code, or empty when nothing was chosen.
    pub kind: String,
    /// A [`Priority`] code.
    pub priority: String,
    /// A [`Channel`] code.
    pub channel: String,
    /// A [`RequesterType`] code: who is asking.
    pub requester_type: String,
    /// The name of the person asking, when it is not the patient.
    pub requester: String,
    /// How the person asking is related to the patient.
    pub requester_relationship: String,
    /// An optional first note.
    pub note: String,
}

/// The ids the new records get, minted by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCaseIds {
    /// The case.
    pub case: RecordId,
    /// The patient, when a new patient record is made.
    pub patient: RecordId,
    /// The checklist run on the case.
    pub checklist_run: String,
}

/// What to tell the person about the NHS number typed so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NhsFeedback {
    /// It cannot be right: say how to fix it.
    Error(String),
    /// It is a valid number, but not one a real patient holds.
    Warning(String),
    /// A valid number, shown the way NHS services write it.
    Valid(String),
}

/// Why a test or never-issued NHS number is not saved until confirmed.
pub const NHS_NUMBER_UNCONFIRMED: &str =
    "No real patient has this NHS number: correct it, or tick “Use this number anyway” if it is right";

/// Checks the NHS number as it is typed. While fewer than ten digits are typed and
/// nothing else is wrong, nothing is said (`None`) unless the person has `finished`
/// (left the field). Empty is fine: the number is optional.
pub fn nhs_number_feedback(typed: &str, finished: bool) -> Option<NhsFeedback> {
    if typed.trim().is_empty() {
        return None;
    }
    match check_nhs_number(typed) {
        Ok(checked) => Some(match checked.warning {
            Some(warning) => NhsFeedback::Warning(warning),
            None => NhsFeedback::Valid(checked.number.display()),
        }),
        Err(NhsNumberError::WrongLength(n)) if n < 10 && !finished => None,
        Err(error) => Some(NhsFeedback::Error(error.to_string())),
    }
}

/// The date of birth from its three boxes: `Ok(None)` when all are empty, otherwise a
/// real date not after `today`, or what to fix.
pub fn typed_date_of_birth(day: &str, month: &str, year: &str, today: CivilDate) -> Result<Option<CivilDate>, String> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Ok(None);
    }
    let number = |text: &str| text.parse::<u32>().ok();
    let (Some(d), Some(m), Some(y)) = (number(day), number(month), number(year)) else {
        return Err("Date of birth must include a day, month and year in numbers, for example 15 3 1984".to_owned());
    };
    if y < 1000 {
        return Err("Year of birth must include 4 numbers, for example 1984".to_owned());
    }
    let date = CivilDate::new(y as i32, m, d)
        .map_err(|_| "Date of birth must be a real date: check the day and the month".to_owned())?;
    validate::date_of_birth(&date.to_string(), today).map(Some).map_err(|e| e.to_string())
}

/// The patient the form describes, for the duplicate check: the name split at its last
/// space as [`Patient::from_case`] does. `None` until a name is typed.
pub fn typed_patient(input: &NewCaseInput, today: CivilDate, id: RecordId) -> Option<Patient> {
    let name = input.patient_name.trim();
    if name.is_empty() {
        return None;
    }
    let (given, family) = split_name(name);
    Some(Patient {
        id,
        given_name: given.to_owned(),
        family_name: family.to_owned(),
        date_of_birth: typed_date_of_birth(&input.dob_day, &input.dob_month, &input.dob_year, today).ok().flatten(),
        nhs_number: NhsNumber::parse(&input.nhs_number).ok(),
        email: None,
        mobile: None,
        postcode: None,
        preferred_language: None,
        communication_needs: Vec::new(),
        identity_evidence: Vec::new(),
    })
}

/// Given names and family name: the family name is the last word.
fn split_name(name: &str) -> (&str, &str) {
    name.rsplit_once(' ').map_or(("", name), |(given, family)| (given.trim(), family.trim()))
}

/// Checks the form and turns it into the change set to record in one transaction:
/// a new patient record (unless an existing one was chosen), the case linked to it,
/// the checklist for its kind (the site's current version in `catalog`), and the first
/// note if one was typed.
pub fn new_case_changes(
    input: &NewCaseInput,
    site: SiteId,
    catalog: &Catalog,
    today: CivilDate,
    ids: &NewCaseIds,
) -> Result<Vec<(RecordId, OpBody)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut problem = |field: &'static str, message: String| errors.push(FieldError { field, message });
    let name = input.patient_name.trim();
    if let Err(message) = validate_case_field("patient_name", name) {
        problem("patient-name", message);
    }
    let born = match typed_date_of_birth(&input.dob_day, &input.dob_month, &input.dob_year, today) {
        Ok(Some(born)) => Some(born),
        Ok(None) => {
            problem("dob-day", "Enter the patient's date of birth".to_owned());
            None
        }
        Err(message) => {
            problem("dob-day", message);
            None
        }
    };
    let nhs_number = match input.nhs_number.trim() {
        "" => None,
        typed => match NhsNumber::parse(typed) {
            Ok(number) if number.range().warning().is_some() && !input.nhs_number_confirmed => {
                problem("nhs-number-confirm", NHS_NUMBER_UNCONFIRMED.to_owned());
                None
            }
            Ok(number) => Some(number),
            Err(error) => {
                problem("nhs-number", error.to_string());
                None
            }
        },
    };
    let kind = CaseKind::from_code(&input.kind);
    if kind.is_none() {
        problem("kind", "Choose the kind of case".to_owned());
    }
    if Priority::from_code(&input.priority).is_none() {
        problem("priority", "Choose a priority".to_owned());
    }
    if Channel::from_code(&input.channel).is_none() {
        problem("channel", "Choose how the request reached you".to_owned());
    }
    let requester_type = RequesterType::from_code(&input.requester_type);
    let requester = input.requester.trim();
    let relationship = input.requester_relationship.trim();
    match requester_type {
        None => problem("requester-type", "Choose who is asking".to_owned()),
        Some(RequesterType::Patient) => {}
        Some(other) => {
            if requester.is_empty() {
                problem("requester", "Enter the name of the person asking".to_owned());
            } else if let Err(message) = validate_case_field("requester", requester) {
                problem("requester", message);
            }
            let needs_relationship = matches!(other, RequesterType::Relative | RequesterType::Proxy);
            if needs_relationship && relationship.is_empty() {
                problem("requester-relationship", "Enter how the person asking is related to the patient".to_owned());
            } else if let Err(message) = validate_case_field("requester_relationship", relationship) {
                problem("requester-relationship", message);
            }
        }
    }
    let note = input.note.trim();
    if let Err(message) = check_note(note) {
        problem("note", message);
    }
    let (Some(kind), Some(born), Some(requester_type), true) = (kind, born, requester_type, errors.is_empty()) else {
        return Err(errors);
    };

    let mut changes = Vec::with_capacity(4);
    let patient = match &input.existing_patient {
        Some(existing) => existing.clone(),
        None => {
            let (given, family) = split_name(name);
            let mut fields =
                text_fields(&[("given_name", given), ("family_name", family), ("date_of_birth", &born.to_string())]);
            if let Some(number) = &nhs_number {
                fields.insert("nhs_number".to_owned(), number.as_str().to_owned());
            }
            let create = OpBody::Create { collection: Collection::Patient, site: site.clone(), fields };
            changes.push((ids.patient.clone(), create));
            ids.patient.clone()
        }
    };
    let asking = requester_type != RequesterType::Patient;
    let mut fields = text_fields(&[
        ("patient_name", name),
        ("kind", kind.code()),
        ("priority", &input.priority),
        ("channel", &input.channel),
        ("requester_type", requester_type.code()),
        ("patient", patient.as_str()),
        ("patient_dob", &born.to_string()),
    ]);
    if let Some(number) = &nhs_number {
        fields.insert("patient_nhs_number".to_owned(), number.as_str().to_owned());
    }
    if asking {
        fields.insert("requester".to_owned(), requester.to_owned());
        if !relationship.is_empty() {
            fields.insert("requester_relationship".to_owned(), relationship.to_owned());
        }
    }
    changes.push((ids.case.clone(), OpBody::Create { collection: Collection::Case, site, fields }));
    let template = catalog.current_for(kind);
    let checklist = OpBody::StartChecklist {
        run: ids.checklist_run.clone(),
        template: template.id.clone(),
        version: template.version,
    };
    changes.push((ids.case.clone(), checklist));
    if !note.is_empty() {
        changes.push((ids.case.clone(), OpBody::AppendNote { text: note.to_owned() }));
    }
    Ok(changes)
}

fn text_fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::templates;

    fn today() -> CivilDate {
        "2026-11-22".parse().unwrap()
    }

    fn ids() -> NewCaseIds {
        NewCaseIds { case: "case-1".into(), patient: "patient-1".into(), checklist_run: "run-1".into() }
    }

    fn input() -> NewCaseInput {
        NewCaseInput {
            patient_name: "  Ada Lovelace ".into(),
            dob_day: "10".into(),
            dob_month: "12".into(),
            dob_year: "1985".into(),
            nhs_number: "485 777 3457".into(),
            nhs_number_confirmed: false,
            existing_patient: None,
            kind: "password_reset".into(),
            priority: "normal".into(),
            channel: "phone".into(),
            requester_type: "patient".into(),
            requester: String::new(),
            requester_relationship: String::new(),
            note: String::new(),
        }
    }

    fn fields_of(body: &OpBody) -> &BTreeMap<String, String> {
        let OpBody::Create { fields, .. } = body else { panic!("expected a create, got {body:?}") };
        fields
    }

    #[test]
    fn a_new_patient_a_case_and_its_checklist_are_one_change_set() {
        let changes = new_case_changes(&input(), "riverside".into(), &Catalog::builtin(), today(), &ids()).unwrap();
        assert_eq!(changes.len(), 3);
        let (patient_id, patient) = &changes[0];
        assert_eq!(patient_id.as_str(), "patient-1");
        assert!(matches!(patient, OpBody::Create { collection: Collection::Patient, .. }));
        let patient = fields_of(patient);
        assert_eq!((patient["given_name"].as_str(), patient["family_name"].as_str()), ("Ada", "Lovelace"));
        assert_eq!(patient["date_of_birth"], "1985-12-10");
        assert_eq!(patient["nhs_number"], "4857773457");

        let (case_id, case) = &changes[1];
        assert_eq!(case_id.as_str(), "case-1");
        let case = fields_of(case);
        assert_eq!(case["patient_name"], "Ada Lovelace");
        assert_eq!(case["patient"], "patient-1");
        assert_eq!(case["patient_nhs_number"], "4857773457");
        assert_eq!(case["requester_type"], "patient");
        assert!(!case.contains_key("requester"));
        for (field, value) in case {
            assert_eq!(validate_case_field(field, value), Ok(()), "{field}");
        }

        let template = templates::for_kind(CaseKind::PasswordReset);
        assert_eq!(
            changes[2],
            (
                "case-1".into(),
                OpBody::StartChecklist {
                    run: "run-1".into(),
                    template: template.id.clone(),
                    version: template.version
                }
            )
        );
    }

    #[test]
    fn the_checklist_is_the_sites_published_version_when_there_is_one() {
        let mut published = templates::for_kind(CaseKind::PasswordReset).clone();
        published.version += 1;
        let catalog = Catalog::builtin().with(published.clone());
        let changes = new_case_changes(&input(), "riverside".into(), &catalog, today(), &ids()).unwrap();
        assert_eq!(
            changes[2].1,
            OpBody::StartChecklist { run: "run-1".into(), template: published.id, version: published.version }
        );
    }

    #[test]
    fn an_existing_patient_is_linked_not_made_again_and_a_note_comes_last() {
        let chosen = NewCaseInput {
            existing_patient: Some("patient-9".into()),
            note: "Rang about a locked account".into(),
            ..input()
        };
        let changes = new_case_changes(&chosen, "riverside".into(), &Catalog::builtin(), today(), &ids()).unwrap();
        assert_eq!(changes.len(), 3);
        assert_eq!(fields_of(&changes[0].1)["patient"], "patient-9");
        assert!(matches!(&changes[2].1, OpBody::AppendNote { text } if text == "Rang about a locked account"));
    }

    #[test]
    fn someone_asking_for_the_patient_is_named_with_their_relationship() {
        let relative = NewCaseInput { requester_type: "relative".into(), ..input() };
        let errors = new_case_changes(&relative, "riverside".into(), &Catalog::builtin(), today(), &ids()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["requester", "requester-relationship"]);
        let named = NewCaseInput { requester: "Sam Lovelace".into(), requester_relationship: "Son".into(), ..relative };
        let changes = new_case_changes(&named, "riverside".into(), &Catalog::builtin(), today(), &ids()).unwrap();
        let case = fields_of(&changes[1].1);
        assert_eq!((case["requester"].as_str(), case["requester_relationship"].as_str()), ("Sam Lovelace", "Son"));
    }

    #[test]
    fn every_problem_is_reported_against_its_field() {
        let empty = NewCaseInput {
            patient_name: " ".into(),
            dob_day: String::new(),
            dob_month: String::new(),
            dob_year: String::new(),
            nhs_number: "485 777 3456".into(),
            kind: String::new(),
            ..input()
        };
        let errors = new_case_changes(&empty, "riverside".into(), &Catalog::builtin(), today(), &ids()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["patient-name", "dob-day", "nhs-number", "kind"]);
        assert_eq!(errors[0].message, "Enter the patient's name");
        assert_eq!(errors[1].message, "Enter the patient's date of birth");
        assert!(errors[2].message.contains("last digit does not match"));
    }

    #[test]
    fn dates_of_birth_must_be_real_and_not_in_the_future() {
        assert_eq!(typed_date_of_birth("", " ", "", today()), Ok(None));
        assert_eq!(typed_date_of_birth("10", "12", "1985", today()), Ok(Some("1985-12-10".parse().unwrap())));
        assert!(typed_date_of_birth("31", "2", "1985", today()).unwrap_err().contains("real date"));
        assert!(typed_date_of_birth("1", "1", "85", today()).unwrap_err().contains("4 numbers"));
        assert!(typed_date_of_birth("1", "1", "2027", today()).unwrap_err().contains("future"));
        assert!(typed_date_of_birth("x", "1", "1985", today()).unwrap_err().contains("in numbers"));
    }

    #[test]
    fn the_nhs_number_is_checked_as_it_is_typed() {
        assert_eq!(nhs_number_feedback("", false), None);
        assert_eq!(nhs_number_feedback("485 77", false), None);
        assert!(matches!(nhs_number_feedback("485 77", true), Some(NhsFeedback::Error(m)) if m.contains("10 digits")));
        assert!(
            matches!(nhs_number_feedback("485 777 3456", false), Some(NhsFeedback::Error(m)) if m.contains("last digit"))
        );
        assert_eq!(nhs_number_feedback("4857773457", false), Some(NhsFeedback::Valid("485 777 3457".into())));
        assert!(
            matches!(nhs_number_feedback("999 123 4578", false), Some(NhsFeedback::Warning(m)) if m.contains("test NHS number"))
        );
        assert!(matches!(nhs_number_feedback("48A", false), Some(NhsFeedback::Error(m)) if m.contains("only digits")));
    }

    #[test]
    fn a_number_no_real_patient_holds_is_saved_only_once_confirmed() {
        for number in ["999 123 4578", "500 000 0005"] {
            let test_number = NewCaseInput { nhs_number: number.into(), ..input() };
            let refused = new_case_changes(&test_number, "riverside".into(), &Catalog::default(), today(), &ids());
            let errors = refused.expect_err(number);
            assert_eq!(errors, [FieldError { field: "nhs-number-confirm", message: NHS_NUMBER_UNCONFIRMED.into() }]);
            let confirmed = NewCaseInput { nhs_number_confirmed: true, ..test_number };
            assert!(new_case_changes(&confirmed, "riverside".into(), &Catalog::default(), today(), &ids()).is_ok());
        }
    }

    #[test]
    fn the_typed_patient_is_what_the_duplicate_check_compares() {
        let patient = typed_patient(&input(), today(), "new".into()).unwrap();
        assert_eq!((patient.given_name.as_str(), patient.family_name.as_str()), ("Ada", "Lovelace"));
        assert_eq!(patient.date_of_birth, Some("1985-12-10".parse().unwrap()));
        assert_eq!(patient.nhs_number.unwrap().as_str(), "4857773457");
        assert!(typed_patient(&NewCaseInput::default(), today(), "new".into()).is_none());
    }
}
