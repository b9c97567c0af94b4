//! The catalog file is synced into the database in one transaction: what is stored
//! reads back equal to the file; edits apply; removing an item that data refers to is
//! refused with a message naming it, and then nothing of that start is applied.

use std::path::{Path, PathBuf};

use diesel::prelude::*;
use privacy_portal::catalog::Catalog;
use privacy_portal::db::queries::catalog as catalog_queries;
use privacy_portal::db::schema::*;
use privacy_portal::startup::prepare;

use crate::helpers::test_app::test_settings;
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    stored_catalog_reads_back_equal_to_the_file,
    removing_an_item_in_use_is_refused_and_nothing_applies,
    edits_and_removals_of_unused_items_apply
);

fn shipped_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/catalog.toml")
}

/// Sorts lists whose stored order is the catalog's global order, not the file's.
fn normalised(mut c: Catalog) -> String {
    for e in &mut c.entities {
        e.marketing_channels.sort();
    }
    for p in &mut c.purposes {
        p.categories.sort();
    }
    for r in &mut c.recipients {
        r.marketing.sort_by(|a, b| a.entity.cmp(&b.entity));
        for m in &mut r.marketing {
            m.channels.sort();
        }
    }
    format!("{c:?}")
}

/// Writes an edited copy of the shipped catalog and returns its path.
fn edited_catalog(dir: &Path, edit: impl FnOnce(&mut toml::Table)) -> PathBuf {
    let mut table: toml::Table = std::fs::read_to_string(shipped_catalog()).unwrap().parse().unwrap();
    edit(&mut table);
    let path = dir.join("catalog.toml");
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    path
}

fn items<'a>(table: &'a mut toml::Table, kind: &str) -> &'a mut Vec<toml::Value> {
    table.get_mut(kind).and_then(toml::Value::as_array_mut).unwrap()
}

fn key_of(item: &toml::Value) -> &str {
    item.get("key").and_then(toml::Value::as_str).unwrap()
}

async fn rerun_prepare(app: &TestApp, catalog: &Path) -> Result<(), String> {
    let path = catalog.display().to_string();
    let settings = test_settings(&app.db, &[("PORTAL_CATALOG__PATH", &path)]);
    tokio::task::spawn_blocking(move || {
        prepare(&settings, &privacy_portal::clock::SystemClock, false).map(|_| ()).map_err(|e| format!("{e:#}"))
    })
    .await
    .unwrap()
}

async fn stored_catalog_reads_back_equal_to_the_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let from_file = Catalog::load(&shipped_catalog()).unwrap();
    let stored = app.state.db.run(catalog_queries::load).await.unwrap();
    assert_eq!(normalised(stored.catalog), normalised(from_file.clone()));
    assert_eq!(stored.ids.entities.len(), 3);
    assert_eq!(stored.ids.purposes.len(), from_file.purposes.len());
}

async fn removing_an_item_in_use_is_refused_and_nothing_applies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let path = edited_catalog(app.db.dir(), |t| {
        items(t, "purposes").retain(|p| key_of(p) != "rely-services");
        let holdings = items(t, "entities").iter_mut().find(|e| key_of(e) == "claranet-holdings").unwrap();
        holdings.as_table_mut().unwrap().insert("legal_name".into(), "Renamed Holdings B.V.".into());
    });
    let error = rerun_prepare(&app, &path).await.unwrap_err();
    assert!(error.contains(&format!("catalog {}", path.display())), "{error}");
    assert!(error.contains("cannot remove purpose `rely-services`") && error.contains("records"), "{error}");
    let (name, purpose) = app
        .state
        .db
        .run(|c| {
            let name: String =
                entities::table.filter(entities::key.eq("claranet-holdings")).select(entities::legal_name).first(c)?;
            let purpose: i64 = purposes::table.filter(purposes::key.eq("rely-services")).count().get_result(c)?;
            Ok((name, purpose))
        })
        .await
        .unwrap();
    assert_eq!(name, "Claranet Benelux Holdings B.V.", "the rename in the refused start was not applied");
    assert_eq!(purpose, 1);
}

async fn edits_and_removals_of_unused_items_apply(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let unused: Vec<String> = app
        .state
        .db
        .run(|c| {
            let used_by_records = record_purposes::table.select(record_purposes::purpose_id);
            let used_by_disclosures = disclosures::table.select(disclosures::purpose_id);
            Ok(purposes::table
                .filter(purposes::id.ne_all(used_by_records))
                .filter(purposes::id.ne_all(used_by_disclosures))
                .select(purposes::key)
                .load(c)?)
        })
        .await
        .unwrap();
    let removed = unused.first().expect("the catalog has a purpose no demo data uses").clone();
    let removed_in_edit = removed.clone();
    let path = edited_catalog(app.db.dir(), move |t| {
        items(t, "purposes").retain(|p| key_of(p) != removed_in_edit);
        let mut new_purpose = items(t, "purposes")[0].clone();
        new_purpose.as_table_mut().unwrap().insert("key".into(), "brand-new-purpose".into());
        items(t, "purposes").push(new_purpose);
        let rely = items(t, "entities").iter_mut().find(|e| key_of(e) == "claranet-benelux").unwrap();
        rely.as_table_mut().unwrap().insert("dpo_name".into(), "Nieuwe Functionaris".into());
    });
    rerun_prepare(&app, &path).await.unwrap();
    let stored = app.state.db.run(catalog_queries::load).await.unwrap();
    assert!(stored.catalog.purposes.iter().all(|p| p.key.as_str() != removed), "{removed} removed");
    assert!(stored.catalog.purposes.iter().any(|p| p.key.as_str() == "brand-new-purpose"));
    let rely = stored.catalog.entities.iter().find(|e| e.key.as_str() == "claranet-benelux").unwrap();
    assert_eq!(rely.dpo_name, "Nieuwe Functionaris");
    // Running the same file again changes nothing (idempotent).
    rerun_prepare(&app, &path).await.unwrap();
    let again = app.state.db.run(catalog_queries::load).await.unwrap();
    assert_eq!(normalised(again.catalog), normalised(stored.catalog));
}
