//! `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 description, kept by hand in
//! `openapi.json` beside this file and checked against the router by a test.

use axum::http::header;
use axum::response::IntoResponse;

/// The OpenAPI document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// Serves the OpenAPI document.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
