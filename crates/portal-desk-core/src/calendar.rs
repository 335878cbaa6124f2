//! A site's working calendar: opening hours per weekday in site-local time, bank
//! holidays, and closures such as protected learning time. Service-level clocks count
//! only the time the site is open.
//!
//! Local time comes from the site's [`TimeZone`]: offsets as data, expanded by the
//! server from the time-zone database, so the rules are testable with literal
//! timestamps and the wasm build carries no database.

use crate::date::{CivilDate, MS_PER_DAY};
use crate::zone::TimeZone;
use serde::{Deserialize, Serialize};

/// How many days ahead a search for open time gives up: a calendar with no opening
/// hours at all must not loop for ever.
pub const MAX_SEARCH_DAYS: i64 = 3 * 366;

/// The hours a site is open on one weekday, in minutes after local midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// When it opens, e.g. 8 × 60 for 08:00.
    pub opens_minute: u16,
    /// When it closes, e.g. 18 × 60 + 30 for 18:30. Must be after `opens_minute`.
    pub closes_minute: u16,
}

impl OpeningHours {
    /// Open from `opens` to `closes`, each given as (hour, minute).
    pub const fn new(opens: (u16, u16), closes: (u16, u16)) -> Self {
        Self { opens_minute: opens.0 * 60 + opens.1, closes_minute: closes.0 * 60 + closes.1 }
    }
}

/// A period the site is closed although it would normally be open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Start (milliseconds since the Unix epoch).
    pub start_ms: u64,
    /// End, exclusive.
    pub end_ms: u64,
    /// Why, e.g. "Protected learning time".
    pub reason: String,
}

/// A site's calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCalendar {
    /// Its time zone.
    pub zone: TimeZone,
    /// Opening hours Monday (index 0) to Sunday (index 6); `None` means closed all day.
    pub hours: [Option<OpeningHours>; 7],
    /// Days the site is closed all day, in any order.
    #[serde(default)]
    pub bank_holidays: Vec<CivilDate>,
    /// Closures within opening hours, in any order.
    #[serde(default)]
    pub closures: Vec<Closure>,
}

impl SiteCalendar {
    /// Open the same hours Monday to Friday, closed at weekends, in `zone`.
    pub fn weekdays(hours: OpeningHours, zone: TimeZone) -> Self {
        let mut week = [None; 7];
        week[..5].fill(Some(hours));
        Self { zone, hours: week, bank_holidays: Vec::new(), closures: Vec::new() }
    }

    /// The UTC offset in force at `ms`.
    pub fn offset_at(&self, ms: u64) -> i32 {
        self.zone.offset_at(ms)
    }

    /// The site-local date at `ms`.
    pub fn local_date(&self, ms: u64) -> CivilDate {
        CivilDate::from_ms(ms as i64, self.offset_at(ms))
    }

    /// Whether `date` is a bank holiday here.
    pub fn is_bank_holiday(&self, date: CivilDate) -> bool {
        self.bank_holidays.contains(&date)
    }

    /// The periods the site is open on `date`, in UTC milliseconds, in order: the
    /// day's opening hours with closures cut out; none on bank holidays.
    pub fn open_periods_on(&self, date: CivilDate) -> Vec<(u64, u64)> {
        let Some(hours) = self.hours[date.weekday().index()] else { return Vec::new() };
        if hours.closes_minute <= hours.opens_minute || self.is_bank_holiday(date) {
            return Vec::new();
        }
        // Offsets change in the small hours of a Sunday, so the offset at noon is the
        // one in force for the whole working day.
        let noon_guess = (date.start_ms(self.zone.utc_offset_minutes) + MS_PER_DAY / 2).max(0) as u64;
        let midnight = date.start_ms(self.offset_at(noon_guess));
        let at = |minute: u16| (midnight + i64::from(minute) * 60_000).max(0) as u64;
        let mut periods = vec![(at(hours.opens_minute), at(hours.closes_minute))];
        for closure in &self.closures {
            periods = periods
                .into_iter()
                .flat_map(|(start, end)| {
                    if closure.end_ms <= start || closure.start_ms >= end {
                        return vec![(start, end)];
                    }
                    let mut kept = Vec::with_capacity(2);
                    if closure.start_ms > start {
                        kept.push((start, closure.start_ms));
                    }
                    if closure.end_ms < end {
                        kept.push((closure.end_ms, end));
                    }
                    kept
                })
                .collect();
        }
        periods
    }

    /// The open periods from `from_ms` onwards, clipped to start no earlier than it, in
    /// order, for at most [`MAX_SEARCH_DAYS`] days.
    pub fn open_periods_from(&self, from_ms: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
        let first = self.local_date(from_ms);
        (0..MAX_SEARCH_DAYS)
            .flat_map(move |i| self.open_periods_on(first.add_days(i)))
            .filter(move |&(_, end)| end > from_ms)
            .map(move |(start, end)| (start.max(from_ms), end))
    }

    /// Open time between two moments, in milliseconds.
    pub fn open_ms_between(&self, from_ms: u64, to_ms: u64) -> u64 {
        self.open_periods_from(from_ms)
            .take_while(|&(start, _)| start < to_ms)
            .map(|(start, end)| end.min(to_ms) - start)
            .sum()
    }

    /// The moment when `amount_ms` of open time has passed after `from_ms`, or `None`
    /// if the site is not open that long within [`MAX_SEARCH_DAYS`].
    pub fn add_open_ms(&self, from_ms: u64, amount_ms: u64) -> Option<u64> {
        let mut left = amount_ms;
        for (start, end) in self.open_periods_from(from_ms) {
            if end - start >= left {
                return Some(start + left);
            }
            left -= end - start;
        }
        if left == 0 {
            Some(from_ms)
        } else {
            None
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const HOUR: u64 = 3_600_000;

    /// Milliseconds since the epoch for a UTC date and hour:minute.
    pub(crate) fn utc(date: &str, hour: u64, minute: u64) -> u64 {
        date.parse::<CivilDate>().unwrap().start_ms(0) as u64 + hour * HOUR + minute * 60_000
    }

    /// A London helpdesk, 08:00–18:00 weekdays, with the 2026 Christmas bank holidays
    /// and British Summer Time in 2026 and 2027.
    pub(crate) fn london() -> SiteCalendar {
        let mut calendar = SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 0)), crate::zone::tests::london());
        calendar.bank_holidays = vec!["2026-12-25".parse().unwrap(), "2026-12-28".parse().unwrap()];
        calendar
    }

    #[test]
    fn a_weekday_is_open_its_hours_and_a_weekend_not_at_all() {
        let calendar = london();
        // Monday 23 November 2026, GMT.
        assert_eq!(
            calendar.open_periods_on("2026-11-23".parse().unwrap()),
            [(utc("2026-11-23", 8, 0), utc("2026-11-23", 18, 0))]
        );
        assert!(calendar.open_periods_on("2026-11-22".parse().unwrap()).is_empty());
    }

    #[test]
    fn summer_time_moves_opening_an_hour_earlier_in_utc() {
        let calendar = london();
        // Monday 29 June 2026 is in BST: 08:00 local is 07:00 UTC.
        assert_eq!(
            calendar.open_periods_on("2026-06-29".parse().unwrap()),
            [(utc("2026-06-29", 7, 0), utc("2026-06-29", 17, 0))]
        );
    }

    #[test]
    fn bank_holidays_are_closed() {
        assert!(london().open_periods_on("2026-12-25".parse().unwrap()).is_empty());
    }

    #[test]
    fn protected_learning_time_cuts_the_afternoon_out() {
        let mut calendar = london();
        calendar.closures.push(Closure {
            start_ms: utc("2026-11-25", 13, 0),
            end_ms: utc("2026-11-25", 17, 0),
            reason: "Protected learning time".into(),
        });
        assert_eq!(
            calendar.open_periods_on("2026-11-25".parse().unwrap()),
            [(utc("2026-11-25", 8, 0), utc("2026-11-25", 13, 0)), (utc("2026-11-25", 17, 0), utc("2026-11-25", 18, 0))]
        );
    }

    #[test]
    fn open_time_skips_nights_weekends_and_holidays() {
        let calendar = london();
        // Friday 16:00 to Monday 10:00: two hours on Friday, two on Monday.
        assert_eq!(calendar.open_ms_between(utc("2026-11-27", 16, 0), utc("2026-11-30", 10, 0)), 4 * HOUR);
        // Four hours from Thursday 24 December 16:00: two that day, then Friday 25 and
        // Monday 28 are bank holidays, so two more on Tuesday 29 from 08:00.
        assert_eq!(calendar.add_open_ms(utc("2026-12-24", 16, 0), 4 * HOUR), Some(utc("2026-12-29", 10, 0)));
    }

    #[test]
    fn starting_outside_hours_counts_from_the_next_opening() {
        let calendar = london();
        assert_eq!(calendar.add_open_ms(utc("2026-11-22", 20, 0), HOUR), Some(utc("2026-11-23", 9, 0)));
        assert_eq!(calendar.add_open_ms(utc("2026-11-23", 9, 0), 0), Some(utc("2026-11-23", 9, 0)));
    }

    #[test]
    fn a_calendar_that_never_opens_gives_up() {
        let calendar = SiteCalendar { hours: [None; 7], ..london() };
        assert_eq!(calendar.add_open_ms(utc("2026-11-23", 9, 0), HOUR), None);
    }

    #[test]
    fn a_due_time_spans_easter_and_the_spring_clock_change() {
        let mut calendar = london();
        calendar.bank_holidays.extend(["2027-03-26", "2027-03-29"].map(|d| d.parse::<CivilDate>().unwrap()));
        // Thursday 25 March 2027 16:00 GMT, eight open hours: two that day; Good Friday
        // and Easter Monday closed, the clocks go forward on the Sunday; six more from
        // 08:00 BST (07:00 UTC) on Tuesday reach 14:00 BST.
        assert_eq!(calendar.add_open_ms(utc("2027-03-25", 16, 0), 8 * HOUR), Some(utc("2027-03-30", 13, 0)));
        assert_eq!(calendar.open_ms_between(utc("2027-03-25", 16, 0), utc("2027-03-30", 13, 0)), 8 * HOUR);
    }

    #[test]
    fn a_due_time_spans_the_autumn_clock_change() {
        // Friday 23 October 2026 17:00 BST (16:00 UTC), three open hours: one that
        // day, then Monday 26th from 08:00 GMT, now 08:00 UTC, to 10:00.
        assert_eq!(london().add_open_ms(utc("2026-10-23", 16, 0), 3 * HOUR), Some(utc("2026-10-26", 10, 0)));
    }
}
