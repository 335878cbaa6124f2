//! The outbox: every change a person makes, written durably before the screen says it
//! is saved, and kept until the server has dealt with it; then applied changes wait in
//! `acked` for a pull to bring them back, and rejected ones move to `rejected`.

use super::counters::{self, CounterStores, WriteCounters};
use super::vault::PendingIndex;
use super::{codec, meta, pending, schema, Store, StoreError};
use crate::browser::{can_commit_early, new_uuid, now_ms, performance_mark};
use crate::settle::{settle_push, PushSettlement};
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::protocol::client::RejectedOp;
use portal_desk_core::protocol::PushResponse;
use portal_desk_core::signing::OpKey;
use portal_desk_core::{DeviceId, Op, OpBody, OpId, RecordId, StaffId};

/// The User Timing mark left each time a change has been committed with its outbox entry.
pub const DURABLE_MARK: &str = "portal-desk:durable";

/// The User Timing mark left as a local write starts its work on the store.
pub const WRITE_START_MARK: &str = "portal-desk:write-start";

/// The changes of one [`Store::record_changes`], with what was worked out for them
/// before its transaction.
struct Made<'a> {
    actor: &'a StaffId,
    changes: &'a [(RecordId, OpBody)],
    ids: &'a [OpId],
    now: u64,
    /// The actor's operation key; `None` only on a device the server has not yet given
    /// its secret (an app from before signing), whose unsigned changes it holds.
    signer: Option<&'a OpKey>,
}

impl Made<'_> {
    /// Issues the requests of the write made from `counters` (a note of them when
    /// `noted`, else as read in this transaction): each operation ADDED to the outbox,
    /// as a sequence number is never used twice, and the counters moved on, with the
    /// checks of a note. Returns the operations, the counters after them, and the
    /// requests, all issued.
    fn issue(
        &self,
        device: &DeviceId,
        counters: &WriteCounters,
        noted: bool,
        outbox: &ObjectStore<'_>,
        counter_stores: &CounterStores<'_>,
    ) -> Result<(Vec<Op>, WriteCounters, Vec<VoidRequest>), StoreError> {
        let mut replica = counters.replica(device);
        let mut ops: Vec<Op> = self
            .changes
            .iter()
            .zip(self.ids)
            .map(|((record, body), id)| {
                replica.make(id.clone(), self.actor.clone(), record.clone(), body.clone(), self.now).clone()
            })
            .collect();
        // Signed here, once the sequence numbers and clocks are known: the signature
        // covers them. HMAC-SHA256 of a few hundred bytes, microseconds in wasm.
        if let Some(signer) = self.signer {
            for op in &mut ops {
                signer.sign(op).map_err(|_| StoreError::CannotSign)?;
            }
        }
        let mut requests = Vec::new();
        for op in &ops {
            requests.push(codec::issue_add(outbox, seq_key(op.seq), op)?);
        }
        let after = counters.issue_after(counter_stores, &replica, noted, &mut requests)?;
        Ok((ops, after, requests))
    }
}

/// The key of an operation in the outbox, acked and rejected stores. IndexedDB keys
/// must be JS numbers, not BigInts, so the sequence number goes in as a float (exact
/// up to 2^53).
pub(super) fn seq_key(seq: u64) -> f64 {
    seq as f64
}

impl Store {
    /// Records one person's changes as operations, durably, in ONE readwrite
    /// transaction over the outbox and meta: the sequence numbers and clock ticks come
    /// from meta's counters (through the core's `Replica::make`), so two writes can never
    /// share a number, and either every operation and the new counters are stored or
    /// nothing is. Only when this resolves may the screen say the change is saved.
    ///
    /// When this tab noted the counters at its last write, the operations are made from
    /// that note and the transaction is committed as soon as its requests are issued:
    /// the browser stores them and writes them to disk without waiting for the page,
    /// which after a tap is busy drawing its frame. The database refuses the write if
    /// the note was stale (`store::counters`), and it is made again reading first.
    pub async fn record_changes(
        &self,
        actor: &StaffId,
        changes: Vec<(RecordId, OpBody)>,
    ) -> Result<Vec<Op>, StoreError> {
        performance_mark(WRITE_START_MARK);
        // Ids and the time are worked out before the transaction: nothing but
        // IndexedDB requests may be awaited inside it.
        let now = now_ms();
        let ids: Vec<OpId> = changes.iter().map(|_| OpId::from(new_uuid())).collect();
        if !self.is_unlocked() {
            return Err(StoreError::Locked);
        }
        let signer = self.op_key_of(actor);
        // A device with a secret signs everything: the server refuses its unsigned
        // changes, so one made without the person's key is not saved at all.
        if signer.is_none() && self.has_device_secret().await? {
            return Err(StoreError::CannotSign);
        }
        let made = Made { actor, changes: &changes, ids: &ids, now, signer: signer.as_ref() };
        if let Some(noted) = self.noted_counters().filter(|_| can_commit_early()) {
            if let Some(ops) = self.record_ops(&made, Some(noted)).await? {
                return Ok(ops);
            }
        }
        let ops = self.record_ops(&made, None).await?;
        Ok(ops.unwrap_or_default())
    }

    /// One attempt at [`Store::record_changes`]'s transaction: from the `noted`
    /// counters when given (`None` back if the database refused them, with nothing
    /// written), else from the counters read first.
    async fn record_ops(&self, made: &Made<'_>, noted: Option<WriteCounters>) -> Result<Option<Vec<Op>>, StoreError> {
        let device = self.device();
        let tx = self.person_tx([schema::OUTBOX, schema::META, schema::EPOCHS])?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let counter_stores = CounterStores::of(&tx)?;
        let from_note = noted.is_some();
        let before = match noted {
            Some(noted) => noted,
            None => WriteCounters::read(&counter_stores.meta, device).await?,
        };
        let (ops, after, requests) = made.issue(device, &before, from_note, &outbox, &counter_stores)?;
        if from_note {
            // Not one answer awaited: the transaction's outcome is the answer. Any
            // failed request (a marker that says the counters moved on, or a full
            // disk) aborts it whole, and the write is made again reading first.
            drop(requests);
            if tx.commit().await.is_err() {
                self.note_counters(None);
                return Ok(None);
            }
        } else {
            counters::answered(requests).await?;
            tx.commit().await?;
        }
        // The change is durable from here on: the moment "tap to saved" is measured to.
        performance_mark(DURABLE_MARK);
        self.note_counters(Some(after));
        self.pending_written(before.pending, Some(|copy: &mut PendingIndex| copy.outbox.extend(ops.iter().cloned())));
        Ok(Some(ops))
    }

    /// The highest sequence number waiting in the outbox (0 when it is empty), read from
    /// the keys alone, so it works while the device is locked: what a sign-in tells the
    /// server the device queued before it could sign.
    pub async fn last_queued_seq(&self) -> Result<u64, StoreError> {
        let tx = self.db().transaction(schema::OUTBOX).build()?;
        let keys: Vec<f64> = tx
            .object_store(schema::OUTBOX)?
            .get_all_keys()
            .primitive()?
            .await?
            .collect::<indexed_db_futures::Result<_>>()?;
        Ok(keys.into_iter().fold(0.0, f64::max) as u64)
    }

    /// The oldest `limit` operations waiting to be pushed, in sequence order.
    pub async fn outbox_batch(&self, limit: u32) -> Result<Vec<Op>, StoreError> {
        let tx = self.db().transaction(schema::OUTBOX).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        codec::get_first(&outbox, limit).await
    }

    /// Every operation waiting to be pushed, in sequence order.
    pub async fn outbox(&self) -> Result<Vec<Op>, StoreError> {
        let tx = self.db().transaction(schema::OUTBOX).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        codec::get_all(&outbox).await
    }

    /// How many operations are waiting, and how many the server rejected.
    pub async fn counts(&self) -> Result<(usize, usize), StoreError> {
        let tx = self.db().transaction([schema::OUTBOX, schema::REJECTED]).build()?;
        let waiting = tx.object_store(schema::OUTBOX)?.count().await?;
        let rejected = tx.object_store(schema::REJECTED)?.count().await?;
        Ok((waiting as usize, rejected as usize))
    }

    /// Takes in the server's answer to a push, in one transaction: everything up to
    /// `applied_through` leaves the outbox; applied operations move to `acked` (still
    /// shown until a pull brings them back) and rejected ones to `rejected`, with the
    /// server's reason.
    pub async fn settle_push(&self, response: &PushResponse) -> Result<PushSettlement, StoreError> {
        let device = self.device().clone();
        let stores = [schema::OUTBOX, schema::ACKED, schema::REJECTED, schema::META, schema::EPOCHS];
        let tx = self.db().transaction(stores).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let acked = tx.object_store(schema::ACKED)?;
        let rejected = tx.object_store(schema::REJECTED)?;
        let counter_stores = CounterStores::of(&tx)?;
        let meta_store = &counter_stores.meta;
        let through = seq_key(response.applied_through);
        let done: Vec<Op> =
            if response.applied_through == 0 { Vec::new() } else { codec::get_through(&outbox, through).await? };
        let acks: u64 = meta::get(meta_store, meta::ACKS).await?.unwrap_or(0);
        let settlement = settle_push(&device, done, acks, response);
        for entry in &settlement.acked {
            codec::put(&acked, seq_key(entry.op.seq), entry).await?;
        }
        for entry in &settlement.rejected {
            codec::put(&rejected, seq_key(entry.op.seq), entry).await?;
        }
        if response.applied_through > 0 {
            codec::delete_through(&outbox, through).await?;
        }
        meta::put(meta_store, meta::ACKS, &settlement.acks).await?;
        let before = pending::move_on(&counter_stores).await?;
        tx.commit().await?;
        self.pending_written(before, None::<fn(&mut PendingIndex)>);
        Ok(settlement)
    }

    /// The operations the server rejected, oldest first.
    pub async fn rejected(&self) -> Result<Vec<RejectedOp>, StoreError> {
        let tx = self.db().transaction(schema::REJECTED).build()?;
        let rejected = tx.object_store(schema::REJECTED)?;
        codec::get_all(&rejected).await
    }
}
