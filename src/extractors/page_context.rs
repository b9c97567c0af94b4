//! `PageContext`: what every page needs (language, texts, the language switch), so no
//! page can forget it. Every page struct carries one.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{FromRequest, HttpRequest};

use crate::domain::Language;
use crate::i18n::{Messages, messages};

/// The cookie remembering a chosen language.
pub const LANGUAGE_COOKIE: &str = "lang";

/// The language a request should be answered in: the chosen one (cookie), else the
/// browser's preference, else English.
pub fn language_of(req: &HttpRequest) -> Language {
    if let Some(chosen) = req
        .cookie(LANGUAGE_COOKIE)
        .and_then(|c| c.value().parse().ok())
    {
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
    /// A context for `lang` on the page at `path`.
    pub fn new(lang: Language, path: &str) -> Self {
        PageContext {
            lang,
            path: path.to_owned(),
            texts: messages(lang),
        }
    }

    /// The text for `key` in the page's language.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key)
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
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageContext::new(language_of(req), req.path())))
    }
}
