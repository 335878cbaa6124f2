//! The calendar service-level clocks count in: a site's own, from its synced settings
//! record (`site:<id>`), or — until that has reached the device — English office hours
//! (weekdays 08:00–18:00 UK time), closed on the bank holidays of England and Wales.
//! Pure, so it is tested natively.

use portal_desk_core::calendar::{OpeningHours, SiteCalendar, UtcOffsetChange};
use portal_desk_core::date::{CivilDate, Weekday};
use portal_desk_core::site::calendar_or;
use portal_desk_core::{Record, SiteId};

/// The first and last years whose clock changes and bank holidays are known here.
const FIRST_YEAR: i32 = 2024;
const LAST_YEAR: i32 = 2030;

/// England and Wales bank holidays as published by GOV.UK (substitute days included).
const BANK_HOLIDAYS: &[&str] = &[
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
];

/// The calendar of `site` from its settings among `records`, or the English default.
pub fn site_calendar(records: &[Record], site: &SiteId) -> SiteCalendar {
    calendar_or(records, site, english_office_hours())
}

/// Weekdays 08:00–18:00 UK time, British Summer Time included, closed on bank holidays.
pub fn english_office_hours() -> SiteCalendar {
    let mut calendar = SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 0)), 0);
    calendar.offset_changes = (FIRST_YEAR..=LAST_YEAR)
        .flat_map(|year| {
            [
                UtcOffsetChange { from_ms: clock_change_ms(year, 3), offset_minutes: 60 },
                UtcOffsetChange { from_ms: clock_change_ms(year, 10), offset_minutes: 0 },
            ]
        })
        .collect();
    calendar.bank_holidays = BANK_HOLIDAYS.iter().filter_map(|d| d.parse().ok()).collect();
    calendar
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
        assert_eq!(calendar.bank_holidays.len(), BANK_HOLIDAYS.len());
    }
}
