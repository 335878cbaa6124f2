//! The operations shown over the confirmed records — the outbox, and the acknowledged
//! ones a pull has not brought back — kept decrypted in memory while the device is
//! unlocked, so redrawing a case after a change does not decrypt every waiting change
//! again (a thousand of them after a day offline).
//!
//! `meta`'s pending version is moved on by every transaction that writes the outbox or
//! `acked`, in that same transaction; a reader compares it with the copy's, inside its
//! own transaction, and reads the stores again when another write (here or in another
//! tab) moved it on. A write here updates the copy in place when it was current.

use super::counters::{self, CounterStores, Epoch};
use super::vault::{self, PendingIndex};
use super::{codec, meta, schema, Store, StoreError};
use futures_util::future::try_join;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::transaction::Transaction;
use portal_desk_core::protocol::client::AckedOp;
use portal_desk_core::{Op, RecordId};

/// Inside a transaction that writes the outbox or `acked`: moves the pending version
/// on, and returns the version it moved on from (for [`Store::pending_written`]).
/// The move is marked for the writes made from a note of the counters (see
/// `store::counters`).
pub(super) async fn move_on(stores: &CounterStores<'_>) -> Result<u64, StoreError> {
    let (version, epoch) = try_join(version(&stores.meta), Epoch::read(&stores.meta)).await?;
    let mut requests = Vec::new();
    counters::issue_move(stores, version, epoch.as_ref(), &mut requests)?;
    counters::answered(requests).await?;
    Ok(version)
}

/// The pending version as stored (0 before the first write).
pub(super) async fn version(meta_store: &ObjectStore<'_>) -> Result<u64, StoreError> {
    Ok(meta::get(meta_store, meta::PENDING_VERSION).await?.unwrap_or(0))
}

/// The acknowledged and pending operations on the records `keep` picks, in order,
/// read inside `tx` (over `acked`, `outbox` and `meta`) from memory when the copy is
/// current, and from the stores (refreshing the copy) when it is not.
pub(super) async fn pending_where(
    tx: &Transaction<'_>,
    keep: impl Fn(&RecordId) -> bool,
) -> Result<(Vec<AckedOp>, Vec<Op>), StoreError> {
    let meta_store = tx.object_store(schema::META)?;
    let unlocked = vault::unlocked(&meta_store.db().name())?;
    let version: u64 = meta::get(&meta_store, meta::PENDING_VERSION).await?.unwrap_or(0);
    let current = unlocked.pending.borrow().as_ref().is_some_and(|p| p.version == version);
    if !current {
        let acked = codec::get_all(&tx.object_store(schema::ACKED)?).await?;
        let outbox = codec::get_all(&tx.object_store(schema::OUTBOX)?).await?;
        *unlocked.pending.borrow_mut() = Some(PendingIndex { version, acked, outbox });
    }
    let pending = unlocked.pending.borrow();
    let Some(pending) = pending.as_ref() else { return Ok((Vec::new(), Vec::new())) };
    Ok((
        pending.acked.iter().filter(|a| keep(&a.op.record)).cloned().collect(),
        pending.outbox.iter().filter(|op| keep(&op.record)).cloned().collect(),
    ))
}

impl Store {
    /// After a write that moved the pending version on from `before`: applies `change`
    /// to the copy in memory if it was current, or drops it (`change` of `None`, or a
    /// copy another write had already moved past) to be read again.
    pub(super) fn pending_written(&self, before: u64, change: Option<impl FnOnce(&mut PendingIndex)>) {
        let Ok(unlocked) = vault::unlocked(&self.name) else { return };
        let mut pending = unlocked.pending.borrow_mut();
        match (pending.as_mut(), change) {
            (Some(copy), Some(change)) if copy.version == before => {
                change(copy);
                copy.version = before + 1;
            }
            _ => *pending = None,
        }
    }
}
