//! How a change (an operation) is described to the person who made it, on the screen
//! that lists what is still on this device: what it does, where it has got to, and
//! what happened when the person sent it again or gave it up. Pure, so it is tested
//! natively.

use portal_desk_core::case::{CaseKind, CaseStatus, Channel, Priority};
use portal_desk_core::OpBody;

/// One sentence saying what a change does, e.g. "Status set to In progress".
pub fn describe(body: &OpBody) -> String {
    match body {
        OpBody::Create { fields, .. } => {
            let kind = fields.get("kind").and_then(|k| CaseKind::from_code(k)).map(CaseKind::label);
            match kind {
                Some(kind) => format!("New case: {kind}"),
                None => "New case".to_owned(),
            }
        }
        OpBody::SetField { field, value, .. } => {
            let shown = match field.as_str() {
                "status" => CaseStatus::from_code(value).map(CaseStatus::label),
                "kind" => CaseKind::from_code(value).map(CaseKind::label),
                "priority" => Priority::from_code(value).map(Priority::label),
                "channel" => Channel::from_code(value).map(Channel::label),
                _ => None,
            };
            let name = match field.as_str() {
                "patient_name" => "Patient name",
                "kind" => "Kind of case",
                "status" => "Status",
                "priority" => "Priority",
                "channel" => "Channel",
                other => other,
            };
            format!("{name} set to {}", shown.map(str::to_owned).unwrap_or_else(|| value.clone()))
        }
        OpBody::AppendNote { text } => {
            let preview: String = text.chars().take(60).collect();
            let more = if text.chars().count() > 60 { "…" } else { "" };
            format!("Note added: “{preview}{more}”")
        }
        OpBody::Archive => "Case archived".to_owned(),
        OpBody::StartChecklist { .. } => "Checklist started".to_owned(),
        OpBody::SetStep { step, .. } => format!("Checklist step “{step}” updated"),
        OpBody::ResolveConflict { value, .. } => format!("Clash resolved: kept “{value}”"),
    }
}

/// Why the server holds a change for a supervisor, in words for the supervisor who
/// decides, from its stable code.
pub fn held_because(code: &str) -> &'static str {
    match code {
        "unsigned_before_upgrade" => {
            "Made on a device before it could sign changes, so the server cannot prove who made it."
        }
        "author_deactivated" => "Made by someone whose account was deactivated before the device synced.",
        "credential_revoked" => "Signed with a key that has since been revoked.",
        _ => "The server could not prove who made it.",
    }
}

/// Where a change waiting in the outbox has got to.
pub fn waiting_state(sending: bool, online: bool) -> &'static str {
    if sending {
        "Sending now"
    } else if online {
        "Waiting to send"
    } else {
        "Waiting for a connection"
    }
}

/// The confirmation after a rejected change was sent again.
pub const SENT_AGAIN: &str =
    "The change is back in the list of changes waiting to sync. It will be sent at the next sync; if the server still does not accept it, it will come back here with the reason.";

/// The confirmation after a rejected change was given up.
pub const DISMISSED: &str =
    "The change was dismissed: it will not be sent. A record of it stays on this device, under “Dismissed changes”.";

/// The question asked before a rejected change is given up.
pub const DISMISS_QUESTION: &str =
    "If you dismiss it, it will not be sent to the server and will not change the case. A record of it stays on this device.";

#[cfg(test)]
mod tests {
    use super::*;
    use portal_desk_core::case::Collection;

    #[test]
    fn every_reason_a_change_is_held_is_told_in_plain_words() {
        for code in ["unsigned_before_upgrade", "author_deactivated", "credential_revoked", "something_new"] {
            assert!(held_because(code).ends_with('.') && !held_because(code).contains('_'), "{code}");
        }
        assert_ne!(held_because("author_deactivated"), held_because("something_new"));
    }

    #[test]
    fn changes_are_described_in_plain_words() {
        let fields = [("kind".to_owned(), "password_reset".to_owned())].into();
        let create = OpBody::Create { collection: Collection::Case, site: "s".into(), fields };
        assert_eq!(describe(&create), "New case: Password reset");
        let status = OpBody::SetField { field: "status".into(), value: "in_progress".into(), replaces: None };
        assert_eq!(describe(&status), "Status set to In progress");
        let note = OpBody::AppendNote { text: "x".repeat(61) };
        assert!(describe(&note).ends_with("…”"));
        assert_eq!(describe(&OpBody::Archive), "Case archived");
    }

    #[test]
    fn a_waiting_change_says_where_it_has_got_to() {
        assert_eq!(waiting_state(true, true), "Sending now");
        assert_eq!(waiting_state(false, true), "Waiting to send");
        assert_eq!(waiting_state(false, false), "Waiting for a connection");
    }
}
