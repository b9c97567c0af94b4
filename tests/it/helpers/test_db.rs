//! A fresh, empty database per test: a temporary SQLite file, or a PostgreSQL database
//! created for the test and dropped afterwards.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database that exists for one test.
pub struct TestDb {
    /// URL for `PORTAL_DATABASE_URL`.
    pub url: String,
    dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("portal.sqlite3");
                TestDb { url: format!("sqlite://{}", path.display()), dir, pg_name: None }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin).unwrap_or_else(|e| {
                    panic!("PostgreSQL tests need a server: cannot connect to {admin} ({e}). Set TEST_POSTGRES_URL or skip them with `cargo test -- --skip postgres`.")
                });
                conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let mut url = url::Url::parse(&admin).expect("TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                TestDb { url: url.to_string(), dir, pg_name: Some(name) }
            }
        }
    }

    /// A directory that lives as long as the database.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Removes the database under a running portal (PostgreSQL only): its connections
    /// are cut and new ones fail.
    pub fn drop_now(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_pg(&name);
        }
    }
}

fn drop_pg(name: &str) {
    if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
        let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            drop_pg(&name);
        }
    }
}
