//! `AppError`: everything a handler can fail with, each with its own status, shown as a
//! friendly page. Details go to the log, never to the person.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::db::DbError;

/// A failure shown to the person as an error page (or a redirect to sign in).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here.
    #[error("not found")]
    NotFound,
    /// The page needs a signed-in person: 303 to the sign-in page.
    #[error("sign-in required")]
    SignInRequired {
        /// Where to come back to.
        next: String,
    },
    /// The action needs a recent sign-in: 303 to sign in again.
    #[error("recent sign-in required")]
    ReauthRequired {
        /// Where to come back to.
        next: String,
    },
    /// The page needs a signed-in processor user: 303 to the processor sign-in.
    #[error("processor sign-in required")]
    ProcessorSignInRequired,
    /// The page needs a signed-in staff member: 303 to the staff sign-in.
    #[error("staff sign-in required")]
    StaffSignInRequired,
    /// Signed in, but the role does not allow this.
    #[error("not allowed for this role")]
    Forbidden,
    /// A staff member acted for a person after the assisted session ended.
    #[error("the assisted session has ended")]
    AssistEnded,
    /// A form without the session's CSRF token.
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    /// A request that cannot be understood.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Exists, but not yet (a certificate before every recipient answered).
    #[error("not ready yet")]
    NotReady,
    /// A body over the size limit.
    #[error("request body too large")]
    PayloadTooLarge,
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

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
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

fn sign_in_location(next: &str, reauth: bool) -> String {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    if reauth { format!("/sign-in?reauth=1&next={next}") } else { format!("/sign-in?next={next}") }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired { .. }
            | AppError::ReauthRequired { .. }
            | AppError::ProcessorSignInRequired
            | AppError::StaffSignInRequired => StatusCode::SEE_OTHER,
            AppError::CsrfRejected | AppError::Forbidden | AppError::AssistEnded => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotReady => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::SignInRequired { next } => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, sign_in_location(next, false)))
                    .finish();
            }
            AppError::ProcessorSignInRequired => {
                return HttpResponse::SeeOther().insert_header((header::LOCATION, "/processor/sign-in")).finish();
            }
            AppError::StaffSignInRequired => {
                return HttpResponse::SeeOther().insert_header((header::LOCATION, "/staff/sign-in")).finish();
            }
            AppError::ReauthRequired { next } => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, sign_in_location(next, true)))
                    .finish();
            }
            AppError::Internal(e) => tracing::error!(error = %format!("{e:#}"), "request failed"),
            AppError::Unavailable(why) => tracing::warn!(reason = %why, "database unavailable"),
            _ => {}
        }
        let (title_en, message_en, title_nl, message_nl) = match self {
            AppError::NotFound => (
                "Page not found",
                "There is nothing at this address.",
                "Pagina niet gevonden",
                "Op dit adres staat niets.",
            ),
            AppError::CsrfRejected => (
                "This form has expired",
                "For your safety the form was not accepted: it was opened in another session or too long ago, or your browser blocks cookies. Go back, reload the page and try again.",
                "Dit formulier is verlopen",
                "Voor uw veiligheid is het formulier niet aangenomen: het is in een andere sessie of te lang geleden geopend, of uw browser blokkeert cookies. Ga terug, laad de pagina opnieuw en probeer het nog eens.",
            ),
            AppError::BadRequest(_) => (
                "The request could not be understood",
                "Something in what your browser sent is missing or malformed. Go back and try again.",
                "Het verzoek is niet te begrijpen",
                "Er ontbreekt iets in wat uw browser stuurde, of het is onjuist. Ga terug en probeer het opnieuw.",
            ),
            AppError::Forbidden => (
                "Not allowed",
                "Your role does not allow this page or action. Ask an administrator if you need it.",
                "Niet toegestaan",
                "Uw rol staat deze pagina of handeling niet toe. Vraag een beheerder als u die nodig hebt.",
            ),
            AppError::AssistEnded => (
                "The assisted session has ended",
                "You can act for a caller only for a limited time after verifying them. Nothing was changed. Verify the caller again to continue.",
                "De begeleide sessie is afgelopen",
                "U kunt slechts korte tijd na verificatie namens een beller handelen. Er is niets gewijzigd. Verifieer de beller opnieuw om verder te gaan.",
            ),
            AppError::NotReady => (
                "Not ready yet",
                "This becomes available once every organisation involved has answered. The status page of your request shows who is still working on it.",
                "Nog niet klaar",
                "Dit komt beschikbaar zodra elke betrokken organisatie heeft geantwoord. De statuspagina van uw verzoek toont wie er nog mee bezig is.",
            ),
            AppError::PayloadTooLarge => (
                "Too much data",
                "What you sent is larger than this form accepts.",
                "Te veel gegevens",
                "Wat u stuurde is groter dan dit formulier aanneemt.",
            ),
            AppError::Unavailable(_) => (
                "Temporarily unavailable",
                "The portal cannot reach its database right now. Nothing you sent was lost; please try again in a minute.",
                "Tijdelijk niet beschikbaar",
                "Het portaal kan de database nu niet bereiken. Er is niets verloren gegaan; probeer het over een minuut opnieuw.",
            ),
            AppError::Internal(_)
            | AppError::SignInRequired { .. }
            | AppError::ReauthRequired { .. }
            | AppError::ProcessorSignInRequired
            | AppError::StaffSignInRequired => (
                "Something went wrong",
                "The portal could not finish this. Nothing was half-saved; please try again.",
                "Er ging iets mis",
                "Het portaal kon dit niet afronden. Er is niets half opgeslagen; probeer het opnieuw.",
            ),
        };
        let page = ErrorPage { status: status.as_u16(), title_en, message_en, title_nl, message_nl };
        let body = page.render().unwrap_or_else(|_| title_en.to_owned());
        let mut response = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body);
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
