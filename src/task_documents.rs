//! A propagation task as a recipient receives it: the same JSON in the processor API,
//! in webhooks and (flattened) in CSV exports. Erasure tasks also carry the OpenDSR 2.0
//! request shape; rectification, restriction and objection use documented `x-`
//! extensions of it (docs/processor-api.md).

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::tasks::Task;
use crate::domain::ids::EntityId;

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The OpenDSR request type for an action (`x-` marks our extensions).
pub fn opendsr_type(action: &str) -> &'static str {
    match action {
        "erase" => "erasure",
        "rectify" => "x-rectification",
        "restrict" => "x-restriction",
        "lift_restriction" => "x-restriction-lift",
        "object" => "x-objection",
        _ => "x-marketing-stop",
    }
}

/// The task as JSON.
pub fn task_json(task: &Task, stored: &StoredCatalog, now: OffsetDateTime) -> Value {
    let entity = stored.entity(EntityId(task.entity_id));
    let mut doc = json!({
        "id": task.public_id,
        "action": task.action,
        "status": task.status,
        "overdue": task.is_overdue(now),
        "entity": entity.map(|e| json!({ "key": e.key.as_str(), "legal_name": e.legal_name })),
        "created_at": ts(task.created_at),
        "due_at": ts(task.due_at),
        "delivered_at": task.delivered_at.map(ts),
        "resolved_at": task.resolved_at.map(ts),
        "resolution": task.resolved_at.map(|_| json!({
            "outcome": task.status,
            "reference": task.resolution_reference,
            "note": task.resolution_note,
            "decline_reason": task.decline_reason,
            "via": task.resolved_via,
        })),
    });
    // The minimum the recipient needs, as decided when the task was made.
    if let (Some(obj), Some(payload)) = (doc.as_object_mut(), task.payload.as_object()) {
        for (k, v) in payload {
            if !["action", "entity"].contains(&k.as_str()) {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    let identities: Vec<Value> = task
        .payload
        .get("identifiers")
        .and_then(Value::as_object)
        .map(|ids| {
            ids.iter()
                .map(|(kind, value)| {
                    let identity_type = if kind == "email" { "email" } else { "controller_customer_id" };
                    json!({ "identity_type": identity_type, "identity_value": value, "identity_format": "raw" })
                })
                .collect()
        })
        .unwrap_or_default();
    doc["opendsr"] = json!({
        "api_version": "2.0",
        "subject_request_id": task.public_id,
        "subject_request_type": opendsr_type(&task.action),
        "submitted_time": ts(task.created_at),
        "property_id": entity.map(|e| e.key.as_str()),
        "subject_identities": identities,
    });
    doc
}

/// The body of the webhook announcing a task: built from what never changes, so every
/// retry carries the same bytes under the same `webhook-id`.
pub fn webhook_body(task: &Task, stored: &StoredCatalog) -> Value {
    let frozen = Task {
        status: "pending".into(),
        delivered_at: None,
        resolved_at: None,
        resolved_via: None,
        resolution_reference: None,
        resolution_note: None,
        decline_reason: None,
        ..task.clone()
    };
    json!({ "type": "task.created", "timestamp": ts(task.created_at), "data": task_json(&frozen, stored, task.created_at) })
}
