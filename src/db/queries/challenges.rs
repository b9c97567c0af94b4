//! One-time-code challenges. Counting a try, and using a code, are single conditional
//! UPDATEs, so parallel submissions cannot get past the limits (OTP-03, OTP-06).

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::auth::session::Principal;
use crate::db::schema::otp_challenges;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::ids::SubjectId;

/// An open challenge.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// Row id.
    pub id: i64,
    /// Random id the code hash is bound to.
    pub public_id: String,
    /// Who the code was sent to; `None` for an address nobody has (nothing was sent).
    pub principal: Option<Principal>,
    /// Keyed hash of the code.
    pub code_hash: String,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// Tries so far.
    pub attempts: i32,
}

/// Replaces the session's open challenges for `purpose` with a new one (a resend
/// invalidates earlier codes, OTP-04).
#[allow(clippy::too_many_arguments)]
pub fn replace(
    conn: &mut DbConnection,
    session_id: i64,
    purpose: &str,
    principal: Option<Principal>,
    public_id: &str,
    code_hash: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<i64, DbError> {
    diesel::delete(
        otp_challenges::table
            .filter(otp_challenges::session_id.eq(session_id))
            .filter(otp_challenges::purpose.eq(purpose))
            .filter(otp_challenges::consumed_at.is_null()),
    )
    .execute(conn)?;
    Ok(diesel::insert_into(otp_challenges::table)
        .values((
            otp_challenges::public_id.eq(public_id),
            otp_challenges::purpose.eq(purpose),
            otp_challenges::session_id.eq(session_id),
            otp_challenges::subject_id.eq(principal.and_then(Principal::subject).map(|s| s.0)),
            otp_challenges::processor_user_id.eq(principal.and_then(Principal::processor)),
            otp_challenges::staff_user_id.eq(principal.and_then(Principal::staff)),
            otp_challenges::code_hash.eq(code_hash),
            otp_challenges::created_at.eq(to_db(now)),
            otp_challenges::expires_at.eq(to_db(expires_at)),
            otp_challenges::attempts.eq(0),
        ))
        .returning(otp_challenges::id)
        .get_result(conn)?)
}

/// The newest unused challenge of the session for `purpose`.
pub fn latest_open(conn: &mut DbConnection, session_id: i64, purpose: &str) -> Result<Option<Challenge>, DbError> {
    type Row = (i64, String, Option<i64>, Option<i64>, Option<i64>, String, time::PrimitiveDateTime, i32);
    let row: Option<Row> = otp_challenges::table
        .filter(otp_challenges::session_id.eq(session_id))
        .filter(otp_challenges::purpose.eq(purpose))
        .filter(otp_challenges::consumed_at.is_null())
        .order(otp_challenges::id.desc())
        .select((
            otp_challenges::id,
            otp_challenges::public_id,
            otp_challenges::subject_id,
            otp_challenges::processor_user_id,
            otp_challenges::staff_user_id,
            otp_challenges::code_hash,
            otp_challenges::expires_at,
            otp_challenges::attempts,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, public_id, subject, processor, staff, code_hash, expires, attempts)| Challenge {
        id,
        public_id,
        principal: match (subject, processor, staff) {
            (Some(s), _, _) => Some(Principal::Subject(SubjectId(s))),
            (None, Some(p), _) => Some(Principal::Processor(p)),
            (None, None, Some(s)) => Some(Principal::Staff(s)),
            _ => None,
        },
        code_hash,
        expires_at: from_db(expires),
        attempts,
    }))
}

/// Counts one try, if the challenge is still usable (unused, unexpired, under the
/// limit). Returns false when it is not: then the code must not even be compared.
pub fn count_attempt(
    conn: &mut DbConnection,
    id: i64,
    max_attempts: u32,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        otp_challenges::table
            .filter(otp_challenges::id.eq(id))
            .filter(otp_challenges::attempts.lt(max_attempts as i32))
            .filter(otp_challenges::consumed_at.is_null())
            .filter(otp_challenges::expires_at.gt(to_db(now))),
    )
    .set(otp_challenges::attempts.eq(otp_challenges::attempts + 1))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Marks the challenge used; true for exactly one caller.
pub fn consume(conn: &mut DbConnection, id: i64, now: OffsetDateTime) -> Result<bool, DbError> {
    let updated = diesel::update(
        otp_challenges::table.filter(otp_challenges::id.eq(id)).filter(otp_challenges::consumed_at.is_null()),
    )
    .set(otp_challenges::consumed_at.eq(Some(to_db(now))))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Removes challenges that expired before `before` (housekeeping).
pub fn delete_expired(conn: &mut DbConnection, before: OffsetDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(otp_challenges::table.filter(otp_challenges::expires_at.lt(to_db(before)))).execute(conn)?)
}
