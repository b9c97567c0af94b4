//! The person, their relationships, their records with purposes and (optionally) their
//! disclosures with categories, in **one** statement: three `SELECT`s by subject id
//! joined by `UNION ALL` into rows of one shape. On PostgreSQL every statement is a
//! round trip, and the round trips, not the work inside them, were what a signed-in
//! page cost (BENCHMARKS.md, "Eleventh run": a dashboard went from four statements to
//! two, 34% less CPU per page on PostgreSQL).
//!
//! diesel cannot build a `UNION ALL` over the two-backend connection, and `sql_query`
//! would be planned again on every call; this is a fixed statement with typed binds and
//! a static query id, so each connection prepares it once, like the DSL's queries.
//! `tests/it/demo_data.rs` holds its answer to plain DSL queries of each table.

use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date as SqlDate, HasSqlType, Integer, Nullable, Text, Timestamp};
use time::{Date, PrimitiveDateTime};

use super::{HeldDisclosure, HeldRecord, Relationship, parsed};
use crate::db::{DbConnection, DbError, from_db};
use crate::domain::ids::{CategoryId, DisclosureId, EntityId, PurposeId, RecipientId, RecordId, SubjectId};

/// What a row of the statement is (its first column).
const PERSON: i32 = 0;
const RECORD: i32 = 1;
const DISCLOSURE: i32 = 2;

// The shared row shape, by column: kind; id, entity, category, party, purpose (BIGINT);
// five texts; four timestamps; two dates. Each branch fills what it has and casts NULL
// for the rest (PostgreSQL types a union's columns by its first branch, and a bare NULL
// would be text). Person rows, one per relationship: entity = the relationship's
// entity; texts = name, language, primary e-mail, role, reference; dates = started,
// ended. Record rows, one per purpose: id, entity, category, party = source recipient,
// purpose; texts = field, value, source, kept reason; timestamps = collected, updated,
// restricted, erased; first date = kept until. Disclosure rows, one per category: id,
// entity, category, party = recipient, purpose; first timestamp = disclosed.
const PERSON_ROWS: &str = "SELECT 0, CAST(NULL AS BIGINT), r.entity_id, CAST(NULL AS BIGINT), \
     CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
     s.display_name, s.language, e.address, r.role, r.reference, \
     CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP), \
     r.started_on, r.ended_on \
     FROM subjects s \
     LEFT JOIN subject_emails e ON e.subject_id = s.id AND e.is_primary = TRUE \
     LEFT JOIN relationships r ON r.subject_id = s.id \
     WHERE s.id = ";
const RECORD_ROWS: &str = " UNION ALL SELECT 1, d.id, d.entity_id, d.category_id, d.source_recipient_id, p.purpose_id, \
     d.field, d.value, d.source, d.kept_reason, CAST(NULL AS TEXT), \
     d.collected_at, d.updated_at, d.restricted_at, d.erased_at, \
     d.kept_until, CAST(NULL AS DATE) \
     FROM records d LEFT JOIN record_purposes p ON p.record_id = d.id \
     WHERE d.subject_id = ";
const DISCLOSURE_ROWS: &str = " UNION ALL SELECT 2, d.id, d.entity_id, c.category_id, d.recipient_id, d.purpose_id, \
     CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
     d.disclosed_at, CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP), \
     CAST(NULL AS DATE), CAST(NULL AS DATE) \
     FROM disclosures d LEFT JOIN disclosure_categories c ON c.disclosure_id = d.id \
     WHERE d.subject_id = ";

/// The statement; `DISCLOSURES` says whether the third branch is in it (a type
/// parameter, so that the two texts have two query ids in the statement cache).
struct HeldRowsQuery<const DISCLOSURES: bool> {
    subject: i64,
}

type HeldRowSql = (
    Integer,
    (Nullable<BigInt>, Nullable<BigInt>, Nullable<BigInt>, Nullable<BigInt>, Nullable<BigInt>),
    (Nullable<Text>, Nullable<Text>, Nullable<Text>, Nullable<Text>, Nullable<Text>),
    (Nullable<Timestamp>, Nullable<Timestamp>, Nullable<Timestamp>, Nullable<Timestamp>),
    (Nullable<SqlDate>, Nullable<SqlDate>),
);

type Ids = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
type Texts = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
type Times =
    (Option<PrimitiveDateTime>, Option<PrimitiveDateTime>, Option<PrimitiveDateTime>, Option<PrimitiveDateTime>);
type HeldRow = (i32, Ids, Texts, Times, (Option<Date>, Option<Date>));

impl<const DISCLOSURES: bool> QueryId for HeldRowsQuery<DISCLOSURES> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const DISCLOSURES: bool> Query for HeldRowsQuery<DISCLOSURES> {
    type SqlType = HeldRowSql;
}

impl<DB, const DISCLOSURES: bool> QueryFragment<DB> for HeldRowsQuery<DISCLOSURES>
where
    DB: Backend + HasSqlType<BigInt>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(PERSON_ROWS);
        out.push_bind_param::<BigInt, _>(&self.subject)?;
        out.push_sql(RECORD_ROWS);
        out.push_bind_param::<BigInt, _>(&self.subject)?;
        if DISCLOSURES {
            out.push_sql(DISCLOSURE_ROWS);
            out.push_bind_param::<BigInt, _>(&self.subject)?;
        }
        Ok(())
    }
}

impl<Conn, const DISCLOSURES: bool> RunQueryDsl<Conn> for HeldRowsQuery<DISCLOSURES> {}

/// What the statement read: the person's own columns, then the rest grouped, records
/// and disclosures in id order (the caller puts them in the order pages show).
pub(super) struct HeldRows {
    /// Display name, language and primary e-mail, as stored.
    pub person: (String, String, Option<String>),
    /// Relationships, by entity and start.
    pub relationships: Vec<Relationship>,
    /// Records with their purposes.
    pub records: Vec<HeldRecord>,
    /// Disclosures with their categories (none when not asked for).
    pub disclosures: Vec<HeldDisclosure>,
}

/// Reads a person's rows in one statement; `NotFound` when there is no such person.
pub(super) fn load(conn: &mut DbConnection, subject: SubjectId, disclosures: bool) -> Result<HeldRows, DbError> {
    let mut rows: Vec<HeldRow> = if disclosures {
        HeldRowsQuery::<true> { subject: subject.0 }.load(conn)?
    } else {
        HeldRowsQuery::<false> { subject: subject.0 }.load(conn)?
    };
    // Sorted here, not by an ORDER BY: SQLite sorted the wide rows through a temporary
    // b-tree, 5% of a dashboard's instructions. Kind first; then person rows by
    // (entity, started); a record's or a disclosure's rows next to each other (by id),
    // which the grouping below relies on.
    rows.sort_unstable_by_key(|(kind, ids, _, _, dates)| (*kind, ids.0, ids.1, dates.0, ids.4, ids.2));
    let (mut person, mut relationships, mut records, mut disclosures) = (None, Vec::new(), Vec::new(), Vec::new());
    for (kind, ids, texts, times, dates) in rows {
        match kind {
            PERSON => {
                let (name, language, email, role, reference) = texts;
                if person.is_none() {
                    person = Some((required(name, "display name")?, required(language, "language")?, email));
                }
                if let Some(entity) = ids.1 {
                    relationships.push(relationship(entity, role, reference, dates)?);
                }
            }
            RECORD => add_record(&mut records, ids, texts, times, dates.0)?,
            DISCLOSURE => add_disclosure(&mut disclosures, ids, times.0)?,
            other => return Err(DbError::Rejected(format!("unknown row kind {other} in a person's data"))),
        }
    }
    // Every person has a person row (LEFT JOINs keep it); none means no such person.
    let person = person.ok_or(DbError::NotFound)?;
    Ok(HeldRows { person, relationships, records, disclosures })
}

/// A column every row of its kind has (the statement's NULL only stands for another
/// kind's column, or a LEFT JOIN that found nothing).
fn required<T>(value: Option<T>, what: &str) -> Result<T, DbError> {
    value.ok_or_else(|| DbError::Rejected(format!("a person's data came without its {what}")))
}

fn relationship(
    entity: i64,
    role: Option<String>,
    reference: Option<String>,
    dates: (Option<Date>, Option<Date>),
) -> Result<Relationship, DbError> {
    Ok(Relationship {
        entity: EntityId(entity),
        role: parsed(&required(role, "relationship role")?, "role")?,
        reference,
        since: required(dates.0, "relationship start")?,
        until: dates.1,
    })
}

fn add_record(
    records: &mut Vec<HeldRecord>,
    (id, entity, category, party, purpose): Ids,
    (field, value, source, kept_reason, _): Texts,
    (collected, updated, restricted, erased): Times,
    kept_until: Option<Date>,
) -> Result<(), DbError> {
    let id = required(id, "record id")?;
    let purpose = purpose.map(PurposeId);
    if let Some(same) = records.last_mut().filter(|r| r.id.0 == id) {
        same.purposes.extend(purpose);
        return Ok(());
    }
    records.push(HeldRecord {
        id: RecordId(id),
        entity: EntityId(required(entity, "record entity")?),
        category: CategoryId(required(category, "record category")?),
        field: required(field, "record field")?,
        value: required(value, "record value")?,
        source: parsed(&required(source, "record source")?, "record source")?,
        source_party: party.map(RecipientId),
        collected_at: from_db(required(collected, "record collection time")?),
        updated_at: from_db(required(updated, "record update time")?),
        restricted_at: restricted.map(from_db),
        erased_at: erased.map(from_db),
        kept_reason,
        kept_until,
        purposes: purpose.into_iter().collect(),
    });
    Ok(())
}

fn add_disclosure(
    disclosures: &mut Vec<HeldDisclosure>,
    (id, entity, category, recipient, purpose): Ids,
    at: Option<PrimitiveDateTime>,
) -> Result<(), DbError> {
    let id = required(id, "disclosure id")?;
    let category = category.map(CategoryId);
    if let Some(same) = disclosures.last_mut().filter(|d| d.id.0 == id) {
        same.categories.extend(category);
        return Ok(());
    }
    disclosures.push(HeldDisclosure {
        id: DisclosureId(id),
        recipient: RecipientId(required(recipient, "disclosure recipient")?),
        entity: EntityId(required(entity, "disclosure entity")?),
        purpose: PurposeId(required(purpose, "disclosure purpose")?),
        at: from_db(required(at, "disclosure time")?),
        categories: category.into_iter().collect(),
    });
    Ok(())
}
