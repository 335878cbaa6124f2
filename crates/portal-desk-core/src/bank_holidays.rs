//! UK bank holidays: worked out for any year from the rules each nation keeps, and
//! read from the list GOV.UK publishes at <https://www.gov.uk/bank-holidays.json>.
//!
//! The rules are written here rather than taken from a library because no maintained
//! crate covers the three UK divisions and their substitute days; they are a dozen
//! lines, checked in the tests against GOV.UK's published 2026 and 2027 lists. One-off
//! holidays (a coronation, a jubilee) follow no rule: an admin imports GOV.UK's list,
//! which [`from_govuk_json`] reads, and it is merged with the worked-out days.

use crate::date::{CivilDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The parts of the UK with their own bank holidays, as GOV.UK names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Division {
    /// England and Wales.
    EnglandAndWales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
}

impl Division {
    /// Every division, in GOV.UK's order.
    pub const ALL: [Division; 3] = [Division::EnglandAndWales, Division::Scotland, Division::NorthernIreland];

    /// GOV.UK's key for it in `bank-holidays.json`.
    pub fn key(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england-and-wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern-ireland",
        }
    }

    /// Its name as people say it.
    pub fn label(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "England and Wales",
            Division::Scotland => "Scotland",
            Division::NorthernIreland => "Northern Ireland",
        }
    }

    /// The division GOV.UK calls `key`.
    pub fn from_key(key: &str) -> Option<Division> {
        Division::ALL.into_iter().find(|d| d.key() == key)
    }
}

fn date(year: i32, month: u32, day: u32) -> CivilDate {
    CivilDate::new(year, month, day).expect("the rules name real days")
}

/// The `n`th (from 1) Monday of `month`, or the last when `n` is 0.
fn monday(year: i32, month: u32, n: i64) -> CivilDate {
    if n == 0 {
        let next_month = if month == 12 { date(year + 1, 1, 1) } else { date(year, month + 1, 1) };
        let last = next_month.add_days(-1);
        return (0..7).map(|back| last.add_days(-back)).find(|d| d.weekday() == Weekday::Monday).unwrap_or(last);
    }
    let first = date(year, month, 1);
    let first_monday = (0..7).map(|i| first.add_days(i)).find(|d| d.weekday() == Weekday::Monday).unwrap_or(first);
    first_monday.add_days(7 * (n - 1))
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm of 1876).
fn easter_sunday(year: i32) -> CivilDate {
    let (a, b, c) = (year % 19, year / 100, year % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u32, day as u32)
}

/// Fixed days in order, each moved to the next weekday not already taken when it
/// falls at a weekend: Christmas on a Saturday is kept on Monday 27th and Boxing Day
/// on Tuesday 28th.
fn with_substitutes(days: &[CivilDate]) -> Vec<CivilDate> {
    let mut kept: Vec<CivilDate> = Vec::with_capacity(days.len());
    for &day in days {
        let mut on = day;
        while matches!(on.weekday(), Weekday::Saturday | Weekday::Sunday) || kept.contains(&on) {
            on = on.add_days(1);
        }
        kept.push(on);
    }
    kept
}

/// `division`'s bank holidays in `year` by the standing rules, in date order.
pub fn bank_holidays_in(division: Division, year: i32) -> Vec<CivilDate> {
    let easter = easter_sunday(year);
    let mut days = vec![easter.add_days(-2), monday(year, 5, 1), monday(year, 5, 0)];
    let new_year: &[CivilDate] = match division {
        Division::Scotland => &[date(year, 1, 1), date(year, 1, 2)],
        _ => &[date(year, 1, 1)],
    };
    days.extend(with_substitutes(new_year));
    days.extend(with_substitutes(&[date(year, 12, 25), date(year, 12, 26)]));
    match division {
        Division::EnglandAndWales => days.extend([easter.add_days(1), monday(year, 8, 0)]),
        Division::Scotland => {
            days.push(monday(year, 8, 1));
            days.extend(with_substitutes(&[date(year, 11, 30)]));
        }
        Division::NorthernIreland => {
            days.extend([easter.add_days(1), monday(year, 8, 0)]);
            days.extend(with_substitutes(&[date(year, 3, 17)]));
            days.extend(with_substitutes(&[date(year, 7, 12)]));
        }
    }
    days.sort();
    days
}

/// `division`'s bank holidays over `years`, in date order.
pub fn bank_holidays(division: Division, years: std::ops::RangeInclusive<i32>) -> Vec<CivilDate> {
    years.flat_map(|year| bank_holidays_in(division, year)).collect()
}

#[derive(Deserialize)]
struct GovUkDivision {
    events: Vec<GovUkEvent>,
}

#[derive(Deserialize)]
struct GovUkEvent {
    date: CivilDate,
}

/// The bank holidays of `division` in GOV.UK's `bank-holidays.json`, in date order.
pub fn from_govuk_json(json: &str, division: Division) -> Result<Vec<CivilDate>, String> {
    let file: BTreeMap<String, GovUkDivision> = serde_json::from_str(json).map_err(|_| {
        "This is not GOV.UK's bank holidays file: download it from www.gov.uk/bank-holidays.json and choose that file"
            .to_owned()
    })?;
    let Some(found) = file.get(division.key()) else {
        return Err(format!("The file has no bank holidays for {}", division.label()));
    };
    let mut days: Vec<CivilDate> = found.events.iter().map(|e| e.date).collect();
    days.sort();
    days.dedup();
    Ok(days)
}

/// `ours` and `more` together, in date order, each day once.
pub fn merged(ours: &[CivilDate], more: &[CivilDate]) -> Vec<CivilDate> {
    let mut days: Vec<CivilDate> = ours.iter().chain(more).copied().collect();
    days.sort();
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[&str]) -> Vec<CivilDate> {
        list.iter().map(|d| d.parse().unwrap()).collect()
    }

    #[test]
    fn england_and_wales_match_govuk_for_2026_and_2027() {
        let published = days(&[
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
        ]);
        assert_eq!(bank_holidays(Division::EnglandAndWales, 2026..=2027), published);
    }

    #[test]
    fn scotland_keeps_the_second_of_january_its_own_august_and_st_andrews_day() {
        let published = days(&[
            "2026-01-01",
            "2026-01-02",
            "2026-04-03",
            "2026-05-04",
            "2026-05-25",
            "2026-08-03",
            "2026-11-30",
            "2026-12-25",
            "2026-12-28",
        ]);
        assert_eq!(bank_holidays_in(Division::Scotland, 2026), published);
        // 2027: New Year's Day is a Friday, so the 2nd (a Saturday) moves to Monday 4th;
        // St Andrew's Day is a Tuesday.
        let scotland_2027 = bank_holidays_in(Division::Scotland, 2027);
        assert!(scotland_2027.starts_with(&days(&["2027-01-01", "2027-01-04"])));
        assert!(scotland_2027.contains(&"2027-11-30".parse().unwrap()));
    }

    #[test]
    fn northern_ireland_adds_st_patricks_day_and_the_twelfth_with_substitutes() {
        let published = days(&[
            "2026-01-01",
            "2026-03-17",
            "2026-04-03",
            "2026-04-06",
            "2026-05-04",
            "2026-05-25",
            "2026-07-13",
            "2026-08-31",
            "2026-12-25",
            "2026-12-28",
        ]);
        assert_eq!(bank_holidays_in(Division::NorthernIreland, 2026), published);
    }

    #[test]
    fn christmas_at_a_weekend_moves_both_days_on() {
        // 2027: Christmas is a Saturday, Boxing Day a Sunday.
        let christmas = &bank_holidays_in(Division::EnglandAndWales, 2027)[6..];
        assert_eq!(christmas, days(&["2027-12-27", "2027-12-28"]));
        // 2022: Christmas on a Sunday: Boxing Day Monday 26th, Christmas Tuesday 27th.
        assert!(bank_holidays_in(Division::EnglandAndWales, 2022).ends_with(&days(&["2022-12-26", "2022-12-27"])));
    }

    #[test]
    fn easter_is_right_across_the_century() {
        for (year, sunday) in [(2024, "2024-03-31"), (2025, "2025-04-20"), (2038, "2038-04-25"), (2049, "2049-04-18")] {
            assert_eq!(easter_sunday(year), sunday.parse().unwrap());
        }
    }

    #[test]
    fn govuk_file_is_read_per_division_and_merged_with_the_rules() {
        let json = r#"{"england-and-wales":{"division":"england-and-wales","events":[
            {"title":"Coronation","date":"2023-05-08","notes":"","bunting":true},
            {"title":"Christmas Day","date":"2023-12-25","notes":"","bunting":true}]},
            "scotland":{"division":"scotland","events":[]}}"#;
        let imported = from_govuk_json(json, Division::EnglandAndWales).unwrap();
        assert_eq!(imported, days(&["2023-05-08", "2023-12-25"]));
        let all = merged(&bank_holidays_in(Division::EnglandAndWales, 2023), &imported);
        assert_eq!(all.len(), 9);
        assert!(from_govuk_json(json, Division::NorthernIreland).unwrap_err().contains("Northern Ireland"));
        assert!(from_govuk_json("<html>", Division::Scotland).unwrap_err().contains("gov.uk/bank-holidays.json"));
    }
}
