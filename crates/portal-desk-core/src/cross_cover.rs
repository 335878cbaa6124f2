//! Cross-cover: when someone is away, a supervisor hands their open cases to a
//! colleague in one go. Each reassignment is an ordinary owner change that names the
//! owner it replaces, so a case someone else took meanwhile shows a conflict rather
//! than being silently taken back.

use crate::case::{CaseStatus, Collection};
use crate::ids::{RecordId, SiteId, StaffId};
use crate::op::OpBody;
use crate::record::Record;

/// The open cases `away` owns at `sites`, oldest first: what a cross-cover moves.
pub fn open_cases_of<'a>(records: &'a [Record], away: &StaffId, sites: &[SiteId]) -> Vec<&'a Record> {
    let mut found: Vec<&Record> = records
        .iter()
        .filter(|r| r.collection == Collection::Case && r.archived.is_none() && sites.contains(&r.site))
        .filter(|r| r.field("owner") == Some(away.as_str()))
        .filter(|r| {
            !matches!(
                r.field("status").and_then(CaseStatus::from_code),
                Some(CaseStatus::Resolved | CaseStatus::Closed)
            )
        })
        .collect();
    found.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    found
}

/// The owner changes that hand `cases` to `cover`, one per case.
pub fn reassign(cases: &[&Record], cover: &StaffId) -> Vec<(RecordId, OpBody)> {
    cases
        .iter()
        .filter(|case| case.field("owner") != Some(cover.as_str()))
        .map(|case| {
            let body = OpBody::SetField {
                field: "owner".into(),
                value: cover.to_string(),
                replaces: case.fields.get("owner").map(|r| r.clock.clone()),
            };
            (case.id.clone(), body)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::op::Op;
    use std::collections::BTreeMap;

    fn op(id: &str, wall_ms: u64, record: &str, body: OpBody) -> Op {
        Op {
            id: id.into(),
            device: "desk".into(),
            seq: 1,
            hlc: Hlc { wall_ms, counter: 0, device: "desk".into() },
            actor: "carys".into(),
            record: record.into(),
            body,
            signature: None,
        }
    }

    fn case(id: &str, site: &str, owner: &str, status: &str, wall_ms: u64) -> Record {
        let fields = BTreeMap::from([
            ("patient_name".to_owned(), "Ada Example".to_owned()),
            ("kind".to_owned(), "sign_up".to_owned()),
            ("owner".to_owned(), owner.to_owned()),
            ("status".to_owned(), status.to_owned()),
        ]);
        Record::create(&op(id, wall_ms, id, OpBody::Create { collection: Collection::Case, site: site.into(), fields }))
            .unwrap()
    }

    #[test]
    fn only_the_open_cases_of_the_person_away_at_the_supervisors_sites_move() {
        let records = [
            case("c2", "riverside", "ben", "in_progress", 2),
            case("c1", "riverside", "ben", "new", 1),
            case("done", "riverside", "ben", "resolved", 3),
            case("asha", "riverside", "asha", "new", 4),
            case("far", "hilltop", "ben", "new", 5),
        ];
        let moving = open_cases_of(&records, &"ben".into(), &["riverside".into()]);
        let ids: Vec<&str> = moving.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        let ops = reassign(&moving, &"asha".into());
        assert_eq!(ops.len(), 2);
        let mut moved = records[1].clone();
        let (record, body) = &ops[0];
        assert_eq!(record.as_str(), "c1");
        assert_eq!(moved.apply(&op("m", 10, "c1", body.clone())), crate::Outcome::Applied);
        assert_eq!(moved.field("owner"), Some("asha"));
        assert!(moved.conflicts.is_empty(), "it names the owner it replaces");
        assert!(reassign(&moving, &"ben".into()).is_empty(), "nothing to do when the cover is the owner");
    }
}
