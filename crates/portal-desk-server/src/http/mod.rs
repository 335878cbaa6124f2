//! The router: the API under `/api/v1`, `/healthz`, and the built app for every other
//! path, with tracing and the body limit around it.

pub mod extract;
pub mod openapi;
pub mod pull;
pub mod push;
pub mod sign_in;
pub mod static_files;

use crate::error::ApiError;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::trace::TraceLayer;

/// Every API route, as `(method, path)`: the OpenAPI document must describe each one,
/// and a test checks it does.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/sign-in"),
    ("get", "/api/v1/me"),
    ("post", "/api/v1/push"),
    ("get", "/api/v1/pull"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
];

/// The whole server as one router.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/sign-in", post(sign_in::sign_in))
        .route("/me", get(sign_in::me))
        .route("/push", post(push::push))
        .route("/pull", get(pull::pull))
        .route("/openapi.json", get(openapi::openapi))
        .fallback(no_such_api)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES));
    Router::new()
        .nest("/api/v1", api)
        // Any other /api path is a client asking for an API that is not there: answer
        // with a problem, never with the app's index.html.
        .route("/api", any(no_such_api))
        .route("/api/{*rest}", any(no_such_api))
        .route("/healthz", get(healthz))
        .fallback_service(static_files::service(&state.static_dir))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn no_such_api(uri: Uri) -> ApiError {
    ApiError::NoSuchApi(uri.path().to_owned())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
