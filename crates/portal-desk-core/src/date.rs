//! A tiny proleptic-Gregorian calendar date, counted in days from 1970-01-01, so that
//! ages, birthdays, bank holidays and opening hours can be computed without a date
//! crate (which would add weight to the wasm build).
//!
//! The conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`
//! algorithms, written out here from his description.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Milliseconds in one day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// A calendar date (year, month 1–12, day 1–31), stored and sent as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    year: i32,
    month: u8,
    day: u8,
}

/// A day of the week, Monday first as in the UK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// 0 for Monday up to 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Why a date could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DateError {
    /// Not in the `YYYY-MM-DD` shape.
    #[error("'{0}' is not a date: write it as year-month-day, for example 2014-03-29")]
    Shape(String),
    /// The parts are numbers but not a real day.
    #[error("{year:04}-{month:02}-{day:02} is not a real date: check the day and the month")]
    NoSuchDay {
        /// The year given.
        year: i32,
        /// The month given.
        month: u32,
        /// The day given.
        day: u32,
    },
}

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// How many days `month` has in `year`.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl CivilDate {
    /// The date, or why it does not exist.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Self, DateError> {
        let valid_month = (1..=12).contains(&month);
        if !valid_month || day == 0 || day > u32::from(days_in_month(year, month as u8)) {
            return Err(DateError::NoSuchDay { year, month, day });
        }
        Ok(Self { year, month: month as u8, day: day as u8 })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Shift the year to start in March so that the leap day is the last day of it.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Self { year: year as i32, month: month as u8, day: day as u8 }
    }

    /// The calendar date at `ms` since the epoch, in a place whose clocks are
    /// `utc_offset_minutes` ahead of UTC.
    pub fn from_ms(ms: i64, utc_offset_minutes: i32) -> Self {
        let local = ms + i64::from(utc_offset_minutes) * 60_000;
        Self::from_days_since_epoch(local.div_euclid(MS_PER_DAY))
    }

    /// Midnight at the start of this date, in milliseconds since the epoch, in a place
    /// whose clocks are `utc_offset_minutes` ahead of UTC.
    pub fn start_ms(self, utc_offset_minutes: i32) -> i64 {
        self.days_since_epoch() * MS_PER_DAY - i64::from(utc_offset_minutes) * 60_000
    }

    /// The day of the week.
    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday (index 3 counting from Monday).
        Weekday::ALL[(self.days_since_epoch() + 3).rem_euclid(7) as usize]
    }

    /// The date `days` later (or earlier, if negative).
    pub fn add_days(self, days: i64) -> Self {
        Self::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// The same day and month `years` later. A 29 February falls on 1 March in a year
    /// without one: in UK law a person born on 29 February reaches a given age on
    /// 1 March in common years.
    pub fn add_years(self, years: i32) -> Self {
        let year = self.year + years;
        if self.month == 2 && self.day == 29 && !is_leap_year(year) {
            Self { year, month: 3, day: 1 }
        } else {
            Self { year, month: self.month, day: self.day }
        }
    }

    /// Whole years from `self` (a birth date) to `on`: the person's age on that day.
    pub fn years_until(self, on: CivilDate) -> i32 {
        let mut years = on.year - self.year;
        if years > 0 && self.add_years(years) > on {
            years -= 1;
        }
        years.max(0)
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for CivilDate {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let shape = || DateError::Shape(text.to_owned());
        let trimmed = text.trim();
        let mut parts = trimmed.split('-');
        let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(shape());
        };
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
            return Err(shape());
        }
        let parse = |s: &str| s.parse::<u32>().map_err(|_| shape());
        CivilDate::new(parse(y)? as i32, parse(m)?, parse(d)?)
    }
}

impl Serialize for CivilDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> CivilDate {
        text.parse().unwrap()
    }

    #[test]
    fn epoch_and_known_days_convert_both_ways() {
        assert_eq!(date("1970-01-01").days_since_epoch(), 0);
        assert_eq!(date("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(date("1969-12-31").days_since_epoch(), -1);
        for days in -800_000..800_000i64 {
            if days % 997 == 0 {
                assert_eq!(CivilDate::from_days_since_epoch(days).days_since_epoch(), days);
            }
        }
    }

    #[test]
    fn weekdays_match_the_calendar() {
        assert_eq!(date("2026-11-22").weekday(), Weekday::Sunday);
        assert_eq!(date("2024-02-29").weekday(), Weekday::Thursday);
        assert_eq!(date("1970-01-01").weekday(), Weekday::Thursday);
    }

    #[test]
    fn local_date_uses_the_offset() {
        // 2026-06-30T23:30Z is already 1 July in London (UTC+1 in summer).
        let ms = date("2026-06-30").start_ms(0) + 23 * 3_600_000 + 30 * 60_000;
        assert_eq!(CivilDate::from_ms(ms, 0), date("2026-06-30"));
        assert_eq!(CivilDate::from_ms(ms, 60), date("2026-07-01"));
        assert_eq!(date("2026-07-01").start_ms(60), date("2026-06-30").start_ms(0) + 23 * 3_600_000);
    }

    #[test]
    fn leap_day_birthdays_fall_on_first_of_march_in_common_years() {
        let born = date("2016-02-29");
        assert_eq!(born.add_years(11), date("2027-03-01"));
        assert_eq!(born.add_years(12), date("2028-02-29"));
        assert_eq!(born.years_until(date("2027-02-28")), 10);
        assert_eq!(born.years_until(date("2027-03-01")), 11);
    }

    #[test]
    fn age_counts_whole_years() {
        let born = date("2010-06-15");
        assert_eq!(born.years_until(date("2021-06-14")), 10);
        assert_eq!(born.years_until(date("2021-06-15")), 11);
        assert_eq!(born.years_until(date("2009-01-01")), 0);
    }

    #[test]
    fn bad_dates_say_what_is_wrong() {
        assert!(matches!("2023-02-29".parse::<CivilDate>(), Err(DateError::NoSuchDay { .. })));
        assert!("29/02/2024".parse::<CivilDate>().unwrap_err().to_string().contains("year-month-day"));
        assert_eq!(serde_json::to_string(&date("2024-02-29")).unwrap(), "\"2024-02-29\"");
        assert_eq!(serde_json::from_str::<CivilDate>("\"2024-02-29\"").unwrap(), date("2024-02-29"));
    }
}
