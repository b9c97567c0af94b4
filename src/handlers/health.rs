//! Liveness and readiness for orchestrators and load balancers.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// `GET /healthz`: 200 whenever the process serves requests.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body("ok\n")
}

/// `GET /readyz`: 200 when the database answers, 503 otherwise.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let mut response = if state.db.is_ready().await {
        HttpResponse::Ok().body("ready\n")
    } else {
        tracing::warn!("readiness check failed: database does not answer");
        HttpResponse::ServiceUnavailable().body("database unavailable\n")
    };
    response
        .headers_mut()
        .insert(CONTENT_TYPE, actix_web::http::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    response.headers_mut().insert(CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    response
}
