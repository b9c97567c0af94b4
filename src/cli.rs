//! The command line: `serve` (the default), `migrate`, `demo`, and the admin commands
//! in `crate::admin`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::admin;
use crate::clock::SystemClock;
use crate::db::{DbPool, migrations};
use crate::settings::Settings;
use crate::startup::{Application, prepare};
use crate::telemetry;

/// Self-hosted privacy portal: people see and control what an organisation holds about them.
#[derive(Debug, Parser)]
#[command(name = "privacy-portal", version, about)]
pub struct Cli {
    /// A settings file overriding config/default.toml (also: PORTAL_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, sync the catalog, load the demo if enabled, and serve HTTP (default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Sync the catalog and load the demo people (those not there yet), then exit.
    Demo,
    /// Rights requests: list the open ones, approve or reject one.
    #[command(subcommand)]
    Requests(admin::RequestsCommand),
    /// Users of processors and third parties.
    #[command(subcommand)]
    Processors(admin::ProcessorsCommand),
    /// API tokens for processors' machines.
    #[command(subcommand)]
    Tokens(admin::TokensCommand),
    /// Where recipients are sent new tasks.
    #[command(subcommand)]
    Webhooks(admin::WebhooksCommand),
    /// Staff accounts (the first admin with `staff bootstrap`).
    #[command(subcommand)]
    Staff(admin::StaffCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
}

/// Parses the command line, runs the command, and turns any failure into one line on
/// stderr and a non-zero exit code.
pub fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let env = std::env::vars();
    let settings = match Settings::load(cli.config.as_deref(), env) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string(), 2),
    };
    telemetry::init(&settings.log);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => migrate(&settings),
        Command::Demo => demo(&settings),
        Command::Requests(c) => admin::requests(&settings, c),
        Command::Processors(c) => admin::processors(&settings, c),
        Command::Tokens(c) => admin::tokens(&settings, c),
        Command::Webhooks(c) => admin::webhooks(&settings, c),
        Command::Audit(c) => admin::audit(&settings, c),
        Command::Staff(c) => admin::staff(&settings, c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}"), 1),
    }
}

fn fail(message: &str, code: u8) -> ExitCode {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("privacy-portal: error: {line}");
    ExitCode::from(code)
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, Arc::new(SystemClock)).await?;
        let entities: Vec<String> = app.state().catalog.catalog.entities.iter().map(|e| e.legal_name.clone()).collect();
        tracing::info!(url = %app.url(), backend = app.state().db.backend_name(), "serving");
        println!("Privacy portal for {} is listening on {}", entities.join(", "), app.url());
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = DbPool::connect(&settings.database)?;
    let applied = migrations::run_pending(&mut *db.get()?)?;
    if applied.is_empty() {
        println!("{}: schema is up to date", settings.database.url);
    } else {
        println!("{}: applied {}", settings.database.url, applied.join(", "));
    }
    Ok(())
}

fn demo(settings: &Settings) -> anyhow::Result<()> {
    let prepared = prepare(settings, &SystemClock, true)?;
    println!(
        "{}: catalog synced, {} demo people added from {}",
        settings.database.url,
        prepared.demo_added,
        settings.demo.path.display()
    );
    Ok(())
}
