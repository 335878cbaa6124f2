//! A patient as the team knows them: name, date of birth, NHS number, contact details,
//! language and communication needs, and the identity evidence recorded for them.

use crate::case::{Collection, MAX_SHORT_TEXT_CHARS, MAX_TEXT_CHARS};
use crate::date::CivilDate;
use crate::identity::{assess_identity, evidence_from_checklist, EvidenceRecord, IdentityAssessment};
use crate::ids::RecordId;
use crate::nhs_number::NhsNumber;
use crate::record::Record;
use crate::validate;
use serde::{Deserialize, Serialize};

/// The fields a patient record may hold, in the order a patient form shows them.
pub const PATIENT_FIELDS: &[&str] = &[
    "given_name",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "email",
    "mobile",
    "postcode",
    "preferred_language",
    "communication_needs",
];

/// Why a value was refused for a field of a patient record, in words staff can act
/// on. Values are checked in their stored form, as for cases.
pub fn validate_patient_field(field: &str, value: &str) -> Result<(), String> {
    let short = |label: &str| {
        if value.chars().count() > MAX_SHORT_TEXT_CHARS {
            Err(format!("The {label} is too long: keep it under {MAX_SHORT_TEXT_CHARS} characters"))
        } else {
            Ok(())
        }
    };
    match field {
        "family_name" if value.trim().is_empty() => Err("Enter the patient's family name (surname)".to_owned()),
        "date_of_birth" if value.is_empty() => Err("Enter the patient's date of birth".to_owned()),
        _ if value.is_empty() && PATIENT_FIELDS.contains(&field) => Ok(()),
        "given_name" => short("given name"),
        "family_name" => short("family name"),
        "preferred_language" => short("preferred language"),
        "communication_needs" => {
            if value.chars().count() > MAX_TEXT_CHARS {
                Err(format!("The communication needs are too long: keep them under {MAX_TEXT_CHARS} characters"))
            } else {
                Ok(())
            }
        }
        "date_of_birth" => validate::stored_date_of_birth(value),
        "nhs_number" => validate::stored_nhs_number(value),
        "email" => validate::stored_email(value),
        "mobile" => validate::stored_mobile(value),
        "postcode" => validate::stored_postcode(value),
        other => Err(format!("'{other}' is not a field of a patient")),
    }
}

/// One patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Their id.
    pub id: RecordId,
    /// Given (first) name or names.
    pub given_name: String,
    /// Family name (surname).
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Option<CivilDate>,
    /// NHS number, if known.
    #[serde(default)]
    pub nhs_number: Option<NhsNumber>,
    /// Email address, stored as [`validate::email`] returns it.
    #[serde(default)]
    pub email: Option<String>,
    /// UK mobile, stored as 11 digits starting 07.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Postcode, stored in capitals with one space.
    #[serde(default)]
    pub postcode: Option<String>,
    /// Preferred language for letters and calls (free text, e.g. "Polish").
    #[serde(default)]
    pub preferred_language: Option<String>,
    /// Accessible-communication needs (e.g. "British Sign Language interpreter",
    /// "large print"), under the Accessible Information Standard.
    #[serde(default)]
    pub communication_needs: Vec<String>,
    /// Identity evidence, each with who verified it.
    #[serde(default)]
    pub identity_evidence: Vec<EvidenceRecord>,
}

impl Patient {
    /// Given then family name, as shown on screen and read aloud.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name.trim(), self.family_name.trim()).trim().to_owned()
    }

    /// The patient a case is about, from the patient details on the case, so that
    /// duplicate checks can run over every case a tablet holds. The name is split at
    /// its last space (given names, then family name); the id is the case's `patient`
    /// link if set, otherwise the case's own id. `None` if the case names no patient.
    pub fn from_case(case: &Record) -> Option<Patient> {
        let name = case.field("patient_name")?.trim();
        if name.is_empty() {
            return None;
        }
        let (given, family) = name.rsplit_once(' ').map_or(("", name), |(g, f)| (g.trim(), f));
        let text = |field: &str| case.field(field).filter(|v| !v.is_empty()).map(str::to_owned);
        Some(Patient {
            id: text("patient").map_or_else(|| case.id.clone(), RecordId::from),
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            date_of_birth: case.field("patient_dob").and_then(|d| d.parse().ok()),
            nhs_number: case.field("patient_nhs_number").and_then(|n| NhsNumber::parse(n).ok()),
            email: text("patient_email"),
            mobile: text("patient_mobile"),
            postcode: text("patient_postcode"),
            preferred_language: text("preferred_language"),
            communication_needs: text("communication_needs").into_iter().collect(),
            identity_evidence: Vec::new(),
        })
    }

    /// A patient from a synced patient record, or `None` if the record is not one.
    pub fn from_record(record: &Record) -> Option<Patient> {
        if record.collection != Collection::Patient {
            return None;
        }
        let text = |field: &str| record.field(field).filter(|v| !v.is_empty()).map(str::to_owned);
        Some(Patient {
            id: record.id.clone(),
            given_name: text("given_name").unwrap_or_default(),
            family_name: text("family_name").unwrap_or_default(),
            date_of_birth: record.field("date_of_birth").and_then(|d| d.parse().ok()),
            nhs_number: record.field("nhs_number").and_then(|n| NhsNumber::parse(n).ok()),
            email: text("email"),
            mobile: text("mobile"),
            postcode: text("postcode"),
            preferred_language: text("preferred_language"),
            communication_needs: text("communication_needs").into_iter().collect(),
            identity_evidence: record.checklists.values().flat_map(evidence_from_checklist).collect(),
        })
    }

    /// The identity level reached from the evidence recorded.
    pub fn identity(&self) -> IdentityAssessment {
        assess_identity(&self.identity_evidence)
    }

    /// Every problem with the details as recorded, each in words staff can act on. An
    /// empty list means the record is fit to save. `today` is the site's date.
    pub fn problems(&self, today: CivilDate) -> Vec<String> {
        let mut problems = Vec::new();
        if self.given_name.trim().is_empty() && self.family_name.trim().is_empty() {
            problems.push("Enter the patient's name".to_owned());
        }
        match self.date_of_birth {
            None => problems.push("Enter the patient's date of birth".to_owned()),
            Some(born) => {
                if let Err(e) = validate::date_of_birth(&born.to_string(), today) {
                    problems.push(e.to_string());
                }
            }
        }
        if let Some(warning) = self.nhs_number.as_ref().and_then(|n| n.range().warning()) {
            problems.push(warning.to_owned());
        }
        if let Some(Err(e)) = self.email.as_deref().map(validate::email) {
            problems.push(e.to_string());
        }
        if let Some(Err(e)) = self.mobile.as_deref().map(validate::uk_mobile) {
            problems.push(e.to_string());
        }
        if let Some(Err(e)) = self.postcode.as_deref().map(validate::postcode) {
            problems.push(e.to_string());
        }
        problems
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A patient with only the fields duplicate checks read.
    pub(crate) fn patient(id: &str, given: &str, family: &str, born: &str, nhs: Option<&str>) -> Patient {
        Patient {
            id: RecordId::from(id),
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            date_of_birth: Some(born.parse().unwrap()),
            nhs_number: nhs.map(|n| NhsNumber::parse(n).unwrap()),
            email: None,
            mobile: None,
            postcode: None,
            preferred_language: None,
            communication_needs: Vec::new(),
            identity_evidence: Vec::new(),
        }
    }

    #[test]
    fn a_complete_patient_has_no_problems() {
        let mut ada = patient("p1", "Ada", "Lovelace", "1985-12-10", Some("485 777 3457"));
        ada.email = Some("ada@example.com".into());
        ada.mobile = Some("07700900123".into());
        ada.postcode = Some("SW1A 1AA".into());
        assert_eq!(ada.problems("2026-11-22".parse().unwrap()), Vec::<String>::new());
        assert_eq!(ada.display_name(), "Ada Lovelace");
    }

    #[test]
    fn problems_name_each_field_and_the_test_number() {
        let mut ada = patient("p1", "Ada", "Lovelace", "2027-01-01", Some("999 123 4578"));
        ada.mobile = Some("020 7946 0000".into());
        let problems = ada.problems("2026-11-22".parse().unwrap());
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("in the future"));
        assert!(problems[1].contains("test NHS number"));
        assert!(problems[2].contains("start with 07"));
    }

    #[test]
    fn a_case_names_its_patient_for_duplicate_checks() {
        use crate::case::Collection;
        use crate::op::{Op, OpBody};
        let fields = [
            ("patient_name", "Augusta Ada King"),
            ("kind", "sign_up"),
            ("patient_dob", "1985-12-10"),
            ("patient_nhs_number", "4857773457"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        let create = Op {
            id: "op-1".into(),
            device: "tablet".into(),
            seq: 1,
            hlc: crate::hlc::Hlc { wall_ms: 1_795_424_400_000, counter: 0, device: "tablet".into() },
            actor: "ana".into(),
            record: "case-1".into(),
            body: OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields },
            signature: None,
        };
        let case = Record::create(&create).unwrap();
        let from_case = Patient::from_case(&case).unwrap();
        assert_eq!((from_case.given_name.as_str(), from_case.family_name.as_str()), ("Augusta Ada", "King"));
        assert_eq!(from_case.id, RecordId::from("case-1"));
        assert_eq!(from_case.nhs_number.unwrap().as_str(), "4857773457");
        let registered = patient("p9", "Augusta Ada", "King", "1985-12-10", None);
        let found = crate::duplicates::find_duplicates(&registered, &[Patient::from_case(&case).unwrap()]);
        assert_eq!(found[0].patient, RecordId::from("case-1"));
    }

    #[test]
    fn patient_fields_are_checked_in_their_stored_form() {
        assert!(validate_patient_field("family_name", " ").unwrap_err().contains("family name"));
        assert!(validate_patient_field("given_name", "").is_ok());
        assert!(validate_patient_field("postcode", "sw1a1aa").unwrap_err().contains("SW1A 1AA"));
        assert!(validate_patient_field("nhs_number", "485 777 3457").unwrap_err().contains("without spaces"));
        assert!(validate_patient_field("mobile", "07700900123").is_ok());
        assert!(validate_patient_field("kind", "sign_up").unwrap_err().contains("not a field of a patient"));
    }
}
