//! The store's one error type, with a message that tells the person what to do.

use std::fmt;

/// Why a read or write of the device's database failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The device is out of storage space; the change was not saved.
    QuotaExceeded,
    /// Anything else IndexedDB reported.
    Database(String),
    /// The device is locked: its data key is not in memory, so nothing can be read or
    /// written until someone unlocks it (PIN or online sign-in). The sync loop skips a
    /// run on this.
    Locked,
    /// A stored value did not decrypt: it was altered, or sealed under another key.
    Unreadable,
    /// The person has no operation key on this device in memory (their PIN slot is
    /// from before changes were signed), so a change they make could not be proven
    /// theirs: it is not saved until they sign in online once.
    CannotSign,
}

impl StoreError {
    /// A sentence for the person, saying what happened and what to do.
    pub fn message(&self) -> String {
        match self {
            StoreError::QuotaExceeded => "This device is out of storage space, so the change was not saved. Free up space (or sync and remove old data), then try again.".to_owned(),
            StoreError::Database(detail) => format!("The change could not be saved on this device ({detail}). Try again; if it keeps happening, reload the page."),
            StoreError::Locked => "Portal Desk is locked. Unlock it with your PIN, or sign in, then try again.".to_owned(),
            StoreError::Unreadable => "Some data on this device could not be decrypted. Sync, then ask your IT team to check the device.".to_owned(),
            StoreError::CannotSign => "This change was not saved: Portal Desk signs every change with a key that proves it is yours, and your key is not on this device yet. Sign in with your email and password once (this needs a connection), then try again.".to_owned(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for StoreError {}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(error: indexed_db_futures::error::Error) -> Self {
        let detail = error.to_string();
        if detail.contains("Quota") {
            StoreError::QuotaExceeded
        } else {
            StoreError::Database(detail)
        }
    }
}

impl From<crate::crypto::CryptoError> for StoreError {
    fn from(error: crate::crypto::CryptoError) -> Self {
        match error {
            crate::crypto::CryptoError::WrongKey => StoreError::Unreadable,
            crate::crypto::CryptoError::Unavailable => StoreError::Database(error.to_string()),
        }
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(error: indexed_db_futures::error::OpenDbError) -> Self {
        match error {
            indexed_db_futures::error::OpenDbError::Base(inner) => inner.into(),
            other => StoreError::Database(other.to_string()),
        }
    }
}
