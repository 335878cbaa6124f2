//! Attacks on who made a change: pushing changes, or views, in a colleague's name, with
//! a made-up or borrowed signature, or altered after signing.

use crate::support::{assert_applied, assert_rejected, staff_id, Outbox, TestServer};
use axum::http::Method;
use portal_desk_core::signing::{OpKey, Signature, ViewFacts};
use portal_desk_core::{OpBody, StaffId};
use serde_json::{json, Value};

/// Asha and the supervisor Carys have both signed in on one shared tablet; Ben's
/// safeguarding case (owned by Carys) is on the server.
async fn shared_tablet() -> (TestServer, crate::support::Device, crate::support::Device) {
    let server = TestServer::new().await;
    let ben = server.sign_in("ben@riverside.test", "ben-tablet").await;
    let mut bens = Outbox::new(&ben);
    let mut create = bens.create("safeguarding-1", "riverside", "Sam Vulnerable", "safeguarding");
    if let OpBody::Create { fields, .. } = &mut create.body {
        fields.insert("owner".into(), staff_id("ben@riverside.test"));
    }
    bens.sign(&mut create);
    assert_applied(&server.push_ok(&ben, &[create]).await.results[0]);
    let carys = server.sign_in("carys@riverside.test", "shared-tablet").await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    (server, asha, carys)
}

#[tokio::test]
async fn an_analyst_cannot_take_a_safeguarding_case_in_her_supervisors_name() {
    let (server, asha, carys) = shared_tablet().await;
    let mut outbox = Outbox::new(&asha);
    outbox.as_actor(&carys.staff);
    let take = outbox.op(
        "safeguarding-1",
        OpBody::SetField { field: "owner".into(), value: asha.staff.to_string(), replaces: None },
    );
    let response = server.push_ok(&asha, &[take]).await;
    assert_rejected(&response.results[0], "not_signed_by_author");
    assert!(server.visible_patients(&asha).await.is_empty(), "she still cannot read the case");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'security_refusal'").await, 1);
    let metrics = server.send(Method::GET, "/metrics", None, None).await.text();
    assert!(metrics.contains("portal_desk_security_refusals_total{code=\"not_signed_by_author\"} 1"), "{metrics}");
}

#[tokio::test]
async fn an_analyst_cannot_change_site_settings_in_the_admins_name() {
    let server = TestServer::new().await;
    server.sign_in("sam@both.test", "shared-tablet").await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    let mut outbox = Outbox::new(&asha);
    outbox.as_actor(&staff_id("sam@both.test").into());
    let settings =
        portal_desk_server::demo::site_settings("riverside", "Riverside Clinic", portal_desk_server::now_ms());
    let body = OpBody::Create {
        collection: portal_desk_core::case::Collection::Site,
        site: "riverside".into(),
        fields: settings.to_fields(),
    };
    let response = server.push_ok(&asha, &[outbox.op("site:riverside", body)]).await;
    assert_rejected(&response.results[0], "not_signed_by_author");
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'admin_change'").await, 0);
}

#[tokio::test]
async fn a_made_up_signature_signs_nothing() {
    let (server, asha, carys) = shared_tablet().await;
    let mut outbox = Outbox::new(&asha);
    outbox.as_actor(&carys.staff).unsigned();
    let mut forged = outbox.note("safeguarding-1", "forged");
    forged.signature = Some(Signature { credential: "guessed".into(), mac: "ab".repeat(32) });
    let mut borrowed_id = outbox.note("safeguarding-1", "forged again");
    borrowed_id.signature = Some(Signature { credential: carys.key.credential.clone(), mac: "cd".repeat(32) });
    let response = server.push_ok(&asha, &[forged, borrowed_id]).await;
    assert_rejected(&response.results[0], "unknown_credential");
    assert_rejected(&response.results[1], "bad_signature");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'security_refusal'").await, 2);
}

#[tokio::test]
async fn a_signed_change_cannot_be_altered_or_replayed_under_another_number() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&asha);
    let create = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    let mut altered = outbox.note("case-1", "Rang back");
    altered.body = OpBody::AppendNote { text: "Patient withdrew consent".into() };
    let replayed = {
        let mut op = create.clone();
        op.seq = 3;
        op.id = "replayed".into();
        op
    };
    let response = server.push_ok(&asha, &[create, altered, replayed]).await;
    assert_applied(&response.results[0]);
    assert_rejected(&response.results[1], "bad_signature");
    assert_rejected(&response.results[2], "bad_signature");
    assert!(server.pull(&asha, 0, None).await.records[0].timeline.is_empty());
}

#[tokio::test]
async fn a_credential_from_one_tablet_cannot_sign_on_another() {
    let server = TestServer::new().await;
    let first = server.sign_in("asha@riverside.test", "tablet-1").await;
    let second = server.sign_in("asha@riverside.test", "tablet-2").await;
    let mut outbox = Outbox::new(&second);
    let mut op = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    op.signature = None;
    first.key.sign(&mut op).unwrap();
    assert_rejected(&server.push_ok(&second, &[op]).await.results[0], "not_signed_by_author");
}

#[tokio::test]
async fn a_stolen_token_without_the_persons_key_changes_nothing() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut thief = Outbox::new(&asha);
    thief.unsigned();
    let unsigned = thief.create("case-1", "riverside", "Ada Example", "sign_up");
    let response = server.push_ok(&asha, &[unsigned]).await;
    assert_rejected(&response.results[0], "unsigned");
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
}

/// A view report as the app sends it, signed by `key` (or not at all).
fn view(id: &str, device: &str, by: &StaffId, key: Option<&OpKey>, at_ms: u64) -> Value {
    let (device_id, record) = (device.into(), "safeguarding-1".into());
    let facts = ViewFacts { id, device: &device_id, record: &record, by, at_ms, reason: Some("Safeguarding review") };
    let signature = key.map(|k| OpKey { staff: by.clone(), ..k.clone() }.sign_view(&facts).unwrap());
    json!({ "id": id, "record": "safeguarding-1", "by": by, "at_ms": at_ms, "reason": "Safeguarding review", "signature": signature })
}

#[tokio::test]
async fn a_view_of_a_safeguarding_case_cannot_be_reported_in_a_colleagues_name() {
    let (server, asha, carys) = shared_tablet().await;
    let now = portal_desk_server::now_ms();
    let framed = view("v-framed", "shared-tablet", &carys.staff, Some(&asha.key), now);
    let unsigned = view("v-unsigned", "shared-tablet", &carys.staff, None, now);
    let genuine = view("v-genuine", "shared-tablet", &asha.staff, Some(&asha.key), now);
    let body = json!({ "device": "shared-tablet", "views": [framed, unsigned, genuine] });
    let answer: Value = server.send(Method::POST, "/api/v1/audit/views", Some(&asha.token), Some(&body)).await.ok();
    let refused: Vec<&str> =
        answer["refused"].as_array().unwrap().iter().map(|r| r["view"].as_str().unwrap()).collect();
    assert_eq!(refused, ["v-framed", "v-unsigned"]);
    assert_eq!(answer["recorded"], 1);
    let detail = server.db.text("SELECT detail FROM audit WHERE action = 'view'").await;
    assert!(detail.contains("\"verified\":true"), "{detail}");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'view' AND staff_id = 'staff-carys'").await, 0);
}

#[tokio::test]
async fn a_shared_tablet_syncing_for_two_people_credits_each_with_their_own_changes() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    let ben = server.sign_in("ben@riverside.test", "shared-tablet").await;
    let mut outbox = Outbox::new(&asha);
    let mut ops =
        vec![outbox.create("case-1", "riverside", "Ada Example", "sign_up"), outbox.note("case-1", "Asha rang")];
    outbox.by(&ben);
    ops.push(outbox.note("case-1", "Ben wrote"));
    // Only Ben's session pushes, as the tablet does for whoever is unlocked when it syncs.
    let response = server.push_ok(&ben, &ops).await;
    response.results.iter().for_each(assert_applied);
    let timeline = &server.pull(&ben, 0, None).await.records[0].timeline;
    let authors: Vec<&str> = timeline.iter().map(|entry| entry.by.as_str()).collect();
    assert_eq!(authors, [asha.staff.as_str(), ben.staff.as_str()]);
    let log = server.store.audit_log().await.unwrap();
    let push = log.iter().find(|e| e.entry.action == "push").expect("a push entry");
    assert_eq!(push.entry.staff.as_ref(), Some(&ben.staff), "pushed in Ben's session");
    let credited = json!({ asha.staff.as_str(): 2, ben.staff.as_str(): 1 });
    assert_eq!(push.entry.detail["applied_by"], credited, "each change credited to its signer");
}
