//! The frame of every signed-in screen: a skip link, the header and the main landmark.
//! With nobody signed in it sends the person to the sign-in screen instead, unless the
//! device has just locked: then the app's root is about to show the locked screen, and
//! sending the address to the sign-in screen first would lose the page to come back to.

use super::AppHeader;
use crate::app::CurrentSession;
use crate::session::DeviceLock;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Wraps a signed-in screen's content.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<CurrentSession>().0;
    let unlocked = expect_context::<DeviceLock>().unlocked;
    let signed_in = move || session.with(Option::is_some);
    // Locking clears the session and the unlocked flag together, and the order in which
    // this screen and the app's root hear of it is not fixed (a screen fetched as a wasm
    // chunk hears first).
    let to_sign_in = move || unlocked.get_untracked().then(|| view! { <Redirect path="/sign-in"/> });
    view! {
        <Show when=signed_in fallback=to_sign_in>
            <a class="nhsuk-skip-link" href="#main-content">"Skip to main content"</a>
            <AppHeader/>
            <main id="main-content" class="page" tabindex="-1">
                {children()}
            </main>
        </Show>
    }
}
