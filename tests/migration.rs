//! Browser test of the schema's migration steps: a database written by version 1 of the
//! app opens with the current code with its data intact and the newer stores added.
#![cfg(target_arch = "wasm32")]

mod support;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk::store::Store;
use portal_desk_core::RecordId;
use support::{asha, confirmed, create};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Writes `value` as the store does (JSON text) under `key`.
async fn put_json<K: indexed_db_futures::primitive::TryToJs>(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    key: K,
    value: &impl serde::Serialize,
) {
    let text = serde_json::to_string(value).unwrap();
    store.put(text).with_key(key).without_key_type().primitive().unwrap().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_version_1_database_upgrades_with_its_record_and_outbox_intact() {
    // Made by the current code, then read back as it would have been written by version 1.
    let scratch = support::fresh_store().await;
    let ops = scratch.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    let record = confirmed(&ops, 1);

    // Version 1 exactly as released: five stores with out-of-line keys.
    let name = format!("portal-desk-test-{}", portal_desk::browser::new_uuid());
    let db = Database::open(&name)
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db: Database| {
            for store in ["records", "outbox", "acked", "rejected", "meta"] {
                db.create_object_store(store).build()?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let tx = db.transaction(["records", "outbox", "meta"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    put_json(&tx.object_store("records").unwrap(), "c", &record).await;
    put_json(&tx.object_store("outbox").unwrap(), 1f64, &ops[0]).await;
    put_json(&tx.object_store("meta").unwrap(), "device", &ops[0].device).await;
    put_json(&tx.object_store("meta").unwrap(), "last_seq", &1u64).await;
    tx.commit().await.unwrap();
    db.close();

    let store = Store::open_named(&name).await.unwrap();

    assert_eq!(store.device(), &ops[0].device, "the device keeps its id");
    let state = store.local_state().await.unwrap();
    assert_eq!(state.records, [record]);
    assert_eq!(state.outbox, ops);
    assert!(store.views().await.unwrap().is_empty(), "the views store was added");
    let next = store.record_changes(&asha(), vec![(RecordId::from("c"), portal_desk_core::OpBody::Archive)]).await;
    assert_eq!(next.unwrap()[0].seq, 2, "the counters carried over");
}
