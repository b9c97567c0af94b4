//! The integration tests: one binary, one module per feature area. Each test starts
//! the real portal on a random port against its own fresh database and talks HTTP to
//! it. Tests declared with `on_both_backends!` run once on SQLite and once on
//! PostgreSQL (`TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test).
//! Mail goes to a real SMTP server and OpenID Connect to a real provider, both started
//! from `tests/harness/` (Node.js).

mod helpers;

mod account;
mod admin_cli;
mod audit_chain;
mod boundaries;
mod browser;
mod catalog_sync;
mod cli;
mod crash_safety;
mod db_pool;
mod demo_data;
mod export_schema;
mod health;
mod housekeeping;
mod import_cli;
mod ingest_api;
mod landing;
mod metrics;
mod migrations;
mod portal;
mod processor_api;
mod propagation;
mod restore_drill;
mod scale_out;
mod sign_in_email;
mod sign_in_oidc;
mod staff;
mod staff_roles;
