//! Checklists: the standard operating procedure for a kind of case, as a versioned
//! template of ordered steps, and a run of it on one case with who did each step and
//! when.
//!
//! A run pins the template version it started on, so changing a template never
//! changes what a finished run meant. Each step's state is its own last-writer-wins
//! register, merged like a case field (see [`crate::record`]).

use crate::case::{CaseKind, MAX_TEXT_CHARS};
use crate::date::CivilDate;
use crate::hlc::Hlc;
use crate::ids::StaffId;
use crate::record::Register;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The value a tick step holds once ticked. An empty value always means "not done".
pub const TICKED: &str = "done";

/// One choice offered by a choice step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The stable code stored in the run.
    pub code: String,
    /// The label shown to staff.
    pub label: String,
}

/// What a step asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepKind {
    /// A tick box: the value is [`TICKED`].
    Tick,
    /// Free text.
    Text,
    /// One of a fixed set of options, stored by code.
    Choice {
        /// The options, in the order offered.
        options: Vec<ChoiceOption>,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A member of staff attests to the step in their own name: the value is the id of
    /// the person making the change, and nobody can attest for someone else.
    StaffAttestation,
}

/// One step of a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTemplate {
    /// Stable within the template, e.g. `photo_id`.
    pub id: String,
    /// What staff see, e.g. "Photo ID seen".
    pub label: String,
    /// What it asks for.
    pub kind: StepKind,
    /// Whether the checklist is complete without it.
    pub required: bool,
    /// Guidance shown to staff beside the step: how to do it properly.
    pub guidance: String,
    /// Steps that must be done before this one can be.
    #[serde(default)]
    pub requires: Vec<String>,
}

/// A versioned checklist template for a kind of case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistTemplate {
    /// Stable id, e.g. `identity_verification_p9`.
    pub id: String,
    /// Bumped whenever the steps change.
    pub version: u32,
    /// The kind of case it is for.
    pub kind: CaseKind,
    /// The title shown to staff.
    pub title: String,
    /// The steps, in the order staff work through them.
    pub steps: Vec<StepTemplate>,
}

/// A run of a template on one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistRun {
    /// The template's id.
    pub template: String,
    /// The template version this run is pinned to.
    pub version: u32,
    /// Who started it.
    pub started_by: StaffId,
    /// When.
    pub started_at: Hlc,
    /// Each step's state by step id: value, who and when. Absent means never touched.
    #[serde(default)]
    pub steps: BTreeMap<String, Register>,
}

impl ChecklistTemplate {
    /// A step by id.
    pub fn step(&self, id: &str) -> Option<&StepTemplate> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Every problem with the template itself: repeated ids, preconditions that name no
    /// earlier step (which also rules out cycles), choices with no options.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for step in &self.steps {
            for required in &step.requires {
                if !seen.contains(required.as_str()) {
                    problems.push(format!("Step '{}' requires '{}', which is not an earlier step", step.id, required));
                }
            }
            if !seen.insert(step.id.as_str()) {
                problems.push(format!("Step id '{}' is used twice", step.id));
            }
            if matches!(&step.kind, StepKind::Choice { options } if options.is_empty()) {
                problems.push(format!("Choice step '{}' offers no options", step.id));
            }
        }
        problems
    }
}

impl StepTemplate {
    /// Checks a value for this step, set by `actor`. An empty value (clearing the step)
    /// is always allowed.
    pub fn check_value(&self, value: &str, actor: &StaffId) -> Result<(), String> {
        if value.is_empty() {
            return Ok(());
        }
        match &self.kind {
            StepKind::Tick if value == TICKED => Ok(()),
            StepKind::Tick => Err(format!("'{}' is a tick box: tick it or clear it", self.label)),
            StepKind::Text if value.trim().is_empty() => {
                Err(format!("Write something for '{}', or leave it empty", self.label))
            }
            StepKind::Text if value.chars().count() > MAX_TEXT_CHARS => {
                Err(format!("The text for '{}' is too long: keep it under {MAX_TEXT_CHARS} characters", self.label))
            }
            StepKind::Text => Ok(()),
            StepKind::Choice { options } => {
                if options.iter().any(|o| o.code == value) {
                    Ok(())
                } else {
                    let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).collect();
                    Err(format!("Choose one of these for '{}': {}", self.label, labels.join(", ")))
                }
            }
            StepKind::Date => value.parse::<CivilDate>().map(|_| ()).map_err(|e| format!("{}: {e}", self.label)),
            StepKind::StaffAttestation if value == actor.as_str() => Ok(()),
            StepKind::StaffAttestation => {
                Err(format!("'{}' must be confirmed by the person signed in, in their own name", self.label))
            }
        }
    }
}

impl ChecklistRun {
    /// Whether a step has a value.
    pub fn is_done(&self, step: &str) -> bool {
        self.steps.get(step).is_some_and(|r| !r.value.is_empty())
    }

    /// A step's value, if it has one.
    pub fn value(&self, step: &str) -> Option<&str> {
        self.steps.get(step).map(|r| r.value.as_str()).filter(|v| !v.is_empty())
    }

    /// The labels of the steps that must be done before `step` and are not.
    pub fn missing_preconditions<'t>(&self, template: &'t ChecklistTemplate, step: &'t StepTemplate) -> Vec<&'t str> {
        step.requires
            .iter()
            .filter(|id| !self.is_done(id))
            .map(|id| template.step(id).map_or(id.as_str(), |s| s.label.as_str()))
            .collect()
    }

    /// How many required steps are done, out of how many.
    pub fn progress(&self, template: &ChecklistTemplate) -> (usize, usize) {
        let required: Vec<&StepTemplate> = template.steps.iter().filter(|s| s.required).collect();
        (required.iter().filter(|s| self.is_done(&s.id)).count(), required.len())
    }

    /// Whether every required step is done.
    pub fn is_complete(&self, template: &ChecklistTemplate) -> bool {
        let (done, of) = self.progress(template);
        done == of
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceId;

    fn step(id: &str, kind: StepKind, requires: &[&str]) -> StepTemplate {
        StepTemplate {
            id: id.into(),
            label: id.replace('_', " "),
            kind,
            required: true,
            guidance: String::new(),
            requires: requires.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn template() -> ChecklistTemplate {
        ChecklistTemplate {
            id: "t".into(),
            version: 1,
            kind: CaseKind::SignUp,
            title: "Test".into(),
            steps: vec![
                step("seen", StepKind::Tick, &[]),
                step(
                    "route",
                    StepKind::Choice { options: vec![ChoiceOption { code: "app".into(), label: "NHS App".into() }] },
                    &["seen"],
                ),
                step("on", StepKind::Date, &[]),
                step("by", StepKind::StaffAttestation, &["seen", "route"]),
            ],
        }
    }

    #[test]
    fn values_are_checked_by_step_kind() {
        let t = template();
        let ana = StaffId::from("ana");
        assert!(t.step("seen").unwrap().check_value(TICKED, &ana).is_ok());
        assert!(t.step("seen").unwrap().check_value("yes", &ana).unwrap_err().contains("tick box"));
        assert!(t.step("route").unwrap().check_value("web", &ana).unwrap_err().contains("NHS App"));
        assert!(t.step("on").unwrap().check_value("2026-02-30", &ana).unwrap_err().contains("not a real date"));
        assert!(t.step("by").unwrap().check_value("ana", &ana).is_ok());
        assert!(t.step("by").unwrap().check_value("ben", &ana).unwrap_err().contains("own name"));
        assert!(t.step("by").unwrap().check_value("", &ana).is_ok());
    }

    #[test]
    fn progress_and_preconditions_follow_the_steps_done() {
        let t = template();
        let clock = Hlc { wall_ms: 1_763_790_000_000, counter: 0, device: DeviceId::from("tablet") };
        let mut run = ChecklistRun {
            template: "t".into(),
            version: 1,
            started_by: "ana".into(),
            started_at: clock.clone(),
            steps: BTreeMap::new(),
        };
        assert_eq!(run.missing_preconditions(&t, t.step("by").unwrap()), ["seen", "route"]);
        run.steps.insert("seen".into(), Register { value: TICKED.into(), clock: clock.clone(), by: "ana".into() });
        assert_eq!(run.missing_preconditions(&t, t.step("by").unwrap()), ["route"]);
        assert_eq!(run.progress(&t), (1, 4));
        run.steps.insert("seen".into(), Register { value: String::new(), clock, by: "ana".into() });
        assert!(!run.is_done("seen"));
        assert!(!run.is_complete(&t));
    }

    #[test]
    fn a_template_with_a_forward_or_missing_precondition_is_reported() {
        let mut t = template();
        t.steps[0].requires.push("by".into());
        t.steps.push(step("seen", StepKind::Choice { options: vec![] }, &[]));
        let problems = t.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("'seen' requires 'by'"));
    }
}
