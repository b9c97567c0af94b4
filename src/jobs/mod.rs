//! Background work inside the portal process: delivering the outbox, and removing
//! expired sign-in state. Safe to run in several instances against one database.

pub mod cleanup;
pub mod outbox;

use crate::email::Mailer;
use crate::state::AppState;

/// Starts the background jobs on the current tokio runtime.
pub fn spawn(state: AppState, mailer: Mailer) {
    tokio::spawn(outbox::run(state.clone(), mailer));
    tokio::spawn(cleanup::run(state));
}
