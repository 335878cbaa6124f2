//! What the case page needs from the case's site, read from the records synced to the
//! device: its calendar (service-level clocks count its opening hours, bank holidays
//! and closures) and its checklist catalog (published template versions beside the
//! built-in ones). Published versions are interned for the app's life so the runner's
//! views borrow them as they borrow the built-in ones: a published version is never
//! edited, only superseded, so there are as many as an admin ever publishes.

use crate::queue::calendar::site_calendar;
use portal_desk_core::calendar::SiteCalendar;
use portal_desk_core::case::{CaseKind, Collection};
use portal_desk_core::catalog::Catalog;
use portal_desk_core::checklist::ChecklistTemplate;
use portal_desk_core::{Record, SiteId};
use std::cell::RefCell;

/// The case's site, as the case page uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteSetup {
    /// The calendar its service levels count in.
    pub calendar: SiteCalendar,
    /// The checklist templates it runs.
    pub catalog: Catalog,
}

impl SiteSetup {
    /// `site`'s setup from `records` (its Site and Template records are enough).
    pub fn of(records: &[Record], site: &SiteId) -> Self {
        SiteSetup { calendar: site_calendar(records, site), catalog: Catalog::for_site(records, site) }
    }

    /// Whether `record` is one [`SiteSetup::of`] reads for `site`.
    pub fn reads(record: &Record, site: &SiteId) -> bool {
        &record.site == site && matches!(record.collection, Collection::Site | Collection::Template)
    }

    /// The template version a run of `id` at `version` follows, if the device knows it.
    pub fn template(&self, id: &str, version: u32) -> Option<&'static ChecklistTemplate> {
        self.catalog.find(id, version).map(intern)
    }

    /// The template a new run for `kind` starts on.
    pub fn current_for(&self, kind: CaseKind) -> &'static ChecklistTemplate {
        intern(self.catalog.current_for(kind))
    }
}

thread_local! {
    static INTERNED: RefCell<Vec<&'static ChecklistTemplate>> = const { RefCell::new(Vec::new()) };
}

/// The one `'static` copy of `template`: a built-in one as it is, a published one
/// copied the first time it is seen.
fn intern(template: &ChecklistTemplate) -> &'static ChecklistTemplate {
    if let Some(builtin) = portal_desk_core::templates::find(&template.id, template.version).filter(|b| *b == template)
    {
        return builtin;
    }
    INTERNED.with(|interned| {
        if let Some(known) = interned.borrow().iter().find(|t| **t == template) {
            return *known;
        }
        let leaked: &'static ChecklistTemplate = Box::leak(Box::new(template.clone()));
        interned.borrow_mut().push(leaked);
        leaked
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::templates;

    #[test]
    fn a_builtin_template_is_its_own_copy_and_a_published_one_is_copied_once() {
        let builtin = templates::for_kind(CaseKind::PasswordReset);
        assert!(std::ptr::eq(intern(builtin), builtin));

        let mut published = builtin.clone();
        published.version = 99;
        published.title = "Password reset (Riverside)".into();
        let first = intern(&published);
        assert_eq!(first, &published);
        assert!(std::ptr::eq(intern(&published.clone()), first));
    }

    #[test]
    fn without_site_records_the_builtin_templates_are_used() {
        let setup = SiteSetup::of(&[], &"riverside".into());
        let builtin = templates::for_kind(CaseKind::SignUp);
        assert!(std::ptr::eq(setup.current_for(CaseKind::SignUp), builtin));
        assert!(setup.template(&builtin.id, builtin.version).is_some());
        assert!(setup.template(&builtin.id, builtin.version + 50).is_none());
    }
}
