//! Kiosks (self-registration tablets that read nothing) and staff whose sites change.

use crate::support::{assert_applied, assert_rejected, Outbox, TestServer};
use axum::http::{Method, StatusCode};
use portal_desk_core::case::Collection;
use portal_desk_core::OpBody;
use portal_desk_server::audit::AuditEntry;
use portal_desk_server::db::DeviceSummary;
use serde_json::json;
use std::collections::BTreeMap;

fn self_registration(outbox: &mut Outbox, record: &str, site: &str, channel: &str) -> portal_desk_core::Op {
    let fields = BTreeMap::from([
        ("patient_name".to_owned(), "Walk-in Patient".to_owned()),
        ("kind".to_owned(), "sign_up".to_owned()),
        ("channel".to_owned(), channel.to_owned()),
    ]);
    outbox.op(record, OpBody::Create { collection: Collection::Case, site: site.into(), fields })
}

#[tokio::test]
async fn a_kiosk_only_creates_self_registration_cases_at_its_site_and_reads_nothing() {
    let server = TestServer::new().await;
    let kiosk = server.sign_in("asha@riverside.test", "kiosk-1").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let body = json!({ "site": "riverside" });
    let device: DeviceSummary =
        server.send(Method::POST, "/api/v1/devices/kiosk-1/kiosk", Some(&carys.token), Some(&body)).await.ok();
    assert_eq!(device.kiosk_site.as_ref().map(|s| s.as_str()), Some("riverside"));

    let mut outbox = Outbox::new(&kiosk);
    let ops = [
        self_registration(&mut outbox, "case-1", "riverside", "kiosk"),
        self_registration(&mut outbox, "case-2", "riverside", "phone"),
        outbox.create("case-3", "riverside", "Someone", "password_reset"),
        outbox.note("case-1", "a kiosk cannot add notes"),
    ];
    let response = server.push_ok(&kiosk, &ops).await;
    assert_applied(&response.results[0]);
    for result in &response.results[1..] {
        assert_rejected(result, "kiosk_create_only");
    }
    server
        .send(Method::GET, "/api/v1/pull", Some(&kiosk.token), None)
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/kiosk-cannot-read");
    assert_eq!(server.visible_patients(&carys).await, ["Walk-in Patient"], "staff see what the kiosk took");

    let off = json!({ "site": null });
    let device: DeviceSummary =
        server.send(Method::POST, "/api/v1/devices/kiosk-1/kiosk", Some(&carys.token), Some(&off)).await.ok();
    assert_eq!(device.kiosk_site, None);
    server.pull(&kiosk, 0, None).await;
}

#[tokio::test]
async fn a_supervisor_cannot_make_a_kiosk_for_a_site_they_do_not_manage() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "kiosk-1").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let body = json!({ "site": "hilltop" });
    let response = server.send(Method::POST, "/api/v1/devices/kiosk-1/kiosk", Some(&carys.token), Some(&body)).await;
    response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
}

#[tokio::test]
async fn after_a_staff_members_sites_change_their_next_pull_says_what_to_drop_and_to_resync() {
    let server = TestServer::new().await;
    let sam = server.sign_in("sam@both.test", "desk-s").await;
    let dan = server.sign_in("dan@hilltop.test", "tablet-d").await;
    let mut outbox = Outbox::new(&dan);
    server.push_ok(&dan, &[outbox.create("case-h", "hilltop", "Hill Patient", "sign_up")]).await;
    let first = server.pull(&dan, 0, None).await;
    assert_eq!(first.records.len(), 1);

    let audit = AuditEntry::new(portal_desk_server::now_ms(), "set_staff_sites", json!({}));
    assert!(server.store.set_staff_sites("dan@hilltop.test", &["riverside".into()], &audit).await.unwrap());
    let path = format!("/api/v1/pull?cursor={}", first.cursor);
    let problem = server
        .send(Method::GET, &path, Some(&dan.token), None)
        .await
        .problem(StatusCode::CONFLICT, "/problems/sites-changed");
    assert_eq!(problem["drop_sites"], json!(["hilltop"]));
    assert_eq!(problem["new_sites"], json!(["riverside"]));
    assert_eq!(problem["resync_from"], 0);
    let resync = server.pull(&dan, 0, None).await;
    assert!(resync.records.is_empty(), "Hilltop's case is no longer Dan's to hold");
    assert!(server.visible_patients(&sam).await.contains(&"Hill Patient".to_owned()));
    server.pull(&dan, resync.cursor, None).await;
}

#[tokio::test]
async fn the_sites_changed_answer_repeats_until_the_device_pulls_again_from_the_start() {
    // A device that got the answer but closed before dropping the left sites' cases must
    // be told again, or it would keep cases that are no longer its person's to hold.
    let server = TestServer::new().await;
    let dan = server.sign_in("dan@hilltop.test", "tablet-d").await;
    let mut outbox = Outbox::new(&dan);
    server.push_ok(&dan, &[outbox.create("case-h", "hilltop", "Hill Patient", "sign_up")]).await;
    let first = server.pull(&dan, 0, None).await;

    let audit = AuditEntry::new(portal_desk_server::now_ms(), "set_staff_sites", json!({}));
    assert!(server.store.set_staff_sites("dan@hilltop.test", &["riverside".into()], &audit).await.unwrap());
    let path = format!("/api/v1/pull?cursor={}", first.cursor);
    for _ in 0..2 {
        let problem = server
            .send(Method::GET, &path, Some(&dan.token), None)
            .await
            .problem(StatusCode::CONFLICT, "/problems/sites-changed");
        assert_eq!(problem["drop_sites"], json!(["hilltop"]));
    }
    let resync = server.pull(&dan, 0, None).await;
    assert!(resync.records.is_empty());
    server.pull(&dan, first.cursor, None).await;
}
