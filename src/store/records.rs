//! Confirmed server state: pull pages land here, and the screens read it together with
//! the acknowledged operations and the outbox to show what the person expects to see.
//!
//! While the device is unlocked the confirmed records are also kept decrypted in memory
//! (`vault::RecordIndex`), so the screens do not decrypt thousands of records on every
//! read: the index is loaded on first use, updated after each write here, reloaded when
//! `meta`'s records version shows another tab changed the records, and dropped at lock.

use super::counters::{CounterStores, Issued};
use super::vault::{self, PendingIndex, RecordIndex};
use super::{bundles, codec, meta, pending, schema, summaries, Store, StoreError};
use crate::listing::touched_records;
use crate::settle::{settle_pull, LocalState, PullState};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use portal_desk_core::protocol::client::{AckedOp, PullTicket};
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{Record, RecordId, StaffId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
    /// received; the ones new to the device in bundles when there are many, see
    /// `store::bundles`), the new cursor, the clock having witnessed the page, and the
    /// acked operations the page has brought back. Returns whether more pages wait, and
    /// the new cursor.
    pub async fn apply_pull_page(
        &self,
        staff: &StaffId,
        ticket: &PullTicket,
        page: PullResponse,
    ) -> Result<(bool, u64), StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        // Which of the page's records are new to the device is read from the held ids
        // before the transaction, so their bundles can be sealed ahead; the transaction
        // checks nothing moved the records on meanwhile (another tab's pull, say) and
        // otherwise starts again, in the end storing every record under its own id.
        let mut page = page;
        for attempt in 0..3 {
            let plan =
                if attempt < 2 { self.plan_bundles(&unlocked, &page.records).await? } else { PagePlan::default() };
            match self.store_pull_page(&unlocked, staff, ticket, page, plan).await? {
                Stored::Done(more, cursor) => return Ok((more, cursor)),
                Stored::Again(returned) => page = returned,
            }
        }
        Err(StoreError::Database(
            "the records kept changing while a pull page was stored; Portal Desk will try again".to_owned(),
        ))
    }

    /// Which of `records` go into bundles (the ones new to the device, when there are
    /// at least `bundles::BUNDLE_FROM`), sealed ahead, and the records version that
    /// choice was made at (the held ids are read first when stale).
    async fn plan_bundles(&self, unlocked: &vault::Unlocked, records: &[Record]) -> Result<PagePlan, StoreError> {
        let tx = self.db().transaction([schema::RECORDS, schema::BUNDLE_IDS, schema::META]).build()?;
        let version: u64 = meta::get(&tx.object_store(schema::META)?, meta::RECORDS_VERSION).await?.unwrap_or(0);
        load_held_ids(&tx, unlocked, version).await?;
        drop(tx);
        let fresh: Vec<&Record> = {
            let held = unlocked.held_ids.borrow();
            let Some(held) = held.as_ref().filter(|held| held.version == version) else {
                return Ok(PagePlan::default());
            };
            records.iter().filter(|r| !held.ids.contains_key(r.id.as_str())).collect()
        };
        if fresh.len() < bundles::BUNDLE_FROM {
            return Ok(PagePlan::default());
        }
        let bulk = vault::bulk_sealer(&self.name).await?;
        let prepared = bundles::prepare(&fresh, bulk.as_deref()).await?;
        let fresh = fresh.iter().map(|r| r.id.as_str().to_owned()).collect();
        Ok(PagePlan { seen: Some(version), bundles: Some(prepared), fresh })
    }

    /// One attempt at storing `page` as `plan` says; the page back, with nothing
    /// written, when the plan's bundles were made for a records version since moved on.
    async fn store_pull_page(
        &self,
        unlocked: &vault::Unlocked,
        staff: &StaffId,
        ticket: &PullTicket,
        page: PullResponse,
        plan: PagePlan,
    ) -> Result<Stored, StoreError> {
        let PagePlan { seen, bundles: bundle, fresh } = plan;
        let device = self.device().clone();
        let cursor_key = meta::cursor_key(staff);
        // The page's records to store one by one, sealed before the transaction opens
        // (see `codec::seal_ahead`), by id and server version: the page's copy of a
        // record is what gets stored unless a newer one is already held.
        let own: Vec<&Record> = page.records.iter().filter(|r| !fresh.contains(r.id.as_str())).collect();
        let mut sealed_ahead: HashMap<(RecordId, u64), String> = codec::seal_ahead(&self.name, schema::RECORDS, &own)
            .await?
            .map(|sealed| own.iter().map(|r| (r.id.clone(), r.version)).zip(sealed).collect())
            .unwrap_or_default();
        let tx = self.db().transaction(schema::RECORDS_REWRITE).with_mode(TransactionMode::Readwrite).build()?;
        let records = tx.object_store(schema::RECORDS)?;
        let acked = tx.object_store(schema::ACKED)?;
        let counter_stores = CounterStores::of(&tx)?;
        let meta_store = &counter_stores.meta;
        let summaries = tx.object_store(schema::SUMMARIES)?;

        let version: u64 = meta::get(meta_store, meta::RECORDS_VERSION).await?.unwrap_or(0);
        if bundle.is_some() && seen != Some(version) {
            // Nothing written: dropping the transaction aborts it.
            drop(own);
            return Ok(Stored::Again(page));
        }
        load_held_ids(&tx, unlocked, version).await?;
        let maybe_held: Vec<String> = own.iter().map(|r| r.id.as_str().to_owned()).collect();
        drop(own);
        let places = unlocked.held_ids.borrow().as_ref().map(|held| bundles::locate(&held.ids, &maybe_held));
        let held = bundles::read_records(
            &records,
            &tx.object_store(schema::BUNDLES)?,
            places.unwrap_or_default(),
            &unlocked.bundle_cache,
            version,
        )
        .await?;
        let issued = Issued::read(meta_store, &device).await?;
        let state = PullState {
            clock: issued.clock,
            held,
            acked: codec::get_all::<AckedOp>(&acked).await?,
            cursor: meta::get(meta_store, &cursor_key).await?.unwrap_or(0),
        };
        let settled = settle_pull(&device, state, ticket, page);

        let (bundled, individual): (Vec<&Record>, Vec<&Record>) =
            settled.records.iter().partition(|r| fresh.contains(r.id.as_str()));
        let by_id: HashMap<&str, &Record> = bundled.iter().map(|r| (r.id.as_str(), *r)).collect();
        let placed = match bundle {
            Some(prepared) => {
                let bundles = tx.object_store(schema::BUNDLES)?;
                bundles::write(&bundles, &tx.object_store(schema::BUNDLE_IDS)?, meta_store, prepared, &by_id).await?
            }
            None => Vec::new(),
        };
        let entries = individual.iter().map(|r| (r.id.as_str(), *r, sealed_ahead.remove(&(r.id.clone(), r.version))));
        codec::put_many_sealed_ahead(&records, entries).await?;
        acked.clear()?.await?;
        codec::put_many(&acked, settled.acked.iter().map(|e| (super::outbox::seq_key(e.op.seq), e))).await?;
        meta::put(meta_store, &cursor_key, &settled.cursor).await?;
        Issued { last_seq: issued.last_seq, clock: settled.clock }.issue_put(meta_store)?.await?;
        let in_bundles: Vec<(u64, Vec<&Record>)> = placed
            .iter()
            .map(|(number, ids)| (*number, ids.iter().filter_map(|id| by_id.get(id.as_str()).copied()).collect()))
            .collect();
        let written = summaries::RecordsWritten { changed: &individual, bundled: &in_bundles, ..Default::default() };
        let in_step = summaries::keep_in_step(&summaries, meta_store, version, written).await?;
        meta::put(meta_store, meta::RECORDS_VERSION, &(version + 1)).await?;
        let before = pending::move_on(&counter_stores).await?;
        tx.commit().await?;
        self.pending_written(before, Some(|copy: &mut PendingIndex| copy.acked = settled.acked));
        self.update_summaries(version, in_step, &settled.records, &[]);
        let mut held_ids = unlocked.held_ids.borrow_mut();
        match held_ids.as_mut() {
            Some(held) if held.version == version => {
                held.note(individual.iter().map(|r| r.id.as_str().to_owned()), placed);
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
        Ok(Stored::Done(settled.more, settled.cursor))
    }

    /// Every confirmed record, acknowledged operation and pending operation, read in
    /// one transaction so they agree.
    pub async fn local_state(&self) -> Result<LocalState, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        let tx = self
            .db()
            .transaction([schema::RECORDS, schema::BUNDLES, schema::ACKED, schema::OUTBOX, schema::META])
            .build()?;
        load_index(&tx, &unlocked).await?;
        let records =
            unlocked.index.borrow().as_ref().map(|i| i.records.values().cloned().collect()).unwrap_or_default();
        let (acked, outbox) = pending::pending_where(&tx, |_| true).await?;
        Ok(LocalState { records, acked, outbox })
    }

    /// The same, but of the confirmed records only those with an operation still
    /// pending (acknowledged or in the outbox) and those in `also`: what the changes
    /// screen needs, without decrypting or copying every record of the site to name a
    /// few (as the case list reads the records its pending operations touch).
    pub async fn local_state_of_changes(&self, also: &BTreeSet<RecordId>) -> Result<LocalState, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        let stores =
            [schema::RECORDS, schema::BUNDLES, schema::BUNDLE_IDS, schema::ACKED, schema::OUTBOX, schema::META];
        let tx = self.db().transaction(stores).build()?;
        let (acked, outbox) = pending::pending_where(&tx, |_| true).await?;
        let mut state = LocalState { records: Vec::new(), acked, outbox };
        let mut ids = touched_records(&state);
        ids.extend(also.iter().cloned());
        state.records = read_held(&tx, &unlocked, ids.iter().map(RecordId::as_str)).await?;
        Ok(state)
    }

    /// The confirmed records `keep` picks (a site's patients, say), from the in-memory
    /// index, which is loaded first if it is stale; only those are cloned.
    pub async fn records_where(&self, keep: impl Fn(&Record) -> bool) -> Result<Vec<Record>, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        let tx = self.db().transaction([schema::RECORDS, schema::BUNDLES, schema::META]).build()?;
        load_index(&tx, &unlocked).await?;
        let index = unlocked.index.borrow();
        Ok(index.as_ref().map(|i| i.records.values().filter(|r| keep(r)).cloned().collect()).unwrap_or_default())
    }

    /// Applies `change` to the in-memory index after a write that moved the records
    /// version on from `version`; an index that was already stale is left to reload.
    pub(super) fn update_index(&self, version: u64, change: impl FnOnce(&mut BTreeMap<String, Record>)) {
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
        let unlocked = vault::unlocked(&self.name)?;
        let stores =
            [schema::RECORDS, schema::BUNDLES, schema::BUNDLE_IDS, schema::ACKED, schema::OUTBOX, schema::META];
        let tx = self.db().transaction(stores).build()?;
        let records = read_held(&tx, &unlocked, [id.as_str()]).await?;
        let (acked, outbox) = pending::pending_where(&tx, |record| record == id).await?;
        Ok(LocalState { records, acked, outbox })
    }
}

/// How a pull page's records are to be stored (see `Store::plan_bundles`); by default
/// every one under its own id.
#[derive(Default)]
struct PagePlan {
    /// The records version the plan was made at.
    seen: Option<u64>,
    /// The bundles of the records new to the device, made ready.
    bundles: Option<bundles::Prepared>,
    /// The ids of the records in those bundles.
    fresh: HashSet<String>,
}

/// What one attempt at storing a pull page came to.
enum Stored {
    /// Stored: whether more pages wait, and the new cursor.
    Done(bool, u64),
    /// Nothing written, the plan being out of date: the page, to try again.
    Again(PullResponse),
}

/// Makes the in-memory map of held record ids current for records version `version`
/// (inside `tx`, which spans `records` and `bundle_ids`), reading the keys of `records`
/// and the bundles' id lists (not the records) when another write has moved it on.
pub(super) async fn load_held_ids(
    tx: &Transaction<'_>,
    unlocked: &vault::Unlocked,
    version: u64,
) -> Result<(), StoreError> {
    if unlocked.held_ids.borrow().as_ref().is_some_and(|held| held.version == version) {
        return Ok(());
    }
    let ids = bundles::whereabouts(&tx.object_store(schema::RECORDS)?, &tx.object_store(schema::BUNDLE_IDS)?).await?;
    *unlocked.held_ids.borrow_mut() = Some(vault::HeldIds { version, ids });
    Ok(())
}

/// The held records among `ids` (inside `tx`, which spans `records`, `bundles`,
/// `bundle_ids` and `meta`), wherever each is kept: copied from the in-memory index
/// when it is current, and otherwise read from their own values and bundles, leaving
/// the index unloaded.
pub(super) async fn read_held<I: AsRef<str>>(
    tx: &Transaction<'_>,
    unlocked: &vault::Unlocked,
    ids: impl IntoIterator<Item = I>,
) -> Result<Vec<Record>, StoreError> {
    let version: u64 = meta::get(&tx.object_store(schema::META)?, meta::RECORDS_VERSION).await?.unwrap_or(0);
    if let Some(index) = unlocked.index.borrow().as_ref().filter(|index| index.version == version) {
        return Ok(ids.into_iter().filter_map(|id| index.records.get(id.as_ref()).cloned()).collect());
    }
    load_held_ids(tx, unlocked, version).await?;
    let places = unlocked.held_ids.borrow().as_ref().map(|held| bundles::locate(&held.ids, ids)).unwrap_or_default();
    let (records, bundles) = (tx.object_store(schema::RECORDS)?, tx.object_store(schema::BUNDLES)?);
    bundles::read_records(&records, &bundles, places, &unlocked.bundle_cache, version).await
}

/// Makes the in-memory index of records current, reading every record (inside `tx`,
/// which spans `records`, `bundles` and `meta`) only when another write has moved the
/// version on.
async fn load_index(tx: &Transaction<'_>, unlocked: &vault::Unlocked) -> Result<(), StoreError> {
    let version: u64 = meta::get(&tx.object_store(schema::META)?, meta::RECORDS_VERSION).await?.unwrap_or(0);
    let fresh = unlocked.index.borrow().as_ref().is_some_and(|index| index.version == version);
    if !fresh {
        let loaded = bundles::read_all(&tx.object_store(schema::RECORDS)?, &tx.object_store(schema::BUNDLES)?).await?;
        let records = loaded.into_iter().map(|r| (r.id.as_str().to_owned(), r)).collect();
        *unlocked.index.borrow_mut() = Some(RecordIndex { version, records });
    }
    Ok(())
}
