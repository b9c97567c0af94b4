//! OpenID Connect logins in flight: state (hashed), nonce and PKCE verifier, bound to
//! the browser session that started them, usable once, for ten minutes (OIDC-03).

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::oidc_logins;
use crate::db::{DbConnection, DbError, to_db};

/// What the callback needs to finish a login.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    /// Provider key.
    pub provider: String,
    /// Nonce sent.
    pub nonce: String,
    /// PKCE verifier.
    pub pkce_verifier: String,
    /// Where to go afterwards.
    pub return_to: String,
}

/// Stores a login about to be sent to the provider.
#[allow(clippy::too_many_arguments)]
pub fn create(
    conn: &mut DbConnection,
    state_hash: &str,
    session_id: i64,
    provider: &str,
    nonce: &str,
    pkce_verifier: &str,
    return_to: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(oidc_logins::table)
        .values((
            oidc_logins::state_hash.eq(state_hash),
            oidc_logins::session_id.eq(session_id),
            oidc_logins::provider.eq(provider),
            oidc_logins::nonce.eq(nonce),
            oidc_logins::pkce_verifier.eq(pkce_verifier),
            oidc_logins::return_to.eq(return_to),
            oidc_logins::created_at.eq(to_db(now)),
            oidc_logins::expires_at.eq(to_db(expires_at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the login with this state for this session, once. `None` if the state is
/// unknown, belongs to another browser, was used, or expired.
pub fn consume(
    conn: &mut DbConnection,
    state_hash: &str,
    session_id: i64,
    now: OffsetDateTime,
) -> Result<Option<PendingLogin>, DbError> {
    let now = to_db(now);
    let updated = diesel::update(
        oidc_logins::table
            .filter(oidc_logins::state_hash.eq(state_hash))
            .filter(oidc_logins::session_id.eq(session_id))
            .filter(oidc_logins::consumed_at.is_null())
            .filter(oidc_logins::expires_at.gt(now)),
    )
    .set(oidc_logins::consumed_at.eq(Some(now)))
    .execute(conn)?;
    if updated != 1 {
        return Ok(None);
    }
    let (provider, nonce, pkce_verifier, return_to) = oidc_logins::table
        .filter(oidc_logins::state_hash.eq(state_hash))
        .select((oidc_logins::provider, oidc_logins::nonce, oidc_logins::pkce_verifier, oidc_logins::return_to))
        .first(conn)?;
    Ok(Some(PendingLogin { provider, nonce, pkce_verifier, return_to }))
}

/// Overwrites the nonce of a pending login (tests of nonce checking only).
pub fn replace_nonce_for_tests(conn: &mut DbConnection, session_id: i64, nonce: &str) -> Result<usize, DbError> {
    Ok(diesel::update(oidc_logins::table.filter(oidc_logins::session_id.eq(session_id)))
        .set(oidc_logins::nonce.eq(nonce))
        .execute(conn)?)
}

/// Removes logins that expired before `before` (housekeeping).
pub fn delete_expired(conn: &mut DbConnection, before: OffsetDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(oidc_logins::table.filter(oidc_logins::expires_at.lt(to_db(before)))).execute(conn)?)
}
