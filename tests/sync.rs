//! Browser tests of the sync loop against a scripted server that follows the protocol
//! with the core's own rules (`plan_push`, `apply_op`), and can be told to fail.
#![cfg(target_arch = "wasm32")]

mod support;

use portal_desk::api::ApiError;
use portal_desk::session::Session;
use portal_desk::sync::{sync_once, SyncError, Transport};
use portal_desk::views::{RefusedView, View, ViewReport, ViewsRecorded};
use portal_desk_core::protocol::{
    plan_push, OpResult, PullResponse, PushError, PushRequest, PushResponse, PushStep, SiteSummary, StaffProfile,
};
use portal_desk_core::{apply_op, OpBody, Outcome, Record, RecordId};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use support::{asha, create, create_at, fresh_store};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A server in memory: one device's applied sequence number and a change log.
#[derive(Default)]
struct ScriptedServer {
    last_applied: Cell<u64>,
    version: Cell<u64>,
    records: RefCell<BTreeMap<RecordId, Record>>,
    /// Failures to answer with, one per call, before behaving normally.
    failures: RefCell<VecDeque<ApiError>>,
    page_size: usize,
    pushes: Cell<usize>,
    /// Sites whose records the caller may no longer see.
    hidden_sites: RefCell<Vec<String>>,
    /// The cursor of every pull asked for.
    pulled_from: RefCell<Vec<u64>>,
    /// The ids of the views audited, and how many reports arrived.
    audited: RefCell<Vec<String>>,
    view_reports: Cell<usize>,
    /// Apply the next push but lose the answer on the way back, as a dropped connection does.
    lose_next_answer: Cell<bool>,
}

impl ScriptedServer {
    fn new(page_size: usize) -> Self {
        ScriptedServer { page_size, ..Default::default() }
    }

    fn fail_next(&self, error: ApiError) {
        self.failures.borrow_mut().push_back(error);
    }

    fn store(&self, mut record: Record) {
        self.version.set(self.version.get() + 1);
        record.version = self.version.get();
        self.records.borrow_mut().insert(record.id.clone(), record);
    }
}

impl Transport for ScriptedServer {
    async fn push(&self, _token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        self.pushes.set(self.pushes.get() + 1);
        if let Some(error) = self.failures.borrow_mut().pop_front() {
            return Err(error);
        }
        let steps = match plan_push(&request.device, self.last_applied.get(), &request.ops) {
            Ok(steps) => steps,
            Err(PushError::Gap { expected, .. }) => return Err(ApiError::Gap { expected }),
            Err(other) => panic!("the app sent a bad push: {other}"),
        };
        let mut results = Vec::new();
        for step in steps {
            let (op, outcome) = match step {
                PushStep::Replay(op) => (op, Outcome::Applied),
                PushStep::Apply(op) => {
                    let current = self.records.borrow().get(&op.record).cloned();
                    let (changed, outcome) = apply_op(current, op);
                    if let Some(record) = changed {
                        self.store(record);
                    }
                    self.last_applied.set(op.seq);
                    (op, outcome)
                }
            };
            results.push(OpResult { op: op.id.clone(), seq: op.seq, outcome });
        }
        if self.lose_next_answer.replace(false) {
            return Err(ApiError::Offline);
        }
        Ok(PushResponse { applied_through: self.last_applied.get(), results })
    }

    async fn pull(&self, _token: &str, cursor: u64, _limit: usize) -> Result<PullResponse, ApiError> {
        self.pulled_from.borrow_mut().push(cursor);
        if let Some(error) = self.failures.borrow_mut().pop_front() {
            return Err(error);
        }
        let hidden = self.hidden_sites.borrow();
        let mut changed: Vec<Record> = self
            .records
            .borrow()
            .values()
            .filter(|r| r.version > cursor && !hidden.iter().any(|s| s == r.site.as_str()))
            .cloned()
            .collect();
        changed.sort_by_key(|r| r.version);
        let more = changed.len() > self.page_size;
        changed.truncate(self.page_size);
        let cursor = changed.last().map_or(cursor, |r| r.version);
        Ok(PullResponse { records: changed, cursor, more })
    }

    /// Follows the server's rules: a time in the future refuses the whole report (422);
    /// a view by someone never signed in here is refused; one seen before is audited once.
    async fn report_views(&self, _token: &str, report: &ViewReport<'_>) -> Result<ViewsRecorded, ApiError> {
        self.view_reports.set(self.view_reports.get() + 1);
        if report.views.iter().any(|v| v.at_ms >= FUTURE_MS) {
            let detail = "the time is in the future: set the device's date and time correctly".to_owned();
            return Err(ApiError::Problem { status: 422, title: "Invalid request".into(), detail });
        }
        let mut answer = ViewsRecorded::default();
        for view in report.views {
            if view.by != asha() {
                answer.refused.push(RefusedView { view: view.id.clone(), reason: "never signed in here".into() });
            } else if !self.audited.borrow().contains(&view.id) {
                self.audited.borrow_mut().push(view.id.clone());
            }
        }
        Ok(answer)
    }
}

/// Later than any view's time the scripted server accepts, like the real one's drift limit.
const FUTURE_MS: u64 = u64::MAX / 2;

fn session() -> Session {
    Session {
        token: "token".into(),
        expires_at_ms: u64::MAX,
        staff: StaffProfile {
            id: asha(),
            name: "Asha Patel".into(),
            email: "asha.patel@riverside.example".into(),
            role: "analyst".into(),
            sites: vec![SiteSummary { id: "riverside".into(), name: "Riverside Clinic".into() }],
        },
    }
}

#[wasm_bindgen_test]
async fn changes_made_offline_stay_until_the_server_is_back_then_arrive_once() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    let case = RecordId::from("c");
    store
        .record_changes(
            &asha(),
            vec![(case.clone(), create("Ada")), (case.clone(), OpBody::AppendNote { text: "Rang".into() })],
        )
        .await
        .unwrap();
    server.fail_next(ApiError::Offline);

    let offline = sync_once(&store, &server, &session(), &|_| {}).await.unwrap_err();
    assert!(offline.is_offline());
    assert_eq!(store.counts().await.unwrap(), (2, 0), "nothing leaves the outbox while offline");

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!(report.pushed, 2);
    assert_eq!(store.counts().await.unwrap(), (0, 0));
    let state = store.local_state().await.unwrap();
    assert!(state.outbox.is_empty() && state.acked.is_empty());
    assert_eq!(state.records.len(), 1);
    assert_eq!(state.records[0].timeline.len(), 1, "the note arrived exactly once");

    // Sending again changes nothing: the outbox is empty and the record is the same.
    sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!(server.records.borrow()[&case].timeline.len(), 1);
}

#[wasm_bindgen_test]
async fn an_expired_sign_in_keeps_the_outbox_and_asks_to_sign_in() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    server.fail_next(ApiError::Unauthorized { detail: "expired".into() });

    let error = sync_once(&store, &server, &session(), &|_| {}).await.unwrap_err();
    assert!(error.needs_sign_in());
    assert_eq!(store.counts().await.unwrap(), (1, 0));
}

#[wasm_bindgen_test]
async fn a_rejected_change_moves_to_the_rejected_store_and_the_rest_sync() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    let case = RecordId::from("c");
    store
        .record_changes(
            &asha(),
            vec![
                (case.clone(), create("Ada")),
                (case.clone(), OpBody::SetField { field: "priority".into(), value: "sky-high".into(), replaces: None }),
                (case.clone(), OpBody::AppendNote { text: "Rang".into() }),
            ],
        )
        .await
        .unwrap();

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!((report.pushed, report.rejected), (3, 1));
    let rejected = store.rejected().await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].op.seq, 2);
    assert_eq!(rejected[0].code, "invalid_field");
    assert!(!rejected[0].reason.is_empty());
    assert_eq!(store.counts().await.unwrap(), (0, 1));
}

#[wasm_bindgen_test]
async fn a_server_that_lost_earlier_changes_is_reported_not_looped_on() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    store.record_changes(&asha(), vec![(RecordId::from("d"), create("Bea"))]).await.unwrap();
    // The first change was acknowledged by a server that has since lost it.
    let outbox = store.outbox().await.unwrap();
    let ack = PushResponse {
        applied_through: 1,
        results: vec![OpResult { op: outbox[0].id.clone(), seq: 1, outcome: Outcome::Applied }],
    };
    store.settle_push(&ack).await.unwrap();

    let error = sync_once(&store, &server, &session(), &|_| {}).await.unwrap_err();
    assert_eq!(error, SyncError::MissingOnServer { expected: 1, oldest: 2 });
    assert_eq!(server.pushes.get(), 1);
    assert_eq!(store.counts().await.unwrap(), (1, 0), "the change the server still needs is kept");
}

/// A case created on the server by another device, as a record.
fn created_elsewhere(i: u64, name: &str, site: &str) -> Record {
    let op = portal_desk_core::Op {
        id: format!("other-{i}").as_str().into(),
        device: "other-tablet".into(),
        seq: i + 1,
        hlc: portal_desk_core::Hlc { wall_ms: 1_000 + i, counter: 0, device: "other-tablet".into() },
        actor: "ben".into(),
        record: RecordId::from(name),
        body: create_at(name, site),
        signature: None,
    };
    apply_op(None, &op).0.unwrap()
}

#[wasm_bindgen_test]
async fn pulls_page_until_the_server_has_no_more() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(2);
    for (i, name) in ["Ada", "Bea", "Cy"].iter().enumerate() {
        server.store(created_elsewhere(i as u64, name, "riverside"));
    }

    let heard = std::cell::RefCell::new(Vec::new());
    let report = sync_once(&store, &server, &session(), &|count| heard.borrow_mut().push(count)).await.unwrap();
    assert_eq!(report.pulled, 3);
    assert_eq!(*heard.borrow(), [2], "progress is told after each page but the last");
    assert_eq!(store.cursor(&asha()).await.unwrap(), 3);
    assert_eq!(store.local_state().await.unwrap().records.len(), 3);
}

#[wasm_bindgen_test]
async fn a_revoked_device_is_told_so_and_nothing_is_settled() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    server.fail_next(ApiError::DeviceRevoked { detail: "revoked".into() });

    let error = sync_once(&store, &server, &session(), &|_| {}).await.unwrap_err();
    assert!(error.is_revoked());
    assert!(!error.needs_sign_in() && !error.is_offline());
}

fn sites_changed() -> ApiError {
    ApiError::SitesChanged { drop_sites: vec!["hilltop".into()], new_sites: vec!["oak".into()] }
}

#[wasm_bindgen_test]
async fn a_change_of_sites_drops_the_left_sites_cases_and_pulls_again_from_the_start() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    server.store(created_elsewhere(0, "Ada", "riverside"));
    server.store(created_elsewhere(1, "Hal", "hilltop"));
    sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!(store.local_state().await.unwrap().records.len(), 2);
    assert_eq!(store.cursor(&asha()).await.unwrap(), 2);

    // Asha moves from Hilltop to Oak: the server hides Hilltop and says so once.
    server.hidden_sites.borrow_mut().push("hilltop".into());
    server.store(created_elsewhere(2, "Olu", "oak"));
    server.fail_next(sites_changed());
    server.pulled_from.borrow_mut().clear();

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();

    assert_eq!(*server.pulled_from.borrow(), [2, 0], "told once, then pulled again from 0 in the same run");
    let change = report.sites_changed.expect("the run reports the change");
    assert_eq!((change.dropped, change.added, change.removed), (vec!["hilltop".into()], vec!["oak".into()], 1));
    let held: Vec<String> = store.local_state().await.unwrap().records.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(held, ["Ada", "Olu"], "Hilltop's case is gone and Oak's has arrived");
    assert_eq!(store.cursor(&asha()).await.unwrap(), 3);
}

#[wasm_bindgen_test]
async fn a_second_change_of_sites_in_one_run_is_reported_not_looped_on() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    server.fail_next(sites_changed());
    server.fail_next(sites_changed());

    let error = sync_once(&store, &server, &session(), &|_| {}).await.unwrap_err();

    assert_eq!(error, SyncError::Api(sites_changed()));
    assert_eq!(server.pulled_from.borrow().len(), 2);
}

fn view(id: &str, by: &str, at_ms: u64) -> View {
    View {
        id: id.into(),
        record: RecordId::from("c"),
        by: by.into(),
        at_ms,
        reason: None,
        signature: None,
        refused: None,
    }
}

#[wasm_bindgen_test]
async fn views_are_reported_after_the_push_and_only_refused_ones_stay_with_their_reason() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    // Reported before, by a run whose answer was lost.
    server.audited.borrow_mut().push("seen".into());
    for v in [
        view("seen", "asha", 1),
        view("new", "asha", 2),
        view("stranger", "mallory", 3),
        view("ahead", "asha", FUTURE_MS),
    ] {
        store.record_view(v).await.unwrap();
    }
    assert_eq!(store.pending_views(100).await.unwrap().len(), 4, "opened cases wait to be reported");

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();

    assert_eq!(report.views, 4);
    assert_eq!(*server.audited.borrow(), ["seen", "new"], "audited once each");
    assert!(store.pending_views(100).await.unwrap().is_empty());
    let kept: Vec<(String, bool)> =
        store.views().await.unwrap().into_iter().map(|v| (v.id, v.refused.is_some_and(|r| !r.is_empty()))).collect();
    assert_eq!(kept, [("ahead".to_owned(), true), ("stranger".to_owned(), true)], "refused views keep the reason");

    let reports = server.view_reports.get();
    let again = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!((again.views, server.view_reports.get()), (0, reports), "refused views are not sent again");
}

#[wasm_bindgen_test]
async fn a_rejected_change_sent_again_is_a_new_change_that_reaches_the_server_once() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    // A note on a case the server does not have yet: rejected.
    let case = RecordId::from("Ada");
    store.record_changes(&asha(), vec![(case.clone(), OpBody::AppendNote { text: "Rang back".into() })]).await.unwrap();
    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!(report.rejected, 1);
    let original = store.rejected().await.unwrap().remove(0).op;

    // A colleague creates the case; Asha sends the note again.
    server.store(created_elsewhere(0, "Ada", "riverside"));
    let retried = store.retry_rejected(original.seq, &asha()).await.unwrap();
    assert_eq!(retried.seq, 2, "it goes to the end of the outbox with the next sequence number");
    assert_ne!(retried.id, original.id, "a new operation id: the server refuses an old one as a duplicate");
    assert!(retried.hlc > original.hlc, "a fresh clock tick");
    assert_eq!((retried.record.clone(), retried.body.clone()), (original.record.clone(), original.body.clone()));
    assert_eq!(store.counts().await.unwrap(), (1, 0), "back in the outbox, out of the rejected list");
    assert!(store.retry_rejected(original.seq, &asha()).await.is_err(), "a second tap does not send it twice");

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!((report.pushed, report.rejected), (1, 0));
    assert_eq!(server.records.borrow()[&case].timeline.len(), 1, "the note arrived once");
    assert_eq!(store.counts().await.unwrap(), (0, 0));
}

#[wasm_bindgen_test]
async fn a_dismissed_change_is_kept_in_the_dismissed_list_and_never_sent() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    let case = RecordId::from("c");
    store
        .record_changes(
            &asha(),
            vec![
                (case.clone(), create("Ada")),
                (case.clone(), OpBody::SetField { field: "priority".into(), value: "sky-high".into(), replaces: None }),
            ],
        )
        .await
        .unwrap();
    sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    let rejected = store.rejected().await.unwrap().remove(0);

    let dismissed = store.dismiss_rejected(rejected.op.seq, &asha(), "Asha Patel").await.unwrap();
    assert_eq!(dismissed.rejected, rejected, "kept whole, with the server's reason");
    assert_eq!(store.counts().await.unwrap(), (0, 0));
    assert_eq!(store.dismissed().await.unwrap(), vec![dismissed.clone()]);
    assert_eq!((dismissed.by, dismissed.by_name.as_str()), (asha(), "Asha Patel"));
    assert!(store.dismiss_rejected(rejected.op.seq, &asha(), "Asha Patel").await.is_err());
    assert_eq!(store.dismissed().await.unwrap().len(), 1, "dismissed once");

    let pushes = server.pushes.get();
    sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!(server.pushes.get(), pushes, "nothing is sent");
}

#[wasm_bindgen_test]
async fn a_long_outbox_goes_in_batches_and_a_failure_part_way_resumes_where_it_stopped() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    let case = RecordId::from("c");
    let mut changes = vec![(case.clone(), create("Ada"))];
    changes.extend((1..450).map(|i| (case.clone(), OpBody::AppendNote { text: format!("Note {i}") })));
    store.record_changes(&asha(), changes).await.unwrap();
    // The first batch goes through; the second finds the network gone.
    let flaky = NthPushFails { server: &server, fail_on: 2, error: ApiError::Offline };
    let error = sync_once(&store, &flaky, &session(), &|_| {}).await.unwrap_err();
    assert!(error.is_offline());
    assert_eq!(server.last_applied.get(), 200, "one full batch of 200 was applied");
    assert_eq!(store.counts().await.unwrap(), (250, 0), "only what the server dealt with left the outbox");

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!(report.pushed, 250, "the run resumed from the first change still waiting");
    assert_eq!(server.records.borrow()[&case].timeline.len(), 449, "every note arrived once");
    assert_eq!(store.counts().await.unwrap(), (0, 0));
}

#[wasm_bindgen_test]
async fn a_push_applied_but_whose_answer_was_lost_is_sent_again_and_applied_once() {
    let store = fresh_store().await;
    let server = ScriptedServer::new(100);
    let case = RecordId::from("c");
    store
        .record_changes(
            &asha(),
            vec![(case.clone(), create("Ada")), (case.clone(), OpBody::AppendNote { text: "Rang".into() })],
        )
        .await
        .unwrap();
    server.lose_next_answer.set(true);

    let lost = sync_once(&store, &server, &session(), &|_| {}).await.unwrap_err();
    assert!(lost.is_offline());
    assert_eq!(server.last_applied.get(), 2, "the server applied the push");
    assert_eq!(store.counts().await.unwrap(), (2, 0), "but the device never heard, so it keeps both");

    let report = sync_once(&store, &server, &session(), &|_| {}).await.unwrap();
    assert_eq!((report.pushed, report.rejected), (2, 0), "answered as replays");
    assert_eq!(server.records.borrow()[&case].timeline.len(), 1, "the note is on the server once");
    assert_eq!(store.counts().await.unwrap(), (0, 0));
}

/// The scripted server, but the `fail_on`-th push (counting from 1) fails with `error`.
struct NthPushFails<'a> {
    server: &'a ScriptedServer,
    fail_on: usize,
    error: ApiError,
}

impl Transport for NthPushFails<'_> {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        if self.server.pushes.get() + 1 == self.fail_on {
            self.server.pushes.set(self.server.pushes.get() + 1);
            return Err(self.error.clone());
        }
        self.server.push(token, request).await
    }

    async fn pull(&self, token: &str, cursor: u64, limit: usize) -> Result<PullResponse, ApiError> {
        self.server.pull(token, cursor, limit).await
    }

    async fn report_views(&self, token: &str, report: &ViewReport<'_>) -> Result<ViewsRecorded, ApiError> {
        self.server.report_views(token, report).await
    }
}
