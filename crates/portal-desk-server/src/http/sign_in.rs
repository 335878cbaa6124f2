//! `POST /api/v1/sign-in` and `GET /api/v1/me`: starting a device-bound session and
//! saying who it belongs to.

use super::extract::ApiJson;
use crate::audit::AuditEntry;
use crate::auth::{self, Authenticated, TOKEN_LIFETIME_MS};
use crate::db::NewSession;
use crate::error::{ApiError, FieldError};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use portal_desk_core::protocol::{SignInRequest, SignInResponse, StaffProfile};
use serde_json::json;

/// The longest device id accepted (a UUID is 36 characters).
pub const MAX_DEVICE_ID_CHARS: usize = 100;

/// Checks the email and password, then starts a 12-hour session bound to the device,
/// registering the device if it is new. A wrong email and a wrong password get the
/// same answer, after the same amount of work.
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    let device = request.device.as_str();
    if device.trim().is_empty() || device.chars().count() > MAX_DEVICE_ID_CHARS {
        return Err(ApiError::Invalid(vec![FieldError {
            path: "device".to_owned(),
            message: format!("give the device's id (1 to {MAX_DEVICE_ID_CHARS} characters)"),
        }]));
    }
    let email = request.email.trim().to_lowercase();
    let now_ms = crate::now_ms();
    let credentials = state.store.staff_credentials(&email).await?;
    let stored_hash = credentials.as_ref().map_or_else(|| state.decoy_hash.clone(), |c| c.password_hash.clone());
    let password = request.password.clone();
    // Argon2 is deliberately slow; keep it off the threads that serve other requests.
    let password_ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored_hash))
        .await
        .map_err(|e| ApiError::Internal(format!("password check failed: {e}")))?;
    let Some(staff) = credentials.filter(|_| password_ok).map(|c| c.id) else {
        let detail = json!({ "email": email });
        state.store.append_audit(&AuditEntry::new(now_ms, "sign_in_failed", detail).on(&request.device)).await?;
        return Err(ApiError::SignInFailed);
    };
    let profile = state
        .store
        .staff_profile(&staff)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("staff {staff} vanished during sign-in")))?;
    let token = auth::new_token();
    let expires_at_ms = now_ms + TOKEN_LIFETIME_MS;
    let session = NewSession {
        token_hash: auth::token_hash(&token),
        staff: staff.clone(),
        device: request.device.clone(),
        now_ms,
        expires_at_ms,
    };
    let audit =
        AuditEntry::new(now_ms, "sign_in", json!({ "expires_at_ms": expires_at_ms })).by(&staff).on(&request.device);
    state.store.start_session(&session, &audit).await?;
    Ok(Json(SignInResponse { token, expires_at_ms, staff: profile }))
}

/// Who the bearer token belongs to, with their sites.
pub async fn me(State(state): State<AppState>, caller: Authenticated) -> Result<Json<StaffProfile>, ApiError> {
    state.store.staff_profile(&caller.staff).await?.map(Json).ok_or(ApiError::Unauthorized)
}
