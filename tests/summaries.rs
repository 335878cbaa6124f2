//! Browser tests of the case list's summaries: kept in step with the records by every
//! pull, sealed at rest, shown with pending changes on top, and rebuilt from the full
//! records when they are not known to be complete (as after the upgrade to schema 4).
#![cfg(target_arch = "wasm32")]

mod support;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk::store::Store;
use portal_desk_core::case::{Collection, Priority};
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{Op, OpBody, Record, RecordId};
use support::{asha, create, fresh_store, made, patient};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Riverside's settings: its name and opening hours (closed every day, which is enough here).
fn site_settings() -> OpBody {
    let fields = [("name", "Riverside"), ("hours", "[null,null,null,null,null,null,null]")];
    let fields = fields.map(|(k, v)| (k.to_owned(), v.to_owned()));
    OpBody::Create { collection: Collection::Site, site: "riverside".into(), fields: fields.into() }
}

/// Pulls `records` as one page.
async fn pull(store: &Store, records: Vec<Record>) {
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let cursor = ticket.cursor + 1;
    store.apply_pull_page(&asha(), &ticket, PullResponse { records, cursor, more: false }).await.unwrap();
}

/// The raw (stored) values of `store` in database `name`.
async fn raw_values(name: &str, store: &str) -> Vec<String> {
    let db = Database::open(name).await.unwrap();
    let tx = db.transaction(store).build().unwrap();
    let values = tx.object_store(store).unwrap().get_all().primitive().unwrap().await.unwrap();
    let values = values.map(|v: indexed_db_futures::Result<wasm_bindgen::JsValue>| v.unwrap().as_string().unwrap());
    let values = values.collect();
    drop(tx);
    db.close();
    values
}

#[wasm_bindgen_test]
async fn a_pull_keeps_the_summaries_sealed_and_in_step_and_leaves_patients_out() {
    let store = fresh_store().await;
    let site_id = portal_desk_core::site::site_record_id(&"riverside".into());
    let site_record = made(site_id.as_str(), site_settings(), 1);
    pull(&store, vec![made("c1", create("Ada Lovelace"), 2), made("p1", patient("Lovelace"), 3), site_record]).await;

    let listing = store.listing().await.unwrap();
    assert_eq!(listing.cases.len(), 1, "the case, not the patient");
    assert_eq!(listing.cases[0].summary.patient_name.as_deref(), Some("Ada Lovelace"));
    assert!(!listing.cases[0].unsynced);
    assert_eq!(listing.settings.len(), 1, "the site's settings, whole");
    assert_eq!(store.settings_where(|r| r.collection == Collection::Site).await.unwrap().len(), 1);

    let raw = raw_values(store.name(), "summaries").await;
    assert_eq!(raw.len(), 2, "a summary of the case and the site's settings");
    for text in &raw {
        assert!(portal_desk::crypto::from_sealed_text(text).is_some(), "sealed: {text}");
        assert!(!text.contains("Lovelace"));
    }

    // A later page changes the case: the list follows.
    let mut urgent = made("c1", create("Ada Lovelace"), 4);
    let seen = urgent.fields["priority"].clock.clone();
    let mut later = seen.clone();
    later.wall_ms += 1;
    urgent.apply(&Op {
        id: "op-urgent".into(),
        device: "server-side".into(),
        seq: 2,
        hlc: later,
        actor: asha(),
        record: "c1".into(),
        body: OpBody::SetField { field: "priority".into(), value: "urgent".into(), replaces: Some(seen) },
        signature: None,
    });
    pull(&store, vec![urgent]).await;
    let listing = store.listing().await.unwrap();
    assert_eq!(listing.cases[0].summary.priority, Priority::Urgent);
}

#[wasm_bindgen_test]
async fn the_list_shows_pending_changes_and_new_cases_over_the_summaries() {
    let store = fresh_store().await;
    pull(&store, vec![made("c1", create("Ada"), 1), made("c2", create("Ben"), 2)]).await;
    let ben = store.local_state_of(&RecordId::from("c2")).await.unwrap().records.remove(0);
    let seen = ben.fields["priority"].clock.clone();
    let change = OpBody::SetField { field: "priority".into(), value: "urgent".into(), replaces: Some(seen) };
    store
        .record_changes(&asha(), vec![(RecordId::from("c2"), change), (RecordId::from("c3"), create("Cy"))])
        .await
        .unwrap();

    let listing = store.listing().await.unwrap();
    let by_id = |id: &str| listing.cases.iter().find(|c| c.summary.id.as_str() == id).unwrap().clone();
    assert_eq!(listing.cases.len(), 3);
    assert!(!by_id("c1").unsynced);
    assert!(by_id("c2").unsynced);
    assert_eq!(by_id("c2").summary.priority, Priority::Urgent);
    assert!(by_id("c3").unsynced);
    assert_eq!(by_id("c3").summary.patient_name.as_deref(), Some("Cy"));
}

#[wasm_bindgen_test]
async fn summaries_not_known_to_be_complete_are_rebuilt_from_the_records() {
    let store = fresh_store().await;
    pull(&store, vec![made("c1", create("Ada"), 1), made("c2", create("Ben"), 2)]).await;
    let name = store.name().to_owned();
    store.close();

    // As a database upgraded from schema 3: records, no summaries, no mark.
    let db = Database::open(&name).await.unwrap();
    let tx = db.transaction(["summaries", "meta"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    tx.object_store("summaries").unwrap().clear().unwrap().await.unwrap();
    tx.object_store("meta").unwrap().delete("summaries_version").primitive().unwrap().await.unwrap();
    tx.commit().await.unwrap();
    db.close();

    let store = Store::open_named(&name).await.unwrap();
    support::unlock(&store).await;
    let mut names: Vec<String> =
        store.listing().await.unwrap().cases.into_iter().filter_map(|c| c.summary.patient_name).collect();
    names.sort();
    assert_eq!(names, ["Ada", "Ben"]);
    assert_eq!(raw_values(&name, "summaries").await.len(), 2, "rebuilt in the store, not only in memory");

    // And kept in step from then on.
    pull(&store, vec![made("c3", create("Cy"), 3)]).await;
    assert_eq!(store.listing().await.unwrap().cases.len(), 3);
}

#[wasm_bindgen_test]
async fn the_copy_of_waiting_changes_in_memory_follows_writes_from_another_tab() {
    let store = fresh_store().await;
    let case = RecordId::from("c1");
    store.record_changes(&asha(), vec![(case.clone(), create("Ada"))]).await.unwrap();
    let note = OpBody::AppendNote { text: "Rang back".into() };
    store.record_changes(&asha(), vec![(case.clone(), note)]).await.unwrap();
    assert_eq!(store.local_state_of(&case).await.unwrap().outbox.len(), 2, "both changes, the second added in place");

    // Another tab empties the outbox (as a push it settled would) and moves the version on.
    let db = Database::open(store.name()).await.unwrap();
    let tx = db.transaction(["outbox", "meta"]).with_mode(TransactionMode::Readwrite).build().unwrap();
    let version: String =
        tx.object_store("meta").unwrap().get("pending_version").primitive().unwrap().await.unwrap().unwrap();
    let next = (version.parse::<u64>().unwrap() + 1).to_string();
    tx.object_store("outbox").unwrap().clear().unwrap().await.unwrap();
    tx.object_store("meta")
        .unwrap()
        .put(next)
        .with_key("pending_version")
        .without_key_type()
        .primitive()
        .unwrap()
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close();

    assert!(store.local_state_of(&case).await.unwrap().outbox.is_empty(), "read again, not the stale copy");
    assert!(store.listing().await.unwrap().cases.is_empty());
}
