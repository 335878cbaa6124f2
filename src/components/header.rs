//! The header of every signed-in screen: who is signed in where, whether the device is
//! online, how many changes wait in the outbox, when it last synced, and the buttons
//! to sync now and to sign out; and the links to the screens the person's role opens.

use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::format::{rejected_label, time_of_day, waiting_label};
use crate::queue::calendar::uk_time;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use portal_desk_core::staff::{Permission, Role};

/// The header's links beyond "Cases", as (path, label), for `role`: only the screens
/// it may open, so nobody is shown a door that says "not for your role".
fn screens_for(role: Option<Role>) -> Vec<(&'static str, &'static str)> {
    let may = |permission| role.is_some_and(|role| role.may(permission));
    let mut links = Vec::new();
    if may(Permission::AssignCases) || may(Permission::ManageStaff) {
        links.push(("/supervisor", "Team"));
    }
    if may(Permission::ManageStaff) {
        links.push(("/admin/staff", "Staff"));
    }
    if may(Permission::ManageSites) {
        links.push(("/admin/sites", "Sites"));
    }
    if may(Permission::ManageTemplates) {
        links.push(("/admin/templates", "Checklists"));
    }
    links
}

/// The app header.
#[component]
pub fn AppHeader() -> impl IntoView {
    let session = expect_context::<CurrentSession>().0;
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let store = expect_context::<StoreHandle>();
    let navigate = use_navigate();

    let who = move || {
        session.with(|s| s.as_ref().map(|s| format!("{}, {}", s.staff.name, s.site_name())).unwrap_or_default())
    };
    let network = move || if status.online.get() { "Online" } else { "Offline" };
    let network_class =
        move || if status.online.get() { "network network--online" } else { "network network--offline" };
    let last_sync = move || match status.last_synced_ms.get() {
        Some(ms) => format!("Last synced at {}", time_of_day(ms, &uk_time())),
        None => "Not synced yet".to_owned(),
    };
    let sign_out = Action::new_local(move |_: &()| {
        let store = store.get();
        let navigate = navigate.clone();
        async move {
            // Forgetting the session matters more than the result of saving that fact:
            // the screen signs out either way, and the outbox is kept for the next sign-in.
            let _ = store.clear_session().await;
            session.set(None);
            status.needs_sign_in.set(false);
            status.problem.set(None);
            status.notice.set(None);
            navigate("/sign-in", Default::default());
        }
    });

    view! {
        <header class="app-header">
            <div class="app-header__bar">
                <A href="/" attr:class="app-header__brand">"Portal Desk"</A>
                <nav class="app-header__nav" aria-label="Main">
                    <A href="/" exact=true>"Cases"</A>
                    {move || {
                        let role = session.with(|s| s.as_ref().and_then(|s| Role::from_code(&s.staff.role)));
                        screens_for(role).into_iter().map(|(href, label)| view! { <A href=href>{label}</A> }).collect_view()
                    }}
                </nav>
                <p class="app-header__who">
                    <span class="app-header__label">"Signed in as "</span>
                    {who}
                </p>
            </div>
            <div class="sync-bar">
                <p class=network_class>{network}</p>
                <p class="outbox-badge" role="status">{move || waiting_label(status.waiting.get(), status.rejected.get())}</p>
                <p class="last-sync">{last_sync}</p>
                {move || status.received.get().map(|count| view! {
                    <p class="sync-progress" role="status">{format!("Receiving cases: {count} so far…")}</p>
                })}
                <A href="/changes" attr:class="sync-bar__link">"Changes on this device"</A>
                <div class="sync-bar__actions">
                    <button
                        type="button"
                        class="button button--secondary"
                        aria-busy=move || status.running.get().to_string()
                        on:click=move |_| trigger.sync_now()
                    >
                        "Sync now"
                    </button>
                    <super::LockButton/>
                    <button type="button" class="button button--secondary" on:click=move |_| {
                        sign_out.dispatch(());
                    }>"Sign out"</button>
                </div>
            </div>
        </header>
        <div class="app-notices">
            <Show when=move || status.needs_sign_in.get()>
                <div class="banner banner--warning" role="alert">
                    <p>
                        "Your sign-in has expired. Your changes are kept on this device. "
                        <A href="/sign-in">"Sign in again"</A>
                        " to sync them."
                    </p>
                </div>
            </Show>
            // A problem first; else a notice, kept until sign-out (one banner, not two: the
            // app shell's size budget is tight).
            {move || status.problem.get().or_else(|| status.notice.get()).map(|text| view! { <div class="banner banner--warning" role="alert"><p>{text}</p></div> })}
            {move || rejected_label(status.rejected.get()).map(|text| view! {
                <div class="banner banner--error" role="alert">
                    <p>
                        {text} " by the server. "
                        <A href="/changes">"See which, and why"</A>
                    </p>
                </div>
            })}
        </div>
    }
}
