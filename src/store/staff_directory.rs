//! The staff directory kept on the device: colleagues' names, roles and sites from the
//! server's `GET /staff`, sealed in `meta` like the session, so that names show on cases
//! and a supervisor can assign by name while offline.

use super::{meta, schema, Store, StoreError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::staff::Colleague;

impl Store {
    /// The directory as last fetched, or empty before the first fetch.
    pub async fn staff_directory(&self) -> Result<Vec<Colleague>, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let meta_store = tx.object_store(schema::META)?;
        Ok(meta::get(&meta_store, meta::STAFF_DIRECTORY).await?.unwrap_or_default())
    }

    /// Replaces the directory with `staff`.
    pub async fn set_staff_directory(&self, staff: &[Colleague]) -> Result<(), StoreError> {
        let tx = self.db().transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
        let meta_store = tx.object_store(schema::META)?;
        meta::put(&meta_store, meta::STAFF_DIRECTORY, &staff).await?;
        tx.commit().await?;
        Ok(())
    }
}
