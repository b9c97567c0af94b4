//! `/metrics` (Prometheus): off without a token, refused outside the allowed networks
//! and without the token, and once in: request counts by route pattern (no ids),
//! sign-in failures, outbox backlog, overdue tasks and pool use.

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::propagation::file_request;

on_both_backends!(metrics_are_guarded_and_count_what_happens);

const TOKEN: &str = "scrape-0123456789abcdef";

async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut r = reqwest::Client::new().get(app.url("/metrics"));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

async fn metrics_are_guarded_and_count_what_happens(backend: Backend) {
    // Off by default.
    let off = TestApp::spawn(backend).await;
    assert_eq!(scrape(&off, Some(TOKEN)).await.0, 404);
    drop(off);

    // Only from an allowed network.
    let elsewhere = TestApp::spawn_with(
        backend,
        &[("PORTAL_METRICS__TOKEN", TOKEN), ("PORTAL_METRICS__ALLOW_NETWORKS", "10.0.0.0/8")],
    )
    .await;
    assert_eq!(scrape(&elsewhere, Some(TOKEN)).await.0, 403);
    drop(elsewhere);

    let app = TestApp::spawn_with(backend, &[("PORTAL_METRICS__TOKEN", TOKEN)]).await;
    assert_eq!(scrape(&app, None).await.0, 401);
    assert_eq!(scrape(&app, Some("scrape-0123456789abcdeX")).await.0, 401);

    // Some traffic: pages, a request with an id in its path, a wrong sign-in code.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let person = app.signed_in("demo@example.com").await;
    let request = file_request(&person, "access", &[("statement", "")]).await;
    assert_eq!(person.get(&format!("/requests/{request}")).await.status(), 200);
    let stranger = app.browser();
    assert_eq!(stranger.request_code("demo@example.com").await.status(), 303);
    let before = {
        let (_, text) = scrape(&app, Some(TOKEN)).await;
        value(&text, "portal_sign_in_failures_total{kind=\"email_code\"}").unwrap()
    };
    assert_eq!(stranger.enter_code("000000").await.status(), 422);

    let (status, text) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(
        value(&text, "portal_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}").unwrap() >= 1.0,
        "{text}"
    );
    assert!(
        value(&text, "portal_http_requests_total{method=\"GET\",route=\"/requests/{id}\",status=\"200\"}").is_some(),
        "{text}"
    );
    assert!(!text.contains(&request), "no ids in labels");
    assert!(
        text.contains("portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.005\"}")
    );
    assert_eq!(value(&text, "portal_sign_in_failures_total{kind=\"email_code\"}").unwrap(), before + 1.0);
    assert!(value(&text, "portal_outbox_backlog").is_some());
    assert!(value(&text, "portal_outbox_oldest_age_seconds").is_some());
    assert_eq!(value(&text, "portal_propagation_tasks_overdue"), Some(0.0));
    assert!(value(&text, "portal_audit_events_unlinked").is_some_and(|n| n >= 0.0), "{text}");
    assert!(value(&text, "portal_db_pool_connections{state=\"in_use\"}").unwrap() >= 0.0);
    assert!(value(&text, "portal_db_pool_max_connections").unwrap() >= 1.0);
    assert!(!text.contains("demo@example.com"));
}
