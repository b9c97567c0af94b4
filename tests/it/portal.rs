//! The subject portal over HTTP, on both backends: data by entity, recipients,
//! marketing preferences with their history, Global Privacy Control and the signed
//! consent receipt, every kind of rights request with its legal-basis rules, the
//! download, and every boundary between one person's data and another's.

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use privacy_portal::domain::rights::RequestStatus;
use scraper::{Html, Selector};
use time::Duration;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::Browser;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    dashboard_shows_each_entity_with_categories_purposes_and_recipients,
    entities_without_data_are_left_out_and_long_logs_are_summarised,
    recipients_page_names_kind_country_and_safeguard,
    preference_changes_are_events_with_history_and_reach_marketing_recipients,
    preferences_refuse_undeclared_channels_and_change_nothing,
    global_privacy_control_opts_out_of_sharing_channels,
    consent_receipt_is_signed_and_verifiable,
    access_portability_and_erasure_requests,
    rectification_requests_and_their_bad_input,
    objection_withdrawal_restriction_and_review_follow_the_legal_basis,
    rights_not_allowed_by_the_legal_basis_are_explained_not_offered,
    duplicate_open_requests_are_refused_with_409,
    access_and_erasure_scopes_follow_relationships_and_records,
    download_json_and_csv_hold_everything_and_need_a_fresh_sign_in,
    nobody_reaches_another_persons_data_by_changing_ids,
);

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(css).unwrap())
        .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

async fn subject_id(app: &TestApp, email: &'static str) -> i64 {
    app.state
        .db
        .run(move |c| {
            Ok(subject_emails::table
                .filter(subject_emails::address.eq(email))
                .select(subject_emails::subject_id)
                .first::<i64>(c)?)
        })
        .await
        .unwrap()
}

async fn dashboard_shows_each_entity_with_categories_purposes_and_recipients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    let (status, page) = browser.page("/dashboard").await;
    assert_eq!(status, 200);
    let entities = texts(&page, "section.entity-data > h2");
    assert_eq!(entities, ["Claranet Benelux B.V. (Rely)", "Claranet Products B.V."]);
    let rely = texts(&page, "#entity-claranet-benelux").join(" ");
    for needle in [
        "Customer contact",
        "RLY-100234",
        "Contact data",
        "Usage",
        "Billing",
        "demo@example.com",
        "provided by you",
        "observed when you used our services",
        "received from: NetVerbind Telecom B.V.",
        "Legal basis: performance of a contract",
        "Legal basis: legitimate interest —",
        "Who received it",
        "Factuurlink B.V.",
        "data protection officer",
        "Autoriteit Persoonsgegevens",
    ] {
        assert!(rely.contains(needle), "Rely section lacks `{needle}`");
    }
    // A retention period with an end date that follows from the data.
    assert!(
        texts(&page, ".purposes li").iter().any(|p| p.contains("(until ") && p.contains("20")),
        "an end date is shown"
    );
    // The same page in Dutch.
    let nl = app.signed_in("demo@example.com").await;
    nl.jar.add_cookie_str("lang=nl; Path=/", &app.base.parse().unwrap());
    let (_, page) = nl.page("/dashboard").await;
    assert!(
        page.contains("Waarom wij dit hebben")
            && page.contains("uitvoering van een overeenkomst")
            && page.contains("maart 2021")
    );
}

async fn entities_without_data_are_left_out_and_long_logs_are_summarised(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let visitor = app.signed_in("visitor@example.org").await;
    let (_, page) = visitor.page("/dashboard").await;
    assert_eq!(
        texts(&page, "section.entity-data > h2"),
        ["Claranet Benelux B.V. (Rely)"],
        "no empty boxes for other entities"
    );

    let demo = app.signed_in("demo@example.com").await;
    let (_, page) = demo.page("/dashboard").await;
    let usage = texts(&page, "#claranet-benelux-usage").join(" ");
    assert!(usage.contains("more values") && usage.contains("see all"), "a long usage log is summarised: {usage}");
    let shown = Html::parse_document(&page)
        .select(&Selector::parse("#claranet-benelux-usage tbody tr:not(.more)").unwrap())
        .count();
    let (status, all) = demo.page("/data/claranet-benelux/usage").await;
    assert_eq!(status, 200);
    let rows = Html::parse_document(&all).select(&Selector::parse("table.records tbody tr").unwrap()).count();
    assert!(rows > shown && rows >= 24, "the full log has {rows} rows, the summary {shown}");
    assert_eq!(demo.get("/data/claranet-benelux/no-such-category").await.status(), 404);
}

async fn recipients_page_names_kind_country_and_safeguard(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    let (_, page) = browser.page("/recipients").await;
    let crm = texts(&page, "#recipient-crm-cloud").join(" ");
    assert!(
        crm.contains("Processor")
            && crm.contains("US")
            && crm.contains("Outside the EEA")
            && crm.contains("standard contractual clauses"),
        "{crm}"
    );
    let linkedin = texts(&page, "#recipient-linkedin").join(" ");
    assert!(linkedin.contains("Independent third party") && !linkedin.contains("Outside the EEA"), "{linkedin}");
    let tax = texts(&page, "#recipient-belastingdienst").join(" ");
    assert!(tax.contains("Public authority") && tax.contains("Billing"), "{tax}");
    assert!(page.contains("NetVerbind Telecom B.V. → Claranet Benelux B.V."), "sources are named too");
}

fn grid_state(page: &str, entity: &str, channel: &str) -> String {
    texts(page, &format!("#pref-{entity}-{channel} td.state")).join("")
}

async fn change(browser: &Browser, entity: &str, channel: &str, granted: bool) -> reqwest::Response {
    browser
        .submit(
            "/preferences",
            "/preferences",
            &[("entity", entity), ("channel", channel), ("granted", if granted { "true" } else { "false" })],
        )
        .await
}

async fn preference_changes_are_events_with_history_and_reach_marketing_recipients(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    let (_, page) = browser.page("/preferences").await;
    assert_eq!(grid_state(&page, "claranet-benelux", "sms"), "Yes");
    let events_before = app.state.db.run(|c| Ok(consent_events::table.count().get_result::<i64>(c)?)).await.unwrap();

    let r = change(&browser, "claranet-benelux", "sms", false).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/preferences#entity-claranet-benelux");
    let (_, page) = browser.page("/preferences").await;
    assert_eq!(grid_state(&page, "claranet-benelux", "sms"), "No");
    let first = texts(&page, "table.history tbody tr").into_iter().next().unwrap();
    assert!(first.contains("SMS") && first.contains("withdrawn") && first.contains("by you, in the portal"), "{first}");

    // The same change again is no change: no second event.
    change(&browser, "claranet-benelux", "sms", false).await;
    let events = app.state.db.run(|c| Ok(consent_events::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(events, events_before + 1);

    // A cell's first choice sent eight times at once (two tabs, a double click): every
    // one answered, one row, one event (on PostgreSQL the later inserts met the first
    // one's unique key and were answered 500).
    let demo = subject_id(&app, "demo@example.com").await;
    let phone: i64 = app
        .state
        .db
        .run(|c| {
            Ok(marketing_channels::table
                .filter(marketing_channels::key.eq("phone"))
                .select(marketing_channels::id)
                .first(c)?)
        })
        .await
        .unwrap();
    let phone_rows = move || {
        marketing_preferences::table
            .filter(marketing_preferences::subject_id.eq(demo))
            .filter(marketing_preferences::channel_id.eq(phone))
    };
    let csrf = browser.csrf("/preferences").await;
    let fields = [("csrf", csrf.as_str()), ("entity", "claranet-benelux"), ("channel", "phone"), ("granted", "false")];
    // Five rounds: the inserts must meet for the race to show.
    for round in 0..5 {
        let removed = app.state.db.transaction(move |c| Ok(diesel::delete(phone_rows()).execute(c)?)).await.unwrap();
        assert!(removed > 0, "round {round}: a phone preference to start from");
        let events_before =
            app.state.db.run(|c| Ok(consent_events::table.count().get_result::<i64>(c)?)).await.unwrap();
        let at_once = (0..8).map(|_| browser.post("/preferences", &fields));
        let statuses: Vec<u16> =
            futures_util::future::join_all(at_once).await.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(statuses, [303; 8], "round {round}");
        let (rows, events) = app
            .state
            .db
            .run(move |c| {
                Ok((phone_rows().count().get_result::<i64>(c)?, consent_events::table.count().get_result::<i64>(c)?))
            })
            .await
            .unwrap();
        assert_eq!((rows, events), (1, events_before + 1), "round {round}: one row, one event for the eight");
    }

    // Withdrawing e-mail for Rely reaches the mailing house that markets for Rely by e-mail.
    change(&browser, "claranet-benelux", "email", false).await;
    let tasks = app
        .state
        .db
        .run(|c| {
            Ok(propagation_tasks::table
                .inner_join(recipients::table)
                .select((
                    recipients::key,
                    propagation_tasks::action,
                    propagation_tasks::payload,
                    propagation_tasks::consent_event_id,
                ))
                .load::<(String, String, String, Option<i64>)>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let (recipient, action, payload, event) = &tasks[0];
    assert_eq!((recipient.as_str(), action.as_str()), ("mailing-house", "stop_marketing"));
    assert!(event.is_some());
    let payload: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(payload["channel"], "email");
    assert_eq!(payload["identifiers"]["customer_number"], "RLY-100234");
    assert_eq!(payload["identifiers"]["email"], "demo@example.com");
    assert!(
        payload.get("name").is_none() && payload.as_object().unwrap().len() == 4,
        "the minimum, nothing more: {payload}"
    );
    let (_, page) = browser.page("/preferences").await;
    assert!(page.contains("Told to stop: Mailhuis Brabant B.V.: waiting for confirmation"));

    // Giving consent back is one action too, and recorded.
    change(&browser, "claranet-benelux", "sms", true).await;
    let (_, page) = browser.page("/preferences").await;
    assert_eq!(grid_state(&page, "claranet-benelux", "sms"), "Yes");
    assert!(texts(&page, "table.history tbody tr").first().unwrap().contains("given"));
}

async fn preferences_refuse_undeclared_channels_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    let before = app.state.db.run(|c| Ok(consent_events::table.count().get_result::<i64>(c)?)).await.unwrap();
    for (entity, channel, granted) in [
        ("claranet-products", "sms", "true"),
        ("claranet-benelux", "carrier-pigeon", "false"),
        ("no-such-entity", "email", "false"),
        ("claranet-benelux", "email", "maybe"),
    ] {
        let r = browser
            .submit("/preferences", "/preferences", &[("entity", entity), ("channel", channel), ("granted", granted)])
            .await;
        assert_eq!(r.status(), 422, "{entity}/{channel}/{granted}");
        assert!(r.text().await.unwrap().contains("nothing to change"));
    }
    let after = app.state.db.run(|c| Ok(consent_events::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(before, after);
}

async fn global_privacy_control_opts_out_of_sharing_channels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    let r = browser.client.get(browser.url("/preferences")).header("Sec-GPC", "1").send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("Global Privacy Control") && page.contains("We applied it"));
    assert_eq!(grid_state(&page, "claranet-benelux", "online-advertising"), "No");
    assert_eq!(grid_state(&page, "claranet-products", "online-advertising"), "No");
    assert_eq!(grid_state(&page, "claranet-benelux", "email"), "Yes", "not a marketing opt-out for other channels");
    let gpc_events = app
        .state
        .db
        .run(|c| Ok(consent_events::table.filter(consent_events::method.eq("gpc")).count().get_result::<i64>(c)?))
        .await
        .unwrap();
    assert_eq!(gpc_events, 2);
    assert!(texts(&page, "table.history tbody tr").first().unwrap().contains("privacy signal"));
    // Only the value "1" counts, and a second visit changes nothing more.
    browser.client.get(browser.url("/preferences")).header("Sec-GPC", "1").send().await.unwrap();
    let other = app.signed_in("fatima.elamrani@example.com").await;
    other.client.get(other.url("/dashboard")).header("Sec-GPC", "0").send().await.unwrap();
    let gpc_events = app
        .state
        .db
        .run(|c| Ok(consent_events::table.filter(consent_events::method.eq("gpc")).count().get_result::<i64>(c)?))
        .await
        .unwrap();
    assert_eq!(gpc_events, 2);
}

async fn consent_receipt_is_signed_and_verifiable(backend: Backend) {
    use base64::Engine;
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    let r = browser.get("/consent-receipt").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let doc: serde_json::Value = r.json().await.unwrap();
    let receipt = &doc["consentReceipt"];
    assert_eq!(receipt["version"], "KI-CR-v1.1.0");
    assert_eq!(receipt["piiPrincipalId"], "demo@example.com");
    for field in [
        "jurisdiction",
        "consentTimestamp",
        "collectionMethod",
        "consentReceiptID",
        "publicKey",
        "language",
        "piiControllers",
        "policyUrl",
        "services",
        "sensitive",
        "spiCat",
    ] {
        assert!(receipt.get(field).is_some(), "Kantara field {field}");
    }
    let services = receipt["services"].as_array().unwrap();
    assert_eq!(services.len(), 2);
    let rely: Vec<String> =
        services[0]["purposes"].as_array().unwrap().iter().map(|p| p["purpose"].as_str().unwrap().to_owned()).collect();
    assert!(
        rely.iter().any(|p| p.ends_with("E-mail")) && !rely.iter().any(|p| p.ends_with("Phone")),
        "granted channels only: {rely:?}"
    );
    // The signature verifies with the published key, and covers the receipt exactly.
    let jwk: serde_json::Value = app.browser().get("/consent-receipts/key").await.json().await.unwrap();
    assert_eq!(jwk, doc["verificationKey"]);
    let key: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(privacy_portal::receipts::verify(doc["jws"].as_str().unwrap(), &key).as_ref(), Some(receipt));
}

/// Files a request; returns the response.
async fn file(browser: &Browser, kind: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.submit(&format!("/requests/new/{kind}"), &format!("/requests/new/{kind}"), fields).await
}

/// Files a request that must be accepted; returns its status page.
async fn file_ok(browser: &Browser, kind: &str, fields: &[(&str, &str)]) -> String {
    let r = file(browser, kind, fields).await;
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    assert_eq!(status, 303, "{kind}: {}", r.text().await.unwrap_or_default());
    let location = location.unwrap();
    assert!(location.starts_with("/requests/"));
    let (status, page) = browser.page(&location).await;
    assert_eq!(status, 200);
    page
}

async fn access_portability_and_erasure_requests(backend: Backend) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &url)]).await;
    let browser = app.signed_in("demo@example.com").await;
    let page = file_ok(&browser, "access", &[("scope", "all"), ("statement", "")]).await;
    let reference = texts(&page, "#reference").join("");
    assert!(reference.starts_with("REQ-") && reference.len() == 12, "{reference}");
    assert_eq!(texts(&page, "#due").join(""), "20 December 2026", "one month after receipt (clock: 20 November)");
    assert_eq!(texts(&page, "#status").join(""), "received");
    let mail = smtp.wait_for("demo@example.com", 1).await;
    assert!(mail.subject.contains(&reference), "{}", mail.subject);
    assert!(mail.text().contains("20 December 2026") && mail.text().contains("/requests/"));

    file_ok(
        &browser,
        "portability",
        &[("scope", "claranet-products"), ("statement", "Please send it to my new provider.")],
    )
    .await;

    // Erasure needs a sign-in of the last 10 minutes.
    app.clock.advance(Duration::minutes(11));
    let r = file(&browser, "erasure", &[("scope", "claranet-benelux")]).await;
    assert_eq!(r.headers()["location"], "/sign-in?reauth=1&next=%2Frequests%2Fnew%2Ferasure");
    let fresh = app.signed_in("demo@example.com").await;
    let page = file_ok(&fresh, "erasure", &[("scope", "claranet-benelux"), ("statement", "")]).await;
    assert!(page.contains("Erase your data") && page.contains("Claranet Benelux B.V."));
    let (_, list) = fresh.page("/requests").await;
    assert_eq!(texts(&list, "table.requests tbody tr").len(), 3);
    smtp.wait_for("demo@example.com", 3).await;
}

async fn rectification_requests_and_their_bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let demo = subject_id(&app, "demo@example.com").await;
    let noor = subject_id(&app, "noor.jansen@example.nl").await;
    let (own, foreign) = app
        .state
        .db
        .run(move |c| {
            let own: i64 = records::table
                .filter(records::subject_id.eq(demo))
                .filter(records::field.eq("phone"))
                .select(records::id)
                .first(c)?;
            let foreign: i64 = records::table.filter(records::subject_id.eq(noor)).select(records::id).first(c)?;
            Ok((own, foreign))
        })
        .await
        .unwrap();
    let browser = app.signed_in("demo@example.com").await;
    let (own, foreign) = (own.to_string(), foreign.to_string());
    let long = "9".repeat(4001);
    for (fields, status, message) in [
        (
            vec![("record", own.as_str()), ("mode", "correct"), ("proposed_value", "   ")],
            422,
            "Enter the correct value.",
        ),
        (
            vec![("record", own.as_str()), ("mode", "correct"), ("proposed_value", long.as_str())],
            422,
            "at most 4000 characters",
        ),
        (
            vec![("record", own.as_str()), ("mode", "correct"), ("proposed_value", "+31 6 1234 5678")],
            422,
            "already hold",
        ),
        (
            vec![("record", foreign.as_str()), ("mode", "correct"), ("proposed_value", "x")],
            422,
            "Choose one of your values",
        ),
        (vec![("record", "999999999"), ("mode", "correct"), ("proposed_value", "x")], 422, "Choose one of your values"),
        (vec![("record", "abc"), ("mode", "correct"), ("proposed_value", "x")], 422, "Choose one of your values"),
        (vec![("record", own.as_str()), ("mode", "statement"), ("statement", "")], 422, "add an explanation"),
    ] {
        let r = file(&browser, "rectification", &fields).await;
        assert_eq!(r.status(), status, "{fields:?}");
        assert!(r.text().await.unwrap().contains(message), "{fields:?}: {message}");
    }
    let count = app.state.db.run(|c| Ok(rights_requests::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(count, 0, "nothing was filed");

    let page = file_ok(
        &browser,
        "rectification",
        &[("record", &own), ("mode", "correct"), ("proposed_value", "+31 6 8765 4321")],
    )
    .await;
    assert!(page.contains("+31 6 1234 5678 → +31 6 8765 4321"), "the status page names the correction");
    let items = app
        .state
        .db
        .run(|c| {
            Ok(rights_request_items::table
                .select((rights_request_items::record_id, rights_request_items::proposed_value))
                .load::<(Option<i64>, Option<String>)>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(items, vec![(Some(own.parse().unwrap()), Some("+31 6 8765 4321".to_owned()))]);
}

async fn objection_withdrawal_restriction_and_review_follow_the_legal_basis(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    // Offered purposes: legitimate interest and direct marketing only.
    let (_, form) = browser.page("/requests/new/objection").await;
    assert!(form.contains("purpose_rely-market-research"), "a legitimate-interest purpose is offered");
    assert!(!form.contains("purpose_rely-services\""), "a contract purpose is not");
    let r = file(&browser, "objection", &[("purpose_rely-services", "on")]).await;
    assert_eq!(r.status(), 422, "objecting to a contract purpose is refused");

    // An objection to direct marketing takes effect at once: every channel of Rely off,
    // and the recipients doing that marketing are told (the request stays open until
    // they answer).
    let page = file_ok(&browser, "objection", &[("purpose_rely-marketing-consent", "on"), ("scope", "all")]).await;
    assert_eq!(texts(&page, "#status").join(""), "approved, being carried out");
    assert!(page.contains("Mailhuis Brabant B.V.") && page.contains("stop marketing"), "the recipients are listed");
    let (_, prefs) = browser.page("/preferences").await;
    for channel in ["email", "post", "in-app", "online-advertising"] {
        assert_eq!(grid_state(&prefs, "claranet-benelux", channel), "No", "{channel}");
    }
    assert_eq!(grid_state(&prefs, "claranet-products", "email"), "Yes", "only the entity objected to");
    let tasks = app
        .state
        .db
        .run(|c| {
            Ok(propagation_tasks::table
                .filter(propagation_tasks::action.eq("stop_marketing"))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert!(tasks >= 2, "mailing house (post, e-mail) and ad network were told: {tasks}");

    // An objection to a legitimate interest waits for a decision.
    let page = file_ok(
        &browser,
        "objection",
        &[("purpose_rely-market-research", "on"), ("scope", "claranet-benelux"), ("statement", "No surveys please.")],
    )
    .await;
    assert_eq!(texts(&page, "#status").join(""), "received");

    // Withdrawal of consent to a purpose: at once, recorded as a consent event.
    let page =
        file_ok(&browser, "withdrawal", &[("purpose_rely-consent-records", "on"), ("scope", "claranet-products")])
            .await;
    assert_eq!(texts(&page, "#status").join(""), "done");
    let purpose_events = app
        .state
        .db
        .run(|c| {
            Ok(consent_events::table.filter(consent_events::purpose_id.is_not_null()).count().get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(purpose_events, 1);

    // Restriction needs a reason.
    let r = file(&browser, "restriction", &[("category_contact", "on"), ("scope", "claranet-benelux")]).await;
    assert_eq!(r.status(), 422);
    file_ok(
        &browser,
        "restriction",
        &[("category_contact", "on"), ("scope", "claranet-benelux"), ("statement", "My address is disputed.")],
    )
    .await;

    // Review of an automated decision: demo's data is profiled (Annex 2a); a view is required.
    let (_, form) = browser.page("/requests/new/automated_decision_review").await;
    let doc = Html::parse_document(&form);
    let purpose = doc
        .select(&Selector::parse("input[name^=purpose_]").unwrap())
        .next()
        .expect("an automated purpose")
        .value()
        .attr("name")
        .unwrap()
        .to_owned();
    assert_eq!(file(&browser, "automated_decision_review", &[(&purpose, "on")]).await.status(), 422);
    file_ok(
        &browser,
        "automated_decision_review",
        &[(&purpose, "on"), ("statement", "I disagree with the segment I was put in.")],
    )
    .await;
}

/// A page visit at Claranet Benelux B.V., kept for a legitimate-interest purpose.
fn usage_log_record() -> privacy_portal::domain::person::NewRecord {
    use privacy_portal::domain::catalog::Key;
    privacy_portal::domain::person::NewRecord {
        entity: Key::parse("claranet-benelux").unwrap(),
        category: Key::parse("usage").unwrap(),
        field: "page-visited".into(),
        value: "/diensten".into(),
        source: privacy_portal::domain::person::RecordSource::Observed,
        source_party: None,
        collected_at: time::macros::datetime!(2026-01-01 10:00 UTC),
        purposes: vec![Key::parse("rely-service-improvement").unwrap()],
    }
}

async fn rights_not_allowed_by_the_legal_basis_are_explained_not_offered(backend: Backend) {
    use privacy_portal::clock::Clock;
    use privacy_portal::db::queries::people;
    use privacy_portal::domain::catalog::Key;
    use privacy_portal::domain::person::*;
    let app = TestApp::spawn(backend).await;
    // Someone whose only data is a usage log kept on legitimate interest.
    let person = NewPerson {
        email: privacy_portal::domain::EmailAddress::parse("only-li@example.com").unwrap(),
        name: "Lee Interest".into(),
        language: privacy_portal::domain::Language::En,
        relationships: vec![NewRelationship {
            entity: Key::parse("claranet-benelux").unwrap(),
            role: Role::WebsiteVisitor,
            reference: None,
            since: time::macros::date!(2025 - 01 - 01),
        }],
        records: vec![usage_log_record()],
        disclosures: vec![],
        preferences: vec![],
    };
    let stored = app.state.catalog.clone();
    let now = app.clock.now();
    let purpose_basis = stored.catalog.purpose(&Key::parse("rely-service-improvement").unwrap()).map(|p| p.legal_basis);
    assert_eq!(
        purpose_basis,
        Some(privacy_portal::domain::catalog::LegalBasis::LegitimateInterest),
        "fixture: a legitimate-interest purpose"
    );
    app.state.db.transaction(move |c| people::insert_person(c, &person, &stored, now)).await.unwrap();

    let browser = app.signed_in("only-li@example.com").await;
    let (_, page) = browser.page("/requests").await;
    assert!(page.contains("none of your data is processed on those bases"), "portability explained");
    assert!(page.contains("no consent to withdraw"), "withdrawal explained");
    assert!(!page.contains("href=\"/requests/new/portability\""));
    assert!(page.contains("href=\"/requests/new/objection\""), "objection is offered on legitimate interest");
    let r = file(&browser, "portability", &[("scope", "all")]).await;
    assert_eq!(r.status(), 422, "and refused if posted anyway");
    assert_eq!(browser.get("/requests/new/withdrawal").await.status(), 422);
}

/// Access and erasure are checked without reading the records themselves: an
/// organisation is in scope when it has a relationship with the person or holds a
/// record about them, and someone of whom nothing is held is told so.
async fn access_and_erasure_scopes_follow_relationships_and_records(backend: Backend) {
    use privacy_portal::clock::Clock;
    use privacy_portal::db::queries::people;
    use privacy_portal::domain::person::*;
    let app = TestApp::spawn(backend).await;
    let person = |email: &str, records: Vec<NewRecord>| NewPerson {
        email: privacy_portal::domain::EmailAddress::parse(email).unwrap(),
        name: "Rita Records".into(),
        language: privacy_portal::domain::Language::En,
        relationships: vec![],
        records,
        disclosures: vec![],
        preferences: vec![],
    };
    // A record at Claranet Benelux B.V., and no relationship with any organisation.
    let records_only = person("records-only@example.com", vec![usage_log_record()]);
    let nothing = person("nothing-held@example.com", vec![]);
    let stored = app.state.catalog.clone();
    let now = app.clock.now();
    app.state
        .db
        .transaction(move |c| {
            people::insert_person(c, &records_only, &stored, now)?;
            people::insert_person(c, &nothing, &stored, now)
        })
        .await
        .unwrap();

    let browser = app.signed_in("records-only@example.com").await;
    for kind in ["access", "erasure"] {
        let r = file(&browser, kind, &[("scope", "claranet-products")]).await;
        assert_eq!(r.status(), 422, "{kind}: nothing is held at Claranet Products");
        let body = r.text().await.unwrap();
        assert!(body.contains("Choose one of the organisations listed."), "{kind}: {body}");
        assert!(body.contains("name=\"scope\""), "{kind}: the form is shown again");
    }
    file_ok(&browser, "access", &[("scope", "claranet-benelux")]).await;
    file_ok(&browser, "erasure", &[("scope", "claranet-benelux")]).await;

    let browser = app.signed_in("nothing-held@example.com").await;
    for kind in ["access", "erasure"] {
        let r = file(&browser, kind, &[("scope", "all")]).await;
        assert_eq!(r.status(), 422, "{kind}");
        assert!(r.text().await.unwrap().contains("We hold no data about you"), "{kind}");
    }
    let count = app.state.db.run(|c| Ok(rights_requests::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(count, 2, "only the two in scope were filed");
}

async fn duplicate_open_requests_are_refused_with_409(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.signed_in("demo@example.com").await;
    file_ok(&browser, "access", &[("scope", "claranet-benelux")]).await;
    let first: String =
        app.state.db.run(|c| Ok(rights_requests::table.select(rights_requests::public_id).first(c)?)).await.unwrap();
    let r = file(&browser, "access", &[("scope", "claranet-benelux")]).await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains("already have an open request") && body.contains("See the open request"));
    assert!(body.contains(&format!("href=\"/requests/{first}\"")), "the link leads to the open one");
    // Another scope is another request.
    file_ok(&browser, "access", &[("scope", "claranet-products")]).await;
    let count = app.state.db.run(|c| Ok(rights_requests::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(count, 2);

    // Eight submissions at once for a scope with nothing open: one is filed, seven are
    // refused with the link (on PostgreSQL a check before the insert let two through).
    let at_once = (0..8).map(|_| file(&browser, "erasure", &[("scope", "all")]));
    let mut statuses = Vec::new();
    for r in futures_util::future::join_all(at_once).await {
        let status = r.status().as_u16();
        if status == 409 {
            assert!(r.text().await.unwrap().contains("See the open request"), "the refusal links the one filed");
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409, 409, 409, 409, 409, 409, 409]);

    // What counts as open is `RequestStatus::is_open`, in the handler and in the index
    // (migration 15): with the scope's request in each status, a new one is refused
    // exactly when that status is open.
    let demo = subject_id(&app, "demo@example.com").await;
    for status in RequestStatus::ALL {
        app.state
            .db
            .transaction(move |c| {
                let scope = rights_requests::table
                    .filter(rights_requests::subject_id.eq(demo))
                    .filter(rights_requests::kind.eq("erasure"))
                    .filter(rights_requests::entity_id.is_null());
                diesel::update(scope).set(rights_requests::status.eq("withdrawn")).execute(c)?;
                let first: i64 = scope.select(rights_requests::id).order(rights_requests::id).first(c)?;
                diesel::update(rights_requests::table.find(first))
                    .set(rights_requests::status.eq(status.as_str()))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        let r = file(&browser, "erasure", &[("scope", "all")]).await;
        let expected = if status.is_open() { 409 } else { 303 };
        assert_eq!(r.status(), expected, "a new erasure request beside one that is {}", status.as_str());
    }
}

async fn download_json_and_csv_hold_everything_and_need_a_fresh_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let demo = subject_id(&app, "demo@example.com").await;
    // A value a spreadsheet would run as a formula.
    app.state
        .db
        .transaction(move |c| {
            Ok(diesel::update(
                records::table.filter(records::subject_id.eq(demo)).filter(records::field.eq("job-title")),
            )
            .set(records::value.eq("=HYPERLINK(\"http://evil.example\")"))
            .execute(c)?)
        })
        .await
        .unwrap();
    let browser = app.signed_in("demo@example.com").await;
    file_ok(&browser, "access", &[("scope", "all")]).await;
    let r = browser.get("/download/export.json").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["schema"], "privacy-portal.export.v1");
    let held = app
        .state
        .db
        .run(move |c| Ok(records::table.filter(records::subject_id.eq(demo)).count().get_result::<i64>(c)?))
        .await
        .unwrap();
    let exported: usize =
        doc["entities"].as_array().unwrap().iter().map(|e| e["records"].as_array().unwrap().len()).sum();
    assert_eq!(exported as i64, held, "every record");
    let rely = &doc["entities"][0];
    assert_eq!(rely["key"], "claranet-benelux");
    assert!(
        rely["purposes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["legal_basis"] == "legitimate_interest" && p["legitimate_interest"].is_string())
    );
    assert!(
        rely["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == "received" && r["received_from"] == "NetVerbind Telecom B.V.")
    );
    assert!(doc["disclosures"].as_array().unwrap().iter().any(|d| d["recipient"]["transfer_safeguard"] == "scc"));
    assert!(!doc["consent_history"].as_array().unwrap().is_empty());
    assert_eq!(doc["requests"].as_array().unwrap().len(), 1);
    assert_eq!(doc["subject"]["email"], "demo@example.com");

    let r = browser.get("/download/export.zip").await;
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut records_csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("records.csv").unwrap(), &mut records_csv).unwrap();
    let mut reader = csv::Reader::from_reader(records_csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, held);
    assert!(rows.iter().any(|r| &r[3] == "'=HYPERLINK(\"http://evil.example\")"), "formula defused");
    assert!(rows.iter().all(|r| !r[3].starts_with('=')));

    app.clock.advance(Duration::minutes(11));
    for path in ["/download/export.json", "/download/export.zip"] {
        let r = browser.get(path).await;
        assert_eq!(r.status(), 303, "{path} needs a fresh sign-in");
        assert_eq!(r.headers()["location"], "/sign-in?reauth=1&next=%2Fdownload");
    }
}

/// The access-control test: by changing any id in a page or download URL, a
/// person reaches nothing of another's — the answer is 404 (or a refusal), and nothing
/// of the other person appears.
async fn nobody_reaches_another_persons_data_by_changing_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let noor = app.signed_in("noor.jansen@example.nl").await;
    let page = file_ok(&noor, "access", &[("scope", "all"), ("statement", "Noor's private note")]).await;
    let noor_request = texts(&page, "#reference").join("");
    let noor_request_id = app
        .state
        .db
        .run(|c| Ok(rights_requests::table.select(rights_requests::public_id).first::<String>(c)?))
        .await
        .unwrap();
    assert!(noor_request_id.to_uppercase().replace('-', "").starts_with(&noor_request[4..]));

    let demo = app.signed_in("demo@example.com").await;
    let r = demo.get(&format!("/requests/{noor_request_id}")).await;
    assert_eq!(r.status(), 404, "another person's request is not found");
    let not_found = demo.get(&format!("/requests/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(not_found.status(), 404);
    assert_eq!(
        r.text().await.unwrap(),
        not_found.text().await.unwrap(),
        "indistinguishable from an id that does not exist"
    );
    assert_eq!(demo.get("/requests/1").await.status(), 404);

    // Noor's data is nowhere in what demo can see or download.
    let mut seen = String::new();
    for path in ["/dashboard", "/recipients", "/preferences", "/requests", "/consent-receipt", "/download/export.json"]
    {
        let (status, body) = demo.page(path).await;
        assert_eq!(status, 200, "{path}");
        seen.push_str(&body);
    }
    for secret in ["Noor", "noor.jansen", "Noor's private note", &noor_request] {
        assert!(!seen.contains(secret), "`{secret}` leaked to another person");
    }
    // Noor's category page under demo's session: demo holds no job-application data.
    assert_eq!(demo.get("/data/claranet-holdings/job-application").await.status(), 404);
    // Noor's records cannot be named in demo's requests.
    let noor_id = subject_id(&app, "noor.jansen@example.nl").await;
    let noor_record = app
        .state
        .db
        .run(move |c| Ok(records::table.filter(records::subject_id.eq(noor_id)).select(records::id).first::<i64>(c)?))
        .await
        .unwrap();
    let r = file(
        &demo,
        "rectification",
        &[("record", &noor_record.to_string()), ("mode", "correct"), ("proposed_value", "x")],
    )
    .await;
    assert_eq!(r.status(), 422);
    // Signed out, every one of these is a redirect to sign in, never data.
    let anonymous = app.browser();
    for path in [
        "/dashboard",
        "/recipients",
        "/preferences",
        "/requests",
        "/consent-receipt",
        "/download",
        "/download/export.json",
        "/download/export.zip",
        &format!("/requests/{noor_request_id}"),
        "/data/claranet-benelux/usage",
    ] {
        let r = anonymous.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/sign-in?next="), "{path}");
    }
}
