//! The checklist templates a site uses: the built-in ones plus the versions its admins
//! have published, which sync as records ([`crate::case::Collection::Template`], id
//! `template:<site>:<template>:v<version>`).
//!
//! A published version is never edited: an edit publishes the next version, and a run
//! keeps the version it started with, so what a finished checklist meant never
//! changes. [`Catalog::find`] looks a run's template up among the site's published
//! versions first and the built-in ones second.

use crate::case::{CaseKind, Collection};
use crate::checklist::{ChecklistTemplate, StepKind, StepTemplate};
use crate::ids::{RecordId, SiteId};
use crate::record::Record;
use crate::templates;
use std::collections::BTreeMap;

/// The most steps a template may have.
pub const MAX_STEPS: usize = 60;

/// The longest `steps` value, in characters of JSON.
pub const MAX_STEPS_JSON_CHARS: usize = 200_000;

/// The longest label, title, option label or id, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// The fields of a template record.
pub const TEMPLATE_FIELDS: &[&str] = &["template_id", "version", "kind", "title", "steps"];

/// The record holding version `version` of template `id` at `site`.
pub fn template_record_id(site: &SiteId, id: &str, version: u32) -> RecordId {
    RecordId::from(format!("template:{site}:{id}:v{version}"))
}

fn is_code(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn short_text(what: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("Enter the {what}"))
    } else if value.chars().count() > MAX_LABEL_CHARS || value.chars().any(char::is_control) {
        Err(format!("The {what} is too long or has control characters: keep it under {MAX_LABEL_CHARS} characters"))
    } else {
        Ok(())
    }
}

/// Why the steps of a template are not acceptable, if they are not: each step's id,
/// label, guidance and options, then the template's own problems (repeated ids,
/// preconditions that name no earlier step).
pub fn check_steps(steps: &[StepTemplate]) -> Result<(), String> {
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(format!("A checklist needs from 1 to {MAX_STEPS} steps"));
    }
    for (n, step) in steps.iter().enumerate() {
        let at = format!("step {}", n + 1);
        if !is_code(&step.id) {
            return Err(format!("The id of {at} must be lower-case letters, digits and _ (at most 64)"));
        }
        short_text(&format!("label of {at}"), &step.label)?;
        if step.guidance.chars().count() > crate::case::MAX_TEXT_CHARS {
            return Err(format!("The guidance of {at} is too long: keep it under 4,000 characters"));
        }
        if let StepKind::Choice { options } = &step.kind {
            if options.len() > 30 {
                return Err(format!("{at} offers more than 30 choices"));
            }
            for option in options {
                if !is_code(&option.code) {
                    return Err(format!("Each choice code of {at} must be lower-case letters, digits and _"));
                }
                short_text(&format!("label of a choice of {at}"), &option.label)?;
            }
        }
    }
    let problems = ChecklistTemplate {
        id: "check".into(),
        version: 1,
        kind: CaseKind::SignUp,
        title: "check".into(),
        steps: steps.to_vec(),
    }
    .problems();
    match problems.first() {
        Some(problem) => Err(problem.clone()),
        None => Ok(()),
    }
}

/// Why a value was refused for a field of a template record.
pub fn validate_template_field(field: &str, value: &str) -> Result<(), String> {
    match field {
        "template_id" if is_code(value) => Ok(()),
        "template_id" => Err("The template id must be lower-case letters, digits and _ (at most 64)".to_owned()),
        "version" => match value.parse::<u32>() {
            Ok(version) if version >= 1 => Ok(()),
            _ => Err("The version must be a whole number from 1".to_owned()),
        },
        "kind" => CaseKind::from_code(value).map(|_| ()).ok_or_else(|| format!("'{value}' is not a kind of case")),
        "title" => short_text("checklist's title", value),
        "steps" => {
            if value.chars().count() > MAX_STEPS_JSON_CHARS {
                return Err(format!("The steps are too long: keep them under {MAX_STEPS_JSON_CHARS} characters"));
            }
            let steps: Vec<StepTemplate> =
                serde_json::from_str(value).map_err(|e| format!("The steps are not in the expected form: {e}"))?;
            check_steps(&steps)
        }
        other => Err(format!("'{other}' is not a field of a checklist template")),
    }
}

/// Why a template record cannot be created: every field must be given, and the
/// record's id must name its site, template and version.
pub fn check_new_template_record(
    record: &RecordId,
    site: &SiteId,
    fields: &BTreeMap<String, String>,
) -> Result<(), String> {
    if let Some(missing) = TEMPLATE_FIELDS.iter().find(|f| !fields.contains_key(**f)) {
        return Err(format!("A checklist template needs its {missing}"));
    }
    let version: u32 = fields["version"].parse().map_err(|_| "The version must be a whole number".to_owned())?;
    let expected = template_record_id(site, &fields["template_id"], version);
    if *record != expected {
        return Err(format!("This template version must be published as the record {expected}"));
    }
    Ok(())
}

/// Whether version `version` of template `id` may be published at a site, given
/// whether the site has published the version before it: versions go 1, 2, 3… with
/// none skipped, and version 1 of a built-in template is the built-in one.
pub fn check_next_version(id: &str, version: u32, previous_published: bool) -> Result<(), String> {
    let builtin_latest = templates::builtin().iter().filter(|t| t.id == id).map(|t| t.version).max();
    let previous_known = version > 1 && (previous_published || builtin_latest == Some(version - 1));
    match builtin_latest {
        Some(latest) if version <= latest => {
            Err(format!("Version {version} of {id} is built in; publish version {} or later", latest + 1))
        }
        _ if version == 1 || previous_known => Ok(()),
        _ => Err(format!("Publish version {} of {id} first: versions go up one at a time", version - 1)),
    }
}

/// The fields of a template's record, for the operation that publishes it.
pub fn template_fields(template: &ChecklistTemplate) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("template_id".to_owned(), template.id.clone()),
        ("version".to_owned(), template.version.to_string()),
        ("kind".to_owned(), template.kind.code().to_owned()),
        ("title".to_owned(), template.title.clone()),
        ("steps".to_owned(), serde_json::to_string(&template.steps).unwrap_or_default()),
    ])
}

/// The template a template record publishes, or `None` if it is not one.
pub fn template_from_record(record: &Record) -> Option<ChecklistTemplate> {
    if record.collection != Collection::Template {
        return None;
    }
    Some(ChecklistTemplate {
        id: record.field("template_id")?.to_owned(),
        version: record.field("version")?.parse().ok()?,
        kind: CaseKind::from_code(record.field("kind")?)?,
        title: record.field("title")?.to_owned(),
        steps: serde_json::from_str(record.field("steps")?).ok()?,
    })
}

/// The templates one site can run: its published versions and the built-in ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// Published versions, with whether each is retired (archived): a retired version
    /// is still found for the runs that started on it, but not offered for new ones.
    published: Vec<(ChecklistTemplate, bool)>,
}

impl Catalog {
    /// Only the built-in templates.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// `site`'s published templates among `records`, and the built-in ones.
    pub fn for_site(records: &[Record], site: &SiteId) -> Self {
        let published = records
            .iter()
            .filter(|r| &r.site == site)
            .filter_map(|r| template_from_record(r).map(|t| (t, r.archived.is_some())))
            .collect();
        Self { published }
    }

    /// The catalog with one more published version.
    pub fn with(mut self, template: ChecklistTemplate) -> Self {
        self.published.push((template, false));
        self
    }

    /// A template by id and version: a published one first, else a built-in one.
    pub fn find(&self, id: &str, version: u32) -> Option<&ChecklistTemplate> {
        self.published
            .iter()
            .map(|(t, _)| t)
            .find(|t| t.id == id && t.version == version)
            .or_else(|| templates::find(id, version))
    }

    /// The template a new run for `kind` starts on: the latest published version for
    /// that kind that is not retired, else the built-in one.
    pub fn current_for(&self, kind: CaseKind) -> &ChecklistTemplate {
        self.published
            .iter()
            .filter(|(t, retired)| t.kind == kind && !retired)
            .map(|(t, _)| t)
            .max_by_key(|t| t.version)
            .unwrap_or_else(|| templates::for_kind(kind))
    }

    /// The version an edit of template `id` publishes: one after the latest known.
    pub fn next_version(&self, id: &str) -> u32 {
        let published = self.published.iter().filter(|(t, _)| t.id == id).map(|(t, _)| t.version);
        let builtin = templates::builtin().iter().filter(|t| t.id == id).map(|t| t.version);
        published.chain(builtin).max().unwrap_or(0) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::TICKED;
    use crate::hlc::Hlc;
    use crate::op::{Op, OpBody};
    use crate::record::{apply_op, apply_op_in};
    use crate::Outcome;

    fn op(id: &str, wall_ms: u64, record: &RecordId, body: OpBody) -> Op {
        Op {
            id: id.into(),
            device: "desk".into(),
            seq: 1,
            hlc: Hlc { wall_ms, counter: 0, device: "desk".into() },
            actor: "sam".into(),
            record: record.clone(),
            body,
            signature: None,
        }
    }

    /// Version 2 of the built-in sign-up checklist with one more step at the end.
    fn sign_up_v2() -> ChecklistTemplate {
        let mut template = templates::for_kind(CaseKind::SignUp).clone();
        template.version = 2;
        template.title = "Sign-up help (with leaflet)".into();
        template.steps.push(StepTemplate {
            id: "leaflet_given".into(),
            label: "Leaflet given".into(),
            kind: StepKind::Tick,
            required: true,
            guidance: "The portal leaflet in the patient's language.".into(),
            requires: Vec::new(),
        });
        template
    }

    fn publish(site: &str, template: &ChecklistTemplate) -> (Option<Record>, Outcome) {
        let site = SiteId::from(site);
        let record = template_record_id(&site, &template.id, template.version);
        let body = OpBody::Create { collection: Collection::Template, site, fields: template_fields(template) };
        apply_op(None, &op("publish", 1_000, &record, body))
    }

    fn case_with_run(template: &str, version: u32, catalog: &Catalog) -> (Record, Outcome) {
        let fields = BTreeMap::from([
            ("patient_name".to_owned(), "Ada Example".to_owned()),
            ("kind".to_owned(), "sign_up".to_owned()),
        ]);
        let id = RecordId::from("case-1");
        let create = OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields };
        let (case, _) = apply_op(None, &op("c", 2_000, &id, create));
        let start = OpBody::StartChecklist { run: "r1".into(), template: template.into(), version };
        let (started, outcome) = apply_op_in(case.clone(), &op("s", 3_000, &id, start), catalog);
        (started.or(case).unwrap(), outcome)
    }

    #[test]
    fn a_published_version_is_found_at_its_own_site_only_and_becomes_current() {
        let (record, outcome) = publish("riverside", &sign_up_v2());
        assert_eq!(outcome, Outcome::Applied);
        let record = record.unwrap();
        assert_eq!(record.id.as_str(), "template:riverside:sign_up:v2");
        assert_eq!(template_from_record(&record), Some(sign_up_v2()));
        let records = [record];
        let riverside = Catalog::for_site(&records, &"riverside".into());
        assert_eq!(riverside.find("sign_up", 2).map(|t| t.steps.len()), Some(sign_up_v2().steps.len()));
        assert_eq!(riverside.find("sign_up", 1), templates::find("sign_up", 1));
        assert_eq!(riverside.current_for(CaseKind::SignUp).version, 2);
        assert_eq!(riverside.next_version("sign_up"), 3);
        let hilltop = Catalog::for_site(&records, &"hilltop".into());
        assert_eq!(hilltop.find("sign_up", 2), None);
        assert_eq!(hilltop.current_for(CaseKind::SignUp).version, 1);
        assert_eq!(hilltop.next_version("sign_up"), 2);
    }

    #[test]
    fn a_published_version_cannot_be_edited_only_superseded() {
        let (record, _) = publish("riverside", &sign_up_v2());
        let record = record.unwrap();
        let edit = OpBody::SetField { field: "title".into(), value: "Changed".into(), replaces: None };
        let (unchanged, outcome) = apply_op(Some(record.clone()), &op("e", 5_000, &record.id, edit));
        assert!(unchanged.is_none());
        assert!(matches!(outcome, Outcome::Rejected { code, .. } if code == "template_published"));
        // Retiring it (archive) is allowed, and runs that started on it still find it.
        let (retired, outcome) =
            apply_op(Some(record), &op("a", 6_000, &"template:riverside:sign_up:v2".into(), OpBody::Archive));
        assert_eq!(outcome, Outcome::Applied);
        let records = [retired.unwrap()];
        let catalog = Catalog::for_site(&records, &"riverside".into());
        assert!(catalog.find("sign_up", 2).is_some());
        assert_eq!(catalog.current_for(CaseKind::SignUp).version, 1);
    }

    #[test]
    fn a_run_keeps_the_version_it_started_with_and_checks_steps_against_it() {
        let catalog = Catalog::builtin().with(sign_up_v2());
        let (on_v1, outcome) = case_with_run("sign_up", 1, &catalog);
        assert_eq!(outcome, Outcome::Applied);
        let tick =
            |step: &str| OpBody::SetStep { run: "r1".into(), step: step.into(), value: TICKED.into(), replaces: None };
        let (_, outcome) = apply_op_in(Some(on_v1), &op("t", 4_000, &"case-1".into(), tick("leaflet_given")), &catalog);
        assert!(matches!(outcome, Outcome::Rejected { code, .. } if code == "no_such_step"), "v1 has no leaflet step");

        let (on_v2, outcome) = case_with_run("sign_up", 2, &catalog);
        assert_eq!(outcome, Outcome::Applied);
        assert_eq!(on_v2.checklists["r1"].version, 2);
        let (ticked, outcome) =
            apply_op_in(Some(on_v2.clone()), &op("t", 4_000, &"case-1".into(), tick("leaflet_given")), &catalog);
        assert_eq!(outcome, Outcome::Applied);
        assert!(ticked.unwrap().checklists["r1"].is_done("leaflet_given"));
        // A device that has not synced the new version says so instead of guessing.
        let (_, outcome) = case_with_run("sign_up", 2, &Catalog::builtin());
        assert!(matches!(outcome, Outcome::Rejected { code, .. } if code == "unknown_template"));
    }

    #[test]
    fn versions_go_up_one_at_a_time_and_built_in_ones_are_taken() {
        assert!(check_next_version("sign_up", 1, false).unwrap_err().contains("built in"));
        assert_eq!(check_next_version("sign_up", 2, false), Ok(()));
        assert!(check_next_version("sign_up", 3, false).unwrap_err().contains("version 2"));
        assert_eq!(check_next_version("sign_up", 3, true), Ok(()));
        assert_eq!(check_next_version("drive_day", 1, false), Ok(()));
        assert!(check_next_version("drive_day", 2, false).is_err());
    }

    #[test]
    fn a_template_record_must_be_whole_sound_and_named_for_its_version() {
        let mut template = sign_up_v2();
        let site = SiteId::from("riverside");
        let wrong_id = template_record_id(&site, "sign_up", 3);
        let fields = template_fields(&template);
        assert!(check_new_template_record(&wrong_id, &site, &fields).unwrap_err().contains("v2"));
        template.steps[0].requires.push("leaflet_given".into());
        let (none, outcome) = publish("riverside", &template);
        assert!(none.is_none());
        assert!(
            matches!(outcome, Outcome::Rejected { code, reason } if code == "invalid_field" && reason.contains("not an earlier step"))
        );
        for (field, value) in [
            ("steps", "[]"),
            ("steps", "not json"),
            ("steps", r#"[{"id":"Bad Id","label":"x","kind":{"type":"tick"},"required":true,"guidance":""}]"#),
            ("template_id", "../etc"),
            ("version", "0"),
            ("kind", "gardening"),
            ("title", " "),
            ("colour", "red"),
        ] {
            assert!(validate_template_field(field, value).is_err(), "{field}={value}");
        }
    }
}
