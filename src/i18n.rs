//! The portal's own texts in English and Dutch, in Project Fluent (`locales/*.ftl`,
//! built in, through the `fluent-bundle` crate), and dates written the way each
//! language writes them. Catalog texts (entities, purposes) are bilingual in the
//! catalog itself.
//!
//! Code and templates name a message `section.key`; in the `.ftl` files it is
//! `section-key` (Fluent identifiers have no dots).

use std::borrow::Cow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use time::{Date, OffsetDateTime};

use crate::domain::Language;

const EN: &str = include_str!("../locales/en.ftl");
const NL: &str = include_str!("../locales/nl.ftl");

/// The messages of one language.
pub struct Messages {
    bundle: FluentBundle<FluentResource>,
    language: Language,
}

fn message_id(key: &str) -> String {
    key.replace('.', "-")
}

impl Messages {
    fn load(language: Language, source: &'static str) -> Messages {
        let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, errors)| {
            // A broken line drops only that message; the completeness tests catch it.
            tracing::error!(language = %language, errors = ?errors, "locale file has syntax errors");
            resource
        });
        let tag = unic_langid::LanguageIdentifier::from_bytes(language.as_str().as_bytes()).unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![tag]);
        // No Unicode isolation marks around arguments: pages set `lang` and `dir` already.
        bundle.set_use_isolating(false);
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(language = %language, errors = ?errors, "locale file has duplicate messages");
        }
        Messages { bundle, language }
    }

    /// The text for `key`, or the key itself when missing (tests keep them complete).
    pub fn get<'a>(&'a self, key: &'a str) -> Cow<'a, str> {
        self.format(key, None)
    }

    /// The text for `key` with `count` filled in (plural forms per language).
    pub fn count(&self, key: &str, count: i64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        self.format(key, Some(&args)).into_owned()
    }

    fn format<'a>(&'a self, key: &'a str, args: Option<&FluentArgs<'_>>) -> Cow<'a, str> {
        let Some(pattern) = self.bundle.get_message(&message_id(key)).and_then(|m| m.value()) else {
            return Cow::Borrowed(key);
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, language = %self.language, errors = ?errors, "message formatted with errors");
        }
        text
    }

    /// Whether `key` names a message.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(&message_id(key))
    }

    /// A date as the language writes it: "21 November 2026" / "21 november 2026".
    pub fn date(&self, date: Date) -> String {
        const EN_MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const NL_MONTHS: [&str; 12] = [
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ];
        let months = match self.language {
            Language::En => EN_MONTHS,
            Language::Nl => NL_MONTHS,
        };
        format!("{} {} {}", date.day(), months[date.month() as usize - 1], date.year())
    }

    /// A moment as the language writes it, in UTC: "21 November 2026, 14:05 UTC".
    pub fn date_time(&self, at: OffsetDateTime) -> String {
        let utc = at.to_offset(time::UtcOffset::UTC);
        let separator = match self.language {
            Language::En => ", ",
            Language::Nl => " om ",
        };
        format!("{}{separator}{:02}:{:02} UTC", self.date(utc.date()), utc.hour(), utc.minute())
    }
}

static ENGLISH: LazyLock<Messages> = LazyLock::new(|| Messages::load(Language::En, EN));
static DUTCH: LazyLock<Messages> = LazyLock::new(|| Messages::load(Language::Nl, NL));

/// The texts of `language`.
pub fn messages(language: Language) -> &'static Messages {
    match language {
        Language::En => &ENGLISH,
        Language::Nl => &DUTCH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(source: &'static str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned()).expect("locale file parses without errors");
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let en = ids(EN);
        let nl = ids(NL);
        assert!(en.len() > 50);
        assert_eq!(en.difference(&nl).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in nl.ftl");
        assert_eq!(nl.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en.ftl");
    }

    #[test]
    fn plurals_and_dates_follow_the_language() {
        let en = messages(Language::En);
        let nl = messages(Language::Nl);
        assert_eq!(en.count("dashboard.records_count", 1), "1 item");
        assert_eq!(en.count("dashboard.records_count", 36), "36 items");
        assert_eq!(nl.count("dashboard.records_count", 1), "1 gegeven");
        assert_eq!(nl.count("dashboard.records_count", 36), "36 gegevens");
        let d = time::macros::date!(2026 - 11 - 21);
        assert_eq!(en.date(d), "21 November 2026");
        assert_eq!(nl.date(d), "21 november 2026");
        assert_eq!(nl.date_time(time::macros::datetime!(2026-11-21 14:05 UTC)), "21 november 2026 om 14:05 UTC");
    }

    fn files_under(dir: &str, extension: &str) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == extension) {
                    out.push(path);
                }
            }
        }
        out
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let mut used = 0;
        for path in files_under("templates", "html") {
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["t(\"", "count(\""] {
                for piece in text.split(marker).skip(1) {
                    let key = piece.split('"').next().unwrap();
                    used += 1;
                    for language in Language::ALL {
                        assert!(messages(*language).has(key), "{}: key `{key}` missing for {language}", path.display());
                    }
                }
            }
        }
        assert!(used > 10, "expected templates to use translated texts");
    }

    /// Keys handed to templates from Rust (error messages, role names) exist too.
    #[test]
    fn every_key_named_in_rust_code_exists() {
        let sections: BTreeSet<String> =
            ids(EN).iter().filter_map(|k| k.split('-').next()).map(str::to_owned).collect();
        let mut checked = 0;
        for path in files_under("src", "rs") {
            // settings.rs names setting keys (such as sign_in.code_digits); the audit
            // module and the database layer name audit actions (such as request.rejected).
            // None of them names texts.
            let path_text = path.to_string_lossy();
            if path.ends_with("settings.rs") || path.ends_with("domain/audit.rs") || path_text.contains("src/db/") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for literal in text.split('"').skip(1).step_by(2) {
                let Some((section, rest)) = literal.split_once('.') else {
                    continue;
                };
                let file_name = ["csv", "json", "txt", "html"].contains(&rest);
                let looks_like_key = sections.contains(section)
                    && !file_name
                    && !rest.is_empty()
                    && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if looks_like_key {
                    checked += 1;
                    for language in Language::ALL {
                        assert!(
                            messages(*language).has(literal),
                            "{}: key `{literal}` missing for {language}",
                            path.display()
                        );
                    }
                }
            }
        }
        assert!(checked > 20, "expected Rust code to name message keys, found {checked}");
    }
}
