//! Sign-in, sessions and `GET /api/v1/me`.

use crate::support::{staff_id, TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use portal_desk_core::protocol::{SignInResponse, StaffProfile};
use portal_desk_server::audit::{self, AuditEntry};
use portal_desk_server::auth;
use portal_desk_server::db::NewSession;
use portal_desk_server::now_ms;
use serde_json::json;

#[tokio::test]
async fn sign_in_with_the_right_password_returns_a_device_bound_token_and_profile() {
    let server = TestServer::new().await;
    let body = json!({ "email": "Asha@Riverside.test ", "password": PASSWORD, "device": "tablet-1" });
    let response: SignInResponse = server.send(Method::POST, "/api/v1/sign-in", None, Some(&body)).await.ok();
    assert_eq!(response.token.len(), 64);
    assert_eq!(response.staff.name, "Asha Patel");
    assert_eq!(response.staff.role, "analyst");
    assert_eq!(response.staff.sites.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["riverside"]);
    let twelve_hours = 12 * 60 * 60 * 1000;
    assert!(response.expires_at_ms.abs_diff(now_ms() + twelve_hours) < 60_000);
    let stored_hash = server.db.text("SELECT token_hash FROM sessions").await;
    assert_eq!(stored_hash, auth::token_hash(&response.token), "only the token's hash is stored");
    assert_eq!(server.count("SELECT COUNT(*) FROM device_staff WHERE device_id = 'tablet-1'").await, 1);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401_problem() {
    let server = TestServer::new().await;
    let wrong_password = json!({ "email": "asha@riverside.test", "password": "not it", "device": "tablet-1" });
    let unknown_email = json!({ "email": "nobody@riverside.test", "password": PASSWORD, "device": "tablet-1" });
    let a = server.send(Method::POST, "/api/v1/sign-in", None, Some(&wrong_password)).await;
    let b = server.send(Method::POST, "/api/v1/sign-in", None, Some(&unknown_email)).await;
    let a = a.problem(StatusCode::UNAUTHORIZED, "/problems/sign-in-failed");
    let b = b.problem(StatusCode::UNAUTHORIZED, "/problems/sign-in-failed");
    assert_eq!(a, b, "the answer must not reveal which of the two was wrong");
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn me_returns_the_token_owner() {
    let server = TestServer::new().await;
    let device = server.sign_in("sam@both.test", "desk-1").await;
    let me: StaffProfile = server.send(Method::GET, "/api/v1/me", Some(&device.token), None).await.ok();
    assert_eq!(me.id.as_str(), staff_id("sam@both.test"));
    assert_eq!(me.role, "admin");
    assert_eq!(me.sites.len(), 2);
}

#[tokio::test]
async fn a_missing_or_unknown_token_is_a_401_problem() {
    let server = TestServer::new().await;
    server
        .send(Method::GET, "/api/v1/me", None, None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
    server
        .send(Method::GET, "/api/v1/pull", Some("not-a-token"), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
}

#[tokio::test]
async fn an_expired_token_is_a_401_problem() {
    let server = TestServer::new().await;
    let token = auth::new_token();
    let now = now_ms();
    let session = NewSession {
        token_hash: auth::token_hash(&token),
        staff: staff_id("asha@riverside.test").into(),
        device: "tablet-1".into(),
        now_ms: now - 13 * 60 * 60 * 1000,
        expires_at_ms: now - 60 * 60 * 1000,
        binding: None,
        fresh_credential: auth::new_id(),
    };
    server.store.start_session(&session, &AuditEntry::new(session.now_ms, "sign_in", json!({}))).await.unwrap();
    server
        .send(Method::GET, "/api/v1/me", Some(&token), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
}

#[tokio::test]
async fn sign_ins_and_failures_are_audited_in_an_intact_chain() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    let wrong = json!({ "email": "asha@riverside.test", "password": "nope", "device": "tablet-2" });
    server.send(Method::POST, "/api/v1/sign-in", None, Some(&wrong)).await;
    let log = server.store.audit_log().await.unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions, ["sign_in", "sign_in_failed"]);
    assert_eq!(log[0].entry.staff.as_ref().map(|s| s.as_str().to_owned()), Some(staff_id("asha@riverside.test")));
    assert_eq!(log[1].entry.device.as_ref().map(|d| d.as_str()), Some("tablet-2"));
    assert_eq!(audit::verify(&log, &server.chain_key()), Ok(2));
}

#[tokio::test]
async fn reported_views_are_audited_once_each_and_attributed_to_the_viewer() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    let view = |id: &str, by: &str| json!({ "id": id, "record": "case-1", "by": staff_id(by), "at_ms": now_ms() - 60_000, "reason": "patient rang" });
    let body = json!({
        "device": "shared-tablet",
        "views": [view("v1", "asha@riverside.test"), view("v2", "ben@riverside.test")],
    });
    let first: serde_json::Value =
        server.send(Method::POST, "/api/v1/audit/views", Some(&asha.token), Some(&body)).await.ok();
    assert_eq!(first["recorded"], 1);
    assert_eq!(first["refused"][0]["view"], "v2", "Ben never signed in on this tablet");
    let again: serde_json::Value =
        server.send(Method::POST, "/api/v1/audit/views", Some(&asha.token), Some(&body)).await.ok();
    assert_eq!((again["recorded"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(1)));
    let log = server.store.audit_log().await.unwrap();
    let views: Vec<_> = log.iter().filter(|e| e.entry.action == "view").collect();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].entry.staff.as_ref().unwrap(), &asha.staff);
    assert_eq!(views[0].entry.detail["reason"], "patient rang");
    assert_eq!(audit::verify(&log, &server.chain_key()), Ok(log.len()));
}

#[tokio::test]
async fn a_view_report_with_a_future_time_is_a_422_problem_and_audits_nothing() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let body = json!({
        "device": "tablet-1",
        "views": [{ "id": "v1", "record": "case-1", "by": asha.staff, "at_ms": now_ms() + 24 * 60 * 60 * 1000 }],
    });
    let response = server.send(Method::POST, "/api/v1/audit/views", Some(&asha.token), Some(&body)).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(problem["errors"][0]["path"], "views[0].at_ms");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'view'").await, 0);
}
