//! Staff and their roles, with what each role may do. The server enforces these on
//! every request; the app uses the same table to hide what a person cannot do.
//!
//! Need-to-know (Caldicott) shapes the table: restricted cases (safeguarding and
//! complaints) are open to supervisors, not to every analyst, and an admin who runs
//! the system does not by that fact see patients' restricted cases.

use crate::ids::{SiteId, StaffId};
use serde::{Deserialize, Serialize};

/// A member of staff's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Front-line helpdesk or enrolment analyst.
    Analyst,
    /// Team lead: assigns, signs off, sees restricted cases.
    Supervisor,
    /// Runs the system: staff, sites, templates.
    Admin,
}

/// Something a person may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See unrestricted cases at their sites.
    ViewCases,
    /// Create and edit cases and work through their checklists.
    EditCases,
    /// See restricted cases (safeguarding, complaints) they did not create or own.
    ViewRestrictedCases,
    /// Assign cases to other people.
    AssignCases,
    /// Sign off a request under the 7-day rule, and approve proxy access.
    SignOff,
    /// Choose the value to keep when two people's edits conflicted.
    ResolveConflicts,
    /// Reopen a closed case.
    ReopenCases,
    /// Read the audit trail of who viewed and changed what.
    ViewAudit,
    /// Accept or reject changes the server kept because it could not prove who made
    /// them (made before a device could sign, or by someone since deactivated).
    ReviewHeldChanges,
    /// Add, change and retire staff accounts.
    ManageStaff,
    /// Change sites, their calendars and capacity limits.
    ManageSites,
    /// Publish new checklist template versions.
    ManageTemplates,
}

impl Role {
    /// Every role, least to most privileged in the system.
    pub const ALL: [Role; 3] = [Role::Analyst, Role::Supervisor, Role::Admin];

    /// The stable code (the `role` of [`crate::protocol::StaffProfile`]).
    pub fn code(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The plain-English label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Analyst => "Analyst",
            Role::Supervisor => "Supervisor",
            Role::Admin => "Admin",
        }
    }

    /// Whether this role may do `permission`.
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Analyst => matches!(permission, ViewCases | EditCases | ResolveConflicts),
            Role::Supervisor => !matches!(permission, ManageStaff | ManageSites | ManageTemplates),
            Role::Admin => {
                !matches!(permission, ViewRestrictedCases | EditCases | SignOff | ResolveConflicts | ReviewHeldChanges)
            }
        }
    }
}

/// A member of staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// Their id.
    pub id: StaffId,
    /// Their name, as shown to colleagues.
    pub name: String,
    /// Their work email address (their sign-in).
    pub email: String,
    /// Their role.
    pub role: Role,
    /// The sites whose cases they work on.
    pub sites: Vec<SiteId>,
    /// Whether they may still sign in.
    pub active: bool,
}

impl Staff {
    /// Whether they may do `permission` at all (they must be active).
    pub fn may(&self, permission: Permission) -> bool {
        self.active && self.role.may(permission)
    }

    /// Whether they work at `site`.
    pub fn works_at(&self, site: &SiteId) -> bool {
        self.sites.contains(site)
    }
}

/// A colleague as the staff directory shows them on every device: enough to show a
/// name instead of an id and to offer assignees. Their email is given only to those who
/// manage staff accounts (minimum data); passwords never leave the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    /// Their id.
    pub id: StaffId,
    /// Their name, as shown to colleagues.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The sites whose cases they work on.
    pub sites: Vec<SiteId>,
    /// Whether they may still sign in (a deactivated colleague's name still shows on
    /// the cases they worked on).
    pub active: bool,
    /// Their work email: only in the directory an admin sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The name to show for `id`: the colleague's name from the directory, or a short
/// stand-in made from the id when the directory has not synced yet.
pub fn display_name(directory: &[Colleague], id: &StaffId) -> String {
    directory.iter().find(|c| &c.id == id).map_or_else(
        || format!("Colleague {}", id.as_str().chars().filter(|c| *c != '-').take(8).collect::<String>()),
        |c| c.name.clone(),
    )
}

/// The active colleagues at `site` a case there may be assigned to, by name.
pub fn assignees<'a>(directory: &'a [Colleague], site: &SiteId) -> Vec<&'a Colleague> {
    let mut found: Vec<&Colleague> =
        directory.iter().filter(|c| c.active && c.works_at(site) && c.role.may(Permission::EditCases)).collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

impl Colleague {
    /// Whether they work at `site`.
    pub fn works_at(&self, site: &SiteId) -> bool {
        self.sites.contains(site)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysts_work_cases_but_do_not_sign_off_or_see_restricted_ones() {
        assert!(Role::Analyst.may(Permission::EditCases));
        assert!(Role::Analyst.may(Permission::ResolveConflicts));
        assert!(!Role::Analyst.may(Permission::SignOff));
        assert!(!Role::Analyst.may(Permission::ViewRestrictedCases));
    }

    #[test]
    fn supervisors_sign_off_and_see_restricted_cases_but_do_not_run_the_system() {
        assert!(Role::Supervisor.may(Permission::SignOff));
        assert!(Role::Supervisor.may(Permission::ViewRestrictedCases));
        assert!(Role::Supervisor.may(Permission::ReopenCases));
        assert!(!Role::Supervisor.may(Permission::ManageStaff));
    }

    #[test]
    fn admins_run_the_system_without_need_to_know_access() {
        assert!(Role::Admin.may(Permission::ManageTemplates));
        assert!(Role::Admin.may(Permission::ViewAudit));
        assert!(!Role::Admin.may(Permission::ViewRestrictedCases));
        assert!(!Role::Admin.may(Permission::EditCases));
    }

    #[test]
    fn inactive_staff_may_do_nothing() {
        let staff = Staff {
            id: "ana".into(),
            name: "Ana".into(),
            email: "ana@example.nhs.uk".into(),
            role: Role::Supervisor,
            sites: vec!["riverside".into()],
            active: false,
        };
        assert!(!staff.may(Permission::ViewCases));
        assert!(staff.works_at(&"riverside".into()));
        assert_eq!(Role::from_code("supervisor"), Some(Role::Supervisor));
    }

    fn colleague(id: &str, name: &str, role: Role, active: bool) -> Colleague {
        Colleague { id: id.into(), name: name.into(), role, sites: vec!["riverside".into()], active, email: None }
    }

    #[test]
    fn the_directory_names_colleagues_and_offers_active_case_workers_as_assignees() {
        let directory = [
            colleague("b-1", "Ben Okafor", Role::Analyst, true),
            colleague("a-1", "Asha Patel", Role::Analyst, true),
            colleague("c-1", "Carys Jones", Role::Supervisor, true),
            colleague("s-1", "Sam Admin", Role::Admin, true),
            colleague("x-1", "Xavier Left", Role::Analyst, false),
        ];
        assert_eq!(display_name(&directory, &"b-1".into()), "Ben Okafor");
        assert_eq!(display_name(&directory, &"1a2b3c4d-5e6f".into()), "Colleague 1a2b3c4d");
        let names: Vec<&str> = assignees(&directory, &"riverside".into()).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Asha Patel", "Ben Okafor", "Carys Jones"]);
        assert!(assignees(&directory, &"hilltop".into()).is_empty());
    }
}
