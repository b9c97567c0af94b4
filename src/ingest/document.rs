//! The person document a source system sends (one API item, one JSON line of an
//! import) and its validation into an [`Upsert`]. Every problem is reported with the
//! path of the field it is about, so a source can fix exactly that field; nothing here
//! touches the database.

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};

use crate::catalog::Catalog;
use crate::domain::catalog::Key;
use crate::domain::person::{
    MAX_FIELD_CHARS, MAX_RECORD_VALUE_CHARS, NewDisclosure, NewPerson, NewPreference, NewRecord, NewRelationship,
};
use crate::domain::{EmailAddress, Language};

/// Largest person document (one API item or one import line), in bytes.
pub const MAX_ITEM_BYTES: usize = 1024 * 1024;
/// Most records in one document.
pub const MAX_RECORDS: usize = 1000;
/// Most disclosures in one document.
pub const MAX_DISCLOSURES: usize = 200;
/// Most preferences in one document.
pub const MAX_PREFERENCES: usize = 100;
/// Most relationships in one document.
pub const MAX_RELATIONSHIPS: usize = 20;
/// Longest name (characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest external reference (characters).
pub const MAX_REFERENCE_CHARS: usize = 100;
/// Clocks differ: a time up to this far ahead of ours is not "in the future".
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// A person document as sent (JSON); unknown fields are refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonDocument {
    /// The registered address: finds the person, or registers a new one.
    #[serde(default)]
    pub email: Option<String>,
    /// The source's own reference: finds the person before the address does.
    #[serde(default)]
    pub external_ref: Option<ExternalRefDoc>,
    /// How the person is addressed (needed to register a new person).
    #[serde(default)]
    pub name: Option<String>,
    /// `en` or `nl` (new people default to `en`).
    #[serde(default)]
    pub language: Option<String>,
    /// Relationships with entities (matched by entity and role).
    #[serde(default)]
    pub relationships: Vec<RelationshipDoc>,
    /// Data held (matched by entity, category and field).
    #[serde(default)]
    pub records: Vec<RecordDoc>,
    /// Data given to recipients (the same disclosure twice is stored once).
    #[serde(default)]
    pub disclosures: Vec<DisclosureDoc>,
    /// Marketing choices (the newer choice wins).
    #[serde(default)]
    pub preferences: Vec<PreferenceDoc>,
}

/// An entity's reference for a person (customer number, employee number).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalRefDoc {
    /// The entity whose reference it is.
    pub entity: String,
    /// The reference.
    pub reference: String,
}

/// A relationship as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationshipDoc {
    /// Entity key.
    pub entity: String,
    /// customer_contact, service_user, job_applicant or website_visitor.
    pub role: String,
    /// The entity's reference for the person.
    #[serde(default)]
    pub reference: Option<String>,
    /// YYYY-MM-DD.
    pub since: String,
}

/// A record as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDoc {
    /// Entity key.
    pub entity: String,
    /// Category key.
    pub category: String,
    /// Field name.
    pub field: String,
    /// Value.
    pub value: String,
    /// provided, observed, received or derived.
    pub source: String,
    /// The recipient it was received from (source `received`).
    #[serde(default)]
    pub source_party: Option<String>,
    /// RFC 3339; defaults to now.
    #[serde(default)]
    pub collected_at: Option<String>,
    /// Purpose keys of the same entity.
    #[serde(default)]
    pub purposes: Vec<String>,
}

/// A disclosure as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureDoc {
    /// Recipient key.
    pub recipient: String,
    /// Entity key.
    pub entity: String,
    /// Purpose key.
    pub purpose: String,
    /// Category keys.
    pub categories: Vec<String>,
    /// RFC 3339.
    pub at: String,
}

/// A marketing choice as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferenceDoc {
    /// Entity key.
    pub entity: String,
    /// Channel key.
    pub channel: String,
    /// Agreed or not.
    pub granted: bool,
    /// RFC 3339.
    pub at: String,
}

/// One problem with one item, at the path of the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ItemError {
    /// JSON path inside the item (`records[3].value`), or `""` for the whole item.
    pub path: String,
    /// Machine-readable code.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

impl ItemError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        ItemError { path: path.into(), code, message: message.into() }
    }
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

/// How the person is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// By an entity's reference (and, failing that, by address when one is given).
    Reference {
        /// The entity.
        entity: Key,
        /// Its reference.
        reference: String,
        /// The address, to register them or to find them by.
        email: Option<EmailAddress>,
    },
    /// By address.
    Email(EmailAddress),
}

/// A validated document: what to find the person by and what to store about them.
#[derive(Debug, Clone)]
pub struct Upsert {
    /// How to find the person.
    pub lookup: Lookup,
    /// Name (required to register).
    pub name: Option<String>,
    /// Language.
    pub language: Option<Language>,
    /// Relationships, records, disclosures and preferences, in `NewPerson` form (its
    /// `email`, `name` and `language` are placeholders until the person is known).
    pub data: NewPerson,
}

impl Upsert {
    /// Every entity the document writes to (what a token's scope is checked against).
    pub fn entities(&self) -> Vec<&Key> {
        let mut all: Vec<&Key> = self.data.relationships.iter().map(|r| &r.entity).collect();
        all.extend(self.data.records.iter().map(|r| &r.entity));
        all.extend(self.data.disclosures.iter().map(|d| &d.entity));
        all.extend(self.data.preferences.iter().map(|p| &p.entity));
        if let Lookup::Reference { entity, .. } = &self.lookup {
            all.push(entity);
        }
        all.sort();
        all.dedup();
        all
    }
}

/// Parses one item's JSON; a type error names the field.
pub fn parse_json(bytes: &[u8]) -> Result<PersonDocument, ItemError> {
    if bytes.len() > MAX_ITEM_BYTES {
        return Err(ItemError::new("", "too_large", format!("the item is larger than {} KiB", MAX_ITEM_BYTES / 1024)));
    }
    // serde would also take a struct as an array of its fields: only an object is a person.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{') {
        return Err(ItemError::new("", "invalid", "a person is a JSON object: {\"email\": …}"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, PersonDocument>(&mut de) {
        Ok(doc) => {
            de.end().map_err(|e| ItemError::new("", "invalid_json", format!("text after the JSON object: {e}")))?;
            Ok(doc)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let path = if path == "." || path == "?" { String::new() } else { path };
            Err(match inner.classify() {
                serde_json::error::Category::Data => ItemError::new(path, "invalid", data_message(&inner)),
                serde_json::error::Category::Eof => {
                    ItemError::new(path, "invalid_json", "the JSON ends too early (truncated line?)")
                }
                _ => ItemError::new(path, "invalid_json", format!("not valid JSON: {inner}")),
            })
        }
    }
}

/// serde's message without its " at line 1 column 57" suffix (the path says where).
fn data_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Checks a parsed document against the catalog and the clock, collecting every problem.
pub fn validate(doc: PersonDocument, catalog: &Catalog, now: OffsetDateTime) -> Result<Upsert, Vec<ItemError>> {
    let mut v = Validator { catalog, now, errors: Vec::new() };
    let email = doc.email.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|raw| {
        EmailAddress::parse(raw)
            .map_err(|e| v.fail("email", "invalid", format!("not a valid e-mail address: {e}")))
            .ok()
    });
    let lookup = match &doc.external_ref {
        Some(r) => {
            let entity = v.entity("external_ref.entity", &r.entity);
            let reference = v.reference("external_ref.reference", Some(&r.reference));
            match (entity, reference) {
                (Some(entity), Some(Some(reference))) => {
                    Some(Lookup::Reference { entity, reference, email: email.clone() })
                }
                (_, Some(None)) => {
                    v.fail("external_ref.reference", "missing", "must not be empty");
                    None
                }
                _ => None,
            }
        }
        None => match &email {
            Some(e) => Some(Lookup::Email(e.clone())),
            // An empty address is no address; an invalid one was reported above.
            None if doc.email.as_deref().is_none_or(|e| e.trim().is_empty()) => {
                v.fail("email", "missing", "give the person's e-mail address or an external_ref");
                None
            }
            None => None,
        },
    };
    let name = doc.name.as_deref().map(clean).filter(|n| !n.is_empty());
    if let Some(n) = &name
        && n.chars().count() > MAX_NAME_CHARS
    {
        v.fail("name", "too_long", format!("longer than {MAX_NAME_CHARS} characters"));
    }
    let language = doc
        .language
        .as_deref()
        .and_then(|l| l.parse::<Language>().map_err(|e| v.fail("language", "invalid", format!("language {e}"))).ok());
    v.limit("relationships", doc.relationships.len(), MAX_RELATIONSHIPS);
    v.limit("records", doc.records.len(), MAX_RECORDS);
    v.limit("disclosures", doc.disclosures.len(), MAX_DISCLOSURES);
    v.limit("preferences", doc.preferences.len(), MAX_PREFERENCES);

    let relationships: Vec<NewRelationship> =
        doc.relationships.iter().enumerate().filter_map(|(i, r)| v.relationship(i, r)).collect();
    let records: Vec<NewRecord> = doc.records.iter().enumerate().filter_map(|(i, r)| v.record(i, r)).collect();
    let mut disclosures: Vec<NewDisclosure> = Vec::new();
    for d in doc.disclosures.iter().enumerate().filter_map(|(i, d)| v.disclosure(i, d)) {
        // The same disclosure sent twice is one disclosure.
        let same = |x: &NewDisclosure| {
            x.recipient == d.recipient && x.entity == d.entity && x.purpose == d.purpose && x.at == d.at
        };
        if !disclosures.iter().any(same) {
            disclosures.push(d);
        }
    }
    let preferences: Vec<NewPreference> =
        doc.preferences.iter().enumerate().filter_map(|(i, p)| v.preference(i, p)).collect();
    v.duplicates(&doc);

    let (Some(lookup), true) = (lookup, v.errors.is_empty()) else { return Err(v.errors) };
    let placeholder = match &lookup {
        Lookup::Email(e) | Lookup::Reference { email: Some(e), .. } => e.clone(),
        // Replaced by the registered address once the person is found.
        Lookup::Reference { email: None, .. } => EmailAddress::parse("unknown@invalid.example")
            .map_err(|e| vec![ItemError::new("", "internal", e.to_string())])?,
    };
    Ok(Upsert {
        lookup,
        name: name.clone(),
        language,
        data: NewPerson {
            email: placeholder,
            name: name.unwrap_or_default(),
            language: language.unwrap_or(Language::En),
            relationships,
            records,
            disclosures,
            preferences,
        },
    })
}

/// Trims and drops control characters (a value is text, never markup or terminal codes);
/// keeps line breaks inside record values.
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\n').collect::<String>().trim().to_owned()
}

struct Validator<'a> {
    catalog: &'a Catalog,
    now: OffsetDateTime,
    errors: Vec<ItemError>,
}

impl Validator<'_> {
    fn fail(&mut self, path: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.errors.push(ItemError::new(path, code, message));
    }

    fn limit(&mut self, path: &str, n: usize, max: usize) {
        if n > max {
            self.fail(path, "too_many", format!("{n} items; at most {max} per person"));
        }
    }

    fn key(&mut self, path: &str, raw: &str) -> Option<Key> {
        Key::parse(raw).map_err(|e| self.fail(path, "invalid", e)).ok()
    }

    fn entity(&mut self, path: &str, raw: &str) -> Option<Key> {
        let key = self.key(path, raw)?;
        if self.catalog.entity(&key).is_none() {
            self.fail(path, "unknown_entity", format!("entity `{key}` is not in the catalog"));
            return None;
        }
        Some(key)
    }

    fn category(&mut self, path: &str, raw: &str) -> Option<Key> {
        let key = self.key(path, raw)?;
        if !self.catalog.categories.iter().any(|c| c.key == key) {
            self.fail(path, "unknown_category", format!("category `{key}` is not in the catalog"));
            return None;
        }
        Some(key)
    }

    fn recipient(&mut self, path: &str, raw: &str) -> Option<Key> {
        let key = self.key(path, raw)?;
        if !self.catalog.recipients.iter().any(|r| r.key == key) {
            self.fail(path, "unknown_recipient", format!("recipient `{key}` is not in the catalog"));
            return None;
        }
        Some(key)
    }

    fn purpose(&mut self, path: &str, raw: &str, entity: Option<&Key>) -> Option<Key> {
        let key = self.key(path, raw)?;
        match self.catalog.purpose(&key) {
            None => {
                self.fail(path, "unknown_purpose", format!("purpose `{key}` is not in the catalog"));
                None
            }
            Some(p) if entity.is_some_and(|e| e != &p.entity) => {
                let message = format!("purpose `{key}` belongs to entity `{}`", p.entity);
                self.fail(path, "unknown_purpose", message);
                None
            }
            Some(_) => Some(key),
        }
    }

    /// `Some(None)`: empty; `None`: invalid (reported).
    fn reference(&mut self, path: &str, raw: Option<&String>) -> Option<Option<String>> {
        let cleaned = raw.map(|r| clean(r)).filter(|r| !r.is_empty());
        if let Some(r) = &cleaned
            && r.chars().count() > MAX_REFERENCE_CHARS
        {
            self.fail(path, "too_long", format!("longer than {MAX_REFERENCE_CHARS} characters"));
            return None;
        }
        Some(cleaned)
    }

    fn instant(&mut self, path: &str, raw: &str) -> Option<OffsetDateTime> {
        match OffsetDateTime::parse(raw.trim(), &Rfc3339) {
            Err(_) => {
                self.fail(path, "invalid", format!("`{}` is not an RFC 3339 time", shorten(raw)));
                None
            }
            Ok(t) if t > self.now + CLOCK_SKEW => {
                self.fail(path, "in_future", format!("{} is in the future", shorten(raw)));
                None
            }
            Ok(t) if t.year() < 1900 => {
                self.fail(path, "invalid", "is before 1900");
                None
            }
            Ok(t) => Some(t),
        }
    }

    fn date(&mut self, path: &str, raw: &str) -> Option<Date> {
        match Date::parse(raw.trim(), time::macros::format_description!("[year]-[month]-[day]")) {
            Err(_) => {
                self.fail(path, "invalid", format!("`{}` is not a YYYY-MM-DD date", shorten(raw)));
                None
            }
            Ok(d) if d > (self.now + CLOCK_SKEW).date() => {
                self.fail(path, "in_future", format!("{d} is in the future"));
                None
            }
            Ok(d) if d.year() < 1900 => {
                self.fail(path, "invalid", "is before 1900");
                None
            }
            Ok(d) => Some(d),
        }
    }

    fn relationship(&mut self, i: usize, r: &RelationshipDoc) -> Option<NewRelationship> {
        let at = format!("relationships[{i}]");
        let entity = self.entity(&format!("{at}.entity"), &r.entity);
        let role = r.role.parse().map_err(|e| self.fail(format!("{at}.role"), "invalid", format!("role {e}"))).ok();
        let reference = self.reference(&format!("{at}.reference"), r.reference.as_ref());
        let since = self.date(&format!("{at}.since"), &r.since);
        Some(NewRelationship { entity: entity?, role: role?, reference: reference?, since: since? })
    }

    fn record(&mut self, i: usize, r: &RecordDoc) -> Option<NewRecord> {
        let at = format!("records[{i}]");
        let entity = self.entity(&format!("{at}.entity"), &r.entity);
        let category = self.category(&format!("{at}.category"), &r.category);
        let field = clean(&r.field);
        if field.is_empty() || field.chars().count() > MAX_FIELD_CHARS || field.contains('\n') {
            self.fail(
                format!("{at}.field"),
                "invalid",
                format!("must have 1 to {MAX_FIELD_CHARS} characters on one line"),
            );
        }
        let value = clean(&r.value);
        if value.chars().count() > MAX_RECORD_VALUE_CHARS {
            self.fail(format!("{at}.value"), "too_long", format!("longer than {MAX_RECORD_VALUE_CHARS} characters"));
        }
        let source = r
            .source
            .parse::<crate::domain::person::RecordSource>()
            .map_err(|e| self.fail(format!("{at}.source"), "invalid", format!("source {e}")))
            .ok();
        let party = match (&r.source_party, source) {
            (Some(p), Some(crate::domain::person::RecordSource::Received)) => {
                self.recipient(&format!("{at}.source_party"), p).map(Some)
            }
            (None, Some(crate::domain::person::RecordSource::Received)) => {
                self.fail(
                    format!("{at}.source_party"),
                    "missing",
                    "source `received` needs the recipient it came from",
                );
                None
            }
            (Some(_), Some(_)) => {
                self.fail(format!("{at}.source_party"), "invalid", "only for source `received`");
                None
            }
            (_, _) => Some(None),
        };
        let collected_at = match &r.collected_at {
            Some(raw) => self.instant(&format!("{at}.collected_at"), raw),
            None => Some(self.now),
        };
        let purposes: Vec<Option<Key>> = r
            .purposes
            .iter()
            .enumerate()
            .map(|(j, p)| self.purpose(&format!("{at}.purposes[{j}]"), p, entity.as_ref()))
            .collect();
        // A purpose named twice is the same purpose: stored once.
        let purposes = dedup(purposes);
        let bad = field.is_empty()
            || field.chars().count() > MAX_FIELD_CHARS
            || value.chars().count() > MAX_RECORD_VALUE_CHARS;
        if bad {
            return None;
        }
        Some(NewRecord {
            entity: entity?,
            category: category?,
            field,
            value,
            source: source?,
            source_party: party?,
            collected_at: collected_at?,
            purposes: purposes.into_iter().collect::<Option<Vec<_>>>()?,
        })
    }

    fn disclosure(&mut self, i: usize, d: &DisclosureDoc) -> Option<NewDisclosure> {
        let at = format!("disclosures[{i}]");
        let recipient = self.recipient(&format!("{at}.recipient"), &d.recipient);
        let entity = self.entity(&format!("{at}.entity"), &d.entity);
        let purpose = self.purpose(&format!("{at}.purpose"), &d.purpose, entity.as_ref());
        if d.categories.is_empty() {
            self.fail(format!("{at}.categories"), "missing", "name at least one category");
        }
        let categories: Vec<Option<Key>> =
            d.categories.iter().enumerate().map(|(j, c)| self.category(&format!("{at}.categories[{j}]"), c)).collect();
        let categories = dedup(categories);
        let when = self.instant(&format!("{at}.at"), &d.at);
        if d.categories.is_empty() {
            return None;
        }
        Some(NewDisclosure {
            recipient: recipient?,
            entity: entity?,
            purpose: purpose?,
            categories: categories.into_iter().collect::<Option<Vec<_>>>()?,
            at: when?,
        })
    }

    fn preference(&mut self, i: usize, p: &PreferenceDoc) -> Option<NewPreference> {
        let at = format!("preferences[{i}]");
        let entity = self.entity(&format!("{at}.entity"), &p.entity);
        let channel = self.key(&format!("{at}.channel"), &p.channel);
        if let (Some(e), Some(c)) = (&entity, &channel)
            && !self.catalog.entity(e).is_some_and(|e| e.marketing_channels.contains(c))
        {
            self.fail(
                format!("{at}.channel"),
                "unknown_channel",
                format!("entity `{e}` does not market on channel `{c}`"),
            );
            return None;
        }
        let when = self.instant(&format!("{at}.at"), &p.at);
        Some(NewPreference { entity: entity?, channel: channel?, granted: p.granted, at: when? })
    }

    /// Two items that would update the same row make the result depend on order: refused.
    fn duplicates(&mut self, doc: &PersonDocument) {
        let mut seen = std::collections::HashMap::new();
        for (i, r) in doc.records.iter().enumerate() {
            let k = (r.entity.as_str(), r.category.as_str(), clean(&r.field));
            if let Some(first) = seen.insert(k, i) {
                self.fail(
                    format!("records[{i}]"),
                    "duplicate",
                    format!("same entity, category and field as records[{first}]"),
                );
            }
        }
        let mut seen = std::collections::HashMap::new();
        for (i, r) in doc.relationships.iter().enumerate() {
            if let Some(first) = seen.insert((r.entity.as_str(), r.role.as_str()), i) {
                self.fail(
                    format!("relationships[{i}]"),
                    "duplicate",
                    format!("same entity and role as relationships[{first}]"),
                );
            }
        }
        let mut seen = std::collections::HashMap::new();
        for (i, p) in doc.preferences.iter().enumerate() {
            if let Some(first) = seen.insert((p.entity.as_str(), p.channel.as_str()), i) {
                self.fail(
                    format!("preferences[{i}]"),
                    "duplicate",
                    format!("same entity and channel as preferences[{first}]"),
                );
            }
        }
    }
}

fn dedup(items: Vec<Option<Key>>) -> Vec<Option<Key>> {
    let mut out: Vec<Option<Key>> = Vec::with_capacity(items.len());
    for item in items {
        if item.is_none() || !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// At most 40 characters of a bad value in a message (a 2 GB value stays out of logs).
fn shorten(raw: &str) -> String {
    let mut s: String = raw.chars().take(40).collect();
    if raw.chars().nth(40).is_some() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        crate::catalog::Catalog::load(std::path::Path::new("config/catalog.toml")).expect("catalog")
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-11-22 12:00 UTC)
    }

    fn errors(json: &str) -> Vec<ItemError> {
        match parse_json(json.as_bytes()) {
            Err(e) => vec![e],
            Ok(doc) => validate(doc, &catalog(), now()).err().unwrap_or_default(),
        }
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let e = errors(
            r#"{"email":"a@example.com","records":[{"entity":"claranet-benelux","category":"contact","field":"phone","value":5,"source":"provided"}]}"#,
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, "records[0].value");
        assert_eq!(e[0].code, "invalid");
    }

    #[test]
    fn unknown_fields_and_truncated_lines_are_refused() {
        let e = errors(r#"{"email":"a@example.com","nmae":"x"}"#);
        assert_eq!((e[0].path.as_str(), e[0].code), ("nmae", "invalid"), "{e:?}");
        let e = errors(r#"{"email":"a@example.com","name":"A"#);
        assert_eq!(e[0].code, "invalid_json");
        assert!(e[0].message.contains("truncated"), "{}", e[0].message);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let e = errors(
            r#"{"email":"not-an-address","records":[
              {"entity":"nowhere","category":"contact","field":"phone","value":"1","source":"provided"},
              {"entity":"claranet-benelux","category":"contact","field":"phone","value":"1","source":"provided","collected_at":"2030-01-01T00:00:00Z"}],
              "disclosures":[{"recipient":"nobody","entity":"claranet-benelux","purpose":"rely-services","categories":["contact"],"at":"2025-01-01T00:00:00Z"}]}"#,
        );
        let paths: Vec<(&str, &str)> = e.iter().map(|e| (e.path.as_str(), e.code)).collect();
        assert!(paths.contains(&("email", "invalid")), "{paths:?}");
        assert!(paths.contains(&("records[0].entity", "unknown_entity")), "{paths:?}");
        assert!(paths.contains(&("records[1].collected_at", "in_future")), "{paths:?}");
        assert!(paths.contains(&("disclosures[0].recipient", "unknown_recipient")), "{paths:?}");
    }

    #[test]
    fn a_value_over_the_limit_is_refused_without_echoing_it() {
        let long = "x".repeat(MAX_RECORD_VALUE_CHARS + 1);
        let json = format!(
            r#"{{"email":"a@example.com","records":[{{"entity":"claranet-benelux","category":"contact","field":"f","value":"{long}","source":"provided"}}]}}"#
        );
        let e = errors(&json);
        assert_eq!((e[0].path.as_str(), e[0].code), ("records[0].value", "too_long"));
        assert!(e[0].message.len() < 100);
    }

    #[test]
    fn a_valid_document_names_its_entities() {
        let doc = parse_json(
            br#"{"external_ref":{"entity":"claranet-benelux","reference":"C-1"},"records":[{"entity":"claranet-products","category":"contact","field":"phone","value":"1","source":"provided"}]}"#,
        )
        .expect("parses");
        let upsert = validate(doc, &catalog(), now()).expect("valid");
        let entities: Vec<&str> = upsert.entities().iter().map(|k| k.as_str()).collect();
        assert_eq!(entities, ["claranet-benelux", "claranet-products"]);
        assert!(matches!(upsert.lookup, Lookup::Reference { email: None, .. }));
    }

    #[test]
    fn neither_address_nor_reference_is_an_error() {
        let e = errors(r#"{"name":"Nobody"}"#);
        assert_eq!((e[0].path.as_str(), e[0].code), ("email", "missing"));
        let e = errors(r#"{"email":"  ","name":"Nobody"}"#);
        assert_eq!((e[0].path.as_str(), e[0].code), ("email", "missing"), "blank is no address");
    }

    #[test]
    fn only_an_object_is_a_person() {
        let e = errors(r#"["e@example.nl", null, "E"]"#);
        assert_eq!((e[0].path.as_str(), e[0].code), ("", "invalid"), "{e:?}");
    }

    #[test]
    fn the_same_purpose_or_disclosure_twice_is_stored_once() {
        let doc = parse_json(
            br#"{"email":"a@example.com","records":[{"entity":"claranet-benelux","category":"contact","field":"phone","value":"1","source":"provided","purposes":["rely-services","rely-services"]}],
            "disclosures":[{"recipient":"e-invoicing","entity":"claranet-benelux","purpose":"rely-network-billing","categories":["billing","billing"],"at":"2025-01-01T00:00:00Z"},
                           {"recipient":"e-invoicing","entity":"claranet-benelux","purpose":"rely-network-billing","categories":["billing"],"at":"2025-01-01T00:00:00Z"}]}"#,
        )
        .expect("parses");
        let upsert = validate(doc, &catalog(), now()).expect("valid");
        assert_eq!(upsert.data.records[0].purposes.len(), 1);
        assert_eq!(upsert.data.disclosures.len(), 1);
        assert_eq!(upsert.data.disclosures[0].categories.len(), 1);
    }
}

/// Property tests: the parsers never panic on any input, and what they accept obeys
/// the limits they promise.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::ingest::csv_rows::{Header, Row};

    fn catalog() -> Catalog {
        Catalog::load(std::path::Path::new("config/catalog.toml")).expect("catalog")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_are_an_answer_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(doc) = parse_json(&bytes) {
                let _ = validate(doc, &catalog(), time::macros::datetime!(2026-11-22 12:00 UTC));
            }
            let header = Header::parse(b"email,name,entity,category,field,value,source").expect("header");
            let _ = Row::parse(&header, &bytes);
            let _ = Header::parse(&bytes);
        }

        #[test]
        fn accepted_documents_keep_their_limits(
            email in "[a-z]{1,8}@[a-z]{1,8}\\.(nl|com)",
            value in "\\PC{0,60}",
            field in "\\PC{0,120}",
            name in "\\PC{0,250}",
        ) {
            let json = serde_json::json!({
                "email": email, "name": name,
                "records": [{"entity": "claranet-benelux", "category": "contact", "field": field, "value": value, "source": "provided"}]
            });
            let doc = parse_json(json.to_string().as_bytes()).expect("well-formed");
            if let Ok(u) = validate(doc, &catalog(), time::macros::datetime!(2026-11-22 12:00 UTC)) {
                prop_assert!(u.name.as_ref().is_none_or(|n| !n.is_empty() && n.chars().count() <= MAX_NAME_CHARS));
                for r in &u.data.records {
                    prop_assert!(!r.field.is_empty() && r.field.chars().count() <= MAX_FIELD_CHARS);
                    prop_assert!(!r.field.chars().any(char::is_control));
                    prop_assert!(r.value.chars().all(|c| !c.is_control() || c == '\n'));
                }
            }
        }

        #[test]
        fn addresses_that_parse_are_safe_in_mail_headers(input in "\\PC{0,80}") {
            if let Ok(address) = EmailAddress::parse(&input) {
                let s = address.as_str();
                prop_assert!(!s.contains(['\r', '\n', ' ', '<', '>', ',']));
                prop_assert_eq!(s, s.to_lowercase());
                prop_assert!(s.len() <= 254);
            }
        }
    }
}
