//! Everything held about one person, read by indexed subject id: the person, their
//! relationships, records with their purposes and disclosures with their categories in
//! one statement (`held_rows`), then, for the pages that show them, marketing
//! preferences, consent history and rights requests. The dashboard, the recipients page
//! and the download are all built from this.

use std::cmp::Reverse;

use diesel::prelude::*;
use time::{Date, OffsetDateTime};

use super::catalog::StoredCatalog;
use super::subjects::SubjectSummary;
use crate::db::schema::*;
use crate::db::{DbConnection, DbError, from_db};
use crate::domain::ids::{CategoryId, ChannelId, DisclosureId, EntityId, PurposeId, RecipientId, RecordId, SubjectId};
use crate::domain::person::{RecordSource, Role};
use crate::domain::rights::{RequestKind, RequestStatus};

mod held_rows;

/// A relationship with an entity.
#[derive(Debug, Clone)]
pub struct Relationship {
    /// The entity.
    pub entity: EntityId,
    /// Role.
    pub role: Role,
    /// The entity's reference.
    pub reference: Option<String>,
    /// Since.
    pub since: Date,
    /// Until, if it ended.
    pub until: Option<Date>,
}

/// One piece of data held.
#[derive(Debug, Clone)]
pub struct HeldRecord {
    /// Id.
    pub id: RecordId,
    /// Holding entity.
    pub entity: EntityId,
    /// Category.
    pub category: CategoryId,
    /// Field.
    pub field: String,
    /// Value (empty once erased).
    pub value: String,
    /// Where it came from.
    pub source: RecordSource,
    /// The third party it came from.
    pub source_party: Option<RecipientId>,
    /// Collected.
    pub collected_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
    /// Restricted since.
    pub restricted_at: Option<OffsetDateTime>,
    /// Erased at.
    pub erased_at: Option<OffsetDateTime>,
    /// Why it is kept despite erasure.
    pub kept_reason: Option<String>,
    /// Until when.
    pub kept_until: Option<Date>,
    /// Purposes it serves.
    pub purposes: Vec<PurposeId>,
}

/// Data given to a recipient.
#[derive(Debug, Clone)]
pub struct HeldDisclosure {
    /// Id.
    pub id: DisclosureId,
    /// Who received it.
    pub recipient: RecipientId,
    /// Which entity gave it.
    pub entity: EntityId,
    /// For what.
    pub purpose: PurposeId,
    /// When.
    pub at: OffsetDateTime,
    /// Which categories.
    pub categories: Vec<CategoryId>,
}

/// A marketing choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    /// Entity.
    pub entity: EntityId,
    /// Channel.
    pub channel: ChannelId,
    /// Agreed or not.
    pub granted: bool,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

/// One entry of the consent history.
#[derive(Debug, Clone)]
pub struct ConsentEvent {
    /// Id.
    pub id: i64,
    /// Entity.
    pub entity: EntityId,
    /// Channel, for marketing consent.
    pub channel: Option<ChannelId>,
    /// Purpose, for consent to a purpose.
    pub purpose: Option<PurposeId>,
    /// Given or withdrawn.
    pub granted: bool,
    /// web, support, api, gpc, import.
    pub method: String,
    /// subject, staff, source, system.
    pub actor_kind: String,
    /// The statement version shown.
    pub notice_version: String,
    /// When.
    pub at: OffsetDateTime,
}

/// A rights request as listed.
#[derive(Debug, Clone)]
pub struct RequestSummary {
    /// Row id.
    pub id: i64,
    /// Public id.
    pub public_id: String,
    /// Kind.
    pub kind: RequestKind,
    /// Entity, or all.
    pub entity: Option<EntityId>,
    /// Status.
    pub status: RequestStatus,
    /// Received.
    pub received_at: OffsetDateTime,
    /// Due.
    pub due_at: OffsetDateTime,
    /// Extended due date.
    pub extended_due_at: Option<OffsetDateTime>,
    /// Completed.
    pub completed_at: Option<OffsetDateTime>,
}

/// Everything held about one person.
#[derive(Debug, Clone)]
pub struct SubjectData {
    /// Who.
    pub summary: SubjectSummary,
    /// Relationships.
    pub relationships: Vec<Relationship>,
    /// Records, by entity id, category in catalog order, field, newest first within a
    /// field; each record's purposes in catalog order.
    pub records: Vec<HeldRecord>,
    /// Disclosures, newest first; each one's categories in catalog order.
    pub disclosures: Vec<HeldDisclosure>,
    /// Marketing preferences.
    pub preferences: Vec<Preference>,
    /// Consent history, newest first.
    pub consent_events: Vec<ConsentEvent>,
    /// Rights requests, newest first.
    pub requests: Vec<RequestSummary>,
}

/// A stored text value parsed into its type; a value the type does not know is an error.
fn parsed<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, DbError>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| DbError::Rejected(format!("stored {what}: {e}")))
}

/// Who the person is and their relationships, in one query (a row per relationship,
/// or one without when there is none): every statement is a round trip on PostgreSQL.
fn summary_and_relationships(
    conn: &mut DbConnection,
    subject: SubjectId,
) -> Result<(SubjectSummary, Vec<Relationship>), DbError> {
    type Row = (String, String, Option<String>, Option<(i64, String, Option<String>, Date, Option<Date>)>);
    let rows: Vec<Row> = subjects::table
        .left_join(
            subject_emails::table
                .on(subject_emails::subject_id.eq(subjects::id).and(subject_emails::is_primary.eq(true))),
        )
        .left_join(relationships::table.on(relationships::subject_id.eq(subjects::id)))
        .filter(subjects::id.eq(subject.0))
        .order((relationships::entity_id.nullable(), relationships::started_on.nullable()))
        .select((
            subjects::display_name,
            subjects::language,
            subject_emails::address.nullable(),
            (
                relationships::entity_id,
                relationships::role,
                relationships::reference,
                relationships::started_on,
                relationships::ended_on,
            )
                .nullable(),
        ))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((name, language, email, first)) = rows.next() else {
        return Err(DbError::NotFound);
    };
    let relationships = first
        .into_iter()
        .chain(rows.filter_map(|(_, _, _, relationship)| relationship))
        .map(|(entity, role, reference, since, until)| {
            Ok(Relationship { entity: EntityId(entity), role: parsed(&role, "role")?, reference, since, until })
        })
        .collect::<Result<_, DbError>>()?;
    Ok((SubjectSummary::from_stored(subject, name, &language, email), relationships))
}

/// The person's marketing preferences.
pub fn preferences(conn: &mut DbConnection, subject: SubjectId) -> Result<Vec<Preference>, DbError> {
    let rows: Vec<(i64, i64, bool, time::PrimitiveDateTime)> = marketing_preferences::table
        .filter(marketing_preferences::subject_id.eq(subject.0))
        .select((
            marketing_preferences::entity_id,
            marketing_preferences::channel_id,
            marketing_preferences::granted,
            marketing_preferences::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(e, c, granted, at)| Preference {
            entity: EntityId(e),
            channel: ChannelId(c),
            granted,
            updated_at: from_db(at),
        })
        .collect())
}

/// The person's consent history, newest first.
pub fn consent_events(conn: &mut DbConnection, subject: SubjectId) -> Result<Vec<ConsentEvent>, DbError> {
    type Row = (i64, i64, Option<i64>, Option<i64>, bool, String, String, String, time::PrimitiveDateTime);
    let rows: Vec<Row> = consent_events::table
        .filter(consent_events::subject_id.eq(subject.0))
        .order((consent_events::occurred_at.desc(), consent_events::id.desc()))
        .select((
            consent_events::id,
            consent_events::entity_id,
            consent_events::channel_id,
            consent_events::purpose_id,
            consent_events::granted,
            consent_events::method,
            consent_events::actor_kind,
            consent_events::notice_version,
            consent_events::occurred_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, e, c, p, granted, method, actor_kind, notice_version, at)| ConsentEvent {
            id,
            entity: EntityId(e),
            channel: c.map(ChannelId),
            purpose: p.map(PurposeId),
            granted,
            method,
            actor_kind,
            notice_version,
            at: from_db(at),
        })
        .collect())
}

/// A request's columns as listed, in the order of `SummaryRow` (a macro, as
/// `task_columns!`, so the column list is written once).
macro_rules! summary_columns {
    () => {
        (
            rights_requests::id,
            rights_requests::public_id,
            rights_requests::kind,
            rights_requests::entity_id,
            rights_requests::status,
            rights_requests::received_at,
            rights_requests::due_at,
            rights_requests::extended_due_at,
            rights_requests::completed_at,
        )
    };
}
pub(super) use summary_columns;

/// What `summary_columns!()` loads.
pub(super) type SummaryRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    time::PrimitiveDateTime,
    time::PrimitiveDateTime,
    Option<time::PrimitiveDateTime>,
    Option<time::PrimitiveDateTime>,
);

/// A request as listed, from its stored columns.
pub(super) fn summary_of(row: SummaryRow) -> Result<RequestSummary, DbError> {
    let (id, public_id, kind, entity, status, received, due, extended, completed) = row;
    Ok(RequestSummary {
        id,
        public_id,
        kind: parsed(&kind, "request kind")?,
        entity: entity.map(EntityId),
        status: parsed(&status, "request status")?,
        received_at: from_db(received),
        due_at: from_db(due),
        extended_due_at: extended.map(from_db),
        completed_at: completed.map(from_db),
    })
}

/// The person's rights requests, newest first.
pub fn requests(conn: &mut DbConnection, subject: SubjectId) -> Result<Vec<RequestSummary>, DbError> {
    let rows: Vec<SummaryRow> = rights_requests::table
        .filter(rights_requests::subject_id.eq(subject.0))
        .order((rights_requests::received_at.desc(), rights_requests::id.desc()))
        .select(summary_columns!())
        .load(conn)?;
    rows.into_iter().map(summary_of).collect()
}

/// A record as a request names it: what it is and its value.
#[derive(Debug, Clone)]
pub struct NamedRecord {
    /// Id.
    pub id: RecordId,
    /// Category.
    pub category: CategoryId,
    /// Field.
    pub field: String,
    /// Value (empty once erased).
    pub value: String,
}

/// The records of `subject` among `ids` (another person's are not returned): what a
/// request's status page needs, without loading everything held.
pub fn records_named(
    conn: &mut DbConnection,
    subject: SubjectId,
    ids: &[RecordId],
) -> Result<Vec<NamedRecord>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, i64, String, String)> = records::table
        .filter(records::subject_id.eq(subject.0))
        .filter(records::id.eq_any(ids.iter().map(|r| r.0).collect::<Vec<_>>()))
        .select((records::id, records::category_id, records::field, records::value))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, category, field, value)| NamedRecord {
            id: RecordId(id),
            category: CategoryId(category),
            field,
            value,
        })
        .collect())
}

/// Everything held about `subject`; `stored` gives the catalog order lists follow.
pub fn load(conn: &mut DbConnection, subject: SubjectId, stored: &StoredCatalog) -> Result<SubjectData, DbError> {
    load_with(conn, subject, stored, Parts::All)
}

/// Everything held about `subject` except the consent history (`consent_events` left
/// empty): for pages that do not show it, so their cost does not grow with every
/// choice the person ever made.
pub fn load_current(
    conn: &mut DbConnection,
    subject: SubjectId,
    stored: &StoredCatalog,
) -> Result<SubjectData, DbError> {
    load_with(conn, subject, stored, Parts::Current)
}

/// Who the person is, their relationships, records and disclosures; preferences, requests
/// and history left empty: what the data pages (dashboard, category, recipients) show, in
/// one statement (each is a round trip on PostgreSQL; see BENCHMARKS.md).
pub fn load_held(conn: &mut DbConnection, subject: SubjectId, stored: &StoredCatalog) -> Result<SubjectData, DbError> {
    load_with(conn, subject, stored, Parts::Held)
}

/// Who the person is, their relationships and their records with purposes; the
/// disclosures, preferences, requests and history are left empty. What filing a rights
/// request checks (which rights apply, what the request may name), in one statement.
pub fn load_records(
    conn: &mut DbConnection,
    subject: SubjectId,
    stored: &StoredCatalog,
) -> Result<SubjectData, DbError> {
    load_with(conn, subject, stored, Parts::Records)
}

/// Who the person is, their relationships, and which entities hold records about them.
#[derive(Debug, Clone)]
pub struct FilingScope {
    /// Who.
    pub summary: SubjectSummary,
    /// Relationships.
    pub relationships: Vec<Relationship>,
    /// The entities holding at least one record about the person (erased ones included,
    /// as in [`SubjectData::records`]), in id order.
    pub record_entities: Vec<EntityId>,
}

/// What filing a request that names nothing (access, erasure) checks: the person, their
/// relationships and the entities holding their records, without reading the records
/// (a third of a filing's database time on PostgreSQL).
pub fn load_scope(conn: &mut DbConnection, subject: SubjectId) -> Result<FilingScope, DbError> {
    let (summary, relationships) = summary_and_relationships(conn, subject)?;
    let record_entities: Vec<i64> = records::table
        .filter(records::subject_id.eq(subject.0))
        .select(records::entity_id)
        .distinct()
        .order(records::entity_id)
        .load(conn)?;
    Ok(FilingScope { summary, relationships, record_entities: record_entities.into_iter().map(EntityId).collect() })
}

/// How much of a person's data `load_with` reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    All,
    Current,
    Held,
    Records,
}

fn load_with(
    conn: &mut DbConnection,
    subject: SubjectId,
    stored: &StoredCatalog,
    parts: Parts,
) -> Result<SubjectData, DbError> {
    let held = held_rows::load(conn, subject, parts != Parts::Records)?;
    let (name, language, email) = held.person;
    let summary = SubjectSummary::from_stored(subject, name, &language, email);
    let (relationships, mut records, mut disclosures) = (held.relationships, held.records, held.disclosures);
    in_catalog_order(&mut records, stored);
    disclosures.sort_by_key(|d| (Reverse(d.at), Reverse(d.id)));
    for disclosure in &mut disclosures {
        disclosure.categories.sort_by_key(|c| (stored.category_position(*c), c.0));
    }
    if parts == Parts::Records {
        return Ok(SubjectData {
            summary,
            relationships,
            records,
            disclosures,
            preferences: Vec::new(),
            consent_events: Vec::new(),
            requests: Vec::new(),
        });
    }

    Ok(SubjectData {
        summary,
        relationships,
        records,
        disclosures,
        preferences: if parts == Parts::Held { Vec::new() } else { preferences(conn, subject)? },
        consent_events: if parts == Parts::All { consent_events(conn, subject)? } else { Vec::new() },
        requests: if parts == Parts::Held { Vec::new() } else { requests(conn, subject)? },
    })
}

/// Sorts records as [`SubjectData::records`] promises: by entity id, category position,
/// field, newest first, then the higher id first; each record's purposes by position.
fn in_catalog_order(records: &mut [HeldRecord], stored: &StoredCatalog) {
    for record in records.iter_mut() {
        record.purposes.sort_by_key(|p| (stored.purpose_position(*p), p.0));
    }
    records.sort_by(|a, b| record_order(a, stored).cmp(&record_order(b, stored)));
}

/// What [`in_catalog_order`] sorts a record by.
fn record_order<'a>(
    r: &'a HeldRecord,
    stored: &StoredCatalog,
) -> (EntityId, usize, &'a str, Reverse<OffsetDateTime>, Reverse<RecordId>) {
    (r.entity, stored.category_position(r.category), r.field.as_str(), Reverse(r.collected_at), Reverse(r.id))
}
