//! The command line: `serve` (the default), `migrate`, `demo`, and the admin commands
//! in `crate::admin`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::admin;
use crate::auth::keys::Keys;
use crate::catalog::Catalog;
use crate::clock::Clock as _;
use crate::clock::SystemClock;
use crate::db::{DbPool, migrations};
use crate::ingest::{generate as generator, import};
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
    /// Loads people from a JSON Lines or CSV file (docs/ingest.md); exit code 3 when
    /// some lines were rejected.
    Import(ImportArgs),
    /// Writes synthetic people as JSON Lines in the import format (benchmarks, demos).
    Generate(GenerateArgs),
    /// An online backup of the SQLite database into a new file (PostgreSQL: pg_dump).
    Backup {
        /// The backup file to create.
        file: PathBuf,
    },
    /// The erasure ledger: export it from the database, or re-apply it after a restore.
    #[command(subcommand)]
    Erasures(crate::backup::ErasuresCommand),
}

/// `import FILE`
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file; `-` reads standard input.
    pub file: PathBuf,
    /// The format (default: `csv` for a .csv file, otherwise `jsonl`).
    #[arg(long, value_enum)]
    pub format: Option<import::Format>,
    /// Check every line against the catalog and the database, then roll back.
    #[arg(long)]
    pub dry_run: bool,
    /// People per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Where rejected lines go (default: FILE.rejected; reasons in the same name + .log).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// The source system named in the audit trail.
    #[arg(long, default_value = "import")]
    pub source: String,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

/// `generate --people N`
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// How many people.
    #[arg(long)]
    pub people: u64,
    /// Number of the first person (addresses are personN@DOMAIN).
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Seed: the same seed gives the same people.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Domain of the generated addresses.
    #[arg(long, default_value = "example.test")]
    pub domain: String,
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
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
        Command::Import(args) => return import(&settings, &args),
        Command::Generate(args) => generate(&settings, &args),
        Command::Backup { file } => crate::backup::backup(&settings, &file),
        Command::Erasures(c) => crate::backup::erasures(&settings, c),
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

fn import(settings: &Settings, args: &ImportArgs) -> ExitCode {
    let run = || -> anyhow::Result<import::Summary> {
        let clock = SystemClock;
        let prepared = prepare(settings, &clock, false)?;
        let keys = Keys::load(&settings.security).map_err(|e| anyhow::anyhow!(e))?;
        let ctx = import::Context { pool: &prepared.db, keys: &keys, stored: &prepared.catalog, clock: &clock };
        let source =
            crate::domain::catalog::Key::parse(args.source.trim()).map_err(|e| anyhow::anyhow!("--source {e}"))?;
        let options = import::Options {
            input: args.file.clone(),
            format: args.format,
            dry_run: args.dry_run,
            batch_size: args.batch_size as usize,
            rejects: args.rejects.clone(),
            source: source.as_str().to_owned(),
            progress: !args.no_progress,
        };
        let summary = import::run(&ctx, &options).map_err(|e| anyhow::anyhow!(e))?;
        // The import's audit events are linked now rather than by the next portal start
        // (PostgreSQL; a no-op on SQLite).
        let mut conn = prepared.db.get().map_err(|e| anyhow::anyhow!(e))?;
        crate::db::queries::audit::link_pending(&mut conn).map_err(|e| anyhow::anyhow!(e))?;
        Ok(summary)
    };
    match run() {
        Ok(summary) => {
            print!("{}", summary.report());
            if summary.rejected > 0 { ExitCode::from(3) } else { ExitCode::SUCCESS }
        }
        Err(e) => fail(&format!("import: {e:#}"), 1),
    }
}

fn generate(settings: &Settings, args: &GenerateArgs) -> anyhow::Result<()> {
    let catalog = Catalog::load(&settings.catalog.path)?;
    let domain = args.domain.trim();
    if domain.is_empty() || !domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        anyhow::bail!("--domain must be a domain name such as example.test");
    }
    let now = SystemClock.now();
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            generator::generate(&catalog, args.people, args.offset, args.seed, domain, now, &mut out)?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            generator::generate(&catalog, args.people, args.offset, args.seed, domain, now, &mut out)?;
        }
    }
    Ok(())
}
