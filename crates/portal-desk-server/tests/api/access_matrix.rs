//! Every row of the access matrix — role × site × restricted case × token state
//! (live, expired, revoked device) × kiosk — for reading (pull) and writing (a note):
//! allowed exactly where it should be, and refused the way it should be.

use crate::support::{staff_id, Device, Outbox, TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use portal_desk_core::protocol::PullResponse;
use portal_desk_core::{Outcome, SiteId};
use portal_desk_server::audit::AuditEntry;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::{NewSession, NewStaff, Role};
use portal_desk_server::now_ms;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token {
    Live,
    Expired,
    Revoked,
}

/// What one row expects.
fn expected_read(role: Role, same_site: bool, restricted: bool, token: Token, kiosk: bool) -> bool {
    token == Token::Live && !kiosk && same_site && (!restricted || role == Role::Supervisor)
}

fn expected_write(role: Role, same_site: bool, restricted: bool, token: Token, kiosk: bool) -> bool {
    expected_read(role, same_site, restricted, token, kiosk) && role != Role::Admin
}

#[tokio::test]
async fn every_row_of_the_access_matrix_is_allowed_exactly_where_it_should_be() {
    let server = TestServer::new().await;
    // A Riverside-only admin, so that "another site" means something for every role.
    let admin = NewStaff {
        id: "staff-rita".into(),
        email: "rita@riverside.test".into(),
        name: "Rita Admin".into(),
        role: Role::Admin,
        password_hash: auth::hash_password(PASSWORD, HashCost::Minimal).unwrap(),
        sites: vec![SiteId::from("riverside")],
    };
    server.store.add_staff(&admin, now_ms()).await.unwrap();
    // Ben (Riverside) and Dan (Hilltop) each open an ordinary and a restricted case.
    let ben = server.sign_in("ben@riverside.test", "tablet-ben").await;
    let dan = server.sign_in("dan@hilltop.test", "tablet-dan").await;
    let mut bens = Outbox::new(&ben);
    let mut dans = Outbox::new(&dan);
    server
        .push_ok(
            &ben,
            &[
                bens.create("r-open", "riverside", "R Open", "sign_up"),
                bens.create("r-restricted", "riverside", "R Restricted", "complaint"),
            ],
        )
        .await;
    server
        .push_ok(
            &dan,
            &[
                dans.create("h-open", "hilltop", "H Open", "sign_up"),
                dans.create("h-restricted", "hilltop", "H Restricted", "safeguarding"),
            ],
        )
        .await;
    let supervisor = server.sign_in("carys@riverside.test", "desk-carys").await;

    let mut failures = Vec::new();
    let mut rows = 0;
    let people = [
        ("asha@riverside.test", Role::Analyst),
        ("carys@riverside.test", Role::Supervisor),
        ("rita@riverside.test", Role::Admin),
    ];
    for (email, role) in people {
        for same_site in [true, false] {
            for restricted in [false, true] {
                for token in [Token::Live, Token::Expired, Token::Revoked] {
                    for kiosk in [false, true] {
                        rows += 1;
                        let row =
                            format!("{role:?} same_site={same_site} restricted={restricted} {token:?} kiosk={kiosk}");
                        let record = match (same_site, restricted) {
                            (true, false) => "r-open",
                            (true, true) => "r-restricted",
                            (false, false) => "h-open",
                            (false, true) => "h-restricted",
                        };
                        let device = format!("device-{rows}");
                        let caller = prepare(&server, email, &device, token, kiosk, &supervisor).await;

                        let pulled = server.send(Method::GET, "/api/v1/pull?cursor=0", Some(&caller.token), None).await;
                        let read = pulled.status == StatusCode::OK
                            && serde_json::from_slice::<PullResponse>(&pulled.body)
                                .unwrap()
                                .records
                                .iter()
                                .any(|r| r.id.as_str() == record);
                        let want = expected_read(role, same_site, restricted, token, kiosk);
                        if read != want {
                            failures.push(format!("{row}: read {read}, expected {want} ({})", pulled.status));
                        }
                        let expected_status = match (token, kiosk) {
                            (Token::Expired, _) => StatusCode::UNAUTHORIZED,
                            (Token::Revoked, _) => StatusCode::FORBIDDEN,
                            (Token::Live, true) => StatusCode::FORBIDDEN,
                            (Token::Live, false) => StatusCode::OK,
                        };
                        if pulled.status != expected_status {
                            failures
                                .push(format!("{row}: pull answered {}, expected {expected_status}", pulled.status));
                        }

                        let mut outbox = Outbox::new(&caller);
                        let pushed = server.push(&caller, &[outbox.note(record, "matrix")]).await;
                        let wrote = pushed.status == StatusCode::OK && {
                            let response: portal_desk_core::protocol::PushResponse = pushed.ok();
                            response.results[0].outcome == Outcome::Applied
                        };
                        let want = expected_write(role, same_site, restricted, token, kiosk);
                        if wrote != want {
                            failures.push(format!("{row}: wrote {wrote}, expected {want}: {}", pushed.text()));
                        }
                    }
                }
            }
        }
    }
    assert_eq!(rows, 72);
    assert!(failures.is_empty(), "{} of {rows} rows are wrong:\n{}", failures.len(), failures.join("\n"));
}

/// A device for `email` whose token is live, expired or on a revoked device, and which
/// may be a kiosk.
async fn prepare(
    server: &TestServer,
    email: &str,
    device: &str,
    token: Token,
    kiosk: bool,
    supervisor: &Device,
) -> Device {
    let caller = match token {
        Token::Expired => {
            let token = auth::new_token();
            let now = now_ms();
            let session = NewSession {
                token_hash: auth::token_hash(&token),
                staff: staff_id(email).into(),
                device: device.into(),
                now_ms: now - 13 * 60 * 60 * 1000,
                expires_at_ms: now - 1,
                binding: None,
                fresh_credential: auth::new_id(),
            };
            server.store.start_session(&session, &AuditEntry::new(now, "sign_in", json!({}))).await.unwrap();
            Device::without_credential(token, staff_id(email).into(), device)
        }
        Token::Live | Token::Revoked => server.sign_in(email, device).await,
    };
    if kiosk {
        let body = json!({ "site": "riverside" });
        let path = format!("/api/v1/devices/{device}/kiosk");
        server.send(Method::POST, &path, Some(&supervisor.token), Some(&body)).await.ok::<serde_json::Value>();
    }
    if token == Token::Revoked {
        let path = format!("/api/v1/devices/{device}/revoke");
        server.send(Method::POST, &path, Some(&supervisor.token), None).await.ok::<serde_json::Value>();
    }
    caller
}

/// Every supervisor and admin action over HTTP, taken by each role that may not take
/// it, is refused with 403 `/problems/forbidden` (naming the permission where one
/// applies), and the admin-only records pushed by them are rejected as `forbidden`;
/// nothing is written either way.
#[tokio::test]
async fn every_supervisor_and_admin_action_is_refused_to_roles_without_the_permission() {
    use portal_desk_core::case::Collection;
    use portal_desk_core::catalog::{template_fields, template_record_id};
    use portal_desk_core::templates;

    let server = TestServer::new().await;
    server.sign_in("ben@riverside.test", "tablet-x").await;
    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let carys = server.sign_in("carys@riverside.test", "desk-c").await;
    let new_person = json!({ "email": "x@riverside.test", "name": "X", "role": "admin", "sites": ["riverside"], "password": "long enough pass" });
    let ben = staff_id("ben@riverside.test");
    // (method, path, body, whether a supervisor may)
    let actions: Vec<(Method, String, Option<serde_json::Value>, bool)> = vec![
        (Method::GET, "/api/v1/devices".into(), None, true),
        (Method::POST, "/api/v1/devices/tablet-x/revoke".into(), None, true),
        (Method::POST, "/api/v1/devices/tablet-x/kiosk".into(), Some(json!({ "site": "riverside" })), true),
        (Method::POST, "/api/v1/staff".into(), Some(new_person), false),
        (Method::PATCH, format!("/api/v1/staff/{ben}"), Some(json!({ "role": "admin" })), false),
        (Method::PATCH, format!("/api/v1/staff/{ben}"), Some(json!({ "active": false })), false),
        (Method::PATCH, format!("/api/v1/staff/{ben}"), Some(json!({ "sites": ["hilltop"] })), false),
        (Method::POST, format!("/api/v1/staff/{ben}/password"), Some(json!({ "password": "taken over now" })), false),
    ];
    let mut rows = 0;
    for (caller, role) in [(&asha, Role::Analyst), (&carys, Role::Supervisor)] {
        for (method, path, body, supervisor_may) in &actions {
            if role == Role::Supervisor && *supervisor_may {
                continue;
            }
            rows += 1;
            let response = server.send(method.clone(), path, Some(&caller.token), body.as_ref()).await;
            let problem = response.problem(StatusCode::FORBIDDEN, "/problems/forbidden");
            if path.contains("/staff") {
                assert_eq!(problem["permission"], "manage_staff", "{role:?} {method} {path}: {problem}");
            }
        }
        let mut outbox = Outbox::new(caller);
        let site = SiteId::from("riverside");
        let mut v2 = templates::for_kind(portal_desk_core::case::CaseKind::SignUp).clone();
        v2.version = 2;
        let settings = portal_desk_core::site::Site {
            id: site.clone(),
            name: "Riverside Clinic".into(),
            calendar: portal_desk_core::calendar::SiteCalendar::weekdays(
                portal_desk_core::calendar::OpeningHours::new((8, 0), (18, 0)),
                portal_desk_server::zones::expand("UTC").unwrap(),
            ),
            daily_request_limit: Some(10),
            request_limits: Default::default(),
        };
        let ops = [
            outbox.op(
                "site:riverside",
                portal_desk_core::OpBody::Create {
                    collection: Collection::Site,
                    site: site.clone(),
                    fields: settings.to_fields(),
                },
            ),
            outbox.op(
                template_record_id(&site, "sign_up", 2).as_str(),
                portal_desk_core::OpBody::Create {
                    collection: Collection::Template,
                    site,
                    fields: template_fields(&v2),
                },
            ),
        ];
        let response: portal_desk_core::protocol::PushResponse = server.push(caller, &ops).await.ok();
        for result in &response.results {
            rows += 1;
            assert!(
                matches!(&result.outcome, Outcome::Rejected { code, .. } if code == "forbidden"),
                "{role:?}: {result:?}"
            );
        }
    }
    assert_eq!(rows, 2 * 8 - 3 + 4);
    assert_eq!(server.count("SELECT COUNT(*) FROM staff").await, 5);
    assert_eq!(server.count("SELECT COUNT(*) FROM staff WHERE role = 'admin'").await, 1);
    assert_eq!(server.count("SELECT COUNT(*) FROM staff WHERE deactivated_at_ms IS NOT NULL").await, 0);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM devices WHERE revoked_at_ms IS NOT NULL OR kiosk_site IS NOT NULL").await,
        0
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM audit WHERE action LIKE 'staff_%' OR action = 'admin_change'").await,
        0
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM staff_sites WHERE staff_id = 'staff-ben'").await, 1);
}
