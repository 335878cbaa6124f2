//! The top of a case: the patient's name, then the facts a person needs first — kind,
//! status, priority, owner and when it is due, with the service-level state in words.

use super::model::{due_words, escalation_words, Me};
use crate::browser::now_ms;
use crate::case_view::CaseView;
use leptos::prelude::*;
use portal_desk_core::calendar::SiteCalendar;
use portal_desk_core::StaffId;

/// The heading and summary of one case.
#[component]
pub fn CaseHeader(case: CaseView, me: Me, calendar: SiteCalendar) -> impl IntoView {
    let owner = case
        .record
        .field("owner")
        .filter(|o| !o.is_empty())
        .map_or_else(|| "Nobody yet".to_owned(), |o| me.label(&StaffId::from(o)));
    let due = due_words(&case, &calendar, now_ms());
    let escalation = escalation_words(&case);
    let status = case.status();
    let rows = [
        ("Kind of case", case.kind_label().to_owned()),
        ("Status", status.label().to_owned()),
        ("Priority", case.priority_label().to_owned()),
        ("Owner", owner),
        ("Due", due),
        ("Channel", case.channel_label().unwrap_or("Not recorded").to_owned()),
    ];
    view! {
        <h1>{case.patient_name()}</h1>
        {case.unsynced.then(|| view! { <p class="tag tag--unsynced">"Not yet synced"</p> })}
        <dl class="summary-list">
            {rows.into_iter().map(|(term, value)| view! {
                <div class="summary-list__row"><dt>{term}</dt><dd>{value}</dd></div>
            }).collect_view()}
            {escalation.map(|text| view! {
                <div class="summary-list__row"><dt>"Escalation"</dt><dd>{text}</dd></div>
            })}
        </dl>
    }
}
