//! `/supervisor`: changes held for the supervisor to accept or reject, the team
//! dashboard (from this device's data, so it works offline), cross-cover for someone away, and the devices of the supervisor's sites. Supervisors and admins only: anyone
//! else is told so, and the server refuses them the device list whatever the screen
//! shows.

mod cross_cover;
mod dashboard;
mod devices;
mod held;
pub mod online;

use crate::components::SignedIn;
use cross_cover::CrossCoverSection;
use dashboard::DashboardSection;
use devices::DevicesSection;
use held::HeldSection;
use leptos::prelude::*;
use online::{call, current_role, token};
use portal_desk_core::staff::{Colleague, Permission};

/// The staff directory, when the server can be reached (names for the figures).
pub async fn directory(token: Option<String>) -> Vec<Colleague> {
    #[derive(serde::Deserialize)]
    struct Directory {
        staff: Vec<Colleague>,
    }
    let text = call(token, gloo_net::http::Method::GET, "/staff", None).await.unwrap_or_default();
    serde_json::from_str::<Directory>(&text).map(|d| d.staff).unwrap_or_default()
}

/// Shown instead of a screen the person's role may not use.
#[component]
pub fn NotForYourRole(what: &'static str) -> impl IntoView {
    view! {
        <h1>"You cannot use this screen"</h1>
        <p>{format!("The {what} is for {}. Ask your supervisor if you need something from it.",
            if what.contains("admin") { "admins" } else { "supervisors and admins" })}</p>
    }
}

/// The supervisor screen.
#[component]
pub fn SupervisorPage() -> impl IntoView {
    let allowed = move || {
        current_role().is_some_and(|role| role.may(Permission::AssignCases) || role.may(Permission::ManageStaff))
    };
    let token = token();
    let names = LocalResource::new(move || directory(token.clone()));
    let directory = Signal::derive(move || names.get().unwrap_or_default());
    view! {
        <SignedIn>
            <Show when=allowed fallback=|| view! { <NotForYourRole what="supervisor screen"/> }>
                <h1>"Supervisor"</h1>
                <Show when=|| current_role().is_some_and(|role| role.may(Permission::ReviewHeldChanges))>
                    <HeldSection/>
                </Show>
                <DashboardSection directory/>
                <CrossCoverSection directory/>
                <DevicesSection/>
            </Show>
        </SignedIn>
    }
}
