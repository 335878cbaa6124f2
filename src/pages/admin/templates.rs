//! `/admin/templates`: an admin edits a kind of case's checklist — each step's words,
//! guidance, whether it is required and which steps must come first — beside a preview
//! of the checklist as staff will see it, then publishes it as the site's next version.
//! Runs already started keep the version they began on; new cases take the new one.

use super::template_form::{move_step, new_step, publish, remove_step};
use crate::app::{CurrentSession, StoreHandle, SyncTrigger};
use crate::case_page::site_setup::SiteSetup;
use crate::components::SignedIn;
use crate::pages::supervisor::online::current_role;
use crate::pages::supervisor::NotForYourRole;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use portal_desk_core::case::CaseKind;
use portal_desk_core::checklist::{ChecklistTemplate, StepTemplate};
use portal_desk_core::staff::Permission;
use portal_desk_core::SiteId;

/// The templates screen.
#[component]
pub fn AdminTemplatesPage() -> impl IntoView {
    let allowed = move || current_role().is_some_and(|role| role.may(Permission::ManageTemplates));
    let session = expect_context::<CurrentSession>().0;
    let sites =
        StoredValue::new(session.with_untracked(|s| s.as_ref().map(|s| s.staff.sites.clone()).unwrap_or_default()));
    let site = RwSignal::new(sites.with_value(|s| s.first().map(|s| s.id.clone())));
    let kind = RwSignal::new(CaseKind::PasswordReset);
    let saved = RwSignal::new(None::<String>);
    view! {
        <SignedIn>
            <Show when=allowed fallback=|| view! { <NotForYourRole what="admin templates screen"/> }>
                <h1>"Checklist templates"</h1>
                {move || saved.get().map(|text| view! { <div class="banner" role="status"><p>{text}</p></div> })}
                <div class="form-group">
                    <label class="label" for="template-site">"Site"</label>
                    <select class="select" id="template-site" on:change=move |ev| site.set(Some(SiteId::from(event_target_value(&ev))))>
                        {sites.get_value().into_iter().map(|s| view! { <option value=s.id.to_string()>{s.name}</option> }).collect_view()}
                    </select>
                </div>
                <div class="form-group">
                    <label class="label" for="template-kind">"Kind of case"</label>
                    <select class="select" id="template-kind" prop:value=move || kind.get().code()
                        on:change=move |ev| if let Some(k) = CaseKind::from_code(&event_target_value(&ev)) { kind.set(k) }>
                        {CaseKind::ALL.iter().map(|k| view! { <option value=k.code()>{k.label()}</option> }).collect_view()}
                    </select>
                </div>
                {move || site.get().map(|site| view! { <TemplateLoader site kind=kind.get() saved/> })}
            </Show>
        </SignedIn>
    }
}

/// Reads the site's catalog and edits its current template for `kind`.
#[component]
fn TemplateLoader(site: SiteId, kind: CaseKind, saved: RwSignal<Option<String>>) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let loaded_for = site.clone();
    let setup = LocalResource::new(move || {
        let (store, site) = (store.get(), loaded_for.clone());
        async move {
            store
                .settings_where(|r| SiteSetup::reads(r, &site))
                .await
                .ok()
                .map(|records| SiteSetup::of(&records, &site))
        }
    });
    move || {
        setup.get().map(|setup| match setup {
            None => view! { <p class="banner banner--error">"The site's checklists cannot be read on this device: sync, then try again."</p> }.into_any(),
            Some(setup) => {
                let current = setup.catalog.current_for(kind).clone();
                let next = setup.catalog.next_version(&current.id);
                view! { <TemplateEditor site=site.clone() current next saved/> }.into_any()
            }
        })
    }
}

#[component]
fn TemplateEditor(
    site: SiteId,
    current: ChecklistTemplate,
    next: u32,
    saved: RwSignal<Option<String>>,
) -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let trigger = expect_context::<SyncTrigger>();
    let status = expect_context::<SyncStatus>();
    let session = expect_context::<CurrentSession>().0;
    let title = RwSignal::new(current.title.clone());
    let steps = RwSignal::new(current.steps.clone());
    // Bumped when steps are added, moved or removed: the step editors are rebuilt then,
    // not as a person types (which would move the focus away).
    let structure = RwSignal::new(0u32);
    let reshape = move |change: fn(&mut Vec<StepTemplate>, usize), at: usize| {
        steps.update(|all| change(all, at));
        structure.update(|n| *n += 1);
    };
    let problem = RwSignal::new(None::<String>);
    let base = StoredValue::new(current.clone());
    let edited = move || ChecklistTemplate { title: title.get(), steps: steps.get(), ..base.get_value() };

    let publish_action = Action::new_local(move |(site, template): &(SiteId, ChecklistTemplate)| {
        let (store, site, template) = (store.get(), site.clone(), template.clone());
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        async move {
            let actor = actor.ok_or_else(|| "Sign in again to make changes".to_owned())?;
            let (record, body) = publish(&site, &template, next)?;
            store.record_changes(&actor, vec![(record, body)]).await.map_err(|e| e.message())?;
            Ok::<_, String>(())
        }
    });
    Effect::new(move |_| match publish_action.value().get() {
        Some(Ok(())) => {
            saved.set(Some(format!(
                "Version {next} of “{}” is published on this device. New cases take it after the next sync; cases already started keep their version.",
                title.get_untracked()
            )));
            status.data_changed();
            trigger.sync_now();
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    let on_publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let template = edited();
        match publish(&site, &template, next) {
            Ok(_) => {
                problem.set(None);
                publish_action.dispatch((site.clone(), template));
            }
            Err(error) => problem.set(Some(error)),
        }
    };
    let step_editor = move |at: usize, step: StepTemplate| {
        let n = at + 1;
        let earlier: Vec<(String, String)> =
            steps.with_untracked(|all| all[..at].iter().map(|s| (s.id.clone(), s.label.clone())).collect());
        let update = move |change: Box<dyn Fn(&mut StepTemplate)>| {
            steps.update(|all| {
                if let Some(s) = all.get_mut(at) {
                    change(s)
                }
            })
        };
        view! {
            <li class="template-step">
                <h3>{format!("Step {n}")}</h3>
                <div class="form-group">
                    <label class="label" for=format!("step-{n}-label")>{format!("Step {n}: what staff do")}</label>
                    <input class="input" id=format!("step-{n}-label") prop:value=step.label.clone()
                        on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |s| s.label = v.clone())) }/>
                </div>
                <div class="form-group">
                    <label class="label" for=format!("step-{n}-guidance")>{format!("Step {n}: guidance")}</label>
                    <textarea class="textarea" rows="2" id=format!("step-{n}-guidance") prop:value=step.guidance.clone()
                        on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |s| s.guidance = v.clone())) }></textarea>
                </div>
                <div class="checkboxes__item">
                    <input class="checkbox-input" type="checkbox" id=format!("step-{n}-required") prop:checked=step.required
                        on:change=move |ev| { let on = event_target_checked(&ev); update(Box::new(move |s| s.required = on)) }/>
                    <label class="label" for=format!("step-{n}-required")>{format!("Step {n} is required")}</label>
                </div>
                {(!earlier.is_empty()).then(|| view! {
                    <fieldset class="fieldset">
                        <legend>{format!("Step {n} waits for")}</legend>
                        {earlier.into_iter().map(|(id, label)| {
                            let checked = step.requires.contains(&id);
                            let box_id = format!("step-{n}-after-{id}");
                            view! {
                                <div class="checkboxes__item">
                                    <input class="checkbox-input" type="checkbox" id=box_id.clone() prop:checked=checked
                                        on:change=move |ev| {
                                            let (on, id) = (event_target_checked(&ev), id.clone());
                                            update(Box::new(move |s| { s.requires.retain(|r| *r != id); if on { s.requires.push(id.clone()); } }))
                                        }/>
                                    <label class="label" for=box_id>{label}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                })}
                <div class="button-group">
                    <button type="button" class="button button--secondary" aria-label=format!("Move step {n} up") on:click=move |_| reshape(|all, at| move_step(all, at, true), at)>"Up"</button>
                    <button type="button" class="button button--secondary" aria-label=format!("Move step {n} down") on:click=move |_| reshape(|all, at| move_step(all, at, false), at)>"Down"</button>
                    <button type="button" class="button button--secondary" aria-label=format!("Remove step {n}") on:click=move |_| reshape(remove_step, at)>"Remove"</button>
                </div>
            </li>
        }
    };
    let preview = move || {
        let template = edited();
        let label_of =
            |id: &String| template.steps.iter().find(|s| &s.id == id).map_or(id.clone(), |s| s.label.clone());
        view! {
            <h3>{format!("Checklist: {}", template.title)}</h3>
            <ol class="checklist">
                {template.steps.iter().map(|step| {
                    let locked = (!step.requires.is_empty()).then(|| format!("do these first: {}.", step.requires.iter().map(label_of).collect::<Vec<_>>().join(", ")));
                    let class = if locked.is_some() { "checklist__step checklist__step--locked" } else { "checklist__step checklist__step--open" };
                    view! {
                        <li class=class>
                            <p class="checklist__title"><strong>{step.label.clone()}</strong>
                                <span class="checklist__tag">{if step.required { " (required)" } else { " (optional)" }}</span></p>
                            <p class="hint">{step.guidance.clone()}</p>
                            {locked.map(|text| view! { <p class="checklist__locked"><strong>"Locked: "</strong>{text}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        }
    };
    view! {
        <div class="template-editor">
            <form class="template-editor__form" on:submit=on_publish novalidate=true>
                <h2>{format!("Edit “{}” (now version {}; publishing makes version {next})", current.title, current.version)}</h2>
                {move || problem.get().map(|text| view! {
                    <div class="nhsuk-error-summary" role="alert"><h2 class="nhsuk-error-summary__title">"There is a problem"</h2><p>{text}</p></div>
                })}
                <div class="form-group">
                    <label class="label" for="template-title">"Checklist title"</label>
                    <input class="input" id="template-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                </div>
                <ol class="template-steps">
                    {move || {
                        structure.track();
                        steps.get_untracked().into_iter().enumerate().map(|(at, step)| step_editor(at, step)).collect_view()
                    }}
                </ol>
                <div class="button-group">
                    <button type="button" class="button button--secondary" on:click=move |_| reshape(|all, _| { let step = new_step(all); all.push(step); }, 0)>"Add a step"</button>
                    <button type="submit" class="button" disabled=move || publish_action.pending().get()>{format!("Publish version {next}")}</button>
                </div>
            </form>
            <section class="template-editor__preview panel" aria-labelledby="preview-heading">
                <h2 id="preview-heading">"Preview: the checklist as staff will see it"</h2>
                {preview}
            </section>
        </div>
    }
}
