//! `/cases/new`: record a new case. The person picks the kind, finds or creates the
//! patient (the NHS number is checked as it is typed; patients already on the device
//! who match, possible duplicates first with their reasons, are listed under the
//! details), says who is asking and how, and saves. The patient's record (if new), the
//! case, its checklist and the first note are one change set, written to the outbox in
//! one transaction; only then does the case page open saying "Saved on this device".

use crate::app::{CurrentSession, Flash, StoreHandle, SyncTrigger};
use crate::browser::new_uuid;
use crate::case_form::{
    known_patients, new_case_changes, nhs_number_feedback, patient_matches, still_wrong, typed_patient, FieldError,
    NewCaseIds, NewCaseInput, NhsFeedback, PatientMatch,
};
use crate::case_page::site_setup::SiteSetup;
use crate::components::{field_error, ErrorSummary, FieldErrorMessage, ProblemSummary, SignedIn};
use crate::format::day_month_year;
use crate::sync::SyncStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use portal_desk_core::case::{CaseKind, Channel, Priority, RequesterType};
use portal_desk_core::date::CivilDate;
use portal_desk_core::patient::Patient;
use portal_desk_core::RecordId;

/// A date of birth as NHS services write it: `10 Dec 1985`.
fn born_label(date: CivilDate) -> String {
    day_month_year(date.year(), date.month(), date.day())
}

/// The new case screen.
#[component]
pub fn NewCasePage() -> impl IntoView {
    let store = expect_context::<StoreHandle>();
    let session = expect_context::<CurrentSession>().0;
    let status = expect_context::<SyncStatus>();
    let trigger = expect_context::<SyncTrigger>();
    let flash = expect_context::<Flash>().0;
    let navigate = use_navigate();

    let patient_name = RwSignal::new(String::new());
    let dob_day = RwSignal::new(String::new());
    let dob_month = RwSignal::new(String::new());
    let dob_year = RwSignal::new(String::new());
    let nhs_number = RwSignal::new(String::new());
    let nhs_left = RwSignal::new(false);
    let nhs_confirmed = RwSignal::new(false);
    let chosen = RwSignal::new(None::<Patient>);
    let kind = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal.code().to_owned());
    let channel = RwSignal::new(Channel::Phone.code().to_owned());
    let requester_type = RwSignal::new(RequesterType::Patient.code().to_owned());
    let requester = RwSignal::new(String::new());
    let relationship = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    // A problem that is not about what was typed, such as a full device.
    let problem = RwSignal::new(None::<String>);

    let input = move || NewCaseInput {
        patient_name: patient_name.get(),
        dob_day: dob_day.get(),
        dob_month: dob_month.get(),
        dob_year: dob_year.get(),
        nhs_number: nhs_number.get(),
        nhs_number_confirmed: nhs_confirmed.get(),
        existing_patient: chosen.with(|c| c.as_ref().map(|p| p.id.clone())),
        kind: kind.get(),
        priority: priority.get(),
        channel: channel.get(),
        requester_type: requester_type.get(),
        requester: requester.get(),
        requester_relationship: relationship.get(),
        note: note.get(),
    };

    // The patients this device knows, for finding the patient and flagging duplicates.
    let known = LocalResource::new(move || {
        let store = store.get();
        async move {
            let device = store.device().clone();
            let state = store.local_state().await.ok()?;
            // Every record, not only cases: patient records are what a case links to.
            let records = state.replica(&device).views();
            Some(known_patients(records.values()))
        }
    });
    // The home site's checklists: a version an admin published replaces the built-in one.
    let catalog = LocalResource::new(move || {
        let store = store.get();
        let site = session.with_untracked(|s| s.as_ref().and_then(|s| s.home_site().map(|site| site.id.clone())));
        async move {
            let site = site?;
            let records = store.settings_where(|r| SiteSetup::reads(r, &site)).await.ok()?;
            Some(SiteSetup::of(&records, &site).catalog)
        }
    });
    let current_catalog = move || catalog.get().flatten().unwrap_or_default();
    let matches = Memo::new(move |_| {
        if chosen.with(Option::is_some) {
            return Vec::new();
        }
        // Only the patient's details count here, so typing a note costs nothing.
        let details = NewCaseInput {
            patient_name: patient_name.get(),
            dob_day: dob_day.get(),
            dob_month: dob_month.get(),
            dob_year: dob_year.get(),
            nhs_number: nhs_number.get(),
            ..NewCaseInput::default()
        };
        let Some(typed) = typed_patient(&details, crate::browser::today(), RecordId::from("typed")) else {
            return Vec::new();
        };
        known.with(|known| match known {
            Some(Some(known)) => patient_matches(&typed, known),
            _ => Vec::new(),
        })
    });
    let choose = move |patient: Patient| {
        patient_name.set(patient.display_name());
        if let Some(born) = patient.date_of_birth {
            dob_day.set(born.day().to_string());
            dob_month.set(born.month().to_string());
            dob_year.set(born.year().to_string());
        }
        nhs_number.set(patient.nhs_number.as_ref().map(|n| n.display()).unwrap_or_default());
        chosen.set(Some(patient));
    };
    // Typing over a chosen patient's details means a different patient.
    let typed = move |signal: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            signal.set(event_target_value(&ev));
            chosen.set(None);
        }
    };

    let save = Action::new_local(move |changes: &Vec<(RecordId, portal_desk_core::OpBody)>| {
        let changes = changes.clone();
        let case = changes.iter().find(|(_, body)| is_case_create(body)).map(|(id, _)| id.clone());
        let store = store.get();
        let actor = session.with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()));
        let navigate = navigate.clone();
        async move {
            let (Some(actor), Some(case)) = (actor, case) else { return };
            match store.record_changes(&actor, changes).await {
                Ok(_) => {
                    // The transaction has committed: now, and only now, the change is safe.
                    flash.set(Some("Saved on this device".to_owned()));
                    status.data_changed();
                    trigger.refresh_counts();
                    trigger.sync_now();
                    navigate(&format!("/cases/{case}"), Default::default());
                }
                Err(error) => problem.set(Some(error.message())),
            }
        }
    });

    // An error clears as soon as its field is right: while errors are shown, every edit
    // checks the form again and keeps only those that still apply (so a corrected NHS
    // number loses its error and its warning, if any, shows).
    Effect::new(move |_| {
        let typed = input();
        if errors.with_untracked(Vec::is_empty) {
            return;
        }
        let Some(site) = session.with_untracked(|s| s.as_ref().and_then(|s| s.home_site().map(|site| site.id.clone())))
        else {
            return;
        };
        let ids = NewCaseIds { case: "check".into(), patient: "check".into(), checklist_run: "check".to_owned() };
        let now =
            new_case_changes(&typed, site, &current_catalog(), crate::browser::today(), &ids).err().unwrap_or_default();
        let kept = errors.with_untracked(|shown| still_wrong(shown, &now));
        if errors.with_untracked(|shown| *shown != kept) {
            errors.set(kept);
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(site) = session.with_untracked(|s| s.as_ref().and_then(|s| s.home_site().map(|site| site.id.clone())))
        else {
            problem.set(Some(
                "Your account has no site, so cases cannot be recorded. Ask your administrator to add you to a site."
                    .to_owned(),
            ));
            return;
        };
        problem.set(None);
        nhs_left.set(true);
        let ids = NewCaseIds {
            case: RecordId::from(new_uuid()),
            patient: RecordId::from(new_uuid()),
            checklist_run: new_uuid(),
        };
        match new_case_changes(&input(), site, &current_catalog(), crate::browser::today(), &ids) {
            Ok(changes) => {
                errors.set(Vec::new());
                save.dispatch(changes);
            }
            Err(problems) => errors.set(problems),
        }
    };
    let error_for = move |field: &'static str| Signal::derive(move || errors.with(|e| field_error(e, field)));
    let has_error = move |field: &'static str| move || errors.with(|e| field_error(e, field).is_some());
    let described_by = move |field: &'static str, hint: Option<&'static str>| {
        move || {
            let error = errors.with(|e| field_error(e, field).is_some()).then(|| format!("{field}-error"));
            let ids: Vec<String> = hint.map(str::to_owned).into_iter().chain(error).collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    // The NHS number's own message as it is typed, unless the summary already has one.
    let nhs_feedback = move || {
        if errors.with(|e| field_error(e, "nhs-number").is_some()) {
            return None;
        }
        nhs_number_feedback(&nhs_number.get(), nhs_left.get())
    };
    let nhs_error = Signal::derive(move || {
        errors.with(|e| field_error(e, "nhs-number")).or_else(|| match nhs_feedback() {
            Some(NhsFeedback::Error(message)) => Some(message),
            _ => None,
        })
    });
    let checklist = move || {
        CaseKind::from_code(&kind.get()).map(|k| {
            let catalog = current_catalog();
            let template = catalog.current_for(k);
            format!("The “{}” checklist ({} steps) will be attached to the case.", template.title, template.steps.len())
        })
    };
    let asking_for_someone = move || requester_type.with(|t| t != RequesterType::Patient.code());
    let pending = save.pending();

    view! {
        <SignedIn>
            <A href="/" attr:class="nhsuk-back-link back-link">"Back to cases"</A>
            <h1 class="nhsuk-heading-l">"New case"</h1>
            <ProblemSummary problem=problem/>
            <ErrorSummary errors=errors/>
            <form class="form new-case" on:submit=on_submit novalidate=true>
                <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("kind")>
                    <label class="nhsuk-label" for="kind">"Kind of case"</label>
                    <FieldErrorMessage id="kind" message=error_for("kind")/>
                    <select
                        class="nhsuk-select"
                        id="kind"
                        name="kind"
                        aria-describedby=described_by("kind", Some("kind-hint"))
                        on:change=move |ev| kind.set(event_target_value(&ev))
                    >
                        <option value="" selected=true>"Choose the kind of case"</option>
                        {CaseKind::ALL
                            .iter()
                            .map(|k| view! { <option value=k.code()>{k.label()}</option> })
                            .collect_view()}
                    </select>
                    <p class="nhsuk-hint new-case__checklist" id="kind-hint" aria-live="polite">
                        {move || checklist().unwrap_or_else(|| "Each kind of case has its own checklist.".to_owned())}
                    </p>
                </div>

                <div class="new-case__section"><fieldset class="nhsuk-fieldset">
                    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
                        <h2 class="nhsuk-fieldset__heading">"Patient"</h2>
                    </legend>
                    <p class="nhsuk-hint">"Type the patient’s details. Patients already on this device who may be the same person are listed below them."</p>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("patient-name")>
                        <label class="nhsuk-label" for="patient-name">"Patient name"</label>
                        <FieldErrorMessage id="patient-name" message=error_for("patient-name")/>
                        <input
                            class="nhsuk-input"
                            id="patient-name"
                            name="patient-name"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            aria-describedby=described_by("patient-name", None)
                            prop:value=move || patient_name.get()
                            on:input=typed(patient_name)
                        />
                    </div>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("dob-day")>
                        <fieldset class="nhsuk-fieldset" role="group" aria-describedby=described_by("dob-day", Some("dob-hint"))>
                            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">"Date of birth"</legend>
                            <p class="nhsuk-hint" id="dob-hint">"For example, 15 3 1984"</p>
                            <FieldErrorMessage id="dob-day" message=error_for("dob-day")/>
                            <div class="nhsuk-date-input">
                                <DatePart id="dob-day" label="Day" width=2 value=dob_day on_input=typed(dob_day) error=Signal::derive(has_error("dob-day"))/>
                                <DatePart id="dob-month" label="Month" width=2 value=dob_month on_input=typed(dob_month) error=Signal::derive(has_error("dob-day"))/>
                                <DatePart id="dob-year" label="Year" width=4 value=dob_year on_input=typed(dob_year) error=Signal::derive(has_error("dob-day"))/>
                            </div>
                        </fieldset>
                    </div>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=move || nhs_error.with(Option::is_some)>
                        <label class="nhsuk-label" for="nhs-number">"NHS number (optional)"</label>
                        <p class="nhsuk-hint" id="nhs-number-hint">"10 digits, for example 485 777 3457"</p>
                        <FieldErrorMessage id="nhs-number" message=nhs_error/>
                        <input
                            class="nhsuk-input nhsuk-input--width-10"
                            id="nhs-number"
                            name="nhs-number"
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            spellcheck="false"
                            aria-describedby=move || {
                                let error = if nhs_error.with(Option::is_some) { " nhs-number-error" } else { "" };
                                let status = if nhs_feedback().is_some() { " nhs-number-status" } else { "" };
                                format!("nhs-number-hint{status}{error}")
                            }
                            prop:value=move || nhs_number.get()
                            on:input=typed(nhs_number)
                            on:change=move |_| nhs_left.set(true)
                        />
                        {move || match nhs_feedback() {
                            Some(NhsFeedback::Warning(text)) => Some(view! {
                                <p class="field-warning" id="nhs-number-status">
                                    <span class="nhsuk-u-visually-hidden">"Warning: "</span>
                                    {text}
                                </p>
                                <div class="nhs-number-confirm" class:nhsuk-form-group--error=has_error("nhs-number-confirm")>
                                    <FieldErrorMessage id="nhs-number-confirm" message=error_for("nhs-number-confirm")/>
                                    <div class="checkbox">
                                        <input type="checkbox" class="checkbox-input" id="nhs-number-confirm"
                                            aria-describedby=described_by("nhs-number-confirm", Some("nhs-number-status"))
                                            prop:checked=move || nhs_confirmed.get()
                                            on:change=move |ev| nhs_confirmed.set(event_target_checked(&ev))/>
                                        <label class="nhsuk-label" for="nhs-number-confirm">"Use this number anyway: I have checked it is the one to record"</label>
                                    </div>
                                </div>
                            }.into_any()),
                            Some(NhsFeedback::Valid(shown)) => Some(view! {
                                <p class="field-ok" id="nhs-number-status">{format!("Valid NHS number: {shown}")}</p>
                            }.into_any()),
                            _ => None,
                        }}
                    </div>
                    <ChosenPatient chosen/>
                    <PatientMatches matches=matches on_choose=Callback::new(choose)/>
                </fieldset></div>

                <div class="new-case__section"><fieldset class="nhsuk-fieldset">
                    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
                        <h2 class="nhsuk-fieldset__heading">"The request"</h2>
                    </legend>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("requester-type")>
                        <label class="nhsuk-label" for="requester-type">"Who is asking"</label>
                        <FieldErrorMessage id="requester-type" message=error_for("requester-type")/>
                        <select class="nhsuk-select" id="requester-type" name="requester-type" on:change=move |ev| requester_type.set(event_target_value(&ev))>
                            {RequesterType::ALL
                                .iter()
                                .map(|r| view! { <option value=r.code() selected=*r == RequesterType::Patient>{r.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <Show when=asking_for_someone>
                        <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("requester")>
                            <label class="nhsuk-label" for="requester">"Name of the person asking"</label>
                            <FieldErrorMessage id="requester" message=error_for("requester")/>
                            <input class="nhsuk-input" id="requester" name="requester" type="text" autocomplete="off"
                                aria-describedby=described_by("requester", None) bind:value=requester/>
                        </div>
                        <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("requester-relationship")>
                            <label class="nhsuk-label" for="requester-relationship">"Relationship to the patient"</label>
                            <p class="nhsuk-hint" id="requester-relationship-hint">"For example, mother, son, carer or GP practice"</p>
                            <FieldErrorMessage id="requester-relationship" message=error_for("requester-relationship")/>
                            <input class="nhsuk-input" id="requester-relationship" name="requester-relationship" type="text" autocomplete="off"
                                aria-describedby=described_by("requester-relationship", Some("requester-relationship-hint")) bind:value=relationship/>
                        </div>
                    </Show>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("channel")>
                        <label class="nhsuk-label" for="channel">"Channel"</label>
                        <FieldErrorMessage id="channel" message=error_for("channel")/>
                        <select class="nhsuk-select" id="channel" name="channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                            {Channel::ALL
                                .iter()
                                .map(|c| view! { <option value=c.code() selected=*c == Channel::Phone>{c.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("priority")>
                        <label class="nhsuk-label" for="priority">"Priority"</label>
                        <FieldErrorMessage id="priority" message=error_for("priority")/>
                        <select class="nhsuk-select" id="priority" name="priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                            {Priority::ALL
                                .iter()
                                .map(|p| view! { <option value=p.code() selected=*p == Priority::Normal>{p.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="nhsuk-form-group" class:nhsuk-form-group--error=has_error("note")>
                        <label class="nhsuk-label" for="note">"Note (optional)"</label>
                        <p class="nhsuk-hint" id="note-hint">"What the person asked for, and anything already done."</p>
                        <FieldErrorMessage id="note" message=error_for("note")/>
                        <textarea class="nhsuk-textarea" id="note" name="note" rows="5"
                            aria-describedby=described_by("note", Some("note-hint")) bind:value=note></textarea>
                    </div>
                </fieldset></div>
                <button type="submit" class="nhsuk-button" disabled=move || pending.get()>"Save case"</button>
            </form>
        </SignedIn>
    }
}

/// Whether a change creates the case (not the patient).
fn is_case_create(body: &portal_desk_core::OpBody) -> bool {
    matches!(body, portal_desk_core::OpBody::Create { collection: portal_desk_core::case::Collection::Case, .. })
}

/// One box of the date of birth.
#[component]
fn DatePart(
    id: &'static str,
    label: &'static str,
    width: u8,
    value: RwSignal<String>,
    on_input: impl Fn(leptos::ev::Event) + 'static,
    error: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="nhsuk-date-input__item">
            <div class="nhsuk-form-group">
                <label class="nhsuk-label nhsuk-date-input__label" for=id>{label}</label>
                <input
                    class=format!("nhsuk-input nhsuk-date-input__input nhsuk-input--width-{width}")
                    class:nhsuk-input--error=move || error.get()
                    id=id
                    name=id
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    prop:value=move || value.get()
                    on:input=on_input
                />
            </div>
        </div>
    }
}

/// The existing patient record the case will be linked to, once one is chosen.
#[component]
fn ChosenPatient(chosen: RwSignal<Option<Patient>>) -> impl IntoView {
    move || {
        chosen.get().map(|patient| {
            let born = patient.date_of_birth.map(born_label).unwrap_or_else(|| "date of birth not recorded".to_owned());
            view! {
                <div class="nhsuk-inset-text chosen-patient">
                    <span class="nhsuk-u-visually-hidden">"Information: "</span>
                    <p>{format!("This case will use the existing record for {}, born {born}.", patient.display_name())}</p>
                    <button type="button" class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" on:click=move |_| chosen.set(None)>
                        "Make a new patient record instead"
                    </button>
                </div>
            }
        })
    }
}

/// Patients on the device who may be the one typed; possible duplicates first, each
/// with the reasons, and a button to use an existing record.
#[component]
fn PatientMatches(matches: Memo<Vec<PatientMatch>>, on_choose: Callback<Patient>) -> impl IntoView {
    move || {
        let found = matches.get();
        if found.is_empty() {
            return None;
        }
        let duplicates = found.iter().any(|m| m.possible_duplicate);
        let (title, advice) = if duplicates {
            (
                "Possible duplicate patients",
                "Check these before saving. If one of them is this patient, use their record instead of making another.",
            )
        } else {
            ("Patients on this device with this name", "If one of them is this patient, use their record.")
        };
        Some(view! {
            <section class=if duplicates { "patient-matches patient-matches--warning" } else { "patient-matches" } aria-labelledby="patient-matches-title">
                <h3 class="nhsuk-heading-s" id="patient-matches-title">{title}</h3>
                <p>{advice}</p>
                <ul class="patient-matches__list">
                    {found.into_iter().map(|m| {
                        let name = m.patient.display_name();
                        let born = m.patient.date_of_birth.map(|d| format!("Born {}", born_label(d)));
                        let nhs = m.patient.nhs_number.as_ref().map(|n| format!("NHS number {}", n.display()));
                        let details = born.into_iter().chain(nhs).collect::<Vec<_>>().join(" · ");
                        let patient = m.patient.clone();
                        view! {
                            <li class="patient-matches__item">
                                <p class="patient-matches__name">{name.clone()}</p>
                                {(!details.is_empty()).then(|| view! { <p class="patient-matches__details">{details}</p> })}
                                <ul class="patient-matches__reasons" aria-label="Why it may match">
                                    {m.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                                </ul>
                                {m.has_record.then(|| view! {
                                    <button type="button" class="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                                        aria-label=format!("Use this patient: {name}")
                                        on:click=move |_| on_choose.run(patient.clone())>
                                        "Use this patient"
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })
    }
}
