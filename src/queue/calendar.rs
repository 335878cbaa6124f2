//! The calendar service-level clocks count in: a site's own, from its synced settings
//! record (`site:<id>`), or — until that has reached the device — English office hours
//! (weekdays 08:00–18:00 UK time), closed on the bank holidays of England and Wales.
//! Pure, so it is tested natively.
//!
//! The fallback's clock changes follow the rule the UK has kept since 1996 (the last
//! Sundays of March and October at 01:00 UTC): the server's time-zone database reaches
//! the device with the site's settings, which replace it.

use portal_desk_core::bank_holidays::{bank_holidays, Division};
use portal_desk_core::calendar::{OpeningHours, SiteCalendar};
use portal_desk_core::date::{CivilDate, Weekday};
use portal_desk_core::site::calendar_or;
use portal_desk_core::zone::{TimeZone, UtcOffsetChange, DEFAULT_TIME_ZONE, EXPANDED_YEARS};
use portal_desk_core::{Record, SiteId};

/// The calendar of `site` from its settings among `records`, or the English default.
pub fn site_calendar(records: &[Record], site: &SiteId) -> SiteCalendar {
    calendar_or(records, site, english_office_hours())
}

/// Weekdays 08:00–18:00 UK time, British Summer Time included, closed on the bank
/// holidays of England and Wales.
pub fn english_office_hours() -> SiteCalendar {
    let mut calendar = SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 0)), uk_time());
    calendar.bank_holidays = bank_holidays(Division::EnglandAndWales, EXPANDED_YEARS);
    calendar
}

/// UK time over the years a site record holds: what screens that belong to no one
/// site (the header's last sync, the Changes screen) show times in, at the offset of
/// each instant.
pub fn uk_time() -> TimeZone {
    let changes = EXPANDED_YEARS
        .flat_map(|year| {
            [
                UtcOffsetChange { from_ms: clock_change_ms(year, 3), offset_minutes: 60 },
                UtcOffsetChange { from_ms: clock_change_ms(year, 10), offset_minutes: 0 },
            ]
        })
        .collect();
    TimeZone { name: DEFAULT_TIME_ZONE.to_owned(), utc_offset_minutes: 0, changes }
}

/// UK clocks change at 01:00 UTC on the last Sunday of March and of October.
fn clock_change_ms(year: i32, month: u32) -> u64 {
    let last_day = CivilDate::new(year, month, 31).expect("March and October have 31 days");
    let sunday = (0..7).map(|back| last_day.add_days(-back)).find(|d| d.weekday() == Weekday::Sunday);
    let sunday = sunday.expect("a week holds a Sunday");
    (sunday.start_ms(0) + 3_600_000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(date: &str, hour: u64) -> u64 {
        date.parse::<CivilDate>().unwrap().start_ms(0) as u64 + hour * 3_600_000
    }

    #[test]
    fn a_site_without_synced_settings_keeps_english_office_hours() {
        assert_eq!(site_calendar(&[], &"riverside".into()), english_office_hours());
    }

    #[test]
    fn summer_time_starts_and_ends_on_the_last_sundays() {
        assert_eq!(clock_change_ms(2026, 3), utc("2026-03-29", 1));
        assert_eq!(clock_change_ms(2026, 10), utc("2026-10-25", 1));
        let calendar = english_office_hours();
        assert_eq!(calendar.offset_at(utc("2026-06-01", 12)), 60);
        assert_eq!(calendar.offset_at(utc("2026-11-23", 12)), 0);
    }

    #[test]
    fn opens_at_eight_uk_time_and_closes_on_bank_holidays() {
        let calendar = english_office_hours();
        assert_eq!(
            calendar.open_periods_on("2026-06-29".parse().unwrap()),
            [(utc("2026-06-29", 7), utc("2026-06-29", 17))]
        );
        assert!(calendar.open_periods_on("2026-12-28".parse().unwrap()).is_empty());
        assert!(calendar.open_periods_on("2026-11-22".parse().unwrap()).is_empty());
        assert!(calendar.open_periods_on("2039-12-26".parse().unwrap()).is_empty(), "years ahead too");
    }
}
