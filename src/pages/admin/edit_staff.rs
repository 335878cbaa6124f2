//! Changing one staff account on `/admin/staff`: their role and sites, and a new
//! password when they have forgotten theirs. Online only; the server checks the role,
//! refuses what an admin may not do (sites outside their own, a password too short) and
//! audits every change. A new password is sent once and never kept on the device.

use crate::pages::supervisor::online::{call, token};
use gloo_net::http::Method;
use leptos::prelude::*;
use portal_desk_core::protocol::SiteSummary;
use portal_desk_core::staff::{Colleague, Role};
use serde_json::json;

/// The form for `person`; `on_done` runs after a change is saved, `on_close` to close it.
#[component]
pub fn EditStaff(
    person: Colleague,
    sites: Vec<SiteSummary>,
    on_done: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let token = StoredValue::new(token());
    let role = RwSignal::new(person.role.code().to_owned());
    let chosen = RwSignal::new(person.sites.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let path = format!("/staff/{}", js_sys::encode_uri_component(person.id.as_str()));
    let name = person.name.clone();

    let save = {
        let (path, name) = (path.clone(), name.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if chosen.with_untracked(Vec::is_empty) {
                problem.set(Some("Choose at least one site they work at".to_owned()));
                return;
            }
            let body = json!({ "role": role.get_untracked(), "sites": chosen.get_untracked() }).to_string();
            let (token, path, name) = (token.get_value(), path.clone(), name.clone());
            leptos::task::spawn_local(async move {
                match call(token, Method::PATCH, &path, Some(body)).await {
                    Ok(_) => {
                        on_done.run(format!("{name}'s role and sites are saved. They apply from their next sync."))
                    }
                    Err(error) => problem.set(Some(error)),
                }
            });
        }
    };
    let reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        if typed.chars().count() < 10 {
            problem.set(Some("Enter a new password of at least 10 characters".to_owned()));
            return;
        }
        let body = json!({ "password": typed }).to_string();
        let (token, path, name) = (token.get_value(), format!("{path}/password"), name.clone());
        leptos::task::spawn_local(async move {
            match call(token, Method::POST, &path, Some(body)).await {
                Ok(_) => {
                    password.set(String::new());
                    on_done.run(format!(
                        "{name}'s password is reset. Tell them the new one in person or by phone, never by email."
                    ));
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    view! {
        <section class="admin-form" aria-labelledby="edit-staff-heading">
            <h2 id="edit-staff-heading">{format!("Change {}", person.name)}</h2>
            {move || problem.get().map(|text| view! {
                <div class="nhsuk-error-summary" role="alert"><h3 class="nhsuk-error-summary__title">"There is a problem"</h3><p>{text}</p></div>
            })}
            <form on:submit=save>
                <div class="form-group">
                    <label class="label" for="edit-role">"Role"</label>
                    <select id="edit-role" class="select" prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                        {Role::ALL.iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                    </select>
                </div>
                <fieldset class="fieldset">
                    <legend>"Sites they work at"</legend>
                    {sites.into_iter().map(|site| {
                        let id = format!("edit-site-{}", site.id);
                        let code = site.id.to_string();
                        let checked = code.clone();
                        view! {
                            <div class="checkbox">
                                <input id=id.clone() type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&checked))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| { c.retain(|s| *s != code); if on { c.push(code.clone()); } });
                                    }/>
                                <label for=id>{site.name}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button class="button" type="submit">"Save role and sites"</button>
            </form>
            <form on:submit=reset>
                <div class="form-group">
                    <label class="label" for="edit-password">"New password (at least 10 characters)"</label>
                    <input id="edit-password" class="input" type="password" autocomplete="new-password" prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                </div>
                <button class="button button--secondary" type="submit">"Reset password"</button>
            </form>
            <button class="button button--secondary" type="button" on:click=move |_| on_close.run(())>"Close"</button>
        </section>
    }
}
