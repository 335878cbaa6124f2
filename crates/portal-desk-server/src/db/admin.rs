//! Storage for the online-only admin work: the staff directory, staff accounts (add,
//! change, deactivate, reset a password) and what the device list shows of each
//! device's activity. Staff accounts hold password hashes, so they are never synced to
//! devices as records; every change here is audited in the same transaction.

use super::{DbError, NewStaff};
use crate::audit::AuditEntry;
use async_trait::async_trait;
use portal_desk_core::staff::{Colleague, Role};
use portal_desk_core::{DeviceId, SiteId, StaffId};

/// A change to a staff account; `None` leaves that part as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffChange {
    /// A new name.
    pub name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// Their new sites, all of them.
    pub sites: Option<Vec<SiteId>>,
    /// Deactivate (`false`) or reactivate (`true`) the account. Deactivating ends
    /// every session they have.
    pub active: Option<bool>,
}

/// When a device last synced and who was signed in, from the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceActivity {
    /// When it last pushed or pulled.
    pub last_sync_at_ms: u64,
    /// Who was signed in then.
    pub by: Option<StaffId>,
}

/// The admin side of storage; every [`super::Store`] is one.
#[async_trait]
pub trait AdminStore {
    /// Everyone who works at any of `sites` (active or not), by name, with every site
    /// they work at. Emails are included only when `with_email`.
    async fn staff_directory(&self, sites: &[SiteId], with_email: bool) -> Result<Vec<Colleague>, DbError>;

    /// One member of staff, with their email.
    async fn colleague(&self, staff: &StaffId) -> Result<Option<Colleague>, DbError>;

    /// Adds a member of staff and audits it, in one transaction:
    /// [`DbError::AlreadyExists`] if the email is taken, [`DbError::Missing`] if a
    /// site does not exist.
    async fn create_staff(&self, staff: &NewStaff, audit: &AuditEntry) -> Result<(), DbError>;

    /// Changes a staff account and audits it, in one transaction; `None` if there is
    /// no such member of staff, [`DbError::Missing`] if a site does not exist.
    async fn update_staff(
        &self,
        staff: &StaffId,
        change: &StaffChange,
        audit: &AuditEntry,
    ) -> Result<Option<Colleague>, DbError>;

    /// Sets a new password hash, ends every session of theirs, forgets their failed
    /// sign-ins, and audits it, in one transaction; `false` if there is no such member
    /// of staff.
    async fn set_password(&self, staff: &StaffId, password_hash: &str, audit: &AuditEntry) -> Result<bool, DbError>;

    /// When the device last pushed or pulled, and who was signed in.
    async fn device_activity(&self, device: &DeviceId) -> Result<Option<DeviceActivity>, DbError>;
}

/// The audit detail of a staff change: what changed, never a password.
pub fn change_detail(staff: &StaffId, change: &StaffChange) -> serde_json::Value {
    serde_json::json!({
        "staff": staff,
        "name": change.name,
        "role": change.role,
        "sites": change.sites,
        "active": change.active,
    })
}
