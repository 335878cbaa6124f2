//! `POST /api/v1/audit/views`: devices report who looked at which record, and why, so
//! every access to patient-identifiable data is attributable — views made offline too.

use super::extract::ApiJson;
use crate::audit::{ReportedView, ViewsRecorded};
use crate::auth::Authenticated;
use crate::error::{ApiError, FieldError};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use portal_desk_core::hlc::MAX_DRIFT_MS;
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

/// Audits each reported view once, attributed to the person who looked.
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
    Ok(Json(state.store.record_views(&caller.device, &report.views, now_ms).await?))
}
