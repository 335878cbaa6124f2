//! The case's timeline: notes and events (opening, status changes, assignment,
//! escalation, checklist ticks) in the order they happened, each with who and when,
//! and the form to add a note.

use super::model::{timeline, Me};
use super::site_setup::SiteSetup;
use crate::case_view::CaseView;
use crate::format::date_time;
use leptos::prelude::*;

/// The list of what happened on the case.
#[component]
pub fn Timeline(case: CaseView, me: Me, setup: SiteSetup) -> impl IntoView {
    let zone = setup.calendar.zone.clone();
    let events = timeline(&case, &me, &setup);
    view! {
        <section class="panel" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <ol class="timeline">
                {events.into_iter().map(|event| {
                    let meta = format!("{} on {}", me.label(&event.by), date_time(event.at.wall_ms, &zone));
                    view! {
                        <li class="timeline__entry" class:timeline__entry--note=event.note>
                            <p class="timeline__text">{event.note.then(|| view! { <span class="visually-hidden">"Note: "</span> })}{event.text}</p>
                            <p class="timeline__meta">
                                {meta}
                                {event.pending.then(|| view! { <span class="tag tag--unsynced">"Not yet synced"</span> })}
                            </p>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
