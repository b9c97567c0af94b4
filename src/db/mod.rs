//! The database: a pool over SQLite or PostgreSQL, the embedded migrations, the schema,
//! and one query module per aggregate. This is the only module that uses diesel.
//!
//! Diesel is synchronous; `DbPool::run` and `DbPool::transaction` move the work to the
//! database threads (`executor`) so the async HTTP workers never wait on the database.

pub mod connection;
mod executor;
pub mod migrations;
pub mod queries;
pub mod schema;
mod time_conv;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub use connection::{Backend, DbConnection};
use executor::Lane;
pub use time_conv::{from_db, to_db};

use crate::settings::{DatabaseSettings, DatabaseUrl};

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had (server down, pool exhausted, file unreadable).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique key already holds this value.
    #[error("conflicts with existing data: {0}")]
    Conflict(String),
    /// A foreign key, check or not-null rule of the schema refused the change.
    #[error("breaks a rule of the data: {0}")]
    Constraint(String),
    /// A rule checked inside a transaction refused the change; the message says why.
    #[error("{0}")]
    Rejected(String),
    /// Applying or reverting migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(DieselError),
    /// The blocking task was cancelled or panicked.
    #[error("the database task did not finish")]
    Cancelled,
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(kind, info) => {
                let message = info.message().to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => DbError::Conflict(message),
                    DatabaseErrorKind::ForeignKeyViolation
                    | DatabaseErrorKind::CheckViolation
                    | DatabaseErrorKind::NotNullViolation => DbError::Constraint(message),
                    DatabaseErrorKind::ClosedConnection => DbError::Unavailable(message),
                    other => DbError::Query(DieselError::DatabaseError(other, info)),
                }
            }
            other => DbError::Query(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        DbError::Unavailable(e.to_string())
    }
}

/// A pooled connection.
pub type PooledConn = PooledConnection<connection::Manager>;

/// A pool of connections to one database, cheap to clone.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<connection::Manager>,
    backend: Backend,
    url: DatabaseUrl,
    /// SQLite allows one writer, so every write transaction of this process runs on this
    /// one connection, in turn. Taking turns in-process avoids `SQLITE_BUSY` on a read
    /// transaction that upgrades to a write while another writer commits; and one
    /// connection keeps its page cache, which SQLite empties whenever *another*
    /// connection has committed (pooled writers re-read their index pages every time).
    /// `None` inside: not opened yet, or dropped after a panic mid-transaction.
    sqlite_writer: Option<Arc<Mutex<Option<DbConnection>>>>,
    /// The threads that run async callers' work (see [`executor`]).
    executor: Arc<executor::Executor>,
}

impl DbPool {
    /// Opens the database named in `settings`. For SQLite the file's directory is
    /// created. One connection is made first so an unreachable server fails with its
    /// own error instead of a pool timeout. Blocking: call before serving.
    pub fn connect(settings: &DatabaseSettings) -> Result<DbPool, DbError> {
        let url = &settings.url;
        let backend = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbError::Unavailable(format!("{url}: cannot create directory {}: {e}", dir.display()))
                    })?;
                }
                Backend::Sqlite
            }
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        };
        let mut first =
            connection::open(url).map_err(|e| DbError::Unavailable(format!("{url}: {}", one_line(&e.to_string()))))?;
        // SQLite opens lazily: touch the file now so an unwritable location shows here.
        first
            .batch_execute("CREATE TABLE IF NOT EXISTS __portal_probe (x INTEGER); DROP TABLE __portal_probe;")
            .map_err(|e| DbError::Unavailable(format!("{url}: {e}")))?;
        drop(first);
        let pool = Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(1))
            .connection_timeout(settings.connect_timeout)
            .idle_timeout(Some(Duration::from_secs(300)))
            // No round trip before every use (a tenth of a PostgreSQL page's time): a
            // connection the server cut is dropped when it is handed back instead
            // (diesel marks it broken; `Manager::has_broken`).
            .test_on_check_out(false)
            .build(connection::Manager::new(url.clone()))
            .map_err(|e| DbError::Unavailable(format!("{url}: {e}")))?;
        let sqlite_writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(None)));
        let executor =
            Arc::new(executor::Executor::start(settings.pool_size, sqlite_writer.is_some(), settings.connect_timeout)?);
        Ok(DbPool { pool, backend, url: url.clone(), sqlite_writer, executor })
    }

    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for synchronous callers (the CLI, start-up).
    pub fn get(&self) -> Result<PooledConn, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a connection, on a database thread. For reads.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        self.executor
            .submit(Lane::Connection, move || {
                let mut conn = pool.get()?;
                f(&mut conn)
            })
            .await
    }

    /// Runs `f` in one transaction on a database thread: all of it commits or none.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let lane = if self.sqlite_writer.is_some() { Lane::SqliteWriter } else { Lane::Connection };
        let this = self.clone();
        self.executor.submit(lane, move || this.transaction_blocking(f)).await
    }

    /// `transaction` for synchronous callers.
    pub fn transaction_blocking<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError>,
    {
        let Some(writer) = &self.sqlite_writer else {
            return in_transaction(&mut *self.pool.get()?, f);
        };
        let mut slot = DropOnPanic(writer.lock().unwrap_or_else(|poisoned| {
            // Another writer panicked, maybe inside its transaction: start afresh.
            writer.clear_poison();
            let mut slot = poisoned.into_inner();
            *slot = None;
            slot
        }));
        if slot.0.as_mut().is_some_and(diesel::r2d2::R2D2Connection::is_broken) {
            *slot.0 = None;
        }
        let conn = match &mut *slot.0 {
            Some(conn) => conn,
            empty => empty.insert(
                connection::open(&self.url)
                    .map_err(|e| DbError::Unavailable(format!("{}: {}", self.url, one_line(&e.to_string()))))?,
            ),
        };
        in_transaction(conn, f)
    }

    /// An online backup of a SQLite database into a new file (`VACUUM INTO`): one
    /// consistent snapshot, taken while the portal keeps serving. PostgreSQL has
    /// `pg_dump` for this.
    pub fn backup_sqlite(&self, target: &std::path::Path) -> Result<(), DbError> {
        let mut conn = self.pool.get()?;
        let DbConnection::Sqlite(sqlite) = &mut *conn else {
            return Err(DbError::Rejected("backup works on SQLite; on PostgreSQL use pg_dump".into()));
        };
        let target = target.to_str().ok_or_else(|| DbError::Rejected("the backup path is not UTF-8".into()))?;
        // A string literal: VACUUM INTO takes no bind parameters here.
        sqlite.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))?;
        Ok(())
    }

    /// Pool use: (connections open, of which idle, the maximum).
    pub fn pool_state(&self) -> (u32, u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections, self.pool.max_size())
    }

    /// Whether the database answers a trivial query now.
    pub async fn is_ready(&self) -> bool {
        self.run(|c| c.batch_execute("SELECT 1").map_err(DbError::from)).await.is_ok()
    }
}

/// The writer connection, dropped (rolling back its transaction and so releasing the
/// write lock) if a panic unwinds through the transaction using it.
struct DropOnPanic<'a>(std::sync::MutexGuard<'a, Option<DbConnection>>);

impl Drop for DropOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            *self.0 = None;
        }
    }
}

/// Runs `f` in one transaction on `conn`.
fn in_transaction<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    conn.transaction(|c| {
        if let DbConnection::Sqlite(sqlite) = &mut *c {
            // Take the write lock first. A transaction that reads and then writes
            // cannot wait for another process's writer (SQLite answers "database is
            // locked" at once rather than break its snapshot); one that starts with a
            // write waits up to busy_timeout like any other. This statement changes
            // no row.
            sqlite.batch_execute("UPDATE __diesel_schema_migrations SET version = version WHERE 0")?;
        }
        f(c)
    })
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl DbPool {
    /// "sqlite" or "postgres", for logs.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Runs `f` in a savepoint inside the caller's transaction: on `Err` only its own
/// changes are rolled back (one person of an import batch, say), the rest stays.
pub fn savepoint<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    use diesel::Connection as _;
    conn.transaction(f)
}

/// Refreshes the query planner's statistics after a bulk load: without them PostgreSQL
/// plans a freshly filled table as if it were empty (a person's page went from 600 ms
/// to 3 ms after ANALYZE on 100,000 imported people).
pub fn refresh_statistics(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection as _;
    match conn {
        DbConnection::Postgresql(c) => c.batch_execute("ANALYZE")?,
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA optimize")?,
    }
    Ok(())
}

/// Whether PostgreSQL's autovacuum is on (`None` on SQLite, which has none). With it
/// off, the statistics of tables that grow from empty (sessions, requests, tasks, the
/// outbox) are never refreshed, so pooled connections keep the plans they made while
/// those tables were empty: on the benchmark machine the session lookup went on reading
/// every session on every request (BENCHMARKS.md, eighth run).
pub fn autovacuum_enabled(conn: &mut DbConnection) -> Result<Option<bool>, DbError> {
    use diesel::RunQueryDsl as _;
    match conn {
        DbConnection::Postgresql(c) => {
            let setting: String =
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("current_setting('autovacuum')"))
                    .get_result(c)?;
            Ok(Some(setting == "on"))
        }
        DbConnection::Sqlite(_) => Ok(None),
    }
}
