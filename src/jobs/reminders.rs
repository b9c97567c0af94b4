//! Reminds recipients of overdue tasks (GDPR Art. 19 follow-up): one mail per recipient
//! to its contact address and its processor users, at most every three days while
//! anything stays overdue. The request stays open until every task is answered.

use time::Duration;

use crate::db::DbError;
use crate::db::queries::{audit, outbox, processors, tasks};
use crate::domain::Language;
use crate::domain::audit::Actor;
use crate::email::messages;
use crate::state::AppState;

/// How often one recipient is reminded while tasks stay overdue.
pub const EVERY: Duration = Duration::days(3);

/// Queues the reminders that are due; returns how many recipients were reminded.
pub async fn send_due(state: &AppState) -> Result<usize, DbError> {
    let now = state.clock.now();
    let st = state.clone();
    state
        .db
        .transaction(move |c| {
            let due = tasks::take_due_reminders(c, now, EVERY)?;
            for (recipient_id, count, earliest) in &due {
                let Some(recipient) = st.catalog.recipient(*recipient_id) else { continue };
                let mut to = vec![(recipient.contact_email.clone(), recipient.name.clone())];
                for user in processors::list(c, Some(*recipient_id))?.into_iter().filter(|u| !u.disabled) {
                    if let Ok(address) = crate::domain::EmailAddress::parse(&user.email)
                        && !to.iter().any(|(a, _)| *a == address)
                    {
                        to.push((address, user.display_name));
                    }
                }
                let since = earliest.date();
                let paragraphs = vec![
                    format!(
                        "{count} privacy task(s) for {} are past their due date (the oldest was due on {since}).",
                        recipient.name
                    ),
                    "The people concerned asked for their data to be corrected, erased or restricted, and the law \
                     requires that every recipient is told and acts. Please confirm each task once it is applied, or \
                     decline it with a reason (for example a legal duty to keep the data)."
                        .to_owned(),
                ];
                let link = format!("{}/processor?view=overdue", st.public_base);
                for (address, name) in &to {
                    let mail = messages::notice(
                        address,
                        name,
                        Language::En,
                        format!("Reminder: {count} overdue privacy task(s)"),
                        &paragraphs,
                        Some(("Open the overdue tasks", &link)),
                    )
                    .map_err(|e| DbError::Rejected(e.to_string()))?;
                    let payload = serde_json::to_vec(&mail).map_err(|e| DbError::Rejected(e.to_string()))?;
                    outbox::enqueue(c, "email", st.keys.seal(&payload), now, None)?;
                }
                audit::append(
                    c,
                    &Actor::System,
                    crate::domain::audit::action::TASK_REMINDER_SENT,
                    None,
                    Some("recipient"),
                    Some(&recipient_id.0.to_string()),
                    serde_json::json!({ "overdue": count, "addresses": to.len() }),
                    now,
                )?;
            }
            Ok(due.len())
        })
        .await
}
