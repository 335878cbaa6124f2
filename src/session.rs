//! Who is signed in on this device: the bearer token and the staff profile the server
//! returned, kept in IndexedDB so the app opens signed in while offline.

use portal_desk_core::protocol::{SignInResponse, SiteSummary, StaffProfile};
use serde::{Deserialize, Serialize};

/// A signed-in member of staff on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The bearer token for the API, bound to this device.
    pub token: String,
    /// When the token stops working (milliseconds since the Unix epoch).
    pub expires_at_ms: u64,
    /// Who signed in.
    pub staff: StaffProfile,
}

impl From<SignInResponse> for Session {
    fn from(response: SignInResponse) -> Self {
        Session { token: response.token, expires_at_ms: response.expires_at_ms, staff: response.staff }
    }
}

impl Session {
    /// The site new cases are created at: the person's first site.
    pub fn home_site(&self) -> Option<&SiteSummary> {
        self.staff.sites.first()
    }

    /// The name of the person's home site, or a plain fallback.
    pub fn site_name(&self) -> String {
        self.home_site().map(|site| site.name.clone()).unwrap_or_else(|| "No site".to_owned())
    }

    /// Whether the token has run out at `now_ms`: the app still works on the device,
    /// but syncing needs a fresh sign-in.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_at_ms
    }

    /// Whether the person may see records of `site`.
    pub fn can_see_site(&self, site: &portal_desk_core::SiteId) -> bool {
        self.staff.sites.iter().any(|s| &s.id == site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_site_is_the_first_and_expiry_is_inclusive() {
        let session = Session {
            token: "t".into(),
            expires_at_ms: 10,
            staff: StaffProfile {
                id: "asha".into(),
                name: "Asha Patel".into(),
                email: "asha.patel@riverside.example".into(),
                role: "analyst".into(),
                sites: vec![SiteSummary { id: "riverside".into(), name: "Riverside Clinic".into() }],
            },
        };
        assert_eq!(session.site_name(), "Riverside Clinic");
        assert!(session.can_see_site(&"riverside".into()));
        assert!(!session.can_see_site(&"hilltop".into()));
        assert!(!session.is_expired(9));
        assert!(session.is_expired(10));
    }
}
