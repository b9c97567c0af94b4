//! Lifting a restriction of processing (GDPR Art. 18(3)): the person is told first, with
//! the reason and the date; on that date the records are released and every recipient
//! that was told to restrict is told to lift it.

use diesel::prelude::*;
use time::{Duration, OffsetDateTime};

use super::decisions::{self, Engine};
use super::propagation::{self, NewTask};
use super::{audit, subject_data};
use crate::db::schema::{propagation_tasks, records, restriction_lifts};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::Language;
use crate::domain::audit::{Actor, action};
use crate::domain::ids::{EntityId, RecipientId, RequestId};
use crate::domain::rights::{RequestKind, RequestStatus, reference};
use crate::email::messages;

/// Longest reason (characters).
pub const MAX_REASON_CHARS: usize = 2000;

/// An announced lift, as the person's request page shows it.
#[derive(Debug, Clone)]
pub struct Lift {
    /// Why.
    pub reason: String,
    /// When the person was told.
    pub announced_at: OffsetDateTime,
    /// When it takes (or took) effect.
    pub lift_at: OffsetDateTime,
    /// When it was lifted.
    pub lifted_at: Option<OffsetDateTime>,
}

/// The announced lift of a request, if any.
pub fn of_request(conn: &mut DbConnection, request: RequestId) -> Result<Option<Lift>, DbError> {
    type Row = (String, time::PrimitiveDateTime, time::PrimitiveDateTime, Option<time::PrimitiveDateTime>);
    let row: Option<Row> = restriction_lifts::table
        .filter(restriction_lifts::request_id.eq(request.0))
        .select((
            restriction_lifts::reason,
            restriction_lifts::announced_at,
            restriction_lifts::lift_at,
            restriction_lifts::lifted_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(reason, announced, lift, lifted)| Lift {
        reason,
        announced_at: from_db(announced),
        lift_at: from_db(lift),
        lifted_at: lifted.map(from_db),
    }))
}

fn notice_mail(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    request: &decisions::Request,
    lifted: bool,
    reason: &str,
    lift_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    let Some((to, name, language)) = decisions::recipient_of_mail(conn, request.subject)? else { return Ok(()) };
    let r = reference(&request.public_id);
    let texts = crate::i18n::messages(language);
    let date = texts.date(lift_at.date());
    let (subject, paragraphs) = match (language, lifted) {
        (Language::Nl, false) => (
            format!("De beperking van verzoek {r} wordt op {date} opgeheven"),
            vec![
                format!("Wij zijn van plan de beperking van de verwerking die u met verzoek {r} vroeg, op {date} op te heffen."),
                format!("De reden: {reason}"),
                "Bent u het daar niet mee eens, laat het ons dan voor die datum weten via de statuspagina van uw verzoek; u kunt ook een klacht indienen bij de toezichthouder.".to_owned(),
            ],
        ),
        (Language::Nl, true) => (
            format!("De beperking van verzoek {r} is opgeheven"),
            vec![
                format!("De beperking van de verwerking die u met verzoek {r} vroeg, is vandaag opgeheven, zoals aangekondigd."),
                "De organisaties die uw gegevens ontvingen, zijn ingelicht.".to_owned(),
            ],
        ),
        (_, false) => (
            format!("The restriction of request {r} will be lifted on {date}"),
            vec![
                format!("We intend to lift the restriction of processing you asked for with request {r} on {date}."),
                format!("The reason: {reason}"),
                "If you disagree, tell us before that date through the status page of your request; you can also complain to the supervisory authority.".to_owned(),
            ],
        ),
        (_, true) => (
            format!("The restriction of request {r} has been lifted"),
            vec![
                format!("The restriction of processing you asked for with request {r} was lifted today, as announced."),
                "The organisations that received your data have been told.".to_owned(),
            ],
        ),
    };
    let link = format!("{}/requests/{}", engine.public_base, request.public_id);
    let see = if language == Language::Nl { "Bekijk uw verzoek" } else { "See your request" };
    let mail = messages::notice(&to, &name, language, subject, &paragraphs, Some((see, &link)))
        .map_err(|e| DbError::Rejected(e.to_string()))?;
    decisions::queue_mail(conn, engine, mail, now)
}

/// Announces that a restriction will be lifted `notice` from now, and tells the person
/// (in the caller's transaction). Refused unless the request is a restriction in effect
/// and no lift was announced yet.
pub fn announce_lift(
    conn: &mut DbConnection,
    engine: &Engine<'_>,
    public_id: &str,
    reason: &str,
    notice: Duration,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, DbError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(DbError::Rejected(format!("the reason needs 1 to {MAX_REASON_CHARS} characters")));
    }
    if notice < Duration::days(1) {
        return Err(DbError::Rejected("the person needs at least a day's notice".into()));
    }
    let request = decisions::load_request(conn, public_id)?;
    let r = reference(&request.public_id);
    if request.kind != RequestKind::Restriction {
        return Err(DbError::Rejected(format!("{r} is a {} request, not a restriction", request.kind)));
    }
    if !matches!(request.status, RequestStatus::Approved | RequestStatus::PartiallyApproved | RequestStatus::Completed)
    {
        return Err(DbError::Rejected(format!(
            "the restriction of {r} is not in effect (the request is {})",
            request.status
        )));
    }
    if of_request(conn, RequestId(request.id))?.is_some() {
        return Err(DbError::Rejected(format!("a lift of the restriction of {r} was already announced")));
    }
    let lift_at = now + notice;
    diesel::insert_into(restriction_lifts::table)
        .values((
            restriction_lifts::request_id.eq(request.id),
            restriction_lifts::reason.eq(reason),
            restriction_lifts::announced_at.eq(to_db(now)),
            restriction_lifts::lift_at.eq(to_db(lift_at)),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        actor,
        action::RESTRICTION_LIFT_ANNOUNCED,
        Some(request.subject.0),
        Some("request"),
        Some(&request.public_id),
        serde_json::json!({ "lift_at": lift_at.unix_timestamp() }),
        now,
    )?;
    notice_mail(conn, engine, &request, false, reason, lift_at, now)?;
    Ok(lift_at)
}

/// Lifts every announced restriction whose date has come: releases the records, tells
/// each recipient that was told to restrict, and the person. Returns how many.
pub fn lift_due(conn: &mut DbConnection, engine: &Engine<'_>, now: OffsetDateTime) -> Result<usize, DbError> {
    let due: Vec<(i64, i64, String, time::PrimitiveDateTime)> = restriction_lifts::table
        .filter(restriction_lifts::lifted_at.is_null())
        .filter(restriction_lifts::lift_at.le(to_db(now)))
        .select((
            restriction_lifts::id,
            restriction_lifts::request_id,
            restriction_lifts::reason,
            restriction_lifts::lift_at,
        ))
        .load(conn)?;
    for (lift_id, request_id, reason, lift_at) in &due {
        let public_id: String = crate::db::schema::rights_requests::table
            .find(request_id)
            .select(crate::db::schema::rights_requests::public_id)
            .first(conn)?;
        let request = decisions::load_request(conn, &public_id)?;
        let data = subject_data::load_current(conn, request.subject, engine.stored)?;
        let items = decisions::load_items(conn, request.id)?;
        let scope = decisions::entities_in_scope(&request, &data);
        let mut released = 0;
        for record in data.records.iter().filter(|r| scope.contains(&r.entity) && r.restricted_at.is_some()) {
            if !items.categories.is_empty() && !items.categories.contains(&record.category) {
                continue;
            }
            diesel::update(records::table.find(record.id.0))
                .set(records::restricted_at.eq(None::<time::PrimitiveDateTime>))
                .execute(conn)?;
            released += 1;
        }
        // Everyone told to restrict is told to lift, with the same identifiers and categories.
        let told: Vec<(i64, i64, String)> = propagation_tasks::table
            .filter(propagation_tasks::request_id.eq(request.id))
            .filter(propagation_tasks::action.eq("restrict"))
            .select((propagation_tasks::recipient_id, propagation_tasks::entity_id, propagation_tasks::payload))
            .load(conn)?;
        for (recipient, entity, payload) in told {
            let Some(r) = engine.stored.recipient(RecipientId(recipient)) else { continue };
            let mut payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            payload["action"] = serde_json::json!("lift_restriction");
            let task = propagation::create(
                conn,
                NewTask {
                    recipient: RecipientId(recipient),
                    subject: request.subject,
                    entity: EntityId(entity),
                    request: Some(RequestId(request.id)),
                    consent_event: None,
                    action: "lift_restriction",
                    payload,
                    now,
                    due_days: r.due_days,
                },
            )?;
            audit::append(
                conn,
                &Actor::System,
                action::TASK_CREATED,
                Some(request.subject.0),
                Some("task"),
                Some(&task),
                serde_json::json!({ "request": request.public_id, "recipient": r.key.as_str(), "action": "lift_restriction" }),
                now,
            )?;
        }
        diesel::update(restriction_lifts::table.find(lift_id))
            .set(restriction_lifts::lifted_at.eq(Some(to_db(now))))
            .execute(conn)?;
        audit::append(
            conn,
            &Actor::System,
            action::RESTRICTION_LIFTED,
            Some(request.subject.0),
            Some("request"),
            Some(&request.public_id),
            serde_json::json!({ "records": released }),
            now,
        )?;
        notice_mail(conn, engine, &request, true, reason, from_db(*lift_at), now)?;
    }
    Ok(due.len())
}
