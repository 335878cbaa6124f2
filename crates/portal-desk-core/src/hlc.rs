//! Hybrid logical clocks (Kulkarni et al., 2014): timestamps that follow physical time
//! closely yet respect causality, with the device id breaking ties so that every
//! timestamp in the system is unique and totally ordered.

use crate::ids::DeviceId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use thiserror::Error;

/// How far ahead of this machine's physical time a remote clock may be before it is
/// refused: five minutes covers ordinary drift between tablets and the server.
pub const MAX_DRIFT_MS: u64 = 5 * 60 * 1000;

/// One hybrid-logical-clock timestamp.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hlc {
    /// The largest physical time (milliseconds since the Unix epoch) seen so far.
    pub wall_ms: u64,
    /// Events within the same `wall_ms`.
    pub counter: u32,
    /// The device that produced the timestamp; breaks ties.
    pub device: DeviceId,
}

impl Ord for Hlc {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.wall_ms, self.counter, &self.device).cmp(&(other.wall_ms, other.counter, &other.device))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a timestamp was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ClockError {
    /// The remote clock is further ahead of physical time than [`MAX_DRIFT_MS`].
    #[error(
        "This device's clock is {} fast. Set its date and time to update automatically, \
         then send the change again from Changes on this device.",
        fast_by_words(*ahead_ms)
    )]
    TooFarAhead {
        /// The device whose clock is ahead.
        device: DeviceId,
        /// By how much.
        ahead_ms: u64,
    },
}

/// How fast a clock is, in the words a person sets a clock by: "10 minutes",
/// "2 hours", "3 days" (rounded to the nearest; never "0").
fn fast_by_words(ms: u64) -> String {
    let unit = |n: u64, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    let rounded = |unit_ms: u64| ((ms + unit_ms / 2) / unit_ms).max(1);
    if ms < 120_000 {
        unit(rounded(1_000), "second")
    } else if ms < 7_200_000 {
        unit(rounded(60_000), "minute")
    } else if ms < 172_800_000 {
        unit(rounded(3_600_000), "hour")
    } else {
        unit(rounded(86_400_000), "day")
    }
}

/// The clock state one device (or the server) keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// The last timestamp issued or observed.
    pub last: Hlc,
}

impl Clock {
    /// A fresh clock for `device`, before any event.
    pub fn new(device: DeviceId) -> Self {
        Self { last: Hlc { wall_ms: 0, counter: 0, device } }
    }

    /// Issues a timestamp for a local event at physical time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        if now_ms > self.last.wall_ms {
            self.last.wall_ms = now_ms;
            self.last.counter = 0;
        } else {
            self.last.counter += 1;
        }
        self.last.clone()
    }

    /// Takes a remote timestamp into account, so later local events sort after it.
    /// Refuses timestamps further than [`MAX_DRIFT_MS`] ahead of `now_ms`.
    pub fn observe(&mut self, remote: &Hlc, now_ms: u64) -> Result<(), ClockError> {
        check_drift(remote, now_ms)?;
        let wall = self.last.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = if wall == self.last.wall_ms && wall == remote.wall_ms {
            self.last.counter.max(remote.counter) + 1
        } else if wall == self.last.wall_ms {
            self.last.counter + 1
        } else if wall == remote.wall_ms {
            remote.counter + 1
        } else {
            0
        };
        self.last.wall_ms = wall;
        self.last.counter = counter;
        Ok(())
    }
}

impl Clock {
    /// Takes into account a timestamp the server has already accepted (one in a record
    /// pulled from it), so that changes made after seeing it sort after it. Unlike
    /// [`Clock::observe`] it never refuses: the drift check was the server's to make,
    /// and a device whose own clock is behind must still order its edits after what
    /// it has seen.
    pub fn witness(&mut self, remote: &Hlc) {
        if (remote.wall_ms, remote.counter) > (self.last.wall_ms, self.last.counter) {
            self.last.wall_ms = remote.wall_ms;
            self.last.counter = remote.counter;
        }
    }
}

/// Refuses a timestamp that is further than [`MAX_DRIFT_MS`] ahead of `now_ms`.
pub fn check_drift(remote: &Hlc, now_ms: u64) -> Result<(), ClockError> {
    let ahead_ms = remote.wall_ms.saturating_sub(now_ms);
    if ahead_ms > MAX_DRIFT_MS {
        return Err(ClockError::TooFarAhead { device: remote.device.clone(), ahead_ms });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(device: &str) -> Clock {
        Clock::new(DeviceId::from(device))
    }

    #[test]
    fn tick_follows_physical_time() {
        let mut c = clock("a");
        assert_eq!(c.tick(1_000).wall_ms, 1_000);
        assert_eq!(c.tick(2_000), Hlc { wall_ms: 2_000, counter: 0, device: "a".into() });
    }

    #[test]
    fn tick_counts_when_physical_time_stalls_or_goes_back() {
        let mut c = clock("a");
        let first = c.tick(5_000);
        let second = c.tick(5_000);
        let third = c.tick(4_000);
        assert!(first < second && second < third);
        assert_eq!(third.wall_ms, 5_000);
        assert_eq!(third.counter, 2);
    }

    #[test]
    fn observe_orders_later_local_events_after_remote() {
        let mut c = clock("a");
        c.tick(1_000);
        let remote = Hlc { wall_ms: 3_000, counter: 7, device: "b".into() };
        c.observe(&remote, 2_000).unwrap();
        let next = c.tick(2_000);
        assert!(next > remote);
    }

    #[test]
    fn device_breaks_ties() {
        let a = Hlc { wall_ms: 1, counter: 1, device: "a".into() };
        let b = Hlc { wall_ms: 1, counter: 1, device: "b".into() };
        assert!(a < b);
    }

    #[test]
    fn a_fast_clock_is_named_in_minutes_with_the_fix() {
        let error = ClockError::TooFarAhead { device: "tablet".into(), ahead_ms: 599_820 };
        assert_eq!(
            error.to_string(),
            "This device's clock is 10 minutes fast. Set its date and time to update automatically, \
             then send the change again from Changes on this device."
        );
        assert_eq!(fast_by_words(90_000), "90 seconds");
        assert_eq!(fast_by_words(3_600_000), "60 minutes");
        assert_eq!(fast_by_words(7_200_000), "2 hours");
        assert_eq!(fast_by_words(3 * 86_400_000), "3 days");
    }

    #[test]
    fn clock_far_ahead_is_refused() {
        let mut c = clock("server");
        let remote = Hlc { wall_ms: 1_000 + MAX_DRIFT_MS + 1, counter: 0, device: "tablet".into() };
        let err = c.observe(&remote, 1_000).unwrap_err();
        assert!(err.to_string().contains("Set its date and time"), "the fix is named: {err}");
        assert_eq!(c.last.wall_ms, 0, "a refused timestamp leaves the clock unchanged");
    }

    #[test]
    fn witnessed_clocks_order_later_local_events_after_them_even_when_behind() {
        let mut c = clock("a");
        c.tick(1_000);
        let pulled = Hlc { wall_ms: 1_000 + MAX_DRIFT_MS * 2, counter: 4, device: "z".into() };
        c.witness(&pulled);
        assert!(c.tick(1_000) > pulled);
        let older = Hlc { wall_ms: 5, counter: 0, device: "z".into() };
        c.witness(&older);
        assert_eq!(c.last.wall_ms, pulled.wall_ms);
    }
}
