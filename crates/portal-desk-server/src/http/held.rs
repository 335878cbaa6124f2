//! Held changes, for supervisors: `GET /api/v1/held` lists the changes the server kept
//! without applying because it could not prove who made them, at the caller's sites;
//! `POST /api/v1/held/{device}/{seq}/accept` applies one and `.../reject` keeps it
//! unapplied for good (`crate::review`).

use crate::auth::Authenticated;
use crate::db::{HeldDecision, HeldOp, Permission};
use crate::error::{ApiError, FieldError};
use crate::review::{self, ReviewError, Reviewer};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use portal_desk_core::DeviceId;
use serde::{Deserialize, Serialize};

/// The held changes waiting at the caller's sites, oldest device first, each device's
/// in sequence order (accept them in that order: a note waits for its case).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeldList {
    /// The changes.
    pub held: Vec<HeldOp>,
}

async fn reviewer(state: &AppState, caller: &Authenticated) -> Result<Reviewer, ApiError> {
    if !caller.role.may(Permission::ReviewHeldChanges) {
        return Err(ApiError::NotPermitted {
            action: "accept or reject held changes",
            permission: Permission::ReviewHeldChanges,
        });
    }
    let profile = state.store.staff_profile(&caller.staff).await?.ok_or(ApiError::Unauthorized)?;
    Ok(Reviewer {
        staff: caller.staff.clone(),
        role: caller.role,
        sites: profile.sites.into_iter().map(|s| s.id).collect(),
        device: caller.device.clone(),
    })
}

/// Lists the held changes at the caller's sites.
pub async fn list(State(state): State<AppState>, caller: Authenticated) -> Result<Json<HeldList>, ApiError> {
    let reviewer = reviewer(&state, &caller).await?;
    Ok(Json(HeldList { held: state.store.held_ops(&reviewer.sites).await? }))
}

/// Applies one held change.
pub async fn accept(
    State(state): State<AppState>,
    caller: Authenticated,
    Path((device, seq)): Path<(String, String)>,
) -> Result<Json<HeldOp>, ApiError> {
    decide(state, caller, device, seq, HeldDecision::Accepted).await
}

/// Keeps one held change unapplied for good.
pub async fn reject(
    State(state): State<AppState>,
    caller: Authenticated,
    Path((device, seq)): Path<(String, String)>,
) -> Result<Json<HeldOp>, ApiError> {
    decide(state, caller, device, seq, HeldDecision::Rejected).await
}

async fn decide(
    state: AppState,
    caller: Authenticated,
    device: String,
    seq: String,
    decision: HeldDecision,
) -> Result<Json<HeldOp>, ApiError> {
    let reviewer = reviewer(&state, &caller).await?;
    let seq: u64 = seq.parse().map_err(|_| {
        ApiError::Invalid(vec![FieldError { path: "seq".into(), message: "give the change's sequence number".into() }])
    })?;
    let device = DeviceId::from(device);
    match review::decide(state.store.as_ref(), &reviewer, &device, seq, decision, crate::now_ms()).await {
        Ok(held) => Ok(Json(held)),
        Err(ReviewError::NotFound) => Err(ApiError::HeldChangeNotFound),
        Err(ReviewError::AlreadyDecided) => Err(ApiError::AlreadyDecided),
        Err(ReviewError::WouldNotApply { code, reason }) => Err(ApiError::WouldNotApply { code, reason }),
        Err(ReviewError::Storage(failure)) => Err(failure.into()),
    }
}
