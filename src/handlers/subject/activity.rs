//! "Who looked at my data": every view and change staff made of the person's data,
//! with who (name, role and staff id), when, what, and the reason they gave.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use crate::db::queries::staff_actions::{self, StaffAction};
use crate::error::AppError;
use crate::extractors::{CurrentSubject, PageContext};
use crate::i18n::messages;
use crate::state::AppState;

/// One line.
pub struct ActivityRow {
    /// When (formatted).
    pub at: String,
    /// Staff name.
    pub who: String,
    /// Message key of their role.
    pub role: &'static str,
    /// Staff id.
    pub staff_id: String,
    /// Message key of what they did.
    pub what: &'static str,
    /// Which page or thing.
    pub detail: String,
    /// Why.
    pub reason: String,
}

fn action_key(a: StaffAction) -> &'static str {
    match a {
        StaffAction::Verified => "activity.verified",
        StaffAction::Viewed => "activity.viewed",
        StaffAction::Preference => "activity.preference",
        StaffAction::Request => "activity.request",
        StaffAction::Download => "activity.download",
        StaffAction::Ended => "activity.ended",
    }
}

/// `GET /activity`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/activity.html")]
pub struct ActivityPage {
    ctx: PageContext,
    rows: Vec<ActivityRow>,
}

/// `GET /activity`: only the person themselves (a staff member helping them does not
/// see who else looked).
pub async fn activity(
    ctx: PageContext,
    me: CurrentSubject,
    state: web::Data<AppState>,
) -> Result<ActivityPage, AppError> {
    let subject = me.subject_id;
    let actions = state.db.run(move |c| staff_actions::for_subject(c, subject, 500)).await?;
    let texts = messages(ctx.lang);
    let rows = actions
        .into_iter()
        .map(|a| ActivityRow {
            at: texts.date_time(a.at),
            who: a.staff_name,
            role: a.staff_role.label_key(),
            staff_id: a.staff_id,
            what: action_key(a.action),
            detail: a.detail,
            reason: a.reason,
        })
        .collect();
    Ok(ActivityPage { ctx, rows })
}
