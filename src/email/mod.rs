//! Outgoing mail: what a message is (`OutgoingMail`, stored sealed in the outbox), the
//! messages the portal sends (`messages`), and how mail leaves (`Mailer`: SMTP through
//! lettre, or `.eml` files for development).

pub mod messages;

use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::settings::{EmailSettings, MailTransport};

/// A message ready to send, as queued in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Recipient address (a parsed `EmailAddress`, so free of CR/LF).
    pub to: String,
    /// Recipient name, if known.
    pub to_name: Option<String>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Retrying will not help (5xx, bad address).
    pub permanent: bool,
    /// What went wrong.
    pub message: String,
}

/// How mail leaves the portal.
pub enum Mailer {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a directory (development only).
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    /// The transport the settings name.
    pub fn from_settings(settings: &EmailSettings) -> anyhow::Result<Mailer> {
        match &settings.transport {
            MailTransport::Smtp(url) => {
                let parsed = url::Url::parse(url.expose_secret())?;
                let local_plain =
                    parsed.scheme() == "smtp" && !parsed.query_pairs().any(|(k, v)| k == "tls" && v == "required");
                let transport = if local_plain {
                    // Only allowed for a server on this machine (checked in settings).
                    let host = parsed.host_str().unwrap_or("127.0.0.1").trim_matches(['[', ']']).to_owned();
                    let mut builder =
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(parsed.port().unwrap_or(25));
                    if !parsed.username().is_empty() {
                        builder = builder.credentials(Credentials::new(
                            percent_decode(parsed.username()),
                            percent_decode(parsed.password().unwrap_or("")),
                        ));
                    }
                    builder.timeout(Some(settings.timeout)).build()
                } else {
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?
                        .timeout(Some(settings.timeout))
                        .build()
                };
                Ok(Mailer::Smtp(transport))
            }
            MailTransport::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("setting `email.file_dir` {}: {e}", dir.display()))?;
                Ok(Mailer::Files(AsyncFileTransport::<Tokio1Executor>::new(dir), dir.clone()))
            }
        }
    }

    /// Sends one message. `message_id` stays the same across retries (R2).
    pub async fn send(&self, from: &Mailbox, mail: &OutgoingMail, message_id: &str) -> Result<(), SendError> {
        let to_address =
            mail.to.parse().map_err(|e| SendError { permanent: true, message: format!("recipient: {e}") })?;
        let to = Mailbox::new(mail.to_name.clone(), to_address);
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(message_id.to_owned()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        lettre::message::SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()),
                    )
                    .singlepart(
                        lettre::message::SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone()),
                    ),
            )
            .map_err(|e| SendError { permanent: true, message: format!("cannot build message: {e}") })?;
        match self {
            Mailer::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError { permanent: e.is_permanent(), message: error_chain(&e) }),
            Mailer::Files(t, dir) => {
                let id = t.send(message).await.map_err(|e| SendError { permanent: false, message: e.to_string() })?;
                tracing::info!(path = %dir.join(format!("{id}.eml")).display(), "mail written to file (no SMTP server configured)");
                Ok(())
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}
