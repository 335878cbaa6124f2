//! Cross-cover: hand the open cases of someone who is away to a colleague in one go.
//! The owner changes are ordinary changes, saved on this device first and synced like
//! any other, so this works offline too; the server checks the supervisor may assign.

use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::sync::SyncStatus;
use leptos::prelude::*;
use portal_desk_core::cross_cover::{open_cases_of, reassign};
use portal_desk_core::record::Record;
use portal_desk_core::staff::{assignees, display_name, Colleague};
use portal_desk_core::{SiteId, StaffId};

/// The cross-cover section.
#[component]
pub fn CrossCoverSection(#[prop(into)] directory: Signal<Vec<Colleague>>) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let session = expect_context::<CurrentSession>().0;
    let sites = move || -> Vec<SiteId> {
        session.with(|s| {
            s.as_ref().map(|s| s.staff.sites.iter().map(|site| site.id.clone()).collect()).unwrap_or_default()
        })
    };
    let records = LocalResource::new(move || {
        status.data_version.track();
        let store = store.get();
        async move {
            let state = store.local_state().await.map_err(|e| e.message())?;
            Ok::<Vec<Record>, String>(state.replica(store.device()).views().into_values().collect())
        }
    });
    let away = RwSignal::new(String::new());
    let cover = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let owners = move || -> Vec<(StaffId, usize)> {
        let Some(Ok(records)) = records.get() else { return Vec::new() };
        let mut owners: Vec<StaffId> = records.iter().filter_map(|r| r.field("owner")).map(StaffId::from).collect();
        owners.sort();
        owners.dedup();
        owners
            .into_iter()
            .map(|o| {
                let count = open_cases_of(&records, &o, &sites()).len();
                (o, count)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    let hand_over = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (from, to) = (StaffId::from(away.get_untracked()), StaffId::from(cover.get_untracked()));
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        let Some(Ok(records)) = records.get_untracked() else { return };
        if from.as_str().is_empty() || to.as_str().is_empty() || from == to {
            message.set(Some("Choose who is away and a different colleague to cover.".to_owned()));
            return;
        }
        let changes = reassign(&open_cases_of(&records, &from, &sites()), &to);
        let names = directory.with_untracked(|d| (display_name(d, &from), display_name(d, &to)));
        let store = store.get();
        leptos::task::spawn_local(async move {
            let count = changes.len();
            let Some(actor) = actor else { return };
            message.set(Some(match store.record_changes(&actor, changes).await {
                Ok(_) => {
                    trigger.sync_now();
                    format!("{count} open cases of {} now belong to {}. Saved on this device", names.0, names.1)
                }
                Err(error) => error.message(),
            }));
        });
    };
    view! {
        <section aria-labelledby="cover-heading">
            <h2 id="cover-heading">"Cross-cover"</h2>
            <p>"Hand the open cases of someone who is away to a colleague."</p>
            <p role="status">{move || message.get()}</p>
            <form on:submit=hand_over>
                <div class="form-group">
                    <label class="label" for="cover-away">"Who is away"</label>
                    <select id="cover-away" class="select" on:change=move |ev| away.set(event_target_value(&ev))>
                        <option value="">"Choose someone"</option>
                        {move || owners().into_iter().map(|(id, count)| {
                            let label = format!("{} ({count} open)", directory.with(|d| display_name(d, &id)));
                            view! { <option value=id.to_string()>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="form-group">
                    <label class="label" for="cover-by">"Who covers"</label>
                    <select id="cover-by" class="select" on:change=move |ev| cover.set(event_target_value(&ev))>
                        <option value="">"Choose a colleague"</option>
                        {move || {
                            let sites = sites();
                            directory.with(|d| {
                                let mut people: Vec<Colleague> =
                                    sites.iter().flat_map(|s| assignees(d, s)).cloned().collect();
                                people.dedup_by(|a, b| a.id == b.id);
                                people.into_iter().map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()
                            })
                        }}
                    </select>
                </div>
                <button class="button" type="submit">"Hand over open cases"</button>
            </form>
        </section>
    }
}
