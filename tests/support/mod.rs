//! Helpers shared by the browser tests: fresh databases and sample operations.

// Each test file compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use portal_desk::store::Store;
use portal_desk_core::case::Collection;
use portal_desk_core::{OpBody, Record, StaffId};

/// A device secret as the server hands out at sign-in (64 hex characters).
pub const DEVICE_KEY: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// A store on a database no other test uses, unlocked (as after an online sign-in:
/// the store is encrypted at rest and opens locked).
pub async fn fresh_store() -> Store {
    let name = format!("portal-desk-test-{}", portal_desk::browser::new_uuid());
    let store = Store::open_named(&name).await.expect("the test database opens");
    unlock(&store).await;
    store
}

/// Unlocks `store` with [`DEVICE_KEY`], making its data key on first use.
pub async fn unlock(store: &Store) {
    store.unlock_with_device_key(DEVICE_KEY).await.expect("the store unlocks with the device secret");
}

/// The member of staff the tests act as.
pub fn asha() -> StaffId {
    StaffId::from("asha")
}

/// The body of a new password-reset case for `name` at Riverside.
pub fn create(name: &str) -> OpBody {
    create_at(name, "riverside")
}

/// The body of a new password-reset case for `name` at `site`.
pub fn create_at(name: &str, site: &str) -> OpBody {
    let fields = [("patient_name", name), ("kind", "password_reset"), ("priority", "normal"), ("channel", "phone")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
    OpBody::Create { collection: Collection::Case, site: site.into(), fields }
}

/// The record the server would hold after applying `ops` in order, with a version.
pub fn confirmed(ops: &[portal_desk_core::Op], version: u64) -> Record {
    let mut record = portal_desk_core::protocol::pending_view(None, ops).expect("the ops create a record");
    record.version = version;
    record
}

/// A record as the server would send it, created by one operation on `record`.
pub fn made(record: &str, body: OpBody, version: u64) -> Record {
    let op = portal_desk_core::Op {
        id: format!("op-{record}").into(),
        device: "server-side".into(),
        seq: 1,
        hlc: portal_desk_core::Hlc { wall_ms: 1_795_424_400_000, counter: 0, device: "server-side".into() },
        actor: asha(),
        record: record.into(),
        body,
        signature: None,
    };
    confirmed(&[op], version)
}

/// The body of a new patient record for `name` at Riverside.
pub fn patient(name: &str) -> OpBody {
    let fields = [("family_name", name), ("date_of_birth", "1990-01-01")].map(|(k, v)| (k.to_owned(), v.to_owned()));
    OpBody::Create { collection: Collection::Patient, site: "riverside".into(), fields: fields.into() }
}

/// The stored values of `store` in database `name`, read around the app.
pub async fn raw_values(name: &str, store: &str) -> Vec<wasm_bindgen::JsValue> {
    use indexed_db_futures::prelude::*;
    let db = indexed_db_futures::database::Database::open(name).await.unwrap();
    let tx = db.transaction(store).build().unwrap();
    let values = tx.object_store(store).unwrap().get_all().primitive().unwrap().await.unwrap();
    let values = values.map(|v: indexed_db_futures::Result<wasm_bindgen::JsValue>| v.unwrap()).collect();
    drop(tx);
    db.close();
    values
}
