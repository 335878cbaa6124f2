//! Editing a checklist template on the admin screen: the problems with each step, named
//! by step and field so a form can link to them, the small changes an editor makes
//! (add, remove, move a step), and the operation that publishes the edit as the next
//! version (see [`crate::catalog`]: a run keeps the version it started with).

use crate::case::{Collection, MAX_TEXT_CHARS};
use crate::catalog::{check_steps, template_fields, template_record_id, MAX_LABEL_CHARS, MAX_STEPS};
use crate::checklist::{ChecklistTemplate, StepKind, StepTemplate};
use crate::ids::{RecordId, SiteId};
use crate::op::OpBody;

/// One problem with an edited template: which step (from 0) and which of its fields,
/// or `None` for the template as a whole, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepProblem {
    /// The step, counted from 0; `None` for the whole template.
    pub step: Option<usize>,
    /// `label`, `guidance`, `requires` or `steps`.
    pub field: &'static str,
    /// What to do, in plain words.
    pub message: String,
}

fn problem(step: Option<usize>, field: &'static str, message: String) -> StepProblem {
    StepProblem { step, field, message }
}

/// Every problem with `steps`, in the order of the form: each step's title, guidance
/// and preconditions (which must name earlier steps), then the number of steps.
pub fn step_problems(steps: &[StepTemplate]) -> Vec<StepProblem> {
    let mut problems = Vec::new();
    if steps.is_empty() || steps.len() > MAX_STEPS {
        problems.push(problem(None, "steps", format!("A checklist needs from 1 to {MAX_STEPS} steps")));
    }
    for (n, step) in steps.iter().enumerate() {
        let at = n + 1;
        let label = step.label.trim();
        if label.is_empty() {
            problems.push(problem(Some(n), "label", format!("Enter a title for step {at}")));
        } else if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            problems.push(problem(
                Some(n),
                "label",
                format!("The title of step {at} must be under {MAX_LABEL_CHARS} characters, on one line"),
            ));
        }
        if step.guidance.chars().count() > MAX_TEXT_CHARS {
            problems.push(problem(
                Some(n),
                "guidance",
                format!("The guidance for step {at} is too long: keep it under {MAX_TEXT_CHARS} characters"),
            ));
        }
        let earlier: Vec<&str> = steps[..n].iter().map(|s| s.id.as_str()).collect();
        for required in &step.requires {
            if !earlier.contains(&required.as_str()) {
                let name = steps.iter().find(|s| &s.id == required).map_or(required.as_str(), |s| s.label.as_str());
                problems.push(problem(
                    Some(n),
                    "requires",
                    format!("Step {at} must come after “{name}”, which it needs done first: move one of them"),
                ));
            }
        }
    }
    problems
}

/// A new step id made from its title: lower-case letters, digits and `_`, not one of
/// the ids already in `steps` (a number is added until it is free).
pub fn new_step_id(label: &str, steps: &[StepTemplate]) -> String {
    let mut base = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.is_empty() && !base.ends_with('_') {
            base.push('_');
        }
        if base.len() >= 40 {
            break;
        }
    }
    let base = match base.trim_end_matches('_') {
        "" => "step".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    let taken = |id: &str| steps.iter().any(|s| s.id == id);
    if !taken(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}_{n}")).find(|id| !taken(id)).unwrap_or(base)
}

/// A new, required tick step at the end of `steps`.
pub fn add_step(steps: &mut Vec<StepTemplate>, label: &str) {
    let id = new_step_id(label, steps);
    steps.push(StepTemplate {
        id,
        label: label.to_owned(),
        kind: StepKind::Tick,
        required: true,
        guidance: String::new(),
        requires: Vec::new(),
    });
}

/// Removes step `index`, and takes it out of the preconditions of the others.
pub fn remove_step(steps: &mut Vec<StepTemplate>, index: usize) {
    if index >= steps.len() {
        return;
    }
    let removed = steps.remove(index);
    for step in steps.iter_mut() {
        step.requires.retain(|r| r != &removed.id);
    }
}

/// Swaps step `index` with the one before it (`up`) or after it. A precondition that no
/// longer names an earlier step is left for [`step_problems`] to report, so nothing the
/// admin chose is silently dropped.
pub fn move_step(steps: &mut [StepTemplate], index: usize, up: bool) {
    let other = if up { index.checked_sub(1) } else { Some(index + 1) };
    if let Some(other) = other.filter(|&o| o < steps.len() && index < steps.len()) {
        steps.swap(index, other);
    }
}

/// The record and operation publishing `steps` as version `version` of `base` at
/// `site`, or every problem with them.
pub fn publish(
    site: &SiteId,
    base: &ChecklistTemplate,
    version: u32,
    steps: &[StepTemplate],
) -> Result<(RecordId, OpBody), Vec<StepProblem>> {
    let problems = step_problems(steps);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut steps = steps.to_vec();
    for step in &mut steps {
        step.label = step.label.trim().to_owned();
        step.guidance = step.guidance.trim().to_owned();
    }
    // The catalog's own check is the server's: anything it refuses is said here too.
    check_steps(&steps).map_err(|message| vec![problem(None, "steps", message)])?;
    let template = ChecklistTemplate { version, steps, ..base.clone() };
    let record = template_record_id(site, &template.id, version);
    let body =
        OpBody::Create { collection: Collection::Template, site: site.clone(), fields: template_fields(&template) };
    Ok((record, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseKind;
    use crate::catalog::{check_new_template_record, validate_template_field};
    use crate::templates::for_kind;

    fn unlock() -> ChecklistTemplate {
        for_kind(CaseKind::AccountUnlock).clone()
    }

    #[test]
    fn a_sound_edit_publishes_the_next_version_as_the_catalog_expects() {
        let base = unlock();
        let mut steps = base.steps.clone();
        steps[0].guidance = "  Ask for name and date of birth.  ".into();
        add_step(&mut steps, "Told the patient about two-step sign-in");
        let site = SiteId::from("riverside");
        let (record, body) = publish(&site, &base, 2, &steps).unwrap();
        assert_eq!(record, template_record_id(&site, "account_unlock", 2));
        let OpBody::Create { collection, fields, .. } = &body else { panic!("not a create") };
        assert_eq!(*collection, Collection::Template);
        check_new_template_record(&record, &site, fields).unwrap();
        for (field, value) in fields {
            validate_template_field(field, value).unwrap();
        }
        let published: Vec<StepTemplate> = serde_json::from_str(&fields["steps"]).unwrap();
        assert_eq!(published.len(), base.steps.len() + 1);
        assert_eq!(published[0].guidance, "Ask for name and date of birth.");
        assert_eq!(published.last().unwrap().id, "told_the_patient_about_two_step_sign_in");
        assert_eq!(fields["version"], "2");
    }

    #[test]
    fn problems_name_the_step_and_field() {
        let base = unlock();
        let mut steps = base.steps.clone();
        steps[1].label = "   ".into();
        steps[2].guidance = "x".repeat(MAX_TEXT_CHARS + 1);
        let problems = step_problems(&steps);
        assert_eq!(
            problems.iter().map(|p| (p.step, p.field)).collect::<Vec<_>>(),
            [(Some(1), "label"), (Some(2), "guidance")]
        );
        assert_eq!(problems[0].message, "Enter a title for step 2");
        assert!(publish(&SiteId::from("riverside"), &base, 2, &steps).is_err());
        assert_eq!(step_problems(&[])[0].field, "steps");
    }

    #[test]
    fn moving_a_step_above_one_it_needs_is_reported_not_dropped() {
        let mut steps = unlock().steps.clone();
        // "unlocked" (index 3) needs "identified" and "security_review" (index 2).
        move_step(&mut steps, 3, true);
        assert_eq!(steps[2].id, "unlocked");
        assert_eq!(steps[2].requires, ["identified", "security_review"]);
        let problems = step_problems(&steps);
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].step, problems[0].field), (Some(2), "requires"));
        assert!(problems[0].message.contains("Recent activity reviewed with the patient"));
        move_step(&mut steps, 2, false);
        assert!(step_problems(&steps).is_empty());
        move_step(&mut steps, 0, true);
        let last = steps.len() - 1;
        move_step(&mut steps, last, false);
        assert_eq!(steps, unlock().steps, "moving past either end changes nothing");
    }

    #[test]
    fn removing_a_step_takes_it_out_of_others_preconditions() {
        let mut steps = unlock().steps.clone();
        remove_step(&mut steps, 2);
        assert!(steps.iter().all(|s| s.id != "security_review"));
        assert_eq!(steps.iter().find(|s| s.id == "unlocked").unwrap().requires, ["identified"]);
        assert!(step_problems(&steps).is_empty());
        remove_step(&mut steps, 99);
        assert_eq!(steps.len(), unlock().steps.len() - 1);
    }

    #[test]
    fn new_step_ids_are_codes_and_never_clash() {
        let steps = unlock().steps.clone();
        assert_eq!(new_step_id("Unlocked!", &steps), "unlocked_2");
        assert_eq!(new_step_id("  Café – check ", &steps), "caf_check");
        assert_eq!(new_step_id("***", &steps), "step");
        assert!(new_step_id(&"long ".repeat(40), &steps).len() <= 64);
    }
}
