//! Appending to the audit chain, linking it and checking it.
//!
//! On SQLite an event is linked as it is inserted: the caller's write transaction holds
//! the single writer lock, so the head read there is the chain's head. On PostgreSQL an
//! event is inserted unlinked, with no lock, so writes that audit commit side by side and
//! share WAL flushes; [`link_pending`] (every instance's background job, and every
//! verification) links committed events in batches, one linker at a time, in the order
//! it sees them (`chain_seq`). Either way every linked event's `prev_hash` is the hash of
//! the event before it in `chain_seq` order.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::audit_events;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::{Actor, EventContent, GENESIS, to_micros};

/// Serialises linkers between portal instances sharing one PostgreSQL database.
const PG_AUDIT_LOCK: i64 = 0x4155_4449_5443_4841; // "AUDITCHA"

/// Events linked per transaction by [`link_pending`].
const LINK_BATCH: i64 = 1000;

/// Records one event in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub fn append(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    subject: Option<i64>,
    target_kind: Option<&str>,
    target_id: Option<&str>,
    details: serde_json::Value,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    let content = EventContent {
        occurred_at: to_micros(now),
        actor_kind: actor.kind().to_owned(),
        actor_id: actor.id(),
        action: action.to_owned(),
        subject_id: subject,
        target_kind: target_kind.map(str::to_owned),
        target_id: target_id.map(str::to_owned),
        details,
    };
    let values = (
        audit_events::occurred_at.eq(to_db(content.occurred_at)),
        audit_events::actor_kind.eq(&content.actor_kind),
        audit_events::actor_id.eq(&content.actor_id),
        audit_events::action.eq(&content.action),
        audit_events::subject_id.eq(content.subject_id),
        audit_events::target_kind.eq(&content.target_kind),
        audit_events::target_id.eq(&content.target_id),
        audit_events::details.eq(content.details.to_string()),
    );
    match conn {
        // Unlinked: no lock, nothing read; the linker links it once it has committed.
        DbConnection::Postgresql(_) => {
            diesel::insert_into(audit_events::table).values(values).execute(conn)?;
        }
        // The caller's write transaction holds SQLite's single writer lock already.
        DbConnection::Sqlite(_) => {
            let (seq, prev) = head(conn)?;
            let hash = content.hash(&prev);
            diesel::insert_into(audit_events::table)
                .values((
                    values,
                    audit_events::prev_hash.eq(Some(&prev)),
                    audit_events::hash.eq(Some(&hash)),
                    audit_events::chain_seq.eq(Some(seq + 1)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The last linked event's position and hash (0 and the genesis hash for none).
fn head(conn: &mut DbConnection) -> Result<(i64, String), DbError> {
    let head: Option<(Option<i64>, Option<String>)> = audit_events::table
        .filter(audit_events::chain_seq.is_not_null())
        .order(audit_events::chain_seq.desc())
        .select((audit_events::chain_seq, audit_events::hash))
        .first(conn)
        .optional()?;
    Ok(match head {
        Some((Some(seq), Some(hash))) => (seq, hash),
        _ => (0, GENESIS.to_owned()),
    })
}

/// Links every committed unlinked event into the chain; returns how many. A no-op on
/// SQLite, whose events are linked as they are inserted. Waits for another instance's
/// linker rather than skipping, so that afterwards everything committed before the
/// call is linked.
pub fn link_pending(conn: &mut DbConnection) -> Result<u64, DbError> {
    if !matches!(conn, DbConnection::Postgresql(_)) {
        return Ok(0);
    }
    let mut linked = 0u64;
    loop {
        // Looked up without the lock first: the common case is nothing to link.
        let pending: Option<i64> = audit_events::table
            .filter(audit_events::chain_seq.is_null())
            .select(audit_events::id)
            .first(conn)
            .optional()?;
        if pending.is_none() {
            return Ok(linked);
        }
        let (read, batch) = conn.transaction(link_batch)?;
        linked += batch;
        if read < LINK_BATCH as usize {
            return Ok(linked);
        }
    }
}

type ContentRow =
    (i64, time::PrimitiveDateTime, String, Option<String>, String, Option<i64>, Option<String>, Option<String>, String);

const CONTENT_COLUMNS: (
    audit_events::id,
    audit_events::occurred_at,
    audit_events::actor_kind,
    audit_events::actor_id,
    audit_events::action,
    audit_events::subject_id,
    audit_events::target_kind,
    audit_events::target_id,
    audit_events::details,
) = (
    audit_events::id,
    audit_events::occurred_at,
    audit_events::actor_kind,
    audit_events::actor_id,
    audit_events::action,
    audit_events::subject_id,
    audit_events::target_kind,
    audit_events::target_id,
    audit_events::details,
);

/// The content an event's hash covers, as stored.
fn content(
    (_, at, actor_kind, actor_id, action, subject_id, target_kind, target_id, details): ContentRow,
) -> Option<EventContent> {
    Some(EventContent {
        occurred_at: from_db(at),
        actor_kind,
        actor_id,
        action,
        subject_id,
        target_kind,
        target_id,
        details: serde_json::from_str(&details).ok()?,
    })
}

/// One batch, in the caller's transaction, under the linkers' lock (PostgreSQL): how
/// many unlinked events it read and how many it linked.
fn link_batch(conn: &mut DbConnection) -> Result<(usize, u64), DbError> {
    use diesel::sql_types::{Array, BigInt, Text};
    let DbConnection::Postgresql(pg) = conn else { return Ok((0, 0)) };
    // Held to the commit; the reads below are statements of their own, so they see
    // what the lock's previous holder committed.
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({PG_AUDIT_LOCK})")).execute(pg)?;
    let (mut seq, mut prev) = head(conn)?;
    // Id order among the committed: an event whose transaction commits after a later
    // id's is linked in a later batch, after it.
    let rows: Vec<ContentRow> = audit_events::table
        .filter(audit_events::chain_seq.is_null())
        .order(audit_events::id)
        .limit(LINK_BATCH)
        .select(CONTENT_COLUMNS)
        .load(conn)?;
    let n = rows.len();
    let (mut ids, mut seqs, mut prevs, mut hashes) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for row in rows {
        let id = row.0;
        // Details are written by `append` from a JSON value, so they parse; a row that
        // does not is left unlinked (and named by verification as not linked) rather
        // than blocking the chain behind it.
        let Some(content) = content(row) else {
            tracing::error!(event = id, "audit event details are not JSON; left unlinked");
            continue;
        };
        let hash = content.hash(&prev);
        seq += 1;
        ids.push(id);
        seqs.push(seq);
        prevs.push(std::mem::replace(&mut prev, hash.clone()));
        hashes.push(hash);
    }
    if ids.is_empty() {
        return Ok((n, 0));
    }
    let DbConnection::Postgresql(pg) = conn else { return Ok((n, 0)) };
    let updated = diesel::sql_query(
        "UPDATE audit_events AS a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.hash \
         FROM unnest($1, $2, $3, $4) AS v(id, seq, prev, hash) WHERE a.id = v.id AND a.chain_seq IS NULL",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<BigInt>, _>(&seqs)
    .bind::<Array<Text>, _>(&prevs)
    .bind::<Array<Text>, _>(&hashes)
    .execute(pg)?;
    if updated != ids.len() {
        // Only a second linker not taking the lock could cause this: undo the batch.
        return Err(DbError::Rejected(format!("linked {updated} of {} audit events; batch rolled back", ids.len())));
    }
    Ok((n, updated as u64))
}

/// What checking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Linked events checked.
    pub events: u64,
    /// The first event that does not fit: its id and why.
    pub first_broken: Option<(i64, String)>,
    /// Events not linked yet: committed while the check ran (PostgreSQL), or whose
    /// details could not be read to link them.
    pub unlinked: u64,
}

type LinkedRow = (ContentRow, i64, Option<String>, Option<String>);

/// Links what has committed, then recomputes every hash from the first event on, in
/// chain order; names the first that was altered, or whose predecessor was removed.
pub fn verify(conn: &mut DbConnection) -> Result<ChainReport, DbError> {
    link_pending(conn)?;
    let mut prev = GENESIS.to_owned();
    let mut after = 0i64;
    let mut events = 0u64;
    let broken = loop {
        let rows: Vec<LinkedRow> = audit_events::table
            .filter(audit_events::chain_seq.gt(after))
            .order(audit_events::chain_seq)
            .limit(5000)
            .select((
                CONTENT_COLUMNS,
                audit_events::chain_seq.assume_not_null(),
                audit_events::prev_hash,
                audit_events::hash,
            ))
            .load(conn)?;
        if rows.is_empty() {
            break None;
        }
        let mut found = None;
        for (row, seq, prev_hash, hash) in rows {
            events += 1;
            after = seq;
            let id = row.0;
            if prev_hash.as_deref() != Some(prev.as_str()) {
                found = Some((
                    id,
                    "its prev_hash does not match the event before it (an event before it was changed or removed)"
                        .to_owned(),
                ));
                break;
            }
            let Some(content) = content(row) else {
                found = Some((id, "its details are not JSON".to_owned()));
                break;
            };
            let Some(hash) = hash.filter(|h| *h == content.hash(&prev)) else {
                found = Some((id, "its content does not match its hash (it was altered)".to_owned()));
                break;
            };
            prev = hash;
        }
        if found.is_some() {
            break found;
        }
    };
    let unlinked = unlinked_count(conn)?;
    Ok(ChainReport { events, first_broken: broken, unlinked: unlinked.try_into().unwrap_or(0) })
}

/// Events committed but not linked yet (always 0 on SQLite).
pub fn unlinked_count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(audit_events::table.filter(audit_events::chain_seq.is_null()).count().get_result(conn)?)
}

/// One event as listed.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// When.
    pub at: OffsetDateTime,
    /// Actor kind.
    pub actor_kind: String,
    /// Actor id.
    pub actor_id: Option<String>,
    /// Action.
    pub action: String,
    /// Target kind.
    pub target_kind: Option<String>,
    /// Target id.
    pub target_id: Option<String>,
    /// Details.
    pub details: String,
}

type EntryRow = (i64, time::PrimitiveDateTime, String, Option<String>, String, Option<String>, Option<String>, String);

const ENTRY_COLUMNS: (
    audit_events::id,
    audit_events::occurred_at,
    audit_events::actor_kind,
    audit_events::actor_id,
    audit_events::action,
    audit_events::target_kind,
    audit_events::target_id,
    audit_events::details,
) = (
    audit_events::id,
    audit_events::occurred_at,
    audit_events::actor_kind,
    audit_events::actor_id,
    audit_events::action,
    audit_events::target_kind,
    audit_events::target_id,
    audit_events::details,
);

fn entry((id, at, actor_kind, actor_id, action, target_kind, target_id, details): EntryRow) -> AuditEntry {
    AuditEntry { id, at: from_db(at), actor_kind, actor_id, action, target_kind, target_id, details }
}

/// The events about one person, newest first.
pub fn for_subject(conn: &mut DbConnection, subject: i64, limit: i64) -> Result<Vec<AuditEntry>, DbError> {
    let rows: Vec<EntryRow> = audit_events::table
        .filter(audit_events::subject_id.eq(subject))
        .order(audit_events::id.desc())
        .limit(limit)
        .select(ENTRY_COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Events newest first, optionally only those whose action starts with `action` and
/// those with an id below `before` (paging). At most `limit`.
pub fn browse(
    conn: &mut DbConnection,
    action: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, DbError> {
    let mut query = audit_events::table.into_boxed();
    if let Some(prefix) = action {
        let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        query = query.filter(audit_events::action.like(format!("{escaped}%")).escape('\\'));
    }
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before));
    }
    let rows: Vec<EntryRow> = query.order(audit_events::id.desc()).limit(limit).select(ENTRY_COLUMNS).load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}
