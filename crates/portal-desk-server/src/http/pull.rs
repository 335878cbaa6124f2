//! `GET /api/v1/pull?cursor=N&limit=M`: the records changed after a cursor that the
//! caller may see, one page at a time.

use super::extract::ApiQuery;
use crate::audit::AuditEntry;
use crate::auth::Authenticated;
use crate::db::Viewer;
use crate::error::{ApiError, FieldError};
use crate::sync;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use portal_desk_core::protocol::{PullResponse, MAX_PULL_RECORDS};
use serde::Deserialize;
use serde_json::json;

/// The query string of a pull; any other parameter is refused, as unknown members of a
/// body are.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// The cursor from the previous pull (0, or absent, for everything).
    pub cursor: Option<u64>,
    /// The most records to return (default and maximum: `MAX_PULL_RECORDS`).
    pub limit: Option<usize>,
}

/// One page of changes; the pull is audited (who, which device, how many records).
pub async fn pull(
    State(state): State<AppState>,
    caller: Authenticated,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let cursor = query.cursor.unwrap_or(0);
    if i64::try_from(cursor).is_err() {
        return Err(ApiError::Invalid(vec![FieldError {
            path: "cursor".to_owned(),
            message: "the cursor is larger than any the server hands out; pull from 0".to_owned(),
        }]));
    }
    let limit = query.limit.unwrap_or(MAX_PULL_RECORDS).min(MAX_PULL_RECORDS);
    if limit == 0 {
        return Err(ApiError::Invalid(vec![FieldError {
            path: "limit".to_owned(),
            message: format!("ask for between 1 and {MAX_PULL_RECORDS} records"),
        }]));
    }
    if caller.kiosk_site.is_some() {
        return Err(ApiError::KioskCannotRead);
    }
    check_scope(&state, &caller, cursor).await?;
    let viewer = Viewer { staff: caller.staff.clone(), role: caller.role };
    let page = sync::pull(state.store.as_ref(), &viewer, cursor, limit).await?;
    state.metrics.observe_pull(page.records.len());
    let detail = json!({ "cursor": cursor, "records": page.records.len(), "next_cursor": page.cursor });
    state
        .store
        .append_audit(&AuditEntry::new(crate::now_ms(), "pull", detail).by(&caller.staff).on(&caller.device))
        .await?;
    Ok(Json(page))
}

/// Tells a device whose staff member's sites changed since their last pull on it to
/// drop what they may no longer hold and re-sync from the start. A pull from cursor 0
/// is already a full re-sync, so it only records the new sites.
async fn check_scope(state: &AppState, caller: &crate::auth::Authenticated, cursor: u64) -> Result<(), ApiError> {
    let profile = state.store.staff_profile(&caller.staff).await?.ok_or(ApiError::Unauthorized)?;
    let mut sites: Vec<String> = profile.sites.into_iter().map(|s| s.id.0).collect();
    sites.sort();
    let joined = sites.join(",");
    let previous = state.store.swap_pull_scope(&caller.device, &caller.staff, &joined).await?;
    match previous {
        Some(previous) if previous != joined && cursor > 0 => {
            // Put the old scope back: the new one is recorded only when the device pulls
            // again from the start, having dropped the left sites' cases. A device that
            // closed before dropping them is told again rather than left holding them.
            state.store.swap_pull_scope(&caller.device, &caller.staff, &previous).await?;
            let before: Vec<String> = previous.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let drop_sites = before.iter().filter(|s| !sites.contains(s)).cloned().collect();
            let new_sites = sites.iter().filter(|s| !before.contains(s)).cloned().collect();
            Err(ApiError::SitesChanged { drop_sites, new_sites })
        }
        _ => Ok(()),
    }
}
