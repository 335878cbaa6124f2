//! The registration form a patient fills in at the kiosk, in the language they choose
//! (switchable at any moment without losing what they typed), and the thank-you that
//! follows. On "Send" the form becomes a sign-up case taken at the kiosk, saved on the
//! tablet in one transaction like any new case, and is then wiped from the screen.

use super::registration::save_registration;
use super::text::Text;
use crate::components::focus_field;
use leptos::prelude::*;
use portal_desk_core::self_registration::{check, Field, Language, Need, SelfRegistration};

/// The form, then the thank-you, for as long as the tablet is a kiosk.
#[component]
pub fn KioskForm(site: portal_desk_core::SiteId) -> impl IntoView {
    let language = RwSignal::new(Language::English);
    let form = RwSignal::new(SelfRegistration::default());
    let errors = RwSignal::new(Vec::<(Field, portal_desk_core::self_registration::Problem)>::new());
    let failed = RwSignal::new(false);
    let thanked = RwSignal::new(false);
    let text = move || Text::of(language.get());
    let store = expect_context::<crate::app::StoreHandle>();
    let session = expect_context::<crate::app::CurrentSession>().0;
    let trigger = expect_context::<crate::app::SyncTrigger>();

    let send = Action::new_local(move |(typed, spoken): &(SelfRegistration, Language)| {
        let (typed, spoken, site) = (typed.clone(), *spoken, site.clone());
        let store = store.get();
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        async move {
            let Some(actor) = actor else { return false };
            save_registration(&store, &actor, &site, &typed, spoken).await.is_ok()
        }
    });
    Effect::new(move |_| {
        if let Some(saved) = send.value().get() {
            failed.set(!saved);
            if saved {
                // Gone from the screen and from memory: the next patient starts afresh.
                form.set(SelfRegistration::default());
                errors.set(Vec::new());
                thanked.set(true);
                trigger.sync_now();
            }
        }
    });
    // Untouched, the thank-you gives way to the form, and a half-filled form is wiped.
    super::idle::watch_idle(move |idle_ms| {
        if thanked.get_untracked() {
            if idle_ms >= super::idle::THANKS_FOR_MS {
                thanked.set(false);
            }
        } else if idle_ms >= super::idle::FORM_IDLE_MS
            && (form.with_untracked(|f| *f != SelfRegistration::default()) || errors.with_untracked(|e| !e.is_empty()))
        {
            form.set(SelfRegistration::default());
            errors.set(Vec::new());
            failed.set(false);
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = form.get_untracked();
        match check(&typed, crate::browser::today()) {
            Ok(_) => {
                errors.set(Vec::new());
                send.dispatch((typed, language.get_untracked()));
            }
            Err(problems) => {
                let first = problems.first().map(|(field, _)| field.id());
                errors.set(problems);
                if let Some(id) = first {
                    focus_field(id);
                }
            }
        }
    };

    let switcher = move || {
        Language::ALL
            .into_iter()
            .map(|l| {
                view! {
                    <button type="button" class="kiosk__language" lang=l.tag()
                        aria-pressed=move || (language.get() == l).to_string()
                        on:click=move |_| language.set(l)>{l.own_name()}</button>
                }
            })
            .collect_view()
    };
    let field_error = move |field: Field| errors.with(|e| e.iter().find(|(f, _)| *f == field).map(|(_, p)| *p));
    let label_of = move |field: Field| {
        let t = text();
        match field {
            Field::GivenName => t.given_name,
            Field::FamilyName => t.family_name,
            Field::DateOfBirth => t.date_of_birth,
            Field::NhsNumber => t.nhs_number,
            Field::Postcode => t.postcode,
            Field::Contact => t.contact,
            Field::FreeText => t.other_need,
        }
    };
    let summary = move || {
        let problems = errors.get();
        (!problems.is_empty()).then(|| {
            let t = text();
            view! {
                <div class="nhsuk-error-summary" role="alert" aria-labelledby="kiosk-problem-title">
                    <h2 class="nhsuk-error-summary__title" id="kiosk-problem-title">{t.problem_title}</h2>
                    <ul class="nhsuk-list nhsuk-error-summary__list">
                        {problems.into_iter().map(|(field, problem)| view! {
                            <li><a href=format!("#{}", field.id()) on:click=move |ev| {
                                ev.prevent_default();
                                focus_field(field.id());
                            }>{format!("{}: {}", label_of(field), t.problem(problem))}</a></li>
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    };
    let text_input = move |field: Field,
                           hint: Option<&'static str>,
                           autocomplete: &'static str,
                           get: fn(&SelfRegistration) -> &String,
                           set: fn(&mut SelfRegistration, String)| {
        let id = field.id();
        let error = move || field_error(field);
        let described = move || {
            let parts = [hint.map(|_| format!("{id}-hint")), error().map(|_| format!("{id}-error"))];
            parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
        };
        view! {
            <div class="form-group" class:form-group--error=move || error().is_some()>
                <label class="label" for=id>{move || label_of(field)}</label>
                {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
                {move || error().map(|p| view! {
                    <p class="field-error" id=format!("{id}-error")>{text().problem(p)}</p>
                })}
                <input class="input" id=id name=id type="text" autocomplete=autocomplete aria-describedby=described
                    prop:value=move || form.with(|f| get(f).clone())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
            </div>
        }
    };

    view! {
        <div class="kiosk__languages" role="group" aria-label="Language / Iaith / Język">{switcher}</div>
        {move || {
            let t = text();
            if thanked.get() {
                return view! {
                    <section class="kiosk__thanks" lang=language.get().tag() aria-labelledby="kiosk-thanks">
                        <h1 id="kiosk-thanks">{t.thanks}</h1>
                        <p>{t.thanks_next}</p>
                        <button type="button" class="button" on:click=move |_| thanked.set(false)>{t.finish}</button>
                    </section>
                }.into_any();
            }
            let dob_error = move || field_error(Field::DateOfBirth);
            let date_part = move |id: &'static str, label: &'static str, width: &'static str, get: fn(&SelfRegistration) -> &String, set: fn(&mut SelfRegistration, String)| view! {
                <div class="nhsuk-date-input__item">
                    <label class="nhsuk-label nhsuk-date-input__label" for=id>{label}</label>
                    <input class=format!("nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}") id=id name=id inputmode="numeric"
                        prop:value=move || form.with(|f| get(f).clone())
                        on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
                </div>
            };
            view! {
                <form class="form kiosk__form" lang=language.get().tag() on:submit=on_submit novalidate=true>
                    <h1>{t.heading}</h1>
                    <p class="kiosk__intro">{t.intro}</p>
                    {summary}
                    {move || failed.get().then(|| view! { <div class="banner banner--error" role="alert"><p>{text().not_saved}</p></div> })}
                    {text_input(Field::GivenName, None, "given-name", |f| &f.given_name, |f, v| f.given_name = v)}
                    {text_input(Field::FamilyName, None, "family-name", |f| &f.family_name, |f, v| f.family_name = v)}
                    <div class="form-group" class:form-group--error=move || dob_error().is_some()>
                        <fieldset class="fieldset" aria-describedby="kiosk-dob-hint">
                            <legend class="fieldset__legend">{t.date_of_birth}</legend>
                            <p class="hint" id="kiosk-dob-hint">{t.date_hint}</p>
                            {move || dob_error().map(|p| view! { <p class="field-error" id="kiosk-dob-error">{text().problem(p)}</p> })}
                            <div class="nhsuk-date-input">
                                {date_part("kiosk-dob-day", t.day, "2", |f| &f.dob_day, |f, v| f.dob_day = v)}
                                {date_part("kiosk-dob-month", t.month, "2", |f| &f.dob_month, |f, v| f.dob_month = v)}
                                {date_part("kiosk-dob-year", t.year, "4", |f| &f.dob_year, |f, v| f.dob_year = v)}
                            </div>
                        </fieldset>
                    </div>
                    {text_input(Field::NhsNumber, Some(t.nhs_hint), "off", |f| &f.nhs_number, |f, v| f.nhs_number = v)}
                    {text_input(Field::Postcode, None, "postal-code", |f| &f.postcode, |f, v| f.postcode = v)}
                    {text_input(Field::Contact, Some(t.contact_hint), "on", |f| &f.contact, |f, v| f.contact = v)}
                    <div class="form-group">
                        <label class="label" for="kiosk-language">{t.preferred_language}</label>
                        <input class="input" id="kiosk-language" name="kiosk-language" type="text"
                            prop:value=move || form.with(|f| f.preferred_language.clone())
                            on:input=move |ev| form.update(|f| f.preferred_language = event_target_value(&ev))/>
                    </div>
                    <div class="form-group">
                        <fieldset class="fieldset" aria-describedby="kiosk-needs-hint">
                            <legend class="fieldset__legend">{t.needs}</legend>
                            <p class="hint" id="kiosk-needs-hint">{t.needs_hint}</p>
                            <div class="checkboxes">
                                {Need::ALL.into_iter().map(|need| {
                                    let id = format!("kiosk-need-{}", need as u8);
                                    view! {
                                        <div class="checkboxes__item">
                                            <input class="checkboxes__input" type="checkbox" id=id.clone()
                                                prop:checked=move || form.with(|f| f.needs.contains(&need))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    form.update(|f| { if on { f.needs.insert(need); } else { f.needs.remove(&need); } });
                                                }/>
                                            <label class="label checkboxes__label" for=id>{t.need(need)}</label>
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                        </fieldset>
                    </div>
                    {text_input(Field::FreeText, None, "off", |f| &f.other_need, |f, v| f.other_need = v)}
                    <button type="submit" class="button kiosk__send" disabled=move || send.pending().get()>
                        {move || if send.pending().get() { text().sending } else { text().send }}
                    </button>
                </form>
            }.into_any()
        }}
    }
}
