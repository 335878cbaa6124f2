//! The counters a local write moves on — the last sequence number and the clock (kept
//! together, as [`Issued`]) and the pending version — and this tab's note of their
//! values after its own last write, so that the next write can be made from them and
//! committed at once, without a turn of the page's event loop to read them first.
//!
//! The note is only a guess, and the database itself refuses a write made from a stale
//! one. Every transaction that moves the pending version on from `v` (every write to
//! the outbox or `acked`; the clock and the sequence number only ever move with it)
//! ADDS a marker under `moved/v` in `meta`, and an add fails, aborting its whole
//! transaction, when the key is there already. A write made from a note of version `v`
//! adds that same marker, so it commits only if the counters still stand at `v`: had
//! anyone moved them on from `v` — another tab, a pull, a settled push — the marker
//! would be there, the transaction would abort with nothing of it written, and the
//! write is made again, reading first. IndexedDB runs readwrite transactions over
//! `meta` one at a time, so nothing moves the counters between that check and the write.
//!
//! The markers of one epoch are kept while it lasts, [`EPOCH_LENGTH`] moves at most; the
//! move that ends epoch `e` clears them, adds `ended/e` (`{epoch: e}`) to the `epochs`
//! store, which stays, and begins epoch `e+1`. A note carries its epoch, and a write
//! from it also puts the store's probe, `{epoch: e}`: the store's unique index on
//! `epoch` refuses the probe once `ended/e` is there, so a note older than the markers
//! cleared is refused too. The move that ends an epoch first puts the probe at the next
//! one, so that the probe never stands in the way of an end.
//!
//! Schema version 6 closed the connections of older apps in other tabs, which moved
//! the counters without leaving markers; version 7 closes those that check an epoch in
//! `meta`. A wipe of a revoked device clears the markers with everything else; a tab
//! still open on the wiped device could then write into it from its note, as it could
//! reading first, and neither is sent: the server refuses a revoked device.

use super::{codec, meta, pending, schema, vault, Store, StoreError};
use futures_util::future::try_join3;
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use indexed_db_futures::KeyRange;
use portal_desk_core::protocol::client::Replica;
use portal_desk_core::{Clock, DeviceId};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// How many moves of the counters one epoch of markers holds, at most.
pub(super) const EPOCH_LENGTH: u64 = 256;

/// An epoch of the counters' markers: its number, and the pending version it began at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Epoch {
    pub number: u64,
    pub since: u64,
}

impl Epoch {
    /// The epoch as stored; `None` on a device that has marked no move yet.
    pub async fn read(meta_store: &ObjectStore<'_>) -> Result<Option<Epoch>, StoreError> {
        meta::get(meta_store, meta::COUNTERS_EPOCH).await
    }
}

/// Issues, inside a transaction that writes the outbox or `acked`, the requests that
/// move the pending version on from `from` (in `epoch`): the new version, the marker
/// of the move, which fails the transaction if someone moved on from `from` already,
/// and, when the epoch has run its length, its end. Returns the epoch the counters are
/// in after the move. The first move marked on a device (`epoch` of `None`) begins
/// the first epoch.
pub(super) fn issue_move(
    stores: &CounterStores<'_>,
    from: u64,
    epoch: Option<&Epoch>,
    requests: &mut Vec<VoidRequest>,
) -> Result<Epoch, StoreError> {
    let meta_store = &stores.meta;
    requests.push(meta::issue_put(meta_store, meta::PENDING_VERSION, &(from + 1))?);
    requests.push(codec::issue_add(meta_store, meta::moved_key(from).as_str(), &())?);
    let Some(epoch) = epoch else {
        let first = Epoch { number: 0, since: from };
        requests.push(meta::issue_put(meta_store, meta::COUNTERS_EPOCH, &first)?);
        return Ok(first);
    };
    let to = from + 1;
    if to.saturating_sub(epoch.since) < EPOCH_LENGTH {
        return Ok(epoch.clone());
    }
    let next = Epoch { number: epoch.number + 1, since: to };
    requests.push(issue_probe(&stores.epochs, next.number)?);
    let end = ended_key(epoch.number);
    requests.push(stores.epochs.add(epoch_value(epoch.number)).with_key(end).without_key_type().primitive()?);
    let markers = KeyRange::Bound(meta::MOVED_PREFIX, false, meta::MOVED_END, true);
    requests.push(meta_store.delete::<&str, _>(markers).primitive()?);
    requests.push(meta::issue_put(meta_store, meta::COUNTERS_EPOCH, &next)?);
    Ok(next)
}

/// Issues the put of the probe at epoch `number`: the request fails, taking its
/// transaction down, if that epoch has ended (the unique index holds its end).
fn issue_probe(epochs: &ObjectStore<'_>, number: u64) -> Result<VoidRequest, StoreError> {
    Ok(epochs.put(epoch_value(number)).with_key(PROBE).without_key_type().primitive()?)
}

/// The key of the probe in the `epochs` store.
const PROBE: &str = "probe";

/// The key under which the end of epoch `number` is kept in the `epochs` store.
fn ended_key(number: u64) -> String {
    format!("ended/{number:020}")
}

/// An `epochs` value: `{epoch: number}`, as the store's unique index reads it.
fn epoch_value(number: u64) -> JsValue {
    let value = js_sys::Object::new();
    // Setting a property of a new plain object cannot fail.
    let _ = js_sys::Reflect::set(&value, &JsValue::from_str(schema::EPOCH_FIELD), &JsValue::from_f64(number as f64));
    value.into()
}

/// The stores the counters are kept in, opened from the transaction that moves them.
pub(super) struct CounterStores<'tx> {
    pub meta: ObjectStore<'tx>,
    pub epochs: ObjectStore<'tx>,
}

impl<'tx> CounterStores<'tx> {
    /// Opens them from `tx`, whose scope must include `meta` and `epochs`.
    pub fn of(tx: &'tx Transaction<'_>) -> Result<CounterStores<'tx>, StoreError> {
        Ok(CounterStores { meta: tx.object_store(schema::META)?, epochs: tx.object_store(schema::EPOCHS)? })
    }
}

/// The last sequence number issued and the clock, as kept in `meta`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Issued {
    pub last_seq: u64,
    pub clock: Clock,
}

impl Issued {
    /// Reads them inside a transaction over `meta`: from [`meta::ISSUED`], or from the
    /// two values an app before schema version 7 kept (absent ones at their starts).
    pub async fn read(meta_store: &ObjectStore<'_>, device: &DeviceId) -> Result<Issued, StoreError> {
        if let Some(issued) = meta::get(meta_store, meta::ISSUED).await? {
            return Ok(issued);
        }
        let (last_seq, clock) = futures_util::future::try_join(
            meta::get(meta_store, meta::LEGACY_LAST_SEQ),
            meta::get::<Clock>(meta_store, meta::LEGACY_CLOCK),
        )
        .await?;
        Ok(Issued { last_seq: last_seq.unwrap_or(0), clock: clock.unwrap_or_else(|| Clock::new(device.clone())) })
    }

    /// Issues the request that stores them.
    pub fn issue_put(&self, meta_store: &ObjectStore<'_>) -> Result<VoidRequest, StoreError> {
        meta::issue_put(meta_store, meta::ISSUED, self)
    }
}

/// Awaits requests issued ahead, in order.
pub(super) async fn answered(requests: Vec<VoidRequest>) -> Result<(), StoreError> {
    for request in requests {
        request.await?;
    }
    Ok(())
}

/// The stored counters, as a write reads them (absent ones at their starting values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct WriteCounters {
    pub issued: Issued,
    pub pending: u64,
    pub epoch: Option<Epoch>,
}

impl WriteCounters {
    /// Reads them inside a transaction over `meta`; the requests go out together.
    pub async fn read(meta_store: &ObjectStore<'_>, device: &DeviceId) -> Result<WriteCounters, StoreError> {
        let (issued, pending, epoch) =
            try_join3(Issued::read(meta_store, device), pending::version(meta_store), Epoch::read(meta_store)).await?;
        Ok(WriteCounters { issued, pending, epoch })
    }

    /// The device's replica at these counters, to make operations with.
    pub fn replica(&self, device: &DeviceId) -> Replica {
        let mut replica = Replica::new(device.clone());
        replica.last_seq = self.issued.last_seq;
        replica.clock = self.issued.clock.clone();
        replica
    }

    /// Issues, inside the transaction that stores the operations `replica` (made from
    /// these counters) numbered, the requests that move the counters on to after them;
    /// returns the counters they leave. When these counters are a note rather than
    /// read in the same transaction, `noted` adds the check of its epoch.
    pub fn issue_after(
        &self,
        stores: &CounterStores<'_>,
        replica: &Replica,
        noted: bool,
        requests: &mut Vec<VoidRequest>,
    ) -> Result<WriteCounters, StoreError> {
        if let (true, Some(epoch)) = (noted, &self.epoch) {
            requests.push(issue_probe(&stores.epochs, epoch.number)?);
        }
        let epoch = Some(issue_move(stores, self.pending, self.epoch.as_ref(), requests)?);
        let issued = Issued { last_seq: replica.last_seq, clock: replica.clock.clone() };
        requests.push(issued.issue_put(&stores.meta)?);
        Ok(WriteCounters { issued, pending: self.pending + 1, epoch })
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
