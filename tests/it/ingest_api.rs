//! The ingestion API as a source system uses it, on both backends: people registered
//! and updated and then seen by the person in their portal; every bad field named with
//! its path and nothing stored; batches answered per item; idempotency; erased people
//! never re-created; tokens limited to their source's entities.

use diesel::prelude::*;
use privacy_portal::db::schema::*;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::propagation::{Api, file_request};

on_both_backends!(
    a_source_registers_and_updates_a_person_who_then_sees_it,
    bad_items_are_refused_field_by_field_and_change_nothing,
    a_batch_answers_per_item,
    idempotency_keys_replay_and_refuse_reuse,
    erased_people_are_not_recreated,
    tokens_write_only_their_own_entities,
    an_admin_issues_a_scoped_source_token_on_the_admin_screen,
);

pub struct Source {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Source {
    pub fn new(app: &TestApp, token: &str) -> Source {
        Source { client: reqwest::Client::new(), base: format!("{}/api/ingest/v1", app.base), token: token.to_owned() }
    }

    pub async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
        let mut r = self.client.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body);
        if let Some(k) = key {
            r = r.header("Idempotency-Key", k);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// A person as a CRM would send them (times before the test clock's 2026-11-20).
pub fn jan(email: &str) -> Value {
    json!({
        "email": email,
        "name": "Jan Jansen",
        "language": "nl",
        "relationships": [{"entity": "claranet-benelux", "role": "customer_contact", "reference": "CRM-4711", "since": "2021-03-01"}],
        "records": [
            {"entity": "claranet-benelux", "category": "contact", "field": "phone", "value": "+31 6 1234 5678",
             "source": "provided", "collected_at": "2021-03-01T09:00:00Z", "purposes": ["rely-services"]},
            {"entity": "claranet-benelux", "category": "billing", "field": "iban", "value": "NL91 ABNA 0417 1643 00",
             "source": "provided", "collected_at": "2021-03-01T09:00:00Z", "purposes": ["rely-network-billing"]}
        ],
        "disclosures": [{"recipient": "e-invoicing", "entity": "claranet-benelux", "purpose": "rely-network-billing",
                         "categories": ["billing"], "at": "2024-01-15T10:00:00Z"}],
        "preferences": [{"entity": "claranet-benelux", "channel": "email", "granted": true, "at": "2021-03-01T09:00:00Z"}]
    })
}

pub async fn people_with_address(app: &TestApp, address: &'static str) -> i64 {
    app.state
        .db
        .run(move |c| Ok(subject_emails::table.filter(subject_emails::address.eq(address)).count().get_result(c)?))
        .await
        .unwrap()
}

async fn record_count(app: &TestApp) -> i64 {
    app.state.db.run(|c| Ok(records::table.count().get_result(c)?)).await.unwrap()
}

async fn a_source_registers_and_updates_a_person_who_then_sees_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crm = Source::new(&app, &app.ingest_token("crm", None).await);

    let (status, created) = crm.post("/people", None, &jan("jan.jansen@example.nl")).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "created");
    assert_eq!(created["changes"]["records_added"], 2);
    let subject = created["subject"].as_str().unwrap().to_owned();

    // The person signs in and sees what the CRM holds, with its purpose and source.
    let person = app.signed_in("jan.jansen@example.nl").await;
    let (_, dashboard) = person.page("/dashboard").await;
    assert!(dashboard.contains("Claranet Benelux"), "{dashboard}");
    let (_, recipients) = person.page("/recipients").await;
    assert!(recipients.to_lowercase().contains("invoic"), "the disclosure is shown: {recipients}");
    let (code, category) = person.page("/data/claranet-benelux/contact").await;
    assert_eq!(code, 200);
    assert!(category.contains("+31 6 1234 5678"), "{category}");

    // The same document again changes nothing.
    let (status, again) = crm.post("/people", None, &jan("jan.jansen@example.nl")).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("unchanged")), "{again}");
    assert_eq!(again["subject"], subject.as_str());

    // Found by the CRM's own reference, without the address: one value changes, one record is added.
    let update = json!({
        "external_ref": {"entity": "claranet-benelux", "reference": "CRM-4711"},
        "records": [
            {"entity": "claranet-benelux", "category": "contact", "field": "phone", "value": "+31 6 8765 4321", "source": "provided"},
            {"entity": "claranet-benelux", "category": "contact", "field": "city", "value": "Utrecht", "source": "provided"}
        ]
    });
    let (status, updated) = crm.post("/people", None, &update).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["status"], "updated");
    assert_eq!(
        (updated["changes"]["records_updated"].as_u64(), updated["changes"]["records_added"].as_u64()),
        (Some(1), Some(1))
    );
    let (_, category) = person.page("/data/claranet-benelux/contact").await;
    assert!(category.contains("+31 6 8765 4321") && !category.contains("+31 6 1234 5678"), "{category}");

    // A relationship sent without its reference keeps the reference held (it still finds Jan),
    // and a purpose added to a held record counts as a change.
    let partial = json!({
        "email": "jan.jansen@example.nl",
        "relationships": [{"entity": "claranet-benelux", "role": "customer_contact", "since": "2021-03-01"}],
        "records": [{"entity": "claranet-benelux", "category": "contact", "field": "city", "value": "Utrecht",
                     "source": "provided", "purposes": ["rely-customer-service"]}]
    });
    let (status, body) = crm.post("/people", None, &partial).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("updated")), "{body}");
    assert_eq!(body["changes"]["purposes_added"], 1, "{body}");
    assert_eq!(body["changes"]["relationships"], 0, "{body}");
    let (_, found) = crm.post("/people", None, &update).await;
    assert_eq!(
        (found["status"].as_str(), found["subject"].as_str()),
        (Some("unchanged"), Some(subject.as_str())),
        "{found}"
    );

    // An unknown reference without an address cannot register anyone.
    let unknown = json!({"external_ref": {"entity": "claranet-benelux", "reference": "CRM-0000"}, "name": "X"});
    let (status, body) = crm.post("/people", None, &unknown).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["details"][0]["code"], "not_found", "{body}");

    // A reference that belongs to Jan cannot move him to another address.
    let mut moved = update.clone();
    moved["email"] = json!("someone.else@example.nl");
    let (status, body) = crm.post("/people", None, &moved).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["details"][0]["code"], "email_conflict", "{body}");
    assert_eq!(people_with_address(&app, "someone.else@example.nl").await, 0);

    // Every change is in the audit trail under the source, without personal values.
    let audit: Vec<(String, String, String)> = app
        .state
        .db
        .run(|c| {
            Ok(audit_events::table
                .filter(audit_events::action.like("ingest.%"))
                .select((audit_events::action, audit_events::actor_kind, audit_events::details))
                .load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(
        audit.iter().map(|a| a.0.as_str()).collect::<Vec<_>>(),
        ["ingest.person_created", "ingest.person_updated", "ingest.person_updated"]
    );
    assert!(audit.iter().all(|a| a.1 == "source" && !a.2.contains("Utrecht") && !a.2.contains("jan.jansen")));
}

async fn bad_items_are_refused_field_by_field_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crm = Source::new(&app, &app.ingest_token("crm", None).await);
    let before = record_count(&app).await;

    // No token, a processor's token, a wrong token: 401 with a Bearer challenge.
    let r =
        reqwest::Client::new().post(app.url("/api/ingest/v1/people")).json(&jan("a@example.nl")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let processor = Source::new(&app, &app.processor_token("crm-cloud").await);
    assert_eq!(
        processor.post("/people", None, &jan("a@example.nl")).await.0,
        401,
        "a processor token is not a source token"
    );
    // …and a source token opens nothing in the processor API.
    let as_processor = Api::new(&app, &crm.token);
    assert_eq!(as_processor.get("/tasks").await.0, 401);

    // Not JSON, not valid JSON, too large.
    assert_eq!(crm.raw("/people", "text/plain", b"{}".to_vec()).await.0, 415);
    let (status, body) =
        crm.raw("/people", "application/json", br#"{"email": "a@example.nl", "name": "A"#.to_vec()).await;
    assert_eq!(status, 400, "broken JSON is a bad request, as in a batch: {body}");
    assert_eq!(body["error"]["details"][0]["code"], "invalid_json");
    let (status, body) = crm.raw("/people", "application/json", br#"["a@example.nl", null, "A"]"#.to_vec()).await;
    assert_eq!(status, 422, "an array is not a person: {body}");
    let huge = json!({"email": "a@example.nl", "name": "x".repeat(1_100_000)});
    assert_eq!(crm.post("/people", None, &huge).await.0, 413);

    // Each problem named with the path of its field.
    let mut bad = jan("not-an-address");
    bad["records"][0]["value"] = json!(42);
    let (status, body) = crm.post("/people", None, &bad).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["path"], "records[0].value", "a type error stops the parse: {body}");

    let mut bad = jan("not-an-address");
    bad["records"][0]["entity"] = json!("claranet-nowhere");
    bad["records"][1]["value"] = json!("x".repeat(4001));
    bad["disclosures"][0]["at"] = json!("2031-01-01T00:00:00Z");
    bad["preferences"][0]["channel"] = json!("carrier-pigeon");
    bad["relationships"][0]["since"] = json!("01-03-2021");
    let (status, body) = crm.post("/people", None, &bad).await;
    assert_eq!(status, 422, "{body}");
    let found: Vec<(String, String)> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
        .collect();
    for expected in [
        ("email", "invalid"),
        ("records[0].entity", "unknown_entity"),
        ("records[1].value", "too_long"),
        ("disclosures[0].at", "in_future"),
        ("preferences[0].channel", "unknown_channel"),
        ("relationships[0].since", "invalid"),
    ] {
        assert!(found.iter().any(|(p, c)| p == expected.0 && c == expected.1), "{expected:?} in {found:?}");
    }
    assert!(!body.to_string().contains(&"x".repeat(100)), "a bad value is not echoed back");

    // An unknown field is refused rather than dropped.
    let mut typo = jan("b@example.nl");
    typo["records"][0]["valeu"] = json!("x");
    let (status, body) = crm.post("/people", None, &typo).await;
    assert_eq!((status, body["error"]["details"][0]["path"].as_str()), (422, Some("records[0].valeu")), "{body}");

    assert_eq!(record_count(&app).await, before, "nothing was stored");
    assert_eq!(people_with_address(&app, "b@example.nl").await, 0);
}

async fn a_batch_answers_per_item(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crm = Source::new(&app, &app.ingest_token("crm", None).await);
    let mut bad = jan("broken@example.nl");
    bad["records"][1]["purposes"] = json!(["no-such-purpose"]);
    let body = json!({"items": [jan("one@example.nl"), bad, jan("two@example.nl"), {"email": "three@example.nl"}]});
    let (status, answer) = crm.post("/batch", None, &body).await;
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(
        results.iter().map(|r| r["status"].as_str().unwrap()).collect::<Vec<_>>(),
        ["created", "rejected", "created", "rejected"]
    );
    assert_eq!(results[1]["index"], 1);
    assert_eq!(results[1]["errors"][0]["path"], "records[1].purposes[0]");
    assert_eq!(results[3]["errors"][0]["code"], "missing", "a new person needs a name: {}", results[3]);
    assert_eq!(answer["summary"], json!({"created": 2, "updated": 0, "unchanged": 0, "suppressed": 0, "rejected": 2}));
    assert_eq!(people_with_address(&app, "one@example.nl").await, 1);
    assert_eq!(
        people_with_address(&app, "broken@example.nl").await,
        0,
        "a rejected item leaves nothing, not half a person"
    );

    // Limits of the envelope.
    let too_many = json!({"items": vec![json!({"email": "x@example.nl"}); 501]});
    let (status, body) = crm.post("/batch", None, &too_many).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("1 to 500"));
    assert_eq!(crm.post("/batch", None, &json!({"items": []})).await.0, 422);
    assert_eq!(crm.post("/batch", None, &json!([jan("x@example.nl")])).await.0, 422, "items must be wrapped");
    assert_eq!(crm.raw("/batch", "application/json", b"{\"items\": [".to_vec()).await.0, 400);
}

async fn idempotency_keys_replay_and_refuse_reuse(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crm = Source::new(&app, &app.ingest_token("crm", None).await);
    let body = json!({"items": [jan("idem@example.nl")]});
    let (s1, first) = crm.post("/batch", Some("sync-2026-11-20-0001"), &body).await;
    let (s2, second) = crm.post("/batch", Some("sync-2026-11-20-0001"), &body).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first, second, "the stored answer is replayed");
    assert_eq!(second["results"][0]["status"], "created", "replayed, not re-run (a re-run would say unchanged)");
    let events: i64 = app
        .state
        .db
        .run(|c| Ok(audit_events::table.filter(audit_events::action.like("ingest.%")).count().get_result(c)?))
        .await
        .unwrap();
    assert_eq!(events, 1);
    let (status, reused) =
        crm.post("/batch", Some("sync-2026-11-20-0001"), &json!({"items": [jan("other@example.nl")]})).await;
    assert_eq!(status, 422);
    assert_eq!(reused["error"]["code"], "idempotency_key_reused");
    assert_eq!(people_with_address(&app, "other@example.nl").await, 0);
    let (status, _) = crm.post("/people", Some(""), &jan("empty-key@example.nl")).await;
    assert_eq!(status, 400, "an empty key is refused");
    // Another source's token has its own keys.
    let billing = Source::new(&app, &app.ingest_token("billing", None).await);
    let (status, own) =
        billing.post("/batch", Some("sync-2026-11-20-0001"), &json!({"items": [jan("billing@example.nl")]})).await;
    assert_eq!((status, own["results"][0]["status"].as_str()), (200, Some("created")));
}

/// GDPR Art. 17 and 19: a source cannot bring back what a person had erased.
async fn erased_people_are_not_recreated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crm = Source::new(&app, &app.ingest_token("crm", None).await);

    // Pieter is erased everywhere: his address may not come back.
    let pieter = app.signed_in("pieter.bakker@example.nl").await;
    let request = file_request(&pieter, "erasure", &[("scope", "all"), ("statement", "")]).await;
    app.decide(&request, privacy_portal::db::queries::decisions::Decision::Approve).await;
    let (status, answer) = crm.post("/people", None, &jan("pieter.bakker@example.nl")).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("suppressed")), "{answer}");
    assert!(answer["subject"].is_null());
    let (_, batch) = crm.post("/batch", None, &json!({"items": [jan("pieter.bakker@example.nl")]})).await;
    assert_eq!(batch["summary"]["suppressed"], 1);
    let held: i64 = app
        .state
        .db
        .run(|c| {
            Ok(records::table
                .inner_join(subject_emails::table.on(subject_emails::subject_id.eq(records::subject_id)))
                .filter(subject_emails::address.eq("pieter.bakker@example.nl"))
                .filter(records::erased_at.is_null())
                .count()
                .get_result(c)?)
        })
        .await
        .unwrap();
    assert_eq!(held, 0, "no record of Pieter's came back");

    // The demo person erased their data at Claranet Products only: that part stays out,
    // the rest is stored, and the answer says which part was left out.
    let demo = app.signed_in("demo@example.com").await;
    let request = file_request(&demo, "erasure", &[("scope", "claranet-products"), ("statement", "")]).await;
    app.decide(&request, privacy_portal::db::queries::decisions::Decision::Approve).await;
    let both = json!({
        "email": "demo@example.com",
        "records": [
            {"entity": "claranet-products", "category": "contact", "field": "phone", "value": "+31 20 000 0000", "source": "provided"},
            {"entity": "claranet-benelux", "category": "contact", "field": "city", "value": "Gouda", "source": "provided"}
        ]
    });
    let (status, answer) = crm.post("/people", None, &both).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "updated");
    assert_eq!(answer["skipped"][0]["code"], "suppressed", "{answer}");
    assert!(answer["skipped"][0]["message"].as_str().unwrap().contains("claranet-products"));
    // (The erasure ended the person's sessions: they sign in again.)
    let demo = app.signed_in("demo@example.com").await;
    let (_, products) = demo.page("/data/claranet-products/contact").await;
    assert!(!products.contains("+31 20 000 0000"));
    let (_, benelux) = demo.page("/data/claranet-benelux/contact").await;
    assert!(benelux.contains("Gouda"), "{benelux}");
}

/// Least privilege: a token scoped to entities writes nothing for the others.
async fn tokens_write_only_their_own_entities(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.ingest_token("rely-crm", Some(&["claranet-benelux"])).await;
    let rely = Source::new(&app, &token);
    let mut foreign = jan("scoped@example.nl");
    foreign["records"][0]["entity"] = json!("claranet-products");
    foreign["records"][0]["purposes"] = json!([]);
    let (status, body) = rely.post("/people", None, &foreign).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["code"], "forbidden_entity");
    assert!(body["error"]["message"].as_str().unwrap().contains("claranet-products"));
    assert_eq!(people_with_address(&app, "scoped@example.nl").await, 0);
    // A bare address and name would register someone outside the token's entities.
    let (status, body) = rely.post("/people", None, &json!({"email": "bare@example.nl", "name": "Bare"})).await;
    assert_eq!((status, body["error"]["details"][0]["code"].as_str()), (422, Some("forbidden_entity")), "{body}");
    // Finding a person by another entity's reference is writing for that entity too.
    let by_other_ref =
        json!({"external_ref": {"entity": "claranet-products", "reference": "P-1"}, "email": "scoped@example.nl"});
    assert_eq!(rely.post("/people", None, &by_other_ref).await.0, 422);
    let (status, ok) = rely.post("/people", None, &jan("scoped@example.nl")).await;
    assert_eq!((status, ok["status"].as_str()), (201, Some("created")), "{ok}");

    // A revoked token stops working at once.
    let now = privacy_portal::clock::Clock::now(&*app.clock);
    let revoked = app
        .state
        .db
        .transaction(move |c| privacy_portal::db::queries::tokens::revoke(c, token.split('_').nth(1).unwrap(), now))
        .await
        .unwrap();
    assert!(revoked);
    assert_eq!(rely.post("/people", None, &jan("later@example.nl")).await.0, 401);
}

async fn an_admin_issues_a_scoped_source_token_on_the_admin_screen(backend: Backend) {
    use privacy_portal::domain::staff::StaffRole;
    let smtp = crate::helpers::harness::SmtpServer::start();
    let app = TestApp::spawn_with(backend, &[("PORTAL_SMTP_URL", &smtp.url())]).await;
    app.add_staff("ada@admin.example", "Ada Admin", StaffRole::Admin).await;
    app.add_staff("olaf@dpo.example", "Olaf Officer", StaffRole::PrivacyOfficer).await;
    let (admin, _) = app.staff_signed_in(&smtp, "ada@admin.example").await;
    let (officer, _) = app.staff_signed_in(&smtp, "olaf@dpo.example").await;
    let fields = [("source", "hr-payroll"), ("label", "Payroll"), ("entity.claranet-benelux", "on")];
    assert_eq!(officer.submit("/staff", "/staff/admin/source-tokens", &fields).await.status(), 403, "admins only");

    // A bad name: a message, no token.
    let r =
        admin.submit("/staff/admin", "/staff/admin/source-tokens", &[("source", "HR Payroll!"), ("label", "x")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("lower-case letters"));

    let r = admin.submit("/staff/admin", "/staff/admin/source-tokens", &fields).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let token = crate::propagation::texts(&page, "#admin-secret").join("");
    assert!(token.starts_with("pi_"), "{token}");
    let listed = crate::propagation::texts(&page, "#source-tokens td").join(" | ");
    assert!(listed.contains("hr-payroll") && listed.contains("claranet-benelux"), "{listed}");

    let payroll = Source::new(&app, &token);
    let (status, _) = payroll.post("/people", None, &jan("staff.member@example.nl")).await;
    assert_eq!(status, 201);
    let mut other = jan("other.member@example.nl");
    other["records"][0]["entity"] = json!("claranet-holdings");
    other["records"][0]["purposes"] = json!([]);
    assert_eq!(payroll.post("/people", None, &other).await.0, 422, "scoped to Claranet Benelux");
}
