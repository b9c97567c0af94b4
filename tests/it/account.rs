//! The account page: authenticator apps (enrol, sign in with, recovery codes, remove
//! after a recent sign-in), seeing and ending sessions, and TLS cookies.

use diesel::prelude::*;
use privacy_portal::auth::totp::AuthenticatorSecret;
use privacy_portal::db::schema::authenticators;
use time::Duration;

use crate::helpers::harness::SmtpServer;
use crate::helpers::test_app::Browser;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    authenticator_enrolment_then_sign_in_asks_for_it,
    wrong_authenticator_codes_are_limited_per_step,
    recovery_codes_work_once,
    sensitive_actions_need_a_recent_sign_in,
    sessions_are_listed_and_can_be_ended,
);

async fn app_with_smtp(backend: Backend) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(
        backend,
        &[
            ("PORTAL_SMTP_URL", url.as_str()),
            ("PORTAL_SIGN_IN__RESEND_COOLDOWN_SECONDS", "0"),
            ("PORTAL_SIGN_IN__SENDS_PER_ADDRESS", "50"),
        ],
    )
    .await;
    (app, smtp)
}

fn now_unix(app: &TestApp) -> u64 {
    use privacy_portal::clock::Clock;
    app.clock.now().unix_timestamp() as u64
}

/// Enrols an authenticator for the signed-in browser; returns the seed and the codes.
async fn enrol(app: &TestApp, browser: &Browser) -> (AuthenticatorSecret, Vec<String>) {
    let r = browser.submit("/account/authenticator", "/account/authenticator/start", &[]).await;
    assert_eq!(r.status(), 303);
    let (status, page) = browser.page("/account/authenticator").await;
    assert_eq!(status, 200);
    assert!(page.contains("data:image/png;base64,"), "a QR code");
    let doc = scraper::Html::parse_document(&page);
    let secret_text: String =
        doc.select(&scraper::Selector::parse("code.secret").unwrap()).next().unwrap().text().collect();
    let uri = doc
        .select(&scraper::Selector::parse("a[href^='otpauth://']").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert!(uri.starts_with("otpauth://totp/") && uri.contains(&secret_text), "{uri}");
    let seed = totp_rs::Secret::try_from_base32(secret_text.trim()).unwrap();
    let secret = AuthenticatorSecret::from_bytes(seed.as_bytes().to_vec());

    let wrong = browser.submit("/account/authenticator", "/account/authenticator/confirm", &[("code", "000000")]).await;
    if secret.code_at(now_unix(app)) != "000000" {
        assert_eq!(wrong.status(), 422, "a wrong confirming code is refused");
    }
    let code = secret.code_at(now_unix(app));
    let r = browser.submit("/account/authenticator", "/account/authenticator/confirm", &[("code", &code)]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let doc = scraper::Html::parse_document(&page);
    let codes: Vec<String> =
        doc.select(&scraper::Selector::parse(".recovery-codes code").unwrap()).map(|e| e.text().collect()).collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

/// TOTP-01, TOTP-02, TOTP-04.
async fn authenticator_enrolment_then_sign_in_asks_for_it(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let browser = app.browser();
    browser.sign_in(&smtp, "demo@example.com").await;
    let (secret, _) = enrol(&app, &browser).await;
    let confirming_code = secret.code_at(now_unix(&app));

    // The seed is stored sealed: neither its bytes nor its base32 are in the row.
    let stored = app
        .state
        .db
        .run(|c| Ok(authenticators::table.select(authenticators::secret_enc).load::<Vec<u8>>(c)?))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].windows(secret.as_bytes().len()).any(|w| w == secret.as_bytes()));
    assert!(!String::from_utf8_lossy(&stored[0]).contains(&secret.base32()));

    let (_, account) = browser.page("/account").await;
    assert!(account.contains("Recovery codes left: 10"), "{account}");

    // Next sign-in: the e-mailed code leads to the authenticator step, not the dashboard.
    let next = app.browser();
    let before = smtp.messages_to("demo@example.com").await.len();
    next.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", before + 1).await.code();
    let r = next.enter_code(&code).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in/authenticator?next=%2Fdashboard");
    assert_eq!(next.get("/dashboard").await.status(), 303, "half signed in is not signed in");

    // The step used to confirm enrolment cannot be used again (replay).
    let r = next
        .submit(
            "/sign-in/authenticator",
            "/sign-in/authenticator",
            &[("code", &confirming_code), ("next", "/dashboard")],
        )
        .await;
    assert_eq!(r.status(), 422, "replayed step refused");
    app.clock.advance(Duration::seconds(30));
    let fresh = secret.code_at(now_unix(&app));
    let r = next
        .submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", &fresh), ("next", "/dashboard")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/dashboard");
    assert_eq!(next.get("/dashboard").await.status(), 200);

    // The same code in another sign-in within the same step is refused too.
    let third = app.browser();
    let before = smtp.messages_to("demo@example.com").await.len();
    third.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", before + 1).await.code();
    third.enter_code(&code).await;
    let r = third.submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", &fresh), ("next", "")]).await;
    assert_eq!(r.status(), 422);
}

async fn signed_in_to_second_step(app: &TestApp, smtp: &SmtpServer) -> Browser {
    let browser = app.browser();
    let before = smtp.messages_to("demo@example.com").await.len();
    browser.request_code("demo@example.com").await;
    let code = smtp.wait_for("demo@example.com", before + 1).await.code();
    assert_eq!(browser.enter_code(&code).await.headers()["location"], "/sign-in/authenticator?next=%2Fdashboard");
    browser
}

/// TOTP-03: three wrong codes in a 30-second step, then entry waits for the next step.
async fn wrong_authenticator_codes_are_limited_per_step(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let first = app.browser();
    first.sign_in(&smtp, "demo@example.com").await;
    let (secret, _) = enrol(&app, &first).await;
    app.clock.advance(Duration::seconds(30));
    let browser = signed_in_to_second_step(&app, &smtp).await;
    let right = secret.code_at(now_unix(&app));
    let wrong = if right == "123456" { "654321" } else { "123456" };
    for _ in 0..3 {
        let r =
            browser.submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", wrong), ("next", "")]).await;
        assert_eq!(r.status(), 422);
    }
    let r = browser.submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", &right), ("next", "")]).await;
    assert_eq!(r.status(), 429, "locked for the rest of the step, even with the right code");
    assert!(r.headers().contains_key("retry-after"));
    app.clock.advance(Duration::seconds(30));
    let right = secret.code_at(now_unix(&app));
    let r = browser.submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", &right), ("next", "")]).await;
    assert_eq!(r.status(), 303);
}

async fn recovery_codes_work_once(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let first = app.browser();
    first.sign_in(&smtp, "demo@example.com").await;
    let (_, codes) = enrol(&app, &first).await;
    let browser = signed_in_to_second_step(&app, &smtp).await;
    let typed = codes[3].to_lowercase().replace('-', " ");
    let r = browser.submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", &typed), ("next", "")]).await;
    assert_eq!(r.status(), 303, "a recovery code, typed loosely, works");
    let (_, account) = browser.page("/account").await;
    assert!(account.contains("Recovery codes left: 9"));
    let again = signed_in_to_second_step(&app, &smtp).await;
    let r =
        again.submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", &codes[3]), ("next", "")]).await;
    assert_eq!(r.status(), 422, "but only once");
    let r = again
        .submit("/sign-in/authenticator", "/sign-in/authenticator", &[("code", "not a code!"), ("next", "")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ABCD-EFGH"), "a clear message about the format");
}

/// OTP-10: removing the authenticator needs a sign-in of the last 10 minutes.
async fn sensitive_actions_need_a_recent_sign_in(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let browser = app.browser();
    browser.sign_in(&smtp, "demo@example.com").await;
    let (secret, _) = enrol(&app, &browser).await;
    app.clock.advance(Duration::minutes(11));
    let r = browser.submit("/account/authenticator", "/account/authenticator/remove", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?reauth=1&next=%2Faccount%2Fauthenticator");
    let (_, page) = browser.page("/sign-in?reauth=1&next=%2Faccount%2Fauthenticator").await;
    assert!(page.contains("sign in again"));

    // Signing in again (code, then app) makes it possible.
    let before = smtp.messages_to("demo@example.com").await.len();
    browser
        .submit("/sign-in?reauth=1", "/sign-in", &[("email", "demo@example.com"), ("next", "/account/authenticator")])
        .await;
    let code = smtp.wait_for("demo@example.com", before + 1).await.code();
    let r =
        browser.submit("/sign-in/code", "/sign-in/code", &[("code", &code), ("next", "/account/authenticator")]).await;
    assert_eq!(r.headers()["location"], "/sign-in/authenticator?next=%2Faccount%2Fauthenticator");
    app.clock.advance(Duration::seconds(30));
    let totp = secret.code_at(now_unix(&app));
    let r = browser
        .submit(
            "/sign-in/authenticator",
            "/sign-in/authenticator",
            &[("code", &totp), ("next", "/account/authenticator")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/account/authenticator");
    let r = browser.submit("/account/authenticator", "/account/authenticator/remove", &[]).await;
    assert_eq!(r.headers()["location"], "/account");
    let left = app.state.db.run(|c| Ok(authenticators::table.count().get_result::<i64>(c)?)).await.unwrap();
    assert_eq!(left, 0);
}

/// SESS-05: the person sees their sessions and ends others, or all.
async fn sessions_are_listed_and_can_be_ended(backend: Backend) {
    let (app, smtp) = app_with_smtp(backend).await;
    let laptop = app.browser();
    laptop.sign_in(&smtp, "demo@example.com").await;
    let phone = app.browser();
    phone.sign_in(&smtp, "demo@example.com").await;
    let someone_else = app.browser();
    someone_else.sign_in(&smtp, "noor.jansen@example.nl").await;

    let (_, page) = laptop.page("/account").await;
    let doc = scraper::Html::parse_document(&page);
    let rows: Vec<String> =
        doc.select(&scraper::Selector::parse("table.sessions tbody tr").unwrap()).map(|r| r.text().collect()).collect();
    assert_eq!(rows.len(), 2, "only this person's sessions: {rows:?}");
    assert!(rows.iter().filter(|r| r.contains("this browser")).count() == 1);
    assert!(rows.iter().all(|r| r.contains("Chrome (Linux)") && r.contains("E-mailed code")));

    // Ending a session needs its handle, which only its owner sees; another person's
    // handle does nothing.
    let (_, noor_page) = someone_else.page("/account").await;
    let noor_doc = scraper::Html::parse_document(&noor_page);
    let noor_handle = noor_doc
        .select(&scraper::Selector::parse("input[name=session]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    let r = laptop.submit("/account", "/account/sessions/end", &[("session", &noor_handle)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(someone_else.get("/dashboard").await.status(), 200, "another person's session is out of reach");

    let r = laptop.submit("/account", "/account/sessions/end-others", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(phone.get("/dashboard").await.status(), 303, "the phone was signed out");
    assert_eq!(laptop.get("/dashboard").await.status(), 200, "this browser stays signed in");

    let r = laptop.submit("/account", "/account/sign-out-everywhere", &[]).await;
    assert_eq!(r.headers()["location"], "/?signed_out=1");
    assert_eq!(laptop.get("/dashboard").await.status(), 303);
    let (_, landing) = laptop.page("/?signed_out=1").await;
    assert!(landing.contains("You are signed out."));
}

/// CK-*: over TLS the session cookie is `__Host-` prefixed and Secure; HSTS is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_cookies_are_host_prefixed_and_secure() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let (c, k) = (cert_path.display().to_string(), key_path.display().to_string());
    let app =
        TestApp::spawn_with(Backend::Sqlite, &[("PORTAL_SERVER__TLS_CERT", &c), ("PORTAL_SERVER__TLS_KEY", &k)]).await;
    assert!(app.base.starts_with("https://127.0.0.1:"), "{}", app.base);
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client.get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-portal_session="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Domain="), "__Host- cookies carry no Domain");
}
