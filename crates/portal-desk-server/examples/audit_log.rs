//! A large audit log, for timing `audit verify` on it, and what one audit append and
//! its keyed hash cost.
//!
//! Run it in release mode, from the repository root:
//!
//! ```text
//! cargo run --release -p portal-desk-server --example audit_log -- /tmp/audit.db 200000
//! time target/release/portal-desk-server --database-url sqlite:///tmp/audit.db audit verify
//! ```
//!
//! It opens (and migrates) the database with the key file beside it (made if missing),
//! appends the entries in transactions of 10,000 (pull-sized entries, as a busy site
//! writes them), times 2,000 appends of one entry each, every one its own transaction
//! as a request's is, writes a checkpoint beside the key file, and times the hashing
//! alone of 200,000 entries, unkeyed (the old scheme) and keyed.

use portal_desk_server::audit::chain::unkeyed_hash;
use portal_desk_server::audit::checkpoint::CheckpointKey;
use portal_desk_server::audit::{checkpoint_file, checkpointer, AuditEntry, ChainKey, GENESIS_HASH};
use portal_desk_server::config::DatabaseUrl;
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::{SharedStore, Store};
use portal_desk_server::keys::{self, ServerKeys};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

fn entry(i: u64) -> AuditEntry {
    AuditEntry::new(1_700_000_000_000 + i, "pull", json!({ "records": i % 500, "cursor": i, "more": false }))
        .by(&format!("staff-{}", i % 40).as_str().into())
        .on(&format!("tablet-{}", i % 300).as_str().into())
}

/// Nanoseconds per entry to hash `entries` in a chain with `hash`.
fn time_hashing(entries: &[AuditEntry], hash: impl Fn(u64, &str, &AuditEntry) -> String) -> f64 {
    let started = Instant::now();
    let mut prev = GENESIS_HASH.to_owned();
    for (seq, entry) in (1..).zip(entries) {
        prev = hash(seq, &prev, entry);
    }
    std::hint::black_box(prev);
    started.elapsed().as_secs_f64() * 1e9 / entries.len() as f64
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("give the database file and the number of entries");
    let count: u64 = args.next().map_or(200_000, |n| n.parse().expect("a number of entries"));
    let key_file = keys::default_key_file(&DatabaseUrl::Sqlite(path.clone().into()));
    let keys = ServerKeys::load_or_create(&key_file).expect("the key file");
    let store = SqliteStore::open(std::path::Path::new(&path), ChainKey::new(&keys)).await.expect("open the database");
    assert!(store.claim_key_fingerprint(&keys.fingerprint()).await.expect("claim the key"), "another key file");

    let started = Instant::now();
    let mut written = 0;
    while written < count {
        let mut tx = store.begin_push().await.expect("begin");
        for _ in 0..10_000.min(count - written) {
            written += 1;
            tx.append_audit(&entry(written)).await.expect("append");
        }
        tx.commit().await.expect("commit");
    }
    println!("appended {count} entries in {:.1} s", started.elapsed().as_secs_f64());

    let appends = 2_000;
    let started = Instant::now();
    for i in 0..appends {
        store.append_audit(&entry(count + i + 1)).await.expect("append");
    }
    let per_append = started.elapsed().as_secs_f64() * 1e6 / appends as f64;
    println!("one append in its own transaction: {per_append:.0} µs");

    let shared: SharedStore = Arc::new(store);
    let checkpoints = checkpoint_file::default_path(&key_file);
    let checkpoint = checkpointer::write_checkpoint(&shared, &CheckpointKey::new(&keys), &checkpoints)
        .await
        .expect("write a checkpoint");
    println!("checkpoint of {} entries in {}", checkpoint.entries, checkpoints.display());

    let entries: Vec<AuditEntry> = (1..=200_000).map(entry).collect();
    let chain = ChainKey::new(&keys);
    let unkeyed = time_hashing(&entries, |_, prev, entry| unkeyed_hash(prev, entry));
    let keyed = time_hashing(&entries, |seq, prev, entry| chain.hash(seq, prev, entry));
    println!("hashing one entry: {unkeyed:.0} ns unkeyed (SHA-256), {keyed:.0} ns keyed (HMAC-SHA256)");
}
