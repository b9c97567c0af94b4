//! The completion certificate of a request, as a printable page and as signed JSON.
//! Open to the signed-in owner, or to whoever holds the capability link from the
//! completion mail (after a full erasure the person can no longer sign in).

use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use super::requests::{TaskRow, kind_key, task_row};
use crate::certificates;
use crate::db::queries::propagation::{self, TaskView};
use crate::db::queries::requests::{self, RequestDetail};
use crate::domain::ids::{PublicId, RequestId, SubjectId};
use crate::domain::rights::{RequestStatus, reference};
use crate::error::AppError;
use crate::extractors::{CurrentSubject, PageContext};
use crate::i18n::messages;
use crate::state::AppState;

/// `?k=` — the capability from the completion mail.
#[derive(Deserialize)]
pub struct CapabilityQuery {
    k: Option<String>,
}

/// The request and its tasks, if the caller may see them and the request is complete.
async fn load(
    state: &web::Data<AppState>,
    me: Option<CurrentSubject>,
    id: &str,
    capability: Option<&str>,
) -> Result<(RequestDetail, Vec<TaskView>), AppError> {
    let public_id = PublicId::parse(id).ok_or(AppError::NotFound)?.to_string();
    let by_capability = capability.is_some_and(|k| certificates::capability_matches(&state.keys, &public_id, k));
    let lookup = public_id.clone();
    let owner: Option<SubjectId> = if by_capability {
        state.db.run(move |c| requests::owner_of(c, &lookup)).await?
    } else {
        // Without a valid capability only the signed-in owner may look; anyone else is
        // sent to sign in (and then sees 404 unless it is theirs).
        Some(
            me.ok_or_else(|| AppError::SignInRequired { next: format!("/requests/{public_id}/certificate") })?
                .subject_id,
        )
    };
    let subject = owner.ok_or(AppError::NotFound)?;
    let (detail, tasks) = state
        .db
        .run(move |c| {
            let Some(detail) = requests::find(c, subject, &public_id)? else { return Ok(None) };
            let tasks = propagation::for_subject(c, subject, Some(RequestId(detail.summary.id)))?;
            Ok(Some((detail, tasks)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    if detail.summary.status != RequestStatus::Completed {
        return Err(AppError::NotReady);
    }
    Ok((detail, tasks))
}

/// A line of the kept-data table.
pub struct KeptRow {
    /// Why (the purpose).
    pub purpose: String,
    /// Until (formatted).
    pub until: String,
}

/// `GET /requests/{id}/certificate`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/certificate.html")]
pub struct CertificatePage {
    ctx: PageContext,
    reference: String,
    public_id: String,
    kind: &'static str,
    scope: Option<String>,
    received: String,
    decided: String,
    completed: String,
    controllers: Vec<String>,
    tasks: Vec<(TaskRow, Option<String>, Option<String>)>,
    kept: Vec<KeptRow>,
    issued: String,
    json_link: String,
    key_url: String,
}

/// `GET /requests/{id}/certificate`: the printable certificate.
pub async fn page(
    ctx: PageContext,
    me: Option<CurrentSubject>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<CapabilityQuery>,
) -> Result<CertificatePage, AppError> {
    let (detail, tasks) = load(&state, me, &id, query.k.as_deref()).await?;
    let stored = &state.catalog;
    let language = ctx.lang;
    let texts = messages(language);
    let now = state.clock.now();
    let s = &detail.summary;
    let kept = detail
        .items
        .iter()
        .filter(|i| i.outcome == "kept")
        .map(|i| KeptRow {
            purpose: i
                .kept_reason
                .as_deref()
                .and_then(|k| stored.catalog.purposes.iter().find(|p| p.key.as_str() == k))
                .map(|p| p.name.get(language).to_owned())
                .or_else(|| i.kept_reason.clone())
                .unwrap_or_default(),
            until: i.kept_until.map(|d| texts.date(d)).unwrap_or_default(),
        })
        .collect();
    let json_link = match &query.k {
        Some(k) => format!("/requests/{}/certificate.json?k={k}", s.public_id),
        None => format!("/requests/{}/certificate.json", s.public_id),
    };
    Ok(CertificatePage {
        reference: reference(&s.public_id),
        public_id: s.public_id.clone(),
        kind: kind_key(s.kind),
        scope: s.entity.and_then(|e| stored.entity(e)).map(|e| e.legal_name.clone()),
        received: texts.date_time(s.received_at),
        decided: detail.decided_at.map(|t| texts.date_time(t)).unwrap_or_default(),
        completed: s.completed_at.map(|t| texts.date_time(t)).unwrap_or_default(),
        controllers: stored.catalog.entities.iter().map(|e| e.legal_name.clone()).collect(),
        tasks: tasks
            .iter()
            .map(|t| (task_row(t, stored, texts, now), t.resolved_by.clone(), t.resolution_reference.clone()))
            .collect(),
        kept,
        issued: texts.date_time(now),
        json_link,
        key_url: format!("{}/consent-receipts/key", state.public_base),
        ctx,
    })
}

/// `GET /requests/{id}/certificate.json`: the signed certificate.
pub async fn json(
    me: Option<CurrentSubject>,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<CapabilityQuery>,
) -> Result<HttpResponse, AppError> {
    let (detail, tasks) = load(&state, me, &id, query.k.as_deref()).await?;
    let certificate = certificates::certificate(&detail, &tasks, &state.catalog, state.clock.now());
    let document = certificates::document(certificate, &state.keys.receipt_signing_key());
    let body = serde_json::to_vec_pretty(&document).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"certificate-{}.json\"", reference(&detail.summary.public_id)),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
