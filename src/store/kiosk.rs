//! Whether this tablet is in kiosk mode, and for which site. Kept in CLEAR in `meta`:
//! the app must know it before anyone unlocks, so that a reload (or a typed address)
//! brings back the kiosk and nothing else. It names a site and the member of staff who
//! started it, never a patient.

use super::{meta, schema, Store, StoreError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::{SiteId, StaffId};
use serde::{Deserialize, Serialize};

/// A tablet handed to patients to register themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskMode {
    /// The site the registrations belong to.
    pub site: SiteId,
    /// Its name, as the kiosk greets patients.
    pub site_name: String,
    /// Who started it.
    pub started_by: StaffId,
}

impl Store {
    /// The kiosk mode this tablet is in, if any.
    pub async fn kiosk_mode(&self) -> Result<Option<KioskMode>, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        meta::get(&tx.object_store(schema::META)?, meta::KIOSK).await
    }

    /// Starts (`Some`) or ends (`None`) kiosk mode.
    pub async fn set_kiosk_mode(&self, mode: Option<&KioskMode>) -> Result<(), StoreError> {
        let tx = self.db().transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
        let meta_store = tx.object_store(schema::META)?;
        match mode {
            Some(mode) => meta::put(&meta_store, meta::KIOSK, mode).await?,
            None => meta_store.delete(meta::KIOSK).await?,
        }
        tx.commit().await?;
        Ok(())
    }
}
