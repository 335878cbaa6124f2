//! Attacks on which device is which: a sign-in naming another tablet's id (public in
//! every clock it stamps) to take over its identity and its data-at-rest secret.

use crate::support::{TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_sign_in_naming_another_tablets_id_gets_no_session_and_no_device_key() {
    let server = TestServer::new().await;
    server.sign_in("carys@riverside.test", "carys-tablet").await;
    let body = json!({ "email": "asha@riverside.test", "password": PASSWORD, "device": "carys-tablet" });
    let response = server.send(Method::POST, "/api/v1/sign-in", None, Some(&body)).await;
    response.problem(StatusCode::FORBIDDEN, "/problems/device-not-proven");
    assert!(!response.text().contains("device_key") && !response.text().contains("token"));
    let wrong = json!({ "email": "asha@riverside.test", "password": PASSWORD, "device": "carys-tablet", "device_proof": "00".repeat(32) });
    server
        .send(Method::POST, "/api/v1/sign-in", None, Some(&wrong))
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/device-not-proven");
    assert_eq!(server.count("SELECT COUNT(*) FROM device_staff WHERE device_id = 'carys-tablet'").await, 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions WHERE device_id = 'carys-tablet'").await, 1);
}

#[tokio::test]
async fn a_wrong_device_proof_is_refused_before_any_password_is_checked_or_counted() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    for _ in 0..20 {
        let body =
            json!({ "email": "asha@riverside.test", "password": "guess", "device": "tablet-1", "device_proof": "bad" });
        server
            .send(Method::POST, "/api/v1/sign-in", None, Some(&body))
            .await
            .problem(StatusCode::FORBIDDEN, "/problems/device-not-proven");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM sign_in_throttle").await, 0, "no guess was made");
    server.sign_in("asha@riverside.test", "tablet-1").await;
}

#[tokio::test]
async fn a_tablet_from_before_secrets_is_claimed_only_by_someone_who_used_it() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "old-tablet").await;
    server
        .db
        .execute("UPDATE devices SET secret_hash = NULL, secret_bound_at_ms = NULL WHERE id = 'old-tablet'")
        .await
        .unwrap();
    server.device_secrets.lock().unwrap().remove("old-tablet");
    server
        .sign_in_raw("ben@riverside.test", PASSWORD, "old-tablet")
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/device-not-proven");
    let claimed: crate::support::SignedIn =
        server.sign_in_raw("asha@riverside.test", PASSWORD, "old-tablet").await.ok();
    let secret = claimed.device_secret.expect("the tablet's owner gives it its secret");
    let stored = server.db.text("SELECT secret_hash FROM devices WHERE id = 'old-tablet'").await;
    assert_ne!(stored, secret, "only the secret's hash is kept");
    assert_eq!(stored.len(), 64);
    // From now on even she must prove it.
    server
        .sign_in_raw("asha@riverside.test", PASSWORD, "old-tablet")
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/device-not-proven");
}

#[tokio::test]
async fn the_device_secret_is_given_once_at_registration() {
    let server = TestServer::new().await;
    let first: crate::support::SignedIn = server.sign_in_raw("asha@riverside.test", PASSWORD, "tablet-1").await.ok();
    assert!(first.device_secret.is_some());
    server.device_secrets.lock().unwrap().insert("tablet-1".into(), first.device_secret.unwrap());
    let again: crate::support::SignedIn = server.sign_in_raw("ben@riverside.test", PASSWORD, "tablet-1").await.ok();
    assert!(again.device_secret.is_none());
    assert_eq!(again.device_key, first.device_key, "a proven colleague reaches the same data");
}
