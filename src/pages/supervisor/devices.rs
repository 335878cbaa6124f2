//! The devices of the supervisor's sites: who used each last and when it last synced,
//! and revoking a lost or stolen one (it wipes itself the next time it connects).
//! Online only: the list lives on the server.

use super::online::{call, token};
use crate::format::date_time;
use crate::queue::calendar::uk_time;
use gloo_net::http::Method;
use leptos::prelude::*;
use serde::Deserialize;

/// A device as the list shows it (the parts of the server's summary used here).
#[derive(Clone, Debug, Deserialize, PartialEq)]
struct Device {
    id: String,
    revoked_at_ms: Option<u64>,
    kiosk_site: Option<String>,
    #[serde(default)]
    staff: Vec<DeviceUser>,
    last_sync_at_ms: Option<u64>,
    last_sync_by: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
struct DeviceUser {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct DeviceList {
    devices: Vec<Device>,
}

impl Device {
    fn last_user(&self) -> String {
        let by = self.last_sync_by.as_deref().or(self.staff.first().map(|u| u.id.as_str()));
        by.and_then(|id| self.staff.iter().find(|u| u.id == id))
            .map_or_else(|| "Nobody yet".to_owned(), |u| u.name.clone())
    }
}

async fn load(token: Option<String>) -> Result<Vec<Device>, String> {
    let text = call(token, Method::GET, "/devices", None).await?;
    serde_json::from_str::<DeviceList>(&text).map(|l| l.devices).map_err(|e| e.to_string())
}

/// The devices section.
#[component]
pub fn DevicesSection() -> impl IntoView {
    let token = StoredValue::new(token());
    let reload = RwSignal::new(0u32);
    let devices = LocalResource::new(move || {
        reload.track();
        load(token.get_value())
    });
    let confirming = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let revoke = move |id: String| {
        let token = token.get_value();
        leptos::task::spawn_local(async move {
            let path = format!("/devices/{}/revoke", js_sys::encode_uri_component(&id));
            message.set(Some(match call(token, Method::POST, &path, None).await {
                Ok(_) => format!("{id} is revoked: it will wipe its data the next time it connects."),
                Err(error) => error,
            }));
            confirming.set(None);
            reload.update(|n| *n += 1);
        });
    };
    let zone = uk_time();
    view! {
        <section aria-labelledby="devices-heading">
            <h2 id="devices-heading">"Devices"</h2>
            <p role="status">{move || message.get()}</p>
            {move || match devices.get() {
                None => view! { <p class="loading">"Loading devices…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="table">
                        <thead><tr>
                            <th scope="col">"Device"</th>
                            <th scope="col">"Last used by"</th>
                            <th scope="col">"Last synced"</th>
                            <th scope="col">"State"</th>
                            <th scope="col"><span class="visually-hidden">"Action"</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|device| {
                                let id = device.id.clone();
                                let synced = device.last_sync_at_ms.map_or_else(|| "Never".to_owned(), |ms| date_time(ms, &zone));
                                let state = match (&device.revoked_at_ms, &device.kiosk_site) {
                                    (Some(ms), _) => format!("Revoked {}", date_time(*ms, &zone)),
                                    (None, Some(site)) => format!("Kiosk at {site}"),
                                    (None, None) => "In use".to_owned(),
                                };
                                let revoked = device.revoked_at_ms.is_some();
                                let action = move || {
                                    let id = id.clone();
                                    if revoked {
                                        None
                                    } else if confirming.get().as_deref() == Some(id.as_str()) {
                                        Some(view! {
                                            <button class="button button--warning" on:click=move |_| revoke(id.clone())>
                                                "Yes, revoke and wipe"
                                            </button>
                                            <button class="button button--secondary" on:click=move |_| confirming.set(None)>
                                                "Cancel"
                                            </button>
                                        }.into_any())
                                    } else {
                                        let label = format!("Revoke {id}");
                                        Some(view! {
                                            <button class="button button--warning" on:click=move |_| confirming.set(Some(id.clone()))>
                                                {label}
                                            </button>
                                        }.into_any())
                                    }
                                };
                                view! {
                                    <tr>
                                        <th scope="row">{device.id.clone()}</th>
                                        <td>{device.last_user()}</td>
                                        <td>{synced}</td>
                                        <td>{state}</td>
                                        <td>{action}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}
