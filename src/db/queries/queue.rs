//! The privacy officers' queue: requests by type, status, entity and due date; who
//! decided; extending a deadline (Art. 12(3)); chasing recipients that are overdue.

use diesel::prelude::*;
use time::OffsetDateTime;

use super::decisions::{self, Engine};
use super::{audit, outbox};
use crate::db::schema::{propagation_tasks, rights_requests, subjects};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::Language;
use crate::domain::audit::{Actor, action};
use crate::domain::ids::{EntityId, RecipientId, SubjectId};
use crate::domain::rights::{RequestKind, RequestStatus, add_calendar_months, reference};
use crate::email::messages;

/// Which requests to list.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// One kind, or all.
    pub kind: Option<RequestKind>,
    /// `open` (not decided, or decided and waiting for recipients), one status, or all.
    pub status: Option<String>,
    /// One entity (requests for all entities included), or all.
    pub entity: Option<EntityId>,
    /// Only those due before this moment.
    pub due_before: Option<OffsetDateTime>,
}

/// A line of the queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// Public id.
    pub public_id: String,
    /// Whose (name).
    pub person: String,
    /// Kind.
    pub kind: RequestKind,
    /// Status.
    pub status: RequestStatus,
    /// Scope.
    pub entity: Option<EntityId>,
    /// Received.
    pub received_at: OffsetDateTime,
    /// Due (extended when it was).
    pub due_at: OffsetDateTime,
    /// Filed on the web or by staff.
    pub channel: String,
}

/// The queue, soonest due first.
pub fn list(conn: &mut DbConnection, filter: &QueueFilter, limit: i64) -> Result<Vec<QueueRow>, DbError> {
    type Row = (
        (String, String, String, String, Option<i64>),
        (time::PrimitiveDateTime, time::PrimitiveDateTime, Option<time::PrimitiveDateTime>, String),
    );
    let mut query = rights_requests::table.inner_join(subjects::table).into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(rights_requests::kind.eq(kind.as_str()));
    }
    match filter.status.as_deref() {
        None | Some("all") => {}
        Some("open") => {
            query = query.filter(rights_requests::status.eq_any([
                "received",
                "awaiting_decision",
                "approved",
                "partially_approved",
            ]))
        }
        Some(status) => query = query.filter(rights_requests::status.eq(status.to_owned())),
    }
    if let Some(entity) = filter.entity {
        query = query.filter(rights_requests::entity_id.eq(entity.0).or(rights_requests::entity_id.is_null()));
    }
    if let Some(before) = filter.due_before {
        let before = to_db(before);
        query = query.filter(
            rights_requests::extended_due_at
                .lt(before)
                .or(rights_requests::extended_due_at.is_null().and(rights_requests::due_at.lt(before))),
        );
    }
    let rows: Vec<Row> = query
        .order((rights_requests::due_at, rights_requests::id))
        .limit(limit)
        .select((
            (
                rights_requests::public_id,
                subjects::display_name,
                rights_requests::kind,
                rights_requests::status,
                rights_requests::entity_id,
            ),
            (
                rights_requests::received_at,
                rights_requests::due_at,
                rights_requests::extended_due_at,
                rights_requests::channel,
            ),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|((public_id, person, kind, status, entity), (received, due, extended, channel))| {
            Ok(QueueRow {
                public_id,
                person,
                kind: kind.parse().map_err(|e| DbError::Rejected(format!("stored kind: {e}")))?,
                status: status.parse().map_err(|e| DbError::Rejected(format!("stored status: {e}")))?,
                entity: entity.map(EntityId),
                received_at: from_db(received),
                due_at: from_db(extended.unwrap_or(due)),
                channel,
            })
        })
        .collect()
}

/// Records which staff member decided (after `decisions::decide`).
pub fn set_decided_by(conn: &mut DbConnection, public_id: &str, staff_user: i64) -> Result<(), DbError> {
    diesel::update(rights_requests::table.filter(rights_requests::public_id.eq(public_id)))
        .set(rights_requests::decided_by.eq(Some(staff_user)))
        .execute(conn)?;
    Ok(())
}

/// Why an extension is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendRefusal {
    /// Only one or two further months are possible.
    Months,
    /// The reason is empty or too long.
    Reason,
    /// The first month has ended: an extension must be told within it.
    TooLate,
    /// It was extended already.
    AlreadyExtended,
    /// The request is decided and complete, refused or withdrawn.
    Closed,
}

impl ExtendRefusal {
    /// The message key shown to the privacy officer.
    pub fn message_key(self) -> &'static str {
        match self {
            ExtendRefusal::Months => "queue.error_extend_months",
            ExtendRefusal::Reason => "queue.error_extend_reason",
            ExtendRefusal::TooLate => "queue.error_extend_late",
            ExtendRefusal::AlreadyExtended => "queue.error_extend_twice",
            ExtendRefusal::Closed => "queue.error_closed",
        }
    }
}

/// Extends a request's deadline by `months` (1 or 2) with a reason, once, and only
/// within the first month (GDPR Art. 12(3)); tells the person. In the caller's
/// transaction; returns the new due date, or why not (nothing changed).
#[allow(clippy::too_many_arguments)]
pub fn extend(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    public_id: &str,
    months: u32,
    reason: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Result<OffsetDateTime, ExtendRefusal>, DbError> {
    if !(1..=2).contains(&months) {
        return Ok(Err(ExtendRefusal::Months));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Ok(Err(ExtendRefusal::Reason));
    }
    let (id, subject, status, due, extended): (
        i64,
        i64,
        String,
        time::PrimitiveDateTime,
        Option<time::PrimitiveDateTime>,
    ) = rights_requests::table
        .filter(rights_requests::public_id.eq(public_id))
        .select((
            rights_requests::id,
            rights_requests::subject_id,
            rights_requests::status,
            rights_requests::due_at,
            rights_requests::extended_due_at,
        ))
        .first(conn)?;
    let status: RequestStatus = status.parse().map_err(|e| DbError::Rejected(format!("stored status: {e}")))?;
    if !status.is_open() {
        return Ok(Err(ExtendRefusal::Closed));
    }
    if extended.is_some() {
        return Ok(Err(ExtendRefusal::AlreadyExtended));
    }
    let due = from_db(due);
    if now >= due {
        return Ok(Err(ExtendRefusal::TooLate));
    }
    let new_due = due.replace_date(add_calendar_months(due.date(), months));
    diesel::update(rights_requests::table.find(id))
        .set((
            rights_requests::extended_due_at.eq(Some(to_db(new_due))),
            rights_requests::extension_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        actor,
        action::REQUEST_EXTENDED,
        Some(subject),
        Some("request"),
        Some(public_id),
        serde_json::json!({ "months": months }),
        now,
    )?;
    if let Some((to, name, language)) = decisions::recipient_of_mail(conn, SubjectId(subject))? {
        let r = reference(public_id);
        let date = crate::i18n::messages(language).date(new_due.date());
        let (subject_line, paragraphs) = if language == Language::Nl {
            (
                format!("Wij hebben meer tijd nodig voor uw verzoek {r}"),
                vec![
                    format!("Wij beantwoorden uw verzoek {r} uiterlijk op {date}."),
                    format!("De reden: {reason}"),
                    "Bent u het daar niet mee eens, dan kunt u een klacht indienen bij de toezichthouder.".to_owned(),
                ],
            )
        } else {
            (
                format!("We need more time for your request {r}"),
                vec![
                    format!("We will answer your request {r} by {date} at the latest."),
                    format!("The reason: {reason}"),
                    "If you disagree, you can complain to the supervisory authority.".to_owned(),
                ],
            )
        };
        let link = format!("{}/requests/{public_id}", engine.public_base);
        let see = if language == Language::Nl { "Bekijk uw verzoek" } else { "See your request" };
        let mail = messages::notice(&to, &name, language, subject_line, &paragraphs, Some((see, &link)))
            .map_err(|e| DbError::Rejected(e.to_string()))?;
        decisions::queue_mail(conn, engine, mail, now)?;
    }
    Ok(Ok(new_due))
}

/// Sends an overdue task again: its webhook (when the recipient has one) and a mail to
/// the recipient's contact address. Returns false when the task is not open.
pub fn resend_task(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    task_public_id: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let row: Option<(i64, i64, Option<i64>, String, Option<time::PrimitiveDateTime>)> = propagation_tasks::table
        .filter(propagation_tasks::public_id.eq(task_public_id))
        .select((
            propagation_tasks::id,
            propagation_tasks::recipient_id,
            propagation_tasks::subject_id.nullable(),
            propagation_tasks::action,
            propagation_tasks::resolved_at,
        ))
        .first(conn)
        .optional()?;
    let Some((_, recipient, subject, task_action, None)) = row else { return Ok(false) };
    if super::webhooks::endpoint(conn, RecipientId(recipient))?.is_some() {
        let payload = serde_json::json!({ "task": task_public_id }).to_string().into_bytes();
        outbox::enqueue(conn, "webhook", payload, now, None)?;
    }
    if let Some(r) = engine.stored.recipient(RecipientId(recipient)) {
        let paragraphs = vec![
            format!(
                "A privacy task for {} is overdue: {} (task {task_public_id}).",
                r.name,
                crate::task_documents::opendsr_type(&task_action)
            ),
            "Please apply it and confirm, or decline it with a reason, in the processor portal or over the API."
                .to_owned(),
        ];
        let link = format!("{}/processor/tasks/{task_public_id}", engine.public_base);
        let mail = messages::notice(
            &r.contact_email,
            &r.name,
            Language::En,
            format!("Overdue privacy task {task_public_id}"),
            &paragraphs,
            Some(("Open the task", &link)),
        )
        .map_err(|e| DbError::Rejected(e.to_string()))?;
        decisions::queue_mail(conn, engine, mail, now)?;
    }
    audit::append(
        conn,
        actor,
        action::TASK_RESENT,
        subject,
        Some("task"),
        Some(task_public_id),
        serde_json::json!({}),
        now,
    )?;
    Ok(true)
}
