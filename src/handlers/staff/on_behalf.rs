//! Acting for a caller: every change a staff member makes in an assisted session is
//! recorded with its reason (shown to the person) and followed by an e-mail telling the
//! person what was done, both in the transaction of the change.

use crate::db::queries::staff::StaffUser;
use crate::db::queries::staff_actions::{self, NewStaffAction, StaffAction};
use crate::db::queries::{outbox, subjects};
use crate::db::{DbConnection, DbError};
use crate::domain::Language;
use crate::domain::ids::SubjectId;
use crate::email::{OutgoingMail, messages};
use crate::error::AppError;
use crate::extractors::SubjectAccess;
use crate::i18n;
use crate::state::AppState;

/// Longest reason (characters).
pub const MAX_REASON_CHARS: usize = 500;

/// A change a staff member is about to make for a person, ready to be recorded.
pub struct OnBehalf {
    staff: StaffUser,
    subject: SubjectId,
    reason: String,
    notice: Option<OutgoingMail>,
}

/// Checks the staff member's reason: present, at most 500 characters, no control
/// characters. Returns the message key of what is wrong.
pub fn check_reason(raw: &str) -> Result<String, &'static str> {
    let reason: String = raw.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned();
    if reason.is_empty() {
        return Err("staff.error_reason_missing");
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err("staff.error_reason_long");
    }
    Ok(reason)
}

/// For an assisted session: the record and the e-mail for a change described by
/// `what` (one sentence per language, no trailing period). `None` for the person acting
/// themselves.
pub async fn prepare(
    state: &AppState,
    access: &SubjectAccess,
    reason: String,
    what: impl Fn(Language) -> String,
) -> Result<Option<OnBehalf>, AppError> {
    let Some(staff) = &access.assisted_by else { return Ok(None) };
    let subject = access.subject_id;
    let summary = state.db.run(move |c| subjects::summary(c, subject)).await?;
    let notice = match &summary.email {
        Some(to) => {
            let language = summary.language;
            let texts = i18n::messages(language);
            let now = texts.date_time(state.clock.now());
            let role = texts.get(staff.role.label_key());
            let (subject_line, paragraphs) = if language == Language::Nl {
                (
                    "Wat onze klantenservice voor u deed".to_owned(),
                    vec![
                        format!("Op {now} heeft {} ({role}) telefonisch namens u: {}.", staff.display_name, what(language)),
                        format!("De opgegeven reden: {reason}"),
                        "Heeft u hier niet om gevraagd? Neem dan contact op met onze functionaris voor gegevensbescherming; op de pagina \"Wie bekeek mijn gegevens\" ziet u alles wat ons personeel deed.".to_owned(),
                    ],
                )
            } else {
                (
                    "What our support team did for you".to_owned(),
                    vec![
                        format!("On {now}, {} ({role}) did this for you by phone: {}.", staff.display_name, what(language)),
                        format!("The reason given: {reason}"),
                        "If you did not ask for this, contact our data protection officer; the page \"Who looked at my data\" lists everything our staff did.".to_owned(),
                    ],
                )
            };
            let link = format!("{}/activity", state.public_base);
            let label = if language == Language::Nl { "Wie bekeek mijn gegevens" } else { "Who looked at my data" };
            Some(
                messages::notice(to, &summary.display_name, language, subject_line, &paragraphs, Some((label, &link)))
                    .map_err(AppError::from)?,
            )
        }
        None => None,
    };
    Ok(Some(OnBehalf { staff: staff.clone(), subject, reason, notice }))
}

impl OnBehalf {
    /// The staff member.
    pub fn staff(&self) -> &StaffUser {
        &self.staff
    }

    /// Records the action and queues the notice, in the caller's transaction.
    pub fn record(
        &self,
        c: &mut DbConnection,
        keys: &crate::auth::keys::Keys,
        action: StaffAction,
        detail: &str,
        now: time::OffsetDateTime,
    ) -> Result<(), DbError> {
        staff_actions::record(
            c,
            NewStaffAction {
                staff_user: self.staff.id,
                staff_public_id: &self.staff.public_id,
                subject: self.subject,
                action,
                channel: "phone",
                detail,
                reason: &self.reason,
                now,
            },
        )?;
        if let Some(mail) = &self.notice {
            let payload = serde_json::to_vec(mail).map_err(|e| DbError::Rejected(e.to_string()))?;
            outbox::enqueue(c, "email", keys.seal(&payload), now, None)?;
        }
        Ok(())
    }
}
