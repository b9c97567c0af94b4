//! The person's download: everything held, at once, as JSON (documented, versioned) or
//! CSV in a zip. Handing out everything is sensitive: it needs a recent sign-in.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::db::queries::subject_data;
use crate::error::AppError;
use crate::export;
use crate::extractors::session::require_recent_sign_in;
use crate::extractors::{CurrentSubject, PageContext};
use crate::state::AppState;

/// `GET /download`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/download.html")]
pub struct DownloadPage {
    ctx: PageContext,
    schema: &'static str,
}

/// `GET /download`: what the download holds, in which formats.
pub async fn download_page(ctx: PageContext, _me: CurrentSubject) -> DownloadPage {
    DownloadPage { ctx, schema: export::SCHEMA }
}

async fn document(
    me: &CurrentSubject,
    state: &AppState,
    language: crate::domain::Language,
) -> Result<serde_json::Value, AppError> {
    require_recent_sign_in(&me.session, state, "/download")?;
    let subject = me.subject_id;
    let data = state.db.run(move |c| subject_data::load(c, subject)).await?;
    tracing::info!(subject.id = %subject, "full download");
    Ok(export::json_document(&data, &state.catalog, state.clock.now(), language))
}

fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type.to_owned()))
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(body)
}

/// `GET /download/export.json`.
pub async fn export_json(
    ctx: PageContext,
    me: CurrentSubject,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let doc = document(&me, &state, ctx.lang).await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok(attachment("application/json", "my-data.json", body))
}

/// `GET /download/export.zip`: the same as CSV files (and the JSON) in a zip.
pub async fn export_zip(
    ctx: PageContext,
    me: CurrentSubject,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let doc = document(&me, &state, ctx.lang).await?;
    let body = export::csv_zip(&doc).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(attachment("application/zip", "my-data.zip", body))
}
