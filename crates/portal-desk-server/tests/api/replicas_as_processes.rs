//! Two real `portal-desk-server` processes on one PostgreSQL database, as behind a load
//! balancer: devices of two sites sync through both, alternating request by request,
//! replay batches to the other server, edit the same field at once through different
//! servers — and converge, with every operation applied once, no site seeing
//! another's records, and one audit chain that `audit verify` finds intact. Runs only
//! when `PORTAL_DESK_TEST_POSTGRES_URL` names a server.

use crate::support::process::{free_port, http, key_file_for, run_command, ServerProcess};
use crate::support::{fresh_postgres_url, postgres_url, Device, Outbox};
use portal_desk_core::protocol::{PullResponse, PushResponse};
use portal_desk_core::{Op, OpBody, Outcome, Record, RecordId, SiteId};
use portal_desk_server::access::may_read;
use portal_desk_server::db::Role;
use portal_desk_server::demo::DEMO_PASSWORD;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// The two servers, and which one the next request goes to.
struct Replicas {
    servers: [ServerProcess; 2],
    requests: usize,
}

impl Replicas {
    /// The index of the server for the next request: they take turns.
    fn next(&mut self) -> usize {
        self.requests += 1;
        self.requests % 2
    }

    fn port(&self, server: usize) -> u16 {
        self.servers[server].port
    }

    /// The port of the server for the next request.
    fn next_port(&mut self) -> u16 {
        let server = self.next();
        self.port(server)
    }
}

/// One simulated tablet and what it holds locally.
struct Tablet {
    device: Device,
    site: SiteId,
    role: Role,
    outbox: Outbox,
    acknowledged: u64,
    records: BTreeMap<RecordId, Record>,
    cursor: u64,
}

/// Decodes a 200 answer, or fails saying which request, on which port, got what.
#[track_caller]
fn decode<T: serde::de::DeserializeOwned>(answer: std::io::Result<(u16, String)>, what: &str, port: u16) -> T {
    match answer {
        Ok((200, body)) => serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what} on :{port}: {e}: {body}")),
        Ok((status, body)) => panic!("{what} on :{port} answered {status}: {body}"),
        Err(e) => panic!("{what} on :{port} failed: {e}"),
    }
}

/// Every operation of a push was acknowledged and applied.
#[track_caller]
fn assert_all_applied(response: &PushResponse, ops: &[Op]) {
    assert_eq!(response.applied_through, ops.last().expect("a batch").seq, "{response:?}");
    assert_eq!(response.results.len(), ops.len(), "{response:?}");
    for result in &response.results {
        assert_eq!(result.outcome, Outcome::Applied, "op {} was not applied", result.seq);
    }
}

/// Takes a pulled page into the tablet's records; no page may hold another site's record.
#[track_caller]
fn take_page(tablet: &mut Tablet, page: PullResponse) -> usize {
    let received = page.records.len();
    for record in page.records {
        assert_eq!(record.site, tablet.site, "{} received {} of another site", tablet.device.device, record.id);
        tablet.records.insert(record.id.clone(), record);
    }
    tablet.cursor = page.cursor;
    received
}

async fn sign_in(replicas: &mut Replicas, email: &str, device: &str) -> Device {
    let port = replicas.next_port();
    let body = json!({ "email": email, "password": DEMO_PASSWORD, "device": device });
    let answer = http(port, "POST", "/api/v1/sign-in", None, Some(&body)).await;
    let response: crate::support::SignedIn = decode(answer, &format!("sign-in of {email}"), port);
    Device::signed_in(response, device)
}

async fn push_to(port: u16, device: &Device, ops: &[Op]) -> std::io::Result<(u16, String)> {
    let body = json!({ "device": device.device, "ops": ops });
    http(port, "POST", "/api/v1/push", Some(&device.token), Some(&body)).await
}

/// Pulls from the tablet's cursor until there is no more, a page (of 5) at a time,
/// each page from the server whose turn it is; how many records arrived.
async fn pull_changes(replicas: &mut Replicas, tablet: &mut Tablet) -> usize {
    let mut received = 0;
    for _ in 0..100 {
        let port = replicas.next_port();
        let path = format!("/api/v1/pull?cursor={}&limit=5", tablet.cursor);
        let answer = http(port, "GET", &path, Some(&tablet.device.token), None).await;
        let page: PullResponse = decode(answer, &format!("pull by {}", tablet.device.device), port);
        let more = page.more;
        received += take_page(tablet, page);
        if !more {
            return received;
        }
    }
    panic!("{} is still pulling after 100 pages", tablet.device.device);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_syncing_through_two_server_processes_alternately_converge_exactly_once_per_site() {
    let Some(url) = postgres_url() else {
        println!(
            "skipped: PORTAL_DESK_TEST_POSTGRES_URL is not set, so there is no PostgreSQL for two servers to share"
        );
        return;
    };
    let started = Instant::now();
    let (database, store) = fresh_postgres_url(&url).await;
    let first = ServerProcess::start(&database, free_port(), &["--demo"]).await;
    let second = ServerProcess::start(&database, free_port(), &[]).await;
    let mut replicas = Replicas { servers: [first, second], requests: 0 };
    let count = |sql: String| {
        let pool = store.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}")) }
    };
    let demo_ops = count("SELECT COUNT(*) FROM ops".into()).await;
    assert!(demo_ops > 0, "the first server seeded the demo");

    let people = [
        ("ben.okafor@riverside.example", "tablet-ben", "riverside", Role::Analyst),
        ("carys.jones@riverside.example", "tablet-carys", "riverside", Role::Supervisor),
        ("dan.murphy@hilltop.example", "tablet-dan", "hilltop", Role::Analyst),
        ("eve.sato@hilltop.example", "tablet-eve", "hilltop", Role::Supervisor),
    ];
    let mut tablets = Vec::new();
    for (email, device, site, role) in people {
        let device = sign_in(&mut replicas, email, device).await;
        let outbox = Outbox::new(&device);
        tablets.push(Tablet {
            device,
            site: site.into(),
            role,
            outbox,
            acknowledged: 0,
            records: BTreeMap::new(),
            cursor: 0,
        });
    }
    for tablet in &mut tablets {
        assert!(pull_changes(&mut replicas, tablet).await > 0, "{} sees its site's cases", tablet.device.device);
    }
    // Each site's supervisor (tablets 1 and 3) sees every case of the site: the shared
    // case both of the site's tablets write to is its first unrestricted one.
    let shared: BTreeMap<SiteId, RecordId> = [1, 3]
        .into_iter()
        .map(|i| {
            let record = tablets[i].records.values().find(|r| !r.is_restricted()).expect("an open case");
            (tablets[i].site.clone(), record.id.clone())
        })
        .collect();
    let mut notes: BTreeMap<RecordId, usize> = [1, 3]
        .into_iter()
        .flat_map(|i| tablets[i].records.values().map(|r| (r.id.clone(), r.timeline.len())))
        .collect();

    for round in 0..4 {
        let mut batches = Vec::new();
        for tablet in &mut tablets {
            let own = format!("case-{}", tablet.device.device);
            let mut ops = Vec::new();
            if round == 0 {
                ops.push(tablet.outbox.create(&own, tablet.site.as_str(), "Replica Patient", "sign_up"));
                notes.insert(own.as_str().into(), 0);
            }
            ops.push(tablet.outbox.note(&own, &format!("round {round}")));
            ops.push(tablet.outbox.note(shared[&tablet.site].as_str(), &format!("{} in round {round}", tablet.site)));
            for op in &ops[ops.len() - 2..] {
                *notes.get_mut(&op.record).expect("a known record") += 1;
            }
            let server = replicas.next();
            let port = replicas.port(server);
            let response: PushResponse = decode(push_to(port, &tablet.device, &ops).await, "push", port);
            assert_all_applied(&response, &ops);
            tablet.acknowledged = response.applied_through;
            batches.push((server, ops, response));
        }
        for tablet in &mut tablets {
            pull_changes(&mut replicas, tablet).await;
        }
        // The answer was lost: each tablet sends the same batch again, to the server
        // that did not apply it. It is acknowledged with the first outcomes and changes
        // nothing anyone can pull.
        for (tablet, (server, ops, first_answer)) in tablets.iter().zip(&batches) {
            let other = replicas.port(1 - server);
            let replayed: PushResponse = decode(push_to(other, &tablet.device, ops).await, "replayed push", other);
            assert_eq!(&replayed, first_answer, "{}'s replay in round {round}", tablet.device.device);
        }
        for tablet in &mut tablets {
            let received = pull_changes(&mut replicas, tablet).await;
            assert_eq!(received, 0, "a replay changed records {} can see (round {round})", tablet.device.device);
        }
    }

    // The two tablets of each site change the shared case's summary at the same time,
    // through different servers, both having seen the same value: a conflict.
    let mut edits = Vec::new();
    for tablet in &mut tablets {
        let record = &tablet.records[&shared[&tablet.site]];
        let seen = record.fields["summary"].clock.clone();
        let value = format!("Summary as {} sees it", tablet.device.device);
        let op = tablet.outbox.op(
            record.id.as_str(),
            OpBody::SetField { field: "summary".into(), value: value.clone(), replaces: Some(seen) },
        );
        edits.push((op, value));
    }
    let ports = [replicas.port(0), replicas.port(1), replicas.port(1), replicas.port(0)];
    let (ben, carys, dan, eve) = tokio::join!(
        push_to(ports[0], &tablets[0].device, std::slice::from_ref(&edits[0].0)),
        push_to(ports[1], &tablets[1].device, std::slice::from_ref(&edits[1].0)),
        push_to(ports[2], &tablets[2].device, std::slice::from_ref(&edits[2].0)),
        push_to(ports[3], &tablets[3].device, std::slice::from_ref(&edits[3].0)),
    );
    for (i, answer) in [ben, carys, dan, eve].into_iter().enumerate() {
        let response: PushResponse = decode(answer, "concurrent edit", ports[i]);
        assert_all_applied(&response, std::slice::from_ref(&edits[i].0));
        tablets[i].acknowledged = response.applied_through;
    }
    for tablet in &mut tablets {
        pull_changes(&mut replicas, tablet).await;
    }
    for pair in [[0, 1], [2, 3]] {
        let record = &tablets[pair[0]].records[&shared[&tablets[pair[0]].site]];
        assert_eq!(record.conflicts.len(), 1, "one conflict on {}: {:?}", record.id, record.conflicts);
        let conflict = &record.conflicts[0];
        assert_eq!(conflict.field, "summary");
        let values = BTreeSet::from([conflict.kept.value.clone(), conflict.other.value.clone()]);
        assert_eq!(values, BTreeSet::from([edits[pair[0]].1.clone(), edits[pair[1]].1.clone()]));
        assert_eq!(record.field("summary"), Some(conflict.kept.value.as_str()));
    }

    // Convergence: nothing is left to pull; what each tablet built up change by change
    // is what a fresh pull gives; and each holds exactly its supervisor's view of the
    // site, less what it may not read.
    for tablet in &mut tablets {
        assert_eq!(pull_changes(&mut replicas, tablet).await, 0, "{} had more to pull", tablet.device.device);
        let mut fresh = Tablet {
            device: tablet.device.clone(),
            site: tablet.site.clone(),
            role: tablet.role,
            outbox: Outbox::new(&tablet.device),
            acknowledged: 0,
            records: BTreeMap::new(),
            cursor: 0,
        };
        pull_changes(&mut replicas, &mut fresh).await;
        assert!(fresh.records == tablet.records, "{}: its synced state is not a fresh pull's", tablet.device.device);
    }
    for (analyst, supervisor) in [(&tablets[0], &tablets[1]), (&tablets[2], &tablets[3])] {
        let site = [supervisor.site.clone()];
        let readable: BTreeMap<_, _> = supervisor
            .records
            .iter()
            .filter(|(_, r)| may_read(&analyst.device.staff, analyst.role, &site, r))
            .map(|(id, r)| (id.clone(), r.clone()))
            .collect();
        assert!(analyst.records == readable, "{} and {} diverge", analyst.device.device, supervisor.device.device);
        assert!(readable.len() >= 5, "{} holds its site's cases", analyst.device.device);
    }

    // Exactly once: every note counted once, every operation stored once, and each
    // record at its own place in the change log.
    for supervisor in [&tablets[1], &tablets[3]] {
        for record in supervisor.records.values() {
            assert_eq!(record.timeline.len(), notes[&record.id], "notes on {}", record.id);
            let ops: BTreeSet<_> = record.timeline.iter().map(|entry| &entry.op).collect();
            assert_eq!(ops.len(), record.timeline.len(), "a note on {} was applied twice", record.id);
        }
        let versions: BTreeSet<_> = supervisor.records.values().map(|r| r.version).collect();
        assert_eq!(versions.len(), supervisor.records.len(), "two records share a version");
    }
    let mut acknowledged = 0;
    for tablet in &tablets {
        assert_eq!(tablet.acknowledged, 1 + 4 * 2 + 1, "{}", tablet.device.device);
        let stored = count(format!("SELECT COUNT(*) FROM ops WHERE device_id = '{}'", tablet.device.device)).await;
        assert_eq!(stored, tablet.acknowledged as i64, "operations stored for {}", tablet.device.device);
        acknowledged += stored;
    }
    assert_eq!(count("SELECT COUNT(*) FROM ops".into()).await, demo_ops + acknowledged);

    // One audit log: both servers' entries form one keyed chain, which matches the
    // checkpoints they wrote as they started.
    let verified = run_command(&database, &key_file_for(&database), &["audit", "verify"]);
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{report}{}", String::from_utf8_lossy(&verified.stderr));
    assert!(report.contains("The audit log is intact"), "{report}");
    println!(
        "{} requests alternated between two server processes in {:.1} s",
        replicas.requests,
        started.elapsed().as_secs_f64()
    );
}
