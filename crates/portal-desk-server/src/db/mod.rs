//! Storage: the one interface the rest of the server uses, whatever the database.
//!
//! [`Store`] holds the short, self-contained reads and writes; [`PushTx`] is one open
//! push transaction, so the push rules in [`crate::sync`] are written once and every
//! database only supplies the primitive steps. SQLite ([`sqlite::SqliteStore`]) is the
//! embedded default; PostgreSQL ([`postgres::PostgresStore`]) serves several servers
//! sharing one database.

pub mod admin;
pub mod audit;
pub mod postgres;
pub mod sqlite;
pub mod trust;

use crate::audit::{AuditEntry, ChainKey, StoredAuditEntry};
use async_trait::async_trait;
pub use audit::AuditTip;
use portal_desk_core::protocol::StaffProfile;
use portal_desk_core::{DeviceId, Outcome, Record, SiteId, StaffId};
use std::sync::Arc;
pub use trust::{
    CredentialRow, DeviceIdentity, DeviceTrust, HeldDecision, HeldOp, LockFor, NewDeviceBinding, ThrottleState,
};

/// A storage failure. Callers turn it into a 500 without showing its text to clients.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database refused or failed a query.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Migrations could not be applied.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Something stored cannot be read back (bad JSON, a negative counter).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The write would duplicate something unique (an email, a site id).
    #[error("{0}")]
    AlreadyExists(String),
    /// The write names something that does not exist (a site, a member of staff).
    #[error("{0}")]
    Missing(String),
}

/// Roles and what each may do are the core's, so the app and the server agree.
pub use portal_desk_core::staff::{Permission, Role};

/// A member of staff to create.
#[derive(Clone, Debug)]
pub struct NewStaff {
    /// Their id.
    pub id: StaffId,
    /// Their email address, stored in lower case.
    pub email: String,
    /// Their full name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The argon2id PHC string of their password.
    pub password_hash: String,
    /// The sites they belong to.
    pub sites: Vec<SiteId>,
}

/// What sign-in needs to check a password.
#[derive(Clone, Debug)]
pub struct StaffCredentials {
    /// Whose.
    pub id: StaffId,
    /// The argon2id PHC string.
    pub password_hash: String,
}

/// A session to start at sign-in.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// SHA-256 of the bearer token, hex.
    pub token_hash: String,
    /// Who signed in.
    pub staff: StaffId,
    /// On which device (registered if new).
    pub device: DeviceId,
    /// Now.
    pub now_ms: u64,
    /// When the token stops working.
    pub expires_at_ms: u64,
    /// The secret to give the device, when it has none yet.
    pub binding: Option<NewDeviceBinding>,
    /// The id to give their credential on the device if they have no live one.
    pub fresh_credential: String,
}

/// A live session, found by its token.
#[derive(Clone, Debug)]
pub struct Session {
    /// Who.
    pub staff: StaffId,
    /// Their role.
    pub role: Role,
    /// The device the token is bound to.
    pub device: DeviceId,
    /// Whether a supervisor has revoked the device: it must wipe its data.
    pub device_revoked: bool,
    /// When the token stops working.
    pub expires_at_ms: u64,
    /// The site whose kiosk the device is, if it is one.
    pub kiosk_site: Option<SiteId>,
}

/// A device, as supervisors see it in the device list.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceSummary {
    /// Its id.
    pub id: DeviceId,
    /// When it first signed in.
    pub registered_at_ms: u64,
    /// Its highest sequence number the server has dealt with.
    pub last_seq: u64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<u64>,
    /// The site whose self-registration kiosk it is, if it is one.
    pub kiosk_site: Option<SiteId>,
    /// Who has signed in on it, most recent first.
    pub staff: Vec<DeviceUser>,
    /// When it last pushed or pulled, if it has.
    #[serde(default)]
    pub last_sync_at_ms: Option<u64>,
    /// Who was signed in when it last pushed or pulled.
    #[serde(default)]
    pub last_sync_by: Option<StaffId>,
}

/// Someone who has signed in on a device.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceUser {
    /// Who.
    pub id: StaffId,
    /// Their name.
    pub name: String,
    /// When they last signed in there.
    pub last_seen_at_ms: u64,
}

/// An operation's author, as the push rules need them: only staff who have signed in
/// on the pushing device are found.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Their role.
    pub role: Role,
    /// The sites they may write to.
    pub sites: Vec<SiteId>,
}

/// Who is reading, for the pull filter.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// Who.
    pub staff: StaffId,
    /// Their role.
    pub role: Role,
}

/// One page of records read for a pull, before the cursor is worked out.
#[derive(Clone, Debug)]
pub struct ChangesPage {
    /// Visible records after the cursor, in version order, at most the limit asked for.
    pub records: Vec<Record>,
    /// The change log's head version when the page was read.
    pub head: u64,
}

/// The storage interface. Every method is one transaction unless it says otherwise.
#[async_trait]
pub trait Store: admin::AdminStore + Send + Sync + 'static {
    /// Whether the database answers (for `/readyz`).
    async fn ping(&self) -> Result<(), DbError>;

    /// Records `fingerprint` as the server key's if the database has none yet; says
    /// whether the database's fingerprint is this one.
    async fn claim_key_fingerprint(&self, fingerprint: &str) -> Result<bool, DbError>;

    /// The server key's fingerprint the database remembers, if it has one; claims
    /// nothing (for `audit verify`, which must not adopt the key it is given).
    async fn key_fingerprint(&self) -> Result<Option<String>, DbError>;

    /// Whether the database holds no sites and no staff (the demo seeds only then).
    async fn is_empty(&self) -> Result<bool, DbError>;

    /// Adds a site; [`DbError::AlreadyExists`] if its id is taken.
    async fn add_site(&self, id: &SiteId, name: &str) -> Result<(), DbError>;

    /// Whether a site with this id exists.
    async fn site_exists(&self, id: &SiteId) -> Result<bool, DbError>;

    /// Adds a member of staff with their sites; [`DbError::AlreadyExists`] if the email
    /// is taken, [`DbError::Missing`] if a site does not exist.
    async fn add_staff(&self, staff: &NewStaff, now_ms: u64) -> Result<(), DbError>;

    /// The password hash of the staff member with this (lower-case) email.
    async fn staff_credentials(&self, email: &str) -> Result<Option<StaffCredentials>, DbError>;

    /// A staff member's profile with their sites.
    async fn staff_profile(&self, staff: &StaffId) -> Result<Option<StaffProfile>, DbError>;

    /// Records that `staff` may act on `device` (registering the device if new, at
    /// `now_ms`) and gives them a credential there (under the id `fresh_credential` if
    /// they have no live one), without starting a session: what the demo seeding
    /// needs. Returns the credential's id.
    async fn register_device_staff(
        &self,
        device: &DeviceId,
        staff: &StaffId,
        now_ms: u64,
        fresh_credential: &str,
    ) -> Result<String, DbError>;

    /// Registers the device if new (or gives an old one its secret), records who signed
    /// in on it, stores the session, issues their credential on it if they have no live
    /// one, and audits the sign-in, all in one transaction. Returns the credential's id.
    /// [`DbError::AlreadyExists`] if another sign-in bound the device's secret first.
    async fn start_session(&self, session: &NewSession, audit: &AuditEntry) -> Result<String, DbError>;

    /// The device's secret hash, if the device is registered.
    async fn device_identity(&self, device: &DeviceId) -> Result<Option<DeviceIdentity>, DbError>;

    /// Whether `staff` has signed in on `device` before.
    async fn has_signed_in_on(&self, device: &DeviceId, staff: &StaffId) -> Result<bool, DbError>;

    /// A credential with its holder's state.
    async fn credential(&self, id: &str) -> Result<Option<CredentialRow>, DbError>;

    /// What the checks need to know of a device, if it is registered.
    async fn device_trust(&self, device: &DeviceId) -> Result<Option<DeviceTrust>, DbError>;

    /// The throttle state of each of `keys` that has any.
    async fn sign_in_throttle(&self, keys: &[String]) -> Result<Vec<ThrottleState>, DbError>;

    /// Counts a failed sign-in under each of `keys`, locks each key until
    /// `now_ms + lock_for(key, its failures)` when that is later than now, forgets keys idle
    /// since `forget_before_ms`, and audits the failure (when there is an entry), in one
    /// transaction.
    async fn record_sign_in_failure(
        &self,
        keys: &[String],
        now_ms: u64,
        lock_for: LockFor,
        forget_before_ms: u64,
        audit: Option<&AuditEntry>,
    ) -> Result<(), DbError>;

    /// Forgets the failures under `key` (a success).
    async fn clear_sign_in_throttle(&self, key: &str) -> Result<(), DbError>;

    /// The held operations of `sites` waiting for a decision, by device and sequence.
    async fn held_ops(&self, sites: &[SiteId]) -> Result<Vec<HeldOp>, DbError>;

    /// The unexpired session with this token hash.
    async fn session(&self, token_hash: &str, now_ms: u64) -> Result<Option<Session>, DbError>;

    /// Ends the session with this token hash (sign-out); says whether there was one.
    async fn end_session(&self, token_hash: &str, audit: &AuditEntry) -> Result<bool, DbError>;

    /// Replaces a live session by a new one for the same staff and device (token
    /// refresh), in one transaction.
    async fn refresh_session(&self, old_token_hash: &str, new: &NewSession, audit: &AuditEntry) -> Result<(), DbError>;

    /// Whether the device has been revoked.
    async fn device_revoked(&self, device: &DeviceId) -> Result<bool, DbError>;

    /// The device's secret for unlocking its data at rest: `fresh` is stored if the
    /// device has none yet, and the stored one is returned either way (so every
    /// sign-in on a device gets the same secret). [`DbError::Missing`] for an unknown
    /// device.
    async fn device_key(&self, device: &DeviceId, fresh: &str) -> Result<String, DbError>;

    /// The devices on which staff of any of `sites` have signed in.
    async fn devices_for_sites(&self, sites: &[SiteId]) -> Result<Vec<DeviceSummary>, DbError>;

    /// Revokes a device (if not already revoked) and every credential on it, and audits
    /// it; returns its summary, or
    /// `None` if no staff of `sites` has used it.
    async fn revoke_device(
        &self,
        device: &DeviceId,
        by: &StaffId,
        sites: &[SiteId],
        audit: &AuditEntry,
    ) -> Result<Option<DeviceSummary>, DbError>;

    /// Audits reported record views, each once per (device, view id), in one
    /// transaction, saying of each whether its signature was verified. A view by
    /// someone who never signed in on the device is refused.
    async fn record_views(
        &self,
        device: &DeviceId,
        views: &[(crate::audit::ReportedView, bool)],
        now_ms: u64,
    ) -> Result<crate::audit::ViewsRecorded, DbError>;

    /// Makes a device a self-registration kiosk for `kiosk_site` (or an ordinary device
    /// again with `None`) and audits it; returns its summary, or `None` if no staff of
    /// `sites` has used it.
    async fn set_kiosk(
        &self,
        device: &DeviceId,
        kiosk_site: Option<&SiteId>,
        sites: &[SiteId],
        audit: &AuditEntry,
    ) -> Result<Option<DeviceSummary>, DbError>;

    /// Records the sites `staff` works at as of this pull on `device` (joined with
    /// commas) and returns what they were at the previous pull, if there was one.
    async fn swap_pull_scope(&self, device: &DeviceId, staff: &StaffId, sites: &str)
        -> Result<Option<String>, DbError>;

    /// Replaces the sites of the staff member with this email and audits it; `false`
    /// if there is no such staff member, [`DbError::Missing`] if a site does not exist.
    async fn set_staff_sites(&self, email: &str, sites: &[SiteId], audit: &AuditEntry) -> Result<bool, DbError>;

    /// Opens a push transaction. Pushes are serialised: while one is open, another waits.
    async fn begin_push(&self) -> Result<Box<dyn PushTx>, DbError>;

    /// Up to `limit` records after `cursor` that `viewer` may read (their sites only;
    /// restricted records only for roles that may view them, the creator or the owner), and
    /// the change log's head, read from one snapshot.
    async fn changes_after(&self, viewer: &Viewer, cursor: u64, limit: usize) -> Result<ChangesPage, DbError>;

    /// Appends one entry to the audit log.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), DbError>;

    /// Every audit entry in order, with its stored hashes, for `audit export`.
    async fn audit_log(&self) -> Result<Vec<StoredAuditEntry>, DbError>;

    /// Up to `limit` audit entries after position `after_seq`, in order: `audit verify`
    /// reads the log a page at a time.
    async fn audit_page(&self, after_seq: u64, limit: usize) -> Result<Vec<StoredAuditEntry>, DbError>;

    /// The audit log's head, and how many entries lie after position `after_seq` with
    /// the hash at it, from one snapshot: what a checkpoint records.
    async fn audit_tip(&self, after_seq: u64) -> Result<AuditTip, DbError>;
}

/// One open push transaction: nothing is visible to others until [`PushTx::commit`];
/// dropping it without committing rolls everything back.
#[async_trait]
pub trait PushTx: Send {
    /// The device's last dealt-with sequence number (0 for an unknown device).
    async fn last_seq(&mut self, device: &DeviceId) -> Result<u64, DbError>;

    /// The stored op id and outcome of the device's operation `seq`.
    async fn stored_outcome(
        &mut self,
        device: &DeviceId,
        seq: u64,
    ) -> Result<Option<(Option<String>, Outcome)>, DbError>;

    /// The device that first used this operation id, if any did.
    async fn op_id_owner(&mut self, op_id: &str) -> Result<Option<DeviceId>, DbError>;

    /// What the checks need to know of the device, if it is registered.
    async fn device_trust(&mut self, device: &DeviceId) -> Result<Option<DeviceTrust>, DbError>;

    /// A credential with its holder's state.
    async fn credential(&mut self, id: &str) -> Result<Option<CredentialRow>, DbError>;

    /// Holds a recorded operation for a supervisor of `site`.
    async fn hold_op(
        &mut self,
        device: &DeviceId,
        seq: u64,
        site: Option<&SiteId>,
        code: &str,
        now_ms: u64,
    ) -> Result<(), DbError>;

    /// The site of any held change to `record` (whose create may itself be held).
    async fn held_site_of_record(&mut self, record: &portal_desk_core::RecordId) -> Result<Option<SiteId>, DbError>;

    /// A held operation and whether it has been decided.
    async fn held_op(&mut self, device: &DeviceId, seq: u64) -> Result<Option<(HeldOp, bool)>, DbError>;

    /// Records a supervisor's decision on a held operation; `false` if it was decided
    /// already.
    async fn decide_held_op(
        &mut self,
        device: &DeviceId,
        seq: u64,
        decision: HeldDecision,
        by: &StaffId,
        now_ms: u64,
    ) -> Result<bool, DbError>;

    /// The actor's role and sites, if they have signed in on `device`.
    async fn actor(&mut self, device: &DeviceId, staff: &StaffId) -> Result<Option<Actor>, DbError>;

    /// The stored record.
    async fn record(&mut self, id: &portal_desk_core::RecordId) -> Result<Option<Record>, DbError>;

    /// Stores the record under the next change-log version, which it writes into the
    /// record and returns.
    async fn store_record(&mut self, record: &mut Record) -> Result<u64, DbError>;

    /// Records what became of an operation. `op_id` is `None` when the id was a repeat.
    async fn record_op(
        &mut self,
        op: &portal_desk_core::Op,
        op_id: Option<&str>,
        outcome: &Outcome,
        now_ms: u64,
    ) -> Result<(), DbError>;

    /// Sets the device's last dealt-with sequence number (registering it if new).
    async fn set_last_seq(&mut self, device: &DeviceId, seq: u64, now_ms: u64) -> Result<(), DbError>;

    /// Appends to the audit log inside this transaction.
    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), DbError>;

    /// Makes every write visible at once.
    async fn commit(self: Box<Self>) -> Result<(), DbError>;
}

/// The store the server runs on, shared by every request.
pub type SharedStore = Arc<dyn Store>;

/// Opens (creating if needed) and migrates the database named by `url`; audit entries
/// appended through it are hashed under `chain`.
pub async fn open(url: &crate::config::DatabaseUrl, chain: ChainKey) -> Result<SharedStore, DbError> {
    match url {
        crate::config::DatabaseUrl::Sqlite(path) => Ok(Arc::new(sqlite::SqliteStore::open(path, chain).await?)),
        crate::config::DatabaseUrl::Postgres(url) => Ok(Arc::new(postgres::PostgresStore::open(url, chain).await?)),
    }
}

/// Converts a stored non-negative integer.
pub(crate) fn to_u64(value: i64, what: &str) -> Result<u64, DbError> {
    u64::try_from(value).map_err(|_| DbError::Corrupt(format!("{what} is negative ({value})")))
}

/// Converts a count or sequence number for storage.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, DbError> {
    i64::try_from(value).map_err(|_| DbError::Corrupt(format!("{what} is too large to store ({value})")))
}

/// Whether the database refused a duplicate of something unique.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// Whether the database refused a reference to something missing.
pub(crate) fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_foreign_key_violation())
}

/// Decodes stored JSON; bad JSON means the database was changed behind our back.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(|e| DbError::Corrupt(format!("{what}: {e}")))
}

/// Encodes a value for storage.
pub(crate) fn encode_json<T: serde::Serialize>(value: &T) -> Result<String, DbError> {
    serde_json::to_string(value).map_err(|e| DbError::Corrupt(format!("cannot encode JSON: {e}")))
}

/// Parses a stored role.
pub(crate) fn role_of(code: &str) -> Result<Role, DbError> {
    Role::from_code(code).ok_or_else(|| DbError::Corrupt(format!("unknown role '{code}'")))
}
