//! Browser tests of encryption at rest and the device lock: what IndexedDB holds is
//! ciphertext with no patient name in it; the store refuses to read or write while
//! locked; PINs unlock (each person their own), wrong ones are counted and limited;
//! the server slot unlocks without any PIN; and the data survives lock and unlock.
#![cfg(target_arch = "wasm32")]

mod support;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use portal_desk::session::Session;
use portal_desk::store::{schema, Store, StoreError, UnlockError, MAX_PIN_TRIES};
use portal_desk::views::View;
use portal_desk_core::protocol::{SiteSummary, StaffProfile};
use portal_desk_core::{OpBody, RecordId, StaffId};
use support::{asha, create, fresh_store, DEVICE_KEY};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PATIENT: &str = "Ada Lovelace";
const ASHA_PIN: &str = "482913";
const BEN_PIN: &str = "730461";

fn session_of(id: &str, name: &str) -> Session {
    Session {
        token: format!("token-of-{id}"),
        expires_at_ms: u64::MAX,
        staff: StaffProfile {
            id: StaffId::from(id),
            name: name.to_owned(),
            email: format!("{id}@riverside.example"),
            role: "analyst".to_owned(),
            sites: vec![SiteSummary { id: "riverside".into(), name: "Riverside Clinic".into() }],
        },
    }
}

/// Every value of `store` as IndexedDB holds it, read around the app's store.
async fn raw_values(name: &str, store: &str) -> Vec<JsValue> {
    let db = Database::open(name).await.unwrap();
    let tx = db.transaction(store).build().unwrap();
    let values = tx.object_store(store).unwrap().get_all().primitive().unwrap().await.unwrap();
    let values: Vec<JsValue> = values.map(|v: indexed_db_futures::Result<JsValue>| v.unwrap()).collect();
    drop(tx);
    db.close();
    values
}

/// A store with a case (and a note), a view of it and Asha's session and PIN.
async fn device_with_a_case() -> (Store, String) {
    let store = fresh_store().await;
    let case = RecordId::from("case-1");
    store
        .record_changes(
            &asha(),
            vec![
                (case.clone(), create(PATIENT)),
                (case.clone(), OpBody::AppendNote { text: format!("Rang {PATIENT}") }),
            ],
        )
        .await
        .unwrap();
    store.record_view(View::now(case, asha(), None)).await.unwrap();
    store.save_session(&session_of("asha", "Asha Patel")).await.unwrap();
    store.set_pin(&asha(), "Asha Patel", ASHA_PIN).await.unwrap();
    let name = store.name().to_owned();
    (store, name)
}

/// The ciphertext of a sealed value, or `None` for a value kept in clear.
fn sealed_bytes(value: &JsValue) -> Option<Vec<u8>> {
    let text = value.as_string().expect("the store keeps text");
    portal_desk::crypto::from_sealed_text(&text)
}

#[wasm_bindgen_test]
async fn records_outbox_views_and_the_session_are_ciphertext_with_no_patient_name_in_them() {
    let (store, name) = device_with_a_case().await;
    // A confirmed copy too, so the records store is not empty.
    let ops = store.outbox().await.unwrap();
    let page =
        portal_desk_core::protocol::PullResponse { records: vec![support::confirmed(&ops, 1)], cursor: 1, more: false };
    let ticket = store.pull_ticket(&asha()).await.unwrap();
    store.apply_pull_page(&asha(), &ticket, page).await.unwrap();

    for stored in [schema::RECORDS, schema::SUMMARIES, schema::OUTBOX, schema::VIEWS, schema::META] {
        let values = raw_values(&name, stored).await;
        assert!(!values.is_empty(), "{stored} holds something");
        let sealed: Vec<Vec<u8>> = values.iter().filter_map(sealed_bytes).collect();
        if stored != schema::META {
            assert_eq!(sealed.len(), values.len(), "every value in {stored} is sealed");
        }
        for bytes in sealed {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("Ada") && !text.contains("Lovelace"), "{stored} leaks the patient's name");
            assert!(!text.contains("token-of-asha"), "{stored} leaks the session token");
            assert!(!text.contains("patient_name") && !text.contains("Rang"), "{stored} leaks field names or notes");
        }
    }
    let clear_meta: Vec<String> = raw_values(&name, schema::META)
        .await
        .iter()
        .filter(|v| sealed_bytes(v).is_none())
        .filter_map(JsValue::as_string)
        .collect();
    // The device id and three counters (records version, the summaries' mark, the pending version).
    assert_eq!(clear_meta.len(), 4, "only the device id and version counters are clear: {clear_meta:?}");
    let counters = clear_meta.iter().filter(|t| t.parse::<u64>().is_ok()).count();
    assert_eq!(counters, 3, "the counters are bare numbers: {clear_meta:?}");
    assert!(clear_meta.iter().all(|t| !t.contains("Ada") && !t.contains("token")), "clear meta: {clear_meta:?}");
    let keys: Vec<String> = raw_values(&name, schema::KEYS).await.iter().filter_map(JsValue::as_string).collect();
    assert_eq!(keys.len(), 2, "a PIN slot and the server slot");
    assert!(keys.iter().all(|t| !t.contains(PATIENT) && !t.contains(ASHA_PIN)));
}

#[wasm_bindgen_test]
async fn a_locked_store_refuses_reads_and_writes_and_the_data_survives_lock_and_unlock() {
    let (store, _) = device_with_a_case().await;
    let before = store.local_state().await.unwrap();
    let views_before = store.views().await.unwrap();

    store.lock();
    assert!(!store.is_unlocked());
    assert_eq!(store.local_state().await, Err(StoreError::Locked));
    assert_eq!(store.outbox().await, Err(StoreError::Locked));
    assert_eq!(store.session().await, Err(StoreError::Locked));
    let write = store.record_changes(&asha(), vec![(RecordId::from("case-2"), create("Grace Hopper"))]).await;
    assert_eq!(write, Err(StoreError::Locked));
    assert_eq!(store.counts().await.unwrap(), (2, 0), "counts hold no patient data and work while locked");

    let session = store.unlock_with_pin(&asha(), ASHA_PIN).await.unwrap();
    assert_eq!(session.map(|s| s.staff.name), Some("Asha Patel".to_owned()));
    assert_eq!(store.local_state().await.unwrap(), before);
    assert_eq!(store.views().await.unwrap(), views_before);
    let next = store.record_changes(&asha(), vec![(RecordId::from("case-2"), create("Grace Hopper"))]).await.unwrap();
    assert_eq!(next[0].seq, 3, "the counters survived the lock");
}

#[wasm_bindgen_test]
async fn wrong_pins_are_counted_and_past_the_limit_only_an_online_sign_in_unlocks() {
    let (store, _) = device_with_a_case().await;
    store.lock();
    for tries_left in (1..MAX_PIN_TRIES).rev() {
        assert_eq!(store.unlock_with_pin(&asha(), "000000").await, Err(UnlockError::WrongPin { tries_left }));
        assert!(!store.is_unlocked());
    }
    assert_eq!(store.unlock_with_pin(&asha(), "000000").await, Err(UnlockError::TooManyTries));
    assert_eq!(
        store.unlock_with_pin(&asha(), ASHA_PIN).await,
        Err(UnlockError::TooManyTries),
        "past the limit even the right PIN is refused"
    );
    assert_eq!(store.pin_holders().await.unwrap()[0].tries_left, 0);
    assert!(!store.has_working_pin(&asha(), "asha-credential").await.unwrap());

    // The online sign-in's device secret unlocks with no PIN; a new PIN starts afresh.
    store.unlock_with_device_key(DEVICE_KEY).await.unwrap();
    assert_eq!(store.outbox().await.unwrap().len(), 2, "the unsynced changes are all there");
    store.set_pin(&asha(), "Asha Patel", "551902").await.unwrap();
    store.lock();
    assert!(store.unlock_with_pin(&asha(), "551902").await.is_ok());
}

#[wasm_bindgen_test]
async fn a_right_pin_resets_the_count_of_wrong_ones() {
    let (store, _) = device_with_a_case().await;
    store.lock();
    assert_eq!(
        store.unlock_with_pin(&asha(), "111111").await,
        Err(UnlockError::WrongPin { tries_left: MAX_PIN_TRIES - 1 })
    );
    store.unlock_with_pin(&asha(), ASHA_PIN).await.unwrap();
    assert_eq!(store.pin_holders().await.unwrap()[0].tries_left, MAX_PIN_TRIES);
}

#[wasm_bindgen_test]
async fn the_server_slot_unlocks_without_a_pin_and_a_wrong_secret_does_not() {
    let (store, _) = device_with_a_case().await;
    let before = store.local_state().await.unwrap();
    store.lock();
    let other = "0".repeat(64);
    assert_eq!(store.unlock_with_device_key(&other).await, Err(UnlockError::WrongServer));
    assert_eq!(store.unlock_with_device_key("not hex").await, Err(UnlockError::WrongServer));
    assert!(!store.is_unlocked());
    store.unlock_with_device_key(DEVICE_KEY).await.unwrap();
    assert_eq!(store.local_state().await.unwrap(), before);
}

#[wasm_bindgen_test]
async fn colleagues_share_a_tablet_each_with_their_own_pin_and_session() {
    let (store, _) = device_with_a_case().await;
    // Ben signs in online on Asha's tablet and sets his own PIN.
    store.save_session(&session_of("ben", "Ben Okafor")).await.unwrap();
    store.set_pin(&StaffId::from("ben"), "Ben Okafor", BEN_PIN).await.unwrap();
    store.lock();

    let names: Vec<String> = store.pin_holders().await.unwrap().into_iter().map(|h| h.name).collect();
    assert_eq!(names, ["Asha Patel", "Ben Okafor"]);
    assert!(matches!(store.unlock_with_pin(&StaffId::from("ben"), ASHA_PIN).await, Err(UnlockError::WrongPin { .. })));
    let ben = store.unlock_with_pin(&StaffId::from("ben"), BEN_PIN).await.unwrap().unwrap();
    assert_eq!(ben.staff.name, "Ben Okafor");
    assert_eq!(store.session().await.unwrap(), Some(ben));
    assert_eq!(store.outbox().await.unwrap().len(), 2, "Asha's unsynced changes are kept for the sync");

    // Switch user: lock, and Asha unlocks with hers and is back in her own session.
    store.lock();
    let asha_again = store.unlock_with_pin(&asha(), ASHA_PIN).await.unwrap().unwrap();
    assert_eq!(asha_again.token, "token-of-asha");
    assert_eq!(store.unlock_with_pin(&StaffId::from("carys"), "123456").await, Err(UnlockError::NoPin));
}

#[wasm_bindgen_test]
async fn signing_out_forgets_the_persons_pin_and_session_and_locks() {
    let (store, _) = device_with_a_case().await;
    store.clear_session().await.unwrap();
    assert!(!store.is_unlocked());
    assert!(store.pin_holders().await.unwrap().is_empty());
    assert_eq!(store.unlock_with_pin(&asha(), ASHA_PIN).await, Err(UnlockError::NoPin));
    store.unlock_with_device_key(DEVICE_KEY).await.unwrap();
    assert_eq!(store.session().await.unwrap(), None);
    assert_eq!(store.outbox().await.unwrap().len(), 2, "the outbox is kept for the next sign-in");
}

#[wasm_bindgen_test]
async fn a_pin_must_be_six_numbers_or_more() {
    let store = fresh_store().await;
    assert!(store.set_pin(&asha(), "Asha Patel", "12345").await.is_err());
    assert!(store.set_pin(&asha(), "Asha Patel", "12a456").await.is_err());
    assert!(store.pin_holders().await.unwrap().is_empty());
    let locked = Store::open_named("portal-desk-test-never-unlocked").await.unwrap();
    assert_eq!(locked.set_pin(&asha(), "Asha Patel", "123456").await, Err(StoreError::Locked));
}
