//! The connection handling under the pages: a PostgreSQL connection the server cut is
//! replaced instead of handed out again (connections are not tested before every use),
//! and SQLite's single writer connection survives a panic in the middle of a
//! transaction without committing any of it. Callers take turns at the database in
//! the order they came, and a turn not had in time is a clear "unavailable".

use diesel::prelude::*;
use privacy_portal::db::schema::rate_limits;
use privacy_portal::db::{DbConnection, DbError, DbPool, migrations};

use crate::helpers::test_app::test_settings;
use crate::helpers::test_db::postgres_admin_url;
use crate::helpers::{Backend, TestDb};

fn connect(db: &TestDb) -> DbPool {
    let settings = test_settings(db, &[("PORTAL_DATABASE__POOL_SIZE", "1")]);
    let pool = DbPool::connect(&settings.database).unwrap();
    migrations::run_pending(&mut pool.get().unwrap()).unwrap();
    pool
}

fn backend_pid(c: &mut DbConnection) -> Result<i32, DbError> {
    Ok(diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("pg_backend_pid()")).get_result(c)?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connection_cut_by_the_server_is_replaced() {
    let db = TestDb::new(Backend::Postgres);
    let pool = connect(&db);
    let first = pool.run(backend_pid).await.unwrap();
    assert_eq!(pool.run(backend_pid).await.unwrap(), first, "a pool of one hands out the same connection");

    // The server ends that connection (a restart, an administrator, a failover).
    let mut admin = PgConnection::establish(&postgres_admin_url()).unwrap();
    let ended: bool =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("pg_terminate_backend({first})")))
            .get_result(&mut admin)
            .unwrap();
    assert!(ended);

    // The use that meets the dead connection fails; the connection is then replaced,
    // so the pool of one works again from the next use on.
    let failed = pool.run(backend_pid).await;
    assert!(matches!(failed, Err(DbError::Unavailable(_))), "a cut connection cannot answer: {failed:?}");
    let second = pool.run(backend_pid).await.expect("the dead connection was replaced");
    assert_ne!(second, first);
    assert_eq!(pool.pool_state().0, 1, "still one connection");
}

fn insert_bucket(c: &mut DbConnection, bucket: &str) -> Result<(), DbError> {
    diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::bucket.eq(bucket),
            rate_limits::window_start.eq(time::PrimitiveDateTime::MIN),
            rate_limits::hits.eq(1),
        ))
        .execute(c)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writer_survives_a_panic_inside_a_transaction() {
    let db = TestDb::new(Backend::Sqlite);
    let pool = connect(&db);
    let panicked: Result<(), DbError> = pool
        .transaction(|c| {
            insert_bucket(c, "written before the panic")?;
            panic!("a bug half-way through a write")
        })
        .await;
    assert!(matches!(panicked, Err(DbError::Cancelled)), "{panicked:?}");

    // The next write commits on its own, and nothing of the panicked one is kept.
    pool.transaction(|c| insert_bucket(c, "the next write")).await.unwrap();
    let buckets: Vec<String> = pool.run(|c| Ok(rate_limits::table.select(rate_limits::bucket).load(c)?)).await.unwrap();
    assert_eq!(buckets, ["the next write"]);
    // Read from a fresh connection too: the write is committed, not held in a transaction.
    let mut other = SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
    let committed: Vec<String> = rate_limits::table.select(rate_limits::bucket).load(&mut other).unwrap();
    assert_eq!(committed, ["the next write"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_take_turns_in_arrival_order_and_give_up_after_the_timeout() {
    let db = TestDb::new(Backend::Sqlite);
    let settings = test_settings(&db, &[("PORTAL_DATABASE__CONNECT_TIMEOUT_SECS", "1")]);
    let pool = DbPool::connect(&settings.database).unwrap();
    migrations::run_pending(&mut pool.get().unwrap()).unwrap();

    // A write that holds the one writer for `ms` before it inserts `bucket`.
    let hold = |ms: u64, bucket: &'static str| {
        let pool = pool.clone();
        tokio::spawn(async move {
            pool.transaction(move |c| {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                insert_bucket(c, bucket)
            })
            .await
        })
    };

    // A long write holds the one writer; five more arrive one after another meanwhile.
    let holder = hold(600, "first");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut queued = Vec::new();
    for n in 0..5 {
        let pool = pool.clone();
        queued.push(tokio::spawn(async move { pool.transaction(move |c| insert_bucket(c, &format!("w{n}"))).await }));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    holder.await.unwrap().unwrap();
    for q in queued {
        q.await.unwrap().unwrap();
    }
    let order: Vec<String> = pool
        .run(|c| {
            Ok(rate_limits::table
                .order(diesel::dsl::sql::<diesel::sql_types::BigInt>("rowid"))
                .select(rate_limits::bucket)
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(order, ["first", "w0", "w1", "w2", "w3", "w4"], "served in the order they came");

    // A writer that waited longer than the connect timeout is not started when its turn
    // comes: it is told the database was busy (and wrote nothing); the held write commits.
    let holder = hold(1600, "long");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let waited = pool.transaction(|c| insert_bucket(c, "too late")).await;
    match waited {
        Err(DbError::Unavailable(why)) => assert!(why.contains("SQLite writer stayed busy"), "{why}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
    holder.await.unwrap().unwrap();
    let count: i64 = pool.run(|c| Ok(rate_limits::table.count().get_result(c)?)).await.unwrap();
    assert_eq!(count, 7, "the held write committed, the late one wrote nothing");
}
