//! One connection type over both backends, and the pool manager that opens the right
//! one from the URL scheme (never by trial: `MultiConnection::establish` would hand a
//! `postgres://` URL to SQLite as a file name).

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::settings::DatabaseUrl;

/// A connection to whichever backend the database URL selected.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL.
    Postgresql(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

/// Which backend a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, one file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Per-connection SQLite settings.
/// - `foreign_keys`: SQLite leaves them off unless asked, on every connection.
/// - `journal_mode = WAL`: readers do not block the writer.
/// - `synchronous = FULL`: in WAL mode anything less may lose an acknowledged commit
///   on power loss (security checklist R1).
/// - `busy_timeout`: wait for the writer instead of failing at once.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";

/// Per-connection PostgreSQL settings.
/// - `plan_cache_mode`: every query of the portal is prepared once per connection and
///   looks rows up by key; PostgreSQL kept planning them again on each execution (a
///   "custom plan" for the bound values): a third of its time on the dashboard, by
///   perf. The generic plan is the same plan without that cost.
const POSTGRES_SETTINGS: &str = "SET plan_cache_mode = force_generic_plan;";

/// Opens one connection of the backend `url` names.
pub fn open(url: &DatabaseUrl) -> Result<DbConnection, diesel::ConnectionError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(|e| diesel::ConnectionError::BadConnection(format!("cannot configure SQLite: {e}")))?;
            Ok(DbConnection::Sqlite(conn))
        }
        DatabaseUrl::Postgres(_) => {
            let mut conn = PgConnection::establish(&url.connection_string())?;
            conn.batch_execute(POSTGRES_SETTINGS)
                .map_err(|e| diesel::ConnectionError::BadConnection(format!("cannot configure PostgreSQL: {e}")))?;
            Ok(DbConnection::Postgresql(conn))
        }
    }
}

/// r2d2 manager opening connections by URL scheme.
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl) -> Self {
        Manager { url }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        open(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A panic inside a transaction may leave it open, and a failed rollback leaves
        // the transaction manager broken; drop such connections.
        std::thread::panicking() || r2d2::R2D2Connection::is_broken(conn)
    }
}
