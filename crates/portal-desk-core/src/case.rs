//! The vocabulary of cases: kinds, statuses, priorities and channels, with their
//! plain-English labels and the rules for which values and fields are valid.

use serde::{Deserialize, Serialize};

/// What kind of record a [`crate::Record`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// An enquiry or request about one patient.
    Case,
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

/// The longest free-text value accepted in a field or note, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// Why a field value was refused, in words staff can act on.
pub fn validate_case_field(field: &str, value: &str) -> Result<(), String> {
    let too_long = || format!("{field} is too long: keep it under {MAX_TEXT_CHARS} characters");
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
        "summary" | "owner" | "requester" => {
            if value.chars().count() > MAX_TEXT_CHARS {
                Err(too_long())
            } else {
                Ok(())
            }
        }
        other => Err(format!("'{other}' is not a field of a case")),
    }
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
}
