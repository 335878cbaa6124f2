//! Headers every answer carries: `X-Content-Type-Options: nosniff` (a browser never
//! guesses a type other than the one sent), `Referrer-Policy: no-referrer` (no URL of
//! the app, which may name a case, leaves with a request), `Cache-Control: no-store`
//! on every answer that has not set its own (the API's: a sign-in answer holds a
//! token, a pull patient data; only `static_files` sets caching, for the app's
//! files), the API's Content-Security-Policy where the app's files have not set
//! theirs, and, with `serve --hsts` behind a TLS proxy, `Strict-Transport-Security`.

use super::content_policy::API_POLICY;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// `Cache-Control` for everything that must never be kept by a browser or proxy.
pub const NO_STORE: &str = "no-store";

/// `Strict-Transport-Security` with `serve --hsts`: two years, subdomains included.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Adds the headers; `hsts` says whether to add `Strict-Transport-Security`.
pub async fn add(State(hsts): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let not_modified = response.status() == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(NO_STORE));
    if !not_modified {
        // A 304 keeps the policy stored with the page it revalidates.
        headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(API_POLICY));
    }
    if hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}
