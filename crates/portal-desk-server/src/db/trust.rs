//! What storage keeps for trust (issue 21): devices' secrets, staff credentials, the
//! sign-in throttle and held operations — the types the store traits speak, and the
//! SQL, written once with numbered placeholders (`$1`), which sqlx passes to SQLite as
//! well as to PostgreSQL.

use portal_desk_core::{DeviceId, Op, SiteId, StaffId};

/// How long a throttle key is locked after its n-th failure, in milliseconds (0: not
/// locked): `crate::sign_in_guard::lock_for`.
pub type LockFor = fn(&str, u64) -> u64;

/// A registered device, as sign-in sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// The SHA-256 of the device's secret, hex; `None` for a device registered before
    /// devices had secrets, until its next sign-in binds one.
    pub secret_hash: Option<String>,
}

/// A credential, as the push and view checks see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRow {
    /// Whose.
    pub staff: StaffId,
    /// On which device.
    pub device: DeviceId,
    /// Whether it has been revoked (the device was revoked, or its holder deactivated).
    pub revoked: bool,
    /// Whether its holder's account is active.
    pub staff_active: bool,
}

/// What the push checks need to know about the pushing device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceTrust {
    /// When it first signed in.
    pub registered_at_ms: u64,
    /// When it was given its secret (from then on it runs an app that signs), if it was.
    pub secret_bound_at_ms: Option<u64>,
    /// The highest sequence number it had queued before it could sign.
    pub unsigned_through: Option<u64>,
}

/// One throttle key's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleState {
    /// The key (`acct:EMAIL|dev:DEVICE`, `acct:EMAIL|ip:ADDRESS`, `ip:ADDRESS`).
    pub key: String,
    /// Failures counted under it since it was last cleared.
    pub failures: u64,
    /// Until when sign-ins under it are refused without checking the password.
    pub locked_until_ms: u64,
}

/// The parts of a sign-in that storage records in one transaction.
#[derive(Clone, Debug)]
pub struct NewDeviceBinding {
    /// The SHA-256 of the secret to give the device, when it has none yet (a new
    /// device, or one registered before devices had secrets).
    pub secret_hash: String,
    /// The highest sequence number the device had queued before it could sign.
    pub unsigned_through: u64,
}

/// An operation held for a supervisor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldOp {
    /// The operation as the device sent it.
    pub op: Op,
    /// Why it is held (`unsigned_before_upgrade`, `credential_revoked`, `author_deactivated`).
    pub code: String,
    /// The site of the record it changes, if known.
    pub site: Option<SiteId>,
    /// When the server received it.
    pub held_at_ms: u64,
    /// The name of the member of staff it names as its author, if they exist.
    pub author_name: Option<String>,
}

/// A supervisor's decision on a held operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldDecision {
    /// Applied, with the supervisor's name on the decision.
    Accepted,
    /// Kept, never applied.
    Rejected,
}

impl HeldDecision {
    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            HeldDecision::Accepted => "accepted",
            HeldDecision::Rejected => "rejected",
        }
    }
}

/// The SQL both databases run for trust, with `$n` placeholders.
pub mod sql {
    /// A device's secret hash (a row means the device exists).
    pub const DEVICE_IDENTITY: &str = "SELECT secret_hash FROM devices WHERE id = $1";
    /// Whether someone has signed in on a device.
    pub const HAS_SIGNED_IN_ON: &str = "SELECT 1 FROM device_staff WHERE device_id = $1 AND staff_id = $2";
    /// Registers a device with its secret if it is new.
    pub const REGISTER_DEVICE: &str = "INSERT INTO devices \
         (id, last_seq, registered_at_ms, secret_hash, unsigned_through, secret_bound_at_ms) \
         VALUES ($1, 0, $2, $3, $4, $2) ON CONFLICT (id) DO NOTHING";
    /// Gives a device registered before devices had secrets its secret.
    pub const BIND_LEGACY_DEVICE: &str = "UPDATE devices SET secret_hash = $1, unsigned_through = $2, \
         secret_bound_at_ms = $4 WHERE id = $3 AND secret_hash IS NULL";
    /// The live credential of a member of staff on a device.
    pub const LIVE_CREDENTIAL: &str =
        "SELECT id FROM credentials WHERE staff_id = $1 AND device_id = $2 AND revoked_at_ms IS NULL";
    /// Issues a credential.
    pub const ISSUE_CREDENTIAL: &str =
        "INSERT INTO credentials (id, staff_id, device_id, issued_at_ms) VALUES ($1, $2, $3, $4)";
    /// A credential with its holder's state.
    pub const CREDENTIAL: &str = "SELECT credentials.staff_id, credentials.device_id, credentials.revoked_at_ms, \
         staff.deactivated_at_ms FROM credentials JOIN staff ON staff.id = credentials.staff_id WHERE credentials.id = $1";
    /// Revokes every live credential of a member of staff.
    pub const REVOKE_STAFF_CREDENTIALS: &str =
        "UPDATE credentials SET revoked_at_ms = $1, revoked_why = $2 WHERE staff_id = $3 AND revoked_at_ms IS NULL";
    /// Revokes every live credential on a device.
    pub const REVOKE_DEVICE_CREDENTIALS: &str =
        "UPDATE credentials SET revoked_at_ms = $1, revoked_why = $2 WHERE device_id = $3 AND revoked_at_ms IS NULL";
    /// What the push checks need of a device.
    pub const DEVICE_TRUST: &str =
        "SELECT registered_at_ms, secret_bound_at_ms, unsigned_through FROM devices WHERE id = $1";
    /// The device that first used an operation id.
    pub const OP_ID_OWNER: &str = "SELECT device_id FROM ops WHERE op_id = $1 LIMIT 1";
    /// A throttle key's state.
    pub const THROTTLE: &str = "SELECT failures, locked_until_ms FROM sign_in_throttle WHERE key = $1";
    /// Counts a failure under a key; returns the count.
    pub const COUNT_FAILURE: &str = "INSERT INTO sign_in_throttle (key, failures, locked_until_ms, updated_at_ms) \
         VALUES ($1, 1, 0, $2) ON CONFLICT (key) DO UPDATE SET failures = sign_in_throttle.failures + 1, \
         updated_at_ms = excluded.updated_at_ms RETURNING failures";
    /// Locks a key until a time.
    pub const LOCK_KEY: &str = "UPDATE sign_in_throttle SET locked_until_ms = $1 WHERE key = $2";
    /// Forgets keys with no failure since a time.
    pub const SWEEP_THROTTLE: &str = "DELETE FROM sign_in_throttle WHERE updated_at_ms < $1 AND locked_until_ms < $1";
    /// Forgets one key (a success on it).
    pub const CLEAR_KEY: &str = "DELETE FROM sign_in_throttle WHERE key = $1";
    /// Forgets every key of one account (a password reset): `$1` is the keys' common
    /// beginning and `$2` its length in characters (no LIKE: emails hold `_`).
    pub const CLEAR_ACCOUNT: &str = "DELETE FROM sign_in_throttle WHERE substr(key, 1, $2) = $1";
    /// Holds an operation.
    pub const HOLD_OP: &str =
        "INSERT INTO held_ops (device_id, seq, site_id, code, held_at_ms) VALUES ($1, $2, $3, $4, $5)";
    /// Held operations waiting for a decision; the caller filters by site.
    pub const WAITING_HELD_OPS: &str =
        "SELECT held_ops.site_id, held_ops.code, held_ops.held_at_ms, ops.op, staff.name \
         FROM held_ops JOIN ops ON ops.device_id = held_ops.device_id AND ops.seq = held_ops.seq \
         LEFT JOIN staff ON staff.id = ops.actor \
         WHERE held_ops.decided_at_ms IS NULL ORDER BY held_ops.device_id, held_ops.seq";
    /// One held operation, decided or not.
    pub const HELD_OP: &str = "SELECT held_ops.site_id, held_ops.code, held_ops.held_at_ms, held_ops.decided_at_ms, \
         ops.op, staff.name FROM held_ops JOIN ops ON ops.device_id = held_ops.device_id AND ops.seq = held_ops.seq \
         LEFT JOIN staff ON staff.id = ops.actor WHERE held_ops.device_id = $1 AND held_ops.seq = $2";
    /// The site of a held change to a record (a case whose create is itself held).
    pub const HELD_SITE_OF_RECORD: &str = "SELECT held_ops.site_id FROM held_ops JOIN ops \
         ON ops.device_id = held_ops.device_id AND ops.seq = held_ops.seq \
         WHERE ops.record_id = $1 AND held_ops.site_id IS NOT NULL LIMIT 1";
    /// Records the decision on a held operation.
    pub const DECIDE_HELD_OP: &str = "UPDATE held_ops SET decided_at_ms = $1, decided_by = $2, decision = $3 \
         WHERE device_id = $4 AND seq = $5 AND decided_at_ms IS NULL";
}

/// Row decoding both databases share.
pub(crate) mod rows {
    use super::{CredentialRow, DeviceTrust, HeldOp};
    use crate::db::{decode_json, to_u64, DbError};
    use portal_desk_core::{DeviceId, SiteId, StaffId};
    use sqlx::{ColumnIndex, Decode, Row, Type};

    /// A row of [`super::sql::CREDENTIAL`].
    pub fn credential<'r, R>(row: &'r R) -> Result<CredentialRow, DbError>
    where
        R: Row,
        &'r str: ColumnIndex<R>,
        String: Decode<'r, R::Database> + Type<R::Database>,
        Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    {
        Ok(CredentialRow {
            staff: StaffId(row.try_get("staff_id")?),
            device: DeviceId(row.try_get("device_id")?),
            revoked: row.try_get::<Option<i64>, _>("revoked_at_ms")?.is_some(),
            staff_active: row.try_get::<Option<i64>, _>("deactivated_at_ms")?.is_none(),
        })
    }

    /// A row of [`super::sql::DEVICE_TRUST`].
    pub fn device_trust<'r, R>(row: &'r R) -> Result<DeviceTrust, DbError>
    where
        R: Row,
        &'r str: ColumnIndex<R>,
        i64: Decode<'r, R::Database> + Type<R::Database>,
        Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    {
        let time = |column: &'r str| -> Result<Option<u64>, DbError> {
            row.try_get::<Option<i64>, _>(column)?.map(|t| to_u64(t, column)).transpose()
        };
        Ok(DeviceTrust {
            registered_at_ms: to_u64(row.try_get("registered_at_ms")?, "time")?,
            secret_bound_at_ms: time("secret_bound_at_ms")?,
            unsigned_through: time("unsigned_through")?,
        })
    }

    /// A row of [`super::sql::WAITING_HELD_OPS`] or [`super::sql::HELD_OP`].
    pub fn held_op<'r, R>(row: &'r R) -> Result<HeldOp, DbError>
    where
        R: Row,
        &'r str: ColumnIndex<R>,
        String: Decode<'r, R::Database> + Type<R::Database>,
        Option<String>: Decode<'r, R::Database> + Type<R::Database>,
        i64: Decode<'r, R::Database> + Type<R::Database>,
    {
        let op: String = row.try_get("op")?;
        Ok(HeldOp {
            op: decode_json(&op, "held operation")?,
            code: row.try_get("code")?,
            site: row.try_get::<Option<String>, _>("site_id")?.map(SiteId),
            held_at_ms: to_u64(row.try_get("held_at_ms")?, "time")?,
            author_name: row.try_get("name")?,
        })
    }
}
