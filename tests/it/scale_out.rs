//! Two portal instances on one PostgreSQL database, both running the outbox worker:
//! every e-mail and webhook goes out exactly once (no crash here, so the at-least-once
//! rule never has to repeat one), none is lost, and both instances do part of the work
//! (claims use `FOR UPDATE SKIP LOCKED` and a lease).

use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

use diesel::prelude::*;
use privacy_portal::clock::Clock;
use privacy_portal::db::queries::decisions::Decision;
use privacy_portal::db::queries::{outbox as outbox_queue, webhooks};
use privacy_portal::db::schema::*;
use privacy_portal::domain::audit::Actor;
use privacy_portal::domain::{EmailAddress, Language};
use privacy_portal::startup::Application;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::test_settings;
use crate::helpers::webhook_receiver::WebhookReceiver;
use crate::helpers::{Backend, TestApp};
use crate::propagation::file_request;

const MAILS: usize = 300;

#[tokio::test]
async fn two_instances_share_the_outbox_and_deliver_everything_once() {
    let (smtp_a, smtp_b) = (SmtpServer::start(), SmtpServer::start());
    let receiver = WebhookReceiver::start(&[], 200);
    let a = TestApp::spawn_with(Backend::Postgres, &[("PORTAL_SMTP_URL", &smtp_a.url())]).await;
    // The second instance: same database, same secret, its own mail relay (so the test
    // can tell who sent what).
    let settings = test_settings(&a.db, &[("PORTAL_SMTP_URL", &smtp_b.url())]);
    let b = Application::build(settings, a.clock.clone()).await.expect("the second instance starts");
    let b_handle = b.handle();
    tokio::spawn(b.run_until_stopped());

    // Every recipient has a webhook; erasures of three people make tasks for them.
    let now = a.clock.now();
    let url = url::Url::parse(&receiver.url).unwrap();
    let ids: Vec<_> = a.state.catalog.ids.recipients.values().copied().collect();
    let keys = a.state.keys.clone();
    a.state
        .db
        .transaction(move |c| {
            for id in ids {
                webhooks::configure(c, &keys, id, &url, &Actor::System, now)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    for email in ["demo@example.com", "noor.jansen@example.nl", "fatima.elamrani@example.com"] {
        let person = a.signed_in(email).await;
        let request = file_request(&person, "erasure", &[("scope", "all"), ("statement", "")]).await;
        a.decide(&request, Decision::Approve).await;
    }
    // …and a burst of mail, queued at once.
    let keys = a.state.keys.clone();
    a.state
        .db
        .transaction(move |c| {
            for i in 0..MAILS {
                let to = EmailAddress::parse(&format!("person{i}@scale.example")).unwrap();
                let mail = privacy_portal::email::messages::notice(
                    &to,
                    "Scale",
                    Language::En,
                    format!("Notice {i}"),
                    &["One of many.".to_owned()],
                    None,
                )
                .unwrap();
                outbox_queue::enqueue(c, "email", keys.seal(&serde_json::to_vec(&mail).unwrap()), now, None)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (tasks, webhook_items): (i64, i64) = a
        .state
        .db
        .run(|c| {
            Ok((
                propagation_tasks::table.count().get_result(c)?,
                outbox::table.filter(outbox::kind.eq("webhook")).count().get_result(c)?,
            ))
        })
        .await
        .unwrap();
    assert!(tasks >= 6 && webhook_items == tasks, "{tasks} tasks, {webhook_items} webhooks queued");

    // Wait until the outbox is empty.
    let started = Instant::now();
    loop {
        let (open, _) = a.state.db.run(outbox_queue::backlog).await.unwrap();
        if open == 0 {
            break;
        }
        assert!(started.elapsed() < StdDuration::from_secs(90), "{open} items still queued");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }

    // Every notice exactly once, across both relays; both relays were used.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let (from_a, from_b) = (smtp_a.messages().await, smtp_b.messages().await);
    for m in from_a.iter().chain(&from_b).filter(|m| m.subject.starts_with("Notice ")) {
        *seen.entry(m.subject.clone()).or_default() += 1;
    }
    assert_eq!(seen.len(), MAILS, "none lost");
    assert!(
        seen.values().all(|n| *n == 1),
        "none twice: {:?}",
        seen.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    let count =
        |ms: &[crate::helpers::harness::ReceivedMail]| ms.iter().filter(|m| m.subject.starts_with("Notice ")).count();
    assert!(count(&from_a) > 0 && count(&from_b) > 0, "work shared: {} and {}", count(&from_a), count(&from_b));

    // Every task's webhook exactly once (one message id per task), each booked once.
    let got = receiver.wait_for(tasks as usize, 30).await;
    let mut ids: Vec<&str> = got.iter().map(|g| g.header("webhook-id")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (tasks as usize, tasks as usize), "one delivery per task");
    let workers: Vec<Option<String>> =
        a.state.db.run(|c| Ok(outbox::table.select(outbox::locked_by).distinct().load(c)?)).await.unwrap();
    assert!(workers.iter().flatten().count() >= 2, "both workers claimed items: {workers:?}");
    drop(b_handle.stop(false));
}
