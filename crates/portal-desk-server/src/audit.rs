//! The audit log: an append-only, hash-chained record of who did what, from which
//! device, and when — sign-ins, pushes and pulls.
//!
//! Two things make tampering show, even to someone who can rewrite the database:
//! - [`chain`]: each entry's hash is keyed with the audit key (from the server's key
//!   file, not in the database) and covers the entry before it, so an edited, removed
//!   or re-hashed entry breaks the chain;
//! - [`checkpoint`]: the server writes signed checkpoints of the chain's head to a file
//!   outside the database ([`checkpoint_file`], [`checkpointer`]), so a log cut short
//!   or emptied no longer matches the last checkpoint.
//!
//! [`verify`](mod@verify) checks both, in one pass over the log, for `audit verify`.

pub mod chain;
pub mod checkpoint;
pub mod checkpoint_file;
pub mod checkpointer;
pub mod verify;

pub use chain::{verify_chain as verify, AuditBreak, ChainKey, HashScheme, GENESIS_HASH};

use portal_desk_core::{DeviceId, StaffId};
use serde_json::Value;

/// One thing to audit.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// When (milliseconds since the Unix epoch).
    pub at_ms: u64,
    /// Who, when known (a failed sign-in has no one).
    pub staff: Option<StaffId>,
    /// From which device, when known.
    pub device: Option<DeviceId>,
    /// What: `sign_in`, `sign_in_failed`, `push`, `pull`.
    pub action: String,
    /// The particulars, as a JSON object.
    pub detail: Value,
}

impl AuditEntry {
    /// An entry for `action` at `at_ms`.
    pub fn new(at_ms: u64, action: &str, detail: Value) -> Self {
        Self { at_ms, staff: None, device: None, action: action.to_owned(), detail }
    }

    /// Says who did it.
    pub fn by(mut self, staff: &StaffId) -> Self {
        self.staff = Some(staff.clone());
        self
    }

    /// Says from which device.
    pub fn on(mut self, device: &DeviceId) -> Self {
        self.device = Some(device.clone());
        self
    }
}

/// A record view that a device reports, perhaps long after it happened offline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedView {
    /// The view's id, minted on the device: a report sent twice is audited once.
    pub id: String,
    /// The record looked at.
    pub record: portal_desk_core::RecordId,
    /// Who looked (they must have signed in on the reporting device).
    pub by: StaffId,
    /// When, on the device's clock (milliseconds since the Unix epoch).
    pub at_ms: u64,
    /// The reason for access the person gave, where the app asked for one.
    #[serde(default)]
    pub reason: Option<String>,
    /// The viewer's signature with their credential on the reporting device; absent
    /// only on views made before the device could sign (audited as unverified).
    #[serde(default)]
    pub signature: Option<portal_desk_core::signing::Signature>,
}

/// What became of a batch of reported views.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ViewsRecorded {
    /// Views audited now.
    pub recorded: u64,
    /// Views already audited from an earlier report.
    pub duplicates: u64,
    /// Views that cannot be audited, with why; the device should not send them again.
    pub refused: Vec<RefusedView>,
}

/// A reported view that was not audited.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RefusedView {
    /// The view's id.
    pub view: String,
    /// Why.
    pub reason: String,
}

/// An entry as stored, with its position and hashes.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAuditEntry {
    /// Its position in the log (1, 2, 3… with no gaps unless rows were removed).
    pub seq: u64,
    /// The entry.
    pub entry: AuditEntry,
    /// The hash of the entry before it.
    pub prev_hash: String,
    /// Its own hash.
    pub hash: String,
    /// How its hash was made.
    pub scheme: HashScheme,
}

/// The CSV header of [`to_csv`].
pub const CSV_HEADER: &str = "seq,at_ms,staff_id,device_id,action,detail,prev_hash,hash,hash_scheme";

/// The log as CSV (RFC 4180, with the formula guard of [`portal_desk_core::csv`]), one
/// row per entry, with its hashes and their scheme so the export can be verified on its
/// own, by whoever holds the key file for keyed entries (a cell the guard prefixed with
/// `'` is read without it).
pub fn to_csv(entries: &[StoredAuditEntry]) -> String {
    let mut csv = format!("{CSV_HEADER}\r\n");
    for stored in entries {
        let entry = &stored.entry;
        let fields = [
            stored.seq.to_string(),
            entry.at_ms.to_string(),
            entry.staff.as_ref().map_or_else(String::new, |s| s.to_string()),
            entry.device.as_ref().map_or_else(String::new, |d| d.to_string()),
            entry.action.clone(),
            entry.detail.to_string(),
            stored.prev_hash.clone(),
            stored.hash.clone(),
            stored.scheme.code().to_owned(),
        ];
        csv.push_str(&portal_desk_core::csv::row(&fields));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::chain::testing::keyed_chain;
    use super::*;

    #[test]
    fn csv_quotes_fields_with_commas_and_quotes() {
        let csv = to_csv(&keyed_chain(1));
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        let row = lines.next().unwrap();
        assert!(row.starts_with("1,1000,asha,,pull,\"{\"\"records\"\":1}\","), "{row}");
        assert!(row.ends_with(",hmac-sha256"), "{row}");
    }

    #[test]
    fn a_cell_a_stranger_typed_is_exported_as_text_not_a_formula() {
        let mut entries = keyed_chain(1);
        entries[0].entry.device = Some("=HYPERLINK(\"http://evil.test\")".into());
        let csv = to_csv(&entries);
        assert!(csv.contains(",\"'=HYPERLINK(\"\"http://evil.test\"\")\","), "{csv}");
    }
}
