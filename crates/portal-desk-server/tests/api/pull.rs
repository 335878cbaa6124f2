//! `GET /api/v1/pull`: site scoping, restricted cases, cursor paging, audit.

use crate::support::{staff_id, Outbox, TestServer};
use axum::http::{Method, StatusCode};
use portal_desk_core::OpBody;

#[tokio::test]
async fn pull_returns_only_the_callers_sites() {
    let server = TestServer::new().await;
    let riverside = server.sign_in("asha@riverside.test", "tablet-r").await;
    let hilltop = server.sign_in("dan@hilltop.test", "tablet-h").await;
    let admin = server.sign_in("sam@both.test", "desk").await;
    let mut r = Outbox::new(&riverside);
    let mut h = Outbox::new(&hilltop);
    server.push_ok(&riverside, &[r.create("case-r", "riverside", "River Patient", "sign_up")]).await;
    server.push_ok(&hilltop, &[h.create("case-h", "hilltop", "Hill Patient", "sign_up")]).await;
    assert_eq!(server.visible_patients(&riverside).await, ["River Patient"]);
    assert_eq!(server.visible_patients(&hilltop).await, ["Hill Patient"]);
    assert_eq!(server.visible_patients(&admin).await, ["River Patient", "Hill Patient"]);
}

#[tokio::test]
async fn a_restricted_case_is_hidden_from_an_analyst_of_the_same_site_who_did_not_create_it() {
    let server = TestServer::new().await;
    let ben = server.sign_in("ben@riverside.test", "tablet-b").await;
    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let carys = server.sign_in("carys@riverside.test", "tablet-c").await;
    let mut outbox = Outbox::new(&ben);
    let ops = [
        outbox.create("case-s", "riverside", "Safeguarded Patient", "safeguarding"),
        outbox.create("case-c", "riverside", "Complaining Patient", "complaint"),
        outbox.create("case-o", "riverside", "Open Patient", "sign_up"),
    ];
    server.push_ok(&ben, &ops).await;
    assert_eq!(server.visible_patients(&asha).await, ["Open Patient"]);
    assert_eq!(server.visible_patients(&ben).await, ["Safeguarded Patient", "Complaining Patient", "Open Patient"]);
    assert_eq!(server.visible_patients(&carys).await.len(), 3, "a supervisor sees every case of the site");
}

#[tokio::test]
async fn a_restricted_case_is_visible_to_its_owner() {
    let server = TestServer::new().await;
    let ben = server.sign_in("ben@riverside.test", "tablet-b").await;
    let carys = server.sign_in("carys@riverside.test", "tablet-c").await;
    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let mut bens = Outbox::new(&ben);
    server.push_ok(&ben, &[bens.create("case-s", "riverside", "Safeguarded Patient", "safeguarding")]).await;
    assert!(server.visible_patients(&asha).await.is_empty());
    let mut caryss = Outbox::new(&carys);
    let assign = caryss.op(
        "case-s",
        OpBody::SetField { field: "owner".into(), value: staff_id("asha@riverside.test"), replaces: None },
    );
    crate::support::assert_applied(&server.push_ok(&carys, &[assign]).await.results[0]);
    assert_eq!(server.visible_patients(&asha).await, ["Safeguarded Patient"]);
}

#[tokio::test]
async fn cursor_paging_returns_every_record_once_in_version_order() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops: Vec<_> =
        (1..=7).map(|i| outbox.create(&format!("case-{i}"), "riverside", &format!("Patient {i}"), "sign_up")).collect();
    server.push_ok(&tablet, &ops).await;
    let mut cursor = 0;
    let mut pages = Vec::new();
    loop {
        let page = server.pull(&tablet, cursor, Some(3)).await;
        assert!(page.records.len() <= 3);
        assert!(page.cursor > cursor || page.records.is_empty(), "the cursor moves on");
        pages.push(page.records.iter().map(|r| r.id.to_string()).collect::<Vec<_>>());
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, [vec!["case-1", "case-2", "case-3"], vec!["case-4", "case-5", "case-6"], vec!["case-7"]]);
    let after = server.pull(&tablet, cursor, Some(3)).await;
    assert!(after.records.is_empty() && !after.more);
    assert_eq!(after.cursor, cursor);
}

#[tokio::test]
async fn an_edited_record_comes_again_with_its_new_version() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    server.push_ok(&tablet, &[outbox.create("case-1", "riverside", "Ada Example", "sign_up")]).await;
    let first = server.pull(&tablet, 0, None).await;
    server.push_ok(&tablet, &[outbox.note("case-1", "later")]).await;
    let second = server.pull(&tablet, first.cursor, None).await;
    assert_eq!(second.records.len(), 1);
    assert!(second.records[0].version > first.records[0].version);
    assert_eq!(second.records[0].timeline[0].text, "later");
}

#[tokio::test]
async fn records_the_caller_may_not_see_still_advance_the_cursor() {
    let server = TestServer::new().await;
    let riverside = server.sign_in("asha@riverside.test", "tablet-r").await;
    let hilltop = server.sign_in("dan@hilltop.test", "tablet-h").await;
    let mut h = Outbox::new(&hilltop);
    server
        .push_ok(
            &hilltop,
            &[h.create("case-1", "hilltop", "A", "sign_up"), h.create("case-2", "hilltop", "B", "sign_up")],
        )
        .await;
    let page = server.pull(&riverside, 0, Some(1)).await;
    assert!(page.records.is_empty());
    assert!(!page.more);
    assert_eq!(page.cursor, 2, "the cursor reaches the head of the change log");
}

#[tokio::test]
async fn every_pull_is_audited_with_how_many_records_it_returned() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    server.push_ok(&tablet, &[outbox.create("case-1", "riverside", "A", "sign_up")]).await;
    server.pull(&tablet, 0, None).await;
    let log = server.store.audit_log().await.unwrap();
    let pull = log.iter().find(|e| e.entry.action == "pull").expect("a pull entry");
    assert_eq!(pull.entry.detail["records"], 1);
    assert_eq!(pull.entry.staff.as_ref().unwrap(), &tablet.staff);
    assert_eq!(pull.entry.device.as_ref().unwrap(), &tablet.device);
}

#[tokio::test]
async fn a_bad_cursor_or_limit_is_a_422_problem() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    for query in ["cursor=-1", "cursor=abc", "limit=0", "cursor=99999999999999999999999"] {
        let response = server.send(Method::GET, &format!("/api/v1/pull?{query}"), Some(&tablet.token), None).await;
        response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    }
}
