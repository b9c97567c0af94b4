//! `Idempotency-Key` for processor confirmations and ingestion writes (security
//! checklist API-02): the first answer to a key is stored with a hash of the request;
//! the same key and body get the same answer, the same key with another body is refused.
//! Keys belong to a recipient (processor API) or to a source's token (ingestion API).

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::{idempotency_keys, ingest_idempotency_keys};
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

/// Whose keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    /// A recipient's (processor API; all its tokens share them).
    Recipient(RecipientId),
    /// One ingestion token's (row id).
    IngestToken(i64),
}

/// Looks a key up.
pub fn check(conn: &mut DbConnection, owner: KeyOwner, key: &str, request_hash: &str) -> Result<Seen, DbError> {
    let row: Option<(String, Option<i32>, Option<String>)> = match owner {
        KeyOwner::Recipient(recipient) => idempotency_keys::table
            .filter(idempotency_keys::recipient_id.eq(recipient.0))
            .filter(idempotency_keys::key.eq(key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::response_status,
                idempotency_keys::response_body,
            ))
            .first(conn)
            .optional()?,
        KeyOwner::IngestToken(token) => ingest_idempotency_keys::table
            .filter(ingest_idempotency_keys::token_id.eq(token))
            .filter(ingest_idempotency_keys::key.eq(key))
            .select((
                ingest_idempotency_keys::request_hash,
                ingest_idempotency_keys::response_status.nullable(),
                ingest_idempotency_keys::response_body.nullable(),
            ))
            .first(conn)
            .optional()?,
    };
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
    owner: KeyOwner,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    match owner {
        KeyOwner::Recipient(recipient) => diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::recipient_id.eq(recipient.0),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(request_hash),
                idempotency_keys::response_status.eq(Some(status as i32)),
                idempotency_keys::response_body.eq(Some(body)),
                idempotency_keys::created_at.eq(to_db(now)),
            ))
            .execute(conn)?,
        KeyOwner::IngestToken(token) => diesel::insert_into(ingest_idempotency_keys::table)
            .values((
                ingest_idempotency_keys::token_id.eq(token),
                ingest_idempotency_keys::key.eq(key),
                ingest_idempotency_keys::request_hash.eq(request_hash),
                ingest_idempotency_keys::response_status.eq(status as i32),
                ingest_idempotency_keys::response_body.eq(body),
                ingest_idempotency_keys::created_at.eq(to_db(now)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Forgets keys older than `before` (a retry comes within minutes or days, not months).
pub fn delete_before(conn: &mut DbConnection, before: OffsetDateTime) -> Result<usize, DbError> {
    let cutoff = to_db(before);
    Ok(diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff))).execute(conn)?
        + diesel::delete(ingest_idempotency_keys::table.filter(ingest_idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?)
}
