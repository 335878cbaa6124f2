//! `POST /api/v1/audit/views`: devices report who looked at which record, and why, so
//! every access to patient-identifiable data is attributable — views made offline too.

use super::extract::ApiJson;
use crate::audit::{RefusedView, ReportedView, ViewsRecorded};
use crate::auth::Authenticated;
use crate::error::{ApiError, FieldError};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use portal_desk_core::hlc::MAX_DRIFT_MS;
use portal_desk_core::signing::{verify, view_signing_bytes, ViewFacts};
use portal_desk_core::DeviceId;
use serde::Deserialize;

/// The most views one report may carry.
pub const MAX_VIEWS: usize = 500;

/// The longest reason for access accepted, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A batch of views from one device.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewReport {
    /// The reporting device; must be the token's.
    pub device: DeviceId,
    /// The views.
    pub views: Vec<ReportedView>,
}

/// Whether a view is by the person it names: `Ok(true)` signed by their credential on
/// this device, `Ok(false)` unsigned but made before the device could sign (audited as
/// unverified), `Err` with the reason the device is given otherwise.
async fn judge_view(
    state: &AppState,
    device: &DeviceId,
    view: &ReportedView,
) -> Result<Result<bool, String>, ApiError> {
    let Some(signature) = &view.signature else {
        let bound_at = state.store.device_trust(device).await?.and_then(|d| d.secret_bound_at_ms);
        return Ok(match bound_at {
            Some(bound_at) if view.at_ms >= bound_at => {
                Err("This view is not signed, so the server cannot tell who looked".to_owned())
            }
            _ => Ok(false),
        });
    };
    let facts = ViewFacts {
        id: &view.id,
        device,
        record: &view.record,
        by: &view.by,
        at_ms: view.at_ms,
        reason: view.reason.as_deref(),
    };
    let genuine = match state.store.credential(&signature.credential).await? {
        Some(credential) if &credential.device == device && credential.staff == view.by => verify(
            &state.keys.credential_key(&signature.credential),
            &view_signing_bytes(&facts, &signature.credential),
            signature,
        ),
        _ => false,
    };
    Ok(if genuine { Ok(true) } else { Err("This view's signature is not its viewer's".to_owned()) })
}

/// Audits each reported view once, attributed to the person who looked, if it is
/// signed by them (or was made before the device could sign).
pub async fn report(
    State(state): State<AppState>,
    caller: Authenticated,
    ApiJson(report): ApiJson<ViewReport>,
) -> Result<Json<ViewsRecorded>, ApiError> {
    if report.device != caller.device {
        return Err(ApiError::WrongDevice);
    }
    let now_ms = crate::now_ms();
    let mut errors = Vec::new();
    if report.views.len() > MAX_VIEWS {
        errors.push(FieldError { path: "views".into(), message: format!("send at most {MAX_VIEWS} views at a time") });
    }
    for (i, view) in report.views.iter().enumerate() {
        if view.id.trim().is_empty() {
            errors.push(FieldError { path: format!("views[{i}].id"), message: "give each view an id".into() });
        }
        if view.at_ms > now_ms + MAX_DRIFT_MS {
            errors.push(FieldError {
                path: format!("views[{i}].at_ms"),
                message: "the time is in the future: set the device's date and time correctly".into(),
            });
        }
        if view.reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
            errors.push(FieldError {
                path: format!("views[{i}].reason"),
                message: format!("keep the reason under {MAX_REASON_CHARS} characters"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut judged = Vec::with_capacity(report.views.len());
    let mut refused = Vec::new();
    for view in report.views {
        match judge_view(&state, &caller.device, &view).await? {
            Ok(verified) => judged.push((view, verified)),
            Err(reason) => {
                state.metrics.observe_security_refusal("view_not_signed_by_viewer");
                refused.push(RefusedView { view: view.id, reason });
            }
        }
    }
    let mut recorded = state.store.record_views(&caller.device, &judged, now_ms).await?;
    recorded.refused.extend(refused);
    Ok(Json(recorded))
}
