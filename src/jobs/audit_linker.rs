//! Links committed audit events into the hash chain (PostgreSQL; on SQLite events are
//! linked as they are inserted). See `crate::db::queries::audit`.
//!
//! Every instance runs it; the linkers' lock lets one link at a time, and events left
//! unlinked by a crash or by a command-line run are linked by the next round.

use std::time::Duration;

use crate::db::Backend;
use crate::db::queries::audit;
use crate::state::AppState;

/// How long an event may wait for its link. Short, so the chain and the erasure ledger
/// trail the commits by well under a second; an idle round is one index lookup.
const INTERVAL: Duration = Duration::from_millis(200);

/// Runs forever on PostgreSQL; returns at once on SQLite.
pub async fn run(state: AppState) {
    if state.db.backend() != Backend::Postgres {
        return;
    }
    loop {
        match state.db.run(audit::link_pending).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(events = n, "linked audit events into the chain"),
            Err(e) => tracing::warn!(error = %e, "linking audit events failed; will retry"),
        }
        tokio::time::sleep(INTERVAL).await;
    }
}
