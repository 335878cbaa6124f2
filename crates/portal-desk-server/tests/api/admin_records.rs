//! Site settings and checklist templates sync like any other change: admins push them,
//! the server refuses them from anyone else with a reason, audits each one, and every
//! device of the site pulls them; a template edit is a new version and runs keep
//! theirs.

use crate::support::{assert_applied, assert_rejected, Device, Outbox, TestServer, PASSWORD};
use axum::http::{Method, StatusCode};
use portal_desk_core::calendar::{Closure, OpeningHours, SiteCalendar};
use portal_desk_core::case::{CaseKind, Collection};
use portal_desk_core::catalog::{template_fields, template_record_id};
use portal_desk_core::checklist::{ChecklistTemplate, StepKind, StepTemplate, TICKED};
use portal_desk_core::site::{site_record_id, Site};
use portal_desk_core::zone::TimeZone;
use portal_desk_core::{templates, Op, OpBody, SiteId};
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::{NewStaff, Role};
use portal_desk_server::{now_ms, zones};
use std::collections::BTreeMap;

fn riverside_settings() -> Site {
    let mut calendar =
        SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 30)), zones::expand("Europe/London").unwrap());
    calendar.bank_holidays = vec!["2026-12-25".parse().unwrap(), "2026-12-28".parse().unwrap()];
    calendar.closures = vec![Closure {
        start_ms: 1_795_870_800_000,
        end_ms: 1_795_888_800_000,
        reason: "Protected learning time".into(),
    }];
    Site {
        id: "riverside".into(),
        name: "Riverside Clinic".into(),
        calendar,
        daily_request_limit: Some(120),
        request_limits: BTreeMap::from([("2026-12-28".parse().unwrap(), 40)]),
    }
}

fn create_site(outbox: &mut Outbox, site: &Site) -> Op {
    let body = OpBody::Create { collection: Collection::Site, site: site.id.clone(), fields: site.to_fields() };
    outbox.op(site_record_id(&site.id).as_str(), body)
}

fn publish(outbox: &mut Outbox, site: &str, template: &ChecklistTemplate) -> Op {
    let site = SiteId::from(site);
    let record = template_record_id(&site, &template.id, template.version);
    let body = OpBody::Create { collection: Collection::Template, site, fields: template_fields(template) };
    outbox.op(record.as_str(), body)
}

/// The built-in sign-up checklist as version `version`, with a leaflet step added.
fn sign_up(version: u32) -> ChecklistTemplate {
    let mut template = templates::for_kind(CaseKind::SignUp).clone();
    template.version = version;
    template.steps.push(StepTemplate {
        id: "leaflet_given".into(),
        label: "Leaflet given".into(),
        kind: StepKind::Tick,
        required: true,
        guidance: "The portal leaflet in the patient's language.".into(),
        requires: Vec::new(),
    });
    template
}

async fn admin(server: &TestServer) -> Device {
    server.sign_in("sam@both.test", "desk-sam").await
}

#[tokio::test]
async fn an_admin_sets_a_sites_calendar_which_every_device_of_that_site_pulls() {
    let server = TestServer::new().await;
    let sam = admin(&server).await;
    let mut outbox = Outbox::new(&sam);
    let response = server.push_ok(&sam, &[create_site(&mut outbox, &riverside_settings())]).await;
    assert_applied(&response.results[0]);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'admin_change'").await, 1);

    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let pulled = server.pull(&asha, 0, None).await;
    let settings: Vec<Site> = pulled.records.iter().filter_map(Site::from_record).collect();
    assert_eq!(settings, [riverside_settings()]);
    let dan = server.sign_in("dan@hilltop.test", "tablet-d").await;
    assert!(server.pull(&dan, 0, None).await.records.is_empty(), "Hilltop never receives Riverside's settings");

    // A later change of one part (the daily limit) is a field edit like any other.
    let stored = pulled.records.iter().find(|r| r.collection == Collection::Site).unwrap();
    let replaces = Some(stored.fields["daily_request_limit"].clock.clone());
    let edit = OpBody::SetField { field: "daily_request_limit".into(), value: "90".into(), replaces };
    assert_applied(&server.push_ok(&sam, &[outbox.op("site:riverside", edit)]).await.results[0]);
    let again = server.pull(&asha, pulled.cursor, None).await;
    assert_eq!(Site::from_record(&again.records[0]).unwrap().daily_request_limit, Some(90));
}

#[tokio::test]
async fn analysts_and_supervisors_cannot_write_site_settings_or_templates() {
    let server = TestServer::new().await;
    let sam = admin(&server).await;
    let mut admins = Outbox::new(&sam);
    server.push_ok(&sam, &[create_site(&mut admins, &riverside_settings())]).await;
    for email in ["asha@riverside.test", "carys@riverside.test"] {
        let device = server.sign_in(email, &format!("tablet-{}", email.replace('@', "-at-"))).await;
        let mut outbox = Outbox::new(&device);
        let edit = OpBody::SetField { field: "daily_request_limit".into(), value: "999".into(), replaces: None };
        let ops = [
            publish(&mut outbox, "riverside", &sign_up(2)),
            outbox.op("site:riverside", edit),
            outbox.op("site:riverside", OpBody::Archive),
        ];
        let response = server.push_ok(&device, &ops).await;
        for result in &response.results {
            assert_rejected(result, "forbidden");
            let portal_desk_core::Outcome::Rejected { reason, .. } = &result.outcome else { unreachable!() };
            assert!(reason.contains("Only an admin"), "{reason}");
        }
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM records WHERE id LIKE 'template:%'").await, 0);
    // Read as a record, not searched as text: its clocks' times can hold any digits.
    let body = server.db.text("SELECT body FROM records WHERE id = 'site:riverside'").await;
    let stored: portal_desk_core::Record = serde_json::from_str(&body).expect("the stored site is a record");
    assert_eq!(stored.fields["daily_request_limit"].value, "120", "{body}");
    assert_eq!(stored.archived, None, "{body}");
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'admin_change'").await, 1);
}

#[tokio::test]
async fn bad_or_foreign_site_settings_are_rejected_and_change_nothing() {
    let server = TestServer::new().await;
    let rita = NewStaff {
        id: "staff-rita".into(),
        email: "rita@riverside.test".into(),
        name: "Rita Admin".into(),
        role: Role::Admin,
        password_hash: auth::hash_password(PASSWORD, HashCost::Minimal).unwrap(),
        sites: vec![SiteId::from("riverside")],
    };
    server.store.add_staff(&rita, now_ms()).await.unwrap();
    let rita = server.sign_in("rita@riverside.test", "desk-rita").await;
    let mut outbox = Outbox::new(&rita);
    let mut hilltop = riverside_settings();
    hilltop.id = "hilltop".into();
    let mut bad_hours = riverside_settings().to_fields();
    bad_hours
        .insert("hours".into(), r#"[{"opens_minute":600,"closes_minute":60},null,null,null,null,null,null]"#.into());
    let wrong_record = OpBody::Create {
        collection: Collection::Site,
        site: "riverside".into(),
        fields: riverside_settings().to_fields(),
    };
    let ops = [
        create_site(&mut outbox, &hilltop),
        outbox.op(
            "site:riverside",
            OpBody::Create { collection: Collection::Site, site: "riverside".into(), fields: bad_hours },
        ),
        outbox.op("site:hilltop", wrong_record),
    ];
    let response = server.push_ok(&rita, &ops).await;
    assert_rejected(&response.results[0], "forbidden");
    assert_rejected(&response.results[1], "invalid_field");
    assert_rejected(&response.results[2], "invalid_field");
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'admin_change'").await, 0);
}

#[tokio::test]
async fn a_template_edit_is_a_new_version_and_versions_go_up_one_at_a_time() {
    let server = TestServer::new().await;
    let sam = admin(&server).await;
    let mut outbox = Outbox::new(&sam);
    let mut v1_again = sign_up(1);
    v1_again.title = "Overwriting the built-in one".into();
    let ops = [
        publish(&mut outbox, "riverside", &v1_again),
        publish(&mut outbox, "riverside", &sign_up(3)),
        publish(&mut outbox, "riverside", &sign_up(2)),
        publish(&mut outbox, "riverside", &sign_up(2)),
        outbox.op(
            "template:riverside:sign_up:v2",
            OpBody::SetField { field: "title".into(), value: "Edited in place".into(), replaces: None },
        ),
        publish(&mut outbox, "riverside", &sign_up(3)),
    ];
    let response = server.push_ok(&sam, &ops).await;
    assert_rejected(&response.results[0], "version_out_of_order");
    assert_rejected(&response.results[1], "version_out_of_order");
    assert_applied(&response.results[2]);
    assert_rejected(&response.results[3], "already_exists");
    assert_rejected(&response.results[4], "template_published");
    assert_applied(&response.results[5]);
    assert_eq!(server.count("SELECT COUNT(*) FROM records WHERE id LIKE 'template:riverside:sign_up:v%'").await, 2);
    assert_eq!(server.count("SELECT COUNT(*) FROM audit WHERE action = 'admin_change'").await, 2);
}

#[tokio::test]
async fn a_run_keeps_the_version_it_started_with_and_other_sites_do_not_have_it() {
    let server = TestServer::new().await;
    let sam = admin(&server).await;
    let mut admins = Outbox::new(&sam);
    server.push_ok(&sam, &[publish(&mut admins, "riverside", &sign_up(2))]).await;

    let asha = server.sign_in("asha@riverside.test", "tablet-a").await;
    let mut outbox = Outbox::new(&asha);
    let start = |run: &str, version| OpBody::StartChecklist { run: run.into(), template: "sign_up".into(), version };
    let tick = |run: &str| OpBody::SetStep {
        run: run.into(),
        step: "leaflet_given".into(),
        value: TICKED.into(),
        replaces: None,
    };
    let ops = [
        outbox.create("case-1", "riverside", "Ada Example", "sign_up"),
        outbox.op("case-1", start("old", 1)),
        outbox.op("case-1", start("new", 2)),
        outbox.op("case-1", tick("new")),
        outbox.op("case-1", tick("old")),
    ];
    let response = server.push_ok(&asha, &ops).await;
    for applied in &response.results[..4] {
        assert_applied(applied);
    }
    assert_rejected(&response.results[4], "no_such_step");

    // Version 3 drops the leaflet step; the run on version 2 keeps it.
    let mut v3 = sign_up(3);
    v3.steps.pop();
    server.push_ok(&sam, &[publish(&mut admins, "riverside", &v3)]).await;
    let clear =
        OpBody::SetStep { run: "new".into(), step: "leaflet_given".into(), value: String::new(), replaces: None };
    assert_applied(&server.push_ok(&asha, &[outbox.op("case-1", clear)]).await.results[0]);

    let dan = server.sign_in("dan@hilltop.test", "tablet-d").await;
    let mut dans = Outbox::new(&dan);
    let ops = [dans.create("case-h", "hilltop", "Bo Example", "sign_up"), dans.op("case-h", start("r", 2))];
    let response = server.push_ok(&dan, &ops).await;
    assert_rejected(&response.results[1], "unknown_template");
}

#[tokio::test]
async fn a_site_keeps_the_time_zones_own_clock_changes_and_no_others() {
    let server = TestServer::new().await;
    let sam = admin(&server).await;
    let answer = server.send(Method::GET, "/api/v1/time-zones?name=Europe/London", Some(&sam.token), None).await;
    let london: TimeZone = answer.ok();
    assert_eq!(london, zones::expand("Europe/London").unwrap());
    let unknown = server.send(Method::GET, "/api/v1/time-zones?name=Europe/Atlantis", Some(&sam.token), None).await;
    let problem = unknown.problem(StatusCode::UNPROCESSABLE_ENTITY, "/problems/invalid-request");
    assert!(problem.to_string().contains("Europe/Atlantis"), "{problem}");
    let anonymous = server.send(Method::GET, "/api/v1/time-zones?name=Europe/London", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // A device that claims the clocks change an hour later than they do, or names a
    // zone the database does not have, has its settings refused, whole.
    let mut outbox = Outbox::new(&sam);
    let mut shifted = riverside_settings();
    shifted.calendar.zone.changes[10].from_ms += 3_600_000;
    let mut atlantis = riverside_settings();
    atlantis.calendar.zone = TimeZone::fixed("Europe/Atlantis", 0);
    let forged = [create_site(&mut outbox, &shifted), create_site(&mut outbox, &atlantis)];
    for result in server.push_ok(&sam, &forged).await.results {
        assert_rejected(&result, "unknown_time_zone");
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM records").await, 0);
    let changed = OpBody::SetField {
        field: "time_zone".into(),
        value: serde_json::to_string(&zones::expand("Europe/Dublin").unwrap()).unwrap(),
        replaces: None,
    };
    let ops = [create_site(&mut outbox, &riverside_settings()), outbox.op("site:riverside", changed)];
    for result in server.push_ok(&sam, &ops).await.results {
        assert_applied(&result);
    }
}
