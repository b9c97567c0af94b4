//! Self-hosted privacy portal.
//!
//! A map of the crate (ARCHITECTURE.md has the long version):
//! - [`domain`]: the privacy vocabulary and rules, no HTTP, no SQL;
//! - [`settings`], [`catalog`], [`demo`]: what the portal is configured and seeded with;
//! - [`db`]: the only place diesel lives (pool, migrations, schema, queries);
//! - [`routes`], [`handlers`], [`extractors`], [`middleware`], [`error`]: the HTTP edge;
//! - [`startup`], [`cli`], [`admin`]: putting it together, and administration until the staff console exists.

pub mod admin;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod certificates;
pub mod cli;
pub mod clock;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod erasure_ledger;
pub mod error;
pub mod export;
pub mod extractors;
pub mod handlers;
pub mod i18n;
pub mod ingest;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod receipts;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod state;
pub mod task_documents;
pub mod telemetry;
pub mod webhooks;
