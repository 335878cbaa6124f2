//! The vocabulary of cases: kinds, statuses, priorities and channels, with their
//! plain-English labels and the rules for which values and fields are valid.

use crate::date::CivilDate;
use crate::validate;
use serde::{Deserialize, Serialize};

/// What kind of record a [`crate::Record`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// An enquiry or request about one patient.
    Case,
    /// A patient the team knows (see [`crate::patient`]); synced like cases so that
    /// duplicate checks see every tablet's patients.
    Patient,
    /// A site's settings: calendar and capacity (see [`crate::site`]); admins only.
    Site,
    /// One published version of a checklist template for a site (see
    /// [`crate::catalog`]); admins only, never edited, only superseded.
    Template,
}

impl Collection {
    /// Why a field value was refused for a record of this collection.
    pub fn validate_field(self, field: &str, value: &str) -> Result<(), String> {
        match self {
            Collection::Case => validate_case_field(field, value),
            Collection::Patient => crate::patient::validate_patient_field(field, value),
            Collection::Site => crate::site::validate_site_field(field, value),
            Collection::Template => crate::catalog::validate_template_field(field, value),
        }
    }

    /// Whether only those who run the system (admins) may write records of this
    /// collection, and the permission it takes.
    pub fn admin_permission(self) -> Option<crate::staff::Permission> {
        match self {
            Collection::Case | Collection::Patient => None,
            Collection::Site => Some(crate::staff::Permission::ManageSites),
            Collection::Template => Some(crate::staff::Permission::ManageTemplates),
        }
    }
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[doc = $label] $variant),+
        }

        impl $name {
            /// Every value, in the order they are offered to staff.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in records and sent over the wire.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The plain-English label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a stored code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

vocabulary!(
    /// The kinds of case, each with its own checklist.
    CaseKind {
        SignUp => ("sign_up", "Sign-up or registration help"),
        PasswordReset => ("password_reset", "Password reset"),
        AccountUnlock => ("account_unlock", "Account unlock"),
        ProxyAccess => ("proxy_access", "Proxy access request"),
        IdentityVerification => ("identity_verification", "Identity verification"),
        RecordQuery => ("record_query", "Results or record query"),
        UpdateDetails => ("update_details", "Update personal details"),
        TechnicalProblem => ("technical_problem", "Technical problem"),
        Complaint => ("complaint", "Complaint"),
        Safeguarding => ("safeguarding", "Safeguarding concern"),
        ImagingTransfer => ("imaging_transfer", "Imaging transfer request"),
        ConsultationTriage => ("consultation_triage", "Online-consultation triage"),
    }
);

impl CaseKind {
    /// Safeguarding and complaint cases are visible to fewer people.
    pub fn is_restricted(self) -> bool {
        matches!(self, CaseKind::Safeguarding | CaseKind::Complaint)
    }
}

vocabulary!(
    /// Where a case is in its life.
    CaseStatus {
        New => ("new", "New"),
        InProgress => ("in_progress", "In progress"),
        WaitingOnPatient => ("waiting_on_patient", "Waiting on patient"),
        Escalated => ("escalated", "Escalated"),
        Resolved => ("resolved", "Resolved"),
        Closed => ("closed", "Closed"),
    }
);

impl CaseStatus {
    /// Whether a case may move from `self` to `to`. Closed cases must be reopened
    /// (to in progress) before anything else; a case cannot go back to new.
    pub fn can_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        if self == to {
            return true;
        }
        match (self, to) {
            (_, New) => false,
            (Closed, InProgress) => true,
            (Closed, _) => false,
            (Resolved, Closed | InProgress) => true,
            (Resolved, _) => false,
            _ => true,
        }
    }
}

vocabulary!(
    /// How urgent a case is.
    Priority {
        Urgent => ("urgent", "Urgent"),
        High => ("high", "High"),
        Normal => ("normal", "Normal"),
        Low => ("low", "Low"),
    }
);

vocabulary!(
    /// How the request reached the team.
    Channel {
        Phone => ("phone", "Phone"),
        Email => ("email", "Email"),
        PortalMessage => ("portal_message", "Portal message"),
        InPerson => ("in_person", "In person"),
        Kiosk => ("kiosk", "Kiosk"),
    }
);

vocabulary!(
    /// Who asked: the patient or someone on their behalf.
    RequesterType {
        Patient => ("patient", "Patient"),
        Relative => ("relative", "Relative"),
        Proxy => ("proxy", "Proxy"),
        Advocate => ("advocate", "Advocate"),
        Gp => ("gp", "GP or practice"),
        Staff => ("staff", "Member of staff"),
    }
);

vocabulary!(
    /// The colour an online-consultation request is triaged to; staff may upgrade or
    /// downgrade the colour the patient's answers gave.
    TriageColour {
        Red => ("red", "Red – same day"),
        Amber => ("amber", "Amber – within 2 working days"),
        Green => ("green", "Green – admin or self-care"),
    }
);

vocabulary!(
    /// Which way an imaging transfer goes.
    ImagingDirection {
        Import => ("import", "Import"),
        Export => ("export", "Export"),
    }
);

/// The longest free-text value accepted in a field or note, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// The longest short text (names, relationships, targets), in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 200;

/// The longest expected response time for an escalation, in hours (30 days).
pub const MAX_ESCALATION_RESPONSE_HOURS: u32 = 720;

/// Every field a case may hold, in the order a case form shows them.
pub const CASE_FIELDS: &[&str] = &[
    "patient_name",
    "kind",
    "status",
    "priority",
    "channel",
    "summary",
    "owner",
    "requester",
    "requester_type",
    "requester_relationship",
    "patient",
    "patient_nhs_number",
    "patient_dob",
    "patient_email",
    "patient_mobile",
    "patient_postcode",
    "preferred_language",
    "communication_needs",
    "due",
    "escalation_target",
    "escalation_reason",
    "escalation_response_hours",
    "triage_colour",
    "imaging_direction",
    "imaging_media",
    "imaging_destination",
    "received_at",
    "signed_off_at",
    "signed_off_by",
];

/// Why a field value was refused, in words staff can act on.
///
/// Values are checked in their stored form (an NHS number as ten digits, a mobile as
/// `07…`, a postcode in capitals with one space): the app normalises what staff type
/// with [`crate::nhs_number`] and [`crate::validate`] before making the change. An
/// empty value clears an optional field.
pub fn validate_case_field(field: &str, value: &str) -> Result<(), String> {
    let too_long = |max: usize| format!("{field} is too long: keep it under {max} characters");
    let text = |max: usize| if value.chars().count() > max { Err(too_long(max)) } else { Ok(()) };
    let optional = value.is_empty()
        && !matches!(field, "patient_name" | "kind" | "status" | "priority" | "channel")
        && CASE_FIELDS.contains(&field);
    if optional {
        return Ok(());
    }
    match field {
        "patient_name" => {
            if value.trim().is_empty() {
                Err("Enter the patient's name".to_owned())
            } else if value.chars().count() > 200 {
                Err("The patient's name is too long: keep it under 200 characters".to_owned())
            } else {
                Ok(())
            }
        }
        "kind" => CaseKind::from_code(value).map(|_| ()).ok_or_else(|| format!("'{value}' is not a kind of case")),
        "status" => CaseStatus::from_code(value).map(|_| ()).ok_or_else(|| format!("'{value}' is not a case status")),
        "priority" => Priority::from_code(value).map(|_| ()).ok_or_else(|| format!("'{value}' is not a priority")),
        "channel" => Channel::from_code(value).map(|_| ()).ok_or_else(|| format!("'{value}' is not a channel")),
        "requester_type" => RequesterType::from_code(value).map(|_| ()).ok_or_else(|| {
            format!("'{value}' is not a kind of requester: choose patient, relative, proxy, advocate, GP or staff")
        }),
        "triage_colour" => TriageColour::from_code(value)
            .map(|_| ())
            .ok_or_else(|| format!("'{value}' is not a triage colour: choose red, amber or green")),
        "imaging_direction" => ImagingDirection::from_code(value)
            .map(|_| ())
            .ok_or_else(|| format!("'{value}' is not a transfer direction: choose import or export")),
        // The owner was a long text field from the start; kept so for older records.
        "summary" | "owner" | "requester" | "escalation_reason" | "communication_needs" | "imaging_destination" => {
            text(MAX_TEXT_CHARS)
        }
        "requester_relationship"
        | "patient"
        | "preferred_language"
        | "escalation_target"
        | "imaging_media"
        | "signed_off_by" => text(MAX_SHORT_TEXT_CHARS),
        "patient_nhs_number" => validate::stored_nhs_number(value),
        "patient_dob" => validate::stored_date_of_birth(value),
        "patient_email" => validate::stored_email(value),
        "patient_mobile" => validate::stored_mobile(value),
        "patient_postcode" => validate::stored_postcode(value),
        "due" | "received_at" | "signed_off_at" => value
            .parse::<u64>()
            .map(|_| ())
            .map_err(|_| format!("{field} must be a moment in milliseconds since 1970, such as 1763800000000")),
        "escalation_response_hours" => match value.parse::<u32>() {
            Ok(hours) if (1..=MAX_ESCALATION_RESPONSE_HOURS).contains(&hours) => Ok(()),
            _ => Err(format!(
                "Expected response time must be a whole number of hours from 1 to {MAX_ESCALATION_RESPONSE_HOURS}"
            )),
        },
        other => Err(format!("'{other}' is not a field of a case")),
    }
}

/// [`validate_case_field`], plus the checks that need today's date at the site: a date
/// of birth may not be in the future or implausibly long ago.
pub fn validate_case_field_on(field: &str, value: &str, today: CivilDate) -> Result<(), String> {
    validate_case_field(field, value)?;
    if field == "patient_dob" && !value.is_empty() {
        validate::date_of_birth(value, today).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in CaseKind::ALL {
            assert_eq!(CaseKind::from_code(kind.code()), Some(*kind));
        }
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::from_code(status.code()), Some(*status));
        }
    }

    #[test]
    fn only_safeguarding_and_complaints_are_restricted() {
        let restricted: Vec<_> = CaseKind::ALL.iter().filter(|k| k.is_restricted()).collect();
        assert_eq!(restricted, vec![&CaseKind::Complaint, &CaseKind::Safeguarding]);
    }

    #[test]
    fn closed_case_must_be_reopened_first() {
        assert!(!CaseStatus::Closed.can_become(CaseStatus::Resolved));
        assert!(CaseStatus::Closed.can_become(CaseStatus::InProgress));
        assert!(!CaseStatus::InProgress.can_become(CaseStatus::New));
    }

    #[test]
    fn unknown_field_and_empty_name_are_refused_with_a_reason() {
        assert_eq!(validate_case_field("patient_name", "  ").unwrap_err(), "Enter the patient's name");
        assert!(validate_case_field("colour", "red").unwrap_err().contains("not a field"));
        assert!(validate_case_field("kind", "password_reset").is_ok());
    }

    #[test]
    fn every_listed_field_is_known_and_optional_ones_can_be_cleared() {
        for field in CASE_FIELDS {
            let result = validate_case_field(field, "");
            let required = matches!(*field, "patient_name" | "kind" | "status" | "priority" | "channel");
            assert_eq!(result.is_err(), required, "{field}: {result:?}");
        }
        assert!(validate_case_field("colour", "").is_err());
    }

    #[test]
    fn patient_details_must_be_in_their_stored_form() {
        assert!(validate_case_field("patient_nhs_number", "4857773457").is_ok());
        assert_eq!(
            validate_case_field("patient_nhs_number", "485 777 3457").unwrap_err(),
            "Store the NHS number as ten digits without spaces: 4857773457"
        );
        assert!(validate_case_field("patient_nhs_number", "4857773456").unwrap_err().contains("last digit"));
        assert!(validate_case_field("patient_mobile", "07700900123").is_ok());
        assert!(validate_case_field("patient_mobile", "+447700900123").unwrap_err().contains("07700900123"));
        assert!(validate_case_field("patient_postcode", "sw1a 1aa").unwrap_err().contains("SW1A 1AA"));
        assert!(validate_case_field("patient_email", "ada@example.com").is_ok());
        assert!(validate_case_field("patient_dob", "1985-12-10").is_ok());
        assert!(validate_case_field("patient_dob", "10/12/1985").unwrap_err().contains("year-month-day"));
    }

    #[test]
    fn a_future_date_of_birth_needs_todays_date_to_be_caught() {
        let today: CivilDate = "2026-11-22".parse().unwrap();
        assert!(validate_case_field("patient_dob", "2027-01-01").is_ok());
        assert!(validate_case_field_on("patient_dob", "2027-01-01", today).unwrap_err().contains("future"));
        assert!(validate_case_field_on("patient_dob", "1985-12-10", today).is_ok());
    }

    #[test]
    fn escalation_and_requester_fields_say_what_is_allowed() {
        assert!(validate_case_field("requester_type", "advocate").is_ok());
        assert!(validate_case_field("requester_type", "neighbour").unwrap_err().contains("choose patient"));
        assert!(validate_case_field("escalation_response_hours", "4").is_ok());
        assert!(validate_case_field("escalation_response_hours", "0").unwrap_err().contains("from 1 to 720"));
        assert!(validate_case_field("due", "1763800000000").is_ok());
        assert!(validate_case_field("due", "tomorrow").unwrap_err().contains("milliseconds"));
        assert!(validate_case_field("triage_colour", "amber").is_ok());
        assert!(validate_case_field("escalation_target", &"x".repeat(201)).unwrap_err().contains("under 200"));
    }
}
