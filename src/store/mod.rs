//! The device's IndexedDB database: confirmed server state, the outbox of changes not
//! yet synced, the changes the server rejected, and the device's own bookkeeping.
//!
//! Every write that must be all-or-nothing is one readwrite transaction that awaits
//! only IndexedDB requests and ends with `commit().await` (indexed_db_futures rolls a
//! transaction back unless it is committed). Anything else — ids, clocks, validation —
//! is worked out before the transaction starts or from values read inside it.
//!
//! Values that can hold patient data are encrypted at rest (`codec`, `keys`): the
//! store opens LOCKED, and every read or write of them fails with
//! [`StoreError::Locked`] until a PIN or an online sign-in unlocks it.

mod bundles;
mod codec;
mod counters;
mod error;
mod keys;
mod kiosk;
mod meta;
mod outbox;
mod packing;
mod pending;
mod records;
pub mod rejected;
pub mod schema;
mod scope;
mod session;
mod settings;
mod staff_directory;
mod summaries;
mod vault;
mod views;

pub use error::StoreError;
pub use keys::{pin_problem, PinHolder, UnlockError, MAX_PIN_TRIES, MIN_PIN_DIGITS};
pub use kiosk::KioskMode;
pub use settings::{DEFAULT_IDLE_LOCK_MINUTES, IDLE_LOCK_CHOICES};
pub use summaries::Listing;

use indexed_db_futures::database::{Database, ObjectStoreName};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionDurability, TransactionMode, TransactionOptions};
use portal_desk_core::DeviceId;
use std::rc::Rc;

/// The name of the app's database.
pub const DB_NAME: &str = "portal-desk";

/// A handle on the open database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: Rc<Database>,
    device: DeviceId,
    /// The database's name: what its unlocked state is kept under.
    name: Rc<str>,
}

impl Store {
    /// Opens (creating or upgrading) the app's database and makes sure this device has
    /// an id. The store is locked until [`Store::unlock_with_pin`] or
    /// [`Store::unlock_with_device_key`] (unless another handle already unlocked it).
    pub async fn open() -> Result<Store, StoreError> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database by name; tests use their own names so they never touch the app's.
    pub async fn open_named(name: &str) -> Result<Store, StoreError> {
        let db = schema::open(name).await?;
        let device = ensure_device(&db).await?;
        Ok(Store { db: Rc::new(db), device, name: Rc::from(name) })
    }

    /// This device's id, minted on first start and kept.
    pub fn device(&self) -> &DeviceId {
        &self.device
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The underlying database, for the modules of this store.
    fn db(&self) -> &Database {
        &self.db
    }

    /// A readwrite transaction over `stores` for something a person did — a change, a
    /// look at a patient's case for the audit log, a decision on a rejected change. The
    /// device holds the only copy until it syncs, so the commit waits until the data is
    /// on disk (`strict`), not only handed to the operating system (Chromium's default,
    /// `relaxed`, which a tablet losing power can undo). Pulled pages and caches, which
    /// the server can always send again, keep the default.
    fn person_tx<S: ObjectStoreName>(&self, stores: S) -> Result<Transaction<'_>, StoreError> {
        let strict = TransactionOptions::new().with_durability(TransactionDurability::Strict);
        Ok(self.db().transaction(stores).with_mode(TransactionMode::Readwrite).with_options(strict).build()?)
    }

    /// Closes this handle's connection, so a test can delete or reopen the database.
    pub fn close(self) {
        if let Ok(db) = Rc::try_unwrap(self.db) {
            db.close();
        }
    }
}

/// Reads this device's id, minting and storing one on first start. The id is made
/// before the transaction opens, so nothing but IndexedDB is awaited inside it.
async fn ensure_device(db: &Database) -> Result<DeviceId, StoreError> {
    let fresh = crate::browser::new_uuid();
    let tx = db.transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
    let meta = tx.object_store(schema::META)?;
    let device = match meta::get::<String>(&meta, meta::DEVICE).await? {
        Some(existing) => existing,
        None => {
            meta::put(&meta, meta::DEVICE, &fresh).await?;
            // A new device holds no records yet, so the case list's summaries of them
            // are complete (see `summaries`).
            let version: u64 = meta::get(&meta, meta::RECORDS_VERSION).await?.unwrap_or(0);
            meta::put(&meta, meta::SUMMARIES_VERSION, &version).await?;
            fresh
        }
    };
    tx.commit().await?;
    Ok(DeviceId::from(device))
}
