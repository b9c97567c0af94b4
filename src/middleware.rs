//! Response headers every answer carries, and one structured log line per request.

use std::time::Instant;

use actix_web::middleware::DefaultHeaders;

/// The Content-Security-Policy: no inline script or style anywhere, nothing from other
/// origins, no framing. `data:` images carry the authenticator-app QR code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Security headers for every response (security checklist HDR-*).
pub fn security_headers(tls: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        // Pages carry personal data and CSRF tokens: never stored by browsers or proxies.
        // Static files set their own Cache-Control, which DefaultHeaders leaves alone.
        .add(("Cache-Control", "no-store"));
    if tls { headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains")) } else { headers }
}

/// Logs method, path (never the query string, which could carry personal data),
/// status and duration of each request. Use with `App::wrap_fn`.
pub fn log_request<S, B>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: actix_web::dev::Service<
            actix_web::dev::ServiceRequest,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let response = srv.call(req);
    async move {
        let result = response.await;
        let seconds = started.elapsed().as_secs_f64();
        let elapsed_ms = (seconds * 1000.0 * 100.0).round() / 100.0;
        match &result {
            Ok(r) => {
                if let Some(state) = r.request().app_data::<actix_web::web::Data<crate::state::AppState>>() {
                    // The route pattern (`/requests/{id}`), never the path: bounded labels, no ids.
                    let route = r.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                    state.metrics.observe(&route, &method, r.status().as_u16(), seconds);
                }
                tracing::info!(target: "privacy_portal::http", method, path, status = r.status().as_u16(), elapsed_ms, "request")
            }
            Err(e) => {
                tracing::warn!(target: "privacy_portal::http", method, path, error = %e, elapsed_ms, "request failed")
            }
        }
        result
    }
}
