//! [`AdminStore`] on SQLite: the staff directory, staff accounts and device activity.

use super::{append_audit_on, SqliteStore};
use crate::audit::AuditEntry;
use crate::db::admin::{AdminStore, DeviceActivity, StaffChange};
use crate::db::{is_foreign_key_violation, is_unique_violation, role_of, to_i64, to_u64, DbError, NewStaff};
use async_trait::async_trait;
use portal_desk_core::staff::Colleague;
use portal_desk_core::{DeviceId, SiteId, StaffId};
use sqlx::{Row, SqliteConnection};

async fn colleague_on(
    conn: &mut SqliteConnection,
    staff: &StaffId,
    with_email: bool,
) -> Result<Option<Colleague>, DbError> {
    let Some(row) = sqlx::query("SELECT id, name, email, role, deactivated_at_ms FROM staff WHERE id = ?")
        .bind(staff.as_str())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let sites: Vec<String> = sqlx::query_scalar("SELECT site_id FROM staff_sites WHERE staff_id = ? ORDER BY site_id")
        .bind(staff.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let role: String = row.try_get("role")?;
    Ok(Some(Colleague {
        id: StaffId(row.try_get("id")?),
        name: row.try_get("name")?,
        role: role_of(&role)?,
        sites: sites.into_iter().map(SiteId).collect(),
        active: row.try_get::<Option<i64>, _>("deactivated_at_ms")?.is_none(),
        email: if with_email { Some(row.try_get("email")?) } else { None },
    }))
}

async fn link_sites_on(conn: &mut SqliteConnection, staff: &StaffId, sites: &[SiteId]) -> Result<(), DbError> {
    sqlx::query("DELETE FROM staff_sites WHERE staff_id = ?").bind(staff.as_str()).execute(&mut *conn).await?;
    for site in sites {
        let linked = sqlx::query("INSERT INTO staff_sites (staff_id, site_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(staff.as_str())
            .bind(site.as_str())
            .execute(&mut *conn)
            .await;
        match linked {
            Ok(_) => {}
            Err(e) if is_foreign_key_violation(&e) => {
                return Err(DbError::Missing(format!("there is no site with id '{site}'")))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// When the device last pushed or pulled, and who: the latest such audit entry.
pub(super) async fn device_activity_on(
    conn: &mut SqliteConnection,
    device: &DeviceId,
) -> Result<Option<DeviceActivity>, DbError> {
    let row = sqlx::query(
        "SELECT at_ms, staff_id FROM audit WHERE device_id = ? AND action IN ('push', 'pull') \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(device.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(DeviceActivity {
            last_sync_at_ms: to_u64(row.try_get("at_ms")?, "audit time")?,
            by: row.try_get::<Option<String>, _>("staff_id")?.map(StaffId),
        })
    })
    .transpose()
}

#[async_trait]
impl AdminStore for SqliteStore {
    async fn staff_directory(&self, sites: &[SiteId], with_email: bool) -> Result<Vec<Colleague>, DbError> {
        let mut conn = self.pool.acquire().await?;
        let mut ids: Vec<String> = Vec::new();
        for site in sites {
            let found: Vec<String> = sqlx::query_scalar("SELECT staff_id FROM staff_sites WHERE site_id = ?")
                .bind(site.as_str())
                .fetch_all(&mut *conn)
                .await?;
            ids.extend(found.into_iter().filter(|id| !ids.contains(id)).collect::<Vec<_>>());
        }
        let mut directory = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(colleague) = colleague_on(&mut conn, &StaffId(id), with_email).await? {
                directory.push(colleague);
            }
        }
        directory.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(directory)
    }

    async fn colleague(&self, staff: &StaffId) -> Result<Option<Colleague>, DbError> {
        let mut conn = self.pool.acquire().await?;
        colleague_on(&mut conn, staff, true).await
    }

    async fn create_staff(&self, staff: &NewStaff, audit: &AuditEntry) -> Result<(), DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO staff (id, email, name, role, password_hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(staff.id.as_str())
        .bind(&staff.email)
        .bind(&staff.name)
        .bind(staff.role.code())
        .bind(&staff.password_hash)
        .bind(to_i64(audit.at_ms, "time")?)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(DbError::AlreadyExists(format!("a member of staff with email '{}' exists", staff.email)))
            }
            Err(e) => return Err(e.into()),
        }
        link_sites_on(&mut tx, &staff.id, &staff.sites).await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_staff(
        &self,
        staff: &StaffId,
        change: &StaffChange,
        audit: &AuditEntry,
    ) -> Result<Option<Colleague>, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        if colleague_on(&mut tx, staff, false).await?.is_none() {
            return Ok(None);
        }
        if let Some(name) = &change.name {
            sqlx::query("UPDATE staff SET name = ? WHERE id = ?")
                .bind(name)
                .bind(staff.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(role) = change.role {
            sqlx::query("UPDATE staff SET role = ? WHERE id = ?")
                .bind(role.code())
                .bind(staff.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(sites) = &change.sites {
            link_sites_on(&mut tx, staff, sites).await?;
        }
        match change.active {
            Some(true) => {
                sqlx::query("UPDATE staff SET deactivated_at_ms = NULL WHERE id = ?")
                    .bind(staff.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            Some(false) => {
                sqlx::query("UPDATE staff SET deactivated_at_ms = COALESCE(deactivated_at_ms, ?) WHERE id = ?")
                    .bind(to_i64(audit.at_ms, "time")?)
                    .bind(staff.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE staff_id = ?").bind(staff.as_str()).execute(&mut *tx).await?;
                // Changes they queued and have not synced yet are held for a supervisor.
                sqlx::query(crate::db::trust::sql::REVOKE_STAFF_CREDENTIALS)
                    .bind(to_i64(audit.at_ms, "time")?)
                    .bind("staff_deactivated")
                    .bind(staff.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            None => {}
        }
        append_audit_on(&mut tx, &self.chain, audit).await?;
        let updated = colleague_on(&mut tx, staff, true).await?;
        tx.commit().await?;
        Ok(updated)
    }

    async fn set_password(&self, staff: &StaffId, password_hash: &str, audit: &AuditEntry) -> Result<bool, DbError> {
        let (_writer, mut tx) = self.begin_write().await?;
        let email: Option<String> =
            sqlx::query_scalar("UPDATE staff SET password_hash = ? WHERE id = ? RETURNING email")
                .bind(password_hash)
                .bind(staff.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(email) = email else { return Ok(false) };
        sqlx::query("DELETE FROM sessions WHERE staff_id = ?").bind(staff.as_str()).execute(&mut *tx).await?;
        let prefix = crate::sign_in_guard::account_prefix(&email);
        sqlx::query(crate::db::trust::sql::CLEAR_ACCOUNT)
            .bind(&prefix)
            .bind(prefix.chars().count() as i32)
            .execute(&mut *tx)
            .await?;
        append_audit_on(&mut tx, &self.chain, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn device_activity(&self, device: &DeviceId) -> Result<Option<DeviceActivity>, DbError> {
        let mut conn = self.pool.acquire().await?;
        device_activity_on(&mut conn, device).await
    }
}
