//! The error summary at the top of a form and the message beside each field, in the
//! NHS pattern: the summary lists every problem and links to the field to fix.

use crate::case_form::FieldError;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The message for one field, if it has a problem.
pub fn field_error(errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
}

/// Moves focus to a form control, so a person using a keyboard or screen reader lands
/// on the field to fix.
pub fn focus_field(id: &str) {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// "There is a problem", with a link to each field that needs fixing.
#[component]
pub fn ErrorSummary(#[prop(into)] errors: Signal<Vec<FieldError>>) -> impl IntoView {
    view! {
        <Show when=move || errors.with(|e| !e.is_empty())>
            <div class="nhsuk-error-summary" role="alert" aria-labelledby="error-summary-title">
                <h2 class="nhsuk-error-summary__title" id="error-summary-title">"There is a problem"</h2>
                <ul class="nhsuk-list nhsuk-error-summary__list">
                    <For each=move || errors.get() key=|e| (e.field, e.message.clone()) let:error>
                        <li>
                            <a
                                href=format!("#{}", error.field)
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    focus_field(error.field);
                                }
                            >
                                {error.message.clone()}
                            </a>
                        </li>
                    </For>
                </ul>
            </div>
        </Show>
    }
}

/// "There is a problem" for a problem that is nobody's typing (no connection, a full
/// device), saying what to do.
#[component]
pub fn ProblemSummary(#[prop(into)] problem: Signal<Option<String>>) -> impl IntoView {
    move || {
        problem.get().map(|text| {
            view! {
                <div class="nhsuk-error-summary" role="alert">
                    <h2 class="nhsuk-error-summary__title">"There is a problem"</h2>
                    <p class="nhsuk-error-summary__body">{text}</p>
                </div>
            }
        })
    }
}

/// The message shown just above a field with a problem.
#[component]
pub fn FieldErrorMessage(id: &'static str, #[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p class="nhsuk-error-message" id=format!("{id}-error")>
                    <span class="nhsuk-u-visually-hidden">"Error: "</span>
                    {text}
                </p>
            }
        })
    }
}
