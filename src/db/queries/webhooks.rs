//! Webhook endpoints of recipients (the URL and a secret, sealed) and their delivery
//! log. A task for a recipient with an endpoint is queued in the outbox in the
//! transaction that creates it.

use diesel::prelude::*;
use time::OffsetDateTime;

use super::audit;
use crate::auth::keys::Keys;
use crate::db::schema::{recipient_webhooks, webhook_deliveries};
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::audit::Actor;
use crate::domain::ids::RecipientId;

/// An endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Where to POST.
    pub url: String,
    /// The sealed signing secret.
    pub secret_enc: Vec<u8>,
}

/// Sets (or replaces) a recipient's endpoint.
pub fn set(
    conn: &mut DbConnection,
    recipient: RecipientId,
    url: &str,
    secret_enc: Vec<u8>,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    diesel::delete(recipient_webhooks::table.filter(recipient_webhooks::recipient_id.eq(recipient.0))).execute(conn)?;
    diesel::insert_into(recipient_webhooks::table)
        .values((
            recipient_webhooks::recipient_id.eq(recipient.0),
            recipient_webhooks::url.eq(url),
            recipient_webhooks::secret_enc.eq(secret_enc),
            recipient_webhooks::created_at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Points a recipient's webhooks at `url` (already checked with
/// `crate::webhooks::check_url`) with a new secret, and records who did it. Returns the
/// secret: it is shown once and stored only sealed.
pub fn configure(
    conn: &mut DbConnection,
    keys: &Keys,
    recipient: RecipientId,
    url: &url::Url,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<String, DbError> {
    let secret = crate::webhooks::new_secret();
    set(conn, recipient, url.as_str(), keys.seal(secret.as_bytes()), now)?;
    audit::append(
        conn,
        actor,
        crate::domain::audit::action::WEBHOOK_CONFIGURED,
        None,
        Some("recipient"),
        Some(&recipient.0.to_string()),
        serde_json::json!({ "url": url.as_str() }),
        now,
    )?;
    Ok(secret)
}

/// Removes a recipient's endpoint; returns whether there was one.
pub fn remove(
    conn: &mut DbConnection,
    recipient: RecipientId,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let n = diesel::delete(recipient_webhooks::table.filter(recipient_webhooks::recipient_id.eq(recipient.0)))
        .execute(conn)?;
    if n > 0 {
        audit::append(
            conn,
            actor,
            crate::domain::audit::action::WEBHOOK_REMOVED,
            None,
            Some("recipient"),
            Some(&recipient.0.to_string()),
            serde_json::json!({}),
            now,
        )?;
    }
    Ok(n > 0)
}

/// The configured URL of a recipient and whether it is active (never the secret).
pub fn describe(conn: &mut DbConnection, recipient: RecipientId) -> Result<Option<(String, bool)>, DbError> {
    let row: Option<(String, Option<time::PrimitiveDateTime>)> = recipient_webhooks::table
        .filter(recipient_webhooks::recipient_id.eq(recipient.0))
        .select((recipient_webhooks::url, recipient_webhooks::disabled_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(url, disabled)| (url, disabled.is_none())))
}

/// The active endpoint of a recipient.
pub fn endpoint(conn: &mut DbConnection, recipient: RecipientId) -> Result<Option<Endpoint>, DbError> {
    let row: Option<(String, Vec<u8>)> = recipient_webhooks::table
        .filter(recipient_webhooks::recipient_id.eq(recipient.0))
        .filter(recipient_webhooks::disabled_at.is_null())
        .select((recipient_webhooks::url, recipient_webhooks::secret_enc))
        .first(conn)
        .optional()?;
    Ok(row.map(|(url, secret_enc)| Endpoint { url, secret_enc }))
}

/// Turns an endpoint off (it answered 410 Gone).
pub fn disable(conn: &mut DbConnection, recipient: RecipientId, now: OffsetDateTime) -> Result<(), DbError> {
    diesel::update(recipient_webhooks::table.filter(recipient_webhooks::recipient_id.eq(recipient.0)))
        .set(recipient_webhooks::disabled_at.eq(Some(to_db(now))))
        .execute(conn)?;
    Ok(())
}

/// Logs one delivery attempt.
#[allow(clippy::too_many_arguments)]
pub fn log(
    conn: &mut DbConnection,
    task_id: i64,
    message_id: &str,
    attempt: i32,
    status_code: Option<u16>,
    error: Option<&str>,
    delivered: bool,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::task_id.eq(task_id),
            webhook_deliveries::message_id.eq(message_id),
            webhook_deliveries::attempt.eq(attempt),
            webhook_deliveries::status_code.eq(status_code.map(i32::from)),
            webhook_deliveries::error.eq(error.map(|e| e.chars().take(500).collect::<String>())),
            webhook_deliveries::delivered.eq(delivered),
            webhook_deliveries::at.eq(to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}
