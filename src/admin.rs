//! Administration from the command line, until the staff console exists: deciding
//! rights requests, inviting processor users, issuing API tokens, pointing webhooks,
//! and checking the audit chain. Every change is one transaction and an audit event
//! by the system actor.

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use time::format_description::well_known::Rfc3339;

use crate::auth::keys::Keys;
use crate::clock::{Clock, SystemClock};
use crate::db::DbError;
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::decisions::{self, Decision, Engine};
use crate::db::queries::tokens::{self, NewToken};
use crate::db::queries::{audit, processors, restrictions, webhooks};
use crate::domain::EmailAddress;
use crate::domain::audit::Actor;
use crate::domain::ids::RecipientId;
use crate::domain::rights::reference;
use crate::settings::Settings;
use crate::startup::{Prepared, prepare};

/// `requests …`
#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// Lists open requests, oldest first.
    List,
    /// Approves or rejects a request (by reference, e.g. REQ-1F3A9C2B, or id).
    Decide {
        /// The request.
        reference: String,
        /// Carry it out: erase, correct, restrict… and create the recipients' tasks.
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        /// Refuse it; the reason is sent to the person with how to complain.
        #[arg(long, value_name = "REASON")]
        reject: Option<String>,
    },
    /// Announces the lifting of a restriction: the person is told now, with the
    /// reason; it is lifted (and the recipients told) after the notice period.
    LiftRestriction {
        /// The restriction request.
        reference: String,
        /// Why it is lifted (sent to the person).
        #[arg(long)]
        reason: String,
        /// Days between telling the person and lifting.
        #[arg(long, default_value_t = 14)]
        notice_days: i64,
    },
}

/// `processors …`
#[derive(Debug, Subcommand)]
pub enum ProcessorsCommand {
    /// Invites a user of a recipient organisation by e-mail.
    Invite {
        /// The recipient's key in the catalog (e.g. mailing-house).
        #[arg(long)]
        recipient: String,
        /// The user's address; their sign-in codes go there.
        #[arg(long)]
        email: String,
        /// The user's name.
        #[arg(long)]
        name: String,
    },
    /// Lists processor users.
    List {
        /// Only this recipient's.
        #[arg(long)]
        recipient: Option<String>,
    },
}

/// `tokens …`
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Issues a token, printed once: for one recipient's processor API (`--recipient`),
    /// or for one source system's ingestion API (`--source`, optionally `--entities`).
    Create {
        /// The recipient's key in the catalog (processor API).
        #[arg(long, conflicts_with_all = ["source", "entities"], required_unless_present = "source")]
        recipient: Option<String>,
        /// The source system's name, e.g. `crm` (ingestion API).
        #[arg(long)]
        source: Option<String>,
        /// Entities the source may write, comma-separated (default: all).
        #[arg(long, value_delimiter = ',', requires = "source")]
        entities: Vec<String>,
        /// What the token is for (shown in lists).
        #[arg(long)]
        label: String,
    },
    /// Lists tokens (never their secrets).
    List,
    /// Revokes a token by id or prefix.
    Revoke {
        /// The token's id or prefix.
        id: String,
    },
}

/// `webhooks …`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Points a recipient's task webhooks at a URL; prints the new signing secret once.
    Set {
        /// The recipient's key in the catalog.
        #[arg(long)]
        recipient: String,
        /// An https:// URL (http:// only on this machine).
        #[arg(long)]
        url: String,
    },
    /// Stops sending a recipient webhooks.
    Remove {
        /// The recipient's key in the catalog.
        #[arg(long)]
        recipient: String,
    },
}

/// `staff …`
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Creates the first administrator (only while there is none).
    Bootstrap {
        /// Their address; sign-in codes go there.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
    },
    /// Adds a local staff account (code by e-mail plus an authenticator app).
    Add {
        /// Their address.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
        /// agent, privacy_officer or admin.
        #[arg(long)]
        role: String,
    },
    /// Lists staff.
    List,
    /// Disables a staff member (by address); their sessions end.
    Disable {
        /// Their address.
        email: String,
    },
}

/// `audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recomputes the hash chain; fails naming the first altered or missing event.
    Verify,
}

/// The database, register and keys an admin command works with.
struct Admin {
    prepared: Prepared,
    keys: Keys,
    public_base: String,
    clock: SystemClock,
}

impl Admin {
    fn open(settings: &Settings) -> anyhow::Result<Admin> {
        let clock = SystemClock;
        let prepared = prepare(settings, &clock, false)?;
        let keys = Keys::load(&settings.security).map_err(|e| anyhow!(e))?;
        let public_base = match &settings.server.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", settings.server.bind),
        };
        Ok(Admin { prepared, keys, public_base, clock })
    }

    fn catalog(&self) -> &StoredCatalog {
        &self.prepared.catalog
    }

    fn recipient(&self, key: &str) -> anyhow::Result<(RecipientId, String)> {
        let found = self.catalog().catalog.recipients.iter().find(|r| r.key.as_str() == key);
        let Some(recipient) = found else {
            let known: Vec<&str> = self.catalog().catalog.recipients.iter().map(|r| r.key.as_str()).collect();
            bail!("no recipient `{key}` in the catalog; known: {}", known.join(", "));
        };
        let id = self.catalog().ids.recipients.get(&recipient.key).copied().context("the recipient has no row id")?;
        Ok((id, recipient.name.clone()))
    }

    fn transaction<T>(&self, f: impl FnOnce(&mut crate::db::DbConnection) -> Result<T, DbError>) -> anyhow::Result<T> {
        self.prepared.db.transaction_blocking(f).map_err(operator_error)
    }
}

/// A database error as one line for an operator: a refusal says why in its own words.
pub fn operator_error(e: DbError) -> anyhow::Error {
    match e {
        DbError::Rejected(why) | DbError::Conflict(why) => anyhow!(why),
        other => anyhow::Error::from(other),
    }
}

fn when(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Runs `requests …`.
pub fn requests(settings: &Settings, command: RequestsCommand) -> anyhow::Result<()> {
    let admin = Admin::open(settings)?;
    match command {
        RequestsCommand::List => {
            let open = admin.transaction(decisions::open_requests)?;
            if open.is_empty() {
                println!("no open requests");
            }
            for (public_id, kind, status, received, due) in open {
                println!("{}\t{kind}\t{status}\treceived {}\tdue {}", reference(&public_id), when(received), when(due));
            }
            Ok(())
        }
        RequestsCommand::LiftRestriction { reference: wanted, reason, notice_days } => {
            if !(1..=365).contains(&notice_days) {
                bail!("--notice-days must be between 1 and 365");
            }
            let engine = Engine { stored: admin.catalog(), keys: &admin.keys, public_base: &admin.public_base };
            let now = admin.clock.now();
            let (public_id, lift_at) = admin.transaction(|c| {
                let public_id = decisions::find_public_id(c, &wanted)?
                    .ok_or_else(|| DbError::Rejected(format!("no request {wanted}")))?;
                let lift_at = restrictions::announce_lift(
                    c,
                    &engine,
                    &public_id,
                    &reason,
                    time::Duration::days(notice_days),
                    &Actor::System,
                    now,
                )?;
                Ok((public_id, lift_at))
            })?;
            println!("{}: the person is told; the restriction is lifted on {}", reference(&public_id), when(lift_at));
            Ok(())
        }
        RequestsCommand::Decide { reference: wanted, approve, reject } => {
            let decision = match (approve, reject) {
                (true, None) => Decision::Approve,
                (false, Some(reason)) if !reason.trim().is_empty() => {
                    Decision::Reject { reason: reason.trim().to_owned() }
                }
                (false, Some(_)) => bail!("--reject needs a reason the person can understand"),
                _ => bail!("say --approve or --reject REASON"),
            };
            let engine = Engine { stored: admin.catalog(), keys: &admin.keys, public_base: &admin.public_base };
            let now = admin.clock.now();
            let result = admin.transaction(|c| {
                let public_id = decisions::find_public_id(c, &wanted)?
                    .ok_or_else(|| DbError::Rejected(format!("no request {wanted}")))?;
                decisions::decide(c, &engine, &public_id, &decision, &Actor::System, now).map(|r| (public_id, r))
            })?;
            let (public_id, r) = result;
            println!(
                "{}: {}; {} recipient task(s) created, {} record(s) erased, {} kept under a legal obligation, {} changed",
                reference(&public_id),
                r.status,
                r.tasks,
                r.erased,
                r.kept,
                r.changed
            );
            Ok(())
        }
    }
}

/// Runs `processors …`.
pub fn processors(settings: &Settings, command: ProcessorsCommand) -> anyhow::Result<()> {
    let admin = Admin::open(settings)?;
    match command {
        ProcessorsCommand::Invite { recipient, email, name } => {
            let (recipient_id, organisation) = admin.recipient(&recipient)?;
            let email = EmailAddress::parse(&email).map_err(|e| anyhow!("--email: {e}"))?;
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
                bail!("--name must have 1 to 200 printable characters");
            }
            let now = admin.clock.now();
            let user = admin
                .transaction(|c| {
                    processors::invite_and_notify(
                        c,
                        &admin.keys,
                        &admin.public_base,
                        &organisation,
                        recipient_id,
                        &email,
                        &name,
                        &Actor::System,
                        now,
                    )
                })
                .map_err(|e| match e.to_string() {
                    m if m.contains("UNIQUE") || m.contains("unique") || m.contains("duplicate") => {
                        anyhow!("{email} is already a processor user")
                    }
                    _ => e,
                })?;
            println!("invited {} <{}> for {organisation}; the invitation is on its way", user.display_name, user.email);
            Ok(())
        }
        ProcessorsCommand::List { recipient } => {
            let filter = recipient.as_deref().map(|k| admin.recipient(k).map(|(id, _)| id)).transpose()?;
            let users = admin.transaction(|c| processors::list(c, filter))?;
            if users.is_empty() {
                println!("no processor users");
            }
            for u in users {
                let org = admin.catalog().recipient(u.recipient).map(|r| r.key.as_str()).unwrap_or("?");
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{org}\t{} <{}>\t{state}", u.public_id, u.display_name, u.email);
            }
            Ok(())
        }
    }
}

/// Runs `tokens …`.
pub fn tokens(settings: &Settings, command: TokensCommand) -> anyhow::Result<()> {
    let admin = Admin::open(settings)?;
    let now = admin.clock.now();
    match command {
        TokensCommand::Create { recipient, source, entities, label } => {
            let label = label.trim().to_owned();
            if label.is_empty() || label.chars().count() > 100 {
                bail!("--label must have 1 to 100 characters");
            }
            let (kind, recipient_id, source, scope, organisation) = match (recipient, source) {
                (Some(recipient), _) => {
                    let (id, organisation) = admin.recipient(&recipient)?;
                    ("processor", Some(id), None, None, organisation)
                }
                (None, Some(source)) => {
                    let source = crate::domain::catalog::Key::parse(source.trim())
                        .map_err(|e| anyhow!("--source {e}"))?
                        .as_str()
                        .to_owned();
                    let mut scope = Vec::new();
                    for e in entities.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
                        if !admin.catalog().catalog.entities.iter().any(|x| x.key.as_str() == e) {
                            let known: Vec<&str> =
                                admin.catalog().catalog.entities.iter().map(|x| x.key.as_str()).collect();
                            bail!("no entity `{e}` in the catalog; known: {}", known.join(", "));
                        }
                        scope.push(e.to_owned());
                    }
                    let scope = (!scope.is_empty()).then_some(scope);
                    let who = match &scope {
                        Some(s) => format!("source `{source}` writing {}", s.join(", ")),
                        None => format!("source `{source}` writing every entity"),
                    };
                    ("ingest", None, Some(source), scope, who)
                }
                (None, None) => bail!("give --recipient (processor API) or --source (ingestion API)"),
            };
            let (public_id, token) = admin.transaction(|c| {
                tokens::issue_recorded(
                    c,
                    NewToken {
                        kind,
                        recipient: recipient_id,
                        source_system: source.as_deref(),
                        entity_scope: scope.clone(),
                        label: &label,
                    },
                    &Actor::System,
                    now,
                )
            })?;
            eprintln!("token {public_id} for {organisation} — store it now, it is not shown again:");
            println!("{token}");
            Ok(())
        }
        TokensCommand::List => {
            let list = admin.transaction(tokens::list)?;
            if list.is_empty() {
                println!("no tokens");
            }
            for t in list {
                let owner = match (&t.source_system, &t.entity_scope) {
                    (Some(source), Some(scope)) => format!("source {source} ({})", scope.join(",")),
                    (Some(source), None) => format!("source {source} (all entities)"),
                    _ => t
                        .recipient
                        .and_then(|r| admin.catalog().recipient(r))
                        .map(|r| r.key.to_string())
                        .unwrap_or_else(|| "-".into()),
                };
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", when(at)),
                    None => "active".to_owned(),
                };
                let used = t.last_used_at.map(when).unwrap_or_else(|| "never".into());
                println!(
                    "{}\t{}\t{}\t{owner}\t{}\tcreated {}\tlast used {used}\t{state}",
                    t.public_id,
                    t.prefix,
                    t.kind,
                    t.label,
                    when(t.created_at)
                );
            }
            Ok(())
        }
        TokensCommand::Revoke { id } => {
            let id = id.trim().to_owned();
            let revoked = admin.transaction(|c| {
                let revoked = tokens::revoke(c, &id, now)?;
                if revoked {
                    audit::append(
                        c,
                        &Actor::System,
                        crate::domain::audit::action::TOKEN_REVOKED,
                        None,
                        Some("token"),
                        Some(&id),
                        serde_json::json!({}),
                        now,
                    )?;
                }
                Ok(revoked)
            })?;
            if !revoked {
                bail!("no active token {id}");
            }
            println!("revoked {id}");
            Ok(())
        }
    }
}

/// Runs `webhooks …`.
pub fn webhooks(settings: &Settings, command: WebhooksCommand) -> anyhow::Result<()> {
    let admin = Admin::open(settings)?;
    let now = admin.clock.now();
    match command {
        WebhooksCommand::Set { recipient, url } => {
            let (recipient_id, organisation) = admin.recipient(&recipient)?;
            let url = crate::webhooks::check_url(url.trim(), settings.webhooks.allow_private_targets)
                .map_err(|e| anyhow!("--url: {e}"))?;
            let secret =
                admin.transaction(|c| webhooks::configure(c, &admin.keys, recipient_id, &url, &Actor::System, now))?;
            eprintln!("new tasks for {organisation} go to {url}; signing secret (shown once):");
            println!("{secret}");
            Ok(())
        }
        WebhooksCommand::Remove { recipient } => {
            let (recipient_id, organisation) = admin.recipient(&recipient)?;
            if !admin.transaction(|c| webhooks::remove(c, recipient_id, &Actor::System, now))? {
                bail!("{organisation} has no webhook");
            }
            println!("{organisation} gets no more webhooks");
            Ok(())
        }
    }
}

/// Runs `staff …`.
pub fn staff(settings: &Settings, command: StaffCommand) -> anyhow::Result<()> {
    use crate::db::queries::{sessions, staff};
    use crate::domain::staff::StaffRole;
    let admin = Admin::open(settings)?;
    let now = admin.clock.now();
    let checked = |email: &str, name: &str| -> anyhow::Result<(EmailAddress, String)> {
        let email = EmailAddress::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            bail!("--name must have 1 to 200 printable characters");
        }
        Ok((email, name))
    };
    let add = |email: EmailAddress, name: String, role: StaffRole, bootstrap: bool| -> anyhow::Result<()> {
        let user = admin
            .transaction(|c| {
                if bootstrap && staff::has_admin(c)? {
                    return Err(DbError::Rejected(
                        "an administrator exists already; bootstrap works only once (use `staff add` as an admin)"
                            .into(),
                    ));
                }
                let user = staff::create(c, &email, &name, role, now)?;
                audit::append(
                    c,
                    &Actor::System,
                    crate::domain::audit::action::STAFF_ADDED,
                    None,
                    Some("staff_user"),
                    Some(&user.public_id),
                    serde_json::json!({ "role": role.as_str(), "bootstrap": bootstrap }),
                    now,
                )?;
                Ok(user)
            })
            .map_err(|e| match e.to_string() {
                m if m.contains("UNIQUE") || m.contains("unique") || m.contains("duplicate") => {
                    anyhow!("{email} is already a staff member")
                }
                _ => e,
            })?;
        println!(
            "added {} <{}> as {}; they sign in at {}/staff/sign-in with a code and an authenticator app",
            user.display_name, user.email, role, admin.public_base
        );
        Ok(())
    };
    match command {
        StaffCommand::Bootstrap { email, name } => {
            let (email, name) = checked(&email, &name)?;
            add(email, name, StaffRole::Admin, true)
        }
        StaffCommand::Add { email, name, role } => {
            let (email, name) = checked(&email, &name)?;
            let role: StaffRole = role.parse().map_err(|e| anyhow!("--role: {e}"))?;
            add(email, name, role, false)
        }
        StaffCommand::List => {
            let list = admin.transaction(staff::list)?;
            if list.is_empty() {
                println!("no staff");
            }
            for u in list {
                let how = if u.federated { "identity provider" } else { "local" };
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{} <{}>\t{}\t{how}\t{state}", u.public_id, u.display_name, u.email, u.role);
            }
            Ok(())
        }
        StaffCommand::Disable { email } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow!("{e}"))?;
            admin.transaction(|c| {
                let found = staff::list(c)?.into_iter().find(|u| u.email == email.as_str());
                let Some(user) = found else { return Err(DbError::Rejected(format!("no staff member {email}"))) };
                staff::set_disabled(c, user.id, true, now)?;
                sessions::delete_all_for_staff_user(c, user.id)?;
                audit::append(
                    c,
                    &Actor::System,
                    crate::domain::audit::action::STAFF_DISABLED,
                    None,
                    Some("staff_user"),
                    Some(&user.public_id),
                    serde_json::json!({}),
                    now,
                )
            })?;
            println!("disabled {email}; their sessions ended");
            Ok(())
        }
    }
}

/// Runs `audit …`.
pub fn audit(settings: &Settings, command: AuditCommand) -> anyhow::Result<()> {
    let admin = Admin::open(settings)?;
    match command {
        AuditCommand::Verify => {
            let report = admin.transaction(audit::verify)?;
            match report.first_broken {
                None => {
                    println!("audit chain intact: {} events", report.events);
                    if report.unlinked > 0 {
                        println!("{} events committed meanwhile are not linked yet", report.unlinked);
                    }
                    Ok(())
                }
                Some((id, why)) => bail!("audit chain broken at event {id}: {why} ({} events checked)", report.events),
            }
        }
    }
}
