//! The pieces of the case page (`/cases/:id`), one small file each: the header, the
//! checklist runner, the timeline, the actions (assign, escalate, status moves), the
//! proxy-access and identity panels, the activation hand-off and the reason-for-access
//! gate. They share one handle, [`CaseCtx`], which saves changes on the device and keeps
//! what the person is typing while the case refreshes underneath.

mod actions;
mod checklist;
mod handoff;
mod header;
mod identity;
pub mod model;
mod proxy;
mod reason;
pub mod site_setup;
mod timeline;

pub use actions::{CaseActions, EscalateForm};
pub use checklist::ChecklistRunner;
pub use handoff::ActivationHandoff;
pub use header::CaseHeader;
pub use identity::IdentityPanel;
pub use proxy::ProxyPanel;
pub use reason::ReasonGate;
pub use timeline::Timeline;

use crate::case_form::FieldError;
use crate::components::{field_error, focus_field};
use leptos::prelude::*;
use model::Me;
use portal_desk_core::OpBody;
use std::collections::BTreeMap;

/// Changes to save in one go, what to say once they are saved, and which drafts the
/// form can forget then.
#[derive(Clone, Debug)]
pub struct Change {
    /// The operations, recorded in one transaction.
    pub bodies: Vec<OpBody>,
    /// The confirmation, such as "Case resolved".
    pub done: String,
    /// The ids of the inputs to empty once saved.
    pub clear: Vec<&'static str>,
}

/// What every piece of the case page shares.
#[derive(Clone, Copy)]
pub struct CaseCtx {
    /// Saves a change on the device (the page says so when it is committed).
    pub save: Action<Change, Result<(), String>>,
    /// The problems with the form last sent, shown in the error summary and by fields.
    pub errors: RwSignal<Vec<FieldError>>,
    /// What the person has typed, by input id, kept while the case refreshes.
    pub drafts: RwSignal<BTreeMap<String, String>>,
    /// Who is signed in.
    pub me: StoredValue<Me>,
    /// Set once a save has taken [`SLOW_SAVE_MS`] without finishing.
    pub slow: RwSignal<bool>,
    /// Whether the buttons say a save is under way: a slow one, still going.
    pub looks_busy: Memo<bool>,
}

/// How long a save may take before the page's buttons show that it is under way.
pub const SLOW_SAVE_MS: u64 = 250;

impl CaseCtx {
    /// What has been typed into input `id`.
    pub fn draft(&self, id: &str) -> String {
        self.drafts.with(|d| d.get(id).cloned().unwrap_or_default())
    }

    /// Keeps what has been typed into input `id`.
    pub fn set_draft(&self, id: &str, value: String) {
        self.drafts.update(|d| {
            d.insert(id.to_owned(), value);
        });
    }

    /// The problem with input `id`, if the last attempt found one.
    pub fn error(&self, id: &'static str) -> Option<String> {
        self.errors.with(|e| field_error(e, id))
    }

    /// Shows the problems and moves focus to the first field to fix.
    pub fn fail(&self, errors: Vec<FieldError>) {
        let first = errors.first().map(|e| e.field);
        self.errors.set(errors);
        if let Some(id) = first {
            focus_field(id);
        }
    }

    /// Saves `bodies`, confirming with `done`, then empties the inputs in `clear`; does
    /// nothing while another save is under way (a double tap saves once).
    pub fn submit(&self, bodies: Vec<OpBody>, done: impl Into<String>, clear: Vec<&'static str>) {
        if self.save.pending().get_untracked() {
            return;
        }
        // Only a change wakes what reads a signal: clearing an empty error list would
        // redraw every field's message before the write even starts.
        self.errors.maybe_update(|errors| !std::mem::take(errors).is_empty());
        self.slow.maybe_update(std::mem::take);
        self.save.dispatch(Change { bodies, done: done.into(), clear });
        let (save, slow) = (self.save, self.slow);
        set_timeout(
            move || {
                if save.pending().get_untracked() {
                    slow.set(true);
                }
            },
            std::time::Duration::from_millis(SLOW_SAVE_MS),
        );
    }

    /// The page's buttons' `aria-disabled` while a slow save is under way: said to
    /// screen readers and greyed. Only a slow one: a save takes some 20 ms, and greying
    /// every button for that long is a flicker, and a frame that holds the save back.
    /// Not `disabled` either, since a disabled button loses the focus (the browser
    /// hands it to the page) and a person saving from the keyboard would be sent back
    /// to the top. A tap while a save is under way does nothing ([`CaseCtx::submit`]).
    pub fn busy_state(&self) -> Option<&'static str> {
        self.looks_busy.get().then_some("true")
    }
}

/// A labelled text input (or a text area, a date, or a choice among `options` as
/// (value, label) with `kind` "select") in the NHS pattern, bound to the page's drafts,
/// with its hint and error message linked for screen readers.
#[component]
pub fn TextField(
    id: &'static str,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] kind: &'static str,
    #[prop(optional)] options: Vec<(String, String)>,
) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    let error = move || ctx.error(id);
    let has_hint = hint.is_some();
    let described = move || described_by(id, has_hint, error().is_some());
    let control = match kind {
        "textarea" => view! {
            <textarea class="textarea" id=id name=id rows="3" aria-describedby=described
                prop:value=move || ctx.draft(id) on:input=move |ev| ctx.set_draft(id, event_target_value(&ev))></textarea>
        }
        .into_any(),
        "select" => view! {
            <select class="select" id=id name=id aria-describedby=described
                prop:value=move || ctx.draft(id) on:change=move |ev| ctx.set_draft(id, event_target_value(&ev))>
                <option value="">"Choose…"</option>
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        other => view! {
            <input class="input" id=id name=id type=if other.is_empty() { "text" } else { other }
                aria-describedby=described
                prop:value=move || ctx.draft(id) on:input=move |ev| ctx.set_draft(id, event_target_value(&ev))/>
        }
        .into_any(),
    };
    view! {
        <div class="form-group" class:form-group--error=move || error().is_some()>
            <label class="label" for=id>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=format!("{id}-hint")>{text}</p> })}
            {move || error().map(|text| view! {
                <p class="field-error" id=format!("{id}-error")><span class="visually-hidden">"Error: "</span>{text}</p>
            })}
            {control}
        </div>
    }
}

/// The ids of a field's hint and error message, for `aria-describedby`.
pub fn described_by(id: &str, hint: bool, error: bool) -> String {
    let parts = [hint.then(|| format!("{id}-hint")), error.then(|| format!("{id}-error"))];
    parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
}
