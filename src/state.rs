//! What every request handler can reach: the database, the stored catalog, settings
//! and the clock. Built once in `startup`, shared read-only.

use std::sync::Arc;

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
    /// Whether the portal is served over TLS (cookies get `Secure` and `__Host-`).
    pub tls: bool,
}
