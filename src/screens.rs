//! Which screens live in which wasm chunk (see `lazy.rs`). The cut follows who needs
//! what, and when:
//!
//! - `locked`: the unlock and sign-in screens, the first thing every start shows;
//! - `desk`: the routes of a day's work (the case list, a case, a new case, changes on
//!   this device, this device's settings), fetched while the unlock screen waits;
//! - `supervisor`, `admin` and `kiosk`: only the people who use them ever fetch them.
//!
//! The sync engine is a chunk of its own too (`sync::sync_over_http`).

use crate::components::SignedIn;
use crate::lazy::{lazy_or, missing_banner, split_fn, ChunkMissing};
use crate::pages::{
    CasePage, CasesPage, ChangesPage, DeviceSettingsPage, LockedApp, NewCasePage, NotFoundPage, PinReminder,
    SetPinPage, SignInPage,
};
use crate::store::KioskMode;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

split_fn! {
    chunk locked, preload preload_locked;
    /// What a locked tablet shows.
    pub fn locked() -> AnyView {
        view! { <LockedApp/> }.into_any()
    }
}

split_fn! {
    chunk desk, preload preload_desk;
    /// The signed-in app: its routes, the rarer ones each in a chunk of their own.
    pub fn desk() -> AnyView {
        view! {
            <Router>
                <PinReminder/>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/set-pin") view=SetPinPage/>
                    <Route path=path!("/device") view=DeviceSettingsPage/>
                    <Route path=path!("/") view=CasesPage/>
                    <Route path=path!("/cases/new") view=NewCasePage/>
                    <Route path=path!("/cases/:id") view=CasePage/>
                    <Route path=path!("/changes") view=ChangesPage/>
                    <Route path=path!("/supervisor") view=|| lazy_or(supervisor(), missing_in_frame)/>
                    <Route path=path!("/admin/staff") view=|| lazy_or(admin_staff(), missing_in_frame)/>
                    <Route path=path!("/admin/sites") view=|| lazy_or(admin_sites(), missing_in_frame)/>
                    <Route path=path!("/admin/templates") view=|| lazy_or(admin_templates(), missing_in_frame)/>
                </Routes>
            </Router>
        }
        .into_any()
    }
}

/// Fetches the chunks whoever unlocks next needs (the desk and the sync engine), once
/// per page load: the unlock and sign-in forms call it when a person starts on them, so
/// the chunks arrive while they type, and a page nobody touches (a tablet left on the
/// lock screen, a first visit still drawing) does not spend a cheap tablet's network and
/// main thread on them. A no-op once they are here.
pub fn preload_day() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::Relaxed) {
        return;
    }
    leptos::task::spawn_local(async {
        // A chunk that cannot be fetched now is fetched again when it is needed, and says
        // so then.
        let _ = preload_desk().await;
        let _ = crate::sync::preload_sync_engine().await;
    });
}

/// A signed-in screen whose code could not be fetched: the header stays, so the person
/// can go on with the screens that are here.
fn missing_in_frame(missing: ChunkMissing) -> AnyView {
    view! { <SignedIn>{missing_banner(missing)}</SignedIn> }.into_any()
}

split_fn! {
    chunk supervisor, preload preload_supervisor;
    /// The supervisor's dashboard, devices and cross-cover.
    fn supervisor() -> AnyView {
        view! { <crate::pages::SupervisorPage/> }.into_any()
    }
}

split_fn! {
    chunk admin, preload preload_admin;
    /// The admin's staff accounts.
    fn admin_staff() -> AnyView {
        view! { <crate::pages::AdminStaffPage/> }.into_any()
    }
}

split_fn! {
    chunk admin, preload preload_admin_sites;
    /// The admin's sites and calendars.
    fn admin_sites() -> AnyView {
        view! { <crate::pages::admin::AdminSitesPage/> }.into_any()
    }
}

split_fn! {
    chunk admin, preload preload_admin_templates;
    /// The admin's checklist templates.
    fn admin_templates() -> AnyView {
        view! { <crate::pages::admin::AdminTemplatesPage/> }.into_any()
    }
}

split_fn! {
    chunk kiosk, preload preload_kiosk;
    /// The self-registration kiosk.
    pub fn kiosk(mode: KioskMode) -> AnyView {
        view! { <crate::kiosk::Kiosk mode/> }.into_any()
    }
}
