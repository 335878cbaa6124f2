//! Checkpoints of the audit log's head, signed, one JSON line each, kept in a file
//! outside the database.
//!
//! The keyed chain shows an edited or re-hashed entry, but not a log whose newest
//! entries were deleted, or that was emptied: what is left is still a valid chain. A
//! checkpoint says how many entries the log held, and the position and hash of the
//! newest, at a time; a later log that ends before it, or differs at its head, was cut.
//! Each line carries an HMAC-SHA256 under the checkpoint key (derived from the server's
//! key file for this purpose alone), so someone who can write the file but lacks the
//! key file cannot forge one that vouches for a cut log.
//!
//! Reading is forgiving of crashes: a line that is not whole JSON (the server stopped
//! while writing it) is reported and skipped, never taken for a forgery. A line that is
//! JSON but not signed with this key is a forgery.

use crate::keys::ServerKeys;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// The log's head at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// When it was taken (milliseconds since the Unix epoch).
    pub at_ms: u64,
    /// How many entries the log held.
    pub entries: u64,
    /// The newest entry's position (0 for an empty log).
    pub head_seq: u64,
    /// The newest entry's hash ([`super::GENESIS_HASH`] for an empty log).
    pub head_hash: String,
}

/// One line of the file, as written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    at_ms: u64,
    entries: u64,
    head_seq: u64,
    head_hash: String,
    mac: String,
}

/// The checkpoint key, ready to sign and check with.
#[derive(Clone)]
pub struct CheckpointKey {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.write_str("CheckpointKey(..)")
    }
}

/// What a checkpoint file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointFile {
    /// The checkpoints signed with this key, in the file's order.
    pub signed: Vec<Checkpoint>,
    /// The numbers (from 1) of lines that are checkpoints not signed with this key, or
    /// JSON that is not a checkpoint: forgeries.
    pub forged: Vec<usize>,
    /// The numbers of lines that are not whole JSON: cut short by a crash while being
    /// written (or damaged), and ignored.
    pub torn: Vec<usize>,
    /// How many lines the file has.
    pub lines: usize,
}

impl CheckpointKey {
    /// The checkpoint key of the server holding `keys`.
    pub fn new(keys: &ServerKeys) -> Self {
        let key = keys.audit_checkpoint_key();
        Self { mac: <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).expect("HMAC takes any key length") }
    }

    /// The MAC of a checkpoint, over its parts, each length-prefixed.
    fn mac(&self, checkpoint: &Checkpoint) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        let numbers = [checkpoint.at_ms, checkpoint.entries, checkpoint.head_seq].map(|n| n.to_string());
        for part in numbers.iter().map(String::as_str).chain([checkpoint.head_hash.as_str()]) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// The signed line for `checkpoint`, without its newline.
    pub fn sign(&self, checkpoint: &Checkpoint) -> String {
        let line = Line {
            at_ms: checkpoint.at_ms,
            entries: checkpoint.entries,
            head_seq: checkpoint.head_seq,
            head_hash: checkpoint.head_hash.clone(),
            mac: hex::encode(self.mac(checkpoint).finalize().into_bytes()),
        };
        serde_json::to_string(&line).expect("a checkpoint always serialises")
    }

    /// Reads a checkpoint file's text, line by line.
    pub fn read(&self, text: &str) -> CheckpointFile {
        let mut file = CheckpointFile::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            file.lines = number;
            if line.trim().is_empty() {
                // The line a writer ends a torn one with.
                continue;
            }
            match serde_json::from_str::<Line>(line) {
                Ok(line) => match self.check(line) {
                    Some(checkpoint) => file.signed.push(checkpoint),
                    None => file.forged.push(number),
                },
                Err(error) if error.is_data() => file.forged.push(number),
                Err(_) => file.torn.push(number),
            }
        }
        file
    }

    /// The checkpoint on a line, if its MAC is this key's.
    fn check(&self, line: Line) -> Option<Checkpoint> {
        let checkpoint =
            Checkpoint { at_ms: line.at_ms, entries: line.entries, head_seq: line.head_seq, head_hash: line.head_hash };
        let mac = hex::decode(&line.mac).ok()?;
        self.mac(&checkpoint).verify_slice(&mac).ok().map(|()| checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CheckpointKey {
        CheckpointKey::new(&ServerKeys::from_secret([7; 32]))
    }

    fn checkpoint(head_seq: u64) -> Checkpoint {
        Checkpoint { at_ms: 1_700_000_000_000, entries: head_seq, head_seq, head_hash: "ab".repeat(32) }
    }

    #[test]
    fn a_signed_checkpoint_reads_back() {
        let text = format!("{}\n{}\n", key().sign(&checkpoint(3)), key().sign(&checkpoint(9)));
        let file = key().read(&text);
        assert_eq!(file.signed, [checkpoint(3), checkpoint(9)]);
        assert!(file.forged.is_empty() && file.torn.is_empty());
        assert_eq!(file.lines, 2);
        assert_eq!(format!("{:?}", key()), "CheckpointKey(..)", "the key is never printed");
    }

    #[test]
    fn an_edited_checkpoint_or_one_under_another_key_is_forged() {
        let edited = key().sign(&checkpoint(9)).replace("\"entries\":9", "\"entries\":5");
        let stranger = CheckpointKey::new(&ServerKeys::from_secret([8; 32])).sign(&checkpoint(9));
        let unsigned = r#"{"at_ms":1,"entries":1,"head_seq":1,"head_hash":"x"}"#;
        let text = format!("{}\n{edited}\n{stranger}\n{unsigned}\n{{}}\n", key().sign(&checkpoint(3)));
        let file = key().read(&text);
        assert_eq!(file.signed, [checkpoint(3)]);
        assert_eq!(file.forged, [2, 3, 4, 5]);
    }

    #[test]
    fn a_line_cut_short_by_a_crash_is_torn_not_forged() {
        let whole = key().sign(&checkpoint(3));
        let cut = &whole[..whole.len() / 2];
        let file = key().read(&format!("{whole}\n{cut}\n\n{whole}\n{cut}"));
        assert_eq!(file.signed, [checkpoint(3), checkpoint(3)]);
        assert_eq!(file.torn, [2, 5]);
        assert!(file.forged.is_empty());
        assert_eq!(file.lines, 5);
    }
}
