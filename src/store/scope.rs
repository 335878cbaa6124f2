//! What this device holds when a person's sites change: the records of sites they no
//! longer work at leave the device, and their pull starts again from the beginning.

use super::counters::CounterStores;
use super::vault::PendingIndex;
use super::{bundles, codec, meta, outbox::seq_key, pending, schema, summaries, Store, StoreError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::protocol::client::AckedOp;
use portal_desk_core::{OpBody, Record, RecordId, StaffId};

impl Store {
    /// In ONE readwrite transaction: deletes every confirmed record whose site is in
    /// `drop_sites`, every acknowledged operation on such a record (or creating one
    /// there), and resets `staff`'s pull cursor to 0, so either the device holds none of
    /// those sites' cases and pulls from scratch, or nothing changed and the next pull
    /// is told again. The outbox is not touched: pending changes are the server's to
    /// settle. Returns how many records were removed.
    pub async fn drop_sites(&self, staff: &StaffId, drop_sites: &[String]) -> Result<usize, StoreError> {
        let dropped = |site: &str| drop_sites.iter().any(|s| s == site);
        let tx = self.db().transaction(schema::RECORDS_REWRITE).with_mode(TransactionMode::Readwrite).build()?;
        let records = tx.object_store(schema::RECORDS)?;
        let acked = tx.object_store(schema::ACKED)?;
        let counter_stores = CounterStores::of(&tx)?;
        let meta_store = &counter_stores.meta;
        let summaries = tx.object_store(schema::SUMMARIES)?;

        let version: u64 = meta::get(meta_store, meta::RECORDS_VERSION).await?.unwrap_or(0);
        let mut gone = Vec::new();
        for record in codec::get_all::<Record>(&records).await? {
            if dropped(record.site.as_str()) {
                records.delete(record.id.as_str()).primitive()?.await?;
                gone.push(record.id);
            }
        }
        // A bundled record may also have a newer copy of its own (deleted above).
        let bundles = tx.object_store(schema::BUNDLES)?;
        let removal =
            bundles::remove_where(&bundles, &tx.object_store(schema::BUNDLE_IDS)?, |r| dropped(r.site.as_str()))
                .await?;
        let mut leaving: std::collections::HashSet<RecordId> = gone.iter().cloned().collect();
        for id in removal.taken {
            if leaving.insert(id.clone()) {
                gone.push(id);
            }
        }
        for entry in codec::get_all::<AckedOp>(&acked).await? {
            let creates_there = matches!(&entry.op.body, OpBody::Create { site, .. } if dropped(site.as_str()));
            if creates_there || leaving.contains(&entry.op.record) {
                acked.delete(seq_key(entry.op.seq)).primitive()?.await?;
            }
        }
        meta::put(meta_store, &meta::cursor_key(staff), &0u64).await?;
        let rewritten: Vec<(u64, Vec<&Record>)> =
            removal.rewritten.iter().map(|(number, kept)| (*number, kept.iter().collect())).collect();
        let written = summaries::RecordsWritten {
            bundled: &rewritten,
            removed: &gone,
            emptied: &removal.emptied,
            ..Default::default()
        };
        let in_step = summaries::keep_in_step(&summaries, meta_store, version, written).await?;
        meta::put(meta_store, meta::RECORDS_VERSION, &(version + 1)).await?;
        let before = pending::move_on(&counter_stores).await?;
        tx.commit().await?;
        self.pending_written(before, None::<fn(&mut PendingIndex)>);
        self.update_summaries(version, in_step, &[], &gone);
        self.update_index(version, |records| {
            for id in &gone {
                records.remove(id.as_str());
            }
        });
        Ok(gone.len())
    }
}
