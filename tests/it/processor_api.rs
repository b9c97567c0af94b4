//! The recipients' side under attack and under failure, on both backends: one
//! organisation never reaches another's tasks (portal and API), tokens are checked and
//! revocable, answers are idempotent, bad input is refused with the right status and
//! changes nothing, webhooks are signed and retried with one id, and a portal killed
//! with SIGKILL before a webhook got through delivers it after restart.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration as StdDuration, Instant};

use base64::Engine as _;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use privacy_portal::clock::Clock;
use privacy_portal::db::DbPool;
use privacy_portal::db::queries::decisions::Decision;
use privacy_portal::db::queries::tokens;
use privacy_portal::db::schema::*;
use serde_json::{Value, json};
use time::Duration;

use crate::helpers::child_portal::{serve, wait_healthy};
use crate::helpers::harness::{SmtpServer, free_port};
use crate::helpers::test_app::{Browser, TEST_SECRET_KEY, test_settings};
use crate::helpers::webhook_receiver::WebhookReceiver;
use crate::helpers::{Backend, TestApp, TestDb};
use crate::on_both_backends;
use crate::propagation::{Api, file_request, subject_id, tasks_of};

on_both_backends!(
    one_recipient_never_reaches_another_recipients_tasks,
    tokens_are_checked_and_revocable,
    answers_are_idempotent_and_bad_input_changes_nothing,
    webhooks_are_signed_and_retried_with_one_id,
    a_killed_portal_delivers_the_webhook_after_restart,
    each_view_lists_and_counts_its_own_tasks_in_order,
);

/// The demo person's full erasure, decided: tasks for every recipient of their data.
async fn erasure_with_tasks(app: &TestApp) -> Vec<crate::propagation::StoredTask> {
    let person = app.signed_in("demo@example.com").await;
    let request = file_request(&person, "erasure", &[("scope", "all"), ("statement", "")]).await;
    app.decide(&request, Decision::Approve).await;
    tasks_of(app, &request).await
}

async fn task_state(app: &TestApp, id: &str) -> (String, Option<time::PrimitiveDateTime>) {
    let id = id.to_owned();
    app.state
        .db
        .run(move |c| {
            Ok(propagation_tasks::table
                .filter(propagation_tasks::public_id.eq(id))
                .select((propagation_tasks::status, propagation_tasks::resolved_at))
                .first(c)?)
        })
        .await
        .unwrap()
}

/// Security checklist AUTHZ rows: object-level access control for processors.
async fn one_recipient_never_reaches_another_recipients_tasks(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let tasks = erasure_with_tasks(&app).await;
    let own: Vec<&str> = tasks.iter().filter(|t| t.recipient == "crm-cloud").map(|t| t.id.as_str()).collect();
    let foreign = tasks.iter().find(|t| t.recipient == "e-invoicing").unwrap().id.clone();
    app.invite_processor("crm-cloud", "ops@clouddesk.example", "Chris Cloud").await;
    let (a, _) = app.processor_signed_in(&smtp, "ops@clouddesk.example").await;

    // Portal: the inbox, the CSV, a task page, confirm, decline and bulk confirm.
    let (_, inbox) = a.page("/processor?view=all").await;
    assert!(own.iter().all(|id| inbox.contains(id)));
    assert!(!inbox.contains(&foreign));
    let csv = a.get("/processor/tasks.csv").await.text().await.unwrap();
    assert_eq!(csv.lines().count(), own.len() + 1, "header and the organisation's own tasks: {csv}");
    assert!(!csv.contains(&foreign));
    assert_eq!(a.get(&format!("/processor/tasks/{foreign}")).await.status(), 404);
    let page = format!("/processor/tasks/{}", own[0]);
    assert_eq!(a.submit(&page, &format!("/processor/tasks/{foreign}/confirm"), &[]).await.status(), 404);
    assert_eq!(a.submit(&page, &format!("/processor/tasks/{foreign}/decline"), &[("reason", "x")]).await.status(), 404);
    let own_field = format!("task_{}", own[0]);
    let foreign_field = format!("task_{foreign}");
    let r = a
        .submit("/processor", "/processor/tasks/confirm", &[(own_field.as_str(), "on"), (foreign_field.as_str(), "on")])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(task_state(&app, own[0]).await.0, "pending", "a bulk confirm with a foreign id changes nothing at all");
    assert_eq!(task_state(&app, &foreign).await.0, "pending");

    // API: a token of CloudDesk.
    let api = Api::new(&app, &app.processor_token("crm-cloud").await);
    let listed: BTreeSet<String> = api.open_ids().await.into_iter().collect();
    assert_eq!(listed, own.iter().map(|s| s.to_string()).collect());
    assert_eq!(api.get(&format!("/tasks/{foreign}")).await.0, 404);
    assert_eq!(api.post(&format!("/tasks/{foreign}/confirm"), "x1", &json!({})).await.0, 404);
    assert_eq!(api.post(&format!("/tasks/{foreign}/decline"), "x2", &json!({ "reason": "no" })).await.0, 404);
    assert_eq!(task_state(&app, &foreign).await.0, "pending");

    // The audiences do not mix: a person is not a processor, a processor not a person,
    // and a processor with only the e-mailed code is not signed in.
    let person = app.signed_in("demo@example.com").await;
    let r = person.get("/processor").await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/processor/sign-in"));
    assert_eq!(a.get("/dashboard").await.status(), 303);
    let half = app.browser();
    half.submit("/processor/sign-in", "/processor/sign-in", &[("email", "ops@clouddesk.example")]).await;
    let mail = smtp.wait_for("ops@clouddesk.example", 3).await;
    assert!(mail.subject.contains("sign-in code"), "{}", mail.subject);
    half.submit("/processor/sign-in/code", "/processor/sign-in/code", &[("code", &mail.code())]).await;
    assert_eq!(half.get("/processor").await.status(), 303, "the authenticator step is mandatory");
    assert_eq!(half.get(&format!("/processor/tasks/{}", own[0])).await.status(), 303);
}

/// API tokens: checked, scoped, revocable, last use recorded.
async fn tokens_are_checked_and_revocable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    erasure_with_tasks(&app).await;
    let token = app.processor_token("e-invoicing").await;
    let client = reqwest::Client::new();
    let url = app.url("/api/processor/v1/tasks");
    for auth in [None, Some("Bearer "), Some("Bearer pp_nope_nope"), Some("Basic Zm9vOmJhcg=="), Some(token.as_str())] {
        let mut request = client.get(&url);
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"privacy-portal\"");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let api = Api::new(&app, &token);
    assert_eq!(api.get("/tasks").await.0, 200);
    let listed = app.state.db.run(tokens::list).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "last use is recorded");
    assert!(!listed[0].prefix.is_empty() && token.contains(&listed[0].prefix));
    let stored: Vec<String> =
        app.state.db.run(|c| Ok(api_tokens::table.select(api_tokens::token_hash).load(c)?)).await.unwrap();
    assert!(stored.iter().all(|h| !h.contains(&token)), "stored hashed, never in clear");

    let prefix = listed[0].prefix.clone();
    let now = app.clock.now();
    assert!(app.state.db.transaction(move |c| tokens::revoke(c, &prefix, now)).await.unwrap());
    let (status, body) = api.get("/tasks").await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")), "a revoked token is refused");
    // An ingest-kind token is not a processor token.
    let ingest = app
        .state
        .db
        .transaction(move |c| {
            tokens::issue(
                c,
                tokens::NewToken {
                    kind: "ingest",
                    recipient: None,
                    source_system: Some("crm"),
                    entity_scope: None,
                    label: "crm",
                },
                now,
            )
        })
        .await
        .unwrap()
        .1;
    assert_eq!(Api::new(&app, &ingest).get("/tasks").await.0, 401);
}

/// API-02 (idempotency) and the bad-input rules.
async fn answers_are_idempotent_and_bad_input_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tasks = erasure_with_tasks(&app).await;
    let mine: Vec<String> = tasks.iter().filter(|t| t.recipient == "crm-cloud").map(|t| t.id.clone()).collect();
    let api = Api::new(&app, &app.processor_token("crm-cloud").await);
    let (first, second) = (&mine[0], &mine[1]);

    // The same key and body: the same answer, once.
    let body = json!({ "reference": "CD-1", "note": "done" });
    let (status, answer) = api.post(&format!("/tasks/{first}/confirm"), "key-1", &body).await;
    assert_eq!(status, 200);
    let resolved = task_state(&app, first).await;
    app.clock.advance(Duration::minutes(5));
    let (status, replay) = api.post(&format!("/tasks/{first}/confirm"), "key-1", &body).await;
    assert_eq!((status, &replay), (200, &answer), "replayed, not redone");
    assert_eq!(task_state(&app, first).await, resolved);
    let first_id = first.clone();
    let events = app
        .state
        .db
        .run(move |c| {
            Ok(audit_events::table
                .filter(audit_events::target_id.eq(first_id))
                .filter(audit_events::action.eq("task.applied"))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(events, 1);
    // The same key with another body is a client bug.
    let (status, err) = api.post(&format!("/tasks/{first}/confirm"), "key-1", &json!({ "reference": "CD-2" })).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));

    // Declined, then confirmed: 409, still declined.
    let (status, _) = api
        .post(
            &format!("/tasks/{second}/decline"),
            "key-2",
            &json!({ "reason": "Legal retention: contract archive until 2031." }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, err) = api.post(&format!("/tasks/{second}/confirm"), "key-3", &json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (409, Some("conflict")));
    assert_eq!(task_state(&app, second).await.0, "declined");

    // Bad input, each with its status and a message, none changing anything.
    let client = reqwest::Client::new();
    let confirm_url = app.url(&format!("/api/processor/v1/tasks/{second}/confirm"));
    let post = |url: String, content_type: &'static str, body: Vec<u8>, key: Option<&'static str>| {
        let mut r = client.post(url).bearer_auth(&api.token).header("content-type", content_type).body(body);
        if let Some(k) = key {
            r = r.header("idempotency-key", k);
        }
        r.send()
    };
    let cases: Vec<(String, &str, Vec<u8>, Option<&'static str>, u16, &str)> = vec![
        (confirm_url.clone(), "application/json", b"{\"referenc\":\"x\"}".to_vec(), Some("b1"), 422, "unprocessable"),
        (confirm_url.clone(), "text/plain", b"{}".to_vec(), Some("b2"), 415, "unsupported_media_type"),
        (confirm_url.clone(), "application/json", b"{not json".to_vec(), Some("b3"), 400, "bad_request"),
        (
            confirm_url.clone(),
            "application/json",
            format!("{{\"note\":\"{}\"}}", "x".repeat(70_000)).into_bytes(),
            Some("b4"),
            413,
            "payload_too_large",
        ),
        (confirm_url.clone(), "application/json", b"{}".to_vec(), None, 400, "bad_request"),
        (
            confirm_url.clone(),
            "application/json",
            format!("{{\"note\":\"{}\"}}", "x".repeat(2001)).into_bytes(),
            Some("b5"),
            422,
            "unprocessable",
        ),
        (
            app.url(&format!("/api/processor/v1/tasks/{second}/decline")),
            "application/json",
            b"{\"reason\":\"  \"}".to_vec(),
            Some("b6"),
            422,
            "unprocessable",
        ),
        (
            app.url("/api/processor/v1/tasks/00000000-0000-4000-8000-000000000000/confirm"),
            "application/json",
            b"{}".to_vec(),
            Some("b7"),
            404,
            "not_found",
        ),
        (
            app.url("/api/processor/v1/tasks/not-an-id/confirm"),
            "application/json",
            b"{}".to_vec(),
            Some("b8"),
            404,
            "not_found",
        ),
        (app.url("/api/processor/v1/nothing-here"), "application/json", b"{}".to_vec(), Some("b9"), 404, "not_found"),
    ];
    for (url, content_type, body, key, status, code) in cases {
        let r = post(url.clone(), content_type, body, key).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{url} {content_type} {key:?}");
        let answer: Value = r.json().await.unwrap_or_else(|_| panic!("JSON error for {url}"));
        assert_eq!(answer["error"]["code"], code, "{url}: {answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(task_state(&app, second).await.0, "declined");
    for (query, status) in
        [("?status=bogus", 400), ("?limit=0", 400), ("?limit=501", 400), ("?cursor=zzz", 400), ("?colour=red", 400)]
    {
        assert_eq!(api.get(&format!("/tasks{query}")).await.0, status, "{query}");
    }
    // Paging with a cursor walks every task once.
    let (_, page1) = api.get("/tasks?status=all&limit=1").await;
    let cursor = page1["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, page2) = api.get(&format!("/tasks?status=all&limit=1&cursor={cursor}")).await;
    assert_ne!(page1["tasks"][0]["id"], page2["tasks"][0]["id"]);
    assert_eq!(page2["next_cursor"], Value::Null);

    // Webhook URLs: HTTPS outside loopback, nothing internal.
    for url in [
        "http://hooks.example.com/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest",
        "https://[fd00::1]/x",
        "ftp://example.com/",
        "not a url",
        "https://user:pw@example.com/",
    ] {
        let r = client
            .put(app.url("/api/processor/v1/webhook"))
            .bearer_auth(&api.token)
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{url}");
        let answer: Value = r.json().await.unwrap();
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty(), "{url}");
    }
    let r = client
        .put(app.url("/api/processor/v1/webhook"))
        .bearer_auth(&api.token)
        .json(&json!({ "url": "https://hooks.example.com/x", "secret": "mine" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "unknown field");
    assert_eq!(api.get("/webhook").await.0, 404, "no webhook was set by any of that");
    let hooks = app.state.db.run(|c| Ok(recipient_webhooks::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(hooks, 0);
}

fn verify_signature(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    // Independent of the portal's code: the Standard Webhooks recipe.
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
    header.split(' ').any(|s| s == expected)
}

/// Waits until the webhook in the outbox has `attempts` failed tries on record.
async fn webhook_attempts_booked(app: &TestApp, attempts: i32) {
    let started = Instant::now();
    loop {
        let booked = app
            .state
            .db
            .run(|c| {
                Ok(outbox::table
                    .filter(outbox::kind.eq("webhook"))
                    .filter(outbox::locked_until.is_null())
                    .select(outbox::attempts)
                    .first::<i32>(c)
                    .optional()?)
            })
            .await
            .unwrap();
        if booked == Some(attempts) {
            return;
        }
        assert!(started.elapsed() < StdDuration::from_secs(10), "try {attempts} booked: {booked:?}");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// Webhooks: Standard Webhooks signature, retries with backoff, one id throughout.
async fn webhooks_are_signed_and_retried_with_one_id(backend: Backend) {
    let receiver = WebhookReceiver::start(&[500, 500], 200);
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app, &app.processor_token("mailing-house").await);
    let r = reqwest::Client::new()
        .put(app.url("/api/processor/v1/webhook"))
        .bearer_auth(&api.token)
        .json(&json!({ "url": receiver.url }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set: Value = r.json().await.unwrap();
    let secret = set["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        api.get("/webhook").await.1,
        json!({ "url": receiver.url, "active": true }),
        "the secret is shown once only"
    );

    // The person stops e-mail marketing by Rely; the mailing house is told at once.
    let person = app.signed_in("demo@example.com").await;
    let r = person
        .submit(
            "/preferences",
            "/preferences",
            &[("entity", "claranet-benelux"), ("channel", "email"), ("granted", "false")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Move the clock only once the failed try is booked, or the retry time is computed
    // from the moved clock.
    receiver.wait_for(1, 10).await;
    webhook_attempts_booked(&app, 1).await;
    app.clock.advance(Duration::seconds(6));
    receiver.wait_for(2, 10).await;
    webhook_attempts_booked(&app, 2).await;
    app.clock.advance(Duration::minutes(6));
    let got = receiver.wait_for(3, 10).await;
    let started = Instant::now();
    while app
        .state
        .db
        .run(|c| {
            Ok(webhook_deliveries::table.filter(webhook_deliveries::delivered.eq(true)).count().get_result::<i64>(c)?)
        })
        .await
        .unwrap()
        == 0
    {
        assert!(started.elapsed() < StdDuration::from_secs(10), "the delivery is booked");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    app.clock.advance(Duration::hours(1));
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    let got_now = receiver.received();
    assert_eq!(got_now.len(), 3, "delivered once it got a 2xx, not again");
    assert_eq!(got.iter().map(|g| g.answered).collect::<Vec<_>>(), [500, 500, 200]);
    let id = got[0].header("webhook-id").to_owned();
    assert!(id.starts_with("msg_"));
    for g in &got {
        assert_eq!(g.header("webhook-id"), id, "one message id across retries");
        assert_eq!(g.header("content-type"), "application/json");
        assert!(
            verify_signature(&secret, &id, g.header("webhook-timestamp"), &g.body, g.header("webhook-signature")),
            "signature verifies"
        );
        assert!(!verify_signature(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            &id,
            g.header("webhook-timestamp"),
            &g.body,
            g.header("webhook-signature")
        ));
        assert_eq!(g.path, "/hooks/privacy");
    }
    let task = got[2].json()["data"].clone();
    assert_eq!(got[2].json()["type"], "task.created");
    assert_eq!(task["action"], "stop_marketing");
    let (status, stored) = api.get(&format!("/tasks/{}", task["id"].as_str().unwrap())).await;
    assert_eq!(status, 200);
    assert_eq!(stored["status"], "delivered");
    assert!(stored["delivered_at"].is_string());
    let log = app
        .state
        .db
        .run(|c| {
            Ok(webhook_deliveries::table
                .order(webhook_deliveries::id)
                .select((webhook_deliveries::attempt, webhook_deliveries::status_code, webhook_deliveries::delivered))
                .load::<(i32, Option<i32>, bool)>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(log, [(1, Some(500), false), (2, Some(500), false), (3, Some(200), true)]);
}

/// The portal binary, killed when dropped (also when the test fails half-way).
/// Outbox durability: the task and its webhook commit together, and survive SIGKILL.
async fn a_killed_portal_delivers_the_webhook_after_restart(backend: Backend) {
    let smtp = SmtpServer::start();
    let receiver = WebhookReceiver::start(&[], 503);
    let db = TestDb::new(backend);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut portal = serve(&db, port, &smtp, &[]);
    wait_healthy(&base).await;

    // The operator points the mailing house's webhook at the receiver with the CLI.
    let out = Command::new(env!("CARGO_BIN_EXE_privacy-portal"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PORTAL_DATABASE_URL", &db.url)
        .env("PORTAL_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
        .env("PORTAL_LOG__FILTER", "warn")
        .args(["webhooks", "set", "--recipient", "mailing-house", "--url", &receiver.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(secret.starts_with("whsec_"));

    // The person (signed in with a real e-mailed code) stops e-mail marketing.
    let person = Browser::new(&base);
    person.sign_in(&smtp, "demo@example.com").await;
    let r = person
        .submit(
            "/preferences",
            "/preferences",
            &[("entity", "claranet-benelux"), ("channel", "email"), ("granted", "false")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The receiver is down (503). Once the failed try is on record (so the item is not
    // held by a lease of the dead worker), the portal dies hard: SIGKILL, no shutdown.
    receiver.wait_for(1, 20).await;
    let pool = DbPool::connect(&test_settings(&db, &[]).database).unwrap();
    let started = Instant::now();
    while pool.run(|c| Ok(webhook_deliveries::table.count().get_result::<i64>(c)?)).await.unwrap() == 0 {
        assert!(started.elapsed() < StdDuration::from_secs(10), "the failed try is recorded");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    portal.kill_hard();
    receiver.answer(200);

    let mut portal = serve(&db, port, &smtp, &[]);
    wait_healthy(&base).await;
    let got = receiver.wait_for(2, 30).await;
    // The portal books the delivery after the receiver answered.
    let started = Instant::now();
    while pool
        .run(|c| {
            Ok(propagation_tasks::table
                .filter(propagation_tasks::delivered_at.is_not_null())
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap()
        == 0
    {
        assert!(started.elapsed() < StdDuration::from_secs(10), "the delivery is booked");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    portal.kill_hard();
    let last = got.last().unwrap();
    assert_eq!(last.answered, 200);
    assert!(got.iter().all(|g| g.header("webhook-id") == got[0].header("webhook-id")), "the same message, retried");
    assert!(verify_signature(
        &secret,
        last.header("webhook-id"),
        last.header("webhook-timestamp"),
        &last.body,
        last.header("webhook-signature")
    ));
    let tasks: Vec<(String, Option<time::PrimitiveDateTime>)> = pool
        .run(|c| {
            Ok(propagation_tasks::table.select((propagation_tasks::status, propagation_tasks::delivered_at)).load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1, "the task was committed once");
    assert_eq!(tasks[0].0, "delivered");
    assert!(tasks[0].1.is_some());
    assert_eq!(last.json()["data"]["action"], "stop_marketing");
}

/// Every page of one view through the API, following `next_cursor`.
async fn walk(api: &Api, status: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => format!("/tasks?status={status}&limit={limit}"),
            Some(c) => format!("/tasks?status={status}&limit={limit}&cursor={c}"),
        };
        let (code, page) = api.get(&path).await;
        assert_eq!(code, 200, "{path}: {page}");
        let tasks = page["tasks"].as_array().unwrap();
        assert!(tasks.len() <= limit);
        ids.extend(tasks.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

/// The open, overdue, done and all views (migration 000010 gave each its own index):
/// each lists exactly its tasks, in its order, across pages, and the inbox's tabs count
/// them. Tasks are made straight in the database with due dates out of creation order,
/// so an order by id alone would fail.
async fn each_view_lists_and_counts_its_own_tasks_in_order(backend: Backend) {
    use privacy_portal::db::queries::propagation::{NewTask, create};
    use privacy_portal::domain::ids::{EntityId, RequestId, SubjectId};

    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let subject = SubjectId(subject_id(&app, "demo@example.com").await);
    let recipient = app.recipient_id("crm-cloud");
    let other = app.recipient_id("e-invoicing");
    let entity: EntityId = *app.state.catalog.ids.entities.values().next().unwrap();
    // A task comes from a request or a consent change; any request of the person will do.
    let person = app.signed_in("demo@example.com").await;
    file_request(&person, "access", &[("scope", "all"), ("statement", "")]).await;
    let request = RequestId(
        app.state.db.run(|c| Ok(rights_requests::table.select(rights_requests::id).first::<i64>(c)?)).await.unwrap(),
    );
    let start = app.clock.now();
    let make_task = |to, now, due_days| {
        app.state.db.transaction(move |c| {
            create(
                c,
                NewTask {
                    recipient: to,
                    subject,
                    entity,
                    request: Some(request),
                    consent_event: None,
                    action: "stop_marketing",
                    payload: json!({ "action": "stop_marketing" }),
                    now,
                    due_days,
                },
            )
        })
    };
    // (recipient, days to answer); created one minute apart.
    let plan =
        [(recipient, 30), (recipient, 5), (other, 1), (recipient, 20), (recipient, 5), (recipient, 10), (recipient, 2)];
    let mut ids = Vec::new();
    for (n, (to, days)) in plan.into_iter().enumerate() {
        let id =
            make_task(to, start + Duration::minutes(n as i64), days).await.unwrap_or_else(|e| panic!("task {n}: {e}"));
        ids.push(id);
    }
    let api = Api::new(&app, &app.processor_token("crm-cloud").await);
    // Answer three: 1 and 6 applied, 3 declined (in that order).
    assert_eq!(api.post(&format!("/tasks/{}/confirm", ids[1]), "v1", &json!({})).await.0, 200);
    assert_eq!(api.post(&format!("/tasks/{}/confirm", ids[6]), "v2", &json!({})).await.0, 200);
    assert_eq!(api.post(&format!("/tasks/{}/decline", ids[3]), "v3", &json!({ "reason": "not ours" })).await.0, 200);
    // Eleven days on: the tasks due in 5 and 10 days are overdue, the one due in 30 is not.
    app.clock.advance(Duration::days(11));

    let pick = |order: &[usize]| order.iter().map(|&i| ids[i].clone()).collect::<Vec<_>>();
    let open = pick(&[4, 5, 0]); // due in 5, 10, 30 days
    let overdue = pick(&[4, 5]);
    let all = pick(&[0, 1, 3, 4, 5, 6]); // created order; task 2 is another recipient's
    for limit in [1, 2, 500] {
        assert_eq!(walk(&api, "open", limit).await, open, "open, soonest due first, {limit} a page");
        assert_eq!(walk(&api, "overdue", limit).await, overdue, "overdue, {limit} a page");
        assert_eq!(walk(&api, "all", limit).await, all, "all, oldest first, {limit} a page");
        let done = walk(&api, "done", limit).await;
        assert_eq!(done.iter().cloned().collect::<BTreeSet<_>>(), pick(&[1, 3, 6]).into_iter().collect());
        assert_eq!(done, pick(&[6, 3, 1]), "done, newest first, {limit} a page");
    }

    app.invite_processor("crm-cloud", "ops@clouddesk.example", "Chris Cloud").await;
    let (portal, _) = app.processor_signed_in(&smtp, "ops@clouddesk.example").await;
    let (status, inbox) = portal.page("/processor?view=overdue").await;
    assert_eq!(status, 200);
    for (tab, n) in [("view=open", 3), ("view=overdue", 2), ("view=done", 3)] {
        let at = inbox.find(&format!("/processor?{tab}")).unwrap_or_else(|| panic!("no {tab} tab"));
        let label = &inbox[at..at + inbox[at..].find("</a>").unwrap()];
        assert!(label.ends_with(&format!("({n})")), "{tab}: {label}");
    }
    assert!(overdue.iter().all(|id| inbox.contains(id.as_str())));
    assert!(!inbox.contains(ids[0].as_str()), "the task due in 30 days is not overdue");
    assert!(!inbox.contains(ids[2].as_str()), "another recipient's task");

    // The inbox shows a page of tasks at a time and links to the next: 100 more open
    // tasks make 103, so two pages, together each open task once.
    let now = app.clock.now();
    for n in 0..100 {
        make_task(recipient, now + Duration::seconds(n), 40).await.unwrap();
    }
    let task_links = |page: &str| -> Vec<String> {
        page.split("href=\"/processor/tasks/").skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_owned()).collect()
    };
    let (status, first) = portal.page("/processor?view=open").await;
    assert_eq!(status, 200);
    let on_first = task_links(&first);
    assert_eq!(on_first.len(), 100, "one page holds 100 tasks");
    assert_eq!(on_first[..3], open[..], "soonest due first");
    assert!(!first.contains("First page"), "the first page links to no first page");
    let next = first.split("rel=\"next\" href=\"").nth(1).expect("a link to the next page");
    let next = next[..next.find('"').unwrap()].replace("&amp;", "&");
    let (status, second) = portal.page(&next).await;
    assert_eq!(status, 200, "{next}");
    let on_second = task_links(&second);
    assert_eq!(on_second.len(), 3, "the rest");
    assert!(!second.contains("rel=\"next\""), "no page after the last");
    assert!(second.contains("First page"));
    let every: BTreeSet<_> = on_first.iter().chain(&on_second).collect();
    assert_eq!(every.len(), 103, "every open task once, none repeated");
    let (status, bad) = portal.page("/processor?view=open&after=not-a-cursor").await;
    assert_eq!(status, 400, "a made-up page link is refused: {bad}");
    assert!(bad.contains("could not be understood"), "{bad}");
}
