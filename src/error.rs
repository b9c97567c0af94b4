//! `AppError`: everything a handler can fail with, each with its own status, shown as a
//! friendly page. Details go to the log, never to the person.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::DbError;

/// A failure shown to the person as an error page.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here.
    #[error("not found")]
    NotFound,
    /// The database cannot be reached now.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; logged with its cause.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::Unavailable(why) => AppError::Unavailable(why),
            other => AppError::Internal(other.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title_en: &'a str,
    message_en: &'a str,
    title_nl: &'a str,
    message_nl: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "request failed"),
            AppError::Unavailable(why) => tracing::warn!(reason = %why, "database unavailable"),
            AppError::NotFound => {}
        }
        let (title_en, message_en, title_nl, message_nl) = match self {
            AppError::NotFound => (
                "Page not found",
                "There is nothing at this address.",
                "Pagina niet gevonden",
                "Op dit adres staat niets.",
            ),
            AppError::Unavailable(_) => (
                "Temporarily unavailable",
                "The portal cannot reach its database right now. Nothing you sent was lost; please try again in a minute.",
                "Tijdelijk niet beschikbaar",
                "Het portaal kan de database nu niet bereiken. Er is niets verloren gegaan; probeer het over een minuut opnieuw.",
            ),
            AppError::Internal(_) => (
                "Something went wrong",
                "The portal could not finish this. Nothing was half-saved; please try again.",
                "Er ging iets mis",
                "Het portaal kon dit niet afronden. Er is niets half opgeslagen; probeer het opnieuw.",
            ),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title_en,
            message_en,
            title_nl,
            message_nl,
        };
        let body = page.render().unwrap_or_else(|_| title_en.to_owned());
        let mut response = HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body);
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
