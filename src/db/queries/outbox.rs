//! The transactional outbox: mail and webhooks are written in the same transaction as
//! the change that causes them, then delivered by `jobs::outbox`. Several instances
//! may run the worker: a claim is a lease (`locked_until`), taken with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::db::schema::outbox;
use crate::db::{DbConnection, DbError, from_db, to_db};

/// An item to deliver.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    /// Row id (also the stable id of the message across retries).
    pub id: i64,
    /// `email` or `webhook`.
    pub kind: String,
    /// Sealed payload.
    pub payload: Vec<u8>,
    /// Deliveries tried so far.
    pub attempts: i32,
    /// After this the item is worthless and is dropped, not delivered late.
    pub expires_at: Option<OffsetDateTime>,
}

/// Queues an item; call inside the transaction of the change that causes it.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    payload: Vec<u8>,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq(kind),
            outbox::payload.eq(payload),
            outbox::created_at.eq(to_db(now)),
            outbox::available_at.eq(to_db(now)),
            outbox::expires_at.eq(expires_at.map(to_db)),
            outbox::attempts.eq(0),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

#[derive(QueryableByName)]
#[diesel(table_name = outbox)]
struct ClaimedRow {
    id: i64,
    kind: String,
    payload: Vec<u8>,
    attempts: i32,
    expires_at: Option<PrimitiveDateTime>,
}

const CLAIM_POSTGRES: &str = "UPDATE outbox SET locked_until = $1, locked_by = $2 WHERE id IN (\
     SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= $3 \
     AND (locked_until IS NULL OR locked_until < $3) {only} ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, payload, attempts, expires_at";

const CLAIM_SQLITE: &str = "UPDATE outbox SET locked_until = ?, locked_by = ? WHERE id IN (\
     SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= ? \
     AND (locked_until IS NULL OR locked_until < ?) {only} ORDER BY id LIMIT ?) \
     RETURNING id, kind, payload, attempts, expires_at";

/// Items that lose their worth at a set time (sign-in and verification codes).
const ONLY_EXPIRING: &str = "AND expires_at IS NOT NULL";

/// Leases up to `limit` due items to `worker` until `lease_until`. Items that expire
/// (codes) come first, oldest first, then the rest in queue order: a code must not wait
/// behind a bulk notice sent to thousands of people, or it expires before it is sent.
pub fn claim_due(
    conn: &mut DbConnection,
    worker: &str,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> Result<Vec<OutboxItem>, DbError> {
    let mut rows = claim(conn, ONLY_EXPIRING, worker, now, lease_until, limit)?;
    let rest = limit - rows.len() as i64;
    if rest > 0 {
        // What the first claim took is leased now, so this one does not see it again.
        rows.extend(claim(conn, "", worker, now, lease_until, rest)?);
    }
    Ok(rows
        .into_iter()
        .map(|r| OutboxItem {
            id: r.id,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            expires_at: r.expires_at.map(from_db),
        })
        .collect())
}

fn claim(
    conn: &mut DbConnection,
    only: &str,
    worker: &str,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> Result<Vec<ClaimedRow>, DbError> {
    let (now, lease_until) = (to_db(now), to_db(lease_until));
    let mut rows: Vec<ClaimedRow> = match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(CLAIM_POSTGRES.replace("{only}", only))
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(CLAIM_SQLITE.replace("{only}", only))
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(c)?,
    };
    // RETURNING gives no order.
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Records deliveries (one statement per 500 items).
pub fn mark_sent(conn: &mut DbConnection, ids: &[i64], now: OffsetDateTime) -> Result<(), DbError> {
    for chunk in ids.chunks(500) {
        diesel::update(outbox::table.filter(outbox::id.eq_any(chunk)))
            .set((
                outbox::sent_at.eq(Some(to_db(now))),
                outbox::locked_until.eq(None::<PrimitiveDateTime>),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a failed try and when to try again.
pub fn mark_retry(conn: &mut DbConnection, id: i64, next_at: OffsetDateTime, error: &str) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::available_at.eq(to_db(next_at)),
            outbox::locked_until.eq(None::<PrimitiveDateTime>),
            outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives up on an item (permanent error, too many tries, or expired).
pub fn mark_failed(conn: &mut DbConnection, id: i64, now: OffsetDateTime, error: &str) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::failed_at.eq(Some(to_db(now))),
            outbox::locked_until.eq(None::<PrimitiveDateTime>),
            outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Delivery state of one item: (attempts, sent, failed, last error).
pub fn status(conn: &mut DbConnection, id: i64) -> Result<(i32, bool, bool, Option<String>), DbError> {
    let (attempts, sent, failed, error): (i32, Option<PrimitiveDateTime>, Option<PrimitiveDateTime>, Option<String>) =
        outbox::table
            .find(id)
            .select((outbox::attempts, outbox::sent_at, outbox::failed_at, outbox::last_error))
            .first(conn)?;
    Ok((attempts, sent.is_some(), failed.is_some(), error))
}

/// Removes delivered or abandoned items finished before `before` (housekeeping; their
/// payloads hold personal data).
pub fn delete_finished(conn: &mut DbConnection, before: OffsetDateTime) -> Result<usize, DbError> {
    let before = to_db(before);
    Ok(diesel::delete(outbox::table.filter(outbox::sent_at.lt(before).or(outbox::failed_at.lt(before))))
        .execute(conn)?)
}

/// Undelivered items (neither sent nor given up) and when the oldest was queued.
pub fn backlog(conn: &mut DbConnection) -> Result<(i64, Option<OffsetDateTime>), DbError> {
    let (count, oldest): (i64, Option<time::PrimitiveDateTime>) = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .select((diesel::dsl::count_star(), diesel::dsl::min(outbox::created_at)))
        .first(conn)?;
    Ok((count, oldest.map(crate::db::from_db)))
}
