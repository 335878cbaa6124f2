//! Who may read which record: the one rule behind both the pull filter and the push
//! checks (the SQL in each store mirrors it so that pull pages fill with visible records).

use crate::db::Role;
use portal_desk_core::{Record, SiteId, StaffId};

/// Whether `staff` (with `role`, working at `sites`) may read `record`: only records of
/// their own sites, and restricted ones (safeguarding, complaint) only if they are a
/// supervisor or admin, or created or own the case.
pub fn may_read(staff: &StaffId, role: Role, sites: &[SiteId], record: &Record) -> bool {
    if !sites.contains(&record.site) {
        return false;
    }
    !record.is_restricted()
        || role.sees_all_restricted()
        || &record.created_by == staff
        || record.field("owner") == Some(staff.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::{apply_op, Hlc, Op, OpBody};

    fn case(kind: &str, site: &str, creator: &str) -> Record {
        let fields =
            [("patient_name", "Test Patient"), ("kind", kind)].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let op = Op {
            id: "op-1".into(),
            device: "tablet".into(),
            seq: 1,
            hlc: Hlc { wall_ms: 1, counter: 0, device: "tablet".into() },
            actor: creator.into(),
            record: "case-1".into(),
            body: OpBody::Create { collection: portal_desk_core::case::Collection::Case, site: site.into(), fields },
        };
        apply_op(None, &op).0.unwrap()
    }

    #[test]
    fn other_sites_are_never_readable() {
        let record = case("sign_up", "hilltop", "dan");
        assert!(!may_read(&"carys".into(), Role::Admin, &["riverside".into()], &record));
    }

    #[test]
    fn restricted_cases_are_for_supervisors_creators_and_owners() {
        let record = case("safeguarding", "riverside", "ben");
        let sites = ["riverside".into()];
        assert!(!may_read(&"asha".into(), Role::Analyst, &sites, &record));
        assert!(may_read(&"ben".into(), Role::Analyst, &sites, &record));
        assert!(may_read(&"carys".into(), Role::Supervisor, &sites, &record));
    }
}
