//! `PageContext`: what every page needs (language, texts, the language switch, the
//! session's CSRF token and whether someone is signed in), so no page can forget it.
//! Every page struct carries one.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpRequest};

use super::session::load_session;
use crate::auth::session::SessionStage;
use crate::db::queries::sessions::SessionRecord;
use crate::domain::Language;
use crate::error::AppError;
use crate::i18n::{Messages, messages};

/// The cookie remembering a chosen language.
pub const LANGUAGE_COOKIE: &str = "lang";

/// The language a request should be answered in: the chosen one (cookie), else the
/// browser's preference, else English.
pub fn language_of(req: &HttpRequest) -> Language {
    if let Some(chosen) = req.cookie(LANGUAGE_COOKIE).and_then(|c| c.value().parse().ok()) {
        return chosen;
    }
    req.headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(Language::from_accept_language)
        .unwrap_or(Language::En)
}

/// Per-request page data.
pub struct PageContext {
    /// The language of the page.
    pub lang: Language,
    /// The session's CSRF token, for every form on the page.
    pub csrf: String,
    /// Whether a person is signed in (for the navigation).
    pub signed_in: bool,
    /// Whether a processor user is signed in (the processor navigation).
    pub processor: bool,
    /// Whether a staff member is signed in (the staff navigation).
    pub staff: bool,
    /// While a staff member acts for a caller: until when (forms then ask for a reason).
    pub assisting_until: Option<time::OffsetDateTime>,
    path: String,
    texts: &'static Messages,
}

/// One entry of the language switch.
pub struct LanguageChoice {
    /// Language code.
    pub code: &'static str,
    /// Name in the language itself.
    pub name: &'static str,
    /// Link that switches to it and comes back here.
    pub href: String,
    /// Whether it is the current language.
    pub current: bool,
}

impl PageContext {
    /// A context for `lang` on the page at `path`, for the given session.
    pub fn new(lang: Language, path: &str, session: Option<&SessionRecord>) -> Self {
        PageContext {
            lang,
            csrf: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
            signed_in: session.is_some_and(|s| s.stage == SessionStage::Complete && s.subject_id.is_some()),
            processor: session.is_some_and(|s| s.stage == SessionStage::Complete && s.processor_user_id.is_some()),
            staff: session.is_some_and(|s| s.stage == SessionStage::Complete && s.staff_user_id.is_some()),
            assisting_until: session
                .filter(|s| s.stage == SessionStage::Complete && s.staff_user_id.is_some())
                .and_then(|s| s.acting_for.map(|(_, until)| until)),
            path: path.to_owned(),
            texts: messages(lang),
        }
    }

    /// The context of `req` for `session` (when the handler created or changed it).
    pub fn for_request(req: &HttpRequest, session: Option<&SessionRecord>) -> Self {
        PageContext::new(language_of(req), req.path(), session)
    }

    /// The text for `key` in the page's language.
    pub fn t<'a>(&'a self, key: &'a str) -> std::borrow::Cow<'a, str> {
        self.texts.get(key)
    }

    /// The text for `key` with a number, in the right plural form.
    pub fn count<N: std::borrow::Borrow<i64>>(&self, key: &str, n: N) -> String {
        self.texts.count(key, *n.borrow())
    }

    /// A date in the page's language.
    pub fn date(&self, date: &time::Date) -> String {
        self.texts.date(*date)
    }

    /// A moment (UTC) in the page's language.
    pub fn date_time(&self, at: &time::OffsetDateTime) -> String {
        self.texts.date_time(*at)
    }

    /// Whether a staff member is acting for a caller (forms then ask for a reason).
    pub fn assisting(&self) -> bool {
        self.assisting_until.is_some()
    }

    /// The language switch for this page.
    pub fn language_choices(&self) -> Vec<LanguageChoice> {
        let back: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        Language::ALL
            .iter()
            .map(|&l| LanguageChoice {
                code: l.as_str(),
                name: l.native_name(),
                href: format!("/language/{}?back={back}", l.as_str()),
                current: l == self.lang,
            })
            .collect()
    }
}

impl FromRequest for PageContext {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = load_session(&req).await?;
            Ok(PageContext::for_request(&req, session.as_ref()))
        })
    }
}
