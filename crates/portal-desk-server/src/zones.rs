//! Time zones from the time-zone database, expanded into the offsets a site's
//! settings record carries to every device (see `portal_desk_core::zone`).
//!
//! The database is jiff's bundled copy, so a server in a bare container knows every
//! zone; the server is its only holder. It expands a zone for the fixed years
//! [`EXPANDED_YEARS`], so every replica expands a zone to the same value and can
//! refuse a site record whose offsets are not the zone's own: a device's claim about
//! what time it is at a site is checked like any other.

use jiff::civil::date;
use jiff::tz;
use portal_desk_core::case::Collection;
use portal_desk_core::zone::{TimeZone, UtcOffsetChange, EXPANDED_YEARS};
use portal_desk_core::OpBody;

/// `name`'s offsets over [`EXPANDED_YEARS`], or `None` if the database has no such zone.
pub fn expand(name: &str) -> Option<TimeZone> {
    let zone = tz::TimeZone::get(name).ok()?;
    let first = date(*EXPANDED_YEARS.start() as i16, 1, 1).to_zoned(tz::TimeZone::UTC).ok()?.timestamp();
    let end = date(*EXPANDED_YEARS.end() as i16 + 1, 1, 1).to_zoned(tz::TimeZone::UTC).ok()?.timestamp();
    let minutes = |offset: tz::Offset| offset.seconds() / 60;
    let changes = zone
        .following(first)
        .take_while(|t| t.timestamp() < end)
        .map(|t| UtcOffsetChange {
            from_ms: t.timestamp().as_millisecond() as u64,
            offset_minutes: minutes(t.offset()),
        })
        .collect();
    Some(TimeZone { name: name.to_owned(), utc_offset_minutes: minutes(zone.to_offset(first)), changes })
}

/// Why a change to a site's settings names a time zone wrongly: one the database does
/// not have, or offsets other than the zone's. `None` when it sets no zone or the
/// right one.
pub fn site_zone_refusal(body: &OpBody, collection: Collection) -> Option<String> {
    if collection != Collection::Site {
        return None;
    }
    let value = match body {
        OpBody::Create { fields, .. } => fields.get("time_zone")?,
        OpBody::SetField { field, value, .. } if field == "time_zone" => value,
        _ => return None,
    };
    // A value that does not parse is the core's to refuse, in its own words.
    let claimed: TimeZone = serde_json::from_str(value).ok()?;
    match expand(&claimed.name) {
        None => Some(format!("There is no time zone called '{}': use a name such as Europe/London", claimed.name)),
        Some(zone) if zone != claimed => Some(format!(
            "The clock changes given for {} are not the time-zone database's: choose the zone again while online",
            claimed.name
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_MS: u64 = 3_600_000;

    fn utc_ms(year: i16, month: i8, day: i8, hour: i8) -> u64 {
        date(year, month, day).at(hour, 0, 0, 0).to_zoned(tz::TimeZone::UTC).unwrap().timestamp().as_millisecond()
            as u64
    }

    #[test]
    fn london_changes_on_the_last_sundays_of_march_and_october_at_one_utc() {
        let london = expand("Europe/London").unwrap();
        assert_eq!(london.utc_offset_minutes, 0);
        assert_eq!(london.changes.len(), 2 * EXPANDED_YEARS.count());
        assert!(london.changes.contains(&UtcOffsetChange { from_ms: utc_ms(2026, 3, 29, 1), offset_minutes: 60 }));
        assert!(london.changes.contains(&UtcOffsetChange { from_ms: utc_ms(2026, 10, 25, 1), offset_minutes: 0 }));
        assert_eq!(london.offset_at(utc_ms(2049, 7, 1, 12)), 60);
        assert_eq!(london.check(), Ok(()));
    }

    #[test]
    fn zones_without_clock_changes_and_unknown_names() {
        let kolkata = expand("Asia/Kolkata").unwrap();
        assert_eq!((kolkata.utc_offset_minutes, kolkata.changes.len()), (330, 0));
        assert_eq!(expand("Europe/Atlantis"), None);
        assert_eq!(expand("../../etc/passwd"), None);
    }

    #[test]
    fn a_site_record_must_carry_the_zones_own_offsets() {
        let op = |value: String| OpBody::SetField { field: "time_zone".into(), value, replaces: None };
        let london = expand("Europe/London").unwrap();
        let json = |zone: &TimeZone| serde_json::to_string(zone).unwrap();
        assert_eq!(site_zone_refusal(&op(json(&london)), Collection::Site), None);
        let mut shifted = london.clone();
        shifted.changes[0].from_ms += HOUR_MS;
        assert!(site_zone_refusal(&op(json(&shifted)), Collection::Site).unwrap().contains("not the time-zone"));
        let unknown = TimeZone::fixed("Europe/Atlantis", 0);
        assert!(site_zone_refusal(&op(json(&unknown)), Collection::Site).unwrap().contains("no time zone"));
        assert_eq!(site_zone_refusal(&op(json(&unknown)), Collection::Template), None);
    }
}
