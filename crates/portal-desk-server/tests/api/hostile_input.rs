//! Random and malformed requests to every endpoint: wrong types, huge and negative
//! numbers, unknown and missing fields, other sites' and devices' ids, truncated and
//! corrupted bytes. The server must always answer 4xx (or 2xx when the mutation left a
//! valid request), never 5xx, and a refused request must change nothing.
//!
//! The generator is seeded, so a failure names the seed that reproduces it.

use crate::support::{Outbox, TestServer, PASSWORD};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

/// Values that have broken servers before.
fn hostile_value(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..16) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1e308),
        4 => json!(u64::MAX),
        5 => json!(i64::MIN),
        6 => json!(""),
        7 => json!("x".repeat(5_000)),
        8 => json!([]),
        9 => json!({}),
        10 => json!("hilltop"),
        11 => json!("another-device"),
        12 => json!("staff-dan"),
        13 => json!("\u{0}\u{202e}☃𝄞"),
        // Deeper than serde_json's recursion limit.
        14 => (0..200).fold(json!([]), |inner, _| json!([inner])),
        _ => json!(rng.gen::<u32>()),
    }
}

/// Every path to a value inside `value`, as key/index steps.
fn paths(value: &Value, prefix: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let mut path = prefix.clone();
                path.push(json!(key));
                paths(child, path, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let mut path = prefix.clone();
                path.push(json!(i));
                paths(child, path, out);
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Value::String(key) => &mut v[key.as_str()],
        Value::Number(i) => &mut v[i.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

/// One to three random changes to a valid body.
fn mutate(rng: &mut StdRng, mut body: Value) -> Value {
    for _ in 0..rng.gen_range(1..=3) {
        let mut all = Vec::new();
        paths(&body, Vec::new(), &mut all);
        let path = all[rng.gen_range(0..all.len())].clone();
        match rng.gen_range(0..3) {
            0 => *at(&mut body, &path) = hostile_value(rng),
            1 => {
                if let Some((Value::String(key), parent)) = path.split_last() {
                    if let Some(map) = at(&mut body, parent).as_object_mut() {
                        map.remove(key);
                    }
                }
            }
            _ => {
                if let Some(map) = at(&mut body, &path).as_object_mut() {
                    map.insert("unexpected".into(), hostile_value(rng));
                }
            }
        }
    }
    body
}

/// The body's bytes, sometimes cut short or with a byte changed.
fn encode(rng: &mut StdRng, body: &Value) -> Vec<u8> {
    let mut bytes = body.to_string().into_bytes();
    match rng.gen_range(0..10) {
        0 if !bytes.is_empty() => bytes.truncate(rng.gen_range(0..bytes.len())),
        1 if !bytes.is_empty() => {
            let i = rng.gen_range(0..bytes.len());
            bytes[i] = rng.gen();
        }
        _ => {}
    }
    bytes
}

/// What must not change when a request is refused.
async fn state(server: &TestServer) -> [i64; 5] {
    [
        server.count("SELECT COUNT(*) FROM records").await,
        server.count("SELECT COUNT(*) FROM ops").await,
        server.count("SELECT CAST(COALESCE(SUM(last_seq), 0) AS BIGINT) FROM devices").await,
        server.count("SELECT COUNT(*) FROM reported_views").await,
        server.count("SELECT COUNT(*) FROM devices WHERE revoked_at_ms IS NOT NULL").await,
    ]
}

#[tokio::test]
async fn hostile_requests_to_every_endpoint_get_4xx_never_5xx_and_refusals_change_nothing() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let supervisor = server.sign_in("carys@riverside.test", "desk-1").await;
    let mut outbox = Outbox::new(&tablet);
    let valid_ops = [outbox.create("case-1", "riverside", "Ada Example", "sign_up"), outbox.note("case-1", "hello")];
    // Ben's tablet is registered, so a valid sign-in on it proves the device.
    server.sign_in("ben@riverside.test", "tablet-9").await;
    let proof = server.device_secrets.lock().unwrap()["tablet-9"].clone();
    let valid = [
        ("/api/v1/push", json!({ "device": "tablet-1", "ops": valid_ops })),
        (
            "/api/v1/sign-in",
            json!({ "email": "ben@riverside.test", "password": PASSWORD, "device": "tablet-9", "device_proof": proof }),
        ),
        (
            "/api/v1/audit/views",
            json!({ "device": "tablet-1", "views": [{ "id": "v1", "record": "case-1", "by": tablet.staff, "at_ms": 1 }] }),
        ),
    ];
    let mut seen = std::collections::BTreeMap::<u16, u32>::new();
    for seed in 0..300u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let before = state(&server).await;
        let request = match rng.gen_range(0..5) {
            0..=2 => {
                let (path, body) = &valid[rng.gen_range(0..valid.len())];
                let mutated = mutate(&mut rng, body.clone());
                let bytes = encode(&mut rng, &mutated);
                Request::post(*path)
                    .header(header::AUTHORIZATION, format!("Bearer {}", tablet.token))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(bytes))
                    .unwrap()
            }
            3 => {
                let cursor = hostile_value(&mut rng).to_string();
                let limit = hostile_value(&mut rng).to_string();
                let query = format!("cursor={}&limit={}", urlencode(&cursor), urlencode(&limit));
                Request::get(format!("/api/v1/pull?{query}"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", tablet.token))
                    .body(Body::empty())
                    .unwrap()
            }
            _ => {
                let device = urlencode(&hostile_value(&mut rng).to_string());
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/devices/{device}/revoke"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", supervisor.token))
                    .body(Body::empty())
                    .unwrap()
            }
        };
        let path = request.uri().path().to_owned();
        let response = server.send_request(request).await;
        *seen.entry(response.status.as_u16()).or_default() += 1;
        assert!(
            !response.status.is_server_error(),
            "seed {seed}: {path} answered {}: {}",
            response.status,
            response.text()
        );
        if response.status.is_client_error() {
            assert_eq!(
                response.header(header::CONTENT_TYPE),
                Some("application/problem+json"),
                "seed {seed}: {path} refused without a problem body"
            );
            assert_eq!(state(&server).await, before, "seed {seed}: {path} was refused but changed something");
        } else {
            assert!(response.status == StatusCode::OK, "seed {seed}: {path} answered {}", response.status);
        }
    }
    eprintln!("statuses seen: {seen:?}");
    // The generator must reach the decoder's every kind of refusal, not just one.
    for status in [200, 400, 401, 404, 422] {
        assert!(seen.contains_key(&status), "no {status} in {seen:?}: the generator has gone blunt");
    }
}

/// Percent-encodes everything but unreserved characters.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
