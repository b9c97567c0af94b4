//! Signing in with OpenID Connect against a real provider (oidc-provider, started from
//! `tests/harness/oidc.mjs`), driven through its login and consent pages, plus every
//! way a callback must be refused (security checklist OIDC-01 to OIDC-08).

use diesel::prelude::*;
use privacy_portal::db::schema::{oidc_logins, subject_oidc_identities};

use crate::helpers::harness::{OidcServer, free_port};
use crate::helpers::test_app::Browser;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    round_trip_links_by_verified_email_then_by_issuer_and_subject,
    processor_users_sign_in_at_their_organisations_provider,
    staff_sign_in_at_the_staff_provider_with_the_role_from_a_claim,
);

/// A portal with the test provider configured (under `issuer`, or the provider's own).
async fn app_with_idp(backend: Backend, issuer_override: Option<&str>) -> (TestApp, OidcServer) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let idp = OidcServer::start(&base);
    let issuer = issuer_override.map(str::to_owned).unwrap_or_else(|| idp.issuer.clone());
    let providers = idp.providers_setting(&issuer);
    let bind = format!("127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, &[("PORTAL_BIND", &bind), ("PORTAL_OIDC__PROVIDERS", &providers)]).await;
    (app, idp)
}

fn resolve(base: &str, location: &str) -> String {
    url::Url::parse(base).unwrap().join(location).unwrap().to_string()
}

/// Starts a sign-in in `browser` and walks the provider's pages as `login`; returns the
/// callback URL the provider sends the browser back to (not yet visited).
async fn login_at_provider(app: &TestApp, browser: &Browser, login: &str) -> String {
    login_from(app, browser, "/sign-in/oidc/test-idp", login).await
}

/// `login_at_provider`, starting at `start`.
async fn login_from(app: &TestApp, browser: &Browser, start: &str, login: &str) -> String {
    let start = browser.get(start).await;
    assert_eq!(start.status(), 303, "sign-in starts with a redirect to the provider");
    let mut url = start.headers()["location"].to_str().unwrap().to_owned();
    // OIDC-01, OIDC-02: code flow with PKCE S256, state and nonce.
    let auth = url::Url::parse(&url).unwrap();
    let params: std::collections::HashMap<String, String> = auth.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params["state"].len() >= 22 && params["nonce"].len() >= 22);
    assert!(params["scope"].split(' ').any(|s| s == "openid"));

    let idp =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for _ in 0..20 {
        if url.starts_with(&app.base) {
            return url;
        }
        let r = idp.get(&url).send().await.unwrap();
        if r.status().is_redirection() {
            url = resolve(&url, r.headers()["location"].to_str().unwrap());
            continue;
        }
        let page = r.text().await.unwrap();
        let (action, fields) = {
            let doc = scraper::Html::parse_document(&page);
            let form = doc
                .select(&scraper::Selector::parse("form").unwrap())
                .next()
                .unwrap_or_else(|| panic!("a form at {url}: {page}"));
            let action = resolve(&url, form.value().attr("action").unwrap_or(&url));
            let mut fields: Vec<(String, String)> = form
                .select(&scraper::Selector::parse("input[name]").unwrap())
                .map(|i| (i.value().attr("name").unwrap().to_owned(), i.value().attr("value").unwrap_or("").to_owned()))
                .collect();
            for (name, value) in fields.iter_mut() {
                match name.as_str() {
                    "login" => *value = login.to_owned(),
                    "password" => *value = "any password".to_owned(),
                    _ => {}
                }
            }
            (action, fields)
        };
        let r = idp.post(&action).form(&fields).send().await.unwrap();
        assert!(r.status().is_redirection(), "provider form at {action} answered {}", r.status());
        url = resolve(&action, r.headers()["location"].to_str().unwrap());
    }
    panic!("the provider never sent the browser back");
}

async fn linked(app: &TestApp) -> Vec<(String, String)> {
    app.state
        .db
        .run(|c| {
            Ok(subject_oidc_identities::table
                .select((subject_oidc_identities::issuer, subject_oidc_identities::sub))
                .load(c)?)
        })
        .await
        .unwrap()
}

/// OIDC-03..08 happy path: first sign-in links by a verified address, later ones by
/// (issuer, sub); userinfo supplies the address (oidc-provider's ID tokens carry none).
async fn round_trip_links_by_verified_email_then_by_issuer_and_subject(backend: Backend) {
    let (app, idp) = app_with_idp(backend, None).await;
    let browser = app.browser();
    let callback = login_at_provider(&app, &browser, "demo@example.com").await;
    let r = browser.get(&callback).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(r.headers()["location"], "/dashboard");
    let (status, body) = browser.page("/dashboard").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sam de Vries"));
    assert_eq!(linked(&app).await, vec![(idp.issuer.clone(), "demo-example-com".to_owned())]);

    let (_, account) = browser.page("/account").await;
    assert!(account.contains("Identity provider"), "the session shows how it was made");

    let again = app.browser();
    let callback = login_at_provider(&app, &again, "demo@example.com").await;
    assert_eq!(again.get(&callback).await.headers()["location"], "/dashboard");
    assert_eq!(linked(&app).await.len(), 1, "linked once, found by (issuer, sub) the second time");
}

/// Sign-out ends the portal session and sends the browser to the provider's
/// end-session endpoint (RP-initiated logout), which sends it back to the portal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_provider_session_too() {
    let (app, idp) = app_with_idp(Backend::Sqlite, None).await;
    let browser = app.browser();
    let callback = login_at_provider(&app, &browser, "demo@example.com").await;
    browser.get(&callback).await;
    let r = browser.submit("/dashboard", "/sign-out", &[]).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{}/session/end", idp.issuer)), "{location}");
    let logout = url::Url::parse(&location).unwrap();
    let params: std::collections::HashMap<String, String> = logout.query_pairs().into_owned().collect();
    assert!(params.contains_key("id_token_hint"));
    assert_eq!(params["post_logout_redirect_uri"], format!("{}/", app.base));
    assert_eq!(browser.get("/dashboard").await.status(), 303, "the portal session ended at once");

    // Confirm at the provider as its page would; it returns the browser to the portal.
    let idp_client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = idp_client.get(&location).send().await.unwrap().text().await.unwrap();
    let xsrf = {
        let doc = scraper::Html::parse_document(&page);
        doc.select(&scraper::Selector::parse("input[name=xsrf]").unwrap())
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned()
    };
    let r = idp_client
        .post(format!("{}/session/end/confirm", idp.issuer))
        .form(&[("xsrf", xsrf.as_str()), ("logout", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with(&format!("{}/", app.base)));
}

/// What a refused callback must look like: 400 (or the no-data page), and no session.
async fn assert_refused(app: &TestApp, browser: &Browser, callback: &str, expected_status: u16, expected_text: &str) {
    let r = browser.get(callback).await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, expected_status, "{callback}: {body}");
    assert!(body.contains(expected_text), "{expected_text} in {body}");
    assert_eq!(browser.get("/dashboard").await.status(), 303, "no session was created");
    let sessions = app
        .state
        .db
        .run(|c| {
            use privacy_portal::db::schema::sessions;
            Ok(sessions::table.filter(sessions::stage.ne("anonymous")).count().get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

fn with_state(callback: &str, state: &str) -> String {
    let mut url = url::Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().filter(|(k, _)| k != "state").collect();
    url.query_pairs_mut().clear().extend_pairs(pairs).append_pair("state", state);
    url.to_string()
}

/// OIDC-03: a wrong state, a replayed state, or a state from another browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_replayed_or_foreign_state_is_refused() {
    let (app, _idp) = app_with_idp(Backend::Sqlite, None).await;
    let browser = app.browser();
    let callback = login_at_provider(&app, &browser, "demo@example.com").await;
    assert_refused(&app, &browser, &with_state(&callback, "not-the-state"), 400, "could not be verified").await;

    let thief = app.browser();
    thief.get("/sign-in").await;
    assert_refused(&app, &thief, &callback, 400, "could not be verified").await;

    // The genuine browser can still finish once; replaying the callback then fails,
    // in another browser and in the same one.
    assert_eq!(browser.get(&callback).await.status(), 303);
    assert_eq!(browser.get("/dashboard").await.status(), 200);
    let replayer = app.browser();
    replayer.get("/sign-in").await;
    let r = replayer.get(&callback).await;
    assert_eq!(r.status(), 400);
    assert_eq!(replayer.get("/dashboard").await.status(), 303);
    let r = browser.get(&callback).await;
    assert_eq!(r.status(), 400, "a used state is refused even in the browser that used it");
}

/// OIDC-04: the ID token's nonce must be the one this login sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_nonce_is_refused() {
    let (app, idp) = app_with_idp(Backend::Sqlite, None).await;
    // A genuinely signed token carrying another nonce.
    let browser = app.browser();
    let callback = login_at_provider(&app, &browser, "demo@example.com").await;
    idp.mutate_next_token("nonce").await;
    assert_refused(&app, &browser, &callback, 400, "could not be verified").await;

    // The stored nonce changed under a genuine token.
    let second = app.browser();
    let callback = login_at_provider(&app, &second, "demo@example.com").await;
    app.state
        .db
        .run(|c| {
            Ok(diesel::update(oidc_logins::table.filter(oidc_logins::consumed_at.is_null()))
                .set(oidc_logins::nonce.eq("tampered"))
                .execute(c)?)
        })
        .await
        .unwrap();
    assert_refused(&app, &second, &callback, 400, "could not be verified").await;
}

/// OIDC-05: issuer, audience, signature, algorithm and expiry of the ID token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_id_tokens_are_refused() {
    let (app, idp) = app_with_idp(Backend::Sqlite, None).await;
    for mutation in ["issuer", "audience", "signature", "none", "expired"] {
        let browser = app.browser();
        let callback = login_at_provider(&app, &browser, "demo@example.com").await;
        idp.mutate_next_token(mutation).await;
        assert_refused(&app, &browser, &callback, 400, "could not be verified").await;
    }
    assert!(linked(&app).await.is_empty(), "nothing was linked");
    // And the same provider, untampered, works.
    let browser = app.browser();
    let callback = login_at_provider(&app, &browser, "demo@example.com").await;
    assert_eq!(browser.get(&callback).await.status(), 303);
}

/// OIDC-06: discovery metadata whose issuer differs from the configured one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_with_another_issuer_is_refused_at_discovery() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let idp = OidcServer::start(&base);
    let pretend = idp.issuer.replace("127.0.0.1", "localhost");
    let providers = idp.providers_setting(&pretend);
    let bind = format!("127.0.0.1:{port}");
    let app =
        TestApp::spawn_with(Backend::Sqlite, &[("PORTAL_BIND", &bind), ("PORTAL_OIDC__PROVIDERS", &providers)]).await;
    let browser = app.browser();
    let r = browser.get("/sign-in/oidc/test-idp").await;
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().contains("code by e-mail"), "offers the e-mail route");
}

/// The issue: an address the provider does not mark verified links nothing; an
/// identity nobody has gets a clear page offering the e-mail route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_or_unknown_identities_hold_no_data() {
    let (app, _idp) = app_with_idp(Backend::Sqlite, None).await;
    let browser = app.browser();
    let callback = login_at_provider(&app, &browser, "unverified:demo@example.com").await;
    assert_refused(&app, &browser, &callback, 200, "We hold no data under the account").await;
    assert!(linked(&app).await.is_empty(), "an unverified address links nothing");

    let stranger = app.browser();
    let callback = login_at_provider(&app, &stranger, "stranger@example.com").await;
    let r = stranger.get(&callback).await;
    let body = r.text().await.unwrap();
    assert!(body.contains("sign in with a code sent to that address") && body.contains("href=\"/sign-in\""), "{body}");
}

/// A recipient organisation's own identity provider (`processors_of`): its processor
/// users sign in there instead of code plus authenticator; nobody else gets in.
async fn processor_users_sign_in_at_their_organisations_provider(backend: Backend) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let idp = OidcServer::start(&base);
    let issuer = idp.issuer.clone();
    let providers = format!(
        r#"[{{ key = "test-idp", label = "Customer ID", issuer = "{issuer}", client_id = "portal", client_secret = "portal-secret" }},
            {{ key = "clouddesk", label = "CloudDesk staff login", issuer = "{issuer}", client_id = "portal", client_secret = "portal-secret", processors_of = ["crm-cloud"] }}]"#
    );
    let bind = format!("127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, &[("PORTAL_BIND", &bind), ("PORTAL_OIDC__PROVIDERS", &providers)]).await;
    app.invite_processor("crm-cloud", "ops@clouddesk.example", "Chris Cloud").await;
    app.invite_processor("e-invoicing", "fl@factuurlink.example", "Femke Link").await;

    // Each audience sees and may use only its own providers.
    let browser = app.browser();
    let (_, customer_page) = browser.page("/sign-in").await;
    assert!(customer_page.contains("Customer ID") && !customer_page.contains("CloudDesk staff login"));
    let (_, processor_page) = browser.page("/processor/sign-in").await;
    assert!(processor_page.contains("/processor/sign-in/oidc/clouddesk") && !processor_page.contains("Customer ID"));
    assert_eq!(browser.get("/sign-in/oidc/clouddesk").await.status(), 404);
    assert_eq!(browser.get("/processor/sign-in/oidc/test-idp").await.status(), 404);

    let callback = login_from(&app, &browser, "/processor/sign-in/oidc/clouddesk", "ops@clouddesk.example").await;
    let r = browser.get(&callback).await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/processor"));
    let (status, inbox) = browser.page("/processor").await;
    assert_eq!(status, 200);
    assert!(inbox.contains("CloudDesk CRM Inc.") && inbox.contains("Chris Cloud"));
    assert_eq!(browser.get("/dashboard").await.status(), 303, "a processor session is not a person's");

    // Refused: an unverified address, a user of another organisation, a customer.
    for login in ["unverified:ops@clouddesk.example", "fl@factuurlink.example", "demo@example.com"] {
        let other = app.browser();
        let callback = login_from(&app, &other, "/processor/sign-in/oidc/clouddesk", login).await;
        let r = other.get(&callback).await;
        assert_eq!(r.status(), 403, "{login}");
        assert!(r.text().await.unwrap().contains("No access for this account"));
        assert_eq!(other.get("/processor").await.status(), 303, "{login} is not signed in");
    }
}

/// A provider for processors of a recipient the catalog does not know stops start-up.
#[tokio::test]
async fn unknown_recipient_in_processors_of_stops_start_up() {
    let db = crate::helpers::TestDb::new(Backend::Sqlite);
    let providers =
        r#"[{ key = "x", issuer = "https://id.example.com", client_id = "c", processors_of = ["nobody"] }]"#;
    let settings = crate::helpers::test_app::test_settings(&db, &[("PORTAL_OIDC__PROVIDERS", providers)]);
    let clock =
        std::sync::Arc::new(privacy_portal::clock::ManualClock::new(time::macros::datetime!(2026-11-20 10:00 UTC)));
    let refused =
        privacy_portal::startup::Application::build(settings, clock).await.err().expect("start-up is refused");
    assert!(refused.to_string().contains("processors_of names `nobody`"), "{refused}");
}

/// The staff identity provider (`staff = true`): the role comes from a claim; no role,
/// an unknown role or an unverified address gets no access, and nobody else sees it.
async fn staff_sign_in_at_the_staff_provider_with_the_role_from_a_claim(backend: Backend) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let idp = OidcServer::start(&base);
    let issuer = idp.issuer.clone();
    let providers = format!(
        r#"[{{ key = "test-idp", label = "Customer ID", issuer = "{issuer}", client_id = "portal", client_secret = "portal-secret" }},
            {{ key = "corp", label = "Corporate login", issuer = "{issuer}", client_id = "portal", client_secret = "portal-secret", scopes = ["openid", "email", "profile"], staff = true }}]"#
    );
    let bind = format!("127.0.0.1:{port}");
    let app = TestApp::spawn_with(backend, &[("PORTAL_BIND", &bind), ("PORTAL_OIDC__PROVIDERS", &providers)]).await;
    app.add_staff("local@corp.example", "Local Lou", privacy_portal::domain::staff::StaffRole::Agent).await;
    let browser = app.browser();
    let (_, customer_page) = browser.page("/sign-in").await;
    assert!(!customer_page.contains("Corporate login"));
    let (_, staff_page) = browser.page("/staff/sign-in").await;
    assert!(staff_page.contains("/staff/sign-in/oidc/corp") && !staff_page.contains("Customer ID"));
    assert_eq!(browser.get("/sign-in/oidc/corp").await.status(), 404);
    assert_eq!(browser.get("/processor/sign-in/oidc/corp").await.status(), 404);

    let officer = app.browser();
    let callback =
        login_from(&app, &officer, "/staff/sign-in/oidc/corp", "role:privacy_officer:pim@corp.example").await;
    let r = officer.get(&callback).await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/staff"));
    assert_eq!(officer.get("/staff/requests").await.status(), 200, "a privacy officer opens the queue");
    assert_eq!(officer.get("/staff/admin").await.status(), 403);

    let agent = app.browser();
    let callback = login_from(&app, &agent, "/staff/sign-in/oidc/corp", "role:agent:anna@corp.example").await;
    assert_eq!(agent.get(&callback).await.status(), 303);
    assert_eq!(agent.get("/staff").await.status(), 200);
    assert_eq!(agent.get("/staff/requests").await.status(), 403, "an agent does not");

    for login in [
        "nobody@corp.example",
        "role:superuser:root@corp.example",
        "role:admin:unverified:eve@corp.example",
        "role:admin:local@corp.example",
    ] {
        let other = app.browser();
        let callback = login_from(&app, &other, "/staff/sign-in/oidc/corp", login).await;
        let r = other.get(&callback).await;
        assert_eq!(r.status(), 403, "{login}");
        assert!(r.text().await.unwrap().contains("No staff access"), "{login}");
        assert_eq!(other.get("/staff").await.status(), 303, "{login} is not signed in");
    }
    let (names, roles): (Vec<String>, Vec<String>) = app
        .state
        .db
        .run(|c| {
            use diesel::prelude::*;
            use privacy_portal::db::schema::staff_users;
            Ok(staff_users::table
                .filter(staff_users::oidc_issuer.is_not_null())
                .order(staff_users::email)
                .select((staff_users::email, staff_users::role))
                .load::<(String, String)>(c)?
                .into_iter()
                .unzip())
        })
        .await
        .unwrap();
    assert_eq!(names, ["anna@corp.example", "pim@corp.example"]);
    assert_eq!(roles, ["agent", "privacy_officer"]);
}
