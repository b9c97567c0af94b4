//! The erasure ledger in the database: reading the audit events it carries, and
//! re-applying a ledger to a restored backup (see `crate::erasure_ledger`).

use diesel::prelude::*;
use time::OffsetDateTime;

use super::decisions::{insert_suppression, remove_identifiers};
use super::{audit, sessions};
use crate::db::schema::*;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::{Actor, action};
use crate::domain::ids::SubjectId;
use crate::domain::rights::RequestStatus;
use crate::erasure_ledger::{ACTIONS, LedgerEntry};

type EventRow = (i64, time::PrimitiveDateTime, String, Option<i64>, Option<String>, Option<String>, String, String);

/// Ledger entries of the linked audit events after chain position `after`, in chain
/// order, at most `limit`, each with its position (`chain_seq`). Events are carried once
/// linked: their hash is the line's identity.
pub fn ledger_after(conn: &mut DbConnection, after: i64, limit: i64) -> Result<Vec<(i64, LedgerEntry)>, DbError> {
    // The actions are written into the SQL as literals, not bound as a list: prepared
    // once per connection, the statement's generic plan on PostgreSQL could not know how
    // rare the actions are, so it walked every event in id order and filtered (124 ms
    // with 197,000 events, every 5 s on every instance, growing with the trail). With
    // the literals, the condition is the one of the partial index that holds just these
    // events in chain order (migration 18), so a batch reads only its own rows.
    let rows: Vec<EventRow> = audit_events::table
        .filter(is_ledger_action())
        .filter(audit_events::chain_seq.gt(after))
        .order(audit_events::chain_seq)
        .limit(limit)
        .select((
            audit_events::chain_seq.assume_not_null(),
            audit_events::occurred_at,
            audit_events::action,
            audit_events::subject_id,
            audit_events::target_kind,
            audit_events::target_id,
            audit_events::details,
            audit_events::hash.assume_not_null(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|row| (row.0, entry(row))).collect())
}

/// The chain position of the ledger event whose hash is `hash`; `None` if this database
/// has no such event (a restored backup that lost it, or another database's ledger).
pub fn ledger_position(conn: &mut DbConnection, hash: &str) -> Result<Option<i64>, DbError> {
    Ok(audit_events::table
        .filter(is_ledger_action())
        .filter(audit_events::hash.eq(hash))
        .select(audit_events::chain_seq.assume_not_null())
        .first(conn)
        .optional()?)
}

/// The event is one the ledger carries: the condition of the `audit_events_ledger` index.
fn is_ledger_action() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("audit_events.action IN ({})", actions_sql()))
}

/// [`ACTIONS`] as SQL literals, in order: the list of the `audit_events_ledger` index.
fn actions_sql() -> String {
    ACTIONS.iter().map(|a| format!("'{}'", a.replace('\'', "''"))).collect::<Vec<_>>().join(", ")
}

fn entry((_, at, action, subject, target_kind, target_id, details, hash): EventRow) -> LedgerEntry {
    let details: serde_json::Value = serde_json::from_str(&details).unwrap_or_default();
    let target = |kind: &str| target_id.clone().filter(|_| target_kind.as_deref() == Some(kind));
    let strings = |key: &str| -> Vec<String> {
        details[key]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    LedgerEntry {
        hash,
        at: from_db(at),
        subject,
        request: target("request"),
        task: target("task"),
        status: details["status"].as_str().map(str::to_owned),
        via: details["via"].as_str().map(str::to_owned),
        records: details["records"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_i64()).collect())
            .unwrap_or_default(),
        suppressions: strings("suppressions"),
        action,
    }
}

/// What re-applying a ledger changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReapplyReport {
    /// Entries that changed something.
    pub applied: usize,
    /// Entries the database already reflected (or whose rows it does not hold).
    pub unchanged: usize,
    /// Suppression markers added.
    pub markers: usize,
    /// Records blanked again.
    pub records: usize,
    /// People whose last identifiers were removed again.
    pub people: usize,
    /// Requests set to their decided or completed state.
    pub requests: usize,
    /// Recipients' answers restored to their tasks.
    pub tasks: usize,
}

/// Re-applies one ledger entry to this database, changing only what it does not
/// already reflect, and never creating tasks or mail: recipients were told when the
/// erasure happened. Rows created after the entry's time are left alone (a person or
/// record the restored database made since, under a reused id, is not the one erased).
pub fn reapply(
    conn: &mut DbConnection,
    e: &LedgerEntry,
    report: &mut ReapplyReport,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    let before = report.clone();
    let at = to_db(e.at);
    for hash in &e.suppressions {
        if insert_suppression(conn, hash, e.at)? {
            report.markers += 1;
        }
    }
    let subject = match e.subject {
        Some(id) => subjects::table
            .find(id)
            .filter(subjects::created_at.le(at))
            .select(subjects::id)
            .first::<i64>(conn)
            .optional()?,
        None => None,
    };
    match e.action.as_str() {
        action::ERASURE_APPLIED => {
            if let Some(subject) = subject {
                report.records += diesel::update(
                    records::table
                        .filter(records::subject_id.eq(subject))
                        .filter(records::id.eq_any(&e.records))
                        .filter(records::erased_at.is_null()),
                )
                .set((records::value.eq(""), records::erased_at.eq(Some(at)), records::updated_at.eq(at)))
                .execute(conn)?;
                sessions::delete_all_for_subject(conn, SubjectId(subject), None)?;
            }
            if let (Some(request), Some(status)) = (&e.request, &e.status) {
                report.requests += set_request(conn, request, status, e.at)?;
            }
        }
        action::SUBJECT_ERASED => {
            if let Some(subject) = subject {
                let erased: Option<time::PrimitiveDateTime> =
                    subjects::table.find(subject).select(subjects::erased_at).first(conn)?;
                if erased.is_none() {
                    remove_identifiers(conn, SubjectId(subject), e.at)?;
                    report.people += 1;
                }
            }
        }
        action::REQUEST_COMPLETED => {
            if let Some(request) = &e.request {
                report.requests += set_request(conn, request, RequestStatus::Completed.as_str(), e.at)?;
            }
        }
        action::TASK_APPLIED | action::TASK_DECLINED => {
            if let Some(task) = &e.task {
                let status = if e.action == action::TASK_APPLIED { "applied" } else { "declined" };
                let via = e.via.as_deref().filter(|v| ["portal", "api", "staff", "email"].contains(v));
                report.tasks += diesel::update(
                    propagation_tasks::table
                        .filter(propagation_tasks::public_id.eq(task))
                        .filter(propagation_tasks::status.eq_any(["pending", "delivered"])),
                )
                .set((
                    propagation_tasks::status.eq(status),
                    propagation_tasks::resolved_at.eq(Some(at)),
                    propagation_tasks::resolved_via.eq(via),
                    propagation_tasks::resolution_note.eq(Some("restored from the erasure ledger")),
                ))
                .execute(conn)?;
            }
        }
        _ => {}
    }
    if *report == before {
        report.unchanged += 1;
    } else {
        report.applied += 1;
        audit::append(
            conn,
            &Actor::System,
            action::ERASURE_REAPPLIED,
            e.subject,
            Some("ledger"),
            Some(&e.hash),
            serde_json::json!({ "action": e.action }),
            now,
        )?;
    }
    Ok(())
}

/// Moves an erasure request the restored database still holds as undecided (or not
/// completed) to the state the ledger recorded. Only erasure requests, only forward.
fn set_request(conn: &mut DbConnection, public_id: &str, status: &str, at: OffsetDateTime) -> Result<usize, DbError> {
    let found: Option<(i64, String, String)> = rights_requests::table
        .filter(rights_requests::public_id.eq(public_id))
        .select((rights_requests::id, rights_requests::kind, rights_requests::status))
        .first(conn)
        .optional()?;
    let Some((id, kind, current)) = found else { return Ok(0) };
    let current: RequestStatus = current.parse().map_err(|e| DbError::Rejected(format!("stored status: {e}")))?;
    let wanted: RequestStatus = status.parse().map_err(|e| DbError::Rejected(format!("ledger status: {e}")))?;
    if kind != "erasure" || current.is_final() || current == wanted {
        return Ok(0);
    }
    if !current.can_decide() && wanted != RequestStatus::Completed {
        return Ok(0);
    }
    let at = to_db(at);
    if current.can_decide() {
        diesel::update(rights_requests::table.find(id)).set(rights_requests::decided_at.eq(Some(at))).execute(conn)?;
    }
    let completed_at = (wanted == RequestStatus::Completed).then_some(at);
    Ok(diesel::update(rights_requests::table.find(id))
        .set((rights_requests::status.eq(wanted.as_str()), rights_requests::completed_at.eq(completed_at)))
        .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::actions_sql;

    /// A partial index serves a query only when the query's condition implies the
    /// index's: an action added to the ledger must be added to the index too.
    #[test]
    fn ledger_index_lists_the_ledger_actions() {
        let condition = format!("WHERE action IN ({})", actions_sql());
        for up in [
            include_str!("../../../migrations/postgres/2026-12-04-000018_erasure_ledger_index/up.sql"),
            include_str!("../../../migrations/sqlite/2026-12-04-000018_erasure_ledger_index/up.sql"),
        ] {
            assert!(up.contains(&condition), "{condition} not in:\n{up}");
        }
    }
}
