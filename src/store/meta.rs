//! Keys and typed access for the `meta` store, used inside other modules' transactions.
//! Its values are sealed like every other store's, except the few in [`CLEAR`] that
//! are needed before anyone unlocks the device and say nothing about patients.

use super::{codec, StoreError};
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::object_store::ObjectStore;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// This device's id.
pub const DEVICE: &str = "device";
/// The last sequence number issued to an operation and the device's hybrid logical
/// clock, in one value, as every write moves both (see `store::counters`).
pub const ISSUED: &str = "issued";
/// The last sequence number issued, as kept apart before schema version 7; read only
/// while [`ISSUED`] is absent, and never written again.
pub const LEGACY_LAST_SEQ: &str = "last_seq";
/// How many push answers acknowledged something; orders acknowledgements against pulls.
pub const ACKS: &str = "acks";
/// The device's clock, as kept apart before schema version 7 (see [`LEGACY_LAST_SEQ`]).
pub const LEGACY_CLOCK: &str = "clock";
/// The signed-in session (sealed: its token works against the server).
pub const SESSION: &str = "session";
/// When the last sync finished without error.
pub const LAST_SYNC: &str = "last_sync_ms";
/// Bumped by every write to `records`, so an in-memory index of them (here or in
/// another tab) knows when it is stale.
pub const RECORDS_VERSION: &str = "records_version";
/// The records version the `summaries` store was last complete at: equal to
/// [`RECORDS_VERSION`] when it holds a summary of every record (see `store::summaries`).
pub const SUMMARIES_VERSION: &str = "summaries_version";
/// Moved on by every write to `outbox` or `acked`, so an in-memory copy of them (here
/// or in another tab) knows when it is stale (see `store::pending`).
pub const PENDING_VERSION: &str = "pending_version";
/// The epoch of the counters' markers: its number and the pending version it began at
/// (see `store::counters`).
pub const COUNTERS_EPOCH: &str = "counters_epoch";
/// The number the next bundle of records gets (see `store::bundles`).
pub const NEXT_BUNDLE: &str = "next_bundle";
/// Minutes without a touch or key press after which the app locks itself.
pub const IDLE_LOCK_MINUTES: &str = "idle_lock_minutes";

/// Colleagues' names, roles and sites (sealed: it names the staff of a site).
pub const STAFF_DIRECTORY: &str = "staff_directory";

/// Set while the tablet is a self-registration kiosk: its site and who started it.
pub const KIOSK: &str = "kiosk";

/// The keys kept in clear: read while locked, and holding no patient data.
pub const CLEAR: [&str; 7] =
    [DEVICE, LAST_SYNC, RECORDS_VERSION, SUMMARIES_VERSION, PENDING_VERSION, IDLE_LOCK_MINUTES, KIOSK];

/// The pull cursor of one member of staff: the server pages changes by the person's
/// sites, so a tablet shared by people of different sites keeps one cursor each.
pub fn cursor_key(staff: &portal_desk_core::StaffId) -> String {
    format!("cursor/{staff}")
}

/// The marker left as the counters move on from pending version `version` (see
/// `store::counters`). Numbers are padded so that the markers sort in order.
pub fn moved_key(version: u64) -> String {
    format!("{MOVED_PREFIX}{version:020}")
}

/// Every marker of [`moved_key`] sorts from this key up to [`MOVED_END`], excluded.
pub const MOVED_PREFIX: &str = "moved/";
/// The key just past the last marker of [`moved_key`] (`0` follows `/`).
pub const MOVED_END: &str = "moved0";

/// The session a member of staff last signed in with on this device, so that their
/// PIN brings it back after someone else has used the tablet.
pub fn session_key(staff: &portal_desk_core::StaffId) -> String {
    format!("session/{staff}")
}

/// Reads one value.
pub async fn get<T: DeserializeOwned>(meta: &ObjectStore<'_>, key: &str) -> Result<Option<T>, StoreError> {
    if CLEAR.contains(&key) {
        codec::get_clear(meta, key).await
    } else {
        codec::get(meta, key).await
    }
}

/// Writes one value.
pub async fn put<T: Serialize>(meta: &ObjectStore<'_>, key: &str, value: &T) -> Result<(), StoreError> {
    issue_put(meta, key, value)?.await?;
    Ok(())
}

/// Issues, at once, the request of [`put`], for the caller to await or to leave to
/// its transaction (see `codec::issue_put`).
pub fn issue_put<T: Serialize>(meta: &ObjectStore<'_>, key: &str, value: &T) -> Result<VoidRequest, StoreError> {
    if CLEAR.contains(&key) {
        codec::issue_put_clear(meta, key, value)
    } else {
        codec::issue_put(meta, key, value)
    }
}
