//! Failure injection for the durable write of a change: when IndexedDB refuses a write in
//! the middle of recording a change (the operation already put in the outbox, the
//! device's counters not yet written), the transaction leaves neither half behind.
//!
//! The failure is a real one, made without any hook in the app: the test builds the
//! database's first version itself with a UNIQUE index on the `meta` store over the
//! stored text's `length`, lets the app's own migrations bring it up to date, then
//! fills `meta` with one value of every short length. The app's write of its sequence
//! counter then collides with a filler and IndexedDB answers `ConstraintError`, after
//! the outbox write in the same transaction has already succeeded.
#![cfg(target_arch = "wasm32")]

mod support;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk::store::schema;
use portal_desk::store::{Store, StoreError};
use portal_desk_core::{OpBody, RecordId};
use support::{asha, create};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The unique index that makes writes to `meta` collide.
const BY_LENGTH: &str = "by-length";
/// Fillers cover every stored length up to this.
const MAX_FILLER_LENGTH: usize = 600;

// The crate's IndexedDB wrapper is built without its index support (the app needs
// none), so the trapped first version is made with the browser's own API.
#[wasm_bindgen(inline_js = "
export function createTrapped(name, stores, meta, index) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const store of stores) db.createObjectStore(store);
      db.createObjectStore(meta).createIndex(index, 'length', { unique: true });
    };
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  });
}")]
extern "C" {
    #[wasm_bindgen(js_name = createTrapped)]
    fn create_trapped(name: &str, stores: Vec<JsValue>, meta: &str, index: &str) -> js_sys::Promise;
}

/// Creates database `name` at schema version 1 (the first five stores, as the app's
/// first step makes them) with the unique index added on `meta`.
async fn create_trapped_database(name: &str) {
    let stores = [schema::RECORDS, schema::OUTBOX, schema::ACKED, schema::REJECTED].map(JsValue::from_str).to_vec();
    JsFuture::from(create_trapped(name, stores, schema::META, BY_LENGTH)).await.expect("the trapped database is made");
}

/// The length IndexedDB's key path `length` sees in a stored value, if it has one.
fn stored_length(value: &JsValue) -> Option<usize> {
    match value.as_string() {
        Some(text) => Some(text.encode_utf16().count()),
        None => js_sys::Reflect::get(value, &JsValue::from_str("length")).ok()?.as_f64().map(|n| n as usize),
    }
}

/// Puts one filler in `meta` for every length not already used, so that any further
/// write to `meta` of a new value collides; or, with `remove`, takes them out again.
async fn fillers(name: &str, remove: bool) {
    let db = Database::open(name).await.expect("a second connection opens");
    let tx = db.transaction(schema::META).with_mode(TransactionMode::Readwrite).build().unwrap();
    let meta = tx.object_store(schema::META).unwrap();
    let held: Vec<JsValue> = meta.get_all().primitive().unwrap().await.unwrap().map(|v| v.unwrap()).collect();
    let used: Vec<usize> = held.iter().filter_map(stored_length).collect();
    for length in 1..=MAX_FILLER_LENGTH {
        let key = format!("test-filler/{length}");
        if remove {
            meta.delete(key.as_str()).primitive().unwrap().await.unwrap();
        } else if !used.contains(&length) {
            meta.put("x".repeat(length)).with_key(key.as_str()).without_key_type().primitive().unwrap().await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    db.close();
}

/// Writes the clear pending-version counter straight into `meta`.
async fn set_pending_version(name: &str, version: u64) {
    let db = Database::open(name).await.expect("a second connection opens");
    let tx = db.transaction(schema::META).with_mode(TransactionMode::Readwrite).build().unwrap();
    let meta = tx.object_store(schema::META).unwrap();
    let text = version.to_string();
    meta.put(text.as_str()).with_key("pending_version").without_key_type().primitive().unwrap().await.unwrap();
    tx.commit().await.unwrap();
    db.close();
}

#[wasm_bindgen_test]
async fn a_write_refused_half_way_through_recording_a_change_leaves_neither_half() {
    let name = format!("portal-desk-test-atomic-{}", portal_desk::browser::new_uuid());
    create_trapped_database(&name).await;
    let store = Store::open_named(&name).await.expect("the app migrates the trapped database");
    support::unlock(&store).await;
    // Encrypted at rest: the store opens locked until a sign-in unlocks it.
    support::unlock(&store).await;
    let case = RecordId::from("c");
    // The trap makes any two values of one length collide, the app's own included; the
    // pending version starts long so it never shares a length with the one-digit
    // summaries mark.
    set_pending_version(&name, 1_000_000_000).await;

    fillers(&name, false).await;
    let refused = store
        .record_changes(
            &asha(),
            vec![(case.clone(), create("Ada")), (case.clone(), OpBody::AppendNote { text: "Rang".into() })],
        )
        .await
        .expect_err("the counter's write collides with a filler");
    assert!(
        matches!(&refused, StoreError::Database(detail) if detail.contains("Constraint")),
        "the refusal is IndexedDB's constraint error, not something else: {refused:?}"
    );
    assert!(store.outbox().await.unwrap().is_empty(), "the operations put before the failure were rolled back");
    assert_eq!(store.counts().await.unwrap(), (0, 0));

    // With the trap removed the same change records normally, numbered as if the failed
    // attempt had never happened: the counters were not advanced either.
    fillers(&name, true).await;
    let ops = store.record_changes(&asha(), vec![(case.clone(), create("Ada"))]).await.unwrap();
    assert_eq!(ops[0].seq, 1, "the failed write did not use up a sequence number");
    let outbox = store.outbox().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].id, ops[0].id);
    store.close();
}
