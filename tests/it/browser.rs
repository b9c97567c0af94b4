//! A person signing in with an e-mailed code in a real browser (headless Chromium driven
//! by playwright-core, `tests/harness/browser-email-sign-in.mjs`): the form, the mail
//! through a real SMTP server, the code, the dashboard.

use std::process::Command;

use crate::helpers::harness::{SmtpServer, harness_dir};
use crate::helpers::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_by_email_in_chromium() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(Backend::Sqlite, &[("PORTAL_SMTP_URL", &url)]).await;
    let (base, api) = (app.base.clone(), smtp.api.clone());
    let screenshot = app.db.dir().join("dashboard.png");
    let shot = screenshot.display().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("browser-email-sign-in.mjs")
            .arg(&base)
            .arg(&api)
            .arg("demo@example.com")
            .env("SCREENSHOT", shot)
            .current_dir(harness_dir())
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("browser script printed `{stdout}` ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr))
    });
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["h1"], "Welcome, Sam de Vries");
    assert_eq!(result["localStorage"], 0, "DATA-03: nothing in browser storage");
    assert_eq!(result["sessionStorage"], 0);
    assert_eq!(result["secretInUrl"], false, "DATA-01: no address or code in any URL");
    let cookies = result["cookies"].as_array().unwrap();
    let session = cookies.iter().find(|c| c["name"] == "portal_session").expect("a session cookie");
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Lax");
    assert!(screenshot.is_file(), "a screenshot of the dashboard");
    assert!(output.status.success());
}

/// The walk-through, in Chromium as a person would: sign in, see both entities
/// and their categories, open the recipients, switch SMS off for Claranet Benelux B.V.
/// (it stays off after a reload, and the history shows it), download the JSON, file an
/// erasure request and see its reference and due date. Then axe-core on every page: no
/// serious or critical accessibility violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_uses_the_portal_in_chromium_and_every_page_passes_axe() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(Backend::Sqlite, &[("PORTAL_SMTP_URL", &url)]).await;
    let (base, api) = (app.base.clone(), smtp.api.clone());
    let out = app.db.dir().to_path_buf();
    let out_arg = out.display().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("browser-portal.mjs")
            .arg(&base)
            .arg(&api)
            .arg("demo@example.com")
            .arg(&out_arg)
            .current_dir(harness_dir())
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("browser script printed `{stdout}` ({e}); stderr: {}", String::from_utf8_lossy(&output.stderr))
    });
    assert_eq!(result["ok"], true, "{result:#}");
    assert_eq!(result["steps"]["preferences"]["after"], "No");
    assert!(result["steps"]["download"]["records"].as_u64().unwrap() > 100);
    assert_eq!(result["cspViolations"].as_array().unwrap().len(), 0, "no CSP violation: {}", result["cspViolations"]);
    let axe = result["axe"].as_object().unwrap();
    assert!(axe.len() >= 15, "every page scanned");
    let mut blocking = Vec::new();
    for (page, violations) in axe {
        for v in violations.as_array().unwrap() {
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                blocking.push(format!("{page}: {} ({}) at {}", v["id"], v["help"], v["target"]));
            }
        }
    }
    assert!(blocking.is_empty(), "axe found serious or critical violations:\n{}", blocking.join("\n"));
    assert!(out.join("dashboard.png").is_file());
    if let Ok(dir) = std::env::var("TEST_SCREENSHOTS") {
        let _ = std::fs::copy(out.join("dashboard.png"), std::path::Path::new(&dir).join("dashboard.png"));
    }
    // What the person did is in the database too.
    let sms_off = app
        .state
        .db
        .run(|c| {
            use diesel::prelude::*;
            use privacy_portal::db::schema::{consent_events, marketing_channels};
            Ok(consent_events::table
                .inner_join(
                    marketing_channels::table.on(marketing_channels::id.nullable().eq(consent_events::channel_id)),
                )
                .filter(marketing_channels::key.eq("sms"))
                .filter(consent_events::method.eq("web"))
                .filter(consent_events::granted.eq(false))
                .count()
                .get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(sms_off, 1);
}
