//! Changes the server cannot prove, held rather than applied or lost: by a colleague
//! deactivated before their tablet synced, or queued before the tablet could sign; and
//! attacks on the review itself.

use crate::support::{assert_applied, staff_id, Device, Outbox, TestServer};
use axum::http::{Method, StatusCode};
use portal_desk_core::protocol::OpResult;
use portal_desk_core::Outcome;
use portal_desk_server::http::held::HeldList;
use serde_json::{json, Value};

#[track_caller]
fn assert_held(result: &OpResult, code: &str) {
    match &result.outcome {
        Outcome::Held { code: got, reason } => {
            assert_eq!(got, code, "held for another reason: {reason}");
            assert!(reason.contains("supervisor"), "{reason}");
        }
        other => panic!("op {} was not held: {other:?}", result.seq),
    }
}

async fn deactivate(server: &TestServer, email: &str) {
    let admin = server.sign_in("sam@both.test", "admin-desk").await;
    let path = format!("/api/v1/staff/{}", staff_id(email));
    server.send(Method::PATCH, &path, Some(&admin.token), Some(&json!({ "active": false }))).await.ok::<Value>();
}

async fn held(server: &TestServer, supervisor: &Device) -> HeldList {
    server.send(Method::GET, "/api/v1/held", Some(&supervisor.token), None).await.ok()
}

async fn decide(server: &TestServer, by: &Device, device: &str, seq: u64, verb: &str) -> crate::support::TestResponse {
    server.send(Method::POST, &format!("/api/v1/held/{device}/{seq}/{verb}"), Some(&by.token), None).await
}

#[tokio::test]
async fn changes_by_a_colleague_deactivated_before_the_tablet_synced_are_held_not_applied_nor_lost() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    let ben = server.sign_in("ben@riverside.test", "shared-tablet").await;
    let mut outbox = Outbox::new(&asha);
    let by_asha = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    outbox.by(&ben);
    let by_ben = [outbox.note("case-1", "Ben's note"), outbox.note("case-1", "Ben's second note")];
    deactivate(&server, "ben@riverside.test").await;
    let response = server.push_ok(&asha, &[by_asha, by_ben[0].clone(), by_ben[1].clone()]).await;
    assert_applied(&response.results[0]);
    assert_held(&response.results[1], "author_deactivated");
    assert_held(&response.results[2], "author_deactivated");
    assert_eq!(response.applied_through, 3, "held changes leave the outbox: the server keeps them");
    assert!(server.pull(&asha, 0, None).await.records[0].timeline.is_empty(), "not applied");

    let carys = server.sign_in("carys@riverside.test", "carys-desk").await;
    let list = held(&server, &carys).await;
    assert_eq!(list.held.len(), 2);
    assert_eq!(list.held[0].author_name.as_deref(), Some("Ben Okafor"));
    assert_eq!(list.held[0].op, by_ben[0], "kept exactly as made");
    let accepted: Value = decide(&server, &carys, "shared-tablet", 2, "accept").await.ok();
    assert_eq!(accepted["code"], "author_deactivated");
    decide(&server, &carys, "shared-tablet", 3, "reject").await.ok::<Value>();
    let texts: Vec<String> =
        server.pull(&asha, 0, None).await.records[0].timeline.iter().map(|e| e.text.clone()).collect();
    assert_eq!(texts, ["Ben's note"]);
    assert_eq!(texts.len(), 1);
    assert!(held(&server, &carys).await.held.is_empty());
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM audit WHERE action = 'held_change_accepted' AND staff_id = 'staff-carys'")
            .await,
        1
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'held_change_rejected'").await, 1);
    decide(&server, &carys, "shared-tablet", 3, "accept")
        .await
        .problem(StatusCode::CONFLICT, "/problems/already-decided");
}

#[tokio::test]
async fn changes_queued_before_a_tablet_could_sign_are_held_and_accepted_in_order() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "old-tablet").await;
    // The tablet as it was before this release: no secret, so its app cannot sign.
    server
        .db
        .execute("UPDATE devices SET secret_hash = NULL, secret_bound_at_ms = NULL WHERE id = 'old-tablet'")
        .await
        .unwrap();
    let mut outbox = Outbox::new(&asha);
    outbox.unsigned();
    let ops = [outbox.create("case-1", "riverside", "Ada Example", "sign_up"), outbox.note("case-1", "Queued offline")];
    let response = server.push_ok(&asha, &ops).await;
    assert_held(&response.results[0], "unsigned_before_upgrade");
    assert_held(&response.results[1], "unsigned_before_upgrade");
    let carys = server.sign_in("carys@riverside.test", "carys-desk").await;
    let problem = decide(&server, &carys, "old-tablet", 2, "accept")
        .await
        .problem(StatusCode::CONFLICT, "/problems/would-not-apply");
    assert_eq!(problem["code"], "not_found", "the note waits for its case");
    assert_eq!(held(&server, &carys).await.held.len(), 2, "a refused acceptance leaves it held");
    decide(&server, &carys, "old-tablet", 1, "accept").await.ok::<Value>();
    decide(&server, &carys, "old-tablet", 2, "accept").await.ok::<Value>();
    assert_eq!(server.pull(&asha, 0, None).await.records[0].timeline[0].text, "Queued offline");
}

#[tokio::test]
async fn an_upgraded_tablets_first_sign_in_holds_what_it_queued_before_and_refuses_unsigned_changes_after() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "old-tablet").await;
    server
        .db
        .execute("UPDATE devices SET secret_hash = NULL, secret_bound_at_ms = NULL WHERE id = 'old-tablet'")
        .await
        .unwrap();
    server.device_secrets.lock().unwrap().remove("old-tablet");
    // The upgraded app signs in, saying it had queued two changes.
    let body = json!({ "email": "asha@riverside.test", "password": crate::support::PASSWORD, "device": "old-tablet", "queued_through": 2 });
    let upgraded: crate::support::SignedIn = server.send(Method::POST, "/api/v1/sign-in", None, Some(&body)).await.ok();
    assert!(upgraded.device_secret.is_some(), "the old tablet is given its secret");
    let mut outbox = Outbox::new(&asha);
    outbox.unsigned();
    let ops = [
        outbox.create("case-1", "riverside", "Ada Example", "sign_up"),
        outbox.note("case-1", "before"),
        outbox.note("case-1", "after"),
    ];
    let response = server.push_ok(&asha, &ops).await;
    assert_held(&response.results[0], "unsigned_before_upgrade");
    assert_held(&response.results[1], "unsigned_before_upgrade");
    crate::support::assert_rejected(&response.results[2], "unsigned");
}

#[tokio::test]
async fn only_a_supervisor_of_the_changes_site_sees_or_decides_it() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    let ben = server.sign_in("ben@riverside.test", "shared-tablet").await;
    let mut outbox = Outbox::new(&asha);
    let create = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    outbox.by(&ben);
    let note = outbox.note("case-1", "Ben's note");
    deactivate(&server, "ben@riverside.test").await;
    server.push_ok(&asha, &[create, note]).await;
    server
        .send(Method::GET, "/api/v1/held", Some(&asha.token), None)
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/forbidden");
    decide(&server, &asha, "shared-tablet", 2, "accept").await.problem(StatusCode::FORBIDDEN, "/problems/forbidden");
    let admin = server.sign_in("sam@both.test", "admin-desk").await;
    decide(&server, &admin, "shared-tablet", 2, "accept").await.problem(StatusCode::FORBIDDEN, "/problems/forbidden");
    // A supervisor at another site: neither listed nor found.
    let hilltop_supervisor = {
        let store = &server.store;
        let staff = portal_desk_server::db::NewStaff {
            id: "staff-eve".into(),
            email: "eve@hilltop.test".into(),
            name: "Eve Sato".into(),
            role: portal_desk_server::db::Role::Supervisor,
            password_hash: portal_desk_server::auth::hash_password(
                crate::support::PASSWORD,
                portal_desk_server::auth::HashCost::Minimal,
            )
            .unwrap(),
            sites: vec!["hilltop".into()],
        };
        store.add_staff(&staff, portal_desk_server::now_ms()).await.unwrap();
        server.sign_in("eve@hilltop.test", "eve-desk").await
    };
    assert!(held(&server, &hilltop_supervisor).await.held.is_empty());
    decide(&server, &hilltop_supervisor, "shared-tablet", 2, "accept")
        .await
        .problem(StatusCode::NOT_FOUND, "/problems/held-change-not-found");
    assert_eq!(server.count("SELECT COUNT(*) FROM held_ops WHERE decided_at_ms IS NULL").await, 1);
}
