//! The supervisor's dashboard, computed from the records on the device so that it works
//! offline: sign-ups per day, site and person; cases opened and resolved per day;
//! breaches, cases due soon and the median time to resolve, by kind of case; over a
//! date range.
//!
//! Every figure lives in a [`Table`], which the screen shows and [`Table::to_csv`]
//! exports, so the download always says what the screen says.

use crate::calendar::SiteCalendar;
use crate::case::{CaseKind, CaseStatus, Collection};
use crate::date::CivilDate;
use crate::ids::{SiteId, StaffId};
use crate::kpi::sign_ups_per_day;
use crate::record::Record;
use crate::sla::SlaState;
use std::collections::BTreeMap;

/// The longest range the dashboard covers, in days.
pub const MAX_RANGE_DAYS: i64 = 366;

/// The days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// The first day.
    pub from: CivilDate,
    /// The last day.
    pub to: CivilDate,
}

impl DateRange {
    /// A range, or why not: the end may not be before the start, nor more than a year
    /// after it.
    pub fn new(from: CivilDate, to: CivilDate) -> Result<DateRange, String> {
        let days = to.days_since_epoch() - from.days_since_epoch() + 1;
        if days < 1 {
            Err("The end date must be on or after the start date".to_owned())
        } else if days > MAX_RANGE_DAYS {
            Err(format!("Choose at most {MAX_RANGE_DAYS} days"))
        } else {
            Ok(DateRange { from, to })
        }
    }

    /// Whether `day` is in the range.
    pub fn contains(&self, day: CivilDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> Vec<CivilDate> {
        let count = (self.to.days_since_epoch() - self.from.days_since_epoch() + 1).clamp(0, MAX_RANGE_DAYS);
        (0..count).map(|n| self.from.add_days(n)).collect()
    }
}

/// One table of the dashboard, as shown and as exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// A short stable name, used for the download's file name.
    pub id: &'static str,
    /// The heading shown above it.
    pub title: &'static str,
    /// The column headings.
    pub columns: Vec<&'static str>,
    /// The cells, row by row, as shown.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The table as CSV (see [`crate::csv`]): the headings, then every row as shown.
    pub fn to_csv(&self) -> String {
        let mut csv = crate::csv::row(&self.columns);
        for row in &self.rows {
            csv.push_str(&crate::csv::row(row));
        }
        csv
    }
}

/// One day of the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayCounts {
    /// The day.
    pub day: CivilDate,
    /// Cases opened that day.
    pub opened: u32,
    /// Cases first resolved that day.
    pub resolved: u32,
    /// Sign-ups completed that day.
    pub sign_ups: u32,
}

/// The whole dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    /// The range it covers.
    pub range: DateRange,
    /// Each day's counts, for the chart.
    pub days: Vec<DayCounts>,
    /// The tables, in the order shown.
    pub tables: Vec<Table>,
    /// Open cases past their service level now, at any date.
    pub breached_now: u32,
    /// Open cases due soon now.
    pub due_soon_now: u32,
}

/// What the dashboard needs to know besides the records.
pub struct Context<'a> {
    /// A site's calendar (for local days and service levels).
    pub calendar: &'a dyn Fn(&SiteId) -> SiteCalendar,
    /// A person's name.
    pub person: &'a dyn Fn(&StaffId) -> String,
    /// A site's name.
    pub site: &'a dyn Fn(&SiteId) -> String,
    /// Now, in milliseconds since the Unix epoch.
    pub now_ms: u64,
}

/// The median of some durations, if there are any (the lower middle of an even count,
/// so that it is always a real case's time).
pub fn median(mut values: Vec<u64>) -> Option<u64> {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// Hours with one decimal place, as shown and exported.
pub fn hours(ms: u64) -> String {
    let tenths = (ms + 180_000) / 360_000;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn first_resolved_ms(record: &Record) -> Option<u64> {
    record.status_history.iter().find(|e| e.to == CaseStatus::Resolved.code()).map(|e| e.clock.wall_ms)
}

#[derive(Default)]
struct KindCounts {
    opened: u32,
    resolved: u32,
    breached: u32,
    due_soon: u32,
    resolve_ms: Vec<u64>,
}

/// Computes the dashboard over `range` from the case records among `records`
/// (archived ones left out).
pub fn dashboard(records: &[Record], context: &Context<'_>, range: DateRange) -> Dashboard {
    let cases: Vec<&Record> =
        records.iter().filter(|r| r.collection == Collection::Case && r.archived.is_none()).collect();
    let mut days: BTreeMap<CivilDate, DayCounts> =
        range.days().into_iter().map(|day| (day, DayCounts { day, opened: 0, resolved: 0, sign_ups: 0 })).collect();
    let mut kinds: BTreeMap<usize, KindCounts> = BTreeMap::new();
    let (mut breached_now, mut due_soon_now) = (0, 0);
    for case in &cases {
        let calendar = (context.calendar)(&case.site);
        let Some(kind) = case.case_kind() else { continue };
        let index = CaseKind::ALL.iter().position(|k| *k == kind).unwrap_or(usize::MAX);
        let counts = kinds.entry(index).or_default();
        let sla = case.sla(&calendar, context.now_ms).map(|s| s.state);
        let opened = calendar.local_date(case.created_at.wall_ms);
        if range.contains(opened) {
            counts.opened += 1;
            if let Some(day) = days.get_mut(&opened) {
                day.opened += 1;
            }
            if sla == Some(SlaState::Breached) {
                counts.breached += 1;
            }
        }
        if sla == Some(SlaState::DueSoon) {
            counts.due_soon += 1;
            due_soon_now += 1;
        }
        let open = !matches!(
            case.field("status").and_then(CaseStatus::from_code),
            Some(CaseStatus::Resolved | CaseStatus::Closed)
        );
        if open && sla == Some(SlaState::Breached) {
            breached_now += 1;
        }
        if let Some(resolved_ms) = first_resolved_ms(case) {
            let day = calendar.local_date(resolved_ms);
            if range.contains(day) {
                counts.resolved += 1;
                counts.resolve_ms.push(resolved_ms.saturating_sub(case.created_at.wall_ms));
                if let Some(counts) = days.get_mut(&day) {
                    counts.resolved += 1;
                }
            }
        }
    }

    // Sign-ups, per site-local day: each site's cases with its own offset.
    let mut sites: Vec<&SiteId> = cases.iter().map(|c| &c.site).collect();
    sites.sort();
    sites.dedup();
    let mut tallies = Vec::new();
    for site in sites {
        let calendar = (context.calendar)(site);
        let here: Vec<Record> = cases.iter().filter(|c| &c.site == site).map(|c| (*c).clone()).collect();
        tallies.extend(sign_ups_per_day(&here, &calendar.zone).into_iter().filter(|t| range.contains(t.day)));
    }
    tallies.sort();
    let mut per_site: BTreeMap<String, u32> = BTreeMap::new();
    let mut per_person: BTreeMap<String, u32> = BTreeMap::new();
    for tally in &tallies {
        *per_site.entry((context.site)(&tally.site)).or_default() += tally.sign_ups;
        *per_person.entry((context.person)(&tally.by)).or_default() += tally.sign_ups;
        if let Some(day) = days.get_mut(&tally.day) {
            day.sign_ups += tally.sign_ups;
        }
    }

    let count_rows = |map: BTreeMap<String, u32>| map.into_iter().map(|(name, n)| vec![name, n.to_string()]).collect();
    let tables = vec![
        Table {
            id: "cases-by-kind",
            title: "Cases by kind",
            columns: vec!["Kind of case", "Opened", "Resolved", "Breached", "Due soon now", "Median hours to resolve"],
            rows: kinds
                .into_iter()
                .filter_map(|(index, c)| {
                    let kind = CaseKind::ALL.get(index)?;
                    let median = median(c.resolve_ms).map_or_else(|| "–".to_owned(), hours);
                    Some(vec![
                        kind.label().to_owned(),
                        c.opened.to_string(),
                        c.resolved.to_string(),
                        c.breached.to_string(),
                        c.due_soon.to_string(),
                        median,
                    ])
                })
                .collect(),
        },
        Table {
            id: "cases-per-day",
            title: "Cases opened and resolved per day",
            columns: vec!["Day", "Opened", "Resolved", "Sign-ups"],
            rows: days
                .values()
                .map(|d| vec![d.day.to_string(), d.opened.to_string(), d.resolved.to_string(), d.sign_ups.to_string()])
                .collect(),
        },
        Table {
            id: "sign-ups-per-site",
            title: "Sign-ups per site",
            columns: vec!["Site", "Sign-ups"],
            rows: count_rows(per_site),
        },
        Table {
            id: "sign-ups-per-person",
            title: "Sign-ups per member of staff",
            columns: vec!["Member of staff", "Sign-ups"],
            rows: count_rows(per_person),
        },
        Table {
            id: "sign-ups-per-day",
            title: "Sign-ups per day, site and member of staff",
            columns: vec!["Day", "Site", "Member of staff", "Sign-ups"],
            rows: tallies
                .iter()
                .map(|t| {
                    vec![t.day.to_string(), (context.site)(&t.site), (context.person)(&t.by), t.sign_ups.to_string()]
                })
                .collect(),
        },
    ];
    Dashboard { range, days: days.into_values().collect(), tables, breached_now, due_soon_now }
}

/// How fresh the device's data is, for the line under the dashboard's heading.
pub fn freshness(last_synced_ms: Option<u64>, now_ms: u64) -> String {
    let Some(synced) = last_synced_ms else {
        return "Not synced yet on this device: figures show only what was recorded here".to_owned();
    };
    let minutes = now_ms.saturating_sub(synced) / 60_000;
    match minutes {
        0 => "Figures from this device, synced less than a minute ago".to_owned(),
        1..=59 => format!("Figures from this device, synced {minutes} min ago"),
        60..=2_879 => format!("Figures from this device, synced {} h ago", minutes / 60),
        _ => format!("Figures from this device, synced {} days ago: sync to bring them up to date", minutes / 1_440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::OpeningHours;
    use crate::hlc::Hlc;
    use crate::op::{Op, OpBody};

    const MONDAY_9: u64 = 1_795_424_400_000; // 2026-11-23 09:00 UTC
    const HOUR: u64 = 3_600_000;

    fn op(id: &str, wall_ms: u64, actor: &str, record: &str, body: OpBody) -> Op {
        Op {
            id: id.into(),
            device: "tablet".into(),
            seq: 1,
            hlc: Hlc { wall_ms, counter: 0, device: "tablet".into() },
            actor: actor.into(),
            record: record.into(),
            body,
            signature: None,
        }
    }

    fn case(id: &str, site: &str, kind: &str, opened_ms: u64, resolved: Option<(&str, u64)>) -> Record {
        let fields = BTreeMap::from([
            ("patient_name".to_owned(), "Ada Example".to_owned()),
            ("kind".to_owned(), kind.to_owned()),
        ]);
        let create = OpBody::Create { collection: Collection::Case, site: site.into(), fields };
        let mut record = Record::create(&op("c", opened_ms, "ana", id, create)).unwrap();
        if let Some((by, at)) = resolved {
            let seen = record.fields["status"].clock.clone();
            let body = OpBody::SetField { field: "status".into(), value: "resolved".into(), replaces: Some(seen) };
            record.apply(&op("r", at, by, id, body));
        }
        record
    }

    fn records() -> Vec<Record> {
        vec![
            case("s1", "riverside", "sign_up", MONDAY_9, Some(("ana", MONDAY_9 + HOUR))),
            case("s2", "riverside", "sign_up", MONDAY_9, Some(("ben", MONDAY_9 + 3 * HOUR))),
            case("s3", "hilltop", "sign_up", MONDAY_9 + 24 * HOUR, Some(("dan", MONDAY_9 + 26 * HOUR))),
            case("p1", "riverside", "password_reset", MONDAY_9, None),
            case("old", "riverside", "password_reset", MONDAY_9 - 30 * 24 * HOUR, None),
        ]
    }

    fn context_at(
        now_ms: u64,
    ) -> (impl Fn(&SiteId) -> SiteCalendar, impl Fn(&StaffId) -> String, impl Fn(&SiteId) -> String, u64) {
        (
            |_: &SiteId| {
                SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 30)), crate::zone::TimeZone::fixed("UTC", 0))
            },
            |s: &StaffId| s.as_str().to_uppercase(),
            |s: &SiteId| format!("{s} clinic"),
            now_ms,
        )
    }

    fn week() -> DateRange {
        DateRange::new("2026-11-23".parse().unwrap(), "2026-11-29".parse().unwrap()).unwrap()
    }

    #[test]
    fn the_dashboard_counts_sign_ups_cases_breaches_and_median_time_to_resolve() {
        let (calendar, person, site, now_ms) = context_at(MONDAY_9 + 48 * HOUR);
        let context = Context { calendar: &calendar, person: &person, site: &site, now_ms };
        let board = dashboard(&records(), &context, week());
        let by_kind = &board.tables[0];
        assert_eq!(
            by_kind.rows,
            [
                ["Sign-up or registration help", "3", "3", "0", "0", "2.0"].map(String::from).to_vec(),
                ["Password reset", "1", "0", "1", "0", "–"].map(String::from).to_vec(),
            ]
        );
        // Password resets are due within the working day: both are past it, and only the
        // one opened this week counts in the range.
        assert_eq!(board.breached_now, 2);
        assert_eq!(
            board.days[0],
            DayCounts { day: "2026-11-23".parse().unwrap(), opened: 3, resolved: 2, sign_ups: 2 }
        );
        assert_eq!(board.days[1].sign_ups, 1);
        assert_eq!(board.days.len(), 7);
        assert_eq!(
            board.tables[2].rows,
            [vec!["hilltop clinic".to_owned(), "1".into()], vec!["riverside clinic".into(), "2".into()]]
        );
        assert_eq!(board.tables[3].rows.len(), 3);
        assert_eq!(median(vec![5, 1, 3, 100]), Some(3));
        assert_eq!(median(Vec::new()), None);
    }

    #[test]
    fn each_csv_export_says_exactly_what_its_table_shows() {
        let (calendar, person, site, now_ms) = context_at(MONDAY_9 + 48 * HOUR);
        let context = Context { calendar: &calendar, person: &person, site: &site, now_ms };
        let board = dashboard(&records(), &context, week());
        for table in &board.tables {
            let csv = table.to_csv();
            let lines: Vec<Vec<String>> = csv
                .split("\r\n")
                .filter(|l| !l.is_empty())
                .map(|l| l.split(',').map(str::to_owned).collect())
                .collect();
            assert_eq!(lines[0], table.columns.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(), "{}", table.id);
            assert_eq!(lines[1..], table.rows[..], "{}", table.id);
        }
        let totals: u32 = board.tables[1].rows.iter().map(|r| r[3].parse::<u32>().unwrap()).sum();
        assert_eq!(totals, 3, "sign-ups per day add up to the sign-ups per site");
    }

    #[test]
    fn csv_cells_are_quoted_and_never_run_as_formulas() {
        let table =
            Table { id: "t", title: "T", columns: vec!["Name"], rows: vec![vec!["=HYPERLINK(\"x\"), y".into()]] };
        assert_eq!(table.to_csv(), "Name\r\n\"'=HYPERLINK(\"\"x\"\"), y\"\r\n");
    }

    #[test]
    fn a_range_is_checked_and_freshness_is_in_words() {
        let day = |d: &str| d.parse::<CivilDate>().unwrap();
        assert!(DateRange::new(day("2026-11-23"), day("2026-11-22")).is_err());
        assert!(DateRange::new(day("2026-01-01"), day("2027-01-02")).is_err());
        assert_eq!(freshness(None, 0), "Not synced yet on this device: figures show only what was recorded here");
        assert_eq!(freshness(Some(0), 5 * 60_000), "Figures from this device, synced 5 min ago");
        assert!(freshness(Some(0), 3 * 86_400_000).contains("3 days ago"));
    }
}
