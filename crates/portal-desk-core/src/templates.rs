//! The built-in checklist templates, one for every kind of case, written from the
//! standard operating procedures of patient-portal teams. The server and every device
//! hold the same list, so a run started offline means the same steps everywhere.

use crate::case::CaseKind;
use crate::checklist::{ChecklistTemplate, ChoiceOption, StepKind, StepTemplate};
use crate::proxy::LegalRoute;
use std::sync::OnceLock;

/// Every built-in template, in the order of [`CaseKind::ALL`].
pub fn builtin() -> &'static [ChecklistTemplate] {
    static TEMPLATES: OnceLock<Vec<ChecklistTemplate>> = OnceLock::new();
    TEMPLATES.get_or_init(|| CaseKind::ALL.iter().map(|&kind| build(kind)).collect())
}

/// A built-in template by id and version.
pub fn find(id: &str, version: u32) -> Option<&'static ChecklistTemplate> {
    builtin().iter().find(|t| t.id == id && t.version == version)
}

/// The current built-in template for a kind of case.
pub fn for_kind(kind: CaseKind) -> &'static ChecklistTemplate {
    builtin().iter().filter(|t| t.kind == kind).max_by_key(|t| t.version).expect("every kind has a template")
}

/// A step under construction.
struct Step(StepTemplate);

impl Step {
    fn new(id: &str, label: &str, kind: StepKind, guidance: &str) -> Self {
        Step(StepTemplate {
            id: id.to_owned(),
            label: label.to_owned(),
            kind,
            required: true,
            guidance: guidance.to_owned(),
            requires: Vec::new(),
        })
    }

    fn after(mut self, steps: &[&str]) -> Self {
        self.0.requires = steps.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    fn optional(mut self) -> Self {
        self.0.required = false;
        self
    }
}

fn tick(id: &str, label: &str, guidance: &str) -> Step {
    Step::new(id, label, StepKind::Tick, guidance)
}

fn text(id: &str, label: &str, guidance: &str) -> Step {
    Step::new(id, label, StepKind::Text, guidance)
}

fn date(id: &str, label: &str, guidance: &str) -> Step {
    Step::new(id, label, StepKind::Date, guidance)
}

fn attest(id: &str, label: &str, guidance: &str) -> Step {
    Step::new(id, label, StepKind::StaffAttestation, guidance)
}

fn choice(id: &str, label: &str, options: &[(&str, &str)], guidance: &str) -> Step {
    let options = options.iter().map(|(c, l)| ChoiceOption { code: (*c).to_owned(), label: (*l).to_owned() }).collect();
    Step::new(id, label, StepKind::Choice { options }, guidance)
}

fn template(id: &str, kind: CaseKind, title: &str, steps: Vec<Step>) -> ChecklistTemplate {
    ChecklistTemplate {
        id: id.to_owned(),
        version: 1,
        kind,
        title: title.to_owned(),
        steps: steps.into_iter().map(|s| s.0).collect(),
    }
}

const CONFIRM_CALLER: &str =
    "Ask for full name, date of birth and NHS number (or postcode); never read them out for the caller to agree with.";
const DUPLICATES: &str = "Search by NHS number, then by name and date of birth. Flag any possible duplicate to the records team before going on.";
const SIGN_OFF: &str = "Confirm in your own name that every required step was done as recorded.";

fn build(kind: CaseKind) -> ChecklistTemplate {
    match kind {
        CaseKind::SignUp => template("sign_up", kind, "Help a patient sign up to the portal", vec![
            tick("identified", "Patient's name, date of birth and NHS number confirmed", CONFIRM_CALLER),
            tick("duplicate_check", "Checked for a duplicate patient record", DUPLICATES),
            tick("contact_confirmed", "Email address and mobile confirmed with the patient", "The patient must be able to receive a code at both; no shared or work addresses."),
            choice("route", "How the patient will use the portal", &[("nhs_app", "NHS App"), ("website", "Website"), ("other_app", "Another approved app")], "Offer the NHS App first; the website suits patients without a smartphone."),
            tick("account_created", "Account created or linked", "Use the patient's own device where possible, so they keep control of their password.").after(&["identified", "duplicate_check", "contact_confirmed"]),
            choice("identity_level", "Identity level reached", &[("p0", "P0 – email and phone"), ("p5", "P5 – details matched"), ("p9", "P9 – identity checked")], "P9 needs photo ID, a video check or in-person vouching; record it in an identity verification checklist.").after(&["account_created"]),
            tick("features_shown", "Showed booking, repeat prescriptions and messages", "Let the patient try each one themselves.").optional(),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["account_created", "identity_level"]),
        ]),
        CaseKind::PasswordReset => template("password_reset", kind, "Reset a portal password", vec![
            tick("identified", "Caller's identity confirmed", CONFIRM_CALLER),
            tick("account_found", "Account found and belongs to the caller", "Check the email on the account matches what the caller gives.").after(&["identified"]),
            choice("route", "How the password was reset", &[("self_service", "Self-service link sent"), ("nhs_login_support", "Referred to NHS login support"), ("practice_reset", "Reset by the practice")], "Self-service is preferred: staff never learn or set the patient's password."),
            tick("reset_sent", "Reset done or link sent", "Tell the patient the link expires and to check junk mail.").after(&["account_found", "route"]),
            tick("patient_signed_in", "Patient confirmed they can sign in", "Call back if they could not complete it.").optional(),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["reset_sent"]),
        ]),
        CaseKind::AccountUnlock => template("account_unlock", kind, "Unlock a portal account", vec![
            tick("identified", "Caller's identity confirmed", CONFIRM_CALLER),
            choice("lock_reason", "Why the account was locked", &[("failed_attempts", "Too many failed sign-ins"), ("suspicious_activity", "Suspicious activity"), ("practice_lock", "Locked by the practice")], "The reason decides whether a security review is needed first."),
            tick("security_review", "Recent activity reviewed with the patient", "If the lock was for suspicious activity, go through recent sign-ins with the patient; if they do not recognise one, escalate instead of unlocking.").after(&["lock_reason"]),
            tick("unlocked", "Account unlocked", "Ask the patient to change their password at next sign-in.").after(&["identified", "security_review"]),
            text("advice", "Security advice given", "For example: use a password manager, do not share codes.").optional(),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["unlocked"]),
        ]),
        CaseKind::ProxyAccess => {
            let routes: Vec<(&str, &str)> = LegalRoute::ALL.iter().map(|r| (r.code(), r.label())).collect();
            template("proxy_access", kind, "Proxy access request", vec![
                choice("relationship", "Proxy's relationship to the patient", &[("parent", "Parent"), ("guardian", "Legal guardian"), ("carer", "Carer"), ("relative", "Other relative"), ("attorney", "Attorney (LPA)"), ("deputy", "Court-appointed deputy"), ("other", "Other")], "As the proxy describes it; the legal route below is what authorises access."),
                date("patient_dob", "Patient's date of birth", "From the patient's record: it decides which legal routes apply."),
                choice("legal_route", "Legal route for the patient's age", &routes, "Under 11: parental responsibility. 11 to 15: case by case on the child's competence (Gillick). 16 and over: the patient's consent, a health and welfare LPA, a court-appointed deputy, or a best-interests decision.").after(&["patient_dob"]),
                tick("patient_identity", "Patient's identity verified (P9)", "Record the evidence in an identity verification checklist; a child under 11 is verified through the parent's evidence and the record."),
                tick("proxy_identity", "Proxy's identity verified (P9)", "The proxy uses their own login: check their photo ID, never the patient's."),
                tick("safeguarding_reviewed", "Safeguarding reviewed", "Check the record for safeguarding flags and coercion; if in doubt, ask the safeguarding lead before granting access."),
                choice("authority_recorded", "Consent or authority recorded", &[("written_consent", "Patient's written consent"), ("lpa_seen", "Registered LPA seen"), ("court_order_seen", "Court order seen"), ("best_interests_record", "Best-interests decision recorded"), ("parental_responsibility", "Evidence of parental responsibility"), ("competence_assessment", "Competence assessment recorded")], "Scan or note the document's reference; never keep a copy on the tablet.").after(&["legal_route"]),
                choice("access_level", "Access granted", &[("appointments", "Appointments only"), ("prescriptions", "Appointments and prescriptions"), ("summary_record", "Summary record"), ("full_record", "Full record")], "Grant the least access the proxy needs.").after(&["patient_identity", "proxy_identity", "safeguarding_reviewed", "authority_recorded"]),
                date("review_on", "Review date", "For a child under 11, the 11th birthday (access is restricted automatically then); for 11 to 15, the 16th birthday; otherwise within a year.").after(&["legal_route"]),
                attest("approved_by", "Approved by", SIGN_OFF).after(&["access_level", "review_on"]),
            ])
        }
        CaseKind::IdentityVerification => template("identity_verification_p9", kind, "Verify identity to P9", vec![
            choice("photo_id", "Photo ID seen", &[("passport", "Passport"), ("driving_licence", "Photocard driving licence"), ("residence_permit", "Biometric residence permit"), ("national_id_card", "National identity card"), ("video_check", "Video check instead"), ("in_person_vouching", "Vouched for in person by staff")], "Compare the photo with the person in front of you; check the document is in date."),
            tick("dob_confirmed", "Date of birth confirmed", "Against the ID and the patient's record."),
            tick("nhs_number_matched", "NHS number matched", "Check the number's digits; a test number (999…) is never a real patient's."),
            tick("address_confirmed", "Address confirmed", "Against the record, and a letter or bill if the ID has no address."),
            attest("verified_by", "Verified by", "Your name is recorded as the person who verified this identity.").after(&["photo_id", "dob_confirmed", "nhs_number_matched", "address_confirmed"]),
        ]),
        CaseKind::RecordQuery => template("record_query", kind, "Results or record query", vec![
            tick("identified", "Requester's identity confirmed", CONFIRM_CALLER),
            tick("access_allowed", "Requester may see this information", "The patient needs P9, or the proxy's access level must cover it.").after(&["identified"]),
            choice("query_type", "What the query is about", &[("test_result", "A test result"), ("missing_entry", "Something missing from the record"), ("incorrect_entry", "Something wrong in the record"), ("letter", "A letter"), ("other", "Something else")], "Results that need a clinician's explanation go to the GP."),
            choice("passed_to", "Passed to", &[("answered", "Answered directly"), ("gp", "GP"), ("records_team", "Records team"), ("lab", "Laboratory")], "Never interpret a result yourself.").after(&["query_type", "access_allowed"]),
            text("response", "What the patient was told", "In plain words, as you said it."),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["passed_to", "response"]),
        ]),
        CaseKind::UpdateDetails => template("update_details", kind, "Update personal details", vec![
            tick("identified", "Patient's identity confirmed", CONFIRM_CALLER),
            choice("detail", "Detail to change", &[("address", "Address"), ("name", "Name"), ("mobile", "Mobile number"), ("email", "Email address"), ("gp_practice", "GP practice")], "A change of GP practice is a new registration, not an update."),
            text("evidence", "Evidence seen", "For a change of name: deed poll, marriage or civil partnership certificate.").optional(),
            tick("duplicate_check", "Checked for a duplicate patient record", DUPLICATES),
            tick("updated", "Record updated", "Check the new value back with the patient.").after(&["identified", "detail", "duplicate_check"]),
            tick("patient_informed", "Patient told the change is made", "Changes can take a day to reach the app."),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["updated"]),
        ]),
        CaseKind::TechnicalProblem => template("technical_problem", kind, "Technical problem", vec![
            choice("area", "Where the problem is", &[("nhs_app", "NHS App"), ("website", "Website"), ("sign_in", "Signing in"), ("notifications", "Notifications"), ("booking", "Booking"), ("prescriptions", "Prescriptions"), ("other", "Something else")], "Ask what the patient was trying to do."),
            text("device", "Device, system and app version", "For example: iPhone, iOS 18, NHS App 3.2."),
            tick("reproduced", "Reproduced the problem", "Try on a test account, never on the patient's.").optional(),
            text("workaround", "Workaround given", "For example: use the website until the app is fixed.").optional(),
            choice("supplier", "Reported to the supplier", &[("yes", "Yes"), ("not_needed", "Not needed")], "Report anything that affects more than one patient."),
            tick("resolved_confirmed", "Patient confirmed it works", "Call back if they could not check while on the phone.").after(&["area"]),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["resolved_confirmed", "supplier"]),
        ]),
        CaseKind::Complaint => template("complaint", kind, "Complaint", vec![
            text("summary", "What the complaint is about", "In the complainant's words; facts, not opinions."),
            date("acknowledged_on", "Acknowledgement sent on", "Within 3 working days of receipt."),
            choice("pals", "PALS", &[("referred", "Referred to PALS"), ("handled_locally", "Handled by the team"), ("declined", "Complainant declined PALS")], "Offer PALS for anything about care, not only the portal."),
            tick("consent_to_share", "Consent to share the complaint recorded", "Needed before anyone outside the team sees it."),
            text("findings", "What was found", "What happened and what will change.").after(&["acknowledged_on"]),
            date("response_sent_on", "Response sent on", "The response must be signed by a supervisor.").after(&["findings"]),
            attest("signed_off", "Signed off by (supervisor)", SIGN_OFF).after(&["response_sent_on", "pals"]),
        ]),
        CaseKind::Safeguarding => template("safeguarding", kind, "Safeguarding concern", vec![
            text("concern", "The concern, as reported", "Facts only, in the person's own words. Do not investigate yourself."),
            choice("immediate_risk", "Immediate danger?", &[("yes_999", "Yes: 999 called"), ("no", "No immediate danger")], "If anyone is in immediate danger, call 999 first and record it after."),
            tick("escalated", "Escalated to the safeguarding lead", "The same working session; set the escalation on the case with the lead's name.").after(&["concern", "immediate_risk"]),
            text("reference", "Safeguarding lead's reference", "The reference the lead gives you.").after(&["escalated"]),
            choice("patient_informed", "Patient told of the referral", &[("yes", "Yes"), ("no_risk", "No: telling them would increase the risk"), ("not_appropriate", "No: not appropriate")], "The lead decides; record why if not."),
            tick("restricted", "Case visibility restricted", "Only supervisors, the creator and the owner can see it."),
            attest("lead_attestation", "Confirmed by", SIGN_OFF).after(&["escalated", "restricted"]),
        ]),
        CaseKind::ImagingTransfer => template("imaging_transfer", kind, "Imaging transfer request", vec![
            choice("direction", "Import or export", &[("import", "Import into our system"), ("export", "Export to another provider")], "Exports need the patient's consent or a clinician's request."),
            choice("media", "How the images travel", &[("image_exchange", "Image exchange portal"), ("pacs_link", "Direct PACS link"), ("encrypted_disc", "Encrypted CD or DVD")], "Never send images by email or unencrypted media."),
            text("destination", "Destination or source", "Hospital, department and contact."),
            choice("urgency", "Urgency", &[("routine", "Routine"), ("urgent", "Urgent"), ("clinical_emergency", "Clinical emergency")], "Clinical emergencies go by phone to the imaging department as well."),
            tick("requester_authorised", "Requester authorised", "A clinician, or the patient for their own images."),
            text("images", "Images identified", "Modality, body part and date of each study."),
            tick("transferred", "Transfer done", "Check the receiving end confirms the studies arrived complete.").after(&["direction", "media", "destination", "requester_authorised", "images"]),
            tick("logged", "Logged in the transfer register", "Date, studies, destination, who sent them.").after(&["transferred"]),
            attest("signed_off", "Signed off by", SIGN_OFF).after(&["logged"]),
        ]),
        CaseKind::ConsultationTriage => template("consultation_triage", kind, "Online-consultation triage", vec![
            tick("read", "Request read in full", "Including attachments and photos."),
            tick("red_flags", "Checked for red flags", "Chest pain, breathing difficulty, stroke signs, suicidal thoughts, a child who is unwell: direct to 999 or 111 at once.").after(&["read"]),
            choice("colour", "Triage colour", &[("red", "Red – same day, clinician now"), ("amber", "Amber – clinician within 2 working days"), ("green", "Green – admin or self-care")], "If you change the colour the patient chose, say why below.").after(&["red_flags"]),
            text("colour_reason", "Why the colour was upgraded or downgraded", "Only if you changed it.").optional(),
            tick("patient_verified", "Patient's account verified", "The request came from the patient's own verified account, or a proxy's with the right access."),
            choice("action", "Action taken", &[("gp", "Booked with a GP"), ("nurse", "Booked with a nurse"), ("pharmacy", "Referred to pharmacy"), ("self_care", "Self-care advice sent"), ("signposted", "Signposted elsewhere"), ("urgent_care", "Directed to 999 or 111")], "Tell the patient what happens next and when.").after(&["colour", "patient_verified"]),
            attest("signed_off", "Signed off by", "Every request is actioned and signed off within 7 days.").after(&["action"]),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_case_has_a_sound_template() {
        for &kind in CaseKind::ALL {
            let template = for_kind(kind);
            assert_eq!(template.kind, kind);
            assert_eq!(template.problems(), Vec::<String>::new(), "{}", template.id);
            assert!(template.steps.len() >= 5, "{} has too few steps", template.id);
            assert!(template.steps.iter().all(|s| !s.guidance.is_empty()), "{} lacks guidance", template.id);
            assert!(
                template.steps.iter().any(|s| matches!(s.kind, StepKind::StaffAttestation)),
                "{} has no staff attestation",
                template.id
            );
            assert_eq!(find(&template.id, template.version), Some(template));
        }
    }

    #[test]
    fn identity_verification_asks_for_the_p9_evidence() {
        let template = for_kind(CaseKind::IdentityVerification);
        let ids: Vec<&str> = template.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["photo_id", "dob_confirmed", "nhs_number_matched", "address_confirmed", "verified_by"]);
        assert_eq!(template.step("verified_by").unwrap().requires.len(), 4);
    }

    #[test]
    fn proxy_access_offers_every_legal_route_and_needs_both_identities() {
        let template = for_kind(CaseKind::ProxyAccess);
        let StepKind::Choice { options } = &template.step("legal_route").unwrap().kind else { panic!() };
        assert_eq!(options.len(), LegalRoute::ALL.len());
        let access = template.step("access_level").unwrap();
        assert!(access.requires.contains(&"patient_identity".to_owned()));
        assert!(access.requires.contains(&"proxy_identity".to_owned()));
        assert!(access.requires.contains(&"safeguarding_reviewed".to_owned()));
    }

    #[test]
    fn templates_have_unique_ids() {
        let mut ids: Vec<&str> = builtin().iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CaseKind::ALL.len());
    }
}
