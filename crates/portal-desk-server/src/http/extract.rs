//! Request extractors whose every rejection is a problem response: a JSON body that
//! reports the path of the bad field, and a query string that does the same.

use crate::error::{ApiError, FieldError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

/// The largest request body the API reads (bigger ones get a 413 problem).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body, decoded strictly: the wrong content type is a 415, a body that is not
/// JSON a 400, and JSON of the wrong shape (wrong types, missing or unknown fields)
/// a 422 naming the field's path, e.g. `ops[0].seq`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Decodes `bytes` as `T`, telling syntax errors (400) from shape errors (422).
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let path = if path == "." { "body".to_owned() } else { path };
        classify(path, error.into_inner())
    })?;
    // Anything after the document (`{...} {...}`) makes the body malformed too.
    deserializer.end().map_err(|error| classify("body".to_owned(), error))?;
    Ok(value)
}

fn classify(path: String, error: serde_json::Error) -> ApiError {
    match error.classify() {
        serde_json::error::Category::Data => ApiError::Invalid(vec![FieldError { path, message: error.to_string() }]),
        _ => ApiError::MalformedJson(error.to_string()),
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !is_json(content_type) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::BodyTooLarge { max_bytes: MAX_BODY_BYTES }
            } else if stopped_arriving(&rejection) {
                ApiError::RequestTimeout
            } else {
                ApiError::MalformedJson(rejection.body_text())
            }
        })?;
        decode_json(&bytes).map(ApiJson)
    }
}

/// Whether a body could not be read because it stopped arriving for longer than the
/// connection layer's idle timeout (`serve.rs`).
fn stopped_arriving(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |error| error.source()).any(|e| e.is::<tower_http::timeout::TimeoutError>())
}

/// The client's network address as the sign-in throttle counts it: the socket's peer
/// address, which `serve.rs` gives every request (`"unknown"` without it, as when tests
/// drive the router in process). Behind a reverse proxy every client shares the proxy's address; the
/// throttle's per-account keys still tell people apart.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddress(peer.map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string())))
    }
}

/// A query string decoded as `T`; a bad one is a 422 problem.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri).map(|Query(value)| ApiQuery(value)).map_err(|rejection| {
            let message = rejection.body_text();
            let message = message.strip_prefix("Failed to deserialize query string: ").unwrap_or(&message).to_owned();
            ApiError::Invalid(vec![FieldError { path: "query".to_owned(), message }])
        })
    }
}
