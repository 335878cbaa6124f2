//! The SQLite store: migrations, reopening, and the append-only audit log.

use crate::support::TestServer;
use portal_desk_server::audit::ChainKey;
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::Store;
use portal_desk_server::keys::ServerKeys;

/// A chain key for a store whose audit log these tests do not check.
fn chain() -> ChainKey {
    ChainKey::new(&ServerKeys::random())
}

#[tokio::test]
async fn reopening_a_sqlite_database_runs_no_migration_twice_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pd.db");
    let store = SqliteStore::open(&path, chain()).await.unwrap();
    store.add_site(&"riverside".into(), "Riverside Clinic").await.unwrap();
    store.pool().close().await;
    let reopened = SqliteStore::open(&path, chain()).await.expect("reopen");
    let migrations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(reopened.pool()).await.unwrap();
    assert_eq!(migrations, portal_desk_server::db::sqlite::MIGRATOR.iter().count() as i64);
    assert!(reopened.site_exists(&"riverside".into()).await.unwrap());
}

#[tokio::test]
async fn the_sqlite_database_runs_in_wal_mode_with_foreign_keys_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("pd.db"), chain()).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(store.pool()).await.unwrap();
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    let update = server.db.execute("UPDATE audit SET action = 'nothing'").await;
    assert!(update.unwrap_err().contains("append-only"));
    let delete = server.db.execute("DELETE FROM audit").await;
    assert!(delete.unwrap_err().contains("append-only"));
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, 1);
}

#[tokio::test]
async fn a_tampered_audit_entry_breaks_the_chain() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    server.sign_in("ben@riverside.test", "tablet-2").await;
    let mut log = server.store.audit_log().await.unwrap();
    assert_eq!(portal_desk_server::audit::verify(&log, &server.chain_key()), Ok(2));
    log[0].entry.staff = Some("someone-else".into());
    assert!(portal_desk_server::audit::verify(&log, &server.chain_key()).is_err());
}

/// A new SQLite database at `path` with only the first `migrations` applied, as an
/// older server left it.
async fn sqlite_at_migration(path: &std::path::Path, migrations: usize) -> sqlx::SqlitePool {
    use sqlx::migrate::Migrator;
    use std::borrow::Cow;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let older = Migrator {
        migrations: Cow::Owned(portal_desk_server::db::sqlite::MIGRATOR.iter().take(migrations).cloned().collect()),
        ..Migrator::DEFAULT
    };
    older.run(&pool).await.unwrap();
    pool
}

#[tokio::test]
async fn a_database_at_the_first_migration_is_upgraded_with_its_data_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let pool = sqlite_at_migration(&path, 1).await;
    sqlx::query("INSERT INTO sites (id, name) VALUES ('riverside', 'Riverside Clinic')").execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO devices (id, last_seq, registered_at_ms) VALUES ('tablet-1', 7, 1)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let upgraded = SqliteStore::open(&path, chain()).await.expect("migrate the old database");
    assert!(upgraded.site_exists(&"riverside".into()).await.unwrap());
    let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM devices WHERE id = 'tablet-1'")
        .fetch_one(upgraded.pool())
        .await
        .unwrap();
    assert_eq!(last_seq, 7);
    assert!(!upgraded.device_revoked(&"tablet-1".into()).await.unwrap());
}

#[tokio::test]
async fn an_audit_log_from_before_keyed_hashing_keeps_verifying_and_the_keyed_chain_carries_on_from_it() {
    use crate::support::audit_log::{assert_keyed_chain_carries_on, unkeyed_chain};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let pool = sqlite_at_migration(&path, 7).await;
    // Entries as the server before keyed hashing wrote them, numbered by SQLite.
    for old in unkeyed_chain(3) {
        sqlx::query("INSERT INTO audit (at_ms, action, detail, prev_hash, hash) VALUES (?, 'pull', ?, ?, ?)")
            .bind(old.entry.at_ms as i64)
            .bind(old.entry.detail.to_string())
            .bind(&old.prev_hash)
            .bind(&old.hash)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let keys = ServerKeys::random();
    let upgraded = SqliteStore::open(&path, ChainKey::new(&keys)).await.expect("migrate the old database");
    upgraded
        .append_audit(&portal_desk_server::audit::AuditEntry::new(4_000, "sign_in", serde_json::json!({})))
        .await
        .unwrap();
    assert_keyed_chain_carries_on(&upgraded.audit_log().await.unwrap(), 3, &keys);
}

#[tokio::test]
async fn an_unkeyed_entry_from_a_server_that_predates_keying_is_refused() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "tablet-1").await;
    // What a server from before migration 0008, still running, would insert.
    let old_insert = "INSERT INTO audit (seq, at_ms, action, detail, prev_hash, hash) \
                      VALUES (100, 1, 'sign_in', '{}', 'x', 'y')";
    let refused = server.db.execute(old_insert).await.unwrap_err();
    assert!(refused.contains("audit entries must be keyed"), "{refused}");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, 1);
}
