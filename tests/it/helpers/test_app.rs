//! `TestApp`: the real portal, started in-process on 127.0.0.1 port 0 against a fresh
//! database, with a manual clock and an HTTP client that keeps cookies and does not
//! follow redirects.

use std::path::Path;
use std::sync::Arc;

use privacy_portal::clock::ManualClock;
use privacy_portal::settings::Settings;
use privacy_portal::startup::Application;
use privacy_portal::state::AppState;
use time::macros::datetime;

use super::{Backend, TestDb};

/// A running portal for one test.
pub struct TestApp {
    /// Base URL without trailing slash, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    pub client: reqwest::Client,
    #[allow(dead_code, reason = "moved by the expiry tests of later issues")]
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
}

/// The master secret of every test portal (48 bytes, base64).
pub const TEST_SECRET_KEY: &str = "dGVzdC1vbmx5LXNlY3JldC1rZXktZm9yLXRoZS1wcml2YWN5LXBvcnRhbC10ZXN0cyE=";

/// Settings as a test starts with: defaults, plus the variables given.
pub fn test_settings(db: &TestDb, extra: &[(&str, &str)]) -> Settings {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut env = vec![
        ("PORTAL_BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("PORTAL_DATABASE_URL".to_owned(), db.url.clone()),
        ("PORTAL_CATALOG__PATH".to_owned(), root.join("config/catalog.toml").display().to_string()),
        ("PORTAL_DEMO__PATH".to_owned(), root.join("config/demo.toml").display().to_string()),
        ("PORTAL_DATABASE__POOL_SIZE".to_owned(), "4".to_owned()),
        ("PORTAL_SERVER__WORKERS".to_owned(), "2".to_owned()),
        ("PORTAL_SERVER__SHUTDOWN_TIMEOUT_SECS".to_owned(), "0".to_owned()),
        ("PORTAL_LOG__FILTER".to_owned(), "warn".to_owned()),
        ("PORTAL_SECURITY__SECRET_KEY".to_owned(), TEST_SECRET_KEY.to_owned()),
        ("PORTAL_EMAIL__FILE_DIR".to_owned(), db.dir().join("mail").display().to_string()),
        ("PORTAL_ERASURE_LEDGER__PATH".to_owned(), db.dir().join("erasure-ledger.jsonl").display().to_string()),
    ];
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Settings::load(None, env).expect("test settings are valid")
}

impl TestApp {
    /// The portal with demo data, on `backend`.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, &[]).await
    }

    /// The portal with extra `PORTAL_*` settings.
    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
        let db = TestDb::new(backend);
        let settings = test_settings(&db, extra);
        privacy_portal::telemetry::init(&settings.log);
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-20 10:00 UTC)));
        let app = Application::build(settings, clock.clone()).await.expect("portal starts");
        let base = app.url().as_str().trim_end_matches('/').to_owned();
        let state = app.state().clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        TestApp { base, client, clock, state, db, handle }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request reaches the portal")
    }

    /// Status and body of a GET.
    pub async fn get_text(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the future only waits for completion.
        drop(self.handle.stop(false));
    }
}

/// A browser: its own cookie jar, no redirects followed, forms posted with the CSRF
/// token of the page they are on.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
}

impl TestApp {
    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }
}

/// The value of the `csrf` field in a page, if there is one.
pub fn csrf_in(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("input[name=csrf]").unwrap();
    doc.select(&selector).next().and_then(|e| e.value().attr("value")).map(str::to_owned)
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36")
            .build()
            .unwrap();
        Browser { client, jar, base: base.to_owned() }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Status and body.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The CSRF token on the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let (status, body) = self.page(path).await;
        csrf_in(&body).unwrap_or_else(|| panic!("{path} ({status}) has no CSRF field"))
    }

    /// POSTs exactly these fields.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.unwrap()
    }

    /// POSTs `fields` to `action` with the CSRF token from the page at `page`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf(page).await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// The value of cookie `name` for the portal.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header.to_str().ok()?.split("; ").find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// Asks for a code for `email`; returns the response to the address form.
    pub async fn request_code(&self, email: &str) -> reqwest::Response {
        self.submit("/sign-in", "/sign-in", &[("email", email), ("next", "")]).await
    }

    /// Enters a code on the code page.
    pub async fn enter_code(&self, code: &str) -> reqwest::Response {
        self.submit("/sign-in/code", "/sign-in/code", &[("code", code), ("next", "")]).await
    }

    /// Signs in by e-mail through the real SMTP server; asserts it lands on the dashboard.
    pub async fn sign_in(&self, smtp: &super::harness::SmtpServer, email: &str) {
        let before = smtp.messages_to(email).await.len();
        let r = self.request_code(email).await;
        assert_eq!(r.status(), 303, "address form accepted");
        let mail = smtp.wait_for(email, before + 1).await;
        let r = self.enter_code(&mail.code()).await;
        assert_eq!(r.status(), 303, "code accepted: {}", r.text().await.unwrap_or_default());
        assert_eq!(r.headers()["location"], "/dashboard");
    }
}

impl TestApp {
    /// A browser already signed in as `email` (a complete session created through the
    /// portal's own session store). Sign-in itself is tested in `sign_in_*.rs`; this
    /// spares the other tests a mail round trip.
    pub async fn signed_in(&self, email: &'static str) -> Browser {
        use privacy_portal::auth::keys::{random_token, token_hash};
        use privacy_portal::auth::session::{SessionStage, expires_at};
        use privacy_portal::clock::Clock;
        use privacy_portal::db::queries::{sessions, subjects};
        use privacy_portal::domain::EmailAddress;
        let token = random_token();
        let hash = token_hash(&token);
        let now = self.clock.now();
        let settings = self.state.settings.sessions;
        self.state
            .db
            .transaction(move |c| {
                let subject =
                    subjects::find_by_email(c, &EmailAddress::parse(email).unwrap())?.expect("a demo subject");
                sessions::create(
                    c,
                    sessions::NewSession {
                        token_hash: &hash,
                        stage: SessionStage::Complete,
                        principal: Some(privacy_portal::auth::session::Principal::Subject(subject)),
                        acting_for: None,
                        csrf_token: &random_token(),
                        user_agent: "test",
                        now,
                        expires_at: expires_at(SessionStage::Complete, now, &settings),
                        auth_method: Some("email_code"),
                        oidc_provider: None,
                        id_token_enc: None,
                    },
                )
            })
            .await
            .unwrap();
        let browser = self.browser();
        browser.jar.add_cookie_str(&format!("portal_session={token}; Path=/"), &self.base.parse().unwrap());
        browser
    }
}
