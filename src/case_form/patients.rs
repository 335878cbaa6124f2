//! Finding the patient for a new case among those this device knows: the patient
//! records, and the patients named on cases. As the person types the name, date of
//! birth and NHS number, the matches are listed — possible duplicates first, each with
//! the core's reasons — so the person can pick the existing record instead of making
//! another.

use portal_desk_core::case::Collection;
use portal_desk_core::duplicates::{find_duplicates, normalise_name};
use portal_desk_core::patient::Patient;
use portal_desk_core::{Record, RecordId};
use std::collections::BTreeSet;

/// The most matches listed under the patient's details.
pub const MAX_MATCHES: usize = 5;

/// A patient already on the device who may be the one the form describes.
#[derive(Clone, Debug, PartialEq)]
pub struct PatientMatch {
    /// The patient.
    pub patient: Patient,
    /// Whether the core's duplicate rules flag it (same NHS number, or same or similar
    /// name with the same date of birth): the person must look before saving.
    pub possible_duplicate: bool,
    /// Why it is listed, in words.
    pub reasons: Vec<String>,
    /// Whether it is a patient record that a case can link to (not only a name on a case).
    pub has_record: bool,
}

/// Every patient this device knows: patient records first, then the patients named on
/// cases that are not linked to one of those records.
pub fn known_patients<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<(Patient, bool)> {
    let records: Vec<&Record> = records.into_iter().filter(|r| r.archived.is_none()).collect();
    let mut patients: Vec<(Patient, bool)> =
        records.iter().filter_map(|r| Patient::from_record(r)).map(|p| (p, true)).collect();
    let linked: BTreeSet<_> = patients.iter().map(|(p, _)| p.id.clone()).collect();
    patients.extend(
        records
            .iter()
            .filter(|r| r.collection == Collection::Case)
            .filter_map(|r| Patient::from_case(r))
            .filter(|p| !linked.contains(&p.id))
            .map(|p| (p, false)),
    );
    patients
}

/// The patients that may be the one typed, possible duplicates first (strongest first),
/// then other patients whose name contains what was typed; at most [`MAX_MATCHES`].
pub fn patient_matches(typed: &Patient, known: &[(Patient, bool)]) -> Vec<PatientMatch> {
    // The duplicate rules need the same NHS number or a birthday in the same year, and
    // the name search a name containing what was typed: compare only those, so a device
    // with thousands of patients answers at typing speed.
    let typed_name = normalise_name(&typed.display_name());
    let searching = typed_name.chars().count() >= 2;
    let may_match = |p: &Patient| {
        (typed.nhs_number.is_some() && p.nhs_number == typed.nhs_number)
            || typed.date_of_birth.zip(p.date_of_birth).is_some_and(|(a, b)| a.year() == b.year())
            || (searching && normalise_name(&p.display_name()).contains(&typed_name))
    };
    let patients: Vec<Patient> = known.iter().map(|(p, _)| p).filter(|p| may_match(p)).cloned().collect();
    let has_record = |id: &RecordId| known.iter().any(|(p, record)| &p.id == id && *record);
    let mut matches: Vec<PatientMatch> = find_duplicates(typed, &patients)
        .into_iter()
        .filter_map(|candidate| {
            let patient = patients.iter().find(|p| p.id == candidate.patient)?.clone();
            Some(PatientMatch {
                has_record: has_record(&patient.id),
                patient,
                possible_duplicate: true,
                reasons: candidate.reasons.iter().map(|r| r.describe()).collect(),
            })
        })
        .collect();
    if searching {
        for patient in &patients {
            if matches.len() >= MAX_MATCHES {
                break;
            }
            let already = matches.iter().any(|m| m.patient.id == patient.id);
            if !already && normalise_name(&patient.display_name()).contains(&typed_name) {
                matches.push(PatientMatch {
                    has_record: has_record(&patient.id),
                    patient: patient.clone(),
                    possible_duplicate: false,
                    reasons: vec!["Name matches what you typed".to_owned()],
                });
            }
        }
    }
    matches.truncate(MAX_MATCHES);
    matches
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::{Hlc, Op, OpBody};

    fn create(id: &str, collection: Collection, fields: &[(&str, &str)]) -> Record {
        let op = Op {
            id: format!("op-{id}").into(),
            device: "tablet".into(),
            seq: 1,
            hlc: Hlc { wall_ms: 1_000, counter: 0, device: "tablet".into() },
            actor: "asha".into(),
            record: id.into(),
            body: OpBody::Create {
                collection,
                site: "riverside".into(),
                fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            },
            signature: None,
        };
        Record::create(&op).unwrap()
    }

    fn typed(name: &str, born: Option<&str>, nhs: Option<&str>) -> Patient {
        let (given, family) = name.rsplit_once(' ').unwrap_or(("", name));
        Patient {
            id: "typed".into(),
            given_name: given.into(),
            family_name: family.into(),
            date_of_birth: born.map(|b| b.parse().unwrap()),
            nhs_number: nhs.map(|n| portal_desk_core::nhs_number::NhsNumber::parse(n).unwrap()),
            email: None,
            mobile: None,
            postcode: None,
            preferred_language: None,
            communication_needs: Vec::new(),
            identity_evidence: Vec::new(),
        }
    }

    fn records() -> Vec<Record> {
        vec![
            create(
                "p1",
                Collection::Patient,
                &[
                    ("given_name", "Ada"),
                    ("family_name", "Lovelace"),
                    ("date_of_birth", "1985-12-10"),
                    ("nhs_number", "4857773457"),
                ],
            ),
            // A case linked to that record: not listed twice.
            create("c1", Collection::Case, &[("patient_name", "Ada Lovelace"), ("kind", "sign_up"), ("patient", "p1")]),
            // A case naming a patient who has no record.
            create("c2", Collection::Case, &[("patient_name", "Adam Smith"), ("kind", "sign_up")]),
        ]
    }

    #[test]
    fn patient_records_and_names_on_cases_are_known_once_each() {
        let known = known_patients(&records());
        let names: Vec<_> = known.iter().map(|(p, record)| (p.display_name(), *record)).collect();
        assert_eq!(names, [("Ada Lovelace".to_owned(), true), ("Adam Smith".to_owned(), false)]);
    }

    #[test]
    fn a_same_nhs_number_is_a_possible_duplicate_with_its_reason() {
        let known = known_patients(&records());
        let found = patient_matches(&typed("Augusta King", Some("1990-01-01"), Some("485 777 3457")), &known);
        assert_eq!(found.len(), 1);
        assert!(found[0].possible_duplicate && found[0].has_record);
        assert_eq!(found[0].reasons, ["Same NHS number"]);
    }

    #[test]
    fn typing_a_name_lists_the_patients_it_matches() {
        let known = known_patients(&records());
        let found = patient_matches(&typed("ada", None, None), &known);
        let names: Vec<_> = found.iter().map(|m| m.patient.display_name()).collect();
        assert_eq!(names, ["Ada Lovelace", "Adam Smith"]);
        assert!(found.iter().all(|m| !m.possible_duplicate));
        assert!(patient_matches(&typed("a", None, None), &known).is_empty());
    }

    #[test]
    fn a_similar_name_on_the_same_birthday_is_flagged() {
        let known = known_patients(&records());
        let found = patient_matches(&typed("Ada Lovelase", Some("1985-12-10"), None), &known);
        assert!(found[0].possible_duplicate);
        assert!(found[0].reasons[0].contains("similar name"), "{:?}", found[0].reasons);
    }
}
