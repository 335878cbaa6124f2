//! Service-level clocks: how long a case may take, by kind and priority, counted in the
//! site's open hours; paused while waiting on the patient; stopped once resolved. Also
//! the rule that every request is actioned and signed off within 7 days.
//!
//! Everything is computed from the case's status history and the time the caller
//! passes in, so the clock keeps running correctly on a tablet that is offline.

use crate::calendar::SiteCalendar;
use crate::case::{CaseKind, CaseStatus, Priority};
use serde::{Deserialize, Serialize};

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;

/// A case counts as due soon when no more than this share of its target is left.
pub const DUE_SOON_DIVISOR: u64 = 4;

/// The sign-off rule: requests are actioned and signed off within 7 calendar days.
pub const SIGN_OFF_MS: u64 = 7 * 24 * HOUR_MS;

/// A sign-off counts as due soon in its last day.
pub const SIGN_OFF_DUE_SOON_MS: u64 = 24 * HOUR_MS;

/// How much open time a case may take, in minutes, by kind and priority. A working
/// day is taken as 8 open hours.
pub fn target_open_minutes(kind: CaseKind, priority: Priority) -> u32 {
    use CaseKind::*;
    use Priority::*;
    let hours = match (kind, priority) {
        // Safeguarding concerns are escalated the same working session.
        (Safeguarding, Urgent) => 1,
        (Safeguarding, High) => 2,
        (Safeguarding, Normal | Low) => 4,
        // A patient locked out of their account, or a triage request waiting to be
        // seen, cannot wait days.
        (PasswordReset | AccountUnlock | ConsultationTriage, Urgent) => 1,
        (PasswordReset | AccountUnlock | ConsultationTriage, High) => 4,
        (PasswordReset | AccountUnlock | ConsultationTriage, Normal) => 8,
        (PasswordReset | AccountUnlock | ConsultationTriage, Low) => 16,
        (_, Urgent) => 2,
        (_, High) => 8,
        (_, Normal) => 24,
        (_, Low) => 40,
    };
    hours * 60
}

/// One change of a case's status, at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// When (milliseconds since the Unix epoch).
    pub at_ms: u64,
    /// The status from then on.
    pub status: CaseStatus,
}

/// Where a case stands against its service level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Counting, with time to spare.
    OnTrack,
    /// Counting, with a quarter of the target or less left.
    DueSoon,
    /// Past the target (whether still open, paused or resolved late).
    Breached,
    /// Waiting on the patient: the clock is stopped until they reply.
    Paused,
    /// Resolved or closed within the target.
    Met,
}

impl SlaState {
    /// The plain-English label for the case list.
    pub fn label(self) -> &'static str {
        match self {
            Self::OnTrack => "On track",
            Self::DueSoon => "Due soon",
            Self::Breached => "Breached",
            Self::Paused => "Paused – waiting on patient",
            Self::Met => "Met",
        }
    }
}

/// A case's service-level clock at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaStatus {
    /// The state.
    pub state: SlaState,
    /// The target, in open milliseconds.
    pub target_ms: u64,
    /// Open time counted so far.
    pub used_ms: u64,
    /// When the target will be reached if the case stays as it is now; `None` while
    /// paused or stopped, or if the site does not open again in time.
    pub due_ms: Option<u64>,
}

impl SlaStatus {
    /// Open time left before the target (zero once breached).
    pub fn remaining_ms(&self) -> u64 {
        self.target_ms.saturating_sub(self.used_ms)
    }
}

/// Whether the clock runs (`Some(true)`), pauses (`Some(false)`) or stops (`None`) in a
/// status.
fn counts(status: CaseStatus) -> Option<bool> {
    match status {
        CaseStatus::New | CaseStatus::InProgress | CaseStatus::Escalated => Some(true),
        CaseStatus::WaitingOnPatient => Some(false),
        CaseStatus::Resolved | CaseStatus::Closed => None,
    }
}

/// The service-level clock of a case opened at `opened_ms` with the status changes in
/// `history` (in time order; the case is new before the first), at `now_ms`.
pub fn sla_status(
    calendar: &SiteCalendar,
    kind: CaseKind,
    priority: Priority,
    opened_ms: u64,
    history: &[StatusChange],
    now_ms: u64,
) -> SlaStatus {
    let target_ms = u64::from(target_open_minutes(kind, priority)) * MINUTE_MS;
    // The periods in which the clock runs, up to now: from each change into a running
    // status until the next change.
    let mut running: Vec<(u64, u64)> = Vec::new();
    let mut since = Some(opened_ms);
    let mut current = CaseStatus::New;
    for change in history.iter().filter(|c| c.at_ms <= now_ms) {
        let at = change.at_ms.max(opened_ms);
        if let (Some(start), Some(true)) = (since, counts(current)) {
            if at > start {
                running.push((start, at));
            }
        }
        current = change.status;
        since = Some(at);
    }
    if let (Some(start), Some(true)) = (since, counts(current)) {
        if now_ms > start {
            running.push((start, now_ms));
        }
    }
    let used_ms: u64 = running.iter().map(|&(from, to)| calendar.open_ms_between(from, to)).sum();

    let state = match counts(current) {
        _ if used_ms > target_ms => SlaState::Breached,
        None => SlaState::Met,
        Some(false) => SlaState::Paused,
        Some(true) if target_ms - used_ms <= target_ms / DUE_SOON_DIVISOR => SlaState::DueSoon,
        Some(true) => SlaState::OnTrack,
    };
    let due_ms = match counts(current) {
        Some(true) if used_ms <= target_ms => calendar.add_open_ms(now_ms, target_ms - used_ms),
        _ => None,
    };
    // A breached case still shows when it fell due: the moment the target was used up.
    let due_ms = if state == SlaState::Breached { when_used_up(calendar, &running, target_ms) } else { due_ms };
    SlaStatus { state, target_ms, used_ms, due_ms }
}

fn when_used_up(calendar: &SiteCalendar, running: &[(u64, u64)], target_ms: u64) -> Option<u64> {
    let mut left = target_ms;
    for &(from, to) in running {
        let open = calendar.open_ms_between(from, to);
        if open > left || (open == left && left > 0) {
            return calendar.add_open_ms(from, left);
        }
        left -= open;
    }
    None
}

/// Where a request stands against the 7-day sign-off rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOffState {
    /// More than a day left.
    OnTrack,
    /// In its last day.
    DueSoon,
    /// Not signed off within 7 days.
    Breached,
    /// Signed off in time.
    SignedOff,
    /// Signed off, but after 7 days.
    SignedOffLate,
}

/// The 7-day sign-off rule for a request received at `received_ms`: the deadline, and
/// the state at `now_ms`. These are calendar days: the rule is about the patient's
/// wait, not the team's hours.
pub fn sign_off_status(received_ms: u64, signed_off_ms: Option<u64>, now_ms: u64) -> (u64, SignOffState) {
    let due = received_ms + SIGN_OFF_MS;
    let state = match signed_off_ms {
        Some(at) if at <= due => SignOffState::SignedOff,
        Some(_) => SignOffState::SignedOffLate,
        None if now_ms > due => SignOffState::Breached,
        None if due - now_ms <= SIGN_OFF_DUE_SOON_MS => SignOffState::DueSoon,
        None => SignOffState::OnTrack,
    };
    (due, state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::{london, utc, HOUR};

    fn change(at_ms: u64, status: CaseStatus) -> StatusChange {
        StatusChange { at_ms, status }
    }

    #[test]
    fn targets_follow_kind_and_priority() {
        assert_eq!(target_open_minutes(CaseKind::Safeguarding, Priority::Urgent), 60);
        assert_eq!(target_open_minutes(CaseKind::PasswordReset, Priority::Normal), 8 * 60);
        assert_eq!(target_open_minutes(CaseKind::Complaint, Priority::Normal), 24 * 60);
        assert_eq!(target_open_minutes(CaseKind::ImagingTransfer, Priority::Low), 40 * 60);
    }

    #[test]
    fn a_normal_case_opened_friday_afternoon_is_due_the_following_wednesday() {
        // 24 open hours from Friday 27 Nov 16:00: 2 on Friday, 10 Monday, 10 Tuesday,
        // 2 on Wednesday, so due Wednesday 2 December at 10:00.
        let opened = utc("2026-11-27", 16, 0);
        let status = sla_status(&london(), CaseKind::RecordQuery, Priority::Normal, opened, &[], opened);
        assert_eq!(status.state, SlaState::OnTrack);
        assert_eq!(status.due_ms, Some(utc("2026-12-02", 10, 0)));
        assert_eq!(status.remaining_ms(), 24 * HOUR);
    }

    #[test]
    fn the_clock_does_not_run_overnight_or_at_the_weekend() {
        let opened = utc("2026-11-27", 16, 0);
        let monday = utc("2026-11-30", 9, 0);
        let status = sla_status(&london(), CaseKind::RecordQuery, Priority::Normal, opened, &[], monday);
        assert_eq!(status.used_ms, 3 * HOUR);
        assert_eq!(status.due_ms, Some(utc("2026-12-02", 10, 0)));
    }

    #[test]
    fn due_soon_in_the_last_quarter_then_breached() {
        // Urgent record query: 2 open hours from Monday 09:00.
        let opened = utc("2026-11-23", 9, 0);
        let calendar = london();
        let at =
            |h, m| sla_status(&calendar, CaseKind::RecordQuery, Priority::Urgent, opened, &[], utc("2026-11-23", h, m));
        assert_eq!(at(10, 29).state, SlaState::OnTrack);
        assert_eq!(at(10, 30).state, SlaState::DueSoon);
        assert_eq!(at(11, 0).state, SlaState::DueSoon);
        let breached = at(11, 1);
        assert_eq!(breached.state, SlaState::Breached);
        assert_eq!(breached.due_ms, Some(utc("2026-11-23", 11, 0)));
    }

    #[test]
    fn waiting_on_the_patient_pauses_the_clock_and_moves_the_due_time() {
        // Urgent record query opened Monday 09:00; waiting on the patient from 09:30
        // to 13:30; 30 minutes used before, so due 15:00 instead of 11:00.
        let opened = utc("2026-11-23", 9, 0);
        let history = [
            change(utc("2026-11-23", 9, 30), CaseStatus::WaitingOnPatient),
            change(utc("2026-11-23", 13, 30), CaseStatus::InProgress),
        ];
        let calendar = london();
        let paused = sla_status(
            &calendar,
            CaseKind::RecordQuery,
            Priority::Urgent,
            opened,
            &history[..1],
            utc("2026-11-23", 12, 0),
        );
        assert_eq!(paused.state, SlaState::Paused);
        assert_eq!(paused.due_ms, None);
        assert_eq!(paused.used_ms, 30 * 60_000);
        let resumed =
            sla_status(&calendar, CaseKind::RecordQuery, Priority::Urgent, opened, &history, utc("2026-11-23", 14, 0));
        assert_eq!(resumed.state, SlaState::OnTrack);
        assert_eq!(resumed.used_ms, HOUR);
        assert_eq!(resumed.due_ms, Some(utc("2026-11-23", 15, 0)));
    }

    #[test]
    fn resolving_stops_the_clock_and_reports_met_or_breached() {
        let opened = utc("2026-11-23", 9, 0);
        let calendar = london();
        let in_time = [change(utc("2026-11-23", 10, 0), CaseStatus::Resolved)];
        let met =
            sla_status(&calendar, CaseKind::RecordQuery, Priority::Urgent, opened, &in_time, utc("2026-11-30", 9, 0));
        assert_eq!(met.state, SlaState::Met);
        assert_eq!(met.used_ms, HOUR);
        let late = [change(utc("2026-11-23", 12, 0), CaseStatus::Resolved)];
        let breached =
            sla_status(&calendar, CaseKind::RecordQuery, Priority::Urgent, opened, &late, utc("2026-11-30", 9, 0));
        assert_eq!(breached.state, SlaState::Breached);
        assert_eq!(breached.due_ms, Some(utc("2026-11-23", 11, 0)));
    }

    #[test]
    fn a_reopened_case_counts_again_from_where_it_stopped() {
        let opened = utc("2026-11-23", 9, 0);
        let history = [
            change(utc("2026-11-23", 10, 0), CaseStatus::Resolved),
            change(utc("2026-11-24", 9, 0), CaseStatus::InProgress),
        ];
        let status =
            sla_status(&london(), CaseKind::RecordQuery, Priority::Urgent, opened, &history, utc("2026-11-24", 9, 0));
        assert_eq!(status.used_ms, HOUR);
        assert_eq!(status.due_ms, Some(utc("2026-11-24", 10, 0)));
    }

    #[test]
    fn bank_holidays_close_the_clock() {
        // Password reset, high: 4 open hours from Thursday 24 December 16:00 → two that
        // day, Christmas Day and Monday 28th are bank holidays, due Tuesday 10:00.
        let opened = utc("2026-12-24", 16, 0);
        let status = sla_status(&london(), CaseKind::PasswordReset, Priority::High, opened, &[], opened);
        assert_eq!(status.due_ms, Some(utc("2026-12-29", 10, 0)));
    }

    #[test]
    fn sign_off_is_due_seven_calendar_days_after_receipt() {
        let received = utc("2026-11-20", 15, 0);
        let due = utc("2026-11-27", 15, 0);
        assert_eq!(sign_off_status(received, None, utc("2026-11-22", 9, 0)), (due, SignOffState::OnTrack));
        assert_eq!(sign_off_status(received, None, utc("2026-11-26", 16, 0)), (due, SignOffState::DueSoon));
        assert_eq!(sign_off_status(received, None, utc("2026-11-27", 15, 1)), (due, SignOffState::Breached));
        assert_eq!(
            sign_off_status(received, Some(utc("2026-11-24", 9, 0)), utc("2026-12-01", 9, 0)).1,
            SignOffState::SignedOff
        );
        assert_eq!(
            sign_off_status(received, Some(utc("2026-11-28", 9, 0)), utc("2026-12-01", 9, 0)).1,
            SignOffState::SignedOffLate
        );
    }
}
