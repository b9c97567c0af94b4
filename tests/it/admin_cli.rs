//! The administration commands of the binary, run as an operator would against the
//! database of a running portal (both backends): deciding requests, inviting processor
//! users, issuing and revoking tokens, setting webhooks, and checking the audit chain.
//! Bad input stops each with one clear line and changes nothing.

use std::process::{Command, Output};

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use serde_json::json;
use time::Duration;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::TEST_SECRET_KEY;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::propagation::{Api, file_request};

on_both_backends!(operators_run_the_propagation_from_the_command_line);

pub fn admin(app: &TestApp, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_privacy-portal"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("PORTAL_")) {
        cmd.env_remove(k);
    }
    cmd.env("PORTAL_DATABASE_URL", &app.db.url)
        .env("PORTAL_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
        .env("PORTAL_SERVER__PUBLIC_URL", &app.base)
        .env("PORTAL_LOG__FILTER", "warn")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

async fn operators_run_the_propagation_from_the_command_line(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let person = app.signed_in("demo@example.com").await;
    let request = file_request(&person, "erasure", &[("scope", "claranet-products"), ("statement", "")]).await;
    let (_, page) = person.page(&format!("/requests/{request}")).await;
    let reference = crate::propagation::texts(&page, "#reference").join("");

    // requests list / decide
    let listed = ok(&admin(&app, &["requests", "list"]));
    assert!(listed.contains(&reference) && listed.contains("erasure"), "{listed}");
    let out = admin(&app, &["requests", "decide", &reference]);
    assert_eq!(out.status.code(), Some(2), "--approve or --reject is required");
    assert!(refused(&admin(&app, &["requests", "decide", &reference, "--reject", "  "])).contains("reason"));
    assert!(
        refused(&admin(&app, &["requests", "decide", "REQ-00000000", "--approve"])).contains("no request REQ-00000000")
    );
    let decided = ok(&admin(&app, &["requests", "decide", &reference, "--approve"]));
    assert!(decided.starts_with(&format!("{reference}: partially_approved; ")), "{decided}");
    let tasks = app.state.db.run(|c| Ok(propagation_tasks::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert!(decided.contains(&format!("{tasks} recipient task(s) created")) && tasks >= 3, "{decided}");
    assert!(refused(&admin(&app, &["requests", "decide", &reference, "--approve"])).contains("already"));
    let lift = ["requests", "lift-restriction", &reference, "--reason", "checked"];
    assert!(refused(&admin(&app, &lift)).contains("not a restriction"));
    let mut too_soon = lift.to_vec();
    too_soon.extend(["--notice-days", "0"]);
    assert!(refused(&admin(&app, &too_soon)).contains("--notice-days"));

    // processors invite / list
    let bad = [
        (vec!["--recipient", "nobody", "--email", "a@b.example", "--name", "A"], "no recipient `nobody`"),
        (vec!["--recipient", "crm-cloud", "--email", "not-an-address", "--name", "A"], "--email"),
        (vec!["--recipient", "crm-cloud", "--email", "a@b.example", "--name", " "], "--name"),
    ];
    for (args, message) in bad {
        let mut all = vec!["processors", "invite"];
        all.extend(args);
        assert!(refused(&admin(&app, &all)).contains(message), "{message}");
    }
    let invite = [
        "processors",
        "invite",
        "--recipient",
        "crm-cloud",
        "--email",
        "ops@clouddesk.example",
        "--name",
        "Chris Cloud",
    ];
    assert!(ok(&admin(&app, &invite)).contains("invited Chris Cloud <ops@clouddesk.example> for CloudDesk CRM Inc."));
    assert!(refused(&admin(&app, &invite)).contains("already a processor user"));
    assert!(ok(&admin(&app, &["processors", "list", "--recipient", "crm-cloud"])).contains("ops@clouddesk.example"));
    // The CLI queued the invitation at the machine's time; the test portal's clock is
    // behind it, so move it on for the outbox to send.
    app.clock.advance(Duration::days(30));
    let invitation = smtp.wait_for("ops@clouddesk.example", 1).await;
    assert!(invitation.text().contains(&format!("{}/processor/sign-in", app.base)), "{}", invitation.text());

    // tokens create / list / revoke
    assert!(
        refused(&admin(&app, &["tokens", "create", "--recipient", "e-invoicing", "--label", ""])).contains("--label")
    );
    let token =
        ok(&admin(&app, &["tokens", "create", "--recipient", "e-invoicing", "--label", "ERP"])).trim().to_owned();
    assert!(token.starts_with("pp_"), "{token}");
    let api = Api::new(&app, &token);
    assert_eq!(api.open_ids().await.len(), 1, "Factuurlink has one task from Products");
    let listed = ok(&admin(&app, &["tokens", "list"]));
    assert!(listed.contains("e-invoicing") && listed.contains("ERP") && !listed.contains(&token), "{listed}");
    let prefix = token.split('_').nth(1).unwrap();
    assert!(ok(&admin(&app, &["tokens", "revoke", prefix])).contains("revoked"));
    assert_eq!(api.get("/tasks").await.0, 401);
    assert!(refused(&admin(&app, &["tokens", "revoke", prefix])).contains("no active token"));

    // webhooks set / remove
    for (url, message) in
        [("http://hooks.example.com/x", "https"), ("https://192.168.1.20/x", "private"), ("nonsense", "not a URL")]
    {
        assert!(
            refused(&admin(&app, &["webhooks", "set", "--recipient", "e-invoicing", "--url", url])).contains(message),
            "{url}"
        );
    }
    let hooks = app.state.db.run(|c| Ok(recipient_webhooks::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(hooks, 0, "refused URLs set nothing");
    let secret = ok(&admin(
        &app,
        &["webhooks", "set", "--recipient", "e-invoicing", "--url", "https://hooks.factuurlink.example/privacy"],
    ));
    assert!(secret.trim().starts_with("whsec_"));
    let stored: Vec<u8> = app
        .state
        .db
        .run(|c| Ok(recipient_webhooks::table.select(recipient_webhooks::secret_enc).first(c)?))
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains(secret.trim().trim_start_matches("whsec_")),
        "the secret is stored sealed"
    );
    ok(&admin(&app, &["webhooks", "remove", "--recipient", "e-invoicing"]));
    assert!(refused(&admin(&app, &["webhooks", "remove", "--recipient", "e-invoicing"])).contains("has no webhook"));

    // staff: no default accounts; the first admin once; then `staff add`.
    assert!(ok(&admin(&app, &["staff", "list"])).contains("no staff"));
    let boot = ["staff", "bootstrap", "--email", "root@corp.example", "--name", "Rita Root"];
    assert!(ok(&admin(&app, &boot)).contains("as admin"));
    assert!(
        refused(&admin(&app, &["staff", "bootstrap", "--email", "two@corp.example", "--name", "Two"]))
            .contains("only once")
    );
    assert!(
        refused(&admin(&app, &["staff", "add", "--email", "a@corp.example", "--name", "A", "--role", "root"]))
            .contains("--role")
    );
    assert!(
        ok(&admin(&app, &["staff", "add", "--email", "a@corp.example", "--name", "Ann", "--role", "agent"]))
            .contains("as agent")
    );
    assert!(
        refused(&admin(&app, &["staff", "add", "--email", "a@corp.example", "--name", "Ann", "--role", "agent"]))
            .contains("already a staff member")
    );
    let listed = ok(&admin(&app, &["staff", "list"]));
    assert!(listed.contains("Rita Root <root@corp.example>\tadmin\tlocal\tactive"), "{listed}");
    assert!(ok(&admin(&app, &["staff", "disable", "a@corp.example"])).contains("disabled"));
    assert!(ok(&admin(&app, &["staff", "list"])).contains("Ann <a@corp.example>\tagent\tlocal\tdisabled"));

    // audit verify: intact, then a tampered event is named.
    let intact = ok(&admin(&app, &["audit", "verify"]));
    assert!(intact.starts_with("audit chain intact: "), "{intact}");
    let tamper = |c: &mut privacy_portal::db::DbConnection| -> Result<i64, privacy_portal::db::DbError> {
        let id: i64 =
            audit_events::table.filter(audit_events::action.eq("task.created")).select(audit_events::id).first(c)?;
        diesel::update(audit_events::table.find(id))
            .set(audit_events::details.eq(json!({ "recipient": "someone-else" }).to_string()))
            .execute(c)?;
        Ok(id)
    };
    let refused_by_the_database = app.state.db.run(tamper).await;
    assert!(format!("{refused_by_the_database:?}").contains("append-only"), "the table refuses updates");
    // Someone with the database owner's rights drops the guard first; the chain still tells.
    let drop_guard = match backend {
        Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        Backend::Postgres => "DROP TRIGGER audit_events_append_only ON audit_events",
    };
    let victim: i64 = app
        .state
        .db
        .run(move |c| {
            diesel::sql_query(drop_guard).execute(c)?;
            tamper(c)
        })
        .await
        .unwrap();
    assert!(refused(&admin(&app, &["audit", "verify"])).contains(&format!("broken at event {victim}")));
}
