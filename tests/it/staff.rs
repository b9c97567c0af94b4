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

on_both_backends!(
    an_agent_in_chromium_helps_a_caller_who_then_sees_it,
    an_agent_verifies_a_caller_and_acts_for_them_on_the_record,
    a_privacy_officer_decides_extends_and_chases_recipients,
);

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
    let verify = format!("/staff/people/{person_id}/verify");
    // Wrong codes are limited like sign-in codes: after five, even the right one fails.
    let spent = verification_code(&agent, &smtp, &person_id, "demo@example.com").await;
    let wrong = if spent == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(agent.submit(&verify, &verify, &[("code", wrong)]).await.status(), 422);
    }
    assert_eq!(agent.submit(&verify, &verify, &[("code", &spent)]).await.status(), 422, "the code is dead");
    assert_eq!(agent.get("/dashboard").await.status(), 403);
    let code = verification_code(&agent, &smtp, &person_id, "demo@example.com").await;
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

    // A request filed for the person by phone, and their data downloaded to send them.
    let r = agent.submit("/requests/new/access", "/requests/new/access", &[("scope", "all"), ("statement", "")]).await;
    assert_eq!(r.status(), 422, "a reason is required");
    let r = agent
        .submit(
            "/requests/new/access",
            "/requests/new/access",
            &[("scope", "all"), ("statement", ""), ("reason", "Caller wants a copy by post.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let filed: (String, String, Option<i64>) = app
        .state
        .db
        .run(move |c| {
            Ok(rights_requests::table
                .filter(rights_requests::subject_id.eq(demo))
                .select((rights_requests::filed_by, rights_requests::channel, rights_requests::staff_user_id))
                .first(c)?)
        })
        .await
        .unwrap();
    assert_eq!((filed.0.as_str(), filed.1.as_str()), ("staff", "phone"));
    assert!(filed.2.is_some());
    assert_eq!(agent.get("/download/export.json").await.status(), 400, "a download for the caller needs a reason");
    let r = agent.get("/download/export.json?reason=To+send+by+post").await;
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["schema"], "privacy-portal.export.v1");

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
    assert!(rows.iter().any(|r| r.contains("filed a request for you") && r.contains("copy by post")), "{rows:?}");
    assert!(
        rows.iter().any(|r| r.contains("downloaded your data to send to you") && r.contains("To send by post")),
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
    let acting = agent.cookie("portal_session").unwrap();
    let r = agent.submit("/staff", "/staff/assist/stop", &[]).await;
    assert_eq!(r.status(), 303);
    assert_ne!(agent.cookie("portal_session").unwrap(), acting, "the session rotates when acting stops");
    assert_eq!(agent.get("/staff").await.status(), 200, "still signed in as staff");
}

async fn request_status(app: &TestApp, public_id: &str) -> String {
    let id = public_id.to_owned();
    app.state
        .db
        .run(move |c| {
            Ok(rights_requests::table
                .filter(rights_requests::public_id.eq(id))
                .select(rights_requests::status)
                .first::<String>(c)?)
        })
        .await
        .unwrap()
}

async fn a_privacy_officer_decides_extends_and_chases_recipients(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    app.add_staff("anna@support.example", "Anna Agent", StaffRole::Agent).await;
    app.add_staff("pim@privacy.example", "Pim Officer", StaffRole::PrivacyOfficer).await;
    let person = app.signed_in("demo@example.com").await;
    let file = crate::propagation::file_request;
    let erasure = file(&person, "erasure", &[("scope", "claranet-products"), ("statement", "")]).await;
    let rectification = file(
        &person,
        "rectification",
        &[("record", &phone_record(&app).await), ("mode", "correct"), ("proposed_value", "+31 6 0000 0000")],
    )
    .await;
    let restriction = file(
        &person,
        "restriction",
        &[("category_account", "on"), ("scope", "claranet-benelux"), ("statement", "Disputed.")],
    )
    .await;
    smtp.wait_for("demo@example.com", 3).await;

    let (agent, _) = app.staff_signed_in(&smtp, "anna@support.example").await;
    assert_eq!(agent.get("/staff/requests").await.status(), 403, "an agent does not decide");
    assert_eq!(agent.get(&format!("/staff/requests/{erasure}")).await.status(), 403);
    let (officer, officer_app) = app.staff_signed_in(&smtp, "pim@privacy.example").await;
    let (status, queue) = officer.page("/staff/requests").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&queue, "#queue tbody tr").len(), 3);
    let (_, only) = officer.page("/staff/requests?kind=erasure&entity=claranet-products").await;
    assert_eq!(texts(&only, "#queue tbody tr").len(), 1);
    assert_eq!(officer.get("/staff/requests?kind=nonsense").await.status(), 400);

    // Approve in part: one payment record kept, for a named legal reason.
    let (status, page) = officer.page(&format!("/staff/requests/{erasure}")).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&page);
    let keep = doc
        .select(&scraper::Selector::parse("#decide-form input[type=checkbox]").unwrap())
        .map(|i| i.value().attr("name").unwrap().to_owned())
        .next()
        .expect("records to choose from");
    let decide = format!("/staff/requests/{erasure}/decide");
    let page_path = format!("/staff/requests/{erasure}");
    let r =
        officer.submit(&page_path, &decide, &[("decision", "partial"), (keep.as_str(), "on"), ("reason", "")]).await;
    assert_eq!(r.status(), 422, "a partial approval names its reason");
    let r = officer
        .submit(&page_path, &decide, &[("decision", "partial"), ("keep_999999999", "on"), ("reason", "x")])
        .await;
    assert_eq!(r.status(), 422, "only the person's own records");
    assert_eq!(request_status(&app, &erasure).await, "received", "nothing changed");
    let legal = "Kept for the pending fraud investigation (Art. 17(3)(e) GDPR).";
    let r =
        officer.submit(&page_path, &decide, &[("decision", "partial"), (keep.as_str(), "on"), ("reason", legal)]).await;
    assert_eq!(r.status(), 422, "kept until when");
    let r = officer
        .submit(
            &page_path,
            &decide,
            &[("decision", "partial"), (keep.as_str(), "on"), ("reason", legal), ("until", "2027-11-20")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(request_status(&app, &erasure).await, "partially_approved");
    let kept_id: i64 = keep.trim_start_matches("keep_").parse().unwrap();
    let kept = app
        .state
        .db
        .run(move |c| {
            Ok(records::table
                .find(kept_id)
                .select((records::value, records::kept_reason))
                .first::<(String, Option<String>)>(c)?)
        })
        .await
        .unwrap();
    assert!(!kept.0.is_empty() && kept.1.as_deref() == Some(legal), "{kept:?}");
    let person = app.signed_in("demo@example.com").await; // the erasure ended the old session
    let (_, status_page) = person.page(&format!("/requests/{erasure}")).await;
    assert!(status_page.contains(legal), "the person sees the legal reason");
    let r = officer.submit(&page_path, &decide, &[("decision", "approve"), ("reason", "")]).await;
    assert_eq!(r.status(), 409, "decided already");
    assert!(r.text().await.unwrap().contains("decided already"));

    // Reject with reasons: the person is told, with the complaint route.
    let rect_page = format!("/staff/requests/{rectification}");
    let r =
        officer.submit(&rect_page, &format!("{rect_page}/decide"), &[("decision", "reject"), ("reason", " ")]).await;
    assert_eq!(r.status(), 422);
    let r = officer
        .submit(
            &rect_page,
            &format!("{rect_page}/decide"),
            &[("decision", "reject"), ("reason", "The number was confirmed by you on 3 November.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let refused = crate::propagation::mail_with(&smtp, "demo@example.com", "has been refused").await;
    assert!(
        refused.text().contains("confirmed by you on 3 November") && refused.text().contains("supervisory authority")
    );
    let decided_by = {
        let id = rectification.clone();
        app.state
            .db
            .run(move |c| {
                Ok(rights_requests::table
                    .filter(rights_requests::public_id.eq(id))
                    .select(rights_requests::decided_by)
                    .first::<Option<i64>>(c)?)
            })
            .await
            .unwrap()
    };
    assert!(decided_by.is_some(), "who decided is recorded");

    // Extend: 1 or 2 months, with a reason, once, within the first month.
    let rest_page = format!("/staff/requests/{restriction}");
    let extend = format!("{rest_page}/extend");
    for (months, reason, status) in [("3", "Complex.", 422), ("0", "Complex.", 422), ("2", "", 422)] {
        assert_eq!(
            officer.submit(&rest_page, &extend, &[("months", months), ("reason", reason)]).await.status(),
            status,
            "{months} {reason:?}"
        );
    }
    let r = officer
        .submit(&rest_page, &extend, &[("months", "2"), ("reason", "We must consult the telecom partner.")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, extended) = officer.page(&rest_page).await;
    assert_eq!(
        texts(&extended, "#extended").join(""),
        "20 February 2027",
        "received 20 November, due 20 December, +2 months"
    );
    let told = crate::propagation::mail_with(&smtp, "demo@example.com", "need more time").await;
    assert!(told.text().contains("20 February 2027") && told.text().contains("consult the telecom partner"));
    let r = officer.submit(&rest_page, &extend, &[("months", "1"), ("reason", "Again.")]).await;
    assert_eq!(r.status(), 409, "once only");
    // Another request, after its first month: too late.
    let late = file(
        &person,
        "objection",
        &[("purpose_rely-market-research", "on"), ("scope", "claranet-benelux"), ("statement", "No surveys.")],
    )
    .await;
    app.clock.advance(Duration::days(32));
    let officer_late = app.staff_signed_in_again(&smtp, "pim@privacy.example", &officer_app).await;
    let late_page = format!("/staff/requests/{late}");
    let r =
        officer_late.submit(&late_page, &format!("{late_page}/extend"), &[("months", "1"), ("reason", "Busy.")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("The first month has ended"));

    // Chase an overdue recipient: the restriction's task to CloudDesk, after its due date.
    let r = officer_late
        .submit(&rest_page, &format!("{rest_page}/decide"), &[("decision", "approve"), ("reason", "")])
        .await;
    assert_eq!(r.status(), 303);
    app.clock.advance(Duration::days(15));
    let officer_later = app.staff_signed_in_again(&smtp, "pim@privacy.example", &officer_app).await;
    let (_, with_tasks) = officer_later.page(&rest_page).await;
    let doc = scraper::Html::parse_document(&with_tasks);
    let action = doc
        .select(&scraper::Selector::parse("#recipient-tasks form").unwrap())
        .next()
        .expect("an overdue task can be sent again")
        .value()
        .attr("action")
        .unwrap()
        .to_owned();
    let r = officer_later.submit(&rest_page, &action, &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Sent to the recipient again."));
    let started = std::time::Instant::now();
    loop {
        let chased =
            smtp.messages().await.into_iter().filter(|m| m.subject.starts_with("Overdue privacy task")).count();
        if chased == 1 {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the recipient is chased");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Every look at the person's data was on their record.
    let person = app.signed_in("demo@example.com").await;
    let (_, activity) = person.page("/activity").await;
    assert!(
        texts(&activity, "#staff-activity tbody tr")
            .iter()
            .any(|r| r.contains("Pim Officer (privacy officer)") && r.contains(&format!("/staff/requests/{erasure}")))
    );
}

async fn phone_record(app: &TestApp) -> String {
    let demo = crate::propagation::subject_id(app, "demo@example.com").await;
    app.state
        .db
        .run(move |c| {
            Ok(records::table
                .filter(records::subject_id.eq(demo))
                .filter(records::field.eq("phone"))
                .select(records::id)
                .first::<i64>(c)?)
        })
        .await
        .unwrap()
        .to_string()
}

/// The browser test: an agent signs in, finds the demo person, sends the code,
/// enters what the person "reads back", switches SMS off for them; the person gets the
/// notice and sees it on their "who looked at my data" page.
async fn an_agent_in_chromium_helps_a_caller_who_then_sees_it(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    app.add_staff("anna@support.example", "Anna Agent", StaffRole::Agent).await;
    let (base, api, now) = (app.base.clone(), smtp.api.clone(), app.unix_now());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("browser-staff.mjs")
            .arg(&base)
            .arg(&api)
            .arg("anna@support.example")
            .arg("demo@example.com")
            .env("PORTAL_NOW", now.to_string())
            .current_dir(crate::helpers::harness::harness_dir())
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("browser script printed `{stdout}` ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr))
    });
    assert_eq!(result["ok"], true, "{result:#}");
    let steps = &result["steps"];
    assert_eq!(steps["find"]["name"], "Sam de Vries");
    assert_eq!(steps["find"]["email"], "d***@e***.com", "masked before verification");
    assert_eq!(steps["find"]["dashboardBeforeVerification"], 403);
    assert!(steps["verify"]["banner"].as_str().unwrap().starts_with("You are acting for a verified caller until"));
    assert_eq!((steps["act"]["before"].as_str(), steps["act"]["after"].as_str()), (Some("Yes"), Some("No")));
    assert_eq!(steps["stop"]["banner"], 0, "the banner is gone after stopping");
    assert_eq!(result["cspViolations"].as_array().unwrap().len(), 0);
    for (page, violations) in result["axe"].as_object().unwrap() {
        let serious: Vec<&serde_json::Value> = violations
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(serious.is_empty(), "axe on {page}: {serious:?}");
    }
    // The person is told, and sees it.
    let notice = crate::propagation::mail_with(&smtp, "demo@example.com", "What our support team did for you").await;
    assert!(notice.text().contains("Customer called and asked to stop SMS offers."));
    let person = app.signed_in("demo@example.com").await;
    let (_, activity) = person.page("/activity").await;
    let rows = texts(&activity, "#staff-activity tbody tr");
    assert!(
        rows.iter().any(|r| r.contains("Anna Agent")
            && r.contains("changed a marketing choice")
            && r.contains("stop SMS offers")),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.contains("stopped acting for you")), "{rows:?}");
}
