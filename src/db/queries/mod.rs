//! Query functions, one module per aggregate. Each takes `&mut DbConnection`, so
//! callers compose several inside one transaction.

pub mod catalog;
pub mod people;
