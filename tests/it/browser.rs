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
        panic!(
            "browser script printed `{stdout}` ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(result["h1"], "Welcome, Sam de Vries");
    assert_eq!(
        result["localStorage"], 0,
        "DATA-03: nothing in browser storage"
    );
    assert_eq!(result["sessionStorage"], 0);
    assert_eq!(
        result["secretInUrl"], false,
        "DATA-01: no address or code in any URL"
    );
    let cookies = result["cookies"].as_array().unwrap();
    let session = cookies
        .iter()
        .find(|c| c["name"] == "portal_session")
        .expect("a session cookie");
    assert_eq!(session["httpOnly"], true);
    assert_eq!(session["sameSite"], "Lax");
    assert!(screenshot.is_file(), "a screenshot of the dashboard");
    assert!(output.status.success());
}
