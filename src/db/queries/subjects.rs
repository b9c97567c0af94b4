//! Looking people up: by registered address, by linked OpenID identity, and the
//! relationships they have with the organisation's entities.

use diesel::prelude::*;
use time::{Date, OffsetDateTime};

use crate::db::schema::{entities, relationships, subject_emails, subject_oidc_identities, subjects};
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::ids::{EntityId, SubjectId};
use crate::domain::person::Role;
use crate::domain::{EmailAddress, Language};

/// Who a subject is, for pages and mail.
#[derive(Debug, Clone)]
pub struct SubjectSummary {
    /// Row id.
    pub id: SubjectId,
    /// How to address them.
    pub display_name: String,
    /// Their language.
    pub language: Language,
    /// Their registered address.
    pub email: Option<EmailAddress>,
}

/// The (not erased) subject registered under `email`.
pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> Result<Option<SubjectId>, DbError> {
    Ok(subject_emails::table
        .inner_join(subjects::table)
        .filter(subject_emails::address.eq(email.as_str()))
        .filter(subjects::erased_at.is_null())
        .select(subject_emails::subject_id)
        .first::<i64>(conn)
        .optional()?
        .map(SubjectId))
}

/// Name, language and registered address of a subject.
pub fn summary(conn: &mut DbConnection, id: SubjectId) -> Result<SubjectSummary, DbError> {
    // One query (every signed-in page starts here): at most one primary address.
    let (name, language, email): (String, String, Option<String>) = subjects::table
        .left_join(
            subject_emails::table
                .on(subject_emails::subject_id.eq(subjects::id).and(subject_emails::is_primary.eq(true))),
        )
        .filter(subjects::id.eq(id.0))
        .select((subjects::display_name, subjects::language, subject_emails::address.nullable()))
        .first(conn)?;
    Ok(SubjectSummary::from_stored(id, name, &language, email))
}

impl SubjectSummary {
    /// From the stored name, language and primary address (an unknown language reads
    /// as English, an address that no longer parses as none).
    pub(super) fn from_stored(id: SubjectId, name: String, language: &str, email: Option<String>) -> Self {
        SubjectSummary {
            id,
            display_name: name,
            language: language.parse().unwrap_or(Language::En),
            email: email.and_then(|e| EmailAddress::parse(&e).ok()),
        }
    }
}

/// The subject linked to an OpenID identity.
pub fn find_by_oidc(conn: &mut DbConnection, issuer: &str, sub: &str) -> Result<Option<SubjectId>, DbError> {
    Ok(subject_oidc_identities::table
        .inner_join(subjects::table)
        .filter(subject_oidc_identities::issuer.eq(issuer))
        .filter(subject_oidc_identities::sub.eq(sub))
        .filter(subjects::erased_at.is_null())
        .select(subject_oidc_identities::subject_id)
        .first::<i64>(conn)
        .optional()?
        .map(SubjectId))
}

/// Links an OpenID identity to a subject (first sign-in with a verified address).
pub fn link_oidc(
    conn: &mut DbConnection,
    subject: SubjectId,
    issuer: &str,
    sub: &str,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(subject_oidc_identities::table)
        .values((
            subject_oidc_identities::subject_id.eq(subject.0),
            subject_oidc_identities::issuer.eq(issuer),
            subject_oidc_identities::sub.eq(sub),
            subject_oidc_identities::linked_at.eq(to_db(now)),
            subject_oidc_identities::last_used_at.eq(Some(to_db(now))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records use of a linked identity.
pub fn touch_oidc(conn: &mut DbConnection, issuer: &str, sub: &str, now: OffsetDateTime) -> Result<(), DbError> {
    diesel::update(
        subject_oidc_identities::table
            .filter(subject_oidc_identities::issuer.eq(issuer))
            .filter(subject_oidc_identities::sub.eq(sub)),
    )
    .set(subject_oidc_identities::last_used_at.eq(Some(to_db(now))))
    .execute(conn)?;
    Ok(())
}

/// A relationship as listed on the dashboard.
#[derive(Debug, Clone)]
pub struct RelationshipRow {
    /// The entity.
    pub entity_id: EntityId,
    /// In what capacity.
    pub role: Role,
    /// The entity's reference for the person.
    pub reference: Option<String>,
    /// Since when.
    pub since: Date,
}

/// The subject's relationships, in catalog order of the entities.
pub fn relationships(conn: &mut DbConnection, subject: SubjectId) -> Result<Vec<RelationshipRow>, DbError> {
    let rows: Vec<(i64, String, Option<String>, Date)> = relationships::table
        .inner_join(entities::table)
        .filter(relationships::subject_id.eq(subject.0))
        .order((entities::position, relationships::started_on))
        .select((relationships::entity_id, relationships::role, relationships::reference, relationships::started_on))
        .load(conn)?;
    rows.into_iter()
        .map(|(entity, role, reference, since)| {
            Ok(RelationshipRow {
                entity_id: EntityId(entity),
                role: role.parse().map_err(|e| DbError::Rejected(format!("relationship role: {e}")))?,
                reference,
                since,
            })
        })
        .collect()
}

diesel::define_sql_function!(
    /// SQL `lower()`, for case-insensitive search on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// A person as a staff search lists them, before the caller is verified.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// Row id.
    pub id: SubjectId,
    /// Public id (URLs).
    pub public_id: String,
    /// Name.
    pub display_name: String,
    /// Registered address (the caller of the search masks it).
    pub email: Option<String>,
    /// Entities they have a relationship with.
    pub entities: Vec<EntityId>,
}

/// People matching `query`: the exact registered address, an entity's exact customer
/// reference, or part of the name (case-insensitive). At most `limit`, erased people never.
pub fn search(conn: &mut DbConnection, query: &str, limit: i64) -> Result<Vec<SearchHit>, DbError> {
    let query = query.trim();
    let mut ids: Vec<i64> = Vec::new();
    if let Ok(email) = EmailAddress::parse(query) {
        ids.extend(
            subject_emails::table
                .filter(subject_emails::address.eq(email.as_str()))
                .select(subject_emails::subject_id)
                .load::<i64>(conn)?,
        );
    } else {
        ids.extend(
            relationships::table
                .filter(relationships::reference.eq(query))
                .select(relationships::subject_id)
                .load::<i64>(conn)?,
        );
        let escaped = query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        ids.extend(
            subjects::table
                .filter(lower(subjects::display_name).like(format!("%{escaped}%")).escape('\\'))
                .select(subjects::id)
                .limit(limit)
                .load::<i64>(conn)?,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(i64, String, String)> = subjects::table
        .filter(subjects::id.eq_any(&ids))
        .filter(subjects::erased_at.is_null())
        .order(subjects::display_name)
        .limit(limit)
        .select((subjects::id, subjects::public_id, subjects::display_name))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, public_id, display_name)| {
            let email = subject_emails::table
                .filter(subject_emails::subject_id.eq(id))
                .filter(subject_emails::is_primary.eq(true))
                .select(subject_emails::address)
                .first::<String>(conn)
                .optional()?;
            let mut entities: Vec<EntityId> = relationships::table
                .filter(relationships::subject_id.eq(id))
                .select(relationships::entity_id)
                .load::<i64>(conn)?
                .into_iter()
                .map(EntityId)
                .collect();
            entities.dedup();
            Ok(SearchHit { id: SubjectId(id), public_id, display_name, email, entities })
        })
        .collect()
}

/// The (not erased) subject with this public id.
pub fn by_public_id(conn: &mut DbConnection, public_id: &str) -> Result<Option<SubjectId>, DbError> {
    Ok(subjects::table
        .filter(subjects::public_id.eq(public_id))
        .filter(subjects::erased_at.is_null())
        .select(subjects::id)
        .first::<i64>(conn)
        .optional()?
        .map(SubjectId))
}
