//! The reason-for-access gate: a restricted case (safeguarding, complaint) shows
//! nothing about the patient until the person says why they need it; the reason goes
//! to the audit log with the record of the view.

use super::{CaseCtx, TextField};
use crate::case_form::FieldError;
use leptos::prelude::*;

/// The longest reason the server's audit accepts, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Checks a reason for access.
pub fn check_reason(reason: &str) -> Result<String, String> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err("Say why you need to open this case, such as “I own it” or “Supervisor review”".to_owned())
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(format!("The reason is too long: keep it under {MAX_REASON_CHARS} characters"))
    } else {
        Ok(reason.to_owned())
    }
}

/// Asks why the person needs to open a restricted case; `open` gets the reason.
#[component]
pub fn ReasonGate(kind: &'static str, open: Callback<String>) -> impl IntoView {
    let ctx = expect_context::<CaseCtx>();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match check_reason(&ctx.draft("access-reason")) {
            Ok(reason) => {
                ctx.errors.set(Vec::new());
                open.run(reason);
            }
            Err(message) => ctx.fail(vec![FieldError { field: "access-reason", message }]),
        }
    };
    view! {
        <h1>"Why do you need to open this case?"</h1>
        <p>{format!("This is a {} case: only the people who need it may see it.", kind.to_lowercase())}</p>
        <form class="form" on:submit=submit novalidate=true>
            <TextField id="access-reason" label="Reason for access" kind="textarea"
                hint="Your reason is kept in the audit log with your name and the time."/>
            <button type="submit" class="button">"Open case"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_needed_and_kept_short() {
        assert!(check_reason("  ").unwrap_err().contains("Say why"));
        assert_eq!(check_reason(" Supervisor review ").unwrap(), "Supervisor review");
        assert!(check_reason(&"x".repeat(501)).unwrap_err().contains("under 500"));
    }
}
