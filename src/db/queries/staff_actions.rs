//! What staff did for a person and why (the person's "who looked at my data" page).
//! Each row is also an audit event, which holds only its id.

use diesel::prelude::*;
use time::OffsetDateTime;

use super::audit;
use crate::db::schema::{staff_actions, staff_users};
use crate::db::{DbConnection, DbError, from_db, to_db};
use crate::domain::audit::{Actor, action};
use crate::domain::ids::SubjectId;
use crate::domain::staff::StaffRole;
use crate::domain::text_enum::text_enum;

text_enum! {
    /// What a staff member did.
    pub enum StaffAction {
        /// Verified the caller with a code read back (the assisted session began).
        Verified => "verified",
        /// Looked at a page of the person's data.
        Viewed => "viewed",
        /// Changed a marketing preference.
        Preference => "preference",
        /// Filed a rights request.
        Request => "request",
        /// Downloaded the person's data to send to them.
        Download => "download",
        /// Ended the assisted session.
        Ended => "ended",
    }
}

/// One recorded action.
pub struct NewStaffAction<'a> {
    /// Staff member (row id).
    pub staff_user: i64,
    /// Their public id (the audit actor).
    pub staff_public_id: &'a str,
    /// For whom.
    pub subject: SubjectId,
    /// What.
    pub action: StaffAction,
    /// phone, email, post, in_person.
    pub channel: &'a str,
    /// Which page or thing (no personal values: a path, a channel key, a reference).
    pub detail: &'a str,
    /// Why, in the staff member's words (empty for views).
    pub reason: &'a str,
    /// When.
    pub now: OffsetDateTime,
}

/// Records an action and its audit event, in the caller's transaction.
pub fn record(conn: &mut DbConnection, a: NewStaffAction<'_>) -> Result<i64, DbError> {
    let detail: String = a.detail.chars().take(200).collect();
    let id: i64 = diesel::insert_into(staff_actions::table)
        .values((
            staff_actions::staff_user_id.eq(a.staff_user),
            staff_actions::subject_id.eq(a.subject.0),
            staff_actions::action.eq(a.action.as_str()),
            staff_actions::channel.eq(a.channel),
            staff_actions::detail.eq(&detail),
            staff_actions::reason.eq(a.reason),
            staff_actions::at.eq(to_db(a.now)),
        ))
        .returning(staff_actions::id)
        .get_result(conn)?;
    audit::append(
        conn,
        &Actor::Staff(a.staff_public_id.to_owned()),
        action::STAFF_ACTED,
        Some(a.subject.0),
        Some("staff_action"),
        Some(&id.to_string()),
        serde_json::json!({ "action": a.action.as_str(), "channel": a.channel }),
        a.now,
    )?;
    Ok(id)
}

/// An action as the person sees it.
#[derive(Debug, Clone)]
pub struct StaffActionView {
    /// When.
    pub at: OffsetDateTime,
    /// Staff member's name.
    pub staff_name: String,
    /// Their role.
    pub staff_role: StaffRole,
    /// Their id (stable, for a complaint).
    pub staff_id: String,
    /// What.
    pub action: StaffAction,
    /// Channel.
    pub channel: String,
    /// Which page or thing.
    pub detail: String,
    /// Why.
    pub reason: String,
}

/// Every staff action for a person, newest first.
pub fn for_subject(conn: &mut DbConnection, subject: SubjectId, limit: i64) -> Result<Vec<StaffActionView>, DbError> {
    type Row = (time::PrimitiveDateTime, String, String, String, String, String, String, String);
    let rows: Vec<Row> = staff_actions::table
        .inner_join(staff_users::table)
        .filter(staff_actions::subject_id.eq(subject.0))
        .order(staff_actions::id.desc())
        .limit(limit)
        .select((
            staff_actions::at,
            staff_users::display_name,
            staff_users::role,
            staff_users::public_id,
            staff_actions::action,
            staff_actions::channel,
            staff_actions::detail,
            staff_actions::reason,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(at, name, role, id, what, channel, detail, reason)| {
            Ok(StaffActionView {
                at: from_db(at),
                staff_name: name,
                staff_role: role.parse().map_err(|e| DbError::Rejected(format!("stored role: {e}")))?,
                staff_id: id,
                action: what.parse().map_err(|e| DbError::Rejected(format!("stored action: {e}")))?,
                channel,
                detail,
                reason,
            })
        })
        .collect()
}

/// Removes the reasons kept for a person (their free text may hold personal data) when
/// the person is erased; the audit chain keeps the ids.
pub fn forget_reasons(conn: &mut DbConnection, subject: SubjectId) -> Result<usize, DbError> {
    Ok(diesel::update(staff_actions::table.filter(staff_actions::subject_id.eq(subject.0)))
        .set(staff_actions::reason.eq(""))
        .execute(conn)?)
}
