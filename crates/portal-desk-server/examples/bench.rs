//! The sync server's benchmark: operations ingested per second, records served per
//! second by pull, and the latency of a device's sync round (push, then pull) with
//! 100, 500 and 1,000 simulated devices, over real HTTP on loopback.
//!
//! Run it in release mode, from the repository root:
//!
//! ```text
//! cargo run --release -p portal-desk-server --example bench                 # SQLite
//! cargo run --release -p portal-desk-server --example bench -- postgres://… # PostgreSQL
//! ```
//!
//! Every operation is signed with the key its device's sign-in issued, as the app signs
//! them, so ingest includes the server's check of each signature. Every device first
//! pushes a backlog of 200 operations (ingest); twenty devices then
//! pull everything their site holds (serve); then, caught up, each device syncs
//! `BENCH_ROUNDS` times (default 2) at random moments within `BENCH_WINDOW_S` seconds
//! (default 30: a tablet syncing every 15 s), so the offered load grows with the number
//! of devices. A share `BENCH_PUSH_SHARE` (default 0.2) of rounds push one to three new
//! operations first; every round pulls what changed since its cursor, which on a busy
//! site is everyone else's changes. `BENCH_DEVICES` (default 100,500,1000) sets the
//! fleet sizes. It prints a Markdown table.

use portal_desk_core::protocol::{PullResponse, PushResponse, SignInResponse};
use portal_desk_core::signing::OpKey;
use portal_desk_core::{Op, SiteId};
use portal_desk_server::audit::ChainKey;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::postgres::PostgresStore;
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::{NewStaff, Role, SharedStore};
use portal_desk_server::keys::ServerKeys;
use portal_desk_server::{app, now_ms, AppState};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "benchmark password";
const STAFF_PER_SITE: usize = 5;
const SITES: [&str; 2] = ["riverside", "hilltop"];

/// One HTTP/1.1 request on its own connection; returns the status and body.
async fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    stream.set_nodelay(true).ok();
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("receive");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

async fn open_store(url: Option<&str>, dir: &std::path::Path, keys: &ServerKeys) -> SharedStore {
    let chain = ChainKey::new(keys);
    match url {
        Some(url) => {
            use sqlx::Connection;
            let admin: sqlx::postgres::PgConnectOptions = url.parse().expect("a postgres:// URL");
            let name = format!("portal_desk_bench_{}", auth::new_id().replace('-', ""));
            let mut conn = sqlx::PgConnection::connect_with(&admin).await.expect("connect");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
            Arc::new(PostgresStore::open_with(admin.database(&name), chain).await.expect("open"))
        }
        None => Arc::new(SqliteStore::open(&dir.join("bench.db"), chain).await.expect("open")),
    }
}

/// A simulated tablet.
struct Device {
    id: String,
    staff: String,
    site: &'static str,
    token: String,
    /// The operation key its sign-in issued: every change is signed, as the app does.
    key: OpKey,
    seq: u64,
    cursor: u64,
    case: Option<String>,
}

impl Device {
    fn ops(&mut self, n: usize) -> Vec<Value> {
        (0..n)
            .map(|_| {
                self.seq += 1;
                let (record, body) = match &self.case {
                    Some(case) if self.seq % 10 != 1 => {
                        (case.clone(), json!({ "type": "append_note", "text": format!("note {}", self.seq) }))
                    }
                    _ => {
                        let case = format!("{}-case-{}", self.id, self.seq);
                        self.case = Some(case.clone());
                        let fields = json!({ "patient_name": "Bench Patient", "kind": "sign_up", "summary": "A benchmark case" });
                        (case, json!({ "type": "create", "collection": "case", "site": self.site, "fields": fields }))
                    }
                };
                let mut op: Op = serde_json::from_value(json!({
                    "id": format!("{}-{}", self.id, self.seq), "device": self.id, "seq": self.seq,
                    "hlc": { "wall_ms": now_ms(), "counter": 0, "device": self.id },
                    "actor": self.staff, "record": record, "body": body,
                }))
                .expect("an operation");
                self.key.sign(&mut op).expect("the device's own person's key");
                serde_json::to_value(op).expect("an operation")
            })
            .collect()
    }

    async fn push(&mut self, port: u16, n: usize) -> usize {
        let ops = self.ops(n);
        let body = json!({ "device": self.id, "ops": ops });
        let (status, text) = http(port, "POST", "/api/v1/push", Some(&self.token), Some(&body)).await;
        assert_eq!(status, 200, "push: {text}");
        let response: PushResponse = serde_json::from_str(&text).expect("push response");
        // A refused or held change is cheaper than an applied one: count only what applies.
        let refused = response.results.iter().find(|r| !matches!(r.outcome, portal_desk_core::Outcome::Applied));
        assert!(refused.is_none(), "every benchmark change applies: {refused:?}");
        response.results.len()
    }

    async fn pull(&mut self, port: u16) -> usize {
        let mut served = 0;
        loop {
            let path = format!("/api/v1/pull?cursor={}", self.cursor);
            let (status, text) = http(port, "GET", &path, Some(&self.token), None).await;
            assert_eq!(status, 200, "pull: {text}");
            let page: PullResponse = serde_json::from_str(&text).expect("pull response");
            served += page.records.len();
            self.cursor = page.cursor;
            if !page.more {
                return served;
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// How hard the devices sync.
#[derive(Clone, Copy, Debug)]
struct Load {
    /// The window the sync rounds are spread over, in seconds.
    window_s: f64,
    /// Sync rounds per device within the window.
    rounds: usize,
    /// The share of rounds that push new operations.
    push_share: f64,
}

async fn run(url: Option<&str>, devices: usize, load: Load) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = Arc::new(ServerKeys::random());
    let store = open_store(url, dir.path(), &keys).await;
    for site in SITES {
        store.add_site(&SiteId::from(site), site).await.expect("site");
    }
    let mut staff = Vec::new();
    for (i, site) in SITES.iter().enumerate() {
        for n in 0..STAFF_PER_SITE {
            let email = format!("staff{n}@{site}.bench");
            let new = NewStaff {
                id: format!("staff-{i}-{n}").into(),
                email: email.clone(),
                name: email.clone(),
                role: Role::Analyst,
                password_hash: auth::hash_password(PASSWORD, HashCost::Minimal).expect("hash"),
                sites: vec![SiteId::from(*site)],
            };
            store.add_staff(&new, now_ms()).await.expect("staff");
            staff.push((email, *site));
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let state = AppState::new(store, dir.path().join("dist"), HashCost::Minimal, keys);
    let server = tokio::spawn(async move { axum::serve(listener, app(state)).await });

    let mut fleet = Vec::new();
    for i in 0..devices {
        let (email, site) = &staff[i % staff.len()];
        let id = format!("bench-device-{i}");
        let body = json!({ "email": email, "password": PASSWORD, "device": id });
        let (status, text) = http(port, "POST", "/api/v1/sign-in", None, Some(&body)).await;
        assert_eq!(status, 200, "sign-in: {text}");
        let answer: Value = serde_json::from_str(&text).expect("sign-in response");
        let credential = &answer["credential"];
        let signed_in: SignInResponse = serde_json::from_value(answer.clone()).expect("sign-in response");
        let key = OpKey {
            credential: credential["id"].as_str().expect("a credential id").to_owned(),
            staff: signed_in.staff.id.clone(),
            key: credential["key"].as_str().expect("a credential key").to_owned(),
        };
        fleet.push(Device {
            id,
            staff: signed_in.staff.id.0,
            site,
            token: signed_in.token,
            key,
            seq: 0,
            cursor: 0,
            case: None,
        });
    }

    // Ingest: every device pushes a full backlog of 200 operations, 20 devices at a time.
    let started = Instant::now();
    let mut ingested = 0;
    for chunk in fleet.chunks_mut(20) {
        let pushes = chunk.iter_mut().map(|d| d.push(port, 200));
        for n in futures_all(pushes).await {
            ingested += n;
        }
    }
    let ingest_rate = ingested as f64 / started.elapsed().as_secs_f64();

    // Serve: twenty devices, ten per site, each pull everything their site holds at once.
    let started = Instant::now();
    let mut served = 0;
    for n in futures_all(fleet.iter_mut().take(20).map(|d| d.pull(port))).await {
        served += n;
    }
    let serve_rate = served as f64 / started.elapsed().as_secs_f64();
    // Every other device is caught up too, as tablets in use all day would be.
    let head = fleet.iter().map(|d| d.cursor).max().unwrap_or(0);
    fleet.iter_mut().for_each(|d| d.cursor = head);

    // Sync rounds: each device syncs `load.rounds` times at random moments within the
    // window; a share of the rounds carry one to three new operations, the rest only pull.
    let window = Duration::from_secs_f64(load.window_s);
    let mut rng = StdRng::seed_from_u64(devices as u64);
    let mut schedule: Vec<(Duration, usize, usize)> = (0..devices)
        .flat_map(|d| (0..load.rounds).map(move |_| d))
        .map(|d| {
            let ops = if rng.gen::<f64>() < load.push_share { rng.gen_range(1..=3) } else { 0 };
            (window.mul_f64(rng.gen::<f64>()), d, ops)
        })
        .collect();
    schedule.sort();
    let fleet: Vec<_> = fleet.into_iter().map(|d| Arc::new(tokio::sync::Mutex::new(d))).collect();
    let origin = Instant::now();
    let mut tasks = Vec::new();
    for (at, d, n) in schedule {
        let device = fleet[d].clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(origin + at)).await;
            let mut device = device.lock().await;
            let started = Instant::now();
            if n > 0 {
                device.push(port, n).await;
            }
            device.pull(port).await;
            started.elapsed()
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(task.await.expect("sync round"));
    }
    latencies.sort();
    server.abort();
    format!(
        "| {} | {devices} | {:.0} | {:.0} | {} | {:.1} | {:.1} |",
        if url.is_some() { "PostgreSQL" } else { "SQLite" },
        ingest_rate,
        serve_rate,
        latencies.len(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
    )
}

/// Runs futures concurrently on this task and collects their outputs in order.
async fn futures_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                if let std::task::Poll::Ready(value) = future.as_mut().poll(cx) {
                    *output = Some(value);
                }
            }
        }
        if outputs.iter().all(Option::is_some) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("finished")).collect()
}

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1);
    let env = |name: &str, default: f64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let load = Load {
        window_s: env("BENCH_WINDOW_S", 30.0),
        rounds: env("BENCH_ROUNDS", 2.0) as usize,
        push_share: env("BENCH_PUSH_SHARE", 0.2),
    };
    println!(
        "Each device syncs {} times in {} s; {:.0}% of rounds push 1-3 operations, every round pulls.\n",
        load.rounds,
        load.window_s,
        load.push_share * 100.0
    );
    let counts: Vec<usize> = std::env::var("BENCH_DEVICES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 500, 1000]);
    println!(
        "| database | devices | ops ingested/s | records pulled/s | sync rounds | round p50 (ms) | round p99 (ms) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for devices in counts {
        println!("{}", run(url.as_deref(), devices, load).await);
    }
}
