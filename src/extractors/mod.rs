//! Who is calling and in which language, worked out before a handler runs.

pub mod page_context;
pub mod session;
pub mod staff;

pub use page_context::PageContext;
pub use session::{CsrfForm, CurrentSubject};
pub use staff::{CurrentStaff, SubjectAccess};
