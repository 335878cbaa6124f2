//! The checkpoints a running server writes of the audit log's head: what each one
//! counts, when one is due, and what the server does when the log is cut under it.

use crate::support::{TestDb, TestServer};
use portal_desk_server::audit::checkpoint::CheckpointKey;
use portal_desk_server::audit::checkpointer::Checkpointer;
use portal_desk_server::audit::{checkpoint_file, GENESIS_HASH};

/// A checkpointer for `server`'s log, started (so it has written its first checkpoint).
async fn started(server: &TestServer) -> Checkpointer {
    let path = checkpoint_file::default_path(&server.key_file);
    Checkpointer::start(server.store.clone(), CheckpointKey::new(&server.keys), path).await.expect("start")
}

/// The signed checkpoints in `server`'s checkpoint file.
fn written(server: &TestServer) -> Vec<portal_desk_server::audit::checkpoint::Checkpoint> {
    let path = checkpoint_file::default_path(&server.key_file);
    let text = checkpoint_file::read(&path).unwrap().expect("a checkpoint file");
    let file = CheckpointKey::new(&server.keys).read(&text);
    assert!(file.forged.is_empty() && file.torn.is_empty(), "{file:?}");
    file.signed
}

#[tokio::test]
async fn a_server_checkpoints_new_entries_when_due_and_as_it_stops_and_counts_them_all() {
    let server = TestServer::new().await;
    let mut checkpointer = started(&server).await;
    let first = written(&server);
    assert_eq!((first[0].entries, first[0].head_seq, first[0].head_hash.as_str()), (0, 0, GENESIS_HASH));
    assert!(!checkpointer.look(false).await.unwrap(), "nothing new, nothing to vouch for");
    server.sign_in("asha@riverside.test", "tablet-1").await;
    server.sign_in("ben@riverside.test", "tablet-2").await;
    assert!(!checkpointer.look(false).await.unwrap(), "two entries a moment after the last: not due yet");
    assert!(checkpointer.look(true).await.unwrap(), "as the server stops, everything new is checkpointed");
    server.sign_in("carys@riverside.test", "tablet-3").await;
    assert!(checkpointer.look(true).await.unwrap());
    let head = server.count("SELECT MAX(seq) FROM audit").await as u64;
    let hash = server.db.text(&format!("SELECT hash FROM audit WHERE seq = {head}")).await;
    let last = written(&server).pop().unwrap();
    assert_eq!((last.entries, last.head_seq, last.head_hash), (3, head, hash));
    assert_eq!(written(&server).len(), 3);
}

#[tokio::test]
async fn a_server_that_finds_its_last_checkpointed_entry_gone_counts_the_log_again() {
    let server = TestServer::new().await;
    for (email, device) in [("asha@riverside.test", "tablet-1"), ("ben@riverside.test", "tablet-2")] {
        server.sign_in(email, device).await;
    }
    let mut checkpointer = started(&server).await;
    // Someone deletes the newest entry under the running server.
    let guards = match server.db {
        TestDb::Sqlite(_) => "DROP TRIGGER audit_is_append_only_delete",
        TestDb::Postgres(_) => "ALTER TABLE audit DISABLE TRIGGER USER",
    };
    server.db.execute(guards).await.unwrap();
    server.db.execute("DELETE FROM audit WHERE seq = 2").await.unwrap();
    assert!(checkpointer.look(false).await.unwrap(), "it checkpoints what it finds at once");
    let last = written(&server).pop().unwrap();
    assert_eq!((last.entries, last.head_seq), (1, 1), "counted again, not carried on from the cut");
}
