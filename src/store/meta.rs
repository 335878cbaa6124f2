//! Keys and typed access for the `meta` store, used inside other modules' transactions.

use super::{codec, StoreError};
use indexed_db_futures::object_store::ObjectStore;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// This device's id.
pub const DEVICE: &str = "device";
/// The last sequence number issued to an operation.
pub const LAST_SEQ: &str = "last_seq";
/// How many push answers acknowledged something; orders acknowledgements against pulls.
pub const ACKS: &str = "acks";
/// The device's hybrid logical clock.
pub const CLOCK: &str = "clock";
/// The signed-in session.
pub const SESSION: &str = "session";
/// When the last sync finished without error.
pub const LAST_SYNC: &str = "last_sync_ms";

/// The pull cursor of one member of staff: the server pages changes by the person's
/// sites, so a tablet shared by people of different sites keeps one cursor each.
pub fn cursor_key(staff: &portal_desk_core::StaffId) -> String {
    format!("cursor/{staff}")
}

/// Reads one value.
pub async fn get<T: DeserializeOwned>(meta: &ObjectStore<'_>, key: &str) -> Result<Option<T>, StoreError> {
    codec::get(meta, key).await
}

/// Writes one value.
pub async fn put<T: Serialize>(meta: &ObjectStore<'_>, key: &str, value: &T) -> Result<(), StoreError> {
    codec::put(meta, key, value).await
}
