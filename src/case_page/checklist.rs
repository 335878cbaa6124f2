//! The checklist runner: the standard operating procedure for the kind of case, step
//! by step, with guidance beside each step, steps locked until the steps they depend on
//! are done, required steps marked, and who did each step and when. A run follows the
//! template version it started with, whatever version the app now ships.

use super::model::{current_run, step_body, step_value_label, ticked, Me};
use super::site_setup::SiteSetup;
use super::{described_by, CaseCtx};
use crate::browser::{new_uuid, now_ms};
use crate::case_form::FieldError;
use crate::case_view::CaseView;
use crate::format::date_time;
use leptos::prelude::*;
use portal_desk_core::calendar::SiteCalendar;
use portal_desk_core::checklist::{ChecklistRun, ChecklistTemplate, StepKind, StepTemplate};
use portal_desk_core::OpBody;

/// The checklist of one case: an offer to start it, or the run so far.
#[component]
pub fn ChecklistRunner(case: CaseView, setup: SiteSetup) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    let kind = case.record.case_kind()?;
    let body = match current_run(&case) {
        None => {
            let template = setup.current_for(kind);
            let required = template.steps.iter().filter(|s| s.required).count();
            let start = OpBody::StartChecklist {
                run: new_uuid(),
                template: template.id.clone(),
                version: template.version,
            };
            let done = format!("Checklist started: {}", template.title);
            view! {
                <h2 id="checklist-heading">{format!("Checklist: {}", template.title)}</h2>
                <p>{format!("Not started. {} steps, {required} of them required. Start it to record each step with who did it and when.", template.steps.len())}</p>
                <button type="button" class="button" aria-disabled=move || ctx.busy_state()
                    on:click=move |_| ctx.submit(vec![start.clone()], done.clone(), vec![])>"Start checklist"</button>
            }
            .into_any()
        }
        Some((run_id, run)) => match setup.template(&run.template, run.version) {
            None => view! {
                <h2 id="checklist-heading">"Checklist"</h2>
                <p>{format!("This case follows version {} of a checklist this device does not have yet. Sync now to fetch it; if it still does not show, update the app.", run.version)}</p>
            }
            .into_any(),
            Some(template) => run_view(run_id.to_owned(), run.clone(), template, ctx.me.get_value(), &setup.calendar).into_any(),
        },
    };
    Some(view! { <section class="panel" aria-labelledby="checklist-heading">{body}</section> })
}

/// A started run: progress, then every step.
fn run_view(
    run_id: String,
    run: ChecklistRun,
    template: &'static ChecklistTemplate,
    me: Me,
    calendar: &SiteCalendar,
) -> impl IntoView {
    let (done, of) = run.progress(template);
    let progress = if run.is_complete(template) {
        format!("Complete: all {of} required steps are done.")
    } else {
        format!("{done} of {of} required steps done.")
    };
    view! {
        <h2 id="checklist-heading">{format!("Checklist: {}", template.title)}</h2>
        <p class="checklist__progress">{progress}" "<span class="hint">{format!("Version {} of this checklist, as it was when it was started.", run.version)}</span></p>
        <ol class="checklist">
            {template.steps.iter().map(|step| step_view(&run_id, &run, template, step, &me, calendar)).collect_view()}
        </ol>
    }
}

/// One step: its title, required or not, guidance, and then its state — done (by whom,
/// when), locked (until which steps), or open with the control its kind asks for.
fn step_view(
    run_id: &str,
    run: &ChecklistRun,
    template: &'static ChecklistTemplate,
    step: &'static StepTemplate,
    me: &Me,
    calendar: &SiteCalendar,
) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    let id = step.id.as_str();
    let title_id = format!("{id}-title");
    let missing = run.missing_preconditions(template, step);
    let state = run.steps.get(id).filter(|r| !r.value.is_empty());
    let status = match (state, missing.is_empty()) {
        (Some(_), _) => "done",
        (None, false) => "locked",
        (None, true) => "open",
    };
    let save = {
        let (run_id, run, me_id) = (run_id.to_owned(), run.clone(), me.id.clone());
        let calendar = calendar.clone();
        move |value: String| match step_body(
            &run_id,
            &run,
            template,
            step,
            &value,
            &me_id,
            calendar.local_date(now_ms()),
        ) {
            Ok(body) => ctx.submit(vec![body], format!("“{}” saved", step.label), vec![id]),
            Err(message) => ctx.fail(vec![FieldError { field: id, message }]),
        }
    };
    // The step's name is in the button's accessible name, so a screen reader's list of
    // buttons says which step each one acts on (an aria-label: a visually hidden span
    // is positioned out of flow, and browsers then put a space before its colon).
    let clear_name = format!("Clear: {}", step.label);
    let detail = match state {
        Some(register) => {
            let clear = OpBody::SetStep {
                run: run_id.to_owned(),
                step: step.id.clone(),
                value: String::new(),
                replaces: Some(register.clock.clone()),
            };
            let who_when = format!("{}, {}", me.label(&register.by), date_time(register.clock.wall_ms, &calendar.zone));
            let text = match step.kind {
                StepKind::Tick => format!("Done by {who_when}"),
                StepKind::StaffAttestation => format!("Confirmed by {who_when}"),
                _ => format!("{} — {who_when}", step_value_label(step, &register.value)),
            };
            view! {
                <p class="checklist__done"><strong>"✓ "</strong>{text}</p>
                <button type="button" class="button button--secondary button--small" aria-disabled=move || ctx.busy_state()
                    aria-label=clear_name
                    on:click=move |_| ctx.submit(vec![clear.clone()], format!("“{}” cleared", step.label), vec![])>
                    "Clear"
                </button>
            }
            .into_any()
        }
        None if !missing.is_empty() => view! {
            <p class="checklist__locked"><strong>"Locked: "</strong>{format!("do these first: {}.", missing.join(", "))}</p>
        }
        .into_any(),
        None => control(step, &title_id, save, me).into_any(),
    };
    view! {
        <li class=format!("checklist__step checklist__step--{status}") id=format!("{id}-step")>
            <h3 class="checklist__title" id=title_id>
                {step.label.clone()}
                <span class="checklist__tag">{if step.required { " (required)" } else { " (optional)" }}</span>
            </h3>
            <p class="hint" id=format!("{id}-hint")>{step.guidance.clone()}</p>
            {move || ctx.error(id).map(|text| view! {
                <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Error: "</span>{text}</p>
            })}
            {detail}
        </li>
    }
}

/// The control an open step's kind asks for, and its button.
fn control(
    step: &'static StepTemplate,
    title_id: &str,
    save: impl Fn(String) + Clone + 'static,
    me: &Me,
) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    let id = step.id.as_str();
    let described = move || described_by(id, true, ctx.error(id).is_some());
    let input = match &step.kind {
        StepKind::Tick | StepKind::StaffAttestation => None,
        StepKind::Choice { options } => Some(view! {
            <select class="select" id=id aria-labelledby=title_id.to_owned() aria-describedby=described
                on:change=move |ev| ctx.set_draft(id, event_target_value(&ev))>
                <option value="" selected=move || ctx.draft(id).is_empty()>"Choose an option"</option>
                {options.iter().map(|o| {
                    let code = o.code.clone();
                    view! { <option value=o.code.clone() selected=move || ctx.draft(id) == code>{o.label.clone()}</option> }
                }).collect_view()}
            </select>
        }.into_any()),
        StepKind::Date => Some(view! {
            <input class="input input--date" type="date" id=id aria-labelledby=title_id.to_owned() aria-describedby=described
                prop:value=move || ctx.draft(id) on:input=move |ev| ctx.set_draft(id, event_target_value(&ev))/>
        }.into_any()),
        StepKind::Text => Some(view! {
            <textarea class="textarea" id=id rows="2" aria-labelledby=title_id.to_owned() aria-describedby=described
                prop:value=move || ctx.draft(id) on:input=move |ev| ctx.set_draft(id, event_target_value(&ev))></textarea>
        }.into_any()),
    };
    let (words, value): (&str, Option<String>) = match &step.kind {
        StepKind::Tick => ("Mark as done", Some(ticked())),
        StepKind::StaffAttestation => ("Confirm in my name", Some(me.id.as_str().to_owned())),
        _ => ("Save", None),
    };
    // The error summary links to the step's input, or to its button when it has none.
    let button_id = if input.is_some() { format!("{id}-button") } else { id.to_owned() };
    let button_name = format!("{words}: {}", step.label);
    let attest = matches!(step.kind, StepKind::StaffAttestation)
        .then(|| view! { <p class="hint">{format!("Recorded as {}.", me.name)}</p> });
    view! {
        {attest}
        <div class="checklist__control">
            {input}
            <button type="button" class="button" id=button_id aria-label=button_name aria-disabled=move || ctx.busy_state()
                on:click=move |_| save(value.clone().unwrap_or_else(|| ctx.draft(id)))>
                {words}
            </button>
        </div>
    }
}
