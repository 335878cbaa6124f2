//! `/admin/sites`: a site's calendar and request limits — opening hours per weekday,
//! bank holidays, closures such as protected learning time, the daily limit of online
//! consultation requests and the limits for particular days. Saved on the device first
//! and synced like any change (admins only: the server refuses anyone else), so every
//! tablet at the site counts service levels in the new calendar after its next sync.

use super::site_form::{closure, opening_hours, show_time, site_changes};
use super::site_zone::{BankHolidayImport, TimeZoneField};
use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::components::SignedIn;
use crate::format::date_time;
use crate::pages::supervisor::online::current_role;
use crate::pages::supervisor::NotForYourRole;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use portal_desk_core::calendar::Closure;
use portal_desk_core::date::CivilDate;
use portal_desk_core::site::{site_record_id, Site};
use portal_desk_core::staff::Permission;
use portal_desk_core::{Record, SiteId};
use std::collections::BTreeMap;

const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// The sites screen.
#[component]
pub fn AdminSitesPage() -> impl IntoView {
    let allowed = move || current_role().is_some_and(|role| role.may(Permission::ManageSites));
    let session = expect_context::<CurrentSession>().0;
    let sites = session.with_untracked(|s| s.as_ref().map(|s| s.staff.sites.clone()).unwrap_or_default());
    let chosen = RwSignal::new(sites.first().map(|s| s.id.clone()));
    let sites = StoredValue::new(sites);
    view! {
        <SignedIn>
            <Show when=allowed fallback=|| view! { <NotForYourRole what="admin sites screen"/> }>
                <h1>"Sites and calendars"</h1>
                <div class="form-group">
                    <label class="label" for="site-choice">"Site"</label>
                    <select class="select" id="site-choice" on:change=move |ev| chosen.set(Some(SiteId::from(event_target_value(&ev))))>
                        {sites.get_value().into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                    </select>
                </div>
                {move || chosen.get().map(|site| view! { <SiteEditor site/> })}
            </Show>
        </SignedIn>
    }
}

/// Loads the site's record from the device and shows the editor for it. It is read
/// when the site is chosen and again after a save, not on every sync, so a sync in the
/// background never wipes what the admin is typing.
#[component]
fn SiteEditor(site: SiteId) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let reload = RwSignal::new(0u32);
    let saved = RwSignal::new(None::<String>);
    let record = LocalResource::new(move || {
        reload.track();
        let (store, id) = (store.get(), site_record_id(&site));
        async move { store.settings_where(|r| r.id == id).await.ok().and_then(|mut found| found.pop()) }
    });
    let on_saved = Callback::new(move |text: String| {
        saved.set(Some(text));
        reload.update(|n| *n += 1);
    });
    let clear = Callback::new(move |()| saved.set(None));
    let confirmation = move || saved.get().map(|text| view! { <div class="banner" role="status"><p>{text}</p></div> });
    let form = move || {
        match record.get() {
        None => view! { <p class="loading">"Loading the site…"</p> }.into_any(),
        Some(None) => view! {
            <p class="banner banner--warning">"This site's settings have not reached this device yet. Sync now, then open this screen again."</p>
        }
        .into_any(),
        Some(Some(record)) => match Site::from_record(&record) {
            Some(site) => view! { <SiteForm record site on_saved clear/> }.into_any(),
            None => view! { <p class="banner banner--error">"This site's settings cannot be read on this device: update the app."</p> }.into_any(),
        },
    }
    };
    view! { {confirmation} {form} }
}

#[component]
fn SiteForm(record: Record, site: Site, on_saved: Callback<String>, clear: Callback<()>) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let trigger = expect_context::<SyncTrigger>();
    let status = expect_context::<SyncStatus>();
    let session = expect_context::<CurrentSession>().0;
    let hours = RwSignal::new(site.calendar.hours.map(|h| match h {
        Some(h) => (true, show_time(h.opens_minute), show_time(h.closes_minute)),
        None => (false, String::new(), String::new()),
    }));
    let holidays = RwSignal::new(site.calendar.bank_holidays.clone());
    let zone = RwSignal::new(site.calendar.zone.clone());
    let this_year = site.calendar.local_date(crate::browser::now_ms()).year();
    let closures = RwSignal::new(site.calendar.closures.clone());
    let daily = RwSignal::new(site.daily_request_limit.map(|n| n.to_string()).unwrap_or_default());
    let limits = RwSignal::new(site.request_limits.clone());
    let (new_holiday, new_limit_day, new_limit) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (closure_day, closure_from, closure_to, closure_why) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let problem = RwSignal::new(None::<String>);
    let site = StoredValue::new(site);
    let record = StoredValue::new(record);

    let edited = move || -> Result<Site, String> {
        let mut edited = site.get_value();
        let typed = hours.get_untracked();
        for (i, (open, opens, closes)) in typed.iter().enumerate() {
            edited.calendar.hours[i] = opening_hours(DAYS[i], *open, opens, closes)?;
        }
        edited.calendar.zone = zone.get_untracked();
        edited.calendar.bank_holidays = holidays.get_untracked();
        edited.calendar.closures = closures.get_untracked();
        let daily = daily.get_untracked();
        edited.daily_request_limit = match daily.trim() {
            "" => None,
            typed => Some(
                typed.parse().map_err(|_| "Enter the daily request limit as a whole number, such as 60".to_owned())?,
            ),
        };
        edited.request_limits = limits.get_untracked();
        Ok(edited)
    };
    let save = Action::new_local(move |bodies: &Vec<portal_desk_core::OpBody>| {
        let (store, bodies) = (store.get(), bodies.clone());
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        let id = record.with_value(|r| r.id.clone());
        async move {
            let Some(actor) = actor else { return Err("Sign in again to make changes".to_owned()) };
            let count = bodies.len();
            store
                .record_changes(&actor, bodies.into_iter().map(|b| (id.clone(), b)).collect())
                .await
                .map_err(|e| e.message())?;
            Ok(count)
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(count)) => {
            on_saved.run(format!(
                "{count} settings saved on this device. They reach every tablet at the site at its next sync."
            ));
            status.data_changed();
            trigger.sync_now();
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        clear.run(());
        match edited().and_then(|edited| record.with_value(|r| site_changes(r, &edited))) {
            Ok(bodies) if bodies.is_empty() => {
                problem.set(Some("Nothing has changed: edit a setting first.".to_owned()))
            }
            Ok(bodies) => {
                problem.set(None);
                save.dispatch(bodies);
            }
            Err(error) => problem.set(Some(error)),
        }
    };
    let add_holiday = move |_| match new_holiday.get_untracked().trim().parse::<CivilDate>() {
        Ok(day) => {
            holidays.update(|h| {
                if !h.contains(&day) {
                    h.push(day);
                    h.sort();
                }
            });
            new_holiday.set(String::new());
            problem.set(None);
        }
        Err(_) => problem.set(Some("Enter the bank holiday's date, such as 2026-12-28".to_owned())),
    };
    let add_closure = move |_| {
        let made = closure(
            &site.get_value(),
            &closure_day.get_untracked(),
            &closure_from.get_untracked(),
            &closure_to.get_untracked(),
            &closure_why.get_untracked(),
        );
        match made {
            Ok(made) => {
                closures.update(|c| c.push(made));
                for field in [closure_day, closure_from, closure_to, closure_why] {
                    field.set(String::new());
                }
                problem.set(None);
            }
            Err(error) => problem.set(Some(error)),
        }
    };
    let add_limit = move |_| match (
        new_limit_day.get_untracked().trim().parse::<CivilDate>(),
        new_limit.get_untracked().trim().parse::<u32>(),
    ) {
        (Ok(day), Ok(limit)) => {
            limits.update(|l: &mut BTreeMap<CivilDate, u32>| {
                l.insert(day, limit);
            });
            new_limit_day.set(String::new());
            new_limit.set(String::new());
            problem.set(None);
        }
        _ => problem.set(Some("Enter the day (such as 2026-12-28) and its limit as a whole number".to_owned())),
    };
    let input = |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <div class="form-group form-group--inline">
                <label class="label" for=id>{label}</label>
                <input class="input input--short" id=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    let closure_text = move |c: &Closure| {
        zone.with(|z| format!("{} to {}: {}", date_time(c.start_ms, z), date_time(c.end_ms, z), c.reason))
    };

    view! {
        <form class="admin-form admin-form--wide" on:submit=on_save novalidate=true>
            {move || problem.get().map(|text| view! {
                <div class="nhsuk-error-summary" role="alert"><h2 class="nhsuk-error-summary__title">"There is a problem"</h2><p>{text}</p></div>
            })}
            <TimeZoneField zone problem/>
            <h2>"Opening hours"</h2>
            <table class="table">
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Open"</th><th scope="col">"Opens"</th><th scope="col">"Closes"</th></tr></thead>
                <tbody>
                    {(0..7).map(|i| {
                        let day = DAYS[i];
                        view! {
                            <tr>
                                <th scope="row">{day}</th>
                                <td><input type="checkbox" class="checkbox-input" aria-label=format!("Open on {day}")
                                    prop:checked=move || hours.with(|h| h[i].0)
                                    on:change=move |ev| hours.update(|h| h[i].0 = event_target_checked(&ev))/></td>
                                <td><input class="input input--short" aria-label=format!("{day} opens")
                                    prop:value=move || hours.with(|h| h[i].1.clone())
                                    on:input=move |ev| hours.update(|h| h[i].1 = event_target_value(&ev))/></td>
                                <td><input class="input input--short" aria-label=format!("{day} closes")
                                    prop:value=move || hours.with(|h| h[i].2.clone())
                                    on:input=move |ev| hours.update(|h| h[i].2 = event_target_value(&ev))/></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>

            <h2>"Bank holidays"</h2>
            // Ten years of bank holidays is a hundred days: one folding group a year,
            // this year's and next open, so the form stays short.
            {move || holidays.with(|days| days.chunk_by(|a, b| a.year() == b.year()).map(<[CivilDate]>::to_vec).collect::<Vec<_>>()).into_iter().map(|year| {
                let number = year[0].year();
                view! {
                    <details class="holiday-year" open=(this_year..=this_year + 1).contains(&number)>
                        <summary>{format!("{number}: {} bank holidays", year.len())}</summary>
                        <ul class="chip-list">
                            {year.into_iter().map(|day| view! {
                                <li>{day.to_string()}" "
                                    <button type="button" class="button button--secondary button--small" aria-label=format!("Remove bank holiday {day}")
                                        on:click=move |_| holidays.update(|h| h.retain(|d| *d != day))>"Remove"</button>
                                </li>
                            }).collect_view()}
                        </ul>
                    </details>
                }
            }).collect_view()}
            {input("new-holiday", "Add a bank holiday (date, such as 2026-12-28)", new_holiday)}
            <button type="button" class="button button--secondary" on:click=add_holiday>"Add bank holiday"</button>
            <BankHolidayImport holidays problem this_year/>

            <h2>"Closures"</h2>
            <p class="hint">"Times the site closes within its opening hours, such as protected learning time. Service levels pause while the site is closed."</p>
            <ul class="plain-list">
                {move || closures.get().into_iter().enumerate().map(|(i, c)| {
                    let text = closure_text(&c);
                    view! {
                        <li>{text.clone()}" "
                            <button type="button" class="button button--secondary button--small" aria-label=format!("Remove closure {text}")
                                on:click=move |_| closures.update(|all| { all.remove(i); })>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {input("closure-day", "Date of the closure (such as 2026-11-25)", closure_day)}
            {input("closure-from", "Closes at (such as 13:00)", closure_from)}
            {input("closure-to", "Opens again at (such as 17:00)", closure_to)}
            {input("closure-why", "Reason", closure_why)}
            <button type="button" class="button button--secondary" on:click=add_closure>"Add closure"</button>

            <h2>"Online consultation requests"</h2>
            {input("daily-limit", "Most requests on a normal open day (leave empty for no limit)", daily)}
            <ul class="plain-list">
                {move || limits.get().into_iter().map(|(day, limit)| view! {
                    <li>{format!("{day}: {limit} requests")}" "
                        <button type="button" class="button button--secondary button--small" aria-label=format!("Remove the limit for {day}")
                            on:click=move |_| limits.update(|l| { l.remove(&day); })>"Remove"</button>
                    </li>
                }).collect_view()}
            </ul>
            {input("limit-day", "A day with its own limit, such as a bank holiday the site opens (date)", new_limit_day)}
            {input("limit-count", "Its limit", new_limit)}
            <button type="button" class="button button--secondary" on:click=add_limit>"Add day's limit"</button>

            <div class="button-group">
                <button type="submit" class="button" disabled=move || save.pending().get()>"Save site settings"</button>
            </div>
        </form>
    }
}
