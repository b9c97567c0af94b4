//! The CSV import format: one record per row, with the person's columns repeated;
//! consecutive rows of the same person make one person document (so a bad row
//! rejects that whole person, never half of them; only a row too broken to tell whose
//! it is — unclosed quotes, over 1 MiB — is rejected on its own). Fields hold no line breaks.

use super::document::{ExternalRefDoc, ItemError, PersonDocument, RecordDoc, RelationshipDoc};

/// Columns that must be in the header.
pub const REQUIRED: [&str; 7] = ["email", "name", "entity", "category", "field", "value", "source"];
/// Columns that may be in the header.
pub const OPTIONAL: [&str; 8] =
    ["language", "role", "reference", "since", "source_party", "collected_at", "purposes", "external_ref_entity"];

/// The header: which column holds what.
#[derive(Debug, Clone)]
pub struct Header {
    names: Vec<String>,
}

impl Header {
    /// Parses and checks the header row.
    pub fn parse(line: &[u8]) -> Result<Header, String> {
        let names: Vec<String> = split(line)
            .map_err(|e| format!("the header is not CSV: {e}"))?
            .into_iter()
            .map(|n| n.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        if let Some(missing) = REQUIRED.iter().find(|r| !names.iter().any(|n| n == *r)) {
            return Err(format!("the header has no `{missing}` column (required: {})", REQUIRED.join(", ")));
        }
        if let Some(unknown) = names.iter().find(|n| !REQUIRED.contains(&n.as_str()) && !OPTIONAL.contains(&n.as_str()))
        {
            return Err(format!("the header has an unknown column `{unknown}` (optional: {})", OPTIONAL.join(", ")));
        }
        let mut sorted = names.clone();
        sorted.sort();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            return Err("the header names a column twice".into());
        }
        Ok(Header { names })
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the header has no columns (never, after `parse`).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// One data row, by column name.
#[derive(Debug, Clone)]
pub struct Row {
    cells: Vec<(String, String)>,
}

impl Row {
    /// Parses a data row against the header.
    pub fn parse(header: &Header, line: &[u8]) -> Result<Row, ItemError> {
        let cells = split(line).map_err(|e| ItemError::new("", "invalid_csv", format!("not CSV: {e}")))?;
        if cells.len() != header.len() {
            return Err(ItemError::new(
                "",
                "invalid_csv",
                format!("{} columns; the header has {}", cells.len(), header.len()),
            ));
        }
        Ok(Row { cells: header.names.iter().cloned().zip(cells).collect() })
    }

    /// The cells a malformed row does have (to tell whose row it was).
    pub fn lenient(header: &Header, line: &[u8]) -> Option<Row> {
        let cells = split(line).ok()?;
        Some(Row { cells: header.names.iter().cloned().zip(cells).collect() })
    }

    /// Whether the row carries a record (not only a relationship).
    pub fn has_record(&self) -> bool {
        self.get("category").is_some() || self.get("field").is_some() || self.get("value").is_some()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.cells.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// What makes rows belong to the same person.
    pub fn person_key(&self) -> (String, String, String) {
        let email = self.get("email").unwrap_or_default().to_ascii_lowercase();
        let ext = self.get("external_ref_entity").unwrap_or_default().to_owned();
        let reference =
            if ext.is_empty() { String::new() } else { self.get("reference").unwrap_or_default().to_owned() };
        (email, ext, reference)
    }
}

/// Builds one person document from consecutive rows of that person.
pub fn document(rows: &[Row]) -> PersonDocument {
    let first = &rows[0];
    let mut doc = PersonDocument {
        email: first.get("email").map(str::to_owned),
        external_ref: first.get("external_ref_entity").map(|entity| ExternalRefDoc {
            entity: entity.to_owned(),
            reference: first.get("reference").unwrap_or_default().to_owned(),
        }),
        name: first.get("name").map(str::to_owned),
        language: first.get("language").map(str::to_owned),
        relationships: Vec::new(),
        records: Vec::new(),
        disclosures: Vec::new(),
        preferences: Vec::new(),
    };
    for row in rows {
        if let (Some(entity), Some(role)) = (row.get("entity"), row.get("role")) {
            let relationship = RelationshipDoc {
                entity: entity.to_owned(),
                role: role.to_owned(),
                reference: row.get("reference").map(str::to_owned),
                since: row.get("since").unwrap_or_default().to_owned(),
            };
            if !doc.relationships.iter().any(|r| r.entity == relationship.entity && r.role == relationship.role) {
                doc.relationships.push(relationship);
            }
        }
        if row.has_record() {
            doc.records.push(RecordDoc {
                entity: row.get("entity").unwrap_or_default().to_owned(),
                category: row.get("category").unwrap_or_default().to_owned(),
                field: row.get("field").unwrap_or_default().to_owned(),
                value: row.get("value").unwrap_or_default().to_owned(),
                source: row.get("source").unwrap_or_default().to_owned(),
                source_party: row.get("source_party").map(str::to_owned),
                collected_at: row.get("collected_at").map(str::to_owned),
                purposes: row
                    .get("purposes")
                    .map(|p| p.split('|').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                    .unwrap_or_default(),
            });
        }
    }
    doc
}

/// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).
fn split(line: &[u8]) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Ok(Vec::new()),
        Err(e) => return Err(e.to_string()),
    }
    let mut extra = csv::StringRecord::new();
    if reader.read_record(&mut extra).map_err(|e| e.to_string())? {
        return Err("a quoted field is not closed on its line".into());
    }
    Ok(record.iter().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_one_person_make_one_document() {
        let header = Header::parse(b"email,name,entity,role,reference,since,category,field,value,source,purposes")
            .expect("header");
        let rows = [
            Row::parse(&header, b"a@example.com,Ann,claranet-benelux,customer_contact,C-1,2020-01-01,contact,phone,\"+31 6, mobile\",provided,rely-services|rely-customer-service").expect("row"),
            Row::parse(&header, b"a@example.com,Ann,claranet-benelux,customer_contact,C-1,2020-01-01,contact,city,Utrecht,provided,").expect("row"),
        ];
        assert_eq!(rows[0].person_key(), rows[1].person_key());
        let doc = document(&rows);
        assert_eq!(doc.relationships.len(), 1);
        assert_eq!(doc.records.len(), 2);
        assert_eq!(doc.records[0].value, "+31 6, mobile");
        assert_eq!(doc.records[0].purposes, ["rely-services", "rely-customer-service"]);
    }

    #[test]
    fn a_wrong_column_count_is_a_row_error() {
        let header = Header::parse(b"email,name,entity,category,field,value,source").expect("header");
        let e = Row::parse(&header, b"a@example.com,Ann,claranet-benelux,contact").expect_err("short row");
        assert!(e.message.contains("4 columns; the header has 7"), "{}", e.message);
    }

    #[test]
    fn a_header_without_required_columns_is_refused() {
        let e = Header::parse(b"email,name").expect_err("incomplete");
        assert!(e.contains("`entity`"), "{e}");
        let e = Header::parse(b"email,name,entity,category,field,value,source,colour").expect_err("unknown");
        assert!(e.contains("`colour`"), "{e}");
    }
}
