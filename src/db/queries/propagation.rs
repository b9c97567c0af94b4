//! Propagation tasks: one onward change for one recipient (Art. 19), created in the
//! transaction of the change that causes it and carrying only what that recipient
//! needs to find the person and act.

use diesel::prelude::*;
use time::{Duration, OffsetDateTime};

use super::catalog::StoredCatalog;
use crate::db::schema::{
    api_tokens, processor_users, propagation_tasks, recipient_channels, relationships, subject_emails,
};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::ids::{ChannelId, ConsentEventId, EntityId, PublicId, RecipientId, RequestId, SubjectId};

/// What a task asks.
pub struct NewTask<'a> {
    /// Who must act.
    pub recipient: RecipientId,
    /// Whose data.
    pub subject: SubjectId,
    /// Which entity disclosed it.
    pub entity: EntityId,
    /// The request behind it, if any.
    pub request: Option<RequestId>,
    /// The consent event behind it, if any.
    pub consent_event: Option<ConsentEventId>,
    /// rectify, erase, restrict, lift_restriction, object, stop_marketing.
    pub action: &'a str,
    /// The minimum the recipient needs (JSON).
    pub payload: serde_json::Value,
    /// Now.
    pub now: OffsetDateTime,
    /// Days the recipient has.
    pub due_days: u32,
}

/// Stores a task; returns its public id.
pub fn create(conn: &mut DbConnection, task: NewTask<'_>) -> Result<String, DbError> {
    let public_id = PublicId::new();
    diesel::insert_into(propagation_tasks::table)
        .values((
            propagation_tasks::public_id.eq(public_id.as_str()),
            propagation_tasks::recipient_id.eq(task.recipient.0),
            propagation_tasks::subject_id.eq(task.subject.0),
            propagation_tasks::entity_id.eq(task.entity.0),
            propagation_tasks::request_id.eq(task.request.map(|r| r.0)),
            propagation_tasks::consent_event_id.eq(task.consent_event.map(|c| c.0)),
            propagation_tasks::action.eq(task.action),
            propagation_tasks::payload.eq(task.payload.to_string()),
            propagation_tasks::status.eq("pending"),
            propagation_tasks::created_at.eq(to_db(task.now)),
            propagation_tasks::due_at.eq(to_db(task.now + Duration::days(task.due_days as i64))),
        ))
        .execute(conn)?;
    // A recipient with a webhook hears about it through the outbox, committed with the
    // task. The outbox row holds only the task id: the body is built from the task.
    if super::webhooks::endpoint(conn, task.recipient)?.is_some() {
        let payload = serde_json::json!({ "task": public_id.as_str() }).to_string().into_bytes();
        super::outbox::enqueue(conn, "webhook", payload, task.now, None)?;
    }
    Ok(public_id.to_string())
}

/// The identifiers agreed with a recipient, filled in for one person and entity:
/// `email` is the registered address, `customer_number` the entity's reference.
pub fn identifiers_for(
    conn: &mut DbConnection,
    agreed: &[String],
    subject: SubjectId,
    entity: EntityId,
) -> Result<serde_json::Map<String, serde_json::Value>, DbError> {
    let mut out = serde_json::Map::new();
    for identifier in agreed {
        let value: Option<String> = match identifier.as_str() {
            "email" => subject_emails::table
                .filter(subject_emails::subject_id.eq(subject.0))
                .filter(subject_emails::is_primary.eq(true))
                .select(subject_emails::address)
                .first(conn)
                .optional()?,
            "customer_number" => relationships::table
                .filter(relationships::subject_id.eq(subject.0))
                .filter(relationships::entity_id.eq(entity.0))
                .filter(relationships::reference.is_not_null())
                .select(relationships::reference)
                .first::<Option<String>>(conn)
                .optional()?
                .flatten(),
            _ => None,
        };
        if let Some(value) = value {
            out.insert(identifier.clone(), serde_json::Value::String(value));
        }
    }
    Ok(out)
}

/// A withdrawal of marketing consent reaches every recipient that does marketing for
/// that entity on that channel: one `stop_marketing` task each.
#[allow(clippy::too_many_arguments)]
pub fn stop_marketing(
    conn: &mut DbConnection,
    stored: &StoredCatalog,
    subject: SubjectId,
    entity: EntityId,
    channel: ChannelId,
    consent_event: ConsentEventId,
    request: Option<RequestId>,
    now: OffsetDateTime,
) -> Result<Vec<String>, DbError> {
    let recipients: Vec<i64> = recipient_channels::table
        .filter(recipient_channels::entity_id.eq(entity.0))
        .filter(recipient_channels::channel_id.eq(channel.0))
        .select(recipient_channels::recipient_id)
        .load(conn)?;
    let entity_key =
        stored.ids.entities.iter().find(|(_, id)| **id == entity).map(|(k, _)| k.to_string()).unwrap_or_default();
    let channel_key =
        stored.ids.channels.iter().find(|(_, id)| **id == channel).map(|(k, _)| k.to_string()).unwrap_or_default();
    let mut created = Vec::new();
    for recipient in recipients {
        let Some(r) = stored
            .ids
            .recipients
            .iter()
            .find(|(_, id)| id.0 == recipient)
            .and_then(|(k, _)| stored.catalog.recipients.iter().find(|r| &r.key == k))
        else {
            continue;
        };
        let identifiers = identifiers_for(conn, &r.identifiers, subject, entity)?;
        let payload = serde_json::json!({
            "action": "stop_marketing",
            "entity": entity_key,
            "channel": channel_key,
            "identifiers": identifiers,
        });
        created.push(create(
            conn,
            NewTask {
                recipient: RecipientId(recipient),
                subject,
                entity,
                request,
                consent_event: Some(consent_event),
                action: "stop_marketing",
                payload,
                now,
                due_days: r.due_days,
            },
        )?);
    }
    Ok(created)
}

/// A task as the person sees it on a request or preference page.
#[derive(Debug, Clone)]
pub struct TaskView {
    /// Public id.
    pub public_id: String,
    /// Recipient.
    pub recipient: RecipientId,
    /// The entity that disclosed the data.
    pub entity: EntityId,
    /// Action.
    pub action: String,
    /// pending, delivered, applied, declined.
    pub status: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Due.
    pub due_at: OffsetDateTime,
    /// Confirmed or declined at.
    pub resolved_at: Option<OffsetDateTime>,
    /// Why declined.
    pub decline_reason: Option<String>,
    /// The recipient's reference for what it did.
    pub resolution_reference: Option<String>,
    /// portal or api.
    pub resolved_via: Option<String>,
    /// Who answered: the processor user's name, or the API token's label.
    pub resolved_by: Option<String>,
    /// The consent event behind it.
    pub consent_event: Option<i64>,
}

impl TaskView {
    /// Open and past due at `now`.
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.resolved_at.is_none() && self.due_at < now
    }
}

/// The tasks caused by a request, or by the person's consent events.
pub fn for_subject(
    conn: &mut DbConnection,
    subject: SubjectId,
    request: Option<RequestId>,
) -> Result<Vec<TaskView>, DbError> {
    type Row = (
        (String, i64, i64, String, String, time::PrimitiveDateTime, time::PrimitiveDateTime),
        (
            Option<time::PrimitiveDateTime>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        ),
    );
    let mut query = propagation_tasks::table.filter(propagation_tasks::subject_id.eq(subject.0)).into_boxed();
    if let Some(r) = request {
        query = query.filter(propagation_tasks::request_id.eq(r.0));
    }
    let rows: Vec<Row> = query
        .order(propagation_tasks::id)
        .select((
            (
                propagation_tasks::public_id,
                propagation_tasks::recipient_id,
                propagation_tasks::entity_id,
                propagation_tasks::action,
                propagation_tasks::status,
                propagation_tasks::created_at,
                propagation_tasks::due_at,
            ),
            (
                propagation_tasks::resolved_at,
                propagation_tasks::decline_reason,
                propagation_tasks::resolution_reference,
                propagation_tasks::resolved_via,
                propagation_tasks::resolved_by_processor_user_id,
                propagation_tasks::resolved_by_token_id,
                propagation_tasks::consent_event_id,
            ),
        ))
        .load(conn)?;
    let user_ids: Vec<i64> = rows.iter().filter_map(|(_, b)| b.4).collect();
    let token_ids: Vec<i64> = rows.iter().filter_map(|(_, b)| b.5).collect();
    let users: Vec<(i64, String)> = if user_ids.is_empty() {
        Vec::new()
    } else {
        processor_users::table
            .filter(processor_users::id.eq_any(&user_ids))
            .select((processor_users::id, processor_users::display_name))
            .load(conn)?
    };
    let tokens: Vec<(i64, String)> = if token_ids.is_empty() {
        Vec::new()
    } else {
        api_tokens::table
            .filter(api_tokens::id.eq_any(&token_ids))
            .select((api_tokens::id, api_tokens::label))
            .load(conn)?
    };
    let name_of = |list: &[(i64, String)], id: Option<i64>| {
        id.and_then(|id| list.iter().find(|(i, _)| *i == id)).map(|(_, n)| n.clone())
    };
    Ok(rows
        .into_iter()
        .map(
            |(
                (public_id, recipient, entity, action, status, created, due),
                (resolved, decline_reason, reference, via, user, token, consent_event),
            )| {
                let resolved_by =
                    name_of(&users, user).or_else(|| name_of(&tokens, token).map(|label| format!("API: {label}")));
                TaskView {
                    public_id,
                    recipient: RecipientId(recipient),
                    entity: EntityId(entity),
                    action,
                    status,
                    created_at: from_db(created),
                    due_at: from_db(due),
                    resolved_at: resolved.map(from_db),
                    decline_reason,
                    resolution_reference: reference,
                    resolved_via: via,
                    resolved_by,
                    consent_event,
                }
            },
        )
        .collect())
}
