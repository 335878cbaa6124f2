//! Audit logs as servers from before keyed hashing left them, for the migration tests
//! of both databases, and the check that the keyed chain carries on from one.

use portal_desk_server::audit::chain::unkeyed_hash;
use portal_desk_server::audit::{self, AuditEntry, ChainKey, HashScheme, StoredAuditEntry, GENESIS_HASH};
use portal_desk_server::keys::ServerKeys;

/// One entry as an old server wrote it: the entry, the hash it chains from, its hash.
pub struct OldEntry {
    /// The entry (a pull at second `n`, by no one in particular).
    pub entry: AuditEntry,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// Its plain SHA-256 hash.
    pub hash: String,
}

/// `n` entries chained with plain SHA-256, as before migration 0008.
pub fn unkeyed_chain(n: u64) -> Vec<OldEntry> {
    let mut prev = GENESIS_HASH.to_owned();
    (1..=n)
        .map(|n| {
            let entry = AuditEntry::new(n * 1_000, "pull", serde_json::json!({ "n": n }));
            let hash = unkeyed_hash(&prev, &entry);
            let old = OldEntry { entry, prev_hash: prev.clone(), hash: hash.clone() };
            prev = hash;
            old
        })
        .collect()
}

/// Asserts that `log` is `unkeyed` old entries and then keyed ones under `keys`, the
/// first keyed one chaining from the last old one, and that the whole chain verifies.
#[track_caller]
pub fn assert_keyed_chain_carries_on(log: &[StoredAuditEntry], unkeyed: usize, keys: &ServerKeys) {
    let schemes: Vec<HashScheme> = log.iter().map(|stored| stored.scheme).collect();
    let expected: Vec<HashScheme> =
        (0..log.len()).map(|i| if i < unkeyed { HashScheme::Sha256 } else { HashScheme::HmacSha256 }).collect();
    assert_eq!(schemes, expected);
    let first_keyed = &log[unkeyed];
    assert_eq!((first_keyed.seq, &first_keyed.prev_hash), (unkeyed as u64 + 1, &log[unkeyed - 1].hash));
    assert_eq!(audit::verify(log, &ChainKey::new(keys)), Ok(log.len()));
}
