//! Onward changes (GDPR Art. 19) end to end, on both backends: a decided request
//! creates one task per recipient that received the affected data, recipients answer
//! in the processor sub-portal (headless Chromium and plain HTTP) or over the API, the
//! person follows every answer on the status page and gets a signed certificate, and
//! every step is in the audit chain.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use base64::Engine as _;
use diesel::prelude::*;
use privacy_portal::db::queries::audit;
use privacy_portal::db::queries::decisions::Decision;
use privacy_portal::db::schema::*;
use scraper::{Html, Selector};
use serde_json::{Value, json};
use time::Duration;

use crate::helpers::harness::{SmtpServer, harness_dir};
use crate::helpers::test_app::Browser;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    erasure_reaches_every_recipient_and_the_person_sees_each_answer,
    rectification_restriction_and_objection_tell_recipients_only_what_changed,
    overdue_tasks_are_shown_to_the_person_and_reminded_to_the_recipient,
    an_erased_person_is_not_brought_back_by_a_later_import,
    a_restriction_is_lifted_only_after_the_person_was_told,
);

pub fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(css).unwrap())
        .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Files a request that must be accepted; returns its public id.
pub async fn file_request(browser: &Browser, kind: &str, fields: &[(&str, &str)]) -> String {
    let r = browser.submit(&format!("/requests/new/{kind}"), &format!("/requests/new/{kind}"), fields).await;
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    assert_eq!(r.status(), 303, "{kind}: {}", r.text().await.unwrap_or_default());
    location.unwrap().trim_start_matches("/requests/").to_owned()
}

/// A task as stored, with its recipient and entity keys.
#[derive(Debug, Clone)]
pub struct StoredTask {
    pub id: String,
    pub recipient: String,
    pub entity: String,
    pub action: String,
    pub status: String,
    pub payload: Value,
}

pub async fn tasks_of(app: &TestApp, request: &str) -> Vec<StoredTask> {
    let request = request.to_owned();
    app.state
        .db
        .run(move |c| {
            let rows: Vec<(String, String, String, String, String, String)> = propagation_tasks::table
                .inner_join(rights_requests::table)
                .inner_join(recipients::table)
                .inner_join(entities::table.on(entities::id.eq(propagation_tasks::entity_id)))
                .filter(rights_requests::public_id.eq(&request))
                .order(propagation_tasks::id)
                .select((
                    propagation_tasks::public_id,
                    recipients::key,
                    entities::key,
                    propagation_tasks::action,
                    propagation_tasks::status,
                    propagation_tasks::payload,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|(id, recipient, entity, action, status, payload)| StoredTask {
                    id,
                    recipient,
                    entity,
                    action,
                    status,
                    payload: serde_json::from_str(&payload).unwrap(),
                })
                .collect())
        })
        .await
        .unwrap()
}

/// Recomputes, from the stored data, which (recipient, entity) pairs received a
/// category that lost a record to the erasure.
async fn recipients_of_erased_categories(app: &TestApp, subject: i64) -> BTreeSet<(String, String)> {
    app.state
        .db
        .run(move |c| {
            let erased: BTreeSet<(i64, i64)> = records::table
                .filter(records::subject_id.eq(subject))
                .filter(records::erased_at.is_not_null())
                .select((records::entity_id, records::category_id))
                .load::<(i64, i64)>(c)?
                .into_iter()
                .collect();
            let disclosed: Vec<(String, String, i64, i64)> = disclosures::table
                .inner_join(disclosure_categories::table)
                .inner_join(recipients::table)
                .inner_join(entities::table.on(entities::id.eq(disclosures::entity_id)))
                .filter(disclosures::subject_id.eq(subject))
                .select((recipients::key, entities::key, disclosures::entity_id, disclosure_categories::category_id))
                .load(c)?;
            Ok(disclosed
                .into_iter()
                .filter(|(_, _, entity, category)| erased.contains(&(*entity, *category)))
                .map(|(recipient, entity, _, _)| (recipient, entity))
                .collect())
        })
        .await
        .unwrap()
}

pub async fn subject_id(app: &TestApp, email: &'static str) -> i64 {
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

/// A machine talking to the processor API with a bearer token.
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(app: &TestApp, token: &str) -> Api {
        Api { client: reqwest::Client::new(), base: format!("{}/api/processor/v1", app.base), token: token.to_owned() }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The ids of the open tasks.
    pub async fn open_ids(&self) -> Vec<String> {
        let (status, list) = self.get("/tasks?status=open").await;
        assert_eq!(status, 200, "{list}");
        list["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
    }
}

/// The rows of the recipients table on a request's status page: (recipient, state, text).
fn status_rows(page: &str) -> Vec<(String, String, String)> {
    let doc = Html::parse_document(page);
    doc.select(&Selector::parse("#recipient-tasks tbody tr").unwrap())
        .map(|row| {
            let cells: Vec<String> = row
                .select(&Selector::parse("td").unwrap())
                .map(|td| td.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            let recipient = cells[0].split("received it from").next().unwrap().trim().to_owned();
            (recipient, row.value().attr("data-state").unwrap().to_owned(), cells[2].clone())
        })
        .collect()
}

fn name_of(app: &TestApp, key: &str) -> String {
    app.state.catalog.catalog.recipients.iter().find(|r| r.key.as_str() == key).unwrap().name.clone()
}

/// GDPR Art. 17 and 19, security checklist R5 (audit chain).
async fn erasure_reaches_every_recipient_and_the_person_sees_each_answer(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let demo = subject_id(&app, "demo@example.com").await;
    let person = app.signed_in("demo@example.com").await;
    let request = file_request(&person, "erasure", &[("scope", "all"), ("statement", "")]).await;
    smtp.wait_for("demo@example.com", 1).await;

    // Decided (as `privacy-portal requests decide REF --approve` does).
    let result = app.decide(&request, Decision::Approve).await;
    assert_eq!(result.status, "partially_approved", "invoices are kept under tax law");
    assert!(result.erased > 50 && result.kept > 0, "{result:?}");

    // One task per recipient and entity that received an erased category; none else.
    let tasks = tasks_of(&app, &request).await;
    let pairs: BTreeSet<(String, String)> = tasks.iter().map(|t| (t.recipient.clone(), t.entity.clone())).collect();
    assert_eq!(pairs.len(), tasks.len(), "one task per recipient and entity");
    assert_eq!(pairs, recipients_of_erased_categories(&app, demo).await);
    assert!(pairs.len() >= 6, "{pairs:?}");
    // The tax authority received billing data only. Rely keeps all of it under tax law,
    // so Rely has nothing to tell it; Products erased a payment method held only for
    // the contract, so Products does.
    assert!(!pairs.contains(&("belastingdienst".to_owned(), "claranet-benelux".to_owned())));
    let tax = tasks.iter().find(|t| t.recipient == "belastingdienst").expect("Products tells the tax authority");
    assert_eq!((tax.entity.as_str(), &tax.payload["categories"]), ("claranet-products", &json!(["billing"])));
    assert!(tasks.iter().all(|t| t.action == "erase" && t.status == "pending"));
    // Each carries only the identifiers agreed with that recipient, and no held values.
    let telecom = tasks.iter().find(|t| t.recipient == "telecom-partner").unwrap();
    assert_eq!(telecom.payload["identifiers"], json!({ "customer_number": "RLY-100234" }));
    let linkedin = tasks.iter().find(|t| t.recipient == "linkedin").unwrap();
    assert_eq!(linkedin.payload["identifiers"], json!({ "email": "demo@example.com" }));
    let invoicing = tasks.iter().find(|t| t.recipient == "e-invoicing" && t.entity == "claranet-benelux").unwrap();
    assert_eq!(
        invoicing.payload["categories"],
        json!(["contact"]),
        "billing is kept, so only contact data is erased there"
    );
    for t in &tasks {
        assert!(!t.payload.to_string().contains("+31"), "no held value travels: {}", t.payload);
    }

    // The portal's own copy: values gone, invoices kept with reason and end, sessions ended.
    let (blank, kept) = app
        .state
        .db
        .run(move |c| {
            let blank: i64 = records::table
                .filter(records::subject_id.eq(demo))
                .filter(records::erased_at.is_not_null())
                .filter(records::value.eq(""))
                .count()
                .get_result(c)?;
            let kept: Vec<(Option<String>, Option<time::Date>)> = records::table
                .filter(records::subject_id.eq(demo))
                .filter(records::erased_at.is_null())
                .select((records::kept_reason, records::kept_until))
                .load(c)?;
            Ok((blank, kept))
        })
        .await
        .unwrap();
    assert_eq!(blank as usize, result.erased);
    assert!(!kept.is_empty() && kept.iter().all(|(why, until)| why.is_some() && until.is_some()), "{kept:?}");
    assert_eq!(person.get("/dashboard").await.status(), 303, "the erasure ended the person's sessions");
    let person = app.signed_in("demo@example.com").await;
    let (_, dashboard) = person.page("/data/claranet-benelux/billing").await;
    assert!(
        texts(&dashboard, "td.value .tag").iter().any(|t| t.starts_with("Kept for") && t.contains(" until ")),
        "the person is told why and until when: {:?}",
        texts(&dashboard, "td.value .tag")
    );

    // Processor A confirms in headless Chromium: one task on its page, the other in bulk.
    let a_tasks: Vec<&StoredTask> = tasks.iter().filter(|t| t.recipient == "crm-cloud").collect();
    assert_eq!(a_tasks.len(), 2, "CloudDesk received data from both entities");
    app.invite_processor("crm-cloud", "ops@clouddesk.example", "Chris Cloud").await;
    let invitation = smtp.wait_for("ops@clouddesk.example", 1).await;
    assert!(invitation.subject.contains("CloudDesk CRM Inc.") && invitation.text().contains("/processor/sign-in"));
    let (base, api, now) = (app.base.clone(), smtp.api.clone(), app.unix_now());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("browser-processor.mjs")
            .arg(&base)
            .arg(&api)
            .arg("ops@clouddesk.example")
            .arg("CD-ERASE-7781")
            .env("PORTAL_NOW", now.to_string())
            .current_dir(harness_dir())
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let browser: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("browser script printed `{stdout}` ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr))
    });
    assert_eq!(browser["ok"], true, "{browser:#}");
    let seen: BTreeSet<&str> =
        browser["steps"]["inbox"]["open"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    let mine: BTreeSet<&str> = a_tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(seen, mine, "the inbox lists exactly CloudDesk's tasks");
    assert_eq!(browser["steps"]["inbox"]["organisation"], "CloudDesk CRM Inc.");
    assert_eq!(browser["steps"]["done"]["stillOpen"], 0);
    assert_eq!(browser["steps"]["done"]["done"].as_array().unwrap().len(), 2);
    assert_eq!(browser["cspViolations"].as_array().unwrap().len(), 0);
    for (page, violations) in browser["axe"].as_object().unwrap() {
        let serious: Vec<&Value> = violations
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(serious.is_empty(), "axe on {page}: {serious:?}");
    }

    // Processor B confirms over the API with its token.
    let b = Api::new(&app, &app.processor_token("e-invoicing").await);
    let (status, list) = b.get("/tasks").await;
    assert_eq!(status, 200);
    let listed = list["tasks"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    for task in listed {
        assert_eq!(task["opendsr"]["subject_request_type"], "erasure");
        assert_eq!(task["opendsr"]["api_version"], "2.0");
        assert!(
            task["opendsr"]["subject_identities"].as_array().unwrap().iter().any(|i| i["identity_type"] == "email")
        );
        let id = task["id"].as_str().unwrap();
        let (status, answer) = b
            .post(&format!("/tasks/{id}/confirm"), &format!("confirm-{id}"), &json!({ "reference": "FL-DEL-2026-114" }))
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["status"], "applied");
    }

    // Processor C declines with a reason, in the processor portal over plain HTTP.
    app.invite_processor("ad-network", "privacy@adreach.example", "Ada Reach").await;
    let (c, _) = app.processor_signed_in(&smtp, "privacy@adreach.example").await;
    let reason = "Not held: we keep only aggregated audiences, no personal data of this person.";
    for t in tasks.iter().filter(|t| t.recipient == "ad-network") {
        let path = format!("/processor/tasks/{}", t.id);
        let r = c.submit(&path, &format!("{path}/decline"), &[("reason", reason)]).await;
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    }

    // The person sees each recipient's state; the request is not complete yet.
    let (status, page) = person.page(&format!("/requests/{request}")).await;
    assert_eq!(status, 200);
    let rows = status_rows(&page);
    assert_eq!(rows.len(), tasks.len());
    for (recipient, state, text) in &rows {
        let key = tasks.iter().find(|t| name_of(&app, &t.recipient) == *recipient).unwrap().recipient.as_str();
        match key {
            "crm-cloud" | "e-invoicing" => assert!(
                state == "applied" && text.starts_with("confirmed 20 November 2026"),
                "{recipient}: {state} {text}"
            ),
            "ad-network" => assert!(state == "declined" && text.contains(reason), "{recipient}: {state} {text}"),
            _ => assert_eq!(state, "pending", "{recipient}"),
        }
    }
    assert_eq!(texts(&page, "#status").join(""), "partly approved, being carried out");
    assert!(!page.contains("id=\"certificate-page\""), "no certificate before everyone answered");
    assert_eq!(person.get(&format!("/requests/{request}/certificate")).await.status(), 409);

    // The other recipients answer over the API; the last answer completes the request.
    let others: BTreeSet<&str> = tasks
        .iter()
        .map(|t| t.recipient.as_str())
        .filter(|r| !["crm-cloud", "e-invoicing", "ad-network"].contains(r))
        .collect();
    for key in &others {
        let api = Api::new(&app, &app.processor_token(key).await);
        for id in api.open_ids().await {
            let (status, _) = api.post(&format!("/tasks/{id}/confirm"), "k1", &json!({})).await;
            assert_eq!(status, 200);
        }
    }
    let completion = smtp.wait_for("demo@example.com", 2).await;
    assert!(completion.subject.contains("is complete"), "{}", completion.subject);
    let text = completion.text();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/certificate?k="))
        .expect("the mail links the certificate")
        .to_owned();
    let (_, page) = person.page(&format!("/requests/{request}")).await;
    assert_eq!(texts(&page, "#status").join(""), "done");
    assert!(page.contains("id=\"certificate-page\"") && page.contains("id=\"certificate-json\""));

    // The certificate opens from the mail without a session, and lists every answer.
    let anonymous = app.browser();
    let (status, certificate) = anonymous.page(&link).await;
    assert_eq!(status, 200);
    let lines = texts(&certificate, "#certificate-recipients tbody tr");
    assert_eq!(lines.len(), tasks.len());
    assert!(
        lines
            .iter()
            .any(|l| l.contains("CloudDesk CRM Inc.") && l.contains("Chris Cloud") && l.contains("CD-ERASE-7781")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("Factuurlink B.V.")
            && l.contains("API: test machine")
            && l.contains("FL-DEL-2026-114"))
    );
    assert!(lines.iter().any(|l| l.contains("AdReach Europe Ltd") && l.contains("declined") && l.contains(reason)));
    assert!(!texts(&certificate, "#certificate-kept tbody tr").is_empty(), "what is kept, and until when");

    let json_link = link.replace("/certificate?k=", "/certificate.json?k=");
    let document: Value = anonymous.get(&json_link).await.json().await.unwrap();
    let jwk: Value = anonymous.get("/consent-receipts/key").await.json().await.unwrap();
    assert_eq!(document["verificationKey"], jwk);
    let key: [u8; 32] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let signed =
        privacy_portal::receipts::verify(document["jws"].as_str().unwrap(), &key).expect("the signature verifies");
    assert_eq!(signed, document["certificate"]);
    let listed = signed["recipients"].as_array().unwrap();
    assert_eq!(listed.len(), tasks.len());
    assert!(listed.iter().all(|r| r["answered_at"].is_string() && r["told_at"].is_string()));
    assert_eq!(
        listed.iter().filter(|r| r["outcome"] == "declined").count(),
        tasks.iter().filter(|t| t.recipient == "ad-network").count()
    );
    assert_eq!(signed["request"]["status"], "completed");
    assert!(!signed.to_string().contains("demo@example.com"), "the certificate holds no personal values");

    // Nobody else gets in: no capability, a wrong one, or another person's session.
    let public = format!("/requests/{request}/certificate");
    assert_eq!(anonymous.get(&public).await.status(), 303, "sign in first");
    assert_eq!(anonymous.get(&format!("{public}?k=00000000000000000000000000000000")).await.status(), 303);
    let noor = app.signed_in("noor.jansen@example.nl").await;
    assert_eq!(noor.get(&public).await.status(), 404);
    assert_eq!(noor.get(&format!("{public}.json")).await.status(), 404);

    // Evidence: every task made and answered is in the intact chain, by who did it.
    let ids: Vec<String> = tasks.iter().map(|t| t.id.clone()).collect();
    let (events, report) = app
        .state
        .db
        .run(move |c| {
            let events: Vec<(String, String, Option<String>, Option<String>)> = audit_events::table
                .filter(audit_events::target_id.eq_any(&ids))
                .select((
                    audit_events::action,
                    audit_events::actor_kind,
                    audit_events::actor_id,
                    audit_events::target_id,
                ))
                .load(c)?;
            Ok((events, audit::verify(c)?))
        })
        .await
        .unwrap();
    assert_eq!(report.first_broken, None);
    let mut per_task: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (action, kind, actor, target) in events {
        per_task.entry(target.unwrap()).or_default().push((action, format!("{kind}:{}", actor.unwrap_or_default())));
    }
    for t in &tasks {
        let trail = &per_task[&t.id];
        assert_eq!(trail[0], ("task.created".to_owned(), "system:".to_owned()), "{trail:?}");
        assert_eq!(trail.len(), 2, "{trail:?}");
        let expected = if t.recipient == "ad-network" { "task.declined" } else { "task.applied" };
        assert_eq!(trail[1].0, expected);
        assert!(trail[1].1.starts_with("processor:"), "attributable to a user or token: {trail:?}");
        if ["e-invoicing"].contains(&t.recipient.as_str()) {
            assert!(trail[1].1.starts_with("processor:token:"), "{trail:?}");
        }
    }
}

/// GDPR Art. 16, 18, 21 with Art. 19.
async fn rectification_restriction_and_objection_tell_recipients_only_what_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let demo = subject_id(&app, "demo@example.com").await;
    let (phone, phone_entity) = app
        .state
        .db
        .run(move |c| {
            Ok(records::table
                .inner_join(entities::table.on(entities::id.eq(records::entity_id)))
                .filter(records::subject_id.eq(demo))
                .filter(records::field.eq("phone"))
                .select((records::id, entities::key))
                .first::<(i64, String)>(c)?)
        })
        .await
        .unwrap();
    let person = app.signed_in("demo@example.com").await;

    // Rectification: the recipients of contact data of that entity get the new value only.
    let phone_id = phone.to_string();
    let rectification = file_request(
        &person,
        "rectification",
        &[("record", &phone_id), ("mode", "correct"), ("proposed_value", "+31 6 8765 4321")],
    )
    .await;
    let result = app.decide(&rectification, Decision::Approve).await;
    assert_eq!(result.changed, 1, "{result:?}");
    let tasks = tasks_of(&app, &rectification).await;
    assert!(!tasks.is_empty());
    for t in &tasks {
        assert_eq!(t.action, "rectify");
        assert_eq!(t.entity, phone_entity);
        assert_eq!(
            t.payload["corrected"],
            json!({ "phone": "+31 6 8765 4321" }),
            "only the corrected field: {}",
            t.payload
        );
        assert_eq!(t.payload["categories"], json!(["contact"]));
    }
    let stored = app
        .state
        .db
        .run(move |c| Ok(records::table.find(phone).select(records::value).first::<String>(c)?))
        .await
        .unwrap();
    assert_eq!(stored, "+31 6 8765 4321", "the portal's copy is corrected");

    // Restriction: records marked, recipients told to restrict.
    let restriction = file_request(
        &person,
        "restriction",
        &[("category_account", "on"), ("scope", "claranet-products"), ("statement", "Disputed.")],
    )
    .await;
    app.decide(&restriction, Decision::Approve).await;
    let tasks = tasks_of(&app, &restriction).await;
    let recipients: BTreeSet<&str> = tasks.iter().map(|t| t.recipient.as_str()).collect();
    assert_eq!(recipients, BTreeSet::from(["crm-cloud"]), "only CloudDesk received Products' account data");
    assert!(tasks.iter().all(|t| t.action == "restrict" && t.entity == "claranet-products"));
    let restricted = app
        .state
        .db
        .run(move |c| {
            Ok(records::table
                .inner_join(data_categories::table)
                .filter(records::subject_id.eq(demo))
                .filter(data_categories::key.eq("account"))
                .filter(records::restricted_at.is_not_null())
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(restricted, 5, "Products' five account records");
    let api = Api::new(&app, &app.processor_token("crm-cloud").await);
    let (_, task) = api.get(&format!("/tasks/{}", tasks[0].id)).await;
    assert_eq!(task["opendsr"]["subject_request_type"], "x-restriction");

    // Objection to a legitimate interest, once decided: the market-research recipient stops.
    let objection = file_request(
        &person,
        "objection",
        &[("purpose_rely-market-research", "on"), ("scope", "claranet-benelux"), ("statement", "No surveys.")],
    )
    .await;
    app.decide(&objection, Decision::Approve).await;
    let tasks = tasks_of(&app, &objection).await;
    assert_eq!(
        tasks.iter().map(|t| (t.recipient.as_str(), t.action.as_str())).collect::<Vec<_>>(),
        [("linkedin", "object")]
    );

    // A rejected request creates no task, and the person is told why.
    let second = file_request(
        &person,
        "restriction",
        &[("category_contact", "on"), ("scope", "claranet-benelux"), ("statement", "Again.")],
    )
    .await;
    let result = app
        .decide(&second, Decision::Reject { reason: "Your address was verified with you on 3 November.".into() })
        .await;
    assert_eq!((result.status.as_str(), result.tasks), ("rejected", 0));
    let (_, page) = person.page(&format!("/requests/{second}")).await;
    assert!(
        page.contains("Your address was verified with you on 3 November.") && page.contains("supervisory authority")
    );
}

/// Deadlines: overdue on the person's page and in the recipient's inbox, reminders.
async fn overdue_tasks_are_shown_to_the_person_and_reminded_to_the_recipient(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let person = app.signed_in("demo@example.com").await;
    let objection = file_request(
        &person,
        "objection",
        &[("purpose_rely-market-research", "on"), ("scope", "claranet-benelux"), ("statement", "No surveys.")],
    )
    .await;
    app.decide(&objection, Decision::Approve).await;
    app.invite_processor("linkedin", "privacy@linkedin.example.com", "Liv Privacy").await;
    smtp.wait_for("privacy@linkedin.example.com", 1).await;

    assert_eq!(privacy_portal::jobs::reminders::send_due(&app.state).await.unwrap(), 0, "nothing is overdue yet");
    app.clock.advance(Duration::days(15));
    let person = app.signed_in("demo@example.com").await;
    let (_, page) = person.page(&format!("/requests/{objection}")).await;
    let rows = status_rows(&page);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_str()), ("overdue", "overdue"));

    assert_eq!(privacy_portal::jobs::reminders::send_due(&app.state).await.unwrap(), 1);
    app.state.outbox_wakeup.notify_one();
    let contact = smtp.wait_for("dpo@linkedin.example.com", 1).await;
    assert!(contact.subject.contains("overdue"), "{}", contact.subject);
    assert!(contact.text().contains("/processor?view=overdue"));
    let user = smtp.wait_for("privacy@linkedin.example.com", 2).await;
    assert!(user.subject.contains("overdue"));
    assert_eq!(privacy_portal::jobs::reminders::send_due(&app.state).await.unwrap(), 0, "not again the same day");
    app.clock.advance(Duration::days(3) + Duration::minutes(1));
    assert_eq!(privacy_portal::jobs::reminders::send_due(&app.state).await.unwrap(), 1, "again after three days");

    // The request stays open while the task is overdue, and the inbox shows it as overdue.
    let person = app.signed_in("demo@example.com").await;
    let (_, page) = person.page(&format!("/requests/{objection}")).await;
    assert_eq!(texts(&page, "#status").join(""), "approved, being carried out");
    let api = Api::new(&app, &app.processor_token("linkedin").await);
    let (_, overdue) = api.get("/tasks?status=overdue").await;
    assert_eq!(overdue["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(overdue["tasks"][0]["overdue"], true);
}

/// GDPR Art. 17: suppression markers (keyed hashes, no plain data) keep erased data out.
async fn an_erased_person_is_not_brought_back_by_a_later_import(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let person = app.signed_in("pieter.bakker@example.nl").await;
    let request = file_request(&person, "erasure", &[("scope", "all"), ("statement", "")]).await;
    let result = app.decide(&request, Decision::Approve).await;
    assert_eq!((result.kept, result.tasks), (0, 1), "nothing to keep; CloudDesk is told");
    let api = Api::new(&app, &app.processor_token("crm-cloud").await);
    for id in api.open_ids().await {
        assert_eq!(api.post(&format!("/tasks/{id}/confirm"), "k", &json!({})).await.0, 200);
    }
    let (addresses, markers) = app
        .state
        .db
        .run(|c| {
            let addresses: i64 = subject_emails::table
                .filter(subject_emails::address.eq("pieter.bakker@example.nl"))
                .count()
                .get_result(c)?;
            let markers: Vec<String> = suppressions::table.select(suppressions::identifier_hash).load(c)?;
            Ok((addresses, markers))
        })
        .await
        .unwrap();
    assert_eq!(addresses, 0, "once every recipient answered, the address kept to see it through is gone");
    assert!(markers.len() >= 2, "{markers:?}");
    use sha2::Digest as _;
    let plain = hex::encode(sha2::Sha256::digest(b"email:pieter.bakker@example.nl"));
    for m in &markers {
        assert!(m.len() == 64 && m.chars().all(|c| c.is_ascii_hexdigit()), "a hash: {m}");
        assert_ne!(m, &plain, "keyed, not a plain hash anyone can recompute");
    }

    // The next import (the demo loader, run at every start) does not bring Pieter back.
    let settings = crate::helpers::test_app::test_settings(&app.db, &[]);
    let clock = privacy_portal::clock::ManualClock::new(time::macros::datetime!(2026-12-01 10:00 UTC));
    let prepared = tokio::task::spawn_blocking(move || privacy_portal::startup::prepare(&settings, &clock, true))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(prepared.demo_added, 0);
    let back = app
        .state
        .db
        .run(|c| {
            Ok(subject_emails::table
                .filter(subject_emails::address.eq("pieter.bakker@example.nl"))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(back, 0);
}

/// Waits (up to 10 s) for a mail to `to` whose subject contains `needle`.
pub async fn mail_with(smtp: &SmtpServer, to: &str, needle: &str) -> crate::helpers::harness::ReceivedMail {
    let started = std::time::Instant::now();
    loop {
        if let Some(m) = smtp.messages_to(to).await.into_iter().find(|m| m.subject.contains(needle)) {
            return m;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no mail to {to} about `{needle}`");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn restricted_account_records(app: &TestApp, subject: i64) -> i64 {
    app.state
        .db
        .run(move |c| {
            Ok(records::table
                .inner_join(data_categories::table)
                .filter(records::subject_id.eq(subject))
                .filter(data_categories::key.eq("account"))
                .filter(records::restricted_at.is_not_null())
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap()
}

async fn announce(app: &TestApp, request: &str, reason: &str) -> Result<time::OffsetDateTime, String> {
    use privacy_portal::clock::Clock;
    use privacy_portal::db::queries::decisions::Engine;
    let st = app.state.clone();
    let now = app.clock.now();
    let (id, reason) = (request.to_owned(), reason.to_owned());
    app.state
        .db
        .transaction(move |c| {
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            privacy_portal::db::queries::restrictions::announce_lift(
                c,
                &engine,
                &id,
                &reason,
                Duration::days(14),
                &privacy_portal::domain::audit::Actor::System,
                now,
            )
        })
        .await
        .map_err(|e| e.to_string())
}

/// GDPR Art. 18(3): the person is told before a restriction is lifted.
async fn a_restriction_is_lifted_only_after_the_person_was_told(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    let demo = subject_id(&app, "demo@example.com").await;
    let person = app.signed_in("demo@example.com").await;
    let restriction = file_request(
        &person,
        "restriction",
        &[("category_account", "on"), ("scope", "claranet-products"), ("statement", "Disputed.")],
    )
    .await;
    let pending = file_request(
        &person,
        "restriction",
        &[("category_contact", "on"), ("scope", "claranet-benelux"), ("statement", "Also disputed.")],
    )
    .await;
    let erasure = file_request(&person, "erasure", &[("scope", "claranet-benelux"), ("statement", "")]).await;
    assert!(announce(&app, &pending, "x").await.unwrap_err().contains("not in effect"), "undecided");
    assert!(announce(&app, &erasure, "x").await.unwrap_err().contains("not a restriction"));
    app.decide(&restriction, Decision::Approve).await;
    assert_eq!(restricted_account_records(&app, demo).await, 5);
    let api = Api::new(&app, &app.processor_token("crm-cloud").await);
    for id in api.open_ids().await {
        assert_eq!(api.post(&format!("/tasks/{id}/confirm"), &id, &json!({})).await.0, 200);
    }
    assert!(announce(&app, &restriction, "  ").await.unwrap_err().contains("reason"));

    // Told first: the date and the reason, by mail and on the request page.
    let reason = "The account data was checked with you on 21 November and is correct.";
    announce(&app, &restriction, reason).await.unwrap();
    let notice = mail_with(&smtp, "demo@example.com", "will be lifted on 4 December 2026").await;
    assert!(notice.text().contains(reason));
    assert!(announce(&app, &restriction, reason).await.unwrap_err().contains("already announced"));
    let (_, page) = person.page(&format!("/requests/{restriction}")).await;
    let timeline = texts(&page, "ol.timeline li").join(" | ");
    assert!(timeline.contains("You were told the restriction will be lifted: on 4 December 2026"), "{timeline}");
    assert_eq!(privacy_portal::jobs::restrictions::lift_due(&app.state).await.unwrap(), 0, "not before the date");
    assert_eq!(restricted_account_records(&app, demo).await, 5);

    // On the date: released, the recipient told, the person told.
    app.clock.advance(Duration::days(14) + Duration::minutes(1));
    assert_eq!(privacy_portal::jobs::restrictions::lift_due(&app.state).await.unwrap(), 1);
    assert_eq!(privacy_portal::jobs::restrictions::lift_due(&app.state).await.unwrap(), 0, "once");
    assert_eq!(restricted_account_records(&app, demo).await, 0);
    let lifted = mail_with(&smtp, "demo@example.com", "has been lifted").await;
    assert!(lifted.text().contains("/requests/"));
    let open = api.open_ids().await;
    assert_eq!(open.len(), 1);
    let (_, task) = api.get(&format!("/tasks/{}", open[0])).await;
    assert_eq!(
        (task["action"].as_str(), task["opendsr"]["subject_request_type"].as_str()),
        (Some("lift_restriction"), Some("x-restriction-lift"))
    );
    assert_eq!(task["categories"], json!(["account"]));
    let person = app.signed_in("demo@example.com").await;
    let (_, page) = person.page(&format!("/requests/{restriction}")).await;
    assert!(texts(&page, "ol.timeline li").iter().any(|l| l.contains("Restriction lifted")));
    assert!(texts(&page, "#recipient-tasks tbody tr").iter().any(|l| l.contains("lift the restriction")));
}
