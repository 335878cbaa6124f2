//! `/changes`: what is still only on this device — every change waiting to sync, with
//! its state — and every change the server did not accept, with the server's reason,
//! to send again or (once the person confirms) dismiss; dismissed ones stay listed.
//! Nothing the person did disappears without a trace.

use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::change_view::{describe, waiting_state, DISMISSED, DISMISS_QUESTION, SENT_AGAIN};
use crate::components::{focus_field, SignedIn};
use crate::format::{date_time, storage_label};
use crate::queue::calendar::uk_time;
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

/// One change as listed, with what the screen says and offers about it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Listed {
    line: ChangeLine,
    /// Said after the time it was made (who dismissed it, when).
    after: String,
    /// The server's reason, for a change it did not accept.
    reason: Option<String>,
    /// For a rejected change: its sequence number, to send again or dismiss.
    seq: Option<u64>,
}

/// Everything the screen shows.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Changes {
    waiting: Vec<Listed>,
    /// Kept by the server for a supervisor to accept or reject.
    held: Vec<Listed>,
    rejected: Vec<Listed>,
    /// Rejected changes given up, newest first.
    dismissed: Vec<Listed>,
    /// Views of records the audit log refused, and the latest reason.
    refused_views: (usize, String),
}

async fn load(store: crate::store::Store) -> Result<Changes, StoreError> {
    let rejected = store.rejected().await?;
    let dismissed = store.dismissed().await?;
    // Only the records these changes are on are read, not the whole site's.
    let named = rejected.iter().map(|r| &r.op).chain(dismissed.iter().map(|d| &d.rejected.op));
    let state = store.local_state_of_changes(&named.map(|op| op.record.clone()).collect()).await?;
    let outbox = state.outbox.clone();
    let replica = state.replica(store.device());
    let names: BTreeMap<RecordId, String> = replica
        .views()
        .into_iter()
        .map(|(id, r)| (id, r.field("patient_name").unwrap_or("Unnamed patient").to_owned()))
        .collect();
    let zone = uk_time();
    let line = |op: &Op| ChangeLine {
        what: describe(&op.body),
        record: op.record.clone(),
        patient: names.get(&op.record).cloned().unwrap_or_else(|| "A case not on this device".to_owned()),
        when: date_time(op.hlc.wall_ms, &zone),
    };
    let waiting =
        outbox.iter().map(|op| Listed { line: line(op), after: String::new(), reason: None, seq: None }).collect();
    let (held, rejected): (Vec<_>, Vec<_>) = rejected.into_iter().partition(|r| r.held);
    // Held changes are the supervisor's to decide: nothing to send again or dismiss.
    let held = held
        .into_iter()
        .map(|r| Listed { line: line(&r.op), after: String::new(), reason: Some(r.reason), seq: None })
        .collect();
    let rejected = rejected
        .into_iter()
        .map(|r| Listed { line: line(&r.op), after: String::new(), reason: Some(r.reason), seq: Some(r.op.seq) })
        .collect();
    let dismissed = dismissed
        .into_iter()
        .rev()
        .map(|d| Listed {
            line: line(&d.rejected.op),
            after: format!("Dismissed by {} on {}.", d.by_name, date_time(d.at_ms, &zone)),
            reason: Some(d.rejected.reason),
            seq: None,
        })
        .collect();
    let refused: Vec<String> = store.views().await?.into_iter().filter_map(|v| v.refused).collect();
    let refused_views = (refused.len(), refused.last().cloned().unwrap_or_default());
    Ok(Changes { waiting, held, rejected, dismissed, refused_views })
}

/// What the person chose for a rejected change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    /// Send it again, as a new change at the end of the outbox.
    Retry(u64),
    /// Give it up (confirmed).
    Dismiss(u64),
}

/// The id of the question asked before a rejected change is dismissed.
const CONFIRM_ID: &str = "confirm-dismiss";

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
    // The rejected change whose dismissal is being confirmed (with what it was), what
    // the last choice did, and whether one is under way.
    let confirming = RwSignal::new(None::<(u64, String)>);
    let outcome = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);

    let choose = move |choice: Choice| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let store = store.get();
        let who = session.with_untracked(|s| s.as_ref().map(|s| (s.staff.id.clone(), s.staff.name.clone())));
        leptos::task::spawn_local(async move {
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
            outcome.set(Some(match done {
                Ok(text) => (true, text.to_owned()),
                Err(text) => (false, text),
            }));
            confirming.set(None);
            busy.set(false);
            status.data_changed();
            trigger.refresh_counts();
            if sent_again {
                trigger.sync_now();
            }
            // The item the person acted on is gone: land them on what happened.
            request_animation_frame(|| focus_field(OUTCOME_ID));
        });
    };

    // One renderer for every list: a change, where it has got to, and for a rejected
    // one the reason and what the person can do.
    let item = move |Listed { line: c, after, reason, seq }: Listed| {
        let about = format!("{}: {}", c.patient, c.what);
        let waiting = reason.is_none();
        view! {
            <li class="change-list__item">
                <p class="change-list__what">
                    <A href=format!("/cases/{}", c.record)>{c.patient}</A>
                    ": " {c.what}
                </p>
                <p class="change-list__meta">
                    "Made on " {c.when} ". " {after}
                    {waiting.then(|| view! { <span class="tag tag--unsynced">{waiting_state}</span> })}
                </p>
                {reason.map(|reason| view! { <p class="change-list__reason"><strong>"Reason: "</strong>{reason}</p> })}
                {seq.map(|seq| {
                    let ask = about.clone();
                    view! {
                        <p class="change-list__actions">
                            <button type="button" class="button" disabled=move || busy.get()
                                aria-label=format!("Send again: {about}")
                                on:click=move |_| choose(Choice::Retry(seq))>
                                "Send again"
                            </button>
                            " "
                            <button type="button" class="button button--secondary" disabled=move || busy.get()
                                aria-label=format!("Dismiss: {ask}")
                                on:click=move |_| {
                                    confirming.set(Some((seq, ask.clone())));
                                    request_animation_frame(|| focus_field(CONFIRM_ID));
                                }>
                                "Dismiss"
                            </button>
                        </p>
                    }
                })}
            </li>
        }
    };
    // A titled list of changes, shown only when it has some.
    let section =
        move |id: &'static str, class: &'static str, title: &'static str, intro: &'static str, lines: Vec<Listed>| {
            (!lines.is_empty()).then(|| {
                view! {
                    <section class=class aria-labelledby=id>
                        <h2 id=id>{title}</h2>
                        <p>{intro}</p>
                        <ul class="change-list">{lines.into_iter().map(item).collect_view()}</ul>
                    </section>
                }
            })
        };

    view! {
        <SignedIn>
            <A href="/" attr:class="back-link">"Back to cases"</A>
            <h1>"Changes on this device"</h1>
            <div id=OUTCOME_ID tabindex="-1" role="status">
                {move || outcome.get().map(|(ok, text)| view! {
                    <div class=if ok { "confirmation" } else { "banner banner--error" }><p>{text}</p></div>
                })}
            </div>
            {move || confirming.get().map(|(seq, about)| view! {
                <div class="banner banner--warning" id=CONFIRM_ID tabindex="-1" role="group" aria-labelledby="confirm-heading">
                    <h2 id="confirm-heading">"Dismiss this change?"</h2>
                    <p><strong>{about}</strong></p>
                    <p>{DISMISS_QUESTION}</p>
                    <p class="change-list__actions">
                        <button type="button" class="button" disabled=move || busy.get()
                            on:click=move |_| choose(Choice::Dismiss(seq))>
                            "Yes, dismiss it"
                        </button>
                        " "
                        <button type="button" class="button button--secondary" on:click=move |_| confirming.set(None)>
                            "No, keep it"
                        </button>
                    </p>
                </div>
            })}
            {move || match changes.get() {
                None => view! { <p class="loading">"Loading changes…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error.message()}</p> }.into_any(),
                Some(Ok(Changes { waiting, held, rejected, dismissed, refused_views: (refused_views, reason) })) => view! {
                    {waiting.is_empty().then(|| view! {
                        <section class="panel" aria-labelledby="waiting-heading">
                            <h2 id="waiting-heading">"Waiting to sync"</h2>
                            <p>"Nothing is waiting: every change made on this device has reached the server."</p>
                        </section>
                    })}
                    {section("waiting-heading", "panel", "Waiting to sync",
                        "These changes are saved on this device and will be sent at the next sync.", waiting)}
                    {section("held-heading", "panel panel--warning", "Waiting for a supervisor",
                        "The server has kept these changes but not applied them, because it cannot prove who made them. A supervisor will accept or reject each one; you do not need to do anything.", held)}
                    {section("rejected-heading", "panel panel--error", "Not accepted by the server",
                        "These changes were not applied. Send one again if what stopped it has been put right (for example, a colleague has changed the case), or dismiss it if it is no longer needed.", rejected)}
                    {section("dismissed-heading", "panel", "Dismissed changes",
                        "Changes the server did not accept and that were given up on this device. They were never applied.", dismissed)}
                    {(refused_views > 0).then(|| view! {
                        <p class="banner banner--error">{crate::format::refused_views_label(refused_views)} " Reason: " {reason}</p>
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
