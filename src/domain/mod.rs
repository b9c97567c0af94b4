//! The privacy domain as plain types and rules: validated values, typed ids, the
//! vocabulary of the GDPR (legal bases, rights, recipients) and the rules that follow
//! from it. Nothing here knows about HTTP or SQL; `db` and `handlers` translate.

pub mod audit;
pub mod catalog;
pub mod email_address;
pub mod ids;
pub mod language;
pub mod person;
pub mod retention;
pub mod rights;
pub mod staff;
pub(crate) mod text_enum;

pub use email_address::EmailAddress;
pub use language::{Bilingual, Language};
pub use text_enum::UnknownVariant;
