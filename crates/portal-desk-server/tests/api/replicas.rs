//! Several stateless servers on one PostgreSQL database: devices may sync through any
//! of them, at the same time, and everything converges. These run only when
//! `PORTAL_DESK_TEST_POSTGRES_URL` names a server (the test command starts a private
//! one); the rest of the suite runs on it too.

use crate::support::{fresh_postgres, postgres_url, staff_id, Outbox, TestDb, TestServer, PASSWORD, STAFF};
use axum::http::Method;
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::SiteId;
use portal_desk_server::audit::ChainKey;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::postgres::PostgresStore;
use portal_desk_server::db::{NewStaff, Store};
use portal_desk_server::keys::ServerKeys;
use portal_desk_server::{app, audit, now_ms, AppState};
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn the_suite_runs_on_the_database_the_environment_names() {
    let server = TestServer::new().await;
    match (postgres_url(), &server.db) {
        (Some(_), TestDb::Postgres(_)) | (None, TestDb::Sqlite(_)) => {}
        (url, db) => panic!("PORTAL_DESK_TEST_POSTGRES_URL is {url:?} but the suite runs on {db:?}"),
    }
}

/// Two servers, each with its own connection pool, on one fresh database.
async fn two_servers(url: &str) -> (axum::Router, axum::Router, PostgresStore, Arc<ServerKeys>) {
    // Replicas of one database share one key file.
    let keys = Arc::new(ServerKeys::random());
    let first = fresh_postgres(url, &keys).await;
    for (id, name) in [("riverside", "Riverside Clinic"), ("hilltop", "Hilltop Health Centre")] {
        first.add_site(&SiteId::from(id), name).await.unwrap();
    }
    for (email, name, role, sites) in STAFF {
        let staff = NewStaff {
            id: staff_id(email).into(),
            email: (*email).to_owned(),
            name: (*name).to_owned(),
            role: *role,
            password_hash: auth::hash_password(PASSWORD, HashCost::Minimal).unwrap(),
            sites: sites.iter().map(|s| SiteId::from(*s)).collect(),
        };
        first.add_staff(&staff, now_ms()).await.unwrap();
    }
    let options = first.pool().connect_options().as_ref().clone();
    let second = PostgresStore::open_with(options, ChainKey::new(&keys)).await.unwrap();
    let dist = std::env::temp_dir();
    let a = app(AppState::new(Arc::new(first.clone()), dist.clone(), HashCost::Minimal, keys.clone()));
    let b = app(AppState::new(Arc::new(second), dist, HashCost::Minimal, keys.clone()));
    (a, b, first, keys)
}

async fn call<T: serde::de::DeserializeOwned>(
    router: &axum::Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> T {
    let mut request = axum::http::Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request.header("content-type", "application/json").body(axum::body::Body::from(body.to_string())),
        None => request.body(axum::body::Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    assert!(status.is_success(), "{path}: {status} {}", String::from_utf8_lossy(&bytes));
    serde_json::from_slice(&bytes).unwrap()
}

/// Signs in on a new device (each tablet here signs in once).
async fn sign_in(router: &axum::Router, email: &str, device: &str) -> crate::support::Device {
    let body = serde_json::json!({ "email": email, "password": PASSWORD, "device": device });
    let response: crate::support::SignedIn = call(router, Method::POST, "/api/v1/sign-in", None, Some(body)).await;
    crate::support::Device::signed_in(response, device)
}

async fn pull_all(router: &axum::Router, device: &crate::support::Device) -> Vec<portal_desk_core::Record> {
    let mut cursor = 0;
    let mut records = Vec::new();
    loop {
        let path = format!("/api/v1/pull?cursor={cursor}&limit=7");
        let page: PullResponse = call(router, Method::GET, &path, Some(&device.token), None).await;
        records.extend(page.records);
        cursor = page.cursor;
        if !page.more {
            return records;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_syncing_through_two_servers_alternately_converge() {
    let Some(url) = postgres_url() else { return };
    let (a, b, _, _) = two_servers(&url).await;
    let servers = [&a, &b];
    let asha = sign_in(&a, "asha@riverside.test", "tablet-a").await;
    let ben = sign_in(&b, "ben@riverside.test", "tablet-b").await;
    let mut asha_outbox = Outbox::new(&asha);
    let mut ben_outbox = Outbox::new(&ben);
    for round in 0..6 {
        let server = servers[round % 2];
        let other = servers[(round + 1) % 2];
        let ops = vec![asha_outbox.create(&format!("a-{round}"), "riverside", &format!("Asha's {round}"), "sign_up")];
        let body = serde_json::json!({ "device": "tablet-a", "ops": ops });
        let _: serde_json::Value = call(server, Method::POST, "/api/v1/push", Some(&asha.token), Some(body)).await;
        let ops = vec![ben_outbox.note(&format!("a-{round}"), &format!("Ben saw round {round}"))];
        let body = serde_json::json!({ "device": "tablet-b", "ops": ops });
        let _: serde_json::Value = call(other, Method::POST, "/api/v1/push", Some(&ben.token), Some(body)).await;
    }
    let via_a = pull_all(&a, &ben).await;
    let via_b = pull_all(&b, &asha).await;
    assert_eq!(via_a.len(), 6);
    assert_eq!(via_a, via_b, "both servers serve the same records");
    assert!(via_a.iter().all(|r| r.timeline.len() == 1), "every note arrived exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_batch_pushed_through_two_servers_at_once_is_applied_once() {
    let Some(url) = postgres_url() else { return };
    let (a, b, store, _) = two_servers(&url).await;
    let tablet = sign_in(&a, "asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let ops: Vec<_> = std::iter::once(outbox.create("case-1", "riverside", "Ada Example", "sign_up"))
        .chain((0..20).map(|i| outbox.note("case-1", &format!("note {i}"))))
        .collect();
    let body = serde_json::json!({ "device": "tablet-1", "ops": ops });
    let (first, second) = tokio::join!(
        call::<serde_json::Value>(&a, Method::POST, "/api/v1/push", Some(&tablet.token), Some(body.clone())),
        call::<serde_json::Value>(&b, Method::POST, "/api/v1/push", Some(&tablet.token), Some(body)),
    );
    assert_eq!(first["applied_through"], 21);
    assert_eq!(second["applied_through"], 21);
    let ops: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ops").fetch_one(store.pool()).await.unwrap();
    assert_eq!(ops, 21);
    assert_eq!(pull_all(&b, &tablet).await[0].timeline.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_entries_written_through_two_servers_at_once_form_one_chain() {
    let Some(url) = postgres_url() else { return };
    let (a, b, store, keys) = two_servers(&url).await;
    let asha = sign_in(&a, "asha@riverside.test", "tablet-a").await;
    let dan = sign_in(&b, "dan@hilltop.test", "tablet-d").await;
    let pulls = (0..10).map(|i| {
        let (router, device) = if i % 2 == 0 { (a.clone(), asha.clone()) } else { (b.clone(), dan.clone()) };
        async move { pull_all(&router, &device).await }
    });
    futures_join_all(pulls).await;
    let log = store.audit_log().await.unwrap();
    assert_eq!(log.len(), 12);
    assert_eq!(audit::verify(&log, &ChainKey::new(&keys)), Ok(12));
}

/// Runs futures concurrently (a tiny stand-in for `futures::future::join_all`).
async fn futures_join_all<F: std::future::Future + Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

/// A new database on the server at `url` with only the first `migrations` applied, as
/// an older server left it: a pool on it, and its options for opening it again.
async fn postgres_at_migration(url: &str, migrations: usize) -> (sqlx::PgPool, sqlx::postgres::PgConnectOptions) {
    use sqlx::migrate::Migrator;
    use std::borrow::Cow;
    let fresh = fresh_postgres(url, &ServerKeys::random()).await;
    let options = fresh.pool().connect_options().as_ref().clone();
    let name = format!("portal_desk_test_old_{}", auth::new_id().replace('-', ""));
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(fresh.pool()).await.unwrap();
    let old_options = options.database(&name);
    let pool = sqlx::PgPool::connect_with(old_options.clone()).await.unwrap();
    let older = Migrator {
        migrations: Cow::Owned(portal_desk_server::db::postgres::MIGRATOR.iter().take(migrations).cloned().collect()),
        ..Migrator::DEFAULT
    };
    older.run(&pool).await.unwrap();
    (pool, old_options)
}

#[tokio::test]
async fn a_postgres_database_at_the_first_migration_is_upgraded_with_its_data_intact() {
    let Some(url) = postgres_url() else { return };
    let (pool, old_options) = postgres_at_migration(&url, 1).await;
    sqlx::query("INSERT INTO sites (id, name) VALUES ('riverside', 'Riverside Clinic')").execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO devices (id, last_seq, registered_at_ms) VALUES ('tablet-1', 7, 1)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let keys = ServerKeys::random();
    let upgraded = PostgresStore::open_with(old_options, ChainKey::new(&keys)).await.expect("migrate the old database");
    assert!(upgraded.site_exists(&"riverside".into()).await.unwrap());
    let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM devices WHERE id = 'tablet-1'")
        .fetch_one(upgraded.pool())
        .await
        .unwrap();
    assert_eq!(last_seq, 7);
    assert!(!upgraded.device_revoked(&"tablet-1".into()).await.unwrap());
}

#[tokio::test]
async fn a_postgres_audit_log_from_before_keyed_hashing_keeps_verifying_and_the_keyed_chain_carries_on_from_it() {
    let Some(url) = postgres_url() else { return };
    use crate::support::audit_log::{assert_keyed_chain_carries_on, unkeyed_chain};
    let (pool, old_options) = postgres_at_migration(&url, 7).await;
    // Entries as the servers before keyed hashing wrote them, with the head row.
    for (seq, old) in (1i64..).zip(unkeyed_chain(3)) {
        sqlx::query(
            "INSERT INTO audit (seq, at_ms, action, detail, prev_hash, hash) VALUES ($1, $2, 'pull', $3, $4, $5)",
        )
        .bind(seq)
        .bind(old.entry.at_ms as i64)
        .bind(old.entry.detail.to_string())
        .bind(&old.prev_hash)
        .bind(&old.hash)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&old.hash)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let keys = ServerKeys::random();
    let upgraded = PostgresStore::open_with(old_options, ChainKey::new(&keys)).await.expect("migrate the old database");
    upgraded
        .append_audit(&portal_desk_server::audit::AuditEntry::new(4_000, "sign_in", serde_json::json!({})))
        .await
        .unwrap();
    assert_keyed_chain_carries_on(&upgraded.audit_log().await.unwrap(), 3, &keys);
}
