//! The counters a local write moves on — the last sequence number, the clock and the
//! pending version — and this tab's note of their values after its own last write, so
//! the next write can be made from them without first waiting to read them.
//!
//! The note is only a guess: a write made from it also reads the stored counters in
//! its own transaction, ahead of its puts, and is abandoned (aborted, nothing written)
//! when they differ — another tab wrote, a pull ticked the clock, a rejected change was
//! sent again. IndexedDB runs readwrite transactions over `meta` one at a time, so what
//! that transaction reads is what it overwrites.

use super::{meta, pending, vault, Store, StoreError};
use futures_util::future::try_join3;
use indexed_db_futures::object_store::ObjectStore;
use portal_desk_core::protocol::client::Replica;
use portal_desk_core::{Clock, DeviceId};

/// The stored counters, as a write reads them (absent ones at their starting values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct WriteCounters {
    pub last_seq: u64,
    pub clock: Clock,
    pub pending: u64,
}

impl WriteCounters {
    /// Reads them inside a transaction over `meta`; the three requests go out together.
    pub async fn read(meta_store: &ObjectStore<'_>, device: &DeviceId) -> Result<WriteCounters, StoreError> {
        let (last_seq, clock, pending) = try_join3(
            meta::get(meta_store, meta::LAST_SEQ),
            meta::get::<Clock>(meta_store, meta::CLOCK),
            pending::version(meta_store),
        )
        .await?;
        Ok(WriteCounters {
            last_seq: last_seq.unwrap_or(0),
            clock: clock.unwrap_or_else(|| Clock::new(device.clone())),
            pending,
        })
    }

    /// The device's replica at these counters, to make operations with.
    pub fn replica(&self, device: &DeviceId) -> Replica {
        let mut replica = Replica::new(device.clone());
        replica.last_seq = self.last_seq;
        replica.clock = self.clock.clone();
        replica
    }

    /// The counters once `replica` (made from these) has issued its operations.
    pub fn after(&self, replica: &Replica) -> WriteCounters {
        WriteCounters { last_seq: replica.last_seq, clock: replica.clock.clone(), pending: self.pending + 1 }
    }

    /// Writes them, inside the transaction that stores the operations they numbered.
    pub async fn write(&self, meta_store: &ObjectStore<'_>) -> Result<(), StoreError> {
        try_join3(
            meta::put(meta_store, meta::LAST_SEQ, &self.last_seq),
            meta::put(meta_store, meta::CLOCK, &self.clock),
            meta::put(meta_store, meta::PENDING_VERSION, &self.pending),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// This tab's note of the counters after its last write, if it has one.
    pub(super) fn noted_counters(&self) -> Option<WriteCounters> {
        vault::unlocked(&self.name).ok()?.counters.borrow().clone()
    }

    /// Notes the counters a committed write left (or forgets them, with `None`).
    pub(super) fn note_counters(&self, counters: Option<WriteCounters>) {
        if let Ok(unlocked) = vault::unlocked(&self.name) {
            *unlocked.counters.borrow_mut() = counters;
        }
    }
}
