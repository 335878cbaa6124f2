//! Identifier newtypes, so a site id can never be passed where a record id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

string_id!(
    /// A record (case, patient, checklist run) — a UUID minted on the device that created it.
    RecordId
);
string_id!(
    /// A device (tablet or desktop browser profile) — a UUID minted on first start.
    DeviceId
);
string_id!(
    /// One operation, unique across all devices — a UUID minted when the change is made.
    OpId
);
string_id!(
    /// A site: a clinic, hospital or outreach base whose cases a team handles.
    SiteId
);
string_id!(
    /// A member of staff.
    StaffId
);

/// The longest id accepted for a device, a record or an operation: room for a UUID with
/// a prefix, and for the core's own record ids (`template:SITE:TEMPLATE:vN`).
pub const MAX_ID_CHARS: usize = 128;

/// Why an id a device minted is refused, in words that finish "the id …", if it is:
/// ids are 1 to [`MAX_ID_CHARS`] characters of ASCII letters, digits and `-_.:`, so
/// they are safe in URLs, logs, CSV and SQL text alike.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
        return Err(format!("must be 1 to {MAX_ID_CHARS} characters long"));
    }
    if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))) {
        return Err(format!("may hold only letters, digits and - _ . : (not {bad:?})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_bounded_and_plain() {
        assert_eq!(check_id("0b8f6c1e-2d4a-4b7e-9c3f-5a6b7c8d9e0f"), Ok(()));
        assert_eq!(check_id("template:riverside:sign_up:v2"), Ok(()));
        assert!(check_id("").is_err());
        assert!(check_id(&"a".repeat(MAX_ID_CHARS + 1)).is_err());
        assert!(check_id("case/1").unwrap_err().contains("'/'"));
        assert!(check_id("=HYPERLINK(\"x\")").is_err());
        assert!(check_id("café").is_err());
    }
}
