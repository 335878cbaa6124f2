//! `POST /api/v1/push`: a device sends a batch of its operations; each is applied
//! exactly once, in sequence order, in one transaction.

use super::extract::ApiJson;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::sync::{self, Pusher};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use portal_desk_core::protocol::{PushRequest, PushResponse};

/// Applies the batch and reports every operation's outcome. The request's device must
/// be the token's device: a session can only push its own device's outbox.
pub async fn push(
    State(state): State<AppState>,
    caller: Authenticated,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.device != caller.device {
        return Err(ApiError::WrongDevice);
    }
    let pusher = Pusher { staff: caller.staff, device: caller.device, kiosk_site: caller.kiosk_site };
    let (response, stats) =
        sync::push(state.store.as_ref(), &state.keys, &pusher, &request.ops, crate::now_ms()).await?;
    state.metrics.observe_push(&stats);
    Ok(Json(response))
}
