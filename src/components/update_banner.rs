//! "An update is ready": shown when a new build of Portal Desk has been installed in
//! the background. The app changes only when the person presses the button — never in
//! the middle of what they are doing; until then the banner just waits.

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
    view! {
        <div class="update-slot" aria-live="polite">
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
