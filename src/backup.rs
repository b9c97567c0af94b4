//! Backup and restore from the command line: `backup FILE` (SQLite, online),
//! `erasures export` and `erasures reapply LEDGER` (README, "Backup and restore").

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Subcommand;

use crate::admin::operator_error;
use crate::clock::{Clock, SystemClock};
use crate::db::DbPool;
use crate::db::queries::audit;
use crate::db::queries::erasures::{self, ReapplyReport};
use crate::erasure_ledger;
use crate::settings::{DatabaseUrl, Settings};
use crate::startup::prepare;

/// `erasures …`
#[derive(Debug, Subcommand)]
pub enum ErasuresCommand {
    /// Writes the erasure ledger from this database's audit trail (the same lines the
    /// portal appends to `erasure_ledger.path`).
    Export {
        /// Output file (default: standard output); appended to if it exists.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Re-applies a ledger to this database, after restoring a backup and before
    /// serving: suppression markers, erased records and identifiers, decided requests
    /// and recipients' answers come back; no task or mail is sent again.
    Reapply {
        /// The ledger (JSON Lines).
        ledger: PathBuf,
    },
}

/// Runs `backup FILE`.
pub fn backup(settings: &Settings, target: &Path) -> anyhow::Result<()> {
    let DatabaseUrl::Sqlite(source) = &settings.database.url else {
        bail!(
            "`backup` copies SQLite databases; for PostgreSQL run `pg_dump --format=custom --file={} <database URL>` \
             (README, \"Backup and restore\")",
            target.display()
        );
    };
    if !source.exists() {
        bail!("{}: no database here to back up", source.display());
    }
    if target.exists() {
        bail!("{}: exists already; a backup never overwrites a file", target.display());
    }
    let db = DbPool::connect(&settings.database)?;
    db.backup_sqlite(target).map_err(operator_error)?;
    let size = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    println!("backed up {} to {} ({} bytes)", source.display(), target.display(), size);
    Ok(())
}

/// Runs `erasures …`.
pub fn erasures(settings: &Settings, command: ErasuresCommand) -> anyhow::Result<()> {
    match command {
        ErasuresCommand::Export { out } => {
            let db = DbPool::connect(&settings.database)?;
            let mut conn = db.get().map_err(operator_error)?;
            // Events committed but not yet linked have no hash to identify their line.
            audit::link_pending(&mut conn).map_err(operator_error)?;
            let mut after = 0;
            let mut lines = 0usize;
            let mut stdout = std::io::stdout().lock();
            loop {
                // A read: no write transaction (on SQLite that would take the writer's lock).
                let batch = erasures::ledger_after(&mut conn, after, 1000).map_err(operator_error)?;
                let Some((last, _)) = batch.last() else { break };
                after = *last;
                let entries: Vec<_> = batch.into_iter().map(|(_, e)| e).collect();
                lines += entries.len();
                match &out {
                    Some(path) => erasure_ledger::append(path, &entries)?,
                    None => {
                        for e in &entries {
                            writeln!(stdout, "{}", serde_json::to_string(e)?)?;
                        }
                    }
                }
            }
            eprintln!("exported {lines} ledger entries");
            Ok(())
        }
        ErasuresCommand::Reapply { ledger } => {
            if !ledger.exists() {
                bail!("{}: no such ledger", ledger.display());
            }
            let read = erasure_ledger::read(&ledger)?;
            for line in &read.unreadable {
                eprintln!(
                    "warning: {}, line {line}: not a ledger entry (a write cut short?); skipped",
                    ledger.display()
                );
            }
            // Migrations and the catalog first (a backup may predate the running
            // version); no demo people: the ledger decides who is gone.
            let prepared = prepare(settings, &SystemClock, false)?;
            let now = SystemClock.now();
            let report = prepared
                .db
                .transaction_blocking(|c| {
                    let mut report = ReapplyReport::default();
                    for entry in &read.entries {
                        erasures::reapply(c, entry, &mut report, now)?;
                    }
                    Ok(report)
                })
                .map_err(operator_error)?;
            println!(
                "re-applied {} of {} ledger entries ({} already in place): {} suppression markers, {} records erased, \
                 {} people's identifiers removed, {} requests closed, {} recipients' answers restored; no task or \
                 mail was sent",
                report.applied,
                read.entries.len(),
                report.unchanged,
                report.markers,
                report.records,
                report.people,
                report.requests,
                report.tasks
            );
            Ok(())
        }
    }
}
