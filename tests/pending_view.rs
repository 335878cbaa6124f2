//! Browser tests of what the screens show: confirmed records with this device's own
//! operations on top, read from IndexedDB.
#![cfg(target_arch = "wasm32")]

mod support;

use portal_desk::case_view::{case_view, case_views};
use portal_desk_core::case::CaseStatus;
use portal_desk_core::protocol::{OpResult, PullResponse, PushResponse};
use portal_desk_core::{OpBody, Outcome, RecordId};
use support::{asha, confirmed, create, fresh_store};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_new_case_shows_at_once_stays_shown_after_the_push_and_loses_the_mark_once_synced() {
    let store = fresh_store().await;
    let device = store.device().clone();
    let case = RecordId::from("c");
    let ops = store.record_changes(&asha(), vec![(case.clone(), create("Ada Lovelace"))]).await.unwrap();

    let views = case_views(store.local_state().await.unwrap(), &device);
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].patient_name(), "Ada Lovelace");
    assert!(views[0].unsynced);

    let response = PushResponse {
        applied_through: 1,
        results: vec![OpResult { op: ops[0].id.clone(), seq: 1, outcome: Outcome::Applied }],
    };
    store.settle_push(&response).await.unwrap();
    let views = case_views(store.local_state().await.unwrap(), &device);
    assert_eq!(views.len(), 1, "pushed but not yet pulled: still shown, never flickers away");
    assert!(!views[0].unsynced);

    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let page = PullResponse { records: vec![confirmed(&ops, 1)], cursor: 1, more: false };
    store.apply_pull_page(&asha(), &ticket, page).await.unwrap();
    let views = case_views(store.local_state().await.unwrap(), &device);
    assert_eq!(views.len(), 1);
    assert!(!views[0].unsynced);
    assert_eq!(views[0].record.version, 1);
}

#[wasm_bindgen_test]
async fn a_pending_status_change_shows_over_the_confirmed_record() {
    let store = fresh_store().await;
    let device = store.device().clone();
    let case = RecordId::from("c");
    let created = store.record_changes(&asha(), vec![(case.clone(), create("Ada"))]).await.unwrap();
    let record = confirmed(&created, 1);
    let seen = record.fields["status"].clock.clone();
    let response = PushResponse {
        applied_through: 1,
        results: vec![OpResult { op: created[0].id.clone(), seq: 1, outcome: Outcome::Applied }],
    };
    store.settle_push(&response).await.unwrap();
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    store
        .apply_pull_page(&asha(), &ticket, PullResponse { records: vec![record], cursor: 1, more: false })
        .await
        .unwrap();
    let change = OpBody::SetField { field: "status".into(), value: "in_progress".into(), replaces: Some(seen) };
    store.record_changes(&asha(), vec![(case.clone(), change)]).await.unwrap();

    let view = case_view(&case, store.local_state_of(&case).await.unwrap(), &device).unwrap();
    assert_eq!(view.status(), CaseStatus::InProgress);
    assert!(view.unsynced);
    assert!(view.record.conflicts.is_empty(), "a change made having seen the current value is no clash");
}

#[wasm_bindgen_test]
async fn a_rejected_change_is_rolled_back_in_the_view_and_kept_with_its_reason() {
    let store = fresh_store().await;
    let device = store.device().clone();
    let case = RecordId::from("c");
    let ops = store
        .record_changes(
            &asha(),
            vec![
                (case.clone(), create("Ada")),
                (case.clone(), OpBody::SetField { field: "status".into(), value: "closed".into(), replaces: None }),
            ],
        )
        .await
        .unwrap();
    let response = PushResponse {
        applied_through: 2,
        results: vec![
            OpResult { op: ops[0].id.clone(), seq: 1, outcome: Outcome::Applied },
            OpResult {
                op: ops[1].id.clone(),
                seq: 2,
                outcome: Outcome::Rejected { code: "forbidden".into(), reason: "Not yours to close".into() },
            },
        ],
    };
    store.settle_push(&response).await.unwrap();

    let view = case_view(&case, store.local_state_of(&case).await.unwrap(), &device).unwrap();
    assert_eq!(view.status(), CaseStatus::New);
    assert_eq!(store.rejected().await.unwrap()[0].reason, "Not yours to close");
}
