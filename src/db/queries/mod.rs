//! Query functions, one module per aggregate. Each takes `&mut DbConnection`, so
//! callers compose several inside one transaction.

pub mod audit;
pub mod authenticators;
pub mod catalog;
pub mod challenges;
pub mod decisions;
pub mod erasures;
pub mod idempotency;
pub mod ingest;
pub mod oidc_logins;
pub mod outbox;
pub mod people;
pub mod preferences;
pub mod processors;
pub mod propagation;
pub mod queue;
pub mod rate_limits;
pub mod requests;
pub mod restrictions;
pub mod sessions;
pub mod staff;
pub mod staff_actions;
pub mod subject_data;
pub mod subjects;
pub mod tasks;
pub mod tokens;
pub mod webhooks;
