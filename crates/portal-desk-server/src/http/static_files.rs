//! The built app: files from `--static-dir`, with `index.html` for every other path
//! that is not an API, so client-side routes such as `/cases/abc` load the app.
//!
//! Caching follows what the service worker needs: `index.html` and `sw.js` must be
//! revalidated every time (`no-cache`) so a new release is noticed; files whose names
//! carry Trunk's content hash, and the app's WebAssembly in its build's own folder
//! (`/app-<hash>/`, written by `scripts/build-wasm.sh`), never change, so they are
//! cached for a year. Every file carries the app's Content-Security-Policy
//! (`content_policy.rs`); answers left without caching here get `no-store` from
//! `response_headers.rs`.

use crate::error::ApiError;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// `Cache-Control` for files that must be checked with the server on every load.
pub const REVALIDATE: &str = "no-cache";

/// `Cache-Control` for content-hashed files.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Serves `static_dir`, falling back to its `index.html` for client-side routes.
pub fn service(static_dir: &Path) -> Router {
    let index = static_dir.join("index.html");
    let fallback = move |uri: Uri| spa_index(index.clone(), uri);
    let files = ServeDir::new(static_dir).append_index_html_on_directories(true).fallback(fallback.into_service());
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_control))
        .layer(middleware::from_fn(super::content_policy::for_app_files))
}

/// `index.html` for a client-side route; a 404 problem for a missing file (a path whose
/// last segment has an extension), so a missing script is never answered with HTML.
async fn spa_index(index: PathBuf, uri: Uri) -> Response {
    let last_segment = uri.path().rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        return ApiError::NoSuchFile(uri.path().to_owned()).into_response();
    }
    match tokio::fs::read(&index).await {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(_) => ApiError::AppNotBuilt.into_response(),
    }
}

/// Whether a file or folder name carries a content hash (Trunk writes
/// `name-<16 hex digits>.ext`, the wasm build `app-<16 hex digits>/`).
pub fn is_content_hashed(name: &str) -> bool {
    name.split(['-', '.', '_']).any(|part| part.len() >= 16 && part.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The `Cache-Control` a successful response for `path` gets.
pub fn cache_policy(path: &str) -> &'static str {
    let file_name = path.rsplit('/').next().unwrap_or_default();
    if file_name.is_empty() || file_name == "index.html" || file_name == "sw.js" {
        REVALIDATE
    } else if path.split('/').any(is_content_hashed) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

async fn cache_control(request: Request, next: Next) -> Response {
    let policy = cache_policy(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_immutable_and_the_shell_revalidates() {
        assert_eq!(cache_policy("/portal-desk-4f3c2a1b9e8d7c6b_bg.wasm"), IMMUTABLE);
        assert_eq!(cache_policy("/style-0123456789abcdef.css"), IMMUTABLE);
        assert_eq!(cache_policy("/app-0123456789abcdef/chunk_12.wasm"), IMMUTABLE);
        assert_eq!(cache_policy("/app-0123456789abcdef/portal-desk.js"), IMMUTABLE);
        assert_eq!(cache_policy("/"), REVALIDATE);
        assert_eq!(cache_policy("/index.html"), REVALIDATE);
        assert_eq!(cache_policy("/sw.js"), REVALIDATE);
        assert_eq!(cache_policy("/manifest.webmanifest"), REVALIDATE);
        assert_eq!(cache_policy("/cases/abc"), REVALIDATE);
        assert_eq!(cache_policy("/cases/3f2a9c1e-7b4d-4e2a-9c1e-7b4d4e2a9c1e"), REVALIDATE);
    }
}
