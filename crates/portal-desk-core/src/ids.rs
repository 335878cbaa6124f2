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
