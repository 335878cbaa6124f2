//! Portal Desk, the offline-first app for patient-portal helpdesk and enrolment teams:
//! a Leptos client-side app that keeps every change on the device first (IndexedDB)
//! and syncs it with the Portal Desk server when there is a connection.
//!
//! Pure logic (forms, views, settling, formatting) is in modules with native tests;
//! `store`, `api`, `sync` and `browser` touch the outside world; `app`, `pages` and
//! `components` are the screens.

pub mod api;
pub mod app;
pub mod browser;
pub mod case_form;
pub mod case_page;
pub mod case_view;
pub mod change_view;
pub mod components;
pub mod crypto;
pub mod format;
pub mod kiosk;
pub mod lazy;
pub mod listing;
pub mod pages;
pub mod queue;
pub mod screens;
pub mod session;
pub mod settle;
pub mod sites_change;
pub mod store;
pub mod sync;
pub mod views;

use wasm_bindgen::JsCast;

/// Replaces the loading shell that `index.html` paints with the running app.
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let root = document.get_element_by_id("app").and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    match root {
        Some(root) => {
            root.set_inner_html("");
            leptos::mount::mount_to(root, app::App).forget();
        }
        None => leptos::mount::mount_to_body(app::App),
    }
}
