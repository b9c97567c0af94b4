//! The organisation's register as declared in `config/catalog.toml`: parsed, checked
//! for dangling references, and handed to `db::queries::catalog::sync`.
//!
//! The file format is documented in `config/README.md`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::domain::catalog::{ConfirmationMethod, Key, LegalBasis, RecipientKind, RetentionFrom, Safeguard};
use crate::domain::person::{MAX_FIELD_CHARS, MAX_RECORD_VALUE_CHARS, NewPerson, RecordSource};
use crate::domain::{Bilingual, EmailAddress};

/// The whole register, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Supervisory authorities.
    pub authorities: Vec<Authority>,
    /// Marketing channels.
    pub channels: Vec<Channel>,
    /// Legal entities.
    pub entities: Vec<Entity>,
    /// Data categories.
    pub categories: Vec<Category>,
    /// Processing purposes.
    pub purposes: Vec<Purpose>,
    /// Recipients of data.
    pub recipients: Vec<Recipient>,
}

impl Catalog {
    /// Whether `other` declares the same register as `self`, as it would be stored: lists
    /// the database keeps as sets (authorities, an entity's channels, a purpose's
    /// categories, a recipient's marketing) compare in any order; everything else,
    /// positions included, must be equal.
    pub fn same_register(&self, other: &Catalog) -> bool {
        self.normalised() == other.normalised()
    }

    fn normalised(&self) -> Catalog {
        let mut c = self.clone();
        c.authorities.sort_by(|a, b| a.key.cmp(&b.key));
        for e in &mut c.entities {
            e.marketing_channels.sort();
        }
        for p in &mut c.purposes {
            p.categories.sort();
        }
        for r in &mut c.recipients {
            r.marketing.sort_by(|a, b| a.entity.cmp(&b.entity));
            for m in &mut r.marketing {
                m.channels.sort();
            }
        }
        c
    }
}

/// A supervisory authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// Stable key.
    pub key: Key,
    /// Name.
    pub name: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Website.
    pub website: String,
    /// Telephone ("" when none).
    pub phone: String,
    /// Postal address.
    pub address: String,
}

/// A marketing channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Stable key.
    pub key: Key,
    /// Name.
    pub name: Bilingual,
    /// Whether marketing on it shares data with third parties (GPC applies).
    pub sharing: bool,
}

/// A legal entity: a controller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Stable key.
    pub key: Key,
    /// Registered name.
    pub legal_name: String,
    /// Trade name, if any.
    pub trade_name: Option<String>,
    /// Postal address.
    pub address: String,
    /// General contact address.
    pub contact_email: EmailAddress,
    /// Telephone ("" when none).
    pub contact_phone: String,
    /// Data protection officer.
    pub dpo_name: String,
    /// DPO's address.
    pub dpo_email: EmailAddress,
    /// Key of the competent supervisory authority.
    pub authority: Key,
    /// Version of the privacy statement in force.
    pub notice_version: String,
    /// Where the statement is published.
    pub notice_url: String,
    /// What the entity does.
    pub description: Bilingual,
    /// Channels it markets on.
    pub marketing_channels: Vec<Key>,
}

/// A data category and the fields known in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Stable key.
    pub key: Key,
    /// Name.
    pub name: Bilingual,
    /// What it covers.
    pub description: Bilingual,
    /// A special category (Art. 9).
    pub special: bool,
    /// Known fields.
    pub fields: Vec<Field>,
}

/// A known field of a category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Stable key, as records name it.
    pub key: Key,
    /// Label.
    pub label: Bilingual,
}

/// A purpose of processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    /// Stable key.
    pub key: Key,
    /// Key of the entity pursuing it.
    pub entity: Key,
    /// The item in the entity's statement.
    pub reference: String,
    /// Name.
    pub name: Bilingual,
    /// What is done.
    pub description: Bilingual,
    /// Lawful basis.
    pub legal_basis: LegalBasis,
    /// The interest pursued, for legitimate-interest purposes.
    pub legitimate_interest: Option<Bilingual>,
    /// How long data is kept.
    pub retention: Retention,
    /// Categories processed.
    pub categories: Vec<Key>,
    /// Direct marketing.
    pub marketing: bool,
    /// Automated decision-making or profiling.
    pub automated_decision: bool,
}

/// A retention rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Period in months, when the statement gives one.
    pub months: Option<u32>,
    /// When the period starts.
    pub from: RetentionFrom,
    /// The rule as people read it.
    pub text: Bilingual,
}

/// A processor, third party or authority that receives data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Stable key.
    pub key: Key,
    /// Name.
    pub name: String,
    /// Role.
    pub kind: RecipientKind,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Transfer safeguard.
    pub safeguard: Safeguard,
    /// What it does with the data.
    pub description: Bilingual,
    /// Where to reach it.
    pub contact_email: EmailAddress,
    /// How it confirms onward changes.
    pub confirmation: ConfirmationMethod,
    /// Days it has to confirm.
    pub due_days: u32,
    /// Identifiers it is sent to find a person (e.g. `customer_number`, `email`).
    pub identifiers: Vec<String>,
    /// Marketing it does on behalf of entities.
    pub marketing: Vec<RecipientMarketing>,
}

/// Marketing a recipient does for one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientMarketing {
    /// The entity.
    pub entity: Key,
    /// Channels.
    pub channels: Vec<Key>,
}

/// Why a catalog file cannot be used: one line naming the file and the item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalog {file}: {message}")]
pub struct CatalogError {
    /// The file.
    pub file: String,
    /// What is wrong, naming the item and key.
    pub message: String,
}

impl Catalog {
    /// Reads and validates a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| CatalogError { file: file.clone(), message: format!("cannot read: {e}") })?;
        Catalog::parse(&text).map_err(|message| CatalogError { file, message })
    }

    /// Parses and validates catalog text; the error names the item and key.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let raw: RawCatalog = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        raw.validate()
    }

    /// The entity with this key.
    pub fn entity(&self, key: &Key) -> Option<&Entity> {
        self.entities.iter().find(|e| &e.key == key)
    }

    /// The purpose with this key.
    pub fn purpose(&self, key: &Key) -> Option<&Purpose> {
        self.purposes.iter().find(|p| &p.key == key)
    }
}

impl Catalog {
    /// Checks that everything a person's data names exists in this register and fits
    /// together: a record's purposes belong to its entity, a preference's channel is one
    /// the entity markets on, data received from a third party names it.
    pub fn check_person(&self, person: &NewPerson) -> Result<(), String> {
        let has_entity = |k: &Key| self.entities.iter().any(|e| &e.key == k);
        let has_category = |k: &Key| self.categories.iter().any(|c| &c.key == k);
        let has_recipient = |k: &Key| self.recipients.iter().any(|r| &r.key == k);
        let purpose_of = |k: &Key, entity: &Key| match self.purpose(k) {
            None => Err(format!("purpose `{k}` is not declared in the catalog")),
            Some(p) if &p.entity != entity => {
                Err(format!("purpose `{k}` belongs to entity `{}`, not `{entity}`", p.entity))
            }
            Some(_) => Ok(()),
        };
        let entity_known = |k: &Key| {
            if has_entity(k) { Ok(()) } else { Err(format!("entity `{k}` is not declared in the catalog")) }
        };
        for (i, r) in person.relationships.iter().enumerate() {
            entity_known(&r.entity).map_err(|e| format!("relationships[{i}]: {e}"))?;
        }
        for (i, r) in person.records.iter().enumerate() {
            let at = format!("records[{i}]");
            entity_known(&r.entity).map_err(|e| format!("{at}: {e}"))?;
            if !has_category(&r.category) {
                return Err(format!("{at}: category `{}` is not declared in the catalog", r.category));
            }
            if r.field.trim().is_empty() || r.field.chars().count() > MAX_FIELD_CHARS {
                return Err(format!("{at}: field must have 1 to {MAX_FIELD_CHARS} characters"));
            }
            if r.value.chars().count() > MAX_RECORD_VALUE_CHARS {
                return Err(format!("{at}: value is longer than {MAX_RECORD_VALUE_CHARS} characters"));
            }
            match (r.source, &r.source_party) {
                (RecordSource::Received, Some(party)) if !has_recipient(party) => {
                    return Err(format!("{at}: source_party `{party}` is not declared in [[recipients]]"));
                }
                (RecordSource::Received, None) => {
                    return Err(format!("{at}: source received needs a source_party"));
                }
                (source, Some(_)) if source != RecordSource::Received => {
                    return Err(format!("{at}: source_party is only for source received"));
                }
                _ => {}
            }
            for p in &r.purposes {
                purpose_of(p, &r.entity).map_err(|e| format!("{at}: {e}"))?;
            }
        }
        for (i, d) in person.disclosures.iter().enumerate() {
            let at = format!("disclosures[{i}]");
            if !has_recipient(&d.recipient) {
                return Err(format!("{at}: recipient `{}` is not declared in the catalog", d.recipient));
            }
            entity_known(&d.entity).map_err(|e| format!("{at}: {e}"))?;
            purpose_of(&d.purpose, &d.entity).map_err(|e| format!("{at}: {e}"))?;
            if d.categories.is_empty() {
                return Err(format!("{at}: names no categories"));
            }
            if let Some(c) = d.categories.iter().find(|c| !has_category(c)) {
                return Err(format!("{at}: category `{c}` is not declared in the catalog"));
            }
        }
        for (i, p) in person.preferences.iter().enumerate() {
            let at = format!("preferences[{i}]");
            let entity = self
                .entity(&p.entity)
                .ok_or_else(|| format!("{at}: entity `{}` is not declared in the catalog", p.entity))?;
            if !entity.marketing_channels.contains(&p.channel) {
                return Err(format!("{at}: entity `{}` does not market on channel `{}`", p.entity, p.channel));
            }
        }
        Ok(())
    }
}

/// Formats a TOML error as one line with its line number.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    authorities: Vec<RawAuthority>,
    #[serde(default)]
    channels: Vec<RawChannel>,
    #[serde(default)]
    entities: Vec<RawEntity>,
    #[serde(default)]
    categories: Vec<RawCategory>,
    #[serde(default)]
    purposes: Vec<RawPurpose>,
    #[serde(default)]
    recipients: Vec<RawRecipient>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthority {
    key: String,
    name: String,
    country: String,
    website: String,
    #[serde(default)]
    phone: String,
    address: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    key: String,
    name: Bilingual,
    #[serde(default)]
    sharing: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    key: String,
    legal_name: String,
    #[serde(default)]
    trade_name: String,
    address: String,
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
    dpo_name: String,
    dpo_email: String,
    authority: String,
    notice_version: String,
    notice_url: String,
    description: Bilingual,
    #[serde(default)]
    marketing_channels: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    key: String,
    name: Bilingual,
    description: Bilingual,
    #[serde(default)]
    special: bool,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    key: String,
    en: String,
    nl: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPurpose {
    key: String,
    entity: String,
    reference: String,
    name: Bilingual,
    description: Bilingual,
    legal_basis: String,
    legitimate_interest: Option<Bilingual>,
    retention: RawRetention,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    marketing: bool,
    #[serde(default)]
    automated_decision: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetention {
    months: Option<i64>,
    from: String,
    en: String,
    nl: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipient {
    key: String,
    name: String,
    kind: String,
    country: String,
    safeguard: String,
    description: Bilingual,
    contact_email: String,
    confirmation: String,
    #[serde(default = "default_due_days")]
    due_days: i64,
    #[serde(default)]
    identifiers: Vec<String>,
    #[serde(default)]
    marketing: Vec<RawRecipientMarketing>,
}

fn default_due_days() -> i64 {
    14
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecipientMarketing {
    entity: String,
    channels: Vec<String>,
}

/// Collects keys of one kind, refusing duplicates.
struct KeySet {
    kind: &'static str,
    keys: HashSet<Key>,
}

impl KeySet {
    fn new(kind: &'static str) -> Self {
        KeySet { kind, keys: HashSet::new() }
    }

    fn add(&mut self, raw: &str) -> Result<Key, String> {
        let key = Key::parse(raw).map_err(|e| format!("{}: {e}", self.kind))?;
        if !self.keys.insert(key.clone()) {
            return Err(format!("{}.{key}: declared twice", self.kind));
        }
        Ok(key)
    }

    fn reference(&self, item: &str, field: &str, raw: &str) -> Result<Key, String> {
        Key::parse(raw)
            .ok()
            .filter(|k| self.keys.contains(k))
            .ok_or_else(|| format!("{item}: {field} `{raw}` is not declared in [[{}]]", self.kind))
    }
}

fn text(item: &str, field: &str, value: String) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(format!("{item}: {field} is empty"));
    }
    Ok(trimmed.to_owned())
}

fn bilingual(item: &str, field: &str, value: Bilingual) -> Result<Bilingual, String> {
    Ok(Bilingual {
        en: text(item, &format!("{field}.en"), value.en)?,
        nl: text(item, &format!("{field}.nl"), value.nl)?,
    })
}

fn email(item: &str, field: &str, value: &str) -> Result<EmailAddress, String> {
    EmailAddress::parse(value).map_err(|e| format!("{item}: {field} `{value}`: {e}"))
}

fn country(item: &str, value: &str) -> Result<String, String> {
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(value.to_owned())
    } else {
        Err(format!("{item}: country `{value}` must be an ISO 3166-1 alpha-2 code such as NL"))
    }
}

fn parse_enum<T: std::str::FromStr<Err = crate::domain::UnknownVariant>>(
    item: &str,
    field: &str,
    value: &str,
) -> Result<T, String> {
    value.parse().map_err(|e| format!("{item}: {field} {e}"))
}

impl RawCatalog {
    fn validate(self) -> Result<Catalog, String> {
        let mut authority_keys = KeySet::new("authorities");
        let mut authorities = Vec::new();
        for a in self.authorities {
            let key = authority_keys.add(&a.key)?;
            let item = format!("authorities.{key}");
            authorities.push(Authority {
                name: text(&item, "name", a.name)?,
                country: country(&item, &a.country)?,
                website: text(&item, "website", a.website)?,
                phone: a.phone.trim().to_owned(),
                address: text(&item, "address", a.address)?,
                key,
            });
        }

        let mut channel_keys = KeySet::new("channels");
        let mut channels = Vec::new();
        for c in self.channels {
            let key = channel_keys.add(&c.key)?;
            let item = format!("channels.{key}");
            channels.push(Channel { name: bilingual(&item, "name", c.name)?, sharing: c.sharing, key });
        }

        let mut entity_keys = KeySet::new("entities");
        let mut entities = Vec::new();
        for e in self.entities {
            let key = entity_keys.add(&e.key)?;
            let item = format!("entities.{key}");
            let mut marketing_channels = Vec::new();
            for c in &e.marketing_channels {
                let channel = channel_keys.reference(&item, "marketing_channels", c)?;
                if marketing_channels.contains(&channel) {
                    return Err(format!("{item}: marketing_channels lists `{channel}` twice"));
                }
                marketing_channels.push(channel);
            }
            entities.push(Entity {
                legal_name: text(&item, "legal_name", e.legal_name)?,
                trade_name: Some(e.trade_name.trim().to_owned()).filter(|t| !t.is_empty()),
                address: text(&item, "address", e.address)?,
                contact_email: email(&item, "contact_email", &e.contact_email)?,
                contact_phone: e.contact_phone.trim().to_owned(),
                dpo_name: text(&item, "dpo_name", e.dpo_name)?,
                dpo_email: email(&item, "dpo_email", &e.dpo_email)?,
                authority: authority_keys.reference(&item, "authority", &e.authority)?,
                notice_version: text(&item, "notice_version", e.notice_version)?,
                notice_url: text(&item, "notice_url", e.notice_url)?,
                description: bilingual(&item, "description", e.description)?,
                marketing_channels,
                key,
            });
        }
        if entities.is_empty() {
            return Err("declares no [[entities]]: the portal needs at least one legal entity".into());
        }

        let mut category_keys = KeySet::new("categories");
        let mut categories = Vec::new();
        for c in self.categories {
            let key = category_keys.add(&c.key)?;
            let item = format!("categories.{key}");
            let mut field_keys = KeySet::new("fields");
            let mut fields = Vec::new();
            for f in c.fields {
                let field_key = field_keys.add(&f.key).map_err(|e| format!("{item}: {e}"))?;
                fields.push(Field {
                    label: bilingual(&format!("{item}.fields.{field_key}"), "label", Bilingual { en: f.en, nl: f.nl })?,
                    key: field_key,
                });
            }
            categories.push(Category {
                name: bilingual(&item, "name", c.name)?,
                description: bilingual(&item, "description", c.description)?,
                special: c.special,
                fields,
                key,
            });
        }

        let mut purpose_keys = KeySet::new("purposes");
        let mut purposes = Vec::new();
        for p in self.purposes {
            let key = purpose_keys.add(&p.key)?;
            let item = format!("purposes.{key}");
            let legal_basis: LegalBasis = parse_enum(&item, "legal_basis", &p.legal_basis)?;
            let legitimate_interest = match (legal_basis, p.legitimate_interest) {
                (LegalBasis::LegitimateInterest, Some(li)) => Some(bilingual(&item, "legitimate_interest", li)?),
                (LegalBasis::LegitimateInterest, None) => {
                    return Err(format!(
                        "{item}: legal_basis legitimate_interest needs a legitimate_interest text (Art. 13(1)(d))"
                    ));
                }
                (_, Some(_)) => {
                    return Err(format!("{item}: legitimate_interest is only for legal_basis legitimate_interest"));
                }
                (_, None) => None,
            };
            let months = match p.retention.months {
                None => None,
                Some(m @ 1..=1200) => Some(m as u32),
                Some(m) => {
                    return Err(format!("{item}: retention.months {m} must be between 1 and 1200"));
                }
            };
            let mut purpose_categories = Vec::new();
            for c in &p.categories {
                purpose_categories.push(category_keys.reference(&item, "categories", c)?);
            }
            purposes.push(Purpose {
                entity: entity_keys.reference(&item, "entity", &p.entity)?,
                reference: text(&item, "reference", p.reference)?,
                name: bilingual(&item, "name", p.name)?,
                description: bilingual(&item, "description", p.description)?,
                legal_basis,
                legitimate_interest,
                retention: Retention {
                    months,
                    from: parse_enum(&item, "retention.from", &p.retention.from)?,
                    text: bilingual(&item, "retention", Bilingual { en: p.retention.en, nl: p.retention.nl })?,
                },
                categories: purpose_categories,
                marketing: p.marketing,
                automated_decision: p.automated_decision,
                key,
            });
        }

        let entity_channels: HashMap<&Key, &Vec<Key>> =
            entities.iter().map(|e| (&e.key, &e.marketing_channels)).collect();
        let mut recipient_keys = KeySet::new("recipients");
        let mut recipients = Vec::new();
        for r in self.recipients {
            let key = recipient_keys.add(&r.key)?;
            let item = format!("recipients.{key}");
            if !(1..=90).contains(&r.due_days) {
                return Err(format!("{item}: due_days {} must be between 1 and 90", r.due_days));
            }
            let mut identifiers = Vec::new();
            for i in &r.identifiers {
                let valid = (1..=64).contains(&i.len())
                    && i.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
                if !valid {
                    return Err(format!("{item}: identifiers: `{i}` must be 1-64 of a-z, 0-9, '_' and '-'"));
                }
                identifiers.push(i.clone());
            }
            let mut marketing = Vec::new();
            for m in r.marketing {
                let entity = entity_keys.reference(&item, "marketing.entity", &m.entity)?;
                let declared = entity_channels.get(&entity).map(|v| v.as_slice()).unwrap_or(&[]);
                let mut channels = Vec::new();
                for c in &m.channels {
                    let channel = channel_keys.reference(&item, "marketing.channels", c)?;
                    if !declared.contains(&channel) {
                        return Err(format!(
                            "{item}: marketing channel `{channel}` is not among the marketing_channels of entity `{entity}`"
                        ));
                    }
                    channels.push(channel);
                }
                marketing.push(RecipientMarketing { entity, channels });
            }
            recipients.push(Recipient {
                name: text(&item, "name", r.name)?,
                kind: parse_enum::<RecipientKind>(&item, "kind", &r.kind)?,
                country: country(&item, &r.country)?,
                safeguard: parse_enum(&item, "safeguard", &r.safeguard)?,
                description: bilingual(&item, "description", r.description)?,
                contact_email: email(&item, "contact_email", &r.contact_email)?,
                confirmation: parse_enum(&item, "confirmation", &r.confirmation)?,
                due_days: r.due_days as u32,
                identifiers,
                marketing,
                key,
            });
        }

        Ok(Catalog { authorities, channels, entities, categories, purposes, recipients })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[[authorities]]
key = "ap"
name = "Autoriteit Persoonsgegevens"
country = "NL"
website = "https://autoriteitpersoonsgegevens.nl"
address = "Den Haag"

[[channels]]
key = "email"
name = { en = "E-mail", nl = "E-mail" }

[[entities]]
key = "acme"
legal_name = "Acme B.V."
address = "Son"
contact_email = "info@acme.example"
dpo_name = "D. P. O."
dpo_email = "dpo@acme.example"
authority = "ap"
notice_version = "1"
notice_url = "https://acme.example/privacy"
description = { en = "Acme", nl = "Acme" }
marketing_channels = ["email"]

[[categories]]
key = "contact"
name = { en = "Contact", nl = "Contact" }
description = { en = "c", nl = "c" }

[[purposes]]
key = "service"
entity = "acme"
reference = "1a"
name = { en = "Service", nl = "Dienst" }
description = { en = "d", nl = "d" }
legal_basis = "contract"
retention = { months = 24, from = "end_of_relationship", en = "2 years", nl = "2 jaar" }
categories = ["contact"]
"#;

    #[test]
    fn minimal_catalog_parses() {
        let c = Catalog::parse(MINIMAL).unwrap();
        assert_eq!(c.entities[0].legal_name, "Acme B.V.");
        assert_eq!(c.purposes[0].legal_basis, LegalBasis::Contract);
    }

    #[test]
    fn the_shipped_catalog_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/catalog.toml");
        let c = Catalog::load(&path).unwrap();
        let names: Vec<&str> = c.entities.iter().map(|e| e.legal_name.as_str()).collect();
        assert!(names.contains(&"Claranet Benelux Holdings B.V."));
        assert!(names.contains(&"Claranet Benelux B.V."));
        assert!(names.contains(&"Claranet Products B.V."));
        for basis in
            [LegalBasis::Contract, LegalBasis::Consent, LegalBasis::LegitimateInterest, LegalBasis::LegalObligation]
        {
            assert!(c.purposes.iter().any(|p| p.legal_basis == basis), "no purpose on {basis}");
        }
    }

    #[test]
    fn same_register_ignores_the_order_of_stored_sets_only() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/catalog.toml");
        let c = Catalog::load(&path).unwrap();
        assert!(c.same_register(&c.clone()));

        let mut sets_reordered = c.clone();
        sets_reordered.authorities.reverse();
        for e in &mut sets_reordered.entities {
            e.marketing_channels.reverse();
        }
        for p in &mut sets_reordered.purposes {
            p.categories.reverse();
        }
        assert!(c.entities.iter().any(|e| e.marketing_channels.len() > 1), "the check needs a reorderable list");
        assert!(c.same_register(&sets_reordered));

        let mut positions_changed = c.clone();
        positions_changed.purposes.swap(0, 1);
        assert!(!c.same_register(&positions_changed), "purpose positions are stored");
        let mut field_edited = c.clone();
        field_edited.recipients[0].due_days += 1;
        assert!(!c.same_register(&field_edited));
        let mut label_edited = c.clone();
        label_edited.categories[0].fields[0].label.nl.push('!');
        assert!(!c.same_register(&label_edited));
        let mut link_removed = c.clone();
        link_removed.purposes[0].categories.pop();
        assert!(!c.same_register(&link_removed));
    }

    #[test]
    fn dangling_references_are_named() {
        let bad = MINIMAL.replace("entity = \"acme\"", "entity = \"acme-typo\"");
        let e = Catalog::parse(&bad).unwrap_err();
        assert_eq!(e, "purposes.service: entity `acme-typo` is not declared in [[entities]]");
        let bad = MINIMAL.replace("authority = \"ap\"", "authority = \"xx\"");
        assert!(Catalog::parse(&bad).unwrap_err().contains("entities.acme: authority `xx`"));
        let bad = MINIMAL.replace("categories = [\"contact\"]", "categories = [\"nope\"]");
        assert!(Catalog::parse(&bad).unwrap_err().contains("categories `nope`"));
    }

    #[test]
    fn rules_of_the_register_are_enforced() {
        let li = MINIMAL.replace("legal_basis = \"contract\"", "legal_basis = \"legitimate_interest\"");
        assert!(Catalog::parse(&li).unwrap_err().contains("needs a legitimate_interest text"));
        let basis = MINIMAL.replace("legal_basis = \"contract\"", "legal_basis = \"vibes\"");
        assert!(Catalog::parse(&basis).unwrap_err().contains("legal_basis `vibes` is not one of"));
        let dup = format!("{MINIMAL}\n[[channels]]\nkey = \"email\"\nname = {{ en = \"x\", nl = \"x\" }}\n");
        assert!(Catalog::parse(&dup).unwrap_err().contains("channels.email: declared twice"));
        let unknown = MINIMAL.replace("dpo_name =", "dpo_nam =");
        let e = Catalog::parse(&unknown).unwrap_err();
        assert!(e.starts_with("line ") && e.contains("dpo_nam"), "{e}");
        let empty_nl =
            MINIMAL.replace("name = { en = \"Service\", nl = \"Dienst\" }", "name = { en = \"Service\", nl = \" \" }");
        assert!(Catalog::parse(&empty_nl).unwrap_err().contains("purposes.service: name.nl is empty"));
    }
}
