//! What the person does with a change the server rejected: send it again (Retry) or
//! give it up (Dismiss). Neither loses it: a retried change goes back in the outbox
//! before it leaves the rejected list, in the same transaction, and a dismissed one
//! moves to a dismissed list kept on the device with who gave it up and when.
//!
//! A retry is a NEW operation (fresh id, next sequence number, a fresh clock tick) with
//! the same record and body: the server answers an old sequence number with its stored
//! outcome — the same rejection — and refuses an old operation id as a duplicate, so
//! resending the old operation could never succeed.

use super::counters::{self, CounterStores, WriteCounters};
use super::outbox::seq_key;
use super::vault::PendingIndex;
use super::{codec, meta, schema, Store, StoreError};
use crate::browser::{new_uuid, now_ms};
use indexed_db_futures::prelude::*;
use portal_desk_core::protocol::client::RejectedOp;
use portal_desk_core::{Op, OpId, StaffId};
use serde::{Deserialize, Serialize};

/// The `meta` key of the list of dismissed changes.
const DISMISSED: &str = "dismissed";

/// A rejected change the person gave up, kept so nothing disappears without a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DismissedChange {
    /// The change and the server's reason for rejecting it.
    pub rejected: RejectedOp,
    /// Who dismissed it.
    pub by: StaffId,
    /// The name of who dismissed it.
    pub by_name: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// The rejected change was not found: another tab (or a double tap) dealt with it.
fn already_dealt_with() -> StoreError {
    StoreError::Database("that change has already been sent again or dismissed".to_owned())
}

impl Store {
    /// Sends a rejected change again, in `actor`'s name: in one transaction the change is
    /// made again as a new operation at the end of the outbox (next sequence number, the
    /// clock ticked) and leaves the rejected list. Returns the new operation.
    pub async fn retry_rejected(&self, seq: u64, actor: &StaffId) -> Result<Op, StoreError> {
        // Worked out before the transaction: only IndexedDB requests are awaited in it.
        let id = OpId::from(new_uuid());
        let now = now_ms();

        let stores = [schema::REJECTED, schema::OUTBOX, schema::META, schema::EPOCHS];
        let tx = self.person_tx(stores)?;
        let rejected = tx.object_store(schema::REJECTED)?;
        let outbox = tx.object_store(schema::OUTBOX)?;
        let counter_stores = CounterStores::of(&tx)?;
        let entry: RejectedOp = codec::get(&rejected, seq_key(seq)).await?.ok_or_else(already_dealt_with)?;
        let before = WriteCounters::read(&counter_stores.meta, self.device()).await?;
        let mut replica = before.replica(self.device());
        let op = replica.make(id, actor.clone(), entry.op.record, entry.op.body, now).clone();
        let mut requests = Vec::new();
        let after = before.issue_after(&counter_stores, &replica, false, &mut requests)?;
        requests.push(codec::issue_add(&outbox, seq_key(op.seq), &op)?);
        requests.push(rejected.delete(seq_key(seq)).primitive()?);
        counters::answered(requests).await?;
        tx.commit().await?;
        self.note_counters(Some(after));
        self.pending_written(before.pending, Some(|copy: &mut PendingIndex| copy.outbox.push(op.clone())));
        Ok(op)
    }

    /// Gives up a rejected change, as `by` (named `by_name`) confirmed: in one
    /// transaction it leaves the rejected list and joins the dismissed list, with who
    /// and when.
    pub async fn dismiss_rejected(&self, seq: u64, by: &StaffId, by_name: &str) -> Result<DismissedChange, StoreError> {
        let now = now_ms();
        let tx = self.person_tx([schema::REJECTED, schema::META])?;
        let rejected = tx.object_store(schema::REJECTED)?;
        let meta_store = tx.object_store(schema::META)?;
        let entry: RejectedOp = codec::get(&rejected, seq_key(seq)).await?.ok_or_else(already_dealt_with)?;
        let mut dismissed: Vec<DismissedChange> = meta::get(&meta_store, DISMISSED).await?.unwrap_or_default();
        let change = DismissedChange { rejected: entry, by: by.clone(), by_name: by_name.to_owned(), at_ms: now };
        dismissed.push(change.clone());
        meta::put(&meta_store, DISMISSED, &dismissed).await?;
        rejected.delete(seq_key(seq)).primitive()?.await?;
        tx.commit().await?;
        Ok(change)
    }

    /// The rejected changes given up on this device, oldest first.
    pub async fn dismissed(&self) -> Result<Vec<DismissedChange>, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let meta_store = tx.object_store(schema::META)?;
        Ok(meta::get(&meta_store, DISMISSED).await?.unwrap_or_default())
    }
}
