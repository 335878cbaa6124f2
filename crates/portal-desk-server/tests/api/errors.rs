//! Bad input is answered with a 4xx problem, never a 500, and changes nothing.

use crate::support::{Outbox, TestServer};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_problem_and_writes_nothing() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let audit_before = server.count("SELECT COUNT(*) FROM audit").await;
    for body in ["{\"device\": ", "not json", "{\"device\":\"tablet-1\",\"ops\":[]} trailing", ""] {
        let request = Request::post("/api/v1/push")
            .header(header::AUTHORIZATION, format!("Bearer {}", tablet.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        server.send_request(request).await.problem(StatusCode::BAD_REQUEST, "/problems/malformed-json");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, audit_before);
}

#[tokio::test]
async fn wrong_types_are_a_422_problem_naming_the_field() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let mut op = serde_json::to_value(Outbox::new(&tablet).create("case-1", "riverside", "A", "sign_up")).unwrap();
    op["hlc"]["wall_ms"] = json!("yesterday");
    let body = json!({ "device": "tablet-1", "ops": [op] });
    let response = server.send(Method::POST, "/api/v1/push", Some(&tablet.token), Some(&body)).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(problem["errors"][0]["path"], "ops[0].hlc.wall_ms");
    assert_eq!(server.count("SELECT COUNT(*) FROM ops").await, 0);
}

#[tokio::test]
async fn unknown_fields_and_huge_numbers_are_422_problems() {
    let server = TestServer::new().await;
    let tablet = server.sign_in("asha@riverside.test", "tablet-1").await;
    let bodies = [
        json!({ "device": "tablet-1", "ops": [], "admin": true }),
        json!({ "device": "tablet-1" }),
        json!({ "device": "tablet-1", "ops": [{ "seq": 1e30 }] }),
        json!([1, 2, 3]),
    ];
    for body in bodies {
        let response = server.send(Method::POST, "/api/v1/push", Some(&tablet.token), Some(&body)).await;
        response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    }
    let sign_in = json!({ "email": "asha@riverside.test", "password": "x", "device": "d", "role": "admin" });
    let response = server.send(Method::POST, "/api/v1/sign-in", None, Some(&sign_in)).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("unknown field"));
}

#[tokio::test]
async fn an_empty_device_id_at_sign_in_is_a_422_problem() {
    let server = TestServer::new().await;
    let body = json!({ "email": "asha@riverside.test", "password": crate::support::PASSWORD, "device": " " });
    let response = server.send(Method::POST, "/api/v1/sign-in", None, Some(&body)).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(problem["errors"][0]["path"], "device");
    assert_eq!(server.count("SELECT COUNT(*) FROM devices").await, 0);
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_a_415_problem() {
    let server = TestServer::new().await;
    let request =
        Request::post("/api/v1/sign-in").header(header::CONTENT_TYPE, "text/plain").body(Body::from("{}")).unwrap();
    server.send_request(request).await.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "/problems/unsupported-media-type");
}

#[tokio::test]
async fn an_unknown_api_path_is_a_404_problem_not_the_app() {
    let server = TestServer::new().await;
    for path in ["/api/v1/nothing-here", "/api/v2/push", "/api", "/api/v1"] {
        server.send(Method::GET, path, None, None).await.problem(StatusCode::NOT_FOUND, "/problems/not-found");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let server = TestServer::new().await;
    server
        .send(Method::GET, "/api/v1/push", None, None)
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "/problems/method-not-allowed");
    server
        .send(Method::DELETE, "/api/v1/me", None, None)
        .await
        .problem(StatusCode::METHOD_NOT_ALLOWED, "/problems/method-not-allowed");
}

#[tokio::test]
async fn a_wrong_method_on_the_apps_files_is_a_405_problem() {
    let server = TestServer::new().await;
    for path in ["/", "/sw.js", "/cases/abc"] {
        let answer = server.send(Method::POST, path, None, None).await;
        answer.problem(StatusCode::METHOD_NOT_ALLOWED, "/problems/method-not-allowed");
    }
}

#[tokio::test]
async fn a_missing_app_file_is_a_404_problem() {
    let server = TestServer::new().await;
    let answer = server.send(Method::GET, "/portal-desk-ffffffffffffffff.js", None, None).await;
    let problem = answer.problem(StatusCode::NOT_FOUND, "/problems/not-found");
    assert!(problem["detail"].as_str().unwrap().contains("reload the app"), "{problem}");
}

#[tokio::test]
async fn a_path_that_is_not_text_is_a_400_problem() {
    let server = TestServer::new().await;
    let carys = server.sign_in("carys@riverside.test", "desk-1").await;
    let answer = server.send(Method::POST, "/api/v1/devices/%FF%FE/revoke", Some(&carys.token), None).await;
    answer.problem(StatusCode::BAD_REQUEST, "/problems/unreadable-request");
    assert_eq!(server.count("SELECT COUNT(*) FROM devices WHERE revoked_at_ms IS NOT NULL").await, 0);
}

#[tokio::test]
async fn an_overlong_address_is_a_414_problem() {
    let server = TestServer::new().await;
    let path =
        format!("/api/v1/pull?cursor=0&pad={}", "p".repeat(portal_desk_server::http::request_limits::MAX_URI_BYTES));
    server.send(Method::GET, &path, None, None).await.problem(StatusCode::URI_TOO_LONG, "/problems/uri-too-long");
}
