//! Browsing the audit trail (privacy officers and admins): newest first, filtered by
//! action, with the chain checked on every view. Events hold ids, never values.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::queries::audit::{self, AuditEntry, ChainReport};
use crate::domain::staff::Permission;
use crate::error::AppError;
use crate::extractors::{CurrentStaff, PageContext};
use crate::handlers::render;
use crate::i18n::messages;
use crate::state::AppState;

/// Events a page.
const PAGE: i64 = 100;

/// `?action=&before=`
#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    before: Option<i64>,
}

/// A listed event.
pub struct Line {
    /// Id.
    pub id: i64,
    /// When (formatted).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Details (ids and counts only).
    pub details: String,
}

/// `GET /staff/audit`.
#[derive(Template)]
#[template(path = "staff/audit.html")]
pub struct AuditPage {
    ctx: PageContext,
    lines: Vec<Line>,
    action: String,
    chain: ChainReport,
    older: Option<i64>,
}

/// `GET /staff/audit?action=&before=`.
pub async fn browse(
    req: HttpRequest,
    me: CurrentStaff,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadAudit)?;
    let action: String =
        query.action.chars().filter(|c| c.is_ascii_lowercase() || *c == '.' || *c == '_').take(64).collect();
    let (filter, before) = (action.clone(), query.before);
    let (entries, chain) = state
        .db
        .run(move |c| {
            let entries = audit::browse(c, Some(filter.as_str()).filter(|a| !a.is_empty()), before, PAGE)?;
            Ok((entries, audit::verify(c)?))
        })
        .await?;
    let ctx = PageContext::for_request(&req, Some(&me.session));
    let texts = messages(ctx.lang);
    let older = (entries.len() as i64 == PAGE).then(|| entries.last().map(|e| e.id)).flatten();
    let lines = entries
        .into_iter()
        .map(|e: AuditEntry| Line {
            id: e.id,
            at: texts.date_time(e.at),
            actor: match e.actor_id {
                Some(id) => format!("{} {id}", e.actor_kind),
                None => e.actor_kind,
            },
            action: e.action,
            target: match (e.target_kind, e.target_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                _ => String::new(),
            },
            details: e.details,
        })
        .collect();
    render(StatusCode::OK, &AuditPage { ctx, lines, action, chain, older })
}
