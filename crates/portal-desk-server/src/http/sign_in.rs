//! Sessions: `POST /api/v1/sign-in` starts a device-bound session, `GET /api/v1/me`
//! says whose it is, `POST /api/v1/refresh` swaps the token for a fresh one and
//! `POST /api/v1/sign-out` ends it.
//!
//! A sign-in proves three things before anything is given out: that the device is the
//! one it names (its secret, given at registration), that the person is who they say
//! (their password, checked under the hashing cap), and that neither is being guessed
//! at (the throttle, `sign_in_guard`). Only then does it return the session, the
//! device's data-at-rest secret and the person's operation key on this device.

use super::extract::{ApiJson, ClientAddress};
use crate::audit::AuditEntry;
use crate::auth::{self, Authenticated, TOKEN_LIFETIME_MS};
use crate::db::{NewDeviceBinding, NewSession};
use crate::error::{ApiError, FieldError};
use crate::sign_in_guard::{self, Lane, FORGET_AFTER_MS, MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use portal_desk_core::ids::check_id;
use portal_desk_core::protocol::{IssuedCredential, SignInRequest, SignInResponse, StaffProfile};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The answer to a sign-in: the session, the device's secret for unlocking its
/// encrypted data without a PIN (made at the device's first sign-in, the same for
/// every later one, and never given to a revoked device), the device's own secret
/// when this sign-in registered it, and the person's operation key on it.
#[derive(Debug, Serialize)]
pub struct SignedIn {
    /// The session, as the core's protocol describes it.
    #[serde(flatten)]
    pub session: SignInResponse,
    /// 64 hex characters (256 random bits).
    pub device_key: String,
    /// The secret that proves later sign-ins come from this device (64 hex
    /// characters); only in the answer that registered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_secret: Option<String>,
    /// The signed-in person's operation key on this device.
    pub credential: IssuedCredential,
}

fn invalid(path: &str, message: String) -> ApiError {
    ApiError::Invalid(vec![FieldError { path: path.to_owned(), message }])
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `proof` is the secret whose hash is `stored` (compared in constant time).
fn proves(proof: Option<&str>, stored: &str) -> bool {
    proof.is_some_and(|proof| bool::from(secret_hash(proof).as_bytes().ct_eq(stored.as_bytes())))
}

/// Checks the device, the throttle and the password, then starts a 12-hour session
/// bound to the device, registering the device if it is new. A wrong email and a wrong
/// password get the same answer, after the same amount of work.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Json<SignedIn>, ApiError> {
    check_id(request.device.as_str()).map_err(|problem| invalid("device", format!("the device's id {problem}")))?;
    let email = request.email.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid("email", format!("an email address has at most {MAX_EMAIL_CHARS} characters")));
    }
    if request.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(invalid("password", format!("a password has at most {MAX_PASSWORD_CHARS} characters")));
    }
    let now_ms = crate::now_ms();
    let device = state.store.device_identity(&request.device).await?;
    // A device that has a secret must prove it, before any password is checked: its id
    // is no secret (every clock it stamps shows it).
    let proven = match device.as_ref().and_then(|d| d.secret_hash.as_deref()) {
        Some(stored) if !proves(request.device_proof.as_deref(), stored) => {
            state.metrics.observe_security_refusal("device_not_proven");
            return Err(ApiError::DeviceNotProven);
        }
        Some(_) => true,
        None => false,
    };
    let credentials = state.store.staff_credentials(&email).await?;
    let own_device = match &credentials {
        Some(c) if proven && state.store.has_signed_in_on(&request.device, &c.id).await? => Some(&request.device),
        _ => None,
    };
    let throttle_keys = sign_in_guard::keys(&email, own_device, &address);
    let locked_until =
        state.store.sign_in_throttle(&throttle_keys).await?.iter().map(|t| t.locked_until_ms).max().unwrap_or(0);
    if locked_until > now_ms {
        // The password is not even checked, so guessing gains nothing while locked.
        return Err(ApiError::TooManySignIns { retry_after_s: (locked_until - now_ms).div_ceil(1000) });
    }
    let stored_hash = credentials.as_ref().map_or_else(|| state.decoy_hash.clone(), |c| c.password_hash.clone());
    let password = request.password.clone();
    let lane = if own_device.is_some() { Lane::OwnDevice } else { Lane::General };
    // Argon2 is deliberately slow; it runs off the threads that serve other requests,
    // a few at a time.
    let password_ok = state
        .hashing
        .run(lane, move |memory| auth::verify_password_in(&password, &stored_hash, memory))
        .await
        .map_err(|_| ApiError::Busy { retry_after_s: 2 })?;
    let Some(staff) = credentials.as_ref().filter(|_| password_ok).map(|c| c.id.clone()) else {
        // Only failures against a real account are audited: an attacker spraying made-up
        // emails must not be able to fill the audit log. Every failure is counted.
        let audit = credentials.as_ref().map(|c| {
            AuditEntry::new(now_ms, "sign_in_failed", json!({ "email": email, "from": address }))
                .by(&c.id)
                .on(&request.device)
        });
        state.metrics.observe_sign_in_failure(audit.is_some());
        let forget_before = now_ms.saturating_sub(FORGET_AFTER_MS);
        state
            .store
            .record_sign_in_failure(&throttle_keys, now_ms, sign_in_guard::lock_for, forget_before, audit.as_ref())
            .await?;
        return Err(ApiError::SignInFailed);
    };
    // A success clears the count of the key it counted under (the account's, never the
    // address's: one right password does not excuse a spray of wrong ones).
    state.store.clear_sign_in_throttle(&throttle_keys[0]).await?;
    if state.store.device_revoked(&request.device).await? {
        return Err(ApiError::DeviceRevoked);
    }
    // A device registered before devices had secrets gets one now, but only from
    // someone who has signed in on it before: its id alone proves nothing.
    let legacy = device.as_ref().is_some_and(|d| d.secret_hash.is_none());
    if legacy && !state.store.has_signed_in_on(&request.device, &staff).await? {
        state.metrics.observe_security_refusal("device_not_proven");
        return Err(ApiError::DeviceNotProven);
    }
    let device_secret = (device.is_none() || legacy).then(auth::new_token);
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
        binding: device_secret.as_ref().map(|secret| NewDeviceBinding {
            secret_hash: secret_hash(secret),
            unsigned_through: request.queued_through.unwrap_or(0),
        }),
        fresh_credential: auth::new_token()[..32].to_owned(),
    };
    let detail = json!({ "expires_at_ms": expires_at_ms, "registered": device_secret.is_some() });
    let audit = AuditEntry::new(now_ms, "sign_in", detail).by(&staff).on(&request.device);
    let credential = match state.store.start_session(&session, &audit).await {
        Ok(credential) => credential,
        // Two sign-ins raced to give an old device its secret; the other one won.
        Err(crate::db::DbError::AlreadyExists(_)) => return Err(ApiError::DeviceNotProven),
        Err(error) => return Err(error.into()),
    };
    // Only now: the credentials are right and the device is proven and not revoked.
    let device_key = state.store.device_key(&request.device, &auth::new_token()).await?;
    let key = hex::encode(*state.keys.credential_key(&credential));
    Ok(Json(SignedIn {
        session: SignInResponse { token, expires_at_ms, staff: profile },
        device_key,
        device_secret,
        credential: IssuedCredential { id: credential, key },
    }))
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
        binding: None,
        fresh_credential: String::new(),
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
