//! The test harness: a fresh server on its own fresh database, driven in process with
//! `oneshot`, with staff and operation builders and problem checks.
//!
//! The database is a temporary SQLite file, or, when `PORTAL_DESK_TEST_POSTGRES_URL`
//! names a PostgreSQL server, a new database created on it for this test alone — so
//! the whole suite runs on either.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use portal_desk_core::case::Collection;
use portal_desk_core::protocol::{IssuedCredential, PullResponse, PushResponse, SignInResponse};
use portal_desk_core::signing::OpKey;
use portal_desk_core::{DeviceId, Hlc, Op, OpBody, RecordId, SiteId, StaffId};
use portal_desk_server::audit::ChainKey;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::postgres::PostgresStore;
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::{NewStaff, Role, Store};
use portal_desk_server::keys::ServerKeys;
use portal_desk_server::{app, now_ms, AppState};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tempfile::TempDir;
use tower::ServiceExt;

pub mod audit_log;
pub mod process;
pub mod served;

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery";

/// The test staff: (email, name, role, sites).
pub const STAFF: &[(&str, &str, Role, &[&str])] = &[
    ("asha@riverside.test", "Asha Patel", Role::Analyst, &["riverside"]),
    ("ben@riverside.test", "Ben Okafor", Role::Analyst, &["riverside"]),
    ("carys@riverside.test", "Carys Jones", Role::Supervisor, &["riverside"]),
    ("dan@hilltop.test", "Dan Murphy", Role::Analyst, &["hilltop"]),
    ("sam@both.test", "Sam Admin", Role::Admin, &["riverside", "hilltop"]),
];

/// A server on a fresh database with two sites and the [`STAFF`], and a built-app
/// folder holding `index.html`, `sw.js` and one content-hashed script.
pub struct TestServer {
    /// The router under test.
    pub app: Router,
    /// The state it was built from, for a test that builds another router on the same
    /// database with other settings.
    pub state: AppState,
    /// The store behind it.
    pub store: Arc<dyn Store>,
    /// The same database, for looking at the tables directly.
    pub db: TestDb,
    /// Each device's secret, as the device keeps it, by device id.
    pub device_secrets: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// The server's keys.
    pub keys: Arc<ServerKeys>,
    /// The file holding them, for the command line.
    pub key_file: std::path::PathBuf,
    /// The database's URL, for the command line.
    pub database_url: String,
    /// The temporary folder holding the database, the key file and the app's files;
    /// kept so that it lives as long as the server.
    _dir: TempDir,
}

/// The database under a test server.
#[derive(Clone, Debug)]
pub enum TestDb {
    /// A temporary SQLite file.
    Sqlite(SqliteStore),
    /// A fresh database on the PostgreSQL server named by `PORTAL_DESK_TEST_POSTGRES_URL`.
    Postgres(PostgresStore),
}

impl TestDb {
    /// A fresh database whose audit chain is keyed with `keys`, and its URL (for a
    /// server process to open): PostgreSQL when the environment names a server, else
    /// SQLite in `dir`.
    pub async fn fresh(dir: &std::path::Path, keys: &ServerKeys) -> (Self, String) {
        match postgres_url() {
            Some(url) => {
                let (options, database_url) = new_postgres_database(&url).await;
                let store =
                    PostgresStore::open_with(options, ChainKey::new(keys)).await.expect("open the test database");
                (TestDb::Postgres(store), database_url)
            }
            None => {
                let path = dir.join("portal-desk.db");
                let store = SqliteStore::open(&path, ChainKey::new(keys)).await.expect("open database");
                (TestDb::Sqlite(store), format!("sqlite://{}", path.display()))
            }
        }
    }

    /// The store, shared.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            TestDb::Sqlite(store) => Arc::new(store.clone()),
            TestDb::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// Runs a statement; the error, if any, as text.
    pub async fn execute(&self, sql: &str) -> Result<u64, String> {
        match self {
            TestDb::Sqlite(store) => sqlx::query(sql).execute(store.pool()).await.map(|r| r.rows_affected()),
            TestDb::Postgres(store) => sqlx::query(sql).execute(store.pool()).await.map(|r| r.rows_affected()),
        }
        .map_err(|e| e.to_string())
    }

    /// One integer from SQL.
    pub async fn count(&self, sql: &str) -> i64 {
        match self {
            TestDb::Sqlite(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await,
            TestDb::Postgres(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// One text value from SQL.
    pub async fn text(&self, sql: &str) -> String {
        match self {
            TestDb::Sqlite(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await,
            TestDb::Postgres(store) => sqlx::query_scalar(sql).fetch_one(store.pool()).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// Creates a uniquely named database on the server at `url`: its connect options and
/// a `postgres://` URL naming it.
async fn new_postgres_database(url: &str) -> (sqlx::postgres::PgConnectOptions, String) {
    use sqlx::Connection;
    let admin: sqlx::postgres::PgConnectOptions = url.parse().expect("PORTAL_DESK_TEST_POSTGRES_URL");
    let name = format!("portal_desk_test_{}", auth::new_id().replace('-', ""));
    let mut conn = sqlx::PgConnection::connect_with(&admin).await.expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create a test database");
    conn.close().await.ok();
    let (main, query) = match url.split_once('?') {
        Some((main, query)) => (main, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = main.find("://").map_or(0, |i| i + 3);
    let authority_end = main[scheme_end..].find('/').map_or(main.len(), |i| scheme_end + i);
    (admin.database(&name), format!("{}/{name}{query}", &main[..authority_end]))
}

/// Creates a uniquely named database on the server at `url` and opens it, its audit
/// chain keyed with `keys`.
pub async fn fresh_postgres(url: &str, keys: &ServerKeys) -> PostgresStore {
    let (options, _) = new_postgres_database(url).await;
    PostgresStore::open_with(options, ChainKey::new(keys)).await.expect("open the test database")
}

/// A fresh database on the server at `url`, and a `postgres://` URL naming it, for
/// server processes to open; the store is keyed with the key file those processes
/// share ([`process::key_file_for`]).
pub async fn fresh_postgres_url(url: &str) -> (String, PostgresStore) {
    let (options, database_url) = new_postgres_database(url).await;
    let keys = ServerKeys::load(&process::key_file_for(&database_url)).expect("the test key file");
    let store = PostgresStore::open_with(options, ChainKey::new(&keys)).await.expect("open the test database");
    (database_url, store)
}

/// The `PORTAL_DESK_TEST_POSTGRES_URL` PostgreSQL server, if the environment names one.
pub fn postgres_url() -> Option<String> {
    std::env::var("PORTAL_DESK_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty())
}

/// A response, read in full.
pub struct TestResponse {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value, if present.
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a 200 and decodes the body.
    #[track_caller]
    pub fn ok<T: serde::de::DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, StatusCode::OK, "expected 200, got {}: {}", self.status, self.text());
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("unexpected body ({e}): {}", self.text()))
    }

    /// Asserts an RFC 9457 problem with this status and type, and returns it.
    #[track_caller]
    pub fn problem(&self, status: StatusCode, problem_type: &str) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text());
        assert_eq!(self.header(header::CONTENT_TYPE), Some("application/problem+json"));
        let problem = self.json();
        assert_eq!(problem["type"], problem_type, "unexpected problem: {problem}");
        assert_eq!(problem["status"], status.as_u16());
        assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()), "no title: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| d.len() > 20), "no useful detail: {problem}");
        problem
    }
}

/// A signed-in device.
#[derive(Clone, Debug)]
pub struct Device {
    /// The bearer token.
    pub token: String,
    /// Who signed in.
    pub staff: StaffId,
    /// The device.
    pub device: DeviceId,
    /// The signed-in person's operation key on the device.
    pub key: OpKey,
}

impl Device {
    /// A device whose person is signed in on it as `signed_in` answered.
    pub fn signed_in(signed_in: SignedIn, device: &str) -> Self {
        let staff = signed_in.session.staff.id;
        let key = OpKey { credential: signed_in.credential.id, staff: staff.clone(), key: signed_in.credential.key };
        Device { token: signed_in.session.token, staff, device: DeviceId::from(device), key }
    }

    /// A device with this token whose person holds no credential the server issued.
    pub fn without_credential(token: String, staff: StaffId, device: &str) -> Self {
        let key = OpKey { credential: "never-issued".into(), staff: staff.clone(), key: "00".repeat(32) };
        Device { token, staff, device: DeviceId::from(device), key }
    }
}

/// What a sign-in answers, as the tests read it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SignedIn {
    /// The session.
    #[serde(flatten)]
    pub session: SignInResponse,
    /// The device's data-at-rest secret.
    pub device_key: String,
    /// The device's own secret, when this sign-in registered it.
    pub device_secret: Option<String>,
    /// The person's operation key on the device.
    pub credential: IssuedCredential,
}

impl TestServer {
    /// A fresh server.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let keys = Arc::new(ServerKeys::random());
        let key_file = dir.path().join("portal-desk.key");
        keys.write_new(&key_file).expect("write the key file");
        let (db, database_url) = TestDb::fresh(dir.path(), &keys).await;
        let store = db.store();
        assert!(store.claim_key_fingerprint(&keys.fingerprint()).await.expect("claim the key"));
        for (id, name) in [("riverside", "Riverside Clinic"), ("hilltop", "Hilltop Health Centre")] {
            store.add_site(&SiteId::from(id), name).await.expect("add site");
        }
        for (email, name, role, sites) in STAFF {
            let staff = NewStaff {
                id: StaffId::from(staff_id(email)),
                email: (*email).to_owned(),
                name: (*name).to_owned(),
                role: *role,
                password_hash: auth::hash_password(PASSWORD, HashCost::Minimal).expect("hash"),
                sites: sites.iter().map(|s| SiteId::from(*s)).collect(),
            };
            store.add_staff(&staff, now_ms()).await.expect("add staff");
        }
        let static_dir = dir.path().join("dist");
        std::fs::create_dir_all(&static_dir).expect("static dir");
        std::fs::write(static_dir.join("index.html"), "<!doctype html><title>Portal Desk</title>").expect("index");
        std::fs::write(static_dir.join("sw.js"), "self.addEventListener('fetch', () => {});").expect("sw");
        std::fs::write(static_dir.join("portal-desk-0123456789abcdef.js"), "export {};").expect("asset");
        let state = AppState::new(store.clone(), static_dir, HashCost::Minimal, keys.clone());
        Self {
            app: app(state.clone()),
            state,
            store,
            db,
            device_secrets: Default::default(),
            keys,
            key_file,
            database_url,
            _dir: dir,
        }
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.send_request(request.expect("request")).await
    }

    /// Sends a raw request.
    pub async fn send_request(&self, request: Request<Body>) -> TestResponse {
        send_to(&self.app, request).await
    }

    /// The built-app folder it serves.
    pub fn static_dir(&self) -> &std::path::Path {
        &self.state.static_dir
    }

    /// Signs `email` in on `device`, as the app does: proving the device with the secret
    /// it was given at registration, and keeping the secret a first sign-in gives it.
    pub async fn sign_in(&self, email: &str, device: &str) -> Device {
        let response: SignedIn = self.sign_in_raw(email, PASSWORD, device).await.ok();
        if let Some(secret) = &response.device_secret {
            self.device_secrets.lock().unwrap().insert(device.to_owned(), secret.clone());
        }
        Device::signed_in(response, device)
    }

    /// Sends a sign-in with this password, proving the device as [`TestServer::sign_in`]
    /// does, and returns the raw answer.
    pub async fn sign_in_raw(&self, email: &str, password: &str, device: &str) -> TestResponse {
        let proof = self.device_secrets.lock().unwrap().get(device).cloned();
        let body = serde_json::json!({ "email": email, "password": password, "device": device, "device_proof": proof });
        self.send(Method::POST, "/api/v1/sign-in", None, Some(&body)).await
    }

    /// Pushes `ops` from `device`, returning the raw response.
    pub async fn push(&self, device: &Device, ops: &[Op]) -> TestResponse {
        let body = serde_json::json!({ "device": device.device, "ops": ops });
        self.send(Method::POST, "/api/v1/push", Some(&device.token), Some(&body)).await
    }

    /// Pushes `ops` and expects a 200.
    pub async fn push_ok(&self, device: &Device, ops: &[Op]) -> PushResponse {
        self.push(device, ops).await.ok()
    }

    /// Pulls one page.
    pub async fn pull(&self, device: &Device, cursor: u64, limit: Option<usize>) -> PullResponse {
        let path = match limit {
            Some(limit) => format!("/api/v1/pull?cursor={cursor}&limit={limit}"),
            None => format!("/api/v1/pull?cursor={cursor}"),
        };
        self.send(Method::GET, &path, Some(&device.token), None).await.ok()
    }

    /// Pulls every page from the start and returns the records' patient names.
    pub async fn visible_patients(&self, device: &Device) -> Vec<String> {
        let mut cursor = 0;
        let mut names = Vec::new();
        loop {
            let page = self.pull(device, cursor, None).await;
            names.extend(page.records.iter().filter_map(|r| r.field("patient_name").map(str::to_owned)));
            cursor = page.cursor;
            if !page.more {
                return names;
            }
        }
    }

    /// A count from SQL, for checking what was (not) written.
    pub async fn count(&self, sql: &str) -> i64 {
        self.db.count(sql).await
    }

    /// The key the server's audit chain is hashed with.
    pub fn chain_key(&self) -> ChainKey {
        ChainKey::new(&self.keys)
    }
}

/// Sends a raw request to `app`, reading the answer in full.
pub async fn send_to(app: &Router, request: Request<Body>) -> TestResponse {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    TestResponse { status, headers, body }
}

/// The test staff member's id for an email (readable, so tests can name owners).
pub fn staff_id(email: &str) -> String {
    format!("staff-{}", email.split('@').next().unwrap_or(email))
}

/// Builds a device's operations with consecutive sequence numbers and a clock that
/// follows real time, signed as the app signs them: with the operation key of the
/// person signed in.
pub struct Outbox {
    device: DeviceId,
    actor: StaffId,
    key: Option<OpKey>,
    next_seq: u64,
    wall_ms: u64,
}

impl Outbox {
    /// An empty outbox for a signed-in device.
    pub fn new(device: &Device) -> Self {
        Self {
            device: device.device.clone(),
            actor: device.staff.clone(),
            key: Some(device.key.clone()),
            next_seq: 1,
            wall_ms: now_ms(),
        }
    }

    /// The actor the operations made from now on NAME, still signed with the key of
    /// the person signed in (an impersonation, as an attacker would make it).
    pub fn as_actor(&mut self, actor: &StaffId) -> &mut Self {
        self.actor = actor.clone();
        self
    }

    /// The operations made from now on are by the person signed in on `device` (the
    /// same tablet), signed with their key: a colleague taking over a shared tablet.
    pub fn by(&mut self, device: &Device) -> &mut Self {
        assert_eq!(device.device, self.device, "a colleague on the same tablet");
        self.actor = device.staff.clone();
        self.key = Some(device.key.clone());
        self
    }

    /// The operations made from now on are not signed at all (an app from before
    /// signing, or a forger).
    pub fn unsigned(&mut self) -> &mut Self {
        self.key = None;
        self
    }

    /// Signs `op` again after a test changed it, as its author's device would have
    /// made it.
    pub fn sign(&self, op: &mut Op) {
        op.signature = None;
        if let Some(key) = &self.key {
            let holder = OpKey { staff: op.actor.clone(), ..key.clone() };
            holder.sign(op).expect("sign");
        }
    }

    /// The next operation, with any body, on any record.
    pub fn op(&mut self, record: &str, body: OpBody) -> Op {
        self.wall_ms += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut op = Op {
            id: format!("{}-op-{seq}", self.device).into(),
            device: self.device.clone(),
            seq,
            hlc: Hlc { wall_ms: self.wall_ms, counter: 0, device: self.device.clone() },
            actor: self.actor.clone(),
            record: RecordId::from(record),
            body,
            signature: None,
        };
        self.sign(&mut op);
        op
    }

    /// Creates a case.
    pub fn create(&mut self, record: &str, site: &str, patient: &str, kind: &str) -> Op {
        let fields =
            BTreeMap::from([("patient_name".to_owned(), patient.to_owned()), ("kind".to_owned(), kind.to_owned())]);
        self.op(record, OpBody::Create { collection: Collection::Case, site: site.into(), fields })
    }

    /// Adds a note.
    pub fn note(&mut self, record: &str, text: &str) -> Op {
        self.op(record, OpBody::AppendNote { text: text.to_owned() })
    }
}

/// Whether an outcome is a rejection with this code.
#[track_caller]
pub fn assert_rejected(result: &portal_desk_core::protocol::OpResult, code: &str) {
    match &result.outcome {
        portal_desk_core::Outcome::Rejected { code: got, reason } => {
            assert_eq!(got, code, "rejected for another reason: {reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("op {} was not rejected: {other:?}", result.seq),
    }
}

/// Whether an outcome is applied.
#[track_caller]
pub fn assert_applied(result: &portal_desk_core::protocol::OpResult) {
    assert_eq!(result.outcome, portal_desk_core::Outcome::Applied, "op {} was not applied", result.seq);
}
