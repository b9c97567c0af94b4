//! `/healthz` answers as soon as the server serves; `/readyz` only while the database
//! answers.

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(health_and_readiness_when_the_database_answers);

async fn health_and_readiness_when_the_database_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get_text("/healthz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok\n"));
    let (status, body) = app.get_text("/readyz").await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ready\n"));
}

/// A database that goes away makes the portal unready but still alive. PostgreSQL only:
/// an SQLite file cannot be taken away from connections that hold it open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_postgres_goes_away() {
    let mut app = TestApp::spawn(Backend::Postgres).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.db.drop_now();
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}
