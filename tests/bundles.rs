//! Browser tests of records kept in bundles: a pull page that brings many records new
//! to the device stores them a bundle of them a value, sealed, and everything that
//! reads records finds them there; a later version of a bundled record is kept under
//! its own id and wins everywhere; records that leave the device leave their bundles;
//! two tabs storing pages at once both land; the changes screen reads only the records
//! its changes are on.
#![cfg(target_arch = "wasm32")]

mod support;

use portal_desk::store::Store;
use portal_desk_core::case::Collection;
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{Record, RecordId};
use support::{asha, create, create_at, fresh_store, made, patient};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `cases` cases and `patients` patients, as a first sync brings them, versions from `from`.
fn site(cases: usize, patients: usize, from: u64) -> Vec<Record> {
    let cases = (0..cases).map(|i| made(&format!("case-{i}"), create(&format!("Case Person {i}")), from + i as u64));
    let patients =
        (0..patients).map(|i| made(&format!("patient-{i}"), patient(&format!("Surname{i}")), from + 10_000 + i as u64));
    cases.chain(patients).collect()
}

/// Pulls `records` as one page.
async fn pull(store: &Store, records: Vec<Record>) {
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    let cursor = ticket.cursor + records.len() as u64 + 1;
    store.apply_pull_page(&asha(), &ticket, PullResponse { records, cursor, more: false }).await.unwrap();
}

/// The same database opened again, as another tab or a restarted browser would: none
/// of this handle's copies in memory are shared with it once the first is locked.
async fn reopened(store: &Store) -> Store {
    store.lock();
    let again = Store::open_named(store.name()).await.unwrap();
    support::unlock(&again).await;
    again
}

fn name_of(record: &Record) -> String {
    record.field("patient_name").or(record.field("family_name")).unwrap_or_default().to_owned()
}

#[wasm_bindgen_test]
async fn a_page_of_many_new_records_is_kept_in_sealed_bundles_and_every_reader_finds_them() {
    let store = fresh_store().await;
    pull(&store, site(100, 60, 1)).await;

    // 160 records: three bundles (64 + 64 + 32), nothing under single ids.
    let bundles = support::raw_values(store.name(), "bundles").await;
    assert_eq!(bundles.len(), 3);
    assert!(support::raw_values(store.name(), "records").await.is_empty());
    for value in &bundles {
        let bytes = value.dyn_ref::<js_sys::Uint8Array>().expect("a bundle is stored as bytes").to_vec();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("Case Person") && !text.contains("Surname"), "sealed, not readable");
    }
    assert_eq!(support::raw_values(store.name(), "bundle_ids").await.len(), 3);
    for value in support::raw_values(store.name(), "bundle_ids").await {
        assert!(!value.as_string().unwrap().contains("case-"), "a bundle's ids are sealed too");
    }

    for store in [store.clone(), reopened(&store).await] {
        let listing = store.listing().await.unwrap();
        assert_eq!(listing.cases.len(), 100, "every case listed, from the bundles' summaries");
        let case = store.local_state_of(&RecordId::from("case-70")).await.unwrap();
        assert_eq!(case.records.iter().map(name_of).collect::<Vec<_>>(), ["Case Person 70"]);
        let patient = store.local_state_of(&RecordId::from("patient-59")).await.unwrap();
        assert_eq!(patient.records.iter().map(name_of).collect::<Vec<_>>(), ["Surname59"]);
        let patients = store.records_where(|r| r.collection == Collection::Patient).await.unwrap();
        assert_eq!(patients.len(), 60);
        assert_eq!(store.local_state().await.unwrap().records.len(), 160);
    }
}

#[wasm_bindgen_test]
async fn the_changes_screen_reads_only_the_records_with_changes_and_those_it_names() {
    let store = fresh_store().await;
    pull(&store, site(100, 60, 1)).await;
    let note = portal_desk::case_form::note_op("Rang the patient back").unwrap();
    let changes = vec![(RecordId::from("case-3"), note), (RecordId::from("case-new"), create("New Person"))];
    store.record_changes(&asha(), changes).await.unwrap();

    // From their bundles first; then, once a full read has loaded it, from the copy
    // in memory.
    for read in ["from the bundles", "from the copy in memory"] {
        let state = store.local_state_of_changes(&[RecordId::from("patient-5")].into()).await.unwrap();
        let mut ids: Vec<&str> = state.records.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["case-3", "patient-5"], "{read}: of 160 records, the one changed and the one named");
        assert_eq!(state.outbox.len(), 2, "{read}: every waiting change");
        let views = state.replica(store.device());
        let names: Vec<String> = views.views().values().map(name_of).collect();
        assert_eq!(names, ["Case Person 3", "New Person", "Surname5"], "{read}: a case made offline is named");
        assert_eq!(store.local_state().await.unwrap().records.len(), 160);
    }
}

#[wasm_bindgen_test]
async fn a_few_new_records_are_kept_one_by_one() {
    let store = fresh_store().await;
    pull(&store, site(40, 20, 1)).await;
    assert!(support::raw_values(store.name(), "bundles").await.is_empty());
    assert_eq!(support::raw_values(store.name(), "records").await.len(), 60);
    assert_eq!(store.listing().await.unwrap().cases.len(), 40);
}

#[wasm_bindgen_test]
async fn a_later_version_of_a_bundled_record_is_kept_under_its_own_id_and_wins_everywhere() {
    let store = fresh_store().await;
    pull(&store, site(100, 0, 1)).await;
    let renamed = made("case-7", create("Renamed Person"), 500);
    pull(&store, vec![renamed.clone()]).await;
    assert_eq!(support::raw_values(store.name(), "records").await.len(), 1, "the new version under its own id");

    for store in [store.clone(), reopened(&store).await] {
        let case = store.local_state_of(&RecordId::from("case-7")).await.unwrap();
        assert_eq!(case.records, std::slice::from_ref(&renamed));
        let listing = store.listing().await.unwrap();
        assert_eq!(listing.cases.len(), 100, "still one entry for the case");
        let listed = listing.cases.iter().find(|c| c.summary.id.as_str() == "case-7").unwrap();
        assert_eq!(listed.summary.patient_name.as_deref(), Some("Renamed Person"));
        let all = store.local_state().await.unwrap().records;
        assert_eq!(all.len(), 100);
        assert_eq!(all.iter().find(|r| r.id.as_str() == "case-7"), Some(&renamed));
    }

    // An older copy arriving late never replaces it.
    pull(&store, vec![made("case-7", create("Case Person 7"), 8)]).await;
    let case = store.local_state_of(&RecordId::from("case-7")).await.unwrap();
    assert_eq!(case.records, [renamed]);
}

#[wasm_bindgen_test]
async fn records_of_a_dropped_site_leave_their_bundles_and_the_rest_stay() {
    let store = fresh_store().await;
    let riverside = (0..70).map(|i| made(&format!("r-{i}"), create(&format!("River {i}")), 1 + i as u64));
    let hilltop = (0..70).map(|i| made(&format!("h-{i}"), create_at(&format!("Hill {i}"), "hilltop"), 100 + i as u64));
    // Interleaved, so both sites share bundles.
    let page: Vec<Record> = riverside.zip(hilltop).flat_map(|(r, h)| [r, h]).collect();
    pull(&store, page).await;
    // One of Hilltop's cases also has a newer copy of its own.
    pull(&store, vec![made("h-3", create_at("Hill 3 again", "hilltop"), 900)]).await;

    // Read once, so their bundles are in memory when the site goes.
    assert_eq!(store.local_state_of(&RecordId::from("h-60")).await.unwrap().records.len(), 1);
    assert_eq!(store.local_state_of(&RecordId::from("r-60")).await.unwrap().records.len(), 1);

    let removed = store.drop_sites(&asha(), &["hilltop".to_owned()]).await.unwrap();

    assert_eq!(removed, 70, "each record counted once");
    for store in [store.clone(), reopened(&store).await] {
        let listing = store.listing().await.unwrap();
        assert_eq!(listing.cases.len(), 70);
        assert!(listing.cases.iter().all(|c| c.summary.site.as_str() == "riverside"));
        assert!(store.local_state_of(&RecordId::from("h-3")).await.unwrap().records.is_empty());
        assert!(store.local_state_of(&RecordId::from("h-60")).await.unwrap().records.is_empty());
        assert_eq!(store.local_state_of(&RecordId::from("r-60")).await.unwrap().records.len(), 1);
        assert_eq!(store.local_state().await.unwrap().records.len(), 70);
    }
    // Pulled again from the start, Hilltop's records come back as new.
    let hilltop = (0..70).map(|i| made(&format!("h-{i}"), create_at(&format!("Hill {i}"), "hilltop"), 100 + i as u64));
    pull(&store, hilltop.collect()).await;
    assert_eq!(store.listing().await.unwrap().cases.len(), 140);
}

#[wasm_bindgen_test]
async fn wiping_the_device_empties_the_bundles() {
    let store = fresh_store().await;
    pull(&store, site(80, 0, 1)).await;
    store.wipe().await.unwrap();
    assert!(support::raw_values(store.name(), "bundles").await.is_empty());
    assert!(support::raw_values(store.name(), "bundle_ids").await.is_empty());
}

#[wasm_bindgen_test]
async fn two_tabs_storing_pages_at_once_both_land() {
    let store = fresh_store().await;
    let other = Store::open_named(store.name()).await.unwrap();
    // The same first page on both (as two tabs syncing one device would), and each a
    // second page of its own; one of them finds the records moved on under it.
    let shared = site(70, 0, 1);
    futures_util::future::join(pull(&store, shared.clone()), pull(&other, shared)).await;
    let mine = (0..70).map(|i| made(&format!("mine-{i}"), create(&format!("Mine {i}")), 2_000 + i as u64)).collect();
    let theirs =
        (0..70).map(|i| made(&format!("theirs-{i}"), create(&format!("Theirs {i}")), 3_000 + i as u64)).collect();
    futures_util::future::join(pull(&store, mine), pull(&other, theirs)).await;

    for store in [store.clone(), reopened(&store).await] {
        let listing = store.listing().await.unwrap();
        assert_eq!(listing.cases.len(), 210, "each case once");
        let case = store.local_state_of(&RecordId::from("case-5")).await.unwrap();
        assert_eq!(case.records.len(), 1);
        assert_eq!(store.local_state().await.unwrap().records.len(), 210);
    }
}
