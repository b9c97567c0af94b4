//! The restore drill of the README's "Backup and restore", on both backends, as an
//! operator runs it: back up a serving portal, erase a person, stop, restore the backup
//! (the person is back), run `erasures reapply` with the erasure ledger the portal
//! wrote, start again. The person's data is gone again, the request is closed, and the
//! recipient's task is neither created again nor sent again.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use privacy_portal::db::DbPool;
use privacy_portal::db::schema::*;
use privacy_portal::erasure_ledger;
use serde_json::json;

use crate::helpers::child_portal::{serve, wait_healthy};
use crate::helpers::harness::{SmtpServer, free_port};
use crate::helpers::test_app::{Browser, TEST_SECRET_KEY, test_settings};
use crate::helpers::test_db::postgres_admin_url;
use crate::helpers::webhook_receiver::WebhookReceiver;
use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;
use crate::propagation::file_request;

on_both_backends!(a_restored_backup_is_erased_again_from_the_ledger_and_nothing_is_sent_twice);

const PIETER: &str = "pieter.bakker@example.nl";

/// The binary with `args`, against `db`, as an operator runs it.
fn cli(db: &TestDb, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_privacy-portal"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("PORTAL_")) {
        cmd.env_remove(k);
    }
    cmd.env("PORTAL_DATABASE_URL", &db.url)
        .env("PORTAL_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
        .env("PORTAL_LOG__FILTER", "warn")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn program(name: &str, args: &[&str]) {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("{name} runs: {e}"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// What the database holds about Pieter and his request.
#[derive(Debug, PartialEq)]
struct Held {
    addresses: i64,
    records_with_values: i64,
    markers: i64,
    request_status: Option<String>,
    tasks: i64,
    queued_webhooks: i64,
}

async fn held(db: &TestDb, subject: i64, request: &str) -> Held {
    let pool = DbPool::connect(&test_settings(db, &[]).database).unwrap();
    let request = request.to_owned();
    pool.run(move |c| {
        Ok(Held {
            addresses: subject_emails::table.filter(subject_emails::address.eq(PIETER)).count().get_result(c)?,
            records_with_values: records::table
                .filter(records::subject_id.eq(subject))
                .filter(records::value.ne(""))
                .count()
                .get_result(c)?,
            markers: suppressions::table.count().get_result(c)?,
            request_status: rights_requests::table
                .filter(rights_requests::public_id.eq(&request))
                .select(rights_requests::status)
                .first(c)
                .optional()?,
            tasks: propagation_tasks::table.filter(propagation_tasks::subject_id.eq(subject)).count().get_result(c)?,
            queued_webhooks: outbox::table
                .filter(outbox::kind.eq("webhook"))
                .filter(outbox::sent_at.is_null())
                .count()
                .get_result(c)?,
        })
    })
    .await
    .unwrap()
}

fn backup(backend: Backend, db: &TestDb, file: &Path) {
    match backend {
        Backend::Sqlite => {
            let out = ok(cli(db, &["backup", file.to_str().unwrap()]));
            assert!(out.starts_with("backed up "), "{out}");
        }
        Backend::Postgres => {
            program("pg_dump", &["--format=custom", "--no-owner", "--file", file.to_str().unwrap(), &db.url])
        }
    }
}

fn restore(backend: Backend, db: &TestDb, file: &Path) {
    match backend {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            std::fs::copy(file, path).unwrap();
        }
        Backend::Postgres => {
            let name = url::Url::parse(&db.url).unwrap().path().trim_start_matches('/').to_owned();
            let mut admin = PgConnection::establish(&postgres_admin_url()).unwrap();
            admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).unwrap();
            admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
            program("pg_restore", &["--no-owner", "--exit-on-error", "-d", &db.url, file.to_str().unwrap()]);
        }
    }
}

async fn a_restored_backup_is_erased_again_from_the_ledger_and_nothing_is_sent_twice(backend: Backend) {
    let smtp = SmtpServer::start();
    let receiver = WebhookReceiver::start(&[], 200);
    let db = TestDb::new(backend);
    // The ledger lives apart from the database and its backups.
    let apart = tempfile::tempdir().unwrap();
    let ledger = apart.path().join("erasure-ledger.jsonl");
    let backup_file = apart.path().join("portal.backup");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("PORTAL_ERASURE_LEDGER__PATH", ledger.to_str().unwrap()),
        ("PORTAL_ERASURE_LEDGER__INTERVAL_SECONDS", "1"),
        ("PORTAL_SERVER__PUBLIC_URL", base.as_str()),
    ];
    let mut portal = serve(&db, port, &smtp, &env);
    wait_healthy(&base).await;
    ok(cli(&db, &["webhooks", "set", "--recipient", "crm-cloud", "--url", &receiver.url]));

    // Pieter files an erasure; the backup is taken while it waits for a decision.
    let person = Browser::new(&base);
    person.sign_in(&smtp, PIETER).await;
    let request = file_request(&person, "erasure", &[("scope", "all"), ("statement", "")]).await;
    let subject: i64 = {
        let pool = DbPool::connect(&test_settings(&db, &[]).database).unwrap();
        pool.run(|c| {
            Ok(subject_emails::table
                .filter(subject_emails::address.eq(PIETER))
                .select(subject_emails::subject_id)
                .first(c)?)
        })
        .await
        .unwrap()
    };
    let before = held(&db, subject, &request).await;
    assert!(before.addresses == 1 && before.records_with_values > 0, "{before:?}");
    assert_eq!(before.request_status.as_deref(), Some("received"));
    backup(backend, &db, &backup_file);

    // Approved; CloudDesk gets its task by webhook and confirms it over the API.
    let (_, page) = person.page(&format!("/requests/{request}")).await;
    let reference = crate::propagation::texts(&page, "#reference").join("");
    ok(cli(&db, &["requests", "decide", &reference, "--approve"]));
    let deliveries = receiver.wait_for(1, 20).await;
    assert_eq!(deliveries.len(), 1, "one task, one webhook");
    let token = ok(cli(&db, &["tokens", "create", "--recipient", "crm-cloud", "--label", "drill"])).trim().to_owned();
    let api = reqwest::Client::new();
    let tasks: serde_json::Value = api
        .get(format!("{base}/api/processor/v1/tasks?status=open"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = tasks["tasks"][0]["id"].as_str().expect("the open task").to_owned();
    let confirmed = api
        .post(format!("{base}/api/processor/v1/tasks/{task}/confirm"))
        .bearer_auth(&token)
        .header("idempotency-key", "drill")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let erased = held(&db, subject, &request).await;
    assert_eq!(
        (erased.addresses, erased.records_with_values, erased.request_status.as_deref(), erased.tasks),
        (0, 0, Some("completed"), 1),
        "{erased:?}"
    );

    // The portal appended the erasure, the answer and the completion to the ledger.
    let started = Instant::now();
    let entries = loop {
        let read = erasure_ledger::read(&ledger).unwrap();
        let actions: Vec<String> = read.entries.iter().map(|e| e.action.clone()).collect();
        if actions.len() >= 4 {
            break actions;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the ledger holds {actions:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for action in ["erasure.applied", "task.applied", "request.completed", "subject.erased"] {
        assert!(entries.iter().any(|a| a == action), "{action} in {entries:?}");
    }
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert!(!text.contains("pieter") && !text.contains("Bakker"), "ids and keyed hashes only: {text}");

    // `erasures export` writes the same lines from the database.
    let exported: Vec<erasure_ledger::LedgerEntry> = ok(cli(&db, &["erasures", "export"]))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a ledger line"))
        .collect();
    assert_eq!(exported, erasure_ledger::read(&ledger).unwrap().entries);

    // A restart reads on after the file's last event, which this database holds: the
    // writer keeps no hashes, and writes nothing twice.
    portal.kill_hard();
    portal = serve(&db, port, &smtp, &env);
    wait_healthy(&base).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reread = erasure_ledger::read(&ledger).unwrap();
    assert_eq!((reread.entries.len(), reread.duplicates), (exported.len(), 0), "{reread:?}");

    // Disaster: the database is replaced by the backup. Pieter is back, request undecided.
    portal.kill_hard();
    restore(backend, &db, &backup_file);
    assert_eq!(held(&db, subject, &request).await, before, "the restore brought the erased data back");

    // The documented step, before serving again.
    let out = ok(cli(&db, &["erasures", "reapply", ledger.to_str().unwrap()]));
    assert!(out.contains(&format!("of {} ledger entries", entries.len())) && out.contains("no task or mail"), "{out}");
    let after = held(&db, subject, &request).await;
    assert_eq!(after.addresses, 0, "the address is gone again: {after:?}");
    assert_eq!(after.records_with_values, 0, "every record is blank again: {after:?}");
    assert!(after.markers >= erased.markers && after.markers > before.markers, "{after:?}");
    assert_eq!(after.request_status.as_deref(), Some("completed"), "nobody decides it a second time");
    assert_eq!((after.tasks, after.queued_webhooks), (0, 0), "no task made, none queued");
    let again = ok(cli(&db, &["erasures", "reapply", ledger.to_str().unwrap()]));
    assert!(again.starts_with("re-applied 0 of"), "a second run changes nothing: {again}");

    // Serving again: the demo loader does not bring Pieter back, the recipient hears
    // nothing more, and the audit chain holds.
    let _portal = serve(&db, port, &smtp, &env);
    wait_healthy(&base).await;
    // The outbox worker has had time to send anything it found (it polls every second).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.received().len(), 1, "the task was not sent again");
    let now = held(&db, subject, &request).await;
    assert_eq!((now.addresses, now.records_with_values, now.tasks), (0, 0, 0), "{now:?}");
    let verified = ok(cli(&db, &["audit", "verify"]));
    assert!(verified.starts_with("audit chain intact"), "{verified}");
    // The restored chain does not hold the file's last event (the backup predates it),
    // so the writer read the chain from the start and skipped what the file holds.
    let ledger_now = erasure_ledger::read(&ledger).unwrap();
    assert_eq!(ledger_now.duplicates, 0, "no line written twice: {ledger_now:?}");
}
