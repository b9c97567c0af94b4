//! Authentication as protocol logic, without HTTP: key material and hashing, e-mailed
//! one-time codes, authenticator apps (TOTP), OpenID Connect, and the rate-limit policy.
//! Handlers in `handlers::auth` and `handlers::account` drive these; `db::queries`
//! stores their state.

pub mod codes;
pub mod keys;
pub mod oidc;
pub mod rate_limit;
pub mod session;
pub mod totp;

pub use keys::Keys;
