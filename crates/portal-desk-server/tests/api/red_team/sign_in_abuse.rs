//! Attacks on sign-in: locking a colleague (or the admin) out with wrong passwords,
//! from this address or another, filling the database or the audit log with made-up
//! emails, and passwords too long to hash.

use crate::support::process::{free_port, http_from, ServerProcess, LOOPBACK, OTHER_LOOPBACK};
use crate::support::{fresh_postgres_url, postgres_url, TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use portal_desk_server::demo::{DEMO_PASSWORD, DEMO_STAFF};
use portal_desk_server::sign_in_guard::{ACCOUNT_FREE_FAILURES, FIRST_LOCK_MS, MAX_EMAIL_CHARS};
use serde_json::json;

#[tokio::test]
async fn a_strangers_wrong_passwords_do_not_lock_asha_out_of_her_own_tablet() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "asha-tablet").await;
    for _ in 0..3 * ACCOUNT_FREE_FAILURES {
        server.sign_in_raw("asha@riverside.test", "guess", "attacker-laptop").await;
    }
    server
        .sign_in_raw("asha@riverside.test", PASSWORD, "attacker-laptop")
        .await
        .problem(StatusCode::TOO_MANY_REQUESTS, "/problems/too-many-sign-in-attempts");
    // Her own tablet, proven by its secret, counts apart.
    server.sign_in("asha@riverside.test", "asha-tablet").await;
    // And the admin is not locked out by anyone's guesses at Asha.
    server.sign_in("sam@both.test", "admin-desk").await;
}

#[tokio::test]
async fn a_right_password_clears_the_count_so_typos_never_add_up_to_a_lock() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "asha-tablet").await;
    for _ in 0..3 {
        for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
            server
                .sign_in_raw("asha@riverside.test", "typo", "asha-tablet")
                .await
                .problem(StatusCode::UNAUTHORIZED, "/problems/sign-in-failed");
        }
        server.sign_in("asha@riverside.test", "asha-tablet").await;
    }
}

#[tokio::test]
async fn a_guesser_waits_longer_after_each_failure_past_the_free_ones() {
    let server = TestServer::new().await;
    let mut waits = Vec::new();
    for _ in 0..ACCOUNT_FREE_FAILURES + 2 {
        // The lock has run out (as if the guesser had waited it out).
        server.db.execute("UPDATE sign_in_throttle SET locked_until_ms = 0").await.unwrap();
        server.sign_in_raw("asha@riverside.test", "guess", "laptop").await;
        let locked = server.sign_in_raw("asha@riverside.test", "guess", "laptop").await;
        if locked.status == StatusCode::TOO_MANY_REQUESTS {
            waits.push(locked.json()["retry_after_s"].as_u64().unwrap());
        }
    }
    let first = FIRST_LOCK_MS / 1000;
    assert_eq!(waits[..3], [first, 2 * first, 4 * first], "{waits:?}");
}

#[tokio::test]
async fn an_overlong_email_or_password_is_a_422_and_nothing_is_stored_or_hashed() {
    let server = TestServer::new().await;
    let long_email = format!("{}@riverside.test", "a".repeat(MAX_EMAIL_CHARS));
    for (email, password) in [(long_email.as_str(), "x"), ("asha@riverside.test", &"p".repeat(1_025)[..])] {
        let body = json!({ "email": email, "password": password, "device": "laptop" });
        server
            .send(Method::POST, "/api/v1/sign-in", None, Some(&body))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM sign_in_throttle").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM devices").await, 0);
}

#[tokio::test]
async fn made_up_emails_neither_fill_the_audit_log_nor_add_more_than_a_row_a_key() {
    let server = TestServer::new().await;
    let audit_before = server.count("SELECT COUNT(*) FROM audit").await;
    for n in 0..40 {
        server
            .sign_in_raw(&format!("nobody{n}@example.test"), "guess", "laptop")
            .await
            .problem(StatusCode::UNAUTHORIZED, "/problems/sign-in-failed");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, audit_before, "no account, no audit entry");
    // One row per made-up account from this address, and one for the address.
    assert_eq!(server.count("SELECT COUNT(*) FROM sign_in_throttle").await, 41);
    let metrics = server.send(Method::GET, "/metrics", None, None).await.text();
    assert!(metrics.contains("portal_desk_sign_in_failures_total{account=\"unknown\"} 40"), "{metrics}");
    // A failure against a real account is audited, with the account named.
    server.sign_in_raw("asha@riverside.test", "guess", "laptop").await;
    assert_eq!(
        server.count("SELECT COUNT(*) FROM audit WHERE action = 'sign_in_failed' AND staff_id = 'staff-asha'").await,
        1
    );
}

/// The served process, not the router in process: only a real connection has a peer
/// address, and every one used to count as "unknown", so a guesser anywhere locked the
/// account out everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guesser_locked_out_at_one_address_never_locks_the_account_out_at_another() {
    let dir = tempfile::tempdir().unwrap();
    let database = match postgres_url() {
        Some(url) => fresh_postgres_url(&url).await.0,
        None => format!("sqlite://{}/pd.db", dir.path().display()),
    };
    let server = ServerProcess::start(&database, free_port(), &["--demo"]).await;
    let (email, port) = (DEMO_STAFF[0].email, server.port);
    let sign_in = |from, password: &str, device: &str| {
        let body = json!({ "email": email, "password": password, "device": device });
        async move { http_from(from, port, "POST", "/api/v1/sign-in", None, Some(&body)).await.unwrap() }
    };
    for _ in 0..ACCOUNT_FREE_FAILURES {
        assert_eq!(sign_in(OTHER_LOOPBACK, "guess", "attacker-laptop").await.0, 401);
    }
    let (status, text) = sign_in(OTHER_LOOPBACK, DEMO_PASSWORD, "attacker-laptop").await;
    assert_eq!(status, 429, "the guesser's address is not locked: {text}");
    let (status, text) = sign_in(LOOPBACK, DEMO_PASSWORD, "asha-desk").await;
    assert_eq!(status, 200, "another address was locked out with the guesser's: {text}");
}
