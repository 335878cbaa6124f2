//! Limits on a request's head, answered with a problem before any handler runs: a
//! head too large (`431`) and an address too long (`414`).
//!
//! Hyper buffers a head up to `serve::MAX_BUFFERED_HEAD_BYTES` and parses up to
//! `serve::MAX_PARSED_HEADERS` fields; these limits sit well below both, so a client
//! over them gets an answer that says what to do rather than hyper's bare status.

use crate::error::ApiError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most bytes of header fields a request may carry (names, values and their
/// separators): far more than a sign-in token and the browser's own headers need.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The most header fields a request may carry.
pub const MAX_HEADERS: usize = 100;

/// The longest path and query a request may have, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses a request whose head is over the limits.
pub async fn check(request: Request, next: Next) -> Response {
    let uri_bytes = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::UriTooLong { max_bytes: MAX_URI_BYTES }.into_response();
    }
    let headers = request.headers();
    let header_bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge { max_bytes: MAX_HEADER_BYTES, max_headers: MAX_HEADERS }.into_response();
    }
    next.run(request).await
}
