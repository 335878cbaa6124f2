//! A kiosk registration becomes work for the team: the patient's record (with their
//! contact details, preferred language and communication needs), a sign-up case taken
//! at the kiosk, the identity-verification checklist ready to run, and a note with
//! what they asked for and any possible duplicates already on the tablet — made by the
//! same change set as a new case at the desk and saved in one transaction.

use crate::case_form::{known_patients, new_case_changes, patient_matches, typed_patient, NewCaseIds, NewCaseInput};
use crate::case_page::site_setup::SiteSetup;
use crate::store::Store;
use portal_desk_core::case::{CaseKind, Channel, Collection, Priority, RequesterType};
use portal_desk_core::date::CivilDate;
use portal_desk_core::nhs_number::NhsNumber;
use portal_desk_core::self_registration::{check, staff_note, Language, SelfRegistration};
use portal_desk_core::{OpBody, Record, RecordId, SiteId, StaffId};

/// The most possible duplicates listed in the note.
const MAX_DUPLICATES_NOTED: usize = 5;

/// Why a registration was not saved.
#[derive(Debug)]
pub enum NotSaved {
    /// The form does not pass its checks (the screen shows them before sending).
    Invalid,
    /// The tablet could not store it.
    Store(String),
}

/// Saves `form`, typed in `spoken`, as a registration at `site` made by `actor` (the
/// member of staff whose kiosk it is).
pub async fn save_registration(
    store: &Store,
    actor: &StaffId,
    site: &SiteId,
    form: &SelfRegistration,
    spoken: Language,
) -> Result<(), NotSaved> {
    let today = crate::browser::today();
    let records = store
        .records_where(|r| &r.site == site && r.archived.is_none())
        .await
        .map_err(|e| NotSaved::Store(e.message()))?;
    let ids = NewCaseIds {
        case: RecordId::from(crate::browser::new_uuid()),
        patient: RecordId::from(crate::browser::new_uuid()),
        checklist_run: crate::browser::new_uuid(),
    };
    let changes = registration_changes(form, spoken, site, &records, today, &ids).ok_or(NotSaved::Invalid)?;
    store.record_changes(actor, changes).await.map_err(|e| NotSaved::Store(e.message()))?;
    Ok(())
}

/// The change set for a registration, given the site's confirmed `records` (its
/// patients, cases and published templates); `None` if the form fails its checks.
pub fn registration_changes(
    form: &SelfRegistration,
    spoken: Language,
    site: &SiteId,
    records: &[Record],
    today: CivilDate,
    ids: &NewCaseIds,
) -> Option<Vec<(RecordId, OpBody)>> {
    let checked = check(form, today).ok()?;
    let mut input = NewCaseInput {
        patient_name: checked.full_name.clone(),
        dob_day: form.dob_day.trim().to_owned(),
        dob_month: form.dob_month.trim().to_owned(),
        dob_year: form.dob_year.trim().to_owned(),
        nhs_number: checked.nhs_number.clone().unwrap_or_default(),
        // A patient cannot vouch for a number no real patient holds; the case is
        // saved, never lost, and the staff note below says to check it.
        nhs_number_confirmed: true,
        existing_patient: None,
        kind: CaseKind::SignUp.code().to_owned(),
        priority: Priority::Normal.code().to_owned(),
        channel: Channel::Kiosk.code().to_owned(),
        requester_type: RequesterType::Patient.code().to_owned(),
        requester: String::new(),
        requester_relationship: String::new(),
        note: staff_note(form, spoken),
    };
    let unreal = NhsNumber::parse(&input.nhs_number).ok().and_then(|n| n.range().warning());
    if unreal.is_some() {
        input.note.push_str(" The NHS number given is not one a real patient holds: check it with the patient.");
    }
    let duplicates = possible_duplicates(&input, records, today);
    if !duplicates.is_empty() {
        input.note.push_str(&format!(
            " Possible duplicates on this tablet, check before creating an account: {}.",
            duplicates.join("; ")
        ));
    }
    let setup = SiteSetup::of(records, site);
    let mut changes = new_case_changes(&input, site.clone(), &setup.catalog, today, ids).ok()?;
    let identity = setup.catalog.current_for(CaseKind::IdentityVerification);
    for (_, body) in &mut changes {
        match body {
            // The kiosk cannot check identity: the case opens with that checklist ready,
            // for the member of staff the patient hands the tablet back to.
            OpBody::StartChecklist { template, version, .. } => {
                *template = identity.id.clone();
                *version = identity.version;
            }
            OpBody::Create { collection: Collection::Patient, fields, .. } => {
                let mut set = |field: &str, value: Option<String>| {
                    if let Some(value) = value.filter(|v| !v.is_empty()) {
                        fields.insert(field.to_owned(), value);
                    }
                };
                set("postcode", Some(checked.postcode.clone()));
                set("mobile", checked.mobile.clone());
                set("email", checked.email.clone());
                let preferred = form.preferred_language.trim();
                set(
                    "preferred_language",
                    Some(if preferred.is_empty() { spoken.english_name() } else { preferred }.to_owned()),
                );
                let mut needs: Vec<String> = form.needs.iter().map(|n| n.english_name().to_owned()).collect();
                needs.extend(Some(form.other_need.trim().to_owned()).filter(|o| !o.is_empty()));
                set("communication_needs", Some(needs.join("; ")));
            }
            _ => {}
        }
    }
    Some(changes)
}

/// The site's patients the core's duplicate rules flag against the typed details, each
/// with its reasons, for the note.
fn possible_duplicates(input: &NewCaseInput, records: &[Record], today: CivilDate) -> Vec<String> {
    let Some(typed) = typed_patient(input, today, RecordId::from("kiosk-typed")) else { return Vec::new() };
    let known = known_patients(records);
    patient_matches(&typed, &known)
        .into_iter()
        .filter(|m| m.possible_duplicate)
        .take(MAX_DUPLICATES_NOTED)
        .map(|m| format!("{} ({})", m.patient.display_name(), m.reasons.join(", ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::self_registration::Need;
    use portal_desk_core::templates;

    fn form() -> SelfRegistration {
        SelfRegistration {
            given_name: "Gwen".into(),
            family_name: "Pritchard".into(),
            dob_day: "3".into(),
            dob_month: "7".into(),
            dob_year: "1961".into(),
            postcode: "cf10 1ep".into(),
            contact: "gwen@example.org".into(),
            needs: [Need::LargePrint].into_iter().collect(),
            ..Default::default()
        }
    }

    fn ids() -> NewCaseIds {
        NewCaseIds { case: "case-1".into(), patient: "patient-1".into(), checklist_run: "run-1".into() }
    }

    fn today() -> CivilDate {
        "2026-11-22".parse().unwrap()
    }

    #[test]
    fn a_registration_is_a_patient_a_kiosk_sign_up_case_and_an_identity_checklist() {
        let changes =
            registration_changes(&form(), Language::Welsh, &"riverside".into(), &[], today(), &ids()).unwrap();
        let OpBody::Create { collection: Collection::Patient, fields: patient, .. } = &changes[0].1 else { panic!() };
        assert_eq!(patient["postcode"], "CF10 1EP");
        assert_eq!(patient["email"], "gwen@example.org");
        assert_eq!(patient["preferred_language"], "Welsh");
        assert_eq!(patient["communication_needs"], "large print");
        for (field, value) in patient {
            assert_eq!(portal_desk_core::patient::validate_patient_field(field, value), Ok(()), "{field}");
        }
        let OpBody::Create { collection: Collection::Case, fields: case, site } = &changes[1].1 else { panic!() };
        assert_eq!((case["kind"].as_str(), case["channel"].as_str(), site.as_str()), ("sign_up", "kiosk", "riverside"));
        let identity = templates::for_kind(CaseKind::IdentityVerification);
        assert_eq!(
            changes[2].1,
            OpBody::StartChecklist { run: "run-1".into(), template: identity.id.clone(), version: identity.version }
        );
        let OpBody::AppendNote { text } = &changes[3].1 else { panic!() };
        assert!(text.starts_with("Registered themselves at the kiosk, in Welsh."));
        assert!(!text.contains("Possible duplicates"));
    }

    #[test]
    fn a_patient_already_on_the_tablet_is_noted_as_a_possible_duplicate() {
        let earlier =
            registration_changes(&form(), Language::English, &"riverside".into(), &[], today(), &ids()).unwrap();
        let OpBody::Create { collection, site, fields } = earlier[0].1.clone() else { panic!() };
        let hlc = portal_desk_core::Hlc { wall_ms: 1, counter: 0, device: "tablet".into() };
        let op = portal_desk_core::Op {
            id: "op-1".into(),
            device: "tablet".into(),
            seq: 1,
            hlc,
            actor: "ben".into(),
            record: "patient-0".into(),
            body: OpBody::Create { collection, site, fields },
            signature: None,
        };
        let known = Record::create(&op).unwrap();
        let ids = NewCaseIds { case: "case-2".into(), patient: "patient-2".into(), checklist_run: "run-2".into() };
        let changes =
            registration_changes(&form(), Language::English, &"riverside".into(), &[known], today(), &ids).unwrap();
        let OpBody::AppendNote { text } = &changes[3].1 else { panic!() };
        assert!(text.contains("Possible duplicates on this tablet"), "{text}");
        assert!(text.contains("Gwen Pritchard ("), "{text}");
    }

    #[test]
    fn a_form_that_fails_its_checks_makes_no_changes() {
        let empty = SelfRegistration::default();
        assert!(registration_changes(&empty, Language::Polish, &"riverside".into(), &[], today(), &ids()).is_none());
    }
}
