//! The staff console: support agents find and verify callers and act for them;
//! privacy officers decide requests and read the audit trail; admins manage staff,
//! processor users, tokens and webhooks. Every page checks the role (least privilege).

pub mod admin;
pub mod audit;
pub mod callers;
pub mod on_behalf;
pub mod queue;
