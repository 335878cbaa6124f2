//! What operators see: Prometheus metrics.

use crate::support::{Outbox, TestServer};
use axum::http::{header, Method, StatusCode};

#[tokio::test]
async fn metrics_count_requests_by_route_and_what_pushes_did() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops = [
        outbox.create("case-1", "riverside", "Ada Example", "sign_up"),
        outbox.create("case-2", "hilltop", "B", "sign_up"),
    ];
    server.push_ok(&tablet, &ops).await;
    server.push_ok(&tablet, &ops).await;
    server.pull(&tablet, 0, None).await;
    let response = server.send(Method::GET, "/metrics", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header(header::CONTENT_TYPE).unwrap().starts_with("text/plain"));
    let text = response.text();
    for line in [
        "portal_desk_http_requests_total{route=\"/api/v1/push\",method=\"POST\",status=\"200\"} 2",
        "portal_desk_http_requests_total{route=\"/api/v1/sign-in\",method=\"POST\",status=\"200\"} 1",
        "portal_desk_ops_applied_total 1",
        "portal_desk_ops_replayed_total 2",
        "portal_desk_ops_rejected_total{code=\"forbidden\"} 1",
        "portal_desk_records_pulled_total 1",
        "portal_desk_http_request_duration_seconds_count{route=\"/api/v1/pull\"} 1",
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
}
