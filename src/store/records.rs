//! Confirmed server state: pull pages land here, and the screens read it together with
//! the acknowledged operations and the outbox to show what the person expects to see.
//!
//! While the device is unlocked the confirmed records are also kept decrypted in memory
//! (`vault::RecordIndex`), so the screens do not decrypt thousands of records on every
//! read: the index is loaded on first use, updated after each write here, reloaded when
//! `meta`'s records version shows another tab changed the records, and dropped at lock.

use super::vault::{self, PendingIndex, RecordIndex};
use super::{codec, meta, pending, schema, summaries, Store, StoreError};
use crate::settle::{settle_pull, LocalState, PullState};
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use portal_desk_core::protocol::client::{AckedOp, PullTicket};
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{Clock, Record, RecordId, StaffId};
use std::collections::HashMap;

impl Store {
    /// Where `staff`'s next pull starts.
    pub async fn cursor(&self, staff: &StaffId) -> Result<u64, StoreError> {
        Ok(self.pull_ticket(staff).await?.cursor)
    }

    /// What to ask the next pull for, read just before sending it: `staff`'s cursor,
    /// and how many acknowledgements had arrived, so the answer can retire them.
    pub async fn pull_ticket(&self, staff: &StaffId) -> Result<PullTicket, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let meta_store = tx.object_store(schema::META)?;
        let cursor = meta::get(&meta_store, &meta::cursor_key(staff)).await?.unwrap_or(0);
        let acks_before = meta::get(&meta_store, meta::ACKS).await?.unwrap_or(0);
        Ok(PullTicket { cursor, acks_before })
    }

    /// Applies one pull page in one transaction: the records (the newer of held and
    /// received), the new cursor, the clock having witnessed the page, and the acked
    /// operations the page has brought back. Returns whether more pages wait, and the
    /// new cursor.
    pub async fn apply_pull_page(
        &self,
        staff: &StaffId,
        ticket: &PullTicket,
        page: PullResponse,
    ) -> Result<(bool, u64), StoreError> {
        let device = self.device().clone();
        let cursor_key = meta::cursor_key(staff);
        // The page's records sealed before the transaction opens (see `codec::seal_ahead`),
        // by id and server version: the page's copy of a record is what gets stored
        // unless a newer one is already held.
        let mut sealed_ahead: HashMap<(RecordId, u64), String> =
            codec::seal_ahead(&self.name, schema::RECORDS, &page.records)
                .await?
                .map(|sealed| page.records.iter().map(|r| (r.id.clone(), r.version)).zip(sealed).collect())
                .unwrap_or_default();
        let stores = [schema::RECORDS, schema::ACKED, schema::META, schema::SUMMARIES];
        let tx = self.db().transaction(stores).with_mode(TransactionMode::Readwrite).build()?;
        let records = tx.object_store(schema::RECORDS)?;
        let acked = tx.object_store(schema::ACKED)?;
        let meta_store = tx.object_store(schema::META)?;
        let summaries = tx.object_store(schema::SUMMARIES)?;

        let version: u64 = meta::get(&meta_store, meta::RECORDS_VERSION).await?.unwrap_or(0);
        let unlocked = vault::unlocked(&self.name)?;
        load_held_ids(&records, &unlocked, version).await?;
        let maybe_held: Vec<&str> = {
            let held_ids = unlocked.held_ids.borrow();
            let known = |id: &str| held_ids.as_ref().is_none_or(|held| held.ids.contains(id));
            page.records.iter().map(|r| r.id.as_str()).filter(|id| known(id)).collect()
        };
        let held: Vec<Record> = codec::get_many(&records, maybe_held).await?.into_iter().flatten().collect();
        let state = PullState {
            clock: meta::get(&meta_store, meta::CLOCK).await?.unwrap_or_else(|| Clock::new(device.clone())),
            held,
            acked: codec::get_all::<AckedOp>(&acked).await?,
            cursor: meta::get(&meta_store, &cursor_key).await?.unwrap_or(0),
        };
        let settled = settle_pull(&device, state, ticket, page);

        let entries =
            settled.records.iter().map(|r| (r.id.as_str(), r, sealed_ahead.remove(&(r.id.clone(), r.version))));
        codec::put_many_sealed_ahead(&records, entries).await?;
        acked.clear()?.await?;
        codec::put_many(&acked, settled.acked.iter().map(|e| (super::outbox::seq_key(e.op.seq), e))).await?;
        meta::put(&meta_store, &cursor_key, &settled.cursor).await?;
        meta::put(&meta_store, meta::CLOCK, &settled.clock).await?;
        let in_step = summaries::keep_in_step(&summaries, &meta_store, version, &settled.records, &[]).await?;
        meta::put(&meta_store, meta::RECORDS_VERSION, &(version + 1)).await?;
        let before = pending::move_on(&meta_store).await?;
        tx.commit().await?;
        self.pending_written(before, Some(|copy: &mut PendingIndex| copy.acked = settled.acked));
        self.update_summaries(version, in_step, &settled.records, &[]);
        let mut held_ids = unlocked.held_ids.borrow_mut();
        match held_ids.as_mut() {
            Some(held) if held.version == version => {
                held.ids.extend(settled.records.iter().map(|r| r.id.as_str().to_owned()));
                held.version = version + 1;
            }
            _ => *held_ids = None,
        }
        drop(held_ids);
        self.update_index(version, |records| {
            for record in settled.records {
                records.insert(record.id.as_str().to_owned(), record);
            }
        });
        Ok((settled.more, settled.cursor))
    }

    /// Every confirmed record, acknowledged operation and pending operation, read in
    /// one transaction so they agree.
    pub async fn local_state(&self) -> Result<LocalState, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        let tx = self.db().transaction([schema::RECORDS, schema::ACKED, schema::OUTBOX, schema::META]).build()?;
        load_index(&tx, &unlocked).await?;
        let records =
            unlocked.index.borrow().as_ref().map(|i| i.records.values().cloned().collect()).unwrap_or_default();
        let (acked, outbox) = pending::pending_where(&tx, |_| true).await?;
        Ok(LocalState { records, acked, outbox })
    }

    /// The confirmed records `keep` picks (a site's patients, say), from the in-memory
    /// index, which is loaded first if it is stale; only those are cloned.
    pub async fn records_where(&self, keep: impl Fn(&Record) -> bool) -> Result<Vec<Record>, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        let tx = self.db().transaction([schema::RECORDS, schema::META]).build()?;
        load_index(&tx, &unlocked).await?;
        let index = unlocked.index.borrow();
        Ok(index.as_ref().map(|i| i.records.values().filter(|r| keep(r)).cloned().collect()).unwrap_or_default())
    }

    /// Applies `change` to the in-memory index after a write that moved the records
    /// version on from `version`; an index that was already stale is left to reload.
    pub(super) fn update_index(
        &self,
        version: u64,
        change: impl FnOnce(&mut std::collections::BTreeMap<String, Record>),
    ) {
        let Ok(unlocked) = vault::unlocked(&self.name) else { return };
        let mut index = unlocked.index.borrow_mut();
        match index.as_mut() {
            Some(index) if index.version == version => {
                change(&mut index.records);
                index.version = version + 1;
            }
            _ => *index = None,
        }
    }

    /// The same for one record: its confirmed state (if any) and the operations on it.
    pub async fn local_state_of(&self, id: &RecordId) -> Result<LocalState, StoreError> {
        let tx = self.db().transaction([schema::RECORDS, schema::ACKED, schema::OUTBOX, schema::META]).build()?;
        let record: Option<Record> = codec::get(&tx.object_store(schema::RECORDS)?, id.as_str()).await?;
        let (acked, outbox) = pending::pending_where(&tx, |record| record == id).await?;
        Ok(LocalState { records: record.into_iter().collect(), acked, outbox })
    }
}

/// Makes the in-memory set of held record ids current for records version `version`,
/// reading the store's keys (not its values) when another write has moved it on.
async fn load_held_ids(records: &ObjectStore<'_>, unlocked: &vault::Unlocked, version: u64) -> Result<(), StoreError> {
    if unlocked.held_ids.borrow().as_ref().is_some_and(|held| held.version == version) {
        return Ok(());
    }
    let ids: std::collections::HashSet<String> =
        records.get_all_keys().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    *unlocked.held_ids.borrow_mut() = Some(vault::HeldIds { version, ids });
    Ok(())
}

/// Makes the in-memory index of records current, reading every record (inside `tx`,
/// which spans `records` and `meta`) only when another write has moved the version on.
async fn load_index(tx: &Transaction<'_>, unlocked: &vault::Unlocked) -> Result<(), StoreError> {
    let version: u64 = meta::get(&tx.object_store(schema::META)?, meta::RECORDS_VERSION).await?.unwrap_or(0);
    let fresh = unlocked.index.borrow().as_ref().is_some_and(|index| index.version == version);
    if !fresh {
        let loaded: Vec<Record> = codec::get_all(&tx.object_store(schema::RECORDS)?).await?;
        let records = loaded.into_iter().map(|r| (r.id.as_str().to_owned(), r)).collect();
        *unlocked.index.borrow_mut() = Some(RecordIndex { version, records });
    }
    Ok(())
}
