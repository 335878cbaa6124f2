//! The one error type of the HTTP boundary, and its RFC 9457 problem responses.
//!
//! Every error a client sees is `application/problem+json` with a stable relative `type`
//! (`/problems/...`), a `title`, the `status`, a `detail` that says what to do next,
//! and extra members where they help (`expected`, `errors`, `max`). Storage and other
//! internal failures are logged here and reported as a plain 500 that leaks nothing.

use crate::db::DbError;
use crate::sync::PushFailure;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portal_desk_core::protocol::PushError;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request, by its path in the body or query (`ops[2].hlc.wall_ms`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Where in the request.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Everything that can go wrong at the HTTP boundary.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON at all.
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body or query is well-formed but does not fit the expected shape.
    #[error("the request does not have the expected shape")]
    Invalid(Vec<FieldError>),
    /// A JSON body was sent without `Content-Type: application/json`.
    #[error("the request body must be sent as application/json")]
    UnsupportedMediaType,
    /// The body is over the size limit.
    #[error("the request body is larger than {max_bytes} bytes")]
    BodyTooLarge {
        /// The limit.
        max_bytes: usize,
    },
    /// The request's header fields are too many or too large.
    #[error("the request's headers are larger than {max_bytes} bytes or more than {max_headers}")]
    HeadersTooLarge {
        /// The most bytes of header fields.
        max_bytes: usize,
        /// The most header fields.
        max_headers: usize,
    },
    /// The request's path and query are too long.
    #[error("the request's address is longer than {max_bytes} bytes")]
    UriTooLong {
        /// The limit.
        max_bytes: usize,
    },
    /// The body stopped arriving for longer than the idle timeout.
    #[error("the request body stopped arriving")]
    RequestTimeout,
    /// Something other than a handler refused the request (a path that is not valid
    /// UTF-8, say) with this status and reason.
    #[error("the request cannot be read: {reason}")]
    Unreadable {
        /// The status it was refused with.
        status: StatusCode,
        /// Why, as the refusal said.
        reason: String,
    },
    /// No, a malformed, an unknown or an expired bearer token.
    #[error("sign in again: the request has no valid session")]
    Unauthorized,
    /// Wrong email or password (deliberately the same for both).
    #[error("the email address or password is not right")]
    SignInFailed,
    /// Too many failed sign-ins for this email recently.
    #[error("too many failed sign-ins; try again in {retry_after_s} s")]
    TooManySignIns {
        /// How long until the next attempt is accepted.
        retry_after_s: u64,
    },
    /// The sign-in names a registered device but cannot prove it is that device.
    #[error("this sign-in cannot prove it comes from the device it names")]
    DeviceNotProven,
    /// Too many password checks are under way; try again shortly.
    #[error("the server is busy checking passwords; try again in {retry_after_s} s")]
    Busy {
        /// When to try again.
        retry_after_s: u64,
    },
    /// The device was revoked by a supervisor: it must wipe its local data.
    #[error("this device has been revoked")]
    DeviceRevoked,
    /// A kiosk asked to read: kiosks only create self-registration cases.
    #[error("a kiosk cannot read cases")]
    KioskCannotRead,
    /// The caller's sites changed since this device last pulled.
    #[error("your sites have changed")]
    SitesChanged {
        /// Sites whose cases the device must now remove.
        drop_sites: Vec<String>,
        /// Sites whose cases the device may now hold.
        new_sites: Vec<String>,
    },
    /// The caller's role may not do this.
    #[error("your role may not do this: {0}")]
    Forbidden(String),
    /// No device with this id that the caller may manage.
    #[error("there is no such device")]
    DeviceNotFound,
    /// The caller's role lacks the permission an admin or supervisor action needs.
    #[error("your role may not {action}")]
    NotPermitted {
        /// What they tried, e.g. "add or change staff accounts".
        action: &'static str,
        /// The permission it needs.
        permission: crate::db::Permission,
    },
    /// No member of staff with this id that the caller may manage.
    #[error("there is no such member of staff")]
    StaffNotFound,
    /// The change would duplicate something unique (an email address).
    #[error("{0}")]
    AlreadyExists(String),
    /// No held change with this device and sequence number at the caller's sites.
    #[error("there is no such held change")]
    HeldChangeNotFound,
    /// Someone decided this held change already.
    #[error("this held change was already decided")]
    AlreadyDecided,
    /// The held change cannot be applied now: the rules refuse it.
    #[error("the held change cannot be applied: {reason}")]
    WouldNotApply {
        /// The rule's stable code.
        code: String,
        /// Its sentence.
        reason: String,
    },
    /// The push names another device than the token's.
    #[error("this session belongs to another device")]
    WrongDevice,
    /// The push breaks the protocol.
    #[error(transparent)]
    Push(#[from] PushError),
    /// No such API route.
    #[error("there is no API at {0}")]
    NoSuchApi(String),
    /// The route exists but not for this method.
    #[error("this API does not accept that method")]
    MethodNotAllowed,
    /// No file of the app at this path (a build the server no longer holds).
    #[error("there is no file at {0}")]
    NoSuchFile(String),
    /// The app's files have not been built into the static directory.
    #[error("the app has not been built")]
    AppNotBuilt,
    /// The database does not answer; the load balancer should send traffic elsewhere.
    #[error("not ready: {0}")]
    NotReady(String),
    /// Something failed inside the server; details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<PushFailure> for ApiError {
    fn from(failure: PushFailure) -> Self {
        match failure {
            PushFailure::Protocol(error) => ApiError::Push(error),
            PushFailure::Db(error) => error.into(),
        }
    }
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unreadable { status, .. } => *status,
            ApiError::Unauthorized | ApiError::SignInFailed => StatusCode::UNAUTHORIZED,
            ApiError::TooManySignIns { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::DeviceNotProven => StatusCode::FORBIDDEN,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::DeviceRevoked | ApiError::Forbidden(_) | ApiError::KioskCannotRead => StatusCode::FORBIDDEN,
            ApiError::SitesChanged { .. } => StatusCode::CONFLICT,
            ApiError::DeviceNotFound | ApiError::StaffNotFound => StatusCode::NOT_FOUND,
            ApiError::NotPermitted { .. } => StatusCode::FORBIDDEN,
            ApiError::AlreadyExists(_) => StatusCode::CONFLICT,
            ApiError::HeldChangeNotFound => StatusCode::NOT_FOUND,
            ApiError::AlreadyDecided | ApiError::WouldNotApply { .. } => StatusCode::CONFLICT,
            ApiError::WrongDevice => StatusCode::FORBIDDEN,
            ApiError::Push(PushError::Gap { .. }) => StatusCode::CONFLICT,
            ApiError::Push(PushError::TooMany { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Push(PushError::OutOfOrder { .. } | PushError::WrongDevice { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::NoSuchApi(_) | ApiError::NoSuchFile(_) | ApiError::AppNotBuilt => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The stable problem type, a relative URI.
    pub fn problem_type(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "/problems/malformed-json",
            ApiError::Invalid(_) => "/problems/invalid-request",
            ApiError::UnsupportedMediaType => "/problems/unsupported-media-type",
            ApiError::BodyTooLarge { .. } => "/problems/body-too-large",
            ApiError::HeadersTooLarge { .. } => "/problems/headers-too-large",
            ApiError::UriTooLong { .. } => "/problems/uri-too-long",
            ApiError::RequestTimeout => "/problems/request-timeout",
            ApiError::Unreadable { .. } => "/problems/unreadable-request",
            ApiError::Unauthorized => "/problems/unauthorized",
            ApiError::SignInFailed => "/problems/sign-in-failed",
            ApiError::TooManySignIns { .. } => "/problems/too-many-sign-in-attempts",
            ApiError::DeviceNotProven => "/problems/device-not-proven",
            ApiError::Busy { .. } => "/problems/busy",
            ApiError::DeviceRevoked => "/problems/device-revoked",
            ApiError::Forbidden(_) => "/problems/forbidden",
            ApiError::KioskCannotRead => "/problems/kiosk-cannot-read",
            ApiError::SitesChanged { .. } => "/problems/sites-changed",
            ApiError::DeviceNotFound => "/problems/device-not-found",
            ApiError::NotPermitted { .. } => "/problems/forbidden",
            ApiError::StaffNotFound => "/problems/staff-not-found",
            ApiError::AlreadyExists(_) => "/problems/already-exists",
            ApiError::HeldChangeNotFound => "/problems/held-change-not-found",
            ApiError::AlreadyDecided => "/problems/already-decided",
            ApiError::WouldNotApply { .. } => "/problems/would-not-apply",
            ApiError::WrongDevice => "/problems/wrong-device",
            ApiError::Push(PushError::Gap { .. }) => "/problems/seq-gap",
            ApiError::Push(PushError::OutOfOrder { .. }) => "/problems/out-of-order",
            ApiError::Push(PushError::WrongDevice { .. }) => "/problems/op-from-other-device",
            ApiError::Push(PushError::TooMany { .. }) => "/problems/batch-too-large",
            ApiError::NoSuchApi(_) | ApiError::NoSuchFile(_) => "/problems/not-found",
            ApiError::MethodNotAllowed => "/problems/method-not-allowed",
            ApiError::AppNotBuilt => "/problems/app-not-built",
            ApiError::Internal(_) => "/problems/internal",
            ApiError::NotReady(_) => "/problems/not-ready",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "Malformed JSON",
            ApiError::Invalid(_) => "Invalid request",
            ApiError::UnsupportedMediaType => "Unsupported media type",
            ApiError::BodyTooLarge { .. } => "Request body too large",
            ApiError::HeadersTooLarge { .. } => "Request headers too large",
            ApiError::UriTooLong { .. } => "Address too long",
            ApiError::RequestTimeout => "Request body too slow",
            ApiError::Unreadable { .. } => "Request cannot be read",
            ApiError::Unauthorized => "Not signed in",
            ApiError::SignInFailed => "Sign-in failed",
            ApiError::TooManySignIns { .. } => "Too many sign-in attempts",
            ApiError::DeviceNotProven => "Device not proven",
            ApiError::Busy { .. } => "Server busy",
            ApiError::DeviceRevoked => "Device revoked",
            ApiError::Forbidden(_) => "Not allowed",
            ApiError::KioskCannotRead => "Kiosks cannot read",
            ApiError::SitesChanged { .. } => "Your sites have changed",
            ApiError::DeviceNotFound => "Device not found",
            ApiError::NotPermitted { .. } => "Not allowed",
            ApiError::StaffNotFound => "Member of staff not found",
            ApiError::AlreadyExists(_) => "Already exists",
            ApiError::HeldChangeNotFound => "Held change not found",
            ApiError::AlreadyDecided => "Already decided",
            ApiError::WouldNotApply { .. } => "Cannot be applied",
            ApiError::WrongDevice => "Wrong device",
            ApiError::Push(PushError::Gap { .. }) => "Operations missing",
            ApiError::Push(PushError::OutOfOrder { .. }) => "Operations out of order",
            ApiError::Push(PushError::WrongDevice { .. }) => "Operation from another device",
            ApiError::Push(PushError::TooMany { .. }) => "Too many operations",
            ApiError::NoSuchApi(_) | ApiError::NoSuchFile(_) => "Not found",
            ApiError::MethodNotAllowed => "Method not allowed",
            ApiError::AppNotBuilt => "App not built",
            ApiError::Internal(_) => "Internal server error",
            ApiError::NotReady(_) => "Not ready",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::MalformedJson(reason) => {
                format!("The request body is not valid JSON ({reason}). Send a JSON document as described in /api/v1/openapi.json.")
            }
            ApiError::Invalid(errors) if errors.len() == 1 => format!(
                "The request is not valid at {}: {}. Correct it and send it again.",
                errors[0].path, errors[0].message
            ),
            ApiError::Invalid(_) => "Some fields of the request are not valid (see errors). Correct them and send it again.".to_owned(),
            ApiError::UnsupportedMediaType => "Send the body as JSON with the header Content-Type: application/json.".to_owned(),
            ApiError::BodyTooLarge { max_bytes } => format!(
                "The request body is larger than the server accepts ({max_bytes} bytes). Send fewer operations in each push."
            ),
            ApiError::HeadersTooLarge { max_bytes, max_headers } => format!(
                "The request's headers are larger than the server accepts (at most {max_headers} fields and {max_bytes} bytes). Send only the headers the API needs (Authorization, Content-Type); if a browser sent this, clear this site's cookies and reload."
            ),
            ApiError::UriTooLong { max_bytes } => format!(
                "The request's path and query are longer than the server accepts ({max_bytes} bytes). Check the address: the API's are short (see /api/v1/openapi.json)."
            ),
            ApiError::RequestTimeout => "The request body stopped arriving before it was complete, so the server stopped waiting. Check the connection and send the request again.".to_owned(),
            ApiError::Unreadable { reason, .. } if reason.is_empty() => "The server cannot read this request. Check the method, address and headers against /api/v1/openapi.json and send it again.".to_owned(),
            ApiError::Unreadable { reason, .. } => format!(
                "The server cannot read this request ({reason}). Check the method, address and headers against /api/v1/openapi.json and send it again."
            ),
            ApiError::Unauthorized => {
                "This request needs a valid session: sign in again to get a new token, then send it as Authorization: Bearer TOKEN.".to_owned()
            }
            ApiError::SignInFailed => "The email address or password is not right. Check both and try again.".to_owned(),
            ApiError::TooManySignIns { retry_after_s } => format!(
                "There have been too many failed sign-ins for this email address from here. Wait {}, then try again; if you have forgotten the password, ask your admin to reset it.",
                wait_words(*retry_after_s)
            ),
            ApiError::DeviceNotProven => "This sign-in names a device that is registered to this service, but it cannot prove it is that device: its secret is missing or wrong. If this is the device, do not clear its data (unsynced changes would be lost); ask your supervisor or IT team for help. Otherwise sign in from your own device.".to_owned(),
            ApiError::Busy { retry_after_s } => format!("The server is checking many sign-ins at once. Try again in {retry_after_s} seconds."),
            ApiError::DeviceRevoked => "A supervisor has revoked this device. Wipe all Portal Desk data stored on it (the app does this by itself) and return it to your IT team; it cannot sign in again.".to_owned(),
            ApiError::KioskCannotRead => "This device is a self-registration kiosk: it can only create sign-up cases and can read nothing. Ask a supervisor to turn kiosk mode off to use it as a staff device.".to_owned(),
            ApiError::SitesChanged { .. } => "The sites you work at have changed since this device last synced. Remove the local copies of cases from the sites in drop_sites, then pull again from cursor 0 to fetch everything you may now see.".to_owned(),
            ApiError::Forbidden(what) => format!("Your role may not {what}. Ask a supervisor if this needs doing."),
            ApiError::NotPermitted { action, permission } => {
                let roles: Vec<String> = crate::db::Role::ALL
                    .into_iter()
                    .filter(|role| role.may(*permission))
                    .map(|role| format!("{}s", role.label().to_lowercase()))
                    .collect();
                format!("Your role may not {action}: only {} may. Ask an admin if this needs doing.", roles.join(" and "))
            }
            ApiError::StaffNotFound => "No member of staff with this id works at any of your sites. Check the id in the staff list.".to_owned(),
            ApiError::AlreadyExists(what) => format!("{what}. Change it, or edit the existing one instead."),
            ApiError::HeldChangeNotFound => "No change from this device with this sequence number is held at your sites. Refresh the list of held changes.".to_owned(),
            ApiError::AlreadyDecided => "Someone has already accepted or rejected this change. Refresh the list of held changes.".to_owned(),
            ApiError::WouldNotApply { reason, .. } => format!("This change cannot be applied as things stand: {reason}. If it depends on an earlier held change (a note on a case that is itself held), accept that one first; otherwise reject it."),
            ApiError::DeviceNotFound => "No device with this id has been used by staff of your sites. Check the id in the device list.".to_owned(),
            ApiError::WrongDevice => {
                "This session was started on another device. Push with the device id you signed in with, or sign in again on this device.".to_owned()
            }
            ApiError::Push(PushError::Gap { expected, got }) => format!(
                "The server expected operation {expected} from this device next but got {got}. Resend the outbox from sequence number {expected}."
            ),
            ApiError::Push(error) => format!("{error}."),
            ApiError::NoSuchApi(path) => format!("There is no API at {path}. The API is described at /api/v1/openapi.json."),
            ApiError::NoSuchFile(path) => format!("There is no file at {path}. If the app asked for it, reload the app to get its current version."),
            ApiError::MethodNotAllowed => "This address does not accept that method. See /api/v1/openapi.json for the methods each API accepts; the app's own pages and files are only read (GET).".to_owned(),
            ApiError::AppNotBuilt => {
                "The app's files were not found in the server's static directory. Build the app (see the README) or start the server with --static-dir pointing at the built app.".to_owned()
            }
            ApiError::NotReady(_) => "This server cannot reach its database. Try another server, or try again shortly.".to_owned(),
            ApiError::Internal(_) => "Something went wrong on the server. Try again shortly; if it keeps happening, tell your admin the time it happened.".to_owned(),
        }
    }

    fn extra_members(&self) -> Map<String, Value> {
        let mut extra = Map::new();
        match self {
            ApiError::Invalid(errors) => {
                extra.insert("errors".into(), json!(errors));
            }
            ApiError::BodyTooLarge { max_bytes } | ApiError::UriTooLong { max_bytes } => {
                extra.insert("max_bytes".into(), json!(max_bytes));
            }
            ApiError::HeadersTooLarge { max_bytes, max_headers } => {
                extra.insert("max_bytes".into(), json!(max_bytes));
                extra.insert("max_headers".into(), json!(max_headers));
            }
            ApiError::SitesChanged { drop_sites, new_sites } => {
                extra.insert("drop_sites".into(), json!(drop_sites));
                extra.insert("new_sites".into(), json!(new_sites));
                extra.insert("resync_from".into(), json!(0));
            }
            ApiError::TooManySignIns { retry_after_s } | ApiError::Busy { retry_after_s } => {
                extra.insert("retry_after_s".into(), json!(retry_after_s));
            }
            ApiError::NotPermitted { permission, .. } => {
                extra.insert("permission".into(), json!(permission));
            }
            ApiError::WouldNotApply { code, .. } => {
                extra.insert("code".into(), json!(code));
            }
            ApiError::Push(PushError::Gap { expected, got }) => {
                extra.insert("expected".into(), json!(expected));
                extra.insert("got".into(), json!(got));
            }
            ApiError::Push(PushError::OutOfOrder { seq }) => {
                extra.insert("seq".into(), json!(seq));
            }
            ApiError::Push(PushError::WrongDevice { op }) => {
                extra.insert("op".into(), json!(op));
            }
            ApiError::Push(PushError::TooMany { max }) => {
                extra.insert("max_ops".into(), json!(max));
            }
            _ => {}
        }
        extra
    }

    /// The problem document, as JSON.
    pub fn problem(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), json!(self.problem_type()));
        body.insert("title".into(), json!(self.title()));
        body.insert("status".into(), json!(self.status_code().as_u16()));
        body.insert("detail".into(), json!(self.detail()));
        body.extend(self.extra_members());
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(reason) | ApiError::NotReady(reason) = &self {
            // The only place the cause of a 5xx is recorded; the client gets no detail.
            tracing::error!(%reason, "{}", self.title());
        }
        let mut response = (self.status_code(), self.problem().to_string()).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let ApiError::TooManySignIns { retry_after_s } | ApiError::Busy { retry_after_s } = &self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
        }
        response
    }
}

/// A wait in words: "40 seconds", "1 minute", "15 minutes".
fn wait_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "1 second".to_owned(),
        2..=59 => format!("{seconds} seconds"),
        _ => match seconds.div_ceil(60) {
            1 => "1 minute".to_owned(),
            minutes => format!("{minutes} minutes"),
        },
    }
}
