//! Browser tests of signing on the device: a change made under Asha's PIN is signed
//! with Asha's operation key; Ben's PIN, which opens the same shared data, cannot sign
//! as Asha; a locked device signs nothing; and a device the server has not yet given
//! its secret (an app from before signing) still saves changes, unsigned, for the
//! server to hold.
#![cfg(target_arch = "wasm32")]

mod support;

use portal_desk::store::{Store, StoreError};
use portal_desk::views::View;
use portal_desk_core::signing::{verify, verify_op, view_signing_bytes, OpKey, ViewFacts};
use portal_desk_core::{RecordId, StaffId};
use support::{asha, create, fresh_store};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ASHA_PIN: &str = "482913";
const BEN_PIN: &str = "730461";

fn key_of(staff: &str, byte: u8) -> OpKey {
    OpKey { credential: format!("cred-{staff}"), staff: StaffId::from(staff), key: hex_of(byte) }
}

fn hex_of(byte: u8) -> String {
    format!("{byte:02x}").repeat(32)
}

/// A shared tablet the server has given its secret, on which Asha and then Ben signed
/// in online (each handed their key) and set a PIN; left locked.
async fn shared_tablet() -> Store {
    let store = fresh_store().await;
    store.keep_device_secret("the-tablets-own-secret").await.unwrap();
    for (staff, name, pin, byte) in [("asha", "Asha Patel", ASHA_PIN, 1), ("ben", "Ben Okafor", BEN_PIN, 2)] {
        support::unlock(&store).await;
        store.hold_op_key(Some(key_of(staff, byte)));
        store.set_pin(&StaffId::from(staff), name, pin).await.unwrap();
        store.lock();
    }
    store
}

#[wasm_bindgen_test]
async fn a_change_made_under_ashas_pin_is_signed_with_ashas_key() {
    let store = shared_tablet().await;
    store.unlock_with_pin(&asha(), ASHA_PIN).await.unwrap();
    let ops = store.record_changes(&asha(), vec![(RecordId::from("case-1"), create("Ada Lovelace"))]).await.unwrap();
    let signature = ops[0].signature.as_ref().expect("signed");
    assert_eq!(signature.credential, "cred-asha");
    assert!(verify_op(&ops[0], &[1; 32]), "Asha's key made the signature");
    assert!(!verify_op(&ops[0], &[2; 32]));
    assert_eq!(store.outbox().await.unwrap()[0], ops[0], "the outbox keeps the signed change");
    assert!(store.has_working_pin(&asha(), "cred-asha").await.unwrap());
}

#[wasm_bindgen_test]
async fn bens_pin_opens_the_shared_data_but_cannot_sign_as_asha() {
    let store = shared_tablet().await;
    store.unlock_with_pin(&StaffId::from("ben"), BEN_PIN).await.unwrap();
    let as_asha = store.record_changes(&asha(), vec![(RecordId::from("case-1"), create("Ada Lovelace"))]).await;
    assert_eq!(as_asha, Err(StoreError::CannotSign));
    assert!(store.outbox().await.unwrap().is_empty(), "nothing was saved in her name");
    let ben = StaffId::from("ben");
    let ops = store.record_changes(&ben, vec![(RecordId::from("case-2"), create("Grace Hopper"))]).await.unwrap();
    assert!(verify_op(&ops[0], &[2; 32]), "his own change is signed with his key");
}

#[wasm_bindgen_test]
async fn a_locked_device_signs_nothing() {
    let store = shared_tablet().await;
    let locked = store.record_changes(&asha(), vec![(RecordId::from("case-1"), create("Ada Lovelace"))]).await;
    assert_eq!(locked, Err(StoreError::Locked));
    store.unlock_with_pin(&asha(), ASHA_PIN).await.unwrap();
    store.lock();
    let after = store.record_changes(&asha(), vec![(RecordId::from("case-1"), create("Ada Lovelace"))]).await;
    assert_eq!(after, Err(StoreError::Locked), "locking dropped her key with the data key");
}

#[wasm_bindgen_test]
async fn views_are_signed_by_their_viewer() {
    let store = shared_tablet().await;
    store.unlock_with_pin(&asha(), ASHA_PIN).await.unwrap();
    store.record_view(View::now(RecordId::from("case-1"), asha(), Some("Safeguarding review".into()))).await.unwrap();
    let view = store.views().await.unwrap().remove(0);
    let facts = ViewFacts {
        id: &view.id,
        device: store.device(),
        record: &view.record,
        by: &view.by,
        at_ms: view.at_ms,
        reason: view.reason.as_deref(),
    };
    let signature = view.signature.as_ref().expect("signed");
    assert!(verify(&[1; 32], &view_signing_bytes(&facts, &signature.credential), signature));
}

#[wasm_bindgen_test]
async fn a_device_not_yet_given_its_secret_saves_changes_unsigned_for_the_server_to_hold() {
    let store = fresh_store().await;
    let ops = store.record_changes(&asha(), vec![(RecordId::from("case-1"), create("Ada Lovelace"))]).await.unwrap();
    assert_eq!(ops[0].signature, None);
    assert_eq!(store.last_queued_seq().await.unwrap(), 1);
    store.lock();
    assert_eq!(store.last_queued_seq().await.unwrap(), 1, "what the sign-in reports, read while locked");
    assert_eq!(store.device_proof().await.unwrap(), None);
}
