//! `/cases/:id`: one case — its header, what to do next, its checklist (with the
//! proxy-access and identity rules beside it), escalation, the activation hand-off, its
//! timeline, a note, a status change and any clashing changes. A restricted case asks
//! for the reason for access first. Every change is saved on the device first and the
//! page says what happened. The pieces live in `crate::case_page`.

use crate::app::{CurrentSession, Flash, StoreHandle, SyncTrigger};
use crate::case_form::{note_op, status_op};
use crate::case_page::model::Me;
use crate::case_page::site_setup::SiteSetup;
use crate::case_page::{
    ActivationHandoff, CaseActions, CaseCtx, CaseHeader, Change, ChecklistRunner, EscalateForm, IdentityPanel,
    ProxyPanel, ReasonGate, Timeline,
};
use crate::case_view::{case_view, CaseView};
use crate::components::SignedIn;
use crate::components::{focus_field, keeping_focus, ErrorSummary};
use crate::format::date_time;
use crate::queue::calendar::uk_time;
use crate::sync::SyncStatus;
use crate::views::View;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use portal_desk_core::case::CaseStatus;
use portal_desk_core::staff::Role;
use portal_desk_core::{OpBody, RecordId, Register};
use std::cell::Cell;
use std::rc::Rc;

/// A case as loaded: its view, whether it waits for a reason for access, and its
/// site's calendar and checklists.
#[derive(Clone)]
struct Loaded {
    view: CaseView,
    needs_reason: bool,
    setup: SiteSetup,
}

/// The case screen.
#[component]
pub fn CasePage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let flash = expect_context::<Flash>().0;
    let session = expect_context::<CurrentSession>().0;
    let params = use_params_map();
    let id = move || RecordId::from(params.with(|p| p.get("id").unwrap_or_default()));
    let names =
        status.colleagues.with_untracked(|staff| staff.iter().map(|c| (c.id.clone(), c.name.clone())).collect());
    let me =
        session.with_untracked(|s| {
            s.as_ref().map_or(Me { id: "".into(), name: String::new(), role: None, names: Default::default() }, |s| {
                Me { id: s.staff.id.clone(), name: s.staff.name.clone(), role: Role::from_code(&s.staff.role), names }
            })
        });
    // The reason given for opening a restricted case, for the case it was given for.
    let access_reason = RwSignal::new(None::<(RecordId, String)>);

    // Opening a case shows patient data, so it is noted for the audit log: once for each
    // case opened (not again on every refresh), when it is found on the device and, for
    // a restricted case, once the person has said why, with that reason. Noted here, as
    // the case loads, rather than by an effect of its own, which cost the app shell
    // twice the bytes.
    let viewed: Rc<Cell<Option<RecordId>>> = Rc::default();
    let case = LocalResource::new(move || {
        status.data_version.track();
        let id = id();
        let reason = access_reason.with(|r| r.as_ref().filter(|(on, _)| *on == id).map(|(_, why)| why.clone()));
        let store = store.get();
        let viewed = Rc::clone(&viewed);
        let by = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        async move {
            let device = store.device().clone();
            let Some(view) = case_view(&id, store.local_state_of(&id).await?, &device) else {
                return Ok(None);
            };
            let needs_reason = view.record.is_restricted() && reason.is_none();
            let site = view.record.site.clone();
            let setup = SiteSetup::of(&store.settings_where(|r| SiteSetup::reads(r, &site)).await?, &site);
            // Checked and marked with no await in between, so refreshes that overlap
            // note one view, not two.
            let seen = viewed.take();
            let first_look = !needs_reason && seen.as_ref() != Some(&id);
            viewed.set(if first_look { Some(id.clone()) } else { seen });
            if let (true, Some(by)) = (first_look, by) {
                // A note that fails does not stop the case showing: a device too full to
                // keep it already says so whenever a change is saved.
                let _ = store.record_view(View::now(id, by, reason)).await;
            }
            Ok::<_, crate::store::StoreError>(Some(Loaded { view, needs_reason, setup }))
        }
    });
    // The latest case shown, kept while a refresh is under way so the forms stay.
    let current = move || case.get().and_then(Result::ok).flatten().filter(|l| !l.needs_reason).map(|l| l.view);
    let found = move || current().is_some();

    // A confirmation carried over from the screen that opened this one.
    let saved = RwSignal::new(flash.get_untracked());
    flash.set(None);
    let status_choice = RwSignal::new(None::<String>);
    let status_error = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let note_error = RwSignal::new(None::<String>);
    let errors = RwSignal::new(Vec::new());
    let drafts = RwSignal::new(Default::default());

    let save = Action::new_local(move |change: &Change| {
        let change = change.clone();
        let store = store.get();
        let record = id();
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        async move {
            let Some(actor) = actor else { return Err("Sign in again to make changes".to_owned()) };
            let is_note = change.bodies.iter().any(|b| matches!(b, OpBody::AppendNote { .. }));
            let changes = change.bodies.into_iter().map(|body| (record.clone(), body)).collect();
            store.record_changes(&actor, changes).await.map_err(|e| e.message())?;
            // Committed: the change is safe on this device.
            saved.set(Some(format!("{}. Saved on this device", change.done)));
            if is_note {
                note.set(String::new());
            }
            // Signals are set only when their value changes: each set redraws what reads it.
            status_choice.maybe_update(|c| c.take().is_some());
            drafts.maybe_update(|d: &mut std::collections::BTreeMap<String, String>| {
                let before = d.len();
                for id in &change.clear {
                    d.remove(*id);
                }
                d.len() != before
            });
            status.data_changed();
            trigger.refresh_counts();
            trigger.sync_now();
            Ok(())
        }
    });
    let slow = RwSignal::new(false);
    let looks_busy = Memo::new(move |_| slow.get() && save.pending().get());
    let ctx = CaseCtx { save, errors, drafts, me: StoredValue::new(me), slow, looks_busy };
    provide_context(ctx);

    let change_status = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(view) = current() else { return };
        let seen = view.record.fields.get("status").map(|r| r.clock.clone());
        let chosen = status_choice.get_untracked().unwrap_or_else(|| view.status().code().to_owned());
        match status_op(view.status(), &chosen, seen) {
            Ok(body) => {
                status_error.maybe_update(|e| e.take().is_some());
                let to = CaseStatus::from_code(&chosen).map_or("changed", CaseStatus::label);
                ctx.submit(vec![body], format!("Status changed to {}", to.to_lowercase()), vec![]);
            }
            Err(message) => {
                status_error.set(Some(message));
                focus_field("status");
            }
        }
    };
    let add_note = move |_| match note_op(&note.get_untracked()) {
        Ok(body) => {
            note_error.maybe_update(|e| e.take().is_some());
            ctx.submit(vec![body], "Note added", vec![]);
        }
        Err(message) => {
            note_error.set(Some(message));
            focus_field("note");
        }
    };
    let save_error = move || save.value().get().and_then(Result::err);
    // Clashing changes, each with a choice: the choice is itself a change that syncs.
    let conflicts = move || {
        let view = current().filter(|v| !v.record.conflicts.is_empty())?;
        let me = ctx.me.get_value();
        let who = |by: &portal_desk_core::StaffId| me.label(by);
        let zone = case.get().and_then(Result::ok).flatten().map_or_else(uk_time, |l| l.setup.calendar.zone);
        let items = view
            .record
            .conflicts
            .iter()
            .map(|c| {
                let shown = |r: &Register| value_label(&c.field, &r.value);
                let side = |r: &Register| format!("{}, {}", who(&r.by), date_time(r.clock.wall_ms, &zone));
                let text = format!(
                    "{}: the case shows “{}” ({}). The other value was “{}” ({}).",
                    field_label(&c.field),
                    shown(&c.kept),
                    side(&c.kept),
                    shown(&c.other),
                    side(&c.other),
                );
                let reason = c.reason.clone();
                let keep = OpBody::ResolveConflict { conflict: c.op.clone(), value: c.kept.value.clone() };
                let take = OpBody::ResolveConflict { conflict: c.op.clone(), value: c.other.value.clone() };
                let keep_label = format!("Keep “{}”", shown(&c.kept));
                let take_label = format!("Use “{}”", shown(&c.other));
                view! {
                    <li class="conflict-list__item">
                        <p>{text}</p>
                        {reason.map(|r| view! { <p class="hint">{r}</p> })}
                        <div class="conflict-list__actions">
                            <button type="button" class="button button--secondary" aria-disabled=move || ctx.busy_state()
                                on:click=move |_| ctx.submit(vec![keep.clone()], "Clash settled", vec![])>{keep_label}</button>
                            <button type="button" class="button button--secondary" aria-disabled=move || ctx.busy_state()
                                on:click=move |_| ctx.submit(vec![take.clone()], "Clash settled", vec![])>{take_label}</button>
                        </div>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="panel panel--warning" aria-labelledby="conflicts-heading">
                <h2 id="conflicts-heading">"Changes that clashed"</h2>
                <p>"Two people changed this case without seeing each other’s change. Both values are kept and the case shows the later one. Choose the value that is right."</p>
                <ul class="conflict-list">{items}</ul>
            </section>
        })
    };
    let current_status = move || current().map(|v| v.status()).unwrap_or(CaseStatus::New);
    let open_with = Callback::new(move |reason: String| access_reason.set(Some((id(), reason))));

    view! {
        <SignedIn>
            <A href="/" attr:class="back-link">"Back to cases"</A>
            {move || saved.get().map(|text| view! {
                <div class="confirmation" role="status"><p>{text}</p></div>
            })}
            {move || save_error().map(|text| view! {
                <div class="banner banner--error" role="alert"><p>{text}</p></div>
            })}
            <ErrorSummary errors=errors/>
            {keeping_focus(move || match case.get() {
                None => view! { <p class="loading">"Loading case…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error.message()}</p> }.into_any(),
                Some(Ok(None)) => view! {
                    <h1>"Case not found"</h1>
                    <p>"This case is not on this device. It may belong to another site, or not have synced yet. "
                        <A href="/">"Back to cases"</A></p>
                }.into_any(),
                Some(Ok(Some(Loaded { view, needs_reason: true, .. }))) => view! {
                    <ReasonGate kind=view.kind_label() open=open_with/>
                }.into_any(),
                Some(Ok(Some(Loaded { view, setup, .. }))) => {
                    let me = ctx.me.get_value();
                    view! {
                        <CaseHeader case=view.clone() me=me.clone() calendar=setup.calendar.clone()/>
                        <CaseActions case=view.clone()/>
                        <ProxyPanel case=view.clone()/>
                        <IdentityPanel case=view.clone() me=me.clone() zone=setup.calendar.zone.clone()/>
                        <ChecklistRunner case=view.clone() setup=setup.clone()/>
                        <EscalateForm case=view.clone()/>
                        <ActivationHandoff case=view.clone()/>
                        <Timeline case=view me setup/>
                    }.into_any()
                }
            })}
            {keeping_focus(conflicts)}
            <Show when=found>
                <section class="panel">
                    // The button saves on its click, not by submitting the form: the
                    // browser's submission lays the page out before the app's handler
                    // runs, which made every note start about 1 ms later. A click comes
                    // from a tap, Enter or Space alike; Enter in the textarea is a new line.
                    <form class="form" on:submit=|ev| ev.prevent_default() novalidate=true>
                        <div class="form-group" class:form-group--error=move || note_error.with(Option::is_some)>
                            <label class="label" for="note">"Add a note"</label>
                            {move || note_error.get().map(|text| view! {
                                <p class="field-error" id="note-error"><span class="visually-hidden">"Error: "</span>{text}</p>
                            })}
                            <textarea
                                class="textarea"
                                id="note"
                                name="note"
                                rows="4"
                                aria-describedby=move || note_error.with(|e| e.as_ref().map(|_| "note-error"))
                                bind:value=note
                            ></textarea>
                        </div>
                        <button type="button" class="button" on:click=add_note aria-disabled=move || ctx.busy_state()>"Add note"</button>
                    </form>
                </section>
                <section class="panel">
                    <form class="form form--inline" on:submit=change_status novalidate=true>
                        <div class="form-group" class:form-group--error=move || status_error.with(Option::is_some)>
                            <label class="label" for="status">"Status"</label>
                            {move || status_error.get().map(|text| view! {
                                <p class="field-error" id="status-error"><span class="visually-hidden">"Error: "</span>{text}</p>
                            })}
                            <select
                                class="select"
                                id="status"
                                name="status"
                                aria-describedby=move || status_error.with(|e| e.as_ref().map(|_| "status-error"))
                                on:change=move |ev| status_choice.set(Some(event_target_value(&ev)))
                            >
                                {move || {
                                    let now = current_status();
                                    CaseStatus::ALL.iter().copied().filter(|s| now.can_become(*s)).map(|s| view! {
                                        <option
                                            value=s.code()
                                            prop:selected=move || {
                                                status_choice.get().map_or(current_status() == s, |c| c == s.code())
                                            }
                                        >
                                            {s.label()}
                                        </option>
                                    }).collect_view()
                                }}
                            </select>
                        </div>
                        <button type="submit" class="button" aria-disabled=move || ctx.busy_state()>"Change status"</button>
                    </form>
                </section>
            </Show>
        </SignedIn>
    }
}

/// A field's name in words.
fn field_label(field: &str) -> &str {
    match field {
        "patient_name" => "Patient name",
        "kind" => "Kind of case",
        "status" => "Status",
        "priority" => "Priority",
        "channel" => "Channel",
        "summary" => "Summary",
        "owner" => "Owner",
        other => other,
    }
}

/// A field's value in words (codes become their labels).
fn value_label(field: &str, value: &str) -> String {
    use portal_desk_core::case::{CaseKind, Channel, Priority};
    let label = match field {
        "status" => CaseStatus::from_code(value).map(CaseStatus::label),
        "kind" => CaseKind::from_code(value).map(CaseKind::label),
        "priority" => Priority::from_code(value).map(Priority::label),
        "channel" => Channel::from_code(value).map(Channel::label),
        _ => None,
    };
    label.map(str::to_owned).unwrap_or_else(|| value.to_owned())
}
