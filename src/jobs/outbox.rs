//! Delivers queued mail with retries. A sign-in code that cannot go out before it
//! expires is dropped, not sent late (security checklist R3); other mail is retried
//! on an RFC 5321-style schedule for about four days. Delivery is at least once; the
//! Message-ID stays the same across retries so receivers can de-duplicate.

use std::time::Duration as StdDuration;

use lettre::message::Mailbox;
use time::{Duration, OffsetDateTime};

use crate::db::queries::outbox as queue;
use crate::email::{Mailer, OutgoingMail};
use crate::state::AppState;

/// Waits after the n-th failed try (the last entry repeats until `MAX_ATTEMPTS`).
const BACKOFF: &[Duration] = &[
    Duration::seconds(10),
    Duration::minutes(1),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(6),
    Duration::hours(12),
    Duration::hours(24),
];
/// Tries before giving up (about five days with `BACKOFF`, RFC 5321 §4.5.4.1).
pub const MAX_ATTEMPTS: i32 = 12;
/// Webhook retries, the Standard Webhooks schedule (about three days in all).
const WEBHOOK_BACKOFF: &[Duration] = &[
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(14),
    Duration::hours(20),
    Duration::hours(24),
];
/// Webhook tries before giving up.
pub const WEBHOOK_MAX_ATTEMPTS: i32 = 10;

/// When to try again after `attempts` failed tries.
pub fn next_attempt(now: OffsetDateTime, attempts: i32) -> OffsetDateTime {
    let index = (attempts.max(1) as usize - 1).min(BACKOFF.len() - 1);
    now + BACKOFF[index]
}

/// When to try a webhook again after `attempts` failed tries: the schedule plus up to
/// 10% random jitter, so receivers coming back up are not hit all at once.
pub fn next_webhook_attempt(now: OffsetDateTime, attempts: i32) -> OffsetDateTime {
    let index = (attempts.max(1) as usize - 1).min(WEBHOOK_BACKOFF.len() - 1);
    let base = WEBHOOK_BACKOFF[index];
    let jitter_permille = i64::from(crate::auth::keys::random_bytes::<2>()[0]) * 100 / 255;
    now + base + base * (jitter_permille as f64 / 1000.0)
}

/// Items claimed at a time.
const BATCH: i64 = 20;
/// After a batch that was not full, the worker waits this long before claiming again.
/// Under load every request that queues mail wakes the worker; claiming and booking
/// one item at a time would make two write transactions per item, and on SQLite
/// those take turns with the requests on the single writer (each commit is an fsync).
/// Waiting gathers what arrives meanwhile into one claim and one booking; a sign-in
/// code is late by at most this much.
const GATHER: StdDuration = StdDuration::from_millis(20);

/// Runs forever: delivers what is due, then waits for new work or a second.
pub async fn run(state: AppState, mailer: Mailer, http: openidconnect::reqwest::Client) {
    let worker = format!("worker-{}", &crate::auth::keys::random_token()[..8]);
    let from: Mailbox = match state.settings.email.from.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "setting email.from is not a mailbox; mail delivery is off");
            return;
        }
    };
    loop {
        match deliver_due(&state, &mailer, &http, &from, &worker).await {
            Ok(0) => {
                tokio::select! {
                    _ = state.outbox_wakeup.notified() => {}
                    _ = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                }
            }
            Ok(n) if (n as i64) < BATCH => tokio::time::sleep(GATHER).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read the queue");
                tokio::time::sleep(StdDuration::from_secs(5)).await;
            }
        }
    }
}

/// What became of one item, booked with the rest of its batch.
enum Outcome {
    Sent,
    Retry { next: OffsetDateTime, error: String },
    Failed { error: String },
}

/// Delivers one batch of due items; returns how many were handled. The outcomes are
/// booked together in one transaction after the batch: a crash before that leaves
/// the batch leased, and it is delivered again when the lease runs out (at least once).
pub async fn deliver_due(
    state: &AppState,
    mailer: &Mailer,
    http: &openidconnect::reqwest::Client,
    from: &Mailbox,
    worker: &str,
) -> Result<usize, crate::db::DbError> {
    let now = state.clock.now();
    let owner = worker.to_owned();
    let lease = state.settings.outbox.lease;
    let items = state.db.transaction(move |c| queue::claim_due(c, &owner, now, now + lease, BATCH)).await?;
    let handled = items.len();
    let mut outcomes: Vec<(i64, Outcome)> = Vec::with_capacity(handled);
    for item in items {
        let now = state.clock.now();
        if item.expires_at.is_some_and(|e| e <= now) {
            tracing::info!(outbox.id = item.id, "outbox: dropped, expired before it could be delivered");
            outcomes.push((item.id, Outcome::Failed { error: "expired before delivery".into() }));
            continue;
        }
        let result = match item.kind.as_str() {
            "email" => {
                match state.keys.open(&item.payload).ok().and_then(|p| serde_json::from_slice::<OutgoingMail>(&p).ok())
                {
                    Some(mail) => {
                        let message_id = format!("<outbox-{}@{}>", item.id, message_id_domain(from));
                        mailer.send(from, &mail, &message_id).await
                    }
                    None => Err(crate::email::SendError {
                        permanent: true,
                        message: "payload cannot be opened with this portal's secret".into(),
                    }),
                }
            }
            "webhook" => super::webhooks::deliver(state, http, &item).await,
            other => {
                Err(crate::email::SendError { permanent: true, message: format!("unknown outbox kind `{other}`") })
            }
        };
        let now = state.clock.now();
        let outcome = match result {
            Ok(()) => {
                tracing::info!(outbox.id = item.id, attempt = item.attempts + 1, "outbox: delivered");
                Outcome::Sent
            }
            Err(e) => {
                let attempts = item.attempts + 1;
                let (next, max) = if item.kind == "webhook" {
                    (next_webhook_attempt(now, attempts), WEBHOOK_MAX_ATTEMPTS)
                } else {
                    (next_attempt(now, attempts), MAX_ATTEMPTS)
                };
                let expired_by_then = item.expires_at.is_some_and(|exp| next >= exp);
                if e.permanent || attempts >= max || expired_by_then {
                    tracing::warn!(outbox.id = item.id, attempts, permanent = e.permanent, error = %e.message, "outbox: giving up");
                    let error = if expired_by_then && !e.permanent {
                        format!("{} (code would expire before the next try)", e.message)
                    } else {
                        e.message
                    };
                    Outcome::Failed { error }
                } else {
                    tracing::warn!(outbox.id = item.id, attempts, error = %e.message, next = %next, "outbox: will retry");
                    Outcome::Retry { next, error: e.message }
                }
            }
        };
        outcomes.push((item.id, outcome));
    }
    if !outcomes.is_empty() {
        let now = state.clock.now();
        state
            .db
            .transaction(move |c| {
                let sent: Vec<i64> =
                    outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Sent)).map(|(id, _)| *id).collect();
                queue::mark_sent(c, &sent, now)?;
                for (id, outcome) in &outcomes {
                    match outcome {
                        Outcome::Sent => {}
                        Outcome::Retry { next, error } => queue::mark_retry(c, *id, *next, error)?,
                        Outcome::Failed { error } => queue::mark_failed(c, *id, now, error)?,
                    }
                }
                Ok(())
            })
            .await?;
    }
    Ok(handled)
}

fn message_id_domain(from: &Mailbox) -> String {
    from.email.domain().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn backoff_grows_and_caps() {
        let now = datetime!(2026-11-20 10:00 UTC);
        assert_eq!(next_attempt(now, 1), now + Duration::seconds(10));
        assert_eq!(next_attempt(now, 2), now + Duration::minutes(1));
        assert_eq!(next_attempt(now, 50), now + Duration::hours(24));
        let total: Duration = (1..MAX_ATTEMPTS).map(|a| next_attempt(now, a) - now).sum();
        assert!(total > Duration::days(4) && total < Duration::days(6), "{total}");
    }
}
