//! Rights requests: filing (with what they name), finding the person's own, and the
//! check that stops a second open request of the same kind.

use diesel::prelude::*;
use time::OffsetDateTime;

use super::subject_data::{RequestSummary, SummaryRow, summary_columns, summary_of};
use crate::db::schema::{records, rights_request_items, rights_requests};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::ids::{CategoryId, EntityId, PublicId, PurposeId, RecordId, RequestId, SubjectId};
use crate::domain::rights::{RequestKind, RequestStatus, due_at};

/// What a request names.
#[derive(Debug, Clone, Default)]
pub struct NewItem {
    /// A record (rectification).
    pub record: Option<RecordId>,
    /// A purpose (objection, withdrawal).
    pub purpose: Option<PurposeId>,
    /// A category (restriction).
    pub category: Option<CategoryId>,
    /// The corrected value (rectification).
    pub proposed_value: Option<String>,
}

/// A request to file.
pub struct NewRequest<'a> {
    /// Its public id, made by the caller (the confirmation mail names it before filing).
    pub public_id: PublicId,
    /// Whose.
    pub subject: SubjectId,
    /// Which right.
    pub kind: RequestKind,
    /// One entity, or all.
    pub entity: Option<EntityId>,
    /// The person's own words (reason, supplementary statement).
    pub statement: &'a str,
    /// Named records, purposes, categories.
    pub items: Vec<NewItem>,
    /// Starting status (`Completed` for what takes effect at once).
    pub status: RequestStatus,
    /// web, phone, email, post, api.
    pub channel: &'a str,
    /// Staff member filing on behalf, if any.
    pub staff_user: Option<i64>,
    /// Received at.
    pub now: OffsetDateTime,
}

/// A filed request.
#[derive(Debug, Clone)]
pub struct Filed {
    /// Row id.
    pub id: RequestId,
    /// Public id.
    pub public_id: String,
    /// Due date.
    pub due_at: OffsetDateTime,
}

/// The public id of an open request of this kind for this scope, if any.
pub fn open_of_kind(
    conn: &mut DbConnection,
    subject: SubjectId,
    kind: RequestKind,
    entity: Option<EntityId>,
) -> Result<Option<String>, DbError> {
    let open: Vec<&str> = RequestStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
    let query = rights_requests::table
        .filter(rights_requests::subject_id.eq(subject.0))
        .filter(rights_requests::kind.eq(kind.as_str()))
        .filter(rights_requests::status.eq_any(open))
        .select(rights_requests::public_id);
    // Prepared once per connection; its generic plan on PostgreSQL reads the person's few
    // requests through the (subject_id, kind) index (migration 14). Without that index it
    // combined the person index with the status index and read every open request's entry.
    Ok(match entity {
        Some(e) => query.filter(rights_requests::entity_id.eq(e.0)).first(conn).optional()?,
        None => query.filter(rights_requests::entity_id.is_null()).first(conn).optional()?,
    })
}

/// The entity and category of one of the person's records (`None` if it is not theirs).
pub fn own_record(
    conn: &mut DbConnection,
    subject: SubjectId,
    record: RecordId,
) -> Result<Option<(EntityId, CategoryId)>, DbError> {
    let row: Option<(i64, i64)> = records::table
        .filter(records::id.eq(record.0))
        .filter(records::subject_id.eq(subject.0))
        .filter(records::erased_at.is_null())
        .select((records::entity_id, records::category_id))
        .first(conn)
        .optional()?;
    Ok(row.map(|(e, c)| (EntityId(e), CategoryId(c))))
}

/// Files a request with its items.
pub fn create(conn: &mut DbConnection, r: NewRequest<'_>) -> Result<Filed, DbError> {
    let public_id = r.public_id;
    let due = due_at(r.now);
    let completed = (r.status == RequestStatus::Completed).then_some(to_db(r.now));
    let id: i64 = diesel::insert_into(rights_requests::table)
        .values((
            rights_requests::public_id.eq(public_id.as_str()),
            rights_requests::subject_id.eq(r.subject.0),
            rights_requests::kind.eq(r.kind.as_str()),
            rights_requests::entity_id.eq(r.entity.map(|e| e.0)),
            rights_requests::status.eq(r.status.as_str()),
            rights_requests::filed_by.eq(if r.staff_user.is_some() { "staff" } else { "subject" }),
            rights_requests::staff_user_id.eq(r.staff_user),
            rights_requests::channel.eq(r.channel),
            rights_requests::statement.eq(r.statement),
            rights_requests::received_at.eq(to_db(r.now)),
            rights_requests::due_at.eq(to_db(due)),
            rights_requests::completed_at.eq(completed),
        ))
        .returning(rights_requests::id)
        .get_result(conn)?;
    for item in &r.items {
        let outcome = if completed.is_some() { "applied" } else { "pending" };
        diesel::insert_into(rights_request_items::table)
            .values((
                rights_request_items::request_id.eq(id),
                rights_request_items::record_id.eq(item.record.map(|x| x.0)),
                rights_request_items::purpose_id.eq(item.purpose.map(|x| x.0)),
                rights_request_items::category_id.eq(item.category.map(|x| x.0)),
                rights_request_items::proposed_value.eq(item.proposed_value.as_deref()),
                rights_request_items::outcome.eq(outcome),
            ))
            .execute(conn)?;
    }
    Ok(Filed { id: RequestId(id), public_id: public_id.to_string(), due_at: due })
}

/// One named item of a request.
#[derive(Debug, Clone)]
pub struct ItemView {
    /// The record.
    pub record: Option<RecordId>,
    /// The purpose.
    pub purpose: Option<PurposeId>,
    /// The category.
    pub category: Option<CategoryId>,
    /// Proposed value.
    pub proposed_value: Option<String>,
    /// pending, applied, kept, rejected.
    pub outcome: String,
    /// Why kept (the key of the purpose that requires it).
    pub kept_reason: Option<String>,
    /// Kept until.
    pub kept_until: Option<time::Date>,
}

/// A request with everything its status page shows.
#[derive(Debug, Clone)]
pub struct RequestDetail {
    /// The listing fields.
    pub summary: RequestSummary,
    /// The person's words.
    pub statement: String,
    /// Filed by staff?
    pub filed_by_staff: bool,
    /// Decided at.
    pub decided_at: Option<OffsetDateTime>,
    /// Decision reason.
    pub decision_reason: Option<String>,
    /// Extension reason.
    pub extension_reason: Option<String>,
    /// Items.
    pub items: Vec<ItemView>,
}

/// Whose request this is (for links that carry a capability instead of a session).
pub fn owner_of(conn: &mut DbConnection, public_id: &str) -> Result<Option<SubjectId>, DbError> {
    let found: Option<i64> = rights_requests::table
        .filter(rights_requests::public_id.eq(public_id))
        .select(rights_requests::subject_id)
        .first(conn)
        .optional()?;
    Ok(found.map(SubjectId))
}

/// One of the person's requests by public id; `None` for anyone else's (so ids of
/// other people's requests are indistinguishable from ids that do not exist).
pub fn find(conn: &mut DbConnection, subject: SubjectId, public_id: &str) -> Result<Option<RequestDetail>, DbError> {
    type Extra = (String, String, Option<time::PrimitiveDateTime>, Option<String>, Option<String>);
    // One query for the request itself: a status page is read far more often than filed.
    let Some((summary, extra)) = rights_requests::table
        .filter(rights_requests::public_id.eq(public_id))
        .filter(rights_requests::subject_id.eq(subject.0))
        .select((
            summary_columns!(),
            (
                rights_requests::statement,
                rights_requests::filed_by,
                rights_requests::decided_at,
                rights_requests::decision_reason,
                rights_requests::extension_reason,
            ),
        ))
        .first::<(SummaryRow, Extra)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let summary = summary_of(summary)?;
    let id = summary.id;
    let (statement, filed_by, decided, decision_reason, extension_reason) = extra;
    type ItemRow = (Option<i64>, Option<i64>, Option<i64>, Option<String>, String, Option<String>, Option<time::Date>);
    let items: Vec<ItemRow> = rights_request_items::table
        .filter(rights_request_items::request_id.eq(id))
        .order(rights_request_items::id)
        .select((
            rights_request_items::record_id,
            rights_request_items::purpose_id,
            rights_request_items::category_id,
            rights_request_items::proposed_value,
            rights_request_items::outcome,
            rights_request_items::kept_reason,
            rights_request_items::kept_until,
        ))
        .load(conn)?;
    Ok(Some(RequestDetail {
        summary,
        statement,
        filed_by_staff: filed_by == "staff",
        decided_at: decided.map(from_db),
        decision_reason,
        extension_reason,
        items: items
            .into_iter()
            .map(|(record, purpose, category, proposed_value, outcome, kept_reason, kept_until)| ItemView {
                record: record.map(RecordId),
                purpose: purpose.map(PurposeId),
                category: category.map(CategoryId),
                proposed_value,
                outcome,
                kept_reason,
                kept_until,
            })
            .collect(),
    }))
}
