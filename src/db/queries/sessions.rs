//! Server-side sessions. The cookie holds a random token; the table holds its SHA-256,
//! so a copy of the database cannot be used to take over a session.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::auth::session::{Principal, SessionStage, SessionTimes};
use crate::db::schema::sessions;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::ids::SubjectId;

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Row id (internal).
    pub id: i64,
    /// First 16 hex characters of the token hash: names the session to its owner.
    pub handle: String,
    /// Stage.
    pub stage: SessionStage,
    /// Who, once past the anonymous stage (a person)...
    pub subject_id: Option<SubjectId>,
    /// ...or a processor user...
    pub processor_user_id: Option<i64>,
    /// ...or a staff member.
    pub staff_user_id: Option<i64>,
    /// The person a staff member acts for (an assisted session), and until when.
    pub acting_for: Option<(SubjectId, OffsetDateTime)>,
    /// The synchronizer token every form of this session carries.
    pub csrf_token: String,
    /// The browser, as it said.
    pub user_agent: String,
    /// Lifetimes.
    pub times: SessionTimes,
    /// When the person last proved who they are.
    pub authenticated_at: Option<OffsetDateTime>,
    /// `email_code` or `oidc`.
    pub auth_method: Option<String>,
    /// The identity provider, for OIDC sessions.
    pub oidc_provider: Option<String>,
}

type Row = (
    (i64, String, String, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<time::PrimitiveDateTime>),
    (
        String,
        String,
        time::PrimitiveDateTime,
        time::PrimitiveDateTime,
        Option<time::PrimitiveDateTime>,
        time::PrimitiveDateTime,
        Option<String>,
        Option<String>,
    ),
);

macro_rules! columns {
    () => {
        (
            (
                sessions::id,
                sessions::token_hash,
                sessions::stage,
                sessions::subject_id,
                sessions::processor_user_id,
                sessions::staff_user_id,
                sessions::acting_for_subject_id,
                sessions::acting_until,
            ),
            (
                sessions::csrf_token,
                sessions::user_agent,
                sessions::created_at,
                sessions::last_seen_at,
                sessions::authenticated_at,
                sessions::expires_at,
                sessions::auth_method,
                sessions::oidc_provider,
            ),
        )
    };
}

fn record(row: Row) -> Result<SessionRecord, DbError> {
    let ((id, hash, stage, subject, processor, staff, acting_for, acting_until), rest) = row;
    let (csrf, ua, created, seen, authenticated, expires, method, provider) = rest;
    Ok(SessionRecord {
        id,
        handle: hash.chars().take(16).collect(),
        stage: stage.parse().map_err(|e| DbError::Rejected(format!("session stage: {e}")))?,
        subject_id: subject.map(SubjectId),
        processor_user_id: processor,
        staff_user_id: staff,
        acting_for: acting_for.zip(acting_until).map(|(s, until)| (SubjectId(s), from_db(until))),
        csrf_token: csrf,
        user_agent: ua,
        times: SessionTimes {
            stage: stage.parse().unwrap_or(SessionStage::Anonymous),
            created_at: from_db(created),
            last_seen_at: from_db(seen),
            expires_at: from_db(expires),
        },
        authenticated_at: authenticated.map(from_db),
        auth_method: method,
        oidc_provider: provider,
    })
}

/// The session whose token hashes to `token_hash`.
pub fn find(conn: &mut DbConnection, token_hash: &str) -> Result<Option<SessionRecord>, DbError> {
    let row: Option<Row> = sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .select(columns!())
        .first(conn)
        .optional()?;
    row.map(record).transpose()
}

/// A session to create.
pub struct NewSession<'a> {
    /// SHA-256 of the cookie token.
    pub token_hash: &'a str,
    /// Stage.
    pub stage: SessionStage,
    /// Who (none for anonymous).
    pub principal: Option<Principal>,
    /// For a staff session: the person it acts for, and until when.
    pub acting_for: Option<(SubjectId, OffsetDateTime)>,
    /// CSRF token.
    pub csrf_token: &'a str,
    /// Browser.
    pub user_agent: &'a str,
    /// Now.
    pub now: OffsetDateTime,
    /// Absolute end.
    pub expires_at: OffsetDateTime,
    /// How the person proved who they are.
    pub auth_method: Option<&'a str>,
    /// Which identity provider.
    pub oidc_provider: Option<&'a str>,
    /// Sealed ID token for logout.
    pub id_token_enc: Option<Vec<u8>>,
}

/// Stores a new session and returns its row id.
pub fn create(conn: &mut DbConnection, s: NewSession<'_>) -> Result<i64, DbError> {
    let now = to_db(s.now);
    let authenticated = (s.stage != SessionStage::Anonymous).then_some(now);
    Ok(diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(s.token_hash),
            sessions::stage.eq(s.stage.as_str()),
            sessions::subject_id.eq(s.principal.and_then(Principal::subject).map(|id| id.0)),
            sessions::processor_user_id.eq(s.principal.and_then(Principal::processor)),
            sessions::staff_user_id.eq(s.principal.and_then(Principal::staff)),
            sessions::acting_for_subject_id.eq(s.acting_for.map(|(subject, _)| subject.0)),
            sessions::acting_until.eq(s.acting_for.map(|(_, until)| to_db(until))),
            sessions::csrf_token.eq(s.csrf_token),
            sessions::user_agent.eq(s.user_agent),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::authenticated_at.eq(authenticated),
            sessions::expires_at.eq(to_db(s.expires_at)),
            sessions::auth_method.eq(s.auth_method),
            sessions::oidc_provider.eq(s.oidc_provider),
            sessions::id_token_enc.eq(s.id_token_enc),
        ))
        .returning(sessions::id)
        .get_result(conn)?)
}

/// Records activity.
pub fn touch(conn: &mut DbConnection, id: i64, now: OffsetDateTime) -> Result<(), DbError> {
    diesel::update(sessions::table.find(id)).set(sessions::last_seen_at.eq(to_db(now))).execute(conn)?;
    Ok(())
}

/// Ends one session (its challenges and OIDC logins go with it).
pub fn delete(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(sessions::table.find(id)).execute(conn)? == 1)
}

/// Ends the subject's session named by `handle`, if it is theirs.
pub fn delete_by_handle(conn: &mut DbConnection, subject: SubjectId, handle: &str) -> Result<bool, DbError> {
    if handle.len() != 16 || !handle.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let pattern = format!("{handle}%");
    Ok(diesel::delete(
        sessions::table.filter(sessions::subject_id.eq(subject.0)).filter(sessions::token_hash.like(pattern)),
    )
    .execute(conn)?
        > 0)
}

/// Ends every session of a subject except `keep`; returns how many ended.
pub fn delete_all_for_subject(
    conn: &mut DbConnection,
    subject: SubjectId,
    keep: Option<i64>,
) -> Result<usize, DbError> {
    let query = sessions::table.filter(sessions::subject_id.eq(subject.0));
    Ok(match keep {
        Some(id) => diesel::delete(query.filter(sessions::id.ne(id))).execute(conn)?,
        None => diesel::delete(query).execute(conn)?,
    })
}

/// The subject's signed-in sessions, newest first.
pub fn list_for_subject(conn: &mut DbConnection, subject: SubjectId) -> Result<Vec<SessionRecord>, DbError> {
    let rows: Vec<Row> = sessions::table
        .filter(sessions::subject_id.eq(subject.0))
        .filter(sessions::stage.eq(SessionStage::Complete.as_str()))
        .filter(sessions::revoked_at.is_null())
        .order(sessions::created_at.desc())
        .select(columns!())
        .load(conn)?;
    rows.into_iter().map(record).collect()
}

/// The sealed ID token and provider of an OIDC session, for RP-initiated logout.
pub fn id_token(conn: &mut DbConnection, id: i64) -> Result<Option<(String, Vec<u8>)>, DbError> {
    let row: Option<(Option<String>, Option<Vec<u8>>)> =
        sessions::table.find(id).select((sessions::oidc_provider, sessions::id_token_enc)).first(conn).optional()?;
    Ok(match row {
        Some((Some(provider), Some(token))) => Some((provider, token)),
        _ => None,
    })
}

/// Removes sessions that ended before `before` (housekeeping).
pub fn delete_expired(conn: &mut DbConnection, before: OffsetDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.lt(to_db(before)))).execute(conn)?)
}

/// Ends every session of a staff member.
pub fn delete_all_for_staff_user(conn: &mut DbConnection, user: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::staff_user_id.eq(user))).execute(conn)?)
}

/// Ends every session of a processor user.
pub fn delete_all_for_processor_user(conn: &mut DbConnection, user: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::processor_user_id.eq(user))).execute(conn)?)
}
