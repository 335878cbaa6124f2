//! `/admin/staff`: an admin's staff accounts — add someone, change their role and
//! sites, reset their password, deactivate or reactivate them. Online only (accounts and passwords never sync to devices); the server checks
//! the role and audits every change whatever this screen shows.

mod edit_staff;
mod site_form;
mod site_zone;
mod sites;
mod template_form;
mod templates;

pub use sites::AdminSitesPage;
pub use templates::AdminTemplatesPage;

use crate::app::CurrentSession;
use crate::components::SignedIn;
use crate::pages::supervisor::online::{call, current_role, token};
use crate::pages::supervisor::{directory, NotForYourRole};
use gloo_net::http::Method;
use leptos::prelude::*;
use portal_desk_core::staff::{Colleague, Permission, Role};
use serde_json::json;

/// The admin's staff screen.
#[component]
pub fn AdminStaffPage() -> impl IntoView {
    let allowed = move || current_role().is_some_and(|role| role.may(Permission::ManageStaff));
    view! {
        <SignedIn>
            <Show when=allowed fallback=|| view! { <NotForYourRole what="admin staff screen"/> }>
                <h1>"Staff"</h1>
                <StaffAdmin/>
            </Show>
        </SignedIn>
    }
}

#[component]
fn StaffAdmin() -> impl IntoView {
    let token = StoredValue::new(token());
    let reload = RwSignal::new(0u32);
    let staff = LocalResource::new(move || {
        reload.track();
        directory(token.get_value())
    });
    let message = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Colleague>);
    let session = expect_context::<CurrentSession>().0;
    let my_sites = move || session.with(|s| s.as_ref().map(|s| s.staff.sites.clone()).unwrap_or_default());
    let on_done = Callback::new(move |done: String| {
        message.set(Some(done));
        editing.set(None);
        reload.update(|n| *n += 1);
    });
    let set_active = move |person: Colleague, active: bool| {
        let token = token.get_value();
        leptos::task::spawn_local(async move {
            let body = json!({ "active": active }).to_string();
            let path = format!("/staff/{}", js_sys::encode_uri_component(person.id.as_str()));
            message.set(Some(match call(token, Method::PATCH, &path, Some(body)).await {
                Ok(_) if active => format!("{} can sign in again.", person.name),
                Ok(_) => format!("{} is deactivated: they are signed out everywhere and cannot sign in.", person.name),
                Err(error) => error,
            }));
            reload.update(|n| *n += 1);
        });
    };
    view! {
        <p role="status">{move || message.get()}</p>
        {move || match staff.get() {
            None => view! { <p class="loading">"Loading staff…"</p> }.into_any(),
            Some(list) if list.is_empty() => view! {
                <p class="banner banner--error">"The staff list needs a connection to the server: try again when this device is online."</p>
            }.into_any(),
            Some(list) => view! {
                <table class="table">
                    <thead><tr>
                        <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                        <th scope="col">"Sites"</th><th scope="col">"State"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|person| {
                            let active = person.active;
                            let label = format!("{} {}", if active { "Deactivate" } else { "Reactivate" }, person.name);
                            let row = person.clone();
                            let change = person.clone();
                            let change_label = format!("Change {}", person.name);
                            view! {
                                <tr>
                                    <th scope="row">{person.name.clone()}</th>
                                    <td>{person.email.clone().unwrap_or_default()}</td>
                                    <td>{person.role.label()}</td>
                                    <td>{person.sites.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")}</td>
                                    <td>{if active { "Active" } else { "Deactivated" }}</td>
                                    <td>
                                        <button class="button button--secondary" aria-label=change_label
                                            on:click=move |_| editing.set(Some(change.clone()))>"Change"</button>
                                        <button class="button button--secondary" on:click=move |_| set_active(row.clone(), !active)>
                                            {label}
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        {move || editing.get().map(|person| view! {
            <edit_staff::EditStaff person sites=my_sites() on_done on_close=Callback::new(move |()| editing.set(None))/>
        })}
        <AddStaff on_added=move || reload.update(|n| *n += 1)/>
    }
}

/// The form that adds a staff account at the admin's own sites.
#[component]
fn AddStaff(on_added: impl Fn() + Copy + 'static) -> impl IntoView {
    let session = expect_context::<CurrentSession>().0;
    let sites = move || session.with(|s| s.as_ref().map(|s| s.staff.sites.clone()).unwrap_or_default());
    let (name, email, password) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let role = RwSignal::new(Role::Analyst.code().to_owned());
    let chosen = RwSignal::new(Vec::<String>::new());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let token = StoredValue::new(token());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let token = token.get_value();
        ev.prevent_default();
        let body = json!({
            "name": name.get_untracked(), "email": email.get_untracked(), "role": role.get_untracked(),
            "sites": chosen.get_untracked(), "password": password.get_untracked(),
        })
        .to_string();
        leptos::task::spawn_local(async move {
            let done = call(token, Method::POST, "/staff", Some(body)).await;
            if done.is_ok() {
                outcome.set(Some(Ok(format!("{} is added and can sign in.", name.get_untracked()))));
                password.set(String::new());
                on_added();
            } else {
                outcome.set(done.err().map(Err));
            }
        });
    };
    let text_field = |id: &'static str, label: &'static str, kind: &'static str, value: RwSignal<String>| {
        view! {
            <div class="form-group">
                <label class="label" for=id>{label}</label>
                <input id=id class="input" type=kind prop:value=value autocomplete="off"
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="admin-form" on:submit=submit>
            <h2>"Add a member of staff"</h2>
            {move || outcome.get().map(|o| match o {
                Ok(done) => view! { <p class="banner" role="status">{done}</p> }.into_any(),
                Err(error) => view! {
                    <div class="error-summary" role="alert" tabindex="-1">
                        <h3 class="error-summary__title">"There is a problem"</h3>
                        <p>{error}</p>
                    </div>
                }.into_any(),
            })}
            {text_field("staff-name", "Full name", "text", name)}
            {text_field("staff-email", "Work email", "email", email)}
            <div class="form-group">
                <label class="label" for="staff-role">"Role"</label>
                <select id="staff-role" class="select" on:change=move |ev| role.set(event_target_value(&ev))>
                    {Role::ALL.iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                </select>
            </div>
            <fieldset class="fieldset">
                <legend>"Sites they work at"</legend>
                {move || sites().into_iter().map(|site| {
                    let id = format!("staff-site-{}", site.id);
                    let code = site.id.to_string();
                    view! {
                        <div class="checkbox">
                            <input id=id.clone() type="checkbox" on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| { c.retain(|s| *s != code); if on { c.push(code.clone()); } });
                            }/>
                            <label for=id>{site.name.clone()}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            {text_field("staff-password", "First password (at least 10 characters)", "password", password)}
            <button class="button" type="submit">"Add member of staff"</button>
        </form>
    }
}
