//! The outbox: every change a person makes, written durably before the screen says it
//! is saved, and kept until the server has dealt with it.

use super::{meta, schema, Store, StoreError};
use crate::browser::{new_uuid, now_ms};
use crate::settle::{RejectedOp, Settlement};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::{Clock, Op, OpBody, OpId, RecordId, StaffId};

/// The outbox key of an operation. IndexedDB keys must be JS numbers, not BigInts, so
/// the sequence number goes in as a float (exact up to 2^53).
fn seq_key(seq: u64) -> f64 {
    seq as f64
}

impl Store {
    /// Records one person's changes as operations, durably, in ONE readwrite
    /// transaction over the outbox and meta: the sequence numbers and clock ticks are
    /// taken from meta inside it, so two writes can never share a number, and either
    /// every operation and the new counters are stored or nothing is. Only when this
    /// resolves may the screen say the change is saved on this device.
    pub async fn record_changes(
        &self,
        actor: &StaffId,
        changes: Vec<(RecordId, OpBody)>,
    ) -> Result<Vec<Op>, StoreError> {
        // Ids and the time are worked out before the transaction: nothing but
        // IndexedDB requests may be awaited inside it.
        let now = now_ms();
        let ids: Vec<OpId> = changes.iter().map(|_| OpId::from(new_uuid())).collect();
        let device = self.device().clone();

        let tx = self.db().transaction([schema::OUTBOX, schema::META]).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let meta_store = tx.object_store(schema::META)?;
        let mut seq: u64 = meta::get(&meta_store, meta::NEXT_SEQ).await?.unwrap_or(1);
        let mut clock: Clock = meta::get(&meta_store, meta::CLOCK).await?.unwrap_or_else(|| Clock::new(device.clone()));
        let mut ops = Vec::with_capacity(changes.len());
        for ((record, body), id) in changes.into_iter().zip(ids) {
            let op = Op { id, device: device.clone(), seq, hlc: clock.tick(now), actor: actor.clone(), record, body };
            outbox.put(&op).with_key(seq_key(seq)).without_key_type().serde()?.await?;
            ops.push(op);
            seq += 1;
        }
        meta::put(&meta_store, meta::NEXT_SEQ, &seq).await?;
        meta::put(&meta_store, meta::CLOCK, &clock).await?;
        tx.commit().await?;
        Ok(ops)
    }

    /// The oldest `limit` operations waiting to be pushed, in sequence order.
    pub async fn outbox_batch(&self, limit: u32) -> Result<Vec<Op>, StoreError> {
        let tx = self.db().transaction(schema::OUTBOX).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let ops = outbox.get_all().with_limit(limit).serde()?.await?;
        Ok(ops.collect::<Result<Vec<Op>, _>>()?)
    }

    /// Every operation waiting to be pushed, in sequence order.
    pub async fn outbox(&self) -> Result<Vec<Op>, StoreError> {
        let tx = self.db().transaction(schema::OUTBOX).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let ops = outbox.get_all().serde()?.await?;
        Ok(ops.collect::<Result<Vec<Op>, _>>()?)
    }

    /// How many operations are waiting, and how many the server rejected.
    pub async fn counts(&self) -> Result<(usize, usize), StoreError> {
        let tx = self.db().transaction([schema::OUTBOX, schema::REJECTED]).build()?;
        let waiting = tx.object_store(schema::OUTBOX)?.count().await?;
        let rejected = tx.object_store(schema::REJECTED)?.count().await?;
        Ok((waiting as usize, rejected as usize))
    }

    /// Applies the server's answer to a push in one transaction: everything up to
    /// `acked_through` leaves the outbox, and the rejected operations among them are
    /// kept, with the reason, in the rejected store.
    pub async fn settle(&self, settlement: &Settlement) -> Result<(), StoreError> {
        let tx =
            self.db().transaction([schema::OUTBOX, schema::REJECTED]).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let rejected = tx.object_store(schema::REJECTED)?;
        for entry in &settlement.rejected {
            rejected.put(entry).with_key(seq_key(entry.op.seq)).without_key_type().serde()?.await?;
        }
        if settlement.acked_through > 0 {
            outbox.delete(..=seq_key(settlement.acked_through)).primitive()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The operations the server rejected, oldest first.
    pub async fn rejected(&self) -> Result<Vec<RejectedOp>, StoreError> {
        let tx = self.db().transaction(schema::REJECTED).build()?;
        let rejected = tx.object_store(schema::REJECTED)?;
        let entries = rejected.get_all().serde()?.await?;
        Ok(entries.collect::<Result<Vec<RejectedOp>, _>>()?)
    }
}
