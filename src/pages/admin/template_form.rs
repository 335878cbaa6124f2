//! The rules behind the checklist template editor, pure so they are tested natively:
//! new step ids, moving and removing steps (with the preconditions that named them),
//! and the operation that publishes an edited template as its site's next version.

use portal_desk_core::case::Collection;
use portal_desk_core::catalog::{check_steps, template_fields, template_record_id};
use portal_desk_core::checklist::{ChecklistTemplate, StepKind, StepTemplate};
use portal_desk_core::{OpBody, RecordId, SiteId};

/// A new tick step with an id made from its position, unused in `steps`.
pub fn new_step(steps: &[StepTemplate]) -> StepTemplate {
    let id = (steps.len() + 1..)
        .map(|n| format!("step_{n}"))
        .find(|id| steps.iter().all(|s| &s.id != id))
        .unwrap_or_default();
    StepTemplate {
        id,
        label: String::new(),
        kind: StepKind::Tick,
        required: true,
        guidance: String::new(),
        requires: Vec::new(),
    }
}

/// Moves step `at` one place up (`up`) or down; a step never moves above a step it
/// requires (the core refuses preconditions on later steps), so such a move is ignored.
pub fn move_step(steps: &mut [StepTemplate], at: usize, up: bool) {
    let other = if up { at.checked_sub(1) } else { Some(at + 1).filter(|n| *n < steps.len()) };
    let Some(other) = other else { return };
    let (first, second) = (at.min(other), at.max(other));
    if steps[second].requires.contains(&steps[first].id) {
        return;
    }
    steps.swap(first, second);
}

/// Removes step `at`, and its id from every other step's preconditions.
pub fn remove_step(steps: &mut Vec<StepTemplate>, at: usize) {
    let removed = steps.remove(at);
    for step in steps.iter_mut() {
        step.requires.retain(|id| *id != removed.id);
    }
}

/// The operation that publishes `edited` at `site` as `version`, checked by the core.
pub fn publish(site: &SiteId, edited: &ChecklistTemplate, version: u32) -> Result<(RecordId, OpBody), String> {
    if edited.title.trim().is_empty() {
        return Err("Enter the checklist's title".to_owned());
    }
    check_steps(&edited.steps)?;
    let published = ChecklistTemplate { version, ..edited.clone() };
    let record = template_record_id(site, &published.id, version);
    let body =
        OpBody::Create { collection: Collection::Template, site: site.clone(), fields: template_fields(&published) };
    Ok((record, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::CaseKind;
    use portal_desk_core::catalog::{check_new_template_record, template_from_record};
    use portal_desk_core::templates;

    fn steps() -> Vec<StepTemplate> {
        templates::for_kind(CaseKind::PasswordReset).steps.clone()
    }

    #[test]
    fn a_new_step_gets_an_unused_id() {
        let mut all = steps();
        let step = new_step(&all);
        assert!(all.iter().all(|s| s.id != step.id));
        all.push(step);
        let next = new_step(&all);
        assert!(all.iter().all(|s| s.id != next.id));
    }

    #[test]
    fn moving_keeps_preconditions_before_the_steps_that_need_them() {
        let mut all = steps();
        let needs_first = all.iter().position(|s| !s.requires.is_empty()).unwrap();
        let required = all.iter().position(|s| s.id == all[needs_first].requires[0]).unwrap();
        let before = all.clone();
        if required + 1 == needs_first {
            move_step(&mut all, needs_first, true);
            assert_eq!(all, before, "a step cannot move above a step it requires");
        }
        move_step(&mut all, 0, true);
        assert_eq!(all, before, "the first step cannot move up");
    }

    #[test]
    fn removing_a_step_removes_it_from_preconditions() {
        let mut all = steps();
        let needed = all.iter().find(|s| !s.requires.is_empty()).unwrap().requires[0].clone();
        let at = all.iter().position(|s| s.id == needed).unwrap();
        remove_step(&mut all, at);
        assert!(all.iter().all(|s| !s.requires.contains(&needed)));
        assert_eq!(check_steps(&all), Ok(()));
    }

    #[test]
    fn publishing_makes_the_sites_next_version_record() {
        let mut edited = templates::for_kind(CaseKind::PasswordReset).clone();
        edited.steps[0].guidance = "Ask for the date of birth and the first line of the address.".into();
        let site: SiteId = "riverside".into();
        let (record, body) = publish(&site, &edited, edited.version + 1).unwrap();
        let OpBody::Create { fields, .. } = &body else { panic!() };
        assert_eq!(check_new_template_record(&record, &site, fields), Ok(()));
        let op = portal_desk_core::Op {
            id: "op-1".into(),
            device: "tablet".into(),
            seq: 1,
            hlc: portal_desk_core::Hlc { wall_ms: 1, counter: 0, device: "tablet".into() },
            actor: "admin".into(),
            record,
            body,
            signature: None,
        };
        let published = template_from_record(&portal_desk_core::Record::create(&op).unwrap()).unwrap();
        assert_eq!(published.version, edited.version + 1);
        assert_eq!(published.steps[0].guidance, edited.steps[0].guidance);

        edited.steps.clear();
        assert!(publish(&site, &edited, 9).is_err());
    }
}
