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

/// Where the writer is: hashes already in the file, and the chain position last read.
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
            match load(&path).await {
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

/// Reads the hashes the file holds.
pub async fn load(path: &Path) -> Result<Cursor, LedgerError> {
    let path = path.to_owned();
    let known = tokio::task::spawn_blocking(move || erasure_ledger::read_hashes(&path))
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
        let Some((last, _)) = batch.last() else { return Ok(appended) };
        let last = *last;
        let new: Vec<_> = batch
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| !line_hash(&e.hash).is_some_and(|h| cursor.known.contains(&h)))
            .collect();
        if !new.is_empty() {
            let hashes: Vec<LineHash> = new.iter().filter_map(|e| line_hash(&e.hash)).collect();
            appended += new.len();
            let p = path.to_owned();
            tokio::task::spawn_blocking(move || erasure_ledger::append(&p, &new)).await??;
            cursor.known.extend(hashes);
        }
        cursor.after = last;
    }
}
