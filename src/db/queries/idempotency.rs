//! `Idempotency-Key` for processor confirmations (security checklist API-02): the
//! first answer to a key is stored with a hash of the request; the same key and body
//! get the same answer, the same key with another body is refused.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::idempotency_keys;
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::ids::RecipientId;

/// What a key already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Never used.
    New,
    /// Used for this very request: replay this answer.
    Replay(u16, String),
    /// Used for a different request.
    Mismatch,
}

/// Looks a key up.
pub fn check(conn: &mut DbConnection, recipient: RecipientId, key: &str, request_hash: &str) -> Result<Seen, DbError> {
    let row: Option<(String, Option<i32>, Option<String>)> = idempotency_keys::table
        .filter(idempotency_keys::recipient_id.eq(recipient.0))
        .filter(idempotency_keys::key.eq(key))
        .select((idempotency_keys::request_hash, idempotency_keys::response_status, idempotency_keys::response_body))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Seen::New,
        Some((hash, _, _)) if hash != request_hash => Seen::Mismatch,
        Some((_, status, body)) => Seen::Replay(status.unwrap_or(200) as u16, body.unwrap_or_default()),
    })
}

/// Stores the answer given to a key (in the transaction that made the change, so a
/// crash never leaves a change without its key or a key without its change).
pub fn store(
    conn: &mut DbConnection,
    recipient: RecipientId,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::recipient_id.eq(recipient.0),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::response_status.eq(Some(status as i32)),
            idempotency_keys::response_body.eq(Some(body)),
            idempotency_keys::created_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}
