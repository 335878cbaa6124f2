//! `/cases/new`: record a new case. On "Save case" the create (and the first note, if
//! one was typed) are written to the outbox in one transaction; only then does the case
//! page open saying "Saved on this device".

use crate::app::{CurrentSession, Flash, StoreHandle, SyncTrigger};
use crate::browser::new_uuid;
use crate::case_form::{new_case_ops, FieldError, NewCaseInput};
use crate::components::{field_error, ErrorSummary, FieldErrorMessage, ProblemSummary, SignedIn};
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use portal_desk_core::case::{CaseKind, Channel, Priority};
use portal_desk_core::{OpBody, RecordId};

/// The new case screen.
#[component]
pub fn NewCasePage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let session = expect_context::<CurrentSession>().0;
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let flash = expect_context::<Flash>().0;
    let navigate = use_navigate();

    let patient_name = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal.code().to_owned());
    let channel = RwSignal::new(Channel::Phone.code().to_owned());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    // A problem that is not about what was typed, such as a full device.
    let problem = RwSignal::new(None::<String>);

    let save = Action::new_local(move |bodies: &Vec<OpBody>| {
        let record = RecordId::from(new_uuid());
        let changes: Vec<(RecordId, OpBody)> = bodies.iter().map(|body| (record.clone(), body.clone())).collect();
        let store = store.get();
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        let navigate = navigate.clone();
        async move {
            let Some(actor) = actor else { return };
            match store.record_changes(&actor, changes).await {
                Ok(_) => {
                    // The transaction has committed: now, and only now, the change is safe.
                    flash.set(Some("Saved on this device".to_owned()));
                    status.data_changed();
                    trigger.refresh_counts();
                    trigger.sync_now();
                    navigate(&format!("/cases/{record}"), Default::default());
                }
                Err(error) => problem.set(Some(error.message())),
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewCaseInput {
            patient_name: patient_name.get_untracked(),
            kind: kind.get_untracked(),
            priority: priority.get_untracked(),
            channel: channel.get_untracked(),
            note: note.get_untracked(),
        };
        let Some(site) = session.with_untracked(|s| s.as_ref().and_then(|s| s.home_site().map(|site| site.id.clone())))
        else {
            problem.set(Some(
                "Your account has no site, so cases cannot be recorded. Ask your administrator to add you to a site."
                    .to_owned(),
            ));
            return;
        };
        problem.set(None);
        match new_case_ops(&input, site) {
            Ok(bodies) => {
                errors.set(Vec::new());
                save.dispatch(bodies);
            }
            Err(problems) => errors.set(problems),
        }
    };
    let error_for = move |field: &'static str| Signal::derive(move || errors.with(|e| field_error(e, field)));
    let described_by =
        move |field: &'static str| move || errors.with(|e| field_error(e, field).map(|_| format!("{field}-error")));
    let has_error = move |field: &'static str| move || errors.with(|e| field_error(e, field).is_some());
    let pending = save.pending();

    view! {
        <SignedIn>
            <A href="/" attr:class="back-link">"Back to cases"</A>
            <h1>"New case"</h1>
            <ProblemSummary problem=problem/>
            <ErrorSummary errors=errors/>
            <form class="form" on:submit=on_submit novalidate=true>
                <div class="form-group" class:form-group--error=has_error("patient-name")>
                    <label class="label" for="patient-name">"Patient name"</label>
                    <FieldErrorMessage id="patient-name" message=error_for("patient-name")/>
                    <input
                        class="input"
                        id="patient-name"
                        name="patient-name"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        aria-describedby=described_by("patient-name")
                        bind:value=patient_name
                    />
                </div>
                <div class="form-group" class:form-group--error=has_error("kind")>
                    <label class="label" for="kind">"Kind of case"</label>
                    <FieldErrorMessage id="kind" message=error_for("kind")/>
                    <select
                        class="select"
                        id="kind"
                        name="kind"
                        aria-describedby=described_by("kind")
                        on:change=move |ev| kind.set(event_target_value(&ev))
                    >
                        <option value="" selected=true>"Choose the kind of case"</option>
                        {CaseKind::ALL
                            .iter()
                            .map(|k| view! { <option value=k.code()>{k.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="form-group" class:form-group--error=has_error("priority")>
                    <label class="label" for="priority">"Priority"</label>
                    <FieldErrorMessage id="priority" message=error_for("priority")/>
                    <select
                        class="select"
                        id="priority"
                        name="priority"
                        on:change=move |ev| priority.set(event_target_value(&ev))
                    >
                        {Priority::ALL
                            .iter()
                            .map(|p| view! { <option value=p.code() selected=*p == Priority::Normal>{p.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="form-group" class:form-group--error=has_error("channel")>
                    <label class="label" for="channel">"Channel"</label>
                    <FieldErrorMessage id="channel" message=error_for("channel")/>
                    <select class="select" id="channel" name="channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                        {Channel::ALL
                            .iter()
                            .map(|c| view! { <option value=c.code() selected=*c == Channel::Phone>{c.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="form-group" class:form-group--error=has_error("note")>
                    <label class="label" for="note">"Note (optional)"</label>
                    <p class="hint" id="note-hint">"What the person asked for, and anything already done."</p>
                    <FieldErrorMessage id="note" message=error_for("note")/>
                    <textarea class="textarea" id="note" name="note" rows="5" aria-describedby="note-hint" bind:value=note></textarea>
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Save case"</button>
            </form>
        </SignedIn>
    }
}
