//! Key performance indicators for sign-up drives: sign-ups completed per day, per site
//! and per person, counted from the cases themselves so that a tablet can show the
//! day's tally offline and the server's report agrees with it.

use crate::case::{CaseKind, CaseStatus};
use crate::date::CivilDate;
use crate::ids::{SiteId, StaffId};
use crate::record::Record;
use crate::zone::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of the sign-up report.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SignUpTally {
    /// The site-local day.
    pub day: CivilDate,
    /// The site.
    pub site: SiteId,
    /// Who completed the sign-ups.
    pub by: StaffId,
    /// How many.
    pub sign_ups: u32,
}

/// Counts sign-up cases by the day (in `zone`, at the offset of the moment each was
/// resolved), site and person that
/// first resolved them. A case reopened and resolved again counts once, on the first
/// day, for the first person: a sign-up happens once. Archived cases do not count.
pub fn sign_ups_per_day(records: &[Record], zone: &TimeZone) -> Vec<SignUpTally> {
    let mut tally: BTreeMap<(CivilDate, SiteId, StaffId), u32> = BTreeMap::new();
    for record in records.iter().filter(|r| r.case_kind() == Some(CaseKind::SignUp) && r.archived.is_none()) {
        let first_resolved = record.status_history.iter().find(|e| e.to == CaseStatus::Resolved.code());
        if let Some(entry) = first_resolved {
            let day = CivilDate::from_ms(entry.clock.wall_ms as i64, zone.offset_at(entry.clock.wall_ms));
            *tally.entry((day, record.site.clone(), entry.by.clone())).or_default() += 1;
        }
    }
    tally.into_iter().map(|((day, site, by), sign_ups)| SignUpTally { day, site, by, sign_ups }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Collection;
    use crate::hlc::Hlc;
    use crate::op::{Op, OpBody};

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

    /// A case of `kind` created at 09:00 UTC on 23 November 2026 and resolved by
    /// `by` at `resolved_ms`.
    fn resolved(record: &str, kind: &str, by: &str, resolved_ms: u64) -> Record {
        let fields =
            [("patient_name", "Ada Lovelace"), ("kind", kind)].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let created = 1_795_424_400_000;
        let create = OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields };
        let mut case = Record::create(&op("c", created, by, record, create)).unwrap();
        let seen = case.fields["status"].clock.clone();
        let body = OpBody::SetField { field: "status".into(), value: "resolved".into(), replaces: Some(seen) };
        case.apply(&op("r", resolved_ms, by, record, body));
        case
    }

    #[test]
    fn sign_ups_are_counted_per_local_day_site_and_person() {
        let monday_10 = 1_795_428_000_000; // 2026-11-23 10:00 UTC
        let monday_late = 1_795_474_800_000; // 2026-11-23 23:00 UTC, already Tuesday at UTC+1
        let records = [
            resolved("c1", "sign_up", "ana", monday_10),
            resolved("c2", "sign_up", "ana", monday_10 + 60_000),
            resolved("c3", "sign_up", "ben", monday_late),
            resolved("c4", "password_reset", "ana", monday_10),
        ];
        let report = sign_ups_per_day(&records, &crate::zone::TimeZone::fixed("Europe/Paris", 60));
        let rows: Vec<(String, &str, u32)> =
            report.iter().map(|t| (t.day.to_string(), t.by.as_str(), t.sign_ups)).collect();
        assert_eq!(rows, [("2026-11-23".into(), "ana", 2), ("2026-11-24".into(), "ben", 1)]);
    }
}
