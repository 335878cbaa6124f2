//! The audit log: an append-only, hash-chained record of who did what, from which
//! device, and when — sign-ins, pushes and pulls.
//!
//! Each entry's hash covers the previous entry's hash and its own content, so editing,
//! removing or reordering any stored entry breaks every hash after it; [`verify`] finds
//! the first break.

use portal_desk_core::{DeviceId, StaffId};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash the first entry chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

    /// This entry's hash when it follows an entry whose hash is `prev_hash`.
    pub fn chained_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        // Each part is length-prefixed so that no two different entries hash the same
        // bytes (e.g. staff "ab" + device "c" against staff "a" + device "bc").
        for part in [
            prev_hash,
            &self.at_ms.to_string(),
            self.staff.as_ref().map_or("", StaffId::as_str),
            self.device.as_ref().map_or("", DeviceId::as_str),
            &self.action,
            &self.detail.to_string(),
        ] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        hex::encode(hasher.finalize())
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
}

/// Where and how the chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditBreak {
    /// The entry does not point at the one before it (one was removed or reordered).
    #[error("audit entry {seq} does not follow the entry before it: an entry was removed or reordered")]
    Unlinked {
        /// The entry.
        seq: u64,
    },
    /// The entry's content no longer matches its hash (it was edited).
    #[error("audit entry {seq} has been altered: its content no longer matches its hash")]
    Altered {
        /// The entry.
        seq: u64,
    },
}

/// Checks the whole chain; returns how many entries it covers.
pub fn verify(entries: &[StoredAuditEntry]) -> Result<usize, AuditBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    for stored in entries {
        if stored.prev_hash != prev {
            return Err(AuditBreak::Unlinked { seq: stored.seq });
        }
        if stored.entry.chained_hash(&prev) != stored.hash {
            return Err(AuditBreak::Altered { seq: stored.seq });
        }
        prev = stored.hash.clone();
    }
    Ok(entries.len())
}

/// The CSV header of [`to_csv`].
pub const CSV_HEADER: &str = "seq,at_ms,staff_id,device_id,action,detail,prev_hash,hash";

/// The log as CSV (RFC 4180, with the formula guard of [`portal_desk_core::csv`]), one
/// row per entry, with its hashes so the export can be verified on its own (a cell the
/// guard prefixed with `'` is read without it).
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
        ];
        csv.push_str(&portal_desk_core::csv::row(&fields));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: u64) -> Vec<StoredAuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry::new(seq * 1_000, "pull", json!({ "records": seq })).by(&"asha".into());
                let hash = entry.chained_hash(&prev);
                let stored = StoredAuditEntry { seq, entry, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn csv_quotes_fields_with_commas_and_quotes() {
        let csv = to_csv(&chain(1));
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        let row = lines.next().unwrap();
        assert!(row.starts_with("1,1000,asha,,pull,\"{\"\"records\"\":1}\","), "{row}");
    }

    #[test]
    fn a_cell_a_stranger_typed_is_exported_as_text_not_a_formula() {
        let mut entries = chain(1);
        entries[0].entry.device = Some("=HYPERLINK(\"http://evil.test\")".into());
        let csv = to_csv(&entries);
        assert!(csv.contains(",\"'=HYPERLINK(\"\"http://evil.test\"\")\","), "{csv}");
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut entries = chain(5);
        entries[2].entry.detail = json!({ "records": 0 });
        assert_eq!(verify(&entries), Err(AuditBreak::Altered { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify(&entries), Err(AuditBreak::Unlinked { seq: 3 }));
    }
}
