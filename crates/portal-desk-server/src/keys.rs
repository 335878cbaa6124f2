//! The server's own secret: 32 random bytes in a key file kept outside the database,
//! from which every key the server needs is derived (HMAC-SHA256 of the secret over a
//! purpose and, where there is one, an id).
//!
//! Two things rest on it, and neither can be worked out from the database alone:
//! - each member of staff's operation key on each device (`credential_key`): the
//!   database stores only the credential's id, so a copy of the database, or someone
//!   who can write to it, cannot sign a change in anyone's name;
//! - the audit log's keyed hash chain (`audit_key`) and the checkpoints of its head
//!   kept outside the database (`audit_checkpoint_key`): someone who can rewrite the
//!   database cannot re-hash the chain after editing it, nor vouch for a cut one.
//!
//! Every server on one database must read the same key file. The database remembers
//! the secret's fingerprint ([`ServerKeys::fingerprint`]) the first time a server
//! starts on it, and a server holding another secret refuses to start, rather than
//! refusing every device's changes as forged.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A 256-bit key.
pub type Key = [u8; 32];

/// Why the key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read or written.
    #[error("cannot use the key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold 64 hex characters.
    #[error("the key file {0} does not hold a key (64 hex characters); restore it from your backup")]
    Malformed(PathBuf),
    /// The file is missing and may not be made here (it must be shared, not invented).
    #[error(
        "there is no key file at {0}; copy the key file the other servers on this database use, \
         or make the first one with `portal-desk-server key create --key-file {0}`"
    )]
    Missing(PathBuf),
}

/// The server's secret and what is derived from it.
pub struct ServerKeys {
    secret: Zeroizing<Key>,
}

impl fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret.
        f.debug_struct("ServerKeys").field("fingerprint", &self.fingerprint()).finish()
    }
}

impl ServerKeys {
    /// Keys from a known secret.
    pub fn from_secret(secret: Key) -> Self {
        Self { secret: Zeroizing::new(secret) }
    }

    /// Keys from a fresh random secret (tests, and `key create`).
    pub fn random() -> Self {
        let mut secret = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(secret.as_mut());
        Self { secret }
    }

    /// Reads the key file at `path`.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Zeroizing::new(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyFileError::Missing(path.to_owned()))
            }
            Err(source) => return Err(KeyFileError::Io { path: path.to_owned(), source }),
        };
        let mut secret = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), secret.as_mut()).map_err(|_| KeyFileError::Malformed(path.to_owned()))?;
        Ok(Self { secret })
    }

    /// Reads the key file at `path`, making it (readable by its owner only) if there
    /// is none yet: what a single server on its own SQLite database does.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyFileError> {
        match Self::load(path) {
            Err(KeyFileError::Missing(_)) => {
                let keys = Self::random();
                keys.write_new(path)?;
                Ok(keys)
            }
            other => other,
        }
    }

    /// Writes the secret to a new file at `path`, readable and writable by its owner
    /// only; an existing file is never overwritten.
    pub fn write_new(&self, path: &Path) -> Result<(), KeyFileError> {
        let io = |source| KeyFileError::Io { path: path.to_owned(), source };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(self.secret.as_ref())));
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)
    }

    /// HMAC-SHA256 of the secret over `purpose` and `item`, each length-prefixed so no
    /// two (purpose, item) pairs give the same bytes.
    fn derive(&self, purpose: &str, item: &[u8]) -> Key {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.secret.as_ref()).expect("HMAC takes any key length");
        for part in [purpose.as_bytes(), item] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The operation key of one credential (one member of staff on one device).
    pub fn credential_key(&self, credential: &str) -> Zeroizing<Key> {
        Zeroizing::new(self.derive("portal-desk credential", credential.as_bytes()))
    }

    /// The key of the audit log's hash chain.
    pub fn audit_key(&self) -> Zeroizing<Key> {
        Zeroizing::new(self.derive("portal-desk audit", b""))
    }

    /// The key the audit log's checkpoints are signed with: a purpose of its own, so
    /// that no entry's hash can ever pass for a checkpoint's signature or the reverse.
    pub fn audit_checkpoint_key(&self) -> Zeroizing<Key> {
        Zeroizing::new(self.derive("portal-desk audit checkpoint", b""))
    }

    /// A public fingerprint of the secret (it reveals nothing of it), which the
    /// database keeps so that a server with another secret is told so at start.
    pub fn fingerprint(&self) -> String {
        hex::encode(&self.derive("portal-desk fingerprint", b"")[..16])
    }
}

/// Where the key file is by default: beside a SQLite database's file; for
/// PostgreSQL, `portal-desk.key` in the working directory (`--key-file` says otherwise).
pub fn default_key_file(database: &crate::config::DatabaseUrl) -> PathBuf {
    match database {
        crate::config::DatabaseUrl::Sqlite(path) => {
            path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("portal-desk.key")
        }
        crate::config::DatabaseUrl::Postgres(_) => PathBuf::from("portal-desk.key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_purpose_and_item_and_repeat_for_the_same_secret() {
        let keys = ServerKeys::from_secret([7; 32]);
        let same = ServerKeys::from_secret([7; 32]);
        assert_eq!(*keys.credential_key("c1"), *same.credential_key("c1"));
        assert_ne!(*keys.credential_key("c1"), *keys.credential_key("c2"));
        assert_ne!(*keys.credential_key(""), *keys.audit_key());
        assert_ne!(*keys.audit_key(), *keys.audit_checkpoint_key());
        assert_eq!(keys.fingerprint(), same.fingerprint());
        assert_ne!(keys.fingerprint(), ServerKeys::from_secret([8; 32]).fingerprint());
        assert!(!format!("{keys:?}").contains("0707"), "the secret is never printed");
    }

    #[test]
    fn a_key_file_is_made_once_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/portal-desk.key");
        assert!(matches!(ServerKeys::load(&path), Err(KeyFileError::Missing(_))));
        let made = ServerKeys::load_or_create(&path).unwrap();
        let read = ServerKeys::load_or_create(&path).unwrap();
        assert_eq!(made.fingerprint(), read.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(made.write_new(&path).is_err(), "an existing key file is never overwritten");
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(ServerKeys::load(&path), Err(KeyFileError::Malformed(_))));
    }

    #[test]
    fn the_default_key_file_sits_beside_a_sqlite_database() {
        use crate::config::DatabaseUrl;
        assert_eq!(
            default_key_file(&DatabaseUrl::Sqlite("data/portal-desk.db".into())),
            PathBuf::from("data/portal-desk.key")
        );
        assert_eq!(default_key_file(&DatabaseUrl::Sqlite("pd.db".into())), PathBuf::from("./portal-desk.key"));
        assert_eq!(default_key_file(&DatabaseUrl::Postgres("postgres://x/y".into())), PathBuf::from("portal-desk.key"));
    }
}
