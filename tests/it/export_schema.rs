//! The download's documented schema (`docs/export-v1.md`) keeps up with the code: every
//! field name the portal writes into `export.json` is described there.

use std::collections::BTreeSet;

use crate::helpers::{Backend, TestApp};

fn field_names(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                field_names(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| field_names(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exported_field_is_documented() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let browser = app.signed_in("demo@example.com").await;
    let doc: serde_json::Value = browser.get("/download/export.json").await.json().await.unwrap();
    let mut names = BTreeSet::new();
    field_names(&doc, &mut names);
    assert!(names.len() > 40);
    let documentation =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/export-v1.md")).unwrap();
    let undocumented: Vec<&String> = names.iter().filter(|n| !documentation.contains(&format!("`{n}`"))).collect();
    assert!(undocumented.is_empty(), "fields missing from docs/export-v1.md: {undocumented:?}");
}
