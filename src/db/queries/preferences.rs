//! Marketing preferences. A change is one transaction: the append-only consent event
//! (the proof, Art. 7(1)) and the preference row (its current projection).

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::db::schema::{consent_events, entity_channels, marketing_preferences};
use crate::db::{DbConnection, DbError, to_db};
use crate::domain::ids::{ChannelId, ConsentEventId, EntityId, SubjectId};

/// One change of one cell of the grid.
pub struct ConsentChange<'a> {
    /// Whose.
    pub subject: SubjectId,
    /// Entity.
    pub entity: EntityId,
    /// Channel.
    pub channel: ChannelId,
    /// The new state.
    pub granted: bool,
    /// web, support, api, gpc, import.
    pub method: &'a str,
    /// subject, staff, source, system.
    pub actor_kind: &'a str,
    /// Staff id when staff acted.
    pub actor_id: Option<&'a str>,
    /// The statement version shown.
    pub notice_version: &'a str,
    /// When.
    pub now: OffsetDateTime,
}

/// Whether the entity markets on the channel (the catalog's grid).
pub fn is_declared(conn: &mut DbConnection, entity: EntityId, channel: ChannelId) -> Result<bool, DbError> {
    let n: i64 = entity_channels::table
        .filter(entity_channels::entity_id.eq(entity.0))
        .filter(entity_channels::channel_id.eq(channel.0))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Applies a change. Returns the consent event, or `None` when the cell already had
/// that state (nothing is written). Refused when the entity does not market on the
/// channel.
pub fn set(conn: &mut DbConnection, c: &ConsentChange<'_>) -> Result<Option<ConsentEventId>, DbError> {
    if !is_declared(conn, c.entity, c.channel)? {
        return Err(DbError::Rejected("the entity does not market on this channel".into()));
    }
    let cell = marketing_preferences::subject_id
        .eq(c.subject.0)
        .and(marketing_preferences::entity_id.eq(c.entity.0))
        .and(marketing_preferences::channel_id.eq(c.channel.0));
    let now = to_db(c.now);
    // Updating first takes the row lock (PostgreSQL), so concurrent changes of one cell
    // apply one after the other and the events keep their order.
    let update = || {
        diesel::update(marketing_preferences::table.filter(cell).filter(marketing_preferences::granted.ne(c.granted)))
            .set((marketing_preferences::granted.eq(c.granted), marketing_preferences::updated_at.eq(now)))
    };
    if update().execute(conn)? == 0 {
        let exists: i64 = marketing_preferences::table.filter(cell).count().get_result(conn)?;
        if exists > 0 {
            return Ok(None);
        }
        // The cell's first choice. Another change of the same cell can insert it first
        // (two tabs, a double click: on PostgreSQL this one then waits for that commit
        // and fails on the unique key); under a savepoint the failure leaves this
        // transaction usable, and the change applies to the row that now exists.
        let inserted = conn.transaction(|c2| -> Result<usize, DbError> {
            Ok(diesel::insert_into(marketing_preferences::table)
                .values((
                    marketing_preferences::subject_id.eq(c.subject.0),
                    marketing_preferences::entity_id.eq(c.entity.0),
                    marketing_preferences::channel_id.eq(c.channel.0),
                    marketing_preferences::granted.eq(c.granted),
                    marketing_preferences::updated_at.eq(now),
                ))
                .execute(c2)?)
        });
        match inserted {
            Ok(_) => {}
            Err(DbError::Conflict(_)) => {
                if update().execute(conn)? == 0 {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
    }
    let id: i64 = diesel::insert_into(consent_events::table)
        .values((
            consent_events::subject_id.eq(c.subject.0),
            consent_events::entity_id.eq(c.entity.0),
            consent_events::channel_id.eq(Some(c.channel.0)),
            consent_events::granted.eq(c.granted),
            consent_events::method.eq(c.method),
            consent_events::actor_kind.eq(c.actor_kind),
            consent_events::actor_id.eq(c.actor_id),
            consent_events::notice_version.eq(c.notice_version),
            consent_events::occurred_at.eq(now),
        ))
        .returning(consent_events::id)
        .get_result(conn)?;
    Ok(Some(ConsentEventId(id)))
}

/// Records withdrawal of consent for a consent-based purpose (Art. 7(3)).
pub fn withdraw_purpose_consent(
    conn: &mut DbConnection,
    subject: SubjectId,
    entity: EntityId,
    purpose: crate::domain::ids::PurposeId,
    notice_version: &str,
    now: OffsetDateTime,
) -> Result<ConsentEventId, DbError> {
    let id: i64 = diesel::insert_into(consent_events::table)
        .values((
            consent_events::subject_id.eq(subject.0),
            consent_events::entity_id.eq(entity.0),
            consent_events::purpose_id.eq(Some(purpose.0)),
            consent_events::granted.eq(false),
            consent_events::method.eq("web"),
            consent_events::actor_kind.eq("subject"),
            consent_events::notice_version.eq(notice_version),
            consent_events::occurred_at.eq(to_db(now)),
        ))
        .returning(consent_events::id)
        .get_result(conn)?;
    Ok(ConsentEventId(id))
}
