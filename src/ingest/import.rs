//! `privacy-portal import FILE`: streams JSON Lines or CSV into the portal in constant
//! memory, committing in batches with a savepoint per person, so a rejected line is
//! reported (with its number and reason, and copied to a file of rejected lines) and
//! the import goes on without half a person ever being written.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::csv_rows::{self, Header, Row};
use super::document::{self, ItemError, MAX_ITEM_BYTES, Upsert};
use super::lines::{BoundedLines, Line};
use crate::auth::keys::Keys;
use crate::clock::Clock;
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::ingest::{self, Status, Writer};
use crate::db::{DbConnection, DbError, DbPool};
use crate::domain::audit::Actor;

/// Most CSV rows one person may have (records plus relationship-only rows).
const MAX_GROUP_ROWS: usize = document::MAX_RECORDS + document::MAX_RELATIONSHIPS;
/// Rejections kept in memory for the summary (all of them go to the log file).
const SHOWN_REJECTIONS: usize = 1000;
/// Marks the rollback of a dry run (not an error).
const DRY_RUN: &str = "dry run: rolled back";

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One person document (JSON) per line.
    Jsonl,
    /// One record per row, with a header row.
    Csv,
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The file, or `-` for standard input.
    pub input: PathBuf,
    /// The format (default: from the extension; JSON Lines otherwise).
    pub format: Option<Format>,
    /// Check everything against the database, then roll back.
    pub dry_run: bool,
    /// People per transaction.
    pub batch_size: usize,
    /// Where rejected lines go (default: the input's path + `.rejected`).
    pub rejects: Option<PathBuf>,
    /// The source system named in the audit trail.
    pub source: String,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
}

/// One rejected person (all their lines).
#[derive(Debug, Clone)]
pub struct Rejection {
    /// First line.
    pub first_line: u64,
    /// Last line.
    pub last_line: u64,
    /// Why.
    pub reasons: Vec<ItemError>,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first_line == self.last_line {
            write!(f, "line {}: ", self.first_line)?;
        } else {
            write!(f, "lines {}-{}: ", self.first_line, self.last_line)?;
        }
        let reasons: Vec<String> = self.reasons.iter().map(ToString::to_string).collect();
        write!(f, "{}", reasons.join("; "))
    }
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Lines read (data lines; the CSV header not counted).
    pub lines: u64,
    /// People registered.
    pub created: u64,
    /// People with something added or changed.
    pub updated: u64,
    /// People already held exactly so.
    pub unchanged: u64,
    /// People erased earlier, not stored again.
    pub suppressed: u64,
    /// People (or unreadable lines) rejected.
    pub rejected: u64,
    /// Parts skipped inside accepted people (erased or restricted records, older choices).
    pub skipped_parts: u64,
    /// Records written.
    pub records: u64,
    /// The first rejections.
    pub rejections: Vec<Rejection>,
    /// The rejected lines' file, when any line was rejected.
    pub rejects_file: Option<PathBuf>,
    /// The reasons' file, when any line was rejected.
    pub reasons_file: Option<PathBuf>,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl Summary {
    /// The summary as printed.
    pub fn report(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(0.001);
        let mut out = format!(
            "{}{} lines in {:.1} s ({:.0} lines/s, {:.0} records/s)\n  created {} · updated {} · unchanged {} · suppressed {} · rejected {}\n",
            if self.dry_run { "dry run, nothing written: " } else { "" },
            self.lines,
            secs,
            self.lines as f64 / secs,
            self.records as f64 / secs,
            self.created,
            self.updated,
            self.unchanged,
            self.suppressed,
            self.rejected,
        );
        if self.skipped_parts > 0 {
            out.push_str(&format!(
                "  {} parts of accepted people were not stored (erased, restricted or older data)\n",
                self.skipped_parts
            ));
        }
        if let (Some(rejects), Some(reasons)) = (&self.rejects_file, &self.reasons_file) {
            out.push_str(&format!("  rejected lines: {}\n  reasons: {}\n", rejects.display(), reasons.display()));
        }
        for r in self.rejections.iter().take(20) {
            out.push_str(&format!("  {r}\n"));
        }
        if self.rejected > 20 {
            out.push_str(&format!("  … and {} more (see the reasons file)\n", self.rejected - 20));
        }
        out
    }
}

/// What the import needs from the portal.
pub struct Context<'a> {
    /// The database.
    pub pool: &'a DbPool,
    /// Keys (suppression hashes).
    pub keys: &'a Keys,
    /// The stored catalog.
    pub stored: &'a StoredCatalog,
    /// The clock.
    pub clock: &'a dyn Clock,
}

/// A person read and validated, waiting for the next commit.
struct Pending {
    first_line: u64,
    last_line: u64,
    raw: Vec<Vec<u8>>,
    upsert: Upsert,
}

/// Rejected lines and their reasons, written as they come.
struct Rejects {
    rejects_path: PathBuf,
    reasons_path: PathBuf,
    files: Option<(BufWriter<File>, BufWriter<File>)>,
    csv_header: Option<Vec<u8>>,
}

impl Rejects {
    fn write(&mut self, rejection: &Rejection, raw: &[Vec<u8>]) -> io::Result<()> {
        if self.files.is_none() {
            let mut lines = BufWriter::new(File::create(&self.rejects_path)?);
            if let Some(h) = &self.csv_header {
                lines.write_all(h)?;
                lines.write_all(b"\n")?;
            }
            self.files = Some((lines, BufWriter::new(File::create(&self.reasons_path)?)));
        }
        if let Some((lines, reasons)) = self.files.as_mut() {
            for line in raw {
                lines.write_all(line)?;
                lines.write_all(b"\n")?;
            }
            writeln!(reasons, "{rejection}")?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<bool> {
        match self.files.as_mut() {
            Some((a, b)) => {
                a.flush()?;
                b.flush()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

/// Runs an import. `Err` only when it cannot go on (unreadable file, database gone);
/// what was committed before stays, and the message says up to which line.
pub fn run(ctx: &Context<'_>, opts: &Options) -> Result<Summary, String> {
    let started = Instant::now();
    let stdin = opts.input.as_os_str() == "-";
    let format = opts.format.unwrap_or_else(|| match opts.input.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
        _ => Format::Jsonl,
    });
    let (reader, total): (Box<dyn BufRead>, Option<u64>) = if stdin {
        (Box::new(BufReader::with_capacity(256 * 1024, io::stdin().lock())), None)
    } else {
        let file = File::open(&opts.input).map_err(|e| format!("{}: cannot open: {e}", opts.input.display()))?;
        let len = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(256 * 1024, file)), len)
    };
    let rejects_path = opts.rejects.clone().unwrap_or_else(|| {
        if stdin { PathBuf::from("import.rejected") } else { with_suffix(&opts.input, ".rejected") }
    });
    let mut rejects =
        Rejects { reasons_path: with_suffix(&rejects_path, ".log"), rejects_path, files: None, csv_header: None };
    // Last run's rejects would be mistaken for this run's.
    for stale in [&rejects.rejects_path, &rejects.reasons_path] {
        if stale.exists() {
            std::fs::remove_file(stale)
                .map_err(|e| format!("{}: cannot remove the last run's file: {e}", stale.display()))?;
        }
    }
    let progress = progress_bar(opts.progress, total);
    let mut lines = BoundedLines::new(reader, MAX_ITEM_BYTES);
    let mut summary = Summary { dry_run: opts.dry_run, ..Summary::default() };
    let mut batch: Vec<Pending> = Vec::with_capacity(opts.batch_size);
    let actor = Actor::Source(opts.source.clone());
    let writer = Writer { actor: &actor, method: "import" };
    let mut header: Option<Header> = None;
    let mut group = Group::default();

    let io_error = |e: io::Error| format!("reading {}: {e}", opts.input.display());
    loop {
        let next = lines.next_line().map_err(io_error)?;
        let Some(line) = next else { break };
        let number = lines.line_number;
        if number.is_multiple_of(1024) {
            progress.set_position(lines.bytes_read);
            progress.set_message(format!(
                "{} people, {} rejected",
                summary.created + summary.updated + summary.unchanged,
                summary.rejected
            ));
        }
        let text = match line {
            Line::TooLong(n) => {
                summary.lines += 1;
                let reason =
                    ItemError::new("", "too_large", format!("the line has {n} bytes; at most {MAX_ITEM_BYTES}"));
                reject(&mut summary, &mut rejects, number, number, vec![reason], &[])?;
                continue;
            }
            Line::Text(t) => t,
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match format {
            Format::Jsonl => {
                summary.lines += 1;
                match document::parse_json(&text)
                    .map_err(|e| vec![e])
                    .and_then(|doc| document::validate(doc, &ctx.stored.catalog, ctx.clock.now()))
                {
                    Ok(upsert) => {
                        batch.push(Pending { first_line: number, last_line: number, raw: vec![text], upsert })
                    }
                    Err(reasons) => reject(&mut summary, &mut rejects, number, number, reasons, &[text])?,
                }
            }
            Format::Csv => {
                let Some(h) = &header else {
                    let parsed =
                        Header::parse(&text).map_err(|e| format!("{} line {number}: {e}", opts.input.display()))?;
                    rejects.csv_header = Some(text);
                    header = Some(parsed);
                    continue;
                };
                summary.lines += 1;
                match Row::parse(h, &text) {
                    Ok(row) => {
                        if group.key.as_ref().is_some_and(|k| *k != row.person_key()) {
                            flush_group(ctx, &mut group, &mut batch, &mut summary, &mut rejects)?;
                        }
                        group.key = Some(row.person_key());
                        group.last = number;
                        // Memory stays bounded: past the most one person may have, rows are counted, not kept.
                        if group.rows.len() >= MAX_GROUP_ROWS {
                            if group.overflow == 0 {
                                group.errors.push(ItemError::new(
                                    format!("line {number}"),
                                    "too_many",
                                    format!("more than {MAX_GROUP_ROWS} rows for one person; only the first are copied to the rejected-lines file"),
                                ));
                            }
                            group.overflow += 1;
                        } else {
                            group.lines.push((number, text));
                            group.rows.push(row);
                        }
                    }
                    // A bad row of the person being read rejects that whole person.
                    Err(reason) => match Row::lenient(h, &text).map(|r| r.person_key()) {
                        Some(key) if group.key.as_ref() == Some(&key) => {
                            group.errors.push(ItemError { path: format!("line {number}"), ..reason });
                            group.last = number;
                            if group.lines.len() < MAX_GROUP_ROWS {
                                group.lines.push((number, text));
                            }
                        }
                        _ => {
                            flush_group(ctx, &mut group, &mut batch, &mut summary, &mut rejects)?;
                            reject(&mut summary, &mut rejects, number, number, vec![reason], &[text])?;
                        }
                    },
                }
            }
        }
        if batch.len() >= opts.batch_size {
            commit(ctx, &writer, opts.dry_run, &mut batch, &mut summary, &mut rejects)?;
        }
    }
    if format == Format::Csv && header.is_none() && summary.lines == 0 {
        return Err(format!("{}: the CSV file has no header row", opts.input.display()));
    }
    flush_group(ctx, &mut group, &mut batch, &mut summary, &mut rejects)?;
    commit(ctx, &writer, opts.dry_run, &mut batch, &mut summary, &mut rejects)?;
    if rejects.finish().map_err(|e| format!("writing {}: {e}", rejects.rejects_path.display()))? {
        summary.rejects_file = Some(rejects.rejects_path.clone());
        summary.reasons_file = Some(rejects.reasons_path.clone());
    }
    if !opts.dry_run && summary.created + summary.updated > 0 {
        progress.set_message("updating the query planner's statistics");
        let mut conn = ctx.pool.get().map_err(|e| format!("the database: {e}"))?;
        crate::db::refresh_statistics(&mut conn).map_err(|e| format!("updating statistics: {e}"))?;
    }
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn progress_bar(enabled: bool, total: Option<u64>) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} · {msg}"
    } else {
        "{spinner} [{elapsed_precise}] {bytes} {bytes_per_sec} · {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

fn reject(
    summary: &mut Summary,
    rejects: &mut Rejects,
    first_line: u64,
    last_line: u64,
    reasons: Vec<ItemError>,
    raw: &[Vec<u8>],
) -> Result<(), String> {
    let rejection = Rejection { first_line, last_line, reasons };
    rejects.write(&rejection, raw).map_err(|e| format!("writing {}: {e}", rejects.rejects_path.display()))?;
    summary.rejected += 1;
    if summary.rejections.len() < SHOWN_REJECTIONS {
        summary.rejections.push(rejection);
    }
    Ok(())
}

/// Consecutive CSV rows of one person.
#[derive(Default)]
struct Group {
    key: Option<(String, String, String)>,
    last: u64,
    overflow: u64,
    lines: Vec<(u64, Vec<u8>)>,
    rows: Vec<Row>,
    errors: Vec<ItemError>,
}

fn flush_group(
    ctx: &Context<'_>,
    group: &mut Group,
    batch: &mut Vec<Pending>,
    summary: &mut Summary,
    rejects: &mut Rejects,
) -> Result<(), String> {
    let taken = std::mem::take(group);
    let Some((first_line, _)) = taken.lines.first() else { return Ok(()) };
    let (first_line, last_line) = (*first_line, taken.last);
    let record_lines: Vec<u64> =
        taken.rows.iter().zip(&taken.lines).filter(|(row, _)| row.has_record()).map(|(_, (n, _))| *n).collect();
    let raw: Vec<Vec<u8>> = taken.lines.into_iter().map(|(_, t)| t).collect();
    if !taken.errors.is_empty() || taken.rows.is_empty() {
        return reject(summary, rejects, first_line, last_line, taken.errors, &raw);
    }
    match document::validate(csv_rows::document(&taken.rows), &ctx.stored.catalog, ctx.clock.now()) {
        Ok(upsert) => batch.push(Pending { first_line, last_line, raw, upsert }),
        // A record's path is its row within the person: name the file's line instead.
        Err(reasons) => {
            let reasons = reasons.into_iter().map(|e| csv_path(e, &record_lines)).collect();
            reject(summary, rejects, first_line, last_line, reasons, &raw)?;
        }
    }
    Ok(())
}

/// `records[2].value` → `line 42 value`: in CSV a record is a row of the file.
fn csv_path(e: ItemError, record_lines: &[u64]) -> ItemError {
    let Some(rest) = e.path.strip_prefix("records[") else { return e };
    let Some((index, field)) = rest.split_once(']') else { return e };
    let Some(line) = index.parse::<usize>().ok().and_then(|i| record_lines.get(i)) else { return e };
    let path = format!("line {line} {}", field.trim_start_matches('.'));
    ItemError { path: path.trim_end().to_owned(), ..e }
}

/// Whether a database error is about this person's data (reject it and go on) or about
/// the database (stop).
fn is_item_error(e: &DbError) -> bool {
    matches!(e, DbError::Conflict(_) | DbError::Constraint(_) | DbError::Rejected(_))
}

fn commit(
    ctx: &Context<'_>,
    writer: &Writer<'_>,
    dry_run: bool,
    batch: &mut Vec<Pending>,
    summary: &mut Summary,
    rejects: &mut Rejects,
) -> Result<(), String> {
    if batch.is_empty() {
        return Ok(());
    }
    let items = std::mem::take(batch);
    let now = ctx.clock.now();
    let mut outcomes: Vec<Result<ingest::Outcome, Vec<ItemError>>> = Vec::with_capacity(items.len());
    let result = ctx.pool.transaction_blocking(|c: &mut DbConnection| {
        for item in &items {
            let one =
                crate::db::savepoint(c, |c| ingest::upsert_person(c, ctx.keys, ctx.stored, writer, &item.upsert, now));
            match one {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) if is_item_error(&e) => outcomes.push(Err(vec![ItemError::new("", "refused", e.to_string())])),
                Err(e) => return Err(e),
            }
        }
        if dry_run { Err(DbError::Rejected(DRY_RUN.into())) } else { Ok(()) }
    });
    match result {
        Ok(()) => {}
        Err(DbError::Rejected(m)) if m == DRY_RUN => {}
        Err(e) => {
            return Err(format!(
                "the database failed at lines {}-{}: {e}; everything before line {} is stored, run the import again to finish (people already stored come out unchanged)",
                items[0].first_line,
                items[items.len() - 1].last_line,
                items[0].first_line
            ));
        }
    }
    for (item, outcome) in items.into_iter().zip(outcomes) {
        match outcome {
            Ok(o) => {
                summary.skipped_parts += o.skipped.len() as u64;
                summary.records += u64::from(o.changes.records_added + o.changes.records_updated);
                match o.status {
                    Status::Created => summary.created += 1,
                    Status::Updated => summary.updated += 1,
                    Status::Unchanged => summary.unchanged += 1,
                    Status::Suppressed => summary.suppressed += 1,
                }
            }
            Err(reasons) => reject(summary, rejects, item.first_line, item.last_line, reasons, &item.raw)?,
        }
    }
    Ok(())
}
