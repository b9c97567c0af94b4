//! The demo people of `config/demo.toml`, built from the seed privacy statements.
//! Parsed into `NewPerson`s and checked against the catalog before anything is stored.

use std::path::Path;

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::catalog::{Catalog, toml_error};
use crate::domain::catalog::Key;
use crate::domain::person::{NewDisclosure, NewPerson, NewPreference, NewRecord, NewRelationship};
use crate::domain::{EmailAddress, Language};

/// Reads the demo file and checks every person against the catalog.
pub fn load(path: &Path, catalog: &Catalog) -> Result<Vec<NewPerson>, String> {
    let origin = format!("demo file {}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| format!("{origin}: cannot read: {e}"))?;
    parse(&text, catalog).map_err(|e| format!("{origin}: {e}"))
}

/// Parses demo text; the error names the person and the item.
pub fn parse(text: &str, catalog: &Catalog) -> Result<Vec<NewPerson>, String> {
    let raw: RawDemo = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    let mut people = Vec::new();
    for (i, s) in raw.subjects.into_iter().enumerate() {
        let who = format!("subjects[{i}] ({})", s.email);
        let person = s.into_person().map_err(|e| format!("{who}: {e}"))?;
        catalog.check_person(&person).map_err(|e| format!("{who}: {e}"))?;
        if people.iter().any(|p: &NewPerson| p.email == person.email) {
            return Err(format!("{who}: e-mail address listed twice"));
        }
        people.push(person);
    }
    Ok(people)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    #[serde(default)]
    subjects: Vec<RawSubject>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubject {
    email: String,
    name: String,
    language: String,
    #[serde(default)]
    relationships: Vec<RawRelationship>,
    #[serde(default)]
    records: Vec<RawRecord>,
    #[serde(default)]
    disclosures: Vec<RawDisclosure>,
    #[serde(default)]
    preferences: Vec<RawPreference>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelationship {
    entity: String,
    role: String,
    #[serde(default)]
    reference: String,
    since: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    entity: String,
    category: String,
    field: String,
    value: String,
    source: String,
    #[serde(default)]
    source_party: String,
    collected: String,
    #[serde(default)]
    purposes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisclosure {
    recipient: String,
    entity: String,
    purpose: String,
    categories: Vec<String>,
    at: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreference {
    entity: String,
    channel: String,
    granted: bool,
    at: String,
}

fn key(raw: &str) -> Result<Key, String> {
    Key::parse(raw)
}

fn keys(raw: &[String]) -> Result<Vec<Key>, String> {
    raw.iter().map(|k| key(k)).collect()
}

fn instant(raw: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(raw, &Rfc3339).map_err(|e| format!("`{raw}` is not an RFC 3339 time: {e}"))
}

fn date(raw: &str) -> Result<Date, String> {
    Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("`{raw}` is not a YYYY-MM-DD date: {e}"))
}

impl RawSubject {
    fn into_person(self) -> Result<NewPerson, String> {
        let email = EmailAddress::parse(&self.email).map_err(|e| format!("email: {e}"))?;
        let language: Language = self.language.parse().map_err(|e| format!("language {e}"))?;
        let relationships = self
            .relationships
            .into_iter()
            .map(|r| {
                Ok(NewRelationship {
                    entity: key(&r.entity)?,
                    role: r.role.parse().map_err(|e| format!("role {e}"))?,
                    reference: Some(r.reference.trim().to_owned()).filter(|s| !s.is_empty()),
                    since: date(&r.since)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let records = self
            .records
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                Ok(NewRecord {
                    entity: key(&r.entity)?,
                    category: key(&r.category)?,
                    field: r.field,
                    value: r.value,
                    source: r.source.parse().map_err(|e| format!("source {e}"))?,
                    source_party: if r.source_party.is_empty() { None } else { Some(key(&r.source_party)?) },
                    collected_at: instant(&r.collected)?,
                    purposes: keys(&r.purposes)?,
                })
                .map_err(|e: String| format!("records[{i}]: {e}"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let disclosures = self
            .disclosures
            .into_iter()
            .map(|d| {
                Ok(NewDisclosure {
                    recipient: key(&d.recipient)?,
                    entity: key(&d.entity)?,
                    purpose: key(&d.purpose)?,
                    categories: keys(&d.categories)?,
                    at: instant(&d.at)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let preferences = self
            .preferences
            .into_iter()
            .map(|p| {
                Ok(NewPreference {
                    entity: key(&p.entity)?,
                    channel: key(&p.channel)?,
                    granted: p.granted,
                    at: instant(&p.at)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err("name is empty".into());
        }
        Ok(NewPerson { email, name, language, relationships, records, disclosures, preferences })
    }
}
