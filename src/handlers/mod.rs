//! HTTP handlers, grouped by audience. Page structs (askama) live beside the handler
//! that renders them; their templates mirror this layout under `templates/`.

pub mod account;
pub mod api;
pub mod auth;
pub mod errors;
pub mod health;
pub mod metrics;
pub mod processor;
pub mod public;
pub mod staff;
pub mod static_files;
pub mod subject;
pub mod task_cursor;
pub mod workforce_sign_in;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

use crate::error::AppError;

/// Renders a page with a given status (for 422 re-renders, 429 and friends).
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page.render()?))
}

/// A 303 redirect to a local path.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_owned())).finish()
}

/// Whether `target` is a path on this site (not `//host` or a full URL), so
/// redirecting there cannot send a person elsewhere.
pub fn is_local_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert!(is_local_path("/"));
        assert!(is_local_path("/dashboard?x=1"));
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "evil", "", "/a\r\nSet-Cookie: x"] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}
