//! Who is signed in on this device: the bearer token and the staff profile the server
//! returned, kept (sealed) in IndexedDB so the app opens signed in while offline once
//! unlocked; the sign-in call that also returns the device's secret; and whether the
//! device is locked.

use crate::api::ApiError;
use leptos::prelude::*;
use portal_desk_core::protocol::{SignInRequest, SignInResponse, SiteSummary, StaffProfile};
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

/// A sign-in's whole answer: the session, the device's secret that unlocks its
/// encrypted data without a PIN (the server slot), the device's own secret when this
/// sign-in registered it, and the person's operation key on this device.
#[derive(Clone, Debug, Deserialize)]
pub struct SignedIn {
    /// The session.
    #[serde(flatten)]
    pub session: SignInResponse,
    /// The device's data-at-rest secret, 64 hex characters.
    pub device_key: String,
    /// The device's own secret, to keep and prove the device with from now on.
    #[serde(default)]
    pub device_secret: Option<String>,
    /// The signed-in person's operation key here.
    pub credential: portal_desk_core::protocol::IssuedCredential,
}

impl SignedIn {
    /// The operation key the sign-in gave its person, as the store holds it.
    pub fn op_key(&self) -> portal_desk_core::signing::OpKey {
        portal_desk_core::signing::OpKey {
            credential: self.credential.id.clone(),
            staff: self.session.staff.id.clone(),
            key: self.credential.key.clone(),
        }
    }
}

/// The parts of a problem answer a failed sign-in is told apart by.
#[derive(Debug, Default, Deserialize)]
struct Problem {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
}

/// Signs in (`POST /api/v1/sign-in`), keeping the device secret that `api::sign_in`'s
/// `SignInResponse` leaves out. Failures mean what they mean for `api`'s calls.
pub async fn sign_in(request: &SignInRequest) -> Result<SignedIn, ApiError> {
    let request = gloo_net::http::Request::post("/api/v1/sign-in").json(request).map_err(|_| ApiError::Offline)?;
    let response = request.send().await.map_err(|_| ApiError::Offline)?;
    let status = response.status();
    if response.ok() {
        return response.json().await.map_err(|error| ApiError::Problem {
            status,
            title: "Unexpected answer".to_owned(),
            detail: error.to_string(),
        });
    }
    let problem: Problem = response.json().await.unwrap_or_default();
    Err(match status {
        401 => ApiError::Unauthorized { detail: problem.detail },
        403 if problem.kind.ends_with("/device-revoked") => ApiError::DeviceRevoked { detail: problem.detail },
        502..=504 => ApiError::Offline,
        _ => ApiError::Problem { status, title: problem.title, detail: problem.detail },
    })
}

/// Whether the device is unlocked (its data key in memory) and who is signed in, as
/// the screens see it. Locking drops the key, forgets the session signal (so nothing
/// signed-in stays mounted, and the sync loop stops) and shows the unlock screen.
#[derive(Clone, Copy)]
pub struct DeviceLock {
    /// Whether the device is unlocked.
    pub unlocked: RwSignal<bool>,
    /// Who is signed in; `None` while locked.
    pub session: RwSignal<Option<Session>>,
    /// Minutes without a touch or key press before the app locks itself.
    pub idle_minutes: RwSignal<u32>,
    /// The signed-in person has no working PIN on this device yet: remind them.
    pub needs_pin: RwSignal<bool>,
}

impl DeviceLock {
    /// Locks now: the store's key and decrypted records go, the signed-in screens unmount.
    pub fn lock(&self, store: &crate::store::Store) {
        store.lock();
        self.unlocked.set(false);
        self.session.set(None);
    }

    /// Marks the device unlocked for `session`, then shows `path`. When the device was
    /// locked the router is rebuilt, so the page is chosen by the address, not by
    /// navigating the router that is going away.
    pub fn unlocked_as(&self, session: Session, path: &str, navigate: impl Fn(&str)) {
        // The signed-in router is mounted only while unlocked with someone signed in.
        let router_mounted = self.unlocked.get_untracked() && self.session.with_untracked(Option::is_some);
        if !router_mounted {
            // The address first: the router about to be built starts from it.
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
            }
        }
        self.session.set(Some(session));
        self.unlocked.set(true);
        if router_mounted {
            navigate(path);
        }
    }
}

/// How often the idle lock looks at the time since the last touch.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(10);

impl DeviceLock {
    /// Locks the device once nobody has touched, clicked or typed for
    /// `idle_minutes`, except while `held_off()` says not to (a kiosk, which wipes its
    /// own form instead: locking would stop the next patient registering). Call once,
    /// from the app's root.
    pub fn lock_when_idle(self, store: crate::app::StoreHandle, held_off: impl Fn() -> bool + 'static) {
        let last_touch = StoredValue::new(crate::browser::now_ms());
        let touched = move || last_touch.set_value(crate::browser::now_ms());
        window_event_listener(leptos::ev::pointerdown, move |_| touched());
        window_event_listener(leptos::ev::keydown, move |_| touched());
        set_interval(
            move || {
                let idle_ms = crate::browser::now_ms().saturating_sub(last_touch.get_value());
                let due = idle_ms >= u64::from(self.idle_minutes.get_untracked()) * 60_000;
                if due && self.unlocked.get_untracked() && !held_off() {
                    self.lock(&store.get());
                }
            },
            IDLE_CHECK,
        );
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
