//! Fixed-window counters shared by every instance.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::auth::rate_limit::Limit;
use crate::db::schema::rate_limits;
use crate::db::{DbConnection, DbError, to_db};

/// Counts one hit against `limit` and returns the hits in the window, this one included.
pub fn hit(conn: &mut DbConnection, limit: &Limit, now: OffsetDateTime) -> Result<u32, DbError> {
    let window = to_db(limit.window_start(now));
    let values = (rate_limits::bucket.eq(&limit.bucket), rate_limits::window_start.eq(window), rate_limits::hits.eq(1));
    // The multi-backend connection has no ON CONFLICT; each backend gets its own upsert.
    let hits: i32 = match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(rate_limits::table)
            .values(values)
            .on_conflict((rate_limits::bucket, rate_limits::window_start))
            .do_update()
            .set(rate_limits::hits.eq(rate_limits::hits + 1))
            .returning(rate_limits::hits)
            .get_result(c)?,
        DbConnection::Postgresql(c) => diesel::insert_into(rate_limits::table)
            .values(values)
            .on_conflict((rate_limits::bucket, rate_limits::window_start))
            .do_update()
            .set(rate_limits::hits.eq(rate_limits::hits + 1))
            .returning(rate_limits::hits)
            .get_result(c)?,
    };
    Ok(hits.max(0) as u32)
}

/// Hits so far in the current window of `limit`, without counting one.
pub fn current(conn: &mut DbConnection, limit: &Limit, now: OffsetDateTime) -> Result<u32, DbError> {
    let hits: Option<i32> = rate_limits::table
        .filter(rate_limits::bucket.eq(&limit.bucket))
        .filter(rate_limits::window_start.eq(to_db(limit.window_start(now))))
        .select(rate_limits::hits)
        .first(conn)
        .optional()?;
    Ok(hits.unwrap_or(0).max(0) as u32)
}

/// Removes windows that began before `before` (housekeeping).
pub fn delete_before(conn: &mut DbConnection, before: OffsetDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(to_db(before)))).execute(conn)?)
}
