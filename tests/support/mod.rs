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
