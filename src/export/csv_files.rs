//! The download as CSV files in a zip. Cells that a spreadsheet would run as a formula
//! are defused (OWASP "CSV injection").

use std::io::Write;

use serde_json::Value;
use zip::write::SimpleFileOptions;

/// A cell made safe for spreadsheets: values starting with `=`, `+`, `-`, `@`, tab or
/// carriage return get a leading apostrophe, so they are shown, never evaluated.
pub fn formula_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(headers)?;
    for row in rows {
        writer.write_record(row.iter().map(|c| formula_safe(c)))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The JSON document (`super::json_document`) as CSV files in a zip.
pub fn csv_zip(doc: &Value) -> Result<Vec<u8>, String> {
    let empty = Vec::new();
    let list = |v: &Value, key: &str| -> Vec<Value> { v.get(key).and_then(Value::as_array).unwrap_or(&empty).clone() };
    let entities = list(doc, "entities");

    let records = table(
        &[
            "entity",
            "category",
            "field",
            "value",
            "source",
            "received_from",
            "collected_at",
            "updated_at",
            "purposes",
            "retention_end",
            "restricted_since",
        ],
        entities.iter().flat_map(|e| {
            let entity = text(&e["key"]);
            list(e, "records").into_iter().map(move |r| {
                vec![
                    entity.clone(),
                    text(&r["category"]["key"]),
                    text(&r["label"]),
                    text(&r["value"]),
                    text(&r["source"]),
                    text(&r["received_from"]),
                    text(&r["collected_at"]),
                    text(&r["updated_at"]),
                    text(&r["purposes"]),
                    text(&r["retention_end"]),
                    text(&r["restricted_since"]),
                ]
            })
        }),
    );
    let purposes = table(
        &["entity", "purpose", "reference", "name", "legal_basis", "legitimate_interest", "retention"],
        entities.iter().flat_map(|e| {
            let entity = text(&e["key"]);
            list(e, "purposes").into_iter().map(move |p| {
                vec![
                    entity.clone(),
                    text(&p["key"]),
                    text(&p["reference"]),
                    text(&p["name"]),
                    text(&p["legal_basis"]),
                    text(&p["legitimate_interest"]),
                    text(&p["retention"]["rule"]),
                ]
            })
        }),
    );
    let disclosures = table(
        &["recipient", "kind", "country", "transfer_safeguard", "entity", "purpose", "categories", "disclosed_at"],
        list(doc, "disclosures").into_iter().map(|d| {
            vec![
                text(&d["recipient"]["name"]),
                text(&d["recipient"]["kind"]),
                text(&d["recipient"]["country"]),
                text(&d["recipient"]["transfer_safeguard"]),
                text(&d["entity"]),
                text(&d["purpose"]),
                text(&d["categories"]),
                text(&d["disclosed_at"]),
            ]
        }),
    );
    let preferences = table(
        &["entity", "channel", "granted", "updated_at"],
        entities.iter().flat_map(|e| {
            let entity = text(&e["key"]);
            list(e, "marketing_preferences")
                .into_iter()
                .map(move |p| vec![entity.clone(), text(&p["channel"]), text(&p["granted"]), text(&p["updated_at"])])
        }),
    );
    let consent = table(
        &["at", "entity", "channel", "purpose", "granted", "method", "by", "notice_version"],
        list(doc, "consent_history").into_iter().map(|c| {
            vec![
                text(&c["at"]),
                text(&c["entity"]),
                text(&c["channel"]),
                text(&c["purpose"]),
                text(&c["granted"]),
                text(&c["method"]),
                text(&c["by"]),
                text(&c["notice_version"]),
            ]
        }),
    );
    let requests = table(
        &["reference", "kind", "entity", "status", "received_at", "due_at", "completed_at"],
        list(doc, "requests").into_iter().map(|r| {
            vec![
                text(&r["reference"]),
                text(&r["kind"]),
                text(&r["entity"]),
                text(&r["status"]),
                text(&r["received_at"]),
                text(&r["due_at"]),
                text(&r["completed_at"]),
            ]
        }),
    );
    let readme = format!(
        "Your data from the privacy portal, generated at {}.\r\n\r\nrecords.csv: everything held, per entity and category, with its source and purposes.\r\npurposes.csv: why, on what legal basis, and for how long.\r\ndisclosures.csv: who received which data, when.\r\npreferences.csv and consent_history.csv: your marketing choices and their history.\r\nrequests.csv: your rights requests.\r\n\r\nexport.json holds the same in one machine-readable document ({}), documented at docs/export-v1.md.\r\nCells that start with = + - or @ have a leading apostrophe so spreadsheets show rather than run them.\r\n",
        text(&doc["generated_at"]),
        super::SCHEMA
    );

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let json = serde_json::to_vec_pretty(doc).map_err(|e| e.to_string())?;
    for (name, content) in [
        ("README.txt", Ok(readme.into_bytes())),
        ("records.csv", records),
        ("purposes.csv", purposes),
        ("disclosures.csv", disclosures),
        ("preferences.csv", preferences),
        ("consent_history.csv", consent),
        ("requests.csv", requests),
        ("export.json", Ok(json)),
    ] {
        let content = content.map_err(|e| format!("{name}: {e}"))?;
        zip.start_file(name, options).map_err(|e| e.to_string())?;
        zip.write_all(&content).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        for dangerous in ["=HYPERLINK(\"http://evil\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(formula_safe(dangerous).starts_with('\''), "{dangerous:?}");
        }
        assert_eq!(formula_safe("Sam de Vries"), "Sam de Vries");
        assert_eq!(formula_safe(""), "");
    }

    #[test]
    fn zip_holds_every_file_and_csv_is_quoted() {
        let doc = serde_json::json!({
            "generated_at": "2026-11-21T00:00:00Z",
            "entities": [{ "key": "acme", "records": [{ "category": { "key": "contact" }, "label": "Name", "value": "=cmd|' /C calc'!A0, \"quoted\"", "purposes": ["a", "b"] }] }],
        });
        let bytes = csv_zip(&doc).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
        for expected in [
            "README.txt",
            "records.csv",
            "purposes.csv",
            "disclosures.csv",
            "preferences.csv",
            "consent_history.csv",
            "requests.csv",
            "export.json",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} in {names:?}");
        }
        let mut records = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("records.csv").unwrap(), &mut records).unwrap();
        let mut reader = csv::Reader::from_reader(records.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[3], "'=cmd|' /C calc'!A0, \"quoted\"");
        assert_eq!(&row[8], "a; b");
    }
}
