//! Held changes: what the server kept from the supervisor's sites without applying it,
//! because it could not prove who made it (made on a device before it could sign, or
//! by someone deactivated before the device synced). The supervisor sees who it names,
//! what it does, when and on which device, and why it was held, and accepts (applies)
//! or rejects each one. Online only: held changes live on the server.

use super::online::{call, token};
use crate::change_view::{describe, held_because};
use crate::format::date_time;
use crate::queue::calendar::uk_time;
use gloo_net::http::Method;
use leptos::prelude::*;
use leptos_router::components::A;
use portal_desk_core::Op;
use serde::Deserialize;

/// A held change as the server lists it (the parts shown here).
#[derive(Clone, Debug, Deserialize, PartialEq)]
struct Held {
    op: Op,
    code: String,
    author_name: Option<String>,
}

#[derive(Deserialize)]
struct HeldList {
    held: Vec<Held>,
}

async fn load(token: Option<String>) -> Result<Vec<Held>, String> {
    let text = call(token, Method::GET, "/held", None).await?;
    serde_json::from_str::<HeldList>(&text).map(|l| l.held).map_err(|e| e.to_string())
}

/// The held-changes section of the supervisor screen.
#[component]
pub fn HeldSection() -> impl IntoView {
    let token = StoredValue::new(token());
    let reload = RwSignal::new(0u32);
    let held = LocalResource::new(move || {
        reload.track();
        load(token.get_value())
    });
    let message = RwSignal::new(None::<String>);
    let decide = move |op: Op, accept: bool| {
        let token = token.get_value();
        leptos::task::spawn_local(async move {
            let verb = if accept { "accept" } else { "reject" };
            let path = format!("/held/{}/{}/{verb}", js_sys::encode_uri_component(op.device.as_str()), op.seq);
            let what = describe(&op.body);
            message.set(Some(match call(token, Method::POST, &path, None).await {
                Ok(_) if accept => format!("Accepted and applied: {what}."),
                Ok(_) => format!("Rejected: {what}. It will not be applied."),
                Err(error) => error,
            }));
            reload.update(|n| *n += 1);
        });
    };
    let zone = uk_time();
    view! {
        <section aria-labelledby="held-heading">
            <h2 id="held-heading">"Changes waiting for you"</h2>
            <p>"The server keeps these changes without applying them, because it cannot prove who made them. Check each with the person it names if you can, then accept it (it is applied now) or reject it (it is never applied). Accept a case before the changes made to it."</p>
            <p role="status">{move || message.get()}</p>
            {move || match held.get() {
                None => view! { <p class="loading">"Loading held changes…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="empty-state">"No changes are waiting for you: everything from your sites' devices was proven and applied."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="change-list">
                        {list.into_iter().map(|held| {
                            let what = describe(&held.op.body);
                            let by = held.author_name.clone().unwrap_or_else(|| "Someone unknown".to_owned());
                            let label = format!("{what}, by {by}");
                            let (accept_op, reject_op) = (held.op.clone(), held.op.clone());
                            view! {
                                <li class="change-list__item">
                                    <p class="change-list__what">
                                        <A href=format!("/cases/{}", held.op.record)>{what.clone()}</A>
                                        " — by " {by.clone()}
                                    </p>
                                    <p class="change-list__meta">
                                        "Made on " {date_time(held.op.hlc.wall_ms, &zone)} " on device " {held.op.device.to_string()} "."
                                    </p>
                                    <p class="change-list__reason"><strong>"Why it is held: "</strong>{held_because(&held.code)}</p>
                                    <p class="change-list__actions">
                                        <button type="button" class="button" aria-label=format!("Accept: {label}")
                                            on:click=move |_| decide(accept_op.clone(), true)>
                                            "Accept"
                                        </button>
                                        " "
                                        <button type="button" class="button button--secondary" aria-label=format!("Reject: {label}")
                                            on:click=move |_| decide(reject_op.clone(), false)>
                                            "Reject"
                                        </button>
                                    </p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
