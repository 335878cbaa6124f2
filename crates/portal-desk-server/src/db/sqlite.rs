//! The SQLite store: one file, WAL mode, foreign keys on, migrations from
//! `migrations/sqlite/`.
//!
//! SQLite allows one writer at a time, so every writing transaction starts with
//! `BEGIN IMMEDIATE`: it takes the write lock up front instead of failing half-way when
//! it tries to upgrade a read lock. Writers in this process first queue on an async
//! mutex, in arrival order: left to SQLite's busy handler, waiting writers poll with
//! sleeps of up to 100 ms, and under load their latency climbs into seconds. The busy
//! timeout still covers another process (a `user add`) writing at the same moment.

use super::audit::{keyed_append, rows as audit_rows, sql as audit_sql, AuditTip};
use super::trust::{rows, sql};
use super::{
    decode_json, encode_json, is_foreign_key_violation, is_unique_violation, role_of, to_i64, to_u64, Actor,
    ChangesPage, CredentialRow, DbError, DeviceIdentity, DeviceSummary, DeviceTrust, DeviceUser, HeldDecision, HeldOp,
    LockFor, NewSession, NewStaff, Permission, PushTx, Session, StaffCredentials, Store, ThrottleState, Viewer,
};
use crate::audit::{AuditEntry, ChainKey, RefusedView, ReportedView, StoredAuditEntry, ViewsRecorded, GENESIS_HASH};
use async_trait::async_trait;
use portal_desk_core::protocol::{SiteSummary, StaffProfile};
use portal_desk_core::{DeviceId, Op, Outcome, Record, RecordId, SiteId, StaffId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

mod admin;

/// The SQLite schema's migrations, in order; forward-only.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The statement every writing transaction starts with.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// A SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Arc<Mutex<()>>,
    chain: ChainKey,
}

impl SqliteStore {
    /// Opens the file at `path`, creating it and its folder if missing, and migrates it;
    /// audit entries appended through it are hashed under `chain`.
    pub async fn open(path: &Path, chain: ChainKey) -> Result<Self, DbError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                DbError::Sqlx(sqlx::Error::Configuration(format!("cannot create {}: {e}", parent.display()).into()))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction on a process crash (only,
            // at worst, the last ones on a power cut), and syncs far less often than FULL.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, writer: Arc::default(), chain })
    }

    /// Waits for this process's turn to write, then opens a write transaction. The guard
    /// must outlive the transaction.
    async fn begin_write(&self) -> Result<(OwnedMutexGuard<()>, Transaction<'static, sqlx::Sqlite>), DbError> {
        let guard = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin_with(BEGIN_WRITE).await?;
        Ok((guard, tx))
    }

    /// The connection pool, for tests that look at the tables directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Appends `entry` to the audit log, keyed under `chain`. The caller holds the write
/// transaction, so the newest entry read here stays the newest until it commits.
async fn append_audit_on(conn: &mut SqliteConnection, chain: &ChainKey, entry: &AuditEntry) -> Result<(), DbError> {
    let newest: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await?;
    let (seq, prev) = match newest {
        Some((seq, hash)) => (to_u64(seq, "audit seq")? + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let (append, _) = keyed_append::<sqlx::Sqlite>(chain, seq, prev, entry)?;
    append.execute(&mut *conn).await?;
    Ok(())
}

/// The live credential of `staff` on `device`, issuing one under the id `fresh` if
/// they have none.
async fn live_credential_on(
    conn: &mut SqliteConnection,
    staff: &StaffId,
    device: &DeviceId,
    now_ms: u64,
    fresh: &str,
) -> Result<String, DbError> {
    let live: Option<String> = sqlx::query_scalar(sql::LIVE_CREDENTIAL)
        .bind(staff.as_str())
        .bind(device.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = live {
        return Ok(id);
    }
    sqlx::query(sql::ISSUE_CREDENTIAL)
        .bind(fresh)
        .bind(staff.as_str())
        .bind(device.as_str())
        .bind(to_i64(now_ms, "time")?)
        .execute(&mut *conn)
        .await?;
    Ok(fresh.to_owned())
}

async fn register_device_staff_on(
    conn: &mut SqliteConnection,
    device: &DeviceId,
    staff: &StaffId,
    now_ms: u64,
) -> Result<(), DbError> {
    let now = to_i64(now_ms, "time")?;
    sqlx::query("INSERT INTO devices (id, last_seq, registered_at_ms) VALUES (?, 0, ?) ON CONFLICT (id) DO NOTHING")
        .bind(device.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO device_staff (device_id, staff_id, first_seen_at_ms, last_seen_at_ms) VALUES (?, ?, ?, ?) \
         ON CONFLICT (device_id, staff_id) DO UPDATE SET last_seen_at_ms = excluded.last_seen_at_ms",
    )
    .bind(device.as_str())
    .bind(staff.as_str())
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn staff_sites_on(conn: &mut SqliteConnection, staff: &StaffId) -> Result<Vec<SiteSummary>, DbError> {
    let rows = sqlx::query(
        "SELECT sites.id, sites.name FROM staff_sites JOIN sites ON sites.id = staff_sites.site_id \
         WHERE staff_sites.staff_id = ? ORDER BY sites.name",
    )
    .bind(staff.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok(SiteSummary { id: SiteId(row.try_get("id")?), name: row.try_get("name")? }))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

async fn device_ids_for_sites(conn: &mut SqliteConnection, sites: &[SiteId]) -> Result<Vec<DeviceId>, DbError> {
    let mut ids = Vec::new();
    for site in sites {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT device_staff.device_id FROM device_staff \
             JOIN staff_sites ON staff_sites.staff_id = device_staff.staff_id WHERE staff_sites.site_id = ? \
             ORDER BY device_staff.device_id",
        )
        .bind(site.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for id in rows.into_iter().map(DeviceId) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

async fn device_summary_on(conn: &mut SqliteConnection, device: &DeviceId) -> Result<Option<DeviceSummary>, DbError> {
    let Some(row) =
        sqlx::query("SELECT id, registered_at_ms, last_seq, revoked_at_ms, kiosk_site FROM devices WHERE id = ?")
            .bind(device.as_str())
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let users = sqlx::query(
        "SELECT staff.id, staff.name, device_staff.last_seen_at_ms FROM device_staff \
         JOIN staff ON staff.id = device_staff.staff_id WHERE device_staff.device_id = ? \
         ORDER BY device_staff.last_seen_at_ms DESC",
    )
    .bind(device.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let staff = users
        .iter()
        .map(|u| {
            Ok(DeviceUser {
                id: StaffId(u.try_get("id")?),
                name: u.try_get("name")?,
                last_seen_at_ms: to_u64(u.try_get("last_seen_at_ms")?, "time")?,
            })
        })
        .collect::<Result<_, DbError>>()?;
    let activity = admin::device_activity_on(conn, device).await?;
    Ok(Some(DeviceSummary {
        id: DeviceId(row.try_get("id")?),
        registered_at_ms: to_u64(row.try_get("registered_at_ms")?, "time")?,
        last_seq: to_u64(row.try_get("last_seq")?, "last_seq")?,
        revoked_at_ms: row.try_get::<Option<i64>, _>("revoked_at_ms")?.map(|t| to_u64(t, "time")).transpose()?,
        kiosk_site: row.try_get::<Option<String>, _>("kiosk_site")?.map(SiteId),
        staff,
        last_sync_at_ms: activity.as_ref().map(|a| a.last_sync_at_ms),
        last_sync_by: activity.and_then(|a| a.by),
    }))
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn claim_key_fingerprint(&self, fingerprint: &str) -> Result<bool, DbError> {
        let _writer = self.writer.lock().await;
        sqlx::query("INSERT INTO server_key (id, fingerprint) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")
            .bind(fingerprint)
            .execute(&self.pool)
            .await?;
        let stored: String =
            sqlx::query_scalar("SELECT fingerprint FROM server_key WHERE id = 1").fetch_one(&self.pool).await?;
        Ok(stored == fingerprint)
    }

    async fn key_fingerprint(&self) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar("SELECT fingerprint FROM server_key WHERE id = 1").fetch_optional(&self.pool).await?)
    }

    async fn is_empty(&self) -> Result<bool, DbError> {
        let count: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM sites) + (SELECT COUNT(*) FROM staff)")
            .fetch_one(&self.pool)
            .await?;
        Ok(count == 0)
    }

    async fn add_site(&self, id: &SiteId, name: &str) -> Result<(), DbError> {
        let _writer = self.writer.lock().await;
        let result = sqlx::query("INSERT INTO sites (id, name) VALUES (?, ?)")
            .bind(id.as_str())
            .bind(name)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(DbError::AlreadyExists(format!("a site with id '{id}' exists"))),
            Err(e) => Err(e.into()),
        }
    }

    async fn site_exists(&self, id: &SiteId) -> Result<bool, DbError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sites WHERE id = ?").bind(id.as_str()).fetch_optional(&self.pool).await?;
        Ok(found.is_some())
    }

    async fn add_staff(&self, staff: &NewStaff, now_ms: u64) -> Result<(), DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO staff (id, email, name, role, password_hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(staff.id.as_str())
        .bind(&staff.email)
        .bind(&staff.name)
        .bind(staff.role.code())
        .bind(&staff.password_hash)
        .bind(to_i64(now_ms, "time")?)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(DbError::AlreadyExists(format!("a member of staff with email '{}' exists", staff.email)))
            }
            Err(e) => return Err(e.into()),
        }
        for site in &staff.sites {
            let linked = sqlx::query("INSERT INTO staff_sites (staff_id, site_id) VALUES (?, ?)")
                .bind(staff.id.as_str())
                .bind(site.as_str())
                .execute(&mut *tx)
                .await;
            match linked {
                Ok(_) => {}
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(DbError::Missing(format!("there is no site with id '{site}'")))
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn staff_credentials(&self, email: &str) -> Result<Option<StaffCredentials>, DbError> {
        let row = sqlx::query("SELECT id, password_hash FROM staff WHERE email = ? AND deactivated_at_ms IS NULL")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(StaffCredentials { id: StaffId(row.try_get("id")?), password_hash: row.try_get("password_hash")? })
        })
        .transpose()
    }

    async fn staff_profile(&self, staff: &StaffId) -> Result<Option<StaffProfile>, DbError> {
        let mut conn = self.pool.acquire().await?;
        let Some(row) = sqlx::query("SELECT id, name, email, role FROM staff WHERE id = ?")
            .bind(staff.as_str())
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(None);
        };
        let sites = staff_sites_on(&mut conn, staff).await?;
        Ok(Some(StaffProfile {
            id: StaffId(row.try_get("id")?),
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            role: row.try_get("role")?,
            sites,
        }))
    }

    async fn register_device_staff(
        &self,
        device: &DeviceId,
        staff: &StaffId,
        now_ms: u64,
        fresh_credential: &str,
    ) -> Result<String, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        register_device_staff_on(&mut tx, device, staff, now_ms).await?;
        let credential = live_credential_on(&mut tx, staff, device, now_ms, fresh_credential).await?;
        tx.commit().await?;
        Ok(credential)
    }

    async fn start_session(&self, session: &NewSession, audit: &AuditEntry) -> Result<String, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let now = to_i64(session.now_ms, "time")?;
        if let Some(binding) = &session.binding {
            let through = to_i64(binding.unsigned_through, "seq")?;
            let registered = sqlx::query(sql::REGISTER_DEVICE)
                .bind(session.device.as_str())
                .bind(now)
                .bind(&binding.secret_hash)
                .bind(through)
                .execute(&mut *tx)
                .await?;
            if registered.rows_affected() == 0 {
                let bound = sqlx::query(sql::BIND_LEGACY_DEVICE)
                    .bind(&binding.secret_hash)
                    .bind(through)
                    .bind(session.device.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                if bound.rows_affected() == 0 {
                    return Err(DbError::AlreadyExists("another sign-in gave this device its secret first".into()));
                }
            }
        }
        register_device_staff_on(&mut tx, &session.device, &session.staff, session.now_ms).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, staff_id, device_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&session.token_hash)
        .bind(session.staff.as_str())
        .bind(session.device.as_str())
        .bind(now)
        .bind(to_i64(session.expires_at_ms, "expiry")?)
        .execute(&mut *tx)
        .await?;
        // Expired sessions are of no use to anyone; sign-in is a natural moment to sweep them.
        sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= ?").bind(now).execute(&mut *tx).await?;
        let credential =
            live_credential_on(&mut tx, &session.staff, &session.device, session.now_ms, &session.fresh_credential)
                .await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        tx.commit().await?;
        Ok(credential)
    }

    async fn device_identity(&self, device: &DeviceId) -> Result<Option<DeviceIdentity>, DbError> {
        let row: Option<Option<String>> =
            sqlx::query_scalar(sql::DEVICE_IDENTITY).bind(device.as_str()).fetch_optional(&self.pool).await?;
        Ok(row.map(|secret_hash| DeviceIdentity { secret_hash }))
    }

    async fn has_signed_in_on(&self, device: &DeviceId, staff: &StaffId) -> Result<bool, DbError> {
        let found: Option<i32> = sqlx::query_scalar(sql::HAS_SIGNED_IN_ON)
            .bind(device.as_str())
            .bind(staff.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn credential(&self, id: &str) -> Result<Option<CredentialRow>, DbError> {
        let row = sqlx::query(sql::CREDENTIAL).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::credential).transpose()
    }

    async fn device_trust(&self, device: &DeviceId) -> Result<Option<DeviceTrust>, DbError> {
        let row = sqlx::query(sql::DEVICE_TRUST).bind(device.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref().map(rows::device_trust).transpose()
    }

    async fn sign_in_throttle(&self, keys: &[String]) -> Result<Vec<ThrottleState>, DbError> {
        let mut states = Vec::new();
        for key in keys {
            if let Some(row) = sqlx::query(sql::THROTTLE).bind(key).fetch_optional(&self.pool).await? {
                states.push(ThrottleState {
                    key: key.clone(),
                    failures: to_u64(row.try_get("failures")?, "failures")?,
                    locked_until_ms: to_u64(row.try_get("locked_until_ms")?, "time")?,
                });
            }
        }
        Ok(states)
    }

    async fn record_sign_in_failure(
        &self,
        keys: &[String],
        now_ms: u64,
        lock_for: LockFor,
        forget_before_ms: u64,
        audit: Option<&AuditEntry>,
    ) -> Result<(), DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        sqlx::query(sql::SWEEP_THROTTLE).bind(to_i64(forget_before_ms, "time")?).execute(&mut *tx).await?;
        for key in keys {
            let failures: i64 = sqlx::query_scalar(sql::COUNT_FAILURE)
                .bind(key)
                .bind(to_i64(now_ms, "time")?)
                .fetch_one(&mut *tx)
                .await?;
            let lock = lock_for(key, to_u64(failures, "failures")?);
            if lock > 0 {
                sqlx::query(sql::LOCK_KEY)
                    .bind(to_i64(now_ms.saturating_add(lock), "time")?)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if let Some(audit) = audit {
            append_audit_on(&mut tx, &self.chain, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn clear_sign_in_throttle(&self, key: &str) -> Result<(), DbError> {
        // Most sign-ins have nothing to clear: look before taking the write lock.
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sign_in_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        if found.is_some() {
            let _writer = self.writer.lock().await;
            sqlx::query(sql::CLEAR_KEY).bind(key).execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn held_ops(&self, sites: &[SiteId]) -> Result<Vec<HeldOp>, DbError> {
        let rows = sqlx::query(sql::WAITING_HELD_OPS).fetch_all(&self.pool).await?;
        let held = rows.iter().map(rows::held_op).collect::<Result<Vec<_>, _>>()?;
        Ok(held.into_iter().filter(|h| h.site.as_ref().is_some_and(|s| sites.contains(s))).collect())
    }

    async fn session(&self, token_hash: &str, now_ms: u64) -> Result<Option<Session>, DbError> {
        let row = sqlx::query(
            "SELECT sessions.staff_id, sessions.device_id, sessions.expires_at_ms, staff.role, devices.revoked_at_ms, devices.kiosk_site \
             FROM sessions JOIN staff ON staff.id = sessions.staff_id JOIN devices ON devices.id = sessions.device_id \
             WHERE sessions.token_hash = ? AND sessions.expires_at_ms > ?",
        )
        .bind(token_hash)
        .bind(to_i64(now_ms, "time")?)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role")?;
        Ok(Some(Session {
            staff: StaffId(row.try_get("staff_id")?),
            device: DeviceId(row.try_get("device_id")?),
            role: role_of(&role)?,
            device_revoked: row.try_get::<Option<i64>, _>("revoked_at_ms")?.is_some(),
            expires_at_ms: to_u64(row.try_get("expires_at_ms")?, "expiry")?,
            kiosk_site: row.try_get::<Option<String>, _>("kiosk_site")?.map(SiteId),
        }))
    }

    async fn end_session(&self, token_hash: &str, audit: &AuditEntry) -> Result<bool, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(token_hash).execute(&mut *tx).await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        tx.commit().await?;
        Ok(ended.rows_affected() > 0)
    }

    async fn refresh_session(&self, old_token_hash: &str, new: &NewSession, audit: &AuditEntry) -> Result<(), DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?").bind(old_token_hash).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, staff_id, device_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&new.token_hash)
        .bind(new.staff.as_str())
        .bind(new.device.as_str())
        .bind(to_i64(new.now_ms, "time")?)
        .bind(to_i64(new.expires_at_ms, "expiry")?)
        .execute(&mut *tx)
        .await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn device_revoked(&self, device: &DeviceId) -> Result<bool, DbError> {
        let revoked: Option<Option<i64>> = sqlx::query_scalar("SELECT revoked_at_ms FROM devices WHERE id = ?")
            .bind(device.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(revoked.flatten().is_some())
    }

    async fn device_key(&self, device: &DeviceId, fresh: &str) -> Result<String, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let key: Option<String> = sqlx::query_scalar(
            "UPDATE devices SET device_key = COALESCE(device_key, ?) WHERE id = ? RETURNING device_key",
        )
        .bind(fresh)
        .bind(device.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        key.ok_or_else(|| DbError::Missing(format!("there is no device with id '{}'", device.as_str())))
    }

    async fn devices_for_sites(&self, sites: &[SiteId]) -> Result<Vec<DeviceSummary>, DbError> {
        let mut conn = self.pool.acquire().await?;
        let mut devices = Vec::new();
        for id in device_ids_for_sites(&mut conn, sites).await? {
            if let Some(device) = device_summary_on(&mut conn, &id).await? {
                devices.push(device);
            }
        }
        Ok(devices)
    }

    async fn revoke_device(
        &self,
        device: &DeviceId,
        by: &StaffId,
        sites: &[SiteId],
        audit: &AuditEntry,
    ) -> Result<Option<DeviceSummary>, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        if !device_ids_for_sites(&mut tx, sites).await?.contains(device) {
            return Ok(None);
        }
        sqlx::query("UPDATE devices SET revoked_at_ms = ?, revoked_by = ? WHERE id = ? AND revoked_at_ms IS NULL")
            .bind(to_i64(audit.at_ms, "time")?)
            .bind(by.as_str())
            .bind(device.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(sql::REVOKE_DEVICE_CREDENTIALS)
            .bind(to_i64(audit.at_ms, "time")?)
            .bind("device_revoked")
            .bind(device.as_str())
            .execute(&mut *tx)
            .await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        let summary = device_summary_on(&mut tx, device).await?;
        tx.commit().await?;
        Ok(summary)
    }

    async fn record_views(
        &self,
        device: &DeviceId,
        views: &[(ReportedView, bool)],
        now_ms: u64,
    ) -> Result<ViewsRecorded, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let mut result = ViewsRecorded::default();
        for (view, verified) in views {
            let signed_in: Option<String> =
                sqlx::query_scalar("SELECT staff_id FROM device_staff WHERE device_id = ? AND staff_id = ?")
                    .bind(device.as_str())
                    .bind(view.by.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if signed_in.is_none() {
                result.refused.push(RefusedView {
                    view: view.id.clone(),
                    reason: format!("{} has never signed in on this device", view.by),
                });
                continue;
            }
            let inserted = sqlx::query(
                "INSERT INTO reported_views (device_id, view_id, received_at_ms) VALUES (?, ?, ?) \
                 ON CONFLICT (device_id, view_id) DO NOTHING",
            )
            .bind(device.as_str())
            .bind(&view.id)
            .bind(to_i64(now_ms, "time")?)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                result.duplicates += 1;
                continue;
            }
            let detail = serde_json::json!({
                "view": view.id,
                "record": view.record,
                "viewed_at_ms": view.at_ms,
                "reason": view.reason,
                "verified": verified,
            });
            append_audit_on(&mut tx, &self.chain, &AuditEntry::new(now_ms, "view", detail).by(&view.by).on(device))
                .await?;
            result.recorded += 1;
        }
        tx.commit().await?;
        Ok(result)
    }

    async fn set_kiosk(
        &self,
        device: &DeviceId,
        kiosk_site: Option<&SiteId>,
        sites: &[SiteId],
        audit: &AuditEntry,
    ) -> Result<Option<DeviceSummary>, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        if !device_ids_for_sites(&mut tx, sites).await?.contains(device) {
            return Ok(None);
        }
        sqlx::query("UPDATE devices SET kiosk_site = ? WHERE id = ?")
            .bind(kiosk_site.map(SiteId::as_str))
            .bind(device.as_str())
            .execute(&mut *tx)
            .await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        let summary = device_summary_on(&mut tx, device).await?;
        tx.commit().await?;
        Ok(summary)
    }

    async fn swap_pull_scope(
        &self,
        device: &DeviceId,
        staff: &StaffId,
        sites: &str,
    ) -> Result<Option<String>, DbError> {
        // Sites rarely change: read first, and write (taking the write lock) only then.
        let previous: Option<String> =
            sqlx::query_scalar("SELECT sites FROM pull_scopes WHERE device_id = ? AND staff_id = ?")
                .bind(device.as_str())
                .bind(staff.as_str())
                .fetch_optional(&self.pool)
                .await?;
        if previous.as_deref() != Some(sites) {
            let _writer = self.writer.lock().await;
            sqlx::query(
                "INSERT INTO pull_scopes (device_id, staff_id, sites) VALUES (?, ?, ?) \
             ON CONFLICT (device_id, staff_id) DO UPDATE SET sites = excluded.sites",
            )
            .bind(device.as_str())
            .bind(staff.as_str())
            .bind(sites)
            .execute(&self.pool)
            .await?;
        }
        Ok(previous)
    }

    async fn set_staff_sites(&self, email: &str, sites: &[SiteId], audit: &AuditEntry) -> Result<bool, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let staff: Option<String> =
            sqlx::query_scalar("SELECT id FROM staff WHERE email = ?").bind(email).fetch_optional(&mut *tx).await?;
        let Some(staff) = staff else { return Ok(false) };
        sqlx::query("DELETE FROM staff_sites WHERE staff_id = ?").bind(&staff).execute(&mut *tx).await?;
        for site in sites {
            let linked = sqlx::query("INSERT INTO staff_sites (staff_id, site_id) VALUES (?, ?)")
                .bind(&staff)
                .bind(site.as_str())
                .execute(&mut *tx)
                .await;
            match linked {
                Ok(_) => {}
                Err(e) if is_foreign_key_violation(&e) => {
                    return Err(DbError::Missing(format!("there is no site with id '{site}'")))
                }
                Err(e) => return Err(e.into()),
            }
        }
        append_audit_on(&mut tx, &self.chain, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn begin_push(&self) -> Result<Box<dyn PushTx>, DbError> {
        let (writer, tx) = self.begin_write().await?;
        Ok(Box::new(SqlitePushTx { tx, _writer: writer, chain: self.chain.clone() }))
    }

    async fn changes_after(&self, viewer: &Viewer, cursor: u64, limit: usize) -> Result<ChangesPage, DbError> {
        // A read transaction gives one snapshot, so the head matches the records read.
        let mut tx = self.pool.begin().await?;
        let head: i64 = sqlx::query_scalar("SELECT version FROM change_log WHERE id = 1").fetch_one(&mut *tx).await?;
        // The same rule as `access::may_read`, in SQL so that pages fill with visible records.
        let rows = sqlx::query(
            "SELECT body, version FROM records \
             WHERE version > ? \
               AND site_id IN (SELECT site_id FROM staff_sites WHERE staff_id = ?) \
               AND (restricted = 0 OR ? OR created_by = ? OR owner = ?) \
             ORDER BY version LIMIT ?",
        )
        .bind(to_i64(cursor, "cursor")?)
        .bind(viewer.staff.as_str())
        .bind(viewer.role.may(Permission::ViewRestrictedCases))
        .bind(viewer.staff.as_str())
        .bind(viewer.staff.as_str())
        .bind(to_i64(limit as u64, "limit")?)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let records = rows
            .iter()
            .map(|row| {
                let body: String = row.try_get("body")?;
                let mut record: Record = decode_json(&body, "stored record")?;
                record.version = to_u64(row.try_get("version")?, "record version")?;
                Ok(record)
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Ok(ChangesPage { records, head: to_u64(head, "change-log version")? })
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        append_audit_on(&mut tx, &self.chain, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(&self) -> Result<Vec<StoredAuditEntry>, DbError> {
        let rows = sqlx::query(audit_sql::ALL).fetch_all(&self.pool).await?;
        rows.iter().map(audit_rows::stored_entry).collect()
    }

    async fn audit_page(&self, after_seq: u64, limit: usize) -> Result<Vec<StoredAuditEntry>, DbError> {
        let rows = sqlx::query(audit_sql::PAGE)
            .bind(to_i64(after_seq, "audit seq")?)
            .bind(to_i64(limit as u64, "limit")?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_rows::stored_entry).collect()
    }

    async fn audit_tip(&self, after_seq: u64) -> Result<AuditTip, DbError> {
        let row = sqlx::query(audit_sql::TIP).bind(to_i64(after_seq, "audit seq")?).fetch_one(&self.pool).await?;
        audit_rows::tip(&row)
    }
}

/// A push transaction on SQLite, holding the write lock until it commits or drops.
struct SqlitePushTx {
    // Declared first so that, dropped without a commit, it rolls back before the
    // writer's turn passes on.
    tx: Transaction<'static, sqlx::Sqlite>,
    _writer: OwnedMutexGuard<()>,
    chain: ChainKey,
}

#[async_trait]
impl PushTx for SqlitePushTx {
    async fn last_seq(&mut self, device: &DeviceId) -> Result<u64, DbError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM devices WHERE id = ?")
            .bind(device.as_str())
            .fetch_optional(&mut *self.tx)
            .await?;
        to_u64(seq.unwrap_or(0), "last_seq")
    }

    async fn stored_outcome(
        &mut self,
        device: &DeviceId,
        seq: u64,
    ) -> Result<Option<(Option<String>, Outcome)>, DbError> {
        let row = sqlx::query("SELECT op_id, outcome FROM ops WHERE device_id = ? AND seq = ?")
            .bind(device.as_str())
            .bind(to_i64(seq, "seq")?)
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let outcome: String = row.try_get("outcome")?;
        Ok(Some((row.try_get("op_id")?, decode_json(&outcome, "stored outcome")?)))
    }

    async fn op_id_owner(&mut self, op_id: &str) -> Result<Option<DeviceId>, DbError> {
        let owner: Option<String> =
            sqlx::query_scalar(sql::OP_ID_OWNER).bind(op_id).fetch_optional(&mut *self.tx).await?;
        Ok(owner.map(DeviceId))
    }

    async fn device_trust(&mut self, device: &DeviceId) -> Result<Option<DeviceTrust>, DbError> {
        let row = sqlx::query(sql::DEVICE_TRUST).bind(device.as_str()).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(rows::device_trust).transpose()
    }

    async fn credential(&mut self, id: &str) -> Result<Option<CredentialRow>, DbError> {
        let row = sqlx::query(sql::CREDENTIAL).bind(id).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(rows::credential).transpose()
    }

    async fn hold_op(
        &mut self,
        device: &DeviceId,
        seq: u64,
        site: Option<&SiteId>,
        code: &str,
        now_ms: u64,
    ) -> Result<(), DbError> {
        sqlx::query(sql::HOLD_OP)
            .bind(device.as_str())
            .bind(to_i64(seq, "seq")?)
            .bind(site.map(SiteId::as_str))
            .bind(code)
            .bind(to_i64(now_ms, "time")?)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn held_site_of_record(&mut self, record: &RecordId) -> Result<Option<SiteId>, DbError> {
        let site: Option<Option<String>> =
            sqlx::query_scalar(sql::HELD_SITE_OF_RECORD).bind(record.as_str()).fetch_optional(&mut *self.tx).await?;
        Ok(site.flatten().map(SiteId))
    }

    async fn held_op(&mut self, device: &DeviceId, seq: u64) -> Result<Option<(HeldOp, bool)>, DbError> {
        let row = sqlx::query(sql::HELD_OP)
            .bind(device.as_str())
            .bind(to_i64(seq, "seq")?)
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let decided = row.try_get::<Option<i64>, _>("decided_at_ms")?.is_some();
        Ok(Some((rows::held_op(&row)?, decided)))
    }

    async fn decide_held_op(
        &mut self,
        device: &DeviceId,
        seq: u64,
        decision: HeldDecision,
        by: &StaffId,
        now_ms: u64,
    ) -> Result<bool, DbError> {
        let decided = sqlx::query(sql::DECIDE_HELD_OP)
            .bind(to_i64(now_ms, "time")?)
            .bind(by.as_str())
            .bind(decision.code())
            .bind(device.as_str())
            .bind(to_i64(seq, "seq")?)
            .execute(&mut *self.tx)
            .await?;
        Ok(decided.rows_affected() == 1)
    }

    async fn actor(&mut self, device: &DeviceId, staff: &StaffId) -> Result<Option<Actor>, DbError> {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT staff.role FROM device_staff JOIN staff ON staff.id = device_staff.staff_id \
             WHERE device_staff.device_id = ? AND device_staff.staff_id = ?",
        )
        .bind(device.as_str())
        .bind(staff.as_str())
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(role) = role else { return Ok(None) };
        let sites = staff_sites_on(&mut self.tx, staff).await?.into_iter().map(|s| s.id).collect();
        Ok(Some(Actor { role: role_of(&role)?, sites }))
    }

    async fn record(&mut self, id: &RecordId) -> Result<Option<Record>, DbError> {
        let row = sqlx::query("SELECT body, version FROM records WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let body: String = row.try_get("body")?;
        let mut record: Record = decode_json(&body, "stored record")?;
        record.version = to_u64(row.try_get("version")?, "record version")?;
        Ok(Some(record))
    }

    async fn store_record(&mut self, record: &mut Record) -> Result<u64, DbError> {
        let version: i64 =
            sqlx::query_scalar("UPDATE change_log SET version = version + 1 WHERE id = 1 RETURNING version")
                .fetch_one(&mut *self.tx)
                .await?;
        record.version = to_u64(version, "change-log version")?;
        sqlx::query(
            "INSERT INTO records (id, site_id, version, restricted, created_by, owner, body) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, restricted = excluded.restricted, \
             owner = excluded.owner, body = excluded.body",
        )
        .bind(record.id.as_str())
        .bind(record.site.as_str())
        .bind(version)
        .bind(record.is_restricted())
        .bind(record.created_by.as_str())
        .bind(record.field("owner"))
        .bind(encode_json(record)?)
        .execute(&mut *self.tx)
        .await?;
        Ok(record.version)
    }

    async fn record_op(&mut self, op: &Op, op_id: Option<&str>, outcome: &Outcome, now_ms: u64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO ops (device_id, seq, op_id, actor, record_id, op, outcome, received_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(op.device.as_str())
        .bind(to_i64(op.seq, "seq")?)
        .bind(op_id)
        .bind(op.actor.as_str())
        .bind(op.record.as_str())
        .bind(encode_json(op)?)
        .bind(encode_json(outcome)?)
        .bind(to_i64(now_ms, "time")?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn set_last_seq(&mut self, device: &DeviceId, seq: u64, now_ms: u64) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO devices (id, last_seq, registered_at_ms) VALUES (?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq",
        )
        .bind(device.as_str())
        .bind(to_i64(seq, "seq")?)
        .bind(to_i64(now_ms, "time")?)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), DbError> {
        append_audit_on(&mut self.tx, &self.chain, entry).await
    }

    async fn commit(self: Box<Self>) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}
