//! The SQLite store: migrations, reopening, and the append-only audit log.

use crate::support::{Outbox, TestServer};
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::Store;

#[tokio::test]
async fn reopening_a_database_runs_no_migration_twice_and_keeps_its_data() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    server.push_ok(&tablet, &[outbox.create("case-1", "riverside", "Ada Example", "sign_up")]).await;
    let path = server.dir.path().join("portal-desk.db");
    let reopened = SqliteStore::open(&path).await.expect("reopen");
    let migrations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(reopened.pool()).await.unwrap();
    assert_eq!(migrations, 1);
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records").fetch_one(reopened.pool()).await.unwrap();
    assert_eq!(records, 1);
    assert!(!reopened.is_empty().await.unwrap());
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_foreign_keys_on() {
    let server = TestServer::new().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(server.store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(server.store.pool()).await.unwrap();
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    let update = sqlx::query("UPDATE audit SET action = 'nothing'").execute(server.store.pool()).await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM audit").execute(server.store.pool()).await;
    assert!(delete.is_err());
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, 1);
}

#[tokio::test]
async fn a_tampered_audit_entry_breaks_the_chain() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    server.sign_in("ben@riverside.test", "tablet-2").await;
    let mut log = server.store.audit_log().await.unwrap();
    assert_eq!(portal_desk_server::audit::verify(&log), Ok(2));
    log[0].entry.staff = Some("someone-else".into());
    assert!(portal_desk_server::audit::verify(&log).is_err());
}
