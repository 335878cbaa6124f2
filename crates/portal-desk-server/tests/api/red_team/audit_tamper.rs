//! Attacks on the audit log by a database owner who wants to hide what they did: they
//! can drop the append-only triggers and edit, delete or re-hash rows with SQL, but
//! they hold neither the server's key file nor the checkpoint file's key. Each attack
//! is seen the way an operator sees it, by running `portal-desk-server audit verify`,
//! which must pass before the attack and fail, saying what was found, after it.

use crate::support::process::run_command;
use crate::support::{TestDb, TestServer};
use portal_desk_server::audit::chain::unkeyed_hash;
use portal_desk_server::audit::checkpoint::{Checkpoint, CheckpointKey};
use portal_desk_server::audit::{checkpoint_file, checkpointer, ChainKey, StoredAuditEntry, GENESIS_HASH};
use portal_desk_server::keys::ServerKeys;

/// A server whose log holds a morning's sign-ins and pulls, with a checkpoint of it
/// written as a running server writes one.
async fn busy_server() -> TestServer {
    let server = TestServer::new().await;
    for (email, device) in [("asha@riverside.test", "tablet-1"), ("ben@riverside.test", "tablet-2")] {
        let device = server.sign_in(email, device).await;
        server.pull(&device, 0, None).await;
    }
    server.sign_in("carys@riverside.test", "tablet-3").await;
    checkpoint(&server).await;
    server
}

/// The checkpoint file the server and `audit verify` use.
fn checkpoints(server: &TestServer) -> std::path::PathBuf {
    checkpoint_file::default_path(&server.key_file)
}

/// Writes a checkpoint of the log as it is, as a running server does every minute.
async fn checkpoint(server: &TestServer) -> Checkpoint {
    checkpointer::write_checkpoint(&server.store, &CheckpointKey::new(&server.keys), &checkpoints(server))
        .await
        .expect("write a checkpoint")
}

/// Runs `audit verify`; whether it passed, and what it printed (its report, then
/// anything on standard error).
fn audit_verify(server: &TestServer) -> (bool, String) {
    let output = run_command(&server.database_url, &server.key_file, &["audit", "verify"]);
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), printed)
}

#[track_caller]
fn assert_intact(server: &TestServer) {
    let (passed, report) = audit_verify(server);
    assert!(passed && report.contains("The audit log is intact"), "before the attack: {report}");
}

/// Runs `audit verify`, which must fail; what it printed.
#[track_caller]
fn tampered(server: &TestServer) -> String {
    let (passed, report) = audit_verify(server);
    assert!(!passed, "the attack passed for an intact log: {report}");
    assert!(report.contains("The audit log has been tampered with"), "{report}");
    report
}

/// What a database owner does first: the append-only triggers are theirs to drop.
async fn drop_audit_guards(server: &TestServer) {
    let statements: &[&str] = match server.db {
        TestDb::Sqlite(_) => &[
            "DROP TRIGGER audit_is_append_only_update",
            "DROP TRIGGER audit_is_append_only_delete",
            "DROP TRIGGER audit_entries_are_keyed",
        ],
        TestDb::Postgres(_) => &["ALTER TABLE audit DISABLE TRIGGER USER"],
    };
    for statement in statements {
        server.db.execute(statement).await.expect(statement);
    }
}

/// A careful attacker on PostgreSQL also moves the chain's head row to the log's new end,
/// so that the server's next entry chains on from it without a seam.
async fn mend_head(server: &TestServer) {
    if let TestDb::Postgres(_) = server.db {
        let mend = format!(
            "UPDATE audit_head SET seq = COALESCE((SELECT MAX(seq) FROM audit), 0), \
             hash = COALESCE((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '{GENESIS_HASH}') WHERE id = 1"
        );
        server.db.execute(&mend).await.expect("move the head");
    }
}

/// Deletes the newest `n` entries, as a careful attacker does; the head before.
async fn delete_newest(server: &TestServer, n: i64) -> i64 {
    drop_audit_guards(server).await;
    let head = server.count("SELECT MAX(seq) FROM audit").await;
    server.db.execute(&format!("DELETE FROM audit WHERE seq > {}", head - n)).await.unwrap();
    mend_head(server).await;
    head
}

/// Stores entries the attacker re-hashed.
async fn store_rehashed(server: &TestServer, entries: &[StoredAuditEntry]) {
    for stored in entries {
        let staff = stored.entry.staff.as_ref().map_or("NULL".to_owned(), |s| format!("'{s}'"));
        let update = format!(
            "UPDATE audit SET staff_id = {staff}, prev_hash = '{}', hash = '{}', hash_scheme = '{}' WHERE seq = {}",
            stored.prev_hash,
            stored.hash,
            stored.scheme.code(),
            stored.seq
        );
        server.db.execute(&update).await.expect("re-hash an entry");
    }
    mend_head(server).await;
}

/// The log with the entry at `index` credited to Ben instead, and the chain re-hashed
/// from it with `rehash` (position, previous hash, entry → hash and scheme), as someone
/// who knows the schemes but not the key would.
async fn edited_and_rehashed(
    server: &TestServer,
    index: usize,
    rehash: impl Fn(u64, &str, &StoredAuditEntry) -> (String, portal_desk_server::audit::HashScheme),
) -> u64 {
    let mut log = server.store.audit_log().await.unwrap();
    log[index].entry.staff = Some("staff-ben".into());
    let mut prev = log[index - 1].hash.clone();
    for stored in &mut log[index..] {
        stored.prev_hash.clone_from(&prev);
        (stored.hash, stored.scheme) = rehash(stored.seq, &prev, stored);
        prev.clone_from(&stored.hash);
    }
    store_rehashed(server, &log[index..]).await;
    log[index].seq
}

#[tokio::test]
async fn deleting_the_last_entries_does_not_pass_for_an_intact_log() {
    let server = busy_server().await;
    assert_intact(&server);
    let head = delete_newest(&server, 2).await;
    let report = tampered(&server);
    assert!(report.contains(&format!("the audit log ends at entry {}", head - 2)), "{report}");
    assert!(report.contains(&format!("entries ending at entry {head}: its newest entries were deleted")), "{report}");
}

#[tokio::test]
async fn deleting_the_last_entries_and_letting_the_server_write_on_does_not_hide_the_cut() {
    let server = busy_server().await;
    let head = delete_newest(&server, 2).await;
    // The server carries on: new entries take the deleted ones' places.
    server.sign_in("dan@hilltop.test", "tablet-4").await;
    server.sign_in("sam@both.test", "tablet-5").await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    let report = tampered(&server);
    assert!(report.contains(&format!("entry {head} is not the entry the checkpoint of")), "{report}");
}

#[tokio::test]
async fn emptying_the_log_does_not_pass_for_an_intact_log() {
    let server = busy_server().await;
    assert_intact(&server);
    drop_audit_guards(&server).await;
    server.db.execute("DELETE FROM audit").await.unwrap();
    mend_head(&server).await;
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, 0);
    let report = tampered(&server);
    assert!(report.contains("the audit log is empty, but the checkpoint of"), "{report}");
    assert!(report.contains("the log was emptied"), "{report}");
}

#[tokio::test]
async fn editing_an_entry_does_not_pass_for_an_intact_log() {
    let server = busy_server().await;
    assert_intact(&server);
    drop_audit_guards(&server).await;
    server.db.execute("UPDATE audit SET staff_id = 'staff-ben' WHERE seq = 2").await.unwrap();
    let report = tampered(&server);
    assert!(report.contains("audit entry 2 does not match its keyed hash"), "{report}");
}

#[tokio::test]
async fn removing_a_middle_entry_does_not_pass_for_an_intact_log() {
    let server = busy_server().await;
    assert_intact(&server);
    drop_audit_guards(&server).await;
    server.db.execute("DELETE FROM audit WHERE seq = 2").await.unwrap();
    let report = tampered(&server);
    assert!(report.contains("audit entry 3 does not follow the entry before it"), "{report}");
}

#[tokio::test]
async fn rehashing_an_edited_chain_without_the_key_does_not_pass_for_an_intact_log() {
    let server = busy_server().await;
    assert_intact(&server);
    drop_audit_guards(&server).await;
    // The attacker knows the scheme, but not the key: they hash with one of their own.
    let guessed = ChainKey::new(&ServerKeys::random());
    let edited =
        edited_and_rehashed(&server, 2, |seq, prev, stored| (guessed.hash(seq, prev, &stored.entry), stored.scheme))
            .await;
    let report = tampered(&server);
    assert!(report.contains(&format!("audit entry {edited} does not match its keyed hash")), "{report}");
}

#[tokio::test]
async fn rehashing_an_edited_chain_as_unkeyed_entries_does_not_pass_for_an_intact_log() {
    let server = busy_server().await;
    assert_intact(&server);
    drop_audit_guards(&server).await;
    // The old, unkeyed scheme needs no key: the attacker passes the entries off as old.
    let edited = edited_and_rehashed(&server, 2, |_, prev, stored| {
        (unkeyed_hash(prev, &stored.entry), portal_desk_server::audit::HashScheme::Sha256)
    })
    .await;
    let report = tampered(&server);
    assert!(report.contains(&format!("audit entry {edited} is hashed without the audit key")), "{report}");
}

#[tokio::test]
async fn a_forged_checkpoint_does_not_vouch_for_a_cut_log() {
    let server = busy_server().await;
    assert_intact(&server);
    delete_newest(&server, 2).await;
    // The attacker can write the checkpoint file too, but not sign with the server's key:
    // they replace it with a checkpoint of the cut log, signed with a key of their own.
    let tip = server.store.audit_tip(0).await.unwrap();
    let forged = Checkpoint {
        at_ms: portal_desk_server::now_ms(),
        entries: tip.entries_after,
        head_seq: tip.head_seq,
        head_hash: tip.head_hash,
    };
    let line = CheckpointKey::new(&ServerKeys::random()).sign(&forged);
    std::fs::write(checkpoints(&server), format!("{line}\n")).unwrap();
    let report = tampered(&server);
    assert!(report.contains("line 1 of the checkpoint file is not signed with this server's key"), "{report}");
    assert!(report.contains("holds no checkpoint signed with this server's key"), "{report}");
}
