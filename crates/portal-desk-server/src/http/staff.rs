//! Staff: `GET /api/v1/staff` is the directory every device shows names and assignees
//! from; admins add accounts (`POST /api/v1/staff`), change a name, role, sites or
//! deactivate one (`PATCH /api/v1/staff/{staff}`) and reset a password
//! (`POST /api/v1/staff/{staff}/password`).
//!
//! Accounts are online-only (their password hashes never sync to devices). An admin
//! manages the staff of their own sites and may only give or take away their own
//! sites; every change is audited in the same transaction as the change.

use crate::audit::AuditEntry;
use crate::auth::{self, Authenticated, MIN_PASSWORD_CHARS};
use crate::db::admin::{change_detail, StaffChange};
use crate::db::{DbError, NewStaff, Permission, Role};
use crate::error::{ApiError, FieldError};
use crate::http::extract::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portal_desk_core::staff::Colleague;
use portal_desk_core::{SiteId, StaffId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// The longest password accepted, in characters (argon2 hashes any length; this stops
/// a megabyte password from costing the server).
pub const MAX_PASSWORD_CHARS: usize = 1_000;

/// The staff directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDirectory {
    /// Everyone at the caller's sites, by name.
    pub staff: Vec<Colleague>,
}

/// A new staff account.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStaffRequest {
    /// Their work email: their sign-in.
    pub email: String,
    /// Their full name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their sites (each one of the admin's own).
    pub sites: Vec<SiteId>,
    /// Their first password, at least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
}

/// A change to a staff account; absent members stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// Their sites, all of them.
    pub sites: Option<Vec<SiteId>>,
    /// `false` deactivates the account (they cannot sign in; their sessions end),
    /// `true` reactivates it.
    pub active: Option<bool>,
}

/// A new password set by an admin.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The new password, at least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
}

/// The caller's sites.
async fn sites_of(state: &AppState, caller: &Authenticated) -> Result<Vec<SiteId>, ApiError> {
    let profile = state.store.staff_profile(&caller.staff).await?.ok_or(ApiError::Unauthorized)?;
    Ok(profile.sites.into_iter().map(|s| s.id).collect())
}

/// Refuses a caller whose role lacks `permission`.
pub fn require(caller: &Authenticated, permission: Permission, action: &'static str) -> Result<(), ApiError> {
    if caller.role.may(permission) {
        Ok(())
    } else {
        Err(ApiError::NotPermitted { action, permission })
    }
}

fn invalid(path: &str, message: impl Into<String>) -> FieldError {
    FieldError { path: path.to_owned(), message: message.into() }
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() {
        errors.push(invalid("name", "enter the person's full name"));
    } else if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        errors.push(invalid("name", format!("use at most {MAX_NAME_CHARS} characters and no control characters")));
    }
}

fn check_password(password: &str, errors: &mut Vec<FieldError>) {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        errors.push(invalid(
            "password",
            format!("use between {MIN_PASSWORD_CHARS} and {MAX_PASSWORD_CHARS} characters; a short phrase is easiest"),
        ));
    }
}

/// Sites the admin may give or take away: only their own.
fn check_sites(path: &str, changed: &[&SiteId], own: &[SiteId], errors: &mut Vec<FieldError>) {
    for site in changed.iter().filter(|site| !own.contains(site)) {
        errors.push(invalid(path, format!("you do not work at site '{site}'; give or take away only your own sites")));
    }
}

/// A plausible work email in lower case, or why not.
fn normalise_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let plausible = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    if plausible {
        Ok(email)
    } else {
        Err(format!("enter a work email address such as name@example.nhs.uk, at most {MAX_EMAIL_CHARS} characters"))
    }
}

async fn hash(state: &AppState, password: String) -> Result<String, ApiError> {
    let cost = state.hash_cost;
    tokio::task::spawn_blocking(move || auth::hash_password(&password, cost))
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing stopped: {e}")))?
}

fn store_error(error: DbError, path: &str) -> ApiError {
    match error {
        DbError::AlreadyExists(what) => ApiError::AlreadyExists(what),
        DbError::Missing(what) => ApiError::Invalid(vec![invalid(path, what)]),
        other => other.into(),
    }
}

/// The colleague `staff`, if they work at one of `sites`.
async fn managed(state: &AppState, sites: &[SiteId], staff: &StaffId) -> Result<Colleague, ApiError> {
    let colleague = state.store.colleague(staff).await?.ok_or(ApiError::StaffNotFound)?;
    if colleague.sites.iter().any(|s| sites.contains(s)) {
        Ok(colleague)
    } else {
        Err(ApiError::StaffNotFound)
    }
}

/// Everyone at the caller's sites; admins also see emails. A kiosk reads nothing.
pub async fn directory(State(state): State<AppState>, caller: Authenticated) -> Result<Json<StaffDirectory>, ApiError> {
    if caller.kiosk_site.is_some() {
        return Err(ApiError::KioskCannotRead);
    }
    let sites = sites_of(&state, &caller).await?;
    let with_email = caller.role.may(Permission::ManageStaff);
    Ok(Json(StaffDirectory { staff: state.store.staff_directory(&sites, with_email).await? }))
}

/// Adds a staff account at some of the admin's sites.
pub async fn add(
    State(state): State<AppState>,
    caller: Authenticated,
    ApiJson(request): ApiJson<NewStaffRequest>,
) -> Result<(StatusCode, Json<Colleague>), ApiError> {
    require(&caller, Permission::ManageStaff, "add or change staff accounts")?;
    let own = sites_of(&state, &caller).await?;
    let mut errors = Vec::new();
    let email = normalise_email(&request.email).map_err(|m| errors.push(invalid("email", m))).ok();
    check_name(&request.name, &mut errors);
    check_password(&request.password, &mut errors);
    if request.sites.is_empty() {
        errors.push(invalid("sites", "choose at least one site they work at"));
    }
    check_sites("sites", &request.sites.iter().collect::<Vec<_>>(), &own, &mut errors);
    let Some(email) = email.filter(|_| errors.is_empty()) else { return Err(ApiError::Invalid(errors)) };
    let mut sites = request.sites;
    sites.sort();
    sites.dedup();
    let staff = NewStaff {
        id: StaffId::from(auth::new_id()),
        email: email.clone(),
        name: request.name.trim().to_owned(),
        role: request.role,
        password_hash: hash(&state, request.password).await?,
        sites,
    };
    let detail =
        json!({ "staff": staff.id, "email": email, "name": staff.name, "role": staff.role, "sites": staff.sites });
    let audit = AuditEntry::new(crate::now_ms(), "staff_add", detail).by(&caller.staff).on(&caller.device);
    state.store.create_staff(&staff, &audit).await.map_err(|e| store_error(e, "sites"))?;
    let added = state.store.colleague(&staff.id).await?.ok_or(ApiError::StaffNotFound)?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Changes a staff account: name, role, sites, active.
pub async fn update(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(staff): Path<String>,
    ApiJson(request): ApiJson<StaffUpdate>,
) -> Result<Json<Colleague>, ApiError> {
    require(&caller, Permission::ManageStaff, "add or change staff accounts")?;
    let own = sites_of(&state, &caller).await?;
    let staff = StaffId::from(staff);
    let current = managed(&state, &own, &staff).await?;
    let mut errors = Vec::new();
    if let Some(name) = &request.name {
        check_name(name, &mut errors);
    }
    if let Some(sites) = &request.sites {
        if sites.is_empty() {
            errors.push(invalid("sites", "choose at least one site; to stop someone signing in, deactivate them"));
        }
        let added = sites.iter().filter(|s| !current.sites.contains(s));
        let removed = current.sites.iter().filter(|s| !sites.contains(s));
        check_sites("sites", &added.chain(removed).collect::<Vec<_>>(), &own, &mut errors);
    }
    let yourself = staff == caller.staff;
    if yourself && request.role.is_some_and(|role| role != current.role) {
        errors.push(invalid("role", "you cannot change your own role; ask another admin"));
    }
    if yourself && request.active == Some(false) {
        errors.push(invalid("active", "you cannot deactivate yourself; ask another admin"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let change = StaffChange {
        name: request.name.map(|n| n.trim().to_owned()),
        role: request.role,
        sites: request.sites.map(|mut sites| {
            sites.sort();
            sites.dedup();
            sites
        }),
        active: request.active,
    };
    let audit = AuditEntry::new(crate::now_ms(), "staff_update", change_detail(&staff, &change))
        .by(&caller.staff)
        .on(&caller.device);
    let updated = state.store.update_staff(&staff, &change, &audit).await.map_err(|e| store_error(e, "sites"))?;
    updated.map(Json).ok_or(ApiError::StaffNotFound)
}

/// Sets a new password for someone who has forgotten theirs; their sessions end and
/// their failed sign-ins are forgotten. The password itself is never audited.
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(staff): Path<String>,
    ApiJson(request): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    require(&caller, Permission::ManageStaff, "reset staff passwords")?;
    let own = sites_of(&state, &caller).await?;
    let staff = StaffId::from(staff);
    managed(&state, &own, &staff).await?;
    let mut errors = Vec::new();
    check_password(&request.password, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let password_hash = hash(&state, request.password).await?;
    let audit = AuditEntry::new(crate::now_ms(), "staff_password_reset", json!({ "staff": staff }))
        .by(&caller.staff)
        .on(&caller.device);
    if state.store.set_password(&staff, &password_hash, &audit).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::StaffNotFound)
    }
}
