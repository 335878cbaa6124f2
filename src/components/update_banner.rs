//! "An update is ready": shown when a new build of Portal Desk has been installed in
//! the background. The app changes only when the person presses the button — never in
//! the middle of what they are doing; until then the banner just waits. Also what a tab
//! says when a newer version in another tab has taken the database over (this tab's
//! connection is closed, see `store::schema`).

use leptos::prelude::*;

/// The update banner; renders nothing until a new build is waiting.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let ready = RwSignal::new(false);
    let applying = RwSignal::new(false);
    crate::browser::when_update_ready(move || ready.set(true));
    let update = move |_| {
        applying.set(true);
        leptos::task::spawn_local(async move {
            if !crate::browser::apply_update().await {
                applying.set(false);
            }
        });
    };
    let outdated = RwSignal::new(false);
    let on_outdated = window_event_listener_untyped(crate::store::schema::OUTDATED_EVENT, move |_| outdated.set(true));
    on_cleanup(move || on_outdated.remove());
    let reload = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <div class="update-slot" aria-live="polite">
        <Show when=move || outdated.get()>
            <div class="banner update-banner" role="alert" aria-labelledby="outdated-heading">
                <p id="outdated-heading"><strong>"Portal Desk changed in another tab"</strong></p>
                <p>"A newer version of Portal Desk was opened in another tab, or its data on this device was removed there. Reload this tab to carry on. Changes saved on this device are kept; anything not yet saved on this screen will be lost."</p>
                <button type="button" class="button" on:click=reload>"Reload this tab"</button>
            </div>
        </Show>
        <Show when=move || ready.get()>
            <div class="banner update-banner" role="region" aria-labelledby="update-heading">
                <p id="update-heading"><strong>"An update is ready"</strong></p>
                <p>"A new version of Portal Desk is ready. Changes saved on this device are kept. Save what you are working on first: anything not yet saved on this screen will be lost when the page reloads."</p>
                <button type="button" class="button" disabled=move || applying.get() on:click=update>
                    "Update Portal Desk now"
                </button>
            </div>
        </Show>
        </div>
    }
}
