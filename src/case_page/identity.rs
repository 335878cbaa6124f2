//! The identity level beside an identity-verification checklist: the evidence the
//! checklist records, who checked each piece, and the level the core's rules give it
//! (P0, P5 or P9) with what is still needed for the next one.

use super::model::{current_run, Me};
use crate::case_view::CaseView;
use crate::format::date_time;
use leptos::prelude::*;
use portal_desk_core::case::CaseKind;
use portal_desk_core::identity::{assess_identity, evidence_from_checklist, Evidence};
use portal_desk_core::zone::TimeZone;

/// The level reached and its evidence, or nothing for other kinds of case.
#[component]
pub fn IdentityPanel(case: CaseView, me: Me, zone: TimeZone) -> impl IntoView {
    if case.record.case_kind() != Some(CaseKind::IdentityVerification) {
        return None;
    }
    let (_, run) = current_run(&case)?;
    let evidence = evidence_from_checklist(run);
    let body = if evidence.is_empty() {
        view! { <p>"No level yet: evidence counts once the checklist is confirmed in someone's name at the last step."</p> }.into_any()
    } else {
        let assessment = assess_identity(&evidence);
        let level = assessment.level.map_or("Below P0: not enough evidence for any level", |l| l.label());
        let items = evidence
            .iter()
            .map(|e| {
                let what = match &e.evidence {
                    Evidence::PhotoIdSeen { .. } => "Photo ID seen",
                    Evidence::VideoCheck => "Video check",
                    Evidence::InPersonVouching => "Vouched for in person",
                    Evidence::NameMatched => "Name matched",
                    Evidence::DateOfBirthMatched => "Date of birth matched",
                    Evidence::NhsNumberMatched => "NHS number matched",
                    Evidence::EmailConfirmed => "Email confirmed",
                    Evidence::MobileConfirmed => "Mobile confirmed",
                };
                view! { <li>{format!("{what} — {}, {}", me.label(&e.verified_by), date_time(e.at_ms, &zone))}</li> }
            })
            .collect_view();
        let missing = (!assessment.missing_for_next.is_empty())
            .then(|| format!("For the next level: {}.", assessment.missing_for_next.join("; ")));
        view! {
            <p class="identity-level"><strong>"Level reached: "</strong>{level}</p>
            {missing.map(|text| view! { <p>{text}</p> })}
            <h3>"Evidence recorded"</h3>
            <ul class="rules-list">{items}</ul>
        }
        .into_any()
    };
    Some(view! {
        <section class="panel panel--rules" aria-labelledby="identity-heading">
            <h2 id="identity-heading">"Identity level"</h2>
            {body}
        </section>
    })
}
