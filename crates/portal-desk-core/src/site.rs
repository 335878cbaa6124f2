//! Sites and devices: where a team works, with its calendar and daily capacity, and
//! the tablets and desktops that make changes there.
//!
//! A site's settings sync like any other change: one record per site
//! ([`crate::case::Collection::Site`], id `site:<site>`) whose fields are the calendar's
//! parts and the capacity limits, each its own register, so two admins changing
//! different parts offline both keep their change. Only admins may write it (the
//! server checks); every device reads its sites' calendars from it.

use crate::calendar::{Closure, OpeningHours, SiteCalendar};
use crate::date::CivilDate;
use crate::ids::{DeviceId, RecordId, SiteId};
use crate::record::Record;
use crate::zone::{TimeZone, UtcOffsetChange};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A clinic, hospital or outreach base whose cases a team handles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Its id.
    pub id: SiteId,
    /// Its name.
    pub name: String,
    /// Its opening hours, bank holidays and closures.
    pub calendar: SiteCalendar,
    /// The most online-consultation requests the site accepts on a normal open day.
    #[serde(default)]
    pub daily_request_limit: Option<u32>,
    /// Limits set for particular days (a bank holiday the site opens for, a drive
    /// day), which replace the worked-out limit on those days.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_limits: BTreeMap<CivilDate, u32>,
}

impl Site {
    /// The online-consultation request limit for `date`: none on a day the site is
    /// closed (bank holidays, weekends), and the limit scaled by the share of the
    /// normal day the site is open (protected learning time, say), rounded down.
    pub fn request_limit_on(&self, date: CivilDate) -> Option<u32> {
        if let Some(limit) = self.request_limits.get(&date) {
            return Some(*limit);
        }
        let limit = self.daily_request_limit?;
        let normal = self.calendar.hours[date.weekday().index()]
            .map_or(0, |h| u64::from(h.closes_minute.saturating_sub(h.opens_minute)) * 60_000);
        if normal == 0 {
            return Some(0);
        }
        let open: u64 = self.calendar.open_periods_on(date).iter().map(|(start, end)| end - start).sum();
        Some((u64::from(limit) * open / normal) as u32)
    }
}

/// A tablet or desktop browser profile that makes changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Its id (minted on first start).
    pub id: DeviceId,
    /// A name staff recognise, e.g. "Riverside tablet 3".
    pub name: String,
    /// The site it belongs to.
    pub site: SiteId,
    /// Whether it is a kiosk that patients use to register themselves: it shows a
    /// patient nothing but their own form.
    #[serde(default)]
    pub kiosk: bool,
}

/// The largest request limit a day may have.
pub const MAX_REQUEST_LIMIT: u32 = 100_000;

/// The longest JSON value a site field may hold, in characters.
pub const MAX_SITE_JSON_CHARS: usize = 64_000;

/// The fields of a site record, in the order an admin screen shows them.
pub const SITE_FIELDS: &[&str] =
    &["name", "time_zone", "hours", "bank_holidays", "closures", "daily_request_limit", "request_limits"];

/// The record that holds `site`'s settings.
pub fn site_record_id(site: &SiteId) -> RecordId {
    RecordId::from(format!("site:{site}"))
}

fn parse_json<T: serde::de::DeserializeOwned>(field: &str, value: &str, example: &str) -> Result<T, String> {
    if value.chars().count() > MAX_SITE_JSON_CHARS {
        return Err(format!("{field} is too long: keep it under {MAX_SITE_JSON_CHARS} characters"));
    }
    serde_json::from_str(value).map_err(|_| format!("{field} is not in the expected form, e.g. {example}"))
}

fn limit(field: &str, value: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_REQUEST_LIMIT)
        .ok_or_else(|| format!("{field} must be a whole number from 0 to {MAX_REQUEST_LIMIT}"))
}

/// Why a value was refused for a field of a site record, in words an admin can act on.
pub fn validate_site_field(field: &str, value: &str) -> Result<(), String> {
    match field {
        "name" if value.trim().is_empty() => Err("Enter the site's name".to_owned()),
        "name" if value.chars().count() > 200 => {
            Err("The site's name is too long: keep it under 200 characters".into())
        }
        "name" => Ok(()),
        "time_zone" => parse_json::<TimeZone>(
            field,
            value,
            r#"{"name":"Europe/London","utc_offset_minutes":0,"changes":[{"from_ms":1774746000000,"offset_minutes":60}]}"#,
        )?
        .check(),
        "hours" => {
            let hours: [Option<OpeningHours>; 7] =
                parse_json(field, value, r#"[{"opens_minute":480,"closes_minute":1110},…,null,null] (Monday first)"#)?;
            match hours.iter().flatten().find(|h| h.opens_minute >= h.closes_minute || h.closes_minute > 24 * 60) {
                Some(_) => Err("Each day's opening time must be before its closing time, within the day".to_owned()),
                None => Ok(()),
            }
        }
        "bank_holidays" => {
            let days: Vec<CivilDate> = parse_json(field, value, r#"["2026-12-25","2026-12-28"]"#)?;
            if days.len() > 400 {
                return Err("List at most 400 bank holidays".to_owned());
            }
            Ok(())
        }
        "closures" => {
            let closures: Vec<Closure> = parse_json(
                field,
                value,
                r#"[{"start_ms":1795870800000,"end_ms":1795888800000,"reason":"Protected learning time"}]"#,
            )?;
            if closures.len() > 1_000 {
                return Err("List at most 1,000 closures; remove past ones first".to_owned());
            }
            if closures.iter().any(|c| c.start_ms >= c.end_ms) {
                return Err("Each closure must end after it starts".to_owned());
            }
            if closures.iter().any(|c| c.reason.trim().is_empty() || c.reason.chars().count() > 200) {
                return Err(
                    "Give each closure a reason of at most 200 characters, such as Protected learning time".into()
                );
            }
            Ok(())
        }
        "daily_request_limit" if value.is_empty() => Ok(()),
        "daily_request_limit" => limit("The daily request limit", value).map(|_| ()),
        "request_limits" => {
            let limits: BTreeMap<CivilDate, u32> = parse_json(field, value, r#"{"2026-12-28":40}"#)?;
            if limits.len() > 400 || limits.values().any(|n| *n > MAX_REQUEST_LIMIT) {
                return Err(format!("Set at most 400 days' limits, each from 0 to {MAX_REQUEST_LIMIT}"));
            }
            Ok(())
        }
        other => Err(format!("'{other}' is not a setting of a site")),
    }
}

/// Why a site record cannot be created: it must be the record of its own site
/// ([`site_record_id`]) and name the site.
pub fn check_new_site_record(
    record: &RecordId,
    site: &SiteId,
    fields: &BTreeMap<String, String>,
) -> Result<(), String> {
    if *record != site_record_id(site) {
        return Err(format!("A site's settings are kept in the record {}", site_record_id(site)));
    }
    if !fields.contains_key("name") || !fields.contains_key("hours") {
        return Err("Give the site's name and opening hours".to_owned());
    }
    Ok(())
}

impl Site {
    /// The fields of this site's record, for the operations that create or change it.
    pub fn to_fields(&self) -> BTreeMap<String, String> {
        fn json<T: Serialize>(value: &T) -> String {
            serde_json::to_string(value).unwrap_or_default()
        }
        let calendar = &self.calendar;
        let mut fields = BTreeMap::from([
            ("name".to_owned(), self.name.clone()),
            ("time_zone".to_owned(), json(&calendar.zone)),
            ("hours".to_owned(), json(&calendar.hours)),
            ("bank_holidays".to_owned(), json(&calendar.bank_holidays)),
            ("closures".to_owned(), json(&calendar.closures)),
            ("daily_request_limit".to_owned(), self.daily_request_limit.map_or_else(String::new, |n| n.to_string())),
        ]);
        fields.insert("request_limits".to_owned(), json(&self.request_limits));
        fields
    }

    /// The site a site record describes, or `None` if the record is not a site's.
    /// Parts that fail to parse (never the case for records the server accepted) are
    /// left at their defaults.
    pub fn from_record(record: &Record) -> Option<Site> {
        if record.collection != crate::case::Collection::Site {
            return None;
        }
        fn parsed<T: serde::de::DeserializeOwned + Default>(record: &Record, field: &str) -> T {
            record.field(field).and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default()
        }
        let hours: Option<[Option<OpeningHours>; 7]> = record.field("hours").and_then(|v| serde_json::from_str(v).ok());
        let calendar = SiteCalendar {
            zone: record
                .field("time_zone")
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or_else(|| legacy_zone(record)),
            hours: hours.unwrap_or([None; 7]),
            bank_holidays: parsed(record, "bank_holidays"),
            closures: parsed(record, "closures"),
        };
        Some(Site {
            id: record.site.clone(),
            name: record.field("name").unwrap_or_default().to_owned(),
            calendar,
            daily_request_limit: record.field("daily_request_limit").and_then(|v| v.parse().ok()),
            request_limits: parsed(record, "request_limits"),
        })
    }
}

/// The zone of a site record written before sites had named time zones: its fixed
/// offset and hand-entered clock changes, read so that no site's hours shift.
fn legacy_zone(record: &Record) -> TimeZone {
    let changes: Option<Vec<UtcOffsetChange>> =
        record.field("offset_changes").and_then(|v| serde_json::from_str(v).ok());
    TimeZone {
        name: "UTC offsets".to_owned(),
        utc_offset_minutes: record.field("utc_offset_minutes").and_then(|v| v.parse().ok()).unwrap_or(0),
        changes: changes.unwrap_or_default(),
    }
}

/// The settings of `site` among `records`, if its record has synced and is not archived.
pub fn site_settings(records: &[Record], site: &SiteId) -> Option<Site> {
    let id = site_record_id(site);
    records.iter().filter(|r| r.id == id && r.archived.is_none()).find_map(Site::from_record)
}

/// `site`'s calendar from its synced settings, or `fallback` until they have synced.
pub fn calendar_or(records: &[Record], site: &SiteId, fallback: SiteCalendar) -> SiteCalendar {
    site_settings(records, site).map_or(fallback, |s| s.calendar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::{london, utc};
    use crate::calendar::Closure;

    #[test]
    fn request_limits_follow_the_calendar() {
        let mut calendar = london();
        calendar.closures.push(Closure {
            start_ms: utc("2026-11-25", 13, 0),
            end_ms: utc("2026-11-25", 18, 0),
            reason: "Protected learning time".into(),
        });
        let mut site = Site {
            id: "riverside".into(),
            name: "Riverside".into(),
            calendar,
            daily_request_limit: Some(120),
            request_limits: BTreeMap::new(),
        };
        assert_eq!(site.request_limit_on("2026-11-24".parse().unwrap()), Some(120));
        assert_eq!(site.request_limit_on("2026-11-25".parse().unwrap()), Some(60));
        assert_eq!(site.request_limit_on("2026-12-25".parse().unwrap()), Some(0));
        assert_eq!(site.request_limit_on("2026-11-28".parse().unwrap()), Some(0));
        // Adjusted for a bank holiday the team opens for.
        site.request_limits.insert("2026-12-28".parse().unwrap(), 40);
        assert_eq!(site.request_limit_on("2026-12-28".parse().unwrap()), Some(40));
    }

    fn riverside() -> Site {
        let mut calendar = london();
        calendar.closures.push(Closure {
            start_ms: utc("2026-11-25", 13, 0),
            end_ms: utc("2026-11-25", 18, 0),
            reason: "Protected learning time".into(),
        });
        Site {
            id: "riverside".into(),
            name: "Riverside Clinic".into(),
            calendar,
            daily_request_limit: Some(120),
            request_limits: BTreeMap::from([("2026-12-28".parse().unwrap(), 40)]),
        }
    }

    fn create(record: &str, site: &str, fields: BTreeMap<String, String>) -> (Option<Record>, crate::Outcome) {
        let op = crate::Op {
            id: "o".into(),
            device: "desk".into(),
            seq: 1,
            hlc: crate::Hlc { wall_ms: 1, counter: 0, device: "desk".into() },
            actor: "sam".into(),
            record: record.into(),
            body: crate::OpBody::Create { collection: crate::case::Collection::Site, site: site.into(), fields },
            signature: None,
        };
        crate::apply_op(None, &op)
    }

    #[test]
    fn a_site_record_round_trips_its_calendar_and_limits() {
        let site = riverside();
        let (record, outcome) = create("site:riverside", "riverside", site.to_fields());
        assert_eq!(outcome, crate::Outcome::Applied);
        let records = [record.unwrap()];
        assert_eq!(site_settings(&records, &"riverside".into()), Some(site.clone()));
        assert_eq!(
            calendar_or(
                &records,
                &"riverside".into(),
                SiteCalendar::weekdays(OpeningHours::new((9, 0), (17, 0)), crate::zone::TimeZone::fixed("UTC", 0))
            ),
            site.calendar
        );
        let fallback =
            SiteCalendar::weekdays(OpeningHours::new((9, 0), (17, 0)), crate::zone::TimeZone::fixed("UTC", 0));
        assert_eq!(calendar_or(&records, &"hilltop".into(), fallback.clone()), fallback);
    }

    #[test]
    fn a_site_record_is_its_own_sites_and_bad_settings_are_refused_with_a_reason() {
        let (none, outcome) = create("site:hilltop", "riverside", riverside().to_fields());
        assert!(none.is_none());
        assert!(matches!(outcome, crate::Outcome::Rejected { code, .. } if code == "invalid_field"));
        for (field, value, says) in [
            (
                "hours",
                r#"[{"opens_minute":600,"closes_minute":540},null,null,null,null,null,null]"#,
                "before its closing",
            ),
            ("hours", "[]", "expected form"),
            ("closures", r#"[{"start_ms":5,"end_ms":5,"reason":"PLT"}]"#, "end after"),
            ("closures", r#"[{"start_ms":5,"end_ms":6,"reason":" "}]"#, "reason"),
            ("bank_holidays", r#"["2026-02-30"]"#, "expected form"),
            ("daily_request_limit", "-1", "whole number"),
            ("request_limits", r#"{"2026-12-28":100001}"#, "at most 400"),
            ("time_zone", r#"{"name":"UTC","utc_offset_minutes":900}"#, "-720"),
            (
                "time_zone",
                r#"{"name":"X/Y","utc_offset_minutes":0,"changes":[{"from_ms":2,"offset_minutes":60},{"from_ms":1,"offset_minutes":0}]}"#,
                "time order",
            ),
            ("time_zone", "60", "expected form"),
            ("name", "", "Enter"),
            ("colour", "red", "not a setting"),
        ] {
            let error = validate_site_field(field, value).unwrap_err();
            assert!(error.contains(says), "{field}={value}: {error}");
        }
    }
}
