//! Stylesheet and images, built into the binary so it runs from any directory.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::error::AppError;

/// (path under /static/, content type, bytes)
const FILES: &[(&str, &str, &[u8])] = &[
    ("css/portal.css", "text/css; charset=utf-8", include_bytes!("../../static/css/portal.css")),
    ("img/favicon.svg", "image/svg+xml", include_bytes!("../../static/img/favicon.svg")),
];

/// `GET /static/{path}`: a built-in file, or 404.
pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, content_type, bytes) = FILES.iter().find(|(p, _, _)| *p == path.as_str()).ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, *content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(*bytes))
}
