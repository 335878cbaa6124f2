//! The staff directory every device reads, and admins managing staff accounts: add,
//! change role and sites, deactivate, reset a password — audited, checked on the
//! server, and refused whole when any part of the request is wrong.

use crate::support::{staff_id, TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use portal_desk_core::staff::{Colleague, Role};
use portal_desk_core::SiteId;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::NewStaff;
use portal_desk_server::http::devices::DeviceList;
use portal_desk_server::http::staff::StaffDirectory;
use portal_desk_server::now_ms;
use serde_json::{json, Value};

/// A Riverside-only admin, so that Hilltop is "another site" for them.
async fn riverside_admin(server: &TestServer) -> crate::support::Device {
    let rita = NewStaff {
        id: "staff-rita".into(),
        email: "rita@riverside.test".into(),
        name: "Rita Admin".into(),
        role: Role::Admin,
        password_hash: auth::hash_password(PASSWORD, HashCost::Minimal).unwrap(),
        sites: vec![SiteId::from("riverside")],
    };
    server.store.add_staff(&rita, now_ms()).await.unwrap();
    server.sign_in("rita@riverside.test", "desk-rita").await
}

fn new_person(email: &str) -> Value {
    json!({ "email": email, "name": "Nia Evans", "role": "analyst", "sites": ["riverside"], "password": "a long new password" })
}

async fn sign_in_status(server: &TestServer, email: &str, password: &str) -> StatusCode {
    let body = json!({ "email": email, "password": password, "device": "tablet-check" });
    server.send(Method::POST, "/api/v1/sign-in", None, Some(&body)).await.status
}

#[tokio::test]
async fn the_directory_names_the_staff_of_the_callers_sites_without_emails() {
    let server = TestServer::new().await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let directory: StaffDirectory = server.send(Method::GET, "/api/v1/staff", Some(&asha.token), None).await.ok();
    let names: Vec<&str> = directory.staff.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Asha Patel", "Ben Okafor", "Carys Jones", "Sam Admin"]);
    assert!(directory.staff.iter().all(|c| c.email.is_none() && c.active));
    let sam = directory.staff.iter().find(|c| c.name == "Sam Admin").unwrap();
    assert_eq!(sam.sites, [SiteId::from("hilltop"), SiteId::from("riverside")]);
    assert_eq!(sam.role, Role::Admin);

    let admin = server.sign_in("sam@both.test", "desk-sam").await;
    let directory: StaffDirectory = server.send(Method::GET, "/api/v1/staff", Some(&admin.token), None).await.ok();
    assert_eq!(directory.staff.len(), 5);
    assert!(directory.staff.iter().all(|c| c.email.is_some()));
}

#[tokio::test]
async fn a_kiosk_cannot_read_the_directory_and_no_token_gets_401() {
    let server = TestServer::new().await;
    let kiosk = server.sign_in("asha@riverside.test", "kiosk-1").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let body = json!({ "site": "riverside" });
    server.send(Method::POST, "/api/v1/devices/kiosk-1/kiosk", Some(&carys.token), Some(&body)).await.ok::<Value>();
    server
        .send(Method::GET, "/api/v1/staff", Some(&kiosk.token), None)
        .await
        .problem(StatusCode::FORBIDDEN, "/problems/kiosk-cannot-read");
    server
        .send(Method::GET, "/api/v1/staff", None, None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
}

#[tokio::test]
async fn an_admin_adds_someone_who_can_then_sign_in_and_it_is_audited_without_the_password() {
    let server = TestServer::new().await;
    let admin = server.sign_in("sam@both.test", "desk-sam").await;
    let response =
        server.send(Method::POST, "/api/v1/staff", Some(&admin.token), Some(&new_person(" Nia@Riverside.TEST "))).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let added: Colleague = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(added.email.as_deref(), Some("nia@riverside.test"));
    assert_eq!((added.role, added.active), (Role::Analyst, true));
    assert_eq!(sign_in_status(&server, "nia@riverside.test", "a long new password").await, StatusCode::OK);
    let detail = server.db.text("SELECT detail FROM audit WHERE action = 'staff_add'").await;
    assert!(detail.contains("nia@riverside.test") && !detail.contains("a long new password"), "{detail}");

    let again =
        server.send(Method::POST, "/api/v1/staff", Some(&admin.token), Some(&new_person("nia@riverside.test"))).await;
    again.problem(StatusCode::CONFLICT, "/problems/already-exists");
    assert_eq!(server.count("SELECT COUNT(*) FROM staff WHERE email = 'nia@riverside.test'").await, 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'staff_add'").await, 1);
}

#[tokio::test]
async fn bad_new_accounts_are_refused_whole_with_every_field_named() {
    let server = TestServer::new().await;
    let rita = riverside_admin(&server).await;
    let staff_before = server.count("SELECT COUNT(*) FROM staff").await;
    let audit_before = server.count("SELECT COUNT(*) FROM audit").await;
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!({ "email": "not-an-email", "name": " ", "role": "analyst", "sites": [], "password": "short" }),
            &["email", "name", "password", "sites"],
        ),
        (
            json!({ "email": "x@riverside.test", "name": "X", "role": "analyst", "sites": ["hilltop"], "password": "long enough pass" }),
            &["sites"],
        ),
        (
            json!({ "email": "x@riverside.test", "name": "X", "role": "analyst", "sites": ["nowhere"], "password": "long enough pass" }),
            &["sites"],
        ),
        (
            json!({ "email": "x@riverside.test", "name": "X".repeat(201), "role": "analyst", "sites": ["riverside"], "password": "long enough pass" }),
            &["name"],
        ),
        (
            json!({ "email": "x@riverside.test", "name": "X", "role": "analyst", "sites": ["riverside"], "password": "p".repeat(1_001) }),
            &["password"],
        ),
        (
            json!({ "email": "x@riverside.test", "name": "X", "role": "owner", "sites": ["riverside"], "password": "long enough pass" }),
            &["role"],
        ),
        (
            json!({ "email": "x@riverside.test", "name": "X", "role": "analyst", "sites": ["riverside"], "password": "long enough pass", "admin": true }),
            &["admin"],
        ),
        (
            json!({ "email": 7, "name": "X", "role": "analyst", "sites": ["riverside"], "password": "long enough pass" }),
            &["email"],
        ),
    ];
    for (body, paths) in cases {
        let response = server.send(Method::POST, "/api/v1/staff", Some(&rita.token), Some(&body)).await;
        let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
        let got: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
        for path in paths {
            assert!(got.contains(path), "{body}: {problem}");
        }
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM staff").await, staff_before);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit").await, audit_before);
}

#[tokio::test]
async fn a_deactivated_person_is_signed_out_everywhere_and_cannot_sign_in_until_reactivated() {
    let server = TestServer::new().await;
    let admin = server.sign_in("sam@both.test", "desk-sam").await;
    let ben = server.sign_in("ben@riverside.test", "tablet-ben").await;
    let path = format!("/api/v1/staff/{}", staff_id("ben@riverside.test"));
    let off: Colleague =
        server.send(Method::PATCH, &path, Some(&admin.token), Some(&json!({ "active": false }))).await.ok();
    assert!(!off.active);
    server
        .send(Method::GET, "/api/v1/me", Some(&ben.token), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
    assert_eq!(sign_in_status(&server, "ben@riverside.test", PASSWORD).await, StatusCode::UNAUTHORIZED);
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let directory: StaffDirectory = server.send(Method::GET, "/api/v1/staff", Some(&asha.token), None).await.ok();
    assert!(directory.staff.iter().any(|c| c.name == "Ben Okafor" && !c.active), "still named on old cases");

    let on: Colleague =
        server.send(Method::PATCH, &path, Some(&admin.token), Some(&json!({ "active": true }))).await.ok();
    assert!(on.active);
    assert_eq!(sign_in_status(&server, "ben@riverside.test", PASSWORD).await, StatusCode::OK);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'staff_update'").await, 2);
}

#[tokio::test]
async fn an_admin_changes_a_role_and_sites_but_not_their_own_role_nor_activity() {
    let server = TestServer::new().await;
    let admin = server.sign_in("sam@both.test", "desk-sam").await;
    let asha = server.sign_in("asha@riverside.test", "tablet-1").await;
    let path = format!("/api/v1/staff/{}", staff_id("asha@riverside.test"));
    let body = json!({ "role": "supervisor", "sites": ["hilltop", "riverside"], "name": "Asha Patel-Jones" });
    let changed: Colleague = server.send(Method::PATCH, &path, Some(&admin.token), Some(&body)).await.ok();
    assert_eq!(changed.role, Role::Supervisor);
    assert_eq!(changed.sites, [SiteId::from("hilltop"), SiteId::from("riverside")]);
    assert_eq!(changed.name, "Asha Patel-Jones");
    // Her session takes the new role at once: she may now list devices.
    server.send(Method::GET, "/api/v1/devices", Some(&asha.token), None).await.ok::<DeviceList>();

    let own = format!("/api/v1/staff/{}", staff_id("sam@both.test"));
    let problem = server
        .send(Method::PATCH, &own, Some(&admin.token), Some(&json!({ "role": "analyst", "active": false })))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    assert_eq!(server.db.text("SELECT role FROM staff WHERE id = 'staff-sam'").await, "admin");
}

#[tokio::test]
async fn an_admin_of_one_site_cannot_manage_another_sites_staff_nor_give_away_its_site() {
    let server = TestServer::new().await;
    let rita = riverside_admin(&server).await;
    let dan = format!("/api/v1/staff/{}", staff_id("dan@hilltop.test"));
    server
        .send(Method::PATCH, &dan, Some(&rita.token), Some(&json!({ "active": false })))
        .await
        .problem(StatusCode::NOT_FOUND, "/problems/staff-not-found");
    server
        .send(
            Method::POST,
            &format!("{dan}/password"),
            Some(&rita.token),
            Some(&json!({ "password": "another long one" })),
        )
        .await
        .problem(StatusCode::NOT_FOUND, "/problems/staff-not-found");
    // Sam works at both sites: Rita may not take Hilltop away from him.
    let sam = format!("/api/v1/staff/{}", staff_id("sam@both.test"));
    server
        .send(Method::PATCH, &sam, Some(&rita.token), Some(&json!({ "sites": ["riverside"] })))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert_eq!(server.count("SELECT COUNT(*) FROM staff_sites WHERE staff_id = 'staff-sam'").await, 2);
    server
        .send(Method::PATCH, "/api/v1/staff/nobody", Some(&rita.token), Some(&json!({ "name": "X" })))
        .await
        .problem(StatusCode::NOT_FOUND, "/problems/staff-not-found");
}

#[tokio::test]
async fn a_password_reset_ends_the_old_sessions_and_only_the_new_password_works() {
    let server = TestServer::new().await;
    let admin = server.sign_in("sam@both.test", "desk-sam").await;
    let ben = server.sign_in("ben@riverside.test", "tablet-ben").await;
    let path = format!("/api/v1/staff/{}/password", staff_id("ben@riverside.test"));
    let response =
        server.send(Method::POST, &path, Some(&admin.token), Some(&json!({ "password": "brand new phrase" }))).await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text());
    server
        .send(Method::GET, "/api/v1/me", Some(&ben.token), None)
        .await
        .problem(StatusCode::UNAUTHORIZED, "/problems/unauthorized");
    assert_eq!(sign_in_status(&server, "ben@riverside.test", PASSWORD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in_status(&server, "ben@riverside.test", "brand new phrase").await, StatusCode::OK);
    let detail = server.db.text("SELECT detail FROM audit WHERE action = 'staff_password_reset'").await;
    assert!(!detail.contains("brand new phrase"), "{detail}");
    server
        .send(Method::POST, &path, Some(&admin.token), Some(&json!({ "password": "short" })))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
}

#[tokio::test]
async fn the_device_list_says_when_each_device_last_synced_and_who_used_it() {
    let server = TestServer::new().await;
    let before = now_ms();
    let ben = server.sign_in("ben@riverside.test", "tablet-r").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let list: DeviceList = server.send(Method::GET, "/api/v1/devices", Some(&carys.token), None).await.ok();
    let tablet = list.devices.iter().find(|d| d.id.as_str() == "tablet-r").unwrap();
    assert_eq!(tablet.last_sync_at_ms, None, "signed in but never synced");
    server.pull(&ben, 0, None).await;
    let list: DeviceList = server.send(Method::GET, "/api/v1/devices", Some(&carys.token), None).await.ok();
    let tablet = list.devices.iter().find(|d| d.id.as_str() == "tablet-r").unwrap();
    assert!(tablet.last_sync_at_ms.is_some_and(|at| at >= before), "{tablet:?}");
    assert_eq!(tablet.last_sync_by.as_ref(), Some(&ben.staff));
}
