//! The two languages of the portal (the seed statements are in English and Dutch) and
//! bilingual text.

use super::text_enum::text_enum;

text_enum! {
    /// A language the portal speaks.
    pub enum Language {
        /// English.
        En => "en",
        /// Dutch.
        Nl => "nl",
    }
}

impl Language {
    /// Picks the best supported language from an `Accept-Language` header value,
    /// honouring q-values; `None` when nothing supported is acceptable.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(f32, usize, Language)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Ok(language) = primary.parse::<Language>() else {
                continue;
            };
            if quality <= 0.0 {
                continue;
            }
            // Higher quality wins; on a tie the earlier entry wins.
            let better = match best {
                None => true,
                Some((q, p, _)) => quality > q || (quality == q && position < p),
            };
            if better {
                best = Some((quality, position, language));
            }
        }
        best.map(|(_, _, language)| language)
    }

    /// The language's name in itself, for the language switch.
    pub const fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Nl => "Nederlands",
        }
    }
}

/// A text people read, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// English.
    pub en: String,
    /// Dutch.
    pub nl: String,
}

impl Bilingual {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::En => &self.en,
            Language::Nl => &self.nl,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_highest_quality_supported() {
        assert_eq!(Language::from_accept_language("nl-NL,nl;q=0.9,en;q=0.8"), Some(Language::Nl));
        assert_eq!(Language::from_accept_language("de-DE,en;q=0.5,nl;q=0.7"), Some(Language::Nl));
        assert_eq!(Language::from_accept_language("en-GB"), Some(Language::En));
        assert_eq!(Language::from_accept_language("fr, de"), None);
        assert_eq!(Language::from_accept_language("nl;q=0, en;q=0.1"), Some(Language::En));
        assert_eq!(Language::from_accept_language(""), None);
    }

    #[test]
    fn stored_spelling_round_trips() {
        for l in Language::ALL {
            assert_eq!(l.as_str().parse::<Language>(), Ok(*l));
        }
        assert!("de".parse::<Language>().is_err());
    }
}
