//! Confirmed server state: pull pages land here, and the screens read it together with
//! the outbox to show what the person expects to see.

use super::{meta, schema, Store, StoreError};
use crate::browser::now_ms;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{Clock, Hlc, Op, Record, RecordId, StaffId};

/// The latest clock anywhere in a page, so local edits made after a pull sort after
/// everything the person has seen.
fn latest_clock(records: &[Record]) -> Option<&Hlc> {
    records
        .iter()
        .flat_map(|r| {
            std::iter::once(&r.created_at)
                .chain(r.fields.values().map(|f| &f.clock))
                .chain(r.timeline.iter().map(|e| &e.clock))
        })
        .max()
}

impl Store {
    /// Where `staff`'s next pull starts.
    pub async fn cursor(&self, staff: &StaffId) -> Result<u64, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let meta_store = tx.object_store(schema::META)?;
        Ok(meta::get(&meta_store, &meta::cursor_key(staff)).await?.unwrap_or(0))
    }

    /// Applies one pull page in one transaction: every record and the new cursor, so a
    /// page is never half applied. The device's clock observes the page's latest clock.
    pub async fn apply_pull_page(&self, staff: &StaffId, page: &PullResponse) -> Result<(), StoreError> {
        let now = now_ms();
        let latest = latest_clock(&page.records).cloned();
        let device = self.device().clone();

        let tx =
            self.db().transaction([schema::RECORDS, schema::META]).with_mode(TransactionMode::Readwrite).build()?;
        let records = tx.object_store(schema::RECORDS)?;
        let meta_store = tx.object_store(schema::META)?;
        for record in &page.records {
            records.put(record).with_key(record.id.as_str()).without_key_type().serde()?.await?;
        }
        meta::put(&meta_store, &meta::cursor_key(staff), &page.cursor).await?;
        if let Some(latest) = latest {
            let mut clock: Clock = meta::get(&meta_store, meta::CLOCK).await?.unwrap_or_else(|| Clock::new(device));
            // A clock far ahead is the server's business to refuse; here it only
            // means local edits keep following this device's own time.
            if clock.observe(&latest, now).is_ok() {
                meta::put(&meta_store, meta::CLOCK, &clock).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every confirmed record and every pending operation, read in one transaction so
    /// the two agree.
    pub async fn records_and_outbox(&self) -> Result<(Vec<Record>, Vec<Op>), StoreError> {
        let tx = self.db().transaction([schema::RECORDS, schema::OUTBOX]).build()?;
        let records = tx.object_store(schema::RECORDS)?.get_all().serde()?.await?;
        let records = records.collect::<Result<Vec<Record>, _>>()?;
        let ops = tx.object_store(schema::OUTBOX)?.get_all().serde()?.await?;
        let ops = ops.collect::<Result<Vec<Op>, _>>()?;
        Ok((records, ops))
    }

    /// One confirmed record (if the server has confirmed it) and every pending
    /// operation, read in one transaction.
    pub async fn record_and_outbox(&self, id: &RecordId) -> Result<(Option<Record>, Vec<Op>), StoreError> {
        let tx = self.db().transaction([schema::RECORDS, schema::OUTBOX]).build()?;
        let record: Option<Record> = tx.object_store(schema::RECORDS)?.get(id.as_str()).serde()?.await?;
        let ops = tx.object_store(schema::OUTBOX)?.get_all().serde()?.await?;
        let ops = ops.collect::<Result<Vec<Op>, _>>()?;
        Ok((record, ops))
    }
}
