//! Lifts restrictions whose announced date has come (GDPR Art. 18(3)).

use crate::db::DbError;
use crate::db::queries::decisions::Engine;
use crate::db::queries::restrictions;
use crate::state::AppState;

/// Lifts what is due; returns how many restrictions were lifted.
pub async fn lift_due(state: &AppState) -> Result<usize, DbError> {
    let now = state.clock.now();
    let st = state.clone();
    let lifted = state
        .db
        .transaction(move |c| {
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            restrictions::lift_due(c, &engine, now)
        })
        .await?;
    if lifted > 0 {
        state.outbox_wakeup.notify_one();
    }
    Ok(lifted)
}
