//! Appends erasures to the erasure ledger file as they happen (`crate::erasure_ledger`).
//!
//! The database is the source: every few seconds the audit events the ledger carries
//! that are not in the file yet are appended. A crash between commit and append loses
//! nothing (the next run appends them), and a restored database whose chain positions
//! repeat the lost ones is told apart by the events' chain hashes. An event is carried
//! once it is linked into the chain (on PostgreSQL within a second of its commit).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::db::queries::erasures;
use crate::erasure_ledger::{self, LedgerError, LineHash, line_hash};
use crate::state::AppState;

/// Where the writer is: the chain position last read and, while it catches up on a
/// database that does not hold the file's last event, the hashes the file holds.
#[derive(Debug, Default)]
pub struct Cursor {
    known: HashSet<LineHash>,
    after: i64,
}

/// Runs forever, appending every `erasure_ledger.interval`.
pub async fn run(state: AppState, path: PathBuf) {
    let mut cursor: Option<Cursor> = None;
    loop {
        if cursor.is_none() {
            match load(&state, &path).await {
                Ok(c) => cursor = Some(c),
                Err(e) => tracing::error!(error = %e, "cannot read the erasure ledger; will retry"),
            }
        }
        if let Some(c) = cursor.as_mut() {
            match append_new(&state, &path, c).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, "appended to the erasure ledger"),
                Err(e) => tracing::error!(error = %e, "cannot append to the erasure ledger; will retry"),
            }
        }
        tokio::time::sleep(state.settings.erasure_ledger.interval).await;
    }
}

/// Finds where the file ends in this database's chain. The file is written in chain
/// order, so when the database holds the file's last event the writer reads on after
/// it and keeps no hashes (they cost about 85 bytes a line: 24 MiB at 284,000 lines).
/// When it does not (a restored backup that lost that event), the writer reads the chain
/// from the start and skips what the file holds by hash.
pub async fn load(state: &AppState, path: &Path) -> anyhow::Result<Cursor> {
    let file = path.to_owned();
    let last = tokio::task::spawn_blocking(move || erasure_ledger::last_hash(&file)).await??;
    let Some(last) = last else { return Ok(Cursor::default()) };
    let hex = hex::encode(last);
    if let Some(after) = state.db.run(move |c| erasures::ledger_position(c, &hex)).await? {
        return Ok(Cursor { known: HashSet::new(), after });
    }
    let file = path.to_owned();
    let known = tokio::task::spawn_blocking(move || erasure_ledger::read_hashes(&file))
        .await
        .map_err(|e| LedgerError::Io { path: String::new(), source: std::io::Error::other(e) })??;
    Ok(Cursor { known, after: 0 })
}

/// Appends the events after the cursor that the file does not hold; returns how many.
pub async fn append_new(state: &AppState, path: &Path, cursor: &mut Cursor) -> anyhow::Result<usize> {
    let mut appended = 0;
    loop {
        let after = cursor.after;
        let batch = state.db.run(move |c| erasures::ledger_after(c, after, 1000)).await?;
        let Some((last, _)) = batch.last() else {
            // Caught up: every event from here on is after the file's last one.
            cursor.known = HashSet::new();
            return Ok(appended);
        };
        let last = *last;
        let new: Vec<_> = batch
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| !line_hash(&e.hash).is_some_and(|h| cursor.known.contains(&h)))
            .collect();
        if !new.is_empty() {
            appended += new.len();
            let p = path.to_owned();
            tokio::task::spawn_blocking(move || erasure_ledger::append(&p, &new)).await??;
        }
        cursor.after = last;
    }
}
