//! Bearer tokens for machines (processor APIs now, source systems later): shown once,
//! stored as a SHA-256, identified by a short prefix, revocable, with last-used time.

use diesel::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::auth::keys::{random_token, token_hash};
use crate::db::schema::api_tokens;
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::{Actor, action};
use crate::domain::ids::{PublicId, RecipientId};

/// A token that authenticated.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    /// Row id.
    pub id: i64,
    /// Public id (audit events).
    pub public_id: String,
    /// processor or ingest.
    pub kind: String,
    /// The recipient it acts for (processor tokens).
    pub recipient: Option<RecipientId>,
    /// The source system (ingest tokens).
    pub source_system: Option<String>,
    /// Entities it may write (ingest tokens; `None`: all).
    pub entity_scope: Option<Vec<String>>,
}

/// A token as listed (never its secret).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Public id.
    pub public_id: String,
    /// Prefix (as it appears at the start of the token).
    pub prefix: String,
    /// Label.
    pub label: String,
    /// Kind.
    pub kind: String,
    /// Recipient.
    pub recipient: Option<RecipientId>,
    /// Source system (ingest tokens).
    pub source_system: Option<String>,
    /// Entities an ingest token may write (`None`: all).
    pub entity_scope: Option<Vec<String>>,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last used.
    pub last_used_at: Option<OffsetDateTime>,
    /// Revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// What to issue.
pub struct NewToken<'a> {
    /// processor or ingest.
    pub kind: &'a str,
    /// For a processor token.
    pub recipient: Option<RecipientId>,
    /// For an ingest token.
    pub source_system: Option<&'a str>,
    /// Entities an ingest token may write.
    pub entity_scope: Option<Vec<String>>,
    /// What it is for.
    pub label: &'a str,
}

/// Issues a token; returns (public id, the token itself — shown once, never stored).
pub fn issue(conn: &mut DbConnection, t: NewToken<'_>, now: OffsetDateTime) -> Result<(String, String), DbError> {
    let prefix_source = random_token();
    let prefix: String =
        prefix_source.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect::<String>().to_ascii_lowercase();
    let tag = if t.kind == "processor" { "pp" } else { "pi" };
    let token = format!("{tag}_{prefix}_{}", random_token());
    let public_id = PublicId::new();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::public_id.eq(public_id.as_str()),
            api_tokens::kind.eq(t.kind),
            api_tokens::recipient_id.eq(t.recipient.map(|r| r.0)),
            api_tokens::source_system.eq(t.source_system),
            api_tokens::entity_scope.eq(t.entity_scope.map(|s| serde_json::json!(s).to_string())),
            api_tokens::label.eq(t.label),
            api_tokens::prefix.eq(&prefix),
            api_tokens::token_hash.eq(token_hash(&token)),
            api_tokens::created_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok((public_id.to_string(), token))
}

/// Issues a token and records it in the audit trail (who, for which recipient or source
/// and entities, with which label; never the secret), in the caller's transaction.
pub fn issue_recorded(
    conn: &mut DbConnection,
    t: NewToken<'_>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(String, String), DbError> {
    let details = serde_json::json!({
        "recipient": t.recipient.map(|r| r.0),
        "source": t.source_system,
        "entities": t.entity_scope,
        "label": t.label,
    });
    let issued = issue(conn, t, now)?;
    super::audit::append(conn, actor, action::TOKEN_ISSUED, None, Some("token"), Some(&issued.0), details, now)?;
    Ok(issued)
}

/// The owner of a presented token, if it is valid and not revoked. Records use at most
/// once a minute.
pub fn authenticate(conn: &mut DbConnection, token: &str, now: OffsetDateTime) -> Result<Option<TokenOwner>, DbError> {
    type Row = (i64, String, String, Option<i64>, Option<String>, Option<String>, Option<time::PrimitiveDateTime>);
    let row: Option<Row> = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::public_id,
            api_tokens::kind,
            api_tokens::recipient_id,
            api_tokens::source_system,
            api_tokens::entity_scope,
            api_tokens::last_used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, public_id, kind, recipient, source_system, scope, last_used)) = row else { return Ok(None) };
    if last_used.is_none_or(|t| now - from_db(t) >= Duration::seconds(60)) {
        diesel::update(api_tokens::table.find(id)).set(api_tokens::last_used_at.eq(Some(to_db(now)))).execute(conn)?;
    }
    Ok(Some(TokenOwner {
        id,
        public_id,
        kind,
        recipient: recipient.map(RecipientId),
        source_system,
        // An unreadable scope allows nothing rather than everything.
        entity_scope: scope.map(|s| serde_json::from_str(&s).unwrap_or_default()),
    }))
}

/// Revokes a token by public id or prefix; returns whether one was revoked.
pub fn revoke(conn: &mut DbConnection, id_or_prefix: &str, now: OffsetDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::public_id.eq(id_or_prefix).or(api_tokens::prefix.eq(id_or_prefix)))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(to_db(now))))
    .execute(conn)?;
    Ok(n > 0)
}

/// Every token (without secrets).
pub fn list(conn: &mut DbConnection) -> Result<Vec<TokenInfo>, DbError> {
    type Row = (
        String,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        time::PrimitiveDateTime,
        Option<time::PrimitiveDateTime>,
        Option<time::PrimitiveDateTime>,
    );
    let rows: Vec<Row> = api_tokens::table
        .order(api_tokens::id)
        .select((
            api_tokens::public_id,
            api_tokens::prefix,
            api_tokens::label,
            api_tokens::kind,
            api_tokens::recipient_id,
            api_tokens::source_system,
            api_tokens::entity_scope,
            api_tokens::created_at,
            api_tokens::last_used_at,
            api_tokens::revoked_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(public_id, prefix, label, kind, recipient, source_system, scope, created, used, revoked)| TokenInfo {
            public_id,
            prefix,
            label,
            kind,
            recipient: recipient.map(RecipientId),
            source_system,
            entity_scope: scope.and_then(|s| serde_json::from_str(&s).ok()),
            created_at: from_db(created),
            last_used_at: used.map(from_db),
            revoked_at: revoked.map(from_db),
        })
        .collect())
}
