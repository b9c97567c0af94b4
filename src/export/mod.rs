//! The person's download (Arts. 15 and 20): everything held about them as one JSON
//! document (schema `privacy-portal.export.v1`, documented in `docs/export-v1.md`) or as
//! CSV files in a zip. Built from `SubjectData` and the catalog; no HTTP, no SQL.

mod csv_files;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::catalog::{Category, Entity, Purpose};
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::subject_data::{HeldRecord, SubjectData};
use crate::domain::Language;
use crate::domain::retention::{RetentionEnd, retention_end};

pub use csv_files::{csv_zip, formula_safe};

/// The schema identifier of the JSON document.
pub const SCHEMA: &str = "privacy-portal.export.v1";

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn purpose_json(p: &Purpose, language: Language) -> Value {
    json!({
        "key": p.key.as_str(),
        "reference": p.reference,
        "name": p.name.get(language),
        "description": p.description.get(language),
        "legal_basis": p.legal_basis.as_str(),
        "legitimate_interest": p.legitimate_interest.as_ref().map(|l| l.get(language)),
        "retention": {
            "months": p.retention.months,
            "from": p.retention.from.as_str(),
            "rule": p.retention.text.get(language),
        },
        "direct_marketing": p.marketing,
        "automated_decision": p.automated_decision,
    })
}

fn category_json(c: &Category, language: Language) -> Value {
    json!({ "key": c.key.as_str(), "name": c.name.get(language) })
}

/// When the record's data goes, as far as it follows from the data: the latest end over
/// its purposes, or `null` when any purpose keeps it open-ended.
pub fn record_retention_end(record: &HeldRecord, stored: &StoredCatalog, data: &SubjectData) -> Option<time::Date> {
    let ended = data.relationships.iter().filter(|r| r.entity == record.entity).filter_map(|r| r.until).max();
    let mut latest = None;
    for purpose in record.purposes.iter().filter_map(|p| stored.purpose(*p)) {
        match retention_end(purpose.retention.months, purpose.retention.from, record.collected_at.date(), ended) {
            RetentionEnd::On(date) => latest = latest.max(Some(date)),
            _ => return None,
        }
    }
    latest
}

fn entity_json(e: &Entity, stored: &StoredCatalog, language: Language) -> Value {
    let authority = stored.authority_of(e);
    json!({
        "key": e.key.as_str(),
        "legal_name": e.legal_name,
        "trade_name": e.trade_name,
        "address": e.address,
        "contact": { "email": e.contact_email.as_str(), "phone": e.contact_phone },
        "data_protection_officer": { "name": e.dpo_name, "email": e.dpo_email.as_str() },
        "supervisory_authority": authority.map(|a| json!({ "name": a.name, "website": a.website, "phone": a.phone, "address": a.address })),
        "privacy_statement": { "url": e.notice_url, "version": e.notice_version },
        "description": e.description.get(language),
    })
}

/// The whole JSON document for one person.
pub fn json_document(
    data: &SubjectData,
    stored: &StoredCatalog,
    generated_at: OffsetDateTime,
    language: Language,
) -> Value {
    let mut entities = Vec::new();
    for (entity_id, entity) in
        stored.catalog.entities.iter().filter_map(|e| stored.ids.entities.get(&e.key).map(|id| (*id, e)))
    {
        let relationships: Vec<Value> = data
            .relationships
            .iter()
            .filter(|r| r.entity == entity_id)
            .map(|r| json!({ "role": r.role.as_str(), "reference": r.reference, "since": r.since.to_string(), "until": r.until.map(|d| d.to_string()) }))
            .collect();
        let records: Vec<Value> = data
            .records
            .iter()
            .filter(|r| r.entity == entity_id)
            .map(|r| {
                let category = stored.category(r.category);
                json!({
                    "id": r.id.0,
                    "category": category.map(|c| category_json(c, language)),
                    "field": r.field,
                    "label": category.map(|c| stored.field_label(c, &r.field, language)).unwrap_or(&r.field),
                    "value": r.value,
                    "source": r.source.as_str(),
                    "received_from": r.source_party.and_then(|p| stored.recipient(p)).map(|p| p.name.clone()),
                    "collected_at": ts(r.collected_at),
                    "updated_at": ts(r.updated_at),
                    "restricted_since": r.restricted_at.map(ts),
                    "erased_at": r.erased_at.map(ts),
                    "kept": r.kept_reason.as_ref().map(|why| json!({ "reason": why, "until": r.kept_until.map(|d| d.to_string()) })),
                    "retention_end": record_retention_end(r, stored, data).map(|d| d.to_string()),
                    "purposes": r.purposes.iter().filter_map(|p| stored.purpose(*p)).map(|p| p.key.as_str()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let preferences: Vec<Value> = data
            .preferences
            .iter()
            .filter(|p| p.entity == entity_id)
            .map(|p| json!({ "channel": stored.channel(p.channel).map(|c| c.key.as_str()), "granted": p.granted, "updated_at": ts(p.updated_at) }))
            .collect();
        if relationships.is_empty() && records.is_empty() && preferences.is_empty() {
            continue;
        }
        let purposes: Vec<Value> = stored
            .catalog
            .purposes
            .iter()
            .filter(|p| p.entity == entity.key)
            .filter(|p| {
                let id = stored.ids.purposes.get(&p.key).copied();
                data.records.iter().any(|r| id.is_some_and(|id| r.purposes.contains(&id)))
            })
            .map(|p| purpose_json(p, language))
            .collect();
        let mut doc = entity_json(entity, stored, language);
        doc["relationships"] = json!(relationships);
        doc["purposes"] = json!(purposes);
        doc["records"] = json!(records);
        doc["marketing_preferences"] = json!(preferences);
        entities.push(doc);
    }
    let disclosures: Vec<Value> = data
        .disclosures
        .iter()
        .map(|d| {
            let recipient = stored.recipient(d.recipient);
            json!({
                "recipient": recipient.map(|r| json!({
                    "key": r.key.as_str(),
                    "name": r.name,
                    "kind": r.kind.as_str(),
                    "country": r.country,
                    "transfer_safeguard": r.safeguard.as_str(),
                })),
                "entity": stored.entity(d.entity).map(|e| e.key.as_str()),
                "purpose": stored.purpose(d.purpose).map(|p| p.key.as_str()),
                "categories": d.categories.iter().filter_map(|c| stored.category(*c)).map(|c| c.key.as_str()).collect::<Vec<_>>(),
                "disclosed_at": ts(d.at),
            })
        })
        .collect();
    let consent_history: Vec<Value> = data
        .consent_events
        .iter()
        .map(|c| {
            json!({
                "entity": stored.entity(c.entity).map(|e| e.key.as_str()),
                "channel": c.channel.and_then(|ch| stored.channel(ch)).map(|ch| ch.key.as_str()),
                "purpose": c.purpose.and_then(|p| stored.purpose(p)).map(|p| p.key.as_str()),
                "granted": c.granted,
                "method": c.method,
                "by": c.actor_kind,
                "notice_version": c.notice_version,
                "at": ts(c.at),
            })
        })
        .collect();
    let requests: Vec<Value> = data
        .requests
        .iter()
        .map(|r| {
            json!({
                "reference": crate::domain::rights::reference(&r.public_id),
                "kind": r.kind.as_str(),
                "entity": r.entity.and_then(|e| stored.entity(e)).map(|e| e.key.as_str()),
                "status": r.status.as_str(),
                "received_at": ts(r.received_at),
                "due_at": ts(r.extended_due_at.unwrap_or(r.due_at)),
                "completed_at": r.completed_at.map(ts),
            })
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "generated_at": ts(generated_at),
        "language": language.as_str(),
        "subject": {
            "name": data.summary.display_name,
            "email": data.summary.email.as_ref().map(|e| e.as_str()),
            "language": data.summary.language.as_str(),
        },
        "entities": entities,
        "disclosures": disclosures,
        "consent_history": consent_history,
        "requests": requests,
    })
}
