//! What every request handler can reach: the database, the stored catalog, settings,
//! keys, identity providers, the clock, and the outbox worker's wake-up call. Built once
//! in `startup`, shared read-only.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::Keys;
use crate::auth::oidc::OidcProviders;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::db::queries::catalog::StoredCatalog;
use crate::settings::Settings;

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: DbPool,
    /// The register as synced at start.
    pub catalog: Arc<StoredCatalog>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Keys derived from the master secret.
    pub keys: Arc<Keys>,
    /// Customer identity providers.
    pub oidc: Arc<OidcProviders>,
    /// Wakes the outbox worker when something was queued.
    pub outbox_wakeup: Arc<Notify>,
    /// The public base URL, without trailing slash (links in e-mails).
    pub public_base: String,
    /// Whether the portal is served over TLS (cookies get `Secure` and `__Host-`).
    pub tls: bool,
    /// Prometheus metrics of this instance.
    pub metrics: Arc<crate::metrics::Metrics>,
}
