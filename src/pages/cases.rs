//! `/`: the cases of the signed-in person's sites, newest first, with the ones still
//! only on this device marked. The site's name is in the header, once, on every screen.

use crate::app::{CurrentSession, StoreHandle};
use crate::case_view::{case_views, CaseView};
use crate::components::SignedIn;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;

/// The case list screen.
#[component]
pub fn CasesPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let session = expect_context::<CurrentSession>().0;
    let status = expect_context::<SyncStatus>();
    let cases = LocalResource::new(move || {
        status.data_version.track();
        let store = store.get();
        async move {
            let device = store.device().clone();
            store.local_state().await.map(|state| case_views(state, &device))
        }
    });
    // A tablet shared across sites may hold another site's records; show only the
    // ones this person may see.
    let visible = move |views: Vec<CaseView>| -> Vec<CaseView> {
        session.with(|s| match s {
            Some(s) => views.into_iter().filter(|v| s.can_see_site(&v.record.site)).collect(),
            None => Vec::new(),
        })
    };

    view! {
        <SignedIn>
            <div class="page-heading">
                <h1>"Cases"</h1>
                <A href="/cases/new" attr:class="button">"New case"</A>
            </div>
            {move || match cases.get() {
                None => view! { <p class="loading">"Loading cases…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error.message()}</p> }.into_any(),
                Some(Ok(views)) => view! { <CaseList cases=visible(views)/> }.into_any(),
            }}
        </SignedIn>
    }
}

/// The list itself, or what to do when it is empty.
#[component]
fn CaseList(cases: Vec<CaseView>) -> impl IntoView {
    if cases.is_empty() {
        return view! {
            <div class="empty-state">
                <h2>"Nothing to show yet"</h2>
                <p>
                    "Choose “New case” to record an enquiry. Cases your team records appear here once this device has synced."
                </p>
            </div>
        }
        .into_any();
    }
    view! {
        <ul class="case-list">
            {cases.into_iter().map(|case| view! { <CaseItem case/> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// One case in the list.
#[component]
fn CaseItem(case: CaseView) -> impl IntoView {
    let href = format!("/cases/{}", case.record.id);
    let status = case.status();
    let priority = case.record.field("priority").unwrap_or("normal").to_owned();
    let name = case.patient_name();
    view! {
        <li class="case-item">
            <h2 class="case-item__name">
                <A href=href>{name}</A>
            </h2>
            <p class="case-item__kind">{case.kind_label()}</p>
            <ul class="tags" aria-label="Case details">
                <li class=format!("tag tag--status-{}", status.code())>{status.label()}</li>
                <li class=format!("tag tag--priority-{priority}")>{case.priority_label()} " priority"</li>
                {case.unsynced.then(|| view! { <li class="tag tag--unsynced">"Not yet synced"</li> })}
            </ul>
        </li>
    }
}
