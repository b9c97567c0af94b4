//! People and what is held about them: storing a person received from a source.

use std::collections::HashMap;

use diesel::prelude::*;
use time::OffsetDateTime;

use super::catalog::StoredCatalog;
use super::decisions;
use crate::auth::keys::Keys;
use crate::db::schema::*;
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::audit::Actor;
use crate::domain::catalog::Key;
use crate::domain::ids::{PublicId, SubjectId};
use crate::domain::person::{NewDisclosure, NewPerson, NewPreference, NewRecord, NewRelationship};

/// The row id of a catalog key, or a rejection naming it.
pub fn id_of<T: Copy>(map: &std::collections::HashMap<Key, T>, kind: &str, key: &Key) -> Result<T, DbError> {
    map.get(key).copied().ok_or_else(|| DbError::Rejected(format!("{kind} `{key}` is not in the stored catalog")))
}

/// `person` without what an earlier erasure suppressed (GDPR Art. 17: erased data must
/// not come back with the next import): `None` when their address was erased
/// everywhere or nothing is left; otherwise without the entities whose data about them
/// was erased (by address or by that entity's reference for them). Only keyed hashes
/// are compared.
pub fn unsuppressed(conn: &mut DbConnection, keys: &Keys, person: &NewPerson) -> Result<Option<NewPerson>, DbError> {
    let Some(erased) = erased_entities(conn, keys, person)? else { return Ok(None) };
    let kept = without_entities(person, &erased);
    if kept.relationships.is_empty() && kept.records.is_empty() {
        return Ok(None);
    }
    Ok(Some(kept))
}

/// The entities among those `person` names that erased their data about them; `None`
/// when the address itself was erased everywhere.
pub fn erased_entities(conn: &mut DbConnection, keys: &Keys, person: &NewPerson) -> Result<Option<Vec<Key>>, DbError> {
    let email = person.email.as_str();
    let mut entities: Vec<&Key> = person.relationships.iter().map(|r| &r.entity).collect();
    entities.extend(person.records.iter().map(|r| &r.entity));
    entities.extend(person.disclosures.iter().map(|d| &d.entity));
    entities.extend(person.preferences.iter().map(|p| &p.entity));
    entities.sort();
    entities.dedup();
    let everywhere = format!("email:{email}");
    let per_entity: Vec<(&Key, Vec<String>)> = entities
        .into_iter()
        .map(|entity| {
            let mut identifiers = vec![format!("email:{entity}:{email}")];
            identifiers.extend(
                person
                    .relationships
                    .iter()
                    .filter(|r| &r.entity == entity)
                    .filter_map(|r| r.reference.as_ref())
                    .map(|reference| format!("reference:{entity}:{reference}")),
            );
            (entity, identifiers)
        })
        .collect();
    let mut all = vec![everywhere.clone()];
    all.extend(per_entity.iter().flat_map(|(_, ids)| ids.iter().cloned()));
    let marked = decisions::suppressed_among(conn, keys, &all)?;
    if marked.contains(&everywhere) {
        return Ok(None);
    }
    Ok(Some(
        per_entity
            .into_iter()
            .filter(|(_, ids)| ids.iter().any(|i| marked.contains(i)))
            .map(|(entity, _)| entity.clone())
            .collect(),
    ))
}

/// `person` without anything for `entities`.
pub fn without_entities(person: &NewPerson, entities: &[Key]) -> NewPerson {
    let mut kept = person.clone();
    kept.relationships.retain(|r| !entities.contains(&r.entity));
    kept.records.retain(|r| !entities.contains(&r.entity));
    kept.disclosures.retain(|d| !entities.contains(&d.entity));
    kept.preferences.retain(|p| !entities.contains(&p.entity));
    kept
}

/// Stores a person with everything held about them, unless their address is already
/// registered (then nothing is written and `None` is returned). Run it in a transaction.
pub fn insert_person(
    conn: &mut DbConnection,
    person: &NewPerson,
    stored: &StoredCatalog,
    now: OffsetDateTime,
) -> Result<Option<SubjectId>, DbError> {
    insert_person_as(conn, person, stored, "import", &Actor::System, now)
}

/// `insert_person`, with the consent events saying how (`method`) and from whom the
/// marketing choices arrived.
pub fn insert_person_as(
    conn: &mut DbConnection,
    person: &NewPerson,
    stored: &StoredCatalog,
    method: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Option<SubjectId>, DbError> {
    if super::subjects::find_by_email(conn, &person.email)?.is_some() {
        return Ok(None);
    }
    let now_db = to_db(now);
    let subject_id: i64 = diesel::insert_into(subjects::table)
        .values((
            subjects::public_id.eq(PublicId::new().as_str()),
            subjects::display_name.eq(&person.name),
            subjects::language.eq(person.language.as_str()),
            subjects::created_at.eq(now_db),
            subjects::updated_at.eq(now_db),
        ))
        .returning(subjects::id)
        .get_result(conn)?;
    diesel::insert_into(subject_emails::table)
        .values((
            subject_emails::subject_id.eq(subject_id),
            subject_emails::address.eq(person.email.as_str()),
            subject_emails::is_primary.eq(true),
            subject_emails::verified_at.eq(Some(now_db)),
            subject_emails::created_at.eq(now_db),
        ))
        .execute(conn)?;

    let id = SubjectId(subject_id);
    insert_many(conn, id, person, stored, method, actor)?;
    Ok(Some(SubjectId(subject_id)))
}

/// Runs the same diesel statement on whichever backend `conn` is, for what the
/// MultiConnection does not offer (multi-row INSERT).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConnection::Sqlite($c) => $body,
            DbConnection::Postgresql($c) => $body,
        }
    };
}

/// Everything held about a person just registered, in one multi-row INSERT per table:
/// a round trip per table instead of per row (on PostgreSQL the round trips are the
/// cost of an import).
fn insert_many(
    conn: &mut DbConnection,
    subject: SubjectId,
    person: &NewPerson,
    stored: &StoredCatalog,
    method: &str,
    actor: &Actor,
) -> Result<(), DbError> {
    let ids = &stored.ids;
    let sid = subject.0;
    let relationships = person
        .relationships
        .iter()
        .map(|r| {
            Ok((
                relationships::subject_id.eq(sid),
                relationships::entity_id.eq(id_of(&ids.entities, "entity", &r.entity)?.0),
                relationships::role.eq(r.role.as_str()),
                relationships::reference.eq(r.reference.as_deref()),
                relationships::started_on.eq(r.since),
            ))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    if !relationships.is_empty() {
        on_backend!(conn, |c| diesel::insert_into(relationships::table).values(&relationships).execute(c))?;
    }

    // Returned ids are matched to records by their key, not by position (RETURNING
    // order is not promised); a person with two records under one key takes the slow path.
    let mut keys = std::collections::HashSet::new();
    let unique = person.records.iter().all(|r| keys.insert((&r.entity, &r.category, r.field.as_str())));
    if !unique {
        for r in &person.records {
            insert_record(conn, subject, r, stored)?;
        }
    } else if !person.records.is_empty() {
        let mut rows = Vec::with_capacity(person.records.len());
        for r in &person.records {
            let source_recipient_id = match &r.source_party {
                Some(k) => Some(id_of(&ids.recipients, "recipient", k)?.0),
                None => None,
            };
            let collected = to_db(r.collected_at);
            rows.push((
                records::subject_id.eq(sid),
                records::entity_id.eq(id_of(&ids.entities, "entity", &r.entity)?.0),
                records::category_id.eq(id_of(&ids.categories, "category", &r.category)?.0),
                records::field.eq(r.field.as_str()),
                records::value.eq(r.value.as_str()),
                records::source.eq(r.source.as_str()),
                records::source_recipient_id.eq(source_recipient_id),
                records::collected_at.eq(collected),
                records::updated_at.eq(collected),
            ));
        }
        let inserted: Vec<(i64, i64, i64, String)> = on_backend!(conn, |c| diesel::insert_into(records::table)
            .values(&rows)
            .returning((records::id, records::entity_id, records::category_id, records::field))
            .get_results(c))?;
        let by_key: HashMap<(i64, i64, &str), i64> =
            inserted.iter().map(|(id, e, c, f)| ((*e, *c, f.as_str()), *id)).collect();
        let mut purposes = Vec::new();
        for r in &person.records {
            let entity_id = id_of(&ids.entities, "entity", &r.entity)?.0;
            let category_id = id_of(&ids.categories, "category", &r.category)?.0;
            let record_id = *by_key
                .get(&(entity_id, category_id, r.field.as_str()))
                .ok_or_else(|| DbError::Rejected("a stored record was not returned".into()))?;
            for p in &r.purposes {
                purposes.push((
                    record_purposes::record_id.eq(record_id),
                    record_purposes::entity_id.eq(entity_id),
                    record_purposes::purpose_id.eq(id_of(&ids.purposes, "purpose", p)?.0),
                ));
            }
        }
        if !purposes.is_empty() {
            on_backend!(conn, |c| diesel::insert_into(record_purposes::table).values(&purposes).execute(c))?;
        }
    }

    for d in &person.disclosures {
        insert_disclosure(conn, subject, d, stored)?;
    }

    // A new person has no preference rows yet: the last choice per channel is the row.
    let mut events = Vec::with_capacity(person.preferences.len());
    let mut current: HashMap<(i64, i64), (bool, time::PrimitiveDateTime)> = HashMap::new();
    for p in &person.preferences {
        let entity_id = id_of(&ids.entities, "entity", &p.entity)?.0;
        let channel_id = id_of(&ids.channels, "channel", &p.channel)?.0;
        let notice_version = stored
            .catalog
            .entity(&p.entity)
            .map(|e| e.notice_version.clone())
            .ok_or_else(|| DbError::Rejected(format!("entity `{}` is not in the stored catalog", p.entity)))?;
        let at = to_db(p.at);
        events.push((
            consent_events::subject_id.eq(sid),
            consent_events::entity_id.eq(entity_id),
            consent_events::channel_id.eq(Some(channel_id)),
            consent_events::granted.eq(p.granted),
            consent_events::method.eq(method),
            consent_events::actor_kind.eq(actor.kind()),
            consent_events::actor_id.eq(actor.id()),
            consent_events::notice_version.eq(notice_version),
            consent_events::occurred_at.eq(at),
        ));
        current.insert((entity_id, channel_id), (p.granted, at));
    }
    if !events.is_empty() {
        on_backend!(conn, |c| diesel::insert_into(consent_events::table).values(&events).execute(c))?;
        let rows: Vec<_> = current
            .into_iter()
            .map(|((entity_id, channel_id), (granted, at))| {
                (
                    marketing_preferences::subject_id.eq(sid),
                    marketing_preferences::entity_id.eq(entity_id),
                    marketing_preferences::channel_id.eq(channel_id),
                    marketing_preferences::granted.eq(granted),
                    marketing_preferences::updated_at.eq(at),
                )
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(marketing_preferences::table).values(&rows).execute(c))?;
    }
    Ok(())
}

/// Adds a relationship.
pub fn insert_relationship(
    conn: &mut DbConnection,
    subject: SubjectId,
    r: &NewRelationship,
    stored: &StoredCatalog,
) -> Result<(), DbError> {
    diesel::insert_into(relationships::table)
        .values((
            relationships::subject_id.eq(subject.0),
            relationships::entity_id.eq(id_of(&stored.ids.entities, "entity", &r.entity)?.0),
            relationships::role.eq(r.role.as_str()),
            relationships::reference.eq(r.reference.as_deref()),
            relationships::started_on.eq(r.since),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds a record with its purposes; returns its row id.
pub fn insert_record(
    conn: &mut DbConnection,
    subject: SubjectId,
    r: &NewRecord,
    stored: &StoredCatalog,
) -> Result<i64, DbError> {
    let ids = &stored.ids;
    let entity_id = id_of(&ids.entities, "entity", &r.entity)?.0;
    let source_recipient_id = match &r.source_party {
        Some(k) => Some(id_of(&ids.recipients, "recipient", k)?.0),
        None => None,
    };
    let collected = to_db(r.collected_at);
    let record_id: i64 = diesel::insert_into(records::table)
        .values((
            records::subject_id.eq(subject.0),
            records::entity_id.eq(entity_id),
            records::category_id.eq(id_of(&ids.categories, "category", &r.category)?.0),
            records::field.eq(&r.field),
            records::value.eq(&r.value),
            records::source.eq(r.source.as_str()),
            records::source_recipient_id.eq(source_recipient_id),
            records::collected_at.eq(collected),
            records::updated_at.eq(collected),
        ))
        .returning(records::id)
        .get_result(conn)?;
    for p in &r.purposes {
        diesel::insert_into(record_purposes::table)
            .values((
                record_purposes::record_id.eq(record_id),
                record_purposes::entity_id.eq(entity_id),
                record_purposes::purpose_id.eq(id_of(&ids.purposes, "purpose", p)?.0),
            ))
            .execute(conn)?;
    }
    Ok(record_id)
}

/// Adds a disclosure with its categories.
pub fn insert_disclosure(
    conn: &mut DbConnection,
    subject: SubjectId,
    d: &NewDisclosure,
    stored: &StoredCatalog,
) -> Result<(), DbError> {
    let ids = &stored.ids;
    let disclosure_id: i64 = diesel::insert_into(disclosures::table)
        .values((
            disclosures::subject_id.eq(subject.0),
            disclosures::recipient_id.eq(id_of(&ids.recipients, "recipient", &d.recipient)?.0),
            disclosures::entity_id.eq(id_of(&ids.entities, "entity", &d.entity)?.0),
            disclosures::purpose_id.eq(id_of(&ids.purposes, "purpose", &d.purpose)?.0),
            disclosures::disclosed_at.eq(to_db(d.at)),
        ))
        .returning(disclosures::id)
        .get_result(conn)?;
    for c in &d.categories {
        diesel::insert_into(disclosure_categories::table)
            .values((
                disclosure_categories::disclosure_id.eq(disclosure_id),
                disclosure_categories::category_id.eq(id_of(&ids.categories, "category", c)?.0),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a marketing choice a source delivered: the consent event (the proof) and
/// the preference row (its current projection).
pub fn record_preference(
    conn: &mut DbConnection,
    subject: SubjectId,
    p: &NewPreference,
    stored: &StoredCatalog,
    method: &str,
    actor: &Actor,
) -> Result<(), DbError> {
    let ids = &stored.ids;
    let subject_id = subject.0;
    let entity_id = id_of(&ids.entities, "entity", &p.entity)?.0;
    let channel_id = id_of(&ids.channels, "channel", &p.channel)?.0;
    let notice_version = stored
        .catalog
        .entity(&p.entity)
        .map(|e| e.notice_version.clone())
        .ok_or_else(|| DbError::Rejected(format!("entity `{}` is not in the stored catalog", p.entity)))?;
    let at = to_db(p.at);
    diesel::insert_into(consent_events::table)
        .values((
            consent_events::subject_id.eq(subject_id),
            consent_events::entity_id.eq(entity_id),
            consent_events::channel_id.eq(Some(channel_id)),
            consent_events::granted.eq(p.granted),
            consent_events::method.eq(method),
            consent_events::actor_kind.eq(actor.kind()),
            consent_events::actor_id.eq(actor.id()),
            consent_events::notice_version.eq(notice_version),
            consent_events::occurred_at.eq(at),
        ))
        .execute(conn)?;
    let updated = diesel::update(
        marketing_preferences::table.filter(
            marketing_preferences::subject_id
                .eq(subject_id)
                .and(marketing_preferences::entity_id.eq(entity_id))
                .and(marketing_preferences::channel_id.eq(channel_id)),
        ),
    )
    .set((marketing_preferences::granted.eq(p.granted), marketing_preferences::updated_at.eq(at)))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(marketing_preferences::table)
            .values((
                marketing_preferences::subject_id.eq(subject_id),
                marketing_preferences::entity_id.eq(entity_id),
                marketing_preferences::channel_id.eq(channel_id),
                marketing_preferences::granted.eq(p.granted),
                marketing_preferences::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// How many people are registered (for start-up messages and tests).
pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(subjects::table.count().get_result(conn)?)
}
