//! The whole URL space of the portal, in one place.

use actix_web::web;

use crate::handlers::{health, public, static_files};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg
        // Operations
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/static/{path:.*}", web::get().to(static_files::serve))
        // Public
        .route("/", web::get().to(public::landing))
        .route("/language/{code}", web::get().to(public::switch_language));
}
