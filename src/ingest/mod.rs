//! What source systems send: the person document and its validation (shared by the
//! ingestion API and the bulk import), the import's line reader and CSV rows, the
//! import driver, and the synthetic-data generator.

pub mod csv_rows;
pub mod document;
pub mod generate;
pub mod import;
pub mod lines;
