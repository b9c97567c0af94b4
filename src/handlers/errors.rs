//! Pages for requests that match no route.

use actix_web::Responder;
use actix_web::http::StatusCode;
use askama::Template;
use askama_web::WebTemplate;

use crate::extractors::PageContext;

/// The 404 page, in the person's language.
#[derive(Template, WebTemplate)]
#[template(path = "errors/not_found.html")]
pub struct NotFoundPage {
    ctx: PageContext,
}

/// Fallback for every unknown URL: 404.
pub async fn not_found(ctx: PageContext) -> impl Responder {
    NotFoundPage { ctx }.customize().with_status(StatusCode::NOT_FOUND)
}
