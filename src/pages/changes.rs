//! `/changes`: what is still only on this device — every change waiting to sync, with
//! its state — and every change the server did not accept, with the server's reason.
//! Nothing the person did disappears without a trace.

use crate::app::StoreHandle;
use crate::browser::local_offset_minutes;
use crate::change_view::describe;
use crate::components::SignedIn;
use crate::format::{date_time, storage_label};
use crate::store::StoreError;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use portal_desk_core::protocol::client::RejectedOp;
use portal_desk_core::{Op, RecordId};
use std::collections::BTreeMap;

/// One line of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ChangeLine {
    what: String,
    record: RecordId,
    patient: String,
    when: String,
}

/// Everything the screen shows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Changes {
    waiting: Vec<ChangeLine>,
    rejected: Vec<(ChangeLine, String)>,
    /// Views of records the audit log refused, and the latest reason.
    refused_views: (usize, String),
}

async fn load(store: crate::store::Store) -> Result<Changes, StoreError> {
    let state = store.local_state().await?;
    let outbox = state.outbox.clone();
    let replica = state.replica(store.device());
    let names: BTreeMap<RecordId, String> = replica
        .views()
        .into_iter()
        .map(|(id, r)| (id, r.field("patient_name").unwrap_or("Unnamed patient").to_owned()))
        .collect();
    let offset = local_offset_minutes();
    let line = |op: &Op| ChangeLine {
        what: describe(&op.body),
        record: op.record.clone(),
        patient: names.get(&op.record).cloned().unwrap_or_else(|| "A case not on this device".to_owned()),
        when: date_time(op.hlc.wall_ms, offset),
    };
    let waiting = outbox.iter().map(line).collect();
    let rejected = store.rejected().await?.iter().map(|r: &RejectedOp| (line(&r.op), r.reason.clone())).collect();
    let refused: Vec<String> = store.views().await?.into_iter().filter_map(|v| v.refused).collect();
    let refused_views = (refused.len(), refused.last().cloned().unwrap_or_default());
    Ok(Changes { waiting, rejected, refused_views })
}

/// The changes screen.
#[component]
pub fn ChangesPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let status = expect_context::<SyncStatus>();
    let changes = LocalResource::new(move || {
        status.data_version.track();
        load(store.get())
    });
    let storage = LocalResource::new(move || {
        status.data_version.track();
        crate::browser::storage_estimate()
    });
    let waiting_state = move || {
        if status.running.get() {
            "Sending now"
        } else if status.online.get() {
            "Waiting to send"
        } else {
            "Waiting for a connection"
        }
    };

    view! {
        <SignedIn>
            <A href="/" attr:class="back-link">"Back to cases"</A>
            <h1>"Changes on this device"</h1>
            {move || match changes.get() {
                None => view! { <p class="loading">"Loading changes…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error.message()}</p> }.into_any(),
                Some(Ok(Changes { waiting, rejected, refused_views: (refused_views, reason) })) => view! {
                    <section class="panel" aria-labelledby="waiting-heading">
                        <h2 id="waiting-heading">"Waiting to sync"</h2>
                        {if waiting.is_empty() {
                            view! { <p>"Nothing is waiting: every change made on this device has reached the server."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="change-list">
                                    {waiting.into_iter().map(|c| view! {
                                        <li class="change-list__item">
                                            <p class="change-list__what">
                                                <A href=format!("/cases/{}", c.record)>{c.patient}</A>
                                                ": " {c.what}
                                            </p>
                                            <p class="change-list__meta">
                                                "Made on " {c.when} ". "
                                                <span class="tag tag--unsynced">{waiting_state}</span>
                                            </p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    {(!rejected.is_empty()).then(|| view! {
                        <section class="panel panel--error" aria-labelledby="rejected-heading">
                            <h2 id="rejected-heading">"Not accepted by the server"</h2>
                            <p>"These changes were not applied. They are kept here so you can see why, and make them again if they are still needed."</p>
                            <ul class="change-list">
                                {rejected.into_iter().map(|(c, reason)| view! {
                                    <li class="change-list__item">
                                        <p class="change-list__what">
                                            <A href=format!("/cases/{}", c.record)>{c.patient}</A>
                                            ": " {c.what}
                                        </p>
                                        <p class="change-list__meta">"Made on " {c.when} "."</p>
                                        <p class="change-list__reason"><strong>"Reason: "</strong>{reason}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(refused_views > 0).then(|| view! {
                        <p class="banner banner--error">{refused_views} " views of records made on this device were refused by the server's audit log and are kept here. Reason: " {reason}</p>
                    })}
                }.into_any(),
            }}
            <section class="panel" aria-labelledby="storage-heading">
                <h2 id="storage-heading">"Storage on this device"</h2>
                <p>
                    {move || match storage.get().flatten() {
                        Some((usage, quota)) => storage_label(usage, quota),
                        None => "This browser does not say how much storage Portal Desk may use.".to_owned(),
                    }}
                </p>
            </section>
        </SignedIn>
    }
}
