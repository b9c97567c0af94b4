//! Building and running the application: prepare the database (migrate, sync the
//! catalog, load the demo), bind the listener, serve until told to stop.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use anyhow::{Context, anyhow};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use tokio::sync::Notify;

use crate::auth::Keys;
use crate::auth::oidc::OidcProviders;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::db::queries::catalog::StoredCatalog;
use crate::db::queries::{catalog as catalog_queries, people};
use crate::db::{DbError, DbPool, migrations};
use crate::email::Mailer;
use crate::settings::{Settings, TlsFiles};
use crate::state::AppState;
use crate::{demo, handlers, middleware, routes};

/// A database ready to serve: migrated, with the catalog synced.
pub struct Prepared {
    /// The pool.
    pub db: DbPool,
    /// The register as stored.
    pub catalog: StoredCatalog,
    /// Migrations applied just now.
    pub migrations_applied: Vec<String>,
    /// Demo people added just now.
    pub demo_added: usize,
}

/// Connects, applies migrations, syncs the catalog and, when `load_demo`, adds the demo
/// people, the last two in one transaction. Every input file is read and checked
/// before the database is touched. Blocking.
pub fn prepare(settings: &Settings, clock: &dyn Clock, load_demo: bool) -> anyhow::Result<Prepared> {
    let catalog = Catalog::load(&settings.catalog.path)?;
    let demo_people =
        if load_demo { Some(demo::load(&settings.demo.path, &catalog).map_err(|e| anyhow!(e))?) } else { None };
    let db = DbPool::connect(&settings.database)?;
    let keys = Keys::load(&settings.security).map_err(|e| anyhow!(e))?;
    let migrations_applied = migrations::run_pending(&mut *db.get()?)?;
    let now = clock.now();
    let (stored, demo_added) = db
        .transaction_blocking(|conn| {
            let (stored, report) = catalog_queries::sync_if_changed(conn, &catalog)?;
            match report {
                Some(report) => tracing::info!(added = report.added, removed = report.removed, "catalog synced"),
                None => tracing::info!("catalog unchanged"),
            }
            let mut added = 0;
            for person in demo_people.iter().flatten() {
                let Some(person) = people::unsuppressed(conn, &keys, person)? else {
                    tracing::info!("demo person skipped: erased earlier (suppression marker)");
                    continue;
                };
                if people::insert_person(conn, &person, &stored, now)?.is_some() {
                    added += 1;
                }
            }
            Ok((stored, added))
        })
        .map_err(|e| match e {
            DbError::Rejected(why) => anyhow!("catalog {}: {why}", settings.catalog.path.display()),
            other => anyhow::Error::from(other).context("cannot apply the catalog and demo data (nothing was changed)"),
        })?;
    Ok(Prepared { db, catalog: stored, migrations_applied, demo_added })
}

/// A long-running server needs fresh table statistics: says so when PostgreSQL's
/// autovacuum is off. Only `serve` warns; one-shot commands plan little.
fn warn_if_autovacuum_off(db: &DbPool) -> anyhow::Result<()> {
    if crate::db::autovacuum_enabled(&mut *db.get()?)? == Some(false) {
        tracing::warn!(
            "PostgreSQL's autovacuum is off: table statistics go stale and pooled connections keep query plans \
             made for empty tables (the session lookup then reads every session) until they are recycled; \
             turn autovacuum on, or ANALYZE regularly"
        );
    }
    Ok(())
}

/// A bound, running HTTP server.
pub struct Application {
    server: actix_web::dev::Server,
    url: url::Url,
    state: AppState,
}

impl Application {
    /// Prepares the database and starts serving on the configured address.
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        let (settings, prepared, clock) = tokio::task::spawn_blocking(move || {
            let prepared = prepare(&settings, clock.as_ref(), settings.demo.enabled)?;
            warn_if_autovacuum_off(&prepared.db)?;
            Ok::<_, anyhow::Error>((settings, prepared, clock))
        })
        .await
        .context("start-up was interrupted")??;
        Application::start(settings, prepared, clock)
    }

    /// Starts serving a prepared database.
    pub fn start(settings: Settings, prepared: Prepared, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.server.bind)
            .with_context(|| format!("cannot listen on {}", settings.server.bind))?;
        let address = listener.local_addr()?;
        let url = settings.public_url(address);
        let tls = match &settings.server.tls {
            Some(files) => Some(rustls_config(files)?),
            None => None,
        };
        let keys = Keys::load(&settings.security).map_err(|e| anyhow!(e))?;
        for provider in &settings.oidc {
            for key in &provider.processors_of {
                if !prepared.catalog.catalog.recipients.iter().any(|r| r.key.as_str() == key) {
                    return Err(anyhow!(
                        "setting `oidc.providers` `{}`: processors_of names `{key}`, which is no recipient in the catalog",
                        provider.key
                    ));
                }
            }
        }
        let oidc = OidcProviders::new(&settings.oidc, &url)?;
        let mailer = Mailer::from_settings(&settings.email)?;
        let state = AppState {
            db: prepared.db,
            catalog: Arc::new(prepared.catalog),
            settings: Arc::new(settings.clone()),
            clock,
            keys: Arc::new(keys),
            oidc: Arc::new(oidc),
            outbox_wakeup: Arc::new(Notify::new()),
            public_base: url.as_str().trim_end_matches('/').to_owned(),
            tls: tls.is_some(),
            metrics: Arc::new(crate::metrics::Metrics::new()?),
        };
        crate::jobs::spawn(state.clone(), mailer)?;
        let data = web::Data::new(state.clone());
        let serves_tls = tls.is_some();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024))
                .wrap(middleware::security_headers(serves_tls))
                .wrap_fn(middleware::log_request)
                .configure(routes::configure)
                .default_service(web::to(handlers::errors::not_found))
        })
        .workers(settings.server.workers)
        .shutdown_timeout(settings.server.shutdown_timeout.as_secs());
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config)?,
            None => server.listen(listener)?,
        }
        .run();
        Ok(Application { server, url, state })
    }

    /// The address people reach this instance at.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The shared state (for tests that inspect or adjust it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// A handle to stop the server (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

fn rustls_config(files: &TlsFiles) -> anyhow::Result<rustls::ServerConfig> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow!("setting `server.tls_cert` {}: {e}", files.cert.display()))?;
    if certs.is_empty() {
        return Err(anyhow!("setting `server.tls_cert` {}: no certificate in the file", files.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| anyhow!("setting `server.tls_key` {}: {e}", files.key.display()))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| anyhow!("setting `server.tls_key`: does not match the certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
