//! The completion certificate of a rights request: which organisations were told to
//! act (GDPR Art. 19), who confirmed or declined what and when, and what was kept under
//! a legal obligation until when. Signed like consent receipts (Ed25519 compact JWS, key
//! at `/consent-receipts/key`). It names no personal values, only the request reference,
//! organisations and dates, so it can be kept and shown to others as proof.

use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::auth::keys::{Keys, constant_time_eq};
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::propagation::TaskView;
use crate::db::queries::requests::RequestDetail;
use crate::domain::rights::reference;

/// The document type, versioned.
pub const TYPE: &str = "privacy-portal/request-certificate/v1";

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The capability that opens a request's certificate without a session (it goes in
/// the completion mail: after a full erasure the person can no longer sign in).
pub fn capability(keys: &Keys, request_public_id: &str) -> String {
    keys.lookup_hash("request-certificate/v1", request_public_id)[..32].to_owned()
}

/// Whether `presented` is the capability of this request.
pub fn capability_matches(keys: &Keys, request_public_id: &str, presented: &str) -> bool {
    constant_time_eq(capability(keys, request_public_id).as_bytes(), presented.as_bytes())
}

/// The certificate (unsigned).
pub fn certificate(
    detail: &RequestDetail,
    tasks: &[TaskView],
    stored: &StoredCatalog,
    issued_at: OffsetDateTime,
) -> Value {
    let s = &detail.summary;
    let recipients: Vec<Value> = tasks
        .iter()
        .map(|t| {
            json!({
                "task_id": t.public_id,
                "organisation": stored.recipient(t.recipient).map(|r| r.name.as_str()),
                "on_behalf_of": stored.entity(t.entity).map(|e| e.legal_name.as_str()),
                "action": t.action,
                "outcome": t.status,
                "told_at": ts(t.created_at),
                "answered_at": t.resolved_at.map(ts),
                "answered_by": t.resolved_by,
                "answered_via": t.resolved_via,
                "their_reference": t.resolution_reference,
                "decline_reason": t.decline_reason,
            })
        })
        .collect();
    let kept: Vec<Value> = detail
        .items
        .iter()
        .filter(|i| i.outcome == "kept")
        .map(|i| {
            let purpose =
                i.kept_reason.as_deref().and_then(|k| stored.catalog.purposes.iter().find(|p| p.key.as_str() == k));
            json!({
                "purpose": purpose.map(|p| p.name.en.as_str()).or(i.kept_reason.as_deref()),
                "legal_basis": purpose.map(|p| p.legal_basis.as_str()),
                "until": i.kept_until.map(|d| d.to_string()),
            })
        })
        .collect();
    json!({
        "type": TYPE,
        "issued_at": ts(issued_at),
        "request": {
            "reference": reference(&s.public_id),
            "id": s.public_id,
            "kind": s.kind.as_str(),
            "scope": s.entity.and_then(|e| stored.entity(e)).map(|e| e.legal_name.as_str()),
            "status": s.status.as_str(),
            "received_at": ts(s.received_at),
            "decided_at": detail.decided_at.map(ts),
            "completed_at": s.completed_at.map(ts),
        },
        "controllers": stored.catalog.entities.iter().map(|e| json!({ "name": e.legal_name })).collect::<Vec<_>>(),
        "recipients": recipients,
        "kept_under_legal_obligation": kept,
    })
}

/// The certificate with its signature and verification key.
pub fn document(certificate: Value, key: &SigningKey) -> Value {
    let jws = crate::receipts::sign(&certificate, key);
    json!({ "certificate": certificate, "jws": jws, "verificationKey": crate::receipts::public_jwk(key) })
}
