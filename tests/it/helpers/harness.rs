//! Real protocol peers for the tests, from `tests/harness/` (Node.js): an SMTP server
//! with an HTTP API to read what it received, and an OpenID provider (oidc-provider)
//! with hooks that tamper with the next ID token. Each runs as a child process for one
//! test and is killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Where the Node scripts live.
pub fn harness_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/harness");
    assert!(
        dir.join("node_modules").is_dir(),
        "the Node test harness is not installed: run `npm ci --prefix tests/harness` (scripts/test does it)"
    );
    dir
}

/// A child process that dies with its owner.
pub struct NodeProcess {
    child: Child,
    /// The JSON line it printed when ready.
    pub ready: serde_json::Value,
}

impl NodeProcess {
    pub fn start(script: &str, env: &[(&str, String)]) -> NodeProcess {
        let mut cmd = Command::new("node");
        cmd.arg(script)
            .current_dir(harness_dir())
            .env("EXIT_ON_STDIN_CLOSE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("node is installed");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the script prints a ready line");
        let ready: serde_json::Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("{script} printed `{line}` instead of JSON: {e}"));
        NodeProcess { child, ready }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message the SMTP server received.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedMail {
    pub rcpt_to: Vec<String>,
    pub subject: String,
    pub raw: String,
}

impl ReceivedMail {
    /// The plain-text body, decoded.
    pub fn text(&self) -> String {
        let parsed = mail_parser::MessageParser::default().parse(self.raw.as_bytes()).expect("a parseable message");
        parsed.body_text(0).expect("a text part").into_owned()
    }

    /// The HTML body, decoded.
    pub fn html(&self) -> String {
        let parsed = mail_parser::MessageParser::default().parse(self.raw.as_bytes()).expect("a parseable message");
        parsed.body_html(0).expect("an HTML part").into_owned()
    }

    /// The sign-in code in the message: the first run of exactly six digits in the text.
    pub fn code(&self) -> String {
        let text = self.text();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_digit() {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start == 6 {
                    return chars[start..i].iter().collect();
                }
            } else {
                i += 1;
            }
        }
        panic!("no 6-digit code in: {text}")
    }
}

/// The test SMTP server.
pub struct SmtpServer {
    _process: NodeProcess,
    pub smtp_port: u16,
    pub api: String,
    http: reqwest::Client,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let process = NodeProcess::start("smtp.mjs", &[]);
        let smtp_port = process.ready["smtp_port"].as_u64().expect("smtp_port") as u16;
        let api_port = process.ready["api_port"].as_u64().expect("api_port");
        SmtpServer {
            _process: process,
            smtp_port,
            api: format!("http://127.0.0.1:{api_port}"),
            http: reqwest::Client::new(),
        }
    }

    /// `PORTAL_SMTP_URL` for a portal that should send here.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    pub async fn messages(&self) -> Vec<ReceivedMail> {
        self.http.get(format!("{}/messages", self.api)).send().await.unwrap().json().await.unwrap()
    }

    pub async fn messages_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.messages()
            .await
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (up to 10 s) until `address` has received `count` messages; returns the newest.
    pub async fn wait_for(&self, address: &str, count: usize) -> ReceivedMail {
        let started = Instant::now();
        loop {
            let mails = self.messages_to(address).await;
            if mails.len() >= count {
                return mails[count - 1].clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no mail #{count} for {address} after 10 s (got {})",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Rejects the next `count` messages with SMTP `code`.
    pub async fn fail_next(&self, count: u32, code: u16) {
        let r = self
            .http
            .post(format!("{}/fail", self.api))
            .json(&serde_json::json!({ "count": count, "code": code }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
}

/// The test OpenID provider.
pub struct OidcServer {
    _process: NodeProcess,
    pub issuer: String,
    http: reqwest::Client,
}

impl OidcServer {
    /// A provider whose client `portal` may redirect to the portal at `portal_base`.
    pub fn start(portal_base: &str) -> OidcServer {
        let process = NodeProcess::start(
            "oidc.mjs",
            &[
                ("REDIRECT_URIS", format!("{portal_base}/sign-in/oidc/callback")),
                ("POST_LOGOUT_REDIRECT_URIS", format!("{portal_base}/")),
                ("CLIENT_ID", "portal".into()),
                ("CLIENT_SECRET", "portal-secret".into()),
            ],
        );
        let issuer = process.ready["issuer"].as_str().expect("issuer").to_owned();
        OidcServer { _process: process, issuer, http: reqwest::Client::new() }
    }

    /// `PORTAL_OIDC__PROVIDERS` naming this provider (under `issuer`, normally its own).
    pub fn providers_setting(&self, issuer: &str) -> String {
        format!(
            r#"[{{ key = "test-idp", label = "Test identity provider", issuer = "{issuer}", client_id = "portal", client_secret = "portal-secret", scopes = ["openid", "email"] }}]"#
        )
    }

    /// Makes the provider's next ID token wrong in one way.
    pub async fn mutate_next_token(&self, how: &str) {
        let r = self
            .http
            .post(format!("{}/__test/next-token", self.issuer))
            .json(&serde_json::json!({ "mutate": how }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "mutation {how} accepted");
    }
}

/// A free port on 127.0.0.1 (for a portal whose address must be known before it starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
