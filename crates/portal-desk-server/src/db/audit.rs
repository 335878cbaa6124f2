//! What storage keeps for the audit log: the SQL both databases run to append to it,
//! page through it and checkpoint it (with `$n` placeholders, which sqlx passes to
//! SQLite as well as to PostgreSQL), the keyed append statement, and the decoding of
//! its rows.
//!
//! How an append finds the entry it chains from differs, and stays in each database's
//! file: SQLite reads the newest row inside its one write transaction, PostgreSQL locks
//! the `audit_head` row so that appends from several servers queue.

use crate::audit::{AuditEntry, ChainKey, HashScheme, GENESIS_HASH};
use crate::db::{to_i64, DbError};
use portal_desk_core::{DeviceId, StaffId};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};

/// The log's head at one moment, for a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditTip {
    /// The newest entry's position (0 for an empty log).
    pub head_seq: u64,
    /// The newest entry's hash ([`GENESIS_HASH`] for an empty log).
    pub head_hash: String,
    /// How many entries lie after the position asked about.
    pub entries_after: u64,
    /// The hash of the entry at the position asked about, if there is one there.
    pub hash_at_after: Option<String>,
}

/// The statement appending `entry` at position `seq`, chained from `prev_hash`, and the
/// keyed hash it stores: made here under `chain`, so that no entry is ever stored
/// unkeyed or under a hash worked out elsewhere.
pub(crate) fn keyed_append<'q, DB>(
    chain: &ChainKey,
    seq: u64,
    prev_hash: String,
    entry: &'q AuditEntry,
) -> Result<(Query<'q, DB, <DB as Database>::Arguments<'q>>, String), DbError>
where
    DB: Database,
    i64: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    String: Encode<'q, DB> + Type<DB>,
{
    let hash = chain.hash(seq, &prev_hash, entry);
    let query = sqlx::query::<DB>(sql::APPEND)
        .bind(to_i64(seq, "audit seq")?)
        .bind(to_i64(entry.at_ms, "audit time")?)
        .bind(entry.staff.as_ref().map(StaffId::as_str))
        .bind(entry.device.as_ref().map(DeviceId::as_str))
        .bind(entry.action.as_str())
        .bind(entry.detail.to_string())
        .bind(prev_hash)
        .bind(hash.clone())
        .bind(HashScheme::HmacSha256.code());
    Ok((query, hash))
}

/// The SQL both databases run for the audit log, with `$n` placeholders.
pub mod sql {
    /// Appends an entry: seq, at_ms, staff_id, device_id, action, detail, prev_hash,
    /// hash, hash_scheme.
    pub const APPEND: &str = "INSERT INTO audit \
         (seq, at_ms, staff_id, device_id, action, detail, prev_hash, hash, hash_scheme) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    /// Every entry, in order.
    pub const ALL: &str = "SELECT seq, at_ms, staff_id, device_id, action, detail, prev_hash, hash, hash_scheme \
         FROM audit ORDER BY seq";
    /// Up to `$2` entries after position `$1`, in order.
    pub const PAGE: &str = "SELECT seq, at_ms, staff_id, device_id, action, detail, prev_hash, hash, hash_scheme \
         FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2";
    /// The head, and the entries after position `$1` with the hash at it, in one
    /// statement so that they come from one snapshot.
    pub const TIP: &str = "SELECT \
         (SELECT seq FROM audit ORDER BY seq DESC LIMIT 1) AS head_seq, \
         (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1) AS head_hash, \
         (SELECT COUNT(*) FROM audit WHERE seq > $1) AS entries_after, \
         (SELECT hash FROM audit WHERE seq = $1) AS hash_at_after";
}

/// Row decoding both databases share.
pub(crate) mod rows {
    use super::{AuditTip, GENESIS_HASH};
    use crate::audit::{AuditEntry, HashScheme, StoredAuditEntry};
    use crate::db::{decode_json, to_u64, DbError};
    use portal_desk_core::{DeviceId, StaffId};
    use sqlx::{ColumnIndex, Decode, Row, Type};

    /// A row of [`super::sql::ALL`] or [`super::sql::PAGE`].
    pub fn stored_entry<'r, R>(row: &'r R) -> Result<StoredAuditEntry, DbError>
    where
        R: Row,
        &'r str: ColumnIndex<R>,
        String: Decode<'r, R::Database> + Type<R::Database>,
        Option<String>: Decode<'r, R::Database> + Type<R::Database>,
        i64: Decode<'r, R::Database> + Type<R::Database>,
    {
        let seq = to_u64(row.try_get("seq")?, "audit seq")?;
        let detail: String = row.try_get("detail")?;
        let scheme: String = row.try_get("hash_scheme")?;
        Ok(StoredAuditEntry {
            seq,
            entry: AuditEntry {
                at_ms: to_u64(row.try_get("at_ms")?, "audit time")?,
                staff: row.try_get::<Option<String>, _>("staff_id")?.map(StaffId),
                device: row.try_get::<Option<String>, _>("device_id")?.map(DeviceId),
                action: row.try_get("action")?,
                detail: decode_json(&detail, "audit detail")?,
            },
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
            scheme: HashScheme::from_code(&scheme).ok_or_else(|| {
                DbError::Corrupt(format!("audit entry {seq} names an unknown hash scheme '{scheme}'"))
            })?,
        })
    }

    /// The row of [`super::sql::TIP`].
    pub fn tip<'r, R>(row: &'r R) -> Result<AuditTip, DbError>
    where
        R: Row,
        &'r str: ColumnIndex<R>,
        Option<String>: Decode<'r, R::Database> + Type<R::Database>,
        Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
        i64: Decode<'r, R::Database> + Type<R::Database>,
    {
        let head_seq: Option<i64> = row.try_get("head_seq")?;
        let head_hash: Option<String> = row.try_get("head_hash")?;
        Ok(AuditTip {
            head_seq: to_u64(head_seq.unwrap_or(0), "audit seq")?,
            head_hash: head_hash.unwrap_or_else(|| GENESIS_HASH.to_owned()),
            entries_after: to_u64(row.try_get("entries_after")?, "audit count")?,
            hash_at_after: row.try_get("hash_at_after")?,
        })
    }
}
