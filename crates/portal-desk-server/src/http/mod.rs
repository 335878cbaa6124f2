//! The router: the API under `/api/v1`, `/healthz`, and the built app for every other
//! path, with tracing, the limits on a request's head and body, the headers every
//! answer carries, and the rewriting of any bare error into a problem around it.

pub mod bare_errors;
pub mod content_policy;
pub mod devices;
pub mod extract;
pub mod held;
pub mod openapi;
pub mod pull;
pub mod push;
pub mod request_limits;
pub mod response_headers;
pub mod sign_in;
pub mod staff;
pub mod static_files;
pub mod time_zones;
pub mod views;

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::http::Uri;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{any, get, patch, post, MethodRouter};
use axum::Router;
use tower_http::trace::TraceLayer;

/// One route the server answers, with the handler for its method.
pub struct RouteSpec {
    /// The HTTP method, lower case as in OpenAPI (`get`, `post`).
    pub method: &'static str,
    /// The full path.
    pub path: &'static str,
    /// The handler.
    pub handler: MethodRouter<AppState>,
}

/// Every route the server answers besides the app's files. The router is built from
/// this list, so a test that checks the list against the OpenAPI document checks the
/// router itself.
pub fn routes() -> Vec<RouteSpec> {
    let route = |method, path, handler| RouteSpec { method, path, handler };
    vec![
        route("post", "/api/v1/sign-in", post(sign_in::sign_in)),
        route("get", "/api/v1/me", get(sign_in::me)),
        route("post", "/api/v1/refresh", post(sign_in::refresh)),
        route("post", "/api/v1/sign-out", post(sign_in::sign_out)),
        route("post", "/api/v1/audit/views", post(views::report)),
        route("get", "/api/v1/devices", get(devices::list)),
        route("post", "/api/v1/devices/{device}/revoke", post(devices::revoke)),
        route("post", "/api/v1/devices/{device}/kiosk", post(devices::kiosk)),
        route("get", "/api/v1/staff", get(staff::directory)),
        route("post", "/api/v1/staff", post(staff::add)),
        route("patch", "/api/v1/staff/{staff}", patch(staff::update)),
        route("post", "/api/v1/staff/{staff}/password", post(staff::reset_password)),
        route("post", "/api/v1/push", post(push::push)),
        route("get", "/api/v1/held", get(held::list)),
        route("post", "/api/v1/held/{device}/{seq}/accept", post(held::accept)),
        route("post", "/api/v1/held/{device}/{seq}/reject", post(held::reject)),
        route("get", "/api/v1/pull", get(pull::pull)),
        route("get", "/api/v1/time-zones", get(time_zones::time_zone)),
        route("get", "/api/v1/openapi.json", get(openapi::openapi)),
        route("get", "/healthz", get(healthz)),
        route("get", "/readyz", get(readyz)),
        route("get", "/metrics", get(metrics)),
    ]
}

/// The whole server as one router.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for spec in routes() {
        router = router.route(spec.path, spec.handler);
    }
    router = router.route_layer(middleware::from_fn_with_state(state.metrics.clone(), crate::metrics::track));
    router
        // Any other /api path is a client asking for an API that is not there: answer
        // with a problem, never with the app's index.html.
        .route("/api", any(no_such_api))
        .route("/api/{*rest}", any(no_such_api))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
        .fallback_service(static_files::service(&state.static_dir))
        .layer(middleware::from_fn(bare_errors::as_problems))
        .layer(middleware::from_fn(request_limits::check))
        .layer(middleware::from_fn_with_state(state.hsts, response_headers::add))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers too, so a load balancer may send traffic here.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await.map_err(|e| ApiError::NotReady(e.to_string()))?;
    Ok("ready")
}

/// Prometheus metrics for this process.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}

async fn no_such_api(uri: Uri) -> ApiError {
    ApiError::NoSuchApi(uri.path().to_owned())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
