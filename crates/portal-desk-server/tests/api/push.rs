//! `POST /api/v1/push`: exactly-once application, refusals that never wedge the queue,
//! and the limits.

use crate::support::{assert_applied, assert_rejected, staff_id, Outbox, TestServer};
use axum::http::StatusCode;
use portal_desk_core::hlc::MAX_DRIFT_MS;
use portal_desk_core::protocol::MAX_PUSH_OPS;
use portal_desk_core::{Hlc, OpBody};

#[tokio::test]
async fn push_applies_ops_and_a_replayed_batch_is_acknowledged_not_applied_twice() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let batch =
        [outbox.create("case-1", "riverside", "Ada Example", "password_reset"), outbox.note("case-1", "Rang back")];
    let first = server.push_ok(&tablet, &batch).await;
    assert_eq!(first.applied_through, 2);
    first.results.iter().for_each(assert_applied);
    let version_after_first = server.count("SELECT version FROM records WHERE id = 'case-1'").await;

    let again = server.push_ok(&tablet, &batch).await;
    assert_eq!(again, first, "a replay reports the first outcomes again");
    assert_eq!(server.count("SELECT version FROM records WHERE id = 'case-1'").await, version_after_first);
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 2);
    let records = server.pull(&tablet, 0, None).await.records;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].timeline.len(), 1, "the note is not doubled");
}

#[tokio::test]
async fn a_batch_that_overlaps_what_was_applied_applies_only_the_new_ops() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops = [
        outbox.create("case-1", "riverside", "Ada Example", "sign_up"),
        outbox.note("case-1", "first"),
        outbox.note("case-1", "second"),
        outbox.note("case-1", "third"),
    ];
    server.push_ok(&tablet, &ops[..2]).await;
    let response = server.push_ok(&tablet, &ops).await;
    assert_eq!(response.applied_through, 4);
    assert_eq!(response.results.len(), 4);
    let texts: Vec<_> =
        server.pull(&tablet, 0, None).await.records[0].timeline.iter().map(|e| e.text.clone()).collect();
    assert_eq!(texts, ["first", "second", "third"]);
}

#[tokio::test]
async fn the_same_batch_pushed_twice_at_once_is_applied_once() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let batch = [outbox.create("case-1", "riverside", "Ada Example", "sign_up"), outbox.note("case-1", "once")];
    let (a, b) = tokio::join!(server.push(&tablet, &batch), server.push(&tablet, &batch));
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(b.status, StatusCode::OK, "{}", b.text());
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 2);
    assert_eq!(server.pull(&tablet, 0, None).await.records[0].timeline.len(), 1);
}

#[tokio::test]
async fn a_gap_is_a_409_problem_saying_where_to_resend_from() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let first = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    let _lost = outbox.note("case-1", "never arrives");
    let third = outbox.note("case-1", "arrives early");
    server.push_ok(&tablet, &[first]).await;
    let problem = server.push(&tablet, &[third]).await.problem(StatusCode::CONFLICT, "/problems/seq-gap");
    assert_eq!(problem["expected"], 2);
    assert_eq!(problem["got"], 3);
    assert!(problem["detail"].as_str().unwrap().contains("from sequence number 2"));
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 1);
}

#[tokio::test]
async fn a_reordered_batch_is_refused_whole_and_writes_nothing() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let create = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    let note = outbox.note("case-1", "hello");
    let later = outbox.note("case-1", "new, but behind a reordered pair");
    server.push_ok(&tablet, &[create.clone(), note.clone()]).await;
    let response = server.push(&tablet, &[note, create, later]).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/out-of-order");
    assert_eq!(problem["seq"], 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 2, "operation 3 was not applied");
    assert_eq!(server.count("SELECT last_seq FROM devices WHERE id = 'tablet-1'").await, 2);
    assert_eq!(server.pull(&tablet, 0, None).await.records[0].timeline.len(), 1);
}

#[tokio::test]
async fn a_batch_that_starts_past_the_next_seq_is_refused_whole() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let create = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    let note = outbox.note("case-1", "hello");
    let problem = server.push(&tablet, &[note, create]).await.problem(StatusCode::CONFLICT, "/problems/seq-gap");
    assert_eq!(problem["expected"], 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
}

#[tokio::test]
async fn an_op_for_another_site_is_rejected_and_later_ops_still_apply() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops = [
        outbox.create("case-h", "hilltop", "Hilltop Patient", "sign_up"),
        outbox.create("case-r", "riverside", "Riverside Patient", "sign_up"),
    ];
    let response = server.push_ok(&tablet, &ops).await;
    assert_eq!(response.applied_through, 2, "the rejected op is acknowledged too");
    assert_rejected(&response.results[0], "forbidden");
    assert_applied(&response.results[1]);
    assert_eq!(server.count("SELECT COUNT(*) FROM records WHERE site_id = 'hilltop'").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 2, "the rejection is recorded");
}

#[tokio::test]
async fn an_edit_to_another_sites_case_is_rejected() {
    let server = TestServer::new().await;
    let hilltop = server.sign_in("dan@hilltop.test", "tablet-h").await;
    let mut dan = Outbox::new(&hilltop);
    server.push_ok(&hilltop, &[dan.create("case-h", "hilltop", "Hilltop Patient", "sign_up")]).await;
    let riverside = server.sign_in("asha@riverside.test", "tablet-r").await;
    let mut asha = Outbox::new(&riverside);
    let response = server.push_ok(&riverside, &[asha.note("case-h", "sneaky")]).await;
    assert_rejected(&response.results[0], "forbidden");
}

#[tokio::test]
async fn an_actor_who_never_signed_in_on_the_device_is_rejected() {
    // The op naming Ben is signed with Asha's credential (Ben has none on this tablet),
    // so it is refused before any rule about Ben: he did not make it.
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    outbox.as_actor(&staff_id("ben@riverside.test").into());
    let from_ben = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    outbox.as_actor(&tablet.staff);
    let from_asha = outbox.create("case-2", "riverside", "Bo Example", "sign_up");
    let response = server.push_ok(&tablet, &[from_ben, from_asha]).await;
    assert_rejected(&response.results[0], "not_signed_by_author");
    assert_applied(&response.results[1]);
}

#[tokio::test]
async fn a_colleague_who_signed_in_on_the_shared_tablet_may_be_the_actor() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "shared-tablet").await;
    let ben = server.sign_in("ben@riverside.test", "shared-tablet").await;
    let mut outbox = Outbox::new(&asha);
    let by_asha = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    // Ben pushes the outbox Asha left behind: her ops are still hers.
    let response = server.push_ok(&ben, &[by_asha]).await;
    assert_applied(&response.results[0]);
    assert_eq!(server.pull(&ben, 0, None).await.records[0].created_by, asha.staff);
}

#[tokio::test]
async fn an_op_whose_clock_is_far_ahead_is_rejected() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let mut ahead = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    ahead.hlc = Hlc { wall_ms: portal_desk_server::now_ms() + MAX_DRIFT_MS + 60_000, ..ahead.hlc };
    let fine = outbox.create("case-2", "riverside", "Bo Example", "sign_up");
    let response = server.push_ok(&tablet, &[ahead, fine]).await;
    assert_rejected(&response.results[0], "clock_ahead");
    assert_applied(&response.results[1]);
}

#[tokio::test]
async fn a_reused_op_id_is_rejected_without_wedging_the_queue() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let create = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    let mut reused = outbox.note("case-1", "same id as the create");
    reused.id = create.id.clone();
    let after = outbox.note("case-1", "still applied");
    let response = server.push_ok(&tablet, &[create, reused.clone(), after]).await;
    assert_rejected(&response.results[1], "duplicate_op_id");
    assert_applied(&response.results[2]);
    let replay = server.push_ok(&tablet, &[reused]).await;
    assert_rejected(&replay.results[0], "duplicate_op_id");
}

#[tokio::test]
async fn an_invalid_op_is_rejected_by_the_merge_rules_and_acknowledged() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops = [
        outbox.create("case-1", "riverside", "Ada Example", "sign_up"),
        outbox.op("case-1", OpBody::SetField { field: "priority".into(), value: "sky-high".into(), replaces: None }),
        outbox.note("case-404", "no such case"),
    ];
    let response = server.push_ok(&tablet, &ops).await;
    assert_rejected(&response.results[1], "invalid_field");
    assert_rejected(&response.results[2], "not_found");
    assert_eq!(response.applied_through, 3);
}

#[tokio::test]
async fn an_analyst_cannot_change_a_restricted_case_they_may_not_see() {
    let server = TestServer::new().await;
    let ben = server.sign_in("ben@riverside.test", "tablet-b").await;
    let mut bens = Outbox::new(&ben);
    server.push_ok(&ben, &[bens.create("case-s", "riverside", "Jo Example", "safeguarding")]).await;
    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let mut ashas = Outbox::new(&asha);
    let response = server.push_ok(&asha, &[ashas.note("case-s", "reading over a shoulder")]).await;
    assert_rejected(&response.results[0], "forbidden");
    let carys = server.sign_in("carys@riverside.test", "tablet-c").await;
    let mut caryss = Outbox::new(&carys);
    assert_applied(&server.push_ok(&carys, &[caryss.note("case-s", "supervisor reviewed")]).await.results[0]);
}

#[tokio::test]
async fn a_push_naming_another_device_than_the_tokens_is_a_403_problem() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut other = tablet.clone();
    other.device = "tablet-2".into();
    let mut outbox = Outbox::new(&other);
    let op = outbox.create("case-1", "riverside", "Ada Example", "sign_up");
    let body = serde_json::json!({ "device": "tablet-2", "ops": [op] });
    let response = server.send(axum::http::Method::POST, "/api/v1/push", Some(&tablet.token), Some(&body)).await;
    response.problem(StatusCode::FORBIDDEN, "/problems/wrong-device");
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 0);
}

#[tokio::test]
async fn an_op_made_on_another_device_is_a_422_problem() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut stranger = tablet.clone();
    stranger.device = "tablet-2".into();
    let op = Outbox::new(&stranger).create("case-1", "riverside", "Ada Example", "sign_up");
    server.push(&tablet, &[op]).await.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/op-from-other-device");
}

#[tokio::test]
async fn a_batch_over_the_operation_limit_is_a_413_problem() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops: Vec<_> = (0..=MAX_PUSH_OPS).map(|_| outbox.note("case-1", "x")).collect();
    let problem = server.push(&tablet, &ops).await.problem(StatusCode::PAYLOAD_TOO_LARGE, "/problems/batch-too-large");
    assert_eq!(problem["max_ops"], MAX_PUSH_OPS);
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 0);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413_problem() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let op = outbox.note("case-1", &"x".repeat(1024 * 1024));
    let problem = server.push(&tablet, &[op]).await.problem(StatusCode::PAYLOAD_TOO_LARGE, "/problems/body-too-large");
    assert_eq!(problem["max_bytes"], 1024 * 1024);
}

#[tokio::test]
async fn every_push_is_audited() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    server
        .push_ok(
            &tablet,
            &[outbox.create("case-1", "riverside", "A", "sign_up"), outbox.create("case-2", "hilltop", "B", "sign_up")],
        )
        .await;
    let log = server.store.audit_log().await.unwrap();
    let push = log.iter().find(|e| e.entry.action == "push").expect("a push entry");
    assert_eq!(push.entry.detail["applied"], 1);
    assert_eq!(push.entry.detail["rejected"], 1);
    assert_eq!(push.entry.device.as_ref().unwrap().as_str(), "tablet-1");
}

#[tokio::test]
async fn roles_are_enforced_on_every_operation() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let admin = server.sign_in("sam@both.test", "desk").await;
    let mut ashas = Outbox::new(&asha);
    let ops = [
        ashas.create("case-1", "riverside", "Ada Example", "sign_up"),
        ashas.op("case-1", OpBody::SetField { field: "owner".into(), value: asha.staff.to_string(), replaces: None }),
        ashas.op(
            "case-1",
            OpBody::SetField { field: "owner".into(), value: staff_id("ben@riverside.test"), replaces: None },
        ),
    ];
    let response = server.push_ok(&asha, &ops).await;
    assert_applied(&response.results[1]);
    assert_rejected(&response.results[2], "forbidden");
    let mut admins = Outbox::new(&admin);
    let response = server.push_ok(&admin, &[admins.note("case-1", "admins run the system, not cases")]).await;
    assert_rejected(&response.results[0], "forbidden");
}
