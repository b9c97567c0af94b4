//! The binary as an operator meets it: `serve` prints its URL and serves, `migrate`
//! and `demo` do their one job, and every bad input stops it with one clear line and
//! a non-zero exit, before anything is half-applied.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::helpers::{Backend, TestDb};

fn portal() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_privacy-portal"));
    // Run from the repository so config/catalog.toml and config/demo.toml resolve as in
    // `cargo run`, with no PORTAL_* inherited from the developer's shell.
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("PORTAL_")) {
        cmd.env_remove(k);
    }
    cmd.env("PORTAL_LOG__FILTER", "warn");
    cmd
}

fn stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr, got: {stderr}");
    lines[0].to_owned()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("portal.sqlite3").display())
}

#[test]
fn malformed_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portal.toml");
    std::fs::write(&file, "[server\nbind = 1\n").unwrap();
    let out = portal().arg("--config").arg(&file).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = stderr_line(&out);
    assert!(line.contains(&file.display().to_string()) && line.contains("line 1"), "{line}");
}

#[test]
fn unknown_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portal.toml");
    std::fs::write(&file, "[database]\nurll = \"x\"\n").unwrap();
    let out = portal().env("PORTAL_CONFIG", &file).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = stderr_line(&out);
    assert!(line.contains("unknown key `database.urll`") && line.contains("portal.toml"), "{line}");

    let out = portal().env("PORTAL_SERVER__PORT", "80").arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("PORTAL_SERVER__PORT"));
}

#[test]
fn unreachable_database_is_named_without_its_password() {
    let out = portal()
        .env("PORTAL_DATABASE_URL", "postgres://portal:hunter2@127.0.0.1:1/portal")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = stderr_line(&out);
    assert!(line.contains("postgres://portal:***@127.0.0.1:1/portal"), "{line}");
    assert!(!line.contains("hunter2"), "password leaked: {line}");
}

#[test]
fn unwritable_data_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "a file where a directory should be").unwrap();
    let url = format!("sqlite://{}", blocker.join("data/portal.sqlite3").display());
    let out = portal().env("PORTAL_DATABASE_URL", &url).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = stderr_line(&out);
    assert!(line.contains("cannot create directory") && line.contains("not-a-directory"), "{line}");
}

#[test]
fn dangling_catalog_reference_stops_before_the_database_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/catalog.toml")).unwrap();
    let broken = shipped.replacen("authority = \"ap\"", "authority = \"autoriteit\"", 1);
    let catalog = dir.path().join("catalog.toml");
    std::fs::write(&catalog, broken).unwrap();
    let out = portal()
        .env("PORTAL_DATABASE_URL", sqlite_url(dir.path()))
        .env("PORTAL_CATALOG__PATH", &catalog)
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = stderr_line(&out);
    assert!(line.contains(&catalog.display().to_string()) && line.contains("authority `autoriteit`"), "{line}");
    assert!(!dir.path().join("portal.sqlite3").exists(), "no database was created");
}

#[test]
fn migrate_and_demo_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let out = portal().env("PORTAL_DATABASE_URL", &url).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied 20261121000001, 20261121000002"));
    let out = portal().env("PORTAL_DATABASE_URL", &url).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema is up to date"));
    let out = portal().env("PORTAL_DATABASE_URL", &url).arg("demo").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("5 demo people added"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = portal().env("PORTAL_DATABASE_URL", &url).arg("demo").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 demo people added"));
}

/// `serve` (the default) prints the URL it listens on, serves the landing page and
/// stops gracefully on SIGTERM. Returns what it logged.
fn serve_prints_url_and_stops_cleanly(db_url: &str) -> String {
    let mut child = portal()
        .env("PORTAL_BIND", "127.0.0.1:0")
        .env("PORTAL_DATABASE_URL", db_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().trim_end_matches('/').to_owned();
    assert!(line.contains("Claranet Benelux B.V.") && url.starts_with("http://127.0.0.1:"), "{line}");
    let body = reqwest::blocking_get(&format!("{url}/"));
    assert!(body.contains("Claranet Products B.V.") && body.contains("Claranet Benelux Holdings B.V."));
    let ready = reqwest::blocking_get(&format!("{url}/readyz"));
    assert_eq!(ready, "ready\n");
    // SIGTERM: graceful shutdown, exit status 0.
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let status = wait_with_timeout(&mut child, Duration::from_secs(15));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    let mut logged = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logged).unwrap();
    logged
}

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn serve_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let logged = serve_prints_url_and_stops_cleanly(&sqlite_url(dir.path()));
    assert!(!logged.contains("autovacuum"), "{logged}");
}

/// Also: a server with autovacuum off is named at start-up (stale statistics keep
/// plans made for empty tables; BENCHMARKS.md, eighth run), one with it on is not.
#[test]
fn serve_on_postgres() {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let db = TestDb::new(Backend::Postgres);
    let mut conn = PgConnection::establish(&db.url).unwrap();
    let setting: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("current_setting('autovacuum')"))
        .get_result(&mut conn)
        .unwrap();
    let logged = serve_prints_url_and_stops_cleanly(&db.url);
    assert_eq!(logged.contains("autovacuum is off"), setting == "off", "autovacuum = {setting}; logged: {logged}");
}

#[test]
fn plain_path_selects_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("plain.db");
    let out = portal().env("PORTAL_DATABASE_URL", &path).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(path.is_file());
}

mod reqwest {
    /// A tiny blocking GET (the test runs outside any async runtime).
    pub fn blocking_get(url: &str) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}

/// LOG-02 canary: a whole e-mail sign-in through the real binary, logging at debug
/// level, leaves neither the address, the code nor the session token in any log line.
#[test]
fn logs_never_show_codes_tokens_or_addresses() {
    let smtp = crate::helpers::harness::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut child = portal()
        .env("PORTAL_BIND", "127.0.0.1:0")
        .env("PORTAL_DATABASE_URL", sqlite_url(dir.path()))
        .env("PORTAL_SMTP_URL", smtp.url())
        .env("PORTAL_SECURITY__SECRET_KEY", crate::helpers::test_app::TEST_SECRET_KEY)
        .env("PORTAL_LOG__FILTER", "debug")
        .env("PORTAL_LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().trim_end_matches('/').to_owned();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (code, token) = runtime.block_on(async {
        let browser = crate::helpers::test_app::Browser::new(&base);
        browser.sign_in(&smtp, "demo@example.com").await;
        let code = smtp.wait_for("demo@example.com", 1).await.code();
        assert_eq!(browser.get("/dashboard").await.status(), 200);
        (code, browser.cookie("portal_session").unwrap())
    });
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert_eq!(wait_with_timeout(&mut child, Duration::from_secs(15)).and_then(|s| s.code()), Some(0));
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(logs.lines().count() > 10, "the run logged: {logs}");
    let mut without_timestamps = String::new();
    for line in logs.lines() {
        // LOG-03: every line is one JSON object.
        let mut parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(parsed.get("timestamp").is_some() && parsed.get("level").is_some(), "{line}");
        // Microseconds of a timestamp could equal a 6-digit code by chance.
        parsed.as_object_mut().unwrap().remove("timestamp");
        without_timestamps.push_str(&parsed.to_string());
        without_timestamps.push('\n');
    }
    for secret in [code.as_str(), token.as_str(), "demo@example.com", "demo%40example.com"] {
        assert!(!without_timestamps.contains(secret), "`{secret}` appears in the logs");
    }
    assert!(logs.contains("sign-in: code accepted"), "the sign-in itself is logged (LOG-01)");
}
