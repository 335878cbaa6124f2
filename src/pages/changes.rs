//! `/changes`: what is still only on this device — every change waiting to sync, with
//! its state — and every change the server did not accept, with the server's reason,
//! to send again or (once the person confirms) dismiss; dismissed ones stay listed.
//! Nothing the person did disappears without a trace.

use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::browser::local_offset_minutes;
use crate::change_view::{describe, waiting_state, DISMISSED, DISMISS_QUESTION, SENT_AGAIN};
use crate::components::{focus_field, SignedIn};
use crate::format::{date_time, storage_label};
use crate::store::StoreError;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
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

/// A change the server did not accept: its sequence number, what it was, the reason.
type Rejected = (u64, ChangeLine, String);

/// Everything the screen shows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Changes {
    waiting: Vec<ChangeLine>,
    rejected: Vec<Rejected>,
    /// Rejected changes given up: what, the reason, and who dismissed it when.
    dismissed: Vec<(ChangeLine, String, String)>,
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
    let rejected = store.rejected().await?.into_iter().map(|r| (r.op.seq, line(&r.op), r.reason)).collect();
    let dismissed = store
        .dismissed()
        .await?
        .into_iter()
        .map(|d| {
            let by = format!("Dismissed by {} on {}.", d.by_name, date_time(d.at_ms, offset));
            (line(&d.rejected.op), d.rejected.reason, by)
        })
        .collect();
    let refused: Vec<String> = store.views().await?.into_iter().filter_map(|v| v.refused).collect();
    let refused_views = (refused.len(), refused.last().cloned().unwrap_or_default());
    Ok(Changes { waiting, rejected, dismissed, refused_views })
}

/// What the person chose for a rejected change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    /// Send it again, as a new change at the end of the outbox.
    Retry(u64),
    /// Give it up (confirmed).
    Dismiss(u64),
}

/// The id of the confirmation shown before a rejected change is dismissed.
fn confirm_id(seq: u64) -> String {
    format!("dismiss-{seq}")
}

/// The id of the message that says what happened, focused after a choice.
const OUTCOME_ID: &str = "change-outcome";

/// The changes screen.
#[component]
pub fn ChangesPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let session = expect_context::<CurrentSession>().0;
    let changes = LocalResource::new(move || {
        status.data_version.track();
        load(store.get())
    });
    let storage = LocalResource::new(move || {
        status.data_version.track();
        crate::browser::storage_estimate()
    });
    let waiting_state = move || waiting_state(status.running.get(), status.online.get());
    // The rejected change whose dismissal is being confirmed, and what the last choice did.
    let confirming = RwSignal::new(None::<u64>);
    let outcome = RwSignal::new(None::<Result<&'static str, String>>);

    let choose = Action::new_local(move |choice: &Choice| {
        let choice = *choice;
        let store = store.get();
        let who = session.with_untracked(|s| s.as_ref().map(|s| (s.staff.id.clone(), s.staff.name.clone())));
        async move {
            let done = match (choice, who) {
                (_, None) => Err("Sign in again to deal with this change.".to_owned()),
                (Choice::Retry(seq), Some((id, _))) => {
                    store.retry_rejected(seq, &id).await.map(|_| SENT_AGAIN).map_err(|e| e.message())
                }
                (Choice::Dismiss(seq), Some((id, name))) => {
                    store.dismiss_rejected(seq, &id, &name).await.map(|_| DISMISSED).map_err(|e| e.message())
                }
            };
            let sent_again = matches!((choice, &done), (Choice::Retry(_), Ok(_)));
            outcome.set(Some(done));
            confirming.set(None);
            status.data_changed();
            trigger.refresh_counts();
            if sent_again {
                trigger.sync_now();
            }
            // The item the person acted on is gone: land them on what happened.
            request_animation_frame(|| focus_field(OUTCOME_ID));
        }
    });
    let busy = choose.pending();
    let ask_to_dismiss = move |seq: u64| {
        confirming.set(Some(seq));
        request_animation_frame(move || focus_field(&confirm_id(seq)));
    };

    let rejected_item = move |(seq, c, reason): Rejected| {
        let about = format!("{}, {}", c.patient, c.what);
        let confirm_label = format!("Dismiss the change to {}", c.patient);
        view! {
            <li class="change-list__item">
                <p class="change-list__what">
                    <A href=format!("/cases/{}", c.record)>{c.patient}</A>
                    ": " {c.what}
                </p>
                <p class="change-list__meta">"Made on " {c.when} "."</p>
                <p class="change-list__reason"><strong>"Reason: "</strong>{reason}</p>
                {move || if confirming.get() == Some(seq) {
                    view! {
                        <div class="change-list__confirm" role="group" id=confirm_id(seq) tabindex="-1"
                            aria-label=confirm_label.clone()>
                            <p><strong>{DISMISS_QUESTION}</strong></p>
                            <p class="change-list__actions">
                                <button type="button" class="button" disabled=busy
                                    on:click=move |_| { choose.dispatch(Choice::Dismiss(seq)); }>
                                    "Yes, dismiss it"
                                </button>
                                " "
                                <button type="button" class="button button--secondary"
                                    on:click=move |_| confirming.set(None)>
                                    "No, keep it"
                                </button>
                            </p>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <p class="change-list__actions">
                            <button type="button" class="button" disabled=busy
                                aria-label=format!("Send again: {about}")
                                on:click=move |_| { choose.dispatch(Choice::Retry(seq)); }>
                                "Send again"
                            </button>
                            " "
                            <button type="button" class="button button--secondary" disabled=busy
                                aria-label=format!("Dismiss: {about}")
                                on:click=move |_| ask_to_dismiss(seq)>
                                "Dismiss"
                            </button>
                        </p>
                    }.into_any()
                }}
            </li>
        }
    };

    view! {
        <SignedIn>
            <A href="/" attr:class="back-link">"Back to cases"</A>
            <h1>"Changes on this device"</h1>
            <div id=OUTCOME_ID tabindex="-1">
                {move || outcome.get().map(|done| match done {
                    Ok(text) => view! { <div class="confirmation" role="status"><p>{text}</p></div> }.into_any(),
                    Err(text) => view! { <div class="banner banner--error" role="alert"><p>{text}</p></div> }.into_any(),
                })}
            </div>
            {move || match changes.get() {
                None => view! { <p class="loading">"Loading changes…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error.message()}</p> }.into_any(),
                Some(Ok(Changes { waiting, rejected, dismissed, refused_views: (refused_views, reason) })) => view! {
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
                            <p>"These changes were not applied. Send one again if what stopped it has been put right (for example, a colleague has changed the case), or dismiss it if it is no longer needed."</p>
                            <ul class="change-list">{rejected.into_iter().map(rejected_item).collect_view()}</ul>
                        </section>
                    })}
                    {(!dismissed.is_empty()).then(|| view! {
                        <section class="panel" aria-labelledby="dismissed-heading">
                            <h2 id="dismissed-heading">"Dismissed changes"</h2>
                            <p>"Changes the server did not accept and that were given up on this device. They were never applied."</p>
                            <ul class="change-list">
                                {dismissed.into_iter().rev().map(|(c, reason, by)| view! {
                                    <li class="change-list__item">
                                        <p class="change-list__what">{c.patient} ": " {c.what}</p>
                                        <p class="change-list__meta">"Made on " {c.when} ". " {by}</p>
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
