//! Who may read and change which record, from the core's role table
//! ([`portal_desk_core::staff`]): the rules behind both the pull filter and the push
//! checks (the SQL in each store mirrors [`may_read`] so that pull pages fill with
//! visible records).

use crate::db::{Permission, Role};
use portal_desk_core::case::{CaseKind, CaseStatus, Channel, Collection};
use portal_desk_core::{Op, OpBody, Record, SiteId, StaffId};

/// Whether `staff` (with `role`, working at `sites`) may read `record`: only records of
/// their own sites, and restricted ones (safeguarding, complaint) only if their role
/// may view restricted cases (supervisors: need-to-know, so not admins as such) or they
/// created or own the case.
pub fn may_read(staff: &StaffId, role: Role, sites: &[SiteId], record: &Record) -> bool {
    if !sites.contains(&record.site) {
        return false;
    }
    !record.is_restricted()
        || role.may(Permission::ViewRestrictedCases)
        || &record.created_by == staff
        || record.field("owner") == Some(staff.as_str())
}

/// Why `actor` (with `role`) may not make `op` on `stored`, in words for the person who
/// made the change; `None` if they may. Site membership and readability are checked
/// separately.
pub fn write_refusal(actor: &StaffId, role: Role, op: &Op, stored: Option<&Record>) -> Option<String> {
    let missing = |permission: Permission, what: &str| {
        (!role.may(permission))
            .then(|| format!("A {} cannot {what}; ask a colleague who can", role.label().to_lowercase()))
    };
    if let Some(refusal) = missing(Permission::EditCases, "create or change cases") {
        return Some(refusal);
    }
    let assigns_someone_else = |owner: &str| !owner.is_empty() && owner != actor.as_str();
    match &op.body {
        OpBody::Create { fields, .. } if fields.get("owner").is_some_and(|o| assigns_someone_else(o)) => {
            missing(Permission::AssignCases, "assign cases to other people")
        }
        OpBody::ResolveConflict { .. } => missing(Permission::ResolveConflicts, "resolve conflicting edits"),
        OpBody::SetField { field, value, .. } if field == "owner" && assigns_someone_else(value) => {
            missing(Permission::AssignCases, "assign cases to other people")
        }
        OpBody::SetField { field, value, .. } if field == "status" => {
            let closed = stored.and_then(|r| r.field("status")) == Some(CaseStatus::Closed.code());
            if closed && value != CaseStatus::Closed.code() {
                missing(Permission::ReopenCases, "reopen a closed case")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The collection `op` writes to: the one it creates, or the stored record's.
pub fn collection_of(op: &Op, stored: Option<&Record>) -> Option<Collection> {
    match (&op.body, stored) {
        (_, Some(record)) => Some(record.collection),
        (OpBody::Create { collection, .. }, None) => Some(*collection),
        _ => None,
    }
}

/// Why `role` may not write a record of `collection` that only admins may write
/// (site settings, checklist templates); `None` if they may, or if anyone at the site
/// may.
pub fn admin_refusal(role: Role, collection: Collection) -> Option<String> {
    let permission = collection.admin_permission()?;
    let what = match collection {
        Collection::Template => "publish checklist templates",
        _ => "change site calendars and request limits",
    };
    (!role.may(permission)).then(|| format!("Only an admin can {what}; ask your admin to make this change"))
}

/// Why a kiosk at `kiosk_site` may not send `op`, if it may not: a kiosk only creates
/// self-registration (sign-up) cases, taken at the kiosk, at its own site.
pub fn kiosk_refusal(kiosk_site: &SiteId, op: &Op) -> Option<String> {
    let allowed = match &op.body {
        OpBody::Create { site, fields, .. } => {
            site == kiosk_site
                && fields.get("kind").map(String::as_str) == Some(CaseKind::SignUp.code())
                && fields.get("channel").map(String::as_str) == Some(Channel::Kiosk.code())
        }
        _ => false,
    };
    (!allowed)
        .then(|| "This device is a self-registration kiosk: it can only start sign-up cases at its own site".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::{apply_op, Hlc};

    fn op(actor: &str, body: OpBody) -> Op {
        Op {
            id: "op-1".into(),
            device: "tablet".into(),
            seq: 1,
            hlc: Hlc { wall_ms: 1, counter: 0, device: "tablet".into() },
            actor: actor.into(),
            record: "case-1".into(),
            body,
            signature: None,
        }
    }

    fn case(kind: &str, site: &str, creator: &str) -> Record {
        let fields =
            [("patient_name", "Test Patient"), ("kind", kind)].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let create = op(
            creator,
            OpBody::Create { collection: portal_desk_core::case::Collection::Case, site: site.into(), fields },
        );
        apply_op(None, &create).0.unwrap()
    }

    fn set(actor: &str, field: &str, value: &str) -> Op {
        op(actor, OpBody::SetField { field: field.into(), value: value.into(), replaces: None })
    }

    #[test]
    fn other_sites_are_never_readable() {
        let record = case("sign_up", "hilltop", "dan");
        assert!(!may_read(&"carys".into(), Role::Supervisor, &["riverside".into()], &record));
    }

    #[test]
    fn restricted_cases_are_for_supervisors_creators_and_owners() {
        let record = case("safeguarding", "riverside", "ben");
        let sites = ["riverside".into()];
        assert!(!may_read(&"asha".into(), Role::Analyst, &sites, &record));
        assert!(!may_read(&"sam".into(), Role::Admin, &sites, &record), "need-to-know: not admins as such");
        assert!(may_read(&"ben".into(), Role::Analyst, &sites, &record));
        assert!(may_read(&"carys".into(), Role::Supervisor, &sites, &record));
    }

    #[test]
    fn analysts_take_cases_but_supervisors_assign_them() {
        let record = case("sign_up", "riverside", "ben");
        assert_eq!(write_refusal(&"asha".into(), Role::Analyst, &set("asha", "owner", "asha"), Some(&record)), None);
        assert!(write_refusal(&"asha".into(), Role::Analyst, &set("asha", "owner", "ben"), Some(&record)).is_some());
        assert_eq!(
            write_refusal(&"carys".into(), Role::Supervisor, &set("carys", "owner", "ben"), Some(&record)),
            None
        );
    }

    #[test]
    fn only_admins_write_site_settings_and_templates() {
        for collection in [Collection::Site, Collection::Template] {
            assert!(admin_refusal(Role::Analyst, collection).unwrap().contains("Only an admin"));
            assert!(admin_refusal(Role::Supervisor, collection).is_some());
            assert_eq!(admin_refusal(Role::Admin, collection), None);
        }
        assert_eq!(admin_refusal(Role::Analyst, Collection::Case), None);
    }

    #[test]
    fn admins_run_the_system_and_do_not_edit_cases() {
        let refusal = write_refusal(&"sam".into(), Role::Admin, &set("sam", "priority", "high"), None);
        assert!(refusal.unwrap().contains("admin cannot create or change cases"));
    }

    #[test]
    fn only_supervisors_reopen_closed_cases() {
        let mut record = case("sign_up", "riverside", "ben");
        let mut close = set("ben", "status", "closed");
        close.hlc.wall_ms = 2;
        close.body = OpBody::SetField {
            field: "status".into(),
            value: "closed".into(),
            replaces: Some(record.fields["status"].clock.clone()),
        };
        assert_eq!(record.apply(&close), portal_desk_core::Outcome::Applied);
        assert_eq!(record.field("status"), Some("closed"));
        let reopen = set("ben", "status", "in_progress");
        assert!(write_refusal(&"ben".into(), Role::Analyst, &reopen, Some(&record)).is_some());
        assert_eq!(write_refusal(&"carys".into(), Role::Supervisor, &reopen, Some(&record)), None);
    }
}
