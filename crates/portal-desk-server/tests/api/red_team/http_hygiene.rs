//! Attacks through HTTP itself rather than the API's rules: reading a token or patient
//! data back out of a shared browser's or proxy's cache, framing the app on another
//! site to steal clicks, running script in its page, slipping unknown members past the
//! decoder (a field the server would ignore today and obey tomorrow), ending kiosk mode
//! with an empty request, and headers too large to parse.

use crate::support::served::{connect, read_answer, settings, Served};
use crate::support::{send_to, Outbox, TestResponse, TestServer};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::Engine;
use portal_desk_server::db::DeviceSummary;
use portal_desk_server::http::request_limits::{MAX_HEADERS, MAX_HEADER_BYTES};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The page as `scripts/build-wasm.sh` leaves it: the app started by one inline module.
const BUILT_INDEX: &str = "<!DOCTYPE html><html><head><title>Portal Desk</title>\
    <link rel=\"modulepreload\" href=\"/app-0123456789abcdef/portal-desk.js\">\
    <script type=\"module\">import init from '/app-0123456789abcdef/portal-desk.js'; \
    init({ module_or_path: '/app-0123456789abcdef/portal-desk_bg.wasm' });</script>\
    </head><body></body></html>";

/// The inline script of [`BUILT_INDEX`].
const BUILT_BOOT: &str = "import init from '/app-0123456789abcdef/portal-desk.js'; \
    init({ module_or_path: '/app-0123456789abcdef/portal-desk_bg.wasm' });";

#[track_caller]
fn assert_not_stored(response: &TestResponse, what: &str) {
    assert_eq!(response.header(header::CACHE_CONTROL), Some("no-store"), "{what} may be stored by a cache");
}

#[tokio::test]
async fn a_sign_in_answer_is_never_stored_by_a_cache() {
    let server = TestServer::new().await;
    let answer = server.sign_in_raw("asha@riverside.test", crate::support::PASSWORD, "tablet-1").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.json()["token"].is_string());
    assert_not_stored(&answer, "the sign-in answer, which holds the token");
}

#[tokio::test]
async fn no_api_answer_is_ever_stored_by_a_cache() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let carys = server.sign_in("carys@riverside.test", "desk-1").await;
    let views = json!({ "device": "tablet-1", "views": [] });
    let asks: [(Method, &str, &str, Option<&Value>); 12] = [
        (Method::GET, "/api/v1/me", &asha.token, None),
        (Method::GET, "/api/v1/pull?cursor=0", &asha.token, None),
        (Method::GET, "/api/v1/staff", &asha.token, None),
        (Method::GET, "/api/v1/held", &carys.token, None),
        (Method::GET, "/api/v1/devices", &carys.token, None),
        (Method::POST, "/api/v1/audit/views", &asha.token, Some(&views)),
        (Method::POST, "/api/v1/refresh", &asha.token, None),
        (Method::GET, "/api/v1/openapi.json", "", None),
        (Method::GET, "/healthz", "", None),
        (Method::GET, "/api/v1/me", "not-a-token", None),
        (Method::GET, "/api/v1/nothing-here", "", None),
        (Method::GET, "/api/v1/pull?cursor=yesterday", &asha.token, None),
    ];
    for (method, path, token, body) in asks {
        let token = Some(token).filter(|t| !t.is_empty());
        let answer = server.send(method.clone(), path, token, body).await;
        assert_not_stored(&answer, &format!("{method} {path} ({})", answer.status));
    }
}

#[tokio::test]
async fn the_app_cannot_be_framed_by_another_site() {
    let server = TestServer::new().await;
    for path in ["/", "/index.html", "/cases/abc", "/sw.js", "/portal-desk-0123456789abcdef.js", "/api/v1/me"] {
        let answer = server.send(Method::GET, path, None, None).await;
        let policy = answer.header(header::CONTENT_SECURITY_POLICY).unwrap_or_default();
        assert!(policy.contains("frame-ancestors 'none'"), "{path} may be framed: {policy:?}");
    }
}

#[tokio::test]
async fn the_apps_page_runs_no_script_but_its_own() {
    let server = TestServer::new().await;
    std::fs::write(server.static_dir().join("index.html"), BUILT_INDEX).unwrap();
    let boot = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(BUILT_BOOT)));
    for path in ["/", "/cases/abc"] {
        let answer = server.send(Method::GET, path, None, None).await;
        assert_eq!(answer.text(), BUILT_INDEX, "{path}");
        let policy = answer.header(header::CONTENT_SECURITY_POLICY).unwrap_or_default();
        let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
        assert!(directives.contains(&"default-src 'self'"), "{policy}");
        assert!(directives.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {boot}").as_str()), "{policy}");
        assert!(directives.contains(&"object-src 'none'") && directives.contains(&"base-uri 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
    }
    // Another script in the page, as an attacker who could write it would add, is not
    // allowed by the policy the page was served with before.
    let served_before = server.send(Method::GET, "/", None, None).await;
    let policy = served_before.header(header::CONTENT_SECURITY_POLICY).unwrap().to_owned();
    let injected = "alert(document.cookie)";
    let injected = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(injected)));
    assert!(!policy.contains(&injected));
}

#[tokio::test]
async fn a_revalidated_page_never_replaces_the_policy_it_was_stored_with() {
    let server = TestServer::new().await;
    std::fs::write(server.static_dir().join("index.html"), BUILT_INDEX).unwrap();
    let first = server.send(Method::GET, "/index.html", None, None).await;
    let modified = first.header(header::LAST_MODIFIED).expect("Last-Modified").to_owned();
    let request = Request::get("/index.html").header(header::IF_MODIFIED_SINCE, modified).body(Body::empty()).unwrap();
    let again = server.send_request(request).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.header(header::CONTENT_SECURITY_POLICY), None, "a 304 would replace the stored page's policy");
    assert_eq!(again.header(header::CACHE_CONTROL), Some("no-cache"));
}

#[tokio::test]
async fn no_answer_can_be_sniffed_as_another_type_or_leak_the_apps_address() {
    let server = TestServer::new().await;
    for path in ["/", "/cases/abc", "/sw.js", "/api/v1/me", "/api/v1/nothing-here", "/missing-ffffffffffffffff.js"] {
        let answer = server.send(Method::GET, path, None, None).await;
        assert_eq!(answer.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{path}");
        assert_eq!(answer.header(header::REFERRER_POLICY), Some("no-referrer"), "{path}");
    }
}

#[tokio::test]
async fn strict_transport_security_is_never_sent_unless_a_tls_proxy_is_declared() {
    let server = TestServer::new().await;
    let plain = server.send(Method::GET, "/", None, None).await;
    assert_eq!(plain.header(header::STRICT_TRANSPORT_SECURITY), None, "HSTS over plain http locks users out");
    let mut state = server.state.clone();
    state.hsts = true;
    let behind_tls = portal_desk_server::app(state);
    for path in ["/", "/api/v1/me"] {
        let answer = send_to(&behind_tls, Request::get(path).body(Body::empty()).unwrap()).await;
        assert_eq!(answer.header(header::STRICT_TRANSPORT_SECURITY), Some("max-age=63072000; includeSubDomains"));
    }
}

#[tokio::test]
async fn an_empty_kiosk_request_changes_nothing() {
    let server = TestServer::new().await;
    server.sign_in("asha@riverside.test", "kiosk-1").await;
    let carys = server.sign_in("carys@riverside.test", "desk-1").await;
    let path = "/api/v1/devices/kiosk-1/kiosk";
    let on = json!({ "site": "riverside" });
    let device: DeviceSummary = server.send(Method::POST, path, Some(&carys.token), Some(&on)).await.ok();
    assert_eq!(device.kiosk_site.as_ref().map(|s| s.as_str()), Some("riverside"));
    let audit_before = server.count("SELECT COUNT(*) FROM audit").await;
    let problem = server
        .send(Method::POST, path, Some(&carys.token), Some(&json!({})))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(problem["errors"][0]["path"], "site");
    assert!(problem["detail"].as_str().unwrap().contains("null"), "the answer must say how to end kiosk mode");
    let devices = server.send(Method::GET, "/api/v1/devices", Some(&carys.token), None).await.json();
    let kiosk = devices["devices"].as_array().unwrap().iter().find(|d| d["id"] == "kiosk-1").unwrap().clone();
    assert_eq!(kiosk["kiosk_site"], "riverside", "the empty request ended kiosk mode");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, audit_before);
}

#[tokio::test]
async fn unknown_fields_inside_an_operation_are_refused() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut outbox = Outbox::new(&tablet);
    let create = serde_json::to_value(outbox.create("case-1", "riverside", "Ada Example", "sign_up")).unwrap();
    let archive = serde_json::to_value(outbox.op("case-1", portal_desk_core::OpBody::Archive)).unwrap();
    let mut set_field = serde_json::to_value(outbox.op(
        "case-1",
        portal_desk_core::OpBody::SetField { field: "kind".into(), value: "proxy".into(), replaces: None },
    ))
    .unwrap();
    set_field["body"]["replaces"] = create["hlc"].clone();
    let smuggled: [(&Value, &[&str]); 6] = [
        (&create, &[]),
        (&create, &["body"]),
        (&create, &["hlc"]),
        (&create, &["signature"]),
        (&archive, &["body"]),
        (&set_field, &["body", "replaces"]),
    ];
    for (op, inside) in smuggled {
        let mut op = op.clone();
        let target = inside.iter().fold(&mut op, |value, key| &mut value[*key]);
        target.as_object_mut().expect("an object").insert("acting_as".into(), json!("staff-carys"));
        let body = json!({ "device": "tablet-1", "ops": [op] });
        let answer = server.send(Method::POST, "/api/v1/push", Some(&tablet.token), Some(&body)).await;
        let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("unknown field"), "{inside:?}: {problem}");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 0);
}

#[tokio::test]
async fn unknown_fields_in_any_request_are_refused() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let sam = server.sign_in("sam@both.test", "admin-desk").await;
    let view = json!({ "id": "v1", "record": "case-1", "by": asha.staff, "at_ms": 1, "extra": 1 });
    let asks: [(Method, &str, &str, Value); 8] = [
        (Method::POST, "/api/v1/sign-in", "", json!({ "email": "a@b", "password": "p", "device": "d", "extra": 1 })),
        (Method::POST, "/api/v1/push", &asha.token, json!({ "device": "tablet-1", "ops": [], "extra": 1 })),
        (Method::POST, "/api/v1/audit/views", &asha.token, json!({ "device": "tablet-1", "views": [], "extra": 1 })),
        (Method::POST, "/api/v1/audit/views", &asha.token, json!({ "device": "tablet-1", "views": [view] })),
        (Method::POST, "/api/v1/devices/tablet-1/kiosk", &sam.token, json!({ "site": null, "extra": 1 })),
        (
            Method::POST,
            "/api/v1/staff",
            &sam.token,
            json!({ "email": "new@riverside.test", "name": "New", "role": "analyst", "sites": ["riverside"],
                    "password": "a long enough password", "extra": 1 }),
        ),
        (Method::PATCH, "/api/v1/staff/staff-ben", &sam.token, json!({ "name": "Ben", "extra": 1 })),
        (
            Method::POST,
            "/api/v1/staff/staff-ben/password",
            &sam.token,
            json!({ "password": "x".repeat(20), "extra": 1 }),
        ),
    ];
    let audit_before = server.count("SELECT COUNT(*) FROM audit").await;
    for (method, path, token, body) in asks {
        let token = Some(token).filter(|t| !t.is_empty());
        let answer = server.send(method, path, token, Some(&body)).await;
        let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
        assert!(problem["detail"].as_str().unwrap().contains("unknown field"), "{path}: {problem}");
    }
    let pull = server.send(Method::GET, "/api/v1/pull?cursor=0&since=0", Some(&asha.token), None).await;
    pull.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, audit_before);
    assert_eq!(server.count("SELECT COUNT(*) FROM staff WHERE email = 'new@riverside.test'").await, 0);
}

#[tokio::test]
async fn oversized_headers_get_a_problem_answer() {
    let server = TestServer::new().await;
    let large =
        Request::get("/api/v1/me").header("x-padding", "p".repeat(MAX_HEADER_BYTES)).body(Body::empty()).unwrap();
    let problem = server
        .send_request(large)
        .await
        .problem(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "/problems/headers-too-large");
    assert_eq!(problem["max_bytes"], MAX_HEADER_BYTES);
    let mut many = Request::get("/");
    for n in 0..=MAX_HEADERS {
        many = many.header(format!("x-field-{n}"), "1");
    }
    server
        .send_request(many.body(Body::empty()).unwrap())
        .await
        .problem(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "/problems/headers-too-large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_over_a_real_connection_get_a_problem_not_a_bare_status() {
    let server = TestServer::new().await;
    let served = Served::start(server.app.clone(), settings(10_000, 10_000, 16)).await;
    let mut stream = connect(served.port).await;
    let request = format!(
        "GET /api/v1/me HTTP/1.1\r\nHost: portal-desk\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
        "p".repeat(2 * MAX_HEADER_BYTES)
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream, Duration::from_secs(30)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(answer.contains("/problems/headers-too-large"), "hyper's bare 431, not the server's problem: {answer}");
}
