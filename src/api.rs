//! The HTTP client for the sync server's API (`/api/v1/`, same origin). Every failure
//! becomes an [`ApiError`] that says what it means for the person.

use crate::views::{ViewReport, ViewsRecorded};
use gloo_net::http::{Request, Response};
use portal_desk_core::protocol::{PullResponse, PushRequest, PushResponse, SignInRequest, SignInResponse};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Why an API call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The server could not be reached: no network, or the server is down.
    Offline,
    /// The credentials or the token were refused (401).
    Unauthorized {
        /// The server's explanation.
        detail: String,
    },
    /// A supervisor revoked this device (403 `device-revoked`): its data must be wiped.
    DeviceRevoked {
        /// The server's explanation.
        detail: String,
    },
    /// The server is missing earlier operations and needs them from `expected` (409).
    Gap {
        /// The sequence number to resend from.
        expected: u64,
    },
    /// The person's sites changed since this device last pulled (409 `sites-changed`):
    /// drop the records of `drop_sites`, then pull again from cursor 0.
    SitesChanged {
        /// Sites whose records this device must no longer hold.
        drop_sites: Vec<String>,
        /// Sites whose records the pull from 0 will bring.
        new_sites: Vec<String>,
    },
    /// Any other problem the server reported.
    Problem {
        /// The HTTP status.
        status: u16,
        /// The server's short title.
        title: String,
        /// The server's explanation.
        detail: String,
    },
}

impl ApiError {
    /// A sentence for the person, saying what to do next.
    pub fn message(&self) -> String {
        match self {
            ApiError::Offline => "Portal Desk cannot reach the server. Your changes are kept on this device and will sync when the connection returns.".to_owned(),
            ApiError::Unauthorized { .. } => "Your sign-in has expired. Sign in again to sync your changes; they are kept on this device.".to_owned(),
            ApiError::DeviceRevoked { .. } => "A supervisor has revoked this device, so Portal Desk has wiped all its data from it. Return the device to your IT team.".to_owned(),
            ApiError::Gap { expected } => format!("The server is missing changes from number {expected} onwards. Portal Desk will send them again."),
            ApiError::SitesChanged { .. } => "Your sites have changed. Portal Desk will update the cases on this device at the next sync.".to_owned(),
            ApiError::Problem { title, detail, .. } if detail.is_empty() => format!("The server reported a problem: {title}. Try again in a few minutes."),
            ApiError::Problem { title, detail, .. } => format!("The server reported a problem: {title}. {detail}"),
        }
    }
}

/// An `application/problem+json` body; `expected` is the member a 409 gap carries, the
/// site lists those of a 409 sites-changed.
#[derive(Debug, Default, Deserialize)]
struct Problem {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    expected: Option<u64>,
    #[serde(default)]
    drop_sites: Vec<String>,
    #[serde(default)]
    new_sites: Vec<String>,
}

/// The API's base path; the server serves the app and the API from one origin.
const BASE: &str = "/api/v1";

/// Signs in; the token is bound to `request.device`.
pub async fn sign_in(request: &SignInRequest) -> Result<SignInResponse, ApiError> {
    parse(post("/sign-in", None, to_json(request)?).await?)
}

/// Pushes a batch of operations from the outbox.
pub async fn push(token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
    parse(post("/push", Some(token), to_json(request)?).await?)
}

/// Pulls one page of changes after `cursor`.
pub async fn pull(token: &str, cursor: u64, limit: usize) -> Result<PullResponse, ApiError> {
    let url = format!("{BASE}/pull?cursor={cursor}&limit={limit}");
    let request = Request::get(&url).header("Authorization", &format!("Bearer {token}"));
    parse(body_of(request.send().await).await?)
}

/// The staff directory of the caller's sites (names, roles, sites).
pub async fn staff_directory(token: &str) -> Result<Vec<portal_desk_core::staff::Colleague>, ApiError> {
    #[derive(Deserialize)]
    struct Directory {
        staff: Vec<portal_desk_core::staff::Colleague>,
    }
    let request = Request::get(&format!("{BASE}/staff")).header("Authorization", &format!("Bearer {token}"));
    parse::<Directory>(body_of(request.send().await).await?).map(|d| d.staff)
}

/// Reports views of records for the audit log.
pub async fn report_views(token: &str, report: &ViewReport<'_>) -> Result<ViewsRecorded, ApiError> {
    parse(post("/audit/views", Some(token), to_json(report)?).await?)
}

/// A request body as JSON text.
fn to_json<B: Serialize>(body: &B) -> Result<String, ApiError> {
    // The app's own types always serialise; failing here would be a bug, not the network.
    serde_json::to_string(body).map_err(|error| ApiError::Problem {
        status: 0,
        title: "Could not send".to_owned(),
        detail: error.to_string(),
    })
}

/// Posts a JSON body to the API, with the bearer token if there is one. Not generic, so
/// the app shell carries the request code once for every kind of call.
async fn post(path: &str, token: Option<&str>, body: String) -> Result<(u16, String), ApiError> {
    let mut builder = Request::post(&format!("{BASE}{path}")).header("Content-Type", "application/json");
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = builder.body(body).map_err(|_| ApiError::Offline)?;
    body_of(request.send().await).await
}

/// Reads the expected answer from a successful response's status and body.
fn parse<T: DeserializeOwned>((status, body): (u16, String)) -> Result<T, ApiError> {
    serde_json::from_str(&body).map_err(|error| ApiError::Problem {
        status,
        title: "Unexpected answer".to_owned(),
        detail: error.to_string(),
    })
}

/// The status and body of a successful response, or the [`ApiError`] of a failed one.
/// Not generic, so the app shell carries it once rather than once per kind of answer.
async fn body_of(sent: Result<Response, gloo_net::Error>) -> Result<(u16, String), ApiError> {
    // A fetch that fails outright means the network or the server is down; so does a
    // body cut off on the way.
    let response = sent.map_err(|_| ApiError::Offline)?;
    let status = response.status();
    if response.ok() {
        return response.text().await.map(|body| (status, body)).map_err(|_| ApiError::Offline);
    }
    let problem: Problem = response.json().await.unwrap_or_default();
    Err(match (status, problem.expected) {
        (401, _) => ApiError::Unauthorized { detail: problem.detail },
        (403, _) if problem.kind.ends_with("/device-revoked") => ApiError::DeviceRevoked { detail: problem.detail },
        (409, _) if problem.kind.ends_with("/sites-changed") => {
            ApiError::SitesChanged { drop_sites: problem.drop_sites, new_sites: problem.new_sites }
        }
        (409, Some(expected)) => ApiError::Gap { expected },
        // A service worker or proxy answering for an unreachable server.
        (502..=504, _) => ApiError::Offline,
        _ => ApiError::Problem { status, title: problem.title, detail: problem.detail },
    })
}
