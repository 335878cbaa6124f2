//! Kiosk mode: a member of staff hands their unlocked tablet to patients so they can
//! register themselves. While it is on, the app shows the kiosk and nothing else: it is
//! drawn outside the router, so no link, back button, typed address or reload reaches
//! another screen, and the mode is kept on the device so a reload comes back to it.
//! After a reload the data key is gone, so a member of staff must unlock the kiosk with
//! their PIN before the next patient. The device's idle lock is held off in kiosk mode;
//! instead an untouched form is wiped for the next patient (`idle.rs`). Leaving kiosk
//! mode takes a staff PIN.

mod form;
mod idle;
pub mod registration;
mod staff_pin;
mod text;

use crate::session::DeviceLock;
use crate::store::KioskMode;
use form::KioskForm;
use leptos::prelude::*;
use staff_pin::{StaffPin, StaffPinPurpose};

/// Whether this tablet is a kiosk now, for the app's root and the start button.
#[derive(Clone, Copy)]
pub struct KioskState(pub RwSignal<Option<KioskMode>>);

/// The kiosk: the form while unlocked, the staff PIN otherwise; and the way out.
#[component]
pub fn Kiosk(mode: KioskMode) -> impl IntoView {
    let lock = expect_context::<DeviceLock>();
    let unlocked = move || lock.unlocked.get() && lock.session.with(Option::is_some);
    let leaving = RwSignal::new(false);
    let site = mode.site.clone();
    let site_name = mode.site_name.clone();
    view! {
        <div class="kiosk">
            <header class="kiosk__bar">
                <p class="kiosk__site">{site_name}</p>
                <Show when=move || unlocked() && !leaving.get()>
                    <button type="button" class="button button--secondary kiosk__leave" on:click=move |_| leaving.set(true)>
                        "Staff: leave kiosk"
                    </button>
                </Show>
            </header>
            <main id="main-content" class="kiosk__main">
                {move || {
                    if leaving.get() {
                        view! { <StaffPin purpose=StaffPinPurpose::Leave on_cancel=Callback::new(move |()| leaving.set(false))/> }.into_any()
                    } else if unlocked() {
                        view! { <KioskForm site=site.clone()/> }.into_any()
                    } else {
                        view! { <StaffPin purpose=StaffPinPurpose::Resume/> }.into_any()
                    }
                }}
            </main>
        </div>
    }
}

/// On "This device": turns the tablet into a kiosk for one of the person's sites.
#[component]
pub fn StartKiosk() -> impl IntoView {
    let store = expect_context::<crate::app::StoreHandle>();
    let session = expect_context::<crate::app::CurrentSession>().0;
    let kiosk = expect_context::<KioskState>();
    let sites = session.with_untracked(|s| s.as_ref().map(|s| (s.staff.sites.clone(), s.staff.id.clone())));
    let Some((sites, staff)) = sites.filter(|(sites, _)| !sites.is_empty()) else {
        return view! { <p>"Your account has no site, so this tablet cannot be a kiosk. Ask your administrator to add you to a site."</p> }.into_any();
    };
    let chosen = RwSignal::new(sites[0].id.to_string());
    let problem = RwSignal::new(None::<String>);
    let start = Action::new_local(move |mode: &KioskMode| {
        let (store, mode) = (store.get(), mode.clone());
        async move {
            match store.set_kiosk_mode(Some(&mode)).await {
                Ok(()) => kiosk.0.set(Some(mode)),
                Err(error) => problem.set(Some(error.message())),
            }
        }
    });
    let options = sites.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = chosen.get_untracked();
        if let Some(site) = sites.iter().find(|s| s.id.as_str() == id) {
            start.dispatch(KioskMode {
                site: site.id.clone(),
                site_name: site.name.clone(),
                started_by: staff.clone(),
            });
        }
    };
    view! {
        <h2>"Kiosk for patients"</h2>
        <p>"Hand this tablet to patients so they can register themselves. They will see only the registration form, in English, Welsh or Polish. To leave kiosk mode, a member of staff enters their PIN."</p>
        {move || problem.get().map(|text| view! { <div class="banner banner--error" role="alert"><p>{text}</p></div> })}
        <form class="form form--inline" on:submit=on_submit>
            <div class="form-group">
                <label class="label" for="kiosk-site">"Registrations go to"</label>
                <select class="select" id="kiosk-site" prop:value=move || chosen.get()
                    on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {options.into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Start kiosk"</button>
        </form>
    }
    .into_any()
}
