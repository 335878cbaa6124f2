//! What a person can do with a case: move its status (start work, wait on the patient,
//! resolve, close, reopen — only the moves the core's state machine allows), take it
//! or assign it, and escalate it to someone with a reason and an expected answer time.

use super::model::{assign_body, escalation_bodies, status_body, status_moves, EscalationInput};
use super::{CaseCtx, TextField};
use crate::case_form::FieldError;
use crate::case_view::CaseView;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use portal_desk_core::case::CaseStatus;
use portal_desk_core::staff::Permission;

/// The status moves and the assignment of one case.
#[component]
pub fn CaseActions(case: CaseView) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    let me = ctx.me.get_value();
    let status = case.status();
    let locked_closed = status == CaseStatus::Closed && !me.may(Permission::ReopenCases);
    let buttons = status_moves(status)
        .into_iter()
        .filter(|m| !(locked_closed && m.to == CaseStatus::InProgress))
        .map(|m| {
            let body = status_body(&case, m.to);
            view! {
                <button type="button" class="button button--secondary" aria-disabled=move || ctx.busy_state()
                    on:click=move |_| ctx.submit(vec![body.clone()], m.done, vec![])>{m.label}</button>
            }
        })
        .collect_view();
    let mine = case.record.field("owner") == Some(me.id.as_str());
    let take = (!mine).then(|| assign_body(&case, me.id.as_str()).ok()).flatten().map(|body| {
        view! {
            <button type="button" class="button button--secondary" aria-disabled=move || ctx.busy_state()
                on:click=move |_| ctx.submit(vec![body.clone()], "Assigned to you", vec![])>"Assign to me"</button>
        }
    });
    let assign_others = me.may(Permission::AssignCases).then(|| {
        let case = case.clone();
        // Active colleagues who work at the case's site, by name; before the device has
        // the staff directory, a staff id typed in.
        let colleagues: Vec<(String, String)> = expect_context::<SyncStatus>().colleagues.with_untracked(|staff| {
            staff
                .iter()
                .filter(|c| c.active && c.id != me.id && c.sites.contains(&case.record.site))
                .map(|c| (c.id.as_str().to_owned(), format!("{} ({})", c.name, c.role.label())))
                .collect()
        });
        let field = if colleagues.is_empty() {
            view! { <TextField id="assign-to" label="Assign to a colleague" hint="Their staff id, from the staff list"/> }.into_any()
        } else {
            view! { <TextField id="assign-to" label="Assign to a colleague" kind="select" options=colleagues/> }.into_any()
        };
        let assign = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            match assign_body(&case, &ctx.draft("assign-to")) {
                Ok(body) => ctx.submit(vec![body], "Case assigned", vec!["assign-to"]),
                Err(message) => ctx.fail(vec![FieldError { field: "assign-to", message }]),
            }
        };
        view! {
            <form class="form form--inline" on:submit=assign novalidate=true>
                {field}
                <button type="submit" class="button" aria-disabled=move || ctx.busy_state()>"Assign"</button>
            </form>
        }
    });
    view! {
        <section class="panel" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"What to do next"</h2>
            <div class="button-group">{buttons}{take}</div>
            {locked_closed.then(|| view! { <p class="hint">"Only a supervisor can reopen a closed case: ask one if it needs more work."</p> })}
            {assign_others.map(IntoAny::into_any).unwrap_or_else(|| view! {
                <p class="hint">"To give the case to a colleague, ask a supervisor: they assign cases to others."</p>
            }.into_any())}
        </section>
    }
}

/// Escalation: to whom, why, and how soon an answer is expected; saved together with
/// the move to "Escalated".
#[component]
pub fn EscalateForm(case: CaseView) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    if !case.status().can_become(CaseStatus::Escalated) {
        return None;
    }
    let again = case.status() == CaseStatus::Escalated;
    let escalate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = EscalationInput {
            target: ctx.draft("escalation-target"),
            reason: ctx.draft("escalation-reason"),
            hours: ctx.draft("escalation-hours"),
        };
        match escalation_bodies(&case, &input) {
            Ok(bodies) => ctx.submit(
                bodies,
                format!("Escalated to {}", input.target.trim()),
                vec!["escalation-target", "escalation-reason", "escalation-hours"],
            ),
            Err(errors) => ctx.fail(errors),
        }
    };
    Some(view! {
        <section class="panel" aria-labelledby="escalate-heading">
            <h2 id="escalate-heading">{if again { "Change the escalation" } else { "Escalate the case" }}</h2>
            <form class="form" on:submit=escalate novalidate=true>
                <TextField id="escalation-target" label="Escalate to" hint="Name and role, such as the safeguarding lead"/>
                <TextField id="escalation-reason" label="Why you are escalating" kind="textarea"/>
                <TextField id="escalation-hours" label="Answer expected within (hours)" hint="A whole number of hours, from 1 to 720" kind="number"/>
                <button type="submit" class="button" aria-disabled=move || ctx.busy_state()>"Escalate"</button>
            </form>
        </section>
    })
}
