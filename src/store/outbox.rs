//! The outbox: every change a person makes, written durably before the screen says it
//! is saved, and kept until the server has dealt with it; then applied changes wait in
//! `acked` for a pull to bring them back, and rejected ones move to `rejected`.

use super::vault::PendingIndex;
use super::{codec, meta, pending, schema, Store, StoreError};
use crate::browser::{new_uuid, now_ms, performance_mark};
use crate::settle::{settle_push, PushSettlement};
use futures_util::future::{try_join3, try_join4};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::protocol::client::{RejectedOp, Replica};
use portal_desk_core::protocol::PushResponse;
use portal_desk_core::{Clock, Op, OpBody, OpId, RecordId, StaffId};

/// The User Timing mark left each time a change has been committed with its outbox entry.
pub const DURABLE_MARK: &str = "portal-desk:durable";

/// The key of an operation in the outbox, acked and rejected stores. IndexedDB keys
/// must be JS numbers, not BigInts, so the sequence number goes in as a float (exact
/// up to 2^53).
pub(super) fn seq_key(seq: u64) -> f64 {
    seq as f64
}

impl Store {
    /// Records one person's changes as operations, durably, in ONE readwrite
    /// transaction over the outbox and meta: the sequence numbers and clock ticks come
    /// from meta inside it (through the core's `Replica::make`), so two writes can never
    /// share a number, and either every operation and the new counters are stored or
    /// nothing is. Only when this resolves may the screen say the change is saved.
    pub async fn record_changes(
        &self,
        actor: &StaffId,
        changes: Vec<(RecordId, OpBody)>,
    ) -> Result<Vec<Op>, StoreError> {
        // Ids and the time are worked out before the transaction: nothing but
        // IndexedDB requests may be awaited inside it.
        let now = now_ms();
        let ids: Vec<OpId> = changes.iter().map(|_| OpId::from(new_uuid())).collect();
        let mut replica = Replica::new(self.device().clone());

        let tx = self.db().transaction([schema::OUTBOX, schema::META]).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let meta_store = tx.object_store(schema::META)?;
        // The reads go out together, and so do the writes: IndexedDB runs a
        // transaction's requests in order, a failed one aborts it all, and each round
        // trip saved is time before the person sees "saved".
        let (last_seq, clock, before) = try_join3(
            meta::get(&meta_store, meta::LAST_SEQ),
            meta::get::<Clock>(&meta_store, meta::CLOCK),
            pending::version(&meta_store),
        )
        .await?;
        replica.last_seq = last_seq.unwrap_or(0);
        if let Some(clock) = clock {
            replica.clock = clock;
        }
        let ops: Vec<Op> = changes
            .into_iter()
            .zip(ids)
            .map(|((record, body), id)| replica.make(id, actor.clone(), record, body, now).clone())
            .collect();
        try_join4(
            codec::put_many(&outbox, ops.iter().map(|op| (seq_key(op.seq), op))),
            meta::put(&meta_store, meta::LAST_SEQ, &replica.last_seq),
            meta::put(&meta_store, meta::CLOCK, &replica.clock),
            pending::moved_on_from(&meta_store, before),
        )
        .await?;
        tx.commit().await?;
        // The change is durable from here on: the moment "tap to saved" is measured to.
        performance_mark(DURABLE_MARK);
        self.pending_written(before, Some(|copy: &mut PendingIndex| copy.outbox.extend(ops.iter().cloned())));
        Ok(ops)
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
        let stores = [schema::OUTBOX, schema::ACKED, schema::REJECTED, schema::META];
        let tx = self.db().transaction(stores).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let acked = tx.object_store(schema::ACKED)?;
        let rejected = tx.object_store(schema::REJECTED)?;
        let meta_store = tx.object_store(schema::META)?;
        let through = seq_key(response.applied_through);
        let done: Vec<Op> =
            if response.applied_through == 0 { Vec::new() } else { codec::get_through(&outbox, through).await? };
        let acks: u64 = meta::get(&meta_store, meta::ACKS).await?.unwrap_or(0);
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
        meta::put(&meta_store, meta::ACKS, &settlement.acks).await?;
        let before = pending::move_on(&meta_store).await?;
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
