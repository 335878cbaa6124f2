//! Sessions over time and devices: refresh, sign-out, the sign-in rate limit, and
//! supervisors revoking a lost tablet.

use crate::support::{Outbox, TestServer, PASSWORD};
use axum::http::{header, Method, StatusCode};
use portal_desk_core::protocol::SignInResponse;
use portal_desk_server::db::DeviceSummary;
use portal_desk_server::http::devices::DeviceList;
use portal_desk_server::sign_in_guard::{ACCOUNT_FREE_FAILURES, FIRST_LOCK_MS};

#[tokio::test]
async fn a_token_is_refreshed_and_the_old_one_stops_working() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let fresh: SignInResponse = server.send(Method::POST, "/api/v1/refresh", Some(&tablet.token), None).await.ok();
    assert_ne!(fresh.token, tablet.token);
    assert_eq!(fresh.staff.id, tablet.staff);
    server.send(Method::GET, "/api/v1/me", Some(&fresh.token), None).await.ok::<serde_json::Value>();
    server
        .send(Method::GET, "/api/v1/me", Some(&tablet.token), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let response = server.send(Method::POST, "/api/v1/sign-out", Some(&tablet.token), None).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    server
        .send(Method::GET, "/api/v1/me", Some(&tablet.token), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_refused_for_a_while_even_with_the_right_password() {
    let server = TestServer::new().await;
    for _ in 0..ACCOUNT_FREE_FAILURES {
        let response = server.sign_in_raw("asha@riverside.test", "guess", "tablet-1").await;
        response.problem(StatusCode::UNAUTHORIZED, "/problems/sign-in-failed");
    }
    let response = server.sign_in_raw("asha@riverside.test", PASSWORD, "tablet-1").await;
    let problem = response.problem(StatusCode::TOO_MANY_REQUESTS, "/problems/too-many-sign-in-attempts");
    let first_lock_s = FIRST_LOCK_MS / 1000;
    assert_eq!(problem["retry_after_s"], first_lock_s);
    assert_eq!(response.header(header::RETRY_AFTER), Some(first_lock_s.to_string().as_str()));
    // Another member of staff is not held up by someone guessing at Asha's account.
    server.sign_in("ben@riverside.test", "tablet-1").await;
}

#[tokio::test]
async fn a_supervisor_lists_the_devices_of_their_sites_only() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-r").await;
    server.sign_in("ben@riverside.test", "tablet-r").await;
    server.sign_in("dan@hilltop.test", "tablet-h").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let list: DeviceList = server.send(Method::GET, "/api/v1/devices", Some(&carys.token), None).await.ok();
    let ids: Vec<_> = list.devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["desk-c", "tablet-r"]);
    let tablet = &list.devices[1];
    assert_eq!(tablet.staff.len(), 2);
    assert_eq!(tablet.revoked_at_ms, None);
}

#[tokio::test]
async fn an_analyst_may_not_list_or_revoke_devices() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    server
        .send(Method::GET, "/api/v1/devices", Some(&asha.token), None)
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/forbidden");
    server
        .send(Method::POST, "/api/v1/devices/tablet-1/revoke", Some(&asha.token), None)
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/forbidden");
}

#[tokio::test]
async fn a_revoked_device_is_told_to_wipe_its_data_and_cannot_sign_in_again() {
    let server = TestServer::new().await;
    let lost = server.sign_in("asha@riverside.test", "lost-tablet").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let revoked: DeviceSummary =
        server.send(Method::POST, "/api/v1/devices/lost-tablet/revoke", Some(&carys.token), None).await.ok();
    assert!(revoked.revoked_at_ms.is_some());
    let mut outbox = Outbox::new(&lost);
    let op = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    server.push(&lost, &[op]).await.problem(StatusCode::FORBIDDEN, "/problems/device-revoked");
    server
        .send(Method::GET, "/api/v1/pull", Some(&lost.token), None)
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/device-revoked");
    server
        .sign_in_raw("asha@riverside.test", PASSWORD, "lost-tablet")
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/device-revoked");
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'revoke_device'").await, 1);
}

#[tokio::test]
async fn a_supervisor_cannot_revoke_another_sites_device() {
    let server = TestServer::new().await;
    server.sign_in("dan@hilltop.test", "tablet-h").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    server
        .send(Method::POST, "/api/v1/devices/tablet-h/revoke", Some(&carys.token), None)
        .await
        .problem(StatusCode::NOT_FOUND, "/problems/device-not-found");
    assert_eq!(server.count("SELECT COUNT(*) FROM devices WHERE revoked_at_ms IS NOT NULL").await, 0);
}
