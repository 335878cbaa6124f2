//! The real server process: killed with SIGKILL in the middle of pushes, again and
//! again, it loses no acknowledged operation and applies none twice; stopped with
//! SIGTERM, it finishes the pushes in flight before it exits. On SQLite, or on a fresh
//! PostgreSQL database when `PORTAL_DESK_TEST_POSTGRES_URL` names a server.

use crate::support::process::{binary, free_port, http, key_file_for, ServerProcess};
use crate::support::{fresh_postgres_url, postgres_url};
use portal_desk_core::protocol::{PullResponse, PushResponse};
use portal_desk_core::signing::OpKey;
use portal_desk_core::Op;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const PASSWORD: &str = "a long enough password";

/// A database with one site and three analysts, made with the command line: a fresh
/// PostgreSQL database when `PORTAL_DESK_TEST_POSTGRES_URL` names a server, else SQLite.
async fn prepare(dir: &std::path::Path) -> String {
    let database = match postgres_url() {
        Some(url) => fresh_postgres_url(&url).await.0,
        None => format!("sqlite://{}/pd.db", dir.display()),
    };
    // Every command that writes to the audit log keys it with the servers' key file.
    let key_file = key_file_for(&database);
    let site = binary()
        .args(["site", "add", "Riverside"])
        .env("PORTAL_DESK_DATABASE_URL", &database)
        .env("PORTAL_DESK_KEY_FILE", &key_file)
        .status()
        .unwrap();
    assert!(site.success());
    for who in ["a", "b", "c"] {
        let mut child = binary()
            .args(["user", "add", "--site", "riverside", "--role", "analyst", &format!("{who}@example.test")])
            .env("PORTAL_DESK_DATABASE_URL", &database)
            .env("PORTAL_DESK_KEY_FILE", &key_file)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }
    database
}

async fn start(database: &str, port: u16) -> ServerProcess {
    ServerProcess::start(database, port, &[]).await
}

/// One simulated tablet: an outbox of notes on its own case, and how far the server
/// has acknowledged it.
struct Tablet {
    device: String,
    staff: String,
    token: String,
    key: OpKey,
    ops: Vec<Op>,
    acknowledged: u64,
}

impl Tablet {
    /// The tablet `device` as the sign-in answer `signed_in` left it.
    fn signed_in(device: &str, signed_in: &Value) -> Self {
        let staff = signed_in["staff"]["id"].as_str().unwrap().to_owned();
        let credential = &signed_in["credential"];
        let key = OpKey {
            credential: credential["id"].as_str().unwrap().to_owned(),
            staff: staff.clone().into(),
            key: credential["key"].as_str().unwrap().to_owned(),
        };
        let token = signed_in["token"].as_str().unwrap().to_owned();
        Tablet { device: device.to_owned(), staff, token, key, ops: Vec::new(), acknowledged: 0 }
    }

    fn add_notes(&mut self, n: usize) {
        for _ in 0..n {
            let seq = self.ops.len() as u64 + 1;
            let body = if seq == 1 {
                json!({ "type": "create", "collection": "case", "site": "riverside",
                        "fields": { "patient_name": "Crash Test", "kind": "sign_up" } })
            } else {
                json!({ "type": "append_note", "text": format!("note {seq}") })
            };
            let op = json!({
                "id": format!("{}-{seq}", self.device), "device": self.device, "seq": seq,
                "hlc": { "wall_ms": portal_desk_server::now_ms(), "counter": seq, "device": self.device },
                "actor": self.staff, "record": format!("case-{}", self.device), "body": body,
            });
            let mut op: Op = serde_json::from_value(op).unwrap();
            self.key.sign(&mut op).unwrap();
            self.ops.push(op);
        }
    }

    /// Pushes what is not yet acknowledged, as a device does; stops at the first
    /// connection error (the server was killed).
    async fn push_until_done_or_dead(&mut self, port: u16, rounds: usize) {
        for _ in 0..rounds {
            let pending: Vec<&Op> = self.ops.iter().skip(self.acknowledged as usize).take(50).collect();
            if pending.is_empty() {
                return;
            }
            let body = json!({ "device": self.device, "ops": pending });
            match http(port, "POST", "/api/v1/push", Some(&self.token), Some(&body)).await {
                Ok((200, text)) => {
                    let response: PushResponse = serde_json::from_str(&text).unwrap();
                    assert!(response.applied_through >= self.acknowledged, "the server forgot acknowledged operations");
                    self.acknowledged = response.applied_through;
                }
                Ok((status, text)) => panic!("push answered {status}: {text}"),
                Err(_) => return,
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_push_loses_no_acknowledged_operation_and_applies_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    let database = prepare(dir.path()).await;
    let port = free_port();
    let mut rng = StdRng::seed_from_u64(7);
    let mut server = start(&database, port).await;
    let mut tablets = Vec::new();
    for who in ["a", "b", "c"] {
        let device = format!("tablet-{who}");
        let body = json!({ "email": format!("{who}@example.test"), "password": PASSWORD, "device": device });
        let (status, text) = http(port, "POST", "/api/v1/sign-in", None, Some(&body)).await.unwrap();
        assert_eq!(status, 200, "{text}");
        tablets.push(Tablet::signed_in(&device, &serde_json::from_str(&text).unwrap()));
    }
    let mut interrupted = 0;
    for _ in 0..6 {
        for tablet in &mut tablets {
            tablet.add_notes(rng.gen_range(20..60));
        }
        let kill_after = Duration::from_millis(rng.gen_range(20..200));
        let pushes = tablets.iter_mut().map(|tablet| tablet.push_until_done_or_dead(port, 1_000));
        let killer = async {
            tokio::time::sleep(kill_after).await;
            server.kill();
        };
        tokio::join!(futures_all(pushes), killer);
        if tablets.iter().any(|t| t.acknowledged < t.ops.len() as u64) {
            interrupted += 1;
        }
        server = start(&database, port).await;
    }
    assert!(interrupted >= 2, "the kills must land in the middle of pushes (only {interrupted} rounds did)");
    futures_all(tablets.iter_mut().map(|tablet| tablet.push_until_done_or_dead(port, 1_000))).await;
    for tablet in &tablets {
        assert_eq!(
            tablet.acknowledged,
            tablet.ops.len() as u64,
            "{} still has unacknowledged operations",
            tablet.device
        );
    }
    let (status, text) = http(port, "GET", "/api/v1/pull?cursor=0", Some(&tablets[0].token), None).await.unwrap();
    assert_eq!(status, 200);
    let pulled: PullResponse = serde_json::from_str(&text).unwrap();
    let cases = pulled.records.iter().filter(|r| r.collection == portal_desk_core::case::Collection::Case);
    assert_eq!(cases.count(), 3, "one case per tablet, beside the site's settings");
    for tablet in &tablets {
        let record = pulled.records.iter().find(|r| r.id.as_str() == format!("case-{}", tablet.device)).unwrap();
        let notes: Vec<_> = record.timeline.iter().map(|e| e.op.to_string()).collect();
        let unique: HashSet<_> = notes.iter().collect();
        assert_eq!(notes.len(), unique.len(), "a note was applied twice on {}", tablet.device);
        assert_eq!(notes.len(), tablet.ops.len() - 1, "a note is missing on {}", tablet.device);
    }
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_pushes_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let database = prepare(dir.path()).await;
    let port = free_port();
    let server = start(&database, port).await;
    let body = json!({ "email": "a@example.test", "password": PASSWORD, "device": "tablet-a" });
    let (_, text) = http(port, "POST", "/api/v1/sign-in", None, Some(&body)).await.unwrap();
    let mut tablet = Tablet::signed_in("tablet-a", &serde_json::from_str(&text).unwrap());
    tablet.add_notes(200);
    let pending: Vec<&Op> = tablet.ops.iter().collect();
    let body = json!({ "device": tablet.device, "ops": pending });
    let push = http(port, "POST", "/api/v1/push", Some(&tablet.token), Some(&body));
    let terminate = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap()
    };
    let (pushed, _) = tokio::join!(push, terminate);
    // The push was either answered in full before the server stopped, or never
    // accepted (the listener had closed); never cut off half-way.
    if let Ok((status, text)) = pushed {
        assert_eq!(status, 200, "{text}");
        assert_eq!(serde_json::from_str::<PushResponse>(&text).unwrap().applied_through, 200);
    }
    let mut server = server;
    let exited = tokio::task::spawn_blocking(move || server.wait()).await.unwrap();
    assert!(exited.success(), "the server should exit cleanly on SIGTERM: {exited:?}");
}

/// Runs futures concurrently on this task.
async fn futures_all<F: std::future::Future<Output = ()>>(futures: impl Iterator<Item = F>) {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut done = vec![false; pinned.len()];
    std::future::poll_fn(|cx| {
        for (future, done) in pinned.iter_mut().zip(done.iter_mut()) {
            if !*done && future.as_mut().poll(cx).is_ready() {
                *done = true;
            }
        }
        if done.iter().all(|d| *d) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}
