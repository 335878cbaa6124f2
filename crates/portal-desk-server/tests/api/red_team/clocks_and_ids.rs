//! Attacks with clocks and ids: another device's clock, a clock from 1970, an
//! operation id another device already used, and ids made to break logs or URLs.
//! (Fields the server does not know are in `http_hygiene.rs`.)

use crate::support::{assert_applied, assert_rejected, Outbox, TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use portal_desk_core::Hlc;
use serde_json::json;

#[tokio::test]
async fn a_change_whose_clock_names_another_device_is_refused() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&asha);
    let mut op = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    op.hlc = Hlc { device: "zzz-wins-every-tie".into(), ..op.hlc };
    outbox.sign(&mut op);
    assert_rejected(&server.push_ok(&asha, &[op]).await.results[0], "clock_of_another_device");
}

#[tokio::test]
async fn a_change_dated_before_its_tablet_existed_is_refused() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&asha);
    let mut op = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    op.hlc.wall_ms = 0;
    outbox.sign(&mut op);
    let fine = outbox.create("case-2", "riverside", "Bo Example", "sign_up");
    let response = server.push_ok(&asha, &[op, fine]).await;
    assert_rejected(&response.results[0], "clock_before_registration");
    assert_applied(&response.results[1]);
}

#[tokio::test]
async fn an_operation_id_another_device_used_is_refused_not_acknowledged_and_dropped() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let ben = server.sign_in("ben@riverside.test", "tablet-b").await;
    let mut ashas = Outbox::new(&asha);
    let create = ashas.create("case-1", "riverside", "Ada Example", "sign_up");
    let note = ashas.note("case-1", "Asha's note");
    server.push_ok(&asha, &[create, note.clone()]).await;
    let mut bens = Outbox::new(&ben);
    let mut reused = bens.note("case-1", "Ben's note");
    reused.id = note.id.clone();
    bens.sign(&mut reused);
    let response = server.push_ok(&ben, &[reused]).await;
    assert_rejected(&response.results[0], "op_id_taken");
    let timeline = &server.pull(&ben, 0, None).await.records[0].timeline;
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].text, "Asha's note");
}

#[tokio::test]
async fn ids_made_to_break_logs_urls_or_spreadsheets_are_refused() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&asha);
    let long = "x".repeat(129);
    let ops = ["../../etc", "=HYPERLINK(\"http://evil\")", long.as_str()]
        .map(|record| outbox.create(record, "riverside", "Ada Example", "sign_up"));
    let response = server.push_ok(&asha, &ops).await;
    response.results.iter().for_each(|r| assert_rejected(r, "invalid_id"));
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
    let body = json!({ "email": "asha@riverside.test", "password": PASSWORD, "device": "tablet/../2" });
    server
        .send(Method::POST, "/api/v1/sign-in", None, Some(&body))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
}
