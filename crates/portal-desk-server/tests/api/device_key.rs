//! The device secret behind the "server slot" of encryption at rest: made at a
//! device's first sign-in, the same for everyone who signs in on it, different on
//! another device, and never handed to a wrong password or a revoked device.

use crate::support::{TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use serde_json::Value;

/// Signs `email` in on `device` (proving the device, as the app does) and returns the
/// whole answer.
async fn sign_in(server: &TestServer, email: &str, device: &str) -> Value {
    let answer: Value = server.sign_in_raw(email, PASSWORD, device).await.ok();
    if let Some(secret) = answer["device_secret"].as_str() {
        server.device_secrets.lock().unwrap().insert(device.to_owned(), secret.to_owned());
    }
    answer
}

fn key_of(answer: &Value) -> String {
    answer["device_key"].as_str().expect("a device_key in the sign-in answer").to_owned()
}

#[tokio::test]
async fn every_sign_in_on_a_device_gets_the_same_random_device_key() {
    let server = TestServer::new().await;
    let first = key_of(&sign_in(&server, "asha@riverside.test", "tablet-1").await);
    assert_eq!(first.len(), 64);
    assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "hex: {first}");
    let colleague = key_of(&sign_in(&server, "ben@riverside.test", "tablet-1").await);
    let again = key_of(&sign_in(&server, "asha@riverside.test", "tablet-1").await);
    assert_eq!(colleague, first, "a colleague's online sign-in must unlock the same device's data");
    assert_eq!(again, first);
    let other = key_of(&sign_in(&server, "asha@riverside.test", "tablet-2").await);
    assert_ne!(other, first, "each device has its own secret");
    let stored = server.db.text("SELECT device_key FROM devices WHERE id = 'tablet-1'").await;
    assert_eq!(stored, first);
}

#[tokio::test]
async fn a_wrong_password_gets_no_device_key() {
    let server = TestServer::new().await;
    sign_in(&server, "asha@riverside.test", "tablet-1").await;
    let response = server.sign_in_raw("asha@riverside.test", "guess", "tablet-1").await;
    let problem = response.problem(StatusCode::UNAUTHORIZED, "/problems/sign-in-failed");
    assert!(problem.get("device_key").is_none());
}

#[tokio::test]
async fn a_revoked_device_gets_no_device_key() {
    let server = TestServer::new().await;
    sign_in(&server, "asha@riverside.test", "lost-tablet").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    server.send(Method::POST, "/api/v1/devices/lost-tablet/revoke", Some(&carys.token), None).await.ok::<Value>();
    let response = server.sign_in_raw("asha@riverside.test", PASSWORD, "lost-tablet").await;
    let problem = response.problem(StatusCode::FORBIDDEN, "/problems/device-revoked");
    assert!(problem.get("device_key").is_none());
    assert!(!String::from_utf8_lossy(&response.body).contains("device_key"));
}
