//! Background work inside the portal process: delivering the outbox, reminding
//! recipients of overdue tasks, removing expired sign-in state, linking audit events
//! into the hash chain, and appending erasures to the erasure ledger. Safe to run in several instances against one database.

pub mod audit_linker;
pub mod cleanup;
pub mod erasure_ledger;
pub mod outbox;
pub mod reminders;
pub mod restrictions;
pub mod webhooks;

use crate::email::Mailer;
use crate::state::AppState;

/// Starts the background jobs on the current tokio runtime.
pub fn spawn(state: AppState, mailer: Mailer) -> anyhow::Result<()> {
    // No redirects: a webhook answer of 3xx is a failure, never a hop elsewhere (SSRF).
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(state.settings.webhooks.timeout)
        .build()?;
    tokio::spawn(outbox::run(state.clone(), mailer, http));
    if let Some(path) = state.settings.erasure_ledger.path.clone() {
        tokio::spawn(erasure_ledger::run(state.clone(), path));
    }
    tokio::spawn(audit_linker::run(state.clone()));
    tokio::spawn(cleanup::run(state));
    Ok(())
}
