//! Bulk import as an operator runs it, on both backends: JSON Lines and CSV, every bad
//! line reported with its number and reason and copied to the rejected-lines file, the
//! rest stored whole, a dry run that writes nothing, erased people kept out, and a line
//! of 2 GiB read through in constant memory.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::admin_cli::admin;
use crate::helpers::test_app::TEST_SECRET_KEY;
use crate::helpers::{Backend, TestApp};
use crate::ingest_api::{jan, people_with_address};
use crate::on_both_backends;
use crate::propagation::file_request;

on_both_backends!(
    a_json_lines_import_reports_every_bad_line_and_stores_the_rest,
    a_csv_import_never_stores_half_a_person,
    an_import_does_not_bring_back_an_erased_person,
);

#[tokio::test]
async fn a_two_gigabyte_line_is_skipped_in_constant_memory() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_privacy-portal"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORTAL_DATABASE_URL", &app.db.url)
        .env("PORTAL_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
        .env("PORTAL_LOG__FILTER", "warn")
        .args(["import", "-", "--dry-run", "--no-progress", "--rejects"])
        .arg(app.db.dir().join("stdin.rejected"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        writeln!(stdin, "{}", jan("before@example.nl")).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..2048 {
            stdin.write_all(&chunk).unwrap();
        }
        stdin.write_all(b"\n").unwrap();
        writeln!(stdin, "{}", jan("after@example.nl")).unwrap();
        // Everything but the last pipe-full has been read now: measure before closing.
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        drop(stdin);
        peak_kib
    });
    let peak_kib = feeder.join().unwrap();
    let out = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{report} {}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("created 2") && report.contains("rejected 1"), "{report}");
    assert!(report.contains("line 2: the line has 2147483648 bytes"), "{report}");
    assert!(peak_kib < 150 * 1024, "peak RSS {peak_kib} KiB while reading a 2 GiB line");
}

fn write_lines(app: &TestApp, name: &str, lines: &[String]) -> std::path::PathBuf {
    let path = app.db.dir().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

async fn count_people(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use privacy_portal::db::schema::subjects;
    app.state.db.run(|c| Ok(subjects::table.count().get_result(c)?)).await.unwrap()
}

async fn a_json_lines_import_reports_every_bad_line_and_stores_the_rest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut bad_email = jan("x@example.nl");
    bad_email["email"] = json!("not an address");
    let mut future = jan("future@example.nl");
    future["disclosures"][0]["at"] = json!("2099-01-01T00:00:00Z");
    let mut too_long = jan("long@example.nl");
    too_long["records"][0]["value"] = json!("v".repeat(4001));
    let mut unknown = jan("unknown@example.nl");
    unknown["records"][1]["entity"] = json!("claranet-mars");
    let lines = vec![
        jan("imp1@example.nl").to_string(),                                               // 1
        r#"{"email": "trunc@example.nl", "name": "Tru"#.to_owned(),                       // 2
        bad_email.to_string(),                                                            // 3
        future.to_string(),                                                               // 4
        too_long.to_string(),                                                             // 5
        unknown.to_string(),                                                              // 6
        String::new(),                                                                    // 7: blank, skipped
        jan("imp2@example.nl").to_string(),                                               // 8
        format!(r#"{{"email": "big@example.nl", "name": "{}"}}"#, "b".repeat(1_500_000)), // 9
    ];
    let file = write_lines(&app, "people.jsonl", &lines);
    let path = file.to_str().unwrap();
    let before = count_people(&app).await;

    let dry = admin(&app, &["import", path, "--dry-run", "--no-progress"]);
    let report = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert_eq!(dry.status.code(), Some(3), "{report}");
    assert!(report.starts_with("dry run, nothing written: 8 lines"), "{report}");
    assert!(report.contains("created 2"), "{report}");
    assert_eq!(count_people(&app).await, before, "a dry run writes nothing");

    let out = admin(&app, &["import", path, "--no-progress", "--batch-size", "1"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "rejections make a non-zero exit: {report}");
    assert!(report.contains("created 2 · updated 0 · unchanged 0 · suppressed 0 · rejected 6"), "{report}");
    for (line, why) in [
        (2, "truncated"),
        (3, "email: not a valid e-mail address"),
        (4, "disclosures[0].at: 2099-01-01T00:00:00Z is in the future"),
        (5, "records[0].value: longer than 4000 characters"),
        (6, "records[1].entity: entity `claranet-mars` is not in the catalog"),
        (9, "bytes; at most 1048576"),
    ] {
        assert!(report.contains(&format!("line {line}: ")) && report.contains(why), "line {line} ({why}) in {report}");
    }
    assert_eq!(count_people(&app).await, before + 2);
    assert_eq!(people_with_address(&app, "imp2@example.nl").await, 1);
    assert_eq!(people_with_address(&app, "future@example.nl").await, 0, "a rejected line leaves nothing");

    // The rejected lines, as they were, ready to be fixed and imported again.
    let rejected = std::fs::read_to_string(format!("{path}.rejected")).unwrap();
    assert_eq!(rejected.lines().collect::<Vec<_>>(), lines[1..6].iter().map(String::as_str).collect::<Vec<_>>());
    let reasons = std::fs::read_to_string(format!("{path}.rejected.log")).unwrap();
    assert_eq!(reasons.lines().count(), 6, "{reasons}");

    // Once more: everything accepted is already held.
    let again = admin(&app, &["import", path, "--no-progress"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("created 0 · updated 0 · unchanged 2"));

    // A file that is not there: one line, exit 1.
    let missing = admin(&app, &["import", "/nonexistent/people.jsonl"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot open"));
}

async fn a_csv_import_never_stores_half_a_person(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lines: Vec<String> = [
        "email,name,language,entity,role,reference,since,category,field,value,source,purposes",
        "csv1@example.nl,Cas de Vries,nl,claranet-benelux,customer_contact,R-1,2020-01-01,contact,phone,\"+31 6 11, mobile\",provided,rely-services",
        "csv1@example.nl,Cas de Vries,nl,claranet-benelux,customer_contact,R-1,2020-01-01,contact,city,Utrecht,provided,",
        "csv2@example.nl,Dirk Maes,nl,claranet-benelux,customer_contact,R-2,2020-01-01,contact,phone,+31 6 22,provided,",
        "csv2@example.nl,Dirk Maes,nl,claranet-benelux,customer_contact,R-2,2020-01-01,contact",
        "csv3@example.nl,Els Peeters,en,claranet-benelux,customer_contact,R-3,2020-01-01,contact,phone,+31 6 33,provided,",
        "csv3@example.nl,Els Peeters,en,claranet-benelux,customer_contact,R-3,2020-01-01,contact,city,Gent,provided,no-such-purpose",
        "csv4@example.nl,Finn Bos,en,claranet-benelux,customer_contact,R-4,2020-01-01,contact,city,Leiden,provided,",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let file = write_lines(&app, "people.csv", &lines);
    let out = admin(&app, &["import", file.to_str().unwrap(), "--no-progress"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("created 2") && report.contains("rejected 2"), "{report}");
    assert!(report.contains("lines 4-5: line 5: 8 columns; the header has 12"), "{report}");
    assert!(
        report.contains("lines 6-7: line 7 purposes[0]: purpose `no-such-purpose` is not in the catalog"),
        "{report}"
    );
    for (address, held) in
        [("csv1@example.nl", 1), ("csv2@example.nl", 0), ("csv3@example.nl", 0), ("csv4@example.nl", 1)]
    {
        assert_eq!(people_with_address(&app, address).await, held, "{address}");
    }
    let cas = app.signed_in("csv1@example.nl").await;
    let (_, contact) = cas.page("/data/claranet-benelux/contact").await;
    assert!(contact.contains("+31 6 11, mobile") && contact.contains("Utrecht"), "both rows of one person: {contact}");
    let rejected = std::fs::read_to_string(format!("{}.rejected", file.display())).unwrap();
    assert_eq!(rejected.lines().count(), 5, "the header and the four rejected rows: {rejected}");
    assert!(rejected.starts_with("email,name,"));

    // A header without the required columns stops at once.
    let bad = write_lines(&app, "bad.csv", &["email,name\na@example.nl,A".to_owned()]);
    let out = admin(&app, &["import", bad.to_str().unwrap(), "--no-progress"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the header has no `entity` column"));
}

/// GDPR Art. 17: the next full export of a source must not re-create an erased person.
async fn an_import_does_not_bring_back_an_erased_person(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pieter = app.signed_in("pieter.bakker@example.nl").await;
    let request = file_request(&pieter, "erasure", &[("scope", "all"), ("statement", "")]).await;
    app.decide(&request, privacy_portal::db::queries::decisions::Decision::Approve).await;
    let file = write_lines(
        &app,
        "export.jsonl",
        &[jan("pieter.bakker@example.nl").to_string(), jan("new@example.nl").to_string()],
    );
    let out = admin(&app, &["import", file.to_str().unwrap(), "--no-progress"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("created 1 · updated 0 · unchanged 0 · suppressed 1 · rejected 0"), "{report}");
}
