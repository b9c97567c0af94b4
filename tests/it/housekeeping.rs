//! The ten-minute housekeeping (DATA-04), on both backends: ended sessions, mail
//! delivered or given up more than a week ago, old rate-limit windows and idempotency
//! keys are removed; what is still live or recent stays. (Migration 16 indexes each
//! filter so a sweep reads what it deletes; this test checks what is removed, not the
//! plans, which were checked by hand with `EXPLAIN QUERY PLAN`.)

use diesel::prelude::*;
use privacy_portal::clock::Clock;
use privacy_portal::db::queries::outbox as mail_queue;
use privacy_portal::db::schema::*;
use privacy_portal::db::to_db;
use time::Duration;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(sweep_removes_what_ended_and_keeps_what_is_live);

async fn sweep_removes_what_ended_and_keeps_what_is_live(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let now = app.clock.now();
    let _ended = app.signed_in("demo@example.com").await;
    let _live = app.signed_in("demo@example.com").await;
    let (outbox_kept, sessions_before) = app
        .state
        .db
        .transaction(move |c| {
            // The first session ended an hour ago.
            let first: i64 = sessions::table.select(sessions::id).order(sessions::id).first(c)?;
            diesel::update(sessions::table.find(first))
                .set(sessions::expires_at.eq(to_db(now - Duration::hours(1))))
                .execute(c)?;
            // Mail: sent 8 days ago, given up 8 days ago, still pending from 10 days
            // ago (retrying), sent yesterday.
            let old = now - Duration::days(10);
            let sent_long_ago = mail_queue::enqueue(c, "email", vec![1], old, None)?;
            mail_queue::mark_sent(c, &[sent_long_ago], now - Duration::days(8))?;
            let failed_long_ago = mail_queue::enqueue(c, "email", vec![2], old, None)?;
            mail_queue::mark_failed(c, failed_long_ago, now - Duration::days(8), "refused")?;
            let pending = mail_queue::enqueue(c, "email", vec![3], old, None)?;
            let sent_lately = mail_queue::enqueue(c, "email", vec![4], now - Duration::days(1), None)?;
            mail_queue::mark_sent(c, &[sent_lately], now - Duration::days(1))?;
            for (bucket, start) in [("old", now - Duration::days(2)), ("recent", now - Duration::minutes(5))] {
                diesel::insert_into(rate_limits::table)
                    .values((
                        rate_limits::bucket.eq(bucket),
                        rate_limits::window_start.eq(to_db(start)),
                        rate_limits::hits.eq(1),
                    ))
                    .execute(c)?;
            }
            let recipient: i64 = recipients::table.select(recipients::id).order(recipients::id).first(c)?;
            for (key, at) in [("old", now - Duration::days(31)), ("recent", now - Duration::days(1))] {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::recipient_id.eq(recipient),
                        idempotency_keys::key.eq(key),
                        idempotency_keys::request_hash.eq("h"),
                        idempotency_keys::created_at.eq(to_db(at)),
                    ))
                    .execute(c)?;
            }
            let sessions_before: Vec<i64> = sessions::table.select(sessions::id).order(sessions::id).load(c)?;
            Ok((vec![pending, sent_lately], sessions_before))
        })
        .await
        .unwrap();

    let removed = privacy_portal::jobs::cleanup::sweep(&app.state).await.unwrap();
    assert_eq!(removed, 5, "one session, two mails, one window, one key");

    let (sessions_left, outbox_left, windows, keys) = app
        .state
        .db
        .run(|c| {
            Ok((
                sessions::table.select(sessions::id).order(sessions::id).load::<i64>(c)?,
                outbox::table.select(outbox::id).order(outbox::id).load::<i64>(c)?,
                rate_limits::table.select(rate_limits::bucket).load::<String>(c)?,
                idempotency_keys::table.select(idempotency_keys::key).load::<String>(c)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(sessions_left, sessions_before[1..], "the ended session is gone, the live one stays");
    assert_eq!(outbox_left, outbox_kept, "pending and recent mail stay");
    assert_eq!(windows, ["recent"]);
    assert_eq!(keys, ["recent"]);
}
