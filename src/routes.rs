//! The whole URL space of the portal, in one place.

use actix_web::web;

use crate::handlers::api::ingest as ingest_api;
use crate::handlers::api::processor as processor_api;
use crate::handlers::processor;
use crate::handlers::subject::{self, certificate, download, preferences, recipients, requests};
use crate::handlers::workforce_sign_in::{self as workforce, Audience};
use crate::handlers::{account, auth, health, public, staff, static_files};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg
        // Operations
        .route("/healthz", web::get().to(health::healthz))
        .route("/metrics", web::get().to(crate::handlers::metrics::metrics))
        .route("/readyz", web::get().to(health::readyz))
        .route("/static/{path:.*}", web::get().to(static_files::serve))
        // Public
        .route("/", web::get().to(public::landing))
        .route("/language/{code}", web::get().to(public::switch_language))
        // Signing in and out
        .service(
            web::resource("/sign-in")
                .route(web::get().to(auth::sign_in_page))
                .route(web::post().to(auth::request_code)),
        )
        .service(
            web::resource("/sign-in/code")
                .route(web::get().to(auth::code_page))
                .route(web::post().to(auth::verify_code)),
        )
        .service(
            web::resource("/sign-in/authenticator")
                .route(web::get().to(auth::second_factor_page))
                .route(web::post().to(auth::verify_second_factor)),
        )
        .route("/sign-in/oidc/callback", web::get().to(auth::oidc_callback))
        .route("/sign-in/oidc/{provider}", web::get().to(auth::oidc_start))
        .route("/sign-out", web::post().to(auth::sign_out))
        // The signed-in person
        .route("/dashboard", web::get().to(subject::dashboard))
        .route("/data/{entity}/{category}", web::get().to(subject::category))
        .route("/recipients", web::get().to(recipients::recipients))
        .service(
            web::resource("/preferences")
                .route(web::get().to(preferences::preferences_page))
                .route(web::post().to(preferences::change_preference)),
        )
        .route("/consent-receipt", web::get().to(preferences::consent_receipt))
        .route("/consent-receipts/key", web::get().to(preferences::receipt_key))
        .route("/requests", web::get().to(requests::requests_page))
        .service(
            web::resource("/requests/new/{kind}")
                .route(web::get().to(requests::new_request))
                .route(web::post().to(requests::file_request)),
        )
        .route("/requests/{id}", web::get().to(requests::request_page))
        .route("/requests/{id}/certificate", web::get().to(certificate::page))
        .route("/requests/{id}/certificate.json", web::get().to(certificate::json))
        .route("/activity", web::get().to(subject::activity::activity))
        .route("/download", web::get().to(download::download_page))
        .route("/download/export.json", web::get().to(download::export_json))
        .route("/download/export.zip", web::get().to(download::export_zip))
        // Processors and third parties
        .service(sign_in_scope(Audience::Processor))
        .service(sign_in_scope(Audience::Staff))
        // Staff console
        .route("/staff", web::get().to(staff::callers::home))
        .route("/staff/people/{id}/verify", web::get().to(staff::callers::verify_page))
        .route("/staff/people/{id}/verify", web::post().to(staff::callers::check_code))
        .route("/staff/people/{id}/verify/send", web::post().to(staff::callers::send_code))
        .route("/staff/assist/stop", web::post().to(staff::callers::stop))
        .route("/staff/audit", web::get().to(staff::audit::browse))
        .route("/staff/admin", web::get().to(staff::admin::show))
        .route("/staff/admin/staff", web::post().to(staff::admin::add_staff))
        .route("/staff/admin/staff/{id}/role", web::post().to(staff::admin::set_role))
        .route("/staff/admin/staff/{id}/disable", web::post().to(staff::admin::disable_staff))
        .route("/staff/admin/processors", web::post().to(staff::admin::invite_processor))
        .route("/staff/admin/processors/{id}/disable", web::post().to(staff::admin::disable_processor))
        .route("/staff/admin/tokens", web::post().to(staff::admin::create_token))
        .route("/staff/admin/source-tokens", web::post().to(staff::admin::create_source_token))
        .route("/staff/admin/tokens/{id}/revoke", web::post().to(staff::admin::revoke_token))
        .route("/staff/admin/webhooks", web::post().to(staff::admin::set_webhook))
        .route("/staff/admin/webhooks/{recipient}/remove", web::post().to(staff::admin::remove_webhook))
        .route("/staff/requests", web::get().to(staff::queue::list))
        .route("/staff/requests/{id}", web::get().to(staff::queue::show))
        .route("/staff/requests/{id}/decide", web::post().to(staff::queue::decide))
        .route("/staff/requests/{id}/extend", web::post().to(staff::queue::extend))
        .route("/staff/requests/{id}/tasks/{task}/resend", web::post().to(staff::queue::resend))
        .route("/processor", web::get().to(processor::inbox))
        .route("/processor/tasks.csv", web::get().to(processor::export_csv))
        .route("/processor/tasks/confirm", web::post().to(processor::confirm_bulk))
        .route("/processor/tasks/{id}", web::get().to(processor::task))
        .route("/processor/tasks/{id}/confirm", web::post().to(processor::confirm))
        .route("/processor/tasks/{id}/decline", web::post().to(processor::decline))
        // Machine API for source systems
        .service(
            web::scope("/api/ingest/v1")
                .app_data(web::PayloadConfig::new(crate::handlers::api::ingest::MAX_BATCH_BYTES))
                .route("/openapi.json", web::get().to(ingest_api::openapi))
                .route("/people", web::post().to(ingest_api::upsert))
                .route("/batch", web::post().to(ingest_api::batch))
                .default_service(web::to(ingest_api::not_found)),
        )
        // Machine API for processors
        .service(
            web::scope("/api/processor/v1")
                .app_data(web::PayloadConfig::new(crate::handlers::api::JSON_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    crate::handlers::api::ApiError::BadRequest(format!("query string: {e}")).into()
                }))
                .route("/openapi.json", web::get().to(processor_api::openapi))
                .route("/tasks", web::get().to(processor_api::list))
                .route("/tasks/{id}", web::get().to(processor_api::get))
                .route("/tasks/{id}/confirm", web::post().to(processor_api::confirm))
                .route("/tasks/{id}/decline", web::post().to(processor_api::decline))
                .service(
                    web::resource("/webhook")
                        .route(web::get().to(processor_api::webhook_get))
                        .route(web::put().to(processor_api::webhook_put))
                        .route(web::delete().to(processor_api::webhook_delete)),
                )
                .default_service(web::to(processor_api::not_found)),
        )
        .route("/account", web::get().to(account::overview))
        .route("/account/sessions/end", web::post().to(account::end_session))
        .route("/account/sessions/end-others", web::post().to(account::end_other_sessions))
        .route("/account/sign-out-everywhere", web::post().to(account::sign_out_everywhere))
        .route("/account/authenticator", web::get().to(account::authenticator_page))
        .route("/account/authenticator/start", web::post().to(account::start_enrolment))
        .route("/account/authenticator/confirm", web::post().to(account::confirm_enrolment))
        .route("/account/authenticator/remove", web::post().to(account::remove_authenticator));
}

/// `/processor/sign-in/…` or `/staff/sign-in/…`: one set of handlers, told apart by
/// the `Audience` in the scope.
fn sign_in_scope(audience: Audience) -> actix_web::Scope {
    web::scope(&format!("{}/sign-in", audience.base()))
        .app_data(web::Data::new(audience))
        .service(
            web::resource("")
                .route(web::get().to(workforce::sign_in_page))
                .route(web::post().to(workforce::request_code)),
        )
        .service(
            web::resource("/code")
                .route(web::get().to(workforce::code_page))
                .route(web::post().to(workforce::verify_code)),
        )
        .service(
            web::resource("/authenticator")
                .route(web::get().to(workforce::authenticator_page))
                .route(web::post().to(workforce::verify_authenticator)),
        )
        .route("/oidc/{provider}", web::get().to(workforce::oidc_start))
}
