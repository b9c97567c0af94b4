//! `/api/processor/v1`: a recipient's machines list their tasks and confirm or decline
//! them. A token acts for one recipient and sees only its tasks (another recipient's
//! task is 404). Confirm and decline need an `Idempotency-Key`: the same key with the
//! same body gets the same answer, with another body 422 (API-02).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{ApiError, ProcessorToken, StrictJson};
use crate::db::DbError;
use crate::db::queries::decisions::Engine;
use crate::db::queries::idempotency::{self, KeyOwner, Seen};
use crate::db::queries::tasks::{self, Answer, ResolveError, View};
use crate::db::queries::webhooks;
use crate::domain::audit::Actor;
use crate::handlers::processor::MAX_ANSWER_CHARS;
use crate::handlers::task_cursor;
use crate::state::AppState;
use crate::task_documents::task_json;

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/processor/v1/openapi.json`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

/// `?status=open|overdue|done|all&limit=&cursor=`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

fn decode_cursor(cursor: &str) -> Result<tasks::Cursor, ApiError> {
    task_cursor::decode(cursor).ok_or_else(|| ApiError::BadRequest("cursor is not one this API gave out".into()))
}

/// `GET /api/processor/v1/tasks`: the recipient's tasks, oldest due first.
pub async fn list(
    token: ProcessorToken,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let recipient = token.0.recipient.ok_or(ApiError::Unauthorized)?;
    let view = View::parse(query.status.as_deref().unwrap_or("open"))
        .ok_or_else(|| ApiError::BadRequest("status must be open, overdue, done or all".into()))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BadRequest("limit must be between 1 and 500".into()));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let now = state.clock.now();
    let page = state.db.run(move |c| tasks::list(c, recipient, view, now, limit + 1, after)).await?;
    let more = page.len() as i64 > limit;
    let items: Vec<_> = page.iter().take(limit as usize).collect();
    let next = if more { items.last().map(|t| task_cursor::encode(t)) } else { None };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "tasks": items.iter().map(|t| task_json(t, &state.catalog, now)).collect::<Vec<_>>(),
        "next_cursor": next,
    })))
}

/// `GET /api/processor/v1/tasks/{id}`.
pub async fn get(
    token: ProcessorToken,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let recipient = token.0.recipient.ok_or(ApiError::Unauthorized)?;
    let lookup = id.into_inner();
    let task = state.db.run(move |c| tasks::get(c, recipient, &lookup)).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(task_json(&task, &state.catalog, state.clock.now())))
}

/// Confirm body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    reference: Option<String>,
    note: Option<String>,
}

/// Decline body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    reason: String,
}

pub(super) fn idempotency_key(req: &HttpRequest) -> Result<String, ApiError> {
    let rule = || ApiError::BadRequest("the Idempotency-Key must have 1 to 255 printable ASCII characters".into());
    let key = req
        .headers()
        .get("idempotency-key")
        .ok_or_else(|| ApiError::BadRequest("the Idempotency-Key header is required".into()))?
        .to_str()
        .map_err(|_| rule())?
        .trim();
    if key.is_empty() || key.len() > 255 || key.chars().any(|c| c.is_control()) {
        return Err(rule());
    }
    Ok(key.to_owned())
}

fn checked(text: Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    // Control characters (other than line breaks) have no place in a reference or note.
    let clean = |t: String| t.chars().filter(|c| !c.is_control() || *c == '\n').collect::<String>().trim().to_owned();
    match text.map(clean).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > MAX_ANSWER_CHARS => {
            Err(ApiError::Unprocessable(format!("{field} has more than {MAX_ANSWER_CHARS} characters")))
        }
        other => Ok(other),
    }
}

async fn answer(
    req: HttpRequest,
    token: ProcessorToken,
    state: web::Data<AppState>,
    id: String,
    raw: &[u8],
    answer: Answer,
) -> Result<HttpResponse, ApiError> {
    let recipient = token.0.recipient.ok_or(ApiError::Unauthorized)?;
    let key = idempotency_key(&req)?;
    let request_hash =
        hex::encode(Sha256::new().chain_update(req.path().as_bytes()).chain_update(b"\n").chain_update(raw).finalize());
    let now = state.clock.now();
    let st = state.clone();
    let actor = Actor::Token(token.0.public_id.clone());
    let token_id = token.0.id;
    let outcome = state
        .db
        .transaction(move |c| {
            match idempotency::check(c, KeyOwner::Recipient(recipient), &key, &request_hash)? {
                Seen::Replay(status, body) => return Ok((status, body)),
                Seen::Mismatch => {
                    return Ok((422, serde_json::json!({ "error": { "code": "idempotency_key_reused", "message": "this Idempotency-Key was used for a different request" } }).to_string()));
                }
                Seen::New => {}
            }
            let engine = Engine { stored: &st.catalog, keys: &st.keys, public_base: &st.public_base };
            let (status, body) = match tasks::resolve(c, &engine, recipient, &id, &answer, &actor, None, Some(token_id), "api", now)? {
                Ok(task) => (200, task_json(&task, &st.catalog, now).to_string()),
                Err(ResolveError::NotFound) => return Err(DbError::NotFound),
                Err(ResolveError::AlreadyAnswered(status)) => (
                    409,
                    serde_json::json!({ "error": { "code": "conflict", "message": format!("the task was already answered: {status}") } }).to_string(),
                ),
            };
            idempotency::store(c, KeyOwner::Recipient(recipient), &key, &request_hash, status, &body, now)?;
            Ok((status, body))
        })
        .await;
    let (status, body) = match outcome {
        Ok(answer) => answer,
        Err(DbError::NotFound) => return Err(ApiError::NotFound),
        // Two requests with one key at once: the second loses the race for the key row.
        Err(DbError::Conflict(_)) => {
            return Err(ApiError::Conflict("a request with this Idempotency-Key is being processed".into()));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .content_type("application/json")
        .body(body))
}

/// `POST /api/processor/v1/tasks/{id}/confirm`.
pub async fn confirm(
    req: HttpRequest,
    token: ProcessorToken,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: StrictJson<ConfirmBody>,
) -> Result<HttpResponse, ApiError> {
    let StrictJson { value, raw } = body;
    let applied =
        Answer::Applied { reference: checked(value.reference, "reference")?, note: checked(value.note, "note")? };
    answer(req, token, state, id.into_inner(), &raw, applied).await
}

/// `POST /api/processor/v1/tasks/{id}/decline`.
pub async fn decline(
    req: HttpRequest,
    token: ProcessorToken,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: StrictJson<DeclineBody>,
) -> Result<HttpResponse, ApiError> {
    let StrictJson { value, raw } = body;
    let reason = checked(Some(value.reason), "reason")?
        .ok_or_else(|| ApiError::Unprocessable("reason must not be empty".into()))?;
    answer(req, token, state, id.into_inner(), &raw, Answer::Declined { reason }).await
}

/// Webhook body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    url: String,
}

/// `GET /api/processor/v1/webhook`: where new tasks are POSTed (never the secret).
pub async fn webhook_get(token: ProcessorToken, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let recipient = token.0.recipient.ok_or(ApiError::Unauthorized)?;
    let (url, active) = state.db.run(move |c| webhooks::describe(c, recipient)).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "url": url, "active": active })))
}

/// `PUT /api/processor/v1/webhook`: sets the URL and answers with a new signing
/// secret, once. HTTPS is required outside loopback; private and link-local targets
/// are refused unless the portal allows them.
pub async fn webhook_put(
    token: ProcessorToken,
    state: web::Data<AppState>,
    body: StrictJson<WebhookBody>,
) -> Result<HttpResponse, ApiError> {
    let recipient = token.0.recipient.ok_or(ApiError::Unauthorized)?;
    let url = crate::webhooks::check_url(body.value.url.trim(), state.settings.webhooks.allow_private_targets)
        .map_err(ApiError::Unprocessable)?;
    let now = state.clock.now();
    let st = state.clone();
    let actor = Actor::Token(token.0.public_id.clone());
    let target = url.clone();
    let secret =
        state.db.transaction(move |c| webhooks::configure(c, &st.keys, recipient, &target, &actor, now)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "url": url.as_str(), "active": true, "secret": secret })))
}

/// `DELETE /api/processor/v1/webhook`.
pub async fn webhook_delete(token: ProcessorToken, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let recipient = token.0.recipient.ok_or(ApiError::Unauthorized)?;
    let now = state.clock.now();
    let actor = Actor::Token(token.0.public_id.clone());
    if !state.db.transaction(move |c| webhooks::remove(c, recipient, &actor, now)).await? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Any other path under the API: a JSON 404, not the HTML page.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
