//! The screen for an address the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

/// "Page not found", with the way back.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <header class="app-header">
            <div class="app-header__bar">
                <A href="/" attr:class="app-header__brand">"Portal Desk"</A>
            </div>
        </header>
        <main id="main-content" class="page">
            <h1>"Page not found"</h1>
            <p>"Check the address, or go to " <A href="/">"your cases"</A> "."</p>
        </main>
    }
}
