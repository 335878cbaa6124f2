//! "Lock" in the header: locks the device at once, for a break or to hand a shared
//! tablet to a colleague, who then unlocks it with their own PIN (switch user); and the
//! link to this device's settings (idle lock, PIN).

use crate::app::StoreHandle;
use crate::session::DeviceLock;
use leptos::prelude::*;
use leptos_router::components::A;

/// The lock button and the "This device" link.
#[component]
pub fn LockButton() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let lock = expect_context::<DeviceLock>();
    view! {
        <A href="/device" attr:class="sync-bar__link">"This device"</A>
        <button type="button" class="button button--secondary" on:click=move |_| lock.lock(&store.get())>
            "Lock or switch user"
        </button>
    }
}
