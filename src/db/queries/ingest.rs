//! Upserting what a source system holds about a person (ingestion API and bulk
//! import). Runs inside the caller's transaction (a savepoint per person in an
//! import), so a person is stored whole or not at all.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use time::OffsetDateTime;

use super::audit;
use super::catalog::StoredCatalog;
use super::people::{self, id_of};
use super::subjects as subject_queries;
use crate::auth::keys::Keys;
use crate::db::schema::*;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::{Actor, action};
use crate::domain::catalog::Key;
use crate::domain::ids::SubjectId;
use crate::domain::person::NewPerson;
use crate::ingest::document::{ItemError, Lookup, Upsert};

/// What happened to one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Registered now.
    Created,
    /// Something was added or changed.
    Updated,
    /// Everything sent was already held.
    Unchanged,
    /// Erased earlier: nothing stored (GDPR Art. 17).
    Suppressed,
}

/// The result of one upsert.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    /// What happened.
    pub status: Status,
    /// The person's public id (absent when suppressed).
    pub subject: Option<String>,
    /// Rows written.
    pub changes: Changes,
    /// Parts not stored, with why (erased or restricted data, an older choice).
    pub skipped: Vec<ItemError>,
}

/// Counts of rows written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    /// Name or language changed.
    pub profile: u32,
    /// Relationships added or changed.
    pub relationships: u32,
    /// Records added.
    pub records_added: u32,
    /// Records whose value changed.
    pub records_updated: u32,
    /// Disclosures added.
    pub disclosures: u32,
    /// Marketing choices recorded.
    pub preferences: u32,
    /// Purposes added to records already held.
    pub purposes_added: u32,
}

impl Changes {
    fn any(&self) -> bool {
        *self != Changes::default()
    }
}

/// Who is writing and what they may write.
pub struct Writer<'a> {
    /// The audit actor (a source system or its token).
    pub actor: &'a Actor,
    /// How the consent events say a choice arrived (`api`, `import`).
    pub method: &'a str,
}

/// Stores `upsert`: finds the person by reference or address, registers them if new,
/// and adds or updates what was sent. Rejections come back as item errors; database
/// failures as `DbError` (the caller rolls back).
pub fn upsert_person(
    conn: &mut DbConnection,
    keys: &Keys,
    stored: &StoredCatalog,
    writer: &Writer<'_>,
    upsert: &Upsert,
    now: OffsetDateTime,
) -> Result<Result<Outcome, Vec<ItemError>>, DbError> {
    let found = find(conn, stored, &upsert.lookup)?;
    let mut person = upsert.data.clone();
    match (&found, &upsert.lookup) {
        (Some((_, registered)), Lookup::Email(given) | Lookup::Reference { email: Some(given), .. })
            if registered != given.as_str() =>
        {
            return Ok(Err(vec![ItemError::new(
                "email",
                "email_conflict",
                "this person is registered with another address; a registered address is changed in the portal, not by a source system",
            )]));
        }
        (Some((_, registered)), _) => {
            person.email = crate::domain::EmailAddress::parse(registered)
                .map_err(|e| DbError::Rejected(format!("stored address does not parse: {e}")))?;
        }
        (None, Lookup::Reference { email: None, .. }) => {
            return Ok(Err(vec![ItemError::new(
                "external_ref",
                "not_found",
                "no person has this reference; send their e-mail address to register them",
            )]));
        }
        (None, Lookup::Reference { entity, reference, .. })
            if !person.relationships.iter().any(|r| &r.entity == entity && r.reference.as_ref() == Some(reference)) =>
        {
            return Ok(Err(vec![ItemError::new(
                "relationships",
                "missing",
                "to register a person by reference, list that reference in one of their relationships (with its role)",
            )]));
        }
        (None, _) if upsert.name.is_none() => {
            return Ok(Err(vec![ItemError::new("name", "missing", "a new person needs a name")]));
        }
        (None, _) => {}
    }
    let erased = people::erased_entities(conn, keys, &person)?;
    let kept = match (&erased, &found) {
        (Some(erased), _) => people::without_entities(&person, erased),
        // The address was erased everywhere: it is not registered again.
        (None, _) => {
            return Ok(Ok(Outcome {
                status: Status::Suppressed,
                subject: None,
                changes: Changes::default(),
                skipped: Vec::new(),
            }));
        }
    };
    // A new person who is left with nothing once erased entities are taken out stays out.
    let erased_any = erased.as_ref().is_some_and(|e| !e.is_empty());
    if found.is_none() && erased_any && kept.relationships.is_empty() && kept.records.is_empty() {
        return Ok(Ok(Outcome {
            status: Status::Suppressed,
            subject: None,
            changes: Changes::default(),
            skipped: Vec::new(),
        }));
    }
    let skipped: Vec<ItemError> = dropped_entities(&person, &kept)
        .into_iter()
        .map(|e| {
            ItemError::new(
                "",
                "suppressed",
                format!("data for entity `{e}` was erased earlier and is not stored again"),
            )
        })
        .collect();

    let (id, status, changes, mut skipped) = match found {
        None => {
            let id = people::insert_person_as(conn, &kept, stored, writer.method, writer.actor, now)?
                .ok_or_else(|| DbError::Conflict("the address was registered meanwhile".into()))?;
            let changes = Changes {
                profile: 1,
                relationships: kept.relationships.len() as u32,
                records_added: kept.records.len() as u32,
                records_updated: 0,
                disclosures: kept.disclosures.len() as u32,
                preferences: kept.preferences.len() as u32,
                purposes_added: 0,
            };
            (id, Status::Created, changes, skipped)
        }
        Some((id, _)) => {
            let mut skipped = skipped;
            let changes = update(conn, stored, writer, id, upsert, &kept, &mut skipped, now)?;
            let status = if changes.any() { Status::Updated } else { Status::Unchanged };
            (id, status, changes, skipped)
        }
    };
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    if status != Status::Unchanged {
        let what =
            if status == Status::Created { action::INGEST_PERSON_CREATED } else { action::INGEST_PERSON_UPDATED };
        audit::append(
            conn,
            writer.actor,
            what,
            Some(id.0),
            Some("subject"),
            None,
            serde_json::json!({ "changes": changes, "method": writer.method }),
            now,
        )?;
    }
    let public: String = subjects::table.find(id.0).select(subjects::public_id).first(conn)?;
    Ok(Ok(Outcome { status, subject: Some(public), changes, skipped }))
}

/// The person and their registered address.
fn find(
    conn: &mut DbConnection,
    stored: &StoredCatalog,
    lookup: &Lookup,
) -> Result<Option<(SubjectId, String)>, DbError> {
    let by_reference = match lookup {
        Lookup::Reference { entity, reference, .. } => {
            let entity_id = id_of(&stored.ids.entities, "entity", entity)?.0;
            relationships::table
                .inner_join(subjects::table)
                .filter(relationships::entity_id.eq(entity_id))
                .filter(relationships::reference.eq(reference))
                .filter(subjects::erased_at.is_null())
                .select(relationships::subject_id)
                .first::<i64>(conn)
                .optional()?
                .map(SubjectId)
        }
        Lookup::Email(_) => None,
    };
    let id = match (by_reference, lookup) {
        (Some(id), _) => Some(id),
        (None, Lookup::Email(e) | Lookup::Reference { email: Some(e), .. }) => subject_queries::find_by_email(conn, e)?,
        (None, Lookup::Reference { email: None, .. }) => None,
    };
    let Some(id) = id else { return Ok(None) };
    let address: String = subject_emails::table
        .filter(subject_emails::subject_id.eq(id.0))
        .filter(subject_emails::is_primary.eq(true))
        .select(subject_emails::address)
        .first(conn)?;
    Ok(Some((id, address)))
}

fn dropped_entities(sent: &NewPerson, kept: &NewPerson) -> Vec<Key> {
    let mut before: Vec<&Key> = sent.relationships.iter().map(|r| &r.entity).collect();
    before.extend(sent.records.iter().map(|r| &r.entity));
    before.extend(sent.disclosures.iter().map(|d| &d.entity));
    before.extend(sent.preferences.iter().map(|p| &p.entity));
    let mut after: HashSet<&Key> = kept.relationships.iter().map(|r| &r.entity).collect();
    after.extend(kept.records.iter().map(|r| &r.entity));
    after.extend(kept.disclosures.iter().map(|d| &d.entity));
    after.extend(kept.preferences.iter().map(|p| &p.entity));
    let mut dropped: Vec<Key> = before.into_iter().filter(|e| !after.contains(e)).cloned().collect();
    dropped.sort();
    dropped.dedup();
    dropped
}

type RecordRow = (i64, i64, i64, String, String, Option<time::PrimitiveDateTime>, Option<time::PrimitiveDateTime>);

/// Adds and changes what an existing person's sources sent; never removes anything.
#[allow(clippy::too_many_arguments)]
fn update(
    conn: &mut DbConnection,
    stored: &StoredCatalog,
    writer: &Writer<'_>,
    id: SubjectId,
    upsert: &Upsert,
    kept: &NewPerson,
    skipped: &mut Vec<ItemError>,
    now: OffsetDateTime,
) -> Result<Changes, DbError> {
    let ids = &stored.ids;
    let mut changes = Changes::default();
    let now_db = to_db(now);

    if upsert.name.is_some() || upsert.language.is_some() {
        let (name, language): (String, String) =
            subjects::table.find(id.0).select((subjects::display_name, subjects::language)).first(conn)?;
        let new_name = upsert.name.clone().unwrap_or(name.clone());
        let new_language = upsert.language.map(|l| l.as_str().to_owned()).unwrap_or(language.clone());
        if new_name != name || new_language != language {
            diesel::update(subjects::table.find(id.0))
                .set((
                    subjects::display_name.eq(new_name),
                    subjects::language.eq(new_language),
                    subjects::updated_at.eq(now_db),
                ))
                .execute(conn)?;
            changes.profile = 1;
        }
    }

    let existing: Vec<(i64, i64, String, Option<String>, time::Date)> = relationships::table
        .filter(relationships::subject_id.eq(id.0))
        .select((
            relationships::id,
            relationships::entity_id,
            relationships::role,
            relationships::reference,
            relationships::started_on,
        ))
        .load(conn)?;
    for r in &kept.relationships {
        let entity_id = id_of(&ids.entities, "entity", &r.entity)?.0;
        match existing.iter().find(|(_, e, role, _, _)| *e == entity_id && role == r.role.as_str()) {
            None => {
                people::insert_relationship(conn, id, r, stored)?;
                changes.relationships += 1;
            }
            // A relationship sent without a reference keeps the one held (it finds the person).
            Some((row, _, _, reference, since))
                if (r.reference.is_some() && reference != &r.reference) || since != &r.since =>
            {
                let reference = r.reference.clone().or_else(|| reference.clone());
                diesel::update(relationships::table.find(*row))
                    .set((relationships::reference.eq(reference), relationships::started_on.eq(r.since)))
                    .execute(conn)?;
                changes.relationships += 1;
            }
            Some(_) => {}
        }
    }

    let rows: Vec<RecordRow> = records::table
        .filter(records::subject_id.eq(id.0))
        .select((
            records::id,
            records::entity_id,
            records::category_id,
            records::field,
            records::value,
            records::restricted_at,
            records::erased_at,
        ))
        .load(conn)?;
    let by_key: HashMap<(i64, i64, &str), &RecordRow> = rows.iter().map(|r| ((r.1, r.2, r.3.as_str()), r)).collect();
    // One query for every purpose link of the person, not one per record.
    let held_purposes: HashSet<(i64, i64)> = record_purposes::table
        .inner_join(records::table)
        .filter(records::subject_id.eq(id.0))
        .select((record_purposes::record_id, record_purposes::purpose_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    for (i, r) in kept.records.iter().enumerate() {
        let path = format!("records[{}]", original_index(&upsert.data.records, r).unwrap_or(i));
        let entity_id = id_of(&ids.entities, "entity", &r.entity)?.0;
        let category_id = id_of(&ids.categories, "category", &r.category)?.0;
        match by_key.get(&(entity_id, category_id, r.field.as_str())) {
            None => {
                people::insert_record(conn, id, r, stored)?;
                changes.records_added += 1;
            }
            Some((_, _, _, _, _, _, Some(_))) => skipped.push(ItemError::new(
                path,
                "erased",
                "this record was erased at the person's request and is not stored again",
            )),
            Some((row, _, _, _, value, restricted, None)) => {
                if value != &r.value {
                    if restricted.is_some() {
                        skipped.push(ItemError::new(
                            path,
                            "restricted",
                            "processing of this record is restricted at the person's request; it is not changed",
                        ));
                        continue;
                    }
                    diesel::update(records::table.find(*row))
                        .set((records::value.eq(&r.value), records::updated_at.eq(now_db)))
                        .execute(conn)?;
                    changes.records_updated += 1;
                }
                for p in &r.purposes {
                    let purpose_id = id_of(&ids.purposes, "purpose", p)?.0;
                    if !held_purposes.contains(&(*row, purpose_id)) {
                        diesel::insert_into(record_purposes::table)
                            .values((
                                record_purposes::record_id.eq(*row),
                                record_purposes::entity_id.eq(entity_id),
                                record_purposes::purpose_id.eq(purpose_id),
                            ))
                            .execute(conn)?;
                        changes.purposes_added += 1;
                    }
                }
            }
        }
    }

    if !kept.disclosures.is_empty() {
        let held: HashSet<(i64, i64, i64, i64)> = disclosures::table
            .filter(disclosures::subject_id.eq(id.0))
            .select((
                disclosures::recipient_id,
                disclosures::entity_id,
                disclosures::purpose_id,
                disclosures::disclosed_at,
            ))
            .load::<(i64, i64, i64, time::PrimitiveDateTime)>(conn)?
            .into_iter()
            .map(|(r, e, p, at)| (r, e, p, from_db(at).unix_timestamp()))
            .collect();
        for d in &kept.disclosures {
            let key = (
                id_of(&ids.recipients, "recipient", &d.recipient)?.0,
                id_of(&ids.entities, "entity", &d.entity)?.0,
                id_of(&ids.purposes, "purpose", &d.purpose)?.0,
                d.at.unix_timestamp(),
            );
            if !held.contains(&key) {
                people::insert_disclosure(conn, id, d, stored)?;
                changes.disclosures += 1;
            }
        }
    }

    let choices: HashMap<(i64, i64), (bool, time::PrimitiveDateTime)> = if kept.preferences.is_empty() {
        HashMap::new()
    } else {
        marketing_preferences::table
            .filter(marketing_preferences::subject_id.eq(id.0))
            .select((
                marketing_preferences::entity_id,
                marketing_preferences::channel_id,
                marketing_preferences::granted,
                marketing_preferences::updated_at,
            ))
            .load::<(i64, i64, bool, time::PrimitiveDateTime)>(conn)?
            .into_iter()
            .map(|(e, c, g, at)| ((e, c), (g, at)))
            .collect()
    };
    for (i, p) in kept.preferences.iter().enumerate() {
        let entity_id = id_of(&ids.entities, "entity", &p.entity)?.0;
        let channel_id = id_of(&ids.channels, "channel", &p.channel)?.0;
        match choices.get(&(entity_id, channel_id)).copied() {
            Some((granted, _)) if granted == p.granted => {}
            // The person may have chosen in the portal after the source recorded this.
            Some((_, at)) if from_db(at) >= p.at => skipped.push(ItemError::new(
                format!("preferences[{}]", original_pref_index(&upsert.data, p).unwrap_or(i)),
                "stale",
                "a newer choice is held for this channel; the older one is not applied",
            )),
            _ => {
                people::record_preference(conn, id, p, stored, writer.method, writer.actor)?;
                changes.preferences += 1;
            }
        }
    }
    Ok(changes)
}

fn original_index(all: &[crate::domain::person::NewRecord], r: &crate::domain::person::NewRecord) -> Option<usize> {
    all.iter().position(|x| x.entity == r.entity && x.category == r.category && x.field == r.field)
}

fn original_pref_index(all: &NewPerson, p: &crate::domain::person::NewPreference) -> Option<usize> {
    all.preferences.iter().position(|x| x.entity == p.entity && x.channel == p.channel)
}
