//! The audit log's hash chain: how each entry's hash is made, and the check that walks
//! the chain one entry at a time.
//!
//! Each row records which of two schemes made its hash (`hash_scheme`):
//! - `sha256`, the chain's first scheme: SHA-256 over the previous entry's hash and the
//!   entry. It shows an edit to anyone who checks, but whoever can write the database
//!   can also re-hash every entry after the one they edited, so on its own it does not
//!   stand up to a database owner.
//! - `hmac-sha256`, every entry since migration 0008: HMAC-SHA256 under the audit key
//!   (derived from the server's key file, which is not in the database) over the
//!   entry's position, the previous entry's hash and the entry. Nobody without the key
//!   file can make a hash that verifies, so nobody can re-hash an edited chain.
//!
//! The first keyed entry chains from the last unkeyed entry's hash, so once it exists the
//! unkeyed entries before it cannot be re-hashed unseen either. Once keyed, the chain
//! stays keyed: an unkeyed entry after a keyed one, or after the oldest checkpoint's
//! head (a server that writes checkpoints writes keyed entries), is a break; otherwise
//! an attacker could re-hash an edited tail with plain SHA-256 and pass it off as old.
//! Keyed entries also follow each other in position with no gap, since the position is
//! under the key as well.
//!
//! [`ChainCheck`] is a state machine fed one stored entry at a time, so `audit verify`
//! reads the log in pages, in constant memory, in one pass.

use super::{AuditEntry, StoredAuditEntry};
use crate::keys::ServerKeys;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// The hash the first entry chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an entry's hash was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashScheme {
    /// SHA-256, with no key: entries from before migration 0008.
    Sha256,
    /// HMAC-SHA256 under the audit key: every entry since.
    HmacSha256,
}

impl HashScheme {
    /// As stored in `audit.hash_scheme`.
    pub fn code(self) -> &'static str {
        match self {
            HashScheme::Sha256 => "sha256",
            HashScheme::HmacSha256 => "hmac-sha256",
        }
    }

    /// From its stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "sha256" => Some(HashScheme::Sha256),
            "hmac-sha256" => Some(HashScheme::HmacSha256),
            _ => None,
        }
    }
}

/// The audit key, ready to hash with: its HMAC key schedule is worked out once, and
/// each entry's hash starts from a copy of it.
#[derive(Clone)]
pub struct ChainKey {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.write_str("ChainKey(..)")
    }
}

impl ChainKey {
    /// The chain key of the server holding `keys`.
    pub fn new(keys: &ServerKeys) -> Self {
        let key = keys.audit_key();
        Self { mac: <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).expect("HMAC takes any key length") }
    }

    /// The keyed hash of `entry` at position `seq`, following an entry whose hash is
    /// `prev_hash`.
    pub fn hash(&self, seq: u64, prev_hash: &str, entry: &AuditEntry) -> String {
        let mut mac = self.mac.clone();
        feed_parts(&[&seq.to_string(), prev_hash], entry, |bytes| mac.update(bytes));
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The unkeyed hash of `entry` following an entry whose hash is `prev_hash`: the scheme
/// of entries from before the chain was keyed, kept so that they still verify.
pub fn unkeyed_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    feed_parts(&[prev_hash], entry, |bytes| hasher.update(bytes));
    hex::encode(hasher.finalize())
}

/// Feeds `leading` and then the entry's parts to `update`, each part length-prefixed so
/// that no two different entries give the same bytes (staff "ab" with device "c"
/// against staff "a" with device "bc").
fn feed_parts(leading: &[&str], entry: &AuditEntry, mut update: impl FnMut(&[u8])) {
    let at_ms = entry.at_ms.to_string();
    let detail = entry.detail.to_string();
    let parts: [&str; 5] = [
        &at_ms,
        entry.staff.as_ref().map_or("", portal_desk_core::StaffId::as_str),
        entry.device.as_ref().map_or("", portal_desk_core::DeviceId::as_str),
        &entry.action,
        &detail,
    ];
    for part in leading.iter().copied().chain(parts) {
        update(&(part.len() as u64).to_be_bytes());
        update(part.as_bytes());
    }
}

/// Where and how the chain is broken; each message says what was found and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditBreak {
    /// The entry does not point at the one before it (one was removed or reordered).
    #[error(
        "audit entry {seq} does not follow the entry before it: an entry was removed or reordered. \
         Compare the log with a backup of the database from before then, and find out who can write to the database"
    )]
    Unlinked {
        /// The entry.
        seq: u64,
    },
    /// An unkeyed entry's content no longer matches its hash (it was edited).
    #[error(
        "audit entry {seq} has been altered: its content no longer matches its hash. \
         Compare it with a backup of the database from before then, and find out who can write to the database"
    )]
    Altered {
        /// The entry.
        seq: u64,
    },
    /// A keyed entry's hash is not the one the audit key gives (it was edited, and
    /// perhaps the chain re-hashed by someone without the key file).
    #[error(
        "audit entry {seq} does not match its keyed hash: it was altered, or the chain from it on was re-hashed \
         by someone without the key file. Compare it with a backup of the database from before then, and find \
         out who can write to the database (if every entry fails, check that this is the servers' key file)"
    )]
    Forged {
        /// The entry.
        seq: u64,
    },
    /// Keyed entries whose positions leave a gap: the ones between were removed.
    #[error(
        "audit entry {seq} comes straight after entry {after}: the entries between them were removed. \
         Restore them from a backup of the database, and find out who can write to the database"
    )]
    Gap {
        /// The entry.
        seq: u64,
        /// The entry before it.
        after: u64,
    },
    /// An unkeyed entry where the chain is keyed: re-hashed without the key.
    #[error(
        "audit entry {seq} is hashed without the audit key where the chain is keyed: the entries from it on \
         were re-hashed by someone without the key file (or written by a server from before keyed hashing \
         that was still running). Compare them with a backup of the database, and stop any old server"
    )]
    Unkeyed {
        /// The entry.
        seq: u64,
    },
}

/// The chain check, fed one stored entry at a time in order of position.
#[derive(Debug)]
pub struct ChainCheck<'k> {
    key: &'k ChainKey,
    keyed_after: Option<u64>,
    prev_hash: String,
    prev_seq: u64,
    keyed_seen: bool,
    entries: u64,
    unkeyed: u64,
}

impl<'k> ChainCheck<'k> {
    /// A check of a chain from its start. Every entry after position `keyed_after`
    /// (the oldest checkpoint's head, when there is one) must be keyed.
    pub fn new(key: &'k ChainKey, keyed_after: Option<u64>) -> Self {
        Self {
            key,
            keyed_after,
            prev_hash: GENESIS_HASH.to_owned(),
            prev_seq: 0,
            keyed_seen: false,
            entries: 0,
            unkeyed: 0,
        }
    }

    /// Checks the next entry. After a break the check carries on from the entry as it
    /// is stored, so that later breaks and the checkpoints are still checked.
    pub fn check(&mut self, stored: &StoredAuditEntry) -> Result<(), AuditBreak> {
        let verdict = self.judge(stored);
        self.prev_hash.clone_from(&stored.hash);
        self.prev_seq = stored.seq;
        self.entries += 1;
        match stored.scheme {
            HashScheme::HmacSha256 => self.keyed_seen = true,
            HashScheme::Sha256 => self.unkeyed += 1,
        }
        verdict
    }

    fn judge(&self, stored: &StoredAuditEntry) -> Result<(), AuditBreak> {
        let seq = stored.seq;
        if stored.prev_hash != self.prev_hash {
            return Err(AuditBreak::Unlinked { seq });
        }
        match stored.scheme {
            HashScheme::Sha256 => {
                if self.keyed_seen || self.keyed_after.is_some_and(|after| seq > after) {
                    return Err(AuditBreak::Unkeyed { seq });
                }
                if unkeyed_hash(&stored.prev_hash, &stored.entry) != stored.hash {
                    return Err(AuditBreak::Altered { seq });
                }
            }
            HashScheme::HmacSha256 => {
                if self.keyed_seen && seq != self.prev_seq + 1 {
                    return Err(AuditBreak::Gap { seq, after: self.prev_seq });
                }
                if self.key.hash(seq, &stored.prev_hash, &stored.entry) != stored.hash {
                    return Err(AuditBreak::Forged { seq });
                }
            }
        }
        Ok(())
    }

    /// How many entries have been checked.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// How many of them were hashed before the chain was keyed.
    pub fn unkeyed(&self) -> u64 {
        self.unkeyed
    }

    /// The last entry checked: its position and hash (0 and [`GENESIS_HASH`] before any).
    pub fn head(&self) -> (u64, &str) {
        (self.prev_seq, &self.prev_hash)
    }
}

/// Checks a whole chain held in memory; returns how many entries it covers, or the
/// first break.
pub fn verify_chain(entries: &[StoredAuditEntry], key: &ChainKey) -> Result<usize, AuditBreak> {
    let mut check = ChainCheck::new(key, None);
    entries.iter().try_for_each(|stored| check.check(stored))?;
    Ok(entries.len())
}

/// Chains for tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use serde_json::json;

    /// The key of [`keyed_chain`].
    pub fn test_key() -> ChainKey {
        ChainKey::new(&ServerKeys::from_secret([7; 32]))
    }

    /// The `seq`-th entry of a test chain: a pull by Asha.
    pub fn entry(seq: u64) -> AuditEntry {
        AuditEntry::new(seq * 1_000, "pull", json!({ "records": seq })).by(&"asha".into())
    }

    /// `n` entries keyed under [`test_key`] from the start.
    pub fn keyed_chain(n: u64) -> Vec<StoredAuditEntry> {
        chain(0, n)
    }

    /// `unkeyed` entries from before keying, then `keyed` under [`test_key`].
    pub fn chain(unkeyed: u64, keyed: u64) -> Vec<StoredAuditEntry> {
        let key = test_key();
        let mut prev = GENESIS_HASH.to_owned();
        (1..=unkeyed + keyed)
            .map(|seq| {
                let entry = entry(seq);
                let (hash, scheme) = if seq <= unkeyed {
                    (unkeyed_hash(&prev, &entry), HashScheme::Sha256)
                } else {
                    (key.hash(seq, &prev, &entry), HashScheme::HmacSha256)
                };
                let stored = StoredAuditEntry { seq, entry, prev_hash: prev.clone(), hash: hash.clone(), scheme };
                prev = hash;
                stored
            })
            .collect()
    }

    /// Re-hashes `entries` from index `from` on as someone without the key would:
    /// keyed ones under `key`, unkeyed ones with plain SHA-256.
    pub fn rehash_from(entries: &mut [StoredAuditEntry], from: usize, key: Option<&ChainKey>) {
        let mut prev = if from == 0 { GENESIS_HASH.to_owned() } else { entries[from - 1].hash.clone() };
        for stored in &mut entries[from..] {
            stored.prev_hash.clone_from(&prev);
            (stored.hash, stored.scheme) = match key {
                Some(key) => (key.hash(stored.seq, &prev, &stored.entry), HashScheme::HmacSha256),
                None => (unkeyed_hash(&prev, &stored.entry), HashScheme::Sha256),
            };
            prev.clone_from(&stored.hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn an_intact_keyed_chain_verifies() {
        assert_eq!(verify_chain(&keyed_chain(5), &test_key()), Ok(5));
    }

    #[test]
    fn an_old_unkeyed_log_still_verifies_and_the_keyed_chain_carries_on_from_its_last_hash() {
        assert_eq!(verify_chain(&chain(5, 0), &test_key()), Ok(5));
        let upgraded = chain(3, 2);
        assert_eq!(verify_chain(&upgraded, &test_key()), Ok(5));
        assert_eq!(upgraded[3].prev_hash, upgraded[2].hash, "the first keyed entry chains from the last unkeyed one");
        assert_eq!(upgraded[3].scheme, HashScheme::HmacSha256);
    }

    #[test]
    fn an_edited_entry_is_found_whether_keyed_or_not() {
        let mut entries = chain(2, 3);
        entries[1].entry.detail = json!({ "records": 0 });
        assert_eq!(verify_chain(&entries, &test_key()), Err(AuditBreak::Altered { seq: 2 }));
        let mut entries = chain(2, 3);
        entries[3].entry.staff = Some("someone-else".into());
        assert_eq!(verify_chain(&entries, &test_key()), Err(AuditBreak::Forged { seq: 4 }));
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut entries = keyed_chain(5);
        entries.remove(1);
        assert_eq!(verify_chain(&entries, &test_key()), Err(AuditBreak::Unlinked { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_whose_successor_was_relinked_is_a_gap() {
        let mut entries = keyed_chain(5);
        entries.remove(1);
        entries[1].prev_hash = entries[0].hash.clone();
        assert_eq!(verify_chain(&entries, &test_key()), Err(AuditBreak::Gap { seq: 3, after: 1 }));
    }

    #[test]
    fn an_edited_chain_rehashed_without_the_key_is_found() {
        let mut entries = keyed_chain(5);
        entries[2].entry.action = "nothing".into();
        let stranger = ChainKey::new(&ServerKeys::from_secret([9; 32]));
        rehash_from(&mut entries, 2, Some(&stranger));
        assert_eq!(verify_chain(&entries, &test_key()), Err(AuditBreak::Forged { seq: 3 }));
    }

    #[test]
    fn an_edited_keyed_tail_rehashed_as_unkeyed_is_found() {
        let mut entries = chain(2, 3);
        entries[3].entry.action = "nothing".into();
        rehash_from(&mut entries, 3, None);
        assert_eq!(verify_chain(&entries, &test_key()), Err(AuditBreak::Unkeyed { seq: 4 }));
    }

    #[test]
    fn a_whole_log_rehashed_as_unkeyed_is_found_past_the_oldest_checkpoint() {
        let mut entries = chain(2, 3);
        entries[4].entry.action = "nothing".into();
        rehash_from(&mut entries, 2, None);
        let key = test_key();
        let mut check = ChainCheck::new(&key, Some(2));
        let verdicts: Vec<_> = entries.iter().map(|stored| check.check(stored)).collect();
        assert_eq!(verdicts[..2], [Ok(()), Ok(())]);
        assert_eq!(verdicts[2], Err(AuditBreak::Unkeyed { seq: 3 }));
    }

    #[test]
    fn the_check_carries_on_after_a_break_and_counts_what_it_saw() {
        let mut entries = chain(2, 3);
        entries[2].entry.action = "nothing".into();
        let key = test_key();
        let mut check = ChainCheck::new(&key, None);
        let breaks = entries.iter().filter(|stored| check.check(stored).is_err()).count();
        assert_eq!(breaks, 1, "only the edited entry, not every one after it");
        assert_eq!((check.entries(), check.unkeyed()), (5, 2));
        assert_eq!(check.head(), (5, entries[4].hash.as_str()));
    }

    #[test]
    fn the_position_is_under_the_key_and_the_scheme_codes_round_trip() {
        let key = test_key();
        let entry = entry(1);
        assert_ne!(key.hash(1, GENESIS_HASH, &entry), key.hash(2, GENESIS_HASH, &entry));
        assert_ne!(key.hash(1, GENESIS_HASH, &entry), unkeyed_hash(GENESIS_HASH, &entry));
        for scheme in [HashScheme::Sha256, HashScheme::HmacSha256] {
            assert_eq!(HashScheme::from_code(scheme.code()), Some(scheme));
        }
        assert_eq!(HashScheme::from_code("md5"), None);
        assert_eq!(format!("{key:?}"), "ChainKey(..)");
    }
}
