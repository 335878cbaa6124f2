//! The frame of every signed-in screen: a skip link, the header and the main landmark.
//! With nobody signed in it sends the person to the sign-in screen instead.

use super::AppHeader;
use crate::app::CurrentSession;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Wraps a signed-in screen's content.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<CurrentSession>().0;
    let signed_in = move || session.with(Option::is_some);
    view! {
        <Show when=signed_in fallback=|| view! { <Redirect path="/sign-in"/> }>
            <a class="nhsuk-skip-link" href="#main-content">"Skip to main content"</a>
            <AppHeader/>
            <main id="main-content" class="page" tabindex="-1">
                {children()}
            </main>
        </Show>
    }
}
