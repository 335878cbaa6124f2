//! Devices, for supervisors: `GET /api/v1/devices` lists the tablets and desktops their
//! sites' staff have used, `POST /api/v1/devices/{device}/revoke` revokes a lost or
//! stolen one, which then gets `/problems/device-revoked` and wipes its data, and
//! `POST /api/v1/devices/{device}/kiosk` turns one into a self-registration kiosk.

use crate::audit::AuditEntry;
use crate::auth::Authenticated;
use crate::db::{DeviceSummary, Role};
use crate::error::{ApiError, FieldError};
use crate::http::extract::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use portal_desk_core::{DeviceId, SiteId};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The device list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    /// The devices, by id.
    pub devices: Vec<DeviceSummary>,
}

/// Devices are managed by supervisors (and admins) for their own sites.
async fn managed_sites(state: &AppState, caller: &Authenticated) -> Result<Vec<SiteId>, ApiError> {
    if caller.role == Role::Analyst {
        return Err(ApiError::Forbidden("list or revoke devices".to_owned()));
    }
    let profile = state.store.staff_profile(&caller.staff).await?.ok_or(ApiError::Unauthorized)?;
    Ok(profile.sites.into_iter().map(|s| s.id).collect())
}

/// Lists the devices staff of the caller's sites have signed in on.
pub async fn list(State(state): State<AppState>, caller: Authenticated) -> Result<Json<DeviceList>, ApiError> {
    let sites = managed_sites(&state, &caller).await?;
    Ok(Json(DeviceList { devices: state.store.devices_for_sites(&sites).await? }))
}

/// Revokes a device: its sessions stop working and it cannot sign in again. Revoking
/// an already revoked device changes nothing and answers the same.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(device): Path<String>,
) -> Result<Json<DeviceSummary>, ApiError> {
    let sites = managed_sites(&state, &caller).await?;
    let device = DeviceId::from(device);
    let audit = AuditEntry::new(crate::now_ms(), "revoke_device", json!({ "revoked": device }))
        .by(&caller.staff)
        .on(&caller.device);
    let summary = state.store.revoke_device(&device, &caller.staff, &sites, &audit).await?;
    summary.map(Json).ok_or(ApiError::DeviceNotFound)
}

/// Kiosk mode for a device.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskRequest {
    /// The site whose kiosk it becomes, or `null` to make it an ordinary device again.
    /// It must be there either way: `{}` is a mistake, never a way to end kiosk mode
    /// (`None` here means it was missing).
    #[serde(default, deserialize_with = "present")]
    pub site: Option<Option<SiteId>>,
}

/// A member that is present, `null` or not: `Some(None)` for `null`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<SiteId>>, D::Error> {
    Option::<SiteId>::deserialize(deserializer).map(Some)
}

/// Turns a device into a self-registration kiosk for one of the caller's sites (or
/// back). A kiosk may only create sign-up cases taken at the kiosk, and reads nothing.
pub async fn kiosk(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(device): Path<String>,
    ApiJson(request): ApiJson<KioskRequest>,
) -> Result<Json<DeviceSummary>, ApiError> {
    let sites = managed_sites(&state, &caller).await?;
    let Some(site) = request.site else {
        return Err(ApiError::Invalid(vec![FieldError {
            path: "site".into(),
            message: "say which of your sites' kiosk the device becomes, or null to make it an ordinary device again"
                .into(),
        }]));
    };
    if let Some(site) = site.as_ref().filter(|site| !sites.contains(site)) {
        return Err(ApiError::Invalid(vec![FieldError {
            path: "site".into(),
            message: format!("you do not manage site '{site}'; choose one of your own sites"),
        }]));
    }
    let device = DeviceId::from(device);
    let detail = json!({ "device": device, "kiosk_site": site });
    let audit = AuditEntry::new(crate::now_ms(), "set_kiosk", detail).by(&caller.staff).on(&caller.device);
    let summary = state.store.set_kiosk(&device, site.as_ref(), &sites, &audit).await?;
    summary.map(Json).ok_or(ApiError::DeviceNotFound)
}
