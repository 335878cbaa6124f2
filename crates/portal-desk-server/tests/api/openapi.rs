//! The OpenAPI document describes every route the router answers.

use crate::support::TestServer;
use axum::http::{Method, StatusCode};
use portal_desk_server::http::routes;

#[tokio::test]
async fn openapi_lists_every_route_and_no_other() {
    let server = TestServer::new().await;
    let response = server.send(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = response.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    let mut served: Vec<(String, String)> = routes().iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);
}

#[tokio::test]
async fn every_documented_route_is_answered_by_the_router() {
    let server = TestServer::new().await;
    for route in routes() {
        let method = Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
        let response = server.send(method, route.path, None, None).await;
        assert_ne!(response.status, StatusCode::NOT_FOUND, "{} {}", route.method, route.path);
        assert_ne!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{} {}", route.method, route.path);
    }
}

#[tokio::test]
async fn every_schema_reference_resolves() {
    let doc: serde_json::Value = serde_json::from_str(portal_desk_server::http::openapi::OPENAPI_JSON).unwrap();
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(doc["components"]["schemas"].get(name).is_some(), "unresolved $ref to {name}");
    }
}
