//! `GET /api/v1/time-zones?name=Europe/London`: a zone's offsets and clock changes
//! from the server's time-zone database, as an admin's device writes them into a
//! site's settings (the push is refused unless they are exactly these).

use crate::auth::Authenticated;
use crate::error::{ApiError, FieldError};
use crate::http::extract::ApiQuery;
use crate::zones;
use axum::Json;
use portal_desk_core::zone::TimeZone;
use serde::Deserialize;

/// The zone asked for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeZoneQuery {
    /// Its IANA name, such as `Europe/London`.
    pub name: String,
}

/// The zone called `name`, expanded over the years a site record holds.
pub async fn time_zone(
    caller: Authenticated,
    ApiQuery(query): ApiQuery<TimeZoneQuery>,
) -> Result<Json<TimeZone>, ApiError> {
    if caller.kiosk_site.is_some() {
        return Err(ApiError::KioskCannotRead);
    }
    let name = query.name.trim();
    let unknown = || {
        ApiError::Invalid(vec![FieldError {
            path: "name".to_owned(),
            message: format!(
                "There is no time zone called '{name}': use a name such as Europe/London or Europe/Dublin"
            ),
        }])
    };
    if name.len() > 64 {
        return Err(unknown());
    }
    zones::expand(name).map(Json).ok_or_else(unknown)
}
