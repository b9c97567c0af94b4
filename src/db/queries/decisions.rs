//! Deciding a rights request, and what follows in the same transaction: the portal's
//! own copy changes (erasure, correction, restriction, objection, withdrawal) and one
//! propagation task per recipient that received the affected categories of the
//! affected entity (Art. 19), each carrying only what that recipient needs.
//!
//! A request stays open until every task is applied or declined; then it completes
//! (`settle`), the person is told, and a full erasure finishes by removing the
//! identifiers that were kept to see the request through.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use time::OffsetDateTime;

use super::catalog::StoredCatalog;
use super::propagation::{self, NewTask};
use super::subject_data::{self, HeldRecord};
use super::{audit, outbox, preferences, sessions};
use crate::auth::Keys;
use crate::db::schema::*;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::Actor;
use crate::domain::ids::{CategoryId, EntityId, PurposeId, RecipientId, RequestId, SubjectId};
use crate::domain::retention::{ErasureOutcome, RetainingPurpose, erasure_outcome};
use crate::domain::rights::{RequestKind, RequestStatus, reference};
use crate::domain::{EmailAddress, Language};
use crate::email::messages;

/// What the decider says.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Carry it out.
    Approve,
    /// Refuse it, with reasons (the person is told, and how to complain).
    Reject {
        /// Why.
        reason: String,
    },
    /// Carry it out except for the named records (erasure: kept; rectification: not
    /// corrected; restriction: not restricted), for a legal reason the person is told.
    ApproveExcept {
        /// Row ids of the records left out.
        keep: Vec<i64>,
        /// The legal reason.
        reason: String,
        /// Until when erased records are kept (storage limitation: never open-ended).
        until: time::Date,
    },
}

impl Decision {
    fn excepted(&self, record: i64) -> bool {
        matches!(self, Decision::ApproveExcept { keep, .. } if keep.contains(&record))
    }
}

/// What deciding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionResult {
    /// The request's status now.
    pub status: String,
    /// Tasks created.
    pub tasks: usize,
    /// Records erased.
    pub erased: usize,
    /// Records kept under a legal obligation.
    pub kept: usize,
    /// Records corrected, restricted or unlinked from a purpose.
    pub changed: usize,
    /// Records the decision left out (not corrected or not restricted).
    pub refused: usize,
}

/// Everything deciding needs besides the connection.
pub struct Engine<'a> {
    /// The register.
    pub stored: &'a StoredCatalog,
    /// Keys (suppression hashes, sealing mail).
    pub keys: &'a Keys,
    /// Public base URL (links in mail).
    pub public_base: &'a str,
}

pub(super) struct Request {
    pub(super) id: i64,
    pub(super) public_id: String,
    pub(super) subject: SubjectId,
    pub(super) kind: RequestKind,
    pub(super) entity: Option<EntityId>,
    pub(super) status: RequestStatus,
}

pub(super) fn load_request(conn: &mut DbConnection, public_id: &str) -> Result<Request, DbError> {
    let (id, public_id, subject, kind, entity, status): (i64, String, i64, String, Option<i64>, String) =
        rights_requests::table
            .filter(rights_requests::public_id.eq(public_id))
            .select((
                rights_requests::id,
                rights_requests::public_id,
                rights_requests::subject_id,
                rights_requests::kind,
                rights_requests::entity_id,
                rights_requests::status,
            ))
            .first(conn)?;
    Ok(Request {
        id,
        public_id,
        subject: SubjectId(subject),
        kind: kind.parse().map_err(|e| DbError::Rejected(format!("stored kind: {e}")))?,
        entity: entity.map(EntityId),
        status: status.parse().map_err(|e| DbError::Rejected(format!("stored status: {e}")))?,
    })
}

/// The public id of a request by its reference (`REQ-1F3A9C2B`) or public id.
pub fn find_public_id(conn: &mut DbConnection, reference_or_id: &str) -> Result<Option<String>, DbError> {
    let wanted = reference_or_id.trim();
    if let Some(id) = crate::domain::ids::PublicId::parse(wanted) {
        let found: Option<String> = rights_requests::table
            .filter(rights_requests::public_id.eq(id.as_str()))
            .select(rights_requests::public_id)
            .first(conn)
            .optional()?;
        return Ok(found);
    }
    let prefix = wanted.trim_start_matches("REQ-").to_ascii_lowercase();
    if prefix.len() != 8 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let found: Vec<String> = rights_requests::table
        .filter(rights_requests::public_id.like(format!("{prefix}%")))
        .select(rights_requests::public_id)
        .load(conn)?;
    Ok(found.into_iter().find(|p| reference(p).eq_ignore_ascii_case(wanted)))
}

pub(super) struct Items {
    pub(super) records: Vec<(i64, Option<i64>, Option<String>)>,
    pub(super) purposes: Vec<PurposeId>,
    pub(super) categories: Vec<CategoryId>,
}

pub(super) fn load_items(conn: &mut DbConnection, request: i64) -> Result<Items, DbError> {
    let rows: Vec<(i64, Option<i64>, Option<i64>, Option<i64>, Option<String>)> = rights_request_items::table
        .filter(rights_request_items::request_id.eq(request))
        .select((
            rights_request_items::id,
            rights_request_items::record_id,
            rights_request_items::purpose_id,
            rights_request_items::category_id,
            rights_request_items::proposed_value,
        ))
        .load(conn)?;
    let mut items = Items { records: Vec::new(), purposes: Vec::new(), categories: Vec::new() };
    for (item, record, purpose, category, proposed) in rows {
        if record.is_some() {
            items.records.push((item, record, proposed));
        }
        if let Some(p) = purpose {
            items.purposes.push(PurposeId(p));
        }
        if let Some(c) = category {
            items.categories.push(CategoryId(c));
        }
    }
    Ok(items)
}

fn mark_items(conn: &mut DbConnection, request: i64, outcome: &str) -> Result<(), DbError> {
    diesel::update(
        rights_request_items::table
            .filter(rights_request_items::request_id.eq(request))
            .filter(rights_request_items::outcome.eq("pending")),
    )
    .set(rights_request_items::outcome.eq(outcome))
    .execute(conn)?;
    Ok(())
}

/// The person's registered address, name and language (for mail).
pub(super) fn recipient_of_mail(
    conn: &mut DbConnection,
    subject: SubjectId,
) -> Result<Option<(EmailAddress, String, Language)>, DbError> {
    let summary = super::subjects::summary(conn, subject)?;
    Ok(summary.email.map(|e| (e, summary.display_name, summary.language)))
}

pub(super) fn queue_mail(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    mail: crate::email::OutgoingMail,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    let payload = serde_json::to_vec(&mail).map_err(|e| DbError::Rejected(e.to_string()))?;
    outbox::enqueue(conn, "email", engine.keys.seal(&payload), now, None)?;
    Ok(())
}

/// Tasks for every recipient that received any of `categories` (per entity) of this
/// person, one per recipient and entity.
#[allow(clippy::too_many_arguments)]
fn tasks_for_categories(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    request: &Request,
    data: &subject_data::SubjectData,
    affected: &BTreeMap<EntityId, BTreeSet<CategoryId>>,
    action: &str,
    extra: impl Fn(EntityId, &BTreeSet<CategoryId>) -> serde_json::Value,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<usize, DbError> {
    let stored = engine.stored;
    let mut per_recipient: BTreeMap<(RecipientId, EntityId), BTreeSet<CategoryId>> = BTreeMap::new();
    for d in &data.disclosures {
        let Some(cats) = affected.get(&d.entity) else { continue };
        let hit: BTreeSet<CategoryId> = d.categories.iter().filter(|c| cats.contains(c)).copied().collect();
        if !hit.is_empty() {
            per_recipient.entry((d.recipient, d.entity)).or_default().extend(hit);
        }
    }
    let mut created = 0;
    for ((recipient, entity), cats) in per_recipient {
        let Some(r) = stored.recipient(recipient) else { continue };
        let identifiers = propagation::identifiers_for(conn, &r.identifiers, request.subject, entity)?;
        let mut payload = serde_json::json!({
            "action": action,
            "request": reference(&request.public_id),
            "entity": stored.entity(entity).map(|e| e.key.as_str()),
            "identifiers": identifiers,
            "categories": cats.iter().filter_map(|c| stored.category(*c)).map(|c| c.key.as_str()).collect::<Vec<_>>(),
        });
        if let (Some(obj), serde_json::Value::Object(more)) = (payload.as_object_mut(), extra(entity, &cats)) {
            obj.extend(more);
        }
        let task = propagation::create(
            conn,
            NewTask {
                recipient,
                subject: request.subject,
                entity,
                request: Some(RequestId(request.id)),
                consent_event: None,
                action,
                payload,
                now,
                due_days: r.due_days,
            },
        )?;
        audit::append(
            conn,
            actor,
            crate::domain::audit::action::TASK_CREATED,
            Some(request.subject.0),
            Some("task"),
            Some(&task),
            serde_json::json!({ "request": request.public_id, "recipient": r.key.as_str(), "action": action }),
            now,
        )?;
        created += 1;
    }
    Ok(created)
}

pub(super) fn entities_in_scope(request: &Request, data: &subject_data::SubjectData) -> BTreeSet<EntityId> {
    match request.entity {
        Some(e) => BTreeSet::from([e]),
        None => data.records.iter().map(|r| r.entity).chain(data.relationships.iter().map(|r| r.entity)).collect(),
    }
}

fn retaining(stored: &StoredCatalog, record: &HeldRecord) -> Vec<(String, RetainingPurpose)> {
    record
        .purposes
        .iter()
        .filter_map(|p| stored.purpose(*p))
        .map(|p| {
            (
                p.key.to_string(),
                RetainingPurpose { basis: p.legal_basis, months: p.retention.months, from: p.retention.from },
            )
        })
        .collect()
}

/// Decides an open request. In the caller's transaction; refused when it was decided.
pub fn decide(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    public_id: &str,
    decision: &Decision,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<DecisionResult, DbError> {
    let request = load_request(conn, public_id)?;
    if !request.status.can_decide() {
        return Err(DbError::Rejected(format!(
            "request {} is already {}",
            reference(&request.public_id),
            request.status
        )));
    }
    let stored = engine.stored;
    let mut result = DecisionResult::default();
    if let Decision::Reject { reason } = decision {
        diesel::update(rights_requests::table.find(request.id))
            .set((
                rights_requests::status.eq(RequestStatus::Rejected.as_str()),
                rights_requests::decided_at.eq(Some(to_db(now))),
                rights_requests::decision_reason.eq(Some(reason.as_str())),
                rights_requests::completed_at.eq(Some(to_db(now))),
            ))
            .execute(conn)?;
        mark_items(conn, request.id, "rejected")?;
        audit::append(
            conn,
            actor,
            crate::domain::audit::action::REQUEST_REJECTED,
            Some(request.subject.0),
            Some("request"),
            Some(&request.public_id),
            serde_json::json!({ "kind": request.kind.as_str() }),
            now,
        )?;
        if let Some((to, name, language)) = recipient_of_mail(conn, request.subject)? {
            let link = format!("{}/requests/{}", engine.public_base, request.public_id);
            let authority =
                stored.catalog.authorities.first().map(|a| format!("{} ({})", a.name, a.website)).unwrap_or_default();
            let mail = messages::request_decided(
                &to,
                &name,
                language,
                &reference(&request.public_id),
                false,
                Some(reason),
                &authority,
                &link,
            )
            .map_err(|e| DbError::Rejected(e.to_string()))?;
            queue_mail(conn, engine, mail, now)?;
        }
        result.status = RequestStatus::Rejected.to_string();
        return Ok(result);
    }

    let data = subject_data::load_current(conn, request.subject, stored)?;
    let items = load_items(conn, request.id)?;
    let scope = entities_in_scope(&request, &data);
    let today = now.date();
    // What an erasure did, as ids and keyed hashes: the erasure ledger that re-applies it
    // to a restored backup (`erasures reapply`).
    let mut erasure_trace: Option<(Vec<i64>, Vec<String>)> = None;
    match request.kind {
        RequestKind::Erasure => {
            let mut erased: BTreeMap<EntityId, BTreeSet<CategoryId>> = BTreeMap::new();
            let mut erased_ids: Vec<i64> = Vec::new();
            for record in data.records.iter().filter(|r| scope.contains(&r.entity) && r.erased_at.is_none()) {
                let ended =
                    data.relationships.iter().filter(|r| r.entity == record.entity).filter_map(|r| r.until).max();
                if let Decision::ApproveExcept { reason, until, .. } = decision
                    && decision.excepted(record.id.0)
                {
                    // Kept by the privacy officer's decision, for the reason the person is told.
                    diesel::update(records::table.find(record.id.0))
                        .set((records::kept_reason.eq(Some(reason.as_str())), records::kept_until.eq(Some(*until))))
                        .execute(conn)?;
                    diesel::insert_into(rights_request_items::table)
                        .values((
                            rights_request_items::request_id.eq(request.id),
                            rights_request_items::record_id.eq(Some(record.id.0)),
                            rights_request_items::outcome.eq("kept"),
                            rights_request_items::kept_reason.eq(Some(reason.as_str())),
                            rights_request_items::kept_until.eq(Some(*until)),
                        ))
                        .execute(conn)?;
                    result.kept += 1;
                    continue;
                }
                let purposes = retaining(stored, record);
                let rules: Vec<RetainingPurpose> = purposes.iter().map(|(_, p)| *p).collect();
                match erasure_outcome(&rules, record.collected_at.date(), ended, today) {
                    ErasureOutcome::Erase => {
                        diesel::update(records::table.find(record.id.0))
                            .set((
                                records::value.eq(""),
                                records::erased_at.eq(Some(to_db(now))),
                                records::updated_at.eq(to_db(now)),
                            ))
                            .execute(conn)?;
                        erased.entry(record.entity).or_default().insert(record.category);
                        erased_ids.push(record.id.0);
                        result.erased += 1;
                    }
                    ErasureOutcome::Keep { purpose, until } => {
                        let key = &purposes[purpose].0;
                        diesel::update(records::table.find(record.id.0))
                            .set((
                                records::kept_reason.eq(Some(key.as_str())),
                                records::kept_until.eq(until.or(Some(today))),
                            ))
                            .execute(conn)?;
                        diesel::insert_into(rights_request_items::table)
                            .values((
                                rights_request_items::request_id.eq(request.id),
                                rights_request_items::record_id.eq(Some(record.id.0)),
                                rights_request_items::outcome.eq("kept"),
                                rights_request_items::kept_reason.eq(Some(key.as_str())),
                                rights_request_items::kept_until.eq(until),
                            ))
                            .execute(conn)?;
                        result.kept += 1;
                    }
                }
            }
            // The portal's copy is gone: end every session, and remember (as keyed hashes
            // only) who was erased so later imports do not bring the data back.
            sessions::delete_all_for_subject(conn, request.subject, None)?;
            let suppressed = suppress(conn, engine, &request, &data, &scope, now)?;
            erasure_trace = Some((erased_ids, suppressed));
            result.tasks = tasks_for_categories(
                conn,
                engine,
                &request,
                &data,
                &erased,
                "erase",
                |_, _| serde_json::json!({}),
                actor,
                now,
            )?;
        }
        RequestKind::Rectification => {
            let mut changes: BTreeMap<EntityId, BTreeMap<CategoryId, serde_json::Map<String, serde_json::Value>>> =
                BTreeMap::new();
            for (item_id, record_id, proposed) in &items.records {
                let Some(record) = record_id.and_then(|id| data.records.iter().find(|r| r.id.0 == id)) else {
                    continue;
                };
                if decision.excepted(record.id.0) {
                    diesel::update(rights_request_items::table.find(item_id))
                        .set(rights_request_items::outcome.eq("rejected"))
                        .execute(conn)?;
                    result.refused += 1;
                    continue;
                }
                let entry = changes.entry(record.entity).or_default().entry(record.category).or_default();
                match proposed {
                    Some(value) => {
                        diesel::update(records::table.find(record.id.0))
                            .set((records::value.eq(value), records::updated_at.eq(to_db(now))))
                            .execute(conn)?;
                        entry.insert(record.field.clone(), serde_json::Value::String(value.clone()));
                    }
                    None => {
                        // A supplementary statement (Art. 16): stored next to the record it completes.
                        let statement: String =
                            rights_requests::table.find(request.id).select(rights_requests::statement).first(conn)?;
                        let new_id: i64 = diesel::insert_into(records::table)
                            .values((
                                records::subject_id.eq(request.subject.0),
                                records::entity_id.eq(record.entity.0),
                                records::category_id.eq(record.category.0),
                                records::field.eq("supplementary-statement"),
                                records::value.eq(&statement),
                                records::source.eq("provided"),
                                records::collected_at.eq(to_db(now)),
                                records::updated_at.eq(to_db(now)),
                            ))
                            .returning(records::id)
                            .get_result(conn)?;
                        for p in &record.purposes {
                            diesel::insert_into(record_purposes::table)
                                .values((
                                    record_purposes::record_id.eq(new_id),
                                    record_purposes::entity_id.eq(record.entity.0),
                                    record_purposes::purpose_id.eq(p.0),
                                ))
                                .execute(conn)?;
                        }
                        entry.insert(
                            format!("{} (supplementary statement)", record.field),
                            serde_json::Value::String(statement),
                        );
                    }
                }
                result.changed += 1;
            }
            let affected: BTreeMap<EntityId, BTreeSet<CategoryId>> =
                changes.iter().map(|(e, cats)| (*e, cats.keys().copied().collect())).collect();
            // Only the corrected fields of the categories each recipient received.
            result.tasks = tasks_for_categories(
                conn,
                engine,
                &request,
                &data,
                &affected,
                "rectify",
                |entity, cats| {
                    let mut corrected = serde_json::Map::new();
                    if let Some(by_category) = changes.get(&entity) {
                        for c in cats {
                            if let Some(fields) = by_category.get(c) {
                                corrected.extend(fields.clone());
                            }
                        }
                    }
                    serde_json::json!({ "corrected": corrected })
                },
                actor,
                now,
            )?;
        }
        RequestKind::Restriction => {
            let mut affected: BTreeMap<EntityId, BTreeSet<CategoryId>> = BTreeMap::new();
            for record in data.records.iter().filter(|r| scope.contains(&r.entity) && r.erased_at.is_none()) {
                if !items.categories.is_empty() && !items.categories.contains(&record.category) {
                    continue;
                }
                if decision.excepted(record.id.0) {
                    result.refused += 1;
                    continue;
                }
                if record.restricted_at.is_none() {
                    diesel::update(records::table.find(record.id.0))
                        .set(records::restricted_at.eq(Some(to_db(now))))
                        .execute(conn)?;
                    result.changed += 1;
                }
                affected.entry(record.entity).or_default().insert(record.category);
            }
            result.tasks = tasks_for_categories(
                conn,
                engine,
                &request,
                &data,
                &affected,
                "restrict",
                |_, _| serde_json::json!({}),
                actor,
                now,
            )?;
        }
        RequestKind::Objection | RequestKind::Withdrawal => {
            for pid in &items.purposes {
                let Some(purpose) = stored.purpose(*pid) else { continue };
                let Some(entity) = stored.catalog.entity(&purpose.entity) else { continue };
                let Some(entity_id) = stored.ids.entities.get(&entity.key).copied() else { continue };
                if request.kind == RequestKind::Withdrawal {
                    preferences::withdraw_purpose_consent(
                        conn,
                        request.subject,
                        entity_id,
                        *pid,
                        &entity.notice_version,
                        now,
                    )?;
                }
                if purpose.marketing {
                    // Direct marketing stops at once on every channel (Art. 21(3)).
                    for channel in &entity.marketing_channels {
                        let Some(channel_id) = stored.ids.channels.get(channel).copied() else { continue };
                        let change = preferences::ConsentChange {
                            subject: request.subject,
                            entity: entity_id,
                            channel: channel_id,
                            granted: false,
                            method: "web",
                            actor_kind: "subject",
                            actor_id: None,
                            notice_version: &entity.notice_version,
                            now,
                        };
                        if let Some(event) = preferences::set(conn, &change)? {
                            result.tasks += propagation::stop_marketing(
                                conn,
                                stored,
                                request.subject,
                                entity_id,
                                channel_id,
                                event,
                                Some(RequestId(request.id)),
                                now,
                            )?
                            .len();
                        }
                    }
                }
                // The data no longer serves the purpose.
                let own: Vec<i64> = data.records.iter().filter(|r| r.purposes.contains(pid)).map(|r| r.id.0).collect();
                result.changed += diesel::delete(
                    record_purposes::table
                        .filter(record_purposes::purpose_id.eq(pid.0))
                        .filter(record_purposes::record_id.eq_any(&own)),
                )
                .execute(conn)?;
                // Recipients that received data for it are told to stop.
                let recipients: BTreeSet<RecipientId> =
                    data.disclosures.iter().filter(|d| d.purpose == *pid).map(|d| d.recipient).collect();
                for recipient in recipients {
                    let Some(r) = stored.recipient(recipient) else { continue };
                    let identifiers = propagation::identifiers_for(conn, &r.identifiers, request.subject, entity_id)?;
                    let payload = serde_json::json!({
                        "action": "object",
                        "request": reference(&request.public_id),
                        "entity": entity.key.as_str(),
                        "purpose": purpose.key.as_str(),
                        "identifiers": identifiers,
                    });
                    let task = propagation::create(
                        conn,
                        NewTask {
                            recipient,
                            subject: request.subject,
                            entity: entity_id,
                            request: Some(RequestId(request.id)),
                            consent_event: None,
                            action: "object",
                            payload,
                            now,
                            due_days: r.due_days,
                        },
                    )?;
                    audit::append(
                        conn,
                        actor,
                        crate::domain::audit::action::TASK_CREATED,
                        Some(request.subject.0),
                        Some("task"),
                        Some(&task),
                        serde_json::json!({ "request": request.public_id, "recipient": r.key.as_str(), "action": "object" }),
                        now,
                    )?;
                    result.tasks += 1;
                }
            }
        }
        RequestKind::Access | RequestKind::Portability | RequestKind::AutomatedDecisionReview => {}
    }
    mark_items(conn, request.id, "applied")?;
    let status =
        if result.kept > 0 || result.refused > 0 { RequestStatus::PartiallyApproved } else { RequestStatus::Approved };
    let reason = match decision {
        Decision::ApproveExcept { reason, .. } => Some(reason.as_str()),
        _ => None,
    };
    diesel::update(rights_requests::table.find(request.id))
        .set((
            rights_requests::status.eq(status.as_str()),
            rights_requests::decided_at.eq(Some(to_db(now))),
            rights_requests::decision_reason.eq(reason),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        actor,
        crate::domain::audit::action::REQUEST_APPROVED,
        Some(request.subject.0),
        Some("request"),
        Some(&request.public_id),
        serde_json::json!({ "kind": request.kind.as_str(), "tasks": result.tasks, "erased": result.erased, "kept": result.kept, "changed": result.changed }),
        now,
    )?;
    if let Some((records, suppressions)) = erasure_trace {
        audit::append(
            conn,
            actor,
            crate::domain::audit::action::ERASURE_APPLIED,
            Some(request.subject.0),
            Some("request"),
            Some(&request.public_id),
            serde_json::json!({ "status": status.as_str(), "records": records, "suppressions": suppressions }),
            now,
        )?;
    }
    let settled = settle(conn, engine, RequestId(request.id), now)?;
    result.status = if settled { RequestStatus::Completed.to_string() } else { status.to_string() };
    Ok(result)
}

fn suppress(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    request: &Request,
    data: &subject_data::SubjectData,
    scope: &BTreeSet<EntityId>,
    now: OffsetDateTime,
) -> Result<Vec<String>, DbError> {
    let mut identifiers: Vec<String> = Vec::new();
    if request.entity.is_none()
        && let Some(email) = &data.summary.email
    {
        identifiers.push(format!("email:{email}"));
    }
    for r in data.relationships.iter().filter(|r| scope.contains(&r.entity)) {
        if let (Some(reference), Some(entity)) = (&r.reference, engine.stored.entity(r.entity)) {
            identifiers.push(format!("reference:{}:{reference}", entity.key));
        }
        if let (Some(email), Some(entity)) = (&data.summary.email, engine.stored.entity(r.entity)) {
            identifiers.push(format!("email:{}:{email}", entity.key));
        }
    }
    let hashes: Vec<String> = identifiers.iter().map(|i| suppression_hash(engine.keys, i)).collect();
    for hash in &hashes {
        insert_suppression(conn, hash, now)?;
    }
    Ok(hashes)
}

/// Stores a suppression marker unless it is there already.
pub fn insert_suppression(conn: &mut DbConnection, hash: &str, now: OffsetDateTime) -> Result<bool, DbError> {
    let exists: i64 = suppressions::table.filter(suppressions::identifier_hash.eq(hash)).count().get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(suppressions::table)
        .values((
            suppressions::identifier_hash.eq(hash),
            suppressions::reason.eq("erasure"),
            suppressions::created_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The keyed hash a suppression marker stores for an identifier (`email:…`,
/// `email:<entity>:…`, `reference:<entity>:…`).
pub fn suppression_hash(keys: &Keys, identifier: &str) -> String {
    keys.lookup_hash("suppression", identifier)
}

/// Whether an identifier was erased.
pub fn is_suppressed(conn: &mut DbConnection, keys: &Keys, identifier: &str) -> Result<bool, DbError> {
    let n: i64 = suppressions::table
        .filter(suppressions::identifier_hash.eq(suppression_hash(keys, identifier)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Which of `identifiers` carry a suppression marker, in one query.
pub fn suppressed_among(
    conn: &mut DbConnection,
    keys: &Keys,
    identifiers: &[String],
) -> Result<std::collections::HashSet<String>, DbError> {
    let hashes: Vec<(String, &String)> = identifiers.iter().map(|i| (suppression_hash(keys, i), i)).collect();
    let found: Vec<String> = suppressions::table
        .filter(suppressions::identifier_hash.eq_any(hashes.iter().map(|(h, _)| h.as_str())))
        .select(suppressions::identifier_hash)
        .load(conn)?;
    Ok(hashes.into_iter().filter(|(h, _)| found.contains(h)).map(|(_, i)| i.clone()).collect())
}

/// Completes a decided request once every task is applied or declined: the person is
/// told (with the certificate), and a full erasure with nothing kept removes the
/// identifiers kept to see it through. Returns whether it completed.
pub fn settle(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    request: RequestId,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let (public_id, subject, kind, entity, status, completed): (
        String,
        i64,
        String,
        Option<i64>,
        String,
        Option<time::PrimitiveDateTime>,
    ) = rights_requests::table
        .find(request.0)
        .select((
            rights_requests::public_id,
            rights_requests::subject_id,
            rights_requests::kind,
            rights_requests::entity_id,
            rights_requests::status,
            rights_requests::completed_at,
        ))
        .first(conn)?;
    let status: RequestStatus = status.parse().map_err(|e| DbError::Rejected(format!("stored status {e}")))?;
    if completed.is_some() || !status.can_complete(0) {
        return Ok(false);
    }
    let open: i64 = propagation_tasks::table
        .filter(propagation_tasks::request_id.eq(request.0))
        .filter(propagation_tasks::status.eq_any(["pending", "delivered"]))
        .count()
        .get_result(conn)?;
    if !status.can_complete(open.max(0) as u64) {
        return Ok(false);
    }
    let tasks: i64 =
        propagation_tasks::table.filter(propagation_tasks::request_id.eq(request.0)).count().get_result(conn)?;
    diesel::update(rights_requests::table.find(request.0))
        .set((
            rights_requests::status.eq(RequestStatus::Completed.as_str()),
            rights_requests::completed_at.eq(Some(to_db(now))),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        &Actor::System,
        crate::domain::audit::action::REQUEST_COMPLETED,
        Some(subject),
        Some("request"),
        Some(&public_id),
        serde_json::json!({ "tasks": tasks }),
        now,
    )?;
    if let Some((to, name, language)) = recipient_of_mail(conn, SubjectId(subject))? {
        // The certificate link carries a capability: after a full erasure the person
        // cannot sign in any more, and this mail is the proof they keep.
        let link = format!(
            "{}/requests/{public_id}/certificate?k={}",
            engine.public_base,
            crate::certificates::capability(engine.keys, &public_id)
        );
        let mail = messages::request_decided(&to, &name, language, &reference(&public_id), true, None, "", &link)
            .map_err(|e| DbError::Rejected(e.to_string()))?;
        queue_mail(conn, engine, mail, now)?;
    }
    // A full erasure with nothing kept: the address and linked identities were kept only
    // to see the request through (and to send the mail above, sealed already).
    let kept: i64 = rights_request_items::table
        .filter(rights_request_items::request_id.eq(request.0))
        .filter(rights_request_items::outcome.eq("kept"))
        .count()
        .get_result(conn)?;
    if kind == "erasure" && entity.is_none() && kept == 0 {
        remove_identifiers(conn, SubjectId(subject), now)?;
        audit::append(
            conn,
            &Actor::System,
            crate::domain::audit::action::SUBJECT_ERASED,
            Some(subject),
            Some("subject"),
            Some(&subject.to_string()),
            serde_json::json!({}),
            now,
        )?;
    }
    Ok(true)
}

/// Removes the last identifiers of a fully erased person: addresses, linked sign-in
/// identities, name and sessions. The row stays, blank, for the audit trail's ids.
pub fn remove_identifiers(conn: &mut DbConnection, subject: SubjectId, now: OffsetDateTime) -> Result<(), DbError> {
    diesel::delete(subject_emails::table.filter(subject_emails::subject_id.eq(subject.0))).execute(conn)?;
    diesel::delete(subject_oidc_identities::table.filter(subject_oidc_identities::subject_id.eq(subject.0)))
        .execute(conn)?;
    diesel::update(subjects::table.find(subject.0))
        .set((
            subjects::display_name.eq(""),
            subjects::erased_at.eq(Some(to_db(now))),
            subjects::updated_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    sessions::delete_all_for_subject(conn, subject, None)?;
    Ok(())
}

/// Open requests, oldest first: (reference, public id, kind, status, received, due).
pub fn open_requests(
    conn: &mut DbConnection,
) -> Result<Vec<(String, String, String, OffsetDateTime, OffsetDateTime)>, DbError> {
    let rows: Vec<(String, String, String, time::PrimitiveDateTime, time::PrimitiveDateTime)> = rights_requests::table
        .filter(rights_requests::status.eq_any(["received", "awaiting_decision", "approved", "partially_approved"]))
        .order(rights_requests::received_at)
        .select((
            rights_requests::public_id,
            rights_requests::kind,
            rights_requests::status,
            rights_requests::received_at,
            rights_requests::due_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, status, received, due)| (id, kind, status, from_db(received), from_db(due)))
        .collect())
}
