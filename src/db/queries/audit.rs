//! Appending to the audit chain and checking it. Appends are serialised (the SQLite
//! writer lock; a transaction-scoped advisory lock on PostgreSQL, taken by the
//! `audit_append` function that links and inserts in one call) so every event's
//! `prev_hash` is the hash of the event before it.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::audit_events;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::{Actor, EventContent, GENESIS, to_micros};

/// Serialises appends between portal instances sharing one PostgreSQL database.
const PG_AUDIT_LOCK: i64 = 0x4155_4449_5443_4841; // "AUDITCHA"

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
    match conn {
        // One round trip: the lock is held to the commit, and every other appender waits
        // out each round trip made while holding it (migration `audit_append`).
        DbConnection::Postgresql(c) => {
            diesel::select(audit_append(
                PG_AUDIT_LOCK,
                content.canonical(),
                to_db(content.occurred_at),
                &content.actor_kind,
                &content.actor_id,
                &content.action,
                content.subject_id,
                &content.target_kind,
                &content.target_id,
                content.details.to_string(),
            ))
            .get_result::<i64>(c)?;
        }
        // The caller's write transaction holds SQLite's single writer lock already.
        DbConnection::Sqlite(_) => {
            let prev: Option<String> =
                audit_events::table.order(audit_events::id.desc()).select(audit_events::hash).first(conn).optional()?;
            let prev = prev.unwrap_or_else(|| GENESIS.to_owned());
            let hash = content.hash(&prev);
            diesel::insert_into(audit_events::table)
                .values((
                    audit_events::occurred_at.eq(to_db(content.occurred_at)),
                    audit_events::actor_kind.eq(&content.actor_kind),
                    audit_events::actor_id.eq(&content.actor_id),
                    audit_events::action.eq(&content.action),
                    audit_events::subject_id.eq(content.subject_id),
                    audit_events::target_kind.eq(&content.target_kind),
                    audit_events::target_id.eq(&content.target_id),
                    audit_events::details.eq(content.details.to_string()),
                    audit_events::prev_hash.eq(&prev),
                    audit_events::hash.eq(&hash),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

diesel::define_sql_function! {
    /// Locks the chain, links and inserts one event; its id (migration `audit_append`).
    #[allow(clippy::too_many_arguments)]
    fn audit_append(
        lock_key: diesel::sql_types::BigInt,
        canonical: diesel::sql_types::Text,
        occurred_at: diesel::sql_types::Timestamp,
        actor_kind: diesel::sql_types::Text,
        actor_id: diesel::sql_types::Nullable<diesel::sql_types::Text>,
        action: diesel::sql_types::Text,
        subject_id: diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
        target_kind: diesel::sql_types::Nullable<diesel::sql_types::Text>,
        target_id: diesel::sql_types::Nullable<diesel::sql_types::Text>,
        details: diesel::sql_types::Text,
    ) -> diesel::sql_types::BigInt;
}

/// What checking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Events checked.
    pub events: u64,
    /// The first event that does not fit: its id and why.
    pub first_broken: Option<(i64, String)>,
}

type Row = (
    i64,
    time::PrimitiveDateTime,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

/// Recomputes every hash from the first event on; names the first that was altered,
/// or whose predecessor was removed.
pub fn verify(conn: &mut DbConnection) -> Result<ChainReport, DbError> {
    let mut prev = GENESIS.to_owned();
    let mut after = 0i64;
    let mut events = 0u64;
    loop {
        let rows: Vec<Row> = audit_events::table
            .filter(audit_events::id.gt(after))
            .order(audit_events::id)
            .limit(5000)
            .select((
                audit_events::id,
                audit_events::occurred_at,
                audit_events::actor_kind,
                audit_events::actor_id,
                audit_events::action,
                audit_events::subject_id,
                audit_events::target_kind,
                audit_events::target_id,
                audit_events::details,
                audit_events::prev_hash,
                audit_events::hash,
            ))
            .load(conn)?;
        if rows.is_empty() {
            return Ok(ChainReport { events, first_broken: None });
        }
        for (id, at, actor_kind, actor_id, action, subject_id, target_kind, target_id, details, prev_hash, hash) in rows
        {
            events += 1;
            after = id;
            if prev_hash != prev {
                return Ok(ChainReport {
                    events,
                    first_broken: Some((
                        id,
                        "its prev_hash does not match the event before it (an event before it was changed or removed)"
                            .into(),
                    )),
                });
            }
            let details = match serde_json::from_str(&details) {
                Ok(d) => d,
                Err(_) => {
                    return Ok(ChainReport { events, first_broken: Some((id, "its details are not JSON".into())) });
                }
            };
            let content = EventContent {
                occurred_at: from_db(at),
                actor_kind,
                actor_id,
                action,
                subject_id,
                target_kind,
                target_id,
                details,
            };
            if content.hash(&prev_hash) != hash {
                return Ok(ChainReport {
                    events,
                    first_broken: Some((id, "its content does not match its hash (it was altered)".into())),
                });
            }
            prev = hash;
        }
    }
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
