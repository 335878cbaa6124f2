//! `/device` ("This device"): how long the app waits untouched before it locks, and
//! changing your PIN; and `/set-pin`, the step after a person's first online sign-in
//! on a tablet (or after too many wrong PINs), where they choose the PIN that unlocks
//! it offline, with the reminder that leads there.

use crate::app::{CurrentSession, StoreHandle};
use crate::case_form::FieldError;
use crate::components::{field_error, ErrorSummary, FieldErrorMessage, SignedIn};
use crate::session::DeviceLock;
use crate::store::{pin_problem, IDLE_LOCK_CHOICES, MIN_PIN_DIGITS};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};

/// A new PIN, typed twice; `on_saved` runs once it is stored.
#[component]
fn PinForm(#[prop(into)] submit_label: String, on_saved: Callback<()>) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let session = expect_context::<CurrentSession>().0;
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());

    let save = Action::new_local(move |typed: &String| {
        let (store, typed) = (store.get(), typed.clone());
        let who = session.get_untracked();
        async move {
            let Some(who) = who else { return };
            match store.set_pin(&who.staff.id, &who.staff.name, &typed).await {
                Ok(()) => {
                    pin.set(String::new());
                    again.set(String::new());
                    on_saved.run(());
                }
                Err(error) => errors.set(vec![FieldError { field: "new-pin", message: error.message() }]),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (typed, repeated) = (pin.get_untracked(), again.get_untracked());
        let mut problems = Vec::new();
        if let Some(problem) = pin_problem(&typed) {
            problems.push(FieldError { field: "new-pin", message: problem });
        } else if typed != repeated {
            problems.push(FieldError { field: "new-pin-again", message: "The two PINs are not the same".to_owned() });
        }
        errors.set(problems);
        if errors.with_untracked(Vec::is_empty) {
            save.dispatch(typed);
        }
    };
    let pin_error = Signal::derive(move || errors.with(|e| field_error(e, "new-pin")));
    let again_error = Signal::derive(move || errors.with(|e| field_error(e, "new-pin-again")));
    let pending = save.pending();

    view! {
        <ErrorSummary errors=errors/>
        <form class="form" on:submit=on_submit novalidate=true>
            <div class="form-group" class:form-group--error=move || pin_error.with(Option::is_some)>
                <label class="label" for="new-pin">"New PIN"</label>
                <p class="hint" id="new-pin-hint">{format!("At least {MIN_PIN_DIGITS} numbers. Do not use your birthday or the same number repeated.")}</p>
                <FieldErrorMessage id="new-pin" message=pin_error/>
                <input class="input" id="new-pin" name="new-pin" type="password" inputmode="numeric" autocomplete="new-password"
                    aria-describedby=move || if pin_error.with(Option::is_some) { "new-pin-hint new-pin-error" } else { "new-pin-hint" }
                    bind:value=pin/>
            </div>
            <div class="form-group" class:form-group--error=move || again_error.with(Option::is_some)>
                <label class="label" for="new-pin-again">"New PIN again"</label>
                <FieldErrorMessage id="new-pin-again" message=again_error/>
                <input class="input" id="new-pin-again" name="new-pin-again" type="password" inputmode="numeric" autocomplete="new-password"
                    aria-describedby=move || again_error.with(|e| e.as_ref().map(|_| "new-pin-again-error"))
                    bind:value=again/>
            </div>
            <button type="submit" class="button" disabled=move || pending.get()>{submit_label}</button>
        </form>
    }
}

/// Above every signed-in screen until the person has a PIN here: the step after an
/// online sign-in, without holding up the work they signed in for.
#[component]
pub fn PinReminder() -> impl IntoView {
    let lock = expect_context::<DeviceLock>();
    let location = use_location();
    let shown = move || lock.needs_pin.get() && location.pathname.with(|p| p != "/set-pin" && p != "/sign-in");
    view! {
        <Show when=shown>
            <div class="banner banner--warning" role="status">
                <p>
                    "You have no PIN on this device yet, so it can only be unlocked online. "
                    <A href="/set-pin">"Set a PIN"</A>
                    " to unlock it offline after it locks."
                </p>
            </div>
        </Show>
    }
}

/// The step after an online sign-in: choose the PIN that unlocks this tablet offline.
#[component]
pub fn SetPinPage() -> impl IntoView {
    let navigate = use_navigate();
    let lock = expect_context::<DeviceLock>();
    let on_saved = Callback::new(move |()| {
        lock.needs_pin.set(false);
        navigate("/", Default::default());
    });
    view! {
        <SignedIn>
            <h1>"Set a PIN for this device"</h1>
            <p>"Portal Desk keeps the cases on this tablet encrypted. Your PIN unlocks them, even without a connection, after the tablet locks itself or a colleague has used it."</p>
            <PinForm submit_label="Set PIN" on_saved/>
        </SignedIn>
    }
}

/// "This device": the idle lock and your PIN.
#[component]
pub fn DeviceSettingsPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let lock = expect_context::<DeviceLock>();
    let chosen = RwSignal::new(lock.idle_minutes.get_untracked().to_string());
    let saved = RwSignal::new(None::<String>);
    let save_idle = Action::new_local(move |minutes: &u32| {
        let (store, minutes) = (store.get(), *minutes);
        async move {
            saved.set(Some(match store.set_idle_lock_minutes(minutes).await {
                Ok(()) => {
                    lock.idle_minutes.set(minutes);
                    format!("Saved: this device locks after {minutes} minutes without use.")
                }
                Err(error) => error.message(),
            }));
        }
    });
    let on_saved_pin = Callback::new(move |()| {
        lock.needs_pin.set(false);
        saved.set(Some("Your PIN is changed.".to_owned()));
    });

    view! {
        <SignedIn>
            <h1>"This device"</h1>
            {move || saved.get().map(|text| view! { <div class="banner" role="status"><p>{text}</p></div> })}
            <h2>"Lock when not in use"</h2>
            <form class="form form--inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if let Ok(minutes) = chosen.get_untracked().parse() {
                    save_idle.dispatch(minutes);
                }
            }>
                <div class="form-group">
                    <label class="label" for="idle-minutes">"Lock after this long without use"</label>
                    <select class="select" id="idle-minutes" prop:value=move || chosen.get()
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {IDLE_LOCK_CHOICES.map(|m| view! {
                            <option value=m.to_string()>{if m == 1 { "1 minute".to_owned() } else { format!("{m} minutes") }}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button button--secondary">"Save"</button>
            </form>
            <h2>"Change your PIN"</h2>
            <PinForm submit_label="Change PIN" on_saved=on_saved_pin/>
            <crate::kiosk::StartKiosk/>
        </SignedIn>
    }
}
