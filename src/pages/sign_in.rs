//! `/sign-in`: staff sign in with their email address and password. Signing in needs
//! the server, so the screen says so when the device is offline. An online sign-in also
//! unlocks the device's encrypted data with the device secret the server returns (the
//! server slot), so it works after too many wrong PINs and on a tablet the person has
//! never used; then they are asked to set a PIN if they have none here.

use crate::api::ApiError;
use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::case_form::FieldError;
use crate::components::{field_error, ErrorSummary, FieldErrorMessage, ProblemSummary};
use crate::session::{self, DeviceLock, Session};
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use portal_desk_core::protocol::SignInRequest;

/// What the person typed.
#[derive(Clone)]
struct Credentials {
    email: String,
    password: String,
}

/// Checks the form before anything is sent.
fn check(credentials: &Credentials) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if credentials.email.trim().is_empty() {
        errors.push(FieldError { field: "email", message: "Enter your email address".to_owned() });
    }
    if credentials.password.is_empty() {
        errors.push(FieldError { field: "password", message: "Enter your password".to_owned() });
    }
    errors
}

/// Turns a failed sign-in into a problem with the form's fields (wrong credentials),
/// or `Err` with a problem that is nobody's typing (no connection, server trouble).
fn sign_in_error(error: &ApiError) -> Result<FieldError, String> {
    match error {
        ApiError::Unauthorized { .. } => Ok(FieldError {
            field: "email",
            message: "The email address or password is not right. Check them and try again.".to_owned(),
        }),
        ApiError::Offline => Err("Portal Desk cannot reach the server. Signing in needs a connection: check the Wi-Fi or mobile data, then try again.".to_owned()),
        other => Err(other.message()),
    }
}

/// The sign-in screen.
#[component]
pub fn SignInPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let current = expect_context::<CurrentSession>().0;
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let lock = expect_context::<DeviceLock>();
    let navigate = use_navigate();

    // After an expired sign-in, the person's email is already known.
    let email =
        RwSignal::new(current.with_untracked(|s| s.as_ref().map(|s| s.staff.email.clone()).unwrap_or_default()));
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    // A problem that is not about what was typed: no connection, or server trouble.
    let problem = RwSignal::new(None::<String>);

    let sign_in = Action::new_local(move |credentials: &Credentials| {
        let credentials = credentials.clone();
        let store = store.get();
        let navigate = navigate.clone();
        async move {
            // The device proves it is itself with the secret it was given when it first
            // signed in, and says what it queued before it could sign changes.
            let (device_proof, queued_through) = match (store.device_proof().await, store.last_queued_seq().await) {
                (Ok(proof), Ok(queued)) => (proof, Some(queued)),
                (Err(error), _) | (_, Err(error)) => {
                    problem.set(Some(error.message()));
                    return;
                }
            };
            let request = SignInRequest {
                email: credentials.email.trim().to_owned(),
                password: credentials.password,
                device: store.device().clone(),
                device_proof,
                queued_through,
            };
            match session::sign_in(&request).await {
                Ok(signed) => {
                    if let Some(secret) = &signed.device_secret {
                        if let Err(error) = store.keep_device_secret(secret).await {
                            problem.set(Some(error.message()));
                            return;
                        }
                    }
                    if let Err(error) = store.unlock_with_device_key(&signed.device_key).await {
                        problem.set(Some(error.message()));
                        return;
                    }
                    let op_key = signed.op_key();
                    store.hold_op_key(Some(op_key.clone()));
                    let signed_in = Session::from(signed.session);
                    if let Err(error) = store.save_session(&signed_in).await {
                        errors.set(vec![FieldError { field: "email", message: error.message() }]);
                        return;
                    }
                    // A PIN locked by wrong tries is replaced, like a missing one.
                    let has_pin = store.has_working_pin(&signed_in.staff.id, &op_key.credential).await.unwrap_or(false);
                    status.online.set(true);
                    status.needs_sign_in.set(false);
                    status.problem.set(None);
                    status.wiped.set(None);
                    password.set(String::new());
                    lock.needs_pin.set(!has_pin);
                    lock.unlocked_as(signed_in, "/", |path| navigate(path, Default::default()));
                    trigger.sync_now();
                }
                Err(ApiError::DeviceRevoked { .. }) => {
                    // The server refuses a revoked device for good: keep nothing on it.
                    let message = match store.wipe().await {
                        Ok(()) => ApiError::DeviceRevoked { detail: String::new() }.message(),
                        Err(failure) => failure.message(),
                    };
                    lock.lock(&store);
                    status.wiped.set(Some(message));
                }
                Err(error) => {
                    if error == ApiError::Offline {
                        status.online.set(false);
                    }
                    match sign_in_error(&error) {
                        Ok(field_error) => errors.set(vec![field_error]),
                        Err(message) => problem.set(Some(message)),
                    }
                }
            }
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let credentials = Credentials { email: email.get_untracked(), password: password.get_untracked() };
        let problems = check(&credentials);
        problem.set(None);
        if problems.is_empty() {
            errors.set(Vec::new());
            sign_in.dispatch(credentials);
        } else {
            errors.set(problems);
        }
    };
    let email_error = Signal::derive(move || errors.with(|e| field_error(e, "email")));
    let password_error = Signal::derive(move || errors.with(|e| field_error(e, "password")));
    let pending = sign_in.pending();

    view! {
        <header class="app-header">
            <div class="app-header__bar">
                <span class="app-header__brand">"Portal Desk"</span>
            </div>
        </header>
        <main id="main-content" class="page page--narrow">
            <h1>"Sign in"</h1>
            <p>"Sign in with your Portal Desk email address and password."</p>
            {move || status.wiped.get().map(|text| view! {
                <div class="banner banner--error" role="alert"><p>{text}</p></div>
            })}
            <Show when=move || !status.online.get()>
                <div class="banner banner--warning" role="status">
                    <p>"You are offline. Signing in needs a connection: connect to the internet, then sign in."</p>
                </div>
            </Show>
            <ProblemSummary problem=problem/>
            <ErrorSummary errors=errors/>
            <form class="form" on:submit=on_submit on:focusin=|_| crate::screens::preload_day() novalidate=true>
                <div class="form-group" class:form-group--error=move || email_error.with(Option::is_some)>
                    <label class="label" for="email">"Email address"</label>
                    <FieldErrorMessage id="email" message=email_error/>
                    <input
                        class="input"
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="username"
                        spellcheck="false"
                        aria-describedby=move || email_error.with(|e| e.as_ref().map(|_| "email-error"))
                        bind:value=email
                    />
                </div>
                <div class="form-group" class:form-group--error=move || password_error.with(Option::is_some)>
                    <label class="label" for="password">"Password"</label>
                    <FieldErrorMessage id="password" message=password_error/>
                    <input
                        class="input"
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        aria-describedby=move || password_error.with(|e| e.as_ref().map(|_| "password-error"))
                        bind:value=password
                    />
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Sign in"</button>
            </form>
            <Show when=move || !lock.unlocked.get()>
                <p><A href="/">"Unlock with a PIN instead"</A></p>
            </Show>
        </main>
    }
}
