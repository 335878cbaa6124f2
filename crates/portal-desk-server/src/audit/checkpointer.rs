//! While a server runs, it writes checkpoints of the audit log's head to its checkpoint
//! file: one as it starts, then whenever the log has moved on and either a minute has
//! passed or 1,000 entries have been added, and a last one as it stops.
//!
//! This is the window a database owner has: entries newer than the last checkpoint can
//! be deleted unseen (never edited: the keyed chain shows that). Looking costs one
//! indexed query every [`LOOK_EVERY`] (the head, and the count of entries after the last
//! checkpoint's head, not of the whole log), and a checkpoint one short line and an
//! `fsync`, so both are cheap next to the requests being audited. The count is carried
//! forward from the last checkpoint; if the entry at that checkpoint's head has changed
//! or gone, the log was cut under the running server: it says so in its log, counts the
//! whole log again and checkpoints what it finds (`audit verify` still shows the cut,
//! from the checkpoints before).
//!
//! Commands that write to the log and exit (`site add`, `user add`) write one checkpoint
//! when they are done, with [`write_checkpoint`].

use super::checkpoint::{Checkpoint, CheckpointKey};
use super::checkpoint_file;
use crate::db::{DbError, SharedStore};
use crate::now_ms;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::time::Instant;

/// How often a running server looks at the log's head.
pub const LOOK_EVERY: Duration = Duration::from_secs(5);

/// How long a running server lets new entries go without a checkpoint, at most.
pub const WRITE_EVERY: Duration = Duration::from_secs(60);

/// How many new entries make a checkpoint due at the next look, however soon.
pub const WRITE_AFTER_ENTRIES: u64 = 1_000;

/// Why a checkpoint was not written.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The log's head could not be read.
    #[error("cannot read the audit log's head for a checkpoint: {0}")]
    Db(#[from] DbError),
    /// The file could not be written.
    #[error(
        "cannot write the audit checkpoint file {path}: {source}; give --audit-checkpoints a file this server \
         can write, on a disk apart from the database's"
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Whether a checkpoint is due, `since_last` after the last one, with `new_entries`
/// added since.
pub fn is_due(new_entries: u64, since_last: Duration) -> bool {
    new_entries >= WRITE_AFTER_ENTRIES || (new_entries > 0 && since_last >= WRITE_EVERY)
}

/// A running server's checkpoint writer.
pub struct Checkpointer {
    store: SharedStore,
    key: CheckpointKey,
    path: PathBuf,
    last: Checkpoint,
    written_at: Instant,
}

impl Checkpointer {
    /// Counts the whole log and writes the first checkpoint.
    pub async fn start(store: SharedStore, key: CheckpointKey, path: PathBuf) -> Result<Self, CheckpointError> {
        let last = write_checkpoint(&store, &key, &path).await?;
        Ok(Self { store, key, path, last, written_at: Instant::now() })
    }

    /// Looks at the log's head and writes a checkpoint if one is due (or, with
    /// `finishing`, if the log has moved on at all). Says whether it wrote one.
    pub async fn look(&mut self, finishing: bool) -> Result<bool, CheckpointError> {
        let tip = self.store.audit_tip(self.last.head_seq).await?;
        let still_there = self.last.head_seq == 0 || tip.hash_at_after.as_deref() == Some(&self.last.head_hash);
        if !still_there {
            tracing::error!(
                entry = self.last.head_seq,
                "the audit log changed under this server: the newest entry at the last checkpoint is gone or \
                 different; run `portal-desk-server audit verify`"
            );
            self.last = write_checkpoint(&self.store, &self.key, &self.path).await?;
            self.written_at = Instant::now();
            return Ok(true);
        }
        let due = match finishing {
            true => tip.entries_after > 0,
            false => is_due(tip.entries_after, self.written_at.elapsed()),
        };
        if !due {
            return Ok(false);
        }
        let checkpoint = Checkpoint {
            at_ms: now_ms(),
            entries: self.last.entries + tip.entries_after,
            head_seq: tip.head_seq,
            head_hash: tip.head_hash,
        };
        append(&self.key, &self.path, &checkpoint).await?;
        self.last = checkpoint;
        self.written_at = Instant::now();
        Ok(true)
    }

    /// Looks every [`LOOK_EVERY`] until `stop` resolves, then writes a last checkpoint
    /// if the log has moved on. A failure is logged and tried again at the next look.
    pub async fn run(mut self, stop: impl Future<Output = ()>) {
        let mut looks = tokio::time::interval_at(Instant::now() + LOOK_EVERY, LOOK_EVERY);
        looks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = looks.tick() => {
                    if let Err(error) = self.look(false).await {
                        tracing::error!(%error, "no audit checkpoint written");
                    }
                }
                () = &mut stop => break,
            }
        }
        if let Err(error) = self.look(true).await {
            tracing::error!(%error, "no last audit checkpoint written");
        }
    }
}

/// Counts the whole log and writes a checkpoint of it to `path`.
pub async fn write_checkpoint(
    store: &SharedStore,
    key: &CheckpointKey,
    path: &Path,
) -> Result<Checkpoint, CheckpointError> {
    let tip = store.audit_tip(0).await?;
    let checkpoint =
        Checkpoint { at_ms: now_ms(), entries: tip.entries_after, head_seq: tip.head_seq, head_hash: tip.head_hash };
    append(key, path, &checkpoint).await?;
    Ok(checkpoint)
}

/// Signs `checkpoint` and appends it to the file, off the async threads (it waits for
/// the disk).
async fn append(key: &CheckpointKey, path: &Path, checkpoint: &Checkpoint) -> Result<(), CheckpointError> {
    let line = key.sign(checkpoint);
    let owned = path.to_owned();
    let written = tokio::task::spawn_blocking(move || checkpoint_file::append(&owned, &line)).await;
    let result = written.unwrap_or_else(|join| Err(std::io::Error::other(join)));
    result.map_err(|source| CheckpointError::Write { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_due_after_a_minute_of_new_entries_or_a_thousand_of_them() {
        assert!(!is_due(0, Duration::from_secs(3_600)), "nothing new, nothing to vouch for");
        assert!(!is_due(999, Duration::from_secs(59)));
        assert!(is_due(1, WRITE_EVERY));
        assert!(is_due(WRITE_AFTER_ENTRIES, Duration::ZERO));
    }
}
