//! The reason for access a person gives before opening a restricted case travels with
//! the reported view into the hash-chained audit log; a view with no reason asked has
//! none recorded, and an over-long reason is refused with the field named.

use crate::support::TestServer;
use axum::http::{Method, StatusCode};
use portal_desk_server::audit;
use portal_desk_server::now_ms;
use serde_json::json;

#[tokio::test]
async fn a_reason_for_access_is_kept_with_the_view_and_a_plain_view_has_none() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let at_ms = now_ms() - 1_000;
    let body = json!({
        "device": "tablet-1",
        "views": [
            { "id": "restricted", "record": "case-s", "by": asha.staff, "at_ms": at_ms, "reason": "I own this safeguarding case" },
            { "id": "plain", "record": "case-p", "by": asha.staff, "at_ms": at_ms },
        ],
    });
    let answer: serde_json::Value =
        server.send(Method::POST, "/api/v1/audit/views", Some(&asha.token), Some(&body)).await.ok();
    assert_eq!(answer["recorded"], 2);
    let log = server.store.audit_log().await.unwrap();
    let views: Vec<_> = log.iter().filter(|e| e.entry.action == "view").collect();
    let detail = |record: &str| views.iter().find(|e| e.entry.detail["record"] == record).unwrap().entry.detail.clone();
    assert_eq!(detail("case-s")["reason"], "I own this safeguarding case");
    assert!(detail("case-p")["reason"].is_null(), "no reason was asked for an ordinary case");
    assert_eq!(audit::verify(&log, &server.chain_key()), Ok(log.len()), "the reason is covered by the hash chain");
}

#[tokio::test]
async fn a_reason_over_500_characters_is_a_422_naming_the_field_and_audits_nothing() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let body = json!({
        "device": "tablet-1",
        "views": [{ "id": "v1", "record": "case-s", "by": asha.staff, "at_ms": now_ms() - 1_000, "reason": "x".repeat(501) }],
    });
    let response = server.send(Method::POST, "/api/v1/audit/views", Some(&asha.token), Some(&body)).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(problem["errors"][0]["path"], "views[0].reason");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'view'").await, 0);
}
