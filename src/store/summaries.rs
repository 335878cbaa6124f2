//! The case list's own store: a sealed summary of every case ([`CaseSummary`], a few
//! hundred bytes) and the sites' settings and checklist templates whole, written in the
//! same transactions as `records`. Unlocking a tablet that holds a large site then reads
//! a few megabytes for the list instead of every note, step and clock of every record;
//! the full records are read one at a time, when a case is opened.
//!
//! `meta`'s summaries version says whether the store is complete: it equals the records
//! version when every write to `records` since it was built also wrote here. A new
//! device's database is marked complete when its id is minted (it holds no records);
//! one upgraded from schema 3 or older has no mark and is built once from the full
//! records, the first time the list is shown after the upgrade.

use super::vault::{self, SummaryIndex};
use super::{codec, meta, pending, schema, Store, StoreError};
use crate::listing::{listed_cases, touched_records, ListedCase};
use crate::settle::LocalState;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::case::Collection;
use portal_desk_core::summary::CaseSummary;
use portal_desk_core::{Record, RecordId};
use serde::{Deserialize, Serialize};

/// One value of the `summaries` store.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Listed {
    /// A case, in brief.
    Case(CaseSummary),
    /// A site's settings or a checklist template, whole (there are few, and they are small).
    Setting(Record),
    /// What the list keeps of the records of one bundle (see `store::bundles`), under
    /// the key [`bundle_key`]; a value under a record's own id wins over it.
    Bundle(Vec<Listed>),
}

/// The key of bundle `number`'s value in `summaries` (record ids are UUIDs, so a key
/// starting `~` is never one).
fn bundle_key(number: u64) -> String {
    format!("~bundle/{number}")
}

impl Listed {
    /// What the store keeps of `record`: nothing of a patient record.
    fn of(record: &Record) -> Option<Listed> {
        match record.collection {
            Collection::Case => CaseSummary::of(record).map(Listed::Case),
            Collection::Site | Collection::Template => Some(Listed::Setting(record.clone())),
            Collection::Patient => None,
        }
    }
}

/// What the case list reads in one go.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    /// Every case to list, this device's pending changes applied.
    pub cases: Vec<ListedCase>,
    /// The confirmed sites' settings and templates (their calendars, say).
    pub settings: Vec<Record>,
}

impl SummaryIndex {
    fn insert(&mut self, listed: Listed) {
        match listed {
            Listed::Case(case) => {
                self.cases.insert(case.id.as_str().to_owned(), case);
            }
            Listed::Setting(record) => {
                self.settings.insert(record.id.as_str().to_owned(), record);
            }
            Listed::Bundle(all) => all.into_iter().for_each(|listed| self.insert(listed)),
        }
    }

    fn remove(&mut self, id: &str) {
        self.cases.remove(id);
        self.settings.remove(id);
    }
}

/// What a write to the records did, for [`keep_in_step`].
#[derive(Default)]
pub(super) struct RecordsWritten<'a> {
    /// Records written under their own ids.
    pub changed: &'a [&'a Record],
    /// Bundles written (or rewritten), by number, with their records.
    pub bundled: &'a [(u64, Vec<&'a Record>)],
    /// Records that left the device.
    pub removed: &'a [RecordId],
    /// Bundles deleted, every record of theirs having left.
    pub emptied: &'a [u64],
}

/// Inside a transaction that moves the records version on from `version` (over
/// `summaries` and `meta`): writes what the list keeps of `written` (a value for each
/// record written under its own id, one for each bundle) and deletes what it kept of
/// the records and bundles that left, if the summaries were complete at `version`, and
/// says so; otherwise leaves them to be rebuilt. Returns whether they are complete
/// afterwards.
pub(super) async fn keep_in_step(
    summaries: &ObjectStore<'_>,
    meta_store: &ObjectStore<'_>,
    version: u64,
    written: RecordsWritten<'_>,
) -> Result<bool, StoreError> {
    let complete: Option<u64> = meta::get(meta_store, meta::SUMMARIES_VERSION).await?;
    if complete != Some(version) {
        return Ok(false);
    }
    let mut listed: Vec<(String, Listed)> =
        written.changed.iter().filter_map(|r| Listed::of(r).map(|listed| (r.id.as_str().to_owned(), listed))).collect();
    for (number, records) in written.bundled {
        listed.push((bundle_key(*number), Listed::Bundle(records.iter().filter_map(|r| Listed::of(r)).collect())));
    }
    codec::put_many(summaries, listed.iter().map(|(key, listed)| (key.as_str(), listed))).await?;
    for id in written.removed {
        summaries.delete(id.as_str()).primitive()?.await?;
    }
    for number in written.emptied {
        summaries.delete(bundle_key(*number)).primitive()?.await?;
    }
    meta::put(meta_store, meta::SUMMARIES_VERSION, &(version + 1)).await?;
    Ok(true)
}

impl Store {
    /// Every case to list and the sites' settings, read in one transaction: the
    /// summaries (from memory when they are current), the acknowledged and pending
    /// operations, and the full records of only the cases those touch.
    pub async fn listing(&self) -> Result<Listing, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        for _ in 0..2 {
            let stores = [
                schema::SUMMARIES,
                schema::RECORDS,
                schema::BUNDLES,
                schema::BUNDLE_IDS,
                schema::ACKED,
                schema::OUTBOX,
                schema::META,
            ];
            let tx = self.db().transaction(stores).build()?;
            if !load_summaries(&tx, &unlocked).await? {
                drop(tx);
                self.rebuild_summaries().await?;
                continue;
            }
            let (acked, outbox) = pending::pending_where(&tx, |_| true).await?;
            let mut pending = LocalState { records: Vec::new(), acked, outbox };
            let touched = touched_records(&pending);
            pending.records = super::records::read_held(&tx, &unlocked, touched.iter().map(|id| id.as_str())).await?;
            let index = unlocked.summaries.borrow();
            let Some(index) = index.as_ref() else { continue };
            return Ok(Listing {
                cases: listed_cases(index.cases.values().cloned(), pending, self.device()),
                settings: index.settings.values().cloned().collect(),
            });
        }
        Err(StoreError::Database("the case list's summaries could not be read; reload the page".to_owned()))
    }

    /// The confirmed sites' settings and templates `keep` picks, from the summaries.
    pub async fn settings_where(&self, keep: impl Fn(&Record) -> bool) -> Result<Vec<Record>, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        for _ in 0..2 {
            let tx = self.db().transaction([schema::SUMMARIES, schema::META]).build()?;
            if load_summaries(&tx, &unlocked).await? {
                let index = unlocked.summaries.borrow();
                if let Some(index) = index.as_ref() {
                    return Ok(index.settings.values().filter(|r| keep(r)).cloned().collect());
                }
            }
            drop(tx);
            self.rebuild_summaries().await?;
        }
        Err(StoreError::Database("the sites' settings could not be read; reload the page".to_owned()))
    }

    /// Builds the summaries from the full records (each under its own id, bundled or
    /// not), in one readwrite transaction: once after the upgrade to schema 4, or
    /// whenever they fell out of step.
    async fn rebuild_summaries(&self) -> Result<(), StoreError> {
        let stores = [schema::RECORDS, schema::BUNDLES, schema::SUMMARIES, schema::META];
        let tx = self.db().transaction(stores).with_mode(TransactionMode::Readwrite).build()?;
        let summaries = tx.object_store(schema::SUMMARIES)?;
        let meta_store = tx.object_store(schema::META)?;
        let version: u64 = meta::get(&meta_store, meta::RECORDS_VERSION).await?.unwrap_or(0);
        let records =
            super::bundles::read_all(&tx.object_store(schema::RECORDS)?, &tx.object_store(schema::BUNDLES)?).await?;
        let listed: Vec<(String, Listed)> =
            records.iter().filter_map(|r| Listed::of(r).map(|listed| (r.id.as_str().to_owned(), listed))).collect();
        summaries.clear()?.await?;
        codec::put_many(&summaries, listed.iter().map(|(id, listed)| (id.as_str(), listed))).await?;
        meta::put(&meta_store, meta::SUMMARIES_VERSION, &version).await?;
        tx.commit().await?;
        let mut index = SummaryIndex { version, ..SummaryIndex::default() };
        for (_, listed) in listed {
            index.insert(listed);
        }
        *vault::unlocked(&self.name)?.summaries.borrow_mut() = Some(index);
        Ok(())
    }

    /// Brings the in-memory summaries along after a write that moved the records
    /// version on from `version`, if they were current and the write kept the store in
    /// step (`in_step`); otherwise they are dropped, to be read again.
    pub(super) fn update_summaries(&self, version: u64, in_step: bool, changed: &[Record], removed: &[RecordId]) {
        let Ok(unlocked) = vault::unlocked(&self.name) else { return };
        let mut summaries = unlocked.summaries.borrow_mut();
        match summaries.as_mut() {
            Some(index) if in_step && index.version == version => {
                for id in removed {
                    index.remove(id.as_str());
                }
                for listed in changed.iter().filter_map(Listed::of) {
                    index.insert(listed);
                }
                index.version = version + 1;
            }
            _ => *summaries = None,
        }
    }
}

/// Makes the in-memory summaries current inside `tx` (over `summaries` and `meta`),
/// reading the store only when another write moved the records version on. Returns
/// `false` when the store itself is not complete and must be rebuilt first.
async fn load_summaries(
    tx: &indexed_db_futures::transaction::Transaction<'_>,
    unlocked: &vault::Unlocked,
) -> Result<bool, StoreError> {
    let meta_store = tx.object_store(schema::META)?;
    let version: u64 = meta::get(&meta_store, meta::RECORDS_VERSION).await?.unwrap_or(0);
    if unlocked.summaries.borrow().as_ref().is_some_and(|index| index.version == version) {
        return Ok(true);
    }
    let complete: Option<u64> = meta::get(&meta_store, meta::SUMMARIES_VERSION).await?;
    if complete != Some(version) {
        return Ok(false);
    }
    let mut index = SummaryIndex { version, ..SummaryIndex::default() };
    // The bundles' values first, so a record's own value (always the newer) wins.
    let (bundled, own): (Vec<Listed>, Vec<Listed>) = codec::get_all::<Listed>(&tx.object_store(schema::SUMMARIES)?)
        .await?
        .into_iter()
        .partition(|listed| matches!(listed, Listed::Bundle(_)));
    for listed in bundled.into_iter().chain(own) {
        index.insert(listed);
    }
    *unlocked.summaries.borrow_mut() = Some(index);
    Ok(true)
}
