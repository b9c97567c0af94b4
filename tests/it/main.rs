//! The integration tests: one binary, one module per feature area. Each test starts
//! the real portal on a random port against its own fresh database and talks HTTP to
//! it. Tests declared with `on_both_backends!` run once on SQLite and once on
//! PostgreSQL (`TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test).

mod helpers;

mod boundaries;
mod catalog_sync;
mod cli;
mod demo_data;
mod health;
mod landing;
mod migrations;
