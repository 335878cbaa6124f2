//! `/`: the case queue. Tabs for my cases, my site's, unassigned, escalated, due soon
//! and breached; filters by kind, status and priority; a search by patient name, NHS
//! number or case reference; each case's service-level state in words and colour.
//!
//! The cases come from the store's summaries ([`crate::store::Listing`]) and become
//! rows once per load ([`QueueCase::new`]); a keystroke runs the
//! pure [`matching`] over the summaries and re-renders only the rows that changed among
//! the first [`PAGE`] matches ("Show more cases" adds the next page).

use crate::app::{CurrentSession, StoreHandle};
use crate::browser::now_ms;
use crate::components::SignedIn;
use crate::queue::calendar::site_calendar;
use crate::queue::{Filters, Queue, QueueCase, SortOrder, Summaries};
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use portal_desk_core::calendar::SiteCalendar;
use portal_desk_core::case::{CaseKind, CaseStatus, Priority};
use portal_desk_core::sla::SlaState;
use portal_desk_core::SiteId;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

/// How many matching cases are rendered at first, and added by "Show more cases".
pub const PAGE: usize = 50;

/// How often the service-level states are worked out again while the list is open.
const RECHECK_EVERY: Duration = Duration::from_secs(60);

/// The cases this device holds, summarised for the queue, with the load they came from
/// (so rows re-render when the data changes, and only then).
#[derive(Clone)]
struct Loaded {
    generation: u64,
    cases: Rc<Summaries>,
}

/// The case queue screen.
#[component]
pub fn CasesPage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let session = expect_context::<CurrentSession>().0;
    let status = expect_context::<SyncStatus>();

    // Service-level states move with the clock: work them out again every minute.
    let minute = RwSignal::new(0u64);
    if let Ok(handle) = set_interval_with_handle(move || minute.update(|m| *m += 1), RECHECK_EVERY) {
        on_cleanup(move || handle.clear());
    }
    let loaded = LocalResource::new(move || {
        let generation = status.data_version.get() * 1_000_000 + minute.get();
        let store = store.get();
        // A tablet shared across sites may hold another site's records; keep only the
        // ones this person may see.
        let sites: Vec<SiteId> = session
            .with(|s| s.as_ref().map(|s| s.staff.sites.iter().map(|site| site.id.clone()).collect()))
            .unwrap_or_default();
        async move {
            let listing = store.listing().await.map_err(|e| e.message())?;
            let now = now_ms();
            // Sites' settings (their calendars) are records too, written only by admins
            // on the server: the confirmed copies are the ones to use.
            let mut calendars: BTreeMap<SiteId, SiteCalendar> = BTreeMap::new();
            let cases: Vec<QueueCase> = listing
                .cases
                .iter()
                .filter(|case| sites.contains(&case.summary.site))
                .map(|case| {
                    let site = &case.summary.site;
                    let calendar =
                        calendars.entry(site.clone()).or_insert_with(|| site_calendar(&listing.settings, site));
                    QueueCase::new(&case.summary, case.unsynced, calendar, now)
                })
                .collect();
            Ok::<_, String>(Loaded { generation, cases: Rc::new(Summaries::new(cases)) })
        }
    });

    view! {
        <SignedIn>
            <div class="page-heading">
                <h1 class="nhsuk-heading-l">"Cases"</h1>
                <A href="/cases/new" attr:class="nhsuk-button">"New case"</A>
            </div>
            {move || match loaded.get() {
                None => view! { <p class="loading">"Loading cases…"</p> }.into_any(),
                Some(Err(error)) => view! { <p class="banner banner--error">{error}</p> }.into_any(),
                Some(Ok(loaded)) => view! { <CaseQueue loaded/> }.into_any(),
            }}
        </SignedIn>
    }
}

/// The tabs, filters, search and list over the loaded cases.
#[component]
fn CaseQueue(loaded: Loaded) -> impl IntoView {
    let session = expect_context::<CurrentSession>().0;
    let query_map = use_query_map();
    let me = move || session.with(|s| s.as_ref().map(|s| s.staff.id.to_string()).unwrap_or_default());

    let queue = Memo::new(move |_| Queue::from_code(&query_map.with(|q| q.get("queue").unwrap_or_default())));
    let kind = RwSignal::new(None::<CaseKind>);
    let status = RwSignal::new(None::<CaseStatus>);
    let priority = RwSignal::new(None::<Priority>);
    let search = RwSignal::new(String::new());
    let sort = RwSignal::new(SortOrder::DueTime);
    let limit = RwSignal::new(PAGE);
    let filters = Memo::new(move |_| Filters {
        queue: queue.get(),
        kind: kind.get(),
        status: status.get(),
        priority: priority.get(),
        query: search.get(),
        sort: sort.get(),
    });
    // A new search or filter starts again from the first page.
    Effect::watch(move || filters.track(), move |_, _, _| limit.set(PAGE), false);

    let total = loaded.cases.cases.len();
    let cases = StoredValue::new_local(loaded.cases);
    let result = Memo::new(move |_| filters.with(|f| cases.with_value(|summaries| summaries.find(f, &me()))));
    let found = Memo::new(move |_| result.with(|r| r.list.clone()));
    let counts = Memo::new(move |_| result.with(|r| r.counts));
    let shown = move || {
        let limit = limit.get();
        found.with(|found| {
            cases.with_value(|s| found.iter().take(limit).map(|&i| s.cases[i].clone()).collect::<Vec<_>>())
        })
    };
    let generation = loaded.generation;
    let clear = move |_| {
        kind.set(None);
        status.set(None);
        priority.set(None);
        search.set(String::new());
    };

    view! {
        <nav class="queue-tabs" aria-label="Queues">
            <ul class="queue-tabs__list">
                {Queue::ALL
                    .into_iter()
                    .enumerate()
                    .map(|(i, q)| {
                        view! {
                            <li class="queue-tabs__item">
                                <a
                                    class="queue-tabs__link"
                                    href=format!("/?queue={}", q.code())
                                    aria-current=move || (queue.get() == q).then_some("page")
                                >
                                    {q.label()}
                                    " "
                                    <span class="queue-tabs__count">{move || format!("({})", counts.get()[i])}</span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
        <form class="queue-filters" role="search" aria-label="Find cases" on:submit=|ev| ev.prevent_default()>
            <div class="nhsuk-form-group queue-filters__search">
                <label class="nhsuk-label" for="queue-search">"Search by patient name, NHS number or case reference"</label>
                <input
                    class="nhsuk-input"
                    id="queue-search"
                    name="search"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </div>
            <FilterSelect id="filter-kind" label="Kind" any="All kinds" options=CaseKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
                value=Signal::derive(move || kind.get().map(CaseKind::code).unwrap_or(""))
                on_change=Callback::new(move |code: String| kind.set(CaseKind::from_code(&code)))/>
            <FilterSelect id="filter-status" label="Status" any="All statuses" options=CaseStatus::ALL.iter().map(|s| (s.code(), s.label())).collect()
                value=Signal::derive(move || status.get().map(CaseStatus::code).unwrap_or(""))
                on_change=Callback::new(move |code: String| status.set(CaseStatus::from_code(&code)))/>
            <FilterSelect id="filter-priority" label="Priority" any="All priorities" options=Priority::ALL.iter().map(|p| (p.code(), p.label())).collect()
                value=Signal::derive(move || priority.get().map(Priority::code).unwrap_or(""))
                on_change=Callback::new(move |code: String| priority.set(Priority::from_code(&code)))/>
            <FilterSelect id="sort" label="Sort by" any="" options=vec![("due", "Due time, soonest first"), ("newest", "Newest first")]
                value=Signal::derive(move || if sort.get() == SortOrder::Newest { "newest" } else { "due" })
                on_change=Callback::new(move |code: String| sort.set(if code == "newest" { SortOrder::Newest } else { SortOrder::DueTime }))/>
        </form>
        <p class="queue-summary" role="status">
            {move || {
                let count = found.with(|f| f.len());
                let showing = count.min(limit.get());
                match count {
                    0 => "No cases to show".to_owned(),
                    1 => "Showing 1 case".to_owned(),
                    n if showing < n => format!("Showing {showing} of {n} cases"),
                    n => format!("Showing {n} cases"),
                }
            }}
        </p>
        <Show
            when=move || found.with(|f| !f.is_empty())
            fallback=move || view! { <EmptyQueue total queue=queue narrowed=Signal::derive(move || filters.with(Filters::is_narrowed)) on_clear=Callback::new(clear)/> }
        >
            <ul class="case-list">
                <For each=shown key=move |case| (generation, case.id.clone()) let:case>
                    <CaseRow case/>
                </For>
            </ul>
        </Show>
        <Show when=move || found.with(|f| f.len() > limit.get())>
            <button type="button" class="nhsuk-button nhsuk-button--secondary" on:click=move |_| limit.update(|l| *l += PAGE)>
                "Show more cases"
            </button>
        </Show>
    }
}

/// One labelled drop-down filter; the first option (`any`, when not empty) means "no filter".
#[component]
fn FilterSelect(
    id: &'static str,
    label: &'static str,
    any: &'static str,
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] value: Signal<&'static str>,
    on_change: Callback<String>,
) -> impl IntoView {
    view! {
        <div class="nhsuk-form-group queue-filters__filter">
            <label class="nhsuk-label" for=id>{label}</label>
            <select class="nhsuk-select" id=id name=id prop:value=move || value.get() on:change=move |ev| on_change.run(event_target_value(&ev))>
                {(!any.is_empty()).then(|| view! { <option value="">{any}</option> })}
                {options.into_iter().map(|(code, text)| view! { <option value=code>{text}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// What to do when the list is empty: the reason depends on why it is.
#[component]
fn EmptyQueue(total: usize, queue: Memo<Queue>, narrowed: Signal<bool>, on_clear: Callback<()>) -> impl IntoView {
    move || {
        if total == 0 {
            view! {
                <div class="empty-state">
                    <h2 class="nhsuk-heading-m">"Nothing to show yet"</h2>
                    <p>{Queue::Site.empty_message()}</p>
                </div>
            }
            .into_any()
        } else if narrowed.get() {
            view! {
                <div class="empty-state">
                    <h2 class="nhsuk-heading-m">"No cases match your search and filters"</h2>
                    <p>"Check the spelling, search by NHS number or case reference instead, or clear the search and filters."</p>
                    <button type="button" class="nhsuk-button nhsuk-button--secondary" on:click=move |_| on_clear.run(())>
                        "Clear search and filters"
                    </button>
                </div>
            }
            .into_any()
        } else {
            let queue = queue.get();
            view! {
                <div class="empty-state">
                    <h2 class="nhsuk-heading-m">{format!("No cases in “{}”", queue.label())}</h2>
                    <p>{queue.empty_message()}</p>
                </div>
            }
            .into_any()
        }
    }
}

/// One case in the list: the patient, the kind and reference, and tags for the
/// service-level state (with its due time), status, priority and sync.
#[component]
fn CaseRow(case: QueueCase) -> impl IntoView {
    let href = format!("/cases/{}", case.id);
    let kind = case.kind.map(CaseKind::label).unwrap_or("Unknown kind");
    let sla = case.sla_state().zip(case.sla_label()).map(|(state, label)| {
        let tone = match (state, case.is_open()) {
            (SlaState::Breached, true) => "red",
            (SlaState::DueSoon, _) => "orange",
            (SlaState::OnTrack, _) => "green",
            (SlaState::Breached, false) => "grey",
            (SlaState::Paused, _) => "grey",
            (SlaState::Met, _) => "blue",
        };
        let due = case.due_at.clone().filter(|_| case.is_open()).map(|when| {
            if state == SlaState::Breached {
                format!("Was due {when}")
            } else {
                format!("Due {when}")
            }
        });
        (tone, label, due)
    });
    let priority = case.priority;
    view! {
        <li class="case-row">
            <div class="case-row__main">
                <h2 class="case-row__name">
                    <a href=href>{case.name.clone()}</a>
                </h2>
                <p class="case-row__meta">{kind} " · " <span class="case-row__reference">{case.reference.clone()}</span></p>
                {sla.as_ref().and_then(|(_, _, due)| due.clone()).map(|due| view! { <p class="case-row__due">{due}</p> })}
            </div>
            <ul class="tags" aria-label="Case details">
                {sla.map(|(tone, label, _)| view! {
                    <li class=format!("nhsuk-tag nhsuk-tag--{tone}")>
                        <span class="nhsuk-u-visually-hidden">"Service level: "</span>
                        {label}
                    </li>
                })}
                <li class=format!("nhsuk-tag nhsuk-tag--white tag--status-{}", case.status.code())>{case.status.label()}</li>
                <li class=format!("nhsuk-tag nhsuk-tag--white tag--priority-{}", priority.code())>{priority.label()} " priority"</li>
                {case.unsynced.then(|| view! { <li class="nhsuk-tag nhsuk-tag--yellow">"Not yet synced"</li> })}
            </ul>
        </li>
    }
}
