//! Query functions, one module per aggregate. Each takes `&mut DbConnection`, so
//! callers compose several inside one transaction.

pub mod authenticators;
pub mod catalog;
pub mod challenges;
pub mod oidc_logins;
pub mod outbox;
pub mod people;
pub mod preferences;
pub mod propagation;
pub mod rate_limits;
pub mod requests;
pub mod sessions;
pub mod subject_data;
pub mod subjects;
