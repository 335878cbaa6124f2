//! The built app: served from the static directory with a client-side-route fallback
//! and the cache headers the service worker relies on.

use crate::support::TestServer;
use axum::http::{header, Method, StatusCode};

#[tokio::test]
async fn a_client_side_route_is_answered_with_index_html() {
    let server = TestServer::new().await;
    for path in ["/", "/cases/abc", "/sync"] {
        let response = server.send(Method::GET, path, None, None).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(response.text().contains("<title>Portal Desk</title>"), "{path}");
        assert_eq!(response.header(header::CACHE_CONTROL), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn the_service_worker_revalidates_and_hashed_assets_are_cached_for_a_year() {
    let server = TestServer::new().await;
    let sw = server.send(Method::GET, "/sw.js", None, None).await;
    assert_eq!(sw.status, StatusCode::OK);
    assert_eq!(sw.header(header::CACHE_CONTROL), Some("no-cache"));
    let asset = server.send(Method::GET, "/portal-desk-0123456789abcdef.js", None, None).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert_eq!(asset.header(header::CACHE_CONTROL), Some("public, max-age=31536000, immutable"));
}

#[tokio::test]
async fn a_missing_file_is_a_404_never_index_html() {
    let server = TestServer::new().await;
    let response = server.send(Method::GET, "/portal-desk-ffffffffffffffff.js", None, None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(!response.text().contains("<title>"));
}

#[tokio::test]
async fn healthz_says_ok() {
    let server = TestServer::new().await;
    let response = server.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ok");
}

#[tokio::test]
async fn readyz_says_ready_when_the_database_answers() {
    let server = TestServer::new().await;
    let response = server.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ready");
}
