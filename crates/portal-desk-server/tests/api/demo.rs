//! `serve --demo`: the demo data is valid, realistic and seeded only once.

use portal_desk_core::case::{CaseKind, Collection};
use portal_desk_core::site::Site;
use portal_desk_core::RecordId;
use portal_desk_server::audit::ChainKey;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::{Role, Store, Viewer};
use portal_desk_server::demo::{self, DEMO_PASSWORD, DEMO_STAFF};
use portal_desk_server::keys::ServerKeys;
use portal_desk_server::{now_ms, sync};
use std::collections::HashSet;

async fn staff_id(store: &SqliteStore, email: &str) -> portal_desk_core::StaffId {
    store.staff_credentials(email).await.unwrap().expect("demo staff").id
}

#[tokio::test]
async fn the_demo_seeds_two_sites_six_staff_and_twelve_valid_cases_once() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ServerKeys::random();
    let store = SqliteStore::open(&dir.path().join("demo.db"), ChainKey::new(&keys)).await.unwrap();
    assert!(demo::seed(&store, &keys, HashCost::Minimal, now_ms()).await.unwrap());
    assert!(!demo::seed(&store, &keys, HashCost::Minimal, now_ms()).await.unwrap(), "a second seed does nothing");
    for demo_staff in DEMO_STAFF {
        let credentials = store.staff_credentials(demo_staff.email).await.unwrap().expect("seeded");
        assert!(auth::verify_password(DEMO_PASSWORD, &credentials.password_hash), "{}", demo_staff.email);
    }
    let admin = Viewer { staff: staff_id(&store, "admin@portal-desk.example").await, role: Role::Admin };
    let mut open_cases = sync::pull(&store, &admin, 0, 500).await.unwrap();
    let settings: Vec<Site> = open_cases.records.iter().filter_map(Site::from_record).collect();
    assert_eq!(settings.len(), 2, "both sites' calendars are seeded");
    assert!(settings.iter().all(|s| s.calendar.is_bank_holiday("2026-12-25".parse().unwrap())));
    assert!(settings.iter().all(|s| s.calendar.closures.len() == 1 && s.daily_request_limit.is_some()));
    open_cases.records.retain(|r| r.collection == Collection::Case);
    assert_eq!(open_cases.records.len(), 10, "the admin sees both sites' cases but not the restricted two");
    let riverside = Viewer { staff: staff_id(&store, "carys.jones@riverside.example").await, role: Role::Supervisor };
    let hilltop = Viewer { staff: staff_id(&store, "eve.sato@hilltop.example").await, role: Role::Supervisor };
    let mut everything = sync::pull(&store, &riverside, 0, 500).await.unwrap();
    everything.records.extend(sync::pull(&store, &hilltop, 0, 500).await.unwrap().records);
    everything.records.retain(|r| r.collection == Collection::Case);
    assert_eq!(everything.records.len(), 12);
    let kinds: HashSet<_> = everything.records.iter().filter_map(|r| r.case_kind()).collect();
    assert!(kinds.len() >= 10, "many kinds of case: {kinds:?}");
    assert!(kinds.contains(&CaseKind::Safeguarding) && kinds.contains(&CaseKind::Complaint));
    let sites: HashSet<_> = everything.records.iter().map(|r| r.site.as_str()).collect();
    assert_eq!(sites, HashSet::from(["riverside", "hilltop"]));
    assert!(everything.records.iter().any(|r| !r.timeline.is_empty()), "some cases have notes");
    assert!(everything.records.iter().all(|r| r.field("summary").is_some()));
    let ids: HashSet<&RecordId> = everything.records.iter().map(|r| &r.id).collect();
    assert_eq!(ids.len(), 12);
}

#[tokio::test]
async fn a_demo_analyst_sees_only_their_sites_open_cases() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ServerKeys::random();
    let store = SqliteStore::open(&dir.path().join("demo.db"), ChainKey::new(&keys)).await.unwrap();
    demo::seed(&store, &keys, HashCost::Minimal, now_ms()).await.unwrap();
    let asha = Viewer { staff: staff_id(&store, "asha.patel@riverside.example").await, role: Role::Analyst };
    let mut page = sync::pull(&store, &asha, 0, 500).await.unwrap();
    page.records.retain(|r| r.collection == Collection::Case);
    assert!(!page.records.is_empty());
    assert!(page.records.iter().all(|r| r.site.as_str() == "riverside"));
    assert!(page.records.iter().all(|r| !r.is_restricted()), "the safeguarding case is Ben's and Carys's");
    let carys = Viewer { staff: staff_id(&store, "carys.jones@riverside.example").await, role: Role::Supervisor };
    let supervised = sync::pull(&store, &carys, 0, 500).await.unwrap();
    assert!(supervised.records.iter().any(|r| r.is_restricted()));
}

#[test]
fn the_sign_in_help_names_every_demo_account_and_the_password() {
    let help = demo::sign_in_help();
    assert!(help.contains(DEMO_PASSWORD));
    for demo_staff in DEMO_STAFF {
        assert!(help.contains(demo_staff.email));
    }
}
