//! The proxy-access rules beside a proxy-access checklist: the patient's age band, the
//! legal routes open to it, when the access must be reviewed, and the warning before a
//! child's 11th birthday — worked out by the core's rules engine as the steps are done.

use super::model::{current_run, proxy_guidance};
use crate::browser::today;
use crate::case_view::CaseView;
use leptos::prelude::*;
use portal_desk_core::case::CaseKind;

/// What the rules say for this proxy request, or nothing for other kinds of case.
#[component]
pub fn ProxyPanel(case: CaseView) -> impl IntoView {
    if case.record.case_kind() != Some(CaseKind::ProxyAccess) {
        return None;
    }
    let (_, run) = current_run(&case)?;
    let (lines, warning) = proxy_guidance(run, today());
    Some(view! {
        <section class="panel panel--rules" aria-labelledby="proxy-heading">
            <h2 id="proxy-heading">"Proxy access rules"</h2>
            {warning.map(|text| view! { <div class="banner banner--warning" role="note"><p>{text}</p></div> })}
            <ul class="rules-list">{lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
            <p class="hint">"Both people's identity is checked to P9, and the proxy uses their own login."</p>
        </section>
    })
}
