//! A site's time zone as a device keeps it offline: its IANA name and the UTC offsets
//! its clocks keep, with the moments they change, for the years [`EXPANDED_YEARS`].
//!
//! The rules themselves come from the time-zone database, which only the server holds
//! (the app would pay hundreds of kilobytes for it): the server expands a zone's
//! transitions into the site's settings record, and every device reads local time
//! from there, offline included. An instant is always shown at the offset in force
//! *at that instant*, so a note made at 14:30 in July reads 14:30 in January too.

use serde::{Deserialize, Serialize};

/// The zone a site keeps when none is chosen.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

/// The years whose clock changes a site record holds: from before any case the
/// product has seen to well beyond a tablet's working life. A server expands a zone
/// for exactly these years, so two servers expand a zone to the same value.
pub const EXPANDED_YEARS: std::ops::RangeInclusive<i32> = 2000..=2050;

/// The most changes a zone may list (Europe/London has 102 in [`EXPANDED_YEARS`]).
pub const MAX_ZONE_CHANGES: usize = 500;

/// From `from_ms` on, site-local clocks are `offset_minutes` ahead of UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UtcOffsetChange {
    /// When the change happens (milliseconds since the Unix epoch).
    pub from_ms: u64,
    /// The new offset: 60 during British Summer Time, 0 in winter.
    pub offset_minutes: i32,
}

/// A time zone's offsets over [`EXPANDED_YEARS`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZone {
    /// Its IANA name, such as `Europe/London`.
    pub name: String,
    /// The UTC offset before the first of `changes`, in minutes east of Greenwich.
    pub utc_offset_minutes: i32,
    /// Later changes of offset, in time order.
    #[serde(default)]
    pub changes: Vec<UtcOffsetChange>,
}

impl TimeZone {
    /// A zone that never changes its offset, such as `UTC`.
    pub fn fixed(name: &str, utc_offset_minutes: i32) -> Self {
        Self { name: name.to_owned(), utc_offset_minutes, changes: Vec::new() }
    }

    /// The UTC offset in force at `ms`.
    pub fn offset_at(&self, ms: u64) -> i32 {
        let after = self.changes.partition_point(|change| change.from_ms <= ms);
        after.checked_sub(1).map_or(self.utc_offset_minutes, |i| self.changes[i].offset_minutes)
    }

    /// Why this zone cannot be a site's, in words an admin can act on.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = (1..=64).contains(&self.name.len())
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !name_ok {
            return Err("Give the time zone's name as the time-zone database spells it, such as Europe/London".into());
        }
        let in_range = |minutes: i32| (-720..=840).contains(&minutes);
        if !in_range(self.utc_offset_minutes) || self.changes.iter().any(|c| !in_range(c.offset_minutes)) {
            return Err("Each UTC offset must be from -720 to 840 minutes".to_owned());
        }
        if self.changes.len() > MAX_ZONE_CHANGES {
            return Err(format!("A time zone may list at most {MAX_ZONE_CHANGES} clock changes"));
        }
        if self.changes.windows(2).any(|w| w[0].from_ms >= w[1].from_ms) {
            return Err("Clock changes must be in time order, each later than the one before".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::date::CivilDate;

    fn utc(date: &str, hour: i64) -> u64 {
        (date.parse::<CivilDate>().unwrap().start_ms(0) + hour * 3_600_000) as u64
    }

    /// Europe/London in 2026 and 2027: British Summer Time from the last Sunday of
    /// March to the last Sunday of October, changing at 01:00 UTC.
    pub(crate) fn london() -> TimeZone {
        TimeZone {
            name: DEFAULT_TIME_ZONE.to_owned(),
            utc_offset_minutes: 0,
            changes: [("2026-03-29", 60), ("2026-10-25", 0), ("2027-03-28", 60), ("2027-10-31", 0)]
                .map(|(date, offset_minutes)| UtcOffsetChange { from_ms: utc(date, 1), offset_minutes })
                .to_vec(),
        }
    }

    #[test]
    fn the_offset_is_the_one_in_force_at_the_instant_not_today() {
        let zone = london();
        assert_eq!(zone.offset_at(utc("2026-01-15", 12)), 0);
        assert_eq!(zone.offset_at(utc("2026-07-14", 13)), 60);
        assert_eq!(zone.offset_at(utc("2026-12-04", 12)), 0);
        assert_eq!(zone.offset_at(utc("2027-07-01", 12)), 60);
    }

    #[test]
    fn the_offset_changes_exactly_at_the_transition() {
        let zone = london();
        let spring = utc("2026-03-29", 1);
        assert_eq!(zone.offset_at(spring - 1), 0);
        assert_eq!(zone.offset_at(spring), 60);
        let autumn = utc("2026-10-25", 1);
        assert_eq!(zone.offset_at(autumn - 1), 60);
        assert_eq!(zone.offset_at(autumn), 0);
    }

    #[test]
    fn a_zone_out_of_order_or_misnamed_is_refused_with_the_fix() {
        assert_eq!(london().check(), Ok(()));
        let mut shuffled = london();
        shuffled.changes.swap(0, 1);
        assert!(shuffled.check().unwrap_err().contains("time order"));
        assert!(TimeZone::fixed("Europe/London; DROP", 0).check().unwrap_err().contains("Europe/London"));
        assert!(TimeZone::fixed("UTC", 900).check().unwrap_err().contains("-720 to 840"));
    }
}
