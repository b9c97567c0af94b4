//! One line of a bulk import, as `privacy-portal import` reads it: JSON Lines parsed
//! and validated against the demo catalog, and the same bytes as a CSV header and row.
//! Nothing may panic; every rejection is an error value.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use privacy_portal::catalog::Catalog;
use privacy_portal::ingest::csv_rows::{Header, Row};
use privacy_portal::ingest::document::{parse_json, validate};

static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| Catalog::parse(include_str!("../../config/catalog.toml")).expect("the demo catalog is valid"));

fuzz_target!(|data: &[u8]| {
    let now = time::macros::datetime!(2026-11-22 10:00 UTC);
    if let Ok(doc) = parse_json(data) {
        let _ = validate(doc, &CATALOG, now);
    }
    // The first line as a header, the rest as one row under it.
    let (head, rest) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    if let Ok(header) = Header::parse(head) {
        if let Ok(row) = Row::parse(&header, rest) {
            let doc = privacy_portal::ingest::csv_rows::document(std::slice::from_ref(&row));
            let _ = validate(doc, &CATALOG, now);
        }
        let _ = Row::lenient(&header, rest);
    }
});
