//! Operations: the only way state changes. Every change a person makes becomes one
//! operation, stored in the device's outbox and applied exactly once by the server.

use crate::case::Collection;
use crate::hlc::Hlc;
use crate::ids::{DeviceId, OpId, RecordId, SiteId, StaffId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One change to one record, as made on one device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    /// Unique across all devices; the server's idempotency key together with `device`.
    pub id: OpId,
    /// The device that made the change.
    pub device: DeviceId,
    /// Per-device sequence number: 1, 2, 3… with no gaps, so the server can apply a
    /// device's operations in order and exactly once.
    pub seq: u64,
    /// When the change was made, on the device's hybrid logical clock.
    pub hlc: Hlc,
    /// The member of staff who made it.
    pub actor: StaffId,
    /// The record it changes.
    pub record: RecordId,
    /// What it does.
    pub body: OpBody,
    /// The signature of the member of staff who made it, by their credential on this
    /// device ([`crate::signing`]). `None` only on operations queued before the device
    /// was upgraded to signing, which the server holds for a supervisor to accept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<crate::signing::Signature>,
}

/// What an operation does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpBody {
    /// Creates a record with its initial fields.
    Create {
        /// What kind of record.
        collection: Collection,
        /// The site whose team owns it; fixed for the record's life.
        site: SiteId,
        /// Initial field values.
        fields: BTreeMap<String, String>,
    },
    /// Sets one field. `replaces` is the clock of the value the person saw when they
    /// made the change: if the server holds a different one, two people edited the field
    /// without seeing each other, and a conflict is recorded.
    SetField {
        /// The field's name.
        field: String,
        /// The new value.
        value: String,
        /// The clock of the value this one replaces (`None` if the field was empty).
        replaces: Option<Hlc>,
    },
    /// Adds a note to the record's timeline.
    AppendNote {
        /// The note's text.
        text: String,
    },
    /// Archives the record; later edits are kept but it stays archived.
    #[serde(deserialize_with = "no_members")]
    Archive,
    /// Starts a checklist run on the record, pinned to one version of a template.
    StartChecklist {
        /// The run's id, minted on the device (unique within the record).
        run: String,
        /// The template's id (see [`crate::templates`]).
        template: String,
        /// The template version the run follows for its whole life.
        version: u32,
    },
    /// Sets one step of a checklist run. Each step is its own register: `replaces` is
    /// the clock of the step state the person saw, exactly as for [`OpBody::SetField`].
    /// An empty value clears the step.
    SetStep {
        /// The run's id.
        run: String,
        /// The step's id within the run's template.
        step: String,
        /// The new value (see [`crate::checklist::StepKind`] for what each kind holds).
        value: String,
        /// The clock of the step state this one replaces (`None` if never set).
        replaces: Option<Hlc>,
    },
    /// Resolves a recorded conflict: removes it and sets the field or step to the value
    /// the person chose (either side's, or a new one).
    ResolveConflict {
        /// The id of the operation that revealed the conflict ([`crate::Conflict::op`]).
        conflict: OpId,
        /// The value to keep.
        value: String,
    },
}

/// Decodes a unit variant's members, refusing any: serde's internally tagged unit
/// variants otherwise ignore whatever else the object holds, which `deny_unknown_fields`
/// does not reach, so `{"type": "archive", "acting_as": …}` would pass for an archive.
fn no_members<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoMembers {}
    NoMembers::deserialize(deserializer).map(|NoMembers {}| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_archive_round_trips_and_refuses_members_it_does_not_have() {
        let archive: OpBody = serde_json::from_str(r#"{"type": "archive"}"#).unwrap();
        assert_eq!(archive, OpBody::Archive);
        assert_eq!(serde_json::to_string(&archive).unwrap(), r#"{"type":"archive"}"#);
        let smuggled = serde_json::from_str::<OpBody>(r#"{"type": "archive", "acting_as": "staff-carys"}"#);
        assert!(smuggled.unwrap_err().to_string().contains("unknown field `acting_as`"));
        let note = serde_json::from_str::<OpBody>(r#"{"type": "append_note", "text": "x", "pinned": true}"#);
        assert!(note.unwrap_err().to_string().contains("unknown field `pinned`"));
    }
}
