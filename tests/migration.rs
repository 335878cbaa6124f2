//! Browser test of the schema's migration steps: a database written by version 1, 2, 4 or 6
//! of the app opens with the current code with its data intact and the newer stores
//! added; at the first unlock its clear values are sealed in place.
#![cfg(target_arch = "wasm32")]

mod support;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk::store::Store;
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{OpBody, RecordId};
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
    // Encryption at rest: nothing is readable until the first online sign-in unlocks
    // (and seals what the older version left in clear).
    support::unlock(&store).await;

    assert_eq!(store.device(), &ops[0].device, "the device keeps its id");
    let state = store.local_state().await.unwrap();
    assert_eq!(state.records, [record]);
    assert_eq!(state.outbox, ops);
    assert!(store.views().await.unwrap().is_empty(), "the views store was added");
    let next = store.record_changes(&asha(), vec![(RecordId::from("c"), OpBody::Archive)]).await;
    assert_eq!(next.unwrap()[0].seq, 2, "the counters carried over");
}

#[wasm_bindgen_test]
async fn a_version_2_database_with_data_is_sealed_at_its_first_unlock_and_reads_the_same() {
    let scratch = support::fresh_store().await;
    let ops = scratch.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada Lovelace"))]).await.unwrap();
    let record = confirmed(&ops, 1);
    let view = portal_desk::views::View::now(RecordId::from("c"), asha(), None);

    // Version 2 as released: version 1's five stores and `views`, all values JSON text.
    let name = format!("portal-desk-test-{}", portal_desk::browser::new_uuid());
    let db = Database::open(&name)
        .with_version(2u32)
        .with_on_upgrade_needed(|_, db: Database| {
            for store in ["records", "outbox", "acked", "rejected", "meta", "views"] {
                db.create_object_store(store).build()?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let stores = ["records", "outbox", "meta", "views"];
    let tx = db.transaction(stores).with_mode(TransactionMode::Readwrite).build().unwrap();
    put_json(&tx.object_store("records").unwrap(), "c", &record).await;
    put_json(&tx.object_store("outbox").unwrap(), 1f64, &ops[0]).await;
    put_json(&tx.object_store("views").unwrap(), view.id.as_str(), &view).await;
    put_json(&tx.object_store("meta").unwrap(), "device", &ops[0].device).await;
    put_json(&tx.object_store("meta").unwrap(), "last_seq", &1u64).await;
    put_json(&tx.object_store("meta").unwrap(), "last_sync_ms", &1_700_000_000_000u64).await;
    tx.commit().await.unwrap();
    db.close();

    let store = Store::open_named(&name).await.unwrap();
    assert_eq!(store.device(), &ops[0].device, "the device id is readable while locked");
    assert_eq!(store.local_state().await, Err(portal_desk::store::StoreError::Locked));
    assert!(!store.has_data_key().await.unwrap());
    support::unlock(&store).await;

    for raw in [
        support::raw_values(&name, "records").await,
        support::raw_values(&name, "outbox").await,
        support::raw_values(&name, "views").await,
    ] {
        assert_eq!(raw.len(), 1);
        let text = raw[0].as_string().unwrap();
        assert!(portal_desk::crypto::from_sealed_text(&text).is_some(), "sealed, not clear JSON: {text}");
    }
    let meta = support::raw_values(&name, "meta").await;
    let clear = meta.iter().filter(|v| !v.as_string().unwrap().starts_with(portal_desk::crypto::SEALED_MARK));
    assert_eq!(clear.count(), 2, "only the device id and the sync time stay clear");
    let state = store.local_state().await.unwrap();
    assert_eq!(state.records, [record]);
    assert_eq!(state.outbox, ops);
    assert_eq!(store.views().await.unwrap(), [view]);
    assert_eq!(store.last_sync_ms().await.unwrap(), Some(1_700_000_000_000));
    let next = store.record_changes(&asha(), vec![(RecordId::from("c"), OpBody::Archive)]).await;
    assert_eq!(next.unwrap()[0].seq, 2, "the sealed counters carried over");
}

/// Every key and value of `store` in database `name`, as stored.
async fn raw_entries(name: &str, store: &str) -> Vec<(wasm_bindgen::JsValue, wasm_bindgen::JsValue)> {
    let db = Database::open(name).await.unwrap();
    let tx = db.transaction(store).build().unwrap();
    let object_store = tx.object_store(store).unwrap();
    let keys = object_store.get_all_keys().primitive().unwrap().await.unwrap();
    let keys: Vec<wasm_bindgen::JsValue> =
        keys.map(|k: indexed_db_futures::Result<wasm_bindgen::JsValue>| k.unwrap()).collect();
    let values = support::raw_values(name, store).await;
    drop(tx);
    db.close();
    keys.into_iter().zip(values).collect()
}

#[wasm_bindgen_test]
async fn a_version_4_database_upgrades_with_its_sealed_records_and_summaries_intact_and_bundles_after() {
    // A sealed database made by the current code (a small page: nothing bundled), then
    // copied value for value into version 4's eight stores, as version 4 left it.
    let made = support::fresh_store().await;
    let ops = made.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada Lovelace"))]).await.unwrap();
    let ticket = made.pull_ticket(&asha()).await.unwrap();
    let page = vec![confirmed(&ops, 1), support::made("p", support::patient("Lovelace"), 2)];
    made.apply_pull_page(&asha(), &ticket, PullResponse { records: page.clone(), cursor: 2, more: false })
        .await
        .unwrap();
    made.lock();
    let v4_stores = ["records", "outbox", "acked", "rejected", "meta", "views", "keys", "summaries"];
    let mut copies = Vec::new();
    for store in v4_stores {
        copies.push((store, raw_entries(made.name(), store).await));
    }
    let name = format!("portal-desk-test-{}", portal_desk::browser::new_uuid());
    let db = Database::open(&name)
        .with_version(4u32)
        .with_on_upgrade_needed(move |_, db: Database| {
            for store in v4_stores {
                db.create_object_store(store).build()?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let tx = db.transaction(v4_stores).with_mode(TransactionMode::Readwrite).build().unwrap();
    for (store, entries) in copies {
        let object_store = tx.object_store(store).unwrap();
        for (key, value) in entries {
            object_store.put(value).with_key(key).without_key_type().primitive().unwrap().await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    db.close();

    let store = Store::open_named(&name).await.unwrap();
    support::unlock(&store).await;
    let state = store.local_state().await.unwrap();
    assert_eq!(state.records.len(), 2);
    assert!(page.iter().all(|r| state.records.contains(r)), "the records read the same");
    let listing = store.listing().await.unwrap();
    assert_eq!(listing.cases.len(), 1, "the summaries carried over");
    assert_eq!(listing.cases[0].summary.patient_name.as_deref(), Some("Ada Lovelace"));

    // The new stores work beside the old records: a large page goes into bundles.
    let many: Vec<_> = (0..70).map(|i| support::made(&format!("n-{i}"), create(&format!("New {i}")), 10 + i)).collect();
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    store.apply_pull_page(&asha(), &ticket, PullResponse { records: many, cursor: 80, more: false }).await.unwrap();
    assert_eq!(support::raw_values(&name, "bundles").await.len(), 2);
    assert_eq!(store.listing().await.unwrap().cases.len(), 71);
    assert_eq!(store.local_state_of(&RecordId::from("c")).await.unwrap().records, [page[0].clone()]);
}

#[wasm_bindgen_test]
async fn a_version_6_database_numbers_on_from_its_separate_counters_and_ends_its_epoch_in_the_new_store() {
    let scratch = support::fresh_store().await;
    let ops = scratch.record_changes(&asha(), vec![(RecordId::from("c"), create("Ada"))]).await.unwrap();
    let device = ops[0].device.clone();
    // Version 6's counters, in its own keys: the last sequence number and the clock apart,
    // the pending version 300 in epoch 1 (begun at 256), with the markers of its moves
    // and the end of epoch 0 in `meta`. Written in clear, as an app before encryption
    // at rest would have, so that the first unlock seals them; the clock runs a minute
    // ahead of this machine's, so the next stamp shows where it came from.
    let ahead_ms = portal_desk::browser::now_ms() + 60_000;
    let clock = portal_desk_core::Clock {
        last: portal_desk_core::Hlc { wall_ms: ahead_ms, counter: 7, device: device.clone() },
    };
    let v6_stores =
        ["records", "outbox", "acked", "rejected", "meta", "views", "keys", "summaries", "bundles", "bundle_ids"];
    let name = format!("portal-desk-test-{}", portal_desk::browser::new_uuid());
    let db = Database::open(&name)
        .with_version(6u32)
        .with_on_upgrade_needed(move |_, db: Database| {
            for store in v6_stores {
                db.create_object_store(store).build()?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let tx = db.transaction(["outbox", "meta"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    put_json(&tx.object_store("outbox").unwrap(), 1f64, &ops[0]).await;
    let meta = tx.object_store("meta").unwrap();
    put_json(&meta, "device", &device).await;
    put_json(&meta, "last_seq", &41u64).await;
    put_json(&meta, "clock", &clock).await;
    put_json(&meta, "pending_version", &300u64).await;
    put_json(&meta, "counters_epoch", &serde_json::json!({ "number": 1, "since": 256 })).await;
    for moved in 256..300u64 {
        put_json(&meta, format!("moved/{moved:020}").as_str(), &()).await;
    }
    put_json(&meta, format!("ended/{:020}", 0).as_str(), &()).await;
    tx.commit().await.unwrap();
    db.close();

    let store = Store::open_named(&name).await.unwrap();
    support::unlock(&store).await;
    // A pull first: it keeps the clock and the last sequence number together from now on.
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    store.apply_pull_page(&asha(), &ticket, PullResponse { records: vec![], cursor: 1, more: false }).await.unwrap();
    let first = store.record_changes(&asha(), vec![(RecordId::from("c"), OpBody::Archive)]).await.unwrap();
    assert_eq!(first[0].seq, 42, "numbered on from version 6's last sequence number");
    assert_eq!((first[0].hlc.wall_ms, first[0].hlc.counter), (ahead_ms, 8), "stamped on from version 6's clock");
    let noted = store.record_changes(&asha(), vec![(RecordId::from("c"), note("Rang"))]).await.unwrap();
    assert_eq!(noted[0].seq, 43, "the write made from this tab's note");

    // Pulls move the counters on to 512, where epoch 1 ends: in the new store now.
    for cursor in 2..=210 {
        let ticket = store.pull_ticket(&asha()).await.unwrap();
        store.apply_pull_page(&asha(), &ticket, PullResponse { records: vec![], cursor, more: false }).await.unwrap();
    }
    let epochs: Vec<(String, f64)> = raw_entries(&name, "epochs")
        .await
        .into_iter()
        .map(|(key, value)| {
            let epoch = js_sys::Reflect::get(&value, &"epoch".into()).unwrap().as_f64().unwrap();
            (key.as_string().unwrap(), epoch)
        })
        .collect();
    assert_eq!(epochs, [(format!("ended/{:020}", 1), 1.0), ("probe".to_owned(), 2.0)]);

    // This tab's note is of epoch 1, whose markers are cleared: refused, and made again.
    let last = store.record_changes(&asha(), vec![(RecordId::from("c"), note("Called back"))]).await.unwrap();
    let seqs: Vec<u64> = store.outbox().await.unwrap().iter().map(|op| op.seq).collect();
    assert_eq!(seqs, [1, 42, 43, 44], "each change once, numbered on");
    assert_eq!(last[0].seq, 44);
}

fn note(text: &str) -> OpBody {
    OpBody::AppendNote { text: text.to_owned() }
}
