//! The rules behind the sites screen, pure so they are tested natively: reading the
//! times and dates an admin types, and turning an edited site into the operations that
//! change its record — one field each, only the fields that changed, each naming the
//! value it replaces so two admins' edits of the same part meet as a conflict.

use portal_desk_core::calendar::{Closure, OpeningHours};
use portal_desk_core::date::CivilDate;
use portal_desk_core::site::{validate_site_field, Site};
use portal_desk_core::{OpBody, Record};

/// Minutes after midnight for a typed "HH:MM" (or "H:MM", or "HHMM").
pub fn parse_time(typed: &str) -> Option<u16> {
    let typed = typed.trim();
    let (hours, minutes) = match typed.split_once(':') {
        Some(parts) => parts,
        None if typed.len() == 4 => typed.split_at(2),
        None => return None,
    };
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60 && minutes.to_string().len() <= 2).then_some(hours * 60 + minutes)
}

/// "HH:MM" for minutes after midnight.
pub fn show_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A day's opening hours from what was typed: `None` when the day is closed.
pub fn opening_hours(day: &str, open: bool, opens: &str, closes: &str) -> Result<Option<OpeningHours>, String> {
    if !open {
        return Ok(None);
    }
    let (Some(opens), Some(closes)) = (parse_time(opens), parse_time(closes)) else {
        return Err(format!(
            "{day}: enter the opening and closing times as hours and minutes, such as 08:00 and 18:30"
        ));
    };
    if opens >= closes {
        return Err(format!("{day}: the closing time must be after the opening time"));
    }
    Ok(Some(OpeningHours { opens_minute: opens, closes_minute: closes }))
}

/// A closure on `date` from `from` to `to` (site time), with its reason.
pub fn closure(site: &Site, date: &str, from: &str, to: &str, reason: &str) -> Result<Closure, String> {
    let date: CivilDate = date.trim().parse().map_err(|_| "Enter the closure's date, such as 2026-11-25".to_owned())?;
    let (Some(from), Some(to)) = (parse_time(from), parse_time(to)) else {
        return Err("Enter the closure's start and end times, such as 13:00 and 17:00".to_owned());
    };
    if from >= to {
        return Err("The closure must end after it starts".to_owned());
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err("Say why the site closes, such as Protected learning time (at most 200 characters)".to_owned());
    }
    // The offset in force that day: taken at midday, well clear of a clock change.
    let noon = date.start_ms(site.calendar.zone.utc_offset_minutes) as u64 + 12 * 3_600_000;
    let midnight = date.start_ms(site.calendar.offset_at(noon)) as u64;
    Ok(Closure {
        start_ms: midnight + u64::from(from) * 60_000,
        end_ms: midnight + u64::from(to) * 60_000,
        reason: reason.to_owned(),
    })
}

/// The operations that make `record` (the site's record on the device) say `edited`:
/// one `SetField` per changed field, each checked by the core's rules first. A field
/// counts as changed when it differs from what the record *reads as*, so a part an
/// older record keeps in an older form (a site's fixed UTC offset from before named
/// time zones) is written only when the admin changes it.
pub fn site_changes(record: &Record, edited: &Site) -> Result<Vec<OpBody>, String> {
    let before = Site::from_record(record).map(|site| site.to_fields()).unwrap_or_default();
    let mut bodies = Vec::new();
    for (field, value) in edited.to_fields() {
        let current = record.fields.get(&field);
        if before.get(&field) == Some(&value) {
            continue;
        }
        validate_site_field(&field, &value)?;
        bodies.push(OpBody::SetField { field, value, replaces: current.map(|r| r.clock.clone()) });
    }
    Ok(bodies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::calendar::SiteCalendar;
    use portal_desk_core::case::Collection;
    use portal_desk_core::site::site_record_id;
    use portal_desk_core::{Hlc, Op};

    fn riverside() -> Site {
        Site {
            id: "riverside".into(),
            name: "Riverside Clinic".into(),
            calendar: SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 30)), crate::queue::calendar::uk_time()),
            daily_request_limit: Some(60),
            request_limits: Default::default(),
        }
    }

    fn record_of(site: &Site) -> Record {
        let op = Op {
            id: "op-1".into(),
            device: "server".into(),
            seq: 1,
            hlc: Hlc { wall_ms: 1, counter: 0, device: "server".into() },
            actor: "admin".into(),
            record: site_record_id(&site.id),
            body: OpBody::Create { collection: Collection::Site, site: site.id.clone(), fields: site.to_fields() },
            signature: None,
        };
        Record::create(&op).unwrap()
    }

    #[test]
    fn times_are_read_as_people_type_them() {
        assert_eq!(parse_time("08:00"), Some(480));
        assert_eq!(parse_time("8:30"), Some(510));
        assert_eq!(parse_time("1830"), Some(1110));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("noon"), None);
        assert_eq!(show_time(1110), "18:30");
        assert_eq!(
            opening_hours("Monday", true, "18:00", "08:00").unwrap_err(),
            "Monday: the closing time must be after the opening time"
        );
        assert_eq!(opening_hours("Sunday", false, "", ""), Ok(None));
    }

    #[test]
    fn a_closure_is_in_site_time_and_needs_a_reason() {
        let site = riverside();
        let closed = closure(&site, "2026-11-25", "13:00", "17:00", "Protected learning time").unwrap();
        assert_eq!(closed.end_ms - closed.start_ms, 4 * 3_600_000);
        assert_eq!(site.calendar.local_date(closed.start_ms).to_string(), "2026-11-25");
        assert!(closure(&site, "2026-11-25", "13:00", "17:00", " ").unwrap_err().starts_with("Say why"));
        assert!(closure(&site, "25/11/2026", "13:00", "17:00", "PLT").unwrap_err().contains("date"));
    }

    #[test]
    fn only_changed_fields_are_set_each_replacing_what_the_device_holds() {
        let site = riverside();
        let record = record_of(&site);
        assert_eq!(site_changes(&record, &site), Ok(vec![]));
        let mut edited = site.clone();
        edited.daily_request_limit = Some(40);
        edited.calendar.bank_holidays.push("2026-12-25".parse().unwrap());
        let bodies = site_changes(&record, &edited).unwrap();
        let fields: Vec<&str> = bodies
            .iter()
            .map(|b| match b {
                OpBody::SetField { field, replaces, .. } => {
                    assert_eq!(replaces.as_ref(), Some(&record.fields[field].clock));
                    field.as_str()
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(fields, ["bank_holidays", "daily_request_limit"]);
        edited.name = String::new();
        assert_eq!(site_changes(&record, &edited).unwrap_err(), "Enter the site's name");
    }

    #[test]
    fn a_site_saved_before_named_time_zones_keeps_its_offsets_until_a_zone_is_chosen() {
        let mut record = record_of(&riverside());
        record.fields.remove("time_zone");
        let legacy = Site::from_record(&record).unwrap();
        assert_eq!(legacy.calendar.zone.name, "UTC offsets");
        assert_eq!(site_changes(&record, &legacy), Ok(vec![]), "nothing the admin did not change is written");
        let mut chosen = legacy.clone();
        chosen.calendar.zone = crate::queue::calendar::uk_time();
        let bodies = site_changes(&record, &chosen).unwrap();
        assert!(matches!(&bodies[..], [OpBody::SetField { field, replaces: None, .. }] if field == "time_zone"));
    }
}
