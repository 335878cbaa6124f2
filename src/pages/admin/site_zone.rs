//! The parts of the sites screen that bring in data from outside: the site's time
//! zone, looked up in the server's time-zone database (online: the server refuses
//! offsets it did not give), and bank holidays, worked out from the standing rules
//! of a UK division or read from GOV.UK's published file.

use crate::pages::supervisor::online::{call, token};
use gloo_net::http::Method;
use leptos::prelude::*;
use portal_desk_core::bank_holidays::{bank_holidays, from_govuk_json, merged, Division};
use portal_desk_core::date::CivilDate;
use portal_desk_core::zone::TimeZone;

/// The site's time zone: its name, and a lookup that replaces its clock changes.
#[component]
pub fn TimeZoneField(zone: RwSignal<TimeZone>, problem: RwSignal<Option<String>>) -> impl IntoView {
    let typed = RwSignal::new(zone.get_untracked().name);
    let token = StoredValue::new(token());
    let found = RwSignal::new(None::<String>);
    let look_up = Action::new_local(move |name: &String| {
        let path = format!("/time-zones?name={}", js_sys::encode_uri_component(name.trim()));
        let token = token.get_value();
        async move { call(token, Method::GET, &path, None).await }
    });
    Effect::new(move |_| match look_up.value().get() {
        Some(Ok(text)) => match serde_json::from_str::<TimeZone>(&text) {
            Ok(looked_up) => {
                found.set(Some(format!(
                    "Found {}: its clock changes to 2050 are ready. Save the site settings to use it.",
                    looked_up.name
                )));
                zone.set(looked_up);
                problem.set(None);
            }
            Err(_) => problem.set(Some("The server's answer could not be read: update the app.".to_owned())),
        },
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    view! {
        <h2>"Time zone"</h2>
        <p class="hint">{move || format!("Times at this site are shown in {} at the moment each happened.", zone.with(|z| z.name.clone()))}</p>
        <div class="form-group form-group--inline">
            <label class="label" for="time-zone">"Time zone, as the time-zone database names it (such as Europe/London)"</label>
            <input class="input" id="time-zone" autocomplete="off" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
        </div>
        <button type="button" class="button button--secondary" disabled=move || look_up.pending().get()
            on:click=move |_| { found.set(None); look_up.dispatch(typed.get_untracked()); }>"Look up time zone"</button>
        <p role="status">{move || found.get()}</p>
    }
}

/// Adds bank holidays: a division's standing ones for the next ten years, or those in
/// GOV.UK's `bank-holidays.json` (one-off days such as a coronation included).
#[component]
pub fn BankHolidayImport(
    holidays: RwSignal<Vec<CivilDate>>,
    problem: RwSignal<Option<String>>,
    this_year: i32,
) -> impl IntoView {
    let division = RwSignal::new(Division::EnglandAndWales);
    let file = RwSignal::new(String::new());
    let added = RwSignal::new(None::<String>);
    let add = move |days: Vec<CivilDate>| {
        let before = holidays.with_untracked(Vec::len);
        holidays.update(|h| *h = merged(h, &days));
        let count = holidays.with_untracked(Vec::len) - before;
        added.set(Some(format!("{count} bank holidays added. Save the site settings to keep them.")));
        problem.set(None);
    };
    let add_rules = move |_| add(bank_holidays(division.get_untracked(), this_year..=this_year + 9));
    let add_file = move |_| match from_govuk_json(&file.get_untracked(), division.get_untracked()) {
        Ok(days) => {
            add(days);
            file.set(String::new());
        }
        Err(error) => problem.set(Some(error)),
    };
    view! {
        <div class="form-group form-group--inline">
            <label class="label" for="holiday-division">"Bank holidays of"</label>
            <select class="select" id="holiday-division"
                on:change=move |ev| if let Some(d) = Division::from_key(&event_target_value(&ev)) { division.set(d) }>
                {Division::ALL.map(|d| view! { <option value=d.key()>{d.label()}</option> }).collect_view()}
            </select>
        </div>
        <button type="button" class="button button--secondary" on:click=add_rules>
            {move || format!("Add {}'s bank holidays for {this_year} to {}", division.get().label(), this_year + 9)}
        </button>
        <div class="form-group">
            <label class="label" for="govuk-holidays">"Or paste GOV.UK's bank holidays file (from www.gov.uk/bank-holidays.json), which also has one-off holidays"</label>
            <textarea class="textarea" id="govuk-holidays" rows="3" prop:value=move || file.get() on:input=move |ev| file.set(event_target_value(&ev))></textarea>
        </div>
        <button type="button" class="button button--secondary" on:click=add_file>"Add from GOV.UK's file"</button>
        <p role="status">{move || added.get()}</p>
    }
}
