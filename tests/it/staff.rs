//! The staff console over HTTP, on both backends: signing in (code plus authenticator
//! app), finding a caller with only masked details, verifying them with a code sent to
//! their registered address, acting for them with a reason that they are told, the
//! person's "who looked at my data" page, and the assisted session's end.

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use privacy_portal::domain::staff::StaffRole;
use time::Duration;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::Browser;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::propagation::texts;

on_both_backends!(an_agent_verifies_a_caller_and_acts_for_them_on_the_record);

/// Sends the verification code for the person with `person_id` and returns the code
/// from the mail the person received.
pub async fn verification_code(agent: &Browser, smtp: &SmtpServer, person_id: &str, to: &str) -> String {
    let before = smtp.messages_to(to).await.len();
    let r = agent.submit("/staff", &format!("/staff/people/{person_id}/verify/send"), &[]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let mail = smtp.wait_for(to, before + 1).await;
    assert!(mail.subject.contains("verification code for our support team"), "{}", mail.subject);
    mail.code()
}

/// The public id of the person the agent's search for `query` finds first.
pub async fn find(agent: &Browser, query: &str) -> (String, Vec<String>) {
    let (status, page) = agent
        .page(&format!("/staff?q={}", url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()))
        .await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&page);
    let row = doc.select(&scraper::Selector::parse("#search-results tbody tr").unwrap()).next().expect("a hit");
    let id = row.value().attr("data-person").unwrap().to_owned();
    (id, texts(&page, "#search-results tbody tr td"))
}

async fn an_agent_verifies_a_caller_and_acts_for_them_on_the_record(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    app.add_staff("anna@support.example", "Anna Agent", StaffRole::Agent).await;
    let (agent, _) = app.staff_signed_in(&smtp, "anna@support.example").await;

    // Before verification: enough to pick the person, nothing more.
    let (person_id, cells) = find(&agent, "demo@example.com").await;
    assert_eq!(cells[0], "Sam de Vries");
    assert_eq!(cells[1], "d***@e***.com");
    assert!(cells[2].contains("Claranet Benelux B.V.") && cells[2].contains("Claranet Products B.V."));
    assert_eq!(find(&agent, "RLY-100234").await.0, person_id, "by customer reference");
    assert_eq!(find(&agent, "de vries").await.0, person_id, "by part of the name");
    let (status, short) = agent.page("/staff?q=sa").await;
    assert_eq!(status, 422);
    assert!(short.contains("at least 3 characters"));
    assert_eq!(agent.get("/dashboard").await.status(), 403, "no data before the caller is verified");

    // The caller reads back the code sent to their registered address.
    let code = verification_code(&agent, &smtp, &person_id, "demo@example.com").await;
    let verify = format!("/staff/people/{person_id}/verify");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = agent.submit(&verify, &verify, &[("code", wrong)]).await;
    assert_eq!(r.status(), 422);
    let before_rotation = agent.cookie("portal_session").unwrap();
    let r = agent.submit(&verify, &verify, &[("code", &code)]).await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/dashboard"));
    assert_ne!(agent.cookie("portal_session").unwrap(), before_rotation, "the session rotates when acting starts");
    let (status, dashboard) = agent.page("/dashboard").await;
    assert_eq!(status, 200);
    assert!(dashboard.contains("Sam de Vries") && dashboard.contains("assist-banner"));
    assert_eq!(agent.get("/account").await.status(), 303, "the person's account is theirs alone");

    // A change needs a reason; with one it is made as "support", and the person is told.
    let change = |reason: &'static str| {
        let agent = &agent;
        async move {
            agent
                .submit(
                    "/preferences",
                    "/preferences",
                    &[("entity", "claranet-benelux"), ("channel", "sms"), ("granted", "false"), ("reason", reason)],
                )
                .await
        }
    };
    let r = change("  ").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Give the reason"));
    let mails_before = smtp.messages_to("demo@example.com").await.len();
    assert_eq!(change("Caller asked by phone to stop SMS offers.").await.status(), 303);
    let notice = smtp.wait_for("demo@example.com", mails_before + 1).await;
    assert_eq!(notice.subject, "What our support team did for you");
    assert!(
        notice.text().contains("Anna Agent")
            && notice.text().contains("turned SMS marketing by Claranet Benelux B.V. off")
    );
    assert!(notice.text().contains("Caller asked by phone to stop SMS offers."));
    let demo = crate::propagation::subject_id(&app, "demo@example.com").await;
    let events: Vec<(String, String, Option<String>)> = app
        .state
        .db
        .run(move |c| {
            Ok(consent_events::table
                .filter(consent_events::subject_id.eq(demo))
                .filter(consent_events::method.eq("support"))
                .select((consent_events::method, consent_events::actor_kind, consent_events::actor_id))
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1, "staff");
    assert!(events[0].2.is_some(), "the staff member is named");

    // The person sees who looked and what they did, with the reason.
    let person = app.signed_in("demo@example.com").await;
    let (status, activity) = person.page("/activity").await;
    assert_eq!(status, 200);
    let rows = texts(&activity, "#staff-activity tbody tr");
    assert!(
        rows.iter().any(|r| r.contains("Anna Agent (support agent)") && r.contains("verified it was you")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.contains("looked at: /dashboard")), "{rows:?}");
    assert!(
        rows.iter().any(|r| r.contains("changed a marketing choice") && r.contains("Caller asked by phone")),
        "{rows:?}"
    );
    assert_eq!(agent.get("/activity").await.status(), 303, "who-looked is for the person only");

    // After the assisted session: a clear refusal, nothing changed.
    app.clock.advance(Duration::minutes(16));
    let r = agent
        .submit(
            "/staff",
            "/preferences",
            &[("entity", "claranet-benelux"), ("channel", "email"), ("granted", "false"), ("reason", "late")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("The assisted session has ended"));
    let email_changes = app
        .state
        .db
        .run(move |c| {
            Ok(consent_events::table
                .filter(consent_events::subject_id.eq(demo))
                .filter(consent_events::method.eq("support"))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(email_changes, 1, "nothing changed after the end");
    assert_eq!(agent.get("/dashboard").await.status(), 403);
    let r = agent.submit("/staff", "/staff/assist/stop", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(agent.get("/staff").await.status(), 200, "still signed in as staff");
}
