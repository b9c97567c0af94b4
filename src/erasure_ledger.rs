//! The erasure ledger: every erasure the portal carried out, as ids and keyed hashes
//! only, in a JSON Lines file kept apart from the database and its backups.
//!
//! A backup restored after an erasure would bring the erased data back. The ledger is
//! what puts it right: `privacy-portal erasures reapply LEDGER` replays each erasure on
//! the restored database — the suppression markers, the blanked records, the removed
//! identifiers, the request's decision — without creating tasks or mail, because the
//! recipients were told the first time. The portal appends to the ledger as it goes
//! (`jobs::erasure_ledger`); `erasures export` writes the same lines from a database.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::audit::action;

/// The audit actions the ledger carries.
pub const ACTIONS: [&str; 5] = [
    action::ERASURE_APPLIED,
    action::SUBJECT_ERASED,
    action::REQUEST_COMPLETED,
    action::TASK_APPLIED,
    action::TASK_DECLINED,
];

/// One line of the ledger: an audit event of one of [`ACTIONS`]. Recipients' answers
/// and completions are carried so a restored task is not reminded or sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The audit event's chain hash: unique, and what identifies the line.
    pub hash: String,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// One of [`ACTIONS`].
    pub action: String,
    /// The person's row id.
    pub subject: Option<i64>,
    /// The request's public id, where the event is about a request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The task's public id (`task.applied`, `task.declined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// How the recipient answered (`portal`, `api`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The request's status after the decision (`erasure.applied`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Row ids of the records erased (`erasure.applied`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<i64>,
    /// Suppression markers (keyed hashes) set (`erasure.applied`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<String>,
}

/// A ledger file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// What reading a ledger gave.
#[derive(Debug, Default)]
pub struct Ledger {
    /// The entries, in file order, each hash once.
    pub entries: Vec<LedgerEntry>,
    /// Lines seen twice (two instances writing one file, or an export appended).
    pub duplicates: usize,
    /// Line numbers (1-based) that are not ledger entries: a line a crash cut short. The
    /// writer writes such an event again, as its hash is not in the file.
    pub unreadable: Vec<usize>,
}

/// Reads a ledger. A missing file is an empty ledger.
pub fn read(path: &Path) -> Result<Ledger, LedgerError> {
    let Some(file) = open_if_present(path)? else { return Ok(Ledger::default()) };
    let mut ledger = Ledger::default();
    let mut seen = HashSet::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let Ok(line) = line else {
            ledger.unreadable.push(n + 1);
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<LedgerEntry>(&line) {
            Ok(entry) => {
                if seen.insert(entry.hash.clone()) {
                    ledger.entries.push(entry);
                } else {
                    ledger.duplicates += 1;
                }
            }
            Err(_) => ledger.unreadable.push(n + 1),
        }
    }
    Ok(ledger)
}

/// A line's chain hash in binary. The writer keeps one per line in memory to tell
/// lines apart: 32 bytes each rather than a 64-character string and a parsed entry, so
/// years of erasures stay a few megabytes.
pub type LineHash = [u8; 32];

/// The binary form of an entry's hash; `None` if it is not 64 hex digits.
pub fn line_hash(hash: &str) -> Option<LineHash> {
    hex::decode(hash).ok()?.try_into().ok()
}

/// The hashes of a ledger's lines, read one line at a time without keeping the
/// entries. A missing file has none; a line that is not an entry is skipped (its event
/// is written again, as with [`read`]).
pub fn read_hashes(path: &Path) -> Result<HashSet<LineHash>, LedgerError> {
    Ok(line_hashes(path)?.collect())
}

/// The hash of the ledger's last entry; `None` for a missing or empty file, or one with
/// no readable entry. A torn last line is passed over.
pub fn last_hash(path: &Path) -> Result<Option<LineHash>, LedgerError> {
    Ok(line_hashes(path)?.last())
}

/// The hashes of the ledger's readable entries in file order, one line at a time.
fn line_hashes(path: &Path) -> Result<impl Iterator<Item = LineHash>, LedgerError> {
    #[derive(Deserialize)]
    struct HashOnly {
        hash: String,
    }
    let lines = open_if_present(path)?.map(|file| BufReader::new(file).lines());
    Ok(lines.into_iter().flatten().filter_map(|line| {
        let line = line.ok()?;
        line_hash(&serde_json::from_str::<HashOnly>(&line).ok()?.hash)
    }))
}

/// Opens a ledger for reading; `None` when there is no file yet (an empty ledger).
fn open_if_present(path: &Path) -> Result<Option<File>, LedgerError> {
    match File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LedgerError::Io { path: path.display().to_string(), source }),
    }
}

/// Appends entries, one line each, and syncs the file before returning.
pub fn append(path: &Path, entries: &[LedgerEntry]) -> Result<(), LedgerError> {
    let io = |source| LedgerError::Io { path: path.display().to_string(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    let mut text = String::new();
    for entry in entries {
        // Serialising plain ids and strings cannot fail.
        text.push_str(&serde_json::to_string(entry).unwrap_or_default());
        text.push('\n');
    }
    // A torn line left by a crash must not swallow the first new one.
    if file.metadata().map_err(io)?.len() > 0 && !ends_with_newline(path).map_err(io)? {
        text.insert(0, '\n');
    }
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(())
}

fn ends_with_newline(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(hash: &str) -> LedgerEntry {
        LedgerEntry {
            hash: hash.into(),
            at: time::macros::datetime!(2026-11-22 10:00 UTC),
            action: action::ERASURE_APPLIED.into(),
            subject: Some(7),
            request: Some("r".into()),
            task: None,
            via: None,
            status: Some("approved".into()),
            records: vec![1, 2],
            suppressions: vec!["ab".into()],
        }
    }

    #[test]
    fn the_last_whole_line_names_where_the_writer_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        assert_eq!(last_hash(&path).unwrap(), None);
        std::fs::write(&path, "").unwrap();
        assert_eq!(last_hash(&path).unwrap(), None);
        let line = |h: &str| {
            format!("{{\"hash\":\"{h}\",\"at\":\"2026-01-01T00:00:00Z\",\"action\":\"task.applied\",\"subject\":1}}\n")
        };
        std::fs::write(&path, format!("{}{}{{\"hash\":\"0b", line(&"0a".repeat(32)), line(&"f1".repeat(32)))).unwrap();
        assert_eq!(last_hash(&path).unwrap(), Some([0xf1; 32]));
    }

    #[test]
    fn the_writer_reads_only_the_hashes_of_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        assert!(read_hashes(&path).unwrap().is_empty());
        let (a, b) = ("0a".repeat(32), "f1".repeat(32));
        append(&path, &[entry(&a), entry(&b), entry(&a), entry("not-hex")]).unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"hash\":\"0b0b").unwrap();
        let hashes = read_hashes(&path).unwrap();
        assert_eq!(hashes, HashSet::from([[0x0a; 32], [0xf1; 32]]));
        assert_eq!(line_hash(&a), Some([0x0a; 32]));
        assert_eq!(line_hash("0a"), None, "too short");
    }

    #[test]
    fn a_missing_file_is_an_empty_ledger_and_lines_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/ledger.jsonl");
        assert!(read(&path).unwrap().entries.is_empty());
        append(&path, &[entry("a"), entry("b")]).unwrap();
        append(&path, &[entry("a")]).unwrap();
        let ledger = read(&path).unwrap();
        assert_eq!(ledger.entries, vec![entry("a"), entry("b")]);
        assert_eq!(ledger.duplicates, 1);
    }

    #[test]
    fn a_torn_line_is_reported_and_the_next_append_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        append(&path, &[entry("a")]).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"hash\":\"b\",\"at\":").unwrap();
        let ledger = read(&path).unwrap();
        assert_eq!((ledger.entries.len(), ledger.unreadable.clone()), (1, vec![2]));
        append(&path, &[entry("c")]).unwrap();
        let ledger = read(&path).unwrap();
        assert_eq!(ledger.entries, vec![entry("a"), entry("c")]);
        assert_eq!(ledger.unreadable, vec![2]);
    }
}
