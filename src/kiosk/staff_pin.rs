//! The one door out of the kiosk: a member of staff picks their name and enters their
//! PIN, to get the kiosk ready for the next patient after a reload or idle lock, or to
//! leave kiosk mode. Wrong PINs count against the same limit as the unlock screen.

use super::KioskState;
use crate::case_form::FieldError;
use crate::components::{field_error, ErrorSummary, FieldErrorMessage};
use crate::session::DeviceLock;
use crate::store::PinHolder;
use leptos::prelude::*;

/// Why a PIN is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffPinPurpose {
    /// The kiosk is locked: unlock it for the next patient.
    Resume,
    /// Leave kiosk mode and go back to the staff screens.
    Leave,
}

/// The staff PIN form.
#[component]
pub fn StaffPin(purpose: StaffPinPurpose, #[prop(optional)] on_cancel: Option<Callback<()>>) -> impl IntoView {
    let store = expect_context::<crate::app::StoreHandle>();
    let lock = expect_context::<DeviceLock>();
    let kiosk = expect_context::<KioskState>();
    let holders = LocalResource::new(move || {
        let store = store.get();
        async move { store.pin_holders().await.unwrap_or_default() }
    });
    let chosen = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());

    let unlock = Action::new_local(move |(staff, typed): &(String, String)| {
        let store = store.get();
        let (staff, typed) = (staff.clone(), typed.clone());
        async move {
            let problem = match crate::pages::unlock_with_pin(&store, &staff, &typed).await {
                Ok(session) => {
                    if purpose == StaffPinPurpose::Leave {
                        if let Err(error) = store.set_kiosk_mode(None).await {
                            errors.set(vec![FieldError { field: "kiosk-pin", message: error.message() }]);
                            return;
                        }
                        // The staff screens start at the case list, whatever address a
                        // patient may have typed meanwhile.
                        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"));
                        }
                    }
                    lock.session.set(Some(session));
                    lock.unlocked.set(true);
                    if purpose == StaffPinPurpose::Leave {
                        kiosk.0.set(None);
                    }
                    return;
                }
                Err(problem) => problem,
            };
            pin.set(String::new());
            errors.set(vec![FieldError { field: "kiosk-pin", message: problem }]);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (staff, typed) = (chosen.get_untracked(), pin.get_untracked());
        let problems = crate::pages::who_and_pin_problems(&staff, &typed, ("kiosk-who", "kiosk-pin"));
        let fine = problems.is_empty();
        errors.set(problems);
        if fine {
            unlock.dispatch((staff, typed));
        }
    };
    let who_error = Signal::derive(move || errors.with(|e| field_error(e, "kiosk-who")));
    let pin_error = Signal::derive(move || errors.with(|e| field_error(e, "kiosk-pin")));
    let (heading, words, button) = match purpose {
        StaffPinPurpose::Resume => (
            "This tablet is a registration kiosk",
            "A member of staff needs to unlock it for the next patient: choose your name and enter your PIN.",
            "Unlock kiosk",
        ),
        StaffPinPurpose::Leave => (
            "Leave kiosk mode",
            "Staff only: choose your name and enter your PIN to go back to the staff screens.",
            "Leave kiosk",
        ),
    };
    let options = move || {
        holders
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|h: PinHolder| {
                view! { <option value=h.staff.to_string()>{h.name}</option> }
            })
            .collect_view()
    };
    view! {
        <section class="kiosk__staff" aria-labelledby="kiosk-staff-heading">
            <h1 id="kiosk-staff-heading">{heading}</h1>
            <p>{words}</p>
            <ErrorSummary errors=errors/>
            <form class="form" on:submit=on_submit novalidate=true>
                <div class="form-group" class:form-group--error=move || who_error.with(Option::is_some)>
                    <label class="label" for="kiosk-who">"Your name"</label>
                    <FieldErrorMessage id="kiosk-who" message=who_error/>
                    <select class="select" id="kiosk-who" prop:value=move || chosen.get()
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="">"Choose your name"</option>
                        {options}
                    </select>
                </div>
                <div class="form-group" class:form-group--error=move || pin_error.with(Option::is_some)>
                    <label class="label" for="kiosk-pin">"PIN"</label>
                    <FieldErrorMessage id="kiosk-pin" message=pin_error/>
                    <input class="input input--pin" id="kiosk-pin" type="password" inputmode="numeric" autocomplete="off"
                        prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                </div>
                <div class="button-group">
                    <button type="submit" class="button" disabled=move || unlock.pending().get()>{button}</button>
                    {on_cancel.map(|cancel| view! {
                        <button type="button" class="button button--secondary" on:click=move |_| cancel.run(())>"Back to the form"</button>
                    })}
                </div>
            </form>
        </section>
    }
}
