//! Browser tests of the IndexedDB store: the one-transaction write of an operation with
//! its counters, settling a push, and applying a pull page.
#![cfg(target_arch = "wasm32")]

mod support;

use portal_desk::store::Store;
use portal_desk_core::protocol::client::Replica;
use portal_desk_core::protocol::{OpResult, PullResponse, PushResponse};
use portal_desk_core::{OpBody, Outcome, RecordId};
use support::{asha, confirmed, create, create_at, fresh_store};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_change_and_its_counters_are_written_together_and_read_back_in_order() {
    let store = fresh_store().await;
    let case = RecordId::from("case-1");
    let written = store
        .record_changes(
            &asha(),
            vec![(case.clone(), create("Ada Lovelace")), (case.clone(), OpBody::AppendNote { text: "Rang".into() })],
        )
        .await
        .unwrap();
    let more = store.record_changes(&asha(), vec![(case.clone(), OpBody::Archive)]).await.unwrap();

    let outbox = store.outbox().await.unwrap();
    let seqs: Vec<u64> = outbox.iter().map(|op| op.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "sequence numbers come from meta, with no gaps or repeats");
    assert_eq!(outbox[..2], written[..]);
    assert_eq!(outbox[2], more[0]);
    assert!(outbox[0].hlc < outbox[1].hlc && outbox[1].hlc < outbox[2].hlc, "the clock ticks inside the write");
    assert!(outbox.iter().all(|op| &op.device == store.device() && op.actor == asha()));
    assert_eq!(store.counts().await.unwrap(), (3, 0));
}

/// Pulls a colleague's case made on a tablet whose clock runs a minute ahead, so the
/// device's clock moves past it; returns the colleague's operation.
async fn pull_a_case_stamped_ahead(store: &Store) -> portal_desk_core::Op {
    let ahead = js_sys::Date::now() as u64 + 60_000;
    let mut colleague = Replica::new("colleague-tablet".into());
    let theirs =
        colleague.make("op-theirs".into(), "ben".into(), RecordId::from("theirs"), create("Bea"), ahead).clone();
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let page = PullResponse { records: vec![confirmed(std::slice::from_ref(&theirs), 1)], cursor: 1, more: false };
    store.apply_pull_page(&asha(), &ticket, page).await.unwrap();
    theirs
}

#[wasm_bindgen_test]
async fn a_write_after_another_writer_moved_the_counters_on_is_made_from_the_stored_ones() {
    let store = fresh_store().await;
    let mine = RecordId::from("mine");
    store.record_changes(&asha(), vec![(mine.clone(), create("Ada"))]).await.unwrap();
    store.record_changes(&asha(), vec![(mine.clone(), OpBody::AppendNote { text: "Rang".into() })]).await.unwrap();
    // Pulling a colleague's case moves this device's clock on, behind the note this tab
    // keeps of the counters its own last write left — as another tab's write would.
    let theirs = pull_a_case_stamped_ahead(&store).await;

    let next = store.record_changes(&asha(), vec![(mine.clone(), OpBody::Archive)]).await.unwrap();
    assert!(next[0].hlc > theirs.hlc, "stamped from the stored clock, after what the pull brought");
    let last = store
        .record_changes(&asha(), vec![(mine.clone(), OpBody::AppendNote { text: "Called back".into() })])
        .await
        .unwrap();
    assert!(last[0].hlc > next[0].hlc);
    let outbox = store.outbox().await.unwrap();
    let seqs: Vec<u64> = outbox.iter().map(|op| op.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4], "numbered on from the stored counter, each change once");
    assert_eq!(outbox[2..], [next[0].clone(), last[0].clone()]);
}

#[wasm_bindgen_test]
async fn a_note_older_than_an_ended_epoch_of_markers_is_refused_although_its_marker_was_cleared() {
    let store = fresh_store().await;
    let mine = RecordId::from("mine");
    store.record_changes(&asha(), vec![(mine.clone(), create("Ada"))]).await.unwrap();
    store.record_changes(&asha(), vec![(mine.clone(), OpBody::AppendNote { text: "Rang".into() })]).await.unwrap();
    // A pull moves the clock past this tab's note of it; then enough pulls that the
    // epoch of markers ends, and the marker of the first pull's move, which refused
    // the note until then, is cleared.
    let theirs = pull_a_case_stamped_ahead(&store).await;
    for cursor in 2..=300 {
        let ticket = store.pull_ticket(&asha()).await.unwrap();
        store.apply_pull_page(&asha(), &ticket, PullResponse { records: vec![], cursor, more: false }).await.unwrap();
    }

    let next = store.record_changes(&asha(), vec![(mine.clone(), OpBody::Archive)]).await.unwrap();
    assert!(next[0].hlc > theirs.hlc, "stamped from the stored clock, not from a note of an ended epoch");
    let seqs: Vec<u64> = store.outbox().await.unwrap().iter().map(|op| op.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let shown = store.local_state_of(&mine).await.unwrap();
    assert_eq!(shown.outbox.last(), next.last(), "the copy of the outbox in memory has the write");
}

// Counts, from here on, the page's reads of single values, its explicit commits and its
// requests that write (the browser's own API, watched from outside the app).
#[wasm_bindgen(inline_js = "
export function watchRequests() {
  const counts = { get: 0, commit: 0, write: 0 };
  const proto = IDBObjectStore.prototype;
  const { get, put, add, delete: del } = proto;
  const commit = IDBTransaction.prototype.commit;
  proto.get = function (...args) { counts.get += 1; return get.apply(this, args); };
  for (const [name, original] of [['put', put], ['add', add], ['delete', del]]) {
    proto[name] = function (...args) { counts.write += 1; return original.apply(this, args); };
  }
  IDBTransaction.prototype.commit = function () { counts.commit += 1; return commit.call(this); };
  return () => {
    Object.assign(proto, { get, put, add, delete: del });
    IDBTransaction.prototype.commit = commit;
    return [counts.get, counts.commit, counts.write];
  };
}")]
extern "C" {
    #[wasm_bindgen(js_name = watchRequests)]
    fn watch_requests() -> js_sys::Function;
}

#[wasm_bindgen_test]
async fn a_write_after_this_tabs_own_reads_nothing_and_is_committed_at_once() {
    let store = fresh_store().await;
    let case = RecordId::from("c");
    store.record_changes(&asha(), vec![(case.clone(), create("Ada"))]).await.unwrap();
    let stop = watch_requests();
    store.record_changes(&asha(), vec![(case.clone(), OpBody::AppendNote { text: "Rang".into() })]).await.unwrap();
    let counts: Vec<f64> =
        js_sys::Array::from(&stop.call0(&JsValue::NULL).unwrap()).iter().filter_map(|n| n.as_f64()).collect();
    // Five writes: the change, the pending version and the marker of its move, the probe
    // of the note's epoch, and the last sequence number with the clock.
    assert_eq!(counts, [0.0, 1.0, 5.0], "made from the note: no counter read, one explicit commit, five writes");
    let seqs: Vec<u64> = store.outbox().await.unwrap().iter().map(|op| op.seq).collect();
    assert_eq!(seqs, [1, 2]);
}

// Records the durability asked for by every readwrite transaction the page opens from
// here on, as "stores:durability" (the browser's own API, watched from outside the app).
#[wasm_bindgen(inline_js = "
export function watchDurability() {
  const seen = [];
  const open = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, options) {
    const tx = open.call(this, stores, mode, options);
    if (mode === 'readwrite') seen.push([...tx.objectStoreNames].join(',') + ':' + tx.durability);
    return tx;
  };
  return () => { IDBDatabase.prototype.transaction = open; return seen; };
}")]
extern "C" {
    #[wasm_bindgen(js_name = watchDurability)]
    fn watch_durability() -> js_sys::Function;
}

#[wasm_bindgen_test]
async fn what_a_person_does_is_committed_to_the_disk_and_a_pull_page_is_not_held_to_it() {
    let store = fresh_store().await;
    let stop = watch_durability();
    let ops = store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    store.record_changes(&asha(), vec![(RecordId::from("c"), OpBody::Archive)]).await.unwrap();
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let page = PullResponse { records: vec![confirmed(&ops, 1)], cursor: 1, more: false };
    store.apply_pull_page(&asha(), &ticket, page).await.unwrap();
    let seen: Vec<String> = js_sys::Array::from(&stop.call0(&JsValue::NULL).unwrap())
        .iter()
        .map(|entry| entry.as_string().unwrap())
        .collect();
    let writes: Vec<&String> = seen.iter().filter(|s| s.starts_with("epochs,meta,outbox:")).collect();
    assert_eq!(writes.len(), 2, "each change is one transaction over the outbox and the counters: {seen:?}");
    assert!(writes.iter().all(|s| s.ends_with(":strict")), "a person's change waits for the disk: {seen:?}");
    let pulled: Vec<&String> = seen.iter().filter(|s| s.contains("records")).collect();
    assert!(
        !pulled.is_empty() && pulled.iter().all(|s| !s.ends_with(":strict")),
        "a pull page keeps the default: {seen:?}"
    );
}

#[wasm_bindgen_test]
async fn the_device_id_and_counters_survive_reopening() {
    let name = format!("portal-desk-test-{}", portal_desk::browser::new_uuid());
    let store = Store::open_named(&name).await.unwrap();
    support::unlock(&store).await;
    let device = store.device().clone();
    store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    store.close();

    let reopened = Store::open_named(&name).await.unwrap();
    assert_eq!(reopened.device(), &device);
    let next = reopened.record_changes(&asha(), vec![(RecordId::from("c"), OpBody::Archive)]).await.unwrap();
    assert_eq!(next[0].seq, 2);
}

#[wasm_bindgen_test]
async fn a_pull_page_stores_its_records_and_the_cursor_and_retires_what_it_brought_back() {
    let store = fresh_store().await;
    let ops = store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    let ack = PushResponse {
        applied_through: 1,
        results: vec![OpResult { op: ops[0].id.clone(), seq: 1, outcome: Outcome::Applied }],
    };
    store.settle_push(&ack).await.unwrap();
    let before = store.local_state().await.unwrap();
    assert_eq!(before.acked.len(), 1, "an applied change stays shown until a pull brings it back");

    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let page = PullResponse { records: vec![confirmed(&ops, 7)], cursor: 7, more: false };
    let (more, cursor) = store.apply_pull_page(&asha(), &ticket, page.clone()).await.unwrap();

    assert_eq!((more, cursor), (false, 7));
    assert_eq!(store.cursor(&asha()).await.unwrap(), 7);
    assert_eq!(store.cursor(&"ben".into()).await.unwrap(), 0, "each person keeps their own cursor");
    let after = store.local_state().await.unwrap();
    assert_eq!(after.records, page.records);
    assert!(after.acked.is_empty() && after.outbox.is_empty());
}

#[wasm_bindgen_test]
async fn an_older_copy_of_a_record_never_replaces_a_newer_one() {
    let store = fresh_store().await;
    let ops = store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    let newer = confirmed(&ops, 9);
    let mut older = confirmed(&ops, 3);
    older.fields.get_mut("patient_name").unwrap().value = "Stale".into();
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    store
        .apply_pull_page(&asha(), &ticket, PullResponse { records: vec![newer.clone()], cursor: 9, more: false })
        .await
        .unwrap();
    store
        .apply_pull_page(&asha(), &ticket, PullResponse { records: vec![older], cursor: 3, more: false })
        .await
        .unwrap();

    let state = store.local_state().await.unwrap();
    assert_eq!(state.records, vec![newer]);
    assert_eq!(store.cursor(&asha()).await.unwrap(), 9);
}

#[wasm_bindgen_test]
async fn settling_removes_what_the_server_dealt_with_and_keeps_rejections_with_their_reason() {
    let store = fresh_store().await;
    let case = RecordId::from("c");
    let ops = store
        .record_changes(
            &asha(),
            vec![
                (case.clone(), create("Ada")),
                (case.clone(), OpBody::AppendNote { text: "   ".into() }),
                (case.clone(), OpBody::AppendNote { text: "Rang back".into() }),
            ],
        )
        .await
        .unwrap();
    let reason = "Write something in the note before adding it".to_owned();
    let response = PushResponse {
        applied_through: 2,
        results: vec![
            OpResult { op: ops[0].id.clone(), seq: 1, outcome: Outcome::Applied },
            OpResult {
                op: ops[1].id.clone(),
                seq: 2,
                outcome: Outcome::Rejected { code: "invalid_field".into(), reason: reason.clone() },
            },
        ],
    };

    let settled = store.settle_push(&response).await.unwrap();
    assert_eq!(settled.done_through, 2);

    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox, ops[2..], "only the operation the server has not seen stays");
    let state = store.local_state().await.unwrap();
    assert_eq!(state.acked.len(), 1);
    assert_eq!(state.acked[0].op, ops[0], "the applied one stays shown until a pull");
    let rejected = store.rejected().await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].op, ops[1]);
    assert_eq!(rejected[0].code, "invalid_field");
    assert_eq!(rejected[0].reason, reason);
    assert_eq!(store.counts().await.unwrap(), (1, 1));
}

#[wasm_bindgen_test]
async fn wiping_a_revoked_device_leaves_nothing_behind() {
    let store = fresh_store().await;
    let ops = store.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    store
        .apply_pull_page(&asha(), &ticket, PullResponse { records: vec![confirmed(&ops, 1)], cursor: 1, more: false })
        .await
        .unwrap();

    store.wipe().await.unwrap();

    // The key slots went too, and the key left memory: nothing opens the old data.
    assert!(!store.is_unlocked());
    assert!(!store.has_data_key().await.unwrap());
    assert!(store.pin_holders().await.unwrap().is_empty());
    // A later sign-in starts the device afresh, with a new data key and nothing in it.
    support::unlock(&store).await;
    let state = store.local_state().await.unwrap();
    assert!(state.records.is_empty() && state.acked.is_empty() && state.outbox.is_empty());
    assert_eq!(store.counts().await.unwrap(), (0, 0));
    assert_eq!(store.cursor(&asha()).await.unwrap(), 0);
    assert_eq!(store.session().await.unwrap(), None);
}

#[wasm_bindgen_test]
async fn dropping_a_site_removes_its_records_and_acked_changes_resets_the_cursor_and_keeps_the_outbox() {
    let store = fresh_store().await;
    let (hilltop, riverside) = (RecordId::from("h"), RecordId::from("r"));
    // Ben, who shares the tablet, has pulled too.
    let ben_ticket = store.pull_ticket(&"ben".into()).await.unwrap();
    store
        .apply_pull_page(&"ben".into(), &ben_ticket, PullResponse { records: vec![], cursor: 5, more: false })
        .await
        .unwrap();
    let ops = store
        .record_changes(
            &asha(),
            vec![
                (hilltop.clone(), create_at("Hal", "hilltop")),
                (hilltop.clone(), OpBody::AppendNote { text: "Rang".into() }),
                (riverside.clone(), create("Ada")),
            ],
        )
        .await
        .unwrap();
    // Asked before the acknowledgement, so the page does not retire the acked create.
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let ack = PushResponse {
        applied_through: 1,
        results: vec![OpResult { op: ops[0].id.clone(), seq: 1, outcome: Outcome::Applied }],
    };
    store.settle_push(&ack).await.unwrap();
    let page = PullResponse { records: vec![confirmed(&ops[..1], 1), confirmed(&ops[2..], 2)], cursor: 2, more: false };
    store.apply_pull_page(&asha(), &ticket, page).await.unwrap();
    assert_eq!(store.local_state().await.unwrap().acked.len(), 1);

    let removed = store.drop_sites(&asha(), &["hilltop".to_owned()]).await.unwrap();

    assert_eq!(removed, 1);
    let state = store.local_state().await.unwrap();
    let held: Vec<_> = state.records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(held, [riverside], "only the dropped site's record left");
    assert!(state.acked.is_empty(), "the acked create on the dropped record went with it");
    assert_eq!(state.outbox, ops[1..], "pending changes are the server's to settle");
    assert_eq!(store.cursor(&asha()).await.unwrap(), 0);
    assert_eq!(store.cursor(&"ben".into()).await.unwrap(), 5, "only this person's cursor is reset");
}
