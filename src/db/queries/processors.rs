//! Processor users: people at a recipient organisation who confirm onward changes.

use diesel::prelude::*;
use time::OffsetDateTime;

use super::{audit, outbox};
use crate::auth::keys::Keys;
use crate::db::schema::processor_users;
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::audit::Actor;
use crate::domain::ids::{PublicId, RecipientId};
use crate::domain::{EmailAddress, Language};
use crate::email::messages;

/// A processor user.
#[derive(Debug, Clone)]
pub struct ProcessorUser {
    /// Row id.
    pub id: i64,
    /// Public id (audit events).
    pub public_id: String,
    /// The organisation it acts for.
    pub recipient: RecipientId,
    /// Address.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Disabled users cannot sign in.
    pub disabled: bool,
}

type Row = (i64, String, i64, String, String, Option<time::PrimitiveDateTime>);

fn user(row: Row) -> ProcessorUser {
    let (id, public_id, recipient, email, display_name, disabled) = row;
    ProcessorUser {
        id,
        public_id,
        recipient: RecipientId(recipient),
        email,
        display_name,
        disabled: disabled.is_some(),
    }
}

fn columns() -> (
    processor_users::id,
    processor_users::public_id,
    processor_users::recipient_id,
    processor_users::email,
    processor_users::display_name,
    processor_users::disabled_at,
) {
    (
        processor_users::id,
        processor_users::public_id,
        processor_users::recipient_id,
        processor_users::email,
        processor_users::display_name,
        processor_users::disabled_at,
    )
}

/// Invites a user for a recipient; refused (Conflict) if the address is taken.
pub fn invite(
    conn: &mut DbConnection,
    recipient: RecipientId,
    email: &EmailAddress,
    name: &str,
    now: OffsetDateTime,
) -> Result<ProcessorUser, DbError> {
    let public_id = PublicId::new();
    let id: i64 = diesel::insert_into(processor_users::table)
        .values((
            processor_users::public_id.eq(public_id.as_str()),
            processor_users::recipient_id.eq(recipient.0),
            processor_users::email.eq(email.as_str()),
            processor_users::display_name.eq(name),
            processor_users::invited_at.eq(to_db(now)),
        ))
        .returning(processor_users::id)
        .get_result(conn)?;
    Ok(ProcessorUser {
        id,
        public_id: public_id.to_string(),
        recipient,
        email: email.to_string(),
        display_name: name.to_owned(),
        disabled: false,
    })
}

/// Invites a user and queues the invitation mail, both in the caller's transaction,
/// and records who invited whom.
#[allow(clippy::too_many_arguments)]
pub fn invite_and_notify(
    conn: &mut DbConnection,
    keys: &Keys,
    public_base: &str,
    organisation: &str,
    recipient: RecipientId,
    email: &EmailAddress,
    name: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<ProcessorUser, DbError> {
    let user = invite(conn, recipient, email, name, now)?;
    let link = format!("{public_base}/processor/sign-in");
    let paragraphs = vec![
        format!("You have been invited to confirm onward privacy changes for {organisation} in the privacy portal."),
        "When the people whose data you received ask for it to be corrected, erased or restricted, the tasks appear \
         there. Sign in with this e-mail address: you receive a one-time code, and on your first sign-in you set up \
         an authenticator app, which every later sign-in also asks for."
            .to_owned(),
    ];
    let mail = messages::notice(
        email,
        name,
        Language::En,
        format!("Invitation: confirm privacy changes for {organisation}"),
        &paragraphs,
        Some(("Sign in to the processor portal", &link)),
    )
    .map_err(|e| DbError::Rejected(e.to_string()))?;
    let payload = serde_json::to_vec(&mail).map_err(|e| DbError::Rejected(e.to_string()))?;
    outbox::enqueue(conn, "email", keys.seal(&payload), now, None)?;
    audit::append(
        conn,
        actor,
        crate::domain::audit::action::PROCESSOR_USER_INVITED,
        None,
        Some("processor_user"),
        Some(&user.public_id),
        serde_json::json!({ "recipient": recipient.0 }),
        now,
    )?;
    Ok(user)
}

/// The active user with this address.
pub fn find_by_email(conn: &mut DbConnection, email: &EmailAddress) -> Result<Option<ProcessorUser>, DbError> {
    let row: Option<Row> = processor_users::table
        .filter(processor_users::email.eq(email.as_str()))
        .filter(processor_users::disabled_at.is_null())
        .select(columns())
        .first(conn)
        .optional()?;
    Ok(row.map(user))
}

/// A user by row id.
pub fn get(conn: &mut DbConnection, id: i64) -> Result<ProcessorUser, DbError> {
    Ok(user(processor_users::table.find(id).select(columns()).first(conn)?))
}

/// A user by public id (disabled ones too).
pub fn by_public_id(conn: &mut DbConnection, public_id: &str) -> Result<Option<ProcessorUser>, DbError> {
    let row: Option<Row> = processor_users::table
        .filter(processor_users::public_id.eq(public_id))
        .select(columns())
        .first(conn)
        .optional()?;
    Ok(row.map(user))
}

/// Marks the first completed sign-in.
pub fn activate(conn: &mut DbConnection, id: i64, now: OffsetDateTime) -> Result<(), DbError> {
    diesel::update(
        processor_users::table.filter(processor_users::id.eq(id)).filter(processor_users::activated_at.is_null()),
    )
    .set(processor_users::activated_at.eq(Some(to_db(now))))
    .execute(conn)?;
    Ok(())
}

/// Every user of a recipient.
pub fn list(conn: &mut DbConnection, recipient: Option<RecipientId>) -> Result<Vec<ProcessorUser>, DbError> {
    let mut query = processor_users::table.select(columns()).order(processor_users::id).into_boxed();
    if let Some(r) = recipient {
        query = query.filter(processor_users::recipient_id.eq(r.0));
    }
    Ok(query.load::<Row>(conn)?.into_iter().map(user).collect())
}

/// Disables (or re-enables) a processor user; false when there is none.
pub fn set_disabled(conn: &mut DbConnection, id: i64, disabled: bool, now: OffsetDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(processor_users::table.find(id))
        .set(processor_users::disabled_at.eq(disabled.then_some(to_db(now))))
        .execute(conn)?
        == 1)
}
