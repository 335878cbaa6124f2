//! The signed-in session and the time of the last sync, kept in `meta` so the app
//! opens signed in (once unlocked), and shows when it last synced, while offline; and
//! the wipe of a revoked device. Sessions are sealed: a token works against the server.

use super::{meta, schema, Store, StoreError};
use crate::session::Session;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;

impl Store {
    /// The session saved on this device, if someone is signed in.
    pub async fn session(&self) -> Result<Option<Session>, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let meta_store = tx.object_store(schema::META)?;
        meta::get(&meta_store, meta::SESSION).await
    }

    /// Saves the session after a successful sign-in, as the current one and as this
    /// person's, so their PIN brings it back after a colleague has used the tablet.
    pub async fn save_session(&self, session: &Session) -> Result<(), StoreError> {
        let tx = self.db().transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
        let meta_store = tx.object_store(schema::META)?;
        meta::put(&meta_store, meta::SESSION, session).await?;
        meta::put(&meta_store, &meta::session_key(&session.staff.id), session).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs the current person out of this device: forgets their session and their PIN
    /// (they are done with this tablet; next time they sign in online), then locks. The
    /// outbox is kept: changes made on this device still sync after the next sign-in.
    pub async fn clear_session(&self) -> Result<(), StoreError> {
        let current = if self.is_unlocked() { self.session().await? } else { None };
        let tx = self.db().transaction([schema::META, schema::KEYS]).with_mode(TransactionMode::Readwrite).build()?;
        let meta_store = tx.object_store(schema::META)?;
        meta_store.delete(meta::SESSION).primitive()?.await?;
        if let Some(current) = &current {
            meta_store.delete(meta::session_key(&current.staff.id).as_str()).primitive()?.await?;
            Store::forget_pin_on(&tx.object_store(schema::KEYS)?, &current.staff.id).await?;
        }
        tx.commit().await?;
        self.lock();
        Ok(())
    }

    /// When the last sync finished without error, if ever.
    pub async fn last_sync_ms(&self) -> Result<Option<u64>, StoreError> {
        let tx = self.db().transaction(schema::META).build()?;
        let meta_store = tx.object_store(schema::META)?;
        meta::get(&meta_store, meta::LAST_SYNC).await
    }

    /// Records the end of a successful sync.
    pub async fn set_last_sync_ms(&self, at_ms: u64) -> Result<(), StoreError> {
        let tx = self.db().transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
        let meta_store = tx.object_store(schema::META)?;
        meta::put(&meta_store, meta::LAST_SYNC, &at_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Clears every store in one transaction, key slots too, and locks: a revoked
    /// device keeps nothing, not even its id.
    pub async fn wipe(&self) -> Result<(), StoreError> {
        self.lock();
        let stores = [
            schema::RECORDS,
            schema::OUTBOX,
            schema::ACKED,
            schema::REJECTED,
            schema::META,
            schema::VIEWS,
            schema::KEYS,
            schema::SUMMARIES,
            schema::BUNDLES,
            schema::BUNDLE_IDS,
            schema::EPOCHS,
        ];
        let tx = self.db().transaction(stores).with_mode(TransactionMode::Readwrite).build()?;
        for name in stores {
            tx.object_store(name)?.clear()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
