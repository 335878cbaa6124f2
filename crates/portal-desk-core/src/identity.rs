//! Identity verification levels in the NHS login style (P0, P5, P9), reached from the
//! evidence staff record, each piece with who verified it and when.
//!
//! The level is never typed in: it is worked out from the evidence, so that a P9 on a
//! record always has a photo ID, video or in-person check and a named person behind it.

use crate::checklist::ChecklistRun;
use crate::ids::StaffId;
use serde::{Deserialize, Serialize};

/// How sure we are of a patient's (or proxy's) identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum IdentityLevel {
    /// Email address and mobile phone confirmed only.
    P0,
    /// Name, date of birth and NHS number matched; no record access.
    P5,
    /// High: photo ID, video or in-person check. Needed for record and proxy access.
    P9,
}

impl IdentityLevel {
    /// The plain-English label shown to staff.
    pub fn label(self) -> &'static str {
        match self {
            Self::P0 => "P0 – email and phone confirmed",
            Self::P5 => "P5 – details matched, no record access",
            Self::P9 => "P9 – identity checked, record access allowed",
        }
    }

    /// Whether this level allows seeing the GP record, and acting as a proxy.
    pub fn allows_record_access(self) -> bool {
        self == Self::P9
    }
}

/// A kind of photo identity document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoIdKind {
    /// A passport.
    Passport,
    /// A photocard driving licence.
    DrivingLicence,
    /// A biometric residence permit or card.
    ResidencePermit,
    /// A national identity card.
    NationalIdCard,
}

/// One piece of identity evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    /// A code sent to the email address was entered.
    EmailConfirmed,
    /// A code sent to the mobile was entered.
    MobileConfirmed,
    /// The name given matches the patient's record.
    NameMatched,
    /// The date of birth given matches.
    DateOfBirthMatched,
    /// The NHS number given matches.
    NhsNumberMatched,
    /// A photo ID document was seen and matches the person.
    PhotoIdSeen {
        /// Which document.
        document: PhotoIdKind,
    },
    /// A video call compared the person with their photo ID.
    VideoCheck,
    /// A member of staff who knows the patient vouched for them in person.
    InPersonVouching,
}

/// A piece of evidence with who verified it and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRecord {
    /// The evidence.
    pub evidence: Evidence,
    /// The member of staff who checked it.
    pub verified_by: StaffId,
    /// When (milliseconds since the Unix epoch).
    pub at_ms: u64,
}

/// The level reached, the evidence that reached it, and what is still needed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityAssessment {
    /// The highest level reached, or `None` if not even P0.
    pub level: Option<IdentityLevel>,
    /// Who verified the evidence behind the level (in the order recorded, no repeats).
    pub verified_by: Vec<StaffId>,
    /// What would reach the next level, in words staff can act on.
    pub missing_for_next: Vec<String>,
}

/// Works out the level reached from the evidence recorded.
pub fn assess_identity(evidence: &[EvidenceRecord]) -> IdentityAssessment {
    let first = |test: fn(&Evidence) -> bool| evidence.iter().find(|r| test(&r.evidence));
    let email = first(|e| matches!(e, Evidence::EmailConfirmed));
    let mobile = first(|e| matches!(e, Evidence::MobileConfirmed));
    let name = first(|e| matches!(e, Evidence::NameMatched));
    let dob = first(|e| matches!(e, Evidence::DateOfBirthMatched));
    let nhs = first(|e| matches!(e, Evidence::NhsNumberMatched));
    let high = first(|e| matches!(e, Evidence::PhotoIdSeen { .. } | Evidence::VideoCheck | Evidence::InPersonVouching));

    let mut missing = Vec::new();
    let p0 = [(email, "Confirm the email address"), (mobile, "Confirm the mobile number")];
    let p5 = [
        (name, "Match the name to the patient's record"),
        (dob, "Match the date of birth"),
        (nhs, "Match the NHS number"),
    ];
    let p9 = [(high, "See photo ID, do a video check, or vouch for the patient in person")];

    let mut level = None;
    let mut used: Vec<&EvidenceRecord> = Vec::new();
    for (reached, steps) in [(IdentityLevel::P0, &p0[..]), (IdentityLevel::P5, &p5[..]), (IdentityLevel::P9, &p9[..])] {
        let absent: Vec<String> = steps.iter().filter(|(r, _)| r.is_none()).map(|(_, m)| (*m).to_owned()).collect();
        if !absent.is_empty() {
            missing = absent;
            break;
        }
        used.extend(steps.iter().filter_map(|(r, _)| *r));
        level = Some(reached);
    }
    let mut verified_by: Vec<StaffId> = Vec::new();
    for record in used {
        if !verified_by.contains(&record.verified_by) {
            verified_by.push(record.verified_by.clone());
        }
    }
    IdentityAssessment { level, verified_by, missing_for_next: missing }
}

/// The identity evidence an attested identity-verification checklist run records
/// (template `identity_verification_p9`), each piece with who checked it and when.
/// Nothing counts until someone has attested the run in their own name: a half-done
/// check is not evidence. Photo ID compared with the person also matches their name.
pub fn evidence_from_checklist(run: &ChecklistRun) -> Vec<EvidenceRecord> {
    if run.template != "identity_verification_p9" || run.value("verified_by").is_none() {
        return Vec::new();
    }
    let mut evidence = Vec::new();
    let mut add = |step: &str, found: Evidence| {
        if let Some(register) = run.steps.get(step).filter(|r| !r.value.is_empty()) {
            evidence.push(EvidenceRecord {
                evidence: found,
                verified_by: register.by.clone(),
                at_ms: register.clock.wall_ms,
            });
        }
    };
    match run.value("photo_id") {
        Some("video_check") => add("photo_id", Evidence::VideoCheck),
        Some("in_person_vouching") => add("photo_id", Evidence::InPersonVouching),
        Some(kind) => {
            let document = match kind {
                "passport" => Some(PhotoIdKind::Passport),
                "driving_licence" => Some(PhotoIdKind::DrivingLicence),
                "residence_permit" => Some(PhotoIdKind::ResidencePermit),
                "national_id_card" => Some(PhotoIdKind::NationalIdCard),
                _ => None,
            };
            if let Some(document) = document {
                add("photo_id", Evidence::NameMatched);
                add("photo_id", Evidence::PhotoIdSeen { document });
            }
        }
        None => {}
    }
    add("dob_confirmed", Evidence::DateOfBirthMatched);
    add("nhs_number_matched", Evidence::NhsNumberMatched);
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by(evidence: Evidence, staff: &str, at_ms: u64) -> EvidenceRecord {
        EvidenceRecord { evidence, verified_by: StaffId::from(staff), at_ms }
    }

    #[test]
    fn nothing_recorded_is_below_p0_and_says_what_to_do() {
        let assessment = assess_identity(&[]);
        assert_eq!(assessment.level, None);
        assert_eq!(assessment.missing_for_next, ["Confirm the email address", "Confirm the mobile number"]);
    }

    #[test]
    fn email_and_mobile_reach_p0() {
        let evidence = [
            by(Evidence::EmailConfirmed, "ana", 1_763_790_000_000),
            by(Evidence::MobileConfirmed, "ana", 1_763_790_060_000),
        ];
        let assessment = assess_identity(&evidence);
        assert_eq!(assessment.level, Some(IdentityLevel::P0));
        assert_eq!(assessment.missing_for_next.len(), 3);
    }

    #[test]
    fn demographics_reach_p5_but_not_record_access() {
        let evidence = [
            by(Evidence::EmailConfirmed, "ana", 1_763_790_000_000),
            by(Evidence::MobileConfirmed, "ana", 1_763_790_060_000),
            by(Evidence::NameMatched, "ben", 1_763_790_120_000),
            by(Evidence::DateOfBirthMatched, "ben", 1_763_790_130_000),
            by(Evidence::NhsNumberMatched, "ben", 1_763_790_140_000),
        ];
        let assessment = assess_identity(&evidence);
        assert_eq!(assessment.level, Some(IdentityLevel::P5));
        assert!(!IdentityLevel::P5.allows_record_access());
        assert_eq!(assessment.verified_by, [StaffId::from("ana"), StaffId::from("ben")]);
        assert_eq!(assessment.missing_for_next, ["See photo ID, do a video check, or vouch for the patient in person"]);
    }

    #[test]
    fn photo_id_on_top_of_p5_reaches_p9_with_who_checked_it() {
        let evidence = [
            by(Evidence::EmailConfirmed, "ana", 1_763_790_000_000),
            by(Evidence::MobileConfirmed, "ana", 1_763_790_060_000),
            by(Evidence::NameMatched, "ana", 1_763_790_120_000),
            by(Evidence::DateOfBirthMatched, "ana", 1_763_790_130_000),
            by(Evidence::NhsNumberMatched, "ana", 1_763_790_140_000),
            by(Evidence::PhotoIdSeen { document: PhotoIdKind::Passport }, "carol", 1_763_790_200_000),
        ];
        let assessment = assess_identity(&evidence);
        assert_eq!(assessment.level, Some(IdentityLevel::P9));
        assert!(assessment.level.unwrap().allows_record_access());
        assert_eq!(assessment.verified_by, [StaffId::from("ana"), StaffId::from("carol")]);
        assert!(assessment.missing_for_next.is_empty());
    }

    #[test]
    fn photo_id_without_matched_details_does_not_skip_p5() {
        let evidence = [
            by(Evidence::EmailConfirmed, "ana", 1_763_790_000_000),
            by(Evidence::MobileConfirmed, "ana", 1_763_790_060_000),
            by(Evidence::InPersonVouching, "ana", 1_763_790_200_000),
            by(Evidence::NameMatched, "ana", 1_763_790_120_000),
        ];
        let assessment = assess_identity(&evidence);
        assert_eq!(assessment.level, Some(IdentityLevel::P0));
        assert_eq!(assessment.missing_for_next, ["Match the date of birth", "Match the NHS number"]);
    }

    fn run_with(steps: &[(&str, &str, &str)]) -> ChecklistRun {
        let clock = |wall_ms| crate::hlc::Hlc { wall_ms, counter: 0, device: "tablet".into() };
        ChecklistRun {
            template: "identity_verification_p9".into(),
            version: 1,
            started_by: "ana".into(),
            started_at: clock(1_763_790_000_000),
            steps: steps
                .iter()
                .enumerate()
                .map(|(i, (step, value, by))| {
                    let register = crate::record::Register {
                        value: (*value).into(),
                        clock: clock(1_763_790_000_000 + i as u64 * 1_000),
                        by: (*by).into(),
                    };
                    ((*step).to_owned(), register)
                })
                .collect(),
        }
    }

    #[test]
    fn an_attested_identity_checklist_gives_photo_id_evidence_with_who_checked_it() {
        let run = run_with(&[
            ("photo_id", "passport", "carol"),
            ("dob_confirmed", "done", "carol"),
            ("nhs_number_matched", "done", "ana"),
            ("address_confirmed", "done", "carol"),
            ("verified_by", "carol", "carol"),
        ]);
        let evidence = evidence_from_checklist(&run);
        let kinds: Vec<&Evidence> = evidence.iter().map(|e| &e.evidence).collect();
        assert_eq!(
            kinds,
            [
                &Evidence::NameMatched,
                &Evidence::PhotoIdSeen { document: PhotoIdKind::Passport },
                &Evidence::DateOfBirthMatched,
                &Evidence::NhsNumberMatched,
            ]
        );
        assert_eq!(evidence[3].verified_by, StaffId::from("ana"));
        // With the portal's email and mobile confirmations, that is P9.
        let mut all = vec![
            by(Evidence::EmailConfirmed, "portal", 1_763_780_000_000),
            by(Evidence::MobileConfirmed, "portal", 1_763_780_000_000),
        ];
        all.extend(evidence);
        assert_eq!(assess_identity(&all).level, Some(IdentityLevel::P9));
    }

    #[test]
    fn an_unattested_identity_checklist_is_not_evidence_yet() {
        let run = run_with(&[("photo_id", "passport", "carol"), ("dob_confirmed", "done", "carol")]);
        assert!(evidence_from_checklist(&run).is_empty());
    }
}
