//! The portal activation hand-off: a QR code the patient scans with their own phone to
//! finish activating their account, and instructions to read or print and take home.
//! The code holds only the portal's public address, never patient data.

use super::model::ACTIVATION_URL;
use crate::case_view::CaseView;
use leptos::prelude::*;
use portal_desk_core::case::CaseKind;
use portal_desk_core::qr::QrCode;

/// The hand-off for sign-up, identity and proxy cases; nothing for other kinds.
#[component]
pub fn ActivationHandoff(case: CaseView) -> impl IntoView {
    let kind = case.record.case_kind()?;
    if !matches!(kind, CaseKind::SignUp | CaseKind::IdentityVerification | CaseKind::ProxyAccess) {
        return None;
    }
    let code = QrCode::encode(ACTIVATION_URL.as_bytes()).ok()?;
    let side = code.size() + 8;
    let view_box = format!("0 0 {side} {side}");
    let print = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    Some(view! {
        <section class="panel handoff" aria-labelledby="handoff-heading">
            <h2 id="handoff-heading">"Finish on the patient’s own phone"</h2>
            <div class="handoff__body">
                <svg class="handoff__qr" viewBox=view_box role="img" aria-labelledby="handoff-qr-title" shape-rendering="crispEdges">
                    <title id="handoff-qr-title">{format!("QR code that opens {ACTIVATION_URL}")}</title>
                    <rect width="100%" height="100%" fill="#fff"></rect>
                    <path d=code.svg_path(4) fill="#000"></path>
                </svg>
                <div class="handoff__steps">
                    <p class="handoff__for">{format!("For {}", case.patient_name())}</p>
                    <ol>
                        <li>"Open the camera on your phone and point it at the square code."</li>
                        <li>{format!("Tap the link that appears. It opens {ACTIVATION_URL}")}</li>
                        <li>"Sign in with the email address and phone number you gave us, or choose “Continue” to finish setting up."</li>
                        <li>"Enter the security code sent to your phone. You can then see your appointments, prescriptions and record."</li>
                    </ol>
                    <p>"No camera? Type the address into your phone’s web browser."</p>
                </div>
            </div>
            <button type="button" class="button button--secondary handoff__print" on:click=print>"Print instructions"</button>
        </section>
    })
}
