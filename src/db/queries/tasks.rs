//! Propagation tasks as a recipient sees them: its own only (every query filters by
//! recipient, so another organisation's task is "not found"), and confirming or
//! declining them.

use diesel::prelude::*;
use time::OffsetDateTime;

use super::decisions::{self, Engine};
use crate::db::schema::{propagation_tasks, webhook_deliveries};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::Actor;
use crate::domain::ids::{RecipientId, RequestId};

/// Which tasks to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Not yet applied or declined (overdue included).
    Open,
    /// Open and past the due date.
    Overdue,
    /// Applied or declined.
    Done,
    /// All.
    All,
}

impl View {
    /// Parses `open`, `overdue`, `done`, `all`.
    pub fn parse(s: &str) -> Option<View> {
        match s {
            "open" => Some(View::Open),
            "overdue" => Some(View::Overdue),
            "done" => Some(View::Done),
            "all" => Some(View::All),
            _ => None,
        }
    }
}

/// One task, everything a recipient may see of it.
#[derive(Debug, Clone)]
pub struct Task {
    /// Row id (internal).
    pub id: i64,
    /// Public id.
    pub public_id: String,
    /// The entity (key resolved by the caller).
    pub entity_id: i64,
    /// The request it comes from.
    pub request_id: Option<i64>,
    /// Action.
    pub action: String,
    /// What the recipient needs (identifiers, categories, corrected fields).
    pub payload: serde_json::Value,
    /// pending, delivered, applied, declined.
    pub status: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Due.
    pub due_at: OffsetDateTime,
    /// Delivered (webhook) at.
    pub delivered_at: Option<OffsetDateTime>,
    /// Applied or declined at.
    pub resolved_at: Option<OffsetDateTime>,
    /// How it was resolved: portal, api.
    pub resolved_via: Option<String>,
    /// The recipient's reference.
    pub resolution_reference: Option<String>,
    /// The recipient's note.
    pub resolution_note: Option<String>,
    /// Why declined.
    pub decline_reason: Option<String>,
}

impl Task {
    /// Open and past due at `now`.
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.resolved_at.is_none() && self.due_at < now
    }
}

type Row = (
    i64,
    String,
    i64,
    Option<i64>,
    String,
    String,
    String,
    time::PrimitiveDateTime,
    time::PrimitiveDateTime,
    Option<time::PrimitiveDateTime>,
    Option<time::PrimitiveDateTime>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn task(row: Row) -> Task {
    let (
        id,
        public_id,
        entity_id,
        request_id,
        action,
        payload,
        status,
        created,
        due,
        delivered,
        resolved,
        via,
        reference,
        note,
        decline,
    ) = row;
    Task {
        id,
        public_id,
        entity_id,
        request_id,
        action,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        status,
        created_at: from_db(created),
        due_at: from_db(due),
        delivered_at: delivered.map(from_db),
        resolved_at: resolved.map(from_db),
        resolved_via: via,
        resolution_reference: reference,
        resolution_note: note,
        decline_reason: decline,
    }
}

macro_rules! task_columns {
    () => {
        (
            propagation_tasks::id,
            propagation_tasks::public_id,
            propagation_tasks::entity_id,
            propagation_tasks::request_id,
            propagation_tasks::action,
            propagation_tasks::payload,
            propagation_tasks::status,
            propagation_tasks::created_at,
            propagation_tasks::due_at,
            propagation_tasks::delivered_at,
            propagation_tasks::resolved_at,
            propagation_tasks::resolved_via,
            propagation_tasks::resolution_reference,
            propagation_tasks::resolution_note,
            propagation_tasks::decline_reason,
        )
    };
}

/// Where a page of tasks starts: after this task in the view's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The last task's due date (the open and overdue views sort by it first).
    pub due_at: OffsetDateTime,
    /// The last task's row id.
    pub id: i64,
}

/// A recipient's tasks in the view's order (open and overdue: oldest due first; done:
/// newest first; all: oldest first), at most `limit`, starting after `after`.
pub fn list(
    conn: &mut DbConnection,
    recipient: RecipientId,
    view: View,
    now: OffsetDateTime,
    limit: i64,
    after: Option<Cursor>,
) -> Result<Vec<Task>, DbError> {
    // Open means unresolved (a CHECK ties `resolved_at` to the status); filtering on it
    // lets each view walk its own index in its own order (migration 000010) instead of
    // sorting every matching task.
    let mut query = propagation_tasks::table.filter(propagation_tasks::recipient_id.eq(recipient.0)).into_boxed();
    query = match view {
        View::Open => query
            .filter(propagation_tasks::resolved_at.is_null())
            .order((propagation_tasks::due_at, propagation_tasks::id)),
        View::Overdue => query
            .filter(propagation_tasks::resolved_at.is_null())
            .filter(propagation_tasks::due_at.lt(to_db(now)))
            .order((propagation_tasks::due_at, propagation_tasks::id)),
        View::Done => query.filter(propagation_tasks::resolved_at.is_not_null()).order(propagation_tasks::id.desc()),
        View::All => query.order(propagation_tasks::id),
    };
    // Keyset paging in the same order as the sort, so no task is skipped or repeated.
    if let Some(c) = after {
        query = match view {
            View::Open | View::Overdue => {
                let due = to_db(c.due_at);
                query.filter(
                    propagation_tasks::due_at
                        .gt(due)
                        .or(propagation_tasks::due_at.eq(due).and(propagation_tasks::id.gt(c.id))),
                )
            }
            View::Done => query.filter(propagation_tasks::id.lt(c.id)),
            View::All => query.filter(propagation_tasks::id.gt(c.id)),
        };
    }
    let rows: Vec<Row> = query.limit(limit).select(task_columns!()).load(conn)?;
    Ok(rows.into_iter().map(task).collect())
}

/// One of the recipient's tasks; `None` for anyone else's.
pub fn get(conn: &mut DbConnection, recipient: RecipientId, public_id: &str) -> Result<Option<Task>, DbError> {
    let row: Option<Row> = propagation_tasks::table
        .filter(propagation_tasks::recipient_id.eq(recipient.0))
        .filter(propagation_tasks::public_id.eq(public_id))
        .select(task_columns!())
        .first(conn)
        .optional()?;
    Ok(row.map(task))
}

/// What the recipient answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Applied, with its own reference and a note.
    Applied {
        /// Its reference (e.g. a ticket number).
        reference: Option<String>,
        /// A note.
        note: Option<String>,
    },
    /// Declined, with the reason (legal retention, not held...).
    Declined {
        /// Why.
        reason: String,
    },
}

/// Why an answer was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// No such task for this recipient.
    NotFound,
    /// It was already answered differently.
    AlreadyAnswered(String),
}

/// Records an answer. Answering the same way twice changes nothing and succeeds (a
/// processor confirming twice is harmless); answering the other way is refused.
/// Settles the request when this was its last open task.
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    recipient: RecipientId,
    public_id: &str,
    answer: &Answer,
    actor: &Actor,
    processor_user: Option<i64>,
    token: Option<i64>,
    via: &str,
    now: OffsetDateTime,
) -> Result<Result<Task, ResolveError>, DbError> {
    let Some(current) = get(conn, recipient, public_id)? else { return Ok(Err(ResolveError::NotFound)) };
    let wanted = match answer {
        Answer::Applied { .. } => "applied",
        Answer::Declined { .. } => "declined",
    };
    if current.resolved_at.is_some() {
        return Ok(if current.status == wanted {
            Ok(current)
        } else {
            Err(ResolveError::AlreadyAnswered(current.status))
        });
    }
    let (reference, note, reason) = match answer {
        Answer::Applied { reference, note } => (reference.clone(), note.clone(), None),
        Answer::Declined { reason } => (None, None, Some(reason.clone())),
    };
    let updated = diesel::update(
        propagation_tasks::table
            .filter(propagation_tasks::id.eq(current.id))
            .filter(propagation_tasks::resolved_at.is_null()),
    )
    .set((
        propagation_tasks::status.eq(wanted),
        propagation_tasks::resolved_at.eq(Some(to_db(now))),
        propagation_tasks::resolved_by_processor_user_id.eq(processor_user),
        propagation_tasks::resolved_by_token_id.eq(token),
        propagation_tasks::resolved_via.eq(Some(via)),
        propagation_tasks::resolution_reference.eq(reference),
        propagation_tasks::resolution_note.eq(note),
        propagation_tasks::decline_reason.eq(reason),
    ))
    .execute(conn)?;
    if updated == 0 {
        // Answered between our read and our write: report what is there now.
        let now_there = get(conn, recipient, public_id)?.ok_or(DbError::NotFound)?;
        return Ok(if now_there.status == wanted {
            Ok(now_there)
        } else {
            Err(ResolveError::AlreadyAnswered(now_there.status))
        });
    }
    let subject: i64 = propagation_tasks::table.find(current.id).select(propagation_tasks::subject_id).first(conn)?;
    super::audit::append(
        conn,
        actor,
        if wanted == "applied" {
            crate::domain::audit::action::TASK_APPLIED
        } else {
            crate::domain::audit::action::TASK_DECLINED
        },
        Some(subject),
        Some("task"),
        Some(&current.public_id),
        serde_json::json!({ "via": via, "action": current.action }),
        now,
    )?;
    if let Some(request) = current.request_id {
        decisions::settle(conn, engine, RequestId(request), now)?;
    }
    Ok(Ok(get(conn, recipient, public_id)?.ok_or(DbError::NotFound)?))
}

/// A delivery attempt of a task's webhook.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Attempt number.
    pub attempt: i32,
    /// HTTP status, if an answer came.
    pub status_code: Option<i32>,
    /// Error, if any.
    pub error: Option<String>,
    /// Whether it counted as delivered.
    pub delivered: bool,
    /// When.
    pub at: OffsetDateTime,
}

/// The webhook delivery log of a task.
pub fn deliveries(conn: &mut DbConnection, task_id: i64) -> Result<Vec<Delivery>, DbError> {
    let rows: Vec<(i32, Option<i32>, Option<String>, bool, time::PrimitiveDateTime)> = webhook_deliveries::table
        .filter(webhook_deliveries::task_id.eq(task_id))
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::attempt,
            webhook_deliveries::status_code,
            webhook_deliveries::error,
            webhook_deliveries::delivered,
            webhook_deliveries::at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(attempt, status_code, error, delivered, at)| Delivery {
            attempt,
            status_code,
            error,
            delivered,
            at: from_db(at),
        })
        .collect())
}

/// Any task by public id, with its recipient (for the webhook worker).
pub fn by_public_id(conn: &mut DbConnection, public_id: &str) -> Result<Option<(RecipientId, Task)>, DbError> {
    let recipient: Option<i64> = propagation_tasks::table
        .filter(propagation_tasks::public_id.eq(public_id))
        .select(propagation_tasks::recipient_id)
        .first(conn)
        .optional()?;
    let Some(recipient) = recipient.map(RecipientId) else { return Ok(None) };
    Ok(get(conn, recipient, public_id)?.map(|t| (recipient, t)))
}

/// Marks a task delivered (its webhook got a 2xx), if it is still pending.
pub fn mark_delivered(conn: &mut DbConnection, task_id: i64, now: OffsetDateTime) -> Result<(), DbError> {
    diesel::update(
        propagation_tasks::table
            .filter(propagation_tasks::id.eq(task_id))
            .filter(propagation_tasks::status.eq("pending")),
    )
    .set((propagation_tasks::status.eq("delivered"), propagation_tasks::delivered_at.eq(Some(to_db(now)))))
    .execute(conn)?;
    Ok(())
}

/// Overdue tasks of recipients not reminded in the last `every`: per recipient, how
/// many and the earliest due date. Marks them reminded (in the caller's transaction).
pub fn take_due_reminders(
    conn: &mut DbConnection,
    now: OffsetDateTime,
    every: time::Duration,
) -> Result<Vec<(RecipientId, usize, OffsetDateTime)>, DbError> {
    // Per recipient, not per task: one reminded lately is left alone even if another
    // of its tasks has just become overdue.
    // Not DISTINCT in SQL: SQLite then walked a whole recipient index to avoid sorting,
    // instead of the few tasks reminded lately (index `propagation_tasks_reminded`).
    let mut recently: Vec<i64> = propagation_tasks::table
        .filter(propagation_tasks::reminded_at.ge(to_db(now - every)))
        .select(propagation_tasks::recipient_id)
        .load(conn)?;
    recently.sort_unstable();
    recently.dedup();
    let rows: Vec<(i64, i64, time::PrimitiveDateTime)> = propagation_tasks::table
        .filter(propagation_tasks::resolved_at.is_null())
        .filter(propagation_tasks::due_at.lt(to_db(now)))
        .filter(propagation_tasks::recipient_id.ne_all(recently))
        .select((propagation_tasks::id, propagation_tasks::recipient_id, propagation_tasks::due_at))
        .order(propagation_tasks::recipient_id)
        .load(conn)?;
    let mut per_recipient: Vec<(RecipientId, usize, OffsetDateTime)> = Vec::new();
    for (_, recipient, due) in &rows {
        match per_recipient.last_mut() {
            Some((r, n, earliest)) if r.0 == *recipient => {
                *n += 1;
                *earliest = (*earliest).min(from_db(*due));
            }
            _ => per_recipient.push((RecipientId(*recipient), 1, from_db(*due))),
        }
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _, _)| *id).collect();
    for chunk in ids.chunks(500) {
        diesel::update(propagation_tasks::table.filter(propagation_tasks::id.eq_any(chunk)))
            .set(propagation_tasks::reminded_at.eq(Some(to_db(now))))
            .execute(conn)?;
    }
    Ok(per_recipient)
}

/// How many tasks a recipient has in each view (the inbox's tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Not yet answered.
    pub open: i64,
    /// Not yet answered and past the due date.
    pub overdue: i64,
    /// Applied or declined.
    pub done: i64,
}

/// Counts a recipient's tasks per view, from the indexes alone.
pub fn counts(conn: &mut DbConnection, recipient: RecipientId, now: OffsetDateTime) -> Result<Counts, DbError> {
    let mine = || propagation_tasks::table.filter(propagation_tasks::recipient_id.eq(recipient.0));
    Ok(Counts {
        open: mine().filter(propagation_tasks::resolved_at.is_null()).count().get_result(conn)?,
        overdue: mine()
            .filter(propagation_tasks::resolved_at.is_null())
            .filter(propagation_tasks::due_at.lt(to_db(now)))
            .count()
            .get_result(conn)?,
        done: mine().filter(propagation_tasks::resolved_at.is_not_null()).count().get_result(conn)?,
    })
}

/// Open tasks of every recipient past their due date (for monitoring).
pub fn overdue_count(conn: &mut DbConnection, now: OffsetDateTime) -> Result<i64, DbError> {
    Ok(propagation_tasks::table
        .filter(propagation_tasks::resolved_at.is_null())
        .filter(propagation_tasks::due_at.lt(to_db(now)))
        .count()
        .get_result(conn)?)
}
