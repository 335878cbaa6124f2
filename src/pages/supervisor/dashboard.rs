//! The supervisor's dashboard: figures computed on this device from the cases it holds
//! (so it works offline), over a date range, with a chart drawn as SVG and each table
//! downloadable as CSV made from the very rows on screen.

use crate::app::StoreHandle;
use crate::browser::now_ms;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use portal_desk_core::dashboard::{dashboard, freshness, Context, Dashboard, DateRange, Table};
use portal_desk_core::date::CivilDate;
use portal_desk_core::record::Record;
use portal_desk_core::staff::{display_name, Colleague};
use portal_desk_core::{site, SiteId, StaffId};

/// The figures for `range` from `records`, naming people from `directory`.
fn compute(records: &[Record], directory: &[Colleague], range: DateRange) -> Dashboard {
    let calendar = |id: &SiteId| crate::queue::calendar::site_calendar(records, id);
    let person = |id: &StaffId| display_name(directory, id);
    let site_name =
        |id: &SiteId| site::site_settings(records, id).map_or_else(|| id.to_string(), |settings| settings.name);
    let context = Context { calendar: &calendar, person: &person, site: &site_name, now_ms: now_ms() };
    dashboard(records, &context, range)
}

/// The dashboard section.
#[component]
pub fn DashboardSection(#[prop(into)] directory: Signal<Vec<Colleague>>) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let status = expect_context::<SyncStatus>();
    let to = RwSignal::new(crate::browser::today().to_string());
    let from = RwSignal::new(crate::browser::today().add_days(-6).to_string());
    let records = LocalResource::new(move || {
        status.data_version.track();
        let store = store.get();
        async move {
            let state = store.local_state().await.map_err(|e| e.message())?;
            Ok::<Vec<Record>, String>(state.replica(store.device()).views().into_values().collect())
        }
    });
    let range = move || {
        let parse = |s: String| s.parse::<CivilDate>().map_err(|_| "Enter both dates, such as 2026-11-23".to_owned());
        DateRange::new(parse(from.get())?, parse(to.get())?)
    };
    view! {
        <section aria-labelledby="dashboard-heading">
            <h2 id="dashboard-heading">"Team dashboard"</h2>
            <p class="dashboard__freshness">{move || freshness(status.last_synced_ms.get(), now_ms())}</p>
            <div class="dashboard__range">
                <div class="form-group">
                    <label class="label" for="range-from">"From"</label>
                    <input id="range-from" class="input" type="date" prop:value=from
                        on:change=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <div class="form-group">
                    <label class="label" for="range-to">"To"</label>
                    <input id="range-to" class="input" type="date" prop:value=to
                        on:change=move |ev| to.set(event_target_value(&ev))/>
                </div>
            </div>
            {move || match (records.get(), range()) {
                (None, _) => view! { <p class="loading">"Counting…"</p> }.into_any(),
                (Some(Err(error)), _) | (_, Err(error)) => {
                    view! { <p class="banner banner--error" role="alert">{error}</p> }.into_any()
                }
                (Some(Ok(records)), Ok(range)) => {
                    let board = directory.with(|d| compute(&records, d, range));
                    view! { <Figures board/> }.into_any()
                }
            }}
        </section>
    }
}

/// The headline figures, the chart and the tables.
#[component]
fn Figures(board: Dashboard) -> impl IntoView {
    let Dashboard { days, tables, breached_now, due_soon_now, .. } = board;
    view! {
        <ul class="dashboard__headlines">
            <li><strong>{breached_now}</strong>" open cases past their service level"</li>
            <li><strong>{due_soon_now}</strong>" cases due soon"</li>
        </ul>
        <Chart days/>
        {tables.into_iter().map(|table| view! { <FigureTable table/> }).collect_view()}
    }
}

/// Cases opened and resolved per day as bars: an SVG drawn here, described for screen
/// readers (the table below holds the same numbers).
#[component]
fn Chart(days: Vec<portal_desk_core::dashboard::DayCounts>) -> impl IntoView {
    let top = days.iter().map(|d| d.opened.max(d.resolved)).max().unwrap_or(0).max(1);
    let slot = 600.0 / days.len().max(1) as f64;
    let bar = (slot / 2.0 - 2.0).max(1.0);
    let height = |n: u32| f64::from(n) / f64::from(top) * 160.0;
    let opened: u32 = days.iter().map(|d| d.opened).sum();
    let resolved: u32 = days.iter().map(|d| d.resolved).sum();
    let label = format!("Bar chart: {opened} cases opened and {resolved} resolved over {} days", days.len());
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = i as f64 * slot;
            let (o, r) = (height(d.opened), height(d.resolved));
            view! {
                <rect class="chart__opened" x=x y=170.0 - o width=bar height=o>
                    <title>{format!("{}: {} opened", d.day, d.opened)}</title>
                </rect>
                <rect class="chart__resolved" x=x + bar + 2.0 y=170.0 - r width=bar height=r>
                    <title>{format!("{}: {} resolved", d.day, d.resolved)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox="0 0 600 180" role="img" aria-label=label.clone() class="chart__svg">
                <line x1="0" y1="170" x2="600" y2="170" class="chart__axis"/>
                {bars}
            </svg>
            <figcaption>
                <span class="chart__key chart__key--opened">"Opened"</span>
                <span class="chart__key chart__key--resolved">"Resolved"</span>
                " per day. "{label}"."
            </figcaption>
        </figure>
    }
}

/// One table with its CSV download.
#[component]
fn FigureTable(table: Table) -> impl IntoView {
    let href = format!("data:text/csv;charset=utf-8,{}", js_sys::encode_uri_component(&table.to_csv()));
    let download = format!("{}.csv", table.id);
    let Table { id, title, columns, rows, .. } = table;
    let empty = rows.is_empty();
    view! {
        <section class="figure-table" aria-labelledby=id>
            <h3 id=id>{title}</h3>
            <Show when=move || !empty fallback=|| view! { <p>"Nothing in this range."</p> }>
                <table class="table">
                    <thead><tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.iter().map(|row| view! {
                            <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <a class="button button--secondary" href=href download=download>
                "Download “"{title}"” as CSV"
            </a>
        </section>
    }
}
