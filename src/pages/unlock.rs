//! The locked device: `LockedApp` is everything a locked tablet shows (the unlock
//! screen, and the sign-in screen for an online unlock), so no signed-in screen is
//! mounted while the data key is out of memory. On the unlock screen a member of staff
//! picks their name and enters their PIN; a colleague taking over a shared tablet does
//! the same with their own PIN, or signs in online.

use super::SignInPage;
use crate::app::{StoreHandle, SyncTrigger};
use crate::case_form::FieldError;
use crate::components::{field_error, ErrorSummary, FieldErrorMessage};
use crate::session::{DeviceLock, Session};
use crate::store::{PinHolder, Store, UnlockError};
use leptos::prelude::*;
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::path;

/// The routes of a locked device: sign-in, and the unlock screen at every other address
/// (after unlocking, the person is back on the page the address names).
#[component]
pub fn LockedApp() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=UnlockPage>
                <Route path=path!("/sign-in") view=SignInPage/>
            </Routes>
        </Router>
    }
}

/// Where to go once unlocked: the page the address names, but not the sign-in screen.
fn page_after_unlock() -> String {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    if path.is_empty() || path == "/sign-in" {
        "/".to_owned()
    } else {
        path
    }
}

/// Unlocks the store with `staff`'s PIN and returns their session, or what to tell
/// them. A PIN that opens the data but whose session was signed out locks the store
/// again: only an online sign-in starts another session.
pub async fn unlock_with_pin(store: &Store, staff: &str, typed: &str) -> Result<Session, String> {
    match store.unlock_with_pin(&portal_desk_core::StaffId::from(staff), typed).await {
        Ok(Some(session)) => Ok(session),
        Ok(None) => {
            store.lock();
            Err(UnlockError::NoPin.message())
        }
        Err(error) => Err(error.message()),
    }
}

/// What is missing from a "who are you, and your PIN" form (the unlock screen's, the
/// kiosk's), reported against the `(who, pin)` input ids.
pub fn who_and_pin_problems(staff: &str, typed: &str, (who, pin): (&'static str, &'static str)) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if staff.is_empty() {
        problems.push(FieldError { field: who, message: "Choose your name".to_owned() });
    }
    if typed.is_empty() {
        problems.push(FieldError { field: pin, message: "Enter your PIN".to_owned() });
    }
    problems
}

/// The unlock screen; with nobody holding a PIN here, the sign-in screen instead.
#[component]
pub fn UnlockPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let lock = expect_context::<DeviceLock>();
    let holders = LocalResource::new(move || {
        let store = store.get();
        async move { store.pin_holders().await.unwrap_or_default() }
    });
    move || {
        holders.get().map(|holders| {
            if holders.is_empty() {
                view! { <Redirect path="/sign-in"/> }.into_any()
            } else {
                view! { <UnlockForm holders lock/> }.into_any()
            }
        })
    }
}

/// Choose who you are, enter your PIN.
#[component]
fn UnlockForm(holders: Vec<PinHolder>, lock: DeviceLock) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let trigger = expect_context::<SyncTrigger>();
    let holders = StoredValue::new(holders);
    let chosen =
        RwSignal::new(holders.with_value(|h| if h.len() == 1 { h[0].staff.to_string() } else { String::new() }));
    let pin = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());

    let unlock = Action::new_local(move |(staff, typed): &(String, String)| {
        let store = store.get();
        let (staff, typed) = (staff.clone(), typed.clone());
        async move {
            match unlock_with_pin(&store, &staff, &typed).await {
                Ok(session) => {
                    lock.unlocked_as(session, &page_after_unlock(), |_| {});
                    trigger.sync_now();
                }
                Err(problem) => {
                    pin.set(String::new());
                    errors.set(vec![FieldError { field: "pin", message: problem }]);
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (staff, typed) = (chosen.get_untracked(), pin.get_untracked());
        errors.set(who_and_pin_problems(&staff, &typed, ("who", "pin")));
        if errors.with_untracked(Vec::is_empty) {
            unlock.dispatch((staff, typed));
        }
    };
    let who_error = Signal::derive(move || errors.with(|e| field_error(e, "who")));
    let pin_error = Signal::derive(move || errors.with(|e| field_error(e, "pin")));
    let pending = unlock.pending();

    view! {
        <header class="app-header">
            <div class="app-header__bar">
                <span class="app-header__brand">"Portal Desk"</span>
                <p class="app-header__who">"Locked: nobody is signed in"</p>
            </div>
        </header>
        <main id="main-content" class="page page--narrow">
            <h1>"Portal Desk is locked"</h1>
            <p>"Choose your name and enter your PIN. Anyone else who uses this tablet unlocks it with their own PIN."</p>
            <ErrorSummary errors=errors/>
            <form class="form" on:submit=on_submit on:focusin=|_| crate::screens::preload_day() novalidate=true>
                <div class="form-group" class:form-group--error=move || who_error.with(Option::is_some)>
                    <label class="label" for="who">"Who are you?"</label>
                    <FieldErrorMessage id="who" message=who_error/>
                    <select class="select" id="who" name="who" prop:value=move || chosen.get()
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="">"Choose your name"</option>
                        {holders.get_value().into_iter().map(|h| {
                            let label = if h.tries_left == 0 { format!("{} (PIN locked: sign in)", h.name) } else { h.name.clone() };
                            view! { <option value=h.staff.to_string()>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="form-group" class:form-group--error=move || pin_error.with(Option::is_some)>
                    <label class="label" for="pin">"PIN"</label>
                    <FieldErrorMessage id="pin" message=pin_error/>
                    <input class="input" id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off"
                        aria-describedby=move || pin_error.with(|e| e.as_ref().map(|_| "pin-error"))
                        bind:value=pin/>
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Unlock"</button>
            </form>
            <p>
                "Not on the list, or forgotten your PIN? "
                <A href="/sign-in">"Sign in with your email and password"</A>
                " (this needs a connection)."
            </p>
        </main>
    }
}
