//! The checkpoint file on disk: appended to a line at a time, and read whole.
//!
//! Each checkpoint is one write of one line to the file opened for appending, flushed
//! to the disk (`fsync`) before it counts as written, so a crash leaves at worst its
//! last line cut short, which reading reports and skips. A writer that finds the file
//! not ending in a newline (a line cut short earlier) ends that line first, in the same
//! write, so that its own line is whole and never glued to a torn one.
//!
//! Several processes on one machine may append to one file (a server and a `user add`):
//! every write goes to the end. Appends from several machines to one file on a network
//! file system are not reliably whole, so each replica should have its own file.

use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Where the checkpoints go by default: beside the key file, named after it
/// (`portal-desk.key` → `portal-desk.checkpoints`), outside the database and its backups
/// as the key file is.
pub fn default_path(key_file: &Path) -> PathBuf {
    key_file.with_extension("checkpoints")
}

/// Appends `line` (without its newline) to the file at `path`, making the file and its
/// folder if missing, and waits until it is on the disk.
pub fn append(path: &Path, line: &str) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = OpenOptions::new().read(true).append(true).create(true).open(path)?;
    let mut text = String::with_capacity(line.len() + 2);
    if file.metadata()?.len() > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    text.push_str(line);
    text.push('\n');
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// The file's text, or `None` if there is no file at `path`.
pub fn read(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_appended_whole_even_after_one_was_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/portal-desk.checkpoints");
        assert_eq!(read(&path).unwrap(), None);
        append(&path, "{\"a\":1}").unwrap();
        append(&path, "{\"a\":2}").unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), "{\"a\":1}\n{\"a\":2}\n");
        // A crash in the middle of a write leaves a line without its end.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"a\":").unwrap();
        append(&path, "{\"a\":3}").unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), "{\"a\":1}\n{\"a\":2}\n{\"a\":\n{\"a\":3}\n");
    }

    #[test]
    fn the_default_file_sits_beside_the_key_file() {
        assert_eq!(default_path(Path::new("data/portal-desk.key")), PathBuf::from("data/portal-desk.checkpoints"));
        assert_eq!(default_path(Path::new("/etc/pd/key")), PathBuf::from("/etc/pd/key.checkpoints"));
    }
}
