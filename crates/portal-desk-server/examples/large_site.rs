//! Generates a realistic large site for the issue-9 benchmark (`scripts/bench-large-site.sh`):
//! 10,000 patients and 10,000 cases at Riverside Clinic, with 60,000 checklist steps and
//! 50,000 timeline notes, written into a fresh SQLite database through the server's own
//! push path, plus the demo staff so the app can sign in.
//!
//! ```text
//! cargo run --release -p portal-desk-server --example large_site -- SITE.db DOCS.ndjson
//! ```
//!
//! The content is seeded and deterministic (`LARGE_SITE_SEED`, default 9); only the
//! clocks are placed relative to today so that the server's drift check accepts them.
//! `LARGE_SITE_CASES` (default 10,000) scales the site: as many patients as cases, six
//! checklist steps and five notes per case on average. The second file receives the
//! same records as a Riverside analyst pulls them, one CouchDB-style JSON document a
//! line (`_id` plus the record), for loading into the PouchDB comparison.

use portal_desk_core::case::{CaseKind, Channel, Collection, Priority, RequesterType};
use portal_desk_core::checklist::{StepKind, TICKED};
use portal_desk_core::signing::OpKey;
use portal_desk_core::{apply_op, templates, DeviceId, Hlc, Op, OpBody, Outcome, Record, RecordId, StaffId};
use portal_desk_server::audit::ChainKey;
use portal_desk_server::auth::{self, HashCost};
use portal_desk_server::config::DatabaseUrl;
use portal_desk_server::db::sqlite::SqliteStore;
use portal_desk_server::db::{Role, Store, Viewer};
use portal_desk_server::demo;
use portal_desk_server::keys::{self, ServerKeys};
use portal_desk_server::now_ms;
use portal_desk_server::sync::{self, Pusher};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::time::Instant;

/// The device every generated change is made on.
const DEVICE: &str = "large-site-seed";
/// The site that grows large.
const SITE: &str = "riverside";
/// Riverside's staff, by email: the people who make the changes.
const STAFF: &[&str] =
    &["asha.patel@riverside.example", "ben.okafor@riverside.example", "carys.jones@riverside.example"];
/// Kinds of case an analyst sees (restricted kinds go only to a few people, so the
/// large site is made of the kinds every Riverside analyst syncs).
const KINDS: &[CaseKind] = &[
    CaseKind::SignUp,
    CaseKind::PasswordReset,
    CaseKind::AccountUnlock,
    CaseKind::ProxyAccess,
    CaseKind::IdentityVerification,
    CaseKind::RecordQuery,
    CaseKind::UpdateDetails,
    CaseKind::TechnicalProblem,
    CaseKind::ImagingTransfer,
    CaseKind::ConsultationTriage,
];
const GIVEN: &[&str] = &[
    "Amara",
    "Bethan",
    "Callum",
    "Deepa",
    "Eilidh",
    "Farhan",
    "Grace",
    "Hamish",
    "Imogen",
    "Jamal",
    "Keira",
    "Lewis",
    "Maryam",
    "Niall",
    "Olufemi",
    "Poppy",
    "Qasim",
    "Rhiannon",
    "Sanjay",
    "Tegan",
    "Usman",
    "Violet",
    "Wiktor",
    "Yasmin",
    "Zachary",
    "Agnieszka",
    "Bartholomew",
    "Chidi",
    "Dorothy",
    "Emeka",
];
const FAMILY: &[&str] = &[
    "Ashworth",
    "Blackwood",
    "Carrow",
    "Dunmore",
    "Ellwood",
    "Fairbairn",
    "Greenhalgh",
    "Hollins",
    "Ingleby",
    "Jarvis",
    "Kettering",
    "Lindqvist",
    "Mbeki",
    "Nowak",
    "Okonkwo",
    "Pemberton",
    "Quayle",
    "Rahman",
    "Sutcliffe",
    "Thorne",
    "Underwood",
    "Varga",
    "Whitlock",
    "Yardley",
    "Zielinski",
    "Achterberg",
    "Brightwell",
    "Chaudhry",
    "Delacroix",
    "Esposito",
    "Fenwick",
    "Gallagher",
    "Hussain",
    "Iqbal",
    "Kowalczyk",
    "Lockhart",
    "Mortimer",
];
const LANGUAGES: &[&str] =
    &["English", "English", "English", "English", "Polish", "Urdu", "Welsh", "Punjabi", "Arabic"];
const SUMMARIES: &[&str] = &[
    "Locked out after changing phone number; the reset code goes to the old mobile.",
    "Wants to register for the portal and has photo ID with them at reception.",
    "Cannot see last week's blood test results in the app.",
    "Asks for proxy access for an elderly parent who has given written consent.",
    "App shows a blank screen after signing in on an older tablet.",
    "Moved house within the practice area; needs the address updated.",
    "Identity check failed online; needs an in-person verification to reach P9.",
    "Export of an X-ray to the hospital's orthopaedic team for a referral.",
    "Online consultation about a persistent cough; asks for a call back.",
    "Account locked after several wrong passwords.",
];
const NOTES: &[&str] = &[
    "Called the patient back; no answer, left a voicemail asking them to ring the practice.",
    "Checked date of birth and postcode on the phone before discussing the account.",
    "Sent the reset link to the email address we hold; asked them to check the junk folder.",
    "Patient came to reception with a passport; photo ID checked and noted.",
    "Waiting for the GP to release the results before the patient can see them.",
    "Spoke to the patient's daughter, who is the registered proxy; explained the next steps.",
    "Escalated to the practice manager for a decision; patient told to expect a reply this week.",
    "Walked the patient through signing in again on the app; it works now.",
    "Updated the address and mobile number; the patient confirmed both by text.",
    "Booked a follow-up call for Thursday morning as requested.",
];

/// Builds the seed device's outbox in sequence order, with clocks a fixed step apart.
struct Outbox {
    device: DeviceId,
    ops: Vec<Op>,
    wall_ms: u64,
    step_ms: u64,
    /// Each author's operation key on the seed device: every operation is signed, as a
    /// tablet signs them.
    op_keys: HashMap<StaffId, OpKey>,
}

impl Outbox {
    fn add(&mut self, actor: &StaffId, record: &RecordId, body: OpBody) -> Hlc {
        self.wall_ms += self.step_ms;
        let seq = self.ops.len() as u64 + 1;
        let hlc = Hlc { wall_ms: self.wall_ms, counter: 0, device: self.device.clone() };
        let id = format!("{DEVICE}-{seq}").into();
        let mut op = Op {
            id,
            device: self.device.clone(),
            seq,
            hlc: hlc.clone(),
            actor: actor.clone(),
            record: record.clone(),
            body,
            signature: None,
        };
        self.op_keys[actor].sign(&mut op).expect("each author signs their own changes");
        self.ops.push(op);
        hlc
    }

    /// Adds the operation only if the core's merge rules accept it on `record` (some
    /// checklist steps check each other, e.g. a proxy's legal route against the
    /// dates given), keeping `record` as the server will hold it.
    fn try_add(&mut self, record: &mut Option<Record>, actor: &StaffId, id: &RecordId, body: OpBody) -> bool {
        let wall_ms = self.wall_ms;
        self.add(actor, id, body);
        let op = self.ops.last().expect("just added");
        match apply_op(record.clone(), op) {
            (changed, Outcome::Applied) => {
                if changed.is_some() {
                    *record = changed;
                }
                true
            }
            _ => {
                self.ops.pop();
                self.wall_ms = wall_ms;
                false
            }
        }
    }
}

/// A valid ten-digit NHS number from nine digits: appends the modulus-11 check digit,
/// or returns `None` when the nine digits have no valid check digit.
fn nhs_number(nine: u64) -> Option<String> {
    let digits: Vec<u32> = format!("{nine:09}").chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits.iter().enumerate().map(|(i, d)| d * (10 - i as u32)).sum();
    let check = (11 - sum % 11) % 11;
    (check != 10).then(|| format!("{nine:09}{check}"))
}

fn fields(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// One patient record's fields.
fn patient_fields(rng: &mut StdRng, n: usize) -> (String, BTreeMap<String, String>) {
    let given = *GIVEN.choose(rng).expect("names");
    let family = *FAMILY.choose(rng).expect("names");
    let nhs = loop {
        if let Some(number) = nhs_number(rng.gen_range(400_000_000..=499_999_999)) {
            break number;
        }
    };
    let dob = format!("{}-{:02}-{:02}", rng.gen_range(1930..=2020), rng.gen_range(1..=12), rng.gen_range(1..=28));
    let needs = if rng.gen_bool(0.1) {
        "Prefers large print and a phone call rather than email.".to_owned()
    } else {
        String::new()
    };
    let pairs = [
        ("given_name", given.to_owned()),
        ("family_name", family.to_owned()),
        ("date_of_birth", dob),
        ("nhs_number", nhs),
        ("email", format!("{}.{}{n}@example.com", given.to_lowercase(), family.to_lowercase())),
        ("mobile", format!("07700{:06}", rng.gen_range(0..1_000_000))),
        ("postcode", format!("RV{} {}{}{}", rng.gen_range(1..=9), rng.gen_range(1..=9), letter(rng), letter(rng))),
        ("preferred_language", (*LANGUAGES.choose(rng).expect("languages")).to_owned()),
        ("communication_needs", needs),
    ];
    (format!("{given} {family}"), fields(&pairs))
}

fn letter(rng: &mut StdRng) -> char {
    // Postcode inward letters never use C, I, K, M, O or V.
    *['A', 'B', 'D', 'E', 'F', 'G', 'H', 'J', 'L', 'N', 'P', 'Q', 'R', 'S', 'T', 'U', 'W', 'X', 'Y', 'Z']
        .choose(rng)
        .expect("letters")
}

/// A value a person would give a checklist step of this kind.
fn step_value(kind: &StepKind, actor: &StaffId, rng: &mut StdRng) -> String {
    match kind {
        StepKind::Tick => TICKED.to_owned(),
        StepKind::Text => (*NOTES.choose(rng).expect("notes")).to_owned(),
        StepKind::Choice { options } => options.choose(rng).expect("a choice step has options").code.clone(),
        StepKind::Date => format!("2026-{:02}-{:02}", rng.gen_range(1..=10), rng.gen_range(1..=28)),
        StepKind::StaffAttestation => actor.to_string(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(db_path), Some(docs_path)) = (args.next(), args.next()) else {
        eprintln!("usage: large_site SITE.db DOCS.ndjson");
        std::process::exit(2);
    };
    let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let cases = env("LARGE_SITE_CASES", 10_000) as usize;
    let mut rng = StdRng::seed_from_u64(env("LARGE_SITE_SEED", 9));
    let started = Instant::now();

    let _ = std::fs::remove_file(&db_path);
    // The key file a server on this database will use, made afresh with it.
    let key_file = keys::default_key_file(&DatabaseUrl::Sqlite(db_path.clone().into()));
    let _ = std::fs::remove_file(&key_file);
    let keys = ServerKeys::load_or_create(&key_file).expect("make the key file");
    let store =
        SqliteStore::open(std::path::Path::new(&db_path), ChainKey::new(&keys)).await.expect("open the database");
    assert!(store.claim_key_fingerprint(&keys.fingerprint()).await.expect("claim the key"));
    let now = now_ms();
    let history_starts = now - 120 * 24 * 3_600_000;
    demo::seed(&store, &keys, HashCost::Standard, now).await.expect("seed the demo sites and staff");
    let mut staff = Vec::new();
    let mut op_keys = HashMap::new();
    for email in STAFF {
        let credentials = store.staff_credentials(email).await.expect("read staff").expect("a demo member of staff");
        let credential = store
            .register_device_staff(&DEVICE.into(), &credentials.id, history_starts, &auth::new_id())
            .await
            .expect("register the seed device");
        let key = hex::encode(*keys.credential_key(&credential));
        op_keys.insert(credentials.id.clone(), OpKey { credential, staff: credentials.id.clone(), key });
        staff.push(credentials.id);
    }

    // Creates, then each case's checklist, steps, notes and status, spread over the
    // last 120 days so that every clock is in the past.
    let per_case_ops = 14;
    let total_ops = (cases * (1 + per_case_ops)) as u64;
    let mut outbox = Outbox {
        device: DEVICE.into(),
        ops: Vec::with_capacity(total_ops as usize),
        wall_ms: history_starts,
        step_ms: (110 * 24 * 3_600_000) / total_ops,
        op_keys,
    };
    let mut patients = Vec::with_capacity(cases);
    for n in 0..cases {
        let id = RecordId::from(format!("patient-{n:05}"));
        let (name, fields) = patient_fields(&mut rng, n);
        let actor = staff.choose(&mut rng).expect("staff").clone();
        outbox.add(&actor, &id, OpBody::Create { collection: Collection::Patient, site: SITE.into(), fields });
        patients.push((id, name, actor));
    }
    let (mut steps_total, mut notes_total) = (0usize, 0usize);
    for n in 0..cases {
        let id = RecordId::from(format!("case-{n:05}"));
        let kind = KINDS[n % KINDS.len()];
        let (patient, name, _) = &patients[rng.gen_range(0..patients.len())];
        let actor = staff.choose(&mut rng).expect("staff").clone();
        let pairs = [
            ("patient_name", name.clone()),
            ("kind", kind.code().to_owned()),
            ("priority", Priority::ALL.choose(&mut rng).expect("priorities").code().to_owned()),
            (
                "channel",
                [Channel::Phone, Channel::Email, Channel::PortalMessage, Channel::InPerson][n % 4].code().to_owned(),
            ),
            ("requester_type", RequesterType::ALL.choose(&mut rng).expect("requesters").code().to_owned()),
            ("summary", (*SUMMARIES.choose(&mut rng).expect("summaries")).to_owned()),
            ("patient", patient.to_string()),
            ("owner", if rng.gen_bool(0.6) { actor.to_string() } else { String::new() }),
        ];
        let create = OpBody::Create { collection: Collection::Case, site: SITE.into(), fields: fields(&pairs) };
        let mut record = None;
        assert!(outbox.try_add(&mut record, &actor, &id, create), "a generated case is valid");
        let created = record.as_ref().map(|r: &Record| r.created_at.clone());
        let template = templates::for_kind(kind);
        let run = "sop".to_owned();
        let start =
            OpBody::StartChecklist { run: run.clone(), template: template.id.clone(), version: template.version };
        assert!(outbox.try_add(&mut record, &actor, &id, start), "a checklist starts");
        // Six steps a case on average, in template order so preconditions are met; a
        // value the step's rules refuse is tried again, up to five times.
        for step in &template.steps {
            if steps_total >= 6 * (n + 1) {
                break;
            }
            let by = staff.choose(&mut rng).expect("staff").clone();
            for _ in 0..5 {
                let value = step_value(&step.kind, &by, &mut rng);
                let body = OpBody::SetStep { run: run.clone(), step: step.id.clone(), value, replaces: None };
                if outbox.try_add(&mut record, &by, &id, body) {
                    steps_total += 1;
                    break;
                }
            }
        }
        for _ in 0..5 {
            let by = staff.choose(&mut rng).expect("staff").clone();
            let note = OpBody::AppendNote { text: (*NOTES.choose(&mut rng).expect("notes")).to_owned() };
            assert!(outbox.try_add(&mut record, &by, &id, note), "a note is valid");
            notes_total += 1;
        }
        let status = ["", "in_progress", "in_progress", "waiting_on_patient", "resolved"][rng.gen_range(0..5)];
        if !status.is_empty() {
            let body = OpBody::SetField { field: "status".into(), value: status.into(), replaces: created };
            outbox.try_add(&mut record, &actor, &id, body);
        }
    }
    let generated = started.elapsed();

    let pusher = Pusher { staff: staff[2].clone(), device: DEVICE.into(), kiosk_site: None };
    for batch in outbox.ops.chunks(portal_desk_core::protocol::MAX_PUSH_OPS) {
        let (response, _) = sync::push(&store, &keys, &pusher, batch, now_ms()).await.expect("push a batch");
        if let Some(bad) = response.results.iter().find(|r| r.outcome != Outcome::Applied) {
            let op = &batch[(bad.seq - batch[0].seq) as usize];
            panic!("operation {} was not applied: {:?}\n{op:?}", bad.seq, bad.outcome);
        }
    }
    let pushed = started.elapsed();

    // The same records as a Riverside analyst pulls them, one document a line.
    let analyst = store.staff_credentials(STAFF[0]).await.expect("read staff").expect("Asha");
    let viewer = Viewer { staff: analyst.id, role: Role::Analyst };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&docs_path).expect("create the documents file"));
    let (mut cursor, mut records, mut bytes) = (0, 0usize, 0usize);
    loop {
        let page = sync::pull(&store, &viewer, cursor, 2_000).await.expect("pull");
        for record in &page.records {
            let mut doc = serde_json::to_value(record).expect("a record is JSON");
            doc["_id"] = serde_json::Value::String(record.id.to_string());
            let line = doc.to_string();
            bytes += line.len();
            writeln!(out, "{line}").expect("write a document");
            records += 1;
        }
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    out.flush().expect("write the documents file");
    // Fold the write-ahead log into the database file, so that a copy of the file alone
    // holds the whole site.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.expect("checkpoint");
    store.pool().close().await;
    println!(
        "large site: {cases} patients, {cases} cases, {steps_total} checklist steps, {notes_total} notes; {} operations \
         generated in {:.1} s, pushed by {:.1} s; {records} records ({:.1} MB of JSON) for a Riverside analyst",
        outbox.ops.len(),
        generated.as_secs_f64(),
        pushed.as_secs_f64(),
        bytes as f64 / 1e6
    );
}
