//! Makes every error answer a problem: an error that something other than the API's
//! handlers answered (the static files' `405` for a POST, a path that is not valid
//! UTF-8, a body cut off by the idle timeout) leaves as `application/problem+json`
//! with a `detail` saying what to do, never as a bare status or plain text.

use crate::error::{ApiError, PROBLEM_JSON};
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most of a bare error's body read to quote as its reason.
const MAX_REASON_BYTES: usize = 2048;

/// Rewrites an error answer that is not already a problem.
pub async fn as_problems(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let reason = to_bytes(body, MAX_REASON_BYTES).await.map(|b| String::from_utf8_lossy(&b).trim().to_owned());
    let mut problem = problem_for(status, &path, reason.unwrap_or_default()).into_response();
    // Keep what the original said besides its body (`Allow` on a 405, say).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().entry(name).or_insert_with(|| value.clone());
        }
    }
    problem
}

fn is_problem(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes())
}

/// The problem that says what a bare `status` for `path` means.
fn problem_for(status: StatusCode, path: &str, reason: String) -> ApiError {
    match status {
        StatusCode::NOT_FOUND if path.starts_with("/api") => ApiError::NoSuchApi(path.to_owned()),
        StatusCode::NOT_FOUND => ApiError::NoSuchFile(path.to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge { max_bytes: crate::http::extract::MAX_BODY_BYTES },
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
        status if status.is_server_error() => ApiError::Internal(format!("{status} for {path}: {reason}")),
        status => ApiError::Unreadable { status, reason },
    }
}
