//! `/api/ingest/v1`: source systems (CRM, billing, HR, marketing) push what they hold.
//! A token belongs to one source and may be limited to some entities. One person per
//! `POST /people`, up to [`MAX_BATCH_ITEMS`] per `POST /batch` with an answer per item;
//! each person is stored whole or not at all. `Idempotency-Key` is honoured.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::{ApiError, IngestToken, RawJson};
use crate::db::DbError;
use crate::db::queries::idempotency::{self, KeyOwner, Seen};
use crate::db::queries::ingest::{self as ingest_queries, Status, Writer};
use crate::domain::audit::Actor;
use crate::ingest::document::{self, ItemError, MAX_ITEM_BYTES};
use crate::state::AppState;

/// Most items in one batch.
pub const MAX_BATCH_ITEMS: usize = 500;
/// Largest batch body.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("ingest-openapi.json");

/// `GET /api/ingest/v1/openapi.json`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    items: Vec<Box<RawValue>>,
}

/// One item's answer.
fn item_json(index: Option<usize>, result: &Result<ingest_queries::Outcome, Vec<ItemError>>) -> serde_json::Value {
    let mut v = match result {
        Ok(o) => serde_json::json!({
            "status": o.status,
            "subject": o.subject,
            "changes": o.changes,
            "skipped": o.skipped,
        }),
        Err(errors) => serde_json::json!({ "status": "rejected", "errors": errors }),
    };
    if let (Some(i), Some(map)) = (index, v.as_object_mut()) {
        map.insert("index".into(), i.into());
    }
    v
}

/// The token's entity scope, applied to one validated item.
fn out_of_scope(token: &IngestToken, upsert: &document::Upsert) -> Option<ItemError> {
    let scope = token.0.entity_scope.as_ref()?;
    let named = upsert.entities();
    if named.is_empty() {
        // A bare address and name would register a person outside every entity it may write for.
        return Some(ItemError::new(
            "",
            "forbidden_entity",
            format!("this token writes for {} only: name at least one of them", scope.join(", ")),
        ));
    }
    let outside: Vec<&str> = named.into_iter().map(|k| k.as_str()).filter(|e| !scope.iter().any(|s| s == e)).collect();
    (!outside.is_empty()).then(|| {
        ItemError::new(
            "",
            "forbidden_entity",
            format!("this token may not write for {}; it may write for {}", outside.join(", "), scope.join(", ")),
        )
    })
}

fn optional_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    match req.headers().get("idempotency-key") {
        None => Ok(None),
        Some(_) => super::processor::idempotency_key(req).map(Some),
    }
}

/// Validates and stores `items` (raw JSON each) in one transaction with a savepoint per
/// item; answers `(status, body)`, replaying a stored answer for a repeated key.
async fn store(
    req: &HttpRequest,
    token: &IngestToken,
    state: &web::Data<AppState>,
    raw_body: &[u8],
    items: Vec<Vec<u8>>,
    batch: bool,
) -> Result<HttpResponse, ApiError> {
    let key = optional_key(req)?;
    let request_hash = hex::encode(
        Sha256::new().chain_update(req.path().as_bytes()).chain_update(b"\n").chain_update(raw_body).finalize(),
    );
    let now = state.clock.now();
    // Validation needs no database: do it before taking a connection.
    let validated: Vec<Result<document::Upsert, Vec<ItemError>>> = items
        .iter()
        .map(|bytes| {
            let upsert = document::parse_json(bytes)
                .map_err(|e| vec![e])
                .and_then(|doc| document::validate(doc, &state.catalog.catalog, now))?;
            match out_of_scope(token, &upsert) {
                Some(e) => Err(vec![e]),
                None => Ok(upsert),
            }
        })
        .collect();
    let st = state.clone();
    let source = token.0.source_system.clone().unwrap_or_default();
    let actor = Actor::Source(format!("{source}:{}", token.0.public_id));
    let token_id = token.0.id;
    let outcome = state
        .db
        .transaction(move |c| {
            if let Some(key) = &key {
                match idempotency::check(c, KeyOwner::IngestToken(token_id), key, &request_hash)? {
                    Seen::Replay(status, body) => return Ok((status, body)),
                    Seen::Mismatch => {
                        let body = serde_json::json!({ "error": { "code": "idempotency_key_reused", "message": "this Idempotency-Key was used for a different request" } });
                        return Ok((422, body.to_string()));
                    }
                    Seen::New => {}
                }
            }
            let writer = Writer { actor: &actor, method: "api" };
            let mut results = Vec::with_capacity(validated.len());
            for item in &validated {
                let result = match item {
                    Err(errors) => Err(errors.clone()),
                    Ok(upsert) => {
                        match crate::db::savepoint(c, |c| {
                            ingest_queries::upsert_person(c, &st.keys, &st.catalog, &writer, upsert, now)
                        }) {
                            Ok(r) => r,
                            Err(e @ (DbError::Conflict(_) | DbError::Constraint(_) | DbError::Rejected(_))) => {
                                Err(vec![ItemError::new("", "refused", e.to_string())])
                            }
                            Err(e) => return Err(e),
                        }
                    }
                };
                results.push(result);
            }
            let (status, body) = if batch {
                let count = |s: Status| results.iter().filter(|r| matches!(r, Ok(o) if o.status == s)).count();
                let body = serde_json::json!({
                    "results": results.iter().enumerate().map(|(i, r)| item_json(Some(i), r)).collect::<Vec<_>>(),
                    "summary": {
                        "created": count(Status::Created),
                        "updated": count(Status::Updated),
                        "unchanged": count(Status::Unchanged),
                        "suppressed": count(Status::Suppressed),
                        "rejected": results.iter().filter(|r| r.is_err()).count(),
                    },
                });
                (200, body.to_string())
            } else {
                match results.first() {
                    // Broken JSON is a bad request here as in a batch; a bad field is unprocessable.
                    Some(Err(errors)) if errors.iter().any(|e| e.code == "invalid_json") => {
                        let message = errors.first().map(ToString::to_string).unwrap_or_default();
                        let body = serde_json::json!({ "error": { "code": "bad_request", "message": message, "details": errors } });
                        (400, body.to_string())
                    }
                    Some(Err(errors)) => {
                        let message = errors.first().map(ToString::to_string).unwrap_or_default();
                        let body = serde_json::json!({ "error": { "code": "invalid_item", "message": message, "details": errors } });
                        (422, body.to_string())
                    }
                    Some(r @ Ok(o)) => (if o.status == Status::Created { 201 } else { 200 }, item_json(None, r).to_string()),
                    None => return Err(DbError::Rejected("no item".into())),
                }
            };
            if let Some(key) = &key {
                idempotency::store(c, KeyOwner::IngestToken(token_id), key, &request_hash, status, &body, now)?;
            }
            Ok((status, body))
        })
        .await;
    let (status, body) = match outcome {
        Ok(answer) => answer,
        Err(DbError::Conflict(_)) => {
            return Err(ApiError::Conflict("a request with this Idempotency-Key is being processed; retry".into()));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .content_type("application/json")
        .body(body))
}

/// `POST /api/ingest/v1/people`: registers or updates one person.
pub async fn upsert(
    req: HttpRequest,
    token: IngestToken,
    state: web::Data<AppState>,
    body: RawJson<MAX_ITEM_BYTES>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.0;
    store(&req, &token, &state, &raw, vec![raw.to_vec()], false).await
}

/// `POST /api/ingest/v1/batch`: `{"items": [person, …]}`, an answer per item.
pub async fn batch(
    req: HttpRequest,
    token: IngestToken,
    state: web::Data<AppState>,
    body: RawJson<MAX_BATCH_BYTES>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.0;
    let parsed: Batch = serde_json::from_slice(&raw).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::Unprocessable(format!("send {{\"items\": [person, …]}}: {e}")),
        _ => ApiError::BadRequest(format!("the body is not valid JSON: {e}")),
    })?;
    if parsed.items.is_empty() || parsed.items.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::Unprocessable(format!(
            "items must hold 1 to {MAX_BATCH_ITEMS} people; it holds {}",
            parsed.items.len()
        )));
    }
    let items = parsed.items.iter().map(|i| i.get().as_bytes().to_vec()).collect();
    store(&req, &token, &state, &raw, items, true).await
}

/// Any other path under the API: a JSON 404.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
