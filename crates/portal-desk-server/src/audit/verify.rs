//! `audit verify`: the keyed chain and the checkpoints checked together, in one pass
//! over the log read a page at a time, and the report an operator reads.
//!
//! [`LogCheck`] is fed the entries in order. It runs the chain check on each and, as the
//! walk passes each signed checkpoint's head, compares the entry there (its hash, and
//! how many entries lead up to it) with what the checkpoint saw; checkpoints whose head
//! lies beyond the log's end mean its newest entries were deleted, or all of them. Every
//! checkpoint is checked, not only the newest, so a log that was cut and has grown again
//! since still shows. Time and memory are linear in the number of checkpoints and
//! constant in the log's length beyond one page.

use super::chain::{AuditBreak, ChainCheck, ChainKey};
use super::checkpoint::{Checkpoint, CheckpointFile};
use super::StoredAuditEntry;
use crate::db::{DbError, Store};
use std::fmt;
use std::path::{Path, PathBuf};

/// How many entries `audit verify` reads at a time.
pub const PAGE: usize = 5_000;

/// How many findings a report lists; the rest are counted.
pub const MAX_FINDINGS: usize = 20;

/// A break the checkpoints show; each message says what was found and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBreak {
    /// A line that is a checkpoint, but not signed with this server's key.
    #[error(
        "line {line} of the checkpoint file is not signed with this server's key: it was forged, or written by \
         a server with another key file. Find out who can write to the file; the other checkpoints were still checked"
    )]
    Forged {
        /// Its number, from 1.
        line: usize,
    },
    /// The log is empty, but a checkpoint saw entries.
    #[error(
        "the audit log is empty, but the checkpoint of {} saw {} ending at entry {}: the log was emptied. \
         Restore the audit table from a backup of the database, and find out who can write to the database",
        utc(.0.at_ms), entries(.0.entries), .0.head_seq
    )]
    Emptied(Checkpoint),
    /// The log ends before a checkpoint's head.
    #[error(
        "the audit log ends at entry {head_seq}, but the checkpoint of {} saw {} ending at entry {}: its \
         newest entries were deleted. Restore them from a backup of the database, and find out who can write to it",
        utc(.checkpoint.at_ms), entries(.checkpoint.entries), .checkpoint.head_seq
    )]
    Cut {
        /// The newest checkpoint past the log's end.
        checkpoint: Checkpoint,
        /// Where the log ends now.
        head_seq: u64,
    },
    /// There is no entry at a checkpoint's head, though there are entries after it.
    #[error(
        "entry {}, the newest when the checkpoint of {} was made, is missing: it was removed. Restore it from a \
         backup of the database, and find out who can write to the database",
        .0.head_seq, utc(.0.at_ms)
    )]
    HeadMissing(Checkpoint),
    /// The entry at a checkpoint's head is not the one it saw.
    #[error(
        "entry {} is not the entry the checkpoint of {} saw (its hash differs): entries were removed and others \
         written in their place, or the log was replaced. Compare it with a backup of the database from before then",
        .0.head_seq, utc(.0.at_ms)
    )]
    HeadReplaced(Checkpoint),
    /// A different number of entries leads up to a checkpoint's head than it counted.
    #[error(
        "{} lead up to entry {}, but the checkpoint of {} counted {}: entries before it were removed \
         or added. Compare the log with a backup of the database from before then",
        entries(*.found), .checkpoint.head_seq, utc(.checkpoint.at_ms), .checkpoint.entries
    )]
    Miscounted {
        /// The checkpoint.
        checkpoint: Checkpoint,
        /// How many entries lead up to its head now.
        found: u64,
    },
    /// No checkpoint file, and a log that is not empty.
    #[error(
        "there is no checkpoint file at {}: without one, a log whose newest entries were deleted looks like a \
         quiet one. Give the file the server writes (--audit-checkpoints; a server writes one as it starts)",
        .0.display()
    )]
    NoFile(PathBuf),
    /// A checkpoint file with no checkpoint signed with this key, and a log that is not empty.
    #[error(
        "the checkpoint file {} holds no checkpoint signed with this server's key: a log whose newest entries \
         were deleted cannot be told from a quiet one. Give the file the server writes (--audit-checkpoints)",
        .0.display()
    )]
    NoneSigned(PathBuf),
}

/// One thing found wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    /// In the chain itself.
    #[error(transparent)]
    Chain(#[from] AuditBreak),
    /// Against the checkpoints.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointBreak),
}

/// What `audit verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// The checkpoint file's path.
    pub path: PathBuf,
    /// How many entries the log holds.
    pub entries: u64,
    /// How many of them were hashed before the chain was keyed.
    pub unkeyed: u64,
    /// The newest entry's position (0 for an empty log).
    pub head_seq: u64,
    /// The first [`MAX_FINDINGS`] things found wrong.
    pub findings: Vec<Finding>,
    /// How many more were found.
    pub more_findings: u64,
    /// How many signed checkpoints the file holds (`None`: there is no file).
    pub checkpoints: Option<usize>,
    /// The checkpoint with the newest head.
    pub newest: Option<Checkpoint>,
    /// Lines of the file cut short by a crash, skipped.
    pub torn: Vec<usize>,
    /// How many lines the file has.
    pub lines: usize,
}

impl Verification {
    /// Whether nothing was found wrong.
    pub fn is_intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// The check of a whole log against its checkpoints, fed one entry at a time.
#[derive(Debug)]
pub struct LogCheck<'a> {
    chain: ChainCheck<'a>,
    file: Option<&'a CheckpointFile>,
    path: PathBuf,
    by_head: Vec<&'a Checkpoint>,
    next: usize,
    findings: Vec<Finding>,
    more_findings: u64,
}

impl<'a> LogCheck<'a> {
    /// A check against `file`, the checkpoints read from `path` (`None` if there is no
    /// file there).
    pub fn new(key: &'a ChainKey, file: Option<&'a CheckpointFile>, path: &Path) -> Self {
        let mut by_head: Vec<&Checkpoint> = file.map(|f| f.signed.iter().collect()).unwrap_or_default();
        by_head.sort_by_key(|checkpoint| (checkpoint.head_seq, checkpoint.at_ms));
        // A server that writes checkpoints writes keyed entries: past the oldest
        // checkpoint's head, every entry must be keyed.
        let keyed_after = by_head.first().map(|checkpoint| checkpoint.head_seq);
        let mut check = Self {
            chain: ChainCheck::new(key, keyed_after),
            file,
            path: path.to_owned(),
            by_head,
            next: 0,
            findings: Vec::new(),
            more_findings: 0,
        };
        for line in file.map(|f| f.forged.clone()).unwrap_or_default() {
            check.found(CheckpointBreak::Forged { line }.into());
        }
        check
    }

    fn found(&mut self, finding: Finding) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(finding);
        } else {
            self.more_findings += 1;
        }
    }

    /// Checks the next entry, in order of position.
    pub fn entry(&mut self, stored: &StoredAuditEntry) {
        // Checkpoints whose head this entry has passed without meeting it.
        while let Some(&checkpoint) = self.by_head.get(self.next).filter(|c| c.head_seq < stored.seq) {
            if checkpoint.head_seq > 0 {
                self.found(CheckpointBreak::HeadMissing(checkpoint.clone()).into());
            }
            self.next += 1;
        }
        if let Err(chain_break) = self.chain.check(stored) {
            self.found(chain_break.into());
        }
        while let Some(&checkpoint) = self.by_head.get(self.next).filter(|c| c.head_seq == stored.seq) {
            if checkpoint.head_hash != stored.hash {
                self.found(CheckpointBreak::HeadReplaced(checkpoint.clone()).into());
            } else if checkpoint.entries != self.chain.entries() {
                let found = self.chain.entries();
                self.found(CheckpointBreak::Miscounted { checkpoint: checkpoint.clone(), found }.into());
            }
            self.next += 1;
        }
    }

    /// The verdict, once every entry has been checked.
    pub fn finish(mut self) -> Verification {
        let (head_seq, _) = self.chain.head();
        let entries = self.chain.entries();
        // Checkpoints past the log's end: the newest of them says how much was cut.
        if let Some(&newest) = self.by_head[self.next..].last().filter(|c| c.head_seq > head_seq) {
            let cut = match entries {
                0 => CheckpointBreak::Emptied(newest.clone()),
                _ => CheckpointBreak::Cut { checkpoint: newest.clone(), head_seq },
            };
            self.found(cut.into());
        }
        if entries > 0 {
            match self.file {
                None => self.found(CheckpointBreak::NoFile(self.path.clone()).into()),
                Some(file) if file.signed.is_empty() => {
                    self.found(CheckpointBreak::NoneSigned(self.path.clone()).into())
                }
                Some(_) => {}
            }
        }
        Verification {
            path: self.path,
            entries,
            unkeyed: self.chain.unkeyed(),
            head_seq,
            findings: self.findings,
            more_findings: self.more_findings,
            checkpoints: self.file.map(|f| f.signed.len()),
            newest: self.by_head.last().map(|&c| c.clone()),
            torn: self.file.map(|f| f.torn.clone()).unwrap_or_default(),
            lines: self.file.map_or(0, |f| f.lines),
        }
    }
}

/// Checks the log in `store` against the checkpoints read from `path` (`file`, `None`
/// if there is no file there), reading [`PAGE`] entries at a time.
pub async fn verify_log(
    store: &dyn Store,
    key: &ChainKey,
    file: Option<&CheckpointFile>,
    path: &Path,
) -> Result<Verification, DbError> {
    let mut check = LogCheck::new(key, file, path);
    let mut after = 0;
    loop {
        let page = store.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        page.iter().for_each(|stored| check.entry(stored));
    }
    Ok(check.finish())
}

/// A time, in UTC, as people read it: `2025-06-01 09:30:00 UTC`.
pub fn utc(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    let date = portal_desk_core::date::CivilDate::from_ms(ms, 0);
    let seconds = ms.rem_euclid(portal_desk_core::date::MS_PER_DAY) / 1_000;
    format!("{date} {:02}:{:02}:{:02} UTC", seconds / 3_600, seconds / 60 % 60, seconds % 60)
}

/// "1 entry", "2 entries".
pub fn entries(count: u64) -> String {
    match count {
        1 => "1 entry".to_owned(),
        n => format!("{n} entries"),
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        if self.is_intact() {
            let keyed = match self.unkeyed {
                0 => "all keyed under the audit key".to_owned(),
                n => format!("the first {n} from before the chain was keyed, the rest keyed under the audit key"),
            };
            match self.entries {
                0 => writeln!(f, "The audit log is intact: it is empty.")?,
                n => {
                    writeln!(f, "The audit log is intact: {}, ending at entry {}; {keyed}.", entries(n), self.head_seq)?
                }
            }
            match (&self.newest, self.checkpoints) {
                (Some(newest), Some(count)) => writeln!(
                    f,
                    "It matches every signed checkpoint in {path} ({count}); the newest, of {}, saw {} ending at \
                     entry {}, and {} been added since.",
                    utc(newest.at_ms),
                    entries(newest.entries),
                    newest.head_seq,
                    match self.entries.saturating_sub(newest.entries) {
                        1 => "1 entry has".to_owned(),
                        n => format!("{n} entries have"),
                    }
                )?,
                _ => writeln!(f, "There is no checkpoint in {path} yet: a server writes one as it starts.")?,
            }
        } else {
            writeln!(f, "The audit log has been tampered with. Found:")?;
            for finding in &self.findings {
                writeln!(f, "- {finding}.")?;
            }
            if self.more_findings > 0 {
                writeln!(f, "- and {} more like these.", self.more_findings)?;
            }
            writeln!(
                f,
                "The log was read to its end ({}, ending at entry {}) and checked against the {} signed \
                 checkpoints in {path}.",
                entries(self.entries),
                self.head_seq,
                self.checkpoints.unwrap_or(0)
            )?;
        }
        for &line in &self.torn {
            let which = if line == self.lines { "its last line" } else { "a line" };
            writeln!(
                f,
                "Note: line {line} of {path} ({which}) is not a whole checkpoint: it was cut short when a server \
                 stopped while writing it, and was skipped."
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::testing::{chain, keyed_chain, rehash_from, test_key};
    use crate::audit::GENESIS_HASH;

    fn checkpoint_of(entries: &[StoredAuditEntry], at: usize) -> Checkpoint {
        match at {
            0 => Checkpoint { at_ms: 1, entries: 0, head_seq: 0, head_hash: GENESIS_HASH.to_owned() },
            n => Checkpoint {
                at_ms: entries[n - 1].entry.at_ms,
                entries: n as u64,
                head_seq: entries[n - 1].seq,
                head_hash: entries[n - 1].hash.clone(),
            },
        }
    }

    fn file(signed: Vec<Checkpoint>) -> CheckpointFile {
        CheckpointFile { lines: signed.len(), signed, ..CheckpointFile::default() }
    }

    fn run(entries: &[StoredAuditEntry], file: Option<&CheckpointFile>) -> Verification {
        let key = test_key();
        let mut check = LogCheck::new(&key, file, Path::new("pd.checkpoints"));
        entries.iter().for_each(|stored| check.entry(stored));
        check.finish()
    }

    #[test]
    fn a_log_that_matches_its_checkpoints_is_intact() {
        let log = chain(2, 8);
        // The first checkpoint, as the upgraded server started, saw the two unkeyed entries.
        let checkpoints = file(vec![checkpoint_of(&log, 2), checkpoint_of(&log, 5), checkpoint_of(&log, 7)]);
        let verdict = run(&log, Some(&checkpoints));
        assert!(verdict.is_intact(), "{verdict}");
        assert_eq!((verdict.entries, verdict.unkeyed, verdict.head_seq), (10, 2, 10));
        let report = verdict.to_string();
        assert!(report.contains("intact: 10 entries, ending at entry 10; the first 2 from before"), "{report}");
        assert!(report.contains("every signed checkpoint in pd.checkpoints (3)"), "{report}");
        assert!(report.contains("3 entries have been added since"), "{report}");
    }

    #[test]
    fn a_log_keyed_from_its_first_entry_matches_the_checkpoint_of_it_empty() {
        let log = keyed_chain(4);
        let verdict = run(&log, Some(&file(vec![checkpoint_of(&log, 0), checkpoint_of(&log, 4)])));
        assert!(verdict.is_intact(), "{verdict}");
    }

    #[test]
    fn a_deleted_tail_is_found() {
        let log = keyed_chain(10);
        let checkpoints = file(vec![checkpoint_of(&log, 5), checkpoint_of(&log, 9)]);
        let verdict = run(&log[..7], Some(&checkpoints));
        assert_eq!(
            verdict.findings,
            [Finding::Checkpoint(CheckpointBreak::Cut { checkpoint: checkpoint_of(&log, 9), head_seq: 7 })]
        );
        assert!(verdict.to_string().contains("ends at entry 7, but the checkpoint of"), "{verdict}");
    }

    #[test]
    fn an_emptied_log_is_found() {
        let log = keyed_chain(4);
        let verdict = run(&[], Some(&file(vec![checkpoint_of(&log, 4)])));
        assert_eq!(verdict.findings, [Finding::Checkpoint(CheckpointBreak::Emptied(checkpoint_of(&log, 4)))]);
    }

    #[test]
    fn a_cut_log_that_grew_again_is_found_at_the_old_head() {
        let log = keyed_chain(10);
        let checkpoints = file(vec![checkpoint_of(&log, 8)]);
        // Entries 7 to 10 deleted, and the server has written others in their place since.
        let mut regrown = log.clone();
        regrown[6..].iter_mut().for_each(|stored| stored.entry.action = "sign_in".into());
        rehash_from(&mut regrown, 6, Some(&test_key()));
        let verdict = run(&regrown, Some(&checkpoints));
        assert_eq!(verdict.findings, [Finding::Checkpoint(CheckpointBreak::HeadReplaced(checkpoint_of(&log, 8)))]);
    }

    #[test]
    fn a_removed_checkpointed_head_is_found() {
        let log = keyed_chain(6);
        let checkpoints = file(vec![checkpoint_of(&log, 3)]);
        let mut mended = log.clone();
        mended.remove(2);
        let verdict = run(&mended, Some(&checkpoints));
        assert!(verdict.findings.contains(&Finding::Checkpoint(CheckpointBreak::HeadMissing(checkpoint_of(&log, 3)))));
        assert!(verdict.findings.contains(&Finding::Chain(AuditBreak::Unlinked { seq: 4 })));
    }

    #[test]
    fn a_count_that_does_not_match_is_found() {
        let log = keyed_chain(6);
        let mut checkpoint = checkpoint_of(&log, 5);
        checkpoint.entries = 6;
        let verdict = run(&log, Some(&file(vec![checkpoint.clone()])));
        assert_eq!(verdict.findings, [Finding::Checkpoint(CheckpointBreak::Miscounted { checkpoint, found: 5 })]);
    }

    #[test]
    fn forged_lines_and_a_missing_file_are_breaks_and_a_torn_last_line_is_a_note() {
        let log = keyed_chain(3);
        let mut checkpoints = file(vec![checkpoint_of(&log, 3)]);
        checkpoints.forged = vec![2];
        checkpoints.torn = vec![3];
        checkpoints.lines = 3;
        let verdict = run(&log, Some(&checkpoints));
        assert_eq!(verdict.findings, [Finding::Checkpoint(CheckpointBreak::Forged { line: 2 })]);
        assert!(verdict.to_string().contains("line 3 of pd.checkpoints (its last line) is not a whole checkpoint"));

        let missing = run(&log, None);
        assert_eq!(missing.findings, [Finding::Checkpoint(CheckpointBreak::NoFile("pd.checkpoints".into()))]);
        let torn_only = CheckpointFile { torn: vec![1], lines: 1, ..CheckpointFile::default() };
        let unsigned = run(&log, Some(&torn_only));
        assert_eq!(unsigned.findings, [Finding::Checkpoint(CheckpointBreak::NoneSigned("pd.checkpoints".into()))]);
        assert!(run(&[], None).is_intact(), "an empty log with no file yet is a new server's");
    }

    #[test]
    fn unkeyed_entries_past_the_oldest_checkpoint_are_a_break() {
        let mut log = chain(3, 3);
        let checkpoints = file(vec![checkpoint_of(&log, 3)]);
        rehash_from(&mut log, 3, None);
        let verdict = run(&log, Some(&checkpoints));
        assert_eq!(verdict.findings[0], Finding::Chain(AuditBreak::Unkeyed { seq: 4 }));
    }

    #[test]
    fn a_log_rehashed_from_the_start_lists_its_first_findings_and_counts_the_rest() {
        let mut log = keyed_chain(30);
        rehash_from(&mut log, 0, None);
        let verdict = run(&log, Some(&file(vec![checkpoint_of(&log, 0)])));
        assert_eq!(verdict.findings.len(), MAX_FINDINGS);
        assert_eq!(verdict.more_findings, 10);
        assert!(verdict.to_string().contains("and 10 more like these"));
    }

    #[test]
    fn times_read_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
    }
}
