//! Crash safety: several people change preferences and file requests at once; the
//! portal is killed with SIGKILL in the middle of the burst and started again. Every
//! change that was acknowledged (a 303) is there afterwards, and every mail queued with
//! an acknowledged request still goes out. Both backends.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use diesel::prelude::*;
use privacy_portal::db::DbPool;
use privacy_portal::db::queries::outbox;
use privacy_portal::db::schema::*;

use crate::helpers::child_portal::{serve, wait_healthy};
use crate::helpers::harness::{SmtpServer, free_port};
use crate::helpers::test_app::{Browser, test_settings};
use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(acknowledged_changes_survive_a_kill_in_the_middle_of_a_burst);

const PEOPLE: [&str; 4] =
    ["demo@example.com", "noor.jansen@example.nl", "fatima.elamrani@example.com", "pieter.bakker@example.nl"];

/// What the portal acknowledged, per person: preference changes and request ids.
#[derive(Default)]
struct Acknowledged {
    preferences: BTreeMap<&'static str, usize>,
    requests: Vec<(&'static str, String)>,
}

async fn acknowledged_changes_survive_a_kill_in_the_middle_of_a_burst(backend: Backend) {
    let smtp = SmtpServer::start();
    let db = TestDb::new(backend);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    // A mail claimed by the killed worker goes out once its lease ends: 5 s here.
    let mut portal = serve(&db, port, &smtp, &[("PORTAL_OUTBOX__LEASE_SECONDS", "5")]);
    wait_healthy(&base).await;
    let mut people = Vec::new();
    for email in PEOPLE {
        let browser = Browser::new(&base);
        browser.sign_in(&smtp, email).await;
        // The form's CSRF token is read once: the burst is POSTs only.
        let csrf = browser.csrf("/preferences").await;
        people.push((email, browser, csrf));
    }

    // The first change sends "false": where e-mail marketing is already off, that one
    // changes nothing and records no event.
    let pool = DbPool::connect(&test_settings(&db, &[]).database).unwrap();
    let mut already_off: BTreeMap<&'static str, bool> = BTreeMap::new();
    for email in PEOPLE {
        let granted: Option<bool> = pool
            .run(move |c| {
                Ok(marketing_preferences::table
                    .inner_join(
                        subject_emails::table.on(subject_emails::subject_id.eq(marketing_preferences::subject_id)),
                    )
                    .inner_join(entities::table.on(entities::id.eq(marketing_preferences::entity_id)))
                    .inner_join(
                        marketing_channels::table.on(marketing_channels::id.eq(marketing_preferences::channel_id)),
                    )
                    .filter(subject_emails::address.eq(email))
                    .filter(entities::key.eq("claranet-benelux"))
                    .filter(marketing_channels::key.eq("email"))
                    .select(marketing_preferences::granted)
                    .first(c)
                    .optional()?)
            })
            .await
            .unwrap();
        already_off.insert(email, granted == Some(false));
    }

    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let mut clients = Vec::new();
    for (email, browser, csrf) in people {
        let acknowledged = acknowledged.clone();
        clients.push(tokio::spawn(async move {
            // One request per person (the portal allows one open request of a kind per
            // organisation), then preference changes until the portal dies.
            let r = browser
                .client
                .post(browser.url("/requests/new/access"))
                .form(&[("csrf", csrf.as_str()), ("scope", "all"), ("statement", "")])
                .send()
                .await;
            match r {
                Ok(r) if r.status() == 303 => {
                    let id = r.headers()["location"].to_str().unwrap().trim_start_matches("/requests/").to_owned();
                    acknowledged.lock().unwrap().requests.push((email, id));
                }
                Ok(r) => panic!("{email}: request answered {}", r.status()),
                Err(_) => return,
            }
            for i in 0.. {
                let granted = if i % 2 == 0 { "false" } else { "true" };
                let r = browser
                    .client
                    .post(browser.url("/preferences"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("entity", "claranet-benelux"),
                        ("channel", "email"),
                        ("granted", granted),
                    ])
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 303 => {
                        *acknowledged.lock().unwrap().preferences.entry(email).or_default() += 1
                    }
                    Ok(r) => panic!("{email}: preference change answered {}", r.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    // Mid-burst: SIGKILL, no shutdown.
    let started = Instant::now();
    while acknowledged.lock().unwrap().preferences.values().sum::<usize>() < 120 {
        assert!(started.elapsed() < StdDuration::from_secs(60), "the burst is acknowledged");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    portal.kill_hard();
    for c in clients {
        c.await.unwrap();
    }
    let acknowledged = Arc::try_unwrap(acknowledged).ok().unwrap().into_inner().unwrap();
    assert!(acknowledged.preferences.len() == PEOPLE.len(), "every client got through: {:?}", acknowledged.preferences);
    assert_eq!(acknowledged.requests.len(), PEOPLE.len());

    // Restart; what was acknowledged is there.
    let _portal = serve(&db, port, &smtp, &[("PORTAL_OUTBOX__LEASE_SECONDS", "5")]);
    wait_healthy(&base).await;
    for (email, count) in &acknowledged.preferences {
        let changes = *count - usize::from(already_off[email]);
        let address = (*email).to_owned();
        let events: i64 = pool
            .run(move |c| {
                Ok(consent_events::table
                    .inner_join(subject_emails::table.on(subject_emails::subject_id.eq(consent_events::subject_id)))
                    .filter(subject_emails::address.eq(address))
                    .filter(consent_events::method.eq("web"))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        assert!(events >= changes as i64, "{email}: {changes} acknowledged preference changes, {events} recorded");
    }
    let ids: Vec<String> = acknowledged.requests.iter().map(|(_, id)| id.clone()).collect();
    let wanted = ids.clone();
    let stored: i64 = pool
        .run(move |c| {
            Ok(rights_requests::table.filter(rights_requests::public_id.eq_any(wanted)).count().get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(stored, ids.len() as i64, "every acknowledged request survived");

    // Every mail queued with them goes out after the restart.
    let started = Instant::now();
    loop {
        let (open, _) = pool.run(outbox::backlog).await.unwrap();
        if open == 0 {
            break;
        }
        assert!(started.elapsed() < StdDuration::from_secs(60), "{open} outbox items still waiting");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let subjects: Vec<String> = smtp.messages().await.into_iter().map(|m| m.subject).collect();
    for (email, id) in &acknowledged.requests {
        let reference = privacy_portal::domain::rights::reference(id);
        assert!(subjects.iter().any(|s| s.contains(&reference)), "{email}: the mail for {reference} went out");
    }
}
