//! The real binary as a child process (`privacy-portal serve`), for tests that kill it
//! with SIGKILL and start it again on the same database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TestDb;
use super::harness::SmtpServer;
use super::test_app::TEST_SECRET_KEY;

/// A running portal process; killed when dropped.
pub struct Portal(Child);

impl Portal {
    /// SIGKILL: no shutdown, no flushing; what is committed is all that survives.
    pub fn kill_hard(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `privacy-portal serve` on `port` against `db`, mailing through `smtp`, with
/// extra `PORTAL_*` settings.
pub fn serve(db: &TestDb, port: u16, smtp: &SmtpServer, extra: &[(&str, &str)]) -> Portal {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_privacy-portal"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("PORTAL_")) {
        cmd.env_remove(k);
    }
    cmd.env("PORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("PORTAL_DATABASE_URL", &db.url)
        .env("PORTAL_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
        .env("PORTAL_SMTP_URL", smtp.url())
        .env("PORTAL_LOG__FILTER", "warn")
        .env("PORTAL_SERVER__SHUTDOWN_TIMEOUT_SECS", "0")
        .env("PORTAL_ERASURE_LEDGER__PATH", db.dir().join("erasure-ledger.jsonl"))
        .envs(extra.iter().copied())
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Portal)
        .expect("the portal starts")
}

/// Waits until `/healthz` answers 200 (at most a minute).
pub async fn wait_healthy(base: &str) {
    let started = Instant::now();
    while !matches!(reqwest::get(format!("{base}/healthz")).await, Ok(r) if r.status() == 200) {
        assert!(started.elapsed() < Duration::from_secs(60), "the portal did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
