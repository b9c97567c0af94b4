//! The audit chain links every committed event, in the order the linker saw them
//! committed, and the table allows no change but that link (`security-checklist.md`
//! AC-06, append-only audit table; R5, hash chain).

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use privacy_portal::db::DbConnection;
use privacy_portal::db::queries::audit;
use privacy_portal::db::schema::*;
use privacy_portal::domain::audit::Actor;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::propagation::file_request;

on_both_backends!(a_filing_is_linked_without_anyone_asking_and_links_are_final);

/// Waits (at most 10 s) until the event with this target id is linked; its position.
async fn linked_position(app: &TestApp, target: &'static str) -> i64 {
    let started = Instant::now();
    loop {
        let seq: Option<i64> = app
            .state
            .db
            .run(move |c| {
                Ok(audit_events::table
                    .filter(audit_events::target_id.eq(target))
                    .select(audit_events::chain_seq)
                    .first(c)?)
            })
            .await
            .unwrap();
        if let Some(seq) = seq {
            return seq;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{target} not linked after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn append(c: &mut DbConnection, target: &str) -> Result<(), privacy_portal::db::DbError> {
    audit::append(
        c,
        &Actor::System,
        "test.order",
        None,
        Some("probe"),
        Some(target),
        serde_json::json!({ "n": 1 }),
        time::OffsetDateTime::now_utc(),
    )
}

async fn a_filing_is_linked_without_anyone_asking_and_links_are_final(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let person = app.signed_in("demo@example.com").await;
    file_request(&person, "access", &[("scope", "all"), ("statement", "")]).await;

    // The background linker (PostgreSQL) or the insert itself (SQLite) links the
    // filing's events; nothing here calls the linker.
    let started = Instant::now();
    loop {
        let unlinked: i64 = app
            .state
            .db
            .run(|c| Ok(audit_events::table.filter(audit_events::chain_seq.is_null()).count().get_result(c)?))
            .await
            .unwrap();
        if unlinked == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{unlinked} events still unlinked after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let filed: i64 = app
        .state
        .db
        .run(|c| Ok(audit_events::table.filter(audit_events::action.eq("request.filed")).count().get_result(c)?))
        .await
        .unwrap();
    assert_eq!(filed, 1, "the filing was audited");

    // A linked event cannot be linked again, nor its content changed.
    for change in [
        "UPDATE audit_events SET chain_seq = chain_seq + 1000000 WHERE action = 'request.filed'",
        "UPDATE audit_events SET hash = prev_hash WHERE action = 'request.filed'",
        "UPDATE audit_events SET details = '{}' WHERE action = 'request.filed'",
    ] {
        let refused = app.state.db.run(move |c| Ok(diesel::sql_query(change).execute(c)?)).await;
        assert!(format!("{refused:?}").contains("append-only"), "{change}: {refused:?}");
    }

    if backend == Backend::Postgres {
        // Committed out of id order: the event with the lower id commits last, and is
        // linked after the other, which did not wait for it.
        let db = app.state.db.clone();
        let mut first = tokio::task::spawn_blocking(move || {
            let mut conn = db.get().unwrap();
            conn.batch_execute("BEGIN").unwrap();
            append(&mut conn, "committed-last").unwrap();
            conn
        })
        .await
        .unwrap();
        app.state.db.transaction(|c| append(c, "committed-first")).await.unwrap();
        let seq_first = linked_position(&app, "committed-first").await;

        // An unlinked event may not be changed, nor linked with other content.
        let mut other = app.state.db.get().unwrap();
        let refused = diesel::sql_query(
            "UPDATE audit_events SET details = '{\"n\": 2}', chain_seq = -1, prev_hash = 'x', hash = 'y' \
             WHERE id = (SELECT max(id) FROM audit_events WHERE target_id = 'committed-last')",
        )
        .execute(&mut *other);
        assert!(matches!(refused, Ok(0)), "invisible before its commit: {refused:?}");
        drop(other);

        first.batch_execute("COMMIT").unwrap();
        drop(first);
        let seq_last = linked_position(&app, "committed-last").await;
        let (id_first, id_last): (i64, i64) = app
            .state
            .db
            .run(|c| {
                let id = |t: &'static str, c: &mut DbConnection| -> Result<i64, privacy_portal::db::DbError> {
                    Ok(audit_events::table.filter(audit_events::target_id.eq(t)).select(audit_events::id).first(c)?)
                };
                Ok((id("committed-first", c)?, id("committed-last", c)?))
            })
            .await
            .unwrap();
        assert!(id_last < id_first, "the later commit holds the lower id ({id_last} < {id_first})");
        assert!(seq_last > seq_first, "and is linked after the other ({seq_last} > {seq_first})");

        // An unlinked event's content cannot change (the guard, with the event committed
        // but held back from the linker by a transaction that locks the linkers out).
        let db = app.state.db.clone();
        let refused = tokio::task::spawn_blocking(move || {
            let mut conn = db.get().unwrap();
            conn.batch_execute("BEGIN; SELECT pg_advisory_xact_lock(4707744067222718529)").unwrap();
            db.transaction_blocking(|c| append(c, "held-back")).unwrap();
            let refused =
                diesel::sql_query("UPDATE audit_events SET details = '{\"n\": 2}' WHERE target_id = 'held-back'")
                    .execute(&mut *conn);
            conn.batch_execute("ROLLBACK").unwrap();
            refused
        })
        .await
        .unwrap();
        assert!(format!("{refused:?}").contains("append-only"), "an unlinked event's content: {refused:?}");
        linked_position(&app, "held-back").await;
    }

    let report = app.state.db.run(audit::verify).await.unwrap();
    assert_eq!(report.first_broken, None, "{report:?}");
    let total: i64 = app.state.db.run(|c| Ok(audit_events::table.count().get_result(c)?)).await.unwrap();
    assert_eq!(report.events, total as u64, "every event is in the chain: {report:?}");
    assert_eq!(report.unlinked, 0);
}
