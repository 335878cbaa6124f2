//! Settings of this device (not of a person), kept in clear in `meta` because the app
//! needs them while locked: how long the app waits, untouched, before it locks itself.

use super::{meta, schema, Store, StoreError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;

/// The idle time after which the app locks, unless this device is set otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;
/// The idle times a person may choose, in minutes.
pub const IDLE_LOCK_CHOICES: [u32; 5] = [1, 2, 5, 10, 15];

impl Store {
    /// Minutes without a touch or key press before the app locks itself.
    pub async fn idle_lock_minutes(&self) -> Result<u32, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let minutes = meta::get(&tx.object_store(schema::META)?, meta::IDLE_LOCK_MINUTES).await?;
        Ok(minutes.filter(|m| IDLE_LOCK_CHOICES.contains(m)).unwrap_or(DEFAULT_IDLE_LOCK_MINUTES))
    }

    /// Sets the idle time; only one of [`IDLE_LOCK_CHOICES`] is accepted.
    pub async fn set_idle_lock_minutes(&self, minutes: u32) -> Result<(), StoreError> {
        if !IDLE_LOCK_CHOICES.contains(&minutes) {
            return Err(StoreError::Database(format!("{minutes} minutes is not one of the idle times offered")));
        }
        let tx = self.db().transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
        meta::put(&tx.object_store(schema::META)?, meta::IDLE_LOCK_MINUTES, &minutes).await?;
        tx.commit().await?;
        Ok(())
    }
}
