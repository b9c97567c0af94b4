//! The portal's own texts in English and Dutch (`locales/*.toml`, built in). Catalog
//! texts (entities, purposes) are bilingual in the catalog itself.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::Language;

const EN: &str = include_str!("../locales/en.toml");
const NL: &str = include_str!("../locales/nl.toml");

/// Texts by dotted key (`section.key`).
pub struct Messages {
    texts: HashMap<String, String>,
}

impl Messages {
    fn parse(source: &str) -> Messages {
        let table: toml::Table = source.parse().unwrap_or_default();
        let mut texts = HashMap::new();
        flatten("", &toml::Value::Table(table), &mut texts);
        Messages { texts }
    }

    /// The text for `key`, or the key itself when missing (a test keeps them complete).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map(String::as_str).unwrap_or(key)
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut HashMap<String, String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

static ENGLISH: LazyLock<Messages> = LazyLock::new(|| Messages::parse(EN));
static DUTCH: LazyLock<Messages> = LazyLock::new(|| Messages::parse(NL));

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

    #[test]
    fn both_languages_have_the_same_keys() {
        let en: BTreeSet<&str> = messages(Language::En).keys().collect();
        let nl: BTreeSet<&str> = messages(Language::Nl).keys().collect();
        assert!(!en.is_empty());
        assert_eq!(
            en.difference(&nl).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "missing in nl.toml"
        );
        assert_eq!(
            nl.difference(&en).collect::<Vec<_>>(),
            Vec::<&&str>::new(),
            "missing in en.toml"
        );
    }

    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut stack = vec![dir];
        let mut used = 0;
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("t(\"").skip(1) {
                    let key = piece.split('"').next().unwrap();
                    used += 1;
                    for language in Language::ALL {
                        assert_ne!(
                            messages(*language).get(key),
                            key,
                            "{}: key `{key}` missing for {language}",
                            path.display()
                        );
                    }
                }
            }
        }
        assert!(used > 10, "expected templates to use translated texts");
    }

    /// Keys handed to templates from Rust (error messages, role names) exist too.
    #[test]
    fn every_key_named_in_rust_code_exists() {
        let sections: Vec<String> = messages(Language::En)
            .keys()
            .filter_map(|k| k.split('.').next())
            .map(str::to_owned)
            .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        let mut checked = 0;
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                // settings.rs names setting keys (such as sign_in.code_digits), not texts.
                if path.ends_with("settings.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for literal in text.split('"').skip(1).step_by(2) {
                    let Some((section, rest)) = literal.split_once('.') else {
                        continue;
                    };
                    let looks_like_key = sections.iter().any(|s| s == section)
                        && !rest.is_empty()
                        && rest.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                    if looks_like_key {
                        checked += 1;
                        for language in Language::ALL {
                            assert_ne!(
                                messages(*language).get(literal),
                                literal,
                                "{}: key `{literal}` missing for {language}",
                                path.display()
                            );
                        }
                    }
                }
            }
        }
        assert!(
            checked > 20,
            "expected Rust code to name message keys, found {checked}"
        );
    }
}
