//! The person's download: everything held, at once, as JSON (documented, versioned) or
//! CSV in a zip. Handing out everything is sensitive: it needs a recent sign-in.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use crate::db::queries::staff_actions::StaffAction;
use crate::db::queries::subject_data;
use crate::error::AppError;
use crate::export;
use crate::extractors::session::require_recent_sign_in;
use crate::extractors::{PageContext, SubjectAccess};
use crate::handlers::staff::on_behalf;
use crate::state::AppState;

/// `GET /download`.
#[derive(Template, WebTemplate)]
#[template(path = "subject/download.html")]
pub struct DownloadPage {
    ctx: PageContext,
    schema: &'static str,
}

/// `GET /download`: what the download holds, in which formats.
pub async fn download_page(ctx: PageContext, _me: SubjectAccess) -> DownloadPage {
    DownloadPage { ctx, schema: export::SCHEMA }
}

/// `?reason=`: required when a staff member downloads for a caller.
#[derive(serde::Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    reason: String,
}

async fn document(
    me: &SubjectAccess,
    state: &AppState,
    language: crate::domain::Language,
    reason: &str,
    format: &'static str,
) -> Result<serde_json::Value, AppError> {
    let on_behalf = match &me.assisted_by {
        // The person: a sign-in of the last minutes (OTP-10).
        None => {
            require_recent_sign_in(&me.session, state, "/download")?;
            None
        }
        // Staff, to send it to the caller: with a reason, on the person's record.
        Some(_) => {
            let reason =
                on_behalf::check_reason(reason).map_err(|_| AppError::BadRequest("a reason is required".into()))?;
            let what = move |l: crate::domain::Language| {
                if l == crate::domain::Language::Nl {
                    format!("een kopie van al uw gegevens ({format}) gedownload om u toe te sturen")
                } else {
                    format!("downloaded a copy of all your data ({format}) to send to you")
                }
            };
            on_behalf::prepare(state, me, reason, what).await?
        }
    };
    let subject = me.subject_id;
    let (keys, now, catalog) = (state.keys.clone(), state.clock.now(), state.catalog.clone());
    let data = state
        .db
        .transaction(move |c| {
            if let Some(ob) = &on_behalf {
                ob.record(c, &keys, StaffAction::Download, format, now)?;
            }
            subject_data::load(c, subject, &catalog)
        })
        .await?;
    state.outbox_wakeup.notify_one();
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
    me: SubjectAccess,
    state: web::Data<AppState>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, AppError> {
    let doc = document(&me, &state, ctx.lang, &query.reason, "JSON").await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| AppError::Internal(e.into()))?;
    Ok(attachment("application/json", "my-data.json", body))
}

/// `GET /download/export.zip`: the same as CSV files (and the JSON) in a zip.
pub async fn export_zip(
    ctx: PageContext,
    me: SubjectAccess,
    state: web::Data<AppState>,
    query: web::Query<DownloadQuery>,
) -> Result<HttpResponse, AppError> {
    let doc = document(&me, &state, ctx.lang, &query.reason, "CSV").await?;
    let body = export::csv_zip(&doc).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(attachment("application/zip", "my-data.zip", body))
}
