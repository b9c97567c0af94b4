//! Who is calling and in which language, worked out before a handler runs.

pub mod page_context;

pub use page_context::PageContext;
