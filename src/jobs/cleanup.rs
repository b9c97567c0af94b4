//! Removes sign-in state nobody can use any more (DATA-04): ended sessions, expired
//! challenges and OIDC logins, old rate-limit windows, and delivered mail after a week
//! (queued mail holds personal data).

use std::time::Duration as StdDuration;

use time::Duration;

use crate::db::queries::{challenges, idempotency, oidc_logins, outbox, rate_limits, sessions};
use crate::state::AppState;

/// Runs forever, every ten minutes (and sends due overdue reminders and lifts
/// restrictions whose announced date has come).
pub async fn run(state: AppState) {
    loop {
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e, "cleanup failed; will retry");
        }
        match super::reminders::send_due(&state).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(recipients = n, "reminded recipients of overdue tasks");
                state.outbox_wakeup.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "overdue reminders failed; will retry"),
        }
        match super::restrictions::lift_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(requests = n, "lifted restrictions as announced"),
            Err(e) => tracing::warn!(error = %e, "lifting restrictions failed; will retry"),
        }
        tokio::time::sleep(StdDuration::from_secs(600)).await;
    }
}

/// One sweep; returns rows removed.
pub async fn sweep(state: &AppState) -> Result<usize, crate::db::DbError> {
    let now = state.clock.now();
    state
        .db
        .transaction(move |c| {
            Ok(sessions::delete_expired(c, now)?
                + challenges::delete_expired(c, now - Duration::hours(1))?
                + oidc_logins::delete_expired(c, now - Duration::hours(1))?
                + rate_limits::delete_before(c, now - Duration::days(1))?
                + outbox::delete_finished(c, now - Duration::days(7))?
                + idempotency::delete_before(c, now - Duration::days(30))?)
        })
        .await
}
