//! Typed settings, read once at start and passed in (never a global).
//!
//! Layers, later wins: `config/default.toml` (built in; documents every key) → the file
//! named by `--config` or `PORTAL_CONFIG` → environment variables. Every layer is
//! checked against the built-in defaults, so an unknown key or a value of the wrong
//! type stops the process with one line naming the file or variable and the key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use toml::{Table, Value};

/// The built-in defaults, with a comment on every key.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Short environment variables other tools depend on, and the key each one sets.
pub const ENV_ALIASES: &[(&str, &str)] = &[
    ("PORTAL_BIND", "server.bind"),
    ("PORTAL_DATABASE_URL", "database.url"),
    ("PORTAL_DEMO", "demo.enabled"),
    ("PORTAL_SMTP_URL", "email.smtp_url"),
];

/// The variable naming an extra settings file.
pub const CONFIG_FILE_ENV: &str = "PORTAL_CONFIG";

/// Everything the portal is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The HTTP server.
    pub server: ServerSettings,
    /// The database.
    pub database: DatabaseSettings,
    /// Where the organisation's register lives.
    pub catalog: CatalogSettings,
    /// Demo people.
    pub demo: DemoSettings,
    /// Logging.
    pub log: LogSettings,
    /// Keys and client addresses.
    pub security: SecuritySettings,
    /// Session lifetimes.
    pub sessions: SessionSettings,
    /// E-mailed codes and rate limits.
    pub sign_in: SignInSettings,
    /// Outgoing mail.
    pub email: EmailSettings,
    /// Authenticator apps.
    pub authenticator: AuthenticatorSettings,
    /// Customer identity providers.
    pub oidc: Vec<OidcProviderSettings>,
    /// Rights requests.
    pub requests: RequestSettings,
    /// Outgoing webhooks.
    pub webhooks: WebhookSettings,
    /// The staff console.
    pub staff: StaffSettings,
    /// `/metrics`.
    pub metrics: MetricsSettings,
    /// The outbox worker.
    pub outbox: OutboxSettings,
    /// The erasure ledger.
    pub erasure_ledger: ErasureLedgerSettings,
}

/// `[erasure_ledger]`.
#[derive(Debug, Clone)]
pub struct ErasureLedgerSettings {
    /// The JSON Lines file the portal appends erasures to; `None`: not written.
    pub path: Option<PathBuf>,
    /// How often new erasures are appended.
    pub interval: std::time::Duration,
}

/// `[outbox]`.
#[derive(Debug, Clone, Copy)]
pub struct OutboxSettings {
    /// How long a worker holds the items it claimed; a worker that dies holding them
    /// delays them by at most this.
    pub lease: time::Duration,
}

/// `[metrics]`.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    /// The bearer token a scraper sends; `None`: `/metrics` is off (404).
    pub token: Option<secrecy::SecretString>,
    /// Networks a scraper may connect from.
    pub allow_networks: Vec<crate::metrics::Network>,
}

/// `[staff]`.
#[derive(Debug, Clone, Copy)]
pub struct StaffSettings {
    /// How long an assisted session lasts after the caller is verified.
    pub assist_minutes: i64,
}

/// `[webhooks]`.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    /// Whether private and link-local targets are allowed.
    pub allow_private_targets: bool,
    /// Receiver timeout.
    pub timeout: Duration,
}

/// `[requests]`.
#[derive(Debug, Clone, Default)]
pub struct RequestSettings {
    /// Kinds decided automatically when filed.
    pub auto_approve: Vec<crate::domain::rights::RequestKind>,
}

/// `[security]`.
#[derive(Debug, Clone)]
pub struct SecuritySettings {
    /// The master secret, when given inline.
    pub secret_key: Option<SecretString>,
    /// Where the master secret lives otherwise.
    pub secret_key_file: PathBuf,
    /// Whether to trust the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
}

/// `[sessions]`.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// Ends a session after this long without a request.
    pub idle_timeout: time::Duration,
    /// Ends a session this long after sign-in.
    pub absolute_timeout: time::Duration,
    /// How fresh a sign-in must be for sensitive actions.
    pub recent_sign_in: time::Duration,
}

/// `[sign_in]`.
#[derive(Debug, Clone, Copy)]
pub struct SignInSettings {
    /// Digits per code.
    pub code_digits: u32,
    /// How long a code lives.
    pub code_lifetime: time::Duration,
    /// Wrong entries per code.
    pub max_code_attempts: u32,
    /// Sends per address per 15 minutes.
    pub sends_per_address: u32,
    /// Minimum time between sends to one address.
    pub resend_cooldown: time::Duration,
    /// Sends per client address per 15 minutes.
    pub sends_per_client: u32,
    /// Sends in total per minute.
    pub sends_per_minute: u32,
    /// Code entries per client address per 15 minutes.
    pub entries_per_client: u32,
    /// Wrong authenticator codes per 30-second step.
    pub totp_failures_per_step: u32,
}

/// `[email]`.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// Where mail goes.
    pub transport: MailTransport,
    /// The sender, as a mailbox (`Name <address>`).
    pub from: String,
    /// SMTP timeout.
    pub timeout: Duration,
}

/// How mail leaves the portal.
#[derive(Clone)]
pub enum MailTransport {
    /// An SMTP server (the URL may hold a password).
    Smtp(SecretString),
    /// `.eml` files in a directory (development).
    Files(PathBuf),
}

impl fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailTransport::Smtp(url) => write!(f, "Smtp({})", redact_url(url.expose_secret())),
            MailTransport::Files(dir) => write!(f, "Files({})", dir.display()),
        }
    }
}

/// `[authenticator]`.
#[derive(Debug, Clone)]
pub struct AuthenticatorSettings {
    /// Issuer name in authenticator apps.
    pub issuer: String,
}

/// One `[[oidc.providers]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderSettings {
    /// Key used in URLs.
    pub key: String,
    /// Button text.
    #[serde(default)]
    pub label: String,
    /// Issuer URL, exactly as the provider publishes it.
    pub issuer: String,
    /// Client id registered at the provider.
    pub client_id: String,
    /// Client secret.
    #[serde(default)]
    pub client_secret: SecretString,
    /// Scopes besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Catalog keys of recipients whose processor users sign in here (their own
    /// organisation's identity provider). Such a provider is not offered to customers.
    #[serde(default)]
    pub processors_of: Vec<String>,
    /// The staff identity provider: staff sign in here, with the role taken from
    /// `role_claim` (`agent`, `privacy_officer` or `admin`). Not offered to anyone else.
    #[serde(default)]
    pub staff: bool,
    /// The claim (in the ID token or userinfo) that holds a staff member's role.
    #[serde(default = "default_role_claim")]
    pub role_claim: String,
}

fn default_role_claim() -> String {
    "portal_role".into()
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into()]
}

/// `[server]`.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// host:port to listen on.
    pub bind: String,
    /// The public base URL, when configured (else derived from the bound address).
    pub public_url: Option<url::Url>,
    /// HTTP worker threads (at least 1).
    pub workers: usize,
    /// Grace period for in-flight requests at shutdown.
    pub shutdown_timeout: Duration,
    /// TLS termination, when configured.
    pub tls: Option<TlsFiles>,
}

/// PEM files for TLS termination.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// `[database]`.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// Which database, by scheme.
    pub url: DatabaseUrl,
    /// Most pooled connections.
    pub pool_size: u32,
    /// How long database work may wait for its turn, or for a new connection.
    pub connect_timeout: Duration,
}

/// `[catalog]`.
#[derive(Debug, Clone)]
pub struct CatalogSettings {
    /// Path of the catalog file.
    pub path: PathBuf,
}

/// `[demo]`.
#[derive(Debug, Clone)]
pub struct DemoSettings {
    /// Load demo people at start.
    pub enabled: bool,
    /// Path of the demo file.
    pub path: PathBuf,
}

/// `[log]`.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// A tracing `EnvFilter` directive.
    pub filter: String,
    /// Output format.
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// A database location; the scheme picks the backend.
#[derive(Clone)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (may hold a password, hence secret).
    Postgres(SecretString),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, a plain path, or `postgres(ql)://…`.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty; use sqlite://PATH or postgres://user@host/db".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw).map_err(|e| format!("`{}` is not a valid URL: {e}", redact_url(raw)))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(format!("`{}` names no host", redact_url(raw)));
            }
            return Ok(DatabaseUrl::Postgres(SecretString::from(raw.to_owned())));
        }
        let path = if let Some(rest) = raw.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = raw.strip_prefix("sqlite:") {
            rest
        } else if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!("scheme `{scheme}` is not supported; use sqlite://PATH or postgres://user@host/db"));
        } else {
            raw
        };
        if path.is_empty() || path == ":memory:" {
            return Err("needs a file path (an in-memory SQLite database is not shared between connections)".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// The connection string for the driver. Never log this: use `Display`.
    pub fn connection_string(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => path.to_string_lossy().into_owned(),
            DatabaseUrl::Postgres(url) => url.expose_secret().to_owned(),
        }
    }

    /// "sqlite" or "postgres".
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

/// Shows the URL with any password replaced by `***`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_url(url.expose_secret())),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Replaces the password of a URL (if any) with `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => raw.to_owned(),
        // Unparseable: hide everything between "://" and the last '@'.
        Err(_) => match (raw.find("://"), raw.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                format!("{}***{}", &raw[..start + 3], &raw[at..])
            }
            _ => raw.to_owned(),
        },
    }
}

/// Why the settings could not be loaded: one line naming the source and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

impl Settings {
    /// Loads settings from the defaults, an optional file and `PORTAL_*` variables.
    ///
    /// `file` wins over `PORTAL_CONFIG` in `env` when both are given.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let mut merged: Table =
            DEFAULT_TOML.parse().map_err(|e| SettingsError(format!("built-in config/default.toml is invalid: {e}")))?;
        let defaults = merged.clone();

        let env: Vec<(String, String)> = env.into_iter().filter(|(k, _)| k.starts_with("PORTAL_")).collect();
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env.iter().find(|(k, _)| k == CONFIG_FILE_ENV).map(|(_, v)| PathBuf::from(v)));
        if let Some(path) = file {
            let origin = format!("config file {}", path.display());
            let text =
                std::fs::read_to_string(&path).map_err(|e| SettingsError(format!("{origin}: cannot read: {e}")))?;
            let table: Table = text
                .parse()
                .map_err(|e: toml::de::Error| SettingsError(format!("{origin}: {}", one_line(&e.to_string()))))?;
            merge_checked(&mut merged, &defaults, table, "", &origin)?;
        }
        for (name, value) in env {
            if name == CONFIG_FILE_ENV {
                continue;
            }
            let key = env_key(&name)?;
            set_from_env(&mut merged, &defaults, &key, &name, &value)?;
        }
        let raw: RawSettings = Value::Table(merged)
            .try_into()
            .map_err(|e: toml::de::Error| SettingsError(format!("settings: {}", one_line(&e.to_string()))))?;
        raw.validate()
    }

    /// The public base URL, given the address actually bound (for `bind` port 0).
    pub fn public_url(&self, bound: std::net::SocketAddr) -> url::Url {
        if let Some(url) = &self.server.public_url {
            return url.clone();
        }
        let scheme = if self.server.tls.is_some() { "https" } else { "http" };
        url::Url::parse(&format!("{scheme}://{bound}")).unwrap_or_else(|_| {
            // A SocketAddr always forms a valid authority; keep a safe fallback anyway.
            url::Url::parse("http://127.0.0.1/").expect("static URL parses")
        })
    }
}

/// Maps `PORTAL_SECTION__KEY` or a short alias to `section.key`.
fn env_key(name: &str) -> Result<String, SettingsError> {
    if let Some((_, key)) = ENV_ALIASES.iter().find(|(alias, _)| *alias == name) {
        return Ok((*key).to_owned());
    }
    let rest = &name["PORTAL_".len()..];
    if rest.contains("__") {
        return Ok(rest.split("__").map(str::to_ascii_lowercase).collect::<Vec<_>>().join("."));
    }
    let aliases: Vec<&str> = ENV_ALIASES.iter().map(|(a, _)| *a).collect();
    Err(SettingsError(format!(
        "environment variable {name} is not a setting: use PORTAL_<SECTION>__<KEY> (see config/default.toml), {CONFIG_FILE_ENV} or one of {}",
        aliases.join(", ")
    )))
}

/// Merges `incoming` into `merged`, refusing keys the defaults do not have and values
/// whose type differs from the default's.
fn merge_checked(
    merged: &mut Table,
    defaults: &Table,
    incoming: Table,
    prefix: &str,
    origin: &str,
) -> Result<(), SettingsError> {
    for (key, value) in incoming {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        let Some(default) = defaults.get(&key) else {
            return Err(SettingsError(format!("{origin}: unknown key `{path}`")));
        };
        match (default, value) {
            (Value::Table(default_table), Value::Table(incoming_table)) => {
                let Some(Value::Table(target)) = merged.get_mut(&key) else {
                    return Err(SettingsError(format!("{origin}: `{path}` must be a section")));
                };
                merge_checked(target, default_table, incoming_table, &path, origin)?;
            }
            (default, value) => {
                let value = coerce(default, value)
                    .map_err(|expected| SettingsError(format!("{origin}: `{path}` must be {expected}")))?;
                merged.insert(key, value);
            }
        }
    }
    Ok(())
}

/// Accepts `value` where `default` stands if their types agree (an integer may stand
/// for a float); otherwise returns what was expected.
fn coerce(default: &Value, value: Value) -> Result<Value, &'static str> {
    match (default, value) {
        (Value::String(_), v @ Value::String(_)) => Ok(v),
        (Value::Integer(_), v @ Value::Integer(_)) => Ok(v),
        (Value::Float(_), v @ Value::Float(_)) => Ok(v),
        (Value::Float(_), Value::Integer(i)) => Ok(Value::Float(i as f64)),
        (Value::Boolean(_), v @ Value::Boolean(_)) => Ok(v),
        (Value::Array(_), v @ Value::Array(_)) => Ok(v),
        (Value::Table(_), v @ Value::Table(_)) => Ok(v),
        (default, _) => Err(type_name(default)),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "a list",
        Value::Table(_) => "a section",
    }
}

/// Sets `section.key` from an environment variable, parsing the text by the type of
/// the default value.
fn set_from_env(merged: &mut Table, defaults: &Table, key: &str, name: &str, raw: &str) -> Result<(), SettingsError> {
    let unknown = || SettingsError(format!("environment variable {name}: unknown key `{key}`"));
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().ok_or_else(unknown)?;
    let (mut target, mut default_table) = (merged, defaults);
    for part in parts {
        default_table = match default_table.get(part) {
            Some(Value::Table(t)) => t,
            _ => return Err(unknown()),
        };
        target = match target.get_mut(part) {
            Some(Value::Table(t)) => t,
            _ => return Err(unknown()),
        };
    }
    let default = default_table.get(last).ok_or_else(unknown)?;
    let bad = |expected: &str| SettingsError(format!("environment variable {name}: `{key}` must be {expected}"));
    let value = match default {
        Value::String(_) => Value::String(raw.to_owned()),
        Value::Integer(_) => Value::Integer(raw.trim().parse().map_err(|_| bad("a whole number"))?),
        Value::Float(_) => Value::Float(raw.trim().parse().map_err(|_| bad("a number"))?),
        Value::Boolean(_) => Value::Boolean(match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(bad("true or false")),
        }),
        Value::Table(_) => return Err(bad("set key by key (PORTAL_SECTION__KEY)")),
        other => {
            let parsed: Table = format!("v = {raw}").parse().map_err(|_| bad(type_name(other)))?;
            let v = parsed.get("v").cloned().ok_or_else(|| bad(type_name(other)))?;
            coerce(other, v).map_err(bad)?
        }
    };
    target.insert(last.to_owned(), value);
    Ok(())
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    server: RawServer,
    database: RawDatabase,
    catalog: RawCatalog,
    demo: RawDemo,
    log: RawLog,
    security: RawSecurity,
    sessions: RawSessions,
    sign_in: RawSignIn,
    email: RawEmail,
    authenticator: RawAuthenticator,
    oidc: RawOidc,
    requests: RawRequests,
    webhooks: RawWebhooks,
    staff: RawStaff,
    metrics: RawMetrics,
    outbox: RawOutbox,
    erasure_ledger: RawErasureLedger,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErasureLedger {
    path: String,
    interval_seconds: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutbox {
    lease_seconds: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    token: String,
    allow_networks: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStaff {
    assist_minutes: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhooks {
    allow_private_targets: bool,
    timeout_seconds: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequests {
    auto_approve: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecurity {
    secret_key: SecretString,
    secret_key_file: String,
    trust_forwarded_for: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSessions {
    idle_timeout_minutes: i64,
    absolute_timeout_hours: i64,
    recent_sign_in_minutes: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignIn {
    code_digits: i64,
    code_lifetime_seconds: i64,
    max_code_attempts: i64,
    sends_per_address: i64,
    resend_cooldown_seconds: i64,
    sends_per_client: i64,
    sends_per_minute: i64,
    entries_per_client: i64,
    totp_failures_per_step: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    smtp_url: SecretString,
    from: String,
    file_dir: String,
    timeout_seconds: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthenticator {
    issuer: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOidc {
    providers: Vec<OidcProviderSettings>,
}

/// Checks an integer setting against a range.
fn ranged(key: &str, value: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, SettingsError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(SettingsError(format!(
            "setting `{key}` must be between {} and {}, not {value}",
            range.start(),
            range.end()
        )))
    }
}

/// Whether a plaintext SMTP URL points at this machine. (`smtp:` is not a "special"
/// URL scheme, so its host comes back as an opaque name even when it is an IP address.)
fn smtp_is_local(url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or("").trim_matches(['[', ']']);
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn validate_smtp_url(raw: &str) -> Result<(), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("`{}` is not a URL: {e}", redact_url(raw)))?;
    let tls_required = url.query_pairs().any(|(k, v)| k == "tls" && v == "required");
    match url.scheme() {
        "smtps" => Ok(()),
        "smtp" if tls_required || smtp_is_local(&url) => Ok(()),
        "smtp" => Err(format!(
            "`{}` would send mail unencrypted: use smtps://, or smtp://…?tls=required for STARTTLS (plain smtp:// only for a local server)",
            redact_url(raw)
        )),
        other => Err(format!("scheme `{other}` is not supported; use smtps:// or smtp://")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    bind: String,
    public_url: String,
    workers: i64,
    shutdown_timeout_secs: i64,
    tls_cert: String,
    tls_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: String,
    pool_size: i64,
    connect_timeout_secs: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    enabled: bool,
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    filter: String,
    format: String,
}

impl RawSettings {
    fn validate(self) -> Result<Settings, SettingsError> {
        let err = |key: &str, why: String| SettingsError(format!("setting `{key}` {why}"));
        let s = self.server;
        validate_bind(&s.bind).map_err(|why| err("server.bind", why))?;
        let public_url = match s.public_url.trim() {
            "" => None,
            raw => {
                let url = url::Url::parse(raw.trim_end_matches('/'))
                    .map_err(|e| err("server.public_url", format!("is not a URL: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(err("server.public_url", "must start with http:// or https://".into()));
                }
                Some(url)
            }
        };
        let workers = match s.workers {
            0 => std::thread::available_parallelism().map(usize::from).unwrap_or(1),
            n @ 1..=256 => n as usize,
            _ => return Err(err("server.workers", "must be between 0 and 256".into())),
        };
        if !(0..=3600).contains(&s.shutdown_timeout_secs) {
            return Err(err("server.shutdown_timeout_secs", "must be between 0 and 3600".into()));
        }
        let tls = match (s.tls_cert.trim(), s.tls_key.trim()) {
            ("", "") => None,
            ("", _) | (_, "") => {
                return Err(err("server.tls_cert", "and `server.tls_key` must be set together".into()));
            }
            (cert, key) => Some(TlsFiles { cert: cert.into(), key: key.into() }),
        };
        let d = self.database;
        let url = DatabaseUrl::parse(&d.url).map_err(|why| err("database.url", why))?;
        if !(1..=200).contains(&d.pool_size) {
            return Err(err("database.pool_size", "must be between 1 and 200".into()));
        }
        if !(1..=600).contains(&d.connect_timeout_secs) {
            return Err(err("database.connect_timeout_secs", "must be between 1 and 600".into()));
        }
        let format = match self.log.format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(err("log.format", format!("must be text or json, not `{other}`")));
            }
        };
        if self.catalog.path.trim().is_empty() {
            return Err(err("catalog.path", "must name the catalog file".into()));
        }
        let security = SecuritySettings {
            secret_key: Some(self.security.secret_key).filter(|k| !k.expose_secret().trim().is_empty()),
            secret_key_file: self.security.secret_key_file.into(),
            trust_forwarded_for: self.security.trust_forwarded_for,
        };
        let sessions = SessionSettings {
            idle_timeout: time::Duration::minutes(ranged(
                "sessions.idle_timeout_minutes",
                self.sessions.idle_timeout_minutes,
                1..=24 * 60,
            )?),
            absolute_timeout: time::Duration::hours(ranged(
                "sessions.absolute_timeout_hours",
                self.sessions.absolute_timeout_hours,
                1..=24 * 30,
            )?),
            recent_sign_in: time::Duration::minutes(ranged(
                "sessions.recent_sign_in_minutes",
                self.sessions.recent_sign_in_minutes,
                1..=60,
            )?),
        };
        let si = self.sign_in;
        let sign_in = SignInSettings {
            code_digits: ranged("sign_in.code_digits", si.code_digits, 6..=8)? as u32,
            code_lifetime: time::Duration::seconds(ranged(
                "sign_in.code_lifetime_seconds",
                si.code_lifetime_seconds,
                60..=600,
            )?),
            max_code_attempts: ranged("sign_in.max_code_attempts", si.max_code_attempts, 1..=10)? as u32,
            sends_per_address: ranged("sign_in.sends_per_address", si.sends_per_address, 1..=100)? as u32,
            resend_cooldown: time::Duration::seconds(ranged(
                "sign_in.resend_cooldown_seconds",
                si.resend_cooldown_seconds,
                0..=600,
            )?),
            sends_per_client: ranged("sign_in.sends_per_client", si.sends_per_client, 1..=10_000)? as u32,
            sends_per_minute: ranged("sign_in.sends_per_minute", si.sends_per_minute, 1..=100_000)? as u32,
            entries_per_client: ranged("sign_in.entries_per_client", si.entries_per_client, 1..=10_000)? as u32,
            totp_failures_per_step: ranged("sign_in.totp_failures_per_step", si.totp_failures_per_step, 1..=10)? as u32,
        };
        let smtp_url = self.email.smtp_url.expose_secret().trim().to_owned();
        let transport = if smtp_url.is_empty() {
            MailTransport::Files(self.email.file_dir.into())
        } else {
            validate_smtp_url(&smtp_url).map_err(|why| err("email.smtp_url", why))?;
            MailTransport::Smtp(SecretString::from(smtp_url))
        };
        if self.email.from.contains(['\r', '\n']) || !self.email.from.contains('@') {
            return Err(err(
                "email.from",
                "must be an address such as \"Privacy portal <privacy@example.com>\"".into(),
            ));
        }
        let email = EmailSettings {
            transport,
            from: self.email.from,
            timeout: Duration::from_secs(ranged("email.timeout_seconds", self.email.timeout_seconds, 1..=300)? as u64),
        };
        let mut providers = self.oidc.providers;
        for (i, p) in providers.iter_mut().enumerate() {
            let key = format!("oidc.providers[{i}]");
            crate::domain::catalog::Key::parse(&p.key).map_err(|why| err(&format!("{key}.key"), why))?;
            let issuer =
                url::Url::parse(&p.issuer).map_err(|e| err(&format!("{key}.issuer"), format!("is not a URL: {e}")))?;
            if !matches!(issuer.scheme(), "https" | "http") {
                return Err(err(&format!("{key}.issuer"), "must be an http(s) URL".into()));
            }
            if p.client_id.trim().is_empty() {
                return Err(err(&format!("{key}.client_id"), "is empty".into()));
            }
            if p.label.trim().is_empty() {
                p.label = p.key.clone();
            }
            if !p.scopes.iter().any(|s| s == "openid") {
                p.scopes.insert(0, "openid".into());
            }
            if p.staff && !p.processors_of.is_empty() {
                return Err(err(&format!("{key}.staff"), "a provider is for staff or for processors, not both".into()));
            }
            if p.role_claim.trim().is_empty() {
                return Err(err(&format!("{key}.role_claim"), "is empty".into()));
            }
        }
        if let Some(dup) = providers.iter().enumerate().find(|(i, p)| providers[..*i].iter().any(|q| q.key == p.key)) {
            return Err(err("oidc.providers", format!("key `{}` is used twice", dup.1.key)));
        }
        let authenticator = AuthenticatorSettings { issuer: self.authenticator.issuer.trim().to_owned() };
        if authenticator.issuer.is_empty() || authenticator.issuer.contains(':') {
            return Err(err("authenticator.issuer", "must be a non-empty name without ':'".into()));
        }
        let auto_approve = self
            .requests
            .auto_approve
            .iter()
            .map(|k| k.parse().map_err(|e| err("requests.auto_approve", format!("{e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let webhooks = WebhookSettings {
            allow_private_targets: self.webhooks.allow_private_targets,
            timeout: Duration::from_secs(
                ranged("webhooks.timeout_seconds", self.webhooks.timeout_seconds, 1..=60)? as u64
            ),
        };
        let staff =
            StaffSettings { assist_minutes: ranged("staff.assist_minutes", self.staff.assist_minutes, 1..=120)? };
        let token = self.metrics.token.trim();
        if !token.is_empty() && (token.len() < 16 || token.chars().any(|c| c.is_whitespace() || c.is_control())) {
            return Err(err("metrics.token", "use at least 16 characters without spaces".into()));
        }
        let metrics = MetricsSettings {
            token: (!token.is_empty()).then(|| secrecy::SecretString::from(token.to_owned())),
            allow_networks: self
                .metrics
                .allow_networks
                .split(',')
                .filter(|n| !n.trim().is_empty())
                .map(crate::metrics::Network::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| err("metrics.allow_networks", e))?,
        };
        let outbox = OutboxSettings {
            lease: time::Duration::seconds(ranged("outbox.lease_seconds", self.outbox.lease_seconds, 5..=3600)?),
        };
        let erasure_ledger = ErasureLedgerSettings {
            path: Some(self.erasure_ledger.path.trim()).filter(|p| !p.is_empty()).map(PathBuf::from),
            interval: std::time::Duration::from_secs(ranged(
                "erasure_ledger.interval_seconds",
                self.erasure_ledger.interval_seconds,
                1..=3600,
            )? as u64),
        };
        Ok(Settings {
            erasure_ledger,
            outbox,
            metrics,
            staff,
            webhooks,
            requests: RequestSettings { auto_approve },
            security,
            sessions,
            sign_in,
            email,
            authenticator,
            oidc: providers,
            server: ServerSettings {
                bind: s.bind,
                public_url,
                workers,
                shutdown_timeout: Duration::from_secs(s.shutdown_timeout_secs as u64),
                tls,
            },
            database: DatabaseSettings {
                url,
                pool_size: d.pool_size as u32,
                connect_timeout: Duration::from_secs(d.connect_timeout_secs as u64),
            },
            catalog: CatalogSettings { path: self.catalog.path.into() },
            demo: DemoSettings { enabled: self.demo.enabled, path: self.demo.path.into() },
            log: LogSettings { filter: self.log.filter, format },
        })
    }
}

fn validate_bind(bind: &str) -> Result<(), String> {
    let (host, port) = bind.rsplit_once(':').ok_or_else(|| format!("`{bind}` must be host:port"))?;
    if host.is_empty() {
        return Err(format!("`{bind}` names no host"));
    }
    port.parse::<u16>().map_err(|_| format!("`{bind}`: `{port}` is not a port number"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_load() {
        let s = Settings::load(None, env(&[])).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert!(matches!(&s.database.url, DatabaseUrl::Sqlite(p) if p == Path::new("var/portal.sqlite3")));
        assert!(s.demo.enabled);
        assert!(s.server.tls.is_none());
    }

    #[test]
    fn every_default_key_is_documented_by_a_comment() {
        let lines: Vec<&str> = DEFAULT_TOML.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with('[') {
                continue;
            }
            assert!(
                i > 0 && lines[i - 1].trim().starts_with('#'),
                "config/default.toml line {}: `{t}` has no comment above it",
                i + 1
            );
        }
    }

    #[test]
    fn contract_environment_variables_override() {
        let s = Settings::load(
            None,
            env(&[
                ("PORTAL_BIND", "0.0.0.0:9000"),
                ("PORTAL_DATABASE_URL", "postgres://u:pw@db:5432/p"),
                ("PORTAL_DEMO", "false"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.database.url.backend_name(), "postgres");
        assert!(!s.demo.enabled);
    }

    #[test]
    fn section_key_variables_override_any_key() {
        let s = Settings::load(None, env(&[("PORTAL_SERVER__WORKERS", "3"), ("PORTAL_LOG__FORMAT", "json")])).unwrap();
        assert_eq!(s.server.workers, 3);
        assert_eq!(s.log.format, LogFormat::Json);
    }

    #[test]
    fn unknown_or_mistyped_environment_is_refused_by_name() {
        let e = Settings::load(None, env(&[("PORTAL_SERVER__BINDD", "x")])).unwrap_err();
        assert!(e.0.contains("PORTAL_SERVER__BINDD") && e.0.contains("server.bindd"), "{e}");
        let e = Settings::load(None, env(&[("PORTAL_DATABSE_URL", "x")])).unwrap_err();
        assert!(e.0.contains("PORTAL_DATABSE_URL"), "{e}");
        let e = Settings::load(None, env(&[("PORTAL_SERVER__WORKERS", "many")])).unwrap_err();
        assert!(e.0.contains("whole number"), "{e}");
        let e = Settings::load(None, env(&[("PORTAL_DEMO", "perhaps")])).unwrap_err();
        assert!(e.0.contains("PORTAL_DEMO") && e.0.contains("true or false"), "{e}");
    }

    #[test]
    fn file_layer_refuses_unknown_keys_and_wrong_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.toml");
        std::fs::write(&path, "[server]\nbnd = \"x\"\n").unwrap();
        let e = Settings::load(Some(&path), env(&[])).unwrap_err();
        assert!(e.0.contains("portal.toml") && e.0.contains("server.bnd"), "{e}");
        std::fs::write(&path, "[server]\nworkers = \"four\"\n").unwrap();
        let e = Settings::load(Some(&path), env(&[])).unwrap_err();
        assert!(e.0.contains("server.workers") && e.0.contains("whole number"), "{e}");
        std::fs::write(&path, "[server\nworkers = 1\n").unwrap();
        let e = Settings::load(Some(&path), env(&[])).unwrap_err();
        assert!(e.0.starts_with(&format!("config file {}", path.display())), "{e}");
        assert!(!e.0.contains('\n'));
        std::fs::write(&path, "[demo]\nenabled = false\n").unwrap();
        let s = Settings::load(None, env(&[("PORTAL_CONFIG", path.to_str().unwrap())])).unwrap();
        assert!(!s.demo.enabled);
    }

    #[test]
    fn database_urls_pick_the_backend_and_hide_passwords() {
        assert!(
            matches!(DatabaseUrl::parse("sqlite://var/p.db"), Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("var/p.db"))
        );
        assert!(
            matches!(DatabaseUrl::parse("sqlite:///data/p.db"), Ok(DatabaseUrl::Sqlite(p)) if p == Path::new("/data/p.db"))
        );
        assert!(matches!(DatabaseUrl::parse("./portal.db"), Ok(DatabaseUrl::Sqlite(_))));
        let pg = DatabaseUrl::parse("postgres://portal:s3cret@db.internal:5432/portal").unwrap();
        assert_eq!(pg.to_string(), "postgres://portal:***@db.internal:5432/portal");
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert!(DatabaseUrl::parse("mysql://x@y/z").unwrap_err().contains("mysql"));
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn plaintext_smtp_only_to_this_machine() {
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://localhost:25",
            "smtp://[::1]:25",
            "smtps://u:p@mail.example.com:465",
            "smtp://mail.example.com:587?tls=required",
        ] {
            assert!(validate_smtp_url(ok).is_ok(), "{ok}");
        }
        let e = validate_smtp_url("smtp://user:secret@mail.example.com:25").unwrap_err();
        assert!(e.contains("unencrypted") && !e.contains("secret"), "{e}");
        assert!(validate_smtp_url("http://x").is_err());
    }

    #[test]
    fn tls_needs_both_files() {
        let e = Settings::load(None, env(&[("PORTAL_SERVER__TLS_CERT", "cert.pem")])).unwrap_err();
        assert!(e.0.contains("server.tls_cert"), "{e}");
    }
}
