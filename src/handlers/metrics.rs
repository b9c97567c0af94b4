//! `GET /metrics`: Prometheus text format for this instance. Off (404) until
//! `metrics.token` is set; then only from `metrics.allow_networks` (403) and with the
//! token as a bearer (401). Gauges that live in the database are read at each scrape.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret as _;
use subtle::ConstantTimeEq as _;

use crate::db::queries::{audit, outbox, tasks};
use crate::state::AppState;

fn refuse(status: StatusCode, text: &str) -> HttpResponse {
    HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(format!("{text}\n"))
}

/// `GET /metrics`.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings.metrics;
    let Some(token) = &settings.token else { return refuse(StatusCode::NOT_FOUND, "not found") };
    let allowed = req.peer_addr().is_some_and(|peer| settings.allow_networks.iter().any(|n| n.contains(peer.ip())));
    if !allowed {
        return refuse(StatusCode::FORBIDDEN, "not from this network");
    }
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim();
    if !bool::from(presented.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer realm=\"metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("a bearer token is required\n");
    }
    let now = state.clock.now();
    let gauges = state
        .db
        .run(move |c| Ok((outbox::backlog(c)?, tasks::overdue_count(c, now)?, audit::unlinked_count(c)?)))
        .await;
    let m = &state.metrics;
    match gauges {
        Ok(((backlog, oldest), overdue, unlinked)) => {
            m.outbox_backlog.set(backlog);
            m.outbox_oldest_seconds.set(oldest.map(|t| (now - t).whole_seconds().max(0)).unwrap_or(0));
            m.overdue_tasks.set(overdue);
            m.audit_unlinked.set(unlinked);
        }
        // The scrape still answers: request metrics matter most when the database is down.
        Err(e) => tracing::warn!(error = %e, "metrics: database gauges unavailable"),
    }
    let (open, idle, max) = state.db.pool_state();
    m.pool_connections.with_label_values(&["idle"]).set(i64::from(idle));
    m.pool_connections.with_label_values(&["in_use"]).set(i64::from(open.saturating_sub(idle)));
    m.pool_max.set(i64::from(max));
    match m.render() {
        Ok(text) => HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text),
        Err(e) => {
            tracing::error!(error = %e, "metrics: rendering failed");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable")
        }
    }
}
