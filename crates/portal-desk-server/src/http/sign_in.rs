//! Sessions: `POST /api/v1/sign-in` starts a device-bound session, `GET /api/v1/me`
//! says whose it is, `POST /api/v1/refresh` swaps the token for a fresh one and
//! `POST /api/v1/sign-out` ends it.

use super::extract::ApiJson;
use crate::audit::AuditEntry;
use crate::auth::{self, Authenticated, MAX_FAILED_SIGN_INS, SIGN_IN_WINDOW_MS, TOKEN_LIFETIME_MS};
use crate::db::NewSession;
use crate::error::{ApiError, FieldError};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use portal_desk_core::protocol::{SignInRequest, SignInResponse, StaffProfile};
use serde::Serialize;
use serde_json::json;

/// The longest device id accepted (a UUID is 36 characters).
pub const MAX_DEVICE_ID_CHARS: usize = 100;

/// The answer to a sign-in: the session, and the device's secret for unlocking its
/// encrypted data without a PIN (made at the device's first sign-in, the same for
/// every later one, and never given to a revoked device).
#[derive(Debug, Serialize)]
pub struct SignedIn {
    /// The session, as the core's protocol describes it.
    #[serde(flatten)]
    pub session: SignInResponse,
    /// 64 hex characters (256 random bits).
    pub device_key: String,
}

/// Checks the email and password, then starts a 12-hour session bound to the device,
/// registering the device if it is new. A wrong email and a wrong password get the
/// same answer, after the same amount of work.
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Json<SignedIn>, ApiError> {
    let device = request.device.as_str();
    if device.trim().is_empty() || device.chars().count() > MAX_DEVICE_ID_CHARS {
        return Err(ApiError::Invalid(vec![FieldError {
            path: "device".to_owned(),
            message: format!("give the device's id (1 to {MAX_DEVICE_ID_CHARS} characters)"),
        }]));
    }
    let email = request.email.trim().to_lowercase();
    let now_ms = crate::now_ms();
    let window_start = now_ms.saturating_sub(SIGN_IN_WINDOW_MS);
    if state.store.failed_sign_ins_since(&email, window_start).await? >= MAX_FAILED_SIGN_INS {
        // The password is not even checked, so guessing gains nothing until the window
        // has moved on. The window slides, so this is an upper bound on the wait.
        return Err(ApiError::TooManySignIns { retry_after_s: SIGN_IN_WINDOW_MS / 1000 });
    }
    let credentials = state.store.staff_credentials(&email).await?;
    let stored_hash = credentials.as_ref().map_or_else(|| state.decoy_hash.clone(), |c| c.password_hash.clone());
    let password = request.password.clone();
    // Argon2 is deliberately slow; keep it off the threads that serve other requests.
    let password_ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored_hash))
        .await
        .map_err(|e| ApiError::Internal(format!("password check failed: {e}")))?;
    let Some(staff) = credentials.filter(|_| password_ok).map(|c| c.id) else {
        let audit = AuditEntry::new(now_ms, "sign_in_failed", json!({ "email": email })).on(&request.device);
        state.store.record_failed_sign_in(&email, window_start, &audit).await?;
        return Err(ApiError::SignInFailed);
    };
    if state.store.device_revoked(&request.device).await? {
        return Err(ApiError::DeviceRevoked);
    }
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
    // Only now: the credentials are right and the device is registered and not revoked.
    let device_key = state.store.device_key(&request.device, &auth::new_token()).await?;
    Ok(Json(SignedIn { session: SignInResponse { token, expires_at_ms, staff: profile }, device_key }))
}

/// Who the bearer token belongs to, with their sites.
pub async fn me(State(state): State<AppState>, caller: Authenticated) -> Result<Json<StaffProfile>, ApiError> {
    state.store.staff_profile(&caller.staff).await?.map(Json).ok_or(ApiError::Unauthorized)
}

/// Swaps a live token for a new one that runs for another 12 hours; the old one stops
/// working at once. A device calls this while its token still works, so staff on a
/// long shift are not signed out mid-task.
pub async fn refresh(State(state): State<AppState>, caller: Authenticated) -> Result<Json<SignInResponse>, ApiError> {
    let profile = state.store.staff_profile(&caller.staff).await?.ok_or(ApiError::Unauthorized)?;
    let now_ms = crate::now_ms();
    let token = auth::new_token();
    let expires_at_ms = now_ms + TOKEN_LIFETIME_MS;
    let session = NewSession {
        token_hash: auth::token_hash(&token),
        staff: caller.staff.clone(),
        device: caller.device.clone(),
        now_ms,
        expires_at_ms,
    };
    let audit = AuditEntry::new(now_ms, "refresh", json!({ "expires_at_ms": expires_at_ms }))
        .by(&caller.staff)
        .on(&caller.device);
    state.store.refresh_session(&caller.token_hash, &session, &audit).await?;
    Ok(Json(SignInResponse { token, expires_at_ms, staff: profile }))
}

/// Ends the session (a shared tablet handed to a colleague); the token stops working.
pub async fn sign_out(State(state): State<AppState>, caller: Authenticated) -> Result<StatusCode, ApiError> {
    let audit = AuditEntry::new(crate::now_ms(), "sign_out", json!({})).by(&caller.staff).on(&caller.device);
    state.store.end_session(&caller.token_hash, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}
