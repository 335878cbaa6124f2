//! Sites and devices: where a team works, with its calendar and daily capacity, and
//! the tablets and desktops that make changes there.

use crate::calendar::SiteCalendar;
use crate::date::CivilDate;
use crate::ids::{DeviceId, SiteId};
use serde::{Deserialize, Serialize};

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
}

impl Site {
    /// The online-consultation request limit for `date`: none on a day the site is
    /// closed (bank holidays, weekends), and the limit scaled by the share of the
    /// normal day the site is open (protected learning time, say), rounded down.
    pub fn request_limit_on(&self, date: CivilDate) -> Option<u32> {
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
        let site = Site { id: "riverside".into(), name: "Riverside".into(), calendar, daily_request_limit: Some(120) };
        assert_eq!(site.request_limit_on("2026-11-24".parse().unwrap()), Some(120));
        assert_eq!(site.request_limit_on("2026-11-25".parse().unwrap()), Some(60));
        assert_eq!(site.request_limit_on("2026-12-25".parse().unwrap()), Some(0));
        assert_eq!(site.request_limit_on("2026-11-28".parse().unwrap()), Some(0));
    }
}
