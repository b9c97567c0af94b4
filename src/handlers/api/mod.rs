//! Machine APIs (JSON only): the processor API and the ingestion API. Errors are JSON
//! `{"error": {"code", "message"}}` with the status that fits; bodies are checked for
//! content type, size and unknown fields before a handler runs.

pub mod ingest;
pub mod processor;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use serde::de::DeserializeOwned;

use crate::db::DbError;
use crate::db::queries::tokens::{self, TokenOwner};
use crate::state::AppState;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 64 * 1024;

/// An API failure, rendered as JSON.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No, malformed, unknown or revoked token.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// Not found (also: not yours).
    #[error("not found")]
    NotFound,
    /// The request is malformed (bad JSON, missing header).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not JSON.
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// The body is too large (the limit in bytes).
    #[error("the body is larger than {} KiB", .0 / 1024)]
    PayloadTooLarge(usize),
    /// Well-formed but not acceptable (unknown field, missing reason, key reused).
    #[error("{0}")]
    Unprocessable(String),
    /// Conflicts with the current state (already declined).
    #[error("{0}")]
    Conflict(String),
    /// The database cannot be reached.
    #[error("temporarily unavailable")]
    Unavailable,
    /// Anything else.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::Conflict(_) => "conflict",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ApiError::NotFound,
            DbError::Unavailable(_) => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = %cause, "API request failed");
        }
        let mut response = HttpResponse::build(self.status_code())
            .json(serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } }));
        if matches!(self, ApiError::Unauthorized)
            && let Ok(v) = actix_web::http::header::HeaderValue::from_str("Bearer realm=\"privacy-portal\"")
        {
            response.headers_mut().insert(WWW_AUTHENTICATE, v);
        }
        response
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| ApiError::Internal("application state missing".into()))
}

/// The owner of the request's bearer token, whatever its kind.
async fn bearer(req: &HttpRequest) -> Result<TokenOwner, ApiError> {
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .ok_or(ApiError::Unauthorized)?
        .to_owned();
    let state = state_of(req)?;
    let now = state.clock.now();
    state.db.transaction(move |c| tokens::authenticate(c, &presented, now)).await?.ok_or(ApiError::Unauthorized)
}

/// The processor a bearer token acts for.
pub struct ProcessorToken(pub TokenOwner);

impl FromRequest for ProcessorToken {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let owner = bearer(&req).await?;
            // Another kind of token is no key here: the same answer as a wrong one.
            if owner.kind != "processor" || owner.recipient.is_none() {
                return Err(ApiError::Unauthorized);
            }
            Ok(ProcessorToken(owner))
        })
    }
}

/// The source system a bearer token writes for.
pub struct IngestToken(pub TokenOwner);

impl FromRequest for IngestToken {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let owner = bearer(&req).await?;
            if owner.kind != "ingest" || owner.source_system.is_none() {
                return Err(ApiError::Unauthorized);
            }
            Ok(IngestToken(owner))
        })
    }
}

/// Reads an `application/json` body of at most `limit` bytes.
fn json_bytes(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + 'static {
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|ct| ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
    let body = web::Bytes::from_request(req, payload);
    async move {
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let raw = body.await.map_err(|e| {
            if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(limit)
            } else {
                ApiError::BadRequest("the body could not be read".into())
            }
        })?;
        if raw.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        Ok(raw)
    }
}

/// A JSON body's bytes (content type and size checked), for handlers that parse it
/// themselves to report errors per field. `LIMIT` is in bytes.
pub struct RawJson<const LIMIT: usize>(pub web::Bytes);

impl<const LIMIT: usize> FromRequest for RawJson<LIMIT> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = json_bytes(req, payload, LIMIT);
        Box::pin(async move { Ok(RawJson(bytes.await?)) })
    }
}

/// A JSON body: `application/json`, at most 64 KiB, every field known. Also keeps the
/// raw bytes (idempotency compares requests by their hash).
pub struct StrictJson<T> {
    /// The parsed body.
    pub value: T,
    /// The body as sent.
    pub raw: web::Bytes,
}

impl<T: DeserializeOwned + 'static> FromRequest for StrictJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = json_bytes(req, payload, JSON_LIMIT);
        Box::pin(async move {
            let raw = bytes.await?;
            let value = serde_json::from_slice(&raw).map_err(|e| match e.classify() {
                serde_json::error::Category::Data => ApiError::Unprocessable(e.to_string()),
                _ => ApiError::BadRequest(format!("the body is not valid JSON: {e}")),
            })?;
            Ok(StrictJson { value, raw })
        })
    }
}
