//! Setting up recipients' side for propagation tests: processor users (through the
//! same function the CLI calls), API tokens, decisions, and a processor signing in
//! with an e-mailed code and an authenticator app, over HTTP.

use privacy_portal::auth::totp::AuthenticatorSecret;
use privacy_portal::clock::Clock;
use privacy_portal::db::queries::decisions::{self, Decision, DecisionResult, Engine};
use privacy_portal::db::queries::processors;
use privacy_portal::db::queries::tokens::{self, NewToken};
use privacy_portal::domain::EmailAddress;
use privacy_portal::domain::audit::Actor;
use privacy_portal::domain::ids::RecipientId;

use super::TestApp;
use super::harness::SmtpServer;
use super::test_app::{Browser, csrf_in};

impl TestApp {
    /// The row id of the recipient with catalog key `key`.
    pub fn recipient_id(&self, key: &str) -> RecipientId {
        *self.state.catalog.ids.recipients.iter().find(|(k, _)| k.as_str() == key).expect("a catalog recipient").1
    }

    /// Invites a processor user of `recipient` (the invitation mail is queued).
    pub async fn invite_processor(&self, recipient: &str, email: &'static str, name: &'static str) {
        let recipient_id = self.recipient_id(recipient);
        let organisation = self.state.catalog.recipient(recipient_id).unwrap().name.clone();
        let st = self.state.clone();
        let now = self.clock.now();
        self.state
            .db
            .transaction(move |c| {
                processors::invite_and_notify(
                    c,
                    &st.keys,
                    &st.public_base,
                    &organisation,
                    recipient_id,
                    &EmailAddress::parse(email).unwrap(),
                    name,
                    &Actor::System,
                    now,
                )
            })
            .await
            .unwrap();
        self.state.outbox_wakeup.notify_one();
    }

    /// Issues a processor API token for `recipient`; returns it.
    pub async fn processor_token(&self, recipient: &str) -> String {
        let recipient_id = self.recipient_id(recipient);
        let now = self.clock.now();
        self.state
            .db
            .transaction(move |c| {
                tokens::issue(
                    c,
                    NewToken {
                        kind: "processor",
                        recipient: Some(recipient_id),
                        source_system: None,
                        entity_scope: None,
                        label: "test machine",
                    },
                    now,
                )
            })
            .await
            .unwrap()
            .1
    }

    /// Issues an ingestion token for `source`, limited to `entities` when given; returns it.
    pub async fn ingest_token(&self, source: &'static str, entities: Option<&[&str]>) -> String {
        let now = self.clock.now();
        let scope = entities.map(|e| e.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        self.state
            .db
            .transaction(move |c| {
                tokens::issue(
                    c,
                    NewToken {
                        kind: "ingest",
                        recipient: None,
                        source_system: Some(source),
                        entity_scope: scope,
                        label: "test source",
                    },
                    now,
                )
            })
            .await
            .unwrap()
            .1
    }

    /// Decides a request as the CLI does (`privacy-portal requests decide`).
    pub async fn decide(&self, public_id: &str, decision: Decision) -> DecisionResult {
        let st = self.state.clone();
        let now = self.clock.now();
        let id = public_id.to_owned();
        let result = self
            .state
            .db
            .transaction(move |c| {
                let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
                decisions::decide(c, &engine, &id, &decision, &Actor::System, now)
            })
            .await
            .unwrap();
        self.state.outbox_wakeup.notify_one();
        result
    }

    /// The portal's clock as Unix seconds.
    pub fn unix_now(&self) -> u64 {
        self.clock.now().unix_timestamp() as u64
    }

    /// A browser signed in as processor user `email`: code by mail, then enrolment of
    /// an authenticator app on first sign-in. Returns the browser and the app's secret.
    pub async fn processor_signed_in(&self, smtp: &SmtpServer, email: &str) -> (Browser, AuthenticatorSecret) {
        self.workforce_signed_in(smtp, "/processor", email, None).await
    }

    /// The same for a local staff account, at `/staff/sign-in`.
    pub async fn staff_signed_in(&self, smtp: &SmtpServer, email: &str) -> (Browser, AuthenticatorSecret) {
        self.workforce_signed_in(smtp, "/staff", email, None).await
    }

    /// A later sign-in of a staff member who enrolled `secret` already.
    pub async fn staff_signed_in_again(&self, smtp: &SmtpServer, email: &str, secret: &AuthenticatorSecret) -> Browser {
        let seed = AuthenticatorSecret::from_bytes(secret.as_bytes().to_vec());
        self.workforce_signed_in(smtp, "/staff", email, Some(seed)).await.0
    }

    /// Adds a local staff account.
    pub async fn add_staff(
        &self,
        email: &'static str,
        name: &'static str,
        role: privacy_portal::domain::staff::StaffRole,
    ) {
        let now = self.clock.now();
        self.state
            .db
            .transaction(move |c| {
                privacy_portal::db::queries::staff::create(c, &EmailAddress::parse(email).unwrap(), name, role, now)
            })
            .await
            .unwrap();
    }

    async fn workforce_signed_in(
        &self,
        smtp: &SmtpServer,
        base: &str,
        email: &str,
        enrolled: Option<AuthenticatorSecret>,
    ) -> (Browser, AuthenticatorSecret) {
        let browser = self.browser();
        let codes = |mails: Vec<super::harness::ReceivedMail>| {
            mails.into_iter().filter(|m| m.subject.contains("sign-in code")).collect::<Vec<_>>()
        };
        let before = codes(smtp.messages_to(email).await).len();
        let sign_in = format!("{base}/sign-in");
        let r = browser.submit(&sign_in, &sign_in, &[("email", email)]).await;
        assert_eq!(r.status(), 303, "address accepted");
        let started = std::time::Instant::now();
        let mail = loop {
            if let Some(m) = codes(smtp.messages_to(email).await).into_iter().nth(before) {
                break m;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "no sign-in code for {email}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let code_page = format!("{base}/sign-in/code");
        let r = browser.submit(&code_page, &code_page, &[("code", &mail.code())]).await;
        assert_eq!(r.status(), 303);
        let second = format!("{base}/sign-in/authenticator");
        assert_eq!(r.headers()["location"], second.as_str(), "a code alone is not enough");
        let (status, page) = browser.page(&second).await;
        assert_eq!(status, 200);
        if let Some(secret) = enrolled {
            let csrf = csrf_in(&page).unwrap();
            let r = browser.post(&second, &[("csrf", &csrf), ("code", &secret.code_at(self.unix_now()))]).await;
            assert_eq!(r.status(), 303, "the authenticator code is accepted");
            return (browser, secret);
        }
        let doc = scraper::Html::parse_document(&page);
        let secret_text: String = doc
            .select(&scraper::Selector::parse("code.secret").unwrap())
            .next()
            .expect("enrolment shows the secret")
            .text()
            .collect();
        let seed = totp_rs::Secret::try_from_base32(secret_text.trim()).unwrap();
        let secret = AuthenticatorSecret::from_bytes(seed.as_bytes().to_vec());
        let csrf = csrf_in(&page).unwrap();
        let r = browser.post(&second, &[("csrf", &csrf), ("code", &secret.code_at(self.unix_now()))]).await;
        assert_eq!(r.status(), 200, "first sign-in shows the recovery codes");
        let (status, _) = browser.page(base).await;
        assert_eq!(status, 200, "signed in");
        (browser, secret)
    }
}
