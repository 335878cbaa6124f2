//! Demo data for `serve --demo`: two sites with their calendars, six staff and a dozen
//! cases, seeded only into an empty database.
//!
//! The cases are made the way a tablet makes them — core operations from a device
//! (`demo-seed`), pushed through [`crate::sync::push`] — so they are valid records with
//! versions, timelines and an audit trail like any other. Every patient is fictional.

use crate::auth::{self, HashCost};
use crate::db::{DbError, NewStaff, Permission, Role, Store};
use crate::keys::ServerKeys;
use crate::site_settings;
use crate::sync::{self, PushFailure, Pusher};
use portal_desk_core::bank_holidays::Division;
use portal_desk_core::calendar::{Closure, OpeningHours, SiteCalendar};
use portal_desk_core::case::Collection;
use portal_desk_core::signing::OpKey;
use portal_desk_core::site::{site_record_id, Site};
use portal_desk_core::zone::DEFAULT_TIME_ZONE;
use portal_desk_core::{DeviceId, Hlc, Op, OpBody, Outcome, RecordId, SiteId, StaffId};
use std::collections::{BTreeMap, HashMap};

const HOUR_MS: u64 = 60 * 60 * 1000;

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "portal-desk-demo";

/// The device the demo cases are made on.
pub const DEMO_DEVICE: &str = "demo-seed";

/// The demo sites: (id, name).
pub const DEMO_SITES: &[(&str, &str)] = &[("riverside", "Riverside Clinic"), ("hilltop", "Hilltop Health Centre")];

/// One demo account.
#[derive(Clone, Copy, Debug)]
pub struct DemoStaff {
    /// Sign in with this.
    pub email: &'static str,
    /// Their name.
    pub name: &'static str,
    /// Their role.
    pub role: Role,
    /// Their sites' ids.
    pub sites: &'static [&'static str],
}

/// The demo sign-ins (all with [`DEMO_PASSWORD`]).
pub const DEMO_STAFF: &[DemoStaff] = &[
    DemoStaff { email: "asha.patel@riverside.example", name: "Asha Patel", role: Role::Analyst, sites: &["riverside"] },
    DemoStaff { email: "ben.okafor@riverside.example", name: "Ben Okafor", role: Role::Analyst, sites: &["riverside"] },
    DemoStaff {
        email: "carys.jones@riverside.example",
        name: "Carys Jones",
        role: Role::Supervisor,
        sites: &["riverside"],
    },
    DemoStaff { email: "dan.murphy@hilltop.example", name: "Dan Murphy", role: Role::Analyst, sites: &["hilltop"] },
    DemoStaff { email: "eve.sato@hilltop.example", name: "Eve Sato", role: Role::Supervisor, sites: &["hilltop"] },
    DemoStaff {
        email: "admin@portal-desk.example",
        name: "Sam Admin",
        role: Role::Admin,
        sites: &["riverside", "hilltop"],
    },
];

/// One demo case: who opened it where, its fields, and what happened next.
struct DemoCase {
    site: &'static str,
    by: &'static str,
    patient: &'static str,
    kind: &'static str,
    priority: &'static str,
    /// How many of its site's open hours ago it was opened: against its service
    /// level's target this gives the demo, on whatever day it is seeded, a mix of
    /// cases due soon, due later and breached.
    opened_open_hours_ago: u32,
    channel: &'static str,
    requester: &'static str,
    summary: &'static str,
    owner: Option<&'static str>,
    status: Option<&'static str>,
    notes: &'static [(&'static str, &'static str)],
}

const ASHA: &str = "asha.patel@riverside.example";
const BEN: &str = "ben.okafor@riverside.example";
const CARYS: &str = "carys.jones@riverside.example";
const DAN: &str = "dan.murphy@hilltop.example";
const EVE: &str = "eve.sato@hilltop.example";

const DEMO_CASES: &[DemoCase] = &[
    DemoCase {
        site: "riverside",
        by: ASHA,
        patient: "Margaret Oakhill",
        kind: "password_reset",
        priority: "normal",
        opened_open_hours_ago: 6,
        channel: "phone",
        requester: "patient",
        summary: "Locked out after changing her mobile number; the reset code goes to the old phone.",
        owner: Some(ASHA),
        status: Some("in_progress"),
        notes: &[(ASHA, "Checked date of birth and postcode. Reset link sent to her new email address.")],
    },
    DemoCase {
        site: "riverside",
        by: BEN,
        patient: "Tomasz Brightwater",
        kind: "sign_up",
        priority: "normal",
        opened_open_hours_ago: 2,
        channel: "in_person",
        requester: "patient",
        summary: "Wants to register for the portal at Tuesday's sign-up drive; has a passport with him.",
        owner: None,
        status: None,
        notes: &[],
    },
    DemoCase {
        site: "riverside",
        by: ASHA,
        patient: "Priya Fernhollow",
        kind: "proxy_access",
        priority: "high",
        opened_open_hours_ago: 3,
        channel: "email",
        requester: "relative",
        summary: "Mother asks for proxy access to her 9-year-old son's record.",
        owner: Some(ASHA),
        status: Some("waiting_on_patient"),
        notes: &[(ASHA, "Asked for proof of parental responsibility (birth certificate) before we go further.")],
    },
    DemoCase {
        site: "riverside",
        by: BEN,
        patient: "Jordan Ashcombe",
        kind: "safeguarding",
        priority: "urgent",
        opened_open_hours_ago: 2,
        channel: "phone",
        requester: "relative",
        summary: "Caller is worried that a carer is using a vulnerable adult's portal account without consent.",
        owner: Some(CARYS),
        status: Some("escalated"),
        notes: &[
            (BEN, "Escalated to Carys straight away, as the safeguarding procedure says."),
            (CARYS, "Spoke to the safeguarding lead; account access suspended pending review."),
        ],
    },
    DemoCase {
        site: "riverside",
        by: ASHA,
        patient: "Ellis Marchbank",
        kind: "technical_problem",
        priority: "low",
        opened_open_hours_ago: 30,
        channel: "portal_message",
        requester: "patient",
        summary: "App shows a blank screen after signing in on an older Android tablet.",
        owner: None,
        status: Some("resolved"),
        notes: &[(ASHA, "Clearing the app's storage fixed it. Patient confirmed by reply.")],
    },
    DemoCase {
        site: "riverside",
        by: BEN,
        patient: "Winifred Clayborne",
        kind: "imaging_transfer",
        priority: "high",
        opened_open_hours_ago: 10,
        channel: "email",
        requester: "GP",
        summary: "Export last month's knee MRI to Hilltop orthopaedics for a referral; needed by Friday.",
        owner: Some(BEN),
        status: Some("in_progress"),
        notes: &[],
    },
    DemoCase {
        site: "riverside",
        by: CARYS,
        patient: "Rafael Dunmore",
        kind: "consultation_triage",
        priority: "normal",
        opened_open_hours_ago: 1,
        channel: "portal_message",
        requester: "patient",
        summary: "Amber: cough for three weeks, no fever; asks for a call back this week.",
        owner: None,
        status: None,
        notes: &[],
    },
    DemoCase {
        site: "hilltop",
        by: DAN,
        patient: "Agnes Pellworth",
        kind: "account_unlock",
        priority: "normal",
        opened_open_hours_ago: 7,
        channel: "phone",
        requester: "patient",
        summary: "Account locked after five wrong passwords.",
        owner: Some(DAN),
        status: Some("in_progress"),
        notes: &[(DAN, "Identity confirmed on the phone; waiting for the unlock to go through.")],
    },
    DemoCase {
        site: "hilltop",
        by: EVE,
        patient: "Harold Quennell",
        kind: "complaint",
        priority: "high",
        opened_open_hours_ago: 12,
        channel: "email",
        requester: "patient",
        summary: "Unhappy that a repeat prescription request in the portal went unanswered for a week; may go to PALS.",
        owner: Some(EVE),
        status: Some("in_progress"),
        notes: &[(EVE, "Acknowledged in writing; looking into what happened to the request.")],
    },
    DemoCase {
        site: "hilltop",
        by: DAN,
        patient: "Sunita Larkfield",
        kind: "identity_verification",
        priority: "normal",
        opened_open_hours_ago: 20,
        channel: "in_person",
        requester: "patient",
        summary: "Upgrade to P9 so she can see her record: photo ID checked at reception.",
        owner: None,
        status: Some("resolved"),
        notes: &[(DAN, "Driving licence checked in person; verification recorded.")],
    },
    DemoCase {
        site: "hilltop",
        by: DAN,
        patient: "Callum Ridgewell",
        kind: "update_details",
        priority: "low",
        opened_open_hours_ago: 4,
        channel: "portal_message",
        requester: "patient",
        summary: "New address after moving within the practice area.",
        owner: None,
        status: None,
        notes: &[],
    },
    DemoCase {
        site: "hilltop",
        by: EVE,
        patient: "Beatrice Thornycroft",
        kind: "record_query",
        priority: "normal",
        opened_open_hours_ago: 26,
        channel: "phone",
        requester: "proxy",
        summary: "Her daughter (proxy) asks why last week's blood test results are not showing in the portal.",
        owner: Some(DAN),
        status: Some("waiting_on_patient"),
        notes: &[(EVE, "Results are filed but not yet released by the GP; told the daughter to expect them Monday.")],
    },
];

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The demo push was refused or an operation rejected: a bug in the demo data.
    #[error("the demo data is invalid: {0}")]
    Invalid(String),
}

impl From<PushFailure> for DemoError {
    fn from(failure: PushFailure) -> Self {
        match failure {
            PushFailure::Db(e) => DemoError::Db(e),
            PushFailure::Protocol(e) => DemoError::Invalid(e.to_string()),
        }
    }
}

/// Builds the demo operations, one device's outbox in sequence order, each signed by
/// its author's credential on the demo device, as a tablet signs its people's changes.
struct OutboxBuilder {
    device: DeviceId,
    ops: Vec<Op>,
    wall_ms: u64,
    op_keys: HashMap<StaffId, OpKey>,
}

impl OutboxBuilder {
    /// The next changes happen from `ms` on (never before the last one: a device's
    /// clock only moves forward).
    fn at(&mut self, ms: u64) {
        self.wall_ms = self.wall_ms.max(ms);
    }

    fn add(&mut self, actor: &StaffId, record: &RecordId, body: OpBody) -> Hlc {
        // A case's changes come five minutes apart.
        self.wall_ms += 5 * 60 * 1000;
        let hlc = Hlc { wall_ms: self.wall_ms, counter: 0, device: self.device.clone() };
        let seq = self.ops.len() as u64 + 1;
        let mut op = Op {
            id: auth::new_id().into(),
            device: self.device.clone(),
            seq,
            hlc: hlc.clone(),
            actor: actor.clone(),
            record: record.clone(),
            body,
            signature: None,
        };
        // Every demo author has a key (made in `seed`), and signs only their own changes.
        if let Some(key) = self.op_keys.get(actor) {
            let _ = key.sign(&mut op);
        }
        self.ops.push(op);
        hlc
    }
}

/// Seeds the demo into an empty database; returns `false` (and does nothing) if the
/// database already holds sites or staff.
pub async fn seed(store: &dyn Store, keys: &ServerKeys, cost: HashCost, now_ms: u64) -> Result<bool, DemoError> {
    if !store.is_empty().await? {
        return Ok(false);
    }
    for (id, name) in DEMO_SITES {
        store.add_site(&SiteId::from(*id), name).await?;
    }
    let device = DeviceId::from(DEMO_DEVICE);
    let sites: Vec<Site> = DEMO_SITES.iter().map(|(id, name)| site_settings(id, name, now_ms)).collect();
    let mut cases: Vec<(u64, &DemoCase)> = DEMO_CASES
        .iter()
        .map(|case| {
            let calendar = &sites.iter().find(|s| s.id.as_str() == case.site).expect("a demo site").calendar;
            (open_hours_before(calendar, now_ms, case.opened_open_hours_ago), case)
        })
        .collect();
    cases.sort_by_key(|(opened_ms, _)| *opened_ms);
    let history_starts_ms = cases.first().map_or(now_ms, |(opened_ms, _)| *opened_ms) - 60 * 60 * 1000;
    let mut ids: HashMap<&str, StaffId> = HashMap::new();
    let mut op_keys = HashMap::new();
    for demo in DEMO_STAFF {
        let id = StaffId::from(auth::new_id());
        let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(DEMO_PASSWORD, cost))
            .await
            .map_err(|e| DemoError::Invalid(e.to_string()))?
            .map_err(|e| DemoError::Invalid(e.to_string()))?;
        let staff = NewStaff {
            id: id.clone(),
            email: demo.email.to_owned(),
            name: demo.name.to_owned(),
            role: demo.role,
            password_hash,
            sites: demo.sites.iter().map(|s| SiteId::from(*s)).collect(),
        };
        store.add_staff(&staff, now_ms).await?;
        // The demo device is registered when its history begins, so no clock in it is
        // earlier than the device.
        let credential = store.register_device_staff(&device, &id, history_starts_ms, &auth::new_id()).await?;
        let key = hex::encode(*keys.credential_key(&credential));
        op_keys.insert(id.clone(), OpKey { credential, staff: id.clone(), key });
        ids.insert(demo.email, id);
    }
    let staff = |email: &str| ids[email].clone();
    let mut outbox = OutboxBuilder { device: device.clone(), ops: Vec::new(), wall_ms: history_starts_ms, op_keys };
    for (opened_ms, case) in cases {
        outbox.at(opened_ms);
        let record = RecordId::from(auth::new_id());
        let author = staff(case.by);
        let mut fields = BTreeMap::from([
            ("patient_name".to_owned(), case.patient.to_owned()),
            ("kind".to_owned(), case.kind.to_owned()),
            ("priority".to_owned(), case.priority.to_owned()),
            ("channel".to_owned(), case.channel.to_owned()),
            ("requester".to_owned(), case.requester.to_owned()),
            ("summary".to_owned(), case.summary.to_owned()),
        ]);
        let author_assigns = DEMO_STAFF.iter().any(|s| s.email == case.by && s.role.may(Permission::AssignCases));
        let assigned_at_creation = case.owner.filter(|owner| *owner == case.by || author_assigns);
        if let Some(owner) = assigned_at_creation {
            fields.insert("owner".to_owned(), staff(owner).to_string());
        }
        let created = outbox.add(
            &author,
            &record,
            OpBody::Create { collection: Collection::Case, site: case.site.into(), fields },
        );
        if let Some(owner) = case.owner.filter(|_| assigned_at_creation.is_none()) {
            // An analyst cannot assign a case to someone else: the owner takes it.
            let take = OpBody::SetField { field: "owner".into(), value: staff(owner).to_string(), replaces: None };
            outbox.add(&staff(owner), &record, take);
        }
        for (by, text) in case.notes {
            outbox.add(&staff(by), &record, OpBody::AppendNote { text: (*text).to_owned() });
        }
        if let Some(status) = case.status {
            let body = OpBody::SetField { field: "status".into(), value: status.into(), replaces: Some(created) };
            outbox.add(&author, &record, body);
        }
    }
    let admin = staff("admin@portal-desk.example");
    for settings in sites {
        let body =
            OpBody::Create { collection: Collection::Site, site: settings.id.clone(), fields: settings.to_fields() };
        outbox.add(&admin, &site_record_id(&settings.id), body);
    }
    let pusher = Pusher { staff: admin, device, kiosk_site: None };
    let (response, _) = sync::push(store, keys, &pusher, &outbox.ops, now_ms).await?;
    if let Some(bad) = response.results.iter().find(|r| r.outcome != Outcome::Applied) {
        return Err(DemoError::Invalid(format!("operation {} was not applied: {:?}", bad.seq, bad.outcome)));
    }
    Ok(true)
}

/// The demo sites' settings: a new site's (Europe/London, the bank holidays of
/// England and Wales) open 08:00–18:30 on weekdays, with protected learning time next
/// Wednesday afternoon and daily online-consultation limits, Riverside opening for a
/// sign-up drive on the 28 December 2026 bank holiday.
pub fn site_settings(id: &str, name: &str, now_ms: u64) -> Site {
    let mut site =
        site_settings::new_site(&SiteId::from(id), name, DEFAULT_TIME_ZONE, Division::EnglandAndWales, now_ms)
            .expect("the database knows Europe/London");
    let calendar = &mut site.calendar;
    calendar.hours[..5].fill(Some(OpeningHours::new((8, 0), (18, 30))));
    let today = calendar.local_date(now_ms);
    let wednesday = (1..=7).map(|n| today.add_days(n)).find(|d| d.weekday().index() == 2).unwrap_or(today);
    let noon_utc = wednesday.start_ms(0).max(0) as u64 + 12 * HOUR_MS;
    let midnight = wednesday.start_ms(calendar.offset_at(noon_utc)).max(0) as u64;
    let at = |hour: u64| midnight + hour * HOUR_MS;
    calendar.closures = vec![Closure { start_ms: at(13), end_ms: at(17), reason: "Protected learning time".into() }];
    let (limit, days) = match id {
        "riverside" => (120, vec![("2026-12-28", 40)]),
        _ => (80, Vec::new()),
    };
    site.daily_request_limit = Some(limit);
    site.request_limits = days.into_iter().filter_map(|(d, n)| Some((d.parse().ok()?, n))).collect();
    site
}

/// The moment `open_hours` of `calendar`'s open time before `now_ms`: the latest
/// moment from which that much open time passes by `now_ms`. Found by bisection over
/// the last year (open time only grows as the start moves back), to the minute; the
/// demo is the only caller, so no inverse of `add_open_ms` is kept in the core.
fn open_hours_before(calendar: &SiteCalendar, now_ms: u64, open_hours: u32) -> u64 {
    let wanted = u64::from(open_hours) * HOUR_MS;
    let (mut early, mut late) = (now_ms.saturating_sub(366 * 24 * HOUR_MS), now_ms);
    while late - early > 60_000 {
        let middle = early + (late - early) / 2;
        if calendar.open_ms_between(middle, now_ms) >= wanted {
            early = middle;
        } else {
            late = middle;
        }
    }
    early
}

/// The sign-in lines `serve --demo` prints.
pub fn sign_in_help() -> String {
    let mut lines = format!("Demo sign-ins (password for all: {DEMO_PASSWORD}):\n");
    for demo in DEMO_STAFF {
        let sites = demo.sites.join(", ");
        lines.push_str(&format!("  {:<32} {:<11} {} ({sites})\n", demo.email, demo.role.code(), demo.name));
    }
    lines
}
