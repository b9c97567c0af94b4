//! Authenticator apps and recovery codes. A step is recorded with a conditional UPDATE
//! so the same code cannot be used twice, even by parallel requests (TOTP-02).

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::{authenticators, recovery_codes};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::ids::SubjectId;

/// Whose authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A person's (optional).
    Subject(SubjectId),
    /// A processor user's (mandatory).
    Processor(i64),
    /// A staff member's (mandatory for local accounts).
    Staff(i64),
}

/// The id of the owner's authenticator, if any.
fn owned_id(conn: &mut DbConnection, owner: Owner) -> Result<Option<i64>, DbError> {
    Ok(match owner {
        Owner::Subject(s) => authenticators::table
            .filter(authenticators::subject_id.eq(s.0))
            .select(authenticators::id)
            .first(conn)
            .optional()?,
        Owner::Processor(p) => authenticators::table
            .filter(authenticators::processor_user_id.eq(p))
            .select(authenticators::id)
            .first(conn)
            .optional()?,
        Owner::Staff(p) => authenticators::table
            .filter(authenticators::staff_user_id.eq(p))
            .select(authenticators::id)
            .first(conn)
            .optional()?,
    })
}

/// A stored authenticator.
#[derive(Debug, Clone)]
pub struct Authenticator {
    /// Row id.
    pub id: i64,
    /// The sealed seed.
    pub secret_enc: Vec<u8>,
    /// Newest step accepted.
    pub last_used_step: Option<i64>,
    /// When enrolment was confirmed (`None` while pending).
    pub confirmed_at: Option<OffsetDateTime>,
}

/// The subject's authenticator, confirmed or pending.
pub fn find(conn: &mut DbConnection, owner: impl Into<Owner>) -> Result<Option<Authenticator>, DbError> {
    let owner = owner.into();
    let Some(id) = owned_id(conn, owner)? else { return Ok(None) };
    let row: Option<(i64, Vec<u8>, Option<i64>, Option<time::PrimitiveDateTime>)> = authenticators::table
        .filter(authenticators::id.eq(id))
        .select((
            authenticators::id,
            authenticators::secret_enc,
            authenticators::last_used_step,
            authenticators::confirmed_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, secret_enc, last_used_step, confirmed)| Authenticator {
        id,
        secret_enc,
        last_used_step,
        confirmed_at: confirmed.map(from_db),
    }))
}

/// Whether the subject has a confirmed authenticator.
pub fn is_enrolled(conn: &mut DbConnection, owner: impl Into<Owner>) -> Result<bool, DbError> {
    Ok(find(conn, owner)?.is_some_and(|a| a.confirmed_at.is_some()))
}

/// Starts enrolment with a new sealed seed, replacing a pending one. Refused (returns
/// false) when a confirmed authenticator exists.
pub fn start_enrolment(
    conn: &mut DbConnection,
    owner: impl Into<Owner>,
    secret_enc: Vec<u8>,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let owner = owner.into();
    if let Some(existing) = find(conn, owner)? {
        if existing.confirmed_at.is_some() {
            return Ok(false);
        }
        diesel::delete(authenticators::table.find(existing.id)).execute(conn)?;
    }
    let (subject, processor, staff) = match owner {
        Owner::Subject(s) => (Some(s.0), None, None),
        Owner::Processor(p) => (None, Some(p), None),
        Owner::Staff(p) => (None, None, Some(p)),
    };
    diesel::insert_into(authenticators::table)
        .values((
            authenticators::subject_id.eq(subject),
            authenticators::processor_user_id.eq(processor),
            authenticators::staff_user_id.eq(staff),
            authenticators::secret_enc.eq(secret_enc),
            authenticators::created_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Confirms a pending authenticator at `step` and stores the recovery-code hashes.
pub fn confirm(
    conn: &mut DbConnection,
    id: i64,
    step: i64,
    now: OffsetDateTime,
    recovery_hashes: &[String],
) -> Result<bool, DbError> {
    let updated = diesel::update(
        authenticators::table.filter(authenticators::id.eq(id)).filter(authenticators::confirmed_at.is_null()),
    )
    .set((authenticators::confirmed_at.eq(Some(to_db(now))), authenticators::last_used_step.eq(Some(step))))
    .execute(conn)?;
    if updated != 1 {
        return Ok(false);
    }
    diesel::delete(recovery_codes::table.filter(recovery_codes::authenticator_id.eq(id))).execute(conn)?;
    for hash in recovery_hashes {
        diesel::insert_into(recovery_codes::table)
            .values((recovery_codes::authenticator_id.eq(id), recovery_codes::code_hash.eq(hash)))
            .execute(conn)?;
    }
    Ok(true)
}

/// Records that `step` was used; false if it (or a later one) already was.
pub fn use_step(conn: &mut DbConnection, id: i64, step: i64) -> Result<bool, DbError> {
    let updated = diesel::update(
        authenticators::table
            .filter(authenticators::id.eq(id))
            .filter(authenticators::last_used_step.is_null().or(authenticators::last_used_step.lt(step))),
    )
    .set(authenticators::last_used_step.eq(Some(step)))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Uses a recovery code; true for exactly one caller.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    id: i64,
    code_hash: &str,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::authenticator_id.eq(id))
            .filter(recovery_codes::code_hash.eq(code_hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(to_db(now))))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Unused recovery codes left.
pub fn recovery_codes_left(conn: &mut DbConnection, id: i64) -> Result<i64, DbError> {
    Ok(recovery_codes::table
        .filter(recovery_codes::authenticator_id.eq(id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Removes the subject's authenticator and its recovery codes.
pub fn remove(conn: &mut DbConnection, subject: SubjectId) -> Result<bool, DbError> {
    Ok(diesel::delete(authenticators::table.filter(authenticators::subject_id.eq(subject.0))).execute(conn)? > 0)
}

impl From<SubjectId> for Owner {
    fn from(s: SubjectId) -> Owner {
        Owner::Subject(s)
    }
}
